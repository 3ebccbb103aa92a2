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

	if (!ir_checkpoint_line_is_clean (origin, strlen (origin)) ||
	    strchr (origin, '\n') != NULL || !g_utf8_validate (origin, -1, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "checkpoint origin \"%s\" must be one non-empty line of UTF-8 without "
			     "leading or trailing space",
			     origin);
		return NULL;
	}
	body = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT "\n%s\n", origin, size, root_b64);
	line = ir_signed_note_signature_line (body, key_name, key, error);
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
