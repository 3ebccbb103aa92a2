/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/rand.h>
#include <string.h>

#include "ir-device-model-private.h"
#include "ir-family-codes.h"
#include "ir-token.h"

/* The device side of secure-restore-v1 (README.md, "Device commands"): a
 * phone that writes its IMEIs only for a restore token it verified itself,
 * with the same verifier the workstation uses, against the brand keys it
 * was given (IrSimState.trust_store) and its own outstanding challenge. */

static void
secure_restore_v1_device_reply_imeis (const IrSimState *state, GString *reply)
{
	for (guint slot = 0; slot < state->n_slots && slot < IR_SIM_MAX_SLOTS; slot++) {
		ir_device_model_reply_line (reply,
					    "+IRIMEI: %u,\"%s\"",
					    slot,
					    state->imei[slot] != NULL ? state->imei[slot] : "");
	}
	ir_device_model_reply_ok (reply);
}

/* A fresh nonce replaces the outstanding one: only the newest challenge
 * can ever be answered by a token. */
static void
secure_restore_v1_device_challenge (IrSimState *state, GString *reply)
{
	guint8 nonce[IR_SECURE_NONCE_LEN];
	g_autoptr (GBytes) bytes = NULL;
	g_autofree char *text = NULL;

	if (state->hwid == NULL || state->hwid[0] == '\0') {
		ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_SUPPORTED);
		return;
	}
	/* a counter that cannot go up any more can never prove freshness */
	if (state->counter == G_MAXUINT64) {
		ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_ALLOWED);
		return;
	}
	g_clear_pointer (&state->nonce, g_bytes_unref);
	if (RAND_bytes (nonce, sizeof (nonce)) != 1) {
		ir_device_model_reply_cme (state, reply, IR_CME_PHONE_FAILURE);
		return;
	}
	bytes = g_bytes_new (nonce, sizeof (nonce));
	state->nonce = g_bytes_ref (bytes);
	state->counter++;
	state->dirty = TRUE;
	text = ir_token_to_base64url (bytes);
	ir_device_model_reply_line (
	    reply, "+IRCHAL: \"%s\",\"%s\",%" G_GUINT64_FORMAT, state->hwid, text, state->counter);
	ir_device_model_reply_ok (reply);
}

/* A refused token in the phone's +CMEE mode; verbose mode names the reason
 * ("+CME ERROR: token expired"), since 27.007 has no text for 7xx. */
static void
secure_restore_v1_device_reply_refusal (const IrSimState *state,
					GString *reply,
					IrTokenRefusal refusal)
{
	if (state->cmee == 2) {
		ir_device_model_reply_line (
		    reply, "+CME ERROR: token %s", ir_token_refusal_to_string (refusal));
		return;
	}
	ir_device_model_reply_cme (state, reply, IR_SECURE_CME_TOKEN_BASE + (int)refusal);
}

/* What the verifier compares the token with: this phone and the challenge
 * it gave out, now. */
static void
secure_restore_v1_device_expect_init (const IrSimState *state, GBytes *nonce, IrTokenExpect *expect)
{
	gsize nonce_len = 0;

	memset (expect, 0, sizeof (*expect));
	expect->skew = IR_TOKEN_DEFAULT_SKEW;
	expect->hardware_id = state->hwid;
	expect->serial = state->serial;
	expect->nonce = g_bytes_get_data (nonce, &nonce_len);
	expect->nonce_len = nonce_len;
	expect->has_counter = TRUE;
	expect->counter = state->counter;
	for (guint slot = 0; slot < state->n_slots && slot < IR_TOKEN_MAX_SLOTS; slot++)
		expect->current_imei[slot] = state->imei[slot];
}

/* Decodes and verifies @text; the refusal, or IR_TOKEN_OK and the token. */
static IrToken *
secure_restore_v1_device_verify (const IrSimState *state,
				 GBytes *nonce,
				 const char *text,
				 IrTokenRefusal *refusal)
{
	g_autoptr (GBytes) bytes = NULL;
	g_autoptr (GError) error = NULL;
	IrTokenExpect expect;
	IrToken *token;
	gsize len = 0;
	const guint8 *data;

	if (strlen (text) > IR_SECURE_TOKEN_TEXT_MAX) {
		*refusal = IR_TOKEN_REFUSED_TOO_LARGE;
		return NULL;
	}
	bytes = ir_token_from_base64url (text, &error);
	if (bytes == NULL) {
		g_debug ("AT+IRRESTORE: %s", error->message);
		*refusal = IR_TOKEN_REFUSED_MALFORMED;
		return NULL;
	}
	/* no brand key in firmware: no kid can be known */
	if (state->trust_store == NULL) {
		*refusal = IR_TOKEN_REFUSED_UNKNOWN_KID;
		return NULL;
	}
	secure_restore_v1_device_expect_init (state, nonce, &expect);
	data = g_bytes_get_data (bytes, &len);
	token =
	    ir_token_verify_bytes (data, len, state->trust_store, &expect, NULL, refusal, &error);
	if (token == NULL) {
		g_debug ("AT+IRRESTORE: %s", error->message);
		/* the device side has no used-token store to fail */
		if (*refusal == IR_TOKEN_OK)
			*refusal = IR_TOKEN_REFUSED_MALFORMED;
	}
	return token;
}

