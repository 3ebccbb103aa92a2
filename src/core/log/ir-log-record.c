/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-imei.h"
#include "ir-log-record.h"
#include "ir-log-scan.h"

/* The schema of docs/migration-log.md as tables: what each type carries
 * and of which kind. A record with a member not in its table is refused,
 * so that a line always means exactly what the schema says. */

typedef enum {
	FIELD_NAME,    /* non-empty string */
	FIELD_TEXT,    /* any string */
	FIELD_HEX,     /* non-empty lower-case hex, even length */
	FIELD_SHA256,  /* 64 lower-case hex digits */
	FIELD_COUNT,   /* integer >= 0 */
	FIELD_SLOTS,   /* array of 1..8 strings or nulls, one per IMEI slot */
	FIELD_PHONE,   /* the phone's identity object */
	FIELD_OUTCOME, /* success, failed, aborted, unknown, recovered */
	FIELD_BASE64,  /* standard base64, padded */
} FieldKind;

typedef struct {
	const char *name;
	FieldKind kind;
	gboolean optional;
} FieldSpec;

static const FieldSpec start_fields[] = {
    {"software", FIELD_NAME},
    {"workstation", FIELD_NAME},
    /* the key that signs from here on (SubjectPublicKeyInfo DER): what
     * imeictl audit key prints and the brand registers */
    {"public_key", FIELD_BASE64, TRUE},
};

static const FieldSpec intent_fields[] = {
    {"intent_id", FIELD_HEX},
    {"technician", FIELD_NAME},
    {"centre", FIELD_NAME},
    {"workstation", FIELD_NAME},
    {"phone", FIELD_PHONE},
    {"imeis_before", FIELD_SLOTS},
    {"imeis_target", FIELD_SLOTS},
    {"token_id", FIELD_HEX},
    {"token_sha256", FIELD_SHA256},
    {"phase", FIELD_NAME},
    /* the rollout policy the token was issued under (docs/rollout-policy.md) */
    {"policy_version", FIELD_COUNT, TRUE},
};

static const FieldSpec result_fields[] = {
    {"intent_id", FIELD_HEX},
    {"outcome", FIELD_OUTCOME},
    {"reason", FIELD_TEXT, TRUE},
    {"imeis_read_back", FIELD_SLOTS},
    {"phase", FIELD_NAME, TRUE},
    {"policy_version", FIELD_COUNT, TRUE},
};

static const FieldSpec recovery_fields[] = {
    {"cut_bytes", FIELD_COUNT},
    {"reason", FIELD_TEXT},
};

static const FieldSpec key_rotation_fields[] = {
    {"old_key_name", FIELD_NAME},
    {"new_key_name", FIELD_NAME},
    {"new_public_key", FIELD_BASE64},
};

typedef struct {
	const char *name;
	const FieldSpec *fields;
	guint n_fields;
} TypeSpec;

/* indexed by IrLogRecordType */
static const TypeSpec type_specs[] = {
    {"START", start_fields, G_N_ELEMENTS (start_fields)},
    {"INTENT", intent_fields, G_N_ELEMENTS (intent_fields)},
    {"RESULT", result_fields, G_N_ELEMENTS (result_fields)},
    {"RECOVERY", recovery_fields, G_N_ELEMENTS (recovery_fields)},
    {"KEY_ROTATION", key_rotation_fields, G_N_ELEMENTS (key_rotation_fields)},
};

static const char *const common_members[] = {"schema", "seq", "type", "time"};

static const char *const phone_members[] = {
    "port", "manufacturer", "model", "serial", "hardware_id", "family"};

static const char *const outcomes[] = {"success", "failed", "aborted", "unknown", "recovered"};

#define IR_LOG_RECORD_MAX_SLOTS 8
/* records hold what a phone reported; never fewer slots than a phone has */
G_STATIC_ASSERT (IR_LOG_RECORD_MAX_SLOTS >= IR_IMEI_MAX_SLOTS);

