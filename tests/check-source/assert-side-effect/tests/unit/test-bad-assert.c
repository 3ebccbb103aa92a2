/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: the file is only read when asserts are on. */
#include <glib.h>

static void
test_bad_assert_read (const char *path)
{
	g_autofree char *text = NULL;

	g_assert (g_file_get_contents (path, &text, NULL, NULL));
}

int
main (int argc, char **argv)
{
	test_bad_assert_read (argv[0]);
	return 0;
}
