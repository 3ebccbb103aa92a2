/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-at-charset.h"

gboolean
ir_at_charset_looks_encoded (const char *text)
{
	gsize len = text != NULL ? strlen (text) : 0;

	if (len < 4 || len % 2 != 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit (text[i]))
			return FALSE;
	}
	return TRUE;
}

char *
ir_at_charset_normalise (const char *name)
{
	g_autofree char *upper = g_ascii_strup (name != NULL ? name : "", -1);

	/* "UCS-2" is how some Sierra and Telit firmwares spell it */
	if (g_strcmp0 (upper, "UCS-2") == 0)
		return g_strdup ("UCS2");
	return g_steal_pointer (&upper);
}

gboolean
ir_at_charset_is_encoded (const char *charset)
{
	return g_strcmp0 (charset, "UCS2") == 0 || g_strcmp0 (charset, "HEX") == 0;
}

/* @len hex digits at @text -> their value */
static guint
ir_at_charset_hex_value (const char *text, guint len)
{
	guint value = 0;

	for (guint i = 0; i < len; i++)
		value = value * 16 + (guint)g_ascii_xdigit_value (text[i]);
	return value;
}

/* Identity strings (names, models, IMEIs) are printable ASCII. Decoded to
 * anything else, the answer was never encoded: some firmwares in UCS2 send
 * numbers plainly, and an IMEISV "4901542032375101" read as UCS2 would be
 * four CJK characters. */
static gboolean
ir_at_charset_text_ok (const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return FALSE;
	}
	return TRUE;
}

static char *
ir_at_charset_decode_ucs2 (const char *text, gsize len)
{
	g_autofree gunichar2 *units = NULL;
	g_autofree char *utf8 = NULL;
	gsize n = len / 4;

	if (len % 4 != 0)
		return NULL;
	units = g_new0 (gunichar2, n + 1);
	for (gsize i = 0; i < n; i++)
		units[i] = (gunichar2)ir_at_charset_hex_value (text + 4 * i, 4);
	utf8 = g_utf16_to_utf8 (units, (glong)n, NULL, NULL, NULL);
	return g_steal_pointer (&utf8);
}

static char *
ir_at_charset_decode_hex (const char *text, gsize len)
{
	g_autoptr (GString) out = g_string_new (NULL);

	for (gsize i = 0; i + 1 < len; i += 2)
		g_string_append_c (out, (char)ir_at_charset_hex_value (text + i, 2));
	if (memchr (out->str, '\0', out->len) != NULL)
		return NULL;
	return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
ir_at_charset_decode (const char *charset, const char *text)
{
	g_autofree char *decoded = NULL;

	if (!ir_at_charset_looks_encoded (text))
		return NULL;
	if (g_strcmp0 (charset, "UCS2") == 0)
		decoded = ir_at_charset_decode_ucs2 (text, strlen (text));
	else if (g_strcmp0 (charset, "HEX") == 0)
		decoded = ir_at_charset_decode_hex (text, strlen (text));
	if (decoded == NULL || decoded[0] == '\0' || !ir_at_charset_text_ok (decoded))
		return NULL;
	return g_steal_pointer (&decoded);
}
