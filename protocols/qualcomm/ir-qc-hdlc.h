/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The async HDLC-like framing of Qualcomm DIAG (QCDM), README.md "Framing":
 * the payload, its CRC-16/X.25 sent little-endian, both escaped (0x7E and
 * 0x7D become 0x7D, byte ^ 0x20), then a 0x7E terminator. Pure functions:
 * no I/O, so that the host driver, the simulator and the fuzz target share
 * them. */

#define IR_QC_HDLC_FLAG	      0x7E
#define IR_QC_HDLC_ESCAPE     0x7D
#define IR_QC_HDLC_ESCAPE_XOR 0x20
/* The longest payload either side takes. DIAG's NV packets are 133 bytes
 * (138 through the subsystem command); 2048 leaves room for the version
 * strings while a line that never sends a terminator is cut off early. */
#define IR_QC_HDLC_MAX_PAYLOAD 2048
/* escaped payload and CRC, plus the terminator, at worst */
#define IR_QC_HDLC_MAX_FRAME (2 * (IR_QC_HDLC_MAX_PAYLOAD + 2) + 1)

/* CRC-16/X.25 (poly 0x1021 reflected, init 0xFFFF, xorout 0xFFFF): the
 * check value of "123456789" is 0x906E. */
guint16 ir_qc_hdlc_crc16 (const guint8 *data, gsize len);

/* The frame for @payload (1..IR_QC_HDLC_MAX_PAYLOAD bytes), terminator
 * included. */
GBytes *ir_qc_hdlc_encode (const guint8 *payload, gsize len);

/* The payload of one frame as it came off the line, with or without its
 * 0x7E terminator (a frame must not contain another one). IR_ERROR_PROTOCOL
 * naming what is wrong: empty, shorter than a CRC, a dangling or invalid
 * escape, oversize, or a CRC that does not match. */
GBytes *ir_qc_hdlc_decode (const guint8 *frame, gsize len, GError **error);

/* Splits a byte stream into frames at each 0x7E. Leading terminators
 * (hosts send one to flush the phone's receiver) make empty frames, which
 * are skipped. A run of more than IR_QC_HDLC_MAX_FRAME bytes without a
 * terminator is oversize: reported once, then skipped up to the next one. */
typedef struct _IrQcHdlcReader IrQcHdlcReader;

IrQcHdlcReader *ir_qc_hdlc_reader_new (void);
void ir_qc_hdlc_reader_free (IrQcHdlcReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrQcHdlcReader, ir_qc_hdlc_reader_free)

/* Takes bytes from @data up to and including the next terminator and sets
 * *@used to how many it took. Returns the decoded payload when a frame
 * ended there; NULL with @error set when that frame was bad (the reader is
 * ready for the next one); NULL without error when every byte was taken
 * and no frame ended yet. */
GBytes *ir_qc_hdlc_reader_push (
    IrQcHdlcReader *reader, const guint8 *data, gsize len, gsize *used, GError **error);

/* Forgets a partial frame (a new command is about to be sent). */
void ir_qc_hdlc_reader_reset (IrQcHdlcReader *reader);

/* Bytes of a partial frame held (0 between frames). */
gsize ir_qc_hdlc_reader_get_pending (IrQcHdlcReader *reader);

G_END_DECLS
