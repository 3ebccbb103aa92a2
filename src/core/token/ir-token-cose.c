/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ir-error.h"
#include "ir-cbor.h"
#include "ir-token-private.h"

/* The COSE_Sign1 signature (RFC 9052 §4.4, RFC 9053 §2) with OpenSSL EVP,
 * and the hash that binds a token to a client certificate (cnf). */

#define SIG_LEN IR_TOKEN_SIG_LEN

/* ---- signatures ---- */

/* Sig_structure = ["Signature1", body_protected, external_aad: h'', payload]
 * (RFC 9052 §4.4): the bytes that are actually signed. */
static GBytes *
ir_token_cose_sig_structure (GBytes *protected, GBytes *payload, GError **error)
{
	g_autoptr (cbor_item_t) arr = cbor_new_definite_array (4);
	gsize plen = 0, len = 0;
	const guint8 *pdata = g_bytes_get_data (protected, &plen);
	const guint8 *data = g_bytes_get_data (payload, &len);

	ir_cbor_array_push_take (arr, ir_cbor_build_text ("Signature1"));
	ir_cbor_array_push_take (arr, ir_cbor_build_bytes (pdata, plen));
	ir_cbor_array_push_take (arr, ir_cbor_build_bytes (NULL, 0));
	ir_cbor_array_push_take (arr, ir_cbor_build_bytes (data, len));
	return ir_cbor_serialize (arr, error);
}

static gboolean
ir_token_cose_fail_openssl (GError **error, const char *what)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "failed to %s: OpenSSL error %lu",
		     what,
		     ERR_get_error ());
	ERR_clear_error ();
	return FALSE;
}

/* ECDSA signatures travel as r||s (RFC 9053 §2.1); OpenSSL speaks DER. */
static gboolean
ir_token_cose_ecdsa_der_to_raw (const guint8 *der, gsize len, guint8 raw[SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG (NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	gboolean ok;

	if (sig == NULL)
		return FALSE;
	ECDSA_SIG_get0 (sig, &r, &s);
	ok = BN_bn2binpad (r, raw, SIG_LEN / 2) == SIG_LEN / 2 &&
	     BN_bn2binpad (s, raw + SIG_LEN / 2, SIG_LEN / 2) == SIG_LEN / 2;
	ECDSA_SIG_free (sig);
	return ok;
}

static GBytes *
ir_token_cose_ecdsa_raw_to_der (const guint8 *raw)
{
	ECDSA_SIG *sig = ECDSA_SIG_new ();
	BIGNUM *r = BN_bin2bn (raw, SIG_LEN / 2, NULL);
	BIGNUM *s = BN_bin2bn (raw + SIG_LEN / 2, SIG_LEN / 2, NULL);
	unsigned char *der = NULL;
	int len;
	GBytes *out = NULL;

	if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0 (sig, r, s) != 1) {
		BN_free (r);
		BN_free (s);
		ECDSA_SIG_free (sig);
		return NULL;
	}
	len = i2d_ECDSA_SIG (sig, &der);
	if (len > 0)
		out = g_bytes_new (der, (gsize)len);
	OPENSSL_free (der);
	ECDSA_SIG_free (sig);
	return out;
}

static const EVP_MD *
ir_token_cose_alg_digest (IrTokenAlg alg)
{
	return alg == IR_TOKEN_ALG_ES256 ? EVP_sha256 () : NULL; /* Ed25519 hashes itself */
}

static GBytes *
ir_token_cose_sign_bytes (IrTokenAlg alg, EVP_PKEY *key, GBytes *tbs, GError **error)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
	guint8 der[128];
	guint8 raw[SIG_LEN];
	size_t sig_len = sizeof (der);
	gsize tbs_len = 0;
	const guint8 *tbs_data = g_bytes_get_data (tbs, &tbs_len);
	gboolean ok =
	    ctx != NULL &&
	    EVP_DigestSignInit (ctx, NULL, ir_token_cose_alg_digest (alg), NULL, key) == 1 &&
	    EVP_DigestSign (ctx, der, &sig_len, tbs_data, tbs_len) == 1;

	EVP_MD_CTX_free (ctx);
	if (!ok) {
		ir_token_cose_fail_openssl (error, "sign the restore token");
		return NULL;
	}
	if (alg == IR_TOKEN_ALG_EDDSA)
		return g_bytes_new (der, sig_len);
	if (!ir_token_cose_ecdsa_der_to_raw (der, sig_len, raw)) {
		ir_token_cose_fail_openssl (error, "convert the ECDSA signature to r||s");
		return NULL;
	}
	return g_bytes_new (raw, SIG_LEN);
}

gboolean
ir_token_cose_verify (
    IrTokenAlg alg, EVP_PKEY *key, GBytes *protected, GBytes *payload, GBytes *signature)
{
	g_autoptr (GBytes) tbs = ir_token_cose_sig_structure (protected, payload, NULL);
	g_autoptr (GBytes) der = NULL;
	EVP_MD_CTX *ctx = NULL;
	gsize sig_len = 0, tbs_len = 0;
	const guint8 *sig = g_bytes_get_data (signature, &sig_len);
	const guint8 *tbs_data;
	gboolean ok;

	if (tbs == NULL || sig_len != SIG_LEN)
		return FALSE;
	tbs_data = g_bytes_get_data (tbs, &tbs_len);
	if (alg == IR_TOKEN_ALG_ES256) {
		der = ir_token_cose_ecdsa_raw_to_der (sig);
		if (der == NULL)
			return FALSE;
		sig = g_bytes_get_data (der, &sig_len);
	}
	ctx = EVP_MD_CTX_new ();
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit (ctx, NULL, ir_token_cose_alg_digest (alg), NULL, key) == 1 &&
	     EVP_DigestVerify (ctx, sig, sig_len, tbs_data, tbs_len) == 1;
	EVP_MD_CTX_free (ctx);
	ERR_clear_error ();
	return ok;
}

GBytes *
ir_token_cose_sign (
    IrTokenAlg alg, EVP_PKEY *key, GBytes *protected, GBytes *payload, GError **error)
{
	g_autoptr (GBytes) tbs = ir_token_cose_sig_structure (protected, payload, error);

	if (tbs == NULL)
		return NULL;
	return ir_token_cose_sign_bytes (alg, key, tbs, error);
}

/* ---- cnf ---- */

static X509 *
ir_token_cose_parse_certificate (const guint8 *cert, gsize len)
{
	const unsigned char *p = cert;

	if (len > 10 && memcmp (cert, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf (cert, (int)MIN (len, (gsize)G_MAXINT));
		X509 *x = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
		BIO_free (bio);
		return x;
	}
	return d2i_X509 (NULL, &p, (long)MIN (len, (gsize)G_MAXLONG));
}

gboolean
ir_token_spki_sha256 (const guint8 *cert, gsize len, guint8 out[IR_TOKEN_CNF_LEN], GError **error)
{
	X509 *x = ir_token_cose_parse_certificate (cert, len);
	unsigned char *spki = NULL;
	int spki_len = x != NULL ? i2d_X509_PUBKEY (X509_get_X509_PUBKEY (x), &spki) : -1;
	unsigned int md_len = 0;
	gboolean ok = spki_len > 0 &&
		      EVP_Digest (spki, (size_t)spki_len, out, &md_len, EVP_sha256 (), NULL) == 1;

	OPENSSL_free (spki);
	X509_free (x);
	ERR_clear_error ();
	if (!ok) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "failed to hash the client certificate's public key: not a "
				     "PEM or DER X.509 certificate");
		return FALSE;
	}
	return TRUE;
}
