/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* Injected write and sync failures (ENOSPC, EIO) through the io-fault
 * preload, on a log-writer child: the failed append is IR_ERROR_IO
 * naming the file and the errno, nothing is acknowledged after it, the
 * log refuses further appends, no sync is retried; after a restart every
 * acknowledged record is there and an unacknowledged tail is cut with a
 * RECOVERY record. */

#define ORIGIN "imeirestore/DEL01/ws1"

typedef struct {
	const char *name;
	const char *path; /* fnmatch pattern */
	const char *ops;
	const char *errno_name;
	const char *errno_text;
	guint after;
	guint acked;		 /* records (START included) acknowledged first */
	const char *failed_call; /* the call reported failed, once */
	gboolean recovery;	 /* the failed record's bytes are cut at reopen */
	gboolean kept;		 /* ... or found whole, with its checkpoint */
	gboolean inline_layout;	 /* a new log (signature lines inline), else notes */
} FaultRow;

#define LOG_GLOB "*/migration-log.jsonl"
#define CPS_GLOB "*/migration-log.checkpoints"

static const FaultRow rows[] = {
    {"log write ENOSPC at once",
     LOG_GLOB,
     "write",
     "ENOSPC",
     "No space left on device",
     0,
     0,
     "write",
     FALSE},
    {"log write EIO after 2", LOG_GLOB, "write", "EIO", "Input/output error", 2, 2, "write", FALSE},
    {"log fdatasync EIO at once",
     LOG_GLOB,
     "fdatasync,fsync",
     "EIO",
     "Input/output error",
     0,
     0,
     "fdatasync",
     TRUE},
    {"log fdatasync ENOSPC after 3",
     LOG_GLOB,
     "fdatasync,fsync",
     "ENOSPC",
     "No space left on device",
     3,
     3,
     "fdatasync",
     TRUE},
    {"checkpoint write ENOSPC at once",
     CPS_GLOB,
     "write",
     "ENOSPC",
     "No space left on device",
     0,
     0,
     "write",
     TRUE},
    {"checkpoint write EIO after 1",
     CPS_GLOB,
     "write",
     "EIO",
     "Input/output error",
     1,
     1,
     "write",
     TRUE},
    {"checkpoint fsync EIO at once",
     CPS_GLOB,
     "fdatasync,fsync",
     "EIO",
     "Input/output error",
     0,
     0,
     "fsync",
     FALSE,
     TRUE},
    {"checkpoint fsync ENOSPC after 2",
     CPS_GLOB,
     "fdatasync,fsync",
     "ENOSPC",
     "No space left on device",
     2,
     2,
     "fsync",
     FALSE,
     TRUE},
    /* inline: one write and one fdatasync per append; a failed write
     * leaves nothing (the preload writes no byte), a failed sync leaves
     * the whole pair, found complete at restart */
    {"inline write ENOSPC at once",
     LOG_GLOB,
     "write",
     "ENOSPC",
     "No space left on device",
     0,
     0,
     "write",
     FALSE,
     FALSE,
     TRUE},
    {"inline write EIO after 2",
     LOG_GLOB,
     "write",
     "EIO",
     "Input/output error",
     2,
     2,
     "write",
     FALSE,
     FALSE,
     TRUE},
    {"inline fdatasync EIO at once",
     LOG_GLOB,
     "fdatasync,fsync",
     "EIO",
     "Input/output error",
     0,
     0,
     "fdatasync",
     FALSE,
     TRUE,
     TRUE},
    {"inline fdatasync ENOSPC after 3",
     LOG_GLOB,
     "fdatasync,fsync",
     "ENOSPC",
     "No space left on device",
     3,
     3,
     "fdatasync",
     FALSE,
     TRUE,
     TRUE},
};

