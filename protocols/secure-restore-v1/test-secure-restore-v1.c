/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ir-family-codes.h"
#include "ir-protocol-test.h"
#include "ir-token-private.h"
#include "ir-token.h"
#include "secure-restore-v1/secure-restore-v1-host.h"
#include "ir-protocols.h"

/* secure-restore-v1: the device model (challenge, restore, every refusal
 * with nothing written), the host's pure parsers, and the host driver
 * against the model. Tokens are signed at test time with the keys of a
 * development PKI that certs/gen-dev-pki.sh makes into a temporary folder. */

#define FAMILY "secure-restore-v1"
#define HWID   "sr1-hw-000001"
#define SERIAL "SN0001" /* ir_protocol_test_state_new()'s */
#define KID_ED "dev-ed25519-1"
#define KID_ES "dev-es256-1"
#define IMEI_D "352099002000020"

static char *pki_dir;
static IrTrustStore *trust;
static EVP_PKEY *key_ed;
static EVP_PKEY *key_es;
static EVP_PKEY *key_other; /* an Ed25519 key the phone does not hold */

/* ---- fixture: the PKI, the phone, tokens ---- */

static int
test_secure_restore_v1_setup_pki (void **cstate)
{
	g_autofree char *script = NULL;
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;
	g_autoptr (GError) error = NULL;
	const char *srcdir = g_getenv ("IR_SRCDIR");
	IrTokenAlg alg;
	int status = 0;

	if (srcdir == NULL)
		fail_msg ("IR_SRCDIR is not set: run the tests with meson test");
	pki_dir = g_dir_make_tmp ("ir-secure-pki-XXXXXX", &error);
	assert_non_null (pki_dir);
	script = g_build_filename (srcdir, "certs", "gen-dev-pki.sh", NULL);
	{
		const char *argv[] = {script, pki_dir, NULL};
		if (!g_spawn_sync (NULL,
				   (char **)argv,
				   NULL,
				   G_SPAWN_STDOUT_TO_DEV_NULL,
				   NULL,
				   NULL,
				   NULL,
				   &err,
				   &status,
				   &error))
			fail_msg ("cannot run %s: %s", script, error->message);
	}
	if (!g_spawn_check_wait_status (status, NULL))
		fail_msg ("gen-dev-pki.sh failed: %s", err);
	path = g_build_filename (pki_dir, "trust-store.conf", NULL);
	trust = ir_trust_store_load (path, &error);
	if (trust == NULL)
		fail_msg ("%s", error->message);
	g_free (path);
	path = g_build_filename (pki_dir, "token-ed25519.key", NULL);
	key_ed = ir_token_signing_key_load (path, &alg, &error);
	assert_non_null (key_ed);
	assert_int_equal (alg, IR_TOKEN_ALG_EDDSA);
	g_free (path);
	path = g_build_filename (pki_dir, "token-es256.key", NULL);
	key_es = ir_token_signing_key_load (path, &alg, &error);
	assert_non_null (key_es);
	assert_int_equal (alg, IR_TOKEN_ALG_ES256);
	key_other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	assert_non_null (key_other);
	return 0;
}

static int
test_secure_restore_v1_teardown_pki (void **cstate)
{
	g_autoptr (GDir) dir = g_dir_open (pki_dir, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *path = g_build_filename (pki_dir, name, NULL);
		(void)g_unlink (path);
	}
	(void)g_rmdir (pki_dir);
	g_clear_pointer (&pki_dir, g_free);
	g_clear_pointer (&trust, ir_trust_store_unref);
	g_clear_pointer (&key_ed, EVP_PKEY_free);
	g_clear_pointer (&key_es, EVP_PKEY_free);
	g_clear_pointer (&key_other, EVP_PKEY_free);
	return 0;
}

/* A dual-IMEI secure phone holding IMEI_A and IMEI_B, numeric errors on. */
static IrSimState *
test_secure_restore_v1_secure_state_new (guint n_slots)
{
	IrSimState *state = ir_protocol_test_state_new (
	    FAMILY, "imeirestore reference phone", "SR1", n_slots, IR_TEST_IMEI_A, IR_TEST_IMEI_B);

	state->hwid = g_strdup (HWID);
	state->trust_store = ir_trust_store_ref (trust);
	state->cmee = 1;
	return state;
}

static char *
test_secure_restore_v1_dispatch (IrSimState *state, const char *line)
{
	GString *reply = g_string_new (NULL);

	ir_device_model_dispatch (state, line, reply);
	return g_string_free (reply, FALSE);
}

static IrAtResponse *
test_secure_restore_v1_response_from (const char *command, const char *answer)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new (command);
	g_autoptr (GError) error = NULL;
	gboolean done = FALSE;

	if (!ir_at_parser_feed (parser, (const guint8 *)answer, strlen (answer), &done, &error))
		fail_msg ("answer to %s: %s", command, error->message);
	assert_true (done);
	return ir_at_parser_steal_response (parser);
}

/* AT+IRCHAL on the model, read back with the host's own parser. */
static IrChallenge *
test_secure_restore_v1_challenge (IrSimState *state)
{
	g_autofree char *reply = test_secure_restore_v1_dispatch (state, "AT+IRCHAL");
	g_autoptr (IrAtResponse) resp = test_secure_restore_v1_response_from ("AT+IRCHAL", reply);
	g_autoptr (GError) error = NULL;
	IrChallenge *chal = secure_restore_v1_parse_challenge (resp, &error);

	if (chal == NULL)
		fail_msg ("challenge: %s (answer %s)", error->message, reply);
	return chal;
}

static gint64
test_secure_restore_v1_now (void)
{
	return g_get_real_time () / G_USEC_PER_SEC;
}

