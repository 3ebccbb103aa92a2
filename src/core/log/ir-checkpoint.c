/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "ir-checkpoint.h"
#include <stdarg.h>

#include "ir-error.h"

/* C2SP signed-note and tlog-checkpoint, Ed25519 only (signature type
 * 0x01). Limits keep a hostile note from costing more than a few
 * kilobytes of work; they are far above anything a log writes. */
#define IR_CHECKPOINT_MAX_NOTE_LEN   65536
#define IR_CHECKPOINT_MAX_SIGNATURES 100
#define IR_CHECKPOINT_ED25519_TYPE   0x01
#define IR_CHECKPOINT_ED25519_LEN    64
#define IR_CHECKPOINT_EM_DASH	     "\xe2\x80\x94 "

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

static void
note_signature_free (gpointer data)
{
	IrNoteSignature *sig = data;

	g_free (sig->key_name);
	if (sig->signature != NULL)
		g_bytes_unref (sig->signature);
	g_free (sig);
}

void
ir_checkpoint_free (IrCheckpoint *checkpoint)
{
	if (checkpoint == NULL)
		return;
	g_free (checkpoint->origin);
	g_ptr_array_unref (checkpoint->extensions);
	g_ptr_array_unref (checkpoint->signatures);
	g_free (checkpoint->body);
	g_free (checkpoint);
}

static gboolean fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "malformed checkpoint note: %s", msg);
	return FALSE;
}

/* Key names: non-empty, no Unicode space, no '+' (the signed-note rule,
 * so that "name+hash+key" verifier strings stay unambiguous). */
static gboolean
key_name_is_valid (const char *name, gsize len)
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

/* Standard base64 with padding, nothing else: g_base64_decode() skips
 * stray characters, so the canonical re-encoding must match too. */
static GBytes *
base64_decode_strict (const char *text, gsize len)
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

/* Decimal uint64, "0" or no leading zero. */
static gboolean
parse_size (const char *text, gsize len, guint64 *out)
{
	guint64 value = 0;

	if (len == 0 || len > 20 || (text[0] == '0' && len > 1))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		guint digit;

		if (!g_ascii_isdigit (text[i]))
			return FALSE;
		digit = (guint)(text[i] - '0');
		if (value > (G_MAXUINT64 - digit) / 10)
			return FALSE;
		value = value * 10 + digit;
	}
	*out = value;
	return TRUE;
}

/* A body or extension line: non-empty text with no leading or trailing
 * space (what a signer wrote is what is signed, nothing to trim). */
static gboolean
line_is_clean (const char *line, gsize len)
{
	return len > 0 && !g_ascii_isspace (line[0]) && !g_ascii_isspace (line[len - 1]);
}

static gboolean
parse_body (IrCheckpoint *cp, const char *body, gsize len, GError **error)
{
	/* the body ends with '\n' (the caller split there): not a line */
	g_autofree char *text = g_strndup (body, len - 1);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	g_autoptr (GBytes) root = NULL;
	guint n_lines;

	n_lines = g_strv_length (lines);
	if (n_lines < 3)
		return fail (error,
			     "the body has %u lines, a checkpoint needs origin, size and root",
			     n_lines);
	for (guint i = 0; i < n_lines; i++) {
		if (!line_is_clean (lines[i], strlen (lines[i])))
			return fail (
			    error, "body line %u is empty or has leading or trailing space", i + 1);
	}
	cp->origin = g_strdup (lines[0]);
	if (!parse_size (lines[1], strlen (lines[1]), &cp->size))
		return fail (error,
			     "the tree size \"%s\" is not a decimal 64-bit number without leading "
			     "zeros",
			     lines[1]);
	root = base64_decode_strict (lines[2], strlen (lines[2]));
	if (root == NULL || g_bytes_get_size (root) != IR_MERKLE_HASH_LEN)
		return fail (
		    error, "the root hash is not %d bytes of standard base64", IR_MERKLE_HASH_LEN);
	memcpy (cp->root, g_bytes_get_data (root, NULL), IR_MERKLE_HASH_LEN);
	for (guint i = 3; i < n_lines; i++)
		g_ptr_array_add (cp->extensions, g_strdup (lines[i]));
	return TRUE;
}

