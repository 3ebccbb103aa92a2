/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* Reads an unencrypted PEM private key from @path; @what names it in
 * errors ("token-signing key", "[witness] key"). IR_ERROR_NOT_FOUND when
 * the file cannot be read, IR_ERROR_INVALID_INPUT when it holds no such
 * key. The PEM text is wiped once parsed. Callers check the key type. */
EVP_PKEY *ir_pem_load_private_key (const char *path, const char *what, GError **error);

G_END_DECLS
