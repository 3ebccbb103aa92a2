/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: the family's name alone is not the file's prefix
 * (3gpp-bad.c: ir_3gpp_bad_*). */
#include <glib.h>

gboolean
ir_3gpp_read (const char *line)
{
	return line != NULL;
}
