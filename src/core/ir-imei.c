/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-imei.h"

static gboolean
ir_imei_is_digits (const char *s, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit (s[i]))
			return FALSE;
	}
	return TRUE;
}

/* 3GPP TS 23.003 Annex B: double every second digit from the right of the
 * 14 identity digits (i.e. the 2nd, 4th, ... from the left), add the digits
 * of the products, and take what brings the sum to a multiple of ten. */
char
ir_imei_check_digit (const char *digits)
{
	guint sum = 0;

	if (digits == NULL || strnlen (digits, IR_IMEI_ID_LEN) < IR_IMEI_ID_LEN ||
	    !ir_imei_is_digits (digits, IR_IMEI_ID_LEN))
		return 0;
	for (guint i = 0; i < IR_IMEI_ID_LEN; i++) {
		guint d = (guint)(digits[i] - '0');
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* Names the first thing wrong with the shape of @s, or NULL if it is
 * @want decimal digits. */
static char *
ir_imei_shape_problem (const char *s, gsize want)
{
	gsize len = strlen (s);

	if (len == 0)
		return g_strdup ("it is empty");
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit (s[i]))
			return g_strdup_printf ("character %" G_GSIZE_FORMAT " is not a digit",
						i + 1);
	}
	if (len != want)
		return g_strdup_printf (
		    "it has %" G_GSIZE_FORMAT " digits, not %" G_GSIZE_FORMAT, len, want);
	return NULL;
}

gboolean
ir_imei_validate (const char *imei, GError **error)
{
	g_autofree char *problem = NULL;
	char cd;

	g_return_val_if_fail (imei != NULL, FALSE);

	problem = ir_imei_shape_problem (imei, IR_IMEI_LEN);
	if (problem != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not an IMEI: %s; an IMEI is 15 digits",
			     imei,
			     problem);
		return FALSE;
	}
	cd = ir_imei_check_digit (imei);
	if (imei[IR_IMEI_ID_LEN] != cd) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEI %s has check digit %c, but its first 14 digits give %c: "
			     "check the number on the box or the brand's record",
			     imei,
			     imei[IR_IMEI_ID_LEN],
			     cd);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_imei_validate_imeisv (const char *imeisv, GError **error)
{
	g_autofree char *problem = NULL;

	g_return_val_if_fail (imeisv != NULL, FALSE);

	problem = ir_imei_shape_problem (imeisv, IR_IMEISV_LEN);
	if (problem != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not an IMEISV: %s; an IMEISV is 16 digits",
			     imeisv,
			     problem);
		return FALSE;
	}
	/* TS 23.003 §6.2.2: SVN 99 is reserved for future use */
	if (g_str_equal (imeisv + IR_IMEI_ID_LEN, "99")) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEISV %s has software version 99, which 3GPP reserves",
			     imeisv);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_imei_same_identity (const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return FALSE;
	if (strnlen (a, IR_IMEI_ID_LEN) < IR_IMEI_ID_LEN ||
	    strnlen (b, IR_IMEI_ID_LEN) < IR_IMEI_ID_LEN)
		return FALSE;
	if (!ir_imei_is_digits (a, IR_IMEI_ID_LEN) || !ir_imei_is_digits (b, IR_IMEI_ID_LEN))
		return FALSE;
	return memcmp (a, b, IR_IMEI_ID_LEN) == 0;
}

IrImeiStatus
ir_imei_classify (const char *imei)
{
	if (imei == NULL || imei[0] == '\0')
		return IR_IMEI_STATUS_EMPTY;
	if (strlen (imei) != IR_IMEI_LEN || !ir_imei_is_digits (imei, IR_IMEI_LEN))
		return IR_IMEI_STATUS_MALFORMED;
	/* all zeros also "passes" Luhn: test it first */
	if (strspn (imei, "0") == IR_IMEI_LEN)
		return IR_IMEI_STATUS_FACTORY_DEFAULT;
	if (imei[IR_IMEI_ID_LEN] != ir_imei_check_digit (imei))
		return IR_IMEI_STATUS_BAD_CHECK_DIGIT;
	return IR_IMEI_STATUS_VALID;
}

IrImeiStatus
ir_imei_classify_full (const char *imei, const IrDuplicateList *dups)
{
	IrImeiStatus status = ir_imei_classify (imei);

	if (status == IR_IMEI_STATUS_VALID && dups != NULL &&
	    ir_duplicate_list_contains (dups, imei))
		return IR_IMEI_STATUS_DUPLICATE;
	return status;
}

const char *
ir_imei_status_to_string (IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_VALID:
		return "valid";
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return "factory-default";
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		return "bad-check-digit";
	case IR_IMEI_STATUS_MALFORMED:
		return "malformed";
	case IR_IMEI_STATUS_DUPLICATE:
		return "duplicate";
	case IR_IMEI_STATUS_EMPTY:
		return "empty";
	default:
		g_assert_not_reached ();
	}
}

char *
ir_imei_describe (const char *imei, IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_VALID:
		return g_strdup ("valid IMEI");
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return g_strdup (
		    "all zeros: wiped to the factory default, needs its original IMEI");
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		return g_strdup_printf ("check digit is %c, should be %c for these 14 digits",
					imei[IR_IMEI_ID_LEN],
					ir_imei_check_digit (imei));
	case IR_IMEI_STATUS_MALFORMED: {
		g_autofree char *problem = ir_imei_shape_problem (imei, IR_IMEI_LEN);
		return g_strdup_printf ("not an IMEI: %s", problem != NULL ? problem : "bad shape");
	}
	case IR_IMEI_STATUS_DUPLICATE:
		return g_strdup ("known duplicate: shared by many phones, needs its original IMEI");
	case IR_IMEI_STATUS_EMPTY:
		return g_strdup ("slot is empty");
	default:
		g_assert_not_reached ();
	}
}
