/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>

#include "ir-error.h"
#include "ir-policy.h"
#include "ir-signed-note.h"

static const char *const ir_policy_state_names[] = {
    [IR_PHASE_PLANNED] = "planned",
    [IR_PHASE_ACTIVE] = "active",
    [IR_PHASE_PAUSED] = "paused",
    [IR_PHASE_CLOSED] = "closed",
};

const char *
ir_policy_phase_state_to_string (IrPhaseState state)
{
	return (guint)state < G_N_ELEMENTS (ir_policy_state_names) ? ir_policy_state_names[state]
								   : "?";
}

static void
ir_policy_phase_free (gpointer data)
{
	IrPolicyPhase *phase = data;

	g_free (phase->id);
	g_free (phase->title);
	g_free (phase->start_date);
	g_free (phase->end_date);
	g_clear_pointer (&phase->opens, g_date_time_unref);
	g_clear_pointer (&phase->closes, g_date_time_unref);
	g_strfreev (phase->tac_prefixes);
	g_strfreev (phase->models);
	g_strfreev (phase->circles);
	g_free (phase);
}

void
ir_policy_free (IrPolicy *policy)
{
	if (policy == NULL)
		return;
	g_clear_pointer (&policy->issued, g_date_time_unref);
	g_clear_pointer (&policy->expires, g_date_time_unref);
	g_free (policy->time_zone_id);
	g_clear_pointer (&policy->time_zone, g_time_zone_unref);
	g_clear_pointer (&policy->centres, g_hash_table_unref);
	g_clear_pointer (&policy->phases, g_ptr_array_unref);
	g_free (policy->note);
	g_free (policy);
}

static gboolean ir_policy_fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
ir_policy_fail (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "rollout policy: %s", msg);
	return FALSE;
}

/* Every member of @obj must be one of @known: a misspelt member would
 * otherwise be ignored, and ignoring "circles" widens a phase. */
static gboolean
ir_policy_check_members (JsonObject *obj,
			 const char *where,
			 const char *const *known,
			 GError **error)
{
	g_autoptr (GList) names = json_object_get_members (obj);

	for (GList *l = names; l != NULL; l = l->next) {
		if (!g_strv_contains (known, l->data))
			return ir_policy_fail (
			    error, "%s: unknown member \"%s\"", where, (char *)l->data);
	}
	return TRUE;
}

static const char *
ir_policy_get_string (
    JsonObject *obj, const char *where, const char *name, gboolean required, GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL) {
		if (required)
			ir_policy_fail (error, "%s: \"%s\" is missing", where, name);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
	    json_node_get_string (node)[0] == '\0') {
		ir_policy_fail (error, "%s: \"%s\" must be a non-empty string", where, name);
		return NULL;
	}
	return json_node_get_string (node);
}

/* A whole number in [min, max]; *out keeps its value when the member is
 * absent and not @required. */
static gboolean
ir_policy_get_int (JsonObject *obj,
		   const char *where,
		   const char *name,
		   gboolean required,
		   gint64 min,
		   gint64 max,
		   gint64 *out,
		   GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL) {
		if (required)
			return ir_policy_fail (error, "%s: \"%s\" is missing", where, name);
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
	    json_node_get_int (node) < min || json_node_get_int (node) > max)
		return ir_policy_fail (error,
				       "%s: \"%s\" must be a whole number from %" G_GINT64_FORMAT
				       " to %" G_GINT64_FORMAT,
				       where,
				       name,
				       min,
				       max);
	*out = json_node_get_int (node);
	return TRUE;
}

/* RFC 3339 with an explicit offset: a policy's instants never depend on
 * the zone of the machine that reads it. */
