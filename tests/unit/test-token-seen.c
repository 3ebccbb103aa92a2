/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "ir-error.h"
#include "ir-token-private.h"
#include "ir-token.h"
#include "token-test-common.h"
#include "token-vector.h"

/* Single use: the used-token (cti) store and replayed tokens. */

/* ---- single use: the cti store ---- */

static void
test_token_seen_replay (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-token-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename (dir, "sub", NULL);
	g_autofree char *path = g_build_filename (sub, "seen", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTokenSeen) seen = ir_token_seen_open (path, &error);
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	g_autoptr (IrToken) first = NULL;
	g_autoptr (IrToken) again = NULL;
	g_autoptr (IrToken) wrong = NULL;
	g_autoptr (IrToken) after = NULL;
	g_autoptr (GBytes) refused_token = NULL;
	IrTokenRefusal got = IR_TOKEN_OK;
	IrTokenExpect expect;
	gsize len = 0;
	const guint8 *data;

	assert_non_null (seen);
	vector_claims (&claims);
	vector_expect (&expect);
	token = token_test_common_encode_ed (&claims);
	data = g_bytes_get_data (token, &len);

	/* a refused token does not use up its cti */
	expect.serial = "SN000000";
	wrong = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (wrong);
	assert_int_equal (got, IR_TOKEN_REFUSED_DEVICE);
	g_clear_error (&error);
	vector_expect (&expect);

	first = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	if (error != NULL)
		fail_msg ("%s", error->message);
	assert_non_null (first);
	assert_int_equal (got, IR_TOKEN_OK);

	again = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (again);
	assert_int_equal (got, IR_TOKEN_REFUSED_REPLAYED);
	assert_non_null (strstr (error->message, "cti (7)"));
	assert_non_null (strstr (error->message, "already used"));
	g_clear_error (&error);

	/* the store is durable: a new process sees it too */
	g_clear_pointer (&seen, ir_token_seen_free);
	seen = ir_token_seen_open (path, &error);
	assert_non_null (seen);
	after = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (after);
	assert_int_equal (got, IR_TOKEN_REFUSED_REPLAYED);
	g_clear_error (&error);

	/* a damaged store refuses every token with its own reason */
	assert_true (g_file_set_contents (path, "imeirestore-token-seen 1\nzz 1\n", -1, NULL));
	g_bytes_unref (claims.cti);
	claims.cti = g_bytes_new ("other-cti-000001", 16);
	refused_token = token_test_common_encode_ed (&claims);
	data = g_bytes_get_data (refused_token, &len);
	g_clear_pointer (&after, ir_token_free);
	after = ir_token_verify_bytes (data, len, trust, &expect, seen, &got, &error);
	assert_null (after);
	assert_int_equal (got, IR_TOKEN_REFUSED_STORE);
	assert_non_null (strstr (error->message, "damaged at line 2"));

	g_unlink (path);
	g_rmdir (sub);
	g_rmdir (dir);
}

/* The used-token store by itself: what a file may hold, table-driven. */
typedef struct {
	const char *name;
	const char *contents;	/* NULL: no file yet */
	const char *error_part; /* NULL: opens */
	const char *after_open; /* the file after a successful open */
	gboolean has_0102;	/* contains cti 01 02 */
} SeenRow;

#define SEEN_HDR IR_TOKEN_SEEN_MAGIC "\n"
static const SeenRow seen_rows[] = {
    {"new file", NULL, NULL, SEEN_HDR, FALSE},
    {"empty file", "", NULL, SEEN_HDR, FALSE},
    {"header only", SEEN_HDR, NULL, SEEN_HDR, FALSE},
    {"one record", SEEN_HDR "0102 1800000000\n", NULL, SEEN_HDR "0102 1800000000\n", TRUE},
    {"torn header", "imeirestore-tok", NULL, SEEN_HDR, FALSE},
    {"torn record", SEEN_HDR "0102 1800000000\n03", NULL, SEEN_HDR "0102 1800000000\n", TRUE},
    {"torn record digits", SEEN_HDR "0304 18", NULL, SEEN_HDR, FALSE},
    {"wrong header", "imeirestore-token-seen 2\n", "line 1", NULL, FALSE},
    {"other file", "# hello\n", "line 1", NULL, FALSE},
    {"uppercase hex", SEEN_HDR "0A0B 1\n", "line 2", NULL, FALSE},
    {"odd hex", SEEN_HDR "0a0 1\n", "line 2", NULL, FALSE},
    {"no exp", SEEN_HDR "0a0b\n", "line 2", NULL, FALSE},
    {"empty exp", SEEN_HDR "0a0b \n", "line 2", NULL, FALSE},
    {"exp not a number", SEEN_HDR "0a0b 1x\n", "line 2", NULL, FALSE},
    {"blank line", SEEN_HDR "\n", "line 2", NULL, FALSE},
    {"duplicate record", SEEN_HDR "0102 1\n0102 2\n", "recorded twice", NULL, FALSE},
    {"damage after good line", SEEN_HDR "0102 1\nzz 1\n0304 1\n", "line 3", NULL, FALSE},
};

