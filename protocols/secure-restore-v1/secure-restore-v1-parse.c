/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family-codes.h"
#include "ir-token.h"
#include "secure-restore-v1/secure-restore-v1-host.h"

/* The pure parsers of the secure-restore-v1 host driver (README.md,
 * "Device commands"): answers in, values or errors out, no I/O. The
 * driver (secure-restore-v1-host.c) sends the commands; the tests and the
 * fuzz target feed these tables and random bytes. */

#define IR_SECURE_CHAL_PREFIX "+IRCHAL:"
#define IR_SECURE_IMEI_PREFIX "+IRIMEI:"

/* ---- AT+IRCHAL ---- */

static IrChallenge *
secure_restore_v1_parse_challenge_fail (const char *line, const char *why, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "'%s' is not +IRCHAL: \"<hardware id>\",\"<nonce>\",<counter>: %s",
		     line,
		     why);
	return NULL;
}

/* A quoted string at *@p without quotes inside; advances past it. */
static char *
secure_restore_v1_parse_take_quoted (const char **p)
{
	const char *end;

	if (**p != '"')
		return NULL;
	end = strchr (*p + 1, '"');
	if (end == NULL)
		return NULL;
	{
		char *value = g_strndup (*p + 1, end - *p - 1);
		*p = end + 1;
		return value;
	}
}

static gboolean
secure_restore_v1_parse_is_printable (const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isprint (*p))
			return FALSE;
	}
	return TRUE;
}

/* "123": no sign, no leading zero, no blanks, at most G_MAXUINT64. */
static gboolean
secure_restore_v1_parse_counter (const char *text, guint64 *out)
{
	if (text[0] == '\0' || (text[0] == '0' && text[1] != '\0'))
		return FALSE;
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, NULL);
}

/* The IrChallenge is only made once every field parsed, so that this file
 * needs nothing of ir-family.c (the fuzz target builds it on its own). */
static IrChallenge *
secure_restore_v1_parse_challenge_line (const char *line, GError **error)
{
	const char *p = line + strlen (IR_SECURE_CHAL_PREFIX);
	g_autofree char *hardware_id = NULL;
	g_autofree char *nonce_text = NULL;
	g_autoptr (GBytes) nonce = NULL;
	g_autoptr (GError) error_local = NULL;
	IrChallenge *challenge;
	guint64 counter = 0;
	gsize nonce_len;

	while (*p == ' ')
		p++;
	hardware_id = secure_restore_v1_parse_take_quoted (&p);
	if (hardware_id == NULL)
		return secure_restore_v1_parse_challenge_fail (
		    line, "the hardware id is not quoted", error);
	if (hardware_id[0] == '\0' || strlen (hardware_id) > IR_TOKEN_TEXT_MAX ||
	    !secure_restore_v1_parse_is_printable (hardware_id))
		return secure_restore_v1_parse_challenge_fail (
		    line, "the hardware id is not 1 to 128 printable characters", error);
	if (*p++ != ',')
		return secure_restore_v1_parse_challenge_fail (
		    line, "no comma after the hardware id", error);
	nonce_text = secure_restore_v1_parse_take_quoted (&p);
	if (nonce_text == NULL)
		return secure_restore_v1_parse_challenge_fail (
		    line, "the nonce is not quoted", error);
	nonce = ir_token_from_base64url (nonce_text, &error_local);
	if (nonce == NULL)
		return secure_restore_v1_parse_challenge_fail (
		    line, "the nonce is not base64url without padding", error);
	nonce_len = g_bytes_get_size (nonce);
	if (nonce_len < IR_SECURE_NONCE_MIN_LEN || nonce_len > IR_TOKEN_NONCE_MAX)
		return secure_restore_v1_parse_challenge_fail (
		    line, "the nonce is not 16 to 64 bytes", error);
	if (*p++ != ',')
		return secure_restore_v1_parse_challenge_fail (
		    line, "no comma after the nonce", error);
	if (!secure_restore_v1_parse_counter (p, &counter))
		return secure_restore_v1_parse_challenge_fail (
		    line, "the counter is not a whole number from 0 to 2^64-1", error);
	challenge = g_new0 (IrChallenge, 1);
	challenge->hardware_id = g_steal_pointer (&hardware_id);
	challenge->nonce = g_steal_pointer (&nonce);
	challenge->counter = counter;
	return challenge;
}

IrChallenge *
secure_restore_v1_parse_challenge (const IrAtResponse *resp, GError **error)
{
	const char *found = NULL;

	for (guint i = 0; i < resp->lines->len; i++) {
		const char *line = g_ptr_array_index (resp->lines, i);
		/* one challenge, nothing else: two could be two nonces */
		if (!g_str_has_prefix (line, IR_SECURE_CHAL_PREFIX) || found != NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "unexpected line '%s' in the answer to AT+IRCHAL: it "
				     "answers one +IRCHAL line",
				     line);
			return NULL;
		}
		found = line;
	}
	if (found == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "the answer to AT+IRCHAL has no +IRCHAL line");
		return NULL;
	}
	return secure_restore_v1_parse_challenge_line (found, error);
}

