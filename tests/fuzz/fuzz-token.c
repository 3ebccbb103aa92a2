/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "fuzz-target.h"
#include "ir-imei.h"
#include "ir-cbor.h"
#include "ir-token-private.h"
#include "ir-token.h"

/* The restore token decoder and verifier on arbitrary bytes. Beyond "no
 * crash, no leak", it checks the promises of strict decoding:
 *  - a refusal always comes with its reason and a message;
 *  - whatever decodes is one strict CBOR item;
 *  - deterministic encoding means one encoding per value: re-encoding the
 *    decoded header and claims gives back exactly the bytes that were read;
 *  - the verifier (keys of tests/data/token/trust-store.conf) refuses or
 *    accepts with a consistent reason, and never accepts a token whose IMEIs
 *    are not valid. */

static void
fuzz_token_check (gboolean condition)
{
	if (!condition)
		abort ();
}

static IrTrustStore *
fuzz_token_vector_trust (void)
{
	static IrTrustStore *trust = NULL;
	static gboolean tried = FALSE;

	if (!tried) {
		const char *srcdir = g_getenv ("IR_SRCDIR");
		g_autofree char *path = g_build_filename (
		    srcdir != NULL ? srcdir : ".", "tests/data/token/trust-store.conf", NULL);
		tried = TRUE;
		trust = ir_trust_store_load (path, NULL);
	}
	return trust;
}

static void
fuzz_token_check_round_trip (const IrToken *token)
{
	g_autoptr (GBytes) protected = NULL;
	g_autoptr (GBytes) payload = NULL;

	protected =
	    ir_token_build_protected (ir_token_get_alg (token), ir_token_get_kid (token), NULL);
	fuzz_token_check (protected != NULL &&
			  g_bytes_equal (protected, ir_token_get_protected (token)));
	if (!ir_token_is_complete (token))
		return;
	payload = ir_token_build_payload (ir_token_get_claims (token), NULL);
	fuzz_token_check (payload != NULL && g_bytes_equal (payload, ir_token_get_payload (token)));
}

static void
fuzz_token_check_verify (const IrToken *token)
{
	IrTrustStore *trust = fuzz_token_vector_trust ();
	const IrTokenClaims *c = ir_token_get_claims (token);
	g_autoptr (GError) error = NULL;
	IrTokenRefusal refusal = IR_TOKEN_OK;
	IrTokenExpect expect = {
	    .now = c->iat,
	    .skew = IR_TOKEN_DEFAULT_SKEW,
	    .hardware_id = c->hardware_id,
	    .serial = c->serial,
	    .nonce = c->nonce != NULL ? g_bytes_get_data (c->nonce, &expect.nonce_len) : NULL,
	    .has_counter = c->has_counter,
	    .counter = c->counter,
	};
	gboolean ok;

	if (trust == NULL)
		return;
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		expect.current_imei[i] = c->current_imei[i];
	ok = ir_token_verify (token, trust, &expect, &refusal, &error);
	fuzz_token_check (ok == (refusal == IR_TOKEN_OK));
	fuzz_token_check (ok == (error == NULL));
	for (guint i = 0; ok && i < IR_TOKEN_MAX_SLOTS; i++)
		fuzz_token_check (c->imei[i] == NULL || ir_imei_validate (c->imei[i], NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GError) error = NULL;
	IrTokenRefusal refusal = IR_TOKEN_OK;
	g_autoptr (IrToken) token = ir_token_decode (data, size, &refusal, &error);

	if (token == NULL) {
		fuzz_token_check (refusal != IR_TOKEN_OK && error != NULL &&
				  error->message != NULL);
		return 0;
	}
	fuzz_token_check (refusal == IR_TOKEN_OK && error == NULL);
	fuzz_token_check (ir_cbor_validate (data, size, "fuzz", NULL));
	fuzz_token_check_round_trip (token);
	fuzz_token_check_verify (token);
	return 0;
}
