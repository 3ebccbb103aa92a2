/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: a static function takes no prefix from a header */
#include <glib.h>

#include "ir-bad-prefix.h"

static gboolean
ir_bad_prefix_check (const char *path)
{
	return path != NULL;
}

gboolean
ir_bad_prefix_split_save (const char *path)
{
	return ir_bad_prefix_check (path);
}
