/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "ir-error.h"
#include "ir-recording.h"

/* The on-disk format is documented in docs/recording-format.md; keep both
 * in step. Loading is strict: a replay that silently skips a malformed
 * event would test something other than what was recorded. */
#define IR_RECORDING_FORMAT  "imeirestore-session"
#define IR_RECORDING_VERSION 1

struct _IrRecording {
	GObject parent_instance;
	char *port;
	char *created;	 /* RFC 3339, UTC */
	gint64 start_us; /* monotonic time of event 0 */
	GArray *events;	 /* IrRecordingEvent */
};

G_DEFINE_TYPE (IrRecording, ir_recording, G_TYPE_OBJECT)

static const struct {
	IrRecordingDirection direction;
	const char *name;
} ir_recording_dirs[] = {
    {IR_RECORDING_WRITE, "w"},
    {IR_RECORDING_READ, "r"},
    {IR_RECORDING_HANGUP, "hangup"},
};

static const char *
ir_recording_direction_to_string (IrRecordingDirection direction)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_recording_dirs); i++) {
		if (ir_recording_dirs[i].direction == direction)
			return ir_recording_dirs[i].name;
	}
	return NULL;
}

static gboolean
ir_recording_direction_from_string (const char *name, IrRecordingDirection *direction)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_recording_dirs); i++) {
		if (g_strcmp0 (ir_recording_dirs[i].name, name) == 0) {
			*direction = ir_recording_dirs[i].direction;
			return TRUE;
		}
	}
	return FALSE;
}

static void
ir_recording_event_clear (gpointer data)
{
	IrRecordingEvent *event = data;

	g_clear_pointer (&event->data, g_bytes_unref);
}

static char *
ir_recording_now_rfc3339 (void)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

	return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

IrRecording *
ir_recording_new (const char *port)
{
	IrRecording *self = g_object_new (IR_TYPE_RECORDING, NULL);

	self->port = g_strdup (port != NULL ? port : "");
	self->created = ir_recording_now_rfc3339 ();
	return self;
}

const char *
ir_recording_get_port (IrRecording *self)
{
	g_return_val_if_fail (IR_IS_RECORDING (self), NULL);
	return self->port;
}

guint
ir_recording_get_n_events (IrRecording *self)
{
	g_return_val_if_fail (IR_IS_RECORDING (self), 0);
	return self->events->len;
}

const IrRecordingEvent *
ir_recording_get_event (IrRecording *self, guint idx)
{
	g_return_val_if_fail (IR_IS_RECORDING (self), NULL);
	if (idx >= self->events->len)
		return NULL;
	return &g_array_index (self->events, IrRecordingEvent, idx);
}

void
ir_recording_add_at (IrRecording *self,
		     IrRecordingDirection direction,
		     gint64 time_us,
		     const guint8 *data,
		     gsize len)
{
	IrRecordingEvent event = {.direction = direction, .time_us = time_us};

	g_return_if_fail (IR_IS_RECORDING (self));
	g_return_if_fail (ir_recording_direction_to_string (direction) != NULL);
	g_return_if_fail (data != NULL || len == 0);

	if (direction != IR_RECORDING_HANGUP)
		event.data = g_bytes_new (data, len);
	g_array_append_val (self->events, event);
}

void
ir_recording_add (IrRecording *self, IrRecordingDirection direction, const guint8 *data, gsize len)
{
	gint64 time_us;

	g_return_if_fail (IR_IS_RECORDING (self));

	time_us = g_get_monotonic_time () - self->start_us;
	/* a loaded recording that grows must stay monotonic */
	if (self->events->len > 0) {
		const IrRecordingEvent *last =
		    &g_array_index (self->events, IrRecordingEvent, self->events->len - 1);
		time_us = MAX (time_us, last->time_us);
	}
	ir_recording_add_at (self, direction, time_us, data, len);
}

/* "text" keeps a session readable in a diff; anything a JSON string cannot
 * carry faithfully goes to "base64" */
static gboolean
ir_recording_bytes_are_text (const guint8 *data, gsize len)
{
	if (memchr (data, '\0', len) != NULL)
		return FALSE;
	return g_utf8_validate ((const char *)data, (gssize)len, NULL);
}

static void
ir_recording_build_event (JsonBuilder *builder, const IrRecordingEvent *event)
{
	json_builder_begin_object (builder);
	json_builder_set_member_name (builder, "t_us");
	json_builder_add_int_value (builder, event->time_us);
	json_builder_set_member_name (builder, "dir");
	json_builder_add_string_value (builder,
				       ir_recording_direction_to_string (event->direction));
	if (event->data != NULL) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (event->data, &len);

		if (ir_recording_bytes_are_text (data != NULL ? data : (const guint8 *)"", len)) {
			g_autofree char *text = g_strndup ((const char *)data, len);

			json_builder_set_member_name (builder, "text");
			json_builder_add_string_value (builder, text);
		} else {
			g_autofree char *b64 = g_base64_encode (data, len);

			json_builder_set_member_name (builder, "base64");
			json_builder_add_string_value (builder, b64);
		}
	}
	json_builder_end_object (builder);
}

