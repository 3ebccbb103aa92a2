/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-test-harness.h"

/* imeictl identify --json against imei-sim, for every protocol family and
 * every classification. */

typedef enum {
	DUPS_NONE, /* no list at all: nothing is a duplicate */
	DUPS_FLAG, /* --duplicates FILE */
	DUPS_ENV,  /* IMEIRESTORE_DUPLICATES=FILE */
} DupsMode;

typedef struct {
	const char *name;
	const char *sim_args;
	DupsMode dups;
	const char *manufacturer;
	const char *model;
	const char *family;
	guint n_slots;
	const char *imei[2];
	const char *status[2];
	const char *check_digit[2]; /* computed, whatever the phone sent */
} IdentifyCase;

#define A    IR_TEST_IMEI_A
#define B    IR_TEST_IMEI_B
#define C    IR_TEST_IMEI_C
#define D    IR_TEST_IMEI_D
#define BAD  IR_TEST_IMEI_BAD
#define ZERO IR_TEST_IMEI_ZERO

/* clang-format off */
static const IdentifyCase identify_cases[] = {
    {"3gpp-valid",
     "--family 3gpp --manufacturer 'Acme Mobile' --model A1 --imei " A,
     DUPS_NONE, "Acme Mobile", "A1", "3gpp", 1, {A}, {"valid"}, {"8"}},
    {"3gpp-duplicate-from-flag",
     "--family 3gpp --manufacturer 'Acme Mobile' --model A2 --imei " C,
     DUPS_FLAG, "Acme Mobile", "A2", "3gpp", 1, {C}, {"duplicate"}, {"9"}},
    {"3gpp-not-a-duplicate-without-a-list",
     "--family 3gpp --manufacturer 'Acme Mobile' --model A2 --imei " C,
     DUPS_NONE, "Acme Mobile", "A2", "3gpp", 1, {C}, {"valid"}, {"9"}},
    {"mediatek-factory-default",
     "--family mediatek --manufacturer MediaTek --model MT6765 --imei " ZERO " --imei " ZERO,
     DUPS_NONE, "MediaTek", "MT6765", "mediatek", 2,
     {ZERO, ZERO}, {"factory_default", "factory_default"}, {"0", "0"}},
    {"mediatek-valid-and-bad-check-digit",
     "--family mediatek --manufacturer MediaTek --model MT6771 --imei " A " --imei " BAD,
     DUPS_NONE, "MediaTek", "MT6771", "mediatek", 2,
     {A, BAD}, {"valid", "bad_check_digit"}, {"8", "4"}},
    {"mediatek-duplicate-from-environment",
     "--family mediatek --manufacturer MediaTek --model MT6765 --imei " C " --imei " B,
     DUPS_ENV, "MediaTek", "MT6765", "mediatek", 2,
     {C, B}, {"duplicate", "valid"}, {"9", "7"}},
    {"mediatek-empty-slot",
     "--family mediatek --manufacturer MediaTek --model MT6765 --imei " A " --imei ''",
     DUPS_NONE, "MediaTek", "MT6765", "mediatek", 2,
     {A, NULL}, {"valid", "empty"}, {"8", NULL}},
    {"quectel-bad-check-digit",
     "--family quectel --manufacturer Quectel --model EC25 --imei " BAD,
     DUPS_NONE, "Quectel", "EC25", "quectel", 1, {BAD}, {"bad_check_digit"}, {"4"}},
    {"quectel-factory-default",
     "--family quectel --manufacturer Quectel --model EG25-G --imei " ZERO,
     DUPS_NONE, "Quectel", "EG25-G", "quectel", 1, {ZERO}, {"factory_default"}, {"0"}},
    {"simcom-valid",
     "--family simcom --manufacturer 'SIMCOM INCORPORATED' --model SIM7600E-H --imei " D,
     DUPS_NONE, "SIMCOM INCORPORATED", "SIM7600E-H", "simcom", 1, {D}, {"valid"}, {"1"}},
    {"simcom-duplicate",
     "--family simcom --manufacturer 'SIMCOM INCORPORATED' --model SIM7070G --imei " C,
     DUPS_FLAG, "SIMCOM INCORPORATED", "SIM7070G", "simcom", 1, {C}, {"duplicate"}, {"9"}},
    {"unisoc-valid-and-duplicate",
     "--family unisoc --manufacturer Unisoc --model T610 --imei " B " --imei " C,
     DUPS_FLAG, "Unisoc", "T610", "unisoc", 2,
     {B, C}, {"valid", "duplicate"}, {"7", "9"}},
    {"unisoc-factory-default-and-bad",
     "--family unisoc --manufacturer Unisoc --model SC9863A --imei " ZERO " --imei " BAD,
     DUPS_NONE, "Unisoc", "SC9863A", "unisoc", 2,
     {ZERO, BAD}, {"factory_default", "bad_check_digit"}, {"0", "4"}},
    /* the phone verifies restore tokens itself; identify needs no token */
    {"secure-restore-v1-factory-default-and-valid",
     "--family secure-restore-v1 --trust-store @SRCDIR@/tests/data/token/trust-store.conf "
     "--imei " ZERO " --imei " D,
     DUPS_NONE, "imeirestore reference phone", "SR1", "secure-restore-v1", 2,
     {ZERO, D}, {"factory_default", "valid"}, {"0", "1"}},
};
/* clang-format on */

