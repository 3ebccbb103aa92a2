/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "brandd-test-env.h"
#include "ir-brandd-db.h"
#include "ir-brandd-store.h"

/* The registry store on its own: the quota's UTC day, the single-use
 * report, and what a successful report says about IMEIs in use. */

#define DAY1_LAST  1795996799 /* 2026-11-29T23:59:59Z */
#define DAY2_FIRST 1795996800 /* 2026-11-30T00:00:00Z */

typedef struct {
	char *dir;
	char *db;
	IrBranddStore *store;
	gint64 dev1;
	gint64 dev2;
} Fixture;

static gint64
test_brandd_store_add_device (IrBranddStore *store, const char *serial, const char *imei)
{
	IrBranddDevice dev = {.serial = (char *)serial,
			      .manufacturer = (char *)"M",
			      .model = (char *)"X",
			      .tac = (char *)"49015420",
			      .imei = {(char *)imei, NULL}};
	g_autoptr (IrBranddDevice) found = NULL;
	g_autoptr (GError) error = NULL;

	assert_true (ir_brandd_store_insert_device (store, &dev, 0, &error));
	assert_true (ir_brandd_store_find_device (store, "serial", serial, &found, &error));
	assert_non_null (found);
	assert_string_equal (found->imei[0], imei);
	return found->id;
}

static int
test_brandd_store_setup (void **state)
{
	Fixture *f = g_new0 (Fixture, 1);
	g_autoptr (GError) error = NULL;

	f->dir = g_dir_make_tmp ("brandd-store-XXXXXX", &error);
	f->db = g_build_filename (f->dir, "brandd.db", NULL);
	assert_true (ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, f->db, &error));
	f->store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, f->db, &error);
	assert_non_null (f->store);
	f->dev1 = test_brandd_store_add_device (f->store, "SN1", BT_DEV1_IMEI1);
	f->dev2 = test_brandd_store_add_device (f->store, "SN2", BT_DEV2_IMEI1);
	*state = f;
	return 0;
}

static int
test_brandd_store_teardown (void **state)
{
	Fixture *f = *state;
	g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", f->dir);

	ir_brandd_store_free (f->store);
	brandd_test_env_sh (rm, NULL, NULL);
	g_free (f->dir);
	g_free (f->db);
	g_free (f);
	return 0;
}

static const guint8 cnf_a[32] = {1};
static const guint8 cnf_b[32] = {2};

/* Records a token for device 1 issued at @at and valid for @lifetime
 * seconds (0: expired at once, so that it never holds the device);
 * *live_until (may be NULL) gets the store's answer on a live token. */
static gboolean
test_brandd_store_issue_full (Fixture *f,
			      const guint8 *cnf,
			      guint8 cti_byte,
			      gint64 at,
			      gint64 lifetime,
			      const char *centre,
			      guint default_quota,
			      gint64 *live_until)
{
	guint8 cti[16] = {cti_byte};
	g_autoptr (GBytes) cti_bytes = g_bytes_new (cti, sizeof cti);
	IrBranddTokenRecord rec = {.cti = cti_bytes,
				   .device_id = f->dev1,
				   .cnf = cnf,
				   .centre = centre,
				   .issued_at = at,
				   .expires_at = at + lifetime,
				   .imeis_json = "[\"" BT_DEV1_IMEI1 "\"]"};
	g_autoptr (GError) error = NULL;
	gboolean reached = TRUE;
	guint quota = 0;
	gint64 live = -1;

	assert_true (ir_brandd_store_record_token (
	    f->store, &rec, default_quota, &reached, &quota, &live, &error));
	if (live_until != NULL)
		*live_until = live;
	return !reached && live == 0;
}

static gboolean
test_brandd_store_issue (
    Fixture *f, guint8 cti_byte, gint64 at, const char *centre, guint default_quota)
{
	return test_brandd_store_issue_full (
	    f, cnf_a, cti_byte, at, 0, centre, default_quota, NULL);
}

