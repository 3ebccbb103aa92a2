/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-private.h"

/* 3GPP TS 27.007 §5.4: +CGSN=1 asks for the IMEI itself; older phones only
 * know +CGSN (the "serial number", which for a phone is its IMEI) or the
 * V.250 +GSN. Each is asked when the one before it was refused, timed out
 * or never answered readably: a phone that ignores one form often answers
 * the next, and only the phone going away or a cancel ends the chain.
 *
 * A form with a next one waits IR_3GPP_HOST_FORM_TIMEOUT_MS, once: a phone
 * that knows a form answers it in tens of milliseconds, and one silent to
 * it stays silent, so the next form is the better retry (three full
 * command timeouts made ~9 s of a phone silent to +CGSN=1). The last form
 * has nothing to fall back on: it keeps the profile's timeout and its
 * retries. */
#define IR_3GPP_HOST_FORM_TIMEOUT_MS 1000

static const struct {
	const char *command;
	const char *prefix;
	gboolean last;
} ir_3gpp_imei_reads[] = {
    {"AT+CGSN=1", "+CGSN", FALSE},
    {"AT+CGSN", "+CGSN", FALSE},
    {"AT+GSN", "+GSN", TRUE},
};

/* The error of the whole chain: silent only when every form was; refused
 * when one was refused and none garbled; each form's outcome named. */
static void
ir_3gpp_host_set_chain_error (GPtrArray *errors, GError **error)
{
	g_autoptr (GString) what = g_string_new (NULL);
	gint code = IR_ERROR_TIMEOUT;

	for (guint i = 0; i < errors->len; i++) {
		const GError *e = g_ptr_array_index (errors, i);
		if (g_error_matches (e, IR_ERROR, IR_ERROR_PROTOCOL))
			code = IR_ERROR_PROTOCOL;
		else if (g_error_matches (e, IR_ERROR, IR_ERROR_AT_REFUSED) &&
			 code == IR_ERROR_TIMEOUT)
			code = IR_ERROR_AT_REFUSED;
		g_string_append_printf (what, "%s%s", i > 0 ? "; " : "", e->message);
	}
	g_set_error (
	    error, IR_ERROR, code, "no form of the 27.007 IMEI read worked: %s", what->str);
}

/* Why a form was passed over, for the note identify makes of it: a
 * timeout there is no advice to check the phone, since the next form
 * may answer. */
static void
ir_3gpp_host_add_passed_over (GString *passed_over,
			      IrAtChannel *channel,
			      const char *command,
			      const GError *error)
{
	if (passed_over->len > 0)
		g_string_append (passed_over, "; ");
	if (g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT))
		g_string_append_printf (
		    passed_over, "%s on %s did not answer", command, ir_at_read_port (channel));
	else
		g_string_append (passed_over, error->message);
}

static GPtrArray *
ir_3gpp_host_read_imeis (IrAtChannel *channel,
			 const IrProfile *profile,
			 IrFamilyReadReport *report,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr (GPtrArray) errors =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_error_free);
	g_autoptr (GString) passed_over = g_string_new (NULL);

	for (guint i = 0; i < G_N_ELEMENTS (ir_3gpp_imei_reads); i++) {
		g_autoptr (GError) error_local = NULL;
		gboolean last = ir_3gpp_imei_reads[i].last;
		IrFamilyReadForm form = {
		    .command = ir_3gpp_imei_reads[i].command,
		    .parse = ir_family_parse_single,
		    .user_data = (gpointer)ir_3gpp_imei_reads[i].prefix,
		    .n_expected = 1,
		    .timeout_ms =
			last ? 0 : MIN (IR_3GPP_HOST_FORM_TIMEOUT_MS, profile->command_timeout_ms),
		    .silence_ends = !last,
		};
		GPtrArray *values = ir_family_read_form (
		    channel, profile, &form, report, cancellable, &error_local);
		if (values != NULL) {
			if (report != NULL && passed_over->len > 0)
				report->passed_over = g_strdup (passed_over->str);
			return values;
		}
		if (ir_at_read_error_is_fatal (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_debug ("%s; trying the next form", error_local->message);
		ir_3gpp_host_add_passed_over (passed_over, channel, form.command, error_local);
		g_ptr_array_add (errors, g_steal_pointer (&error_local));
	}
	ir_3gpp_host_set_chain_error (errors, error);
	return NULL;
}

const IrFamily ir_family_3gpp = {
    .id = "3gpp",
    .title = "3GPP TS 27.007 (+CGSN, read only)",
    .read_imeis = ir_3gpp_host_read_imeis,
    .write_imei = NULL,
};