/* Every slot the token names must exist and be writable before the first
 * one is written: a refusal leaves the phone as it was. */
static gboolean
secure_restore_v1_device_check_slots (const IrSimState *state,
				      const IrTokenClaims *claims,
				      GString *reply)
{
	for (guint slot = 0; slot < IR_TOKEN_MAX_SLOTS; slot++) {
		if (claims->imei[slot] == NULL)
			continue;
		if (slot >= state->n_slots || slot >= IR_SIM_MAX_SLOTS) {
			ir_device_model_reply_cme (state, reply, IR_SECURE_CME_NO_SLOT);
			return FALSE;
		}
		if (state->read_only[slot]) {
			ir_device_model_reply_cme (state, reply, IR_SECURE_READ_ONLY_CME);
			return FALSE;
		}
	}
	return TRUE;
}

/* The common write path, slot by slot; its faults (write_error) strike at
 * the first write, so a failure still leaves every slot as it was. */
static void
secure_restore_v1_device_write_slots (IrSimState *state,
				      const IrTokenClaims *claims,
				      GString *reply)
{
	for (guint slot = 0; slot < IR_TOKEN_MAX_SLOTS; slot++) {
		g_autoptr (GString) one = g_string_new (NULL);
		if (claims->imei[slot] == NULL)
			continue;
		ir_device_model_write_slot (
		    state, slot, claims->imei[slot], IR_SECURE_READ_ONLY_CME, one);
		if (g_strcmp0 (one->str, "\r\nOK\r\n") != 0) {
			g_string_append (reply, one->str);
			return;
		}
	}
	ir_device_model_reply_ok (reply);
}

static void
secure_restore_v1_device_restore (IrSimState *state, const char *params, GString *reply)
{
	g_autoptr (GPtrArray) args = ir_device_model_split_args (params);
	g_autoptr (IrToken) token = NULL;
	g_autoptr (GBytes) nonce = NULL;
	const IrDeviceModelArg *arg;
	IrTokenRefusal refusal = IR_TOKEN_OK;

	/* single use: any attempt, good or bad, spends the outstanding
	 * challenge, so that no token can be tried twice against it */
	nonce = g_steal_pointer (&state->nonce);
	if (args == NULL || args->len != 1) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	arg = g_ptr_array_index (args, 0);
	if (!arg->quoted) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	if (nonce == NULL) {
		secure_restore_v1_device_reply_refusal (state, reply, IR_TOKEN_REFUSED_NONCE);
		return;
	}
	token = secure_restore_v1_device_verify (state, nonce, arg->value, &refusal);
	if (token == NULL) {
		secure_restore_v1_device_reply_refusal (state, reply, refusal);
		return;
	}
	if (!secure_restore_v1_device_check_slots (state, ir_token_get_claims (token), reply))
		return;
	secure_restore_v1_device_write_slots (state, ir_token_get_claims (token), reply);
}

static gboolean
secure_restore_v1_device_handle_irimei (IrSimState *state, const char *params, GString *reply)
{
	if (g_strcmp0 (params, "?") == 0) {
		secure_restore_v1_device_reply_imeis (state, reply);
	} else if (g_strcmp0 (params, "=?") == 0) {
		ir_device_model_reply_line (reply, "+IRIMEI: (0-%u)", MAX (state->n_slots, 1) - 1);
		ir_device_model_reply_ok (reply);
	} else if (g_str_has_prefix (params, "=")) {
		/* there is no write without a token */
		ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_ALLOWED);
	} else {
		ir_device_model_reply_error (reply);
	}
	return TRUE;
}

static gboolean
secure_restore_v1_device_handle (IrSimState *state, const char *line, GString *reply)
{
	const char *params;

	if (g_str_has_prefix (line, "AT+IRIMEI"))
		return secure_restore_v1_device_handle_irimei (
		    state, line + strlen ("AT+IRIMEI"), reply);
	if (g_str_has_prefix (line, "AT+IRCHAL")) {
		params = line + strlen ("AT+IRCHAL");
		if (params[0] == '\0')
			secure_restore_v1_device_challenge (state, reply);
		else if (g_strcmp0 (params, "=?") == 0)
			ir_device_model_reply_ok (reply);
		else
			ir_device_model_reply_error (reply);
		return TRUE;
	}
	if (g_str_has_prefix (line, "AT+IRRESTORE")) {
		params = line + strlen ("AT+IRRESTORE");
		if (g_strcmp0 (params, "=?") == 0) {
			ir_device_model_reply_line (
			    reply, "+IRRESTORE: %u", IR_SECURE_TOKEN_TEXT_MAX);
			ir_device_model_reply_ok (reply);
		} else if (g_str_has_prefix (params, "=")) {
			secure_restore_v1_device_restore (state, params + 1, reply);
		} else {
			ir_device_model_reply_error (reply);
		}
		return TRUE;
	}
	return FALSE;
}

const IrDeviceModel ir_device_model_secure_restore_v1 = {
    .family = "secure-restore-v1",
    .handle = secure_restore_v1_device_handle,
    .max_line = IR_SECURE_MAX_LINE,
};
