/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-family-private.h"

/* Unisoc answers AT+SPIMEI? with one line per slot, slots counted from 0:
 *   +SPIMEI: 0,"490154203237518"
 *   +SPIMEI: 1,""                    (an empty slot)
 * (the form is this project's convention, see README.md). */
#define IR_UNISOC_PREFIX "+SPIMEI:"

/* "0,\"490154203237518\"" -> slot 0, "490154203237518". */
static gboolean
unisoc_host_parse_line (const char *line, guint *slot, char **imei, GError **error)
{
	const char *rest = line + strlen (IR_UNISOC_PREFIX);
	g_auto (GStrv) parts = NULL;
	g_autofree char *value = NULL;
	guint64 number = 0;
	gsize len;

	parts = g_strsplit (rest, ",", 2);
	if (g_strv_length (parts) != 2 ||
	    !g_ascii_string_to_unsigned (
		g_strstrip (parts[0]), 10, 0, IR_PROFILE_MAX_SLOTS - 1, &number, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "'%s' is not +SPIMEI: <slot>,\"<imei>\"",
			     line);
		return FALSE;
	}
	value = g_strdup (g_strstrip (parts[1]));
	len = strlen (value);
	if (len < 2 || value[0] != '"' || value[len - 1] != '"') {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_PROTOCOL, "'%s': the IMEI is not quoted", line);
		return FALSE;
	}
	value[len - 1] = '\0';
	for (const char *p = value + 1; *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "'%s': the IMEI is not digits",
				     line);
			return FALSE;
		}
	}
	*slot = (guint)number;
	*imei = value[1] != '\0' ? g_strdup (value + 1) : NULL;
	return TRUE;
}

static GPtrArray *
unisoc_host_parse (const IrAtResponse *resp,
		   const IrProfile *profile,
		   gpointer user_data,
		   GError **error)
{
	g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
	g_autofree gboolean *seen = g_new0 (gboolean, profile->slots);

	g_ptr_array_set_size (values, profile->slots);
	for (guint i = 0; i < resp->lines->len; i++) {
		const char *line = g_ptr_array_index (resp->lines, i);
		guint slot = 0;
		char *imei = NULL;
		if (!g_str_has_prefix (line, IR_UNISOC_PREFIX))
			continue;
		if (!unisoc_host_parse_line (line, &slot, &imei, error))
			return NULL;
		if (slot >= profile->slots) {
			g_free (imei);
			continue;
		}
		g_free (g_ptr_array_index (values, slot));
		g_ptr_array_index (values, slot) = imei;
		seen[slot] = TRUE;
	}
	/* a single-IMEI phone answers slot 0 only; a gap is a lost line */
	for (guint slot = 0; slot < profile->slots; slot++) {
		if (seen[slot])
			continue;
		if (slot == 0 || (slot + 1 < profile->slots && seen[slot + 1])) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "no " IR_UNISOC_PREFIX " line for slot %u",
				     slot);
			return NULL;
		}
		g_ptr_array_set_size (values, slot);
		break;
	}
	return g_steal_pointer (&values);
}

static GPtrArray *
unisoc_host_read_imeis (IrAtChannel *channel,
			const IrProfile *profile,
			IrFamilyReadReport *report,
			GCancellable *cancellable,
			GError **error)
{
	return ir_family_read_imeis (channel,
				     profile,
				     "AT+SPIMEI?",
				     unisoc_host_parse,
				     NULL,
				     profile->slots,
				     report,
				     cancellable,
				     error);
}

static gboolean
unisoc_host_write_imei (IrAtChannel *channel,
			const IrProfile *profile,
			guint slot,
			const char *imei,
			GCancellable *cancellable,
			GError **error)
{
	g_autofree char *command = NULL;

	if (slot >= profile->slots) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEI slot %u does not exist on %s: the phone has %u",
			     slot + 1,
			     ir_at_read_port (channel),
			     profile->slots);
		return FALSE;
	}
	/* Unisoc numbers its slots from 0 on the wire */
	command = g_strdup_printf ("AT+SPIMEI=%u,\"%s\"", slot, imei);
	return ir_family_write (
	    channel, profile, slot, command, IR_UNISOC_READ_ONLY_CME, cancellable, error);
}

const IrFamily ir_family_unisoc = {
    .id = "unisoc",
    .title = "Unisoc (AT+SPIMEI)",
    .read_imeis = unisoc_host_read_imeis,
    .write_imei = unisoc_host_write_imei,
};
