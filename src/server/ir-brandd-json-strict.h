/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The syntax check of ir-brandd-json.h, with jansson: nesting at most
 * IR_BRANDD_JSON_MAX_DEPTH, then one strict JSON object or array. @body is
 * UTF-8 without NUL (the caller checked). */

#define IR_BRANDD_JSON_MAX_DEPTH 32

gboolean ir_brandd_json_strict_check (const char *body, gsize len, GError **error);

G_END_DECLS
