/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* C2SP signed notes (https://c2sp.org/signed-note), Ed25519 only:
 *
 *   <body: any lines of UTF-8 text, each ending with \n>
 *   \n
 *   — <key name> <base64(key id (4 bytes) || signature)>\n
 *   …
 *
 * The key id is SHA-256(name || 0x0A || 0x01 || public key)[:4]. Parsing is
 * pure and strict (no I/O): valid UTF-8, no control byte but '\n', strict
 * base64, at most IR_SIGNED_NOTE_MAX_SIGNATURES lines. What the body means
 * is the caller's (checkpoints, rollout policies, reports, block lists).
 * Errors on malformed text are IR_ERROR_TAMPERED "malformed WHAT note: …". */

#define IR_SIGNED_NOTE_MAX_LEN	      (1024 * 1024)
#define IR_SIGNED_NOTE_MAX_SIGNATURES 100

typedef struct {
	char *key_name;
	guint8 key_id[4];
	GBytes *signature; /* without the key id */
} IrNoteSignature;

typedef struct {
	char *body;	       /* the signed text, exactly, ending with '\n' */
	GPtrArray *signatures; /* IrNoteSignature */
} IrSignedNote;

void ir_signed_note_free (IrSignedNote *note);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSignedNote, ir_signed_note_free)

/* Checks a body before the signature lines are read, so that a note's
 * first fault is the one reported. */
typedef gboolean (*IrSignedNoteBodyFunc) (const char *body, gpointer user_data, GError **error);

/* @what names the kind of note in errors ("checkpoint", "rollout policy");
 * @max_len bounds the whole text; @check_body may be NULL. */
IrSignedNote *ir_signed_note_parse (const char *text,
				    gsize len,
				    gsize max_len,
				    const char *what,
				    IrSignedNoteBodyFunc check_body,
				    gpointer user_data,
				    GError **error);

/* The whole note: @body (non-empty, ending with '\n', no blank last line)
 * and one signature line by @key (private). */
char *ir_signed_note_sign (const char *body, const char *key_name, EVP_PKEY *key, GError **error);

/* "— <name> <base64>\n": one more signature line over @body. */
char *ir_signed_note_signature_line (const char *body,
				     const char *key_name,
				     EVP_PKEY *key,
				     GError **error);

/* TRUE when a signature line by (@key_name, @public_key) verifies;
 * IR_ERROR_TAMPERED naming why otherwise (@what names the note: "the
 * checkpoint of X at size N", "rollout policy version 7"). Lines by other
 * names or keys are kept, never trusted. */
gboolean ir_signed_note_verify (const IrSignedNote *note,
				const char *key_name,
				EVP_PKEY *public_key,
				const char *what,
				GError **error);

/* The signed-note key id of (@key_name, @public_key): an Ed25519 key and a
 * name without space, '+' or control characters. */
gboolean
ir_signed_note_key_id (const char *key_name, EVP_PKEY *public_key, guint8 out[4], GError **error);

/* Standard padded base64 that re-encodes to the same text, or NULL. */
GBytes *ir_signed_note_base64_decode (const char *text, gsize len);

G_END_DECLS