static GDateTime *
ir_policy_get_instant (JsonObject *obj, const char *where, const char *name, GError **error)
{
	const char *text = ir_policy_get_string (obj, where, name, TRUE, error);
	GDateTime *dt = NULL;

	if (text == NULL)
		return NULL;
	if (strchr (text, 'T') != NULL)
		dt = g_date_time_new_from_iso8601 (text, NULL);
	if (dt == NULL)
		ir_policy_fail (error,
				"%s: \"%s\" is \"%s\", not a date and time with its offset "
				"(2026-12-01T00:00:00+05:30)",
				where,
				name,
				text);
	return dt;
}

/* Strict YYYY-MM-DD of a real calendar day, as 00:00 of it in @tz. */
static GDateTime *
ir_policy_parse_date (const char *text, GTimeZone *tz)
{
	guint y, m, d;
	char tail;

	if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
		return NULL;
	for (guint i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
			return NULL;
	}
	if (sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 2000 ||
	    !g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return NULL;
	return g_date_time_new (tz, (gint)y, (gint)m, (gint)d, 0, 0, 0);
}

/* An array of distinct non-empty strings, checked by @valid; absent or
 * empty means "any". */
static gboolean
ir_policy_get_list (JsonObject *obj,
		    const char *where,
		    const char *name,
		    gboolean (*valid) (const char *),
		    const char *what,
		    char ***out,
		    GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
	JsonArray *arr;

	*out = NULL;
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY (node))
		return ir_policy_fail (
		    error, "%s: \"%s\" must be an array of strings", where, name);
	arr = json_node_get_array (node);
	if (json_array_get_length (arr) > IR_POLICY_MAX_LIST)
		return ir_policy_fail (
		    error, "%s: \"%s\" has more than %d entries", where, name, IR_POLICY_MAX_LIST);
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		JsonNode *item = json_array_get_element (arr, i);
		const char *text = NULL;

		if (JSON_NODE_HOLDS_VALUE (item) &&
		    json_node_get_value_type (item) == G_TYPE_STRING)
			text = json_node_get_string (item);
		if (text == NULL || !valid (text))
			return ir_policy_fail (
			    error, "%s: \"%s\"[%u] is not %s", where, name, i, what);
		if (!g_hash_table_add (seen, (gpointer)text))
			return ir_policy_fail (
			    error, "%s: \"%s\" lists \"%s\" twice", where, name, text);
		g_strv_builder_add (builder, text);
	}
	if (json_array_get_length (arr) > 0)
		*out = g_strv_builder_end (builder);
	return TRUE;
}

static gboolean
ir_policy_is_tac_prefix (const char *text)
{
	gsize len = strlen (text);

	if (len == 0 || len > 8)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit (text[i]))
			return FALSE;
	}
	return TRUE;
}

/* Printable text of at most 64 bytes, no leading or trailing space. */
static gboolean
ir_policy_is_name (const char *text)
{
	gsize len = strlen (text);

	if (len == 0 || len > IR_POLICY_MAX_ID_LEN || !g_utf8_validate (text, -1, NULL) ||
	    g_ascii_isspace (text[0]) || g_ascii_isspace (text[len - 1]))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if ((guchar)text[i] < 0x20 || text[i] == 0x7f)
			return FALSE;
	}
	return TRUE;
}

/* Ids and circles: letters, digits and "-_." only, so they are safe in
 * CSV, file names and log lines. */
