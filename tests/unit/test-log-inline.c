/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-audit-marks.h"
#include "ir-audit.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-migration-log.h"
#include "ir-openssl-autoptr.h"
#include "ir-workstation-key.h"

/* The inline layout (docs/migration-log.md, "Layout"): a middle
 * signature line removed, duplicated or replaced by an older one, and
 * every byte of a small log flipped, each judged by the writer at open and
 * by audit verify (default and --all-signatures), with the line named;
 * imeictl recover on a log whose middle RESULT was changed. */

#define ORIGIN "imeirestore/DEL01/ws1"
#define LOG    "migration-log.jsonl"
#define SIGN   "\xe2\x80\x94 "

static EVP_PKEY *test_log_inline_key;

static int
test_log_inline_setup (void **state)
{
	test_log_inline_key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	return test_log_inline_key == NULL;
}

static int
test_log_inline_teardown (void **state)
{
	EVP_PKEY_free (test_log_inline_key);
	return 0;
}

/* A log of five START records; its text in @text. */
static char *
test_log_inline_make_log (char **text, gsize *len)
{
	char *dir = g_dir_make_tmp ("ir-log-inline-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, LOG, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMigrationLog) log =
	    ir_migration_log_open (dir, ORIGIN, ORIGIN, test_log_inline_key, &error);

	g_assert_no_error (error);
	for (guint i = 0; i < 5; i++) {
		g_autoptr (JsonObject) fields = json_object_new ();

		json_object_set_string_member (fields, "software", "imeirestore 0.1.0");
		json_object_set_string_member (fields, "workstation", "ws1");
		assert_true (
		    ir_migration_log_append (log, IR_LOG_RECORD_START, fields, NULL, &error));
	}
	assert_int_equal (ir_migration_log_get_layout (log), IR_MIGRATION_LOG_LAYOUT_INLINE);
	assert_true (g_file_get_contents (path, text, len, NULL));
	return dir;
}

static void
test_log_inline_write (const char *dir, const char *text, gsize len)
{
	g_autofree char *path = g_build_filename (dir, LOG, NULL);

	assert_true (g_file_set_contents (path, text, (gssize)len, NULL));
}

static void
test_log_inline_rm (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, LOG, NULL);

	g_unlink (path);
	g_rmdir (dir);
}

/* The writer's alarm, or NULL when it opens clean. */
static char *
test_log_inline_by_writer (const char *dir)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMigrationLog) log =
	    ir_migration_log_open (dir, ORIGIN, ORIGIN, test_log_inline_key, &error);
	const GError *alarm;

	g_assert_no_error (error);
	alarm = ir_migration_log_get_tamper_error (log);
	return alarm != NULL ? g_strdup (alarm->message) : NULL;
}

/* audit verify's finding, or NULL when the log verifies. */
static char *
test_log_inline_by_verify (const char *dir, gboolean all_signatures)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (dir, &error);
	IrAuditVerifyOptions options = {.key = test_log_inline_key,
					.all_signatures = all_signatures};
	g_autoptr (IrAuditReport) report = NULL;

	g_assert_no_error (error);
	report = ir_audit_verify (paths, &options, NULL, &error);
	if (report == NULL)
		return g_strdup (error->message); /* not a log at all */
	return report->error != NULL ? g_strdup (report->error->message) : NULL;
}

/* The start of file line @line (1-based) in @text, and its length with
 * its newline in @len. */
static const char *
test_log_inline_line (const char *text, guint line, gsize *len)
{
	const char *p = text;

	for (guint i = 1; i < line; i++)
		p = strchr (p, '\n') + 1;
	*len = (gsize)(strchr (p, '\n') + 1 - p);
	return p;
}

static void
test_log_inline_expect (const char *message, const char *want, const char *what)
{
	if (message == NULL)
		fail_msg ("%s: not detected", what);
	if (strstr (message, want) == NULL)
		fail_msg ("%s: \"%s\" does not say \"%s\"", what, message, want);
}

/* Signature line of record 3 (line 6) removed, duplicated, or replaced by
 * that of record 2 (line 4). */
