/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-imei.h"

struct _IrDuplicateList {
	GHashTable *ids; /* 14-digit identities */
};

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

IrDuplicateList *
ir_duplicate_list_new (void)
{
	IrDuplicateList *self = g_new0 (IrDuplicateList, 1);
	self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	return self;
}

void
ir_duplicate_list_free (IrDuplicateList *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref (self->ids);
	g_free (self);
}

/* One entry: 14 identity digits, or 15 with a correct check digit. A wrong
 * check digit is an error rather than a silent truncation: the brand's file
 * is then damaged, and matching on it would mislead the technician. */
static gboolean
ir_duplicate_list_parse_entry (const char *entry, char id[IR_IMEI_ID_LEN + 1], GError **error)
{
	gsize len = strlen (entry);

	if ((len != IR_IMEI_ID_LEN && len != IR_IMEI_LEN) || !ir_imei_is_digits (entry, len)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is neither a 15-digit IMEI nor a 14-digit identity",
			     entry);
		return FALSE;
	}
	if (len == IR_IMEI_LEN && !ir_imei_validate (entry, error))
		return FALSE;
	memcpy (id, entry, IR_IMEI_ID_LEN);
	id[IR_IMEI_ID_LEN] = '\0';
	return TRUE;
}

gboolean
ir_duplicate_list_parse (
    IrDuplicateList *self, const char *text, gsize len, const char *origin, GError **error)
{
	g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
	g_auto (GStrv) lines = NULL;
	g_autofree char *copy = NULL;

	if (!g_utf8_validate_len (text, len, NULL)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "duplicate list %s is not UTF-8 text: ask the brand for the file again",
		    origin);
		return FALSE;
	}
	copy = g_strndup (text, len);
	lines = g_strsplit (copy, "\n", -1);

	/* collect first, so a bad line leaves the list as it was */
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr (GError) error_local = NULL;
		char id[IR_IMEI_ID_LEN + 1];
		char *hash = strchr (lines[i], '#');

		if (hash != NULL)
			*hash = '\0';
		g_strstrip (lines[i]);
		if (lines[i][0] == '\0')
			continue;
		if (!ir_duplicate_list_parse_entry (lines[i], id, &error_local)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "duplicate list %s, line %u: %s",
				     origin,
				     i + 1,
				     error_local->message);
			return FALSE;
		}
		g_ptr_array_add (ids, g_strdup (id));
	}
	for (guint i = 0; i < ids->len; i++)
		g_hash_table_add (self->ids, g_steal_pointer (&ids->pdata[i]));
	return TRUE;
}

IrDuplicateList *
ir_duplicate_list_load (const char *path, GError **error)
{
	g_autoptr (IrDuplicateList) self = ir_duplicate_list_new ();
	g_autoptr (GError) error_local = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents (path, &text, &len, &error_local)) {
		/* a file the user named: bad input whatever the cause */
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the duplicate list: %s; check the path given",
			     error_local->message);
		return NULL;
	}
	if (!ir_duplicate_list_parse (self, text, len, path, error))
		return NULL;
	return g_steal_pointer (&self);
}

gboolean
ir_duplicate_list_contains (const IrDuplicateList *self, const char *imei)
{
	char id[IR_IMEI_ID_LEN + 1];

	if (imei == NULL || strnlen (imei, IR_IMEI_ID_LEN) < IR_IMEI_ID_LEN)
		return FALSE;
	memcpy (id, imei, IR_IMEI_ID_LEN);
	id[IR_IMEI_ID_LEN] = '\0';
	return g_hash_table_contains (self->ids, id);
}

guint
ir_duplicate_list_size (const IrDuplicateList *self)
{
	return g_hash_table_size (self->ids);
}
