/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-restore-log-env.h"

/* Injected write and fsync failures on the migration log (ENOSPC, EIO,
 * through the io-fault preload of tests/io-fault/, $IR_FAULT_PRELOAD):
 * a failed INTENT stops the restore before the phone is touched (its
 * state file unchanged); a failed RESULT never lets success be reported
 * or shown, and leaves the INTENT to be recovered by the next run. */

#define ZERO	  IR_TEST_IMEI_ZERO
#define QCT_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO

typedef struct {
	const char *name;
	const char *file; /* IR_FAULT_PATH: the file's name */
	const char *call; /* IR_FAULT_OPS */
	const char *err;  /* IR_FAULT_ERRNO */
	int after;	  /* IR_FAULT_AFTER */
	int exit_code;
	const char *code;
	const char *needle;
	const char *state_after; /* the phone, after the failed run */
	const char *report;	 /* the outcome reported; NULL: none */
} FaultRow;

static const FaultRow rows[] = {
    {"START cannot be written (ENOSPC): nothing done",
     "migration-log.jsonl",
     "write",
     "ENOSPC",
     0,
     12,
     "io",
     "No space left",
     ZERO ";",
     NULL},
    {"INTENT write fails (ENOSPC): phone untouched",
     "migration-log.jsonl",
     "write",
     "ENOSPC",
     1,
     12,
     "io",
     "No space left",
     ZERO ";",
     "aborted"},
    {"INTENT write fails (EIO): phone untouched",
     "migration-log.jsonl",
     "write",
     "EIO",
     1,
     12,
     "io",
     "Input/output error",
     ZERO ";",
     "aborted"},
    {"INTENT fdatasync fails (EIO): phone untouched",
     "migration-log.jsonl",
     "fdatasync",
     "EIO",
     1,
     12,
     "io",
     "Input/output error",
     ZERO ";",
     "aborted"},
    /* the used-token store: its line is appended when the token is
     * verified and synced beside the INTENT, on a thread of its own; the
     * phone is written only once that sync succeeded (the first write and
     * fsync are the new store's header) */
    {"token-seen write fails (ENOSPC): token refused, phone untouched",
     "token-seen",
     "write",
     "ENOSPC",
     1,
     6,
     "token_refused",
     "used-token store",
     ZERO ";",
     "aborted"},
    {"token-seen fsync fails (EIO): phone untouched, though the INTENT is durable",
     "token-seen",
     "fsync",
     "EIO",
     1,
     6,
     "token_refused",
     "used-token store",
     ZERO ";",
     "aborted"},
    /* no row for the checkpoint file: a new log (the inline layout) has
     * none, the checkpoint goes with its record in the write and the
     * fdatasync above; tests/io-fault fails both files of a notes-layout
     * log */
    {"RESULT write fails (ENOSPC): written, but no success reported",
     "migration-log.jsonl",
     "write",
     "ENOSPC",
     2,
     9,
     "outcome_unknown",
     "could not be recorded",
     RT_QCT_IMEI1 ";",
     "unknown"},
    {"RESULT fdatasync fails (EIO): written, but no success reported",
     "migration-log.jsonl",
     "fdatasync",
     "EIO",
     2,
     9,
     "outcome_unknown",
     "could not be recorded",
     RT_QCT_IMEI1 ";",
     "unknown"},
};

static void
test_restore_io_fault_io_fault (void **state)
{
	const FaultRow *row = *state;
	const char *preload = g_getenv ("IR_FAULT_PRELOAD");
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *e_preload = g_strdup_printf ("LD_PRELOAD=%s", preload);
	g_autofree char *e_path = g_strdup_printf ("IR_FAULT_PATH=*/%s", row->file);
	g_autofree char *e_call = g_strdup_printf ("IR_FAULT_OPS=%s", row->call);
	g_autofree char *e_errno = g_strdup_printf ("IR_FAULT_ERRNO=%s", row->err);
	g_autofree char *e_after = g_strdup_printf ("IR_FAULT_AFTER=%d", row->after);
	const char *env[] = {e_preload,
			     e_path,
			     e_call,
			     e_errno,
			     e_after,
			     "ASAN_OPTIONS=verify_asan_link_order=0",
			     NULL};
	g_autoptr (IrTestRun) failed = NULL;
	g_autoptr (IrTestRun) again = NULL;
	g_autoptr (GPtrArray) records = NULL;
	g_autofree char *after = NULL;
	g_autofree char *final = NULL;

	assert_non_null (preload);
	failed = test_restore_log_env_restore (server, dir, sim->path, env);
	ir_test_harness_assert_error (failed, row->exit_code, row->code, row->needle, NULL);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, row->state_after);
	assert_string_equal (test_restore_env_json_path (failed, "report.outcome") != NULL
				 ? test_restore_env_json_path (failed, "report.outcome")
				 : "none",
			     row->report != NULL ? row->report : "none");
	assert_string_not_equal (test_restore_env_json_path (failed, "outcome") != NULL
				     ? test_restore_env_json_path (failed, "outcome")
				     : "none",
				 "restored");

	/* the disk is back: the next run finds the phone as it is, resolves
	 * what the failed run left open, and restores what is left to do */
	again = test_restore_log_env_restore (server, dir, sim->path, NULL);
	assert_int_equal (again->exit_code, 0);
	final = test_restore_env_sim_imeis (sim);
	assert_string_equal (final, RT_QCT_IMEI1 ";");
	records = test_restore_log_env_records (dir);
	test_restore_log_env_assert_all_resolved (records);
}

/* The used-token store's sync moved off the verify stage: it is still
 * made, once per token, after the token's line (counted by the preload,
 * never failing): the new store's header (write, fsync), then the line
 * (write, fsync). */
static void
test_restore_io_fault_seen_synced (void **state)
{
	const char *preload = g_getenv ("IR_FAULT_PRELOAD");
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *report = g_build_filename (server->dir, "fault-report", NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *e_preload = g_strdup_printf ("LD_PRELOAD=%s", preload);
	g_autofree char *e_report = g_strdup_printf ("IR_FAULT_REPORT=%s", report);
	const char *env[] = {e_preload,
			     "IR_FAULT_PATH=*/token-seen",
			     "IR_FAULT_OPS=write,fsync",
			     "IR_FAULT_AFTER=1000",
			     e_report,
			     "ASAN_OPTIONS=verify_asan_link_order=0",
			     NULL};
	g_autoptr (IrTestRun) run = NULL;
	g_autofree char *calls = NULL;
	g_autofree char *after = NULL;

	assert_non_null (preload);
	run = test_restore_log_env_restore (server, dir, sim->path, env);
	assert_int_equal (run->exit_code, 0);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, RT_QCT_IMEI1 ";");
	assert_true (g_file_get_contents (report, &calls, NULL, NULL));
	assert_string_equal (calls, "write ok\nfsync ok\nwrite ok\nfsync ok\n");
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_restore_io_fault_seen_synced),
	};

	return ir_test_harness_run_table ("restore-io-fault",
					  test_restore_io_fault_io_fault,
					  rows,
					  sizeof (rows[0]),
					  G_N_ELEMENTS (rows),
					  extra,
					  G_N_ELEMENTS (extra));
}
