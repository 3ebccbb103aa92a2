/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ir-error.h"
#include "ir-token-cbor.h"
#include "ir-token-private.h"
#include "ir-token.h"
#include "token-vector.h"

/* Keys are made at test time; only the known-good vectors are committed,
 * with their public keys. "ed1" is pinned to EdDSA and "es1" to ES256;
 * "other" is a key the trust store has never heard of. */
static EVP_PKEY *key_ed;
static EVP_PKEY *key_es;
static EVP_PKEY *key_other;
static IrTrustStore *trust;

static char *
data_path (const char *name)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");
	return g_build_filename (
	    srcdir != NULL ? srcdir : ".", "tests", "data", "token", name, NULL);
}

static char *
public_key_b64 (EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64 = g_base64_encode (der, (gsize)len);
	OPENSSL_free (der);
	return b64;
}

static int
group_setup (void **state)
{
	g_autofree char *ed_b64 = NULL;
	g_autofree char *es_b64 = NULL;
	g_autofree char *ca = data_path ("brand-ca.pem");
	g_autofree char *text = NULL;
	g_autoptr (GError) error = NULL;

	key_ed = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	key_es = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
	key_other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	ed_b64 = public_key_b64 (key_ed);
	es_b64 = public_key_b64 (key_es);
	text = g_strdup_printf ("[trust-store]\nversion=1\nbrand-ca=%s\n"
				"server-pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
				"issuer=" VECTOR_ISSUER "\naudience=" VECTOR_AUDIENCE "\n"
				"[token-key ed1]\nalgorithm=EdDSA\npublic-key=%s\n"
				"[token-key es1]\nalgorithm=ES256\npublic-key=%s\n",
				ca,
				ed_b64,
				es_b64);
	trust = ir_trust_store_new_from_data (text, strlen (text), NULL, "test", &error);
	if (trust == NULL)
		fail_msg ("trust store: %s", error->message);
	return 0;
}

static int
group_teardown (void **state)
{
	EVP_PKEY_free (key_ed);
	EVP_PKEY_free (key_es);
	EVP_PKEY_free (key_other);
	ir_trust_store_unref (trust);
	return 0;
}

static void
set_str (char **field, const char *value)
{
	g_free (*field);
	*field = g_strdup (value);
}

/* Checks the outcome of verifying @token: @want, and for a refusal a
 * message that names @part (the claim). */
static void
assert_outcome (const char *name,
		GBytes *token,
		const IrTokenExpect *expect,
		IrTokenRefusal want,
		const char *part)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrToken) tok = NULL;
	IrTokenRefusal got = IR_TOKEN_OK;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (token, &len);

	tok = ir_token_verify_bytes (data, len, trust, expect, NULL, &got, &error);
	if (got != want)
		fail_msg ("%s: got %s (%s), want %s",
			  name,
			  ir_token_refusal_to_string (got),
			  error != NULL ? error->message : "no error",
			  ir_token_refusal_to_string (want));
	if (want == IR_TOKEN_OK) {
		assert_non_null (tok);
		assert_null (error);
		return;
	}
	assert_null (tok);
	assert_non_null (error);
	assert_true (error->domain == IR_ERROR);
	assert_int_equal (error->code,
			  want == IR_TOKEN_REFUSED_MALFORMED || want == IR_TOKEN_REFUSED_TOO_LARGE
			      ? IR_ERROR_PROTOCOL
			      : IR_ERROR_INVALID_INPUT);
	if (part != NULL && strstr (error->message, part) == NULL)
		fail_msg ("%s: message '%s' does not name '%s'", name, error->message, part);
}

static GBytes *
encode_ed (const IrTokenClaims *claims)
{
	g_autoptr (GError) error = NULL;
	GBytes *token =
	    ir_token_encode_unchecked (claims, IR_TOKEN_ALG_EDDSA, "ed1", key_ed, &error);
	assert_non_null (token);
	return token;
}

/* ---- each claim wrong in turn, and each property of the phone ---- */

typedef struct {
	const char *name;
	void (*claims) (IrTokenClaims *c);
	void (*expect) (IrTokenExpect *e);
	IrTokenRefusal want;
	const char *part;
} ClaimRow;

