/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-restore-log-env.h"

/* The restore flow killed with SIGKILL at every step, many times over,
 * with the real imei-sim and imei-brandd on loopback and a fresh PKI.
 * The kill comes from the test-only hook $IMEIRESTORE_TEST_CRASH_AT
 * (src/core/engine/ir-restore-log.h), which is deterministic where a kill from
 * outside would race. After each kill and the next restore of the same
 * phone: no acknowledged record lost (the log before is a prefix of the
 * log after), no torn record accepted (every line a whole JSON object,
 * seq contiguous), the RECOVERY record present when a tail was cut, and
 * every INTENT resolved, its recovery recorded before anything else was
 * done to the phone. $IR_CRASH_RUNS sets the runs per step (default 3). */

#define ZERO IR_TEST_IMEI_ZERO

typedef struct {
	const char *args;
	const char *wiped;    /* the phone's state file before */
	const char *restored; /* once restored */
} Phone;

/* registered devices, one per run, so that no device is asked for more
 * than two tokens per server */
static const Phone phones[] = {
    {"--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO, ZERO ";", RT_QCT_IMEI1 ";"},
    {"--family simcom --serial " RT_SIM_SERIAL " --imei " ZERO, ZERO ";", RT_SIM_IMEI1 ";"},
    {"--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO,
     ZERO ";" ZERO ";",
     RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";"},
    {"--family unisoc --serial " RT_UNI_SERIAL " --imei " ZERO " --imei " ZERO,
     ZERO ";" ZERO ";",
     RT_UNI_IMEI1 ";" RT_UNI_IMEI2 ";"},
    {"--family mediatek --serial " RT_MTK2_SERIAL " --imei " ZERO " --imei " ZERO,
     ZERO ";" ZERO ";",
     RT_MTK2_IMEI1 ";" RT_MTK2_IMEI2 ";"},
};

typedef enum {
	THEN_RESTART,	    /* restore again */
	THEN_TEAR_TAIL,	    /* a half-written line is left, then restore again */
	THEN_CRASH_RECOVER, /* restore again, killed in the recovery; then again */
} Then;

typedef struct {
	const char *name;
	const char *crash_at;
	gboolean written; /* the phone holds its IMEIs when killed */
	gboolean pending; /* an INTENT is left without RESULT */
	Then then;
} CrashRow;

static const CrashRow rows[] = {
    {"killed after START", "start", FALSE, FALSE, THEN_RESTART},
    {"killed before the INTENT", "intent", FALSE, FALSE, THEN_RESTART},
    {"killed after the INTENT, before the write", "write", FALSE, TRUE, THEN_RESTART},
    {"killed after the write, before the RESULT", "result", TRUE, TRUE, THEN_RESTART},
    {"killed after the RESULT, before the report", "report", TRUE, FALSE, THEN_RESTART},
    {"killed after the report", "done", TRUE, FALSE, THEN_RESTART},
    {"killed after the write, a torn line left", "result", TRUE, TRUE, THEN_TEAR_TAIL},
    {"killed again in the recovery", "result", TRUE, TRUE, THEN_CRASH_RECOVER},
};

static const char torn[] = "{\"schema\":1,\"seq\":";

static guint
test_crash_restore_crash_runs (void)
{
	const char *env = g_getenv ("IR_CRASH_RUNS");
	guint64 n = env != NULL ? g_ascii_strtoull (env, NULL, 10) : 3;

	return (guint)CLAMP (n, 1, G_N_ELEMENTS (phones));
}

static IrTestRun *
test_crash_restore_restore_crashing (RtServer *server,
				     const char *dir,
				     const char *port,
				     const char *point)
{
	g_autofree char *crash = g_strdup_printf ("IMEIRESTORE_TEST_CRASH_AT=%s", point);
	const char *env[] = {crash, NULL};

	return test_restore_log_env_restore (server, dir, port, env);
}

static void
test_crash_restore_append_torn_line (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *text = test_restore_log_env_log_text (dir);
	g_autofree char *torn_text = g_strconcat (text, torn, NULL);

	assert_true (g_file_set_contents (path, torn_text, -1, NULL));
}

/* The INTENT left without RESULT by the kill, or NULL. */
static char *
test_crash_restore_open_intent (const char *dir)
{
	g_autoptr (GPtrArray) records = test_restore_log_env_records (dir);
	int i = test_restore_log_env_find (records, 0, "INTENT", NULL);
	char *found = NULL;

	for (; i >= 0; i = test_restore_log_env_find (records, (guint)i + 1, "INTENT", NULL)) {
		const char *id =
		    test_restore_log_env_string (g_ptr_array_index (records, i), "intent_id");
		if (test_restore_log_env_find (records, (guint)i + 1, "RESULT", id) < 0) {
			g_free (found);
			found = g_strdup (id);
		}
	}
	return found;
}

static void
test_crash_restore_crash_once (
    const CrashRow *row, RtServer *server, const char *dir, const Phone *phone, char **acked)
{
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (phone->args);
	g_autoptr (IrTestRun) killed =
	    test_crash_restore_restore_crashing (server, dir, sim->path, row->crash_at);
	g_autoptr (IrTestRun) again = NULL;
	g_autoptr (GPtrArray) before = NULL;
	g_autoptr (GPtrArray) after = NULL;
	g_autofree char *state = test_restore_env_sim_imeis (sim);
	g_autofree char *state_after = NULL;
	g_autofree char *log_killed = test_restore_log_env_log_text (dir);
	g_autofree char *log_after = NULL;
	g_autofree char *pending = NULL;
	guint start_of_run;

	assert_int_equal (killed->exit_code, -9);
	/* everything acknowledged before the kill is still there */
	assert_true (g_str_has_prefix (log_killed, *acked));
	before = test_restore_log_env_records (dir);
	assert_string_equal (state, row->written ? phone->restored : phone->wiped);
	pending = test_crash_restore_open_intent (dir);
	assert_int_equal (pending != NULL, row->pending);

	if (row->then == THEN_TEAR_TAIL)
		test_crash_restore_append_torn_line (dir);
	if (row->then == THEN_CRASH_RECOVER) {
		g_autoptr (IrTestRun) twice =
		    test_crash_restore_restore_crashing (server, dir, sim->path, "recover");
		g_autofree char *log_twice = test_restore_log_env_log_text (dir);
		g_autofree char *still = NULL;
		assert_int_equal (twice->exit_code, -9);
		assert_true (g_str_has_prefix (log_twice, log_killed));
		still = test_crash_restore_open_intent (dir);
		assert_string_equal (still, pending);
		g_clear_pointer (&before, g_ptr_array_unref);
		before = test_restore_log_env_records (dir);
	}

	again = test_restore_log_env_restore (server, dir, sim->path, NULL);
	assert_int_equal (again->exit_code, 0);
	log_after = test_restore_log_env_log_text (dir);
	after = test_restore_log_env_records (dir);
	/* no acknowledged record lost; a torn tail cut and said so */
	assert_true (g_str_has_prefix (log_after, log_killed));
	start_of_run = before->len;
	if (row->then == THEN_TEAR_TAIL) {
		JsonObject *rec = g_ptr_array_index (after, start_of_run);
		assert_string_equal (test_restore_log_env_type (rec), "RECOVERY");
		assert_int_equal (json_object_get_int_member (rec, "cut_bytes"), strlen (torn));
		start_of_run++;
	}
	assert_string_equal (test_restore_log_env_type (g_ptr_array_index (after, start_of_run)),
			     "START");
	if (pending != NULL) {
		/* recovered before anything else was done to the phone */
		JsonObject *rec = g_ptr_array_index (after, start_of_run + 1);
		assert_string_equal (test_restore_log_env_type (rec), "RESULT");
		assert_string_equal (test_restore_log_env_string (rec, "intent_id"), pending);
		assert_string_equal (test_restore_log_env_string (rec, "outcome"), "recovered");
	}
	test_restore_log_env_assert_all_resolved (after);
	state_after = test_restore_env_sim_imeis (sim);
	assert_string_equal (state_after, phone->restored);
	g_free (*acked);
	*acked = g_steal_pointer (&log_after);
}

static void
test_crash_restore_crash (void **state)
{
	const CrashRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *acked = g_strdup ("");
	guint runs = test_crash_restore_crash_runs ();

	for (guint i = 0; i < runs; i++) {
		print_message ("%s: run %u of %u\n", row->name, i + 1, runs);
		test_crash_restore_crash_once (row, server, dir, &phones[i], &acked);
	}
}

int
main (void)
{
	return ir_test_harness_run_table ("crash-restore",
					  test_crash_restore_crash,
					  rows,
					  sizeof (rows[0]),
					  G_N_ELEMENTS (rows),
					  NULL,
					  0);
}