static void
test_brandd_store_quota_utc_day (void **state)
{
	Fixture *f = *state;
	g_autoptr (GError) error = NULL;
	gint64 n = 0;

	assert_true (test_brandd_store_issue (f, 1, DAY1_LAST - 10, "C1", 2));
	assert_true (test_brandd_store_issue (f, 2, DAY1_LAST, "C1", 2));
	assert_false (test_brandd_store_issue (f, 3, DAY1_LAST, "C1", 2)); /* third on day 1 */
	assert_true (test_brandd_store_issue (f, 4, DAY1_LAST, "C2", 2));  /* another centre */
	assert_true (test_brandd_store_issue (f, 5, DAY2_FIRST, "C1", 2)); /* new UTC day */
	/* a centre's own quota wins over the default */
	assert_true (ir_brandd_store_set_centre_quota (f->store, "C1", 3, &error));
	assert_true (test_brandd_store_issue (f, 6, DAY2_FIRST, "C1", 2));
	assert_true (test_brandd_store_issue (f, 7, DAY2_FIRST, "C1", 2));
	assert_false (test_brandd_store_issue (f, 8, DAY2_FIRST, "C1", 2));
	assert_true (ir_brandd_store_set_centre_quota (f->store, "C1", 0, &error));
	assert_false (test_brandd_store_issue (f, 9, DAY2_FIRST + 86400, "C1", 2));
	/* refused tokens were not recorded */
	assert_true (ir_brandd_store_count (f->store, "tokens", &n, &error));
	assert_int_equal (n, 6);
}

/* Runs @sql on the database file beside the store (another connection). */
static void
test_brandd_store_sql_exec (Fixture *f, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal (sqlite3_open (f->db, &db), SQLITE_OK);
	if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg ("%s: %s", sql, sqlite3_errmsg (db));
	sqlite3_close (db);
}

static gint64
test_brandd_store_sql_int (Fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	gint64 value;

	assert_int_equal (sqlite3_open (f->db, &db), SQLITE_OK);
	assert_int_equal (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
	value = sqlite3_column_int64 (stmt, 0);
	sqlite3_finalize (stmt);
	sqlite3_close (db);
	return value;
}

/* The quota reads the centre's counter row for the day, raised with each
 * token, and never counts the day's tokens (issue 7: constant cost). */
static void
test_brandd_store_quota_counter_row (void **state)
{
	Fixture *f = *state;

	assert_true (test_brandd_store_issue (f, 1, DAY1_LAST, "C1", 5));
	assert_true (test_brandd_store_issue (f, 2, DAY1_LAST, "C1", 5));
	assert_true (test_brandd_store_issue (f, 3, DAY1_LAST, "C2", 5));
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT issued FROM centre_day_counts "
				       "WHERE centre = 'C1' AND utc_day = '2026-11-29'"),
	    2);
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT issued FROM centre_day_counts "
				       "WHERE centre = 'C2' AND utc_day = '2026-11-29'"),
	    1);
	/* the row is the quota's only source: at 5, the sixth is refused
	 * although only two tokens of C1 exist */
	test_brandd_store_sql_exec (f,
				    "UPDATE centre_day_counts SET issued = 5 WHERE centre = 'C1'");
	assert_false (test_brandd_store_issue (f, 4, DAY1_LAST, "C1", 5));
	assert_true (test_brandd_store_issue (f, 5, DAY2_FIRST, "C1", 5));
	/* a refused token does not raise it */
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT issued FROM centre_day_counts "
				       "WHERE centre = 'C1' AND utc_day = '2026-11-29'"),
	    5);
}

/* init-db takes a version 2 database to the current version, and the
 * counter starts from the tokens the day already has. */
