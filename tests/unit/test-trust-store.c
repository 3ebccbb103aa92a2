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
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ir-error.h"
#include "ir-token.h"
#include "ir-trust-store.h"

/* Public keys made at test time, substituted into the rows. */
static char *ed_b64;
static char *es_b64;
static char *p384_b64;
static char *ca_path;
static char *not_ca_path;

static char *
test_trust_store_srcdir_path (const char *a, const char *b, const char *c)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");
	return g_build_filename (srcdir != NULL ? srcdir : ".", a, b, c, NULL);
}

static char *
test_trust_store_public_key_b64 (EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64 = g_base64_encode (der, (gsize)len);
	OPENSSL_free (der);
	EVP_PKEY_free (key);
	return b64;
}

static int
test_trust_store_group_setup (void **state)
{
	ed_b64 = test_trust_store_public_key_b64 (EVP_PKEY_Q_keygen (NULL, NULL, "ED25519"));
	es_b64 = test_trust_store_public_key_b64 (EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256"));
	p384_b64 = test_trust_store_public_key_b64 (EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384"));
	ca_path = test_trust_store_srcdir_path ("tests", "data", "token/brand-ca.pem");
	not_ca_path = test_trust_store_srcdir_path ("tests", "data", "token/good-ed25519.hex");
	return 0;
}

static int
test_trust_store_group_teardown (void **state)
{
	g_free (ed_b64);
	g_free (es_b64);
	g_free (p384_b64);
	g_free (ca_path);
	g_free (not_ca_path);
	return 0;
}

/* @ED@, @ES@, @P384@ become public keys, @CA@ the brand CA path. */
static char *
test_trust_store_expand (const char *tmpl)
{
	g_autoptr (GString) s = g_string_new (tmpl);
	g_string_replace (s, "@ED@", ed_b64, 0);
	g_string_replace (s, "@ES@", es_b64, 0);
	g_string_replace (s, "@P384@", p384_b64, 0);
	g_string_replace (s, "@CA@", ca_path, 0);
	g_string_replace (s, "@NOTCA@", not_ca_path, 0);
	return g_string_free (g_steal_pointer (&s), FALSE);
}

#define PIN1 "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PIN2 "sha256//kqxKCvRF/YHCpExSZEwEng7qbABA+RquiRHLcyz230Q="
#define MAIN                                                                                       \
	"[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 "\nissuer=iss\naudience=aud\n"
#define KEYED "[token-key ed1]\nalgorithm=EdDSA\npublic-key=@ED@\n"
#define KEYES "[token-key es-2:b_c.d]\nalgorithm=ES256\npublic-key=@ES@\n"

typedef struct {
	const char *name;
	const char *text;
	const char *error_part; /* NULL: parses */
} StoreRow;

static const StoreRow store_rows[] = {
    {"good", MAIN KEYED KEYES, NULL},
    {"comments and two pins",
     "# brand anchors\n[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 ";" PIN2
     "\nissuer=iss\naudience=aud\n" KEYED,
     NULL},
    {"not a key file", "this is not a trust store\n", "not a trust store key file"},
    {"empty", "", "no [trust-store] group"},
    {"no main group", KEYED, "no [trust-store] group"},
    {"version 2", "[trust-store]\nversion=2\n" KEYED, "version 2 is not supported"},
    {"no version", "[trust-store]\nissuer=iss\n" KEYED, "needs a non-empty 'version'"},
    {"typo key", MAIN "isuer=x\n" KEYED, "unknown key 'isuer' in [trust-store]"},
    {"no issuer",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 "\naudience=aud\n" KEYED,
     "needs a non-empty 'issuer'"},
    {"empty audience",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 "\nissuer=iss\naudience=\n" KEYED,
     "needs a non-empty 'audience'"},
    {"no pin",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nissuer=iss\naudience=aud\n" KEYED,
     "needs a non-empty 'server-pin'"},
    {"sha1 pin",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
     "issuer=iss\naudience=aud\n" KEYED,
     "server-pin 'sha1//"},
    {"short pin",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=sha256//AAAAAAAAAAAAAAAAAAAAAA==\n"
     "issuer=iss\naudience=aud\n" KEYED,
     "is not sha256//"},
    {"pin with junk",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=sha256//"
     "AAAA*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
     "issuer=iss\naudience=aud\n" KEYED,
     "is not sha256//"},
    {"empty second pin",
     "[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 ";\n"
     "issuer=iss\naudience=aud\n" KEYED,
     "server-pin ''"},
    {"no brand-ca",
     "[trust-store]\nversion=1\nserver-pin=" PIN1 "\nissuer=iss\naudience=aud\n" KEYED,
     "needs a non-empty 'brand-ca'"},
    {"missing brand-ca",
     "[trust-store]\nversion=1\nbrand-ca=/nonexistent/ca.pem\nserver-pin=" PIN1
     "\nissuer=iss\naudience=aud\n" KEYED,
     "cannot read brand-ca"},
    {"brand-ca not PEM",
     "[trust-store]\nversion=1\nbrand-ca=@NOTCA@\nserver-pin=" PIN1
     "\nissuer=iss\naudience=aud\n" KEYED,
     "is not a PEM CA certificate"},
    {"no token keys", MAIN, "no [token-key KID] group"},
    {"unknown group", MAIN KEYED "[server]\nurl=x\n", "unknown group [server]"},
    {"bad kid",
     MAIN "[token-key bad kid!]\nalgorithm=EdDSA\npublic-key=@ED@\n",
     "a key id is 1 to"},
    {"empty kid", MAIN "[token-key ]\nalgorithm=EdDSA\npublic-key=@ED@\n", "a key id is 1 to"},
    {"RS256",
     MAIN "[token-key k]\nalgorithm=RS256\npublic-key=@ED@\n",
     "'RS256' is not EdDSA or ES256"},
    {"lowercase alg",
     MAIN "[token-key k]\nalgorithm=eddsa\npublic-key=@ED@\n",
     "is not EdDSA or ES256"},
    {"no algorithm", MAIN "[token-key k]\npublic-key=@ED@\n", "needs a non-empty 'algorithm'"},
    {"no public key", MAIN "[token-key k]\nalgorithm=EdDSA\n", "needs a non-empty 'public-key'"},
    {"typo in key group",
     MAIN "[token-key k]\nalgorithm=EdDSA\npublic-key=@ED@\nkid=k\n",
     "unknown key 'kid' in [token-key k]"},
    {"key not base64",
     MAIN "[token-key k]\nalgorithm=EdDSA\npublic-key=@ED@!\n",
     "public-key is not base64"},
    {"key not SPKI",
     MAIN "[token-key k]\nalgorithm=EdDSA\npublic-key=AAAAAAAA\n",
     "public-key is not base64 of a DER"},
    {"Ed25519 pinned as ES256",
     MAIN "[token-key k]\nalgorithm=ES256\npublic-key=@ED@\n",
     "not a key for ES256"},
    {"P-256 pinned as EdDSA",
     MAIN "[token-key k]\nalgorithm=EdDSA\npublic-key=@ES@\n",
     "not a key for EdDSA"},
    {"P-384 pinned as ES256",
     MAIN "[token-key k]\nalgorithm=ES256\npublic-key=@P384@\n",
     "not a key for ES256"},
    {"duplicate kid", MAIN KEYED KEYED, NULL}, /* GKeyFile merges groups: last wins */
    {"policy key", MAIN KEYED "[policy-key brand.example/policy]\npublic-key=@ED@\n", NULL},
    {"policy key P-256",
     MAIN KEYED "[policy-key p]\npublic-key=@ES@\n",
     "a policy key is an Ed25519 key"},
    {"policy key name", MAIN KEYED "[policy-key a b]\npublic-key=@ED@\n", "a policy key name is"},
    {"policy key algorithm",
     MAIN KEYED "[policy-key p]\nalgorithm=EdDSA\npublic-key=@ED@\n",
     "unknown key 'algorithm' in [policy-key p]"},
    {"policy key missing", MAIN KEYED "[policy-key p]\n", "needs a non-empty 'public-key'"},
    {"policy key not SPKI",
     MAIN KEYED "[policy-key p]\npublic-key=AAAAAAAA\n",
     "public-key is not base64 of a DER"},
};

static void
test_trust_store_parse (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (store_rows); i++) {
		const StoreRow *row = &store_rows[i];
		g_autofree char *text = test_trust_store_expand (row->text);
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTrustStore) store =
		    ir_trust_store_new_from_data (text, strlen (text), NULL, "row.conf", &error);

		if (row->error_part == NULL) {
			if (store == NULL)
				fail_msg ("%s: %s", row->name, error->message);
			continue;
		}
		if (store != NULL)
			fail_msg ("%s: accepted", row->name);
		assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
		if (strstr (error->message, row->error_part) == NULL)
			fail_msg ("%s: '%s' does not say '%s'",
				  row->name,
				  error->message,
				  row->error_part);
		if (!g_str_has_prefix (error->message, "row.conf"))
			fail_msg ("%s: '%s' does not name the file", row->name, error->message);
	}
}

