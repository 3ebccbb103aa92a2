/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: ir-good.h's API, a part of it in a file of its own */
#include <glib.h>

#include "ir-good.h"

gboolean
ir_good_split_helper (const char *path)
{
	return path != NULL;
}

gboolean
ir_good_save (const char *path)
{
	return ir_good_split_helper (path);
}