static void
test_brandd_store_migration_counts (void **state)
{
	Fixture *f = *state;
	g_autoptr (GError) error = NULL;

	assert_true (test_brandd_store_issue (f, 1, DAY1_LAST, "C1", 5));
	assert_true (test_brandd_store_issue (f, 2, DAY1_LAST, "C1", 5));
	assert_true (test_brandd_store_issue (f, 3, DAY2_FIRST, "C1", 5));
	g_clear_pointer (&f->store, ir_brandd_store_free);
	test_brandd_store_sql_exec (
	    f,
	    "DROP TABLE device_live_tokens; "
	    "DROP INDEX tokens_request_id; ALTER TABLE tokens DROP COLUMN request_id; "
	    "ALTER TABLE tokens DROP COLUMN request_hash; ALTER TABLE tokens DROP COLUMN answer; "
	    "DROP TABLE witness_intent_mismatches; "
	    "DROP TABLE blocklist; DROP TABLE token_rollout; DROP TABLE rollout_counts; "
	    "DROP TABLE rollout_paused; DROP TABLE rollout_policies; "
	    "DROP TABLE centre_day_counts; DROP INDEX devices_serial_nocase; "
	    "DROP TABLE witness_first_contacts; DROP TABLE revoked_certificates; "
	    "DROP TABLE report_mismatches; DROP INDEX tokens_device_live; "
	    "ALTER TABLE devices DROP COLUMN centre; ALTER TABLE devices DROP COLUMN spc; "
	    "ALTER TABLE witnessed_logs DROP COLUMN edge; "
	    "PRAGMA user_version = 2");
	f->store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, f->db, &error);
	assert_null (f->store);
	assert_non_null (strstr (error->message, "init-db"));
	g_clear_error (&error);
	assert_true (ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, f->db, &error));
	assert_int_equal (test_brandd_store_sql_int (f, "PRAGMA user_version"),
			  IR_BRANDD_SCHEMA_VERSION);
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT issued FROM centre_day_counts "
				       "WHERE centre = 'C1' AND utc_day = '2026-11-29'"),
	    2);
	f->store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, f->db, &error);
	assert_non_null (f->store);
	assert_true (test_brandd_store_issue (f, 4, DAY2_FIRST, "C1", 2));
	assert_false (test_brandd_store_issue (f, 5, DAY2_FIRST, "C1", 2));
}

static IrBranddReportResult
test_brandd_store_report (
    Fixture *f, guint8 cti_byte, const guint8 *cnf, const char *outcome, const char *read_back)
{
	guint8 cti[16] = {cti_byte};
	g_autoptr (GBytes) cti_bytes = g_bytes_new (cti, sizeof cti);
	char *slots[2] = {(char *)read_back, NULL};
	IrBranddReportRecord rec = {.cti = cti_bytes,
				    .cnf = cnf,
				    .outcome = outcome,
				    .read_back_json = "[]",
				    .read_back = slots,
				    .now = DAY2_FIRST};
	IrBranddReportResult result = IR_BRANDD_REPORT_RECORDED;
	g_autoptr (GError) error = NULL;
	g_autofree char *issued = NULL;

	assert_true (ir_brandd_store_record_report (f->store, &rec, &result, &issued, &error));
	if (result != IR_BRANDD_REPORT_UNKNOWN_TOKEN)
		assert_string_equal (issued, "[\"" BT_DEV1_IMEI1 "\"]");
	return result;
}

static void
test_brandd_store_reports (void **state)
{
	Fixture *f = *state;
	g_autoptr (GError) error = NULL;
	gint64 holder = -1;
	gint64 n = 0;

	assert_true (test_brandd_store_issue (f, 1, DAY1_LAST, "C1", 10));
	assert_int_equal (test_brandd_store_report (f, 9, cnf_a, "failed", NULL),
			  IR_BRANDD_REPORT_UNKNOWN_TOKEN);
	assert_int_equal (test_brandd_store_report (f, 1, cnf_b, "failed", NULL),
			  IR_BRANDD_REPORT_NOT_YOUR_TOKEN);
	/* issue 7: token 1 was issued to write device 1's IMEI; a success that
	 * read back device 2's is refused and kept as a mismatch, and does not
	 * make device 2's IMEI "in use" */
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "success", BT_DEV2_IMEI1),
			  IR_BRANDD_REPORT_MISMATCH);
	assert_int_equal (test_brandd_store_sql_int (f, "SELECT count(*) FROM report_mismatches"),
			  1);
	assert_true (
	    ir_brandd_store_imei_holder (f->store, f->dev2, BT_DEV2_IMEI1, &holder, &error));
	assert_int_equal (holder, 0);
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "success", NULL),
			  IR_BRANDD_REPORT_MISMATCH);
	assert_int_equal (test_brandd_store_sql_int (f, "SELECT count(*) FROM report_mismatches"),
			  1);
	/* the token is still open: its true outcome is recorded once */
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "success", BT_DEV1_IMEI1),
			  IR_BRANDD_REPORT_RECORDED);
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "success", BT_DEV1_IMEI1),
			  IR_BRANDD_REPORT_ALREADY_REPORTED);
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "success", BT_DEV2_IMEI1),
			  IR_BRANDD_REPORT_ALREADY_REPORTED);
	/* the device itself is not "another device" */
	assert_true (
	    ir_brandd_store_imei_holder (f->store, f->dev1, BT_DEV1_IMEI1, &holder, &error));
	assert_int_equal (holder, 0);
	assert_true (ir_brandd_store_count (f->store, "reports", &n, &error));
	assert_int_equal (n, 1);
}