static void
c_iss (IrTokenClaims *c)
{
	set_str (&c->iss, "evil.example");
}
static void
c_aud (IrTokenClaims *c)
{
	set_str (&c->aud, "someone-else");
}
static void
c_expired (IrTokenClaims *c)
{
	c->iat = c->nbf = VECTOR_NOW - 700;
	c->exp = VECTOR_NOW - 61;
}
static void
c_expired_in_skew (IrTokenClaims *c)
{
	c->iat = c->nbf = VECTOR_NOW - 600;
	c->exp = VECTOR_NOW - 59;
}
static void
c_nbf_future (IrTokenClaims *c)
{
	c->nbf = VECTOR_NOW + 120;
}
static void
c_nbf_in_skew (IrTokenClaims *c)
{
	c->nbf = VECTOR_NOW + 60;
}
static void
c_iat_future (IrTokenClaims *c)
{
	c->iat = VECTOR_NOW + 100;
	c->exp = VECTOR_NOW + 700;
}
static void
c_lifetime (IrTokenClaims *c)
{
	c->exp = c->iat + IR_TOKEN_MAX_LIFETIME + 1;
}
static void
c_lifetime_max (IrTokenClaims *c)
{
	c->exp = c->iat + IR_TOKEN_MAX_LIFETIME;
}
static void
c_exp_before_iat (IrTokenClaims *c)
{
	c->exp = c->iat;
}
static void
c_cnf (IrTokenClaims *c)
{
	c->cnf[31] ^= 1;
}
static void
c_hwid (IrTokenClaims *c)
{
	set_str (&c->hardware_id, "HW-0002");
}
static void
c_serial (IrTokenClaims *c)
{
	set_str (&c->serial, "SN999999");
}
static void
c_serial_only (IrTokenClaims *c)
{
	g_clear_pointer (&c->hardware_id, g_free);
}
static void
c_no_ids (IrTokenClaims *c)
{
	g_clear_pointer (&c->hardware_id, g_free);
	g_clear_pointer (&c->serial, g_free);
}
static void
c_nonce (IrTokenClaims *c)
{
	guint8 n[16] = {0};
	g_bytes_unref (c->nonce);
	c->nonce = g_bytes_new (n, sizeof (n));
}
static void
c_no_nonce (IrTokenClaims *c)
{
	g_clear_pointer (&c->nonce, g_bytes_unref);
}
static void
c_counter (IrTokenClaims *c)
{
	c->counter = VECTOR_COUNTER + 1;
}
static void
c_no_counter (IrTokenClaims *c)
{
	c->has_counter = FALSE;
	c->counter = 0;
}
static void
c_current (IrTokenClaims *c)
{
	set_str (&c->current_imei[0], "490154203237518");
}
static void
c_current_slot1 (IrTokenClaims *c)
{
	set_str (&c->current_imei[1], "000000000000000");
}
static void
c_unbound_current (IrTokenClaims *c)
{
	c->has_current = FALSE;
	set_str (&c->current_imei[0], NULL);
}
static void
c_imei_check (IrTokenClaims *c)
{
	set_str (&c->imei[1], "352099001761482");
}
static void
c_imei_zero (IrTokenClaims *c)
{
	set_str (&c->imei[0], "000000000000000");
}
static void
c_imei_short (IrTokenClaims *c)
{
	set_str (&c->imei[0], "49015420323751");
}
static void
c_imei_alpha (IrTokenClaims *c)
{
	set_str (&c->imei[0], "49015420323751X");
}
static void
c_centre (IrTokenClaims *c)
{
	set_str (&c->centre, "MH-0002");
}
static void
c_no_iss (IrTokenClaims *c)
{
	set_str (&c->iss, NULL);
}
static void
c_no_aud (IrTokenClaims *c)
{
	set_str (&c->aud, NULL);
}
static void
c_no_cti (IrTokenClaims *c)
{
	g_clear_pointer (&c->cti, g_bytes_unref);
}
static void
c_no_phase (IrTokenClaims *c)
{
	set_str (&c->phase, NULL);
}
static void
c_no_centre (IrTokenClaims *c)
{
	set_str (&c->centre, NULL);
}

static void
e_other_cert (IrTokenExpect *e)
{
	static const guint8 other[32] = {1};
	e->client_spki_sha256 = other;
}
static void
e_device_side (IrTokenExpect *e)
{
	e->client_spki_sha256 = NULL;
}
static void
e_no_hwid (IrTokenExpect *e)
{
	e->hardware_id = NULL;
}
static void
e_other_serial (IrTokenExpect *e)
{
	e->serial = "SN000000";
}
static void
e_new_nonce (IrTokenExpect *e)
{
	static const guint8 n[16] = {9};
	e->nonce = n;
}
static void
e_short_nonce (IrTokenExpect *e)
{
	e->nonce_len = 15;
}
static void
e_no_challenge (IrTokenExpect *e)
{
	e->nonce = NULL;
	e->nonce_len = 0;
	e->has_counter = FALSE;
}
static void
e_counter (IrTokenExpect *e)
{
	e->counter = VECTOR_COUNTER + 1;
}
static void
e_no_counter (IrTokenExpect *e)
{
	e->has_counter = FALSE;
}
static void
e_current (IrTokenExpect *e)
{
	e->current_imei[0] = "000000000000001";
}
static void
e_current_gone (IrTokenExpect *e)
{
	e->current_imei[0] = NULL;
}
static void
e_other_centre (IrTokenExpect *e)
{
	e->centre = "KA-0003";
}
static void
e_any_centre (IrTokenExpect *e)
{
	e->centre = NULL;
}
static void
e_clock_late (IrTokenExpect *e)
{
	e->now = VECTOR_NOW + 700;
}
static void
e_clock_early (IrTokenExpect *e)
{
	e->now = VECTOR_NOW - 200;
}
static void
e_zero_skew (IrTokenExpect *e)
{
	e->skew = 0;
	e->now = VECTOR_NOW + 590;
}