/* The simulator with @args, @SRCDIR@ standing for the source tree (the
 * committed public test trust store is there). */
static IrTestSim *
test_identify_sim_start (const char *args)
{
	g_autoptr (GString) expanded = g_string_new (args);
	const char *srcdir = g_getenv ("IR_SRCDIR");

	if (srcdir == NULL)
		fail_msg ("IR_SRCDIR is not set: run the tests with meson test");
	g_string_replace (expanded, "@SRCDIR@", srcdir, 0);
	return ir_test_harness_sim_start (expanded->str);
}

static void
test_identify_case (void **state)
{
	const IdentifyCase *tc = *state;
	g_autoptr (IrTestSim) sim = test_identify_sim_start (tc->sim_args);
	g_autofree char *dups = ir_test_harness_write_file (sim->tmpdir,
							    "duplicates.txt",
							    "# known duplicates, for the tests\n"
							    "\n" IR_TEST_IMEI_C "\n");
	g_autofree char *dups_env = g_strdup_printf ("IMEIRESTORE_DUPLICATES=%s", dups);
	const char *env[] = {dups_env, NULL};
	const char *argv_flag[] = {"identify", sim->path, "--json", "--duplicates", dups, NULL};
	const char *argv_plain[] = {"identify", sim->path, "--json", NULL};
	IrTestRunOptions opts = {.env = tc->dups == DUPS_ENV ? env : NULL};
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl_full (tc->dups == DUPS_FLAG ? argv_flag : argv_plain, &opts);
	JsonArray *slots;

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (run->err, "");
	assert_non_null (run->json);
	assert_string_equal (ir_test_harness_json_string (run->json, "port"), sim->path);
	assert_string_equal (ir_test_harness_json_string (run->json, "manufacturer"),
			     tc->manufacturer);
	assert_string_equal (ir_test_harness_json_string (run->json, "model"), tc->model);
	assert_string_equal (ir_test_harness_json_string (run->json, "family"), tc->family);
	assert_non_null (ir_test_harness_json_string (run->json, "profile"));
	assert_non_null (ir_test_harness_json_string (run->json, "revision"));
	if (tc->dups == DUPS_NONE)
		assert_null (ir_test_harness_json_string (run->json, "duplicates_list"));
	else
		assert_string_equal (ir_test_harness_json_string (run->json, "duplicates_list"),
				     dups);

	slots = ir_test_harness_json_slots (run->json);
	assert_int_equal (json_array_get_length (slots), tc->n_slots);
	for (guint i = 0; i < tc->n_slots; i++) {
		JsonObject *slot = json_array_get_object_element (slots, i);
		const char *imei = ir_test_harness_slot_string (run->json, i, "imei");

		assert_int_equal (json_object_get_int_member (slot, "index"), i);
		if (tc->imei[i] == NULL)
			assert_null (imei);
		else
			assert_string_equal (imei, tc->imei[i]);
		assert_string_equal (ir_test_harness_slot_string (run->json, i, "status"),
				     tc->status[i]);
		if (tc->check_digit[i] == NULL)
			assert_null (ir_test_harness_slot_string (run->json, i, "check_digit"));
		else
			assert_string_equal (
			    ir_test_harness_slot_string (run->json, i, "check_digit"),
			    tc->check_digit[i]);
	}
}

