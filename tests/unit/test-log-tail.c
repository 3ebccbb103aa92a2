/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>

#include "ir-audit.h"
#include "ir-engine.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-tail.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* The crash-tail table (docs/migration-log.md, "The tail"): the last
 * append of a real log cut at every byte length, with and without a
 * witness cosignature covering it, judged by the writer at open, by
 * imeictl recover and by audit verify. The three must give the same
 * verdict, and it must be the documented one. Both layouts: inline (the
 * record line then its signature line, one write) and notes (the record
 * line, then its note in the checkpoint file). */

#define ORIGIN "imeirestore/DEL01/ws1"
#define LOG    "migration-log.jsonl"
#define CPS    "migration-log.checkpoints"

typedef struct {
	IrMigrationLogLayout layout;
	EVP_PKEY *key;
	char *key_pem;
	GBytes *base_log; /* three records */
	GBytes *base_cps;
	char *line;	  /* the fourth record's line, with its newline (inline: and its
			     signature line) */
	char *note;	  /* notes: its note, with its empty line; inline: "" */
	gsize note_len;	  /* through the signature line's newline */
	char *cosigned_4; /* a note for size 4 (as a witness would keep it) */
} Table;

static char *
test_log_tail_tail_tmp_dir (void)
{
	/* thousands of fsyncs: tmpfs when there is one */
	if (access ("/dev/shm", W_OK) == 0)
		return g_mkdtemp (g_strdup ("/dev/shm/test-log-tail-XXXXXX"));
	return g_dir_make_tmp ("test-log-tail-XXXXXX", NULL);
}

static void
test_log_tail_tail_rm_dir (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

/* the file's bytes; none for a NULL @name */
static GBytes *
test_log_tail_tail_read (const char *dir, const char *name)
{
	g_autofree char *path = name != NULL ? g_build_filename (dir, name, NULL) : NULL;
	char *data = NULL;
	gsize len = 0;

	if (name == NULL)
		return g_bytes_new (NULL, 0);
	assert_true (g_file_get_contents (path, &data, &len, NULL));
	return g_bytes_new_take (data, len);
}

static void
test_log_tail_tail_write (
    const char *dir, const char *name, const char *a, gsize a_len, const char *b, gsize b_len)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autofree char *data = g_malloc (a_len + b_len + 1);

	memcpy (data, a, a_len);
	memcpy (data + a_len, b, b_len);
	assert_true (g_file_set_contents (path, data, (gssize)(a_len + b_len), NULL));
	assert_int_equal (g_chmod (path, 0600), 0);
}

static void
test_log_tail_tail_append (IrMigrationLog *log, const char *json)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;

	assert_true (json_parser_load_from_data (parser, json, -1, NULL));
	if (!ir_migration_log_append (log,
				      IR_LOG_RECORD_START,
				      json_node_get_object (json_parser_get_root (parser)),
				      NULL,
				      &error))
		fail_msg ("append: %s", error->message);
}

static int
test_log_tail_tail_setup (void **state, IrMigrationLogLayout layout)
{
	Table *t = g_new0 (Table, 1);
	g_autofree char *dir = test_log_tail_tail_tmp_dir ();
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) log4 = NULL;
	g_autoptr (GBytes) cps4 = NULL;
	g_autofree char *key_path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	gsize base_log_len, base_cps_len, len4, consumed = 0;
	const char *cps;

	t->layout = layout;
	t->key = ir_workstation_key_load_or_create (key_path, &error);
	g_assert_no_error (error);
	assert_true (g_file_get_contents (key_path, &t->key_pem, NULL, NULL));
	{
		g_autoptr (IrMigrationLog) log =
		    ir_migration_log_open_layout (dir, ORIGIN, ORIGIN, t->key, layout, &error);
		g_assert_no_error (error);
		for (guint i = 0; i < 3; i++)
			test_log_tail_tail_append (
			    log, "{\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}");
		t->base_log = test_log_tail_tail_read (dir, LOG);
		t->base_cps = test_log_tail_tail_read (
		    dir, layout == IR_MIGRATION_LOG_LAYOUT_NOTES ? CPS : NULL);
		test_log_tail_tail_append (log, "{\"software\":\"s\",\"workstation\":\"w\"}");
		t->cosigned_4 = g_strdup (ir_migration_log_get_checkpoint (log));
	}
	log4 = test_log_tail_tail_read (dir, LOG);
	cps4 = test_log_tail_tail_read (dir, layout == IR_MIGRATION_LOG_LAYOUT_NOTES ? CPS : NULL);
	base_log_len = g_bytes_get_size (t->base_log);
	base_cps_len = g_bytes_get_size (t->base_cps);
	t->line = g_strndup ((const char *)g_bytes_get_data (log4, NULL) + base_log_len,
			     g_bytes_get_size (log4) - base_log_len);
	cps = (const char *)g_bytes_get_data (cps4, &len4);
	t->note = g_strndup (cps != NULL ? cps + base_cps_len : "", len4 - base_cps_len);
	if (layout == IR_MIGRATION_LOG_LAYOUT_NOTES) {
		assert_int_equal (ir_log_tail_next_note (
				      t->note, strlen (t->note), TRUE, &t->note_len, &consumed),
				  IR_LOG_TAIL_NOTE_COMPLETE);
		assert_int_equal (consumed, strlen (t->note));
		assert_int_equal (strlen (t->cosigned_4), t->note_len);
		assert_memory_equal (t->cosigned_4, t->note, t->note_len);
	} else {
		/* one write: the record line and its signature line */
		assert_int_equal (strlen (t->note), 0);
		assert_non_null (strstr (t->line, "}\n\xe2\x80\x94 " ORIGIN " "));
	}
	test_log_tail_tail_rm_dir (dir);
	*state = t;
	return 0;
}