static void
test_token_seen_seen_store (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-seen-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "seen", NULL);
	static const guint8 cti[] = {0x01, 0x02};
	static const guint8 cti2[] = {0xab, 0xcd, 0xef};

	for (guint i = 0; i < G_N_ELEMENTS (seen_rows); i++) {
		const SeenRow *row = &seen_rows[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = NULL;
		g_autofree char *after = NULL;
		gboolean has = FALSE, replayed = TRUE;

		g_unlink (path);
		if (row->contents != NULL)
			assert_true (g_file_set_contents (path, row->contents, -1, NULL));
		seen = ir_token_seen_open (path, &error);
		if (row->error_part != NULL) {
			if (seen != NULL)
				fail_msg ("%s: opened", row->name);
			if (strstr (error->message, row->error_part) == NULL ||
			    strstr (error->message, path) == NULL)
				fail_msg ("%s: '%s'", row->name, error->message);
			continue;
		}
		if (seen == NULL)
			fail_msg ("%s: %s", row->name, error->message);
		assert_true (g_file_get_contents (path, &after, NULL, NULL));
		if (g_strcmp0 (after, row->after_open) != 0)
			fail_msg ("%s: file is '%s'", row->name, after);
		assert_true (ir_token_seen_contains (seen, cti, sizeof (cti), &has, &error));
		if (has != row->has_0102)
			fail_msg ("%s: contains 0102 = %d", row->name, has);
		/* a new cti is added once, then refused as replayed */
		assert_true (ir_token_seen_add (seen, cti2, sizeof (cti2), 42, &replayed, &error));
		assert_false (replayed);
		assert_false (ir_token_seen_add (seen, cti2, sizeof (cti2), 42, &replayed, &error));
		assert_true (replayed);
		assert_non_null (strstr (error->message, "abcdef"));
		g_clear_error (&error);
		assert_true (ir_token_seen_contains (seen, cti2, sizeof (cti2), &has, &error));
		assert_true (has);
		g_free (after);
		after = NULL;
		assert_true (g_file_get_contents (path, &after, NULL, NULL));
		assert_true (g_str_has_suffix (after, "\nabcdef 42\n"));
	}

	/* a cti of a size no token has is refused before the file is touched */
	g_unlink (path);
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = ir_token_seen_open (path, &error);
		guint8 big[65] = {0};
		gboolean replayed = TRUE;
		assert_false (ir_token_seen_add (seen, big, sizeof (big), 1, &replayed, &error));
		assert_false (replayed);
		assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
	}
	/* a store that cannot be created says where */
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (IrTokenSeen) seen = ir_token_seen_open ("/proc/ir-no/seen", &error);
		assert_null (seen);
		assert_non_null (strstr (error->message, "/proc/ir-no/seen"));
	}
	g_unlink (path);
	g_rmdir (dir);
}

/* Each handle reads only what was appended since its last look: what
 * another handle (another process) added, a torn tail or a damaged line
 * after what it read, and a store moved aside and made anew, are all seen
 * as a fresh read of the whole file would see them. */
static void
test_token_seen_incremental (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-seen-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "seen", NULL);
	g_autofree char *aside = g_build_filename (dir, "seen.damaged", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTokenSeen) a = ir_token_seen_open (path, &error);
	g_autoptr (IrTokenSeen) b = ir_token_seen_open (path, &error);
	static const guint8 c1[] = {0x11};
	static const guint8 c2[] = {0x22};
	static const guint8 c3[] = {0x33};
	g_autofree char *text = NULL;
	gboolean has = FALSE, replayed = FALSE;
	FILE *fp;

	assert_non_null (a);
	assert_non_null (b);
	/* b has read the store; a adds to it; b sees it */
	assert_true (ir_token_seen_contains (b, c1, 1, &has, &error));
	assert_false (has);
	assert_true (ir_token_seen_add (a, c1, 1, 7, &replayed, &error));
	assert_true (ir_token_seen_contains (b, c1, 1, &has, &error));
	assert_true (has);
	assert_false (ir_token_seen_add (b, c1, 1, 7, &replayed, &error));
	assert_true (replayed);
	g_clear_error (&error);

	/* a torn append after what a read is cut by a's next add */
	fp = fopen (path, "ae");
	fputs ("22", fp);
	fclose (fp);
	assert_true (ir_token_seen_add (a, c2, 1, 8, &replayed, &error));
	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	assert_string_equal (text, IR_TOKEN_SEEN_MAGIC "\n11 7\n22 8\n");
	g_clear_pointer (&text, g_free);

	/* a damaged line after what b read: refused, naming its line */
	fp = fopen (path, "ae");
	fputs ("not a line\n", fp);
	fclose (fp);
	assert_false (ir_token_seen_add (b, c3, 1, 9, &replayed, &error));
	assert_false (replayed);
	assert_non_null (strstr (error->message, "damaged at line 4"));
	g_clear_error (&error);
	assert_false (ir_token_seen_contains (a, c3, 1, &has, &error));
	g_clear_error (&error);

	/* moved aside and made anew: read from the start again */
	assert_int_equal (g_rename (path, aside), 0);
	assert_true (ir_token_seen_contains (a, c1, 1, &has, &error));
	assert_false (has);
	assert_true (ir_token_seen_add (b, c3, 1, 9, &replayed, &error));
	assert_true (ir_token_seen_add (a, c1, 1, 10, &replayed, &error));
	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	assert_string_equal (text, IR_TOKEN_SEEN_MAGIC "\n33 9\n11 10\n");
	g_clear_pointer (&text, g_free);

	/* shortened in place: read from the start again */
	fp = fopen (path, "r+e");
	assert_int_equal (ftruncate (fileno (fp), strlen (IR_TOKEN_SEEN_MAGIC "\n")), 0);
	fclose (fp);
	assert_true (ir_token_seen_contains (b, c3, 1, &has, &error));
	assert_false (has);

	g_unlink (path);
	g_unlink (aside);
	g_rmdir (dir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_token_seen_replay),
	    cmocka_unit_test (test_token_seen_seen_store),
	    cmocka_unit_test (test_token_seen_incremental),
	};
	return cmocka_run_group_tests (tests, token_test_common_setup, token_test_common_teardown);
}