char *
ir_recording_to_json (IrRecording *self)
{
	g_autoptr (JsonBuilder) builder = json_builder_new ();
	g_autoptr (JsonGenerator) generator = json_generator_new ();
	g_autoptr (JsonNode) root = NULL;

	g_return_val_if_fail (IR_IS_RECORDING (self), NULL);

	json_builder_begin_object (builder);
	json_builder_set_member_name (builder, "format");
	json_builder_add_string_value (builder, IR_RECORDING_FORMAT);
	json_builder_set_member_name (builder, "version");
	json_builder_add_int_value (builder, IR_RECORDING_VERSION);
	json_builder_set_member_name (builder, "port");
	json_builder_add_string_value (builder, self->port);
	json_builder_set_member_name (builder, "created");
	json_builder_add_string_value (builder, self->created);
	json_builder_set_member_name (builder, "events");
	json_builder_begin_array (builder);
	for (guint i = 0; i < self->events->len; i++)
		ir_recording_build_event (builder,
					  &g_array_index (self->events, IrRecordingEvent, i));
	json_builder_end_array (builder);
	json_builder_end_object (builder);

	root = json_builder_get_root (builder);
	json_generator_set_root (generator, root);
	json_generator_set_pretty (generator, TRUE);
	json_generator_set_indent (generator, 1);
	json_generator_set_indent_char (generator, '\t');
	return json_generator_to_data (generator, NULL);
}

gboolean
ir_recording_save (IrRecording *self, const char *path, GError **error)
{
	g_autofree char *json = NULL;
	g_autofree char *data = NULL;
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (IR_IS_RECORDING (self), FALSE);
	g_return_val_if_fail (path != NULL, FALSE);

	json = ir_recording_to_json (self);
	data = g_strconcat (json, "\n", NULL);
	if (!g_file_set_contents (path, data, -1, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to save the session recording to %s: %s: "
			     "choose a writable location",
			     path,
			     error_local->message);
		return FALSE;
	}
	return TRUE;
}

/* --- strict loading --- */

static gboolean
ir_recording_get_int (JsonObject *obj, const char *member, gint64 *value)
{
	JsonNode *node = json_object_get_member (obj, member);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_INT64)
		return FALSE;
	*value = json_node_get_int (node);
	return TRUE;
}

static const char *
ir_recording_get_string (JsonObject *obj, const char *member)
{
	JsonNode *node = json_object_get_member (obj, member);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

/* g_base64_decode() accepts anything; a recording must not */
static GBytes *
ir_recording_decode_base64 (const char *b64)
{
	gsize len = strlen (b64);
	gsize out_len = 0;
	guchar *out;

	if (len % 4 != 0)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		gboolean pad_ok =
		    (i >= len - 2) && b64[i] == '=' && (i == len - 1 || b64[len - 1] == '=');

		if (!g_ascii_isalnum (b64[i]) && b64[i] != '+' && b64[i] != '/' && !pad_ok)
			return NULL;
	}
	out = g_base64_decode (b64, &out_len);
	return g_bytes_new_take (out, out_len);
}

static gboolean
ir_recording_check_event_members (JsonObject *obj, GError **error)
{
	g_autoptr (GList) members = json_object_get_members (obj);
	const char *const known[] = {"t_us", "dir", "text", "base64", NULL};

	for (GList *l = members; l != NULL; l = l->next) {
		if (!g_strv_contains (known, l->data)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "unknown member \"%s\"",
				     (const char *)l->data);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
ir_recording_parse_event (IrRecording *self, JsonNode *node, gint64 prev_us, GError **error)
{
	JsonObject *obj;
	IrRecordingDirection direction;
	const char *dir;
	const char *text;
	const char *b64;
	gint64 time_us;
	g_autoptr (GBytes) data = NULL;

	if (!JSON_NODE_HOLDS_OBJECT (node)) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "not an object");
		return FALSE;
	}
	obj = json_node_get_object (node);
	if (!ir_recording_check_event_members (obj, error))
		return FALSE;
	if (!ir_recording_get_int (obj, "t_us", &time_us) || time_us < 0) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"t_us\" must be a non-negative integer");
		return FALSE;
	}
	if (time_us < prev_us) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "time goes backwards (%" G_GINT64_FORMAT " µs after %" G_GINT64_FORMAT
			     " µs)",
			     time_us,
			     prev_us);
		return FALSE;
	}
	dir = ir_recording_get_string (obj, "dir");
	if (dir == NULL || !ir_recording_direction_from_string (dir, &direction)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unknown \"dir\" %s%s%s: expected \"w\", \"r\" or \"hangup\"",
			     dir != NULL ? "\"" : "",
			     dir != NULL ? dir : "(missing)",
			     dir != NULL ? "\"" : "");
		return FALSE;
	}
	text = ir_recording_get_string (obj, "text");
	b64 = ir_recording_get_string (obj, "base64");
	if ((json_object_has_member (obj, "text") && text == NULL) ||
	    (json_object_has_member (obj, "base64") && b64 == NULL)) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"text\" and \"base64\" must be strings");
		return FALSE;
	}
	if (direction == IR_RECORDING_HANGUP) {
		if (text != NULL || b64 != NULL) {
			g_set_error_literal (
			    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "a hangup carries no bytes");
			return FALSE;
		}
		ir_recording_add_at (self, direction, time_us, NULL, 0);
		return TRUE;
	}
	if ((text == NULL) == (b64 == NULL)) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "needs exactly one of \"text\" and \"base64\"");
		return FALSE;
	}
	if (text != NULL) {
		data = g_bytes_new (text, strlen (text));
	} else {
		data = ir_recording_decode_base64 (b64);
		if (data == NULL) {
			g_set_error_literal (error,
					     IR_ERROR,
					     IR_ERROR_INVALID_INPUT,
					     "\"base64\" is not valid base64");
			return FALSE;
		}
	}
	ir_recording_add_at (
	    self, direction, time_us, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
	return TRUE;
}

