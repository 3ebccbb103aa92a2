/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: a passphrase wiped with memset. */
#include <glib.h>
#include <string.h>

void
ir_bad_wipe_free (char *passphrase)
{
	memset (passphrase, 0, strlen (passphrase));
	g_free (passphrase);
}
