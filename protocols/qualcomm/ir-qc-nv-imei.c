/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-imei.h"
#include "ir-qc-nv-imei.h"

gboolean
ir_qc_nv_imei_encode (const char *imei, guint8 *out, GError **error)
{
	guint8 buf[IR_QC_NV_IMEI_LEN] = {IR_QC_NV_IMEI_BYTE};

	g_return_val_if_fail (out != NULL, FALSE);

	if (imei == NULL || strlen (imei) != IR_IMEI_LEN ||
	    strspn (imei, "0123456789") != IR_IMEI_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not 15 decimal digits: it cannot go into NV item 550",
			     imei != NULL ? imei : "(null)");
		return FALSE;
	}
	buf[1] = (guint8)(((imei[0] - '0') << 4) | IR_QC_NV_IMEI_TYPE);
	/* digits 2..15 pair up low nibble first */
	for (guint i = 1; i < IR_IMEI_LEN; i += 2) {
		guint8 lo = (guint8)(imei[i] - '0');
		guint8 hi = (guint8)(imei[i + 1] - '0');
		buf[2 + (i - 1) / 2] = (guint8)((hi << 4) | lo);
	}
	memcpy (out, buf, sizeof (buf));
	return TRUE;
}

static gboolean
ir_qc_nv_imei_is_filled (const guint8 *data, guint8 fill)
{
	for (guint i = 0; i < IR_QC_NV_IMEI_LEN; i++) {
		if (data[i] != fill)
			return FALSE;
	}
	return TRUE;
}

static char *
ir_qc_nv_imei_hex (const guint8 *data, gsize len)
{
	GString *out = g_string_new ("nv550:");

	for (gsize i = 0; i < MIN (len, (gsize)IR_QC_NV_IMEI_LEN); i++)
		g_string_append_printf (out, "%02x", data[i]);
	return g_string_free (out, FALSE);
}

/* The 15 nibbles in IMEI order: the first digit, then low, high of each
 * following byte. The first nibble > 9 is named in @why. */
static gboolean
ir_qc_nv_imei_digits (const guint8 *data, char *digits, char **why)
{
	guint8 nibbles[IR_IMEI_LEN];

	nibbles[0] = data[1] >> 4;
	for (guint i = 0; i < 7; i++) {
		nibbles[1 + 2 * i] = data[2 + i] & 0x0F;
		nibbles[2 + 2 * i] = data[2 + i] >> 4;
	}
	for (guint i = 0; i < IR_IMEI_LEN; i++) {
		if (nibbles[i] > 9) {
			if (why != NULL)
				*why = g_strdup_printf (
				    "digit %u is the nibble 0x%X, not a decimal digit",
				    i + 1,
				    nibbles[i]);
			return FALSE;
		}
		digits[i] = (char)('0' + nibbles[i]);
	}
	digits[IR_IMEI_LEN] = '\0';
	return TRUE;
}

IrQcNvImeiKind
ir_qc_nv_imei_decode (const guint8 *data, gsize len, char **imei, char **why)
{
	char digits[IR_IMEI_LEN + 1];

	g_return_val_if_fail (data != NULL || len == 0, IR_QC_NV_IMEI_MALFORMED);
	g_return_val_if_fail (imei != NULL, IR_QC_NV_IMEI_MALFORMED);

	*imei = NULL;
	if (len < IR_QC_NV_IMEI_LEN) {
		if (why != NULL)
			*why = g_strdup_printf (
			    "%" G_GSIZE_FORMAT " bytes, an IMEI needs %d", len, IR_QC_NV_IMEI_LEN);
		*imei = ir_qc_nv_imei_hex (data, len);
		return IR_QC_NV_IMEI_MALFORMED;
	}
	if (ir_qc_nv_imei_is_filled (data, 0x00) || ir_qc_nv_imei_is_filled (data, 0xFF))
		return IR_QC_NV_IMEI_UNSET;
	if (data[0] != IR_QC_NV_IMEI_BYTE) {
		if (why != NULL)
			*why = g_strdup_printf (
			    "length byte is 0x%02X, expected 0x%02X", data[0], IR_QC_NV_IMEI_BYTE);
		*imei = ir_qc_nv_imei_hex (data, len);
		return IR_QC_NV_IMEI_MALFORMED;
	}
	if ((data[1] & 0x0F) != IR_QC_NV_IMEI_TYPE) {
		if (why != NULL)
			*why = g_strdup_printf ("type nibble is 0x%X, expected 0x%X",
						data[1] & 0x0F,
						IR_QC_NV_IMEI_TYPE);
		*imei = ir_qc_nv_imei_hex (data, len);
		return IR_QC_NV_IMEI_MALFORMED;
	}
	if (!ir_qc_nv_imei_digits (data, digits, why)) {
		*imei = ir_qc_nv_imei_hex (data, len);
		return IR_QC_NV_IMEI_MALFORMED;
	}
	*imei = g_strdup (digits);
	return IR_QC_NV_IMEI_SET;
}
