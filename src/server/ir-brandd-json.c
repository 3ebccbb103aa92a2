/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-json-strict.h"
#include "ir-brandd-json.h"
#include "ir-error.h"

static gboolean
ir_brandd_json_bad (GError **error, const char *why)
{
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "body: %s", why);
	return FALSE;
}

JsonObject *
ir_brandd_json_parse_object (const char *body, gsize len, GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new_immutable ();
	g_autoptr (GError) why = NULL;
	JsonNode *root;

	if (len == 0) {
		ir_brandd_json_bad (error, "empty; expected a JSON object");
		return NULL;
	}
	if (len > G_MAXSSIZE || memchr (body, '\0', len) != NULL ||
	    !g_utf8_validate_len (body, len, NULL)) {
		ir_brandd_json_bad (error, "not UTF-8 text");
		return NULL;
	}
	if (!ir_brandd_json_strict_check (body, len, error))
		return NULL;
	if (!json_parser_load_from_data (parser, body, (gssize)len, &why)) {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "body: not JSON: %s", why->message);
		return NULL;
	}
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		ir_brandd_json_bad (error, "expected a JSON object");
		return NULL;
	}
	return json_object_ref (json_node_get_object (root));
}