/* The claims a brand server would sign for @chal on @state's phone. */
static void
test_secure_restore_v1_good_claims (IrTokenClaims *c,
				    const IrSimState *state,
				    const IrChallenge *chal)
{
	static const guint8 cti[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	memset (c, 0, sizeof (*c));
	c->iss = g_strdup (ir_trust_store_get_issuer (trust));
	c->aud = g_strdup (ir_trust_store_get_audience (trust));
	c->iat = test_secure_restore_v1_now () - 10;
	c->nbf = c->iat;
	c->exp = c->iat + 600;
	c->cti = g_bytes_new (cti, sizeof (cti));
	memset (c->cnf, 0xaa, sizeof (c->cnf));
	c->hardware_id = g_strdup (chal->hardware_id);
	c->serial = g_strdup (state->serial);
	c->nonce = g_bytes_ref (chal->nonce);
	c->has_counter = TRUE;
	c->counter = chal->counter;
	c->has_current = TRUE;
	for (guint i = 0; i < state->n_slots; i++)
		c->current_imei[i] = g_strdup (state->imei[i]);
	c->imei[0] = g_strdup (IR_TEST_IMEI_C);
	if (state->n_slots > 1)
		c->imei[1] = g_strdup (IMEI_D);
	c->phase = g_strdup ("phase-1");
	c->centre = g_strdup ("DL-0001");
}

typedef enum {
	SIGN_ED,	    /* ir_token_encode(), Ed25519, as the server does */
	SIGN_ES,	    /* ir_token_encode(), ES256 */
	SIGN_UNCHECKED,	    /* Ed25519 without the encoder's claim checks */
	SIGN_UNKNOWN_KID,   /* a kid the phone does not hold */
	SIGN_ALG_CONFUSION, /* ES256 under the Ed25519 kid */
	SIGN_OTHER_KEY,	    /* the Ed25519 kid, signed by another key */
	SIGN_CRIT,	    /* a crit header in the protected header */
	TEXT_GIVEN,	    /* no token: the row's text as is */
	TEXT_TOO_LARGE,	    /* no token: one character past the largest */
} Signing;

/* {1: -8, 2: [1], 4: h'"dev-ed25519-1"'} */
static GBytes *
test_secure_restore_v1_crit_protected (void)
{
	GByteArray *arr = g_byte_array_new ();
	static const guint8 head[] = {0xa3, 0x01, 0x27, 0x02, 0x81, 0x01, 0x04, 0x40 | 13};

	g_byte_array_append (arr, head, sizeof (head));
	g_byte_array_append (arr, (const guint8 *)KID_ED, strlen (KID_ED));
	return g_byte_array_free_to_bytes (arr);
}

static GBytes *
test_secure_restore_v1_sign (const IrTokenClaims *c, Signing how)
{
	g_autoptr (GError) error = NULL;
	GBytes *token = NULL;

	switch (how) {
	case SIGN_ED:
		token = ir_token_encode (c, IR_TOKEN_ALG_EDDSA, KID_ED, key_ed, &error);
		break;
	case SIGN_ES:
		token = ir_token_encode (c, IR_TOKEN_ALG_ES256, KID_ES, key_es, &error);
		break;
	case SIGN_UNCHECKED:
		token = ir_token_encode_unchecked (c, IR_TOKEN_ALG_EDDSA, KID_ED, key_ed, &error);
		break;
	case SIGN_UNKNOWN_KID:
		token = ir_token_encode (c, IR_TOKEN_ALG_EDDSA, "dev-ed25519-9", key_ed, &error);
		break;
	case SIGN_ALG_CONFUSION:
		token = ir_token_encode (c, IR_TOKEN_ALG_ES256, KID_ED, key_es, &error);
		break;
	case SIGN_OTHER_KEY:
		token = ir_token_encode (c, IR_TOKEN_ALG_EDDSA, KID_ED, key_other, &error);
		break;
	case SIGN_CRIT: {
		g_autoptr (GBytes) protected = test_secure_restore_v1_crit_protected ();
		g_autoptr (GBytes) payload = ir_token_build_payload (c, &error);
		assert_non_null (payload);
		token = ir_token_sign_raw (protected, payload, IR_TOKEN_ALG_EDDSA, key_ed, &error);
		break;
	}
	default:
		g_assert_not_reached ();
	}
	if (token == NULL)
		fail_msg ("cannot sign the test token: %s", error->message);
	return token;
}

static char *
test_secure_restore_v1_restore_line (const char *text)
{
	return g_strdup_printf ("AT+IRRESTORE=\"%s\"", text);
}

/* AT+IRRESTORE with @token on the model; the whole answer. */
static char *
test_secure_restore_v1_restore (IrSimState *state, GBytes *token)
{
	g_autofree char *text = ir_token_to_base64url (token);
	g_autofree char *line = test_secure_restore_v1_restore_line (text);

	return test_secure_restore_v1_dispatch (state, line);
}

static void
test_secure_restore_v1_assert_unwritten (const IrSimState *state)
{
	assert_string_equal (state->imei[0], IR_TEST_IMEI_A);
	if (state->n_slots > 1)
		assert_string_equal (state->imei[1], IR_TEST_IMEI_B);
	assert_false (state->dirty);
}

/* ---- the wire codes are the README's table ---- */

static const struct {
	IrTokenRefusal refusal;
	int code;
} code_rows[] = {
    {IR_TOKEN_REFUSED_MALFORMED, 701},
    {IR_TOKEN_REFUSED_TOO_LARGE, 702},
    {IR_TOKEN_REFUSED_CRITICAL_HEADER, 703},
    {IR_TOKEN_REFUSED_UNKNOWN_KID, 704},
    {IR_TOKEN_REFUSED_ALGORITHM, 705},
    {IR_TOKEN_REFUSED_SIGNATURE, 706},
    {IR_TOKEN_REFUSED_MISSING_CLAIM, 707},
    {IR_TOKEN_REFUSED_ISSUER, 708},
    {IR_TOKEN_REFUSED_AUDIENCE, 709},
    {IR_TOKEN_REFUSED_EXPIRED, 710},
    {IR_TOKEN_REFUSED_NOT_YET_VALID, 711},
    {IR_TOKEN_REFUSED_ISSUED_IN_FUTURE, 712},
    {IR_TOKEN_REFUSED_LIFETIME, 713},
    {IR_TOKEN_REFUSED_CNF, 714},
    {IR_TOKEN_REFUSED_DEVICE, 715},
    {IR_TOKEN_REFUSED_NONCE, 716},
    {IR_TOKEN_REFUSED_COUNTER, 717},
    {IR_TOKEN_REFUSED_CURRENT_IMEI, 718},
    {IR_TOKEN_REFUSED_IMEI, 719},
    {IR_TOKEN_REFUSED_CENTRE, 720},
    {IR_TOKEN_REFUSED_REPLAYED, 721},
    {IR_TOKEN_REFUSED_STORE, 722},
};

/* Each code is 700 + its refusal (so a reordered IrTokenRefusal fails here,
 * not on the wire), and the host reads it back as that refusal, numeric and
 * verbose. */
static void
test_secure_restore_v1_codes (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (code_rows); i++) {
		const char *name = ir_token_refusal_to_string (code_rows[i].refusal);
		g_autofree char *numeric =
		    g_strdup_printf ("\r\n+CME ERROR: %d\r\n", code_rows[i].code);
		g_autofree char *verbose = g_strdup_printf ("\r\n+CME ERROR: token %s\r\n", name);
		const char *answers[] = {numeric, verbose};
		/* the restore flow tells a spent test_secure_restore_v1_challenge (nonce, counter)
		 * from other refusals by ", <name>)" after the phone's answer */
		g_autofree char *tag = g_strdup_printf (", %s)", name);

		assert_int_equal (IR_SECURE_CME_TOKEN_BASE + (int)code_rows[i].refusal,
				  code_rows[i].code);
		for (guint j = 0; j < G_N_ELEMENTS (answers); j++) {
			g_autoptr (IrAtResponse) resp =
			    test_secure_restore_v1_response_from ("AT+IRRESTORE", answers[j]);
			g_autoptr (GError) error = NULL;
			assert_false (
			    secure_restore_v1_parse_check_restore (resp, "model:x", &error));
			ir_protocol_test_assert_error (error, IR_ERROR_TOKEN_REFUSED, tag);
			ir_protocol_test_assert_error (
			    error, IR_ERROR_TOKEN_REFUSED, "nothing was written");
		}
	}
	assert_int_equal (G_N_ELEMENTS (code_rows), IR_TOKEN_REFUSED_STORE);
}

