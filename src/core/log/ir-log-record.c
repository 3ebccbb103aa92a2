/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-log-json-writer.h"
#include "ir-log-record.h"
#include "ir-log-scan.h"
#include "ir-log-schema.h"

const char *
ir_log_record_type_to_string (IrLogRecordType type)
{
	if ((guint)type >= ir_log_schema_n_types)
		return NULL;
	return ir_log_schema_types[type].name;
}

gint64
ir_log_record_time_to_unix (const char *time)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (time, NULL);

	return dt != NULL ? g_date_time_to_unix (dt) : G_MININT64;
}

gboolean
ir_log_record_type_from_string (const char *text, IrLogRecordType *type)
{
	for (guint i = 0; text != NULL && i < ir_log_schema_n_types; i++) {
		if (g_strcmp0 (text, ir_log_schema_types[i].name) == 0) {
			if (type != NULL)
				*type = (IrLogRecordType)i;
			return TRUE;
		}
	}
	return FALSE;
}

void
ir_log_record_free (IrLogRecord *record)
{
	if (record == NULL)
		return;
	g_free (record->time);
	if (record->object != NULL)
		json_object_unref (record->object);
	g_free (record);
}

static gboolean
ir_log_record_str_in (const char *text, const char *const *set, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0 (text, set[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_log_record_is_lower_hex (const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_log_record_is_base64 (const char *text)
{
	gsize len = strlen (text);
	gsize pad = 0;

	if (len == 0 || len % 4 != 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		char c = text[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
			return FALSE;
	}
	return pad <= 2;
}

static const char *
ir_log_record_node_string (JsonNode *node)
{
	if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

static gboolean
ir_log_record_node_count (JsonNode *node, guint64 *out)
{
	gint64 value;

	if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
	    json_node_get_value_type (node) != G_TYPE_INT64)
		return FALSE;
	value = json_node_get_int (node);
	if (value < 0)
		return FALSE;
	if (out != NULL)
		*out = (guint64)value;
	return TRUE;
}

static gboolean
ir_log_record_check_slots (JsonNode *node, const char *name, GError **error)
{
	JsonArray *array;
	guint len;

	if (!JSON_NODE_HOLDS_ARRAY (node)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" must be an array of IMEIs (one per slot, null for none)",
			     name);
		return FALSE;
	}
	array = json_node_get_array (node);
	len = json_array_get_length (array);
	if (len == 0 || len > IR_LOG_SCHEMA_MAX_SLOTS) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" has %u slots, expected 1 to %u",
			     name,
			     len,
			     (guint)IR_LOG_SCHEMA_MAX_SLOTS);
		return FALSE;
	}
	for (guint i = 0; i < len; i++) {
		JsonNode *slot = json_array_get_element (array, i);

		if (JSON_NODE_HOLDS_NULL (slot) || ir_log_record_node_string (slot) != NULL)
			continue;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" slot %u must be a string or null",
			     name,
			     i + 1);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_log_record_check_phone (JsonNode *node, GError **error)
{
	JsonObject *phone;
	g_autoptr (GList) members = NULL;

	if (!JSON_NODE_HOLDS_OBJECT (node)) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "\"phone\" must be an object");
		return FALSE;
	}
	phone = json_node_get_object (node);
	members = json_object_get_members (phone);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;
		JsonNode *value = json_object_get_member (phone, name);

		if (!ir_log_record_str_in (name, ir_log_schema_phone, ir_log_schema_n_phone)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"phone\" has an unknown member \"%s\"",
				     name);
			return FALSE;
		}
		if (!JSON_NODE_HOLDS_NULL (value) && ir_log_record_node_string (value) == NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"phone\".\"%s\" must be a string or null",
				     name);
			return FALSE;
		}
	}
	if (ir_log_record_node_string (json_object_get_member (phone, "port")) == NULL) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "\"phone\" has no \"port\" string");
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_log_record_check_field (JsonNode *node, const IrLogFieldSpec *spec, GError **error)
{
	const char *text = ir_log_record_node_string (node);
	const char *want = NULL;

	switch (spec->kind) {
	case IR_LOG_FIELD_SLOTS:
		return ir_log_record_check_slots (node, spec->name, error);
	case IR_LOG_FIELD_PHONE:
		return ir_log_record_check_phone (node, error);
	case IR_LOG_FIELD_COUNT:
		if (!ir_log_record_node_count (node, NULL))
			want = "an integer >= 0";
		break;
	case IR_LOG_FIELD_TEXT:
		if (text == NULL)
			want = "a string";
		break;
	case IR_LOG_FIELD_NAME:
		if (text == NULL || *text == '\0')
			want = "a non-empty string";
		break;
	case IR_LOG_FIELD_HEX:
		if (text == NULL || *text == '\0' || strlen (text) % 2 != 0 ||
		    !ir_log_record_is_lower_hex (text))
			want = "lower-case hex of even length";
		break;
	case IR_LOG_FIELD_SHA256:
		if (text == NULL || strlen (text) != 64 || !ir_log_record_is_lower_hex (text))
			want = "64 lower-case hex digits (SHA-256)";
		break;
	case IR_LOG_FIELD_OUTCOME:
		if (!ir_log_record_str_in (text, ir_log_schema_outcomes, ir_log_schema_n_outcomes))
			want = "one of success, failed, aborted, unknown, recovered";
		break;
	case IR_LOG_FIELD_BASE64:
		if (text == NULL || !ir_log_record_is_base64 (text))
			want = "padded base64";
		break;
	}
	if (want == NULL)
		return TRUE;
	g_set_error (
	    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "\"%s\" must be %s", spec->name, want);
	return FALSE;
}

