/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Strict JSON for request bodies (RFC 8259 and nothing more): exactly one
 * object, no comments, only JSON's escapes, every decoded string valid
 * UTF-8 without NUL, numbers that fit (no 1e999999, no integer beyond 64
 * bits) and no member named twice in an object. json-glib alone reads
 * "{} {}", comments and C escapes such as "\765", and lets the last of two
 * members win; jansson checks the text first, then json-glib builds the
 * tree the parsers walk. Pure: no I/O. Errors are IR_ERROR_INVALID_INPUT
 * with a message that starts with "body: ". */

JsonObject *ir_brandd_json_parse_object (const char *body, gsize len, GError **error);

G_END_DECLS
