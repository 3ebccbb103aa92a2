/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir-cli-output.h"
#include "ir-error.h"

int
ir_cli_output_exit_code (const GError *error)
{
	if (error == NULL)
		return 0;
	if (error->domain == IR_ERROR)
		return ir_error_exit_code (error);
	if (error->domain == G_OPTION_ERROR)
		return 2;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return 130;
	return 1;
}

const char *
ir_cli_output_error_code (const GError *error)
{
	static const char *const codes[] = {
	    [IR_ERROR_FAILED] = "failed",
	    [IR_ERROR_INVALID_INPUT] = "invalid_input",
	    [IR_ERROR_NOT_FOUND] = "not_found",
	    [IR_ERROR_BUSY] = "busy",
	    [IR_ERROR_PERMISSION_DENIED] = "permission_denied",
	    [IR_ERROR_TIMEOUT] = "timeout",
	    [IR_ERROR_CANCELLED] = "cancelled",
	    [IR_ERROR_DISCONNECTED] = "disconnected",
	    [IR_ERROR_PROTOCOL] = "protocol",
	    [IR_ERROR_NOT_A_PHONE] = "not_a_phone",
	    [IR_ERROR_AT_REFUSED] = "at_refused",
	    [IR_ERROR_READ_ONLY] = "read_only",
	    [IR_ERROR_NOT_SUPPORTED] = "not_supported",
	    [IR_ERROR_NOT_STICKING] = "not_sticking",
	    [IR_ERROR_REPLAY_MISMATCH] = "replay_mismatch",
	    [IR_ERROR_TOKEN_REFUSED] = "token_refused",
	    [IR_ERROR_TAMPERED] = "tampered",
	    [IR_ERROR_READ_ONLY_LOG] = "read_only_log",
	    [IR_ERROR_IO] = "io",
	    [IR_ERROR_SPC_LOCKED] = "spc_locked",
	    [IR_ERROR_SPC_REFUSED] = "spc_refused",
	};

	if (error->domain == G_OPTION_ERROR)
		return "invalid_input";
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return "cancelled";
	if (error->domain == IR_ERROR && error->code >= 0 &&
	    (gsize)error->code < G_N_ELEMENTS (codes) && codes[error->code] != NULL)
		return codes[error->code];
	return "failed";
}

char *
ir_cli_output_one_line (const char *message)
{
	g_autoptr (GString) str = g_string_new (NULL);
	g_autofree char *valid = g_utf8_make_valid (message != NULL ? message : "", -1);
	gboolean blank = FALSE;

	/* a multi-line message would break "exactly one line on stderr" and
	 * control characters from a device must not reach the terminal */
	for (const char *p = valid; *p != '\0'; p++) {
		if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p)) {
			blank = str->len > 0;
			continue;
		}
		if (blank)
			g_string_append_c (str, ' ');
		blank = FALSE;
		g_string_append_c (str, *p);
	}
	return g_string_free (g_steal_pointer (&str), FALSE);
}

void
ir_cli_output_print_error (const GError *error, gboolean json)
{
	g_autofree char *message = ir_cli_output_one_line (error->message);

	if (json) {
		g_autoptr (JsonBuilder) builder = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;

		json_builder_begin_object (builder);
		json_builder_set_member_name (builder, "error");
		json_builder_begin_object (builder);
		json_builder_set_member_name (builder, "code");
		json_builder_add_string_value (builder, ir_cli_output_error_code (error));
		json_builder_set_member_name (builder, "message");
		json_builder_add_string_value (builder, message);
		json_builder_set_member_name (builder, "exit_code");
		json_builder_add_int_value (builder, ir_cli_output_exit_code (error));
		json_builder_end_object (builder);
		json_builder_end_object (builder);
		root = json_builder_get_root (builder);
		text = ir_cli_output_json_to_string (root);
		fputs (text, stdout);
		fflush (stdout);
	}
	fprintf (stderr, "imeictl: %s\n", message);
}

void
ir_cli_output_tell_wait (const char *command, const char *port, guint waited_ms, gpointer user_data)
{
	g_autofree char *what = ir_cli_output_one_line (command);

	fprintf (stderr,
		 "imeictl: still waiting for %s on %s, %.1f s so far\n",
		 what,
		 port,
		 waited_ms / 1000.0);
	fflush (stderr);
}

char *
ir_cli_output_json_to_string (JsonNode *root)
{
	g_autoptr (JsonGenerator) generator = json_generator_new ();
	g_autofree char *text = NULL;

	json_generator_set_pretty (generator, TRUE);
	json_generator_set_indent (generator, 2);
	json_generator_set_root (generator, root);
	text = json_generator_to_data (generator, NULL);
	return g_strconcat (text, "\n", NULL);
}

