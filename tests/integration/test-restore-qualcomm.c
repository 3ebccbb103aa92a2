/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-restore-env.h"

/* imeictl identify and restore of Qualcomm phones on their DIAG port
 * (protocols/qualcomm/README.md), against imei-sim's DIAG model and the
 * real imei-brandd: one row per phone and fault, with the exit code, the
 * error, what the phone holds afterwards (nothing wrongly written), what
 * became of the token, and the migration log's records for the run. */

#define ZERO IR_TEST_IMEI_ZERO
#define QC1  "--family qualcomm --serial " RT_QC1_ESN " --imei " ZERO
#define QC2  "--family qualcomm --serial " RT_QC2_ESN " --imei " ZERO " --imei " ZERO
#define QCSPC                                                                                      \
	"--family qualcomm --serial " RT_QCSPC_ESN " --imei " ZERO " --spc " RT_QCSPC_SPC          \
	" --spc-required"

typedef struct {
	const char *name;
	const char *sim_args;
	gboolean auto_probe; /* no --protocol: AT first, then DIAG */
	int exit_code;
	const char *code; /* NULL: restored */
	const char *needle1;
	const char *needle2;
	const char *state_after;
	const char *report; /* the outcome reported */
	gboolean kept;	    /* the INTENT stays pending for recovery */
} QcRow;

static const QcRow rows[] = {
    {"one slot, probed (AT silent, then DIAG)",
     QC1,
     TRUE,
     0,
     NULL,
     NULL,
     NULL,
     RT_QC1_IMEI1 ";",
     "success"},
    {"two slots (slot 2 through the NV subsystem command)",
     QC2,
     FALSE,
     0,
     NULL,
     NULL,
     NULL,
     RT_QC2_IMEI1 ";" RT_QC2_IMEI2 ";",
     "success"},
    {"bad CRC on an NV read answer: read again",
     QC1 " --bad-crc-command 0x26",
     FALSE,
     0,
     NULL,
     NULL,
     NULL,
     RT_QC1_IMEI1 ";",
     "success"},
    {"dropped terminator on an NV read answer: read again",
     QC1 " --drop-terminator-command 0x26",
     FALSE,
     0,
     NULL,
     NULL,
     NULL,
     RT_QC1_IMEI1 ";",
     "success"},
    {"SPC required, from the registry in the token",
     QCSPC,
     FALSE,
     0,
     NULL,
     NULL,
     NULL,
     RT_QCSPC_IMEI1 ";",
     "success"},
    {"NV read-only",
     QC1 " --read-only-slot 1",
     FALSE,
     5,
     "read_only",
     "status 7 (read-only)",
     "cannot be restored at a service centre",
     ZERO ";",
     "failed"},
    {"SPC required, the registry holds none",
     QC1 " --spc-required",
     FALSE,
     5,
     "spc_locked",
     "service programming code",
     "ask the brand to add it",
     ZERO ";",
     "failed"},
    {"wrong SPC: a hard stop",
     "--family qualcomm --serial " RT_QCSPC_ESN " --imei " ZERO " --spc 111111 --spc-required",
     FALSE,
     5,
     "spc_refused",
     "refused the service programming code",
     "do not try again",
     ZERO ";",
     "failed"},
    {"write reports done but does not stick",
     QC1 " --no-stick",
     FALSE,
     5,
     "not_sticking",
     "did not stick",
     "reported to the brand server as failed",
     ZERO ";",
     "failed"},
    {"bad CRC on the write's answer: outcome unknown",
     QC1 " --bad-crc-command 0x27",
     FALSE,
     9,
     "outcome_unknown",
     "outcome is unknown",
     "kept for recovery in",
     RT_QC1_IMEI1 ";",
     "unknown",
     TRUE},
    {"disconnect after the write",
     QC1 " --disconnect-after-write",
     FALSE,
     9,
     "outcome_unknown",
     "kept for recovery in",
     "reported to the brand server as unknown",
     RT_QC1_IMEI1 ";",
     "unknown",
     TRUE},
};

/* The run's records in the migration log: an INTENT and a RESULT, or an
 * INTENT alone when the outcome is left for recovery. */