/* ---- device model ---- */

/* Commands other than a real restore, in order on one phone. */
static const IrTestModelRow model_rows[] = {
    {"AT+IRIMEI?",
     IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\"") IR_LINE ("+IRIMEI: 1,\"" IR_TEST_IMEI_B "\"")
	 IR_OK},
    {"at+irimei?",
     IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\"") IR_LINE ("+IRIMEI: 1,\"" IR_TEST_IMEI_B "\"")
	 IR_OK},
    {"AT+IRIMEI=?", IR_LINE ("+IRIMEI: (0-1)") IR_OK},
    /* no IMEI write without a token */
    {"AT+IRIMEI=0,\"" IR_TEST_IMEI_C "\"", IR_CME (3)},
    {"AT+IRIMEI", IR_ERROR_LINE},
    {"AT+IRCHAL?", IR_ERROR_LINE},
    {"AT+IRCHAL=1", IR_ERROR_LINE},
    {"AT+IRCHAL=?", IR_OK},
    {"AT+IRRESTORE=?", IR_LINE ("+IRRESTORE: 5464") IR_OK},
    {"AT+IRRESTORE", IR_ERROR_LINE},
    {"AT+IRRESTORE?", IR_ERROR_LINE},
    /* malformed parameters */
    {"AT+IRRESTORE=", IR_CME (50)},
    {"AT+IRRESTORE=abc", IR_CME (50)},
    {"AT+IRRESTORE=\"abc\",\"def\"", IR_CME (50)},
    {"AT+IRRESTORE=\"abc\"x", IR_CME (50)},
    {"AT+IRRESTORE=\"abc", IR_CME (50)},
    /* well-formed, but no challenge is outstanding */
    {"AT+IRRESTORE=\"AAAA\"", IR_CME (716)},
    /* the 3gpp base answers the identity */
    {"AT+CGMI", IR_LINE ("imeirestore reference phone") IR_OK},
    {"AT+CGSN=1", IR_LINE ("+CGSN: \"" IR_TEST_IMEI_A "\"") IR_OK},
    {"AT+IRFOO", IR_ERROR_LINE},
};

static void
test_secure_restore_v1_model_rows (void **cstate)
{
	IrSimState *state = test_secure_restore_v1_secure_state_new (2);

	ir_protocol_test_model_rows (state, model_rows, G_N_ELEMENTS (model_rows));
	test_secure_restore_v1_assert_unwritten (state);
	assert_int_equal (state->counter, 0);
	ir_protocol_test_state_free (state);
}

/* Every challenge is fresh, counts up by one, and is saved. */
static void
test_secure_restore_v1_challenge_fresh (void **cstate)
{
	IrSimState *state = test_secure_restore_v1_secure_state_new (2);
	g_autoptr (GPtrArray) nonces =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);

	state->counter = 41; /* as loaded from a state file */
	for (guint i = 0; i < 5; i++) {
		g_autoptr (IrChallenge) chal = NULL;
		state->dirty = FALSE;
		chal = test_secure_restore_v1_challenge (state);
		assert_string_equal (chal->hardware_id, HWID);
		assert_int_equal (g_bytes_get_size (chal->nonce), IR_SECURE_NONCE_LEN);
		assert_int_equal (chal->counter, 42 + i);
		assert_int_equal (state->counter, 42 + i);
		assert_true (g_bytes_equal (chal->nonce, state->nonce));
		assert_true (state->dirty);
		for (guint j = 0; j < nonces->len; j++)
			assert_false (g_bytes_equal (chal->nonce, g_ptr_array_index (nonces, j)));
		g_ptr_array_add (nonces, g_bytes_ref (chal->nonce));
	}
	/* a counter at its end can prove nothing new */
	state->counter = G_MAXUINT64;
	{
		g_autofree char *reply = test_secure_restore_v1_dispatch (state, "AT+IRCHAL");
		assert_string_equal (reply, IR_CME (3));
		assert_true (state->counter == G_MAXUINT64);
	}
	/* no hardware id, no challenge */
	state->counter = 0;
	g_clear_pointer (&state->hwid, g_free);
	{
		g_autofree char *reply = test_secure_restore_v1_dispatch (state, "AT+IRCHAL");
		assert_string_equal (reply, IR_CME (4));
	}
	ir_protocol_test_state_free (state);
}

/* The good token writes the slots it names, once. */
static void
test_secure_restore_v1_good (void **cstate)
{
	IrSimState *state = test_secure_restore_v1_secure_state_new (2);
	g_autoptr (IrChallenge) chal = test_secure_restore_v1_challenge (state);
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;

	test_secure_restore_v1_good_claims (&claims, state, chal);
	token = test_secure_restore_v1_sign (&claims, SIGN_ED);
	state->dirty = FALSE;
	first = test_secure_restore_v1_restore (state, token);
	assert_string_equal (first, IR_OK);
	assert_string_equal (state->imei[0], IR_TEST_IMEI_C);
	assert_string_equal (state->imei[1], IMEI_D);
	assert_true (state->dirty);
	assert_null (state->nonce);

	/* the very same token again: its challenge is spent */
	state->dirty = FALSE;
	second = test_secure_restore_v1_restore (state, token);
	assert_string_equal (second, IR_CME (716));
	assert_string_equal (state->imei[0], IR_TEST_IMEI_C);
	assert_false (state->dirty);
	ir_protocol_test_state_free (state);
}

