/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* DIAG (QCDM) packets the qualcomm family uses, as payloads before HDLC
 * framing (ir-qc-hdlc.h), and the pure parsers of their answers
 * (README.md "Commands"). Multi-byte fields are little-endian. */

typedef enum {
	IR_QC_DIAG_VERSION_INFO = 0x00,
	IR_QC_DIAG_ESN = 0x01,
	IR_QC_DIAG_BAD_CMD = 0x13,
	IR_QC_DIAG_BAD_PARM = 0x14,
	IR_QC_DIAG_BAD_LEN = 0x15,
	IR_QC_DIAG_BAD_MODE = 0x18,
	IR_QC_DIAG_NV_READ = 0x26,
	IR_QC_DIAG_NV_WRITE = 0x27,
	IR_QC_DIAG_CONTROL = 0x29,
	IR_QC_DIAG_SPC = 0x41,
	IR_QC_DIAG_BAD_SPC_MODE = 0x42,
	IR_QC_DIAG_SUBSYS = 0x4B,
	IR_QC_DIAG_EXT_BUILD_ID = 0x7C,
} IrQcDiagCommand;

/* DIAG_CONTROL modes (libqcdm DMControlMode) */
#define IR_QC_DIAG_MODE_OFFLINE 1
#define IR_QC_DIAG_MODE_RESET	2

/* NV items: the data field is always 128 bytes; NV_UE_IMEI_I is 550. */
#define IR_QC_NV_ITEM_SIZE 128
#define IR_QC_NV_UE_IMEI   550
/* the subsystem command that reaches a subscription's NV items */
#define IR_QC_SUBSYS_NV		  0x30
#define IR_QC_SUBSYS_NV_READ_EXT  0x01
#define IR_QC_SUBSYS_NV_WRITE_EXT 0x02
/* the SPC is six decimal digits */
#define IR_QC_SPC_LEN 6

/* nv_stat_enum_type: every status an NV read or write answers. */
typedef enum {
	IR_QC_NV_DONE = 0,
	IR_QC_NV_BUSY = 1,
	IR_QC_NV_BAD_COMMAND = 2,
	IR_QC_NV_FULL = 3,
	IR_QC_NV_FAIL = 4,
	IR_QC_NV_INACTIVE = 5,
	IR_QC_NV_BAD_PARAMETER = 6,
	IR_QC_NV_READ_ONLY = 7,
	IR_QC_NV_BAD_TAG = 8,
	IR_QC_NV_NO_MEMORY = 9,
	IR_QC_NV_NOT_ALLOCATED = 10,
} IrQcNvStatus;

/* "done", "busy", ..., "not allocated"; NULL for a status outside the enum */
const char *ir_qc_diag_nv_status_to_string (guint status);

/* A non-DONE status as a GError naming @what ("NV item 550 on slot 1"),
 * one message per status, with a code that tells callers what to do:
 * BUSY IR_ERROR_TIMEOUT (asked again by reads), READ_ONLY IR_ERROR_READ_ONLY
 * and INACTIVE on a write IR_ERROR_NOT_SUPPORTED (hard stops), BAD_COMMAND /
 * BAD_PARAMETER / BAD_TAG IR_ERROR_NOT_SUPPORTED, the rest IR_ERROR_FAILED.
 * An unknown status is IR_ERROR_PROTOCOL. */
void
ir_qc_diag_nv_status_set_error (guint status, gboolean write, const char *what, GError **error);

/* Requests. The SPC request refuses anything but six digits
 * (IR_ERROR_INVALID_INPUT) before a byte is built. */
GBytes *ir_qc_diag_request_simple (IrQcDiagCommand command);
GBytes *
ir_qc_diag_request_nv (IrQcDiagCommand command, guint16 item, const guint8 *data, gsize len);
GBytes *ir_qc_diag_request_nv_ext (
    gboolean write, guint16 item, guint16 context, const guint8 *data, gsize len);
GBytes *ir_qc_diag_request_control (guint16 mode);
GBytes *ir_qc_diag_request_spc (const char *spc, GError **error);

/* The answer to @command, checked: the phone's refusals (bad command, bad
 * parameter, bad length, bad mode) are IR_ERROR_NOT_SUPPORTED ("the phone
 * does not support ..."); "SPC locked" (0x42) IR_ERROR_SPC_LOCKED;
 * another command's answer or one shorter than @min_len IR_ERROR_PROTOCOL. */
gboolean ir_qc_diag_check_response (
    const guint8 *payload, gsize len, IrQcDiagCommand command, gsize min_len, GError **error);

/* An NV read or write answer (plain, or through the subsystem command when
 * @context >= 0): the item and context it echoes, its status and data. */
typedef struct {
	guint16 item;
	guint16 context;
	guint16 status;
	guint8 data[IR_QC_NV_ITEM_SIZE];
} IrQcNvResponse;

/* Parses the answer to an NV request for @item (and @context, -1 for the
 * plain command): checked as ir_qc_diag_check_response(), then the echoed
 * item and context must match. The status is returned, not judged: the
 * caller maps it with ir_qc_diag_nv_status_set_error(). */
gboolean ir_qc_diag_parse_nv (const guint8 *payload,
			      gsize len,
			      gboolean write,
			      guint16 item,
			      int context,
			      IrQcNvResponse *out,
			      GError **error);

/* ESN answer: the 32-bit ESN as 8 upper-case hex digits. */
char *ir_qc_diag_parse_esn (const guint8 *payload, gsize len, GError **error);

/* Version info answer: the model string (8 bytes, trailing NULs and
 * blanks removed); printable ASCII only. */
char *ir_qc_diag_parse_version_model (const guint8 *payload, gsize len, GError **error);

/* Extended build id answer: the build id and model strings. */
gboolean ir_qc_diag_parse_ext_build_id (
    const guint8 *payload, gsize len, char **build_id, char **model, GError **error);

/* SPC answer: TRUE when the phone accepted the code; FALSE without error
 * when it refused it. */
gboolean
ir_qc_diag_parse_spc (const guint8 *payload, gsize len, gboolean *accepted, GError **error);

G_END_DECLS