static void
test_restore_qualcomm_assert_log (RtServer *server, gboolean kept)
{
	g_autofree char *log = g_build_filename (server->state_dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	guint n_intent = 0;
	guint n_result = 0;

	if (!g_file_get_contents (log, &text, NULL, NULL))
		fail_msg ("no migration log at %s", log);
	for (const char *p = text; (p = strstr (p, "\"type\":\"")) != NULL; p++) {
		n_intent += g_str_has_prefix (p, "\"type\":\"INTENT\"") ? 1 : 0;
		n_result += g_str_has_prefix (p, "\"type\":\"RESULT\"") ? 1 : 0;
	}
	assert_int_equal (n_intent, 1);
	assert_int_equal (n_result, 1);
	/* an unknown outcome stays pending until the phone is read again */
	assert_int_equal (strstr (text, "\"outcome\":\"unknown\"") != NULL, kept);
}

static void
test_restore_qualcomm_restore (void **state)
{
	const QcRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (row->sim_args);
	const char *extra[] = {"--protocol", "diag", NULL};
	g_autoptr (IrTestRun) run =
	    test_restore_env_restore (server, sim->path, TRUE, row->auto_probe ? NULL : extra);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	if (row->code == NULL) {
		if (run->exit_code != 0)
			fail_msg ("%s: exit %d: %s", row->name, run->exit_code, run->err);
		assert_string_equal (test_restore_env_json_path (run, "outcome"), "restored");
		/* the reset is the technician's */
		assert_non_null (strstr (test_restore_env_json_path (run, "advice"), "restart it"));
	} else {
		ir_test_harness_assert_error (
		    run, row->exit_code, row->code, row->needle1, row->needle2, NULL);
	}
	assert_string_equal (after, row->state_after);
	assert_string_equal (test_restore_env_json_path (run, "report.outcome"), row->report);
	if (row->kept)
		assert_non_null (test_restore_env_json_path (run, "recovery_file"));
	else
		assert_null (test_restore_env_json_path (run, "recovery_file"));
	test_restore_qualcomm_assert_log (server, row->kept);
}

/* identify of a one- and a two-slot phone, and of one behind AT$QCDMG */
static void
test_restore_qualcomm_identify (void **state)
{
	g_autoptr (IrTestSim) one = ir_test_harness_sim_start (QC1);
	g_autoptr (IrTestSim) two = ir_test_harness_sim_start (
	    "--family qualcomm --serial " RT_QC2_ESN " --imei " RT_QC2_IMEI1 " --imei " ZERO);
	g_autoptr (IrTestSim) empty =
	    ir_test_harness_sim_start ("--family qualcomm --serial " RT_QC1_ESN " --imei \"\"");
	g_autoptr (IrTestRun) r4 =
	    ir_test_harness_imeictl ("--json", "identify", "--protocol", "diag", empty->path, NULL);
	g_autoptr (IrTestRun) r1 = ir_test_harness_imeictl ("--json", "identify", one->path, NULL);
	g_autoptr (IrTestRun) r2 =
	    ir_test_harness_imeictl ("--json", "identify", "--protocol", "diag", two->path, NULL);
	g_autoptr (IrTestRun) r3 =
	    ir_test_harness_imeictl ("--json", "identify", "--protocol", "at", one->path, NULL);

	assert_int_equal (r1->exit_code, 0);
	assert_string_equal (ir_test_harness_json_string (r1->json, "family"), "qualcomm");
	assert_string_equal (ir_test_harness_json_string (r1->json, "serial"), RT_QC1_SERIAL);
	assert_int_equal (json_array_get_length (ir_test_harness_json_slots (r1->json)), 1);
	assert_string_equal (ir_test_harness_slot_string (r1->json, 0, "status"),
			     "factory_default");
	assert_int_equal (r2->exit_code, 0);
	assert_int_equal (json_array_get_length (ir_test_harness_json_slots (r2->json)), 2);
	assert_string_equal (ir_test_harness_slot_string (r2->json, 0, "imei"), RT_QC2_IMEI1);
	assert_string_equal (ir_test_harness_slot_string (r2->json, 1, "status"),
			     "factory_default");
	/* an inactive NV item is an empty slot */
	assert_int_equal (r4->exit_code, 0);
	assert_string_equal (ir_test_harness_slot_string (r4->json, 0, "status"), "empty");
	/* forced to AT, a DIAG port is silent */
	ir_test_harness_assert_error (r3, 4, "timeout", "no answer on", NULL);
}

static void
test_restore_qualcomm_qcdmg (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (QC1 " --needs-qcdmg");
	g_autoptr (IrTestRun) before =
	    ir_test_harness_imeictl ("--json", "identify", "--protocol", "diag", sim->path, NULL);
	g_autoptr (IrTestRun) sw = ir_test_harness_imeictl ("diag-mode", sim->path, NULL);
	g_autoptr (IrTestRun) after =
	    ir_test_harness_imeictl ("--json", "identify", "--protocol", "diag", sim->path, NULL);

	ir_test_harness_assert_error (before, 4, "timeout", "no DIAG answer", "AT$QCDMG", NULL);
	assert_int_equal (sw->exit_code, 0);
	assert_non_null (strstr (sw->out, "DIAG mode"));
	assert_int_equal (after->exit_code, 0);
	assert_string_equal (ir_test_harness_json_string (after->json, "family"), "qualcomm");
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_restore_qualcomm_identify),
	    cmocka_unit_test (test_restore_qualcomm_qcdmg),
	};

	return ir_test_harness_run_table ("restore-qualcomm",
					  test_restore_qualcomm_restore,
					  rows,
					  sizeof (rows[0]),
					  G_N_ELEMENTS (rows),
					  extra,
					  G_N_ELEMENTS (extra));
}