static gboolean
parse_signature_line (IrCheckpoint *cp, const char *line, gsize len, guint lineno, GError **error)
{
	const gsize dash_len = strlen (IR_CHECKPOINT_EM_DASH);
	const char *name;
	const char *space;
	g_autoptr (GBytes) blob = NULL;
	IrNoteSignature *sig;
	const guint8 *raw;
	gsize raw_len = 0;

	if (len < dash_len || memcmp (line, IR_CHECKPOINT_EM_DASH, dash_len) != 0)
		return fail (
		    error,
		    "signature line %u does not start with an em dash (U+2014) and a space",
		    lineno);
	name = line + dash_len;
	space = memchr (name, ' ', len - dash_len);
	if (space == NULL)
		return fail (
		    error, "signature line %u has no space between name and signature", lineno);
	if (!key_name_is_valid (name, (gsize)(space - name)))
		return fail (error,
			     "signature line %u: the key name is empty or has a space, '+' or a "
			     "control character",
			     lineno);
	blob = base64_decode_strict (space + 1, (gsize)(line + len - space - 1));
	if (blob == NULL || g_bytes_get_size (blob) < 5)
		return fail (error,
			     "signature line %u: the signature is not standard base64 of a key id "
			     "and a signature",
			     lineno);
	raw = g_bytes_get_data (blob, &raw_len);
	sig = g_new0 (IrNoteSignature, 1);
	sig->key_name = g_strndup (name, (gsize)(space - name));
	memcpy (sig->key_id, raw, 4);
	sig->signature = g_bytes_new (raw + 4, raw_len - 4);
	g_ptr_array_add (cp->signatures, sig);
	return TRUE;
}

static gboolean
parse_signatures (IrCheckpoint *cp, const char *text, gsize len, GError **error)
{
	const char *end = text + len;
	guint lineno = 0;

	if (len == 0)
		return fail (error, "no signature lines after the empty line");
	for (const char *p = text; p < end;) {
		const char *nl = memchr (p, '\n', (gsize)(end - p));

		/* the caller made sure the note ends with '\n' */
		if (++lineno > IR_CHECKPOINT_MAX_SIGNATURES)
			return fail (
			    error, "more than %d signature lines", IR_CHECKPOINT_MAX_SIGNATURES);
		if (!parse_signature_line (cp, p, (gsize)(nl - p), lineno, error))
			return FALSE;
		p = nl + 1;
	}
	return TRUE;
}

/* Valid UTF-8, no control character but '\n', ends with '\n'. */
static gboolean
check_note_text (const char *text, gsize len, GError **error)
{
	if (len == 0)
		return fail (error, "it is empty");
	if (len > IR_CHECKPOINT_MAX_NOTE_LEN)
		return fail (error,
			     "it is %" G_GSIZE_FORMAT " bytes, more than the %d allowed",
			     len,
			     IR_CHECKPOINT_MAX_NOTE_LEN);
	for (gsize i = 0; i < len; i++) {
		guint8 c = (guint8)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return fail (error, "control byte 0x%02x at offset %" G_GSIZE_FORMAT, c, i);
	}
	if (!g_utf8_validate_len (text, len, NULL))
		return fail (error, "it is not valid UTF-8");
	if (text[len - 1] != '\n')
		return fail (error, "it does not end with a newline");
	return TRUE;
}

IrCheckpoint *
ir_checkpoint_parse (const char *text, gsize len, GError **error)
{
	g_autoptr (IrCheckpoint) cp = NULL;
	const char *split = NULL;

	g_return_val_if_fail (text != NULL || len == 0, NULL);

	if (!check_note_text (text, len, error))
		return NULL;
	/* the body ends at the last blank line: signature lines never hold one */
	for (gsize i = len - 1; i > 0; i--) {
		if (text[i] == '\n' && text[i - 1] == '\n') {
			split = text + i;
			break;
		}
	}
	if (split == NULL || split == text + 1) {
		fail (error, "no empty line between the body and the signatures");
		return NULL;
	}
	cp = g_new0 (IrCheckpoint, 1);
	cp->extensions = g_ptr_array_new_with_free_func (g_free);
	cp->signatures = g_ptr_array_new_with_free_func (note_signature_free);
	cp->body = g_strndup (text, (gsize)(split - text));
	if (!parse_body (cp, cp->body, strlen (cp->body), error))
		return NULL;
	if (!parse_signatures (cp, split + 1, (gsize)(text + len - split - 1), error))
		return NULL;
	return g_steal_pointer (&cp);
}

static gboolean
check_ed25519 (EVP_PKEY *key, const char *key_name, GError **error)
{
	if (key == NULL || EVP_PKEY_get_base_id (key) != EVP_PKEY_ED25519) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "key %s is not an Ed25519 key: checkpoints are signed with Ed25519 "
			     "(signed-note type 0x01) only",
			     key_name);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_checkpoint_key_id (const char *key_name, EVP_PKEY *public_key, guint8 out[4], GError **error)
{
	g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	static const guint8 sep_type[] = {'\n', IR_CHECKPOINT_ED25519_TYPE};
	guint8 raw[32];
	guint8 digest[32];
	gsize raw_len = sizeof (raw);
	gsize digest_len = sizeof (digest);

	g_return_val_if_fail (key_name != NULL, FALSE);

	if (!key_name_is_valid (key_name, strlen (key_name))) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "key name \"%s\" is empty or has a space, '+' or a control character",
			     key_name);
		return FALSE;
	}
	if (!check_ed25519 (public_key, key_name, error))
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