static void
test_log_inline_middle_signature_lines (void **state)
{
	g_autofree char *text = NULL;
	gsize len = 0, sig2_len = 0, sig3_len = 0;
	g_autofree char *dir = test_log_inline_make_log (&text, &len);
	const char *sig2 = test_log_inline_line (text, 4, &sig2_len);
	const char *sig3 = test_log_inline_line (text, 6, &sig3_len);
	gsize before = (gsize)(sig3 - text);
	gsize after = before + sig3_len;

	assert_true (g_str_has_prefix (sig3, SIGN ORIGIN " "));
	{
		/* removed: record 4 where the signature line of record 3 was */
		g_autoptr (GString) t = g_string_new_len (text, (gssize)before);
		g_autofree char *w = NULL, *v = NULL;

		g_string_append_len (t, text + after, (gssize)(len - after));
		test_log_inline_write (dir, t->str, t->len);
		w = test_log_inline_by_writer (dir);
		v = test_log_inline_by_verify (dir, FALSE);
		test_log_inline_expect (
		    w, LOG " line 6: a record where the signature line of record 3", "removed");
		test_log_inline_expect (
		    v, "line 6: a record where the signature line of record 3", "removed");
	}
	{
		/* duplicated: a signature line where record 4 was expected */
		g_autoptr (GString) t = g_string_new_len (text, (gssize)after);
		g_autofree char *w = NULL, *v = NULL;

		g_string_append_len (t, sig3, (gssize)sig3_len);
		g_string_append_len (t, text + after, (gssize)(len - after));
		test_log_inline_write (dir, t->str, t->len);
		w = test_log_inline_by_writer (dir);
		v = test_log_inline_by_verify (dir, FALSE);
		test_log_inline_expect (
		    w, LOG " line 7: a signature line where record 4", "duplicated");
		test_log_inline_expect (v, "line 7: a signature line where record 4", "duplicated");
	}
	{
		/* replaced by an older one: the shape holds, no record changed;
		 * only --all-signatures checks that signature (documented) */
		g_autoptr (GString) t = g_string_new_len (text, (gssize)before);
		g_autofree char *w = NULL, *v = NULL, *all = NULL;

		g_string_append_len (t, sig2, (gssize)sig2_len);
		g_string_append_len (t, text + after, (gssize)(len - after));
		test_log_inline_write (dir, t->str, t->len);
		w = test_log_inline_by_writer (dir);
		v = test_log_inline_by_verify (dir, FALSE);
		all = test_log_inline_by_verify (dir, TRUE);
		assert_null (w);
		assert_null (v);
		test_log_inline_expect (all, "line 5 (seq 2)", "replaced, --all-signatures");
		test_log_inline_expect (
		    all, "signature line (line 6)", "replaced, --all-signatures");
	}
	test_log_inline_write (dir, text, len);
	assert_null (test_log_inline_by_writer (dir));
	test_log_inline_rm (dir);
}

/* Every byte, one bit flipped (test-migration-log flips two a byte of
 * the notes layout; one keeps this under a minute on a loaded machine): the writer and
 * --all-signatures name the record of the flipped line (a record line, or the signature line after
 * it); the default mode does too, except for a middle signature line still of the right shape,
 * which only --all-signatures checks. */
static void
test_log_inline_flip_every_byte (void **state)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autofree char *dir = test_log_inline_make_log (&text, &len);
	static const guint8 masks[] = {0x01};
	guint last_sig = 10;

	for (gsize i = 0; i < len; i++) {
		guint line = 1;

		for (gsize j = 0; j < i; j++)
			line += text[j] == '\n';
		for (guint m = 0; m < G_N_ELEMENTS (masks); m++) {
			g_autofree char *copy = g_memdup2 (text, len);
			g_autofree char *what = g_strdup_printf (
			    "byte %" G_GSIZE_FORMAT " (line %u) ^ 0x%02x", i, line, masks[m]);
			/* a signature line's fault is reported at its record */
			guint record_line = line % 2 == 0 ? line - 1 : line;
			g_autofree char *want = g_strdup_printf ("line %u", record_line);
			g_autofree char *want_next = g_strdup_printf ("line %u", record_line + 1);
			g_autofree char *w = NULL, *v = NULL, *all = NULL;

			copy[i] ^= masks[m];
			test_log_inline_write (dir, copy, len);
			w = test_log_inline_by_writer (dir);
			v = test_log_inline_by_verify (dir, FALSE);
			all = test_log_inline_by_verify (dir, TRUE);
			if (all == NULL)
				fail_msg ("%s: not detected by --all-signatures", what);
			if (strstr (all, want) == NULL && strstr (all, want_next) == NULL)
				fail_msg ("%s: \"%s\" names neither line %u nor %u",
					  what,
					  all,
					  record_line,
					  record_line + 1);
			if (line % 2 == 0 && line != last_sig && w == NULL && v == NULL)
				continue; /* a middle signature: --all-signatures only */
			if (w == NULL || v == NULL)
				fail_msg ("%s: not detected (writer: %s, verify: %s)",
					  what,
					  w != NULL ? w : "clean",
					  v != NULL ? v : "clean");
			if ((strstr (w, want) == NULL && strstr (w, want_next) == NULL) ||
			    (strstr (v, want) == NULL && strstr (v, want_next) == NULL))
				fail_msg ("%s: writer \"%s\", verify \"%s\": want line %u or %u",
					  what,
					  w,
					  v,
					  record_line,
					  record_line + 1);
		}
	}
	test_log_inline_rm (dir);
}

