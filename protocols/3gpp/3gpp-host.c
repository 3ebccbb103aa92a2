/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-private.h"

/* 3GPP TS 27.007 §5.4: +CGSN=1 asks for the IMEI itself; older phones only
 * know +CGSN (the "serial number", which for a phone is its IMEI) or the
 * V.250 +GSN. Each is asked only when the one before it was refused. */
static const struct {
	const char *command;
	const char *prefix;
} ir_3gpp_imei_reads[] = {
    {"AT+CGSN=1", "+CGSN"},
    {"AT+CGSN", "+CGSN"},
    {"AT+GSN", "+GSN"},
};

static GPtrArray *
ir_3gpp_read_imeis (IrAtChannel *channel,
		    const IrProfile *profile,
		    GCancellable *cancellable,
		    GError **error)
{
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
		if (values != NULL) {
			/* 27.007 has one IMEI per phone: further slots are unknown */
			while (values->len < profile->slots)
				g_ptr_array_add (values, NULL);
			return values;
		}
		if (i + 1 == G_N_ELEMENTS (ir_3gpp_imei_reads) ||
		    !g_error_matches (error_local, IR_ERROR, IR_ERROR_AT_REFUSED)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_debug ("%s; trying %s", error_local->message, ir_3gpp_imei_reads[i + 1].command);
	}
	g_assert_not_reached ();
}

const IrFamily ir_family_3gpp = {
    .id = "3gpp",
    .title = "3GPP TS 27.007 (+CGSN, read only)",
    .read_imeis = ir_3gpp_read_imeis,
    .write_imei = NULL,
};
