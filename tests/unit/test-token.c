/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ir-error.h"
#include "ir-token-private.h"
#include "ir-token.h"
#include "token-test-common.h"
#include "token-vector.h"

/* The restore token verifier: every claim, header and signature check. */

/* ---- each claim wrong in turn, and each property of the phone ---- */

typedef struct {
	const char *name;
	void (*claims) (IrTokenClaims *c);
	void (*expect) (IrTokenExpect *e);
	IrTokenRefusal want;
	const char *part;
} ClaimRow;

static void
test_token_c_iss (IrTokenClaims *c)
{
	token_test_common_set_str (&c->iss, "evil.example");
}
static void
test_token_c_aud (IrTokenClaims *c)
{
	token_test_common_set_str (&c->aud, "someone-else");
}
static void
test_token_c_expired (IrTokenClaims *c)
{
	c->iat = c->nbf = VECTOR_NOW - 700;
	c->exp = VECTOR_NOW - 61;
}
static void
test_token_c_expired_in_skew (IrTokenClaims *c)
{
	c->iat = c->nbf = VECTOR_NOW - 600;
	c->exp = VECTOR_NOW - 59;
}
static void
test_token_c_nbf_future (IrTokenClaims *c)
{
	c->nbf = VECTOR_NOW + 120;
}
static void
test_token_c_nbf_in_skew (IrTokenClaims *c)
{
	c->nbf = VECTOR_NOW + 60;
}
static void
test_token_c_iat_future (IrTokenClaims *c)
{
	c->iat = VECTOR_NOW + 100;
	c->exp = VECTOR_NOW + 700;
}
static void
test_token_c_lifetime (IrTokenClaims *c)
{
	c->exp = c->iat + IR_TOKEN_MAX_LIFETIME + 1;
}
static void
test_token_c_lifetime_max (IrTokenClaims *c)
{
	c->exp = c->iat + IR_TOKEN_MAX_LIFETIME;
}
static void
test_token_c_exp_before_iat (IrTokenClaims *c)
{
	c->exp = c->iat;
}
static void
test_token_c_cnf (IrTokenClaims *c)
{
	c->cnf[31] ^= 1;
}
static void
test_token_c_hwid (IrTokenClaims *c)
{
	token_test_common_set_str (&c->hardware_id, "HW-0002");
}
static void
test_token_c_serial (IrTokenClaims *c)
{
	token_test_common_set_str (&c->serial, "SN999999");
}
static void
test_token_c_serial_only (IrTokenClaims *c)
{
	g_clear_pointer (&c->hardware_id, g_free);
}
static void
test_token_c_no_ids (IrTokenClaims *c)
{
	g_clear_pointer (&c->hardware_id, g_free);
	g_clear_pointer (&c->serial, g_free);
}
static void
test_token_c_nonce (IrTokenClaims *c)
{
	guint8 n[16] = {0};
	g_bytes_unref (c->nonce);
	c->nonce = g_bytes_new (n, sizeof (n));
}
static void
test_token_c_no_nonce (IrTokenClaims *c)
{
	g_clear_pointer (&c->nonce, g_bytes_unref);
}
static void
test_token_c_counter (IrTokenClaims *c)
{
	c->counter = VECTOR_COUNTER + 1;
}
static void
test_token_c_no_counter (IrTokenClaims *c)
{
	c->has_counter = FALSE;
	c->counter = 0;
}
static void
test_token_c_current (IrTokenClaims *c)
{
	token_test_common_set_str (&c->current_imei[0], "490154203237518");
}
static void
test_token_c_current_slot1 (IrTokenClaims *c)
{
	token_test_common_set_str (&c->current_imei[1], "000000000000000");
}
static void
test_token_c_unbound_current (IrTokenClaims *c)
{
	c->has_current = FALSE;
	token_test_common_set_str (&c->current_imei[0], NULL);
}
static void
test_token_c_imei_check (IrTokenClaims *c)
{
	token_test_common_set_str (&c->imei[1], "352099001761482");
}
static void
test_token_c_imei_zero (IrTokenClaims *c)
{
	token_test_common_set_str (&c->imei[0], "000000000000000");
}
static void
test_token_c_imei_short (IrTokenClaims *c)
{
	token_test_common_set_str (&c->imei[0], "49015420323751");
}
static void
test_token_c_imei_alpha (IrTokenClaims *c)
{
	token_test_common_set_str (&c->imei[0], "49015420323751X");
}
static void
test_token_c_centre (IrTokenClaims *c)
{
	token_test_common_set_str (&c->centre, "MH-0002");
}
static void
test_token_c_no_iss (IrTokenClaims *c)
{
	token_test_common_set_str (&c->iss, NULL);
}
static void
test_token_c_no_aud (IrTokenClaims *c)
{
	token_test_common_set_str (&c->aud, NULL);
}
static void
test_token_c_no_cti (IrTokenClaims *c)
{
	g_clear_pointer (&c->cti, g_bytes_unref);
}
static void
test_token_c_no_phase (IrTokenClaims *c)
{
	token_test_common_set_str (&c->phase, NULL);
}
static void
test_token_c_no_centre (IrTokenClaims *c)
{
	token_test_common_set_str (&c->centre, NULL);
}

