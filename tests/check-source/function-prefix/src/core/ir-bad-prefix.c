/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: helpers named after nothing. */
#include <glib.h>

static gboolean
load (const char *path)
{
	return path != NULL;
}

gboolean
ir_bad_prefix_load (const char *path)
{
	return load (path);
}

/* a name that only begins like the file's is not the file's name */
gboolean
ir_bad (const char *path)
{
	return load (path);
}