const char *
ir_log_record_type_to_string (IrLogRecordType type)
{
	if ((guint)type >= G_N_ELEMENTS (type_specs))
		return NULL;
	return type_specs[type].name;
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
	for (guint i = 0; text != NULL && i < G_N_ELEMENTS (type_specs); i++) {
		if (g_strcmp0 (text, type_specs[i].name) == 0) {
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
	if (len == 0 || len > IR_LOG_RECORD_MAX_SLOTS) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" has %u slots, expected 1 to %u",
			     name,
			     len,
			     (guint)IR_LOG_RECORD_MAX_SLOTS);
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

		if (!ir_log_record_str_in (name, phone_members, G_N_ELEMENTS (phone_members))) {
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
ir_log_record_check_field (JsonNode *node, const FieldSpec *spec, GError **error)
{
	const char *text = ir_log_record_node_string (node);
	const char *want = NULL;

	switch (spec->kind) {
	case FIELD_SLOTS:
		return ir_log_record_check_slots (node, spec->name, error);
	case FIELD_PHONE:
		return ir_log_record_check_phone (node, error);
	case FIELD_COUNT:
		if (!ir_log_record_node_count (node, NULL))
			want = "an integer >= 0";
		break;
	case FIELD_TEXT:
		if (text == NULL)
			want = "a string";
		break;
	case FIELD_NAME:
		if (text == NULL || *text == '\0')
			want = "a non-empty string";
		break;
	case FIELD_HEX:
		if (text == NULL || *text == '\0' || strlen (text) % 2 != 0 ||
		    !ir_log_record_is_lower_hex (text))
			want = "lower-case hex of even length";
		break;
	case FIELD_SHA256:
		if (text == NULL || strlen (text) != 64 || !ir_log_record_is_lower_hex (text))
			want = "64 lower-case hex digits (SHA-256)";
		break;
	case FIELD_OUTCOME:
		if (!ir_log_record_str_in (text, outcomes, G_N_ELEMENTS (outcomes)))
			want = "one of success, failed, aborted, unknown, recovered";
		break;
	case FIELD_BASE64:
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

static const FieldSpec *
ir_log_record_find_field (const TypeSpec *spec, const char *name)
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
	const TypeSpec *spec;
	g_autoptr (GList) members = NULL;

	g_return_val_if_fail (object != NULL, FALSE);

	if (!ir_log_record_check_common (object, &type, error))
		return FALSE;
	spec = &type_specs[type];
	members = json_object_get_members (object);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;

		if (ir_log_record_str_in (name, common_members, G_N_ELEMENTS (common_members)))
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
		const FieldSpec *field = &spec->fields[i];
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
	g_autoptr (JsonObject) object = json_object_new ();
	g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	g_autoptr (JsonGenerator) generator = json_generator_new ();
	g_autoptr (GDateTime) utc = NULL;
	g_autoptr (GList) members = NULL;
	g_autoptr (IrLogRecord) check = NULL;
	g_autofree char *time_text = NULL;
	g_autofree char *line = NULL;
	gsize len = 0;

	if (ir_log_record_type_to_string (type) == NULL || seq > G_MAXINT64) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot format record %" G_GUINT64_FORMAT " of type %d",
			     seq,
			     (int)type);
		return NULL;
	}
	utc = g_date_time_to_utc (time);
	json_object_set_int_member (object, "schema", IR_MIGRATION_LOG_SCHEMA);
	json_object_set_int_member (object, "seq", (gint64)seq);
	json_object_set_string_member (object, "type", ir_log_record_type_to_string (type));
	time_text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
	json_object_set_string_member (object, "time", time_text);
	if (fields != NULL)
		members = json_object_get_members (fields);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;

		if (ir_log_record_str_in (name, common_members, G_N_ELEMENTS (common_members))) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "record fields must not set \"%s\" (the log adds it)",
				     name);
			return NULL;
		}
		json_object_set_member (
		    object, name, json_node_copy (json_object_get_member (fields, name)));
	}
	json_node_set_object (root, object);
	json_generator_set_root (generator, root);
	line = json_generator_to_data (generator, &len);
	/* what we write must read back as the same record, or not be written */
	check = ir_log_record_parse (line, len, error);
	if (check == NULL) {
		g_prefix_error (error,
				"cannot format %s record %" G_GUINT64_FORMAT ": ",
				ir_log_record_type_to_string (type),
				seq);
		return NULL;
	}
	return g_steal_pointer (&line);
}
