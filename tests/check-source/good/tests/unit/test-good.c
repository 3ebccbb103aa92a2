/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: a test that asserts on results. */
#include <glib.h>

int
main (int argc, char **argv)
{
	g_autofree char *text = NULL;
	gboolean ok = g_file_get_contents (argv[0], &text, NULL, NULL);

	g_assert_true (ok);
	g_assert (text != NULL);
	return 0;
}