/* ES256, one slot named, the other left alone; cnf and centre are for
 * the workstation, not the phone. */
static void
test_secure_restore_v1_es256_one_slot (void **cstate)
{
	IrSimState *state = test_secure_restore_v1_secure_state_new (2);
	g_autoptr (IrChallenge) chal = test_secure_restore_v1_challenge (state);
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autofree char *reply = NULL;

	test_secure_restore_v1_good_claims (&claims, state, chal);
	g_clear_pointer (&claims.imei[0], g_free);
	memset (claims.cnf, 0x55, sizeof (claims.cnf));
	g_free (claims.centre);
	claims.centre = g_strdup ("XX-9999");
	token = test_secure_restore_v1_sign (&claims, SIGN_ES);
	reply = test_secure_restore_v1_restore (state, token);
	assert_string_equal (reply, IR_OK);
	assert_string_equal (state->imei[0], IR_TEST_IMEI_A);
	assert_string_equal (state->imei[1], IMEI_D);
	ir_protocol_test_state_free (state);
}

typedef struct {
	const char *name;
	void (*mutate) (IrTokenClaims *c, const IrSimState *state);
	Signing how;
	const char *text; /* TEXT_GIVEN */
	const char *answer;
} RefusalRow;

static void
test_secure_restore_v1_set_text (char **field, const char *value)
{
	g_free (*field);
	*field = g_strdup (value);
}

static void
test_secure_restore_v1_m_no_centre (IrTokenClaims *c, const IrSimState *s)
{
	g_clear_pointer (&c->centre, g_free);
}

static void
test_secure_restore_v1_m_issuer (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->iss, "imei-brandd.elsewhere");
}

static void
test_secure_restore_v1_m_audience (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->aud, "someone-else");
}

static void
test_secure_restore_v1_m_expired (IrTokenClaims *c, const IrSimState *s)
{
	c->iat = c->nbf = test_secure_restore_v1_now () - 1000;
	c->exp = c->iat + 600;
}

static void
test_secure_restore_v1_m_not_yet_valid (IrTokenClaims *c, const IrSimState *s)
{
	c->iat = test_secure_restore_v1_now ();
	c->nbf = c->iat + 600;
	c->exp = c->iat + 900;
}

static void
test_secure_restore_v1_m_issued_in_future (IrTokenClaims *c, const IrSimState *s)
{
	c->nbf = test_secure_restore_v1_now ();
	c->iat = c->nbf + 300;
	c->exp = c->iat + 600;
}

static void
test_secure_restore_v1_m_lifetime (IrTokenClaims *c, const IrSimState *s)
{
	c->exp = c->iat + IR_TOKEN_MAX_LIFETIME + 1;
}

static void
test_secure_restore_v1_m_other_hwid (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->hardware_id, "sr1-hw-999999");
}

static void
test_secure_restore_v1_m_other_serial (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->serial, "SN9999");
}

static void
test_secure_restore_v1_m_other_nonce (IrTokenClaims *c, const IrSimState *s)
{
	static const guint8 other[IR_SECURE_NONCE_LEN] = {0x5a};

	g_bytes_unref (c->nonce);
	c->nonce = g_bytes_new (other, sizeof (other));
}

/* a legacy family's token: bound to serial and IMEIs, no challenge */
static void
test_secure_restore_v1_m_no_nonce (IrTokenClaims *c, const IrSimState *s)
{
	g_clear_pointer (&c->nonce, g_bytes_unref);
	c->has_counter = FALSE;
}

static void
test_secure_restore_v1_m_counter (IrTokenClaims *c, const IrSimState *s)
{
	c->counter++;
}

static void
test_secure_restore_v1_m_current_imei (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->current_imei[0], IR_TEST_IMEI_C);
}

static void
test_secure_restore_v1_m_imei_check_digit (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->imei[0], IR_TEST_IMEI_BAD_CD);
}

static void
test_secure_restore_v1_m_imei_factory_default (IrTokenClaims *c, const IrSimState *s)
{
	test_secure_restore_v1_set_text (&c->imei[1], IR_TEST_IMEI_ZERO);
}

static const RefusalRow refusal_rows[] = {
    {"text-alphabet", NULL, TEXT_GIVEN, "AB+/", IR_CME (701)},
    {"text-padding", NULL, TEXT_GIVEN, "AAAA==", IR_CME (701)},
    {"text-trailing-bits", NULL, TEXT_GIVEN, "AB", IR_CME (701)},
    {"not-cbor", NULL, TEXT_GIVEN, "AAAA", IR_CME (701)},
    {"too-large", NULL, TEXT_TOO_LARGE, NULL, IR_CME (702)},
    {"critical-header", NULL, SIGN_CRIT, NULL, IR_CME (703)},
    {"unknown-kid", NULL, SIGN_UNKNOWN_KID, NULL, IR_CME (704)},
    {"algorithm-confusion", NULL, SIGN_ALG_CONFUSION, NULL, IR_CME (705)},
    {"wrong-key", NULL, SIGN_OTHER_KEY, NULL, IR_CME (706)},
    {"missing-claim", test_secure_restore_v1_m_no_centre, SIGN_UNCHECKED, NULL, IR_CME (707)},
    {"issuer", test_secure_restore_v1_m_issuer, SIGN_ED, NULL, IR_CME (708)},
    {"audience", test_secure_restore_v1_m_audience, SIGN_ED, NULL, IR_CME (709)},
    {"expired", test_secure_restore_v1_m_expired, SIGN_ED, NULL, IR_CME (710)},
    {"not-yet-valid", test_secure_restore_v1_m_not_yet_valid, SIGN_ED, NULL, IR_CME (711)},
    {"issued-in-future", test_secure_restore_v1_m_issued_in_future, SIGN_ED, NULL, IR_CME (712)},
    {"lifetime", test_secure_restore_v1_m_lifetime, SIGN_UNCHECKED, NULL, IR_CME (713)},
    {"another-device-hwid", test_secure_restore_v1_m_other_hwid, SIGN_ED, NULL, IR_CME (715)},
    {"another-device-serial", test_secure_restore_v1_m_other_serial, SIGN_ED, NULL, IR_CME (715)},
    {"another-nonce", test_secure_restore_v1_m_other_nonce, SIGN_ED, NULL, IR_CME (716)},
    {"no-nonce", test_secure_restore_v1_m_no_nonce, SIGN_ED, NULL, IR_CME (716)},
    {"counter", test_secure_restore_v1_m_counter, SIGN_ED, NULL, IR_CME (717)},
    {"current-imei", test_secure_restore_v1_m_current_imei, SIGN_ED, NULL, IR_CME (718)},
    {"imei-check-digit",
     test_secure_restore_v1_m_imei_check_digit,
     SIGN_UNCHECKED,
     NULL,
     IR_CME (719)},
    {"imei-factory-default",
     test_secure_restore_v1_m_imei_factory_default,
     SIGN_UNCHECKED,
     NULL,
     IR_CME (719)},
};

