/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Strings in the TE character set of 3GPP TS 27.007 §5.5 (+CSCS). A phone
 * left in "UCS2" or "HEX" by another program (ModemManager sets UCS2 on
 * many modems) answers every string, the IMEI included, hex-encoded: "UCS2"
 * as 4 hex digits per UTF-16 code unit, "HEX" as 2 per byte. Pure: no I/O. */

/* TRUE when @text could be a string in UCS2 or HEX: hex digits only, an
 * even number of them, at least 4. Plain answers can look so too (an
 * IMEISV is 16 decimal digits), so this only says "ask +CSCS". */
gboolean ir_at_charset_looks_encoded (const char *text);

/* The charset name out of the answer line's value to AT+CSCS? ("UCS2",
 * quotes removed by the caller), normalised to upper case. */
char *ir_at_charset_normalise (const char *name);

/* TRUE for the charsets whose strings ir_at_charset_decode() decodes. */
gboolean ir_at_charset_is_encoded (const char *charset);

/* Decodes @text from @charset ("UCS2" or "HEX"). NULL (no error set: the
 * caller keeps the raw answer) when @text is not a well-formed string in
 * that charset or does not decode to printable ASCII, which every identity
 * string is (a plain IMEISV would otherwise "decode" as UCS2 to CJK). */
char *ir_at_charset_decode (const char *charset, const char *text);

G_END_DECLS