/* ---- AT+IRIMEI? ---- */

/* "0,\"490154203237518\"" -> slot 0, "490154203237518" (NULL when ""). */
static gboolean
secure_restore_v1_parse_imei_line (const char *line, guint *slot, char **imei, GError **error)
{
	const char *p = line + strlen (IR_SECURE_IMEI_PREFIX);
	g_autofree char *value = NULL;

	while (*p == ' ')
		p++;
	if (!g_ascii_isdigit (p[0]) || p[1] != ',' || (guint)(p[0] - '0') >= IR_PROFILE_MAX_SLOTS) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "'%s' is not +IRIMEI: <slot>,\"<imei>\" with slot 0 or 1",
			     line);
		return FALSE;
	}
	*slot = (guint)(p[0] - '0');
	p += 2;
	value = secure_restore_v1_parse_take_quoted (&p);
	if (value == NULL || *p != '\0') {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_PROTOCOL, "'%s': the IMEI is not quoted", line);
		return FALSE;
	}
	for (const char *c = value; *c != '\0'; c++) {
		if (!g_ascii_isdigit (*c)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "'%s': the IMEI is not digits",
				     line);
			return FALSE;
		}
	}
	*imei = value[0] != '\0' ? g_steal_pointer (&value) : NULL;
	return TRUE;
}

/* A single-IMEI phone answers slot 0 only; a gap before a slot that came is
 * a lost line. */
static gboolean
secure_restore_v1_parse_imeis_complete (GPtrArray *values,
					const gboolean *seen,
					guint n_slots,
					GError **error)
{
	for (guint slot = 0; slot < n_slots; slot++) {
		if (seen[slot])
			continue;
		if (slot == 0 || (slot + 1 < n_slots && seen[slot + 1])) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "no " IR_SECURE_IMEI_PREFIX " line for slot %u",
				     slot);
			return FALSE;
		}
		g_ptr_array_set_size (values, slot);
		break;
	}
	return TRUE;
}

GPtrArray *
secure_restore_v1_parse_imeis (const IrAtResponse *resp,
			       const IrProfile *profile,
			       gpointer user_data,
			       GError **error)
{
	g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
	gboolean seen[IR_PROFILE_MAX_SLOTS] = {FALSE};
	guint n_slots = MIN (profile->slots, IR_PROFILE_MAX_SLOTS);

	g_ptr_array_set_size (values, n_slots);
	for (guint i = 0; i < resp->lines->len; i++) {
		const char *line = g_ptr_array_index (resp->lines, i);
		guint slot = 0;
		char *imei = NULL;
		if (!g_str_has_prefix (line, IR_SECURE_IMEI_PREFIX))
			continue;
		if (!secure_restore_v1_parse_imei_line (line, &slot, &imei, error))
			return NULL;
		if (slot < n_slots && seen[slot]) {
			g_free (imei);
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "two " IR_SECURE_IMEI_PREFIX " lines for slot %u",
				     slot);
			return NULL;
		}
		if (slot >= n_slots) {
			g_free (imei);
			continue;
		}
		g_ptr_array_index (values, slot) = imei;
		seen[slot] = TRUE;
	}
	if (!secure_restore_v1_parse_imeis_complete (values, seen, n_slots, error))
		return NULL;
	return g_steal_pointer (&values);
}

/* ---- AT+IRRESTORE ---- */

typedef struct {
	IrTokenRefusal refusal;
	const char *words;  /* what the phone found */
	const char *advice; /* what to do */
} IrSecureRefusalText;

#define IR_SECURE_RETRY "ask the phone for a new challenge and request a new token"
#define IR_SECURE_BRAND                                                                            \
	"a new token will be refused the same way: report it to the brand with the phone's "       \
	"model and firmware"
#define IR_SECURE_CLOCK "check the phone's date and time and this computer's, then " IR_SECURE_RETRY