/* Group commit of reports: one transaction for the batch, each report
 * seeing the ones before it (the second report of a token is refused),
 * one refused report not holding the others back. */
static void
test_brandd_store_reports_batch (void **state)
{
	Fixture *f = *state;
	IrBranddDb *db = ir_brandd_store_get_db (f->store);
	guint8 cti[4][16] = {{1}, {1}, {9}, {2}};
	const char *outcome[4] = {"success", "failed", "failed", "failed"};
	char *slots[2] = {(char *)BT_DEV1_IMEI1, NULL};
	IrBranddReportRecord rec[4];
	const IrBranddReportRecord *recs[4];
	IrBranddReportOutcome out[4] = {{0}};
	GBytes *cti_bytes[4];
	g_autoptr (GError) error = NULL;
	guint64 commits;
	gint64 n = 0;

	assert_true (test_brandd_store_issue (f, 1, DAY1_LAST, "C1", 10));
	assert_true (test_brandd_store_issue (f, 2, DAY1_LAST, "C1", 10));
	for (guint i = 0; i < 4; i++) {
		cti_bytes[i] = g_bytes_new (cti[i], sizeof cti[i]);
		rec[i] = (IrBranddReportRecord){.cti = cti_bytes[i],
						.cnf = cnf_a,
						.outcome = outcome[i],
						.read_back_json = "[]",
						.read_back = i == 0 ? slots : NULL,
						.now = DAY2_FIRST};
		recs[i] = &rec[i];
	}
	commits = ir_brandd_db_get_commits (db);
	assert_true (ir_brandd_store_record_reports (f->store, recs, out, 4, &error));
	assert_int_equal (ir_brandd_db_get_commits (db), commits + 1);
	assert_int_equal (out[0].result, IR_BRANDD_REPORT_RECORDED);
	assert_int_equal (out[1].result, IR_BRANDD_REPORT_ALREADY_REPORTED);
	assert_int_equal (out[2].result, IR_BRANDD_REPORT_UNKNOWN_TOKEN);
	assert_null (out[2].issued_imeis);
	assert_int_equal (out[3].result, IR_BRANDD_REPORT_RECORDED);
	for (guint i = 0; i < 4; i++) {
		assert_null (out[i].error);
		if (i != 2)
			assert_string_equal (out[i].issued_imeis, "[\"" BT_DEV1_IMEI1 "\"]");
		ir_brandd_store_report_outcome_clear (&out[i]);
		g_bytes_unref (cti_bytes[i]);
	}
	assert_true (ir_brandd_store_count (f->store, "reports", &n, &error));
	assert_int_equal (n, 2);
}

/* At most one live token per device: another certificate is refused
 * with the live one's expiry until it is reported or has expired; the
 * same certificate asking again (a crash, a lost answer) supersedes its
 * own. */
static void
test_brandd_store_live_token (void **state)
{
	Fixture *f = *state;
	gint64 until = 0;

	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 1, DAY1_LAST - 1000, 900, "C1", 10, &until));
	assert_int_equal (until, 0);
	assert_false (
	    test_brandd_store_issue_full (f, cnf_b, 2, DAY1_LAST - 990, 900, "C2", 10, &until));
	assert_int_equal (until, DAY1_LAST - 100);
	assert_int_equal (test_brandd_store_sql_int (f, "SELECT count(*) FROM tokens"), 1);
	/* refused, it did not count against the quota */
	assert_int_equal (test_brandd_store_sql_int (
			      f, "SELECT count(*) FROM centre_day_counts WHERE centre = 'C2'"),
			  0);
	/* the holder again: token 3 replaces token 1, closed as aborted */
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 3, DAY1_LAST - 985, 900, "C1", 10, &until));
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT count(*) FROM reports WHERE outcome = 'aborted' AND "
				       "detail LIKE 'superseded%'"),
	    1);
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "failed", NULL),
			  IR_BRANDD_REPORT_ALREADY_REPORTED);
	assert_false (
	    test_brandd_store_issue_full (f, cnf_b, 4, DAY1_LAST - 984, 900, "C2", 10, &until));
	assert_int_equal (until, DAY1_LAST - 85);
	assert_int_equal (test_brandd_store_report (f, 3, cnf_a, "aborted", NULL),
			  IR_BRANDD_REPORT_RECORDED);
	assert_true (
	    test_brandd_store_issue_full (f, cnf_b, 5, DAY1_LAST - 980, 900, "C2", 10, &until));
	/* token 5 expires at DAY1_LAST - 80: from then on another is issued */
	assert_false (
	    test_brandd_store_issue_full (f, cnf_a, 6, DAY1_LAST - 81, 900, "C1", 10, &until));
	assert_int_equal (until, DAY1_LAST - 80);
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 7, DAY1_LAST - 80, 900, "C1", 10, &until));
}

