/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-imei-scan.h"
#include "ir-restore-text.h"

/* The app's pure wording: a scanned IMEI against the registry, and what a
 * restore's result tells the technician. Tables, the bad rows beside the
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

int
main (void)
{
	struct CMUnitTest tests[G_N_ELEMENTS (scan_rows) + G_N_ELEMENTS (result_rows)];
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
	return cmocka_run_group_tests_name ("app-text", tests, NULL, NULL);
}
