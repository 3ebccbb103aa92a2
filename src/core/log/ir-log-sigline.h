/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

#include "ir-merkle.h"
#include "ir-note-signer.h"

G_BEGIN_DECLS

/* The inline layout of the migration log (docs/migration-log.md,
 * "Layout"): each record line is followed, in the same file and the same
 * write(), by the signature line of the checkpoint for the tree that ends
 * with it:
 *
 *   {"schema":1,"seq":0,...}
 *   — imeirestore/DEL01/ws1 <base64 (key id (4 bytes) || Ed25519 signature)>
 *
 * The note's body (origin, size, root) is not stored: every reader
 * recomputes it from the records, so one fdatasync makes a record and its
 * checkpoint durable together. The origin is the key name. Pure: no I/O. */

#define IR_LOG_SIGLINE_EM_DASH "\xe2\x80\x94 "
/* base64 of key id (4 bytes) + Ed25519 signature (64 bytes) */
#define IR_LOG_SIGLINE_B64 92

/* The checkpoint body "origin\nsize\nroot\n" the signature line signs. */
char *ir_log_sigline_body (const char *origin, guint64 size, const guint8 root[IR_MERKLE_HASH_LEN]);

/* The writer's side: signs the body for (@origin, @size, @root) with
 * @signer and appends the signature line, with its "\n", to @out. No
 * allocation for an origin of ordinary length (this runs once per
 * durable append). @origin must be one that ir_checkpoint_check_origin()
 * accepts; the signer's key name is the one in the line. */
gboolean ir_log_sigline_append_signed (IrNoteSigner *signer,
				       const char *origin,
				       guint64 size,
				       const guint8 root[IR_MERKLE_HASH_LEN],
				       GString *out,
				       GError **error);

/* The whole note (body, empty line, @line + "\n") for size @size: what
 * ir_checkpoint_parse() takes, what the witness cosigns. */
char *ir_log_sigline_note (const char *origin,
			   guint64 size,
			   const guint8 root[IR_MERKLE_HASH_LEN],
			   const char *line,
			   gsize line_len);

/* The signature line (with its "\n") of a note that has exactly one. */
char *ir_log_sigline_from_note (const char *note);

/* TRUE when @line (@len bytes, without its "\n") has the signature line's
 * shape: em dash, space, key name, space, 92 base64 characters. @name and
 * @name_len say where the key name is. */
gboolean ir_log_sigline_parse (const char *line, gsize len, const char **name, gsize *name_len);

/* TRUE when @text (@len bytes, no "\n") may be the start of the signature
 * line by @origin that a crash cut short. */
gboolean ir_log_sigline_is_prefix (const char *text, gsize len, const char *origin);

/* The signature line verifies over the note for (@origin, @size, @root)
 * with (@key_name, @key); IR_ERROR_TAMPERED naming why otherwise. */
gboolean ir_log_sigline_verify (const char *origin,
				guint64 size,
				const guint8 root[IR_MERKLE_HASH_LEN],
				const char *line,
				gsize line_len,
				const char *key_name,
				EVP_PKEY *key,
				GError **error);

G_END_DECLS
