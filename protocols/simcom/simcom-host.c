/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-family-private.h"

/* SIMCom modules have one IMEI behind AT+SIMEI (see README.md). */

static GPtrArray *
simcom_host_read_imeis (IrAtChannel *channel,
			const IrProfile *profile,
			IrFamilyReadReport *report,
			GCancellable *cancellable,
			GError **error)
{
	GPtrArray *values = ir_family_read_imeis (channel,
						  profile,
						  "AT+SIMEI?",
						  ir_family_parse_single,
						  (gpointer) "+SIMEI",
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
simcom_host_write_imei (IrAtChannel *channel,
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
			     "IMEI slot %u does not exist on %s: SIMCom modules have one",
			     slot + 1,
			     ir_at_read_port (channel));
		return FALSE;
	}
	/* unquoted, as SIMCom's manual writes it */
	command = g_strdup_printf ("AT+SIMEI=%s", imei);
	return ir_family_write (
	    channel, profile, slot, command, IR_SIMCOM_READ_ONLY_CME, cancellable, error);
}

const IrFamily ir_family_simcom = {
    .id = "simcom",
    .title = "SIMCom (AT+SIMEI)",
    .read_imeis = simcom_host_read_imeis,
    .write_imei = simcom_host_write_imei,
};