static char *
test_secure_restore_v1_refusal_text (const RefusalRow *row,
				     const IrSimState *state,
				     const IrChallenge *chal)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;

	if (row->how == TEXT_GIVEN)
		return g_strdup (row->text);
	if (row->how == TEXT_TOO_LARGE) {
		/* one more 4-character group than the largest token takes */
		GString *text = g_string_new (NULL);
		for (guint i = 0; i < IR_SECURE_TOKEN_TEXT_MAX + 4; i++)
			g_string_append_c (text, 'A');
		return g_string_free (text, FALSE);
	}
	test_secure_restore_v1_good_claims (&claims, state, chal);
	if (row->mutate != NULL)
		row->mutate (&claims, state);
	token = test_secure_restore_v1_sign (&claims, row->how);
	return ir_token_to_base64url (token);
}

/* Each refusal has its code; nothing is written; the challenge is spent,
 * so that a good token for it is refused afterwards. */
static void
test_secure_restore_v1_refusals (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (refusal_rows); i++) {
		const RefusalRow *row = &refusal_rows[i];
		IrSimState *state = test_secure_restore_v1_secure_state_new (2);
		g_autoptr (IrChallenge) chal = test_secure_restore_v1_challenge (state);
		g_autofree char *text = test_secure_restore_v1_refusal_text (row, state, chal);
		g_autofree char *line = test_secure_restore_v1_restore_line (text);
		g_autofree char *reply = NULL;
		g_autofree char *after = NULL;
		g_auto (IrTokenClaims) claims = {0};
		g_autoptr (GBytes) good = NULL;

		state->dirty = FALSE;
		reply = test_secure_restore_v1_dispatch (state, line);
		if (g_strcmp0 (reply, row->answer) != 0) {
			g_autofree char *got = g_strescape (reply, NULL);
			fail_msg ("%s: answered \"%s\"", row->name, got);
		}
		test_secure_restore_v1_assert_unwritten (state);
		assert_null (state->nonce);

		test_secure_restore_v1_good_claims (&claims, state, chal);
		good = test_secure_restore_v1_sign (&claims, SIGN_ED);
		after = test_secure_restore_v1_restore (state, good);
		if (g_strcmp0 (after, IR_CME (716)) != 0)
			fail_msg ("%s: the challenge was not spent", row->name);
		test_secure_restore_v1_assert_unwritten (state);
		ir_protocol_test_state_free (state);
	}
}

/* A token made for an older challenge is refused once a newer one exists. */
static void
test_secure_restore_v1_superseded (void **cstate)
{
	IrSimState *state = test_secure_restore_v1_secure_state_new (2);
	g_autoptr (IrChallenge) old = test_secure_restore_v1_challenge (state);
	g_autoptr (IrChallenge) fresh = NULL;
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autofree char *reply = NULL;

	test_secure_restore_v1_good_claims (&claims, state, old);
	token = test_secure_restore_v1_sign (&claims, SIGN_ED);
	fresh = test_secure_restore_v1_challenge (state);
	state->dirty = FALSE;
	reply = test_secure_restore_v1_restore (state, token);
	assert_string_equal (reply, IR_CME (716));
	test_secure_restore_v1_assert_unwritten (state);
	ir_protocol_test_state_free (state);
}

typedef enum {
	FAULT_READ_ONLY_SLOT2,
	FAULT_WRITE_ERROR,
	FAULT_NO_STICK,
	FAULT_ONE_SLOT,
	FAULT_NO_TRUST_STORE,
} Fault;

static const struct {
	const char *name;
	Fault fault;
	const char *answer;
} fault_rows[] = {
    /* slot 2 is write-once: slot 1 is not written either */
    {"read-only", FAULT_READ_ONLY_SLOT2, IR_CME (605)},
    {"write-error", FAULT_WRITE_ERROR, IR_CME (100)},
    /* OK, but nothing sticks: the read-back will tell */
    {"no-stick", FAULT_NO_STICK, IR_OK},
    /* the token names slot 2 of a single-IMEI phone */
    {"no-such-slot", FAULT_ONE_SLOT, IR_CME (730)},
    /* a phone without brand keys knows no kid */
    {"no-keys", FAULT_NO_TRUST_STORE, IR_CME (704)},
};

/* A good dual-slot token against a phone with a fault: nothing written. */
static void
test_secure_restore_v1_faults (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (fault_rows); i++) {
		IrSimState *state = test_secure_restore_v1_secure_state_new (2);
		g_autoptr (IrChallenge) chal = test_secure_restore_v1_challenge (state);
		g_auto (IrTokenClaims) claims = {0};
		g_autoptr (GBytes) token = NULL;
		g_autofree char *reply = NULL;

		test_secure_restore_v1_good_claims (&claims, state, chal);
		switch (fault_rows[i].fault) {
		case FAULT_READ_ONLY_SLOT2:
			state->read_only[1] = TRUE;
			break;
		case FAULT_WRITE_ERROR:
			state->write_error = g_strdup ("+CME ERROR: 100");
			break;
		case FAULT_NO_STICK:
			state->no_stick = TRUE;
			break;
		case FAULT_ONE_SLOT:
			state->n_slots = 1;
			g_clear_pointer (&state->imei[1], g_free);
			g_clear_pointer (&claims.current_imei[1], g_free);
			break;
		case FAULT_NO_TRUST_STORE:
			g_clear_pointer (&state->trust_store, ir_trust_store_unref);
			break;
		default:
			g_assert_not_reached ();
		}
		token = test_secure_restore_v1_sign (&claims, SIGN_ED);
		state->dirty = FALSE;
		reply = test_secure_restore_v1_restore (state, token);
		if (g_strcmp0 (reply, fault_rows[i].answer) != 0) {
			g_autofree char *got = g_strescape (reply, NULL);
			fail_msg ("%s: answered \"%s\"", fault_rows[i].name, got);
		}
		assert_string_equal (state->imei[0], IR_TEST_IMEI_A);
		assert_false (state->dirty);
		assert_null (state->nonce);
		ir_protocol_test_state_free (state);
	}
}