static void
test_trust_store_accessors (void **state)
{
	g_autofree char *text = test_trust_store_expand (
	    "# comment\n[trust-store]\nversion=1\nbrand-ca=@CA@\nserver-pin=" PIN1 ";" PIN2
	    "\nissuer=iss\naudience=aud\n" KEYED KEYES
	    "[policy-key b.example/policy]\npublic-key=@ED@\n");
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTrustStore) store =
	    ir_trust_store_new_from_data (text, strlen (text), NULL, "t", &error);
	g_auto (GStrv) ids = NULL;
	IrTokenAlg alg = 0;
	guint8 zeros[4] = {0};

	assert_non_null (store);
	assert_string_equal (ir_trust_store_get_issuer (store), "iss");
	assert_string_equal (ir_trust_store_get_audience (store), "aud");
	assert_string_equal (ir_trust_store_get_brand_ca (store), ca_path);
	assert_string_equal (ir_trust_store_get_server_pins (store), PIN1 ";" PIN2);
	assert_non_null (ir_trust_store_lookup_key (store, "ed1", &alg));
	assert_int_equal (alg, IR_TOKEN_ALG_EDDSA);
	assert_non_null (ir_trust_store_lookup_key (store, "es-2:b_c.d", &alg));
	assert_int_equal (alg, IR_TOKEN_ALG_ES256);
	assert_null (ir_trust_store_lookup_key (store, "ED1", &alg));
	assert_null (ir_trust_store_lookup_key (store, "", &alg));
	ids = ir_trust_store_get_key_ids (store);
	assert_int_equal (g_strv_length (ids), 2);
	assert_string_equal (ids[0], "ed1");
	assert_string_equal (ids[1], "es-2:b_c.d");
	g_strfreev (ids);
	ids = ir_trust_store_get_policy_key_names (store);
	assert_int_equal (g_strv_length (ids), 1);
	assert_string_equal (ids[0], "b.example/policy");
	assert_non_null (ir_trust_store_lookup_policy_key (store, "b.example/policy"));
	assert_null (ir_trust_store_lookup_policy_key (store, "ed1"));
	assert_false (ir_trust_store_server_pin_matches (store, zeros, sizeof (zeros)));
	assert_string_equal (ir_token_alg_to_string (IR_TOKEN_ALG_ES256), "ES256");
	assert_string_equal (ir_token_alg_to_string (IR_TOKEN_ALG_EDDSA), "EdDSA");
	assert_null (ir_token_alg_to_string ((IrTokenAlg)-257));
	/* references: one more holder keeps it alive */
	ir_trust_store_unref (ir_trust_store_ref (store));
	assert_string_equal (ir_trust_store_get_issuer (store), "iss");
}

