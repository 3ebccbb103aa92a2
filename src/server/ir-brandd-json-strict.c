/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <jansson.h>

#include "ir-brandd-json-strict.h"
#include "ir-error.h"

/* Apart from ir-brandd-json.c: jansson and json-glib both declare
 * json_object_iter_next(). */

static gboolean
ir_brandd_json_strict_bad (GError **error, const char *why)
{
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "body: %s", why);
	return FALSE;
}

/* Nesting deeper than any request needs is refused before either parser
 * recurses into it. Brackets inside strings do not count. */
static gboolean
ir_brandd_json_strict_depth (const char *body, gsize len, GError **error)
{
	guint depth = 0;
	gboolean in_string = FALSE;

	for (gsize i = 0; i < len; i++) {
		char c = body[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if ((c == '{' || c == '[') && ++depth > IR_BRANDD_JSON_MAX_DEPTH) {
			return ir_brandd_json_strict_bad (error, "nested too deeply");
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

/* jansson refuses what json-glib lets through: trailing values, comments,
 * unknown escapes, lone surrogates, \u0000, numbers out of range and
 * duplicate members (JSON_REJECT_DUPLICATES). */
static gboolean
ir_brandd_json_strict_jansson (const char *body, gsize len, GError **error)
{
	json_error_t jerr;
	json_t *value = json_loadb (body, len, JSON_REJECT_DUPLICATES, &jerr);

	if (value == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "body: not strict JSON: %s at line %d, column %d",
			     jerr.text,
			     jerr.line,
			     jerr.column);
		return FALSE;
	}
	json_decref (value);
	return TRUE;
}

gboolean
ir_brandd_json_strict_check (const char *body, gsize len, GError **error)
{
	return ir_brandd_json_strict_depth (body, len, error) &&
	       ir_brandd_json_strict_jansson (body, len, error);
}
