/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ir-error.h"
#include "ir-note-signer.h"
#include "ir-signed-note.h"
#include "ir-openssl-autoptr.h"

/* Ed25519 is signed-note signature type 0x01; the spec has no settled
 * ECDSA type, so no other key is accepted. */
#define ED25519_TYPE 0x01
#define ED25519_LEN  64
#define EM_DASH	     "\xe2\x80\x94 "

static void
ir_signed_note_signature_free (gpointer data)
{
	IrNoteSignature *sig = data;

	g_free (sig->key_name);
	if (sig->signature != NULL)
		g_bytes_unref (sig->signature);
	g_free (sig);
}

void
ir_signed_note_free (IrSignedNote *note)
{
	if (note == NULL)
		return;
	g_free (note->body);
	g_ptr_array_unref (note->signatures);
	g_free (note);
}

static gboolean ir_signed_note_fail (GError **error, const char *what, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
ir_signed_note_fail (GError **error, const char *what, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "malformed %s note: %s", what, msg);
	return FALSE;
}

/* Key names: non-empty, no Unicode space, no '+' (the signed-note rule,
 * so that "name+hash+key" verifier strings stay unambiguous). */
static gboolean
ir_signed_note_key_name_is_valid (const char *name, gsize len)
{
	const char *end = name + len;

	if (len == 0 || !g_utf8_validate (name, (gssize)len, NULL))
		return FALSE;
	for (const char *p = name; p < end; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);

		if (c == '+' || g_unichar_isspace (c) || g_unichar_iscntrl (c))
			return FALSE;
	}
	return TRUE;
}

/* g_base64_decode() skips stray characters, so the canonical re-encoding
 * must match too. */
GBytes *
ir_signed_note_base64_decode (const char *text, gsize len)
{
	g_autofree char *copy = NULL;
	g_autofree char *again = NULL;
	g_autofree guchar *raw = NULL;
	gsize raw_len = 0;

	if (len == 0 || len % 4 != 0)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		char c = text[i];

		if (!(g_ascii_isalnum (c) || c == '+' || c == '/' || c == '='))
			return NULL;
	}
	copy = g_strndup (text, len);
	raw = g_base64_decode (copy, &raw_len);
	again = g_base64_encode (raw, raw_len);
	if (strcmp (again, copy) != 0)
		return NULL;
	return g_bytes_new_take (g_steal_pointer (&raw), raw_len);
}

static gboolean
ir_signed_note_parse_line (
    IrSignedNote *note, const char *line, gsize len, guint lineno, const char *what, GError **error)
{
	const gsize dash_len = strlen (EM_DASH);
	const char *name;
	const char *space;
	g_autoptr (GBytes) blob = NULL;
	IrNoteSignature *sig;
	const guint8 *raw;
	gsize raw_len = 0;

	if (len < dash_len || memcmp (line, EM_DASH, dash_len) != 0)
		return ir_signed_note_fail (
		    error,
		    what,
		    "signature line %u does not start with an em dash (U+2014) and a space",
		    lineno);
	name = line + dash_len;
	space = memchr (name, ' ', len - dash_len);
	if (space == NULL)
		return ir_signed_note_fail (
		    error,
		    what,
		    "signature line %u has no space between name and signature",
		    lineno);
	if (!ir_signed_note_key_name_is_valid (name, (gsize)(space - name)))
		return ir_signed_note_fail (
		    error,
		    what,
		    "signature line %u: the key name is empty or has a space, "
		    "'+' or a control character",
		    lineno);
	blob = ir_signed_note_base64_decode (space + 1, (gsize)(line + len - space - 1));
	if (blob == NULL || g_bytes_get_size (blob) < 5)
		return ir_signed_note_fail (
		    error,
		    what,
		    "signature line %u: the signature is not standard base64 "
		    "of a key id and a signature",
		    lineno);
	raw = g_bytes_get_data (blob, &raw_len);
	sig = g_new0 (IrNoteSignature, 1);
	sig->key_name = g_strndup (name, (gsize)(space - name));
	memcpy (sig->key_id, raw, 4);
	sig->signature = g_bytes_new (raw + 4, raw_len - 4);
	g_ptr_array_add (note->signatures, sig);
	return TRUE;
}

