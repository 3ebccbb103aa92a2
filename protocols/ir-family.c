/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family-private.h"
#include "ir-imei.h"

/* A slot value that needs no second opinion: empty, or a well-formed IMEI
 * (valid, or the all-zero factory default). */
static gboolean
ir_family_values_plausible (GPtrArray *values, gpointer user_data)
{
	guint n_expected = GPOINTER_TO_UINT (user_data);

	/* fewer slots than expected: a single-IMEI phone, or a lost line */
	if (values->len < n_expected)
		return FALSE;
	for (guint i = 0; i < values->len; i++) {
		const char *imei = g_ptr_array_index (values, i);
		IrImeiStatus status;
		if (imei == NULL)
			continue;
		status = ir_imei_classify (imei);
		if (status != IR_IMEI_STATUS_VALID && status != IR_IMEI_STATUS_FACTORY_DEFAULT)
			return FALSE;
	}
	return TRUE;
}

/* A run of one digit shorter than an IMEI: what a line that loses bytes
 * makes of the all-zero factory default, and the same however many bytes
 * it loses where. No phone holds that, so it is never taken as read. */
static gboolean
ir_family_values_shortened_run (GPtrArray *values, const char *command, GError **error)
{
	for (guint i = 0; i < values->len; i++) {
		const char *imei = g_ptr_array_index (values, i);
		gsize len = imei != NULL ? strlen (imei) : 0;
		if (len == 0 || len >= IR_IMEI_LEN || !g_ascii_isdigit (imei[0]) ||
		    strspn (imei, (const char[]){imei[0], '\0'}) != len)
			continue;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "slot %u answered %" G_GSIZE_FORMAT " times the digit %c to %s, "
			     "fewer than an IMEI has: bytes were lost on the way",
			     i + 1,
			     len,
			     imei[0],
			     command);
		return TRUE;
	}
	return FALSE;
}

/* What ir_at_read_confirmed() hands the family's parse. */
typedef struct {
	const IrProfile *profile;
	const char *command;
	IrFamilyParseFunc parse;
	gpointer user_data;
	guint n_expected;
} IrFamilyRead;

static GPtrArray *
ir_family_read_parse (const IrAtResponse *resp, gpointer user_data, GError **error)
{
	IrFamilyRead *read = user_data;
	GPtrArray *values = read->parse (resp, read->profile, read->user_data, error);

	if (values != NULL && ir_family_values_shortened_run (values, read->command, error))
		g_clear_pointer (&values, g_ptr_array_unref);
	return values;
}

static gboolean
ir_family_read_well_formed (GPtrArray *values, gpointer user_data)
{
	IrFamilyRead *read = user_data;

	return ir_family_values_plausible (values, GUINT_TO_POINTER (read->n_expected));
}

GPtrArray *
ir_family_read_form (IrAtChannel *channel,
		     const IrProfile *profile,
		     const IrFamilyReadForm *form,
		     IrFamilyReadReport *report,
		     GCancellable *cancellable,
		     GError **error)
{
	IrFamilyRead family_read = {
	    profile, form->command, form->parse, form->user_data, form->n_expected};
	IrAtRead read = {
	    .command = form->command,
	    .timeout_ms = form->timeout_ms > 0 ? form->timeout_ms : profile->command_timeout_ms,
	    .parse = ir_family_read_parse,
	    .well_formed = ir_family_read_well_formed,
	    .user_data = &family_read,
	    .silence_ends = form->silence_ends,
	};
	GPtrArray *values = ir_at_read_confirmed (channel, &read, cancellable, error);

	if (values != NULL)
		ir_family_read_report_add_command (report, form->command);
	return values;
}

GPtrArray *
ir_family_read_imeis (IrAtChannel *channel,
		      const IrProfile *profile,
		      const char *command,
		      IrFamilyParseFunc parse,
		      gpointer user_data,
		      guint n_expected,
		      IrFamilyReadReport *report,
		      GCancellable *cancellable,
		      GError **error)
{
	IrFamilyReadForm form = {
	    .command = command,
	    .parse = parse,
	    .user_data = user_data,
	    .n_expected = n_expected,
	};

	return ir_family_read_form (channel, profile, &form, report, cancellable, error);
}

static gboolean
ir_family_is_digits (const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	return TRUE;
}

char *
ir_family_parse_imei_value (const IrAtResponse *resp, const char *prefix, GError **error)
{
	g_autofree char *value = ir_at_response_get_value (resp, prefix, error);
	g_autofree char *imei = NULL;

	if (value == NULL)
		return NULL;
	/* digits of any length are what the phone holds, for the classifier to
	 * judge; anything else may have words around the IMEI */
	if (ir_family_is_digits (value))
		return g_steal_pointer (&value);
	imei = ir_at_parser_parse_imei (resp, prefix, NULL);
	if (imei != NULL)
		return g_steal_pointer (&imei);
	/* an ESN, a MEID, free text: what the phone says, to be shown as such */
	return g_steal_pointer (&value);
}

GPtrArray *
ir_family_parse_single (const IrAtResponse *resp,
			const IrProfile *profile,
			gpointer user_data,
			GError **error)
{
	const char *prefix = user_data;
	g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *imei = ir_family_parse_imei_value (resp, prefix, error);

	if (imei == NULL)
		return NULL;
	if (imei[0] == '\0')
		g_clear_pointer (&imei, g_free);
	g_ptr_array_add (values, g_steal_pointer (&imei));
	return g_steal_pointer (&values);
}

static void
ir_family_set_read_only (
    const char *command, const char *port, guint slot, int code, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_READ_ONLY,
		     "IMEI slot %u on %s is write-once and already written (%s answered "
		     "+CME ERROR: %d): it cannot be restored at a service centre; stop here "
		     "and send the phone to the brand's repair process",
		     slot + 1,
		     port,
		     command,
		     code);
}

gboolean
ir_family_write (IrAtChannel *channel,
		 const IrProfile *profile,
		 guint slot,
		 const char *command,
		 int read_only_code,
		 GCancellable *cancellable,
		 GError **error)
{
	const char *port = ir_at_read_port (channel);
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error_local = NULL;

	/* never retried: a write whose answer was lost may have happened */
	resp = ir_at_channel_command (
	    channel, command, profile->write_timeout_ms, cancellable, &error_local);
	if (resp == NULL) {
		if (g_error_matches (error_local, IR_ERROR, IR_ERROR_TIMEOUT) ||
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED) ||
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_PROTOCOL)) {
			g_prefix_error (&error_local,
					"the phone did not confirm the write of IMEI slot %u, "
					"so the slot may or may not hold the new IMEI: identify "
					"the phone again before anything else: ",
					slot + 1);
		}
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (resp->final == IR_AT_FINAL_CME_ERROR && resp->code == read_only_code) {
		ir_family_set_read_only (command, port, slot, resp->code, error);
		return FALSE;
	}
	if (!ir_at_response_check (resp, command, port, error)) {
		g_prefix_error (error, "failed to write IMEI slot %u: ", slot + 1);
		return FALSE;
	}
	return TRUE;
}
