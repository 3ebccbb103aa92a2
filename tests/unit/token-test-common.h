/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

#include "ir-token.h"

/* Shared by the token test binaries: keys made at test time and a trust
 * store pinning them ("ed1" → EdDSA, "es1" → ES256; "other" is unknown to
 * it), plus helpers to build and check tokens. */

extern EVP_PKEY *key_ed;
extern EVP_PKEY *key_es;
extern EVP_PKEY *key_other;
extern IrTrustStore *trust;

/* cmocka group setup and teardown: make and free the above. */
int token_test_common_setup (void **state);
int token_test_common_teardown (void **state);

/* $IR_SRCDIR/tests/data/token/NAME */
char *token_test_common_data_path (const char *name);
char *token_test_common_public_key_b64 (EVP_PKEY *key);
void token_test_common_set_str (char **field, const char *value);

/* Verifying @token with @expect gives @want; a refusal's message names @part. */
void token_test_common_assert_outcome (const char *name,
				       GBytes *token,
				       const IrTokenExpect *expect,
				       IrTokenRefusal want,
				       const char *part);

/* @claims signed by key_ed as "ed1", without the encoder's claim checks. */
GBytes *token_test_common_encode_ed (const IrTokenClaims *claims);

/* Bytes from hex; spaces are ignored. */
GBytes *token_test_common_hex_bytes (const char *hex);

/* The payload of the vector claims (token-vector.h). */
GBytes *token_test_common_good_payload (void);

/* @src with the one occurrence of @find_hex replaced by @repl_hex. */
GBytes *token_test_common_patch (GBytes *src, const char *find_hex, const char *repl_hex);