static void
test_token_e_other_cert (IrTokenExpect *e)
{
	static const guint8 other[32] = {1};
	e->client_spki_sha256 = other;
}
static void
test_token_e_device_side (IrTokenExpect *e)
{
	e->client_spki_sha256 = NULL;
}
static void
test_token_e_no_hwid (IrTokenExpect *e)
{
	e->hardware_id = NULL;
}
static void
test_token_e_hwid_escape (IrTokenExpect *e)
{
	e->hardware_id = "HW\x1b[2J\n";
}

static void
test_token_e_other_serial (IrTokenExpect *e)
{
	e->serial = "SN000000";
}
static void
test_token_e_new_nonce (IrTokenExpect *e)
{
	static const guint8 n[16] = {9};
	e->nonce = n;
}
static void
test_token_e_short_nonce (IrTokenExpect *e)
{
	e->nonce_len = 15;
}
static void
test_token_e_no_challenge (IrTokenExpect *e)
{
	e->nonce = NULL;
	e->nonce_len = 0;
	e->has_counter = FALSE;
}
static void
test_token_e_counter (IrTokenExpect *e)
{
	e->counter = VECTOR_COUNTER + 1;
}
static void
test_token_e_no_counter (IrTokenExpect *e)
{
	e->has_counter = FALSE;
}
static void
test_token_e_current (IrTokenExpect *e)
{
	e->current_imei[0] = "000000000000001";
}
static void
test_token_e_current_gone (IrTokenExpect *e)
{
	e->current_imei[0] = NULL;
}
static void
test_token_e_other_centre (IrTokenExpect *e)
{
	e->centre = "KA-0003";
}
static void
test_token_e_any_centre (IrTokenExpect *e)
{
	e->centre = NULL;
}
static void
test_token_e_clock_late (IrTokenExpect *e)
{
	e->now = VECTOR_NOW + 700;
}
static void
test_token_e_clock_early (IrTokenExpect *e)
{
	e->now = VECTOR_NOW - 200;
}
static void
test_token_e_zero_skew (IrTokenExpect *e)
{
	e->skew = 0;
	e->now = VECTOR_NOW + 590;
}

static void
test_token_c_spc (IrTokenClaims *c)
{
	token_test_common_set_str (&c->spc, "246810");
}
static void
test_token_c_spc_letters (IrTokenClaims *c)
{
	token_test_common_set_str (&c->spc, "24681A");
}
static void
test_token_c_spc_short (IrTokenClaims *c)
{
	token_test_common_set_str (&c->spc, "24681");
}

