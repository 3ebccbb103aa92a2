/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: a file whose name starts with a digit takes ir_
 * before it (3gpp-good.c: ir_3gpp_good_*). */
#include <glib.h>

static gboolean
ir_3gpp_good_check (const char *line)
{
	return line != NULL;
}

gboolean
ir_3gpp_good_read (const char *line)
{
	return ir_3gpp_good_check (line);
}
