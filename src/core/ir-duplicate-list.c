/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-duplicate-list.h"
#include "ir-error.h"
#include "ir-imei.h"

struct _IrDuplicateList {
	GHashTable *ids; /* 14-digit identities */
};

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

	if ((len != IR_IMEI_ID_LEN && len != IR_IMEI_LEN) || strspn (entry, "0123456789") != len) {
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
