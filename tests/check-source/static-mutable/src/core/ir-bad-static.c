/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: state in a file-scope variable. */
#include <glib.h>

static GPtrArray *ir_bad_static_cache = NULL;
static const char *ir_bad_static_name = "cache";

GPtrArray *
ir_bad_static_get (void)
{
	if (ir_bad_static_cache == NULL)
		ir_bad_static_cache = g_ptr_array_new ();
	g_debug ("%s", ir_bad_static_name);
	return ir_bad_static_cache;
}
