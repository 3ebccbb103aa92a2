/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* One key signing many signed notes (ir-signed-note.h), e.g. a checkpoint
 * per record of a migration log: the key's checks and its signed-note key
 * id are done once, and one signing context is set up once and reused
 * for every note. Not thread-safe:
 * one caller at a time (the migration log signs under its lock). */
typedef struct _IrNoteSigner IrNoteSigner;

/* @key: an Ed25519 private key (a reference is taken); @key_name as
 * ir_signed_note_key_id() wants it. NULL with an error otherwise. */
IrNoteSigner *ir_note_signer_new (const char *key_name, EVP_PKEY *key, GError **error);
void ir_note_signer_free (IrNoteSigner *self);
const char *ir_note_signer_get_key_name (const IrNoteSigner *self);

/* "— <name> <base64>\n": the signature line of @body (@len bytes),
 * appended to @out. @body may be @out's own text: it is signed before
 * @out grows. */
gboolean ir_note_signer_append_line (
    IrNoteSigner *self, const char *body, gsize len, GString *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrNoteSigner, ir_note_signer_free)

G_END_DECLS