static gboolean
ir_policy_is_id (const char *text)
{
	gsize len = strlen (text);

	if (len == 0 || len > IR_POLICY_MAX_ID_LEN)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum (text[i]) && strchr ("-_.", text[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_policy_parse_state (const char *text, IrPhaseState *state)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_policy_state_names); i++) {
		if (g_strcmp0 (text, ir_policy_state_names[i]) == 0) {
			*state = (IrPhaseState)i;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
ir_policy_parse_window (
    IrPolicy *policy, IrPolicyPhase *phase, JsonObject *obj, const char *where, GError **error)
{
	static const char *const known[] = {"start", "end", NULL};
	const char *start = NULL;
	const char *end = NULL;

	if (!ir_policy_check_members (obj, where, known, error))
		return FALSE;
	start = ir_policy_get_string (obj, where, "start", TRUE, error);
	if (start == NULL)
		return FALSE;
	end = ir_policy_get_string (obj, where, "end", TRUE, error);
	if (end == NULL)
		return FALSE;
	phase->opens = ir_policy_parse_date (start, policy->time_zone);
	if (phase->opens == NULL)
		return ir_policy_fail (
		    error, "%s: \"start\" is \"%s\", not a date YYYY-MM-DD", where, start);
	phase->closes = ir_policy_parse_date (end, policy->time_zone);
	if (phase->closes == NULL)
		return ir_policy_fail (
		    error, "%s: \"end\" is \"%s\", not a date YYYY-MM-DD", where, end);
	if (g_date_time_compare (phase->closes, phase->opens) < 0)
		return ir_policy_fail (
		    error, "%s: \"end\" %s is before \"start\" %s", where, end, start);
	/* the window ends when its last day does, whatever that day's length
	 * (add a calendar day, not 86400 s) */
	{
		GDateTime *next = g_date_time_add_days (phase->closes, 1);
		g_date_time_unref (phase->closes);
		phase->closes = next;
	}
	phase->start_date = g_strdup (start);
	phase->end_date = g_strdup (end);
	return TRUE;
}

static gboolean
ir_policy_parse_eligibility (IrPolicyPhase *phase,
			     JsonObject *obj,
			     const char *where,
			     GError **error)
{
	static const char *const known[] = {"tac_prefixes", "models", "circles", NULL};

	return ir_policy_check_members (obj, where, known, error) &&
	       ir_policy_get_list (obj,
				   where,
				   "tac_prefixes",
				   ir_policy_is_tac_prefix,
				   "1 to 8 digits",
				   &phase->tac_prefixes,
				   error) &&
	       ir_policy_get_list (obj,
				   where,
				   "models",
				   ir_policy_is_name,
				   "a model name (1 to 64 printable characters)",
				   &phase->models,
				   error) &&
	       ir_policy_get_list (obj,
				   where,
				   "circles",
				   ir_policy_is_id,
				   "a circle id (letters, digits, '-_.')",
				   &phase->circles,
				   error);
}

static JsonObject *
ir_policy_get_object (JsonObject *obj, const char *where, const char *name, GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
		ir_policy_fail (error, "%s: \"%s\" must be an object", where, name);
		return NULL;
	}
	return json_node_get_object (node);
}

static gboolean
ir_policy_parse_phase (IrPolicy *policy, JsonNode *node, guint index, GError **error)
{
	static const char *const known[] = {"id",
					    "title",
					    "state",
					    "window",
					    "eligibility",
					    "centre_daily_cap",
					    "national_daily_cap",
					    NULL};
	g_autofree char *where = g_strdup_printf ("phases[%u]", index);
	g_autofree char *sub = NULL;
	IrPolicyPhase *phase = g_new0 (IrPolicyPhase, 1);
	JsonObject *obj;
	JsonObject *window;
	JsonObject *elig;
	const char *text;
	gint64 centre_cap = 0;
	gint64 national_cap = 0;

	g_ptr_array_add (policy->phases, phase);
	if (!JSON_NODE_HOLDS_OBJECT (node))
		return ir_policy_fail (error, "%s must be an object", where);
	obj = json_node_get_object (node);
	text = ir_policy_get_string (obj, where, "id", TRUE, error);
	if (text == NULL)
		return FALSE;
	if (!ir_policy_is_id (text))
		return ir_policy_fail (error,
				       "%s: \"id\" \"%s\" is not 1 to 64 letters, digits or '-_.'",
				       where,
				       text);
	if (ir_policy_find_phase (policy, text) != NULL)
		return ir_policy_fail (error, "%s: phase id \"%s\" is used twice", where, text);
	phase->id = g_strdup (text);
	g_free (where);
	where = g_strdup_printf ("phase %s", phase->id);
	if (!ir_policy_check_members (obj, where, known, error))
		return FALSE;
	text = ir_policy_get_string (obj, where, "title", TRUE, error);
	if (text == NULL)
		return FALSE;
	phase->title = g_strdup (text);
	text = ir_policy_get_string (obj, where, "state", TRUE, error);
	if (text == NULL)
		return FALSE;
	if (!ir_policy_parse_state (text, &phase->state))
		return ir_policy_fail (
		    error,
		    "%s: \"state\" is \"%s\", not planned, active, paused or closed",
		    where,
		    text);
	window = ir_policy_get_object (obj, where, "window", error);
	sub = g_strdup_printf ("%s window", where);
	if (window == NULL || !ir_policy_parse_window (policy, phase, window, sub, error))
		return FALSE;
	elig = ir_policy_get_object (obj, where, "eligibility", error);
	g_free (sub);
	sub = g_strdup_printf ("%s eligibility", where);
	if (elig == NULL || !ir_policy_parse_eligibility (phase, elig, sub, error))
		return FALSE;
	if (!ir_policy_get_int (
		obj, where, "centre_daily_cap", TRUE, 0, 10000000, &centre_cap, error) ||
	    !ir_policy_get_int (
		obj, where, "national_daily_cap", TRUE, 0, 100000000, &national_cap, error))
		return FALSE;
	phase->centre_daily_cap = (guint)centre_cap;
	phase->national_daily_cap = (guint)national_cap;
	return TRUE;
}

static gboolean
ir_policy_parse_centres (IrPolicy *policy, JsonObject *root, GError **error)
{
	JsonNode *node = json_object_get_member (root, "centres");
	g_autoptr (GList) names = NULL;

	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT (node))
		return ir_policy_fail (error, "\"centres\" must be an object of centre id: circle");
	names = json_object_get_members (json_node_get_object (node));
	for (GList *l = names; l != NULL; l = l->next) {
		JsonNode *c = json_object_get_member (json_node_get_object (node), l->data);
		const char *circle = NULL;

		if (JSON_NODE_HOLDS_VALUE (c) && json_node_get_value_type (c) == G_TYPE_STRING)
			circle = json_node_get_string (c);
		if (!ir_policy_is_id (l->data) || circle == NULL || !ir_policy_is_id (circle))
			return ir_policy_fail (
			    error,
			    "\"centres\": \"%s\" must be a centre id mapped to a "
			    "circle id (letters, digits, '-_.')",
			    (char *)l->data);
		g_hash_table_insert (policy->centres, g_strdup (l->data), g_strdup (circle));
	}
	return TRUE;
}

static gboolean
ir_policy_parse_header (IrPolicy *policy, JsonObject *root, GError **error)
{
	const char *format = ir_policy_get_string (root, "policy", "format", TRUE, error);
	const char *tz = NULL;
	gint64 cap = IR_POLICY_DEFAULT_BLOCK_CAP;

	if (format == NULL)
		return FALSE;
	if (g_strcmp0 (format, IR_POLICY_FORMAT) != 0)
		return ir_policy_fail (error,
				       "\"format\" is \"%s\", this tool reads \"%s\"",
				       format,
				       IR_POLICY_FORMAT);
	if (!ir_policy_get_int (
		root, "policy", "version", TRUE, 1, G_MAXINT64, &policy->version, error))
		return FALSE;
	policy->issued = ir_policy_get_instant (root, "policy", "issued", error);
	if (policy->issued == NULL)
		return FALSE;
	policy->expires = ir_policy_get_instant (root, "policy", "expires", error);
	if (policy->expires == NULL)
		return FALSE;
	if (g_date_time_compare (policy->expires, policy->issued) <= 0)
		return ir_policy_fail (error, "\"expires\" is not after \"issued\"");
	if (json_object_has_member (root, "time_zone")) {
		tz = ir_policy_get_string (root, "policy", "time_zone", TRUE, error);
		if (tz == NULL)
			return FALSE;
	}
	policy->time_zone_id = g_strdup (tz != NULL ? tz : IR_POLICY_DEFAULT_TIME_ZONE);
	policy->time_zone = g_time_zone_new_identifier (policy->time_zone_id);
	if (policy->time_zone == NULL)
		return ir_policy_fail (error,
				       "\"time_zone\" \"%s\" is not a time zone this system knows "
				       "(an IANA name such as Asia/Kolkata)",
				       policy->time_zone_id);
	if (!ir_policy_get_int (
		root, "policy", "national_block_cap", FALSE, 0, 1000000, &cap, error))
		return FALSE;
	policy->national_block_cap = (guint)cap;
	return ir_policy_parse_centres (policy, root, error);
}

static gboolean
ir_policy_parse_root (IrPolicy *policy, JsonObject *root, GError **error)
{
	static const char *const known[] = {"format",
					    "version",
					    "issued",
					    "expires",
					    "time_zone",
					    "national_block_cap",
					    "centres",
					    "phases",
					    NULL};
	JsonNode *phases = NULL;
	JsonArray *arr;

	if (!ir_policy_check_members (root, "policy", known, error) ||
	    !ir_policy_parse_header (policy, root, error))
		return FALSE;
	phases = json_object_get_member (root, "phases");
	if (phases == NULL || !JSON_NODE_HOLDS_ARRAY (phases))
		return ir_policy_fail (error, "\"phases\" must be an array");
	arr = json_node_get_array (phases);
	if (json_array_get_length (arr) > IR_POLICY_MAX_PHASES)
		return ir_policy_fail (error, "more than %d phases", IR_POLICY_MAX_PHASES);
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		if (!ir_policy_parse_phase (policy, json_array_get_element (arr, i), i, error))
			return FALSE;
	}
	return TRUE;
}