/* init-db takes a version 11 database (the live token found by scanning
 * the device's tokens) to version 12 with each device's newest
 * unreported token as its live one, so a token live across the upgrade
 * still holds its device. */
static void
test_brandd_store_live_token_migration (void **state)
{
	Fixture *f = *state;
	g_autoptr (GError) error = NULL;
	gint64 until = 0;

	/* token 1 reported, token 2 superseded by 3, which is live */
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 1, DAY1_LAST - 1000, 900, "C1", 10, &until));
	assert_int_equal (test_brandd_store_report (f, 1, cnf_a, "failed", NULL),
			  IR_BRANDD_REPORT_RECORDED);
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 2, DAY1_LAST - 995, 900, "C1", 10, &until));
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 3, DAY1_LAST - 990, 900, "C1", 10, &until));
	g_clear_pointer (&f->store, ir_brandd_store_free);
	test_brandd_store_sql_exec (f, "DROP TABLE device_live_tokens; PRAGMA user_version = 11");
	f->store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, f->db, &error);
	assert_null (f->store);
	assert_non_null (strstr (error->message, "has schema version 11"));
	g_clear_error (&error);
	assert_true (ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, f->db, &error));
	assert_int_equal (test_brandd_store_sql_int (f, "PRAGMA user_version"),
			  IR_BRANDD_SCHEMA_VERSION);
	assert_int_equal (test_brandd_store_sql_int (f,
						     "SELECT count(*) FROM device_live_tokens "
						     "WHERE expires_at = 1795996799 - 90"),
			  1);
	f->store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, f->db, &error);
	assert_non_null (f->store);
	/* another certificate is refused until token 3 expires */
	assert_false (
	    test_brandd_store_issue_full (f, cnf_b, 4, DAY1_LAST - 980, 900, "C2", 10, &until));
	assert_int_equal (until, DAY1_LAST - 90);
	/* its holder supersedes it, and holds the device with token 5 */
	assert_true (
	    test_brandd_store_issue_full (f, cnf_a, 5, DAY1_LAST - 970, 900, "C1", 10, &until));
	assert_int_equal (test_brandd_store_report (f, 3, cnf_a, "failed", NULL),
			  IR_BRANDD_REPORT_ALREADY_REPORTED);
	assert_false (
	    test_brandd_store_issue_full (f, cnf_b, 6, DAY1_LAST - 960, 900, "C2", 10, &until));
	assert_int_equal (until, DAY1_LAST - 70);
}

/* A device asked for again and again by its holder: each token closes
 * the one before it, so the device has one live token and every earlier
 * one is closed as superseded, never left open. */
static void
test_brandd_store_live_token_repeated (void **state)
{
	Fixture *f = *state;
	gint64 until = 0;

	for (guint i = 1; i <= 50; i++)
		assert_true (test_brandd_store_issue_full (
		    f, cnf_a, (guint8)i, DAY1_LAST - 1000 + i, 900, "C1", 100, &until));
	assert_int_equal (
	    test_brandd_store_sql_int (f,
				       "SELECT count(*) FROM tokens t WHERE NOT EXISTS "
				       "(SELECT 1 FROM reports r WHERE r.cti = t.cti)"),
	    1);
	assert_int_equal (test_brandd_store_sql_int (
			      f, "SELECT count(*) FROM reports WHERE detail LIKE 'superseded%'"),
			  49);
	assert_false (
	    test_brandd_store_issue_full (f, cnf_b, 51, DAY1_LAST - 940, 900, "C2", 100, &until));
	assert_int_equal (until, DAY1_LAST - 1000 + 50 + 900);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (test_brandd_store_quota_utc_day,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_store_reports, test_brandd_store_setup, test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_store_reports_batch,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_store_live_token, test_brandd_store_setup, test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_store_live_token_migration,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_store_live_token_repeated,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_store_quota_counter_row,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_store_migration_counts,
					     test_brandd_store_setup,
					     test_brandd_store_teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