static int
test_log_tail_tail_setup_inline (void **state)
{
	return test_log_tail_tail_setup (state, IR_MIGRATION_LOG_LAYOUT_INLINE);
}

static int
test_log_tail_tail_setup_notes (void **state)
{
	return test_log_tail_tail_setup (state, IR_MIGRATION_LOG_LAYOUT_NOTES);
}

static int
test_log_tail_tail_teardown (void **state)
{
	Table *t = *state;

	EVP_PKEY_free (t->key);
	g_free (t->key_pem);
	g_bytes_unref (t->base_log);
	g_bytes_unref (t->base_cps);
	g_free (t->line);
	g_free (t->note);
	g_free (t->cosigned_4);
	g_free (t);
	return 0;
}

/* A state directory holding the three records and @cut bytes of the
 * fourth append (its line, then its note); a cosignature of size 4 when
 * @witnessed. */
static char *
test_log_tail_tail_make_state (Table *t, gsize cut, gboolean witnessed)
{
	char *dir = test_log_tail_tail_tmp_dir ();
	gsize line_len = strlen (t->line);
	gsize in_line = MIN (cut, line_len);
	gsize in_note = cut > line_len ? cut - line_len : 0;
	gsize base_log_len = 0, base_cps_len = 0;
	const char *base_log = g_bytes_get_data (t->base_log, &base_log_len);
	const char *base_cps = g_bytes_get_data (t->base_cps, &base_cps_len);
	g_autofree char *key_path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);

	test_log_tail_tail_write (dir, LOG, base_log, base_log_len, t->line, in_line);
	if (t->layout == IR_MIGRATION_LOG_LAYOUT_NOTES)
		test_log_tail_tail_write (dir, CPS, base_cps, base_cps_len, t->note, in_note);
	test_log_tail_tail_write (
	    dir, IR_WORKSTATION_KEY_FILE, t->key_pem, strlen (t->key_pem), "", 0);
	if (witnessed)
		test_log_tail_tail_write (dir,
					  IR_MIGRATION_LOG_COSIGNED_FILE,
					  t->cosigned_4,
					  strlen (t->cosigned_4),
					  "",
					  0);
	return dir;
}

/* What docs/migration-log.md says of @cut bytes of the last append. */
static IrLogTailVerdict
test_log_tail_tail_documented (Table *t, gsize cut, gboolean witnessed)
{
	gsize complete = strlen (t->line) + t->note_len;

	if (cut >= complete)
		return IR_LOG_TAIL_CLEAN; /* the note is whole: the record is kept */
	if (witnessed)
		return IR_LOG_TAIL_TAMPERED; /* a witnessed record is never cut */
	return cut == 0 ? IR_LOG_TAIL_CLEAN : IR_LOG_TAIL_TORN;
}

static gboolean
test_log_tail_tail_last_is_recovery (const char *dir)
{
	g_autoptr (GBytes) log = test_log_tail_tail_read (dir, LOG);
	gsize len = 0;
	const char *data = g_bytes_get_data (log, &len);

	return len > 0 && g_strrstr_len (data, (gssize)len, "\"type\":\"RECOVERY\"") != NULL;
}

static IrLogTailVerdict
test_log_tail_tail_by_writer (Table *t, const char *dir)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMigrationLog) log =
	    ir_migration_log_open (dir, ORIGIN, ORIGIN, t->key, &error);

	g_assert_no_error (error);
	if (ir_migration_log_get_tamper_error (log) != NULL)
		return IR_LOG_TAIL_TAMPERED;
	return test_log_tail_tail_last_is_recovery (dir) ? IR_LOG_TAIL_TORN : IR_LOG_TAIL_CLEAN;
}

/* imeictl recover's own verdict, in process: its prepare step is
 * ir_engine_open_log(), which refuses a tampered log (exit 11) */
static IrLogTailVerdict
test_log_tail_tail_by_engine (const char *dir)
{
	g_autoptr (IrEngine) engine = ir_engine_new ();
	g_autoptr (GError) error = NULL;

	if (!ir_engine_open_log (engine, dir, &error)) {
		if (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED))
			return IR_LOG_TAIL_TAMPERED;
		fail_msg ("recover %s: %s", dir, error->message);
	}
	g_clear_object (&engine);
	return test_log_tail_tail_last_is_recovery (dir) ? IR_LOG_TAIL_TORN : IR_LOG_TAIL_CLEAN;
}