IrPolicy *
ir_policy_parse (const char *json, gsize len, GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new_immutable ();
	g_autoptr (IrPolicy) policy = g_new0 (IrPolicy, 1);
	g_autoptr (GError) json_error = NULL;
	JsonNode *root;

	policy->centres = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	policy->phases = g_ptr_array_new_with_free_func (ir_policy_phase_free);
	if (len > IR_POLICY_MAX_LEN) {
		ir_policy_fail (
		    error, "it is %" G_GSIZE_FORMAT " bytes, more than %d", len, IR_POLICY_MAX_LEN);
		return NULL;
	}
	if (len > 0 && memchr (json, '\0', len) != NULL) {
		ir_policy_fail (error, "it holds a NUL byte");
		return NULL;
	}
	if (!json_parser_load_from_data (parser, json, (gssize)len, &json_error)) {
		ir_policy_fail (error, "not JSON: %s", json_error->message);
		return NULL;
	}
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		ir_policy_fail (error, "the document is not a JSON object");
		return NULL;
	}
	if (!ir_policy_parse_root (policy, json_node_get_object (root), error))
		return NULL;
	return g_steal_pointer (&policy);
}

IrPolicy *
ir_policy_parse_note (const char *text, gsize len, GError **error)
{
	g_autoptr (IrSignedNote) note = ir_signed_note_parse (
	    text, len, IR_POLICY_MAX_LEN, "rollout policy", NULL, NULL, error);
	IrPolicy *policy;

	if (note == NULL)
		return NULL;
	policy = ir_policy_parse (note->body, strlen (note->body), error);
	if (policy != NULL)
		policy->note = g_strndup (text, len);
	return policy;
}

