/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-log-json-writer.h"

/* TRUE for a byte written as it is */
static inline gboolean
ir_log_json_writer_is_plain (guchar c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

/* json-glib 1.6's escaping, kept as it is because the bytes are canonical:
 * '"' and '\\' by a backslash; \b \f \n \r \t by name; other controls
 * below 0x1f and DEL as \u00xx (lower-case hex); 0x1f itself and every
 * byte from 0x80 as they are. */
void
ir_log_json_writer_append_string (GString *out, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = text;

	g_string_append_c (out, '"');
	for (;;) {
		const char *run = p;
		guchar c;

		/* runs of plain bytes in one copy: most strings are all plain */
		while (ir_log_json_writer_is_plain ((guchar)*p))
			p++;
		if (p > run)
			g_string_append_len (out, run, p - run);
		c = (guchar)*p;
		if (c == '\0')
			break;
		p++;
		if (c == '"' || c == '\\') {
			g_string_append_c (out, '\\');
			g_string_append_c (out, (char)c);
		} else if (c == '\b') {
			g_string_append_len (out, "\\b", 2);
		} else if (c == '\f') {
			g_string_append_len (out, "\\f", 2);
		} else if (c == '\n') {
			g_string_append_len (out, "\\n", 2);
		} else if (c == '\r') {
			g_string_append_len (out, "\\r", 2);
		} else if (c == '\t') {
			g_string_append_len (out, "\\t", 2);
		} else if (c < 0x1f || c == 0x7f) {
			g_string_append_len (out, "\\u00", 4);
			g_string_append_c (out, hex[c >> 4]);
			g_string_append_c (out, hex[c & 0xf]);
		} else {
			/* 0x1f: as it is (json-glib 1.6) */
			g_string_append_c (out, (char)c);
		}
	}
	g_string_append_c (out, '"');
}

void
ir_log_json_writer_append_uint (GString *out, guint64 value)
{
	char digits[20];
	guint n = 0;

	do {
		digits[sizeof (digits) - 1 - n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	g_string_append_len (out, digits + sizeof (digits) - n, n);
}

/* what the record schema holds: strings, integers, booleans, null; any
 * other value (a double) is written by json-glib itself */
static void
ir_log_json_writer_append_value (GString *out, JsonNode *node)
{
	g_autofree char *other = NULL;
	gint64 value;

	switch (json_node_get_value_type (node)) {
	case G_TYPE_STRING:
		ir_log_json_writer_append_string (out, json_node_get_string (node));
		return;
	case G_TYPE_INT64:
		value = json_node_get_int (node);
		if (value < 0)
			g_string_append_c (out, '-');
		/* as unsigned: G_MININT64 has no positive gint64 */
		ir_log_json_writer_append_uint (out, value < 0 ? -(guint64)value : (guint64)value);
		return;
	case G_TYPE_BOOLEAN:
		g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
		return;
	default:
		other = json_to_string (node, FALSE);
		g_string_append (out, other);
		return;
	}
}

static void
ir_log_json_writer_append_object (GString *out, JsonObject *object)
{
	JsonObjectIter iter;
	const char *name;
	JsonNode *member;
	gboolean first = TRUE;

	g_string_append_c (out, '{');
	json_object_iter_init_ordered (&iter, object);
	while (json_object_iter_next_ordered (&iter, &name, &member)) {
		if (!first)
			g_string_append_c (out, ',');
		first = FALSE;
		ir_log_json_writer_append_member (out, name, member);
	}
	g_string_append_c (out, '}');
}

static void
ir_log_json_writer_append_array (GString *out, JsonArray *array)
{
	guint len = json_array_get_length (array);

	g_string_append_c (out, '[');
	for (guint i = 0; i < len; i++) {
		if (i > 0)
			g_string_append_c (out, ',');
		ir_log_json_writer_append_node (out, json_array_get_element (array, i));
	}
	g_string_append_c (out, ']');
}

void
ir_log_json_writer_append_node (GString *out, JsonNode *node)
{
	switch (JSON_NODE_TYPE (node)) {
	case JSON_NODE_OBJECT:
		ir_log_json_writer_append_object (out, json_node_get_object (node));
		return;
	case JSON_NODE_ARRAY:
		ir_log_json_writer_append_array (out, json_node_get_array (node));
		return;
	case JSON_NODE_VALUE:
		ir_log_json_writer_append_value (out, node);
		return;
	case JSON_NODE_NULL:
	default:
		g_string_append (out, "null");
		return;
	}
}

void
ir_log_json_writer_append_member (GString *out, const char *name, JsonNode *node)
{
	ir_log_json_writer_append_string (out, name);
	g_string_append_c (out, ':');
	ir_log_json_writer_append_node (out, node);
}
