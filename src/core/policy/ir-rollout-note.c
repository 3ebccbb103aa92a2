/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-rollout-note.h"

static gboolean ir_rollout_note_fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
ir_rollout_note_fail (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, msg);
	return FALSE;
}

IrSignedNote *
ir_rollout_note_parse (
    const char *text, gsize len, IrRolloutNoteKind *kind, JsonNode **body, GError **error)
{
	g_autoptr (IrSignedNote) note = ir_signed_note_parse (
	    text, len, IR_ROLLOUT_NOTE_MAX_LEN, "rollout report", NULL, NULL, error);
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) json_error = NULL;
	JsonNode *root;
	const char *format;

	if (note == NULL)
		return NULL;
	if (!json_parser_load_from_data (parser, note->body, -1, &json_error)) {
		ir_rollout_note_fail (
		    error, "the signed text is not a JSON document: %s", json_error->message);
		return NULL;
	}
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		ir_rollout_note_fail (error, "the signed text is not a JSON object");
		return NULL;
	}
	format = json_object_get_string_member_with_default (
	    json_node_get_object (root), "format", NULL);
	if (g_strcmp0 (format, IR_ROLLOUT_SUMMARY_FORMAT) == 0) {
		*kind = IR_ROLLOUT_NOTE_SUMMARY;
	} else if (g_strcmp0 (format, IR_ROLLOUT_BLOCK_LIST_FORMAT) == 0) {
		*kind = IR_ROLLOUT_NOTE_BLOCK_LIST;
	} else {
		ir_rollout_note_fail (error,
				      "\"format\" is neither \"" IR_ROLLOUT_SUMMARY_FORMAT
				      "\" nor \"" IR_ROLLOUT_BLOCK_LIST_FORMAT
				      "\": this is not a rollout summary or a block list");
		return NULL;
	}
	*body = json_node_copy (root);
	return g_steal_pointer (&note);
}

gboolean
ir_rollout_note_verify (const IrSignedNote *note,
			IrTrustStore *trust,
			const char *what,
			char **key_name,
			GError **error)
{
	g_auto (GStrv) pinned = ir_trust_store_get_policy_key_names (trust);
	g_autofree char *names = NULL;

	*key_name = NULL;
	for (guint i = 0; i < note->signatures->len; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (note->signatures, i);
		EVP_PKEY *key = ir_trust_store_lookup_policy_key (trust, sig->key_name);

		if (key == NULL)
			continue;
		/* a line by a pinned name that does not verify is a changed
		 * text: say so, whatever other lines there are */
		if (!ir_signed_note_verify (note, sig->key_name, key, what, error))
			return FALSE;
		*key_name = g_strdup (sig->key_name);
		return TRUE;
	}
	names = g_strjoinv (", ", pinned);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TAMPERED,
		     "%s has no signature by a brand policy key pinned in the trust store "
		     "(pinned: %s); ask the brand for its published policy key",
		     what,
		     names[0] != '\0' ? names : "none");
	return FALSE;
}

gboolean
ir_rollout_note_check_canonical (const char *body,
				 const char *canonical,
				 const char *what,
				 GError **error)
{
	guint line = 1;

	if (g_strcmp0 (body, canonical) == 0)
		return TRUE;
	for (gsize i = 0; body[i] != '\0' && body[i] == canonical[i]; i++) {
		if (body[i] == '\n')
			line++;
	}
	return ir_rollout_note_fail (error,
				     "%s: line %u is not in the canonical form imei-brandd writes "
				     "(a member repeated, reordered, respaced or unknown); it is "
				     "refused so that every reader sees the same figures",
				     what,
				     line);
}

void
ir_rollout_note_append_string (GString *out, const char *text)
{
	g_string_append_c (out, '"');
	for (const char *p = text; *p != '\0'; p++) {
		guchar c = (guchar)*p;

		if (c == '"' || c == '\\')
			g_string_append_printf (out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf (out, "\\u%04x", c);
		else
			g_string_append_c (out, (char)c);
	}
	g_string_append_c (out, '"');
}

gboolean
ir_rollout_note_check_members (JsonObject *obj,
			       const char *what,
			       const char *const *known,
			       GError **error)
{
	g_autoptr (GList) names = json_object_get_members (obj);

	for (GList *l = names; l != NULL; l = l->next) {
		if (!g_strv_contains (known, l->data))
			return ir_rollout_note_fail (
			    error, "%s: unknown member \"%s\"", what, (char *)l->data);
	}
	return TRUE;
}

static JsonNode *
ir_rollout_note_member (JsonObject *obj, const char *what, const char *name, GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL)
		ir_rollout_note_fail (error, "%s: \"%s\" is missing", what, name);
	return node;
}

const char *
ir_rollout_note_get_string (JsonObject *obj, const char *what, const char *name, GError **error)
{
	JsonNode *node = ir_rollout_note_member (obj, what, name, error);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
	    json_node_get_string (node)[0] == '\0') {
		ir_rollout_note_fail (error, "%s: \"%s\" must be a non-empty string", what, name);
		return NULL;
	}
	return json_node_get_string (node);
}

gboolean
ir_rollout_note_get_count (
    JsonObject *obj, const char *what, const char *name, guint64 *out, GError **error)
{
	JsonNode *node = ir_rollout_note_member (obj, what, name, error);

	if (node == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
	    json_node_get_int (node) < 0)
		return ir_rollout_note_fail (
		    error, "%s: \"%s\" must be a whole number, 0 or more", what, name);
	*out = (guint64)json_node_get_int (node);
	return TRUE;
}

JsonArray *
ir_rollout_note_get_array (JsonObject *obj, const char *what, const char *name, GError **error)
{
	JsonNode *node = ir_rollout_note_member (obj, what, name, error);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_ARRAY (node)) {
		ir_rollout_note_fail (error, "%s: \"%s\" must be an array", what, name);
		return NULL;
	}
	return json_node_get_array (node);
}

JsonObject *
ir_rollout_note_get_object (JsonObject *obj, const char *what, const char *name, GError **error)
{
	JsonNode *node = ir_rollout_note_member (obj, what, name, error);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT (node)) {
		ir_rollout_note_fail (error, "%s: \"%s\" must be an object", what, name);
		return NULL;
	}
	return json_node_get_object (node);
}

JsonObject *
ir_rollout_note_element (JsonArray *array, guint i, const char *what, GError **error)
{
	JsonNode *node = json_array_get_element (array, i);

	if (!JSON_NODE_HOLDS_OBJECT (node)) {
		ir_rollout_note_fail (error, "%s: entry %u must be an object", what, i + 1);
		return NULL;
	}
	return json_node_get_object (node);
}

gboolean
ir_rollout_note_is_date (const char *text)
{
	guint y, m, d;

	if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
		return FALSE;
	for (guint i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
			return FALSE;
	}
	y = (guint)g_ascii_strtoull (text, NULL, 10);
	m = (guint)g_ascii_strtoull (text + 5, NULL, 10);
	d = (guint)g_ascii_strtoull (text + 8, NULL, 10);
	return y >= 1000 && g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}
