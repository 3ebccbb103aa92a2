/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-imei-scan.h"
#include "ir-policy-text.h"
#include "ir-restore-text.h"

/* The app's pure wording: a scanned IMEI against the registry, what a
 * restore's result tells the technician, and why a phone is or is not
 * eligible under the rollout policy. Tables, the bad rows beside the
 * good ones. No display needed. */

typedef struct {
	const char *name;
	const char *scanned;
	IrImeiScanVerdict verdict;
	const char *needle;
} ScanRow;

static const char *const scan_registry[] = {"490154203237518", NULL, "352099001761481"};

static const ScanRow scan_rows[] = {
    {"slot 1 exactly", "490154203237518", IR_IMEI_SCAN_MATCH, "slot 1"},
    {"slot 3 with spaces", "  352099001761481\n", IR_IMEI_SCAN_MATCH, "slot 3"},
    {"14 digits: the check digit shown", "49015420323751", IR_IMEI_SCAN_MATCH, "check digit 8"},
    {"wrong check digit, never fixed",
     "490154203237519",
     IR_IMEI_SCAN_BAD_CHECK_DIGIT,
     "should be 8"},
    {"valid but another phone's", "356938035643809", IR_IMEI_SCAN_MISMATCH, "does not hold"},
    {"too short", "4901542032", IR_IMEI_SCAN_MALFORMED, "15 digits"},
    {"letters", "49015420323751X", IR_IMEI_SCAN_MALFORMED, "not an IMEI"},
    {"empty", "", IR_IMEI_SCAN_MALFORMED, "not an IMEI"},
    {"sixteen digits", "4901542032375180", IR_IMEI_SCAN_MALFORMED, "not an IMEI"},
};

static void
test_app_text_scan (void **state)
{
	const ScanRow *row = *state;
	g_autofree char *message = NULL;

	assert_int_equal (ir_imei_scan_check (row->scanned, scan_registry, 3, &message),
			  row->verdict);
	if (strstr (message, row->needle) == NULL)
		fail_msg ("%s: \"%s\" lacks \"%s\"", row->name, message, row->needle);
}

typedef struct {
	const char *name;
	IrRestoreOutcome outcome;
	IrBrandFailure brand;
	int code; /* IR_ERROR code, -1: no error */
	gboolean reported;
	gboolean success;
	const char *needle;
} ResultRow;

static const ResultRow result_rows[] = {
    {"restored",
     IR_RESTORE_RESTORED,
     IR_BRAND_FAILURE_NONE,
     -1,
     TRUE,
     TRUE,
     "read back: slot 1: 490154203237518"},
    {"restored, report failed",
     IR_RESTORE_RESTORED,
     IR_BRAND_FAILURE_NONE,
     -1,
     FALSE,
     TRUE,
     "report to the brand server failed"},
    {"nothing to do", IR_RESTORE_NOTHING_TO_DO, IR_BRAND_FAILURE_NONE, -1, FALSE, TRUE, "No token"},
    {"declined", IR_RESTORE_DECLINED, IR_BRAND_FAILURE_NONE, -1, TRUE, FALSE, "reported unused"},
    {"server down",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_UNREACHABLE,
     IR_ERROR_FAILED,
     FALSE,
     FALSE,
     "cannot be reached"},
    {"server timeout",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_TIMEOUT,
     IR_ERROR_TIMEOUT,
     FALSE,
     FALSE,
     "cannot be reached"},
    {"token refused",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_REFUSED,
     IR_ERROR_FAILED,
     FALSE,
     FALSE,
     "refused a token"},
    {"tls pin",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_TLS_PIN,
     IR_ERROR_FAILED,
     FALSE,
     FALSE,
     "could not be used"},
    {"token does not verify",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_TOKEN_REFUSED,
     FALSE,
     FALSE,
     "did not verify"},
    {"3gpp",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_NOT_SUPPORTED,
     FALSE,
     FALSE,
     "cannot be restored here"},
    {"phone gone before",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_DISCONNECTED,
     FALSE,
     FALSE,
     "stopped answering"},
    {"cancelled",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_CANCELLED,
     FALSE,
     FALSE,
     "as they were"},
    {"other",
     IR_RESTORE_NOT_STARTED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_IO,
     FALSE,
     FALSE,
     "did not start"},
    {"write failed",
     IR_RESTORE_WRITE_FAILED,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_NOT_STICKING,
     TRUE,
     FALSE,
     "records the failure"},
    {"unknown",
     IR_RESTORE_UNKNOWN,
     IR_BRAND_FAILURE_NONE,
     IR_ERROR_DISCONNECTED,
     FALSE,
     FALSE,
     "Plug the same phone in again"},
};

static void
test_app_text_result (void **state)
{
	const ResultRow *row = *state;
	IrRestoreResult result = {.outcome = row->outcome, .reported = row->reported};
	IrRestoreSlot slot = {.index = 0, .after = (char *)"490154203237518"};
	g_autoptr (GPtrArray) slots = g_ptr_array_new ();
	g_auto (IrRestoreText) text = {0};
	g_autofree char *all = NULL;

	g_ptr_array_add (slots, &slot);
	result.slots = slots;
	result.brand.failure = row->brand;
	if (row->code >= 0)
		result.error = g_error_new (IR_ERROR, row->code, "what the core said");
	ir_restore_text_explain (&result, &text);
	g_clear_error (&result.error);
	all = g_strdup_printf ("%s %s", text.title, text.detail);
	assert_int_equal (text.success, row->success);
	if (strstr (all, row->needle) == NULL)
		fail_msg ("%s: \"%s\" lacks \"%s\"", row->name, all, row->needle);
	if (!row->success && row->outcome != IR_RESTORE_WRITE_FAILED &&
	    row->outcome != IR_RESTORE_UNKNOWN && row->outcome != IR_RESTORE_DECLINED &&
	    row->code != IR_ERROR_CANCELLED && row->code != IR_ERROR_NOT_SUPPORTED)
		assert_non_null (strstr (all, "Nothing was written"));
}