/* Refusals follow +CMEE: plain ERROR at power-up, the reason's name when
 * verbose. */
static void
test_secure_restore_v1_cmee_modes (void **cstate)
{
	const struct {
		guint cmee;
		const char *answer;
	} rows[] = {
	    {0, IR_ERROR_LINE},
	    {1, IR_CME (716)},
	    {2, IR_LINE ("+CME ERROR: token nonce")},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		IrSimState *state = test_secure_restore_v1_secure_state_new (2);
		g_autofree char *reply = NULL;
		state->cmee = rows[i].cmee;
		reply = test_secure_restore_v1_dispatch (state, "AT+IRRESTORE=\"AAAA\"");
		assert_string_equal (reply, rows[i].answer);
		ir_protocol_test_state_free (state);
	}
}

/* ---- host: pure parsers ---- */

#define NONCE16 "AAECAwQFBgcICQoLDA0ODw" /* 00 01 .. 0f */
#define A10	"AAAAAAAAAA"
#define NONCE64 A10 A10 A10 A10 A10 A10 A10 A10 "AAAAAA" /* 86 characters */

static const struct {
	const char *answer;
	const char *hwid; /* NULL: refused */
	guint64 counter;
	const char *error;
} challenge_rows[] = {
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",1") IR_OK, "hw-1", 1, NULL},
    {IR_LINE ("+IRCHAL:\"hw 1\",\"" NONCE16 "\",0") IR_OK, "hw 1", 0, NULL},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",18446744073709551615") IR_OK,
     "hw-1",
     G_MAXUINT64,
     NULL},
    /* 64 bytes of nonce, the most a token carries; 65 */
    {IR_LINE ("+IRCHAL: \"h\",\"" NONCE64 "\",7") IR_OK, "h", 7, NULL},
    {IR_LINE ("+IRCHAL: \"h\",\"" NONCE64 "A\",7") IR_OK, NULL, 0, "16 to 64 bytes"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",18446744073709551616") IR_OK,
     NULL,
     0,
     "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",01") IR_OK, NULL, 0, "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",-1") IR_OK, NULL, 0, "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\", 1") IR_OK, NULL, 0, "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",") IR_OK, NULL, 0, "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\",1,2") IR_OK, NULL, 0, "the counter"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "\"") IR_OK, NULL, 0, "no comma after the nonce"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"AAECAwQFBgcICQoLDA0O\",1") IR_OK, NULL, 0, "16 to 64 bytes"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"" NONCE16 "==\",1") IR_OK, NULL, 0, "base64url"},
    {IR_LINE ("+IRCHAL: \"hw-1\",\"AAECAwQFBgcICQoLDA0OD+\",1") IR_OK, NULL, 0, "base64url"},
    {IR_LINE ("+IRCHAL: \"hw-1\"," NONCE16 ",1") IR_OK, NULL, 0, "the nonce is not quoted"},
    {IR_LINE ("+IRCHAL: \"\",\"" NONCE16 "\",1") IR_OK, NULL, 0, "1 to 128 printable"},
    {IR_LINE ("+IRCHAL: hw-1,\"" NONCE16 "\",1") IR_OK, NULL, 0, "hardware id is not quoted"},
    {IR_LINE ("+IRCHAL: \"hw-1\";\"" NONCE16 "\",1") IR_OK, NULL, 0, "no comma after the hardware"},
    {IR_LINE ("+IRCHAL: \"hw-1") IR_OK, NULL, 0, "hardware id is not quoted"},
    {IR_OK, NULL, 0, "no +IRCHAL line"},
    {IR_LINE ("+IRCHAL: \"a\",\"" NONCE16 "\",1") IR_LINE ("+IRCHAL: \"b\",\"" NONCE16 "\",2")
	 IR_OK,
     NULL,
     0,
     "unexpected line"},
    {IR_LINE ("hello") IR_LINE ("+IRCHAL: \"a\",\"" NONCE16 "\",1") IR_OK,
     NULL,
     0,
     "unexpected line"},
};

static void
test_secure_restore_v1_parse_challenge (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (challenge_rows); i++) {
		g_autoptr (IrAtResponse) resp =
		    test_secure_restore_v1_response_from ("AT+IRCHAL", challenge_rows[i].answer);
		g_autoptr (GError) error = NULL;
		g_autoptr (IrChallenge) chal = secure_restore_v1_parse_challenge (resp, &error);
		if (challenge_rows[i].hwid == NULL) {
			if (chal != NULL)
				fail_msg ("row %u accepted", i);
			if (!g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL) ||
			    strstr (error->message, challenge_rows[i].error) == NULL)
				fail_msg ("row %u: %s", i, error->message);
			continue;
		}
		if (chal == NULL)
			fail_msg ("row %u: %s", i, error->message);
		assert_string_equal (chal->hardware_id, challenge_rows[i].hwid);
		assert_true (chal->counter == challenge_rows[i].counter);
		if (g_bytes_get_size (chal->nonce) == 64)
			continue;
		assert_int_equal (g_bytes_get_size (chal->nonce), 16);
		assert_int_equal (((const guint8 *)g_bytes_get_data (chal->nonce, NULL))[15], 15);
	}
}

static const struct {
	const char *answer;
	guint n_slots; /* slots returned; 0: refused */
	const char *imei0;
	const char *imei1;
} imei_rows[] = {
    {IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\"") IR_LINE ("+IRIMEI: 1,\"" IR_TEST_IMEI_B "\"")
	 IR_OK,
     2,
     IR_TEST_IMEI_A,
     IR_TEST_IMEI_B},
    {IR_LINE ("+IRIMEI: 1,\"" IR_TEST_IMEI_B "\"") IR_LINE ("+IRIMEI: 0,\"\"") IR_OK,
     2,
     NULL,
     IR_TEST_IMEI_B},
    /* a single-IMEI phone */
    {IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\"") IR_OK, 1, IR_TEST_IMEI_A, NULL},
    /* digits of any length are for the classifier */
    {IR_LINE ("+IRIMEI: 0,\"123\"") IR_LINE ("+IRIMEI: 1,\"\"") IR_OK, 2, "123", NULL},
    /* malformed */
    {IR_LINE ("+IRIMEI: 1,\"" IR_TEST_IMEI_B "\"") IR_OK, 0, NULL, NULL},
    {IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\"") IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_B "\"")
	 IR_OK,
     0,
     NULL,
     NULL},
    {IR_LINE ("+IRIMEI: 2,\"" IR_TEST_IMEI_A "\"") IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: 0," IR_TEST_IMEI_A) IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: 0,\"49015420323751X\"") IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: 0,\"" IR_TEST_IMEI_A "\",1") IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: x,\"" IR_TEST_IMEI_A "\"") IR_OK, 0, NULL, NULL},
    {IR_LINE ("+IRIMEI: 00,\"" IR_TEST_IMEI_A "\"") IR_OK, 0, NULL, NULL},
};

