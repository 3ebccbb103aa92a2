/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-family-private.h"

/* Quectel modules have one IMEI, +EGMR record 7 (see README.md). */

static GPtrArray *
quectel_host_read_imeis (IrAtChannel *channel,
			 const IrProfile *profile,
			 IrFamilyReadReport *report,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autofree char *command = g_strdup_printf ("AT+EGMR=0,%u", IR_EGMR_TYPE_IMEI1);
	GPtrArray *values = ir_family_read_imeis (channel,
						  profile,
						  command,
						  ir_family_parse_single,
						  (gpointer) "+EGMR",
						  1,
						  report,
						  cancellable,
						  error);
	if (values == NULL)
		return NULL;
	while (values->len < profile->slots)
		g_ptr_array_add (values, NULL);
	return values;
}

static gboolean
quectel_host_write_imei (IrAtChannel *channel,
			 const IrProfile *profile,
			 guint slot,
			 const char *imei,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autofree char *command = NULL;

	if (slot != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEI slot %u does not exist on %s: Quectel modules have one",
			     slot + 1,
			     ir_at_read_port (channel));
		return FALSE;
	}
	command = g_strdup_printf ("AT+EGMR=1,%u,\"%s\"", IR_EGMR_TYPE_IMEI1, imei);
	return ir_family_write (
	    channel, profile, slot, command, IR_QUECTEL_READ_ONLY_CME, cancellable, error);
}

const IrFamily ir_family_quectel = {
    .id = "quectel",
    .title = "Quectel (AT+EGMR)",
    .read_imeis = quectel_host_read_imeis,
    .write_imei = quectel_host_write_imei,
};