/* ---- the rollout policy ---- */

#define TEST_APP_TEXT_POLICY                                                                       \
	"{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 7,"                           \
	" \"issued\": \"2026-11-01T00:00:00+05:30\", \"expires\": \"2027-01-01T00:00:00+05:30\","  \
	" \"centres\": {\"DL-0001\": \"DL\"},"                                                     \
	" \"phases\": [{\"id\": \"p1\", \"title\": \"Delhi MediaTek\", \"state\": \"active\","     \
	" \"window\": {\"start\": \"2026-12-01\", \"end\": \"2026-12-10\"}, \"eligibility\": {},"  \
	" \"centre_daily_cap\": 10, \"national_daily_cap\": 100}]}"

typedef struct {
	const char *name;
	IrEligibilityReason reason;
	const char *phase;
	const char *when; /* ISO 8601, or NULL */
	const char *needle1;
	const char *needle2;
} PolicyRow;

static const PolicyRow policy_rows[] = {
    {"eligible",
     IR_ELIGIBLE,
     "p1",
     "2026-12-10T18:30:00Z",
     "Eligible in phase p1",
     "2026-12-11 00:00 IST"},
    {"expired",
     IR_NOT_ELIGIBLE_EXPIRED,
     NULL,
     "2026-12-31T18:30:00Z",
     "version 7 expired",
     "2027-01-01 00:00 IST"},
    {"no phase",
     IR_NOT_ELIGIBLE_NO_PHASE,
     NULL,
     NULL,
     "No phase of rollout policy version 7",
     "circle"},
    {"opens later",
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p1",
     "2026-11-30T18:30:00Z",
     "not open yet",
     "opens 2026-12-01 00:00 IST (Asia/Kolkata)"},
    {"planned, window open",
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p1",
     "2026-12-10T18:30:00Z",
     "not active yet",
     "has not opened it"},
    {"paused", IR_NOT_ELIGIBLE_PAUSED, "p1", NULL, "paused by the brand", "resumes"},
    {"closed",
     IR_NOT_ELIGIBLE_CLOSED,
     "p1",
     "2026-12-10T18:30:00Z",
     "has closed",
     "2026-12-11 00:00 IST"},
    {"centre cap",
     IR_NOT_ELIGIBLE_CENTRE_CAP,
     "p1",
     "2026-12-05T18:30:00Z",
     "daily cap of 10",
     "open again 2026-12-06 00:00 IST"},
    {"national cap",
     IR_NOT_ELIGIBLE_NATIONAL_CAP,
     "p1",
     "2026-12-05T18:30:00Z",
     "national daily cap of 100",
     "open again 2026-12-06 00:00 IST"},
};

static void
test_app_text_policy (void **state)
{
	const PolicyRow *row = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPolicy) policy =
	    ir_policy_parse (TEST_APP_TEXT_POLICY, strlen (TEST_APP_TEXT_POLICY), &error);
	IrEligibility elig = {.reason = row->reason, .policy_version = 7};
	g_autofree char *text = NULL;
	g_autofree char *summary = NULL;
	g_autofree char *phases = NULL;

	if (policy == NULL)
		fail_msg ("the test policy does not parse: %s", error->message);
	elig.phase = (char *)row->phase;
	elig.when = row->when != NULL ? g_date_time_new_from_iso8601 (row->when, NULL) : NULL;
	text = ir_policy_text_eligibility (policy, &elig);
	g_clear_pointer (&elig.when, g_date_time_unref);
	if (strstr (text, row->needle1) == NULL || strstr (text, row->needle2) == NULL)
		fail_msg ("%s: \"%s\" lacks \"%s\" or \"%s\"",
			  row->name,
			  text,
			  row->needle1,
			  row->needle2);
	summary = ir_policy_text_summary (policy);
	assert_string_equal (
	    summary, "Rollout policy version 7, expires 2027-01-01 00:00 IST (Asia/Kolkata)");
	phases = ir_policy_text_phases (policy, NULL);
	assert_string_equal (phases,
			     "p1 “Delhi MediaTek”: active, 2026-12-01 to 2026-12-10; 10 a day per "
			     "centre, 100 a day nationally");
}

int
main (void)
{
	struct CMUnitTest tests[G_N_ELEMENTS (scan_rows) + G_N_ELEMENTS (result_rows) +
				G_N_ELEMENTS (policy_rows)];
	gsize n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS (scan_rows); i++, n++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate (test_app_text_scan,
									 (void *)&scan_rows[i]);
		tests[n].name = scan_rows[i].name;
	}
	for (gsize i = 0; i < G_N_ELEMENTS (result_rows); i++, n++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate (test_app_text_result,
									 (void *)&result_rows[i]);
		tests[n].name = result_rows[i].name;
	}
	for (gsize i = 0; i < G_N_ELEMENTS (policy_rows); i++, n++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate (test_app_text_policy,
									 (void *)&policy_rows[i]);
		tests[n].name = policy_rows[i].name;
	}
	return cmocka_run_group_tests_name ("app-text", tests, NULL, NULL);
}
