/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NV item 550 (NV_UE_IMEI_I) holds the IMEI as README.md "IMEI in NV 550"
 * says: byte 0 is 8 (the length of what follows), byte 1 is
 * (first digit << 4) | 0xA, then the 14 other digits as packed BCD, low
 * nibble first. Pure functions. */

#define IR_QC_NV_IMEI_LEN  9 /* bytes of the 128-byte item that carry it */
#define IR_QC_NV_IMEI_BYTE 0x08
#define IR_QC_NV_IMEI_TYPE 0x0A

/* Encodes @imei (15 decimal digits) into @out (IR_QC_NV_IMEI_LEN bytes);
 * IR_ERROR_INVALID_INPUT for anything else, @out untouched. */
gboolean ir_qc_nv_imei_encode (const char *imei, guint8 *out, GError **error);

typedef enum {
	IR_QC_NV_IMEI_SET,	 /* a well-formed item: 15 digits */
	IR_QC_NV_IMEI_UNSET,	 /* all 0x00 or all 0xFF: never written */
	IR_QC_NV_IMEI_MALFORMED, /* anything else */
} IrQcNvImeiKind;

/* Decodes the first IR_QC_NV_IMEI_LEN bytes of @data (@len may be more:
 * the rest of the item is not looked at). Never fails: SET gives the 15
 * digits; UNSET NULL; MALFORMED a text for the slot that no IMEI check
 * accepts ("nv550:" and the nine bytes in hex), and @why says what is wrong
 * (may be NULL). Fewer than IR_QC_NV_IMEI_LEN bytes is MALFORMED. */
IrQcNvImeiKind ir_qc_nv_imei_decode (const guint8 *data, gsize len, char **imei, char **why);

G_END_DECLS