static void
test_trust_store_load_files (void **state)
{
	g_autofree char *vector =
	    test_trust_store_srcdir_path ("tests", "data", "token/trust-store.conf");
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	g_autoptr (IrTrustStore) store = ir_trust_store_load (vector, &error);
	g_autoptr (IrTrustStore) missing =
	    ir_trust_store_load ("/nonexistent/trust-store.conf", &error2);
	g_autofree char *expected_ca =
	    test_trust_store_srcdir_path ("tests", "data", "token/brand-ca.pem");

	if (store == NULL)
		fail_msg ("%s", error->message);
	/* a relative brand-ca is found beside the trust store */
	assert_string_equal (ir_trust_store_get_brand_ca (store), expected_ca);
	assert_null (missing);
	assert_int_equal (error2->code, IR_ERROR_NOT_FOUND);
	assert_non_null (strstr (error2->message, "/nonexistent/trust-store.conf"));
}

/* ---- certs/gen-dev-pki.sh, run for real ---- */

static X509 *
test_trust_store_read_cert (const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	FILE *f = fopen (path, "r");
	X509 *x;

	if (f == NULL)
		fail_msg ("%s was not written", path);
	x = PEM_read_X509 (f, NULL, NULL, NULL);
	fclose (f);
	assert_non_null (x);
	return x;
}

