/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-tail.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* The log writer killed with SIGKILL at random moments, many times over,
 * on one log: a log-writer child appends in a loop and prints every
 * acknowledged seq to a pipe. After each kill the log is reopened here:
 * no tamper alarm, every acknowledged record present at its seq, nothing
 * torn accepted (a tail past the last checkpoint is cut, and a RECOVERY
 * record says how many bytes). The seed is printed so that a failure can
 * be replayed (IR_CRASH_SEED). */

#define ORIGIN "imeirestore/DEL01/ws1"
#define KILLS  50
#define LOG    "migration-log.jsonl"
#define CPS    "migration-log.checkpoints"

typedef struct {
	GMainLoop *loop;
	GString *out;
} Reader;

/* whatever the child printed before it died */
static char *
test_log_crash_run_and_kill (const char *dir, guint delay_ms, gboolean inline_layout)
{
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GSubprocess) child = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) out = g_string_new (NULL);
	GInputStream *stdout_pipe;
	char buf[4096];
	gssize n;

	if (!inline_layout)
		g_subprocess_launcher_setenv (launcher, "IR_LOG_WRITER_LAYOUT", "notes", TRUE);
	child = g_subprocess_launcher_spawn (launcher, &error, IR_LOG_WRITER, dir, "loop", NULL);
	assert_non_null (child);
	g_usleep (delay_ms * 1000);
	g_subprocess_send_signal (child, SIGKILL);
	stdout_pipe = g_subprocess_get_stdout_pipe (child);
	while ((n = g_input_stream_read (stdout_pipe, buf, sizeof (buf), NULL, &error)) > 0)
		g_string_append_len (out, buf, n);
	assert_true (g_subprocess_wait (child, NULL, &error));
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/* inline layout: bytes past the last whole signature line */
static gsize
test_log_crash_tail_bytes_inline (const char *log, gsize log_len)
{
	gsize pos = 0, first = 0, consumed = 0;

	while (ir_log_tail_next_pair (log + pos, log_len - pos, &first, &consumed))
		pos += consumed;
	return log_len - pos;
}

/* notes layout: complete notes in the checkpoint file, by the writer's own
 * rule (the empty line after the last note may be missing: a kill can cut
 * a write at a page boundary, even right before that last byte) */
static gsize
test_log_crash_count_notes (const char *cps, gsize cps_len)
{
	gsize pos = 0, notes = 0, note_len = 0, consumed = 0;

	while (ir_log_tail_next_note (cps + pos, cps_len - pos, TRUE, &note_len, &consumed) ==
	       IR_LOG_TAIL_NOTE_COMPLETE) {
		pos += consumed;
		notes++;
	}
	return notes;
}

/* bytes of the log past its last checkpoint, as the files are now */
static gsize
test_log_crash_tail_bytes (const char *dir, gboolean inline_layout)
{
	g_autofree char *log_path = g_build_filename (dir, LOG, NULL);
	g_autofree char *cps_path = g_build_filename (dir, CPS, NULL);
	g_autofree char *log = NULL;
	g_autofree char *cps = NULL;
	gsize log_len = 0, cps_len = 0, notes, pos = 0, lines = 0;

	if (!g_file_get_contents (log_path, &log, &log_len, NULL))
		return 0;
	if (inline_layout)
		return test_log_crash_tail_bytes_inline (log, log_len);
	if (!g_file_get_contents (cps_path, &cps, &cps_len, NULL))
		cps_len = 0;
	notes = test_log_crash_count_notes (cps, cps_len);
	for (pos = 0; pos < log_len && lines < notes; pos++)
		lines += log[pos] == '\n';
	return log_len - pos;
}

static void
test_log_crash_check_acked (IrMigrationLog *log, GHashTable *acked)
{
	GHashTableIter iter;
	gpointer key;
	guint64 size = ir_migration_log_get_size (log);

	g_hash_table_iter_init (&iter, acked);
	while (g_hash_table_iter_next (&iter, &key, NULL)) {
		guint64 seq = GPOINTER_TO_SIZE (key) - 1;
		g_autoptr (GPtrArray) lines = NULL;
		g_autoptr (IrLogRecord) record = NULL;

		if (seq >= size)
			fail_msg ("acknowledged record %" G_GUINT64_FORMAT
				  " lost (log size %" G_GUINT64_FORMAT ")",
				  seq,
				  size);
		lines = ir_migration_log_read_lines (log, seq, seq + 1, NULL);
		record = ir_log_record_parse (lines->pdata[0], strlen (lines->pdata[0]), NULL);
		assert_non_null (record);
		assert_true (record->seq == seq);
	}
}

/* How long the writer takes, on this machine and build, from its start to
 * its first acknowledged record: under AddressSanitizer on a loaded
 * machine that is several times what it is in a normal build, and kills
 * that all land before it would leave nothing acknowledged to check. */
