/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

#include "ir-merkle.h"
#include "ir-note-signer.h"
#include "ir-signed-note.h"

G_BEGIN_DECLS

/* C2SP tlog-checkpoint bodies in C2SP signed notes:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n
 *   \n
 *   — <key name> <base64(key id (4 bytes) || signature)>\n
 *
 * Key ids and signature types as the signed-note spec says: Ed25519
 * (0x01) only, since the spec has no settled ECDSA type (an ECDSA key is
 * IR_ERROR_NOT_SUPPORTED; docs/checkpoints.md). Parsing is pure and strict
 * (no I/O). A witness cosignature is one more signature line on the same
 * note. */

typedef struct {
	char *origin;
	guint64 size;
	guint8 root[IR_MERKLE_HASH_LEN];
	GPtrArray *extensions; /* char *: extra body lines, kept as is */
	GPtrArray *signatures; /* IrNoteSignature */
	char *body;	       /* the signed text, exactly */
} IrCheckpoint;

void ir_checkpoint_free (IrCheckpoint *checkpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrCheckpoint, ir_checkpoint_free)

IrCheckpoint *ir_checkpoint_parse (const char *text, gsize len, GError **error);

/* TRUE when @origin can be a checkpoint's first line (one non-empty
 * line of UTF-8, no leading or trailing space); IR_ERROR_INVALID_INPUT
 * otherwise. ir_checkpoint_sign() checks it; a writer signing many notes
 * checks it once. */
gboolean ir_checkpoint_check_origin (const char *origin, GError **error);

/* The whole note: body + one signature line by @key (private). */
char *ir_checkpoint_sign (const char *origin,
			  guint64 size,
			  const guint8 root[IR_MERKLE_HASH_LEN],
			  const char *key_name,
			  EVP_PKEY *key,
			  GError **error);

/* The same with a signer kept for many notes (a log signing a checkpoint
 * per record): the key is checked and its id computed once. */
char *ir_checkpoint_sign_with (const char *origin,
			       guint64 size,
			       const guint8 root[IR_MERKLE_HASH_LEN],
			       IrNoteSigner *signer,
			       GError **error);

/* Adds a signature line to an existing note (a witness cosigning). */
char *ir_checkpoint_cosign (const char *note, const char *key_name, EVP_PKEY *key, GError **error);

/* TRUE when a signature line by @key_name verifies with @public_key;
 * IR_ERROR_TAMPERED otherwise, naming why. */
gboolean ir_checkpoint_verify (const IrCheckpoint *checkpoint,
			       const char *key_name,
			       EVP_PKEY *public_key,
			       GError **error);

/* The signed-note key id of (@key_name, @public_key). */
gboolean
ir_checkpoint_key_id (const char *key_name, EVP_PKEY *public_key, guint8 out[4], GError **error);

G_END_DECLS
