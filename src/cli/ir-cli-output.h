/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-imei.h"
#include "ir-session.h"

G_BEGIN_DECLS

/* Output helpers shared by every imeictl command: error reporting (one line
 * on stderr, and the JSON error object with --json), exit codes, JSON text
 * and aligned plain-text tables. */

/* The documented exit code of imeictl(1) for @error: ir_error_exit_code()
 * for the IR_ERROR domain, 2 for option errors, 130 for a cancel, else 1. */
int ir_cli_output_exit_code (const GError *error);

/* The JSON id of a slot's classification ("factory_default", ...). */
const char *ir_cli_output_imei_status_id (IrImeiStatus status);

/* The brand's duplicate list from --duplicates (@option, may be NULL) or
 * else $IMEIRESTORE_DUPLICATES; none when neither is set (*@list and
 * *@path stay NULL). Any failure is bad input naming where the path came
 * from, reported before a phone is touched. */
gboolean ir_cli_output_load_duplicates (const char *option,
					IrDuplicateList **list,
					char **path,
					GError **error);

/* --protocol's value (NULL: auto) as an IrSessionProtocol; anything but
 * auto, at or diag is bad input. */
gboolean
ir_cli_output_parse_protocol (const char *text, IrSessionProtocol *protocol, GError **error);

/* The stable "code" member of the JSON error object, e.g. "busy". */
const char *ir_cli_output_error_code (const GError *error);

/* @message on one line: line breaks and tabs become spaces. */
char *ir_cli_output_one_line (const char *message);

/* Writes "imeictl: MESSAGE" on stderr and, with @json, the error object
 * {"error":{"code":..,"message":..,"exit_code":..}} on stdout. */
void ir_cli_output_print_error (const GError *error, gboolean json);

/* Pretty-printed JSON text of @root with a trailing newline. */
char *ir_cli_output_json_to_string (JsonNode *root);

/* IrAtChannelWaitFunc of every command that talks to a phone: one line on
 * standard error ("imeictl: still waiting for AT+CGSN=1 on /dev/ttyUSB0,
 * 2.0 s so far"), never on standard output, where --json goes. */
void ir_cli_output_tell_wait (const char *command,
			      const char *port,
			      guint waited_ms,
			      gpointer user_data);

/* Adds "@member": @value to the object being built, or null when NULL. */
void
ir_cli_output_json_add_string_or_null (JsonBuilder *builder, const char *member, const char *value);

/* "0e8d" for a USB id, NULL for 0 (unknown). */
char *ir_cli_output_usb_id_to_string (guint16 id);

/* A plain-text table with columns aligned on the widest cell. */
typedef struct _IrCliTable IrCliTable;

IrCliTable *ir_cli_table_new (guint n_columns);
/* Adds one row of @n_columns cells; NULL or empty cells print as "-". */
void ir_cli_table_add_row (IrCliTable *self, ...);
void ir_cli_table_add_rowv (IrCliTable *self, const char *const *cells);
/* Appends the table, two spaces between columns, no trailing blanks. */
void ir_cli_table_render (IrCliTable *self, GString *out);
void ir_cli_table_free (IrCliTable *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrCliTable, ir_cli_table_free)

G_END_DECLS
