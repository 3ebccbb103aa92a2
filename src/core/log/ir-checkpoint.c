/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <openssl/evp.h>

#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-signed-note.h"

/* C2SP tlog-checkpoint bodies in signed notes (ir-signed-note.c). Limits
 * keep a hostile note from costing more than a few kilobytes of work; they
 * are far above anything a log writes. */
#define IR_CHECKPOINT_MAX_NOTE_LEN 65536
/* base64 of a 32-byte root: 44 characters (g_base64_encode_step wants room
 * for 48) */
#define IR_CHECKPOINT_ROOT_B64_LEN 48

void
ir_checkpoint_free (IrCheckpoint *checkpoint)
{
	if (checkpoint == NULL)
		return;
	g_free (checkpoint->origin);
	g_ptr_array_unref (checkpoint->extensions);
	if (checkpoint->signatures != NULL)
		g_ptr_array_unref (checkpoint->signatures);
	g_free (checkpoint->body);
	g_free (checkpoint);
}

static gboolean ir_checkpoint_fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
ir_checkpoint_fail (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "malformed checkpoint note: %s", msg);
	return FALSE;
}

/* Decimal uint64, "0" or no leading zero. */
static gboolean
ir_checkpoint_parse_size (const char *text, gsize len, guint64 *out)
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
ir_checkpoint_line_is_clean (const char *line, gsize len)
{
	return len > 0 && !g_ascii_isspace (line[0]) && !g_ascii_isspace (line[len - 1]);
}

static gboolean
ir_checkpoint_parse_body (const char *body, gpointer user_data, GError **error)
{
	IrCheckpoint *cp = user_data;
	/* the body ends with '\n' (the caller split there): not a line */
	g_autofree char *text = g_strndup (body, strlen (body) - 1);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	g_autoptr (GBytes) root = NULL;
	guint n_lines;

	n_lines = g_strv_length (lines);
	if (n_lines < 3)
		return ir_checkpoint_fail (
		    error,
		    "the body has %u lines, a checkpoint needs origin, size and root",
		    n_lines);
	for (guint i = 0; i < n_lines; i++) {
		if (!ir_checkpoint_line_is_clean (lines[i], strlen (lines[i])))
			return ir_checkpoint_fail (
			    error, "body line %u is empty or has leading or trailing space", i + 1);
	}
	cp->origin = g_strdup (lines[0]);
	if (!ir_checkpoint_parse_size (lines[1], strlen (lines[1]), &cp->size))
		return ir_checkpoint_fail (
		    error,
		    "the tree size \"%s\" is not a decimal 64-bit number without leading "
		    "zeros",
		    lines[1]);
	root = ir_signed_note_base64_decode (lines[2], strlen (lines[2]));
	if (root == NULL || g_bytes_get_size (root) != IR_MERKLE_HASH_LEN)
		return ir_checkpoint_fail (
		    error, "the root hash is not %d bytes of standard base64", IR_MERKLE_HASH_LEN);
	memcpy (cp->root, g_bytes_get_data (root, NULL), IR_MERKLE_HASH_LEN);
	for (guint i = 3; i < n_lines; i++)
		g_ptr_array_add (cp->extensions, g_strdup (lines[i]));
	return TRUE;
}

IrCheckpoint *
ir_checkpoint_parse (const char *text, gsize len, GError **error)
{
	g_autoptr (IrSignedNote) note = NULL;
	g_autoptr (IrCheckpoint) cp = NULL;

	g_return_val_if_fail (text != NULL || len == 0, NULL);

	cp = g_new0 (IrCheckpoint, 1);
	cp->extensions = g_ptr_array_new_with_free_func (g_free);
	note = ir_signed_note_parse (text,
				     len,
				     IR_CHECKPOINT_MAX_NOTE_LEN,
				     "checkpoint",
				     ir_checkpoint_parse_body,
				     cp,
				     error);
	if (note == NULL)
		return NULL;
	cp->signatures = g_ptr_array_ref (note->signatures);
	cp->body = g_steal_pointer (&note->body);
	return g_steal_pointer (&cp);
}