static guint
test_log_crash_first_ack_ms (const char *test_dir, gboolean inline_layout)
{
	g_autofree char *dir = g_build_filename (test_dir, "calibration", NULL);
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GSubprocess) child = NULL;
	g_autoptr (GDataInputStream) lines = NULL;
	g_autoptr (GError) error = NULL;
	gint64 start = g_get_monotonic_time ();
	guint elapsed_ms;

	g_assert_no_errno (g_mkdir (dir, 0700));
	if (!inline_layout)
		g_subprocess_launcher_setenv (launcher, "IR_LOG_WRITER_LAYOUT", "notes", TRUE);
	child = g_subprocess_launcher_spawn (launcher, &error, IR_LOG_WRITER, dir, "loop", NULL);
	assert_non_null (child);
	lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
	for (;;) {
		g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);

		if (line == NULL)
			fail_msg ("the log writer ended before its first record: %s",
				  error != NULL ? error->message : "no output");
		if (g_str_has_prefix (line, "ack "))
			break;
	}
	elapsed_ms = (guint)((g_get_monotonic_time () - start) / 1000);
	g_subprocess_force_exit (child);
	g_subprocess_wait (child, NULL, NULL);
	return elapsed_ms;
}

static void
test_log_crash_crash_loop (gboolean inline_layout, guint kills)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-log-crash-XXXXXX", NULL);
	g_autofree char *key_path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	g_autoptr (GHashTable) acked = g_hash_table_new (g_direct_hash, g_direct_equal);
	g_autoptr (GRand) rand = NULL;
	guint32 seed = (guint32)g_ascii_strtoull (
	    g_getenv ("IR_CRASH_SEED") != NULL ? g_getenv ("IR_CRASH_SEED") : "0", NULL, 10);
	guint recoveries = 0;
	/* kills from before the open to well past the first record */
	guint max_delay = 4 * test_log_crash_first_ack_ms (dir, inline_layout);

	max_delay = MAX (max_delay, 120);
	if (seed == 0)
		seed = g_random_int ();
	printf (
	    "# crash test seed %u (IR_CRASH_SEED=%u replays it), log in %s, kills within %u ms\n",
	    seed,
	    seed,
	    dir,
	    max_delay);
	rand = g_rand_new_with_seed (seed);

	for (guint kill = 0; kill < kills; kill++) {
		guint delay = (guint)g_rand_int_range (rand, 1, (gint32)max_delay);
		g_autofree char *out = test_log_crash_run_and_kill (dir, delay, inline_layout);
		g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
		g_autoptr (EVP_PKEY) key = NULL;
		g_autoptr (IrMigrationLog) log = NULL;
		g_autoptr (GError) error = NULL;
		gsize tail;
		guint64 size_before;

		for (guint i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix (lines[i], "ack "))
				g_hash_table_add (
				    acked,
				    GSIZE_TO_POINTER (g_ascii_strtoull (lines[i] + 4, NULL, 10) +
						      1));
			else if (*lines[i] != '\0')
				fail_msg ("kill %u: the writer said \"%s\"", kill, lines[i]);
		}
		if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
			continue; /* killed before it made its key */
		key = ir_workstation_key_load (key_path, &error);
		if (key == NULL)
			fail_msg ("kill %u: %s", kill, error->message);
		tail = test_log_crash_tail_bytes (dir, inline_layout);
		log = ir_migration_log_open (dir, ORIGIN, ORIGIN, key, &error);
		if (log == NULL)
			fail_msg ("kill %u: %s", kill, error->message);
		if (ir_migration_log_get_tamper_error (log) != NULL)
			fail_msg ("kill %u (after %u ms): %s",
				  kill,
				  delay,
				  ir_migration_log_get_tamper_error (log)->message);
		test_log_crash_check_acked (log, acked);
		size_before = ir_migration_log_get_size (log);
		if (tail > 0) {
			g_autoptr (GPtrArray) last =
			    ir_migration_log_read_lines (log, size_before - 1, size_before, NULL);
			g_autoptr (IrLogRecord) record =
			    ir_log_record_parse (last->pdata[0], strlen (last->pdata[0]), NULL);

			assert_non_null (record);
			assert_int_equal (record->type, IR_LOG_RECORD_RECOVERY);
			assert_true ((gsize)json_object_get_int_member (record->object,
									"cut_bytes") == tail);
			recoveries++;
		}
		/* nothing past the last checkpoint now */
		g_clear_object (&log);
		assert_int_equal (test_log_crash_tail_bytes (dir, inline_layout), 0);
	}
	printf ("# %u kills, %u acknowledged records kept, %u torn tails cut\n",
		kills,
		g_hash_table_size (acked),
		recoveries);
	assert_true (g_hash_table_size (acked) > 0);
}

static void
test_log_crash_crash_loop_inline (void **state)
{
	test_log_crash_crash_loop (TRUE, KILLS);
}

/* logs of the notes layout are still written (one record at a time) */
static void
test_log_crash_crash_loop_notes (void **state)
{
	test_log_crash_crash_loop (FALSE, KILLS / 2);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_log_crash_crash_loop_inline),
	    cmocka_unit_test (test_log_crash_crash_loop_notes),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