static const ClaimRow claim_rows[] = {
    {"good", NULL, NULL, IR_TOKEN_OK, NULL},
    {"wrong iss", c_iss, NULL, IR_TOKEN_REFUSED_ISSUER, "iss (1)"},
    {"wrong aud", c_aud, NULL, IR_TOKEN_REFUSED_AUDIENCE, "aud (3)"},
    {"expired", c_expired, NULL, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"expired within skew", c_expired_in_skew, NULL, IR_TOKEN_OK, NULL},
    {"clock late", NULL, e_clock_late, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"exp == now, no skew", NULL, e_zero_skew, IR_TOKEN_REFUSED_EXPIRED, "exp (4)"},
    {"nbf in future", c_nbf_future, NULL, IR_TOKEN_REFUSED_NOT_YET_VALID, "nbf (5)"},
    {"nbf within skew", c_nbf_in_skew, NULL, IR_TOKEN_OK, NULL},
    {"clock early", NULL, e_clock_early, IR_TOKEN_REFUSED_NOT_YET_VALID, "nbf (5)"},
    {"iat in future", c_iat_future, NULL, IR_TOKEN_REFUSED_ISSUED_IN_FUTURE, "iat (6)"},
    {"lifetime 901 s", c_lifetime, NULL, IR_TOKEN_REFUSED_LIFETIME, "exp (4) - iat (6)"},
    {"lifetime 900 s", c_lifetime_max, NULL, IR_TOKEN_OK, NULL},
    {"exp == iat", c_exp_before_iat, NULL, IR_TOKEN_REFUSED_LIFETIME, "exp (4) - iat (6)"},
    {"cnf other cert", c_cnf, NULL, IR_TOKEN_REFUSED_CNF, "cnf (8)"},
    {"client other cert", NULL, e_other_cert, IR_TOKEN_REFUSED_CNF, "cnf (8)"},
    {"device side: no cnf", NULL, e_device_side, IR_TOKEN_OK, NULL},
    {"other hardware id", c_hwid, NULL, IR_TOKEN_REFUSED_DEVICE, "hardware id HW-0002"},
    {"phone without hwid", NULL, e_no_hwid, IR_TOKEN_REFUSED_DEVICE, "reports none"},
    {"other serial", c_serial, NULL, IR_TOKEN_REFUSED_DEVICE, "serial SN999999"},
    {"phone other serial", NULL, e_other_serial, IR_TOKEN_REFUSED_DEVICE, "device (-65537)"},
    {"serial binding only", c_serial_only, e_no_hwid, IR_TOKEN_OK, NULL},
    {"no hwid, no serial",
     c_no_ids,
     NULL,
     IR_TOKEN_REFUSED_MISSING_CLAIM,
     "hardware id (1) or serial (2)"},
    {"other nonce", c_nonce, NULL, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"phone new challenge", NULL, e_new_nonce, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"nonce prefix", NULL, e_short_nonce, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"token without nonce", c_no_nonce, NULL, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"phone without challenge", NULL, e_no_challenge, IR_TOKEN_REFUSED_NONCE, "nonce (3)"},
    {"other counter", c_counter, NULL, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"phone counter moved", NULL, e_counter, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"token without counter", c_no_counter, NULL, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"phone without counter", NULL, e_no_counter, IR_TOKEN_REFUSED_COUNTER, "counter (4)"},
    {"current IMEI differs", c_current, NULL, IR_TOKEN_REFUSED_CURRENT_IMEI, "slot 0"},
    {"current slot 1 differs", c_current_slot1, NULL, IR_TOKEN_REFUSED_CURRENT_IMEI, "slot 1"},
    {"phone IMEI changed", NULL, e_current, IR_TOKEN_REFUSED_CURRENT_IMEI, "000000000000001"},
    {"phone slot now empty", NULL, e_current_gone, IR_TOKEN_REFUSED_CURRENT_IMEI, "holds nothing"},
    {"current not bound", c_unbound_current, e_current, IR_TOKEN_OK, NULL},
    {"IMEI check digit", c_imei_check, NULL, IR_TOKEN_REFUSED_IMEI, "imeis (-65538) slot 1"},
    {"IMEI all zeros", c_imei_zero, NULL, IR_TOKEN_REFUSED_IMEI, "factory default"},
    {"IMEI 14 digits", c_imei_short, NULL, IR_TOKEN_REFUSED_IMEI, "imeis (-65538) slot 0"},
    {"IMEI letter", c_imei_alpha, NULL, IR_TOKEN_REFUSED_IMEI, "imeis (-65538) slot 0"},
    {"other centre", c_centre, NULL, IR_TOKEN_REFUSED_CENTRE, "centre (-65540)"},
    {"technician other centre", NULL, e_other_centre, IR_TOKEN_REFUSED_CENTRE, "KA-0003"},
    {"centre not checked", c_centre, e_any_centre, IR_TOKEN_OK, NULL},
    {"no iss", c_no_iss, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "iss (1) is missing"},
    {"no aud", c_no_aud, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "aud (3) is missing"},
    {"no cti", c_no_cti, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "cti (7) is missing"},
    {"no phase", c_no_phase, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "phase (-65539) is missing"},
    {"no centre", c_no_centre, NULL, IR_TOKEN_REFUSED_MISSING_CLAIM, "centre (-65540) is missing"},
};

static void
test_claims (void **state)
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
		token = encode_ed (&claims);
		assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* The server side refuses to issue what no verifier would accept. */
