/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* The workstation's Ed25519 key that signs its migration-log checkpoints
 * (docs/migration-log.md): a PKCS#8 PEM file, mode 0600, owned by the
 * user, created on first use. A key file that others may read (any group
 * or other permission bit) or that another user owns is refused: its
 * signatures would prove nothing. */

#define IR_WORKSTATION_KEY_FILE "workstation-key.pem"

/* Loads @path, creating a fresh key there (and its directory, 0700) when
 * absent. */
EVP_PKEY *ir_workstation_key_load_or_create (const char *path, GError **error);

/* Loads an existing key file (IR_ERROR_NOT_FOUND when absent). */
EVP_PKEY *ir_workstation_key_load (const char *path, GError **error);

/* "imeirestore/<centre>/<workstation>": the signed-note key name and the
 * checkpoint origin. NULL with IR_ERROR_INVALID_INPUT when either part is
 * empty or has a space, '+' or '/' (the note format forbids them). */
char *ir_workstation_key_name (const char *centre, const char *workstation, GError **error);

/* The public key as PEM (-----BEGIN PUBLIC KEY-----): what audit verify
 * --key takes and the brand registers. */
char *ir_workstation_key_public_pem (EVP_PKEY *key, GError **error);

/* Base64 of the public key's SubjectPublicKeyInfo DER (KEY_ROTATION, the
 * START record's public_key). */
char *ir_workstation_key_public_base64 (EVP_PKEY *key, GError **error);

G_END_DECLS