gboolean
ir_policy_verify (const IrPolicy *policy,
		  const char *key_name,
		  EVP_PKEY *public_key,
		  GError **error)
{
	g_autoptr (IrSignedNote) note = NULL;
	g_autofree char *what = NULL;

	if (policy->note == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "rollout policy version %" G_GINT64_FORMAT " is not signed",
			     policy->version);
		return FALSE;
	}
	note = ir_signed_note_parse (policy->note,
				     strlen (policy->note),
				     IR_POLICY_MAX_LEN,
				     "rollout policy",
				     NULL,
				     NULL,
				     error);
	if (note == NULL)
		return FALSE;
	what = g_strdup_printf ("rollout policy version %" G_GINT64_FORMAT, policy->version);
	return ir_signed_note_verify (note, key_name, public_key, what, error);
}

gboolean
ir_policy_check_fresh (const IrPolicy *policy, gint64 seen_version, GDateTime *now, GError **error)
{
	if (policy->version < seen_version) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "rollout policy version %" G_GINT64_FORMAT
			     " is older than version %" G_GINT64_FORMAT
			     " already accepted here; a policy never goes back: ask the brand for "
			     "the current one",
			     policy->version,
			     seen_version);
		return FALSE;
	}
	if (g_date_time_compare (policy->expires, now) <= 0) {
		g_autofree char *when = ir_policy_format_time (policy, policy->expires);

		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "rollout policy version %" G_GINT64_FORMAT
			     " expired at %s; ask the brand for a new one",
			     policy->version,
			     when);
		return FALSE;
	}
	return TRUE;
}