static void
test_encode_refuses (void **state)
{
	void (*const bad[]) (IrTokenClaims *) = {
	    c_lifetime,
	    c_exp_before_iat,
	    c_no_ids,
	    c_imei_check,
	    c_imei_zero,
	    c_imei_short,
	    c_no_iss,
	    c_no_aud,
	    c_no_cti,
	    c_no_phase,
	    c_no_centre,
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
test_encode_key_checks (void **state)
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

static GBytes *
hex_bytes (const char *hex)
{
	GByteArray *arr = g_byte_array_new ();
	for (const char *p = hex; *p != '\0';) {
		guint8 b;
		if (g_ascii_isspace (*p)) {
			p++;
			continue;
		}
		g_assert (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
		b = (guint8)(g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
		g_byte_array_append (arr, &b, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes (arr);
}

static GBytes *
good_payload (void)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GError) error = NULL;
	GBytes *payload;

	vector_claims (&claims);
	payload = ir_token_build_payload (&claims, &error);
	assert_non_null (payload);
	return payload;
}

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
     "NUL"},
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
signer_key (const char *name)
{
	if (g_strcmp0 (name, "es") == 0)
		return key_es;
	if (g_strcmp0 (name, "other") == 0)
		return key_other;
	return key_ed;
}

static void
test_headers (void **state)
{
	g_autoptr (GBytes) payload = good_payload ();

	for (guint i = 0; i < G_N_ELEMENTS (header_rows); i++) {
		const HeaderRow *row = &header_rows[i];
		g_autoptr (GBytes) protected = hex_bytes (row->protected_hex);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) token = NULL;
		IrTokenExpect expect;

		token = ir_token_sign_raw (
		    protected, payload, row->sign_alg, signer_key (row->signer), &error);
		assert_non_null (token);
		vector_expect (&expect);
		assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* ---- strict decoding of the claims: one surgery each on a good payload ---- */

typedef struct {
	const char *name;
	const char *find; /* hex, must occur once in the good payload */
	const char *repl;
	IrTokenRefusal want;
	const char *part;
} PatchRow;

/* exp = 1800000590 = 0x6b49d44e, nbf = iat = 0x6b49d1f6,
 * iss = 70 "imei-brandd.test", centre = 67 "DL-0001", hwid = 67 "HW-0001" */
#define EXP_HEX "041a6b49d44e"
#define NBF_HEX "051a6b49d1f6"
#define ISS_HEX "0170696d65692d6272616e64642e74657374"
static const PatchRow patch_rows[] = {
    {"unchanged", EXP_HEX, EXP_HEX, IR_TOKEN_OK, NULL},
    {"exp not shortest",
     EXP_HEX,
     "041b000000006b49d44e",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"exp as float", EXP_HEX, "04fa6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "floating-point"},
    {"exp negative", EXP_HEX, "043a6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "exp (4) is negative"},
    {"exp as text", EXP_HEX, "046431323334", IR_TOKEN_REFUSED_MALFORMED, "exp (4)"},
    {"duplicate claim", NBF_HEX, "041a6b49d1f6", IR_TOKEN_REFUSED_MALFORMED, "duplicate map key"},
    {"claims out of order",
     EXP_HEX NBF_HEX,
     NBF_HEX EXP_HEX,
     IR_TOKEN_REFUSED_MALFORMED,
     "canonical order"},
    {"indefinite text",
     ISS_HEX,
     "017f70696d65692d6272616e64642e74657374ff",
     IR_TOKEN_REFUSED_MALFORMED,
     "indefinite"},
    {"unknown claim sub",
     ISS_HEX,
     "0270696d65692d6272616e64642e74657374",
     IR_TOKEN_REFUSED_MALFORMED,
     "claim 2 is not part"},
    {"iss as bytes",
     ISS_HEX,
     "0150696d65692d6272616e64642e74657374",
     IR_TOKEN_REFUSED_MALFORMED,
     "iss (1)"},
    {"bad UTF-8", "67444c2d30303031", "67ff4c2d30303031", IR_TOKEN_REFUSED_MALFORMED, "UTF-8"},
    {"NUL in text", "67444c2d30303031", "67444c003030303031", IR_TOKEN_REFUSED_MALFORMED, NULL},
    {"device key not shortest",
     "016748572d30303031",
     "18016748572d30303031",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"device unknown key",
     "016748572d30303031",
     "006748572d30303031",
     IR_TOKEN_REFUSED_MALFORMED,
     "unknown key 0"},
    {"IMEI slot 2", "016f333532", "026f333532", IR_TOKEN_REFUSED_MALFORMED, "slot 2"},
    {"tag inside claims", EXP_HEX, "04c11a6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "exp (4)"},
    {"simple value", EXP_HEX, "04f0", IR_TOKEN_REFUSED_MALFORMED, "reserved"},
    {"undefined", EXP_HEX, "04f7", IR_TOKEN_REFUSED_MALFORMED, "undefined"},
    {"map count too big", "ab01", "ac01", IR_TOKEN_REFUSED_MALFORMED, "truncated"},
    {"map count too small", "ab01", "aa01", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
};

static GBytes *
patch (GBytes *src, const char *find_hex, const char *repl_hex)
{
	g_autoptr (GBytes) find = hex_bytes (find_hex);
	g_autoptr (GBytes) repl = hex_bytes (repl_hex);
	gsize len = 0, flen = 0, rlen = 0;
	const guint8 *data = g_bytes_get_data (src, &len);
	const guint8 *f = g_bytes_get_data (find, &flen);
	const guint8 *r = g_bytes_get_data (repl, &rlen);
	const guint8 *hit = memmem (data, len, f, flen);
	GByteArray *out = g_byte_array_new ();

	if (hit == NULL || memmem (hit + 1, len - (gsize)(hit - data) - 1, f, flen) != NULL)
		fail_msg ("pattern %s is not in the good payload exactly once", find_hex);
	g_byte_array_append (out, data, (guint)(hit - data));
	g_byte_array_append (out, r, (guint)rlen);
	g_byte_array_append (out, hit + flen, (guint)(len - (gsize)(hit - data) - flen));
	return g_byte_array_free_to_bytes (out);
}

static void
test_payload_strict (void **state)
{
	g_autoptr (GBytes) payload = good_payload ();
	g_autoptr (GBytes) protected = hex_bytes ("a2 01 27 04 43 656431");

	for (guint i = 0; i < G_N_ELEMENTS (patch_rows); i++) {
		const PatchRow *row = &patch_rows[i];
		g_autoptr (GBytes) bad = patch (payload, row->find, row->repl);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) token =
		    ir_token_sign_raw (protected, bad, IR_TOKEN_ALG_EDDSA, key_ed, &error);
		IrTokenExpect expect;

		assert_non_null (token);
		vector_expect (&expect);
		assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* ---- the COSE_Sign1 envelope, assembled by hand ---- */

static void
append_bstr (GString *hex, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (bytes, &len);

	if (len < 24)
		g_string_append_printf (hex, "%02x", 0x40 + (guint)len);
	else if (len < 256)
		g_string_append_printf (hex, "58%02x", (guint)len);
	else
		g_string_append_printf (hex, "59%04x", (guint)len);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf (hex, "%02x", data[i]);
}

typedef struct {
	const char *name;
	const char *prefix; /* before the protected header: tag and array head */
	const char *unprotected;
	gboolean omit_payload; /* write payload_hex instead */
	const char *payload_hex;
	int sig_len; /* -1: the real signature */
	const char *suffix;
	IrTokenRefusal want;
	const char *part;
} EnvelopeRow;

static const EnvelopeRow envelope_rows[] = {
    {"good", "d284", "a0", FALSE, NULL, -1, "", IR_TOKEN_OK, NULL},
    {"tag 17", "d184", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tag 17"},
    {"tag not shortest",
     "d81284",
     "a0",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"untagged", "84", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tagged COSE_Sign1"},
    {"tag 61 CWT", "d83dd284", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tag 61"},
    {"array of 5", "d285", "a0", FALSE, NULL, -1, "f6", IR_TOKEN_REFUSED_MALFORMED, "array of 4"},
    {"array not shortest",
     "d29804",
     "a0",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"indefinite array",
     "d29f",
     "a0",
     FALSE,
     NULL,
     -1,
     "ff",
     IR_TOKEN_REFUSED_MALFORMED,
     "indefinite"},
    {"unprotected kid",
     "d284",
     "a10443656431",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "unprotected header"},
    {"unprotected not shortest",
     "d284",
     "b800",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"detached payload", "d284", "a0", TRUE, "f6", -1, "", IR_TOKEN_REFUSED_MALFORMED, "payload"},
    {"empty payload", "d284", "a0", TRUE, "40", -1, "", IR_TOKEN_REFUSED_MALFORMED, "payload"},
    {"signature 63 bytes",
     "d284",
     "a0",
     FALSE,
     NULL,
     63,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "signature"},
    {"signature 65 bytes",
     "d284",
     "a0",
     FALSE,
     NULL,
     65,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "signature"},
    {"trailing byte", "d284", "a0", FALSE, NULL, -1, "00", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
    {"second token", "d284", "a0", FALSE, NULL, -1, "d2", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
};

static void
test_envelope (void **state)
{
	g_autoptr (GBytes) payload = good_payload ();
	g_autoptr (GBytes) protected = hex_bytes ("a2 01 27 04 43 656431");
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) good =
	    ir_token_sign_raw (protected, payload, IR_TOKEN_ALG_EDDSA, key_ed, &error);
	gsize good_len = 0;
	const guint8 *good_data = g_bytes_get_data (good, &good_len);
	g_autoptr (GBytes) sig = g_bytes_new (good_data + good_len - 64, 64);

	for (guint i = 0; i < G_N_ELEMENTS (envelope_rows); i++) {
		const EnvelopeRow *row = &envelope_rows[i];
		g_autoptr (GString) hex = g_string_new (row->prefix);
		g_autoptr (GBytes) token = NULL;
		IrTokenExpect expect;

		append_bstr (hex, protected);
		g_string_append (hex, row->unprotected);
		if (row->omit_payload)
			g_string_append (hex, row->payload_hex);
		else
			append_bstr (hex, payload);
		if (row->sig_len < 0) {
			append_bstr (hex, sig);
		} else {
			g_autofree guint8 *zeros = g_malloc0 ((gsize)row->sig_len);
			g_autoptr (GBytes) s = g_bytes_new (zeros, (gsize)row->sig_len);
			append_bstr (hex, s);
		}
		g_string_append (hex, row->suffix);
		token = hex_bytes (hex->str);
		vector_expect (&expect);
		assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* ---- hostile bytes that are not built from a token ---- */

typedef struct {
	const char *name;
	const char *hex;
	const char *part;
} RawRow;

static const RawRow raw_rows[] = {
    {"empty", "", "truncated"},
    {"lone tag", "d2", "truncated"},
    {"huge byte string", "d2845bffffffffffffffff", "truncated"},
    {"huge array", "d29bffffffffffffffff", "truncated"},
    {"huge map", "d284 41a0 bbffffffffffffffff", "truncated"},
    {"reserved byte", "d21c", "reserved"},
    {"break", "ff", "break"},
    {"deep nesting", "818181818181818181818181818181818181818100", "nesting"},
    {"deep tags", "c1c1c1c1c1c1c1c1c1c1c1c1c1c100", "nesting"},
    {"indefinite bytes", "d2845f4100ff", "indefinite"},
    {"half float", "f93c00", "floating-point"},
    {"simple 1-byte", "f820", "reserved"},
};

static void
test_raw (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (raw_rows); i++) {
		g_autoptr (GBytes) token = hex_bytes (raw_rows[i].hex);
		IrTokenExpect expect;

		vector_expect (&expect);
		assert_outcome (
		    raw_rows[i].name, token, &expect, IR_TOKEN_REFUSED_MALFORMED, raw_rows[i].part);
	}
}

static void
test_too_large (void **state)
{
	g_autofree guint8 *big = g_malloc0 (IR_TOKEN_MAX_SIZE + 1);
	g_autoptr (GBytes) token = g_bytes_new (big, IR_TOKEN_MAX_SIZE + 1);
	IrTokenExpect expect;

	vector_expect (&expect);
	assert_outcome ("too large", token, &expect, IR_TOKEN_REFUSED_TOO_LARGE, "4097 bytes");
}

/* Every prefix of a good token is refused as malformed, and every single
 * changed byte is refused for some reason: nothing slips through. */
static void
test_truncation_and_tampering (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	gsize len = 0;
	const guint8 *data;
	IrTokenExpect expect;

	vector_claims (&claims);
	token = encode_ed (&claims);
	data = g_bytes_get_data (token, &len);
	vector_expect (&expect);
	for (gsize cut = 0; cut < len; cut++) {
		g_autoptr (GError) error = NULL;
		IrTokenRefusal got = IR_TOKEN_OK;
		g_autoptr (IrToken) tok = ir_token_decode (data, cut, &got, &error);
		if (tok != NULL || got != IR_TOKEN_REFUSED_MALFORMED)
			fail_msg ("prefix of %" G_GSIZE_FORMAT " bytes: %s",
				  cut,
				  ir_token_refusal_to_string (got));
	}
	for (gsize pos = 0; pos < len; pos++) {
		g_autofree guint8 *copy = g_memdup2 (data, len);
		g_autoptr (GError) error = NULL;
		IrTokenRefusal got = IR_TOKEN_OK;
		g_autoptr (IrToken) tok = NULL;

		copy[pos] ^= 0x01;
		tok = ir_token_verify_bytes (copy, len, trust, &expect, NULL, &got, &error);
		if (tok != NULL || got == IR_TOKEN_OK)
			fail_msg ("byte %" G_GSIZE_FORMAT " changed and still accepted", pos);
	}
}

/* Changing one IMEI digit keeps the CBOR valid: the signature catches it. */
static void
test_tampered_payload (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autoptr (GBytes) tampered = NULL;
	IrTokenExpect expect;

	vector_claims (&claims);
	token = encode_ed (&claims);
	/* 490154203237518 → 490154203237526: still a valid IMEI */
	tampered =
	    patch (token, "6f343930313534323033323337353138", "6f343930313534323033323337353236");
	vector_expect (&expect);
	assert_outcome (
	    "IMEI changed", tampered, &expect, IR_TOKEN_REFUSED_SIGNATURE, "does not verify");
}

/* ---- the committed known-good vectors ---- */

static GBytes *
read_hex_file (const char *name)
{
	g_autofree char *path = data_path (name);
	g_autofree char *text = NULL;
	g_autoptr (GError) error = NULL;

	if (!g_file_get_contents (path, &text, NULL, &error))
		fail_msg ("%s", error->message);
	return hex_bytes (text);
}

static void
check_vector (const char *file, IrTokenAlg alg, const char *kid)
{
	g_autofree char *store_path = data_path ("trust-store.conf");
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTrustStore) vtrust = ir_trust_store_load (store_path, &error);
	g_autoptr (GBytes) token = read_hex_file (file);
	g_autoptr (IrToken) tok = NULL;
	g_autoptr (GBytes) payload = good_payload ();
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
test_vector_ed25519 (void **state)
{
	check_vector ("good-ed25519.hex", IR_TOKEN_ALG_EDDSA, "vector-ed25519");
}

static void
test_vector_es256 (void **state)
{
	check_vector ("good-es256.hex", IR_TOKEN_ALG_ES256, "vector-es256");
}

/* ---- single use: the cti store ---- */

static void
test_replay (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-token-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename (dir, "sub", NULL);
	g_autofree char *path = g_build_filename (sub, "seen", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTokenSeen) seen = ir_token_seen_open (path, &error);
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autoptr (IrToken) first = NULL;
	g_autoptr (IrToken) again = NULL;
	g_autoptr (IrToken) wrong = NULL;
	g_autoptr (IrToken) after = NULL;
	g_autoptr (GBytes) refused_token = NULL;
	IrTokenRefusal got = IR_TOKEN_OK;
	IrTokenExpect expect;
	gsize len = 0;
	const guint8 *data;

	assert_non_null (seen);
	vector_claims (&claims);
	vector_expect (&expect);
	token = encode_ed (&claims);
	data = g_bytes_get_data (token, &len);

	/* a refused token does not use up its cti */
	expect.serial = "SN000000";
	wrong = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (wrong);
	assert_int_equal (got, IR_TOKEN_REFUSED_DEVICE);
	g_clear_error (&error);
	vector_expect (&expect);

	first = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	if (error != NULL)
		fail_msg ("%s", error->message);
	assert_non_null (first);
	assert_int_equal (got, IR_TOKEN_OK);

	again = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (again);
	assert_int_equal (got, IR_TOKEN_REFUSED_REPLAYED);
	assert_non_null (strstr (error->message, "cti (7)"));
	assert_non_null (strstr (error->message, "already used"));
	g_clear_error (&error);

	/* the store is durable: a new process sees it too */
	g_clear_pointer (&seen, ir_token_seen_free);
	seen = ir_token_seen_open (path, &error);
	assert_non_null (seen);
	after = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (after);
	assert_int_equal (got, IR_TOKEN_REFUSED_REPLAYED);
	g_clear_error (&error);

	/* a damaged store refuses every token with its own reason */
	assert_true (g_file_set_contents (path, "imeirestore-token-seen 1\nzz 1\n", -1, NULL));
	g_bytes_unref (claims.cti);
	claims.cti = g_bytes_new ("other-cti-000001", 16);
	refused_token = encode_ed (&claims);
	data = g_bytes_get_data (refused_token, &len);
	g_clear_pointer (&after, ir_token_free);
	after = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (after);
	assert_int_equal (got, IR_TOKEN_REFUSED_STORE);
	assert_non_null (strstr (error->message, "damaged at line 2"));

	g_unlink (path);
	g_rmdir (sub);
	g_rmdir (dir);
}

/* The used-token store by itself: what a file may hold, table-driven. */
typedef struct {
	const char *name;
	const char *contents;	/* NULL: no file yet */
	const char *error_part; /* NULL: opens */
	const char *after_open; /* the file after a successful open */
	gboolean has_0102;	/* contains cti 01 02 */
} SeenRow;

#define SEEN_HDR IR_TOKEN_SEEN_MAGIC "\n"
static const SeenRow seen_rows[] = {
    {"new file", NULL, NULL, SEEN_HDR, FALSE},
    {"empty file", "", NULL, SEEN_HDR, FALSE},
    {"header only", SEEN_HDR, NULL, SEEN_HDR, FALSE},
    {"one record", SEEN_HDR "0102 1800000000\n", NULL, SEEN_HDR "0102 1800000000\n", TRUE},
    {"torn header", "imeirestore-tok", NULL, SEEN_HDR, FALSE},
    {"torn record", SEEN_HDR "0102 1800000000\n03", NULL, SEEN_HDR "0102 1800000000\n", TRUE},
    {"torn record digits", SEEN_HDR "0304 18", NULL, SEEN_HDR, FALSE},
    {"wrong header", "imeirestore-token-seen 2\n", "line 1", NULL, FALSE},
    {"other file", "# hello\n", "line 1", NULL, FALSE},
    {"uppercase hex", SEEN_HDR "0A0B 1\n", "line 2", NULL, FALSE},
    {"odd hex", SEEN_HDR "0a0 1\n", "line 2", NULL, FALSE},
    {"no exp", SEEN_HDR "0a0b\n", "line 2", NULL, FALSE},
    {"empty exp", SEEN_HDR "0a0b \n", "line 2", NULL, FALSE},
    {"exp not a number", SEEN_HDR "0a0b 1x\n", "line 2", NULL, FALSE},
    {"blank line", SEEN_HDR "\n", "line 2", NULL, FALSE},
    {"duplicate record", SEEN_HDR "0102 1\n0102 2\n", "recorded twice", NULL, FALSE},
    {"damage after good line", SEEN_HDR "0102 1\nzz 1\n0304 1\n", "line 3", NULL, FALSE},
};

static void
test_seen_store (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-seen-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "seen", NULL);
	static const guint8 cti[] = {0x01, 0x02};
	static const guint8 cti2[] = {0xab, 0xcd, 0xef};

	for (guint i = 0; i < G_N_ELEMENTS (seen_rows); i++) {
		const SeenRow *row = &seen_rows[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = NULL;
		g_autofree char *after = NULL;
		gboolean has = FALSE, replayed = TRUE;

		g_unlink (path);
		if (row->contents != NULL)
			assert_true (g_file_set_contents (path, row->contents, -1, NULL));
		seen = ir_token_seen_open (path, &error);
		if (row->error_part != NULL) {
			if (seen != NULL)
				fail_msg ("%s: opened", row->name);
			if (strstr (error->message, row->error_part) == NULL ||
			    strstr (error->message, path) == NULL)
				fail_msg ("%s: '%s'", row->name, error->message);
			continue;
		}
		if (seen == NULL)
			fail_msg ("%s: %s", row->name, error->message);
		assert_true (g_file_get_contents (path, &after, NULL, NULL));
		if (g_strcmp0 (after, row->after_open) != 0)
			fail_msg ("%s: file is '%s'", row->name, after);
		assert_true (ir_token_seen_contains (seen, cti, sizeof (cti), &has, &error));
		if (has != row->has_0102)
			fail_msg ("%s: contains 0102 = %d", row->name, has);
		/* a new cti is added once, then refused as replayed */
		assert_true (ir_token_seen_add (seen, cti2, sizeof (cti2), 42, &replayed, &error));
		assert_false (replayed);
		assert_false (ir_token_seen_add (seen, cti2, sizeof (cti2), 42, &replayed, &error));
		assert_true (replayed);
		assert_non_null (strstr (error->message, "abcdef"));
		g_clear_error (&error);
		assert_true (ir_token_seen_contains (seen, cti2, sizeof (cti2), &has, &error));
		assert_true (has);
		g_free (after);
		after = NULL;
		assert_true (g_file_get_contents (path, &after, NULL, NULL));
		assert_true (g_str_has_suffix (after, "\nabcdef 42\n"));
	}

	/* a cti of a size no token has is refused before the file is touched */
	g_unlink (path);
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = ir_token_seen_open (path, &error);
		guint8 big[65] = {0};
		gboolean replayed = TRUE;
		assert_false (ir_token_seen_add (seen, big, sizeof (big), 1, &replayed, &error));
		assert_false (replayed);
		assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
	}
	/* a store that cannot be created says where */
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = ir_token_seen_open ("/proc/ir-no/seen", &error);
		assert_null (seen);
		assert_non_null (strstr (error->message, "/proc/ir-no/seen"));
	}
	g_unlink (path);
	g_rmdir (dir);
}

/* ---- the strict CBOR layer by itself ---- */

typedef struct {
	const char *hex;
	gboolean ok;
} CborRow;

static const CborRow cbor_rows[] = {
    {"00", TRUE},
    {"17", TRUE},
    {"1818", TRUE},
    {"1817", FALSE}, /* 23 in two bytes */
    {"1900ff", FALSE},
    {"19 0100", TRUE},
    {"1a0000ffff", FALSE},
    {"1b00000000ffffffff", FALSE},
    {"1b0000000100000000", TRUE},
    {"3817", FALSE},
    {"20", TRUE},
    {"a2 01 00 20 00", TRUE}, /* 1 before -1: 0x01 < 0x20 */
    {"a2 20 00 01 00", FALSE},
    {"a2 17 00 1818 00", TRUE},
    {"a2 61 61 00 61 62 00", TRUE},
    {"a2 61 62 00 61 61 00", FALSE},
    {"a2 62 6161 00 61 62 00", FALSE}, /* bytewise: 0x62.. > 0x61.. */
    {"a2 61 62 00 62 6161 00", TRUE},
    {"a1 a0 00", TRUE}, /* maps as keys are CBOR, the token rejects them later */
    {"a2 00 00 00 01", FALSE},
    {"5f ff", FALSE},
    {"7f ff", FALSE},
    {"9f ff", FALSE},
    {"bf ff", FALSE},
    {"f4", TRUE},
    {"f5", TRUE},
    {"f6", TRUE},
    {"f7", FALSE},
    {"f8 ff", FALSE},
    {"fb 3ff0000000000000", FALSE},
    {"62 c328", FALSE}, /* bad UTF-8 */
    {"62 c3a9", TRUE},
    {"00 00", FALSE},
    {"", FALSE},
};

static void
test_cbor_strict (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (cbor_rows); i++) {
		g_autoptr (GBytes) bytes = hex_bytes (cbor_rows[i].hex);
		g_autoptr (GError) error = NULL;
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (bytes, &len);
		gboolean ok = ir_cbor_validate (data, len, "row", &error);
		if (ok != cbor_rows[i].ok)
			fail_msg ("row %u (%s): got %s (%s)",
				  i,
				  cbor_rows[i].hex,
				  ok ? "accepted" : "refused",
				  error != NULL ? error->message : "");
		if (!ok)
			assert_int_equal (error->code, IR_ERROR_PROTOCOL);
	}
}

/* The encoder always writes the shortest form, whatever the value. */
static void
test_cbor_encode_shortest (void **state)
{
	const gint64 values[] = {0,
				 23,
				 24,
				 255,
				 256,
				 65535,
				 65536,
				 G_MAXUINT32,
				 (gint64)G_MAXUINT32 + 1,
				 G_MAXINT64,
				 -1,
				 -24,
				 -25,
				 -256,
				 -257,
				 -65537,
				 G_MININT64};
	const gsize sizes[] = {1, 1, 2, 2, 3, 3, 5, 5, 9, 9, 1, 1, 2, 2, 3, 5, 9};

	for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
		g_autoptr (cbor_item_t) item = ir_cbor_build_int (values[i]);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) bytes = ir_cbor_serialize (item, &error);
		IrCborReader reader;
		gint64 back = 0;

		assert_non_null (bytes);
		assert_int_equal (g_bytes_get_size (bytes), sizes[i]);
		ir_cbor_reader_init (
		    &reader, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "x");
		if (values[i] != G_MININT64) {
			assert_true (ir_cbor_reader_read_int (&reader, &back, &error));
			assert_int_equal (back, values[i]);
		}
	}
}

/* A map built out of canonical order never reaches a signer. */
static void
test_cbor_encode_unsorted (void **state)
{
	g_autoptr (cbor_item_t) map = cbor_new_definite_map (2);
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) bytes = NULL;

	ir_cbor_map_add_take (map, ir_cbor_build_int (4), ir_cbor_build_int (0));
	ir_cbor_map_add_take (map, ir_cbor_build_int (1), ir_cbor_build_int (0));
	bytes = ir_cbor_serialize (map, &error);
	assert_null (bytes);
	assert_non_null (strstr (error->message, "canonical order"));
}

static void
test_refusal_names (void **state)
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
	    cmocka_unit_test (test_claims),
	    cmocka_unit_test (test_encode_refuses),
	    cmocka_unit_test (test_encode_key_checks),
	    cmocka_unit_test (test_headers),
	    cmocka_unit_test (test_payload_strict),
	    cmocka_unit_test (test_envelope),
	    cmocka_unit_test (test_raw),
	    cmocka_unit_test (test_too_large),
	    cmocka_unit_test (test_truncation_and_tampering),
	    cmocka_unit_test (test_tampered_payload),
	    cmocka_unit_test (test_vector_ed25519),
	    cmocka_unit_test (test_vector_es256),
	    cmocka_unit_test (test_replay),
	    cmocka_unit_test (test_seen_store),
	    cmocka_unit_test (test_cbor_strict),
	    cmocka_unit_test (test_cbor_encode_shortest),
	    cmocka_unit_test (test_cbor_encode_unsorted),
	    cmocka_unit_test (test_refusal_names),
	};
	return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