static const ClaimRow claim_rows[] = {
    {"good", NULL, NULL, IR_TOKEN_OK, NULL},
    {"wrong iss", test_token_c_iss, NULL, IR_TOKEN_REFUSED_ISSUER, "iss (1)"},
    {"wrong aud", test_token_c_aud, NULL, IR_TOKEN_REFUSED_AUDIENCE, "aud (3)"},
    {"expired", test_token_c_expired, NULL, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"expired within skew", test_token_c_expired_in_skew, NULL, IR_TOKEN_OK, NULL},
    {"clock late", NULL, test_token_e_clock_late, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"exp == now, no skew", NULL, test_token_e_zero_skew, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"nbf in future", test_token_c_nbf_future, NULL, IR_TOKEN_REFUSED_NOT_YET_VALID, "nbf (5)"},
    {"nbf within skew", test_token_c_nbf_in_skew, NULL, IR_TOKEN_OK, NULL},
    {"clock early", NULL, test_token_e_clock_early, IR_TOKEN_REFUSED_NOT_YET_VALID, "nbf (5)"},
    {"iat in future", test_token_c_iat_future, NULL, IR_TOKEN_REFUSED_ISSUED_IN_FUTURE, "iat (6)"},
    {"lifetime 901 s", test_token_c_lifetime, NULL, IR_TOKEN_REFUSED_LIFETIME, "exp (4) - iat (6)"},
    {"lifetime 900 s", test_token_c_lifetime_max, NULL, IR_TOKEN_OK, NULL},
    {"exp == iat",
     test_token_c_exp_before_iat,
     NULL,
     IR_TOKEN_REFUSED_LIFETIME,
     "exp (4) - iat (6)"},
    {"cnf other cert", test_token_c_cnf, NULL, IR_TOKEN_REFUSED_CNF, "cnf (8)"},
    {"client other cert", NULL, test_token_e_other_cert, IR_TOKEN_REFUSED_CNF, "cnf (8)"},
    {"device side: no cnf", NULL, test_token_e_device_side, IR_TOKEN_OK, NULL},
    {"other hardware id", test_token_c_hwid, NULL, IR_TOKEN_REFUSED_DEVICE, "hardware id HW-0002"},
    {"phone hwid with escapes",
     NULL,
     test_token_e_hwid_escape,
     IR_TOKEN_REFUSED_DEVICE,
     "reports HW?[2J?"},
    {"phone without hwid", NULL, test_token_e_no_hwid, IR_TOKEN_REFUSED_DEVICE, "reports none"},
    {"other serial", test_token_c_serial, NULL, IR_TOKEN_REFUSED_DEVICE, "serial SN999999"},
    {"phone other serial",
     NULL,
     test_token_e_other_serial,
     IR_TOKEN_REFUSED_DEVICE,
     "device (-65537)"},
    {"serial binding only", test_token_c_serial_only, test_token_e_no_hwid, IR_TOKEN_OK, NULL},
    {"no hwid, no serial",
     test_token_c_no_ids,
     NULL,
     IR_TOKEN_REFUSED_MISSING_CLAIM,
     "hardware id (1) or serial (2)"},
    {"other nonce", test_token_c_nonce, NULL, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"phone new challenge", NULL, test_token_e_new_nonce, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"nonce prefix", NULL, test_token_e_short_nonce, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"token without nonce", test_token_c_no_nonce, NULL, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"phone without challenge",
     NULL,
     test_token_e_no_challenge,
     IR_TOKEN_REFUSED_NONCE,
     "nonce (3)"},
    {"other counter", test_token_c_counter, NULL, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"phone counter moved", NULL, test_token_e_counter, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"token without counter",
     test_token_c_no_counter,
     NULL,
     IR_TOKEN_REFUSED_COUNTER,
     "counter (4)"},
    {"phone without counter",
     NULL,
     test_token_e_no_counter,
     IR_TOKEN_REFUSED_COUNTER,
     "counter (4)"},
    {"current IMEI differs", test_token_c_current, NULL, IR_TOKEN_REFUSED_CURRENT_IMEI, "slot 0"},
    {"current slot 1 differs",
     test_token_c_current_slot1,
     NULL,
     IR_TOKEN_REFUSED_CURRENT_IMEI,
     "slot 1"},
    {"phone IMEI changed",
     NULL,
     test_token_e_current,
     IR_TOKEN_REFUSED_CURRENT_IMEI,
     "000000000000001"},
    {"phone slot now empty",
     NULL,
     test_token_e_current_gone,
     IR_TOKEN_REFUSED_CURRENT_IMEI,
     "holds nothing"},
    {"current not bound", test_token_c_unbound_current, test_token_e_current, IR_TOKEN_OK, NULL},
    {"IMEI check digit",
     test_token_c_imei_check,
     NULL,
     IR_TOKEN_REFUSED_IMEI,
     "imeis (-65538) slot 1"},
    {"IMEI all zeros", test_token_c_imei_zero, NULL, IR_TOKEN_REFUSED_IMEI, "factory default"},
    {"IMEI 14 digits",
     test_token_c_imei_short,
     NULL,
     IR_TOKEN_REFUSED_IMEI,
     "imeis (-65538) slot 0"},
    {"IMEI letter", test_token_c_imei_alpha, NULL, IR_TOKEN_REFUSED_IMEI, "imeis (-65538) slot 0"},
    {"other centre", test_token_c_centre, NULL, IR_TOKEN_REFUSED_CENTRE, "centre (-65540)"},
    {"technician other centre",
     NULL,
     test_token_e_other_centre,
     IR_TOKEN_REFUSED_CENTRE,
     "KA-0003"},
    {"centre not checked", test_token_c_centre, test_token_e_any_centre, IR_TOKEN_OK, NULL},
    {"no iss", test_token_c_no_iss, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "iss (1) is missing"},
    {"no aud", test_token_c_no_aud, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "aud (3) is missing"},
    {"no cti", test_token_c_no_cti, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "cti (7) is missing"},
    {"no phase",
     test_token_c_no_phase,
     NULL,
     IR_TOKEN_REFUSED_MISSING_CLAIM,
     "phase (-65539) is missing"},
    {"no centre",
     test_token_c_no_centre,
     NULL,
     IR_TOKEN_REFUSED_MISSING_CLAIM,
     "centre (-65540) is missing"},
    /* the optional SPC of a DIAG phone (protocols/qualcomm/README.md) */
    {"spc, six digits", test_token_c_spc, NULL, IR_TOKEN_OK, NULL},
    {"spc with a letter",
     test_token_c_spc_letters,
     NULL,
     IR_TOKEN_REFUSED_MALFORMED,
     "spc (-65541)"},
    {"spc of five digits",
     test_token_c_spc_short,
     NULL,
     IR_TOKEN_REFUSED_MALFORMED,
     "spc (-65541)"},
};