gboolean
ir_checkpoint_key_id (const char *key_name, EVP_PKEY *public_key, guint8 out[4], GError **error)
{
	return ir_signed_note_key_id (key_name, public_key, out, error);
}

gboolean
ir_checkpoint_check_origin (const char *origin, GError **error)
{
	if (ir_checkpoint_line_is_clean (origin, strlen (origin)) &&
	    strchr (origin, '\n') == NULL && g_utf8_validate (origin, -1, NULL))
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "checkpoint origin \"%s\" must be one non-empty line of UTF-8 without "
		     "leading or trailing space",
		     origin);
	return FALSE;
}

char *
ir_checkpoint_sign_with (const char *origin,
			 guint64 size,
			 const guint8 root[IR_MERKLE_HASH_LEN],
			 IrNoteSigner *signer,
			 GError **error)
{
	char root_b64[IR_CHECKPOINT_ROOT_B64_LEN + 1];
	g_autoptr (GString) note = NULL;
	gsize body_len;
	gint state = 0;
	gint save = 0;
	gsize n;

	g_return_val_if_fail (origin != NULL && signer != NULL, NULL);

	if (!ir_checkpoint_check_origin (origin, error))
		return NULL;
	n = g_base64_encode_step (root, IR_MERKLE_HASH_LEN, FALSE, root_b64, &state, &save);
	n += g_base64_encode_close (FALSE, root_b64 + n, &state, &save);
	root_b64[n] = '\0';
	/* the body, then the empty line and the signature line over it, in
	 * one buffer */
	note = g_string_sized_new (2 * strlen (origin) + 192);
	g_string_printf (note, "%s\n%" G_GUINT64_FORMAT "\n%s\n", origin, size, root_b64);
	body_len = note->len;
	g_string_append_c (note, '\n');
	if (!ir_note_signer_append_line (signer, note->str, body_len, note, error))
		return NULL;
	return g_string_free (g_steal_pointer (&note), FALSE);
}

char *
ir_checkpoint_sign (const char *origin,
		    guint64 size,
		    const guint8 root[IR_MERKLE_HASH_LEN],
		    const char *key_name,
		    EVP_PKEY *key,
		    GError **error)
{
	g_autoptr (IrNoteSigner) signer = NULL;

	g_return_val_if_fail (origin != NULL && key_name != NULL, NULL);

	/* the origin first, as before signers: its error is the one reported */
	if (!ir_checkpoint_check_origin (origin, error))
		return NULL;
	signer = ir_note_signer_new (key_name, key, error);
	if (signer == NULL)
		return NULL;
	return ir_checkpoint_sign_with (origin, size, root, signer, error);
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
	if (cp->signatures->len >= IR_SIGNED_NOTE_MAX_SIGNATURES) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot cosign as %s: the note already has %d signatures",
			     key_name,
			     IR_SIGNED_NOTE_MAX_SIGNATURES);
		return NULL;
	}
	line = ir_signed_note_signature_line (cp->body, key_name, key, error);
	if (line == NULL)
		return NULL;
	/* the existing lines stay byte for byte, the new one goes last */
	return g_strconcat (note, line, NULL);
}

gboolean
ir_checkpoint_verify (const IrCheckpoint *checkpoint,
		      const char *key_name,
		      EVP_PKEY *public_key,
		      GError **error)
{
	IrSignedNote note = {.body = checkpoint->body, .signatures = checkpoint->signatures};
	g_autofree char *what = NULL;

	g_return_val_if_fail (checkpoint != NULL && key_name != NULL, FALSE);

	what = g_strdup_printf ("the checkpoint of %s at size %" G_GUINT64_FORMAT,
				checkpoint->origin,
				checkpoint->size);
	return ir_signed_note_verify (&note, key_name, public_key, what, error);
}
