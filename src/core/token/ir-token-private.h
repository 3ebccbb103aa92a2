/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-token.h"

G_BEGIN_DECLS

#define IR_TOKEN_SIG_LEN 64 /* Ed25519, and ES256 as r||s */

/* Signs / verifies the Sig_structure ["Signature1", @protected, h'',
 * @payload]; ES256 signatures are r||s, as COSE has them. */
GBytes *ir_token_cose_sign (
    IrTokenAlg alg, EVP_PKEY *key, GBytes *protected, GBytes *payload, GError **error);
gboolean ir_token_cose_verify (
    IrTokenAlg alg, EVP_PKEY *key, GBytes *protected, GBytes *payload, GBytes *signature);

/* Pieces of the token encoder for tests, test vectors and the fuzz corpus
 * only: they skip the claims checks of ir_token_encode(), so they can build
 * tokens a verifier must refuse. Never call them to issue a real token. */

GBytes *ir_token_build_protected (gint64 alg, const char *kid, GError **error);
GBytes *ir_token_build_payload (const IrTokenClaims *claims, GError **error);

/* COSE_Sign1 around arbitrary protected-header and payload bytes. */
GBytes *ir_token_sign_raw (
    GBytes *protected, GBytes *payload, IrTokenAlg alg, EVP_PKEY *key, GError **error);

GBytes *ir_token_encode_unchecked (
    const IrTokenClaims *claims, IrTokenAlg alg, const char *kid, EVP_PKEY *key, GError **error);

/* The payload and protected-header bytes as signed (borrowed). */
GBytes *ir_token_get_payload (const IrToken *token);
GBytes *ir_token_get_protected (const IrToken *token);

/* TRUE when the token holds every claim the encoder always writes, so that
 * re-encoding its claims must give back the very same bytes. */
gboolean ir_token_is_complete (const IrToken *token);

G_END_DECLS