/* The SPC comes back out of a verified token; the encoder refuses a bad one. */
static void
test_token_claims_spc (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autoptr (IrToken) decoded = NULL;
	g_autoptr (GError) error = NULL;

	vector_claims (&claims);
	test_token_c_spc (&claims);
	token = token_test_common_encode_ed (&claims);
	decoded = ir_token_decode (
	    g_bytes_get_data (token, NULL), g_bytes_get_size (token), NULL, &error);
	assert_non_null (decoded);
	assert_string_equal (ir_token_get_claims (decoded)->spc, "246810");
	test_token_c_spc_letters (&claims);
	g_clear_error (&error);
	assert_null (ir_token_encode (&claims, IR_TOKEN_ALG_EDDSA, "ed1", key_ed, &error));
	assert_non_null (strstr (error->message, "spc"));
}

static void
test_token_claims (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (claim_rows); i++) {
		const ClaimRow *row = &claim_rows[i];
		g_auto (IrTokenClaims) claims = {0};
		g_autoptr (GBytes) token = NULL;
		IrTokenExpect expect;

		vector_claims (&claims);
		vector_expect (&expect);
		if (row->claims != NULL)
			row->claims (&claims);
		if (row->expect != NULL)
			row->expect (&expect);
		token = token_test_common_encode_ed (&claims);
		token_test_common_assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* The server side refuses to issue what no verifier would accept. */
static void
test_token_encode_refuses (void **state)
{
	void (*const bad[]) (IrTokenClaims *) = {
	    test_token_c_lifetime,
	    test_token_c_exp_before_iat,
	    test_token_c_no_ids,
	    test_token_c_imei_check,
	    test_token_c_imei_zero,
	    test_token_c_imei_short,
	    test_token_c_no_iss,
	    test_token_c_no_aud,
	    test_token_c_no_cti,
	    test_token_c_no_phase,
	    test_token_c_no_centre,
	};

	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_auto (IrTokenClaims) claims = {0};
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) token = NULL;

		vector_claims (&claims);
		bad[i](&claims);
		token = ir_token_encode (&claims, IR_TOKEN_ALG_EDDSA, "ed1", key_ed, &error);
		assert_null (token);
		assert_non_null (error);
		assert_true (g_str_has_prefix (error->message, "cannot issue a restore token"));
	}
}