static const IrSecureRefusalText ir_secure_refusals[] = {
    {IR_TOKEN_REFUSED_MALFORMED,
     "the token is not a well-formed restore token (it may have been damaged on the way)",
     IR_SECURE_RETRY "; if it recurs, check the cable"},
    {IR_TOKEN_REFUSED_TOO_LARGE, "the token is larger than the phone accepts", IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_CRITICAL_HEADER,
     "the token has a header the phone does not understand",
     IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_UNKNOWN_KID,
     "the token is signed with a key the phone's firmware does not hold",
     IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_ALGORITHM,
     "the token's algorithm is not the one the phone pins for its key",
     IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_SIGNATURE,
     "the token's signature does not verify with the brand key in the phone",
     IR_SECURE_RETRY "; if it recurs, " IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_MISSING_CLAIM, "the token lacks a required claim", IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_ISSUER,
     "the token comes from another issuer than the one the phone trusts",
     IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_AUDIENCE, "the token is meant for another audience", IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_EXPIRED, "the token has expired by the phone's clock", IR_SECURE_CLOCK},
    {IR_TOKEN_REFUSED_NOT_YET_VALID,
     "the token is not valid yet by the phone's clock",
     IR_SECURE_CLOCK},
    {IR_TOKEN_REFUSED_ISSUED_IN_FUTURE,
     "the token was issued in the future by the phone's clock",
     IR_SECURE_CLOCK},
    {IR_TOKEN_REFUSED_LIFETIME,
     "the token lives longer than 15 minutes or not at all",
     IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_CNF, "the token is bound to another client certificate", IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_DEVICE,
     "the token was issued for another phone (hardware id or serial)",
     "identify the phone again and request a token for this one"},
    {IR_TOKEN_REFUSED_NONCE,
     "the token is not for the phone's current challenge (a newer challenge was made, the "
     "phone restarted, or it had none)",
     IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_COUNTER,
     "the token is not for the phone's current challenge counter",
     IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_CURRENT_IMEI,
     "the phone's IMEIs changed since the token was requested",
     "identify the phone again, then " IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_IMEI, "an IMEI in the token is not a valid IMEI", IR_SECURE_BRAND},
    {IR_TOKEN_REFUSED_CENTRE, "the token was issued to another service centre", IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_REPLAYED, "the token was used before", IR_SECURE_RETRY},
    {IR_TOKEN_REFUSED_STORE, "the phone could not record the token", IR_SECURE_BRAND},
};

static const IrSecureRefusalText *
secure_restore_v1_parse_refusal_lookup (IrTokenRefusal refusal)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_secure_refusals); i++) {
		if (ir_secure_refusals[i].refusal == refusal)
			return &ir_secure_refusals[i];
	}
	return NULL;
}

/* The refusal a +CME ERROR answer names: numeric 701..722, or verbose
 * "token <reason>". NULL when it names none. */
static const IrSecureRefusalText *
secure_restore_v1_parse_refusal_from_answer (const IrAtResponse *resp)
{
	const char *text;

	if (resp->final != IR_AT_FINAL_CME_ERROR)
		return NULL;
	if (resp->code > IR_SECURE_CME_TOKEN_BASE)
		return secure_restore_v1_parse_refusal_lookup (
		    (IrTokenRefusal)(resp->code - IR_SECURE_CME_TOKEN_BASE));
	if (resp->code >= 0 || resp->final_line == NULL)
		return NULL;
	text = strstr (resp->final_line, ": token ");
	if (text == NULL)
		return NULL;
	text += strlen (": token ");
	for (guint i = 0; i < G_N_ELEMENTS (ir_secure_refusals); i++) {
		if (g_strcmp0 (text, ir_token_refusal_to_string (ir_secure_refusals[i].refusal)) ==
		    0)
			return &ir_secure_refusals[i];
	}
	return NULL;
}

gboolean
secure_restore_v1_parse_check_restore (const IrAtResponse *resp, const char *port, GError **error)
{
	const IrSecureRefusalText *text = secure_restore_v1_parse_refusal_from_answer (resp);

	if (text != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TOKEN_REFUSED,
			     "the phone on %s refused the restore token: %s (%s, %s); nothing "
			     "was written and the phone's challenge is spent: %s",
			     port,
			     text->words,
			     resp->final_line,
			     ir_token_refusal_to_string (text->refusal),
			     text->advice);
		return FALSE;
	}
	if (resp->final == IR_AT_FINAL_CME_ERROR && resp->code == IR_SECURE_CME_NO_SLOT) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TOKEN_REFUSED,
			     "the phone on %s refused the restore token: it names an IMEI slot "
			     "the phone does not have (%s); nothing was written: the brand's "
			     "registry has the wrong model for this phone, report it to the brand",
			     port,
			     resp->final_line);
		return FALSE;
	}
	if (resp->final == IR_AT_FINAL_CME_ERROR && resp->code == IR_SECURE_READ_ONLY_CME) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_READ_ONLY,
			     "an IMEI slot the token names on %s is write-once and already "
			     "written (" IR_SECURE_RESTORE_COMMAND " answered %s); nothing was "
			     "written: it cannot be restored at a service centre; stop here "
			     "and send the phone to the brand's repair process",
			     port,
			     resp->final_line);
		return FALSE;
	}
	if (!ir_at_response_check (resp, IR_SECURE_RESTORE_COMMAND, port, error)) {
		g_prefix_error (error, "failed to restore the IMEIs: ");
		return FALSE;
	}
	return TRUE;
}