static gboolean
ir_recording_parse_header (IrRecording *self, JsonObject *root, GError **error)
{
	const char *format = ir_recording_get_string (root, "format");
	const char *port = ir_recording_get_string (root, "port");
	const char *created = ir_recording_get_string (root, "created");
	gint64 version = 0;
	g_autoptr (GDateTime) dt = NULL;

	if (g_strcmp0 (format, IR_RECORDING_FORMAT) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"format\" is %s, expected \"" IR_RECORDING_FORMAT "\"",
			     format != NULL ? format : "missing");
		return FALSE;
	}
	if (!ir_recording_get_int (root, "version", &version) || version != IR_RECORDING_VERSION) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unsupported \"version\" (this program reads version %d)",
			     IR_RECORDING_VERSION);
		return FALSE;
	}
	if (port == NULL) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "\"port\" is missing or not a string");
		return FALSE;
	}
	if (created != NULL)
		dt = g_date_time_new_from_iso8601 (created, NULL);
	if (dt == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"created\" is missing or not an RFC 3339 time");
		return FALSE;
	}
	g_free (self->port);
	self->port = g_strdup (port);
	g_free (self->created);
	self->created = g_strdup (created);
	return TRUE;
}

static IrRecording *
ir_recording_parse_named (const char *json, gssize len, const char *name, GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (IrRecording) self = ir_recording_new (NULL);
	g_autoptr (GError) error_local = NULL;
	JsonNode *root;
	JsonNode *events;
	JsonArray *array;
	gint64 prev_us = 0;

	if (!json_parser_load_from_data (parser, json, len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "failed to load session recording %s: not JSON: %s",
			     name,
			     error_local->message);
		return NULL;
	}
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "failed to load session recording %s: not a JSON object",
			     name);
		return NULL;
	}
	if (!ir_recording_parse_header (self, json_node_get_object (root), error)) {
		g_prefix_error (error, "failed to load session recording %s: ", name);
		return NULL;
	}
	events = json_object_get_member (json_node_get_object (root), "events");
	if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "failed to load session recording %s: \"events\" is missing or not an array",
		    name);
		return NULL;
	}
	array = json_node_get_array (events);
	for (guint i = 0; i < json_array_get_length (array); i++) {
		if (!ir_recording_parse_event (
			self, json_array_get_element (array, i), prev_us, error)) {
			g_prefix_error (
			    error, "failed to load session recording %s: event %u: ", name, i);
			return NULL;
		}
		prev_us = ir_recording_get_event (self, i)->time_us;
	}
	return g_steal_pointer (&self);
}

IrRecording *
ir_recording_parse (const char *json, gssize len, GError **error)
{
	g_return_val_if_fail (json != NULL, NULL);
	return ir_recording_parse_named (json, len, "(string)", error);
}

IrRecording *
ir_recording_load (const char *path, GError **error)
{
	g_autofree char *json = NULL;
	gsize len = 0;
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (path != NULL, NULL);

	if (!g_file_get_contents (path, &json, &len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     g_error_matches (error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
				 ? IR_ERROR_NOT_FOUND
				 : IR_ERROR_INVALID_INPUT,
			     "failed to load session recording %s: %s",
			     path,
			     error_local->message);
		return NULL;
	}
	return ir_recording_parse_named (json, (gssize)len, path, error);
}

static void
ir_recording_finalize (GObject *object)
{
	IrRecording *self = IR_RECORDING (object);

	g_free (self->port);
	g_free (self->created);
	g_array_unref (self->events);
	G_OBJECT_CLASS (ir_recording_parent_class)->finalize (object);
}

static void
ir_recording_init (IrRecording *self)
{
	self->start_us = g_get_monotonic_time ();
	self->events = g_array_new (FALSE, TRUE, sizeof (IrRecordingEvent));
	g_array_set_clear_func (self->events, ir_recording_event_clear);
}

static void
ir_recording_class_init (IrRecordingClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = ir_recording_finalize;
}