static void
test_secure_restore_v1_assert_imei (const char *got, const char *want, guint row)
{
	if (g_strcmp0 (got, want) != 0)
		fail_msg ("row %u: got %s, want %s", row, got, want);
}

static void
test_secure_restore_v1_parse_imeis (void **cstate)
{
	const IrProfile *profile = ir_profile_lookup (FAMILY);

	for (guint i = 0; i < G_N_ELEMENTS (imei_rows); i++) {
		g_autoptr (IrAtResponse) resp =
		    test_secure_restore_v1_response_from ("AT+IRIMEI?", imei_rows[i].answer);
		g_autoptr (GError) error = NULL;
		g_autoptr (GPtrArray) imeis =
		    secure_restore_v1_parse_imeis (resp, profile, NULL, &error);
		if (imei_rows[i].n_slots == 0) {
			if (imeis != NULL)
				fail_msg ("row %u accepted", i);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
			continue;
		}
		if (imeis == NULL)
			fail_msg ("row %u: %s", i, error->message);
		assert_int_equal (imeis->len, imei_rows[i].n_slots);
		test_secure_restore_v1_assert_imei (
		    g_ptr_array_index (imeis, 0), imei_rows[i].imei0, i);
		if (imeis->len > 1)
			test_secure_restore_v1_assert_imei (
			    g_ptr_array_index (imeis, 1), imei_rows[i].imei1, i);
	}
}

/* Answers to AT+IRRESTORE other than the token refusals (test_secure_codes). */
static const struct {
	const char *answer;
	int code; /* 0: success */
	const char *needle;
} restore_answer_rows[] = {
    {IR_OK, 0, NULL},
    {IR_CME (605), IR_ERROR_READ_ONLY, "write-once"},
    {IR_CME (730), IR_ERROR_TOKEN_REFUSED, "IMEI slot the phone does not have"},
    {IR_CME (50), IR_ERROR_AT_REFUSED, "AT+IRRESTORE"},
    {IR_CME (100), IR_ERROR_AT_REFUSED, "failed to restore"},
    {IR_ERROR_LINE, IR_ERROR_AT_REFUSED, "refused"},
    /* codes next to the range are not token refusals */
    {IR_CME (700), IR_ERROR_AT_REFUSED, "700"},
    {IR_CME (723), IR_ERROR_AT_REFUSED, "723"},
    {IR_LINE ("+CME ERROR: token nonsense"), IR_ERROR_AT_REFUSED, "nonsense"},
};

static void
test_secure_restore_v1_check_restore (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (restore_answer_rows); i++) {
		g_autoptr (IrAtResponse) resp = test_secure_restore_v1_response_from (
		    "AT+IRRESTORE", restore_answer_rows[i].answer);
		g_autoptr (GError) error = NULL;
		gboolean ok = secure_restore_v1_parse_check_restore (resp, "model:x", &error);
		if (restore_answer_rows[i].code == 0) {
			assert_true (ok);
			continue;
		}
		assert_false (ok);
		ir_protocol_test_assert_error (
		    error, restore_answer_rows[i].code, restore_answer_rows[i].needle);
	}
}

/* ---- host driver against the model ---- */

static IrTestPhone *
test_secure_restore_v1_secure_phone_new (void)
{
	IrTestPhone *phone = ir_test_phone_new (test_secure_restore_v1_secure_state_new (2));

	phone->state->cmee = 0; /* identify asks for numeric codes itself */
	return phone;
}

static const IrTestFamily secure_family = {
    .family = FAMILY,
    .manufacturer = "imeirestore reference phone",
    .model = "SR1",
    .n_slots = 2,
    .write_prefix = "AT+IRRESTORE",
    .read_prefix = "AT+IRIMEI?",
    .n_reads = 1,
};

/* Identify works; there is no write without a token. */
static void
test_secure_restore_v1_host_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_secure_restore_v1_secure_phone_new ();
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	g_autoptr (GError) error = NULL;

	assert_string_equal (info->family->id, FAMILY);
	assert_null (info->family->write_imei);
	assert_non_null (info->family->challenge);
	assert_non_null (info->family->restore);
	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error));
	assert_int_equal (error->code, IR_ERROR_NOT_SUPPORTED);
	assert_false (ir_model_transport_saw (phone->transport, "AT+IRRESTORE"));
	assert_false (ir_model_transport_saw (phone->transport, "AT+IRCHAL"));
}

/* test_secure_restore_v1_challenge(), a token, test_secure_restore_v1_restore(), the read-back:
 * with the phone echoing, so the echo of a several-kilobyte command line is taken in stride. */
static void
test_secure_restore_v1_host_restore (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_secure_restore_v1_secure_phone_new ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile (FAMILY);
	const IrFamily *family = ir_family_lookup (FAMILY);
	IrAtChannel *channel = ir_session_get_channel (phone->session);
	g_autoptr (IrChallenge) chal = NULL;
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autofree char *text = NULL;
	g_autoptr (GPtrArray) imeis = NULL;
	g_autoptr (GError) error = NULL;

	phone->state->echo = TRUE;
	info = ir_test_phone_identify (phone);
	chal = family->challenge (channel, profile, NULL, &error);
	assert_non_null (chal);
	assert_string_equal (chal->hardware_id, HWID);
	assert_true (g_bytes_equal (chal->nonce, phone->state->nonce));
	assert_true (chal->counter == phone->state->counter);
	test_secure_restore_v1_good_claims (&claims, phone->state, chal);
	token = test_secure_restore_v1_sign (&claims, SIGN_ED);
	text = ir_token_to_base64url (token);
	if (!family->restore (channel, profile, text, NULL, &error))
		fail_msg ("restore: %s", error->message);
	imeis = family->read_imeis (channel, profile, NULL, NULL, &error);
	assert_non_null (imeis);
	assert_string_equal (g_ptr_array_index (imeis, 0), IR_TEST_IMEI_C);
	assert_string_equal (g_ptr_array_index (imeis, 1), IMEI_D);

	/* the same token again: refused by the phone, in words */
	assert_false (family->restore (channel, profile, text, NULL, &error));
	ir_protocol_test_assert_error (
	    error, IR_ERROR_TOKEN_REFUSED, "not for the phone's current challenge");
	ir_protocol_test_assert_error (error, IR_ERROR_TOKEN_REFUSED, "+CME ERROR: 716");
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+IRRESTORE"), 2);
}

