/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-private.h"

/* 3GPP TS 27.007 §5.4: +CGSN=1 asks for the IMEI itself; older phones only
 * know +CGSN (the "serial number", which for a phone is its IMEI) or the
 * V.250 +GSN. Each is asked when the one before it was refused, timed out
 * or never answered readably: a phone that ignores one form often answers
 * the next, and only the phone going away or a cancel ends the chain. */
static const struct {
	const char *command;
	const char *prefix;
} ir_3gpp_imei_reads[] = {
    {"AT+CGSN=1", "+CGSN"},
    {"AT+CGSN", "+CGSN"},
    {"AT+GSN", "+GSN"},
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

static GPtrArray *
ir_3gpp_host_read_imeis (IrAtChannel *channel,
			 const IrProfile *profile,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr (GPtrArray) errors =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_error_free);

	for (guint i = 0; i < G_N_ELEMENTS (ir_3gpp_imei_reads); i++) {
		g_autoptr (GError) error_local = NULL;
		GPtrArray *values = ir_family_read_imeis (channel,
							  profile,
							  ir_3gpp_imei_reads[i].command,
							  ir_family_parse_single,
							  (gpointer)ir_3gpp_imei_reads[i].prefix,
							  1,
							  cancellable,
							  &error_local);
		if (values != NULL)
			return values;
		if (ir_at_read_error_is_fatal (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_debug ("%s; trying the next form", error_local->message);
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