/* The SAN URIs of a certificate, joined by spaces. */
static char *
test_trust_store_san_uris (X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i (x, NID_subject_alt_name, NULL, NULL);
	GString *out = g_string_new (NULL);

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num (names); i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value (names, i);
		if (n->type == GEN_URI)
			g_string_append_printf (
			    out,
			    "%s ",
			    (const char *)ASN1_STRING_get0_data (n->d.uniformResourceIdentifier));
	}
	GENERAL_NAMES_free (names);
	return g_string_free (out, FALSE);
}

static int
test_trust_store_verify_with (X509 *ca, X509 *leaf)
{
	X509_STORE *store = X509_STORE_new ();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
	int ok, err;

	X509_STORE_add_cert (store, ca);
	X509_STORE_CTX_init (ctx, store, leaf, NULL);
	ok = X509_verify_cert (ctx);
	err = X509_STORE_CTX_get_error (ctx);
	X509_STORE_CTX_free (ctx);
	X509_STORE_free (store);
	return ok == 1 ? X509_V_OK : err;
}

static gboolean
test_trust_store_run_script (const char *target, char **err_out)
{
	g_autofree char *script = test_trust_store_srcdir_path ("certs", "gen-dev-pki.sh", NULL);
	const char *argv[] = {script, target, NULL};
	int status = 0;
	g_autoptr (GError) error = NULL;

	if (!g_spawn_sync (NULL,
			   (char **)argv,
			   NULL,
			   G_SPAWN_STDOUT_TO_DEV_NULL,
			   NULL,
			   NULL,
			   NULL,
			   err_out,
			   &status,
			   &error))
		fail_msg ("cannot run %s: %s", script, error->message);
	return g_spawn_check_wait_status (status, NULL);
}