static gboolean
ir_signed_note_parse_signatures (
    IrSignedNote *note, const char *text, gsize len, const char *what, GError **error)
{
	const char *end = text + len;
	guint lineno = 0;

	if (len == 0)
		return ir_signed_note_fail (error, what, "no signature lines after the empty line");
	for (const char *p = text; p < end;) {
		const char *nl = memchr (p, '\n', (gsize)(end - p));

		/* the caller made sure the note ends with '\n' */
		if (++lineno > IR_SIGNED_NOTE_MAX_SIGNATURES)
			return ir_signed_note_fail (error,
						    what,
						    "more than %d signature lines",
						    IR_SIGNED_NOTE_MAX_SIGNATURES);
		if (!ir_signed_note_parse_line (note, p, (gsize)(nl - p), lineno, what, error))
			return FALSE;
		p = nl + 1;
	}
	return TRUE;
}

/* Valid UTF-8, no control character but '\n', ends with '\n'. */
static gboolean
ir_signed_note_check_text (
    const char *text, gsize len, gsize max_len, const char *what, GError **error)
{
	if (len == 0)
		return ir_signed_note_fail (error, what, "it is empty");
	if (len > max_len)
		return ir_signed_note_fail (error,
					    what,
					    "it is %" G_GSIZE_FORMAT
					    " bytes, more than the %" G_GSIZE_FORMAT " allowed",
					    len,
					    max_len);
	for (gsize i = 0; i < len; i++) {
		guint8 c = (guint8)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return ir_signed_note_fail (
			    error, what, "control byte 0x%02x at offset %" G_GSIZE_FORMAT, c, i);
	}
	if (!g_utf8_validate_len (text, len, NULL))
		return ir_signed_note_fail (error, what, "it is not valid UTF-8");
	if (text[len - 1] != '\n')
		return ir_signed_note_fail (error, what, "it does not end with a newline");
	return TRUE;
}

IrSignedNote *
ir_signed_note_parse (const char *text,
		      gsize len,
		      gsize max_len,
		      const char *what,
		      IrSignedNoteBodyFunc check_body,
		      gpointer user_data,
		      GError **error)
{
	g_autoptr (IrSignedNote) note = NULL;
	const char *split = NULL;

	g_return_val_if_fail (text != NULL || len == 0, NULL);

	if (!ir_signed_note_check_text (text, len, max_len, what, error))
		return NULL;
	/* the body ends at the last blank line: signature lines never hold one */
	for (gsize i = len - 1; i > 0; i--) {
		if (text[i] == '\n' && text[i - 1] == '\n') {
			split = text + i;
			break;
		}
	}
	if (split == NULL || split == text + 1) {
		ir_signed_note_fail (
		    error, what, "no empty line between the body and the signatures");
		return NULL;
	}
	note = g_new0 (IrSignedNote, 1);
	note->signatures = g_ptr_array_new_with_free_func (ir_signed_note_signature_free);
	note->body = g_strndup (text, (gsize)(split - text));
	if (check_body != NULL && !check_body (note->body, user_data, error))
		return NULL;
	if (!ir_signed_note_parse_signatures (
		note, split + 1, (gsize)(text + len - split - 1), what, error))
		return NULL;
	return g_steal_pointer (&note);
}

