/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family-private.h"
#include "ir-imei.h"

static const IrFamily *const ir_families[] = {
    &ir_family_3gpp,
    &ir_family_mediatek,
    &ir_family_quectel,
    &ir_family_simcom,
    &ir_family_unisoc,
    &ir_family_secure_restore_v1,
    &ir_family_qualcomm,
    NULL,
};

const IrFamily *const *
ir_family_get_all (void)
{
	return ir_families;
}

const IrFamily *
ir_family_lookup (const char *id)
{
	for (guint i = 0; ir_families[i] != NULL; i++) {
		if (g_strcmp0 (ir_families[i]->id, id) == 0)
			return ir_families[i];
	}
	return NULL;
}

gboolean
ir_family_is_binary (const IrFamily *family)
{
	return family != NULL && family->probe != NULL;
}

void
ir_family_identity_clear (IrFamilyIdentity *identity)
{
	g_clear_pointer (&identity->manufacturer, g_free);
	g_clear_pointer (&identity->model, g_free);
	g_clear_pointer (&identity->revision, g_free);
	g_clear_pointer (&identity->serial, g_free);
}

const char *
ir_family_channel_port (IrAtChannel *channel)
{
	return ir_transport_get_path (ir_at_channel_get_transport (channel));
}

/* A lost or garbled answer is worth asking again; a refusal, a vanished
 * device or the caller's cancel are not. */
static gboolean
ir_family_error_is_retryable (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL);
}

IrAtResponse *
ir_family_command_read (IrAtChannel *channel,
			const char *command,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error)
{
	for (guint attempt = 1;; attempt++) {
		g_autoptr (GError) error_local = NULL;
		IrAtResponse *resp = ir_at_channel_command_ok (
		    channel, command, timeout_ms, cancellable, &error_local);
		if (resp != NULL)
			return resp;
		if (attempt >= IR_FAMILY_READ_ATTEMPTS ||
		    !ir_family_error_is_retryable (error_local)) {
			if (attempt > 1)
				g_prefix_error (&error_local, "after %u attempts: ", attempt);
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_debug ("%s on %s: %s; asking again",
			 command,
			 ir_family_channel_port (channel),
			 error_local->message);
	}
}

/* A slot value that needs no second opinion: empty, or a well-formed IMEI
 * (valid, or the all-zero factory default). */
static gboolean
ir_family_values_plausible (GPtrArray *values, guint n_expected)
{
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

static gboolean
ir_family_values_equal (GPtrArray *a, GPtrArray *b)
{
	if (a == NULL || b == NULL || a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		if (g_strcmp0 (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
			return FALSE;
	}
	return TRUE;
}

/* How many earlier answers were this one. */
static guint
ir_family_values_count (GPtrArray *seen, GPtrArray *values)
{
	guint count = 0;

	for (guint i = 0; i < seen->len; i++) {
		if (ir_family_values_equal (g_ptr_array_index (seen, i), values))
			count++;
	}
	return count;
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

/* One attempt: the command, then the parse. */
static GPtrArray *
ir_family_read_imeis_once (IrAtChannel *channel,
			   const IrProfile *profile,
			   const char *command,
			   IrFamilyParseFunc parse,
			   gpointer user_data,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr (IrAtResponse) resp = NULL;
	GPtrArray *values;

	resp = ir_at_channel_command_ok (
	    channel, command, profile->command_timeout_ms, cancellable, error);
	if (resp == NULL)
		return NULL;
	values = parse (resp, profile, user_data, error);
	if (values != NULL && ir_family_values_shortened_run (values, command, error))
		g_clear_pointer (&values, g_ptr_array_unref);
	if (values == NULL) {
		g_prefix_error (error,
				"unreadable answer to %s on %s: ",
				command,
				ir_family_channel_port (channel));
	}
	return values;
}

GPtrArray *
ir_family_read_imeis (IrAtChannel *channel,
		      const IrProfile *profile,
		      const char *command,
		      IrFamilyParseFunc parse,
		      gpointer user_data,
		      guint n_expected,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr (GPtrArray) seen =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
	guint failures = 0;

	for (guint attempt = 1; attempt <= IR_FAMILY_CONFIRM_ATTEMPTS; attempt++) {
		g_autoptr (GError) error_local = NULL;
		g_autoptr (GPtrArray) values = ir_family_read_imeis_once (
		    channel, profile, command, parse, user_data, cancellable, &error_local);
		if (values == NULL) {
			if (++failures < IR_FAMILY_READ_ATTEMPTS &&
			    ir_family_error_is_retryable (error_local)) {
				g_debug ("%s; asking again", error_local->message);
				continue;
			}
			if (g_error_matches (error_local, IR_ERROR, IR_ERROR_PROTOCOL))
				g_prefix_error (
				    &error_local,
				    "after %u attempts, the answers still arrive garbled "
				    "(check the cable and the port, then try again): ",
				    attempt);
			else if (attempt > 1)
				g_prefix_error (&error_local, "after %u attempts: ", attempt);
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		if (ir_family_values_plausible (values, n_expected) ||
		    ir_family_values_count (seen, values) + 1 >= IR_FAMILY_CONFIRM_AGREE)
			return g_steal_pointer (&values);
		g_debug ("%s on %s: not a well-formed IMEI in every slot; asking again to be sure",
			 command,
			 ir_family_channel_port (channel));
		g_ptr_array_add (seen, g_steal_pointer (&values));
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "%s on %s answered differently %u times, never with a well-formed IMEI: "
		     "the answers arrive garbled; check the cable and the port, then try again",
		     command,
		     ir_family_channel_port (channel),
		     (guint)IR_FAMILY_CONFIRM_ATTEMPTS);
	return NULL;
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

	if (value == NULL)
		return NULL;
	/* digits of any length are what the phone holds, for the classifier to
	 * judge; anything else may have words around the IMEI */
	if (ir_family_is_digits (value))
		return g_steal_pointer (&value);
	return ir_at_parse_imei (resp, prefix, error);
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
	const char *port = ir_family_channel_port (channel);
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

void
ir_challenge_free (IrChallenge *challenge)
{
	if (challenge == NULL)
		return;
	g_free (challenge->hardware_id);
	g_clear_pointer (&challenge->nonce, g_bytes_unref);
	g_free (challenge);
}
