/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-family-private.h"

/* Slot 1 is +EGMR record 7, slot 2 record 10 (see README.md). */
static const guint ir_mediatek_types[] = {IR_EGMR_TYPE_IMEI1, IR_EGMR_TYPE_IMEI2};

static GPtrArray *
mediatek_host_read_imeis (IrAtChannel *channel,
			  const IrProfile *profile,
			  IrFamilyReadReport *report,
			  GCancellable *cancellable,
			  GError **error)
{
	g_autoptr (GPtrArray) imeis = g_ptr_array_new_with_free_func (g_free);

	for (guint slot = 0; slot < profile->slots && slot < G_N_ELEMENTS (ir_mediatek_types);
	     slot++) {
		g_autofree char *command =
		    g_strdup_printf ("AT+EGMR=0,%u", ir_mediatek_types[slot]);
		g_autoptr (GError) error_local = NULL;
		g_autoptr (GPtrArray) values = ir_family_read_imeis (channel,
								     profile,
								     command,
								     ir_family_parse_single,
								     (gpointer) "+EGMR",
								     1,
								     report,
								     cancellable,
								     &error_local);
		/* a single-IMEI phone has no record 10: it has one slot */
		if (values == NULL && slot > 0 &&
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_AT_REFUSED)) {
			g_debug ("%s; the phone has %u IMEI slot(s)", error_local->message, slot);
			break;
		}
		if (values == NULL) {
			g_propagate_prefixed_error (error,
						    g_steal_pointer (&error_local),
						    "failed to read IMEI slot %u: ",
						    slot + 1);
			return NULL;
		}
		g_ptr_array_add (imeis, g_strdup (g_ptr_array_index (values, 0)));
	}
	return g_steal_pointer (&imeis);
}

static gboolean
mediatek_host_write_imei (IrAtChannel *channel,
			  const IrProfile *profile,
			  guint slot,
			  const char *imei,
			  GCancellable *cancellable,
			  GError **error)
{
	g_autofree char *command = NULL;

	if (slot >= profile->slots || slot >= G_N_ELEMENTS (ir_mediatek_types)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEI slot %u does not exist on %s: the phone has %u",
			     slot + 1,
			     ir_at_read_port (channel),
			     profile->slots);
		return FALSE;
	}
	command = g_strdup_printf ("AT+EGMR=1,%u,\"%s\"", ir_mediatek_types[slot], imei);
	return ir_family_write (
	    channel, profile, slot, command, IR_MEDIATEK_READ_ONLY_CME, cancellable, error);
}

const IrFamily ir_family_mediatek = {
    .id = "mediatek",
    .title = "MediaTek (AT+EGMR)",
    .read_imeis = mediatek_host_read_imeis,
    .write_imei = mediatek_host_write_imei,
};
