/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-audit-lines.h"

/* The verifier's line reader against a plain split of the same bytes:
 * lines that straddle its 1 MiB reads while one is already held, lines
 * longer than a read, empty ones, and a last line with no newline. */

static GPtrArray *
test_audit_lines_make (GString *text)
{
	GPtrArray *want = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GRand) rand = g_rand_new_with_seed (11);

	while (text->len < 5 * 1024 * 1024) {
		guint r = g_rand_int_range (rand, 0, 100);
		/* mostly record-sized lines; now and then an empty one or one
		 * longer than a whole read */
		gsize len = r == 0 ? 0 : r == 1 ? 1536 * 1024 : g_rand_int_range (rand, 1, 700);
		GString *line = g_string_sized_new (len + 1);

		for (gsize i = 0; i < len; i++)
			g_string_append_c (line, (char)('a' + (i + text->len) % 26));
		g_string_append_c (line, '\n');
		g_string_append_len (text, line->str, (gssize)line->len);
		g_ptr_array_add (want, g_string_free (line, FALSE));
	}
	g_string_append (text, "torn");
	g_ptr_array_add (want, g_strdup ("torn"));
	return want;
}

static void
test_audit_lines_pairs (void **state)
{
	g_autoptr (GString) text = g_string_new (NULL);
	g_autoptr (GPtrArray) want = test_audit_lines_make (text);
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp ("test-audit-lines-XXXXXX", &path, NULL);
	IrAuditLines lines;
	guint got = 0;

	assert_true (fd >= 0);
	assert_true (write (fd, text->str, text->len) == (ssize_t)text->len);
	assert_true (lseek (fd, 0, SEEK_SET) == 0);
	ir_audit_lines_init (&lines, fd);
	for (;;) {
		/* two held at once, as the verifier holds a record and its
		 * signature line: the first must survive the second's read */
		gssize n1 = ir_audit_lines_next (&lines);
		gssize n2 = n1 > 0 ? ir_audit_lines_next (&lines) : 0;
		const char *w1;

		assert_true (n1 >= 0 && n2 >= 0);
		if (n1 == 0)
			break;
		w1 = g_ptr_array_index (want, got);
		assert_int_equal (n1, strlen (w1));
		assert_memory_equal (ir_audit_lines_get (&lines, 0), w1, n1);
		got++;
		if (n2 > 0) {
			const char *w2 = g_ptr_array_index (want, got);

			assert_int_equal (n2, strlen (w2));
			assert_memory_equal (ir_audit_lines_get (&lines, 1), w2, n2);
			got++;
		}
		ir_audit_lines_release (&lines);
	}
	assert_int_equal (got, want->len);
	assert_int_equal (lines.errnum, 0);
	ir_audit_lines_clear (&lines);
	close (fd);
	g_unlink (path);
}

static void
test_audit_lines_read_error (void **state)
{
	IrAuditLines lines;
	int fd = open (".", O_RDONLY | O_DIRECTORY);

	/* read() of a folder fails (EISDIR): -1, and the errno kept */
	assert_true (fd >= 0);
	ir_audit_lines_init (&lines, fd);
	assert_int_equal (ir_audit_lines_next (&lines), -1);
	assert_int_not_equal (lines.errnum, 0);
	ir_audit_lines_clear (&lines);
	close (fd);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_audit_lines_pairs),
	    cmocka_unit_test (test_audit_lines_read_error),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
