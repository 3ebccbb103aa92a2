/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-test-harness.h"

/* imeictl identify against a simulated phone with transport faults: each
 * fault gives the right error or the right recovery, and never a wrong
 * IMEI reported as valid. */

typedef enum {
	EXPECT_SUCCESS,		 /* exit 0 with the phone's IMEIs */
	EXPECT_SUCCESS_OR_ERROR, /* random faults: exit 0 with the right IMEIs, or a clean error */
	EXPECT_ERROR,		 /* exit_code, code and the needles */
} Expect;

typedef struct {
	const char *name;
	const char *sim_args; /* the phone's IMEIs are always A and ZERO (mediatek) */
	const char *timeout;  /* --timeout, or NULL */
	Expect expect;
	int exit_code;
	const char *code;
	const char *needle; /* besides the port, which every error names */
} FaultCase;

#define PHONE                                                                                      \
	"--family mediatek --manufacturer MediaTek --model MT6765 --imei " IR_TEST_IMEI_A          \
	" --imei " IR_TEST_IMEI_ZERO

/* clang-format off */
static const FaultCase fault_cases[] = {
    {"no-fault",                      PHONE,                    NULL,   EXPECT_SUCCESS},
    {"echo-on",                       PHONE " --echo",          NULL,   EXPECT_SUCCESS},
    {"echo-off",                      PHONE " --no-echo",       NULL,   EXPECT_SUCCESS},
    {"latency-below-timeout",         PHONE " --latency 100",   "2000", EXPECT_SUCCESS},
    {"latency-below-default-timeout", PHONE " --latency 300",   NULL,   EXPECT_SUCCESS},
    {"latency-above-timeout",         PHONE " --latency 1500",  "300",  EXPECT_ERROR,
     4, "timeout", "\"AT\" got no reply in 300 ms"},
    {"disconnect-after-1", PHONE " --disconnect-after 1", "2000", EXPECT_ERROR,
     4, "disconnected", "went away"},
    {"disconnect-after-3", PHONE " --disconnect-after 3", "2000", EXPECT_ERROR,
     4, "disconnected", "went away"},
    {"disconnect-after-5", PHONE " --disconnect-after 5", "2000", EXPECT_ERROR,
     4, "disconnected", "went away"},
    {"garble-1pc-seed-1",  PHONE " --garble-rate 0.01 --seed 1", "1000", EXPECT_SUCCESS_OR_ERROR},
    {"garble-1pc-seed-2",  PHONE " --garble-rate 0.01 --seed 2", "1000", EXPECT_SUCCESS_OR_ERROR},
    {"garble-5pc-seed-3",  PHONE " --garble-rate 0.05 --seed 3", "1000", EXPECT_SUCCESS_OR_ERROR},
    {"garble-20pc-seed-4", PHONE " --garble-rate 0.2 --seed 4",  "1000", EXPECT_SUCCESS_OR_ERROR},
    {"drop-1pc-seed-1",    PHONE " --drop-rate 0.01 --seed 1",   "1000", EXPECT_SUCCESS_OR_ERROR},
    {"drop-5pc-seed-2",    PHONE " --drop-rate 0.05 --seed 2",   "1000", EXPECT_SUCCESS_OR_ERROR},
    {"drop-20pc-seed-3",   PHONE " --drop-rate 0.2 --seed 3",    "1000", EXPECT_SUCCESS_OR_ERROR},
    {"garble-and-drop-seed-5",
     PHONE " --garble-rate 0.03 --drop-rate 0.03 --seed 5", "1000", EXPECT_SUCCESS_OR_ERROR},
};
/* clang-format on */

/* The notes, joined. */
static char *
test_faults_notes_text (JsonNode *json)
{
	JsonArray *notes = json_object_get_array_member (json_node_get_object (json), "notes");
	g_autoptr (GString) all = g_string_new (NULL);

	for (guint i = 0; i < json_array_get_length (notes); i++)
		g_string_append_printf (all, "%s\n", json_array_get_string_element (notes, i));
	return g_string_free (g_steal_pointer (&all), FALSE);
}