/* "YYYY-MM-DDTHH:MM:SSZ", a real UTC time (no 24:00:00, no 30 February) */
static gboolean
ir_log_record_check_time (const char *text)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
	g_autoptr (GDateTime) dt = NULL;
	g_autofree char *again = NULL;

	if (text == NULL || strlen (text) != sizeof (pattern) - 1)
		return FALSE;
	for (gsize i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'd' ? !g_ascii_isdigit (text[i]) : text[i] != pattern[i])
			return FALSE;
	}
	dt = g_date_time_new_from_iso8601 (text, NULL);
	if (dt == NULL)
		return FALSE;
	again = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
	return g_strcmp0 (again, text) == 0;
}

static gboolean
ir_log_record_check_common (JsonObject *object, IrLogRecordType *type, GError **error)
{
	JsonNode *schema = json_object_get_member (object, "schema");
	const char *type_text = ir_log_record_node_string (json_object_get_member (object, "type"));
	guint64 version = 0;

	if (schema == NULL) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "no \"schema\" member");
		return FALSE;
	}
	if (!ir_log_record_node_count (schema, &version) || version != IR_MIGRATION_LOG_SCHEMA) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"schema\" must be the integer %d (a newer imeirestore may read it)",
			     IR_MIGRATION_LOG_SCHEMA);
		return FALSE;
	}
	if (!ir_log_record_node_count (json_object_get_member (object, "seq"), NULL)) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "\"seq\" must be an integer >= 0");
		return FALSE;
	}
	if (!ir_log_record_type_from_string (type_text, type)) {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "\"type\" must be START, INTENT, RESULT, RECOVERY or KEY_ROTATION");
		return FALSE;
	}
	if (!ir_log_record_check_time (
		ir_log_record_node_string (json_object_get_member (object, "time")))) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"time\" must be RFC 3339 UTC as YYYY-MM-DDTHH:MM:SSZ");
		return FALSE;
	}
	return TRUE;
}

static const IrLogFieldSpec *
ir_log_record_find_field (const IrLogTypeSpec *spec, const char *name)
{
	for (guint i = 0; i < spec->n_fields; i++) {
		if (g_strcmp0 (spec->fields[i].name, name) == 0)
			return &spec->fields[i];
	}
	return NULL;
}

gboolean
ir_log_record_validate (JsonObject *object, GError **error)
{
	IrLogRecordType type = IR_LOG_RECORD_START;
	const IrLogTypeSpec *spec;
	g_autoptr (GList) members = NULL;

	g_return_val_if_fail (object != NULL, FALSE);

	if (!ir_log_record_check_common (object, &type, error))
		return FALSE;
	spec = &ir_log_schema_types[type];
	members = json_object_get_members (object);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;

		if (ir_log_record_str_in (name, ir_log_schema_common, ir_log_schema_n_common))
			continue;
		if (ir_log_record_find_field (spec, name) == NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s record has an unknown member \"%s\"",
				     spec->name,
				     name);
			return FALSE;
		}
	}
	for (guint i = 0; i < spec->n_fields; i++) {
		const IrLogFieldSpec *field = &spec->fields[i];
		JsonNode *node = json_object_get_member (object, field->name);

		if (node == NULL && field->optional)
			continue;
		if (node == NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s record has no \"%s\"",
				     spec->name,
				     field->name);
			return FALSE;
		}
		if (!ir_log_record_check_field (node, field, error)) {
			g_prefix_error (error, "%s record: ", spec->name);
			return FALSE;
		}
	}
	return TRUE;
}

