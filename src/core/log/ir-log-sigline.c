/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-log-sigline.h"

#define IR_LOG_SIGLINE_DASH_LEN (sizeof (IR_LOG_SIGLINE_EM_DASH) - 1)

char *
ir_log_sigline_body (const char *origin, guint64 size, const guint8 root[IR_MERKLE_HASH_LEN])
{
	g_autofree char *b64 = g_base64_encode (root, IR_MERKLE_HASH_LEN);

	return g_strdup_printf ("%s\n%" G_GUINT64_FORMAT "\n%s\n", origin, size, b64);
}

/* the body "origin\nsize\nroot\n" into @buf (room for the origin + 70):
 * the bytes of ir_log_sigline_body(), without printf */
static gsize
ir_log_sigline_write_body (char *buf,
			   const char *origin,
			   gsize origin_len,
			   guint64 size,
			   const guint8 root[IR_MERKLE_HASH_LEN])
{
	char digits[20];
	guint n_digits = 0;
	gint state = 0;
	gint save = 0;
	gsize n = 0;

	memcpy (buf, origin, origin_len);
	n += origin_len;
	buf[n++] = '\n';
	do {
		digits[sizeof (digits) - 1 - n_digits++] = (char)('0' + size % 10);
		size /= 10;
	} while (size != 0);
	memcpy (buf + n, digits + sizeof (digits) - n_digits, n_digits);
	n += n_digits;
	buf[n++] = '\n';
	n += g_base64_encode_step (root, IR_MERKLE_HASH_LEN, FALSE, buf + n, &state, &save);
	n += g_base64_encode_close (FALSE, buf + n, &state, &save);
	buf[n++] = '\n';
	return n;
}

gboolean
ir_log_sigline_append_signed (IrNoteSigner *signer,
			      const char *origin,
			      guint64 size,
			      const guint8 root[IR_MERKLE_HASH_LEN],
			      GString *out,
			      GError **error)
{
	/* newline, 20 digits, newline, base64 (44, g_base64_encode_step wants
	 * room for 48), newline */
	gsize origin_len = strlen (origin);
	gsize room = origin_len + 1 + 20 + 1 + 48 + 1;
	char stack[320];
	g_autofree char *heap = room > sizeof (stack) ? g_malloc (room) : NULL;
	char *body = heap != NULL ? heap : stack;
	gsize len = ir_log_sigline_write_body (body, origin, origin_len, size, root);

	return ir_note_signer_append_line (signer, body, len, out, error);
}

char *
ir_log_sigline_note (const char *origin,
		     guint64 size,
		     const guint8 root[IR_MERKLE_HASH_LEN],
		     const char *line,
		     gsize line_len)
{
	g_autofree char *body = ir_log_sigline_body (origin, size, root);
	GString *note = g_string_new (body);

	g_string_append_c (note, '\n');
	g_string_append_len (note, line, (gssize)line_len);
	g_string_append_c (note, '\n');
	return g_string_free (note, FALSE);
}

char *
ir_log_sigline_from_note (const char *note)
{
	const char *sig = strstr (note, "\n\n" IR_LOG_SIGLINE_EM_DASH);

	return sig != NULL ? g_strdup (sig + 2) : NULL;
}

static gboolean
ir_log_sigline_is_base64 (const char *text, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' &&
		    text[i] != '=')
			return FALSE;
	}
	return TRUE;
}

gboolean
ir_log_sigline_parse (const char *line, gsize len, const char **name, gsize *name_len)
{
	const char *start = line + IR_LOG_SIGLINE_DASH_LEN;
	const char *space;

	if (len < IR_LOG_SIGLINE_DASH_LEN + 2 + IR_LOG_SIGLINE_B64 ||
	    memcmp (line, IR_LOG_SIGLINE_EM_DASH, IR_LOG_SIGLINE_DASH_LEN) != 0)
		return FALSE;
	space = memchr (start, ' ', len - IR_LOG_SIGLINE_DASH_LEN);
	if (space == NULL || space == start ||
	    (gsize)(line + len - (space + 1)) != IR_LOG_SIGLINE_B64)
		return FALSE;
	for (const char *p = start; p < space; p++) {
		if ((guchar)*p <= ' ' || *p == '+')
			return FALSE;
	}
	*name = start;
	*name_len = (gsize)(space - start);
	return ir_log_sigline_is_base64 (space + 1, IR_LOG_SIGLINE_B64);
}

gboolean
ir_log_sigline_is_prefix (const char *text, gsize len, const char *origin)
{
	g_autofree char *guessed = NULL;
	g_autofree char *known = NULL;
	gsize known_len;

	if (memchr (text, '\n', len) != NULL)
		return FALSE;
	if (origin == NULL) {
		/* nothing says the key name (a log of one torn record): any
		 * name of the right shape, up to the space after it */
		const char *start = text + MIN (len, IR_LOG_SIGLINE_DASH_LEN);
		const char *space = memchr (start, ' ', (gsize)(text + len - start));

		if (space == NULL)
			space = text + len;
		for (const char *p = start; p < space; p++) {
			if ((guchar)*p <= ' ' || *p == '+')
				return FALSE;
		}
		guessed = g_strndup (start, (gsize)(space - start));
		origin = guessed;
	}
	known = g_strconcat (IR_LOG_SIGLINE_EM_DASH, origin, " ", NULL);
	known_len = strlen (known);
	if (memcmp (text, known, MIN (len, known_len)) != 0)
		return FALSE;
	if (len <= known_len)
		return TRUE;
	/* up to all 92 characters: only the newline is missing */
	return len - known_len <= IR_LOG_SIGLINE_B64 &&
	       ir_log_sigline_is_base64 (text + known_len, len - known_len);
}

gboolean
ir_log_sigline_verify (const char *origin,
		       guint64 size,
		       const guint8 root[IR_MERKLE_HASH_LEN],
		       const char *line,
		       gsize line_len,
		       const char *key_name,
		       EVP_PKEY *key,
		       GError **error)
{
	g_autofree char *note = ir_log_sigline_note (origin, size, root, line, line_len);
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (note, strlen (note), error);

	return cp != NULL && ir_checkpoint_verify (cp, key_name, key, error);
}