static void
test_token_encode_key_checks (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	g_autoptr (GBytes) t1 = NULL;
	g_autoptr (GBytes) t2 = NULL;

	vector_claims (&claims);
	/* an Ed25519 key cannot sign as ES256 and the other way round */
	t1 = ir_token_encode (&claims, IR_TOKEN_ALG_ES256, "es1", key_ed, &error);
	assert_null (t1);
	assert_non_null (strstr (error->message, "not a key for ES256"));
	t2 = ir_token_encode (&claims, IR_TOKEN_ALG_EDDSA, "", key_ed, &error2);
	assert_null (t2);
	assert_non_null (error2);
}

/* ---- signature, key id and algorithm pinning ---- */

typedef struct {
	const char *name;
	const char *protected_hex; /* signed as is */
	IrTokenAlg sign_alg;
	const char *signer; /* "ed", "es", "other" */
	IrTokenRefusal want;
	const char *part;
} HeaderRow;

/* a1 = map(1), 01 = alg, 27 = -8 (EdDSA), 26 = -7 (ES256), 04 = kid,
 * 43 656431 = h'ed1', 43 657331 = h'es1' */
static const HeaderRow header_rows[] = {
    {"EdDSA ed1", "a2 01 27 04 43 656431", IR_TOKEN_ALG_EDDSA, "ed", IR_TOKEN_OK, NULL},
    {"ES256 es1", "a2 01 26 04 43 657331", IR_TOKEN_ALG_ES256, "es", IR_TOKEN_OK, NULL},
    {"ES256 header on EdDSA kid",
     "a2 01 26 04 43 656431",
     IR_TOKEN_ALG_ES256,
     "es",
     IR_TOKEN_REFUSED_ALGORITHM,
     "pinned to EdDSA"},
    {"EdDSA header on ES256 kid",
     "a2 01 27 04 43 657331",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_ALGORITHM,
     "pinned to ES256"},
    {"RS256 header",
     "a2 01 390100 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_ALGORITHM,
     "alg (1) is -257"},
    {"unknown kid",
     "a2 01 27 04 43 7a7a7a",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_UNKNOWN_KID,
     "'zzz'"},
    {"signed by another key",
     "a2 01 27 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "other",
     IR_TOKEN_REFUSED_SIGNATURE,
     "does not verify"},
    {"crit header",
     "a3 01 27 02 81 01 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_CRITICAL_HEADER,
     "crit 2"},
    {"content type header",
     "a3 01 27 03 00 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_CRITICAL_HEADER,
     "header 3"},
    {"text header label",
     "a3 01 27 04 43 656431 61 78 00",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "protected header label"},
    {"no kid", "a1 01 27", IR_TOKEN_ALG_EDDSA, "ed", IR_TOKEN_REFUSED_MALFORMED, "kid (4)"},
    {"no alg", "a1 04 43 656431", IR_TOKEN_ALG_EDDSA, "ed", IR_TOKEN_REFUSED_MALFORMED, "alg (1)"},
    {"kid as text",
     "a2 01 27 04 63 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "kid (4)"},
    {"kid with NUL",
     "a2 01 27 04 44 65643100",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "not printable ASCII"},
    {"kid with ESC",
     "a2 01 27 04 43 1b5b41",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "not printable ASCII"},
    {"keys out of order",
     "a2 04 43 656431 01 27",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "canonical order"},
    {"duplicate alg",
     "a3 01 27 01 27 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "duplicate map key"},
    {"alg not shortest",
     "a2 01 3807 04 43 656431",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"indefinite map",
     "bf 01 27 04 43 656431 ff",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "indefinite"},
    {"trailing byte",
     "a2 01 27 04 43 656431 00",
     IR_TOKEN_ALG_EDDSA,
     "ed",
     IR_TOKEN_REFUSED_MALFORMED,
     "trailing"},
    {"empty map", "a0", IR_TOKEN_ALG_EDDSA, "ed", IR_TOKEN_REFUSED_MALFORMED, "protected header"},
    {"not a map", "82 01 27", IR_TOKEN_ALG_EDDSA, "ed", IR_TOKEN_REFUSED_MALFORMED, "not a map"},
};

static EVP_PKEY *
test_token_signer_key (const char *name)
{
	if (g_strcmp0 (name, "es") == 0)
		return key_es;
	if (g_strcmp0 (name, "other") == 0)
		return key_other;
	return key_ed;
}

static void
test_token_headers (void **state)
{
	g_autoptr (GBytes) payload = token_test_common_good_payload ();

	for (guint i = 0; i < G_N_ELEMENTS (header_rows); i++) {
		const HeaderRow *row = &header_rows[i];
		g_autoptr (GBytes) protected = token_test_common_hex_bytes (row->protected_hex);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) token = NULL;
		IrTokenExpect expect;

		token = ir_token_sign_raw (
		    protected, payload, row->sign_alg, test_token_signer_key (row->signer), &error);
		assert_non_null (token);
		vector_expect (&expect);
		token_test_common_assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* Changing one IMEI digit keeps the CBOR valid: the signature catches it. */
static void
test_token_tampered_payload (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autoptr (GBytes) tampered = NULL;
	IrTokenExpect expect;

	vector_claims (&claims);
	token = token_test_common_encode_ed (&claims);
	/* 490154203237518 → 490154203237526: still a valid IMEI */
	tampered = token_test_common_patch (
	    token, "6f343930313534323033323337353138", "6f343930313534323033323337353236");
	vector_expect (&expect);
	token_test_common_assert_outcome (
	    "IMEI changed", tampered, &expect, IR_TOKEN_REFUSED_SIGNATURE, "does not verify");
}

/* ---- the committed known-good vectors ---- */

static GBytes *
test_token_read_hex_file (const char *name)
{
	g_autofree char *path = token_test_common_data_path (name);
	g_autofree char *text = NULL;
	g_autoptr (GError) error = NULL;

	if (!g_file_get_contents (path, &text, NULL, &error))
		fail_msg ("%s", error->message);
	return token_test_common_hex_bytes (text);
}

static void
test_token_check_vector (const char *file, IrTokenAlg alg, const char *kid)
{
	g_autofree char *store_path = token_test_common_data_path ("trust-store.conf");
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTrustStore) vtrust = ir_trust_store_load (store_path, &error);
	g_autoptr (GBytes) token = test_token_read_hex_file (file);
	g_autoptr (IrToken) tok = NULL;
	g_autoptr (GBytes) payload = token_test_common_good_payload ();
	IrTokenRefusal got = IR_TOKEN_OK;
	const IrTokenClaims *c;
	IrTokenExpect expect;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (token, &len);

	assert_non_null (vtrust);
	vector_expect (&expect);
	tok = ir_token_verify_bytes (data, len, vtrust, &expect, NULL, &got, &error);
	if (tok == NULL)
		fail_msg ("%s: %s", file, error->message);
	assert_int_equal (ir_token_get_alg (tok), alg);
	assert_string_equal (ir_token_get_kid (tok), kid);
	c = ir_token_get_claims (tok);
	assert_string_equal (c->iss, VECTOR_ISSUER);
	assert_string_equal (c->aud, VECTOR_AUDIENCE);
	assert_int_equal (c->exp, VECTOR_NOW + 590);
	assert_int_equal (c->iat, VECTOR_NOW - 10);
	assert_int_equal (c->nbf, VECTOR_NOW - 10);
	assert_memory_equal (g_bytes_get_data (c->cti, NULL), vector_cti, sizeof (vector_cti));
	assert_memory_equal (c->cnf, vector_cnf, sizeof (vector_cnf));
	assert_string_equal (c->hardware_id, VECTOR_HWID);
	assert_string_equal (c->serial, VECTOR_SERIAL);
	assert_memory_equal (
	    g_bytes_get_data (c->nonce, NULL), vector_nonce, sizeof (vector_nonce));
	assert_int_equal (c->counter, VECTOR_COUNTER);
	assert_true (c->has_current);
	assert_string_equal (c->current_imei[0], VECTOR_CURRENT0);
	assert_null (c->current_imei[1]);
	assert_string_equal (c->imei[0], VECTOR_IMEI0);
	assert_string_equal (c->imei[1], VECTOR_IMEI1);
	assert_string_equal (c->phase, VECTOR_PHASE);
	assert_string_equal (c->centre, VECTOR_CENTRE);
	/* today's encoder still produces the committed claim bytes */
	assert_true (g_bytes_equal (payload, ir_token_get_payload (tok)));
	/* and the vector is refused by a store that pins other keys */
	g_clear_pointer (&tok, ir_token_free);
	g_clear_error (&error);
	tok = ir_token_verify_bytes (data, len, trust, &expect, NULL, &got, &error);
	assert_null (tok);
	assert_int_equal (got, IR_TOKEN_REFUSED_UNKNOWN_KID);
}

static void
test_token_vector_ed25519 (void **state)
{
	test_token_check_vector ("good-ed25519.hex", IR_TOKEN_ALG_EDDSA, "vector-ed25519");
}

static void
test_token_vector_es256 (void **state)
{
	test_token_check_vector ("good-es256.hex", IR_TOKEN_ALG_ES256, "vector-es256");
}

/* ---- the text form and the server's key file ---- */

typedef struct {
	const char *text;
	const char *hex; /* NULL: refused */
} B64Row;

static const B64Row b64_rows[] = {
    {"_-8", "ffef"},
    {"AA", "00"},
    {"AAA", "0000"},
    {"AAAA", "000000"},
    {"0oI", "d2 82"},
    {"_-9", NULL}, /* trailing bits not zero */
    {"AB", NULL},  /* ditto */
    {"A", NULL},   /* 6 bits are no byte */
    {"", NULL},
    {"AA==", NULL}, /* no padding */
    {"AA\n", NULL},
    {"A+/A", NULL}, /* standard alphabet */
    {"AA AA", NULL},
};

static void
test_token_base64url (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (b64_rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) got = ir_token_from_base64url (b64_rows[i].text, &error);
		g_autoptr (GBytes) want =
		    b64_rows[i].hex != NULL ? token_test_common_hex_bytes (b64_rows[i].hex) : NULL;
		g_autofree char *back = NULL;

		if (want == NULL) {
			if (got != NULL)
				fail_msg ("'%s' accepted", b64_rows[i].text);
			assert_int_equal (error->code, IR_ERROR_PROTOCOL);
			continue;
		}
		if (got == NULL)
			fail_msg ("'%s': %s", b64_rows[i].text, error->message);
		assert_true (g_bytes_equal (got, want));
		back = ir_token_to_base64url (got);
		assert_string_equal (back, b64_rows[i].text);
	}
	/* short lengths (every tail case) and the largest token round-trip */
	static const gsize lens[] = {
	    1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 1000, 4095, IR_TOKEN_MAX_SIZE};
	for (guint l = 0; l < G_N_ELEMENTS (lens); l++) {
		gsize n = lens[l];
		g_autofree guint8 *data = g_malloc (n);
		g_autoptr (GBytes) bytes = NULL;
		g_autoptr (GBytes) back = NULL;
		g_autofree char *text = NULL;
		g_autoptr (GError) error = NULL;

		for (gsize i = 0; i < n; i++)
			data[i] = (guint8)(i * 37 + n);
		bytes = g_bytes_new (data, n);
		text = ir_token_to_base64url (bytes);
		back = ir_token_from_base64url (text, &error);
		assert_true (back != NULL && g_bytes_equal (back, bytes));
	}
	{
		g_autofree char *big = g_strnfill ((IR_TOKEN_MAX_SIZE + 2) / 3 * 4 + 4, 'A');
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) none = ir_token_from_base64url (big, &error);
		assert_null (none);
	}
}

