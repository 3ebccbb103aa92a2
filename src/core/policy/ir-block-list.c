/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-block-list.h"
#include "ir-error.h"
#include "ir-imei.h"

#define WHAT "block list"

static void
ir_block_list_entry_free (gpointer data)
{
	IrBlockListEntry *e = data;

	g_free (e->imei);
	g_free (e->phase);
	g_free (e->day);
	g_free (e);
}

IrBlockList *
ir_block_list_new (void)
{
	IrBlockList *list = g_new0 (IrBlockList, 1);

	list->block = g_ptr_array_new_with_free_func (ir_block_list_entry_free);
	list->unblock = g_ptr_array_new_with_free_func (ir_block_list_entry_free);
	return list;
}

void
ir_block_list_free (IrBlockList *list)
{
	if (list == NULL)
		return;
	g_free (list->time_zone);
	g_free (list->day);
	g_ptr_array_unref (list->block);
	g_ptr_array_unref (list->unblock);
	g_free (list);
}

void
ir_block_list_add (GPtrArray *entries, const char *imei, const char *phase, const char *day)
{
	IrBlockListEntry *e = g_new0 (IrBlockListEntry, 1);

	e->imei = g_strdup (imei);
	e->phase = g_strdup (phase);
	e->day = g_strdup (day);
	g_ptr_array_add (entries, e);
}

static void
ir_block_list_append_entries (GString *out, const char *name, GPtrArray *entries, gboolean last)
{
	g_string_append_printf (out, "  \"%s\": [", name);
	for (guint i = 0; i < entries->len; i++) {
		const IrBlockListEntry *e = g_ptr_array_index (entries, i);

		g_string_append_printf (
		    out, "%s{\"imei\": \"%s\", ", i > 0 ? ",\n    " : "\n    ", e->imei);
		if (e->phase != NULL) {
			g_string_append (out, "\"phase\": ");
			ir_rollout_note_append_string (out, e->phase);
		} else {
			g_string_append_printf (out, "\"scheduled\": \"%s\"", e->day);
		}
		g_string_append (out, "}");
	}
	g_string_append (out, entries->len > 0 ? "\n  ]" : "]");
	g_string_append (out, last ? "\n" : ",\n");
}

char *
ir_block_list_format (const IrBlockList *list)
{
	GString *out = g_string_new ("{\n  \"format\": \"" IR_ROLLOUT_BLOCK_LIST_FORMAT "\",\n");

	g_string_append_printf (out,
				"  \"policy_version\": %" G_GINT64_FORMAT ",\n  \"time_zone\": ",
				list->policy_version);
	ir_rollout_note_append_string (out, list->time_zone);
	g_string_append_printf (
	    out,
	    ",\n  \"day\": \"%s\",\n  \"national_block_cap\": %" G_GUINT64_FORMAT ",\n",
	    list->day,
	    list->cap);
	ir_block_list_append_entries (out, "block", list->block, FALSE);
	ir_block_list_append_entries (out, "unblock", list->unblock, TRUE);
	g_string_append (out, "}\n");
	return g_string_free (out, FALSE);
}

static gboolean
ir_block_list_parse_entries (
    JsonObject *root, const char *name, GPtrArray *entries, GHashTable *seen, GError **error)
{
	JsonArray *array = ir_rollout_note_get_array (root, WHAT, name, error);
	gboolean block = g_strcmp0 (name, "block") == 0;
	static const char *const block_known[] = {"imei", "phase", NULL};
	static const char *const unblock_known[] = {"imei", "scheduled", NULL};

	if (array == NULL)
		return FALSE;
	for (guint i = 0; i < json_array_get_length (array); i++) {
		g_autofree char *where = g_strdup_printf (WHAT ": %s entry %u", name, i + 1);
		JsonObject *obj = ir_rollout_note_element (array, i, where, error);
		const char *imei = NULL;
		const char *other = NULL;

		if (obj == NULL || !ir_rollout_note_check_members (
				       obj, where, block ? block_known : unblock_known, error))
			return FALSE;
		imei = ir_rollout_note_get_string (obj, where, "imei", error);
		if (imei != NULL)
			other = ir_rollout_note_get_string (
			    obj, where, block ? "phase" : "scheduled", error);
		if (other == NULL)
			return FALSE;
		if (!ir_imei_validate (imei, error)) {
			g_prefix_error (error, "%s: ", where);
			return FALSE;
		}
		if (!block && !ir_rollout_note_is_date (other)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: \"scheduled\" must be a date, YYYY-MM-DD",
				     where);
			return FALSE;
		}
		if (!g_hash_table_add (seen, g_strdup (imei))) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: IMEI %s is listed twice in the block list",
				     where,
				     imei);
			return FALSE;
		}
		ir_block_list_add (entries, imei, block ? other : NULL, block ? NULL : other);
	}
	return TRUE;
}

IrBlockList *
ir_block_list_parse (JsonNode *body, const char *text, GError **error)
{
	static const char *const known[] = {"format",
					    "policy_version",
					    "time_zone",
					    "day",
					    "national_block_cap",
					    "block",
					    "unblock",
					    NULL};
	g_autoptr (IrBlockList) list = ir_block_list_new ();
	g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *canonical = NULL;
	JsonObject *root;
	guint64 version = 0;
	const char *day = NULL;

	if (!JSON_NODE_HOLDS_OBJECT (body)) {
		g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, WHAT ": not a JSON object");
		return NULL;
	}
	root = json_node_get_object (body);
	if (!ir_rollout_note_check_members (root, WHAT, known, error) ||
	    !ir_rollout_note_get_count (root, WHAT, "policy_version", &version, error) ||
	    !ir_rollout_note_get_count (root, WHAT, "national_block_cap", &list->cap, error))
		return NULL;
	list->policy_version = (gint64)MIN (version, G_MAXINT64);
	list->time_zone = g_strdup (ir_rollout_note_get_string (root, WHAT, "time_zone", error));
	if (list->time_zone != NULL)
		day = ir_rollout_note_get_string (root, WHAT, "day", error);
	if (day == NULL)
		return NULL;
	if (!ir_rollout_note_is_date (day)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     WHAT ": \"day\" must be a date, YYYY-MM-DD");
		return NULL;
	}
	list->day = g_strdup (day);
	if (!ir_block_list_parse_entries (root, "block", list->block, seen, error) ||
	    !ir_block_list_parse_entries (root, "unblock", list->unblock, seen, error))
		return NULL;
	canonical = ir_block_list_format (list);
	if (!ir_rollout_note_check_canonical (text, canonical, WHAT, error))
		return NULL;
	if (list->block->len > list->cap) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    WHAT " of %s: %u IMEIs, more than the national block cap of %" G_GUINT64_FORMAT
			 " a day",
		    list->day,
		    list->block->len,
		    list->cap);
		return NULL;
	}
	return g_steal_pointer (&list);
}
