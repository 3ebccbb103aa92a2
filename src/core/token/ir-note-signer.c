/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/err.h>

#include "ir-error.h"
#include "ir-note-signer.h"
#include "ir-signed-note.h"

#define IR_NOTE_SIGNER_SIG_LEN 64
#define IR_NOTE_SIGNER_EM_DASH "\xe2\x80\x94 "

struct _IrNoteSigner {
	char *key_name;
	EVP_PKEY *key;
	EVP_MD_CTX *ctx; /* initialised once, reused while OpenSSL takes it */
	gboolean ready;	 /* ctx is initialised for signing with key */
	guint8 blob[4 + IR_NOTE_SIGNER_SIG_LEN]; /* key id, then the signature */
};

IrNoteSigner *
ir_note_signer_new (const char *key_name, EVP_PKEY *key, GError **error)
{
	g_autoptr (IrNoteSigner) self = g_new0 (IrNoteSigner, 1);

	g_return_val_if_fail (key_name != NULL, NULL);

	/* checks the name and that the key is Ed25519 */
	if (!ir_signed_note_key_id (key_name, key, self->blob, error))
		return NULL;
	self->key_name = g_strdup (key_name);
	self->key = key;
	EVP_PKEY_up_ref (key);
	self->ctx = EVP_MD_CTX_new ();
	if (self->ctx == NULL) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_FAILED, "out of memory");
		return NULL;
	}
	return g_steal_pointer (&self);
}

void
ir_note_signer_free (IrNoteSigner *self)
{
	if (self == NULL)
		return;
	g_free (self->key_name);
	EVP_PKEY_free (self->key);
	EVP_MD_CTX_free (self->ctx);
	g_free (self);
}

const char *
ir_note_signer_get_key_name (const IrNoteSigner *self)
{
	return self->key_name;
}

static gboolean
ir_note_signer_sign_once (IrNoteSigner *self, const guint8 *body, gsize len)
{
	gsize sig_len = IR_NOTE_SIGNER_SIG_LEN;

	if (!self->ready && EVP_DigestSignInit (self->ctx, NULL, NULL, NULL, self->key) != 1)
		return FALSE;
	self->ready = TRUE;
	if (EVP_DigestSign (self->ctx, self->blob + 4, &sig_len, body, len) != 1 ||
	    sig_len != IR_NOTE_SIGNER_SIG_LEN) {
		self->ready = FALSE;
		return FALSE;
	}
	return TRUE;
}

/* Ed25519 signs one-shot and OpenSSL 3.0's EdDSA context keeps no state
 * between messages, so the context is set up once and reused: a new
 * EVP_DigestSignInit per note (a provider context, the key's checks) cost
 * about 8,000 instructions of every migration-log append. An OpenSSL that
 * refuses a second EVP_DigestSign on one context gets a fresh
 * initialisation and one more try, so it only costs the old price. */
static gboolean
ir_note_signer_sign (IrNoteSigner *self, const guint8 *body, gsize len)
{
	gboolean reused = self->ready;

	if (ir_note_signer_sign_once (self, body, len))
		return TRUE;
	if (!reused)
		return FALSE;
	ERR_clear_error ();
	return ir_note_signer_sign_once (self, body, len);
}

gboolean
ir_note_signer_append_line (
    IrNoteSigner *self, const char *body, gsize len, GString *out, GError **error)
{
	/* base64 of 68 bytes: 92 characters (g_base64_encode_step wants room for 96) */
	char b64[100];
	gint state = 0;
	gint save = 0;
	gsize n;

	if (!ir_note_signer_sign (self, (const guint8 *)body, len)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to sign with key %s: is it a private key?",
			     self->key_name);
		return FALSE;
	}
	n = g_base64_encode_step (self->blob, sizeof (self->blob), FALSE, b64, &state, &save);
	n += g_base64_encode_close (FALSE, b64 + n, &state, &save);
	g_string_append (out, IR_NOTE_SIGNER_EM_DASH);
	g_string_append (out, self->key_name);
	g_string_append_c (out, ' ');
	g_string_append_len (out, b64, (gssize)n);
	g_string_append_c (out, '\n');
	return TRUE;
}