static void
test_faults_assert_right_imeis (JsonNode *json)
{
	assert_int_equal (json_array_get_length (ir_test_harness_json_slots (json)), 2);
	assert_string_equal (ir_test_harness_slot_string (json, 0, "imei"), IR_TEST_IMEI_A);
	assert_string_equal (ir_test_harness_slot_string (json, 0, "status"), "valid");
	assert_string_equal (ir_test_harness_slot_string (json, 1, "imei"), IR_TEST_IMEI_ZERO);
	assert_string_equal (ir_test_harness_slot_string (json, 1, "status"), "factory_default");
	assert_string_equal (ir_test_harness_json_string (json, "manufacturer"), "MediaTek");
	assert_string_equal (ir_test_harness_json_string (json, "model"), "MT6765");
}

/* Under noise an identify may fall back to fewer reads, but what it
 * reports is what the phone holds, and what it could not read it says:
 * the first IMEI is right; a second slot is right or said to be unread;
 * a missing manufacturer is said to be unread. */
static void
test_faults_assert_right_or_said (JsonNode *json)
{
	g_autofree char *notes = test_faults_notes_text (json);
	guint n_slots = json_array_get_length (ir_test_harness_json_slots (json));

	assert_string_equal (ir_test_harness_slot_string (json, 0, "imei"), IR_TEST_IMEI_A);
	assert_string_equal (ir_test_harness_slot_string (json, 0, "status"), "valid");
	if (n_slots == 2) {
		assert_string_equal (ir_test_harness_slot_string (json, 1, "imei"),
				     IR_TEST_IMEI_ZERO);
		assert_string_equal (ir_test_harness_slot_string (json, 1, "status"),
				     "factory_default");
	} else {
		assert_int_equal (n_slots, 1);
		assert_non_null (strstr (notes, "second IMEI") != NULL
				     ? strstr (notes, "second IMEI")
				     : strstr (notes, "IMEI slot 2 not read"));
	}
	if (ir_test_harness_json_string (json, "manufacturer") != NULL)
		assert_string_equal (ir_test_harness_json_string (json, "manufacturer"),
				     "MediaTek");
	else
		assert_non_null (strstr (notes, "manufacturer"));
}

static void
test_faults_case (void **state)
{
	const FaultCase *tc = *state;
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (tc->sim_args);
	const char *argv_timeout[] = {
	    "identify", sim->path, "--json", "--timeout", tc->timeout, NULL};
	const char *argv_plain[] = {"identify", sim->path, "--json", NULL};
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl_full (tc->timeout != NULL ? argv_timeout : argv_plain, NULL);

	switch (tc->expect) {
	case EXPECT_SUCCESS:
		assert_int_equal (run->exit_code, 0);
		assert_string_equal (run->err, "");
		test_faults_assert_right_imeis (run->json);
		break;
	case EXPECT_ERROR:
		ir_test_harness_assert_error (
		    run, tc->exit_code, tc->code, sim->path, tc->needle, NULL);
		break;
	case EXPECT_SUCCESS_OR_ERROR:
		/* whatever the noise did, what is reported as read is what the
		 * phone holds; failing is allowed, lying is not */
		if (run->exit_code == 0) {
			assert_string_equal (run->err, "");
			test_faults_assert_right_or_said (run->json);
		} else {
			const char *code;
			ir_test_harness_assert_error (run, run->exit_code, NULL, sim->path, NULL);
			assert_non_null (run->json);
			code = json_object_get_string_member (
			    json_object_get_object_member (json_node_get_object (run->json),
							   "error"),
			    "code");
			if (run->exit_code == 4)
				assert_true (g_strcmp0 (code, "timeout") == 0 ||
					     g_strcmp0 (code, "not_a_phone") == 0);
			else if (run->exit_code == 5)
				assert_true (g_strcmp0 (code, "protocol") == 0 ||
					     g_strcmp0 (code, "at_refused") == 0);
			else
				fail_msg ("exit %d is neither 4 nor 5", run->exit_code);
		}
		break;
	default:
		fail ();
	}
}

int
main (void)
{
	return ir_test_harness_run_table ("faults",
					  test_faults_case,
					  fault_cases,
					  sizeof (fault_cases[0]),
					  G_N_ELEMENTS (fault_cases),
					  NULL,
					  0);
}
