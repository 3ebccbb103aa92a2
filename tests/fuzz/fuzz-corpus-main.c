/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "fuzz-target.h"

/* Replays every file of the corpus folders given on the command line
 * through LLVMFuzzerTestOneInput(), so that each fuzz target's seeds (and
 * any crash reproducer added to them) run as an ordinary test with the
 * normal compiler and sanitizer build. A missing or empty folder fails:
 * a corpus that silently went away must not look like a pass. */

static int
fuzz_corpus_main_replay_file (const char *path)
{
	g_autofree char *data = NULL;
	g_autoptr (GError) error = NULL;
	gsize len = 0;

	if (!g_file_get_contents (path, &data, &len, &error)) {
		g_printerr ("fuzz-corpus: cannot read %s: %s\n", path, error->message);
		return -1;
	}
	LLVMFuzzerTestOneInput ((const uint8_t *)data, len);
	return 0;
}

static gint
fuzz_corpus_main_compare_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* Runs every regular file of @dir in name order; returns the count, or -1 */
static int
fuzz_corpus_main_replay_dir (const char *dir)
{
	g_autoptr (GDir) gdir = NULL;
	g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	const char *name;
	int count = 0;

	gdir = g_dir_open (dir, 0, &error);
	if (gdir == NULL) {
		g_printerr ("fuzz-corpus: cannot open corpus folder %s: %s\n", dir, error->message);
		return -1;
	}
	while ((name = g_dir_read_name (gdir)) != NULL)
		g_ptr_array_add (names, g_build_filename (dir, name, NULL));
	g_ptr_array_sort (names, fuzz_corpus_main_compare_names);
	for (guint i = 0; i < names->len; i++) {
		const char *path = g_ptr_array_index (names, i);

		if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
			continue;
		if (fuzz_corpus_main_replay_file (path) < 0)
			return -1;
		count++;
	}
	return count;
}

int
main (int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		g_printerr ("usage: %s CORPUS-FOLDER...\n", argv[0]);
		return EXIT_FAILURE;
	}
	for (int i = 1; i < argc; i++) {
		int n = fuzz_corpus_main_replay_dir (argv[i]);

		if (n < 0)
			return EXIT_FAILURE;
		if (n == 0) {
			g_printerr ("fuzz-corpus: corpus folder %s is empty: add seed files\n",
				    argv[i]);
			return EXIT_FAILURE;
		}
		g_print ("fuzz-corpus: %d inputs from %s replayed\n", n, argv[i]);
		total += n;
	}
	return total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