/* the imeictl process itself (exit codes and all) */
static IrLogTailVerdict
test_log_tail_tail_by_imeictl (const char *dir)
{
	const char *imeictl = g_getenv ("IMEICTL");
	const char *argv[] = {imeictl, "recover", "--state-dir", dir, "--json", NULL};
	g_autoptr (GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	int status = 0;

	assert_non_null (imeictl);
	assert_true (g_spawn_sync (
	    NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
	g_assert_no_error (error);
	if (WIFEXITED (status) && WEXITSTATUS (status) == 11)
		return IR_LOG_TAIL_TAMPERED;
	if (!g_spawn_check_wait_status (status, NULL))
		fail_msg ("imeictl recover %s: status %d: %s", dir, status, err);
	return test_log_tail_tail_last_is_recovery (dir) ? IR_LOG_TAIL_TORN : IR_LOG_TAIL_CLEAN;
}

static IrLogTailVerdict
test_log_tail_tail_by_verify (Table *t, const char *dir)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (dir, &error);
	IrAuditVerifyOptions options = {.key = t->key};
	g_autoptr (IrAuditReport) report = NULL;

	g_assert_no_error (error);
	report = ir_audit_verify (paths, &options, NULL, &error);
	g_assert_no_error (error);
	if (report->error != NULL)
		return IR_LOG_TAIL_TAMPERED;
	for (guint i = 0; i < report->warnings->len; i++) {
		if (strstr (g_ptr_array_index (report->warnings, i), "cuts it at its next start"))
			return IR_LOG_TAIL_TORN;
	}
	return IR_LOG_TAIL_CLEAN;
}

/* The lengths where the verdict changes, and either end: there the real
 * imeictl runs too (a few thousand process starts for every length would
 * be minutes of the suite, for the same code imeictl runs in process). */
static gboolean
test_log_tail_tail_is_edge (Table *t, gsize cut)
{
	gsize line_len = strlen (t->line);
	gsize complete = line_len + t->note_len;
	gsize total = line_len + strlen (t->note);

	return cut <= 1 || cut + 1 == line_len || cut == line_len || cut == line_len + 1 ||
	       cut + 1 == complete || cut == complete || cut == total;
}

static void
test_log_tail_tail_check_row (Table *t, gsize cut, gboolean witnessed)
{
	IrLogTailVerdict want = test_log_tail_tail_documented (t, cut, witnessed);
	g_autofree char *d1 = test_log_tail_tail_make_state (t, cut, witnessed);
	g_autofree char *d2 = test_log_tail_tail_make_state (t, cut, witnessed);
	IrLogTailVerdict by_verify = test_log_tail_tail_by_verify (t, d1);
	IrLogTailVerdict by_writer = test_log_tail_tail_by_writer (t, d1);
	IrLogTailVerdict by_recover = test_log_tail_tail_by_engine (d2);

	if (test_log_tail_tail_is_edge (t, cut)) {
		g_autofree char *d3 = test_log_tail_tail_make_state (t, cut, witnessed);
		IrLogTailVerdict by_imeictl = test_log_tail_tail_by_imeictl (d3);

		if (by_imeictl != by_recover)
			fail_msg ("%" G_GSIZE_FORMAT " bytes%s: imeictl recover %s, its engine %s",
				  cut,
				  witnessed ? " (witnessed)" : "",
				  ir_log_tail_verdict_to_string (by_imeictl),
				  ir_log_tail_verdict_to_string (by_recover));
		test_log_tail_tail_rm_dir (d3);
	}

	if (by_verify != want || by_writer != want || by_recover != want)
		fail_msg ("%" G_GSIZE_FORMAT
			  " bytes of the last append%s: documented %s, writer %s, "
			  "recover %s, audit verify %s",
			  cut,
			  witnessed ? " (witnessed)" : "",
			  ir_log_tail_verdict_to_string (want),
			  ir_log_tail_verdict_to_string (by_writer),
			  ir_log_tail_verdict_to_string (by_recover),
			  ir_log_tail_verdict_to_string (by_verify));
	test_log_tail_tail_rm_dir (d1);
	test_log_tail_tail_rm_dir (d2);
}

static void
test_log_tail_every_length (void **state)
{
	Table *t = *state;
	gsize total = strlen (t->line) + strlen (t->note);

	for (gsize cut = 0; cut <= total; cut++) {
		test_log_tail_tail_check_row (t, cut, FALSE);
		test_log_tail_tail_check_row (t, cut, TRUE);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (test_log_tail_every_length,
					     test_log_tail_tail_setup_inline,
					     test_log_tail_tail_teardown),
	    cmocka_unit_test_setup_teardown (test_log_tail_every_length,
					     test_log_tail_tail_setup_notes,
					     test_log_tail_tail_teardown),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