void
ir_cli_output_json_add_string_or_null (JsonBuilder *builder, const char *member, const char *value)
{
	json_builder_set_member_name (builder, member);
	if (value != NULL)
		json_builder_add_string_value (builder, value);
	else
		json_builder_add_null_value (builder);
}

char *
ir_cli_output_usb_id_to_string (guint16 id)
{
	if (id == 0)
		return NULL;
	return g_strdup_printf ("%04x", id);
}

struct _IrCliTable {
	guint n_columns;
	GPtrArray *rows; /* of GStrv, n_columns each */
};

IrCliTable *
ir_cli_table_new (guint n_columns)
{
	IrCliTable *self = g_new0 (IrCliTable, 1);

	g_return_val_if_fail (n_columns > 0, NULL);
	self->n_columns = n_columns;
	self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
	return self;
}

void
ir_cli_table_add_rowv (IrCliTable *self, const char *const *cells)
{
	char **row = g_new0 (char *, self->n_columns + 1);

	for (guint i = 0; i < self->n_columns; i++) {
		const char *cell = cells[i];
		row[i] = cell != NULL && cell[0] != '\0' ? ir_cli_output_one_line (cell)
							 : g_strdup ("-");
		/* a device string of only blanks would vanish otherwise */
		if (row[i][0] == '\0') {
			g_free (row[i]);
			row[i] = g_strdup ("-");
		}
	}
	g_ptr_array_add (self->rows, row);
}

void
ir_cli_table_add_row (IrCliTable *self, ...)
{
	g_autofree const char **cells = g_new0 (const char *, self->n_columns + 1);
	va_list args;

	va_start (args, self);
	for (guint i = 0; i < self->n_columns; i++)
		cells[i] = va_arg (args, const char *);
	va_end (args);
	ir_cli_table_add_rowv (self, cells);
}

static glong
ir_cli_output_text_width (const char *text)
{
	if (!g_utf8_validate (text, -1, NULL))
		return (glong)strlen (text);
	return g_utf8_strlen (text, -1);
}

void
ir_cli_table_render (IrCliTable *self, GString *out)
{
	g_autofree glong *widths = g_new0 (glong, self->n_columns);

	for (guint r = 0; r < self->rows->len; r++) {
		char **row = g_ptr_array_index (self->rows, r);
		for (guint c = 0; c < self->n_columns; c++)
			widths[c] = MAX (widths[c], ir_cli_output_text_width (row[c]));
	}
	for (guint r = 0; r < self->rows->len; r++) {
		char **row = g_ptr_array_index (self->rows, r);
		for (guint c = 0; c < self->n_columns; c++) {
			g_string_append (out, row[c]);
			if (c + 1 == self->n_columns)
				break;
			for (glong pad = ir_cli_output_text_width (row[c]); pad < widths[c] + 2;
			     pad++)
				g_string_append_c (out, ' ');
		}
		g_string_append_c (out, '\n');
	}
}

void
ir_cli_table_free (IrCliTable *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref (self->rows);
	g_free (self);
}

gboolean
ir_cli_output_parse_protocol (const char *text, IrSessionProtocol *protocol, GError **error)
{
	*protocol = IR_SESSION_PROTOCOL_AUTO;
	if (text == NULL || ir_session_protocol_from_string (text, protocol))
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "--protocol '%s' is not a protocol: give at (AT commands), diag (Qualcomm "
		     "DIAG) or auto (probe AT, then DIAG)",
		     text);
	return FALSE;
}

gboolean
ir_cli_output_load_duplicates (const char *option,
			       IrDuplicateList **list,
			       char **path,
			       GError **error)
{
	const char *origin = option != NULL ? "--duplicates" : "$IMEIRESTORE_DUPLICATES";
	const char *file = option != NULL ? option : g_getenv ("IMEIRESTORE_DUPLICATES");
	g_autoptr (GError) error_local = NULL;

	if (file == NULL || file[0] == '\0')
		return TRUE;
	*list = ir_duplicate_list_load (file, &error_local);
	if (*list == NULL) {
		/* whatever went wrong, it is the file the user gave us */
		if (strstr (error_local->message, file) != NULL)
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: %s",
				     origin,
				     error_local->message);
		else
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: cannot use the duplicate list %s: %s",
				     origin,
				     file,
				     error_local->message);
		return FALSE;
	}
	*path = g_strdup (file);
	return TRUE;
}

const char *
ir_cli_output_imei_status_id (IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_VALID:
		return "valid";
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return "factory_default";
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		return "bad_check_digit";
	case IR_IMEI_STATUS_MALFORMED:
		return "malformed";
	case IR_IMEI_STATUS_DUPLICATE:
		return "duplicate";
	case IR_IMEI_STATUS_EMPTY:
		return "empty";
	default:
		return "unknown";
	}
}