static void
test_trust_store_rm_rf (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

/* ir_token_spki_sha256(), the value of a token's cnf, agrees with the
 * openssl CLI's pin (server-pin.txt) for PEM and DER, and refuses garbage. */
static void
test_trust_store_check_cnf_hash (const char *dir, X509 *server)
{
	g_autofree char *pem_path = g_build_filename (dir, "server.pem", NULL);
	g_autofree char *pin_path = g_build_filename (dir, "server-pin.txt", NULL);
	g_autofree char *pem = NULL;
	g_autofree char *pin = NULL;
	g_autofree char *b64 = NULL;
	g_autoptr (GError) error = NULL;
	guint8 hash[IR_TOKEN_CNF_LEN], hash_der[IR_TOKEN_CNF_LEN];
	unsigned char *der = NULL;
	gsize pem_len = 0;
	int der_len;

	assert_true (g_file_get_contents (pem_path, &pem, &pem_len, NULL));
	assert_true (g_file_get_contents (pin_path, &pin, NULL, NULL));
	assert_true (ir_token_spki_sha256 ((const guint8 *)pem, pem_len, hash, &error));
	b64 = g_base64_encode (hash, sizeof (hash));
	assert_string_equal (pin + strlen ("sha256//"), b64);
	der_len = i2d_X509 (server, &der);
	assert_true (ir_token_spki_sha256 (der, (gsize)der_len, hash_der, &error));
	OPENSSL_free (der);
	assert_memory_equal (hash, hash_der, sizeof (hash));
	assert_false (
	    ir_token_spki_sha256 ((const guint8 *)"-----BEGIN nonsense", 19, hash, &error));
	assert_non_null (strstr (error->message, "not a PEM or DER X.509 certificate"));
}

static void
test_trust_store_dev_pki (void **state)
{
	g_autofree char *tmp = g_dir_make_tmp ("ir-pki-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename (tmp, "pki", NULL);
	g_autofree char *store_path = g_build_filename (dir, "trust-store.conf", NULL);
	g_autofree char *err = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTrustStore) store = NULL;
	X509 *ca, *server, *tech, *auditor, *expired, *foreign, *norole;
	g_autofree char *tech_uris = NULL;
	g_autofree char *auditor_uris = NULL;
	g_autofree char *norole_uris = NULL;
	unsigned char *spki = NULL;
	int spki_len;

	if (!test_trust_store_run_script (dir, &err))
		fail_msg ("gen-dev-pki.sh failed: %s", err);
	store = ir_trust_store_load (store_path, &error);
	if (store == NULL)
		fail_msg ("%s", error->message);
	assert_non_null (ir_trust_store_lookup_key (store, "dev-ed25519-1", NULL));
	assert_non_null (ir_trust_store_lookup_key (store, "dev-es256-1", NULL));

	ca = test_trust_store_read_cert (dir, "ca.pem");
	server = test_trust_store_read_cert (dir, "server.pem");
	tech = test_trust_store_read_cert (dir, "technician-alice.pem");
	auditor = test_trust_store_read_cert (dir, "auditor-carol.pem");
	expired = test_trust_store_read_cert (dir, "technician-expired.pem");
	foreign = test_trust_store_read_cert (dir, "technician-foreign.pem");
	norole = test_trust_store_read_cert (dir, "client-norole.pem");

	/* the pin in the trust store is the server's key */
	spki_len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (server), &spki);
	assert_true (ir_trust_store_server_pin_matches (store, spki, (gsize)spki_len));
	OPENSSL_free (spki);
	test_trust_store_check_cnf_hash (dir, server);
	assert_int_equal (X509_check_host (server, "localhost", 0, 0, NULL), 1);
	assert_int_equal (X509_check_ip_asc (server, "127.0.0.1", 0), 1);
	assert_int_equal (X509_check_ip_asc (server, "::1", 0), 1);

	assert_int_equal (test_trust_store_verify_with (ca, server), X509_V_OK);
	assert_int_equal (test_trust_store_verify_with (ca, tech), X509_V_OK);
	assert_int_equal (test_trust_store_verify_with (ca, auditor), X509_V_OK);
	assert_int_equal (test_trust_store_verify_with (ca, norole), X509_V_OK);
	assert_int_equal (test_trust_store_verify_with (ca, expired), X509_V_ERR_CERT_HAS_EXPIRED);
	assert_int_equal (test_trust_store_verify_with (ca, foreign),
			  X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

	tech_uris = test_trust_store_san_uris (tech);
	auditor_uris = test_trust_store_san_uris (auditor);
	norole_uris = test_trust_store_san_uris (norole);
	assert_string_equal (tech_uris,
			     "urn:imeirestore:role:technician urn:imeirestore:centre:DL-0001 ");
	assert_string_equal (auditor_uris,
			     "urn:imeirestore:role:auditor urn:imeirestore:centre:HQ ");
	assert_string_equal (norole_uris, "urn:imeirestore:centre:DL-0001 ");

	X509_free (ca);
	X509_free (server);
	X509_free (tech);
	X509_free (auditor);
	X509_free (expired);
	X509_free (foreign);
	X509_free (norole);
	test_trust_store_rm_rf (dir);
	g_rmdir (tmp);
}

/* The script never writes keys into the source tree. */
static void
test_trust_store_dev_pki_refuses_source_tree (void **state)
{
	g_autofree char *inside =
	    test_trust_store_srcdir_path ("certs", "ir-test-pki-must-not-exist", NULL);
	g_autofree char *err = NULL;

	assert_false (test_trust_store_run_script (inside, &err));
	assert_non_null (strstr (err, "refusing to write keys into the source tree"));
	assert_false (g_file_test (inside, G_FILE_TEST_EXISTS));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_trust_store_parse),
	    cmocka_unit_test (test_trust_store_accessors),
	    cmocka_unit_test (test_trust_store_load_files),
	    cmocka_unit_test (test_trust_store_dev_pki),
	    cmocka_unit_test (test_trust_store_dev_pki_refuses_source_tree),
	};
	return cmocka_run_group_tests (
	    tests, test_trust_store_group_setup, test_trust_store_group_teardown);
}
