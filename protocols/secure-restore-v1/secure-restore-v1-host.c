/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-family-private.h"
#include "ir-token.h"
#include "secure-restore-v1/secure-restore-v1-host.h"

/* The host side of secure-restore-v1 (README.md, "Device commands"). The
 * phone has no IMEI write command: it writes only what a restore token it
 * verified itself names, so write_imei is NULL and the restore flow goes
 * through challenge() and restore(). */

/* ---- commands (the answers are parsed in secure-restore-v1-parse.c) ---- */

static GPtrArray *
secure_restore_v1_host_read_imeis (IrAtChannel *channel,
				   const IrProfile *profile,
				   IrFamilyReadReport *report,
				   GCancellable *cancellable,
				   GError **error)
{
	return ir_family_read_imeis (channel,
				     profile,
				     "AT+IRIMEI?",
				     secure_restore_v1_parse_imeis,
				     NULL,
				     profile->slots,
				     report,
				     cancellable,
				     error);
}

/* Sent once: a new challenge spends the previous one, so asking again
 * behind the caller's back could spend the one a token is on its way for. */
static IrChallenge *
secure_restore_v1_host_challenge (IrAtChannel *channel,
				  const IrProfile *profile,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autoptr (IrAtResponse) resp = NULL;
	IrChallenge *challenge;

	resp = ir_at_channel_command_ok (
	    channel, "AT+IRCHAL", profile->command_timeout_ms, cancellable, error);
	if (resp == NULL) {
		g_prefix_error (error, "failed to get a challenge from the phone: ");
		return NULL;
	}
	challenge = secure_restore_v1_parse_challenge (resp, error);
	if (challenge == NULL)
		g_prefix_error (error,
				"unreadable challenge from %s (ask for a new one): ",
				ir_at_read_port (channel));
	return challenge;
}

/* The token text as the phone takes it; checked here so that nothing is
 * sent that the phone could only refuse. */
static gboolean
secure_restore_v1_host_check_token_text (const char *token, GError **error)
{
	gsize len = strlen (token);

	if (len == 0 || len > IR_SECURE_TOKEN_TEXT_MAX ||
	    strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		len) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the restore token is not 1 to %u characters of base64url (it has "
			     "%" G_GSIZE_FORMAT "): nothing was sent to the phone",
			     (guint)IR_SECURE_TOKEN_TEXT_MAX,
			     len);
		return FALSE;
	}
	return TRUE;
}

/* Errors after which the phone may have taken the command. */
static gboolean
secure_restore_v1_host_outcome_unknown (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED);
}

static const char *
secure_restore_v1_host_outcome_reason (const GError *error)
{
	switch (error->code) {
	case IR_ERROR_TIMEOUT:
		return "no answer";
	case IR_ERROR_DISCONNECTED:
		return "it disconnected";
	case IR_ERROR_CANCELLED:
		return "cancelled while waiting";
	default:
		return "a garbled answer";
	}
}

/* Sent exactly once. The timeout is the profile's write timeout plus 1 ms
 * per byte of the command: its echo comes back at the line's speed (a
 * 9600-baud line carries about one byte per millisecond). */
static gboolean
secure_restore_v1_host_restore (IrAtChannel *channel,
				const IrProfile *profile,
				const char *token_base64url,
				GCancellable *cancellable,
				GError **error)
{
	const char *port = ir_at_read_port (channel);
	g_autofree char *command = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error_local = NULL;
	guint timeout_ms;

	if (!secure_restore_v1_host_check_token_text (token_base64url, error))
		return FALSE;
	command = g_strdup_printf (IR_SECURE_RESTORE_COMMAND "=\"%s\"", token_base64url);
	timeout_ms = profile->write_timeout_ms + (guint)strlen (command);
	resp = ir_at_channel_command (channel, command, timeout_ms, cancellable, &error_local);
	if (resp != NULL)
		return secure_restore_v1_parse_check_restore (resp, port, error);
	/* the channel's messages would quote the whole token */
	if (secure_restore_v1_host_outcome_unknown (error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     error_local->code,
			     "the phone on %s did not confirm the restore (%s; waited up to %u "
			     "ms), so its IMEI slots may or may not hold the token's IMEIs, and "
			     "its challenge is spent: identify the phone again before anything "
			     "else",
			     port,
			     secure_restore_v1_host_outcome_reason (error_local),
			     timeout_ms);
		return FALSE;
	}
	g_propagate_prefixed_error (error,
				    g_steal_pointer (&error_local),
				    "failed to send " IR_SECURE_RESTORE_COMMAND " to %s: ",
				    port);
	return FALSE;
}

const IrFamily ir_family_secure_restore_v1 = {
    .id = "secure-restore-v1",
    .title = "secure-restore-v1 (AT+IRCHAL / AT+IRRESTORE)",
    .read_imeis = secure_restore_v1_host_read_imeis,
    .write_imei = NULL,
    .challenge = secure_restore_v1_host_challenge,
    .restore = secure_restore_v1_host_restore,
};