static gboolean
ir_signed_note_check_ed25519 (EVP_PKEY *key, const char *key_name, GError **error)
{
	if (key == NULL || EVP_PKEY_get_base_id (key) != EVP_PKEY_ED25519) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "key %s is not an Ed25519 key: signed notes are signed with Ed25519 "
			     "(signed-note type 0x01) only",
			     key_name);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_signed_note_key_id (const char *key_name, EVP_PKEY *public_key, guint8 out[4], GError **error)
{
	g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	static const guint8 sep_type[] = {'\n', ED25519_TYPE};
	guint8 raw[32];
	guint8 digest[32];
	gsize raw_len = sizeof (raw);
	gsize digest_len = sizeof (digest);

	g_return_val_if_fail (key_name != NULL, FALSE);

	if (!ir_signed_note_key_name_is_valid (key_name, strlen (key_name))) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "key name \"%s\" is empty or has a space, '+' or a control character",
			     key_name);
		return FALSE;
	}
	if (!ir_signed_note_check_ed25519 (public_key, key_name, error))
		return FALSE;
	if (EVP_PKEY_get_raw_public_key (public_key, raw, &raw_len) != 1 || raw_len != 32) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot read the Ed25519 public key of %s",
			     key_name);
		return FALSE;
	}
	/* signed-note: SHA-256(name || 0x0A || type || public key)[:4] */
	g_checksum_update (sum, (const guchar *)key_name, (gssize)strlen (key_name));
	g_checksum_update (sum, sep_type, sizeof (sep_type));
	g_checksum_update (sum, raw, sizeof (raw));
	g_checksum_get_digest (sum, digest, &digest_len);
	memcpy (out, digest, 4);
	return TRUE;
}

char *
ir_signed_note_signature_line (const char *body,
			       const char *key_name,
			       EVP_PKEY *key,
			       GError **error)
{
	g_autoptr (IrNoteSigner) signer = ir_note_signer_new (key_name, key, error);
	g_autoptr (GString) line = g_string_new (NULL);

	if (signer == NULL ||
	    !ir_note_signer_append_line (signer, body, strlen (body), line, error))
		return NULL;
	return g_string_free (g_steal_pointer (&line), FALSE);
}

char *
ir_signed_note_sign (const char *body, const char *key_name, EVP_PKEY *key, GError **error)
{
	g_autofree char *line = NULL;
	gsize len;

	g_return_val_if_fail (body != NULL && key_name != NULL, NULL);

	len = strlen (body);
	/* a body that ends in a blank line would move the split point */
	if (len == 0 || body[len - 1] != '\n' || (len >= 2 && body[len - 2] == '\n') ||
	    !g_utf8_validate (body, (gssize)len, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot sign: a note's text must be UTF-8 ending with one newline");
		return NULL;
	}
	line = ir_signed_note_signature_line (body, key_name, key, error);
	if (line == NULL)
		return NULL;
	return g_strconcat (body, "\n", line, NULL);
}

static gboolean
ir_signed_note_signature_verifies (const IrSignedNote *note,
				   const IrNoteSignature *sig,
				   EVP_PKEY *key)
{
	g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
	gsize sig_len = 0;
	const guint8 *sig_data = g_bytes_get_data (sig->signature, &sig_len);

	if (ctx == NULL || sig_len != ED25519_LEN)
		return FALSE;
	if (EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, key) != 1)
		return FALSE;
	return EVP_DigestVerify (
		   ctx, sig_data, sig_len, (const guint8 *)note->body, strlen (note->body)) == 1;
}

gboolean
ir_signed_note_verify (const IrSignedNote *note,
		       const char *key_name,
		       EVP_PKEY *public_key,
		       const char *what,
		       GError **error)
{
	guint8 key_id[4];
	gboolean seen = FALSE;

	g_return_val_if_fail (note != NULL && key_name != NULL, FALSE);

	if (!ir_signed_note_key_id (key_name, public_key, key_id, error))
		return FALSE;
	for (guint i = 0; i < note->signatures->len; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (note->signatures, i);

		if (g_strcmp0 (sig->key_name, key_name) != 0 ||
		    memcmp (sig->key_id, key_id, 4) != 0)
			continue;
		if (ir_signed_note_signature_verifies (note, sig, public_key))
			return TRUE;
		seen = TRUE;
	}
	if (seen) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "the signature by %s on %s does not verify: it was altered after "
			     "signing",
			     key_name,
			     what);
		return FALSE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TAMPERED,
		     "%s has no signature by %s (key id %02x%02x%02x%02x): signed by another key?",
		     what,
		     key_name,
		     key_id[0],
		     key_id[1],
		     key_id[2],
		     key_id[3]);
	return FALSE;
}