/* The default output is for people: aligned, and it says what to do. */
static void
test_identify_text (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (
	    "--family mediatek --manufacturer MediaTek --model MT6765 --imei " ZERO " --imei " BAD);
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl ("identify", sim->path, NULL);
	g_autofree char *port_line = g_strdup_printf ("Port          %s\n", sim->path);

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (run->err, "");
	assert_null (run->json);
	assert_non_null (strstr (run->out, port_line));
	assert_non_null (strstr (run->out, "Manufacturer  MediaTek\n"));
	assert_non_null (strstr (run->out, "Model         MT6765\n"));
	assert_non_null (strstr (run->out, "Family        mediatek"));
	assert_non_null (
	    strstr (run->out, "1     " ZERO "  0            factory default (all zeros)\n"));
	assert_non_null (
	    strstr (run->out, "2     " BAD "  4            wrong check digit: 7, should be 4\n"));
	assert_non_null (strstr (run->out, "What to do: "));
	assert_non_null (strstr (run->out, "original IMEI of slots 1 and 2.\n"));
}

/* The global options may come before the command too. */
static void
test_identify_options_before_command (void **state)
{
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start ("--family simcom --imei " D);
	g_autofree char *record = g_build_filename (sim->tmpdir, "session.json", NULL);
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl ("--json", "--record", record, "identify", sim->path, NULL);

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (ir_test_harness_slot_string (run->json, 0, "imei"), D);
	assert_true (g_file_test (record, G_FILE_TEST_IS_REGULAR));
}

/* A stable symlink (imei-sim --link, or a udev by-id link) is a port too. */
static void
test_identify_symlink (void **state)
{
	g_autoptr (IrTestSim) sim =
	    ir_test_harness_sim_start ("--family quectel --imei " D " --link @TMP@/quectel-modem");
	g_autofree char *link = g_build_filename (sim->tmpdir, "quectel-modem", NULL);
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl ("identify", link, "--json", NULL);

	assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
	assert_int_equal (run->exit_code, 0);
	assert_string_equal (ir_test_harness_json_string (run->json, "port"), link);
	assert_string_equal (ir_test_harness_json_string (run->json, "family"), "quectel");
	assert_string_equal (ir_test_harness_slot_string (run->json, 0, "imei"), D);
	assert_string_equal (ir_test_harness_slot_string (run->json, 0, "status"), "valid");
}

/* list never fails for want of ports: an empty list is a friendly line. */
static void
test_identify_list (void **state)
{
	g_autoptr (IrTestRun) text = ir_test_harness_imeictl ("list", NULL);
	g_autoptr (IrTestRun) json = ir_test_harness_imeictl ("list", "--json", NULL);
	JsonArray *ports;

	assert_int_equal (text->exit_code, 0);
	assert_string_equal (text->err, "");
	assert_int_equal (json->exit_code, 0);
	assert_non_null (json->json);
	ports = json_object_get_array_member (json_node_get_object (json->json), "ports");
	assert_non_null (ports);
	if (json_array_get_length (ports) == 0) {
		assert_string_equal (text->out,
				     "no serial ports found; is the phone connected and in "
				     "AT/diagnostic mode?\n");
	} else {
		assert_true (g_str_has_prefix (text->out, "PORT"));
		for (guint i = 0; i < json_array_get_length (ports); i++) {
			JsonObject *port = json_array_get_object_element (ports, i);
			assert_non_null (json_object_get_string_member (port, "path"));
			assert_non_null (
			    strstr (text->out, json_object_get_string_member (port, "path")));
		}
	}
}

static void
test_identify_help_lists_commands_and_exit_codes (void **state)
{
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl ("--help", NULL);

	assert_int_equal (run->exit_code, 0);
	assert_non_null (strstr (run->out, "list"));
	assert_non_null (strstr (run->out, "identify PORT"));
	assert_non_null (strstr (run->out, "Exit codes:"));
	for (guint i = 0; i < 6; i++) {
		static const char *const codes[] = {"  0 ", "  1 ", "  2 ", "  3 ", "  4 ", "  5 "};
		assert_non_null (strstr (run->out, codes[i]));
	}
	assert_non_null (strstr (run->out, "  130 "));
	assert_non_null (strstr (run->out, "IMEIRESTORE_DUPLICATES"));
}

int
main (void)
{
	const struct CMUnitTest more[] = {
	    cmocka_unit_test (test_identify_text),
	    cmocka_unit_test (test_identify_options_before_command),
	    cmocka_unit_test (test_identify_symlink),
	    cmocka_unit_test (test_identify_list),
	    cmocka_unit_test (test_identify_help_lists_commands_and_exit_codes),
	};

	return ir_test_harness_run_table ("identify",
					  test_identify_case,
					  identify_cases,
					  sizeof (identify_cases[0]),
					  G_N_ELEMENTS (identify_cases),
					  more,
					  G_N_ELEMENTS (more));
}
