/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* The brand's public trust anchors on a workstation: its root CA, the public
 * key pin of its server, the token issuer and audience, and every
 * token-signing key with the one algorithm pinned to its key id (the token
 * never chooses its own algorithm). A GKeyFile, documented in
 * certs/README.md:
 *
 *   [trust-store]
 *   version=1
 *   brand-ca=ca.pem                        # relative to this file, or absolute
 *   server-pin=sha256//BASE64[;sha256//…]  # curl --pinnedpubkey format
 *   issuer=imei-brandd.dev                 # the tokens' "iss"
 *   audience=imeirestore                   # the tokens' "aud"
 *
 *   [token-key KID]                        # one group per key id
 *   algorithm=EdDSA | ES256
 *   public-key=BASE64 of the DER SubjectPublicKeyInfo
 *
 *   [policy-key NAME]                      # the brand's rollout-policy key:
 *   public-key=BASE64 of the DER SPKI      # Ed25519, NAME its signed-note name
 *
 * Parsing is strict: unknown groups and keys, a missing or empty value, a
 * key that does not match its algorithm, a bad pin or an unreadable CA are
 * errors that name the file, group and key. */

/* COSE algorithm identifiers (RFC 9053). */
typedef enum {
	IR_TOKEN_ALG_ES256 = -7, /* ECDSA P-256 with SHA-256, signature r||s */
	IR_TOKEN_ALG_EDDSA = -8, /* Ed25519 */
} IrTokenAlg;

/* "ES256" / "EdDSA" as in the trust store; NULL for anything else. */
const char *ir_token_alg_to_string (IrTokenAlg alg);

typedef struct _IrTrustStore IrTrustStore;

IrTrustStore *ir_trust_store_load (const char *path, GError **error);

/* Parses @data; a relative brand-ca is resolved against @base_dir (the
 * current directory when NULL). @origin names the data in errors. */
IrTrustStore *ir_trust_store_new_from_data (
    const char *data, gsize len, const char *base_dir, const char *origin, GError **error);

/* Thread-safe reference counting: one store serves every restore worker. */
IrTrustStore *ir_trust_store_ref (IrTrustStore *self);
void ir_trust_store_unref (IrTrustStore *self);

const char *ir_trust_store_get_issuer (const IrTrustStore *self);
const char *ir_trust_store_get_audience (const IrTrustStore *self);

/* Absolute path of the brand CA certificate (PEM), for TLS (CURLOPT_CAINFO). */
const char *ir_trust_store_get_brand_ca (const IrTrustStore *self);

/* The server pins joined by ';', ready for CURLOPT_PINNEDPUBLICKEY. */
const char *ir_trust_store_get_server_pins (const IrTrustStore *self);

/* TRUE when the SHA-256 of @spki_der is one of the server pins. */
gboolean
ir_trust_store_server_pin_matches (const IrTrustStore *self, const guint8 *spki_der, gsize len);

/* The public key pinned for @kid and its algorithm, or NULL when @kid is
 * not in the store. The key is owned by the store. */
EVP_PKEY *ir_trust_store_lookup_key (const IrTrustStore *self, const char *kid, IrTokenAlg *alg);

/* Every key id, sorted; free with g_strfreev(). */
char **ir_trust_store_get_key_ids (const IrTrustStore *self);

/* The rollout-policy key (Ed25519) named @name, or NULL; owned by the
 * store. */
EVP_PKEY *ir_trust_store_lookup_policy_key (const IrTrustStore *self, const char *name);

/* Every policy key name, sorted (empty when the store pins none); free
 * with g_strfreev(). */
char **ir_trust_store_get_policy_key_names (const IrTrustStore *self);

/* Checks that @key is a key for @alg (an Ed25519 key for EdDSA, a P-256 key
 * for ES256), public or private. Shared with the token encoder. */
gboolean ir_token_alg_check_key (IrTokenAlg alg, EVP_PKEY *key, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTrustStore, ir_trust_store_unref)

G_END_DECLS