/* A refusal, a write-once slot, a lost answer (sent once), a bad token
 * text (sent never). */
static void
test_secure_restore_v1_host_errors (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_secure_restore_v1_secure_phone_new ();
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile (FAMILY);
	const IrFamily *family = ir_family_lookup (FAMILY);
	IrAtChannel *channel = ir_session_get_channel (phone->session);
	const struct {
		const char *name;
		void (*mutate) (IrTokenClaims *c, const IrSimState *state);
		gboolean read_only;
		gboolean drop;
		int code;
		const char *needle;
		const char *imei0_after;
	} rows[] = {
	    {"expired",
	     test_secure_restore_v1_m_expired,
	     FALSE,
	     FALSE,
	     IR_ERROR_TOKEN_REFUSED,
	     "expired by the phone's clock",
	     IR_TEST_IMEI_A},
	    {"device",
	     test_secure_restore_v1_m_other_hwid,
	     FALSE,
	     FALSE,
	     IR_ERROR_TOKEN_REFUSED,
	     "another phone",
	     IR_TEST_IMEI_A},
	    {"read-only", NULL, TRUE, FALSE, IR_ERROR_READ_ONLY, "write-once", IR_TEST_IMEI_A},
	    /* the phone wrote, the answer was lost: the outcome is unknown */
	    {"lost",
	     NULL,
	     FALSE,
	     TRUE,
	     IR_ERROR_TIMEOUT,
	     "did not confirm the restore",
	     IR_TEST_IMEI_C},
	};
	guint sent = 0;

	/* identify first: it asks for numeric error codes */
	ir_device_info_free (ir_test_phone_identify (phone));

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrChallenge) chal = NULL;
		g_auto (IrTokenClaims) claims = {0};
		g_autoptr (GBytes) token = NULL;
		g_autofree char *text = NULL;
		g_autoptr (GError) error = NULL;

		chal = family->challenge (channel, profile, NULL, &error);
		assert_non_null (chal);
		test_secure_restore_v1_good_claims (&claims, phone->state, chal);
		if (rows[i].mutate != NULL)
			rows[i].mutate (&claims, phone->state);
		token = test_secure_restore_v1_sign (&claims, SIGN_ED);
		text = ir_token_to_base64url (token);
		phone->state->read_only[1] = rows[i].read_only;
		if (rows[i].drop)
			ir_model_transport_drop_next (phone->transport, 1);
		assert_false (family->restore (channel, profile, text, NULL, &error));
		ir_protocol_test_assert_error (error, rows[i].code, rows[i].needle);
		/* the message never quotes the whole token */
		assert_null (strstr (error->message, text));
		assert_int_equal (ir_model_transport_count (phone->transport, "AT+IRRESTORE"),
				  ++sent);
		assert_string_equal (phone->state->imei[0], rows[i].imei0_after);
	}
	{
		g_autoptr (GError) error = NULL;
		const char *bad[] = {"", "AB+/", "AA\"AA"};
		for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
			g_clear_error (&error);
			assert_false (family->restore (channel, profile, bad[i], NULL, &error));
			ir_protocol_test_assert_error (
			    error, IR_ERROR_INVALID_INPUT, "nothing was sent");
		}
		assert_int_equal (ir_model_transport_count (phone->transport, "AT+IRRESTORE"),
				  sent);
	}
}

/* A garbled challenge answer is an error, and not asked again behind the
 * caller's back: a second challenge would spend the first. */
static void
test_secure_restore_v1_host_challenge_garbled (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_secure_restore_v1_secure_phone_new ();
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile (FAMILY);
	const IrFamily *family = ir_family_lookup (FAMILY);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrChallenge) chal = NULL;

	/* identify first: it asks for numeric error codes */
	ir_device_info_free (ir_test_phone_identify (phone));

	ir_model_transport_corrupt_once (phone->transport, "AT+IRCHAL");
	chal = family->challenge (ir_session_get_channel (phone->session), profile, NULL, &error);
	assert_null (chal);
	assert_true (error->code == IR_ERROR_PROTOCOL || error->code == IR_ERROR_TIMEOUT);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+IRCHAL"), 1);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_secure_restore_v1_codes),
	    cmocka_unit_test (test_secure_restore_v1_model_rows),
	    cmocka_unit_test (test_secure_restore_v1_challenge_fresh),
	    cmocka_unit_test (test_secure_restore_v1_good),
	    cmocka_unit_test (test_secure_restore_v1_es256_one_slot),
	    cmocka_unit_test (test_secure_restore_v1_refusals),
	    cmocka_unit_test (test_secure_restore_v1_superseded),
	    cmocka_unit_test (test_secure_restore_v1_faults),
	    cmocka_unit_test (test_secure_restore_v1_cmee_modes),
	    cmocka_unit_test (test_secure_restore_v1_parse_challenge),
	    cmocka_unit_test (test_secure_restore_v1_parse_imeis),
	    cmocka_unit_test (test_secure_restore_v1_check_restore),
	    cmocka_unit_test (test_secure_restore_v1_host_identify),
	    cmocka_unit_test (test_secure_restore_v1_host_restore),
	    cmocka_unit_test (test_secure_restore_v1_host_errors),
	    cmocka_unit_test (test_secure_restore_v1_host_challenge_garbled),
	    cmocka_unit_test_prestate (ir_test_family_identify, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_identify_echo, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_factory_default, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_read_retried, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_read_gives_up, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_bad_imei_read_thrice, (void *)&secure_family),
	    cmocka_unit_test_prestate (ir_test_family_shortened_zeros, (void *)&secure_family),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("secure-restore-v1",
					    tests,
					    test_secure_restore_v1_setup_pki,
					    test_secure_restore_v1_teardown_pki);
}
