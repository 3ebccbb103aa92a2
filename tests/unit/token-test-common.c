/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ir-error.h"
#include "ir-token-private.h"
#include "token-test-common.h"
#include "token-vector.h"

/* Keys are made at test time; only the known-good vectors are committed,
 * with their public keys. "ed1" is pinned to EdDSA and "es1" to ES256;
 * "other" is a key the trust store has never heard of. */
EVP_PKEY *key_ed;
EVP_PKEY *key_es;
EVP_PKEY *key_other;
IrTrustStore *trust;

char *
token_test_common_data_path (const char *name)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");
	return g_build_filename (
	    srcdir != NULL ? srcdir : ".", "tests", "data", "token", name, NULL);
}

char *
token_test_common_public_key_b64 (EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64 = g_base64_encode (der, (gsize)len);
	OPENSSL_free (der);
	return b64;
}

int
token_test_common_setup (void **state)
{
	g_autofree char *ed_b64 = NULL;
	g_autofree char *es_b64 = NULL;
	g_autofree char *ca = token_test_common_data_path ("brand-ca.pem");
	g_autofree char *text = NULL;
	g_autoptr (GError) error = NULL;

	key_ed = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	key_es = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
	key_other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	ed_b64 = token_test_common_public_key_b64 (key_ed);
	es_b64 = token_test_common_public_key_b64 (key_es);
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

int
token_test_common_teardown (void **state)
{
	EVP_PKEY_free (key_ed);
	EVP_PKEY_free (key_es);
	EVP_PKEY_free (key_other);
	ir_trust_store_unref (trust);
	return 0;
}

void
token_test_common_set_str (char **field, const char *value)
{
	g_free (*field);
	*field = g_strdup (value);
}

/* Checks the outcome of verifying @token: @want, and for a refusal a
 * message that names @part (the claim). */
void
token_test_common_assert_outcome (const char *name,
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
			      : IR_ERROR_TOKEN_REFUSED);
	if (part != NULL && strstr (error->message, part) == NULL)
		fail_msg ("%s: message '%s' does not name '%s'", name, error->message, part);
}

GBytes *
token_test_common_encode_ed (const IrTokenClaims *claims)
{
	g_autoptr (GError) error = NULL;
	GBytes *token =
	    ir_token_encode_unchecked (claims, IR_TOKEN_ALG_EDDSA, "ed1", key_ed, &error);
	assert_non_null (token);
	return token;
}

GBytes *
token_test_common_hex_bytes (const char *hex)
{
	GByteArray *arr = g_byte_array_new ();
	for (const char *p = hex; *p != '\0';) {
		guint8 b;
		if (g_ascii_isspace (*p)) {
			p++;
			continue;
		}
		g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
		b = (guint8)(g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
		g_byte_array_append (arr, &b, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes (arr);
}

GBytes *
token_test_common_good_payload (void)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GError) error = NULL;
	GBytes *payload;

	vector_claims (&claims);
	payload = ir_token_build_payload (&claims, &error);
	assert_non_null (payload);
	return payload;
}

GBytes *
token_test_common_patch (GBytes *src, const char *find_hex, const char *repl_hex)
{
	g_autoptr (GBytes) find = token_test_common_hex_bytes (find_hex);
	g_autoptr (GBytes) repl = token_test_common_hex_bytes (repl_hex);
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