static JsonObject *
test_log_inline_object (const char *json)
{
	g_autoptr (JsonParser) parser = json_parser_new ();

	assert_true (json_parser_load_from_data (parser, json, -1, NULL));
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_log_inline_append (IrMigrationLog *log, IrLogRecordType type, const char *json)
{
	g_autoptr (JsonObject) fields = test_log_inline_object (json);
	g_autoptr (GError) error = NULL;

	if (!ir_migration_log_append (log, type, fields, NULL, &error))
		fail_msg ("append: %s", error->message);
}

/* imeictl recover --json on @dir (no PORT): its exit code, stdout in
 * @out and stderr in @err. */
static int
test_log_inline_recover (const char *dir, char **out, char **err)
{
	const char *imeictl = g_getenv ("IMEICTL");
	const char *argv[] = {imeictl, "recover", "--state-dir", dir, "--json", NULL};
	g_autoptr (GError) error = NULL;
	int status = 0;

	assert_non_null (imeictl);
	assert_true (g_spawn_sync (
	    NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error));
	g_assert_no_error (error);
	assert_true (WIFEXITED (status));
	return WEXITSTATUS (status);
}

/* The review's case: restores a1..a4 answered (INTENT, RESULT), a5 left
 * open; then one byte of RESULT a2 (line 9) changed so that it answers
 * a3 instead. imeictl recover without PORT lists only a5 before, and
 * after the change exits 11 naming the line, lists no INTENT (a2 would
 * look open) and leaves the file as it was. */
static void
test_log_inline_recover_tampered (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-log-inline-XXXXXX", NULL);
	g_autofree char *key_path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	g_autofree char *path = g_build_filename (dir, LOG, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) key = ir_workstation_key_load_or_create (key_path, &error);
	g_autofree char *text = NULL, *after = NULL;
	g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
	gsize len = 0, line_len = 0;
	const char *line9;
	char *at;

	g_assert_no_error (error);
	{
		g_autoptr (IrMigrationLog) log =
		    ir_migration_log_open (dir, ORIGIN, ORIGIN, key, &error);

		g_assert_no_error (error);
		test_log_inline_append (
		    log,
		    IR_LOG_RECORD_START,
		    "{\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}");
		for (guint i = 1; i <= 5; i++) {
			g_autofree char *intent = g_strdup_printf (
			    "{\"intent_id\":\"a%u\",\"technician\":\"tech-1\",\"centre\":\"DEL01\","
			    "\"workstation\":\"ws1\",\"phone\":{\"port\":\"/dev/pts/3\","
			    "\"manufacturer\":\"MediaTek\",\"model\":\"MT6765\",\"serial\":\"SN%"
			    "u\","
			    "\"hardware_id\":null,\"family\":\"mediatek\"},"
			    "\"imeis_before\":[\"000000000000000\",null],"
			    "\"imeis_target\":[\"490154203237518\",null],\"token_id\":\"b%u\","
			    "\"token_sha256\":"
			    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
			    "\"phase\":\"phase-1\"}",
			    i,
			    i,
			    i);
			g_autofree char *result =
			    g_strdup_printf ("{\"intent_id\":\"a%u\",\"outcome\":\"success\","
					     "\"imeis_read_back\":[\"490154203237518\",null]}",
					     i);

			test_log_inline_append (log, IR_LOG_RECORD_INTENT, intent);
			if (i < 5)
				test_log_inline_append (log, IR_LOG_RECORD_RESULT, result);
		}
	}
	assert_int_equal (test_log_inline_recover (dir, &out, &err), 0);
	assert_non_null (strstr (out, "\"a5\""));
	assert_null (strstr (out, "\"a2\""));

	assert_true (g_file_get_contents (path, &text, &len, NULL));
	line9 = test_log_inline_line (text, 9, &line_len);
	assert_non_null (strstr (line9, "\"type\":\"RESULT\""));
	at = strstr (line9, "\"intent_id\":\"a2\"");
	assert_true (at != NULL && at < line9 + line_len);
	at[strlen ("\"intent_id\":\"a")] = '3';
	test_log_inline_write (dir, text, len);

	assert_int_equal (test_log_inline_recover (dir, &out2, &err2), 11);
	test_log_inline_expect (err2, "line 9", "recover on a changed RESULT");
	test_log_inline_expect (err2, "tampered", "recover on a changed RESULT");
	assert_null (strstr (out2, "\"a2\""));
	assert_null (strstr (out2, "\"a5\""));
	assert_true (g_file_get_contents (path, &after, NULL, NULL));
	assert_string_equal (after, text);
	g_unlink (key_path);
	test_log_inline_rm (dir);
}

/* A log past two of audit verify's marks (it keeps only the tree's right
 * edge and re-reads from the mark before a size): a record after the
 * second mark changed is found by the bisection over both, and a witness
 * that cosigned a middle size is checked against the root kept as the
 * tree passed that size. */
static void
test_log_inline_past_marks (void **state)
{
	const guint n = 2 * IR_AUDIT_MARKS_EVERY + 60;
	const guint bad = 2 * IR_AUDIT_MARKS_EVERY + 20;
	g_autofree char *dir = g_mkdtemp (g_strdup (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)
							? "/dev/shm/ir-log-inline-XXXXXX"
							: "/tmp/ir-log-inline-XXXXXX"));
	g_autofree char *path = g_build_filename (dir, LOG, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMigrationLog) log =
	    ir_migration_log_open (dir, ORIGIN, ORIGIN, test_log_inline_key, &error);
	g_autoptr (EVP_PKEY) witness = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (IrAuditPaths) paths = NULL;
	g_autoptr (IrAuditReport) report = NULL;
	g_autofree char *note = NULL;
	g_autofree char *cosigned = NULL;
	g_autofree char *text = NULL;
	g_autofree char *v = NULL;
	g_autofree char *want = NULL;
	gsize len = 0;
	gsize line_len = 0;
	char *line;

	g_assert_no_error (error);
	for (guint i = 0; i < n; i++)
		test_log_inline_append (
		    log,
		    IR_LOG_RECORD_START,
		    "{\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}");
	note = ir_migration_log_read_checkpoint (log, IR_AUDIT_MARKS_EVERY + 7, &error);
	g_assert_no_error (error);
	cosigned = ir_checkpoint_cosign (note, "witness.example", witness, &error);
	g_assert_no_error (error);
	g_clear_object (&log);

	paths = ir_audit_paths_resolve (dir, &error);
	g_assert_no_error (error);
	{
		IrAuditVerifyOptions options = {
		    .key = test_log_inline_key, .witness_key = witness, .cosigned_note = cosigned};

		report = ir_audit_verify (paths, &options, NULL, &error);
		g_assert_no_error (error);
		if (report->error != NULL)
			fail_msg ("witnessed at a middle size: %s", report->error->message);
		assert_true (report->witnessed);
		assert_int_equal (report->witnessed_size, IR_AUDIT_MARKS_EVERY + 7);
		assert_int_equal (report->n_records, n);
	}

	/* record @bad says 0.1.1: still a record, its signature no longer
	 * holds, and only the last signature is checked by default */
	assert_true (g_file_get_contents (path, &text, &len, NULL));
	line = (char *)test_log_inline_line (text, 2 * bad - 1, &line_len);
	memcpy (strstr (line, "0.1.0"), "0.1.1", 5);
	test_log_inline_write (dir, text, len);
	v = test_log_inline_by_verify (dir, FALSE);
	want = g_strdup_printf ("line %u (seq %u): the record was altered", 2 * bad - 1, bad - 1);
	test_log_inline_expect (v, want, "a record past the second mark changed");
	g_unlink (path);
	g_rmdir (dir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_log_inline_middle_signature_lines),
	    cmocka_unit_test (test_log_inline_flip_every_byte),
	    cmocka_unit_test (test_log_inline_recover_tampered),
	    cmocka_unit_test (test_log_inline_past_marks),
	};

	return cmocka_run_group_tests (tests, test_log_inline_setup, test_log_inline_teardown);
}
