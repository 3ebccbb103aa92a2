/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ir-imei-scan.h"
#include "ir-imei.h"

static gboolean
ir_imei_scan_all_digits (const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		if (!g_ascii_isdigit (*p))
			return FALSE;
	return TRUE;
}

IrImeiScanVerdict
ir_imei_scan_check (const char *scanned, const char *const *registry, guint n_slots, char **message)
{
	g_autofree char *text = g_strstrip (g_strdup (scanned));
	gsize len = strlen (text);
	char check;

	if ((len != IR_IMEI_LEN && len != IR_IMEI_ID_LEN) || !ir_imei_scan_all_digits (text)) {
		*message = g_strdup_printf (_ ("“%s” is not an IMEI: an IMEI has 15 digits (14 "
					       "without the check digit). Scan the label again."),
					    text);
		return IR_IMEI_SCAN_MALFORMED;
	}
	check = ir_imei_check_digit (text);
	if (len == IR_IMEI_LEN && text[IR_IMEI_ID_LEN] != check) {
		*message = g_strdup_printf (_ ("The check digit of %s should be %c, not %c: the "
					       "label or the scan is wrong. Scan it again; nothing "
					       "is corrected for you."),
					    text,
					    check,
					    text[IR_IMEI_ID_LEN]);
		return IR_IMEI_SCAN_BAD_CHECK_DIGIT;
	}
	for (guint i = 0; i < n_slots; i++) {
		if (registry[i] != NULL && ir_imei_same_identity (registry[i], text)) {
			*message =
			    g_strdup_printf (_ ("Matches slot %u as the brand registry has it "
						"(check digit %c)."),
					     i + 1,
					     check);
			return IR_IMEI_SCAN_MATCH;
		}
	}
	*message = g_strdup_printf (_ ("The label says %.14s%c, which the brand registry does not "
				       "hold for this phone. Make sure this is the right phone "
				       "before you write."),
				    text,
				    check);
	return IR_IMEI_SCAN_MISMATCH;
}
