/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Makes the known-good restore token vectors of tests/data/token/ with
 * throwaway keys: the private keys live only in this process, so only the
 * token bytes and the public keys can ever be committed.
 *
 *   make-token-vector DATA-DIR CORPUS-DIR
 *
 * writes DATA-DIR/good-ed25519.hex, good-es256.hex and trust-store.conf
 * (brand-ca=brand-ca.pem, which is a CA certificate copied from a
 * certs/gen-dev-pki.sh run), and the same tokens as binary seeds into
 * CORPUS-DIR for the fuzz target. */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ir-token.h"
#include "token-vector.h"

static char *
make_token_vector_public_key_b64 (EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64;

	g_assert (len > 0);
	b64 = g_base64_encode (der, (gsize)len);
	OPENSSL_free (der);
	return b64;
}

static void
make_token_vector_write_token (const char *data_dir,
			       const char *corpus_dir,
			       const char *name,
			       IrTokenAlg alg,
			       const char *kid,
			       EVP_PKEY *key)
{
	g_auto (IrTokenClaims) claims;
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) token = NULL;
	g_autoptr (GString) hex = g_string_new (NULL);
	g_autofree char *hex_path = g_strdup_printf ("%s/%s.hex", data_dir, name);
	g_autofree char *bin_path = g_strdup_printf ("%s/%s.cbor", corpus_dir, name);
	gsize len = 0;
	const guint8 *data;

	vector_claims (&claims);
	token = ir_token_encode (&claims, alg, kid, key, &error);
	g_assert_no_error (error);
	data = g_bytes_get_data (token, &len);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf (hex, "%02x%s", data[i], (i + 1) % 32 == 0 ? "\n" : "");
	if (len % 32 != 0)
		g_string_append_c (hex, '\n');
	if (!g_file_set_contents (hex_path, hex->str, (gssize)hex->len, &error) ||
	    !g_file_set_contents (bin_path, (const char *)data, (gssize)len, &error))
		g_error ("%s", error->message);
}

int
main (int argc, char **argv)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	EVP_PKEY *es = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
	g_autofree char *ed_b64 = NULL;
	g_autofree char *es_b64 = NULL;
	g_autofree char *store = NULL;
	g_autofree char *store_path = NULL;
	g_autoptr (GError) error = NULL;

	if (argc != 3) {
		g_printerr ("usage: %s DATA-DIR CORPUS-DIR\n", argv[0]);
		return 2;
	}
	g_assert (ed != NULL && es != NULL);
	make_token_vector_write_token (
	    argv[1], argv[2], "good-ed25519", IR_TOKEN_ALG_EDDSA, "vector-ed25519", ed);
	make_token_vector_write_token (
	    argv[1], argv[2], "good-es256", IR_TOKEN_ALG_ES256, "vector-es256", es);
	ed_b64 = make_token_vector_public_key_b64 (ed);
	es_b64 = make_token_vector_public_key_b64 (es);
	store = g_strdup_printf (
	    "# Public keys of the known-good vectors (tests/unit/make-token-vector.c).\n"
	    "[trust-store]\n"
	    "version=1\n"
	    "brand-ca=brand-ca.pem\n"
	    "server-pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	    "issuer=" VECTOR_ISSUER "\n"
	    "audience=" VECTOR_AUDIENCE "\n"
	    "\n"
	    "[token-key vector-ed25519]\n"
	    "algorithm=EdDSA\n"
	    "public-key=%s\n"
	    "\n"
	    "[token-key vector-es256]\n"
	    "algorithm=ES256\n"
	    "public-key=%s\n",
	    ed_b64,
	    es_b64);
	store_path = g_build_filename (argv[1], "trust-store.conf", NULL);
	if (!g_file_set_contents (store_path, store, -1, &error))
		g_error ("%s", error->message);
	EVP_PKEY_free (ed);
	EVP_PKEY_free (es);
	return 0;
}