IrLogRecord *
ir_log_record_parse (const char *line, gsize len, GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (IrLogRecord) record = g_new0 (IrLogRecord, 1);
	g_autoptr (GError) parse_error = NULL;
	JsonNode *root;
	JsonObject *object;
	IrLogScanRecord scan;

	/* the strict parser decides; json-glib only builds the object */
	if (len > G_MAXSSIZE || !ir_log_scan_record (line, len, &scan, error))
		return NULL;
	if (!json_parser_load_from_data (parser, line, (gssize)len, &parse_error)) {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "not JSON: %s", parse_error->message);
		return NULL;
	}
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "a record must be one JSON object");
		return NULL;
	}
	object = json_node_get_object (root);
	if (!ir_log_record_validate (object, error))
		return NULL;
	record->object = json_object_ref (object);
	ir_log_record_node_count (json_object_get_member (object, "seq"), &record->seq);
	ir_log_record_type_from_string (json_object_get_string_member (object, "type"),
					&record->type);
	record->time = g_strdup (json_object_get_string_member (object, "time"));
	return g_steal_pointer (&record);
}

char *
ir_log_record_format (
    IrLogRecordType type, guint64 seq, GDateTime *time, JsonObject *fields, GError **error)
{
	g_autoptr (GDateTime) utc = g_date_time_to_utc (time);
	g_autofree char *time_text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
	g_autoptr (GString) line = g_string_sized_new (512);

	if (!ir_log_record_append_line (line, type, seq, time_text, fields, NULL, error))
		return NULL;
	return g_string_free (g_steal_pointer (&line), FALSE);
}

/* @fields after the four common members, straight into @line
 * (ir-log-json-writer: the generator's bytes, without its object tree). */
static gboolean
ir_log_record_write_fields (GString *line, JsonObject *fields, GError **error)
{
	JsonObjectIter iter;
	const char *name;
	JsonNode *member;

	if (fields == NULL)
		return TRUE;
	json_object_iter_init_ordered (&iter, fields);
	while (json_object_iter_next_ordered (&iter, &name, &member)) {
		if (ir_log_record_str_in (name, ir_log_schema_common, ir_log_schema_n_common)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "record fields must not set \"%s\" (the log adds it)",
				     name);
			return FALSE;
		}
		g_string_append_c (line, ',');
		ir_log_json_writer_append_member (line, name, member);
	}
	return TRUE;
}

gboolean
ir_log_record_append_line (GString *out,
			   IrLogRecordType type,
			   guint64 seq,
			   const char *time_text,
			   JsonObject *fields,
			   IrLogScanRecord *scan,
			   GError **error)
{
	const char *type_text = ir_log_record_type_to_string (type);
	IrLogScanRecord scan_local;
	gsize start = out->len;

	if (type_text == NULL || seq > G_MAXINT64) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot format record %" G_GUINT64_FORMAT " of type %d",
			     seq,
			     (int)type);
		return FALSE;
	}
	/* no printf: this runs once per durable append */
	g_string_append (out, "{\"schema\":");
	ir_log_json_writer_append_uint (out, IR_MIGRATION_LOG_SCHEMA);
	g_string_append (out, ",\"seq\":");
	ir_log_json_writer_append_uint (out, seq);
	g_string_append (out, ",\"type\":");
	ir_log_json_writer_append_string (out, type_text);
	g_string_append (out, ",\"time\":");
	ir_log_json_writer_append_string (out, time_text);
	if (!ir_log_record_write_fields (out, fields, error)) {
		g_string_truncate (out, start);
		return FALSE;
	}
	g_string_append_c (out, '}');
	/* what we write must read back as a record, or not be written: the
	 * strict parser that decides at open and in audit verify checks the
	 * text (the time too: its exact form and a real UTC second) */
	if (!ir_log_scan_record (
		out->str + start, out->len - start, scan != NULL ? scan : &scan_local, error)) {
		g_prefix_error (
		    error, "cannot format %s record %" G_GUINT64_FORMAT ": ", type_text, seq);
		g_string_truncate (out, start);
		return FALSE;
	}
	return TRUE;
}
