/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Compact JSON written straight into a GString, byte for byte what
 * json-glib's generator (not pretty) writes for the same node: a record
 * line is hashed into the log's tree, so its bytes are canonical, and the
 * generator's object tree and GValue boxing were most of an append's
 * CPU besides the signature. */

/* "\"@text\"", escaped as json-glib escapes it */
void ir_log_json_writer_append_string (GString *out, const char *text);

/* @value in decimal, as the generator writes an integer */
void ir_log_json_writer_append_uint (GString *out, guint64 value);

/* @node, members and elements in their order */
void ir_log_json_writer_append_node (GString *out, JsonNode *node);

/* "\"@name\":" then @node */
void ir_log_json_writer_append_member (GString *out, const char *name, JsonNode *node);

G_END_DECLS
