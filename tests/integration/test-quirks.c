/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-test-harness.h"

/* imeictl identify, end to end over real pseudo-terminals, against imei-sim
 * phones that behave as real ones do (issue 10): left in UCS2 or HEX, left
 * in ATV0, rung mid-read, or with their vendor commands disabled in the
 * firmware. Each row: the phone, then what identify must say. */

#define A IR_TEST_IMEI_A
#define B IR_TEST_IMEI_B
#define D IR_TEST_IMEI_D

typedef struct {
	const char *name;
	const char *sim_args;
	const char *imeictl_flag; /* one more global flag, or NULL */
	const char *family;
	const char *read_with;
	gboolean can_write;
	guint n_slots;
	const char *imei[2];
	const char *imeisv;	  /* NULL: not checked */
	const char *note;	  /* one note contains it; NULL: not checked */
	const char *err;	  /* stderr contains it (@PORT@ replaced); NULL: stderr empty */
	const char *read_command; /* the command that gave the IMEIs; NULL: not checked */
} TestQuirksCase;

/* clang-format off */
static const TestQuirksCase test_quirks_cases[] = {
    /* character sets: decoded, never a 60-digit "malformed" IMEI */
    {"ucs2-3gpp", "--family 3gpp --charset UCS2 --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, "49015420323751" "01", NULL, NULL},
    {"ucs2-mediatek", "--family mediatek --charset UCS2 --imei " A " --imei " B, NULL,
     "mediatek", "mediatek", TRUE, 2, {A, B}, NULL, NULL, NULL},
    {"hex-quectel", "--family quectel --charset HEX --imei " D, NULL,
     "quectel", "quectel", TRUE, 1, {D}, NULL, NULL, NULL},
    /* V.250: left in ATV0, numeric result codes until ATV1 */
    {"v0-simcom", "--family simcom --result-codes numeric --imei " D, NULL,
     "simcom", "simcom", TRUE, 1, {D}, NULL, NULL, NULL},
    {"v0-mediatek", "--family mediatek --result-codes numeric --imei " A " --imei " B, NULL,
     "mediatek", "mediatek", TRUE, 2, {A, B}, NULL, NULL, NULL},
    /* a call in the middle of an identity read: asked again, never "refused" */
    {"ring-no-carrier", "--family 3gpp --ring-during AT+CGSN=1 --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, NULL, NULL},
    {"ring-busy-vendor", "--family mediatek --ring-during AT+EGMR=0,10 --ring-final BUSY "
     "--imei " A " --imei " B, NULL,
     "mediatek", "mediatek", TRUE, 2, {A, B}, NULL, NULL, NULL},
    {"ring-no-answer", "--family quectel --ring-during AT+EGMR --ring-final 'NO ANSWER' "
     "--imei " D, NULL,
     "quectel", "quectel", TRUE, 1, {D}, NULL, NULL, NULL},
    {"ring-error", "--family 3gpp --ring-during AT+CGMI --ring-final ERROR --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, NULL, NULL},
    {"ring-mid-answer", "--family simcom --ring-during AT+SIMEI --ring-final OK --imei " D, NULL,
     "simcom", "simcom", TRUE, 1, {D}, NULL, NULL, NULL},
    /* vendor commands disabled in firmware: read over 27.007, write said impossible */
    {"vendor-disabled-mediatek", "--family mediatek --vendor-disabled ERROR "
     "--imei " A " --imei " B, NULL,
     "mediatek", "3gpp", FALSE, 1, {A}, NULL, "IMEI slot 2 not read", NULL},
    {"vendor-disabled-simcom", "--family simcom --vendor-disabled CME:4 --imei " D, NULL,
     "simcom", "3gpp", FALSE, 1, {D}, NULL, "read with 27.007 instead", NULL},
    {"vendor-disabled-quectel", "--family quectel --vendor-disabled CME:3 --imei " D, NULL,
     "quectel", "3gpp", FALSE, 1, {D}, NULL, "read with 27.007 instead", NULL},
    {"vendor-disabled-unisoc", "--family unisoc --vendor-disabled ERROR "
     "--imei " A " --imei " B, NULL,
     "unisoc", "3gpp", FALSE, 1, {A}, NULL, "IMEI slot 2 not read", NULL},
    /* refusals in a firmware's own words (ModemManager's parser knows both) */
    {"vendor-disabled-modem-error", "--family quectel --vendor-disabled MODEM:4 --imei " D, NULL,
     "quectel", "3gpp", FALSE, 1, {D}, NULL, "read with 27.007 instead", NULL},
    {"vendor-disabled-na", "--family mediatek --vendor-disabled NA "
     "--imei " A " --imei " B, NULL,
     "mediatek", "3gpp", FALSE, 1, {A}, NULL, "IMEI slot 2 not read", NULL},
    /* a command answered late: stderr says what we wait for, stdout stays JSON */
    {"slow-command", "--family 3gpp --slow-command AT+CGMM:2300 --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, NULL,
     "imeictl: still waiting for AT+CGMM on @PORT@"},
    /* silent to +CGSN=1 (its answer a minute late, the phone answering
     * the next commands meanwhile): +CGSN is asked at once, and identify
     * says which form read the IMEI and why */
    {"silent-cgsn1", "--family 3gpp --slow-command AT+CGSN=1:60000 --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, "IMEI read with AT+CGSN: AT+CGSN=1 on", NULL,
     "AT+CGSN"},
    {"cgsn1-answers", "--family 3gpp --imei " A, NULL,
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, NULL, NULL, "AT+CGSN=1"},
    /* -v: debug messages on stderr, never in the JSON */
    {"verbose-json", "--family 3gpp --ring-during AT+CGSN=1 --imei " A, "-v",
     "3gpp", "3gpp", FALSE, 1, {A}, NULL, NULL, "DEBUG"},
};
/* clang-format on */

static void
test_quirks_case (void **state)
{
	const TestQuirksCase *tc = *state;
	g_autoptr (IrTestSim) sim = ir_test_harness_sim_start (tc->sim_args);
	const char *argv_plain[] = {"identify", sim->path, "--json", NULL};
	const char *argv_flag[] = {tc->imeictl_flag, "identify", sim->path, "--json", NULL};
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl_full (tc->imeictl_flag != NULL ? argv_flag : argv_plain, NULL);
	JsonObject *root;

	if (run->exit_code != 0 || run->json == NULL)
		fail_msg ("%s: exit %d, stdout %s, stderr %s",
			  tc->name,
			  run->exit_code,
			  run->out,
			  run->err);
	root = json_node_get_object (run->json);
	assert_string_equal (ir_test_harness_json_string (run->json, "family"), tc->family);
	assert_string_equal (ir_test_harness_json_string (run->json, "read_with"), tc->read_with);
	assert_int_equal (json_object_get_boolean_member (root, "can_write"), tc->can_write);
	assert_int_equal (json_array_get_length (ir_test_harness_json_slots (run->json)),
			  tc->n_slots);
	for (guint i = 0; i < tc->n_slots; i++) {
		assert_string_equal (ir_test_harness_slot_string (run->json, i, "imei"),
				     tc->imei[i]);
		assert_string_equal (ir_test_harness_slot_string (run->json, i, "status"), "valid");
	}
	if (tc->imeisv != NULL)
		assert_string_equal (ir_test_harness_json_string (run->json, "imeisv"), tc->imeisv);
	if (tc->read_command != NULL)
		assert_string_equal (ir_test_harness_json_string (run->json, "read_command"),
				     tc->read_command);
	if (tc->note != NULL) {
		JsonArray *notes = json_object_get_array_member (root, "notes");
		gboolean found = FALSE;
		for (guint i = 0; i < json_array_get_length (notes); i++)
			found = found ||
				strstr (json_array_get_string_element (notes, i), tc->note) != NULL;
		if (!found)
			fail_msg ("%s: no note says \"%s\": %s", tc->name, tc->note, run->out);
	}
	if (tc->err == NULL) {
		assert_string_equal (run->err, "");
	} else {
		g_autoptr (GString) needle = g_string_new (tc->err);
		g_string_replace (needle, "@PORT@", sim->path, 0);
		if (strstr (run->err, needle->str) == NULL)
			fail_msg ("%s: stderr lacks \"%s\": %s", tc->name, needle->str, run->err);
	}
}

int
main (void)
{
	return ir_test_harness_run_table ("quirks",
					  test_quirks_case,
					  test_quirks_cases,
					  sizeof (test_quirks_cases[0]),
					  G_N_ELEMENTS (test_quirks_cases),
					  NULL,
					  0);
}