static char *
test_token_write_key (const char *dir, const char *name, EVP_PKEY *key)
{
	char *path = g_build_filename (dir, name, NULL);
	FILE *f = fopen (path, "w");

	assert_non_null (f);
	assert_int_equal (PEM_write_PrivateKey (f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose (f);
	return path;
}

static void
test_token_signing_key_load (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-key-XXXXXX", NULL);
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
	g_autofree char *ed = test_token_write_key (dir, "ed.key", key_ed);
	g_autofree char *es = test_token_write_key (dir, "es.key", key_es);
	g_autofree char *other = test_token_write_key (dir, "p384.key", p384);
	g_autofree char *junk = g_build_filename (dir, "junk.key", NULL);
	g_autoptr (GError) e1 = NULL;
	g_autoptr (GError) e2 = NULL;
	g_autoptr (GError) e3 = NULL;
	g_autoptr (GError) e4 = NULL;
	g_autoptr (GError) e5 = NULL;
	IrTokenAlg alg = 0;
	EVP_PKEY *k;

	k = ir_token_signing_key_load (ed, &alg, &e1);
	assert_non_null (k);
	assert_int_equal (alg, IR_TOKEN_ALG_EDDSA);
	EVP_PKEY_free (k);
	k = ir_token_signing_key_load (es, &alg, &e2);
	assert_non_null (k);
	assert_int_equal (alg, IR_TOKEN_ALG_ES256);
	EVP_PKEY_free (k);
	assert_null (ir_token_signing_key_load (other, &alg, &e3));
	assert_non_null (strstr (e3->message, "neither an Ed25519 nor an ECDSA P-256 key"));
	assert_true (g_file_set_contents (junk, "-----BEGIN NOTHING-----\n", -1, NULL));
	assert_null (ir_token_signing_key_load (junk, &alg, &e4));
	assert_int_equal (e4->code, IR_ERROR_INVALID_INPUT);
	g_unlink (junk);
	assert_null (ir_token_signing_key_load (junk, &alg, &e5));
	assert_int_equal (e5->code, IR_ERROR_NOT_FOUND);

	EVP_PKEY_free (p384);
	g_unlink (ed);
	g_unlink (es);
	g_unlink (other);
	g_rmdir (dir);
}

static void
test_token_refusal_names (void **state)
{
	g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

	for (int r = IR_TOKEN_OK; r <= IR_TOKEN_REFUSED_STORE; r++) {
		const char *name = ir_token_refusal_to_string ((IrTokenRefusal)r);
		assert_string_not_equal (name, "unknown");
		assert_true (g_hash_table_add (names, (gpointer)name));
	}
	assert_string_equal (ir_token_refusal_to_string ((IrTokenRefusal)999), "unknown");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_token_claims),
	    cmocka_unit_test (test_token_claims_spc),
	    cmocka_unit_test (test_token_encode_refuses),
	    cmocka_unit_test (test_token_encode_key_checks),
	    cmocka_unit_test (test_token_headers),
	    cmocka_unit_test (test_token_tampered_payload),
	    cmocka_unit_test (test_token_vector_ed25519),
	    cmocka_unit_test (test_token_vector_es256),
	    cmocka_unit_test (test_token_base64url),
	    cmocka_unit_test (test_token_signing_key_load),
	    cmocka_unit_test (test_token_refusal_names),
	};
	return cmocka_run_group_tests (tests, token_test_common_setup, token_test_common_teardown);
}