/* "— <name> <base64(key id || signature)>\n" over @body */
static char *
signature_line (const char *body, const char *key_name, EVP_PKEY *key, GError **error)
{
	g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
	guint8 blob[4 + IR_CHECKPOINT_ED25519_LEN];
	gsize sig_len = IR_CHECKPOINT_ED25519_LEN;
	g_autofree char *b64 = NULL;

	if (!ir_checkpoint_key_id (key_name, key, blob, error))
		return NULL;
	if (ctx == NULL || EVP_DigestSignInit (ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign (ctx, blob + 4, &sig_len, (const guint8 *)body, strlen (body)) != 1 ||
	    sig_len != IR_CHECKPOINT_ED25519_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to sign the checkpoint with key %s: is it a private key?",
			     key_name);
		return NULL;
	}
	b64 = g_base64_encode (blob, sizeof (blob));
	return g_strdup_printf (IR_CHECKPOINT_EM_DASH "%s %s\n", key_name, b64);
}

char *
ir_checkpoint_sign (const char *origin,
		    guint64 size,
		    const guint8 root[IR_MERKLE_HASH_LEN],
		    const char *key_name,
		    EVP_PKEY *key,
		    GError **error)
{
	g_autofree char *root_b64 = g_base64_encode (root, IR_MERKLE_HASH_LEN);
	g_autofree char *body = NULL;
	g_autofree char *line = NULL;

	g_return_val_if_fail (origin != NULL && key_name != NULL, NULL);

	if (!line_is_clean (origin, strlen (origin)) || strchr (origin, '\n') != NULL ||
	    !g_utf8_validate (origin, -1, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "checkpoint origin \"%s\" must be one non-empty line of UTF-8 without "
			     "leading or trailing space",
			     origin);
		return NULL;
	}
	body = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT "\n%s\n", origin, size, root_b64);
	line = signature_line (body, key_name, key, error);
	if (line == NULL)
		return NULL;
	return g_strconcat (body, "\n", line, NULL);
}

char *
ir_checkpoint_cosign (const char *note, const char *key_name, EVP_PKEY *key, GError **error)
{
	g_autoptr (IrCheckpoint) cp = NULL;
	g_autofree char *line = NULL;

	g_return_val_if_fail (note != NULL && key_name != NULL, NULL);

	cp = ir_checkpoint_parse (note, strlen (note), error);
	if (cp == NULL) {
		g_prefix_error (error, "cannot cosign as %s: ", key_name);
		return NULL;
	}
	if (cp->signatures->len >= IR_CHECKPOINT_MAX_SIGNATURES) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot cosign as %s: the note already has %d signatures",
			     key_name,
			     IR_CHECKPOINT_MAX_SIGNATURES);
		return NULL;
	}
	line = signature_line (cp->body, key_name, key, error);
	if (line == NULL)
		return NULL;
	/* the existing lines stay byte for byte, the new one goes last */
	return g_strconcat (note, line, NULL);
}

static gboolean
signature_verifies (const IrCheckpoint *checkpoint, const IrNoteSignature *sig, EVP_PKEY *key)
{
	g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
	gsize sig_len = 0;
	const guint8 *sig_data = g_bytes_get_data (sig->signature, &sig_len);

	if (ctx == NULL || sig_len != IR_CHECKPOINT_ED25519_LEN)
		return FALSE;
	if (EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, key) != 1)
		return FALSE;
	return EVP_DigestVerify (ctx,
				 sig_data,
				 sig_len,
				 (const guint8 *)checkpoint->body,
				 strlen (checkpoint->body)) == 1;
}

gboolean
ir_checkpoint_verify (const IrCheckpoint *checkpoint,
		      const char *key_name,
		      EVP_PKEY *public_key,
		      GError **error)
{
	guint8 key_id[4];
	gboolean seen = FALSE;

	g_return_val_if_fail (checkpoint != NULL && key_name != NULL, FALSE);

	if (!ir_checkpoint_key_id (key_name, public_key, key_id, error))
		return FALSE;
	for (guint i = 0; i < checkpoint->signatures->len; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (checkpoint->signatures, i);

		/* lines by other names or other keys are kept, never trusted */
		if (g_strcmp0 (sig->key_name, key_name) != 0 ||
		    memcmp (sig->key_id, key_id, 4) != 0)
			continue;
		if (signature_verifies (checkpoint, sig, public_key))
			return TRUE;
		seen = TRUE;
	}
	if (seen) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_TAMPERED,
		    "the signature by %s on the checkpoint of %s at size %" G_GUINT64_FORMAT
		    " does not verify: the checkpoint was altered after signing",
		    key_name,
		    checkpoint->origin,
		    checkpoint->size);
		return FALSE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TAMPERED,
		     "the checkpoint of %s at size %" G_GUINT64_FORMAT
		     " has no signature by %s (key id %02x%02x%02x%02x): signed by another key?",
		     checkpoint->origin,
		     checkpoint->size,
		     key_name,
		     key_id[0],
		     key_id[1],
		     key_id[2],
		     key_id[3]);
	return FALSE;
}