const IrPolicyPhase *
ir_policy_find_phase (const IrPolicy *policy, const char *id)
{
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *phase = g_ptr_array_index (policy->phases, i);

		if (g_strcmp0 (phase->id, id) == 0)
			return phase;
	}
	return NULL;
}

const char *
ir_policy_centre_circle (const IrPolicy *policy, const char *centre)
{
	return centre != NULL ? g_hash_table_lookup (policy->centres, centre) : NULL;
}

char *
ir_policy_local_day (const IrPolicy *policy, GDateTime *when)
{
	g_autoptr (GDateTime) local = g_date_time_to_timezone (when, policy->time_zone);

	return g_date_time_format (local, "%Y-%m-%d");
}

char *
ir_policy_format_time (const IrPolicy *policy, GDateTime *when)
{
	g_autoptr (GDateTime) local = g_date_time_to_timezone (when, policy->time_zone);
	g_autofree char *text = g_date_time_format (local, "%Y-%m-%d %H:%M %Z");

	return g_strdup_printf ("%s (%s)", text, policy->time_zone_id);
}

static void
ir_policy_describe_list (GString *s, const char *name, char **list)
{
	g_autofree char *joined = list != NULL ? g_strjoinv (", ", list) : NULL;

	g_string_append_printf (s, "    %-13s %s\n", name, joined != NULL ? joined : "any");
}

char *
ir_policy_describe (const IrPolicy *policy)
{
	GString *s = g_string_new (NULL);
	g_autofree char *issued = ir_policy_format_time (policy, policy->issued);
	g_autofree char *expires = ir_policy_format_time (policy, policy->expires);

	g_string_append_printf (
	    s, "rollout policy version %" G_GINT64_FORMAT "\n", policy->version);
	g_string_append_printf (s, "  issued   %s\n  expires  %s\n", issued, expires);
	g_string_append_printf (s, "  time zone %s\n", policy->time_zone_id);
	g_string_append_printf (s, "  national block cap %u a day\n", policy->national_block_cap);
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);

		g_string_append_printf (s,
					"  phase %s: %s [%s]\n",
					p->id,
					p->title,
					ir_policy_phase_state_to_string (p->state));
		g_string_append_printf (s,
					"    window        %s to %s (%s)\n",
					p->start_date,
					p->end_date,
					policy->time_zone_id);
		ir_policy_describe_list (s, "TAC prefixes", p->tac_prefixes);
		ir_policy_describe_list (s, "models", p->models);
		ir_policy_describe_list (s, "circles", p->circles);
		g_string_append_printf (s,
					"    daily caps    %u per centre, %u national\n",
					p->centre_daily_cap,
					p->national_daily_cap);
	}
	return g_string_free (s, FALSE);
}
