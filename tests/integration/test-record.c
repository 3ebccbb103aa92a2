/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-test-harness.h"

/* --record, replay:FILE and imei-sim --replay: a recorded session plays
 * back to the same result, a failed session is recorded too, and Ctrl-C
 * cancels cleanly. */

typedef struct {
	const char *name;
	const char *sim_args;
} ReplayCase;

static const ReplayCase replay_cases[] = {
    {"3gpp", "--family 3gpp --manufacturer 'Acme Mobile' --model A1 --imei " IR_TEST_IMEI_A},
    /* silent to AT+CGSN=1: the recording holds the command and no answer
     * to it, and plays back to the same read with AT+CGSN and its note */
    {"3gpp-silent-cgsn1", "--family 3gpp --slow-command AT+CGSN=1:60000 --imei " IR_TEST_IMEI_A},
    {"mediatek",
     "--family mediatek --manufacturer MediaTek --model MT6765 --imei " IR_TEST_IMEI_ZERO
     " --imei " IR_TEST_IMEI_BAD},
    {"mediatek-no-echo",
     "--family mediatek --no-echo --imei " IR_TEST_IMEI_A " --imei " IR_TEST_IMEI_B},
    {"quectel", "--family quectel --manufacturer Quectel --model EC25 --imei " IR_TEST_IMEI_BAD},
    {"simcom", "--family simcom --manufacturer SIMCOM_Ltd --model SIM7600 --imei " IR_TEST_IMEI_D},
    {"unisoc",
     "--family unisoc --manufacturer Unisoc --model T610 --imei " IR_TEST_IMEI_C
     " --imei " IR_TEST_IMEI_ZERO},
    /* a binary DIAG session: silent to AT, then framed requests and answers */
    {"qualcomm", "--family qualcomm --imei " IR_TEST_IMEI_ZERO " --imei " IR_TEST_IMEI_A},
};

static JsonNode *
test_record_load_json_file (const char *path)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;

	if (!json_parser_load_from_file (parser, path, &error))
		fail_msg ("recording %s is not JSON: %s", path, error->message);
	return json_node_copy (json_parser_get_root (parser));
}

/* How many events of direction @dir the recording at @path holds. */
static guint
test_record_count_events (const char *path, const char *dir)
{
	g_autoptr (JsonNode) root = test_record_load_json_file (path);
	JsonArray *events;
	guint n = 0;

	assert_true (JSON_NODE_HOLDS_OBJECT (root));
	events = json_object_get_array_member (json_node_get_object (root), "events");
	assert_non_null (events);
	for (guint i = 0; i < json_array_get_length (events); i++) {
		JsonObject *ev = json_array_get_object_element (events, i);
		if (g_strcmp0 (json_object_get_string_member (ev, "dir"), dir) == 0)
			n++;
	}
	return n;
}

static void
test_record_replay_case (void **state)
{
	const ReplayCase *tc = *state;
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (tc->sim_args);
	g_autofree char *record = g_build_filename (sim->tmpdir, "session.json", NULL);
	g_autofree char *replay_port = g_strdup_printf ("replay:%s", record);
	g_autofree char *sim_args = g_strdup_printf ("--replay '%s'", record);
	g_autoptr (IrTestRun) live = NULL;
	g_autoptr (IrTestRun) replayed = NULL;
	g_autoptr (IrTestRun) resimulated = NULL;
	g_autoptr (IrTestSim) replay_sim = NULL;

	live = ir_test_harness_imeictl ("identify", sim->path, "--json", "--record", record, NULL);
	assert_int_equal (live->exit_code, 0);
	assert_true (test_record_count_events (record, "w") > 0);
	assert_true (test_record_count_events (record, "r") > 0);
	if (g_strcmp0 (tc->name, "qualcomm") == 0) {
		g_autofree char *text = NULL;
		/* DIAG frames are no text: kept as base64, byte for byte */
		assert_true (g_file_get_contents (record, &text, NULL, NULL));
		assert_non_null (strstr (text, "\"base64\""));
		assert_string_equal (ir_test_harness_json_string (live->json, "family"),
				     "qualcomm");
	}

	/* the host side plays the phone from the file */
	replayed = ir_test_harness_imeictl ("identify", replay_port, "--json", NULL);
	assert_int_equal (replayed->exit_code, 0);
	assert_string_equal (ir_test_harness_json_string (replayed->json, "port"), replay_port);
	assert_true (ir_test_harness_json_equal_but_port (live->json, replayed->json));

	/* the simulator plays the phone from the file, on a real pty */
	replay_sim = ir_test_harness_sim_start_in (sim->tmpdir, sim_args);
	resimulated = ir_test_harness_imeictl ("identify", replay_sim->path, "--json", NULL);
	assert_int_equal (resimulated->exit_code, 0);
	assert_true (ir_test_harness_json_equal_but_port (live->json, resimulated->json));
}

/* A session that fails is recorded up to the failure, and plays back to
 * the same failure. */
static void
test_record_disconnect (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (
	    "--family mediatek --imei " IR_TEST_IMEI_A " --disconnect-after 3");
	g_autofree char *record = g_build_filename (sim->tmpdir, "failed.json", NULL);
	g_autofree char *replay_port = g_strdup_printf ("replay:%s", record);
	g_autoptr (IrTestRun) live = NULL;
	g_autoptr (IrTestRun) replayed = NULL;

	live = ir_test_harness_imeictl ("identify", sim->path, "--json", "--record", record, NULL);
	ir_test_harness_assert_error (live, 4, "disconnected", sim->path, NULL);
	assert_true (test_record_count_events (record, "w") >= 3);
	assert_int_equal (test_record_count_events (record, "hangup"), 1);

	replayed = ir_test_harness_imeictl ("identify", replay_port, "--json", NULL);
	ir_test_harness_assert_error (replayed, 4, "disconnected", NULL);
}

static void
test_record_timeout (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (
	    "--family mediatek --imei " IR_TEST_IMEI_A " --latency 1500");
	g_autofree char *record = g_build_filename (sim->tmpdir, "silent.json", NULL);
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl (
	    "--record", record, "identify", sim->path, "--timeout", "300", "--json", NULL);

	ir_test_harness_assert_error (run, 4, "timeout", sim->path, NULL);
	assert_true (test_record_count_events (record, "w") >= 1);
}

/* Ctrl-C while the phone is slow: exit 130 at once, the recording saved. */
static void
test_record_cancel (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (
	    "--family mediatek --imei " IR_TEST_IMEI_A " --latency 2500");
	g_autofree char *record = g_build_filename (sim->tmpdir, "cancelled.json", NULL);
	const char *argv[] = {"identify", sim->path, "--json", "--record", record, NULL};
	IrTestRunOptions opts = {.sigint_after_ms = 700};
	gint64 start = g_get_monotonic_time ();
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl_full (argv, &opts);
	gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;

	ir_test_harness_assert_error (run, 130, "cancelled", "cancelled", NULL);
	/* the first answer would take 2500 ms: the cancel did not wait for it */
	assert_true (elapsed_ms < 2400);
	assert_true (test_record_count_events (record, "w") >= 1);
}

int
main (void)
{
	const struct CMUnitTest more[] = {
	    cmocka_unit_test (test_record_disconnect),
	    cmocka_unit_test (test_record_timeout),
	    cmocka_unit_test (test_record_cancel),
	};

	return ir_test_harness_run_table ("record-replay",
					  test_record_replay_case,
					  replay_cases,
					  sizeof (replay_cases[0]),
					  G_N_ELEMENTS (replay_cases),
					  more,
					  G_N_ELEMENTS (more));
}