static char *
test_io_fault_run_writer (const char *dir,
			  const char *count,
			  gboolean inline_layout,
			  const FaultRow *row,
			  const char *report)
{
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GSubprocess) child = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *asan = NULL;
	char *out = NULL;

	if (!inline_layout)
		g_subprocess_launcher_setenv (launcher, "IR_LOG_WRITER_LAYOUT", "notes", TRUE);
	if (row != NULL) {
		/* an ASan build wants its runtime first; ours is preloaded */
		asan = g_strdup_printf (
		    "%s%sverify_asan_link_order=0",
		    g_getenv ("ASAN_OPTIONS") != NULL ? g_getenv ("ASAN_OPTIONS") : "",
		    g_getenv ("ASAN_OPTIONS") != NULL ? ":" : "");
		g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
		g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", IR_IO_FAULT_LIB, TRUE);
		g_subprocess_launcher_setenv (launcher, "IR_FAULT_PATH", row->path, TRUE);
		g_subprocess_launcher_setenv (launcher, "IR_FAULT_OPS", row->ops, TRUE);
		g_subprocess_launcher_setenv (launcher, "IR_FAULT_ERRNO", row->errno_name, TRUE);
		g_subprocess_launcher_setenv (launcher, "IR_FAULT_REPORT", report, TRUE);
		{
			g_autofree char *after = g_strdup_printf ("%u", row->after);
			g_subprocess_launcher_setenv (launcher, "IR_FAULT_AFTER", after, TRUE);
		}
	}
	child = g_subprocess_launcher_spawn (launcher, &error, IR_LOG_WRITER, dir, count, NULL);
	assert_non_null (child);
	assert_true (g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
	return out;
}

static EVP_PKEY *
test_io_fault_load_key (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	g_autoptr (GError) error = NULL;
	EVP_PKEY *key = ir_workstation_key_load (path, &error);

	if (key == NULL)
		fail_msg ("%s", error->message);
	return key;
}

static guint
test_io_fault_count_acks (const char *out)
{
	guint n = 0;

	for (const char *p = out; (p = strstr (p, "ack ")) != NULL; p++)
		n++;
	return n;
}

/* the report: the failed call once, no call on the file after it */
static void
test_io_fault_check_report (const char *report, const FaultRow *row)
{
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	g_autofree char *want = g_strdup_printf ("%s failed", row->failed_call);
	guint n = 0;

	assert_true (g_file_get_contents (report, &text, NULL, NULL));
	lines = g_strsplit (text, "\n", -1);
	for (n = 0; lines[n] != NULL && !g_str_has_suffix (lines[n], " failed"); n++)
		;
	if (lines[n] == NULL || g_strcmp0 (lines[n], want) != 0)
		fail_msg ("%s: report has no \"%s\":\n%s", row->name, want, text);
	/* no retry: nothing after the failure (the last element is "") */
	if (lines[n + 1] == NULL || *lines[n + 1] != '\0')
		fail_msg ("%s: calls after the failure:\n%s", row->name, text);
}

static void
test_io_fault_faults (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		const FaultRow *row = &rows[i];
		g_autofree char *dir = g_dir_make_tmp ("ir-io-fault-XXXXXX", NULL);
		g_autofree char *report = g_build_filename (dir, "report", NULL);
		g_autofree char *first =
		    test_io_fault_run_writer (dir, "1", row->inline_layout, NULL, NULL);
		g_autofree char *out =
		    test_io_fault_run_writer (dir, "20", row->inline_layout, row, report);
		g_autofree char *fail_line = g_strdup_printf ("fail %d ", IR_ERROR_IO);
		g_autofree char *then_line = g_strdup_printf ("then %d ", IR_ERROR_READ_ONLY_LOG);
		g_autoptr (EVP_PKEY) key = test_io_fault_load_key (dir);
		g_autoptr (GError) error = NULL;
		g_autoptr (IrMigrationLog) log = NULL;
		g_autoptr (GPtrArray) lines = NULL;
		g_autoptr (IrLogRecord) last = NULL;
		const char *fail;
		guint64 want;

		/* a log of two records (START, RESULT) to start from */
		assert_int_equal (test_io_fault_count_acks (first), 2);
		if (test_io_fault_count_acks (out) != row->acked)
			fail_msg ("%s: %u acknowledged, expected %u:\n%s",
				  row->name,
				  test_io_fault_count_acks (out),
				  row->acked,
				  out);
		fail = strstr (out, fail_line);
		if (fail == NULL)
			fail_msg ("%s: no IR_ERROR_IO:\n%s", row->name, out);
		/* the message names the file and the errno */
		assert_non_null (strstr (fail,
					 g_str_has_prefix (row->path, "*/migration-log.j")
					     ? "migration-log.jsonl"
					     : "migration-log.checkpoints"));
		assert_non_null (strstr (fail, row->errno_text));
		assert_non_null (strstr (out, then_line));
		assert_non_null (strstr (out, "read-only"));
		test_io_fault_check_report (report, row);

		/* restart: what was acknowledged is there, the rest cut */
		log = ir_migration_log_open (dir, ORIGIN, ORIGIN, key, &error);
		assert_non_null (log);
		assert_null (ir_migration_log_get_tamper_error (log));
		want = 2 + row->acked + (row->recovery || row->kept ? 1 : 0);
		if (ir_migration_log_get_size (log) != want)
			fail_msg ("%s: size %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
				  row->name,
				  ir_migration_log_get_size (log),
				  want);
		lines = ir_migration_log_read_lines (log, want - 1, want, &error);
		last = ir_log_record_parse (lines->pdata[0], strlen (lines->pdata[0]), &error);
		assert_non_null (last);
		if (row->recovery) {
			assert_int_equal (last->type, IR_LOG_RECORD_RECOVERY);
			assert_true (json_object_get_int_member (last->object, "cut_bytes") > 0);
		} else {
			assert_int_not_equal (last->type, IR_LOG_RECORD_RECOVERY);
		}
		g_clear_object (&log);
		g_unlink (report);
	}
}

/* How many times @call appears in the preload's report. */
static guint
test_io_fault_count_calls (const char *report, const char *call)
{
	g_autofree char *text = NULL;
	g_autofree char *needle = g_strdup_printf ("%s ok", call);
	g_auto (GStrv) lines = NULL;
	guint n = 0;

	assert_true (g_file_get_contents (report, &text, NULL, NULL));
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		n += g_strcmp0 (lines[i], needle) == 0;
	return n;
}

/* The io-fault preload counting, never failing (IR_FAULT_AFTER past any
 * count): what one durable append of the inline layout costs. */
static char *
test_io_fault_count_run (const char *dir, const char *count, const char *report)
{
	static const FaultRow counting = {"count",
					  LOG_GLOB,
					  "write,fdatasync,fsync",
					  "EIO",
					  "",
					  1000000,
					  0,
					  "",
					  FALSE,
					  FALSE,
					  TRUE};

	return test_io_fault_run_writer (dir, count, TRUE, &counting, report);
}

/* One write and one fdatasync per record, and nothing on any other file
 * (there is no checkpoint file): START and 5 records, 6 of each. */
static void
test_io_fault_one_sync_per_record (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-io-fault-XXXXXX", NULL);
	g_autofree char *report = g_build_filename (dir, "report", NULL);
	g_autofree char *cps = g_build_filename (dir, "migration-log.checkpoints", NULL);
	g_autofree char *out = test_io_fault_count_run (dir, "5", report);

	assert_int_equal (test_io_fault_count_acks (out), 6);
	assert_int_equal (test_io_fault_count_calls (report, "write"), 6);
	assert_int_equal (test_io_fault_count_calls (report, "fdatasync"), 6);
	assert_int_equal (test_io_fault_count_calls (report, "fsync"), 0);
	assert_false (g_file_test (cps, G_FILE_TEST_EXISTS));
}

/* Group commit: 8 records queued before any is waited for are written in
 * one write() and made durable by one fdatasync, and each is
 * acknowledged; START before them had its own. */
static void
test_io_fault_group_commit (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-io-fault-XXXXXX", NULL);
	g_autofree char *report = g_build_filename (dir, "report", NULL);
	g_autofree char *out = test_io_fault_count_run (dir, "batch:8", report);
	g_autoptr (EVP_PKEY) key = test_io_fault_load_key (dir);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMigrationLog) log = NULL;

	assert_int_equal (test_io_fault_count_acks (out), 9);
	assert_int_equal (test_io_fault_count_calls (report, "write"), 2);
	assert_int_equal (test_io_fault_count_calls (report, "fdatasync"), 2);
	log = ir_migration_log_open (dir, ORIGIN, ORIGIN, key, &error);
	g_assert_no_error (error);
	assert_null (ir_migration_log_get_tamper_error (log));
	assert_int_equal (ir_migration_log_get_size (log), 9);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_io_fault_faults),
	    cmocka_unit_test (test_io_fault_one_sync_per_record),
	    cmocka_unit_test (test_io_fault_group_commit),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
