/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "ir-brandd-store.h"
#include "bench-stats.h"

/* The cost of imei-brandd's quota check as the day fills (issue 7), with
 * 0, 100,000 and 500,000 tokens already issued to the centre today, p50
 * and p99 of N calls each (argument 1, default 1000): the check itself
 * (the centre's counter row for the day), the query it replaced (COUNT(*)
 * of the centre's tokens for the day, the baseline, on the same database)
 * and the store's whole record_token (the device's live token, the check,
 * insert the token, raise the counter, commit: what every POST /v1/tokens
 * does in its transaction).
 * Ratios are against the level with 0 tokens, measured in the same run.
 * Prints figures; never fails on a time. */

#define BENCH_DEFAULT_CALLS 1000
#define BENCH_CENTRE	    "DL-0001"

static const guint levels[] = {0, 100000, 500000};

static void
bench_brandd_quota_die (const char *what, const char *why)
{
	g_printerr ("bench-brandd-quota: %s: %s\n", what, why);
	exit (1);
}

static char *
bench_brandd_quota_today (void)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	return g_date_time_format (now, "%Y-%m-%d");
}

static gint64
bench_brandd_quota_add_device (IrBranddStore *store)
{
	IrBranddDevice dev = {.serial = (char *)"SN0001",
			      .manufacturer = (char *)"MediaTek",
			      .model = (char *)"MT6765",
			      .tac = (char *)"49015420",
			      .imei = {(char *)"490154203237518", NULL}};
	g_autoptr (IrBranddDevice) found = NULL;
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_store_insert_device (store, &dev, 0, &error) ||
	    !ir_brandd_store_find_device (store, "serial", "SN0001", &found, &error))
		bench_brandd_quota_die ("add a device", error->message);
	return found->id;
}

/* Tops the centre's tokens for today up to @level in one transaction, on
 * another connection, with the counter row to match (as issuing one by
 * one would leave it). */
static void
bench_brandd_quota_fill (const char *path, gint64 device_id, guint level)
{
	g_autofree char *day = bench_brandd_quota_today ();
	g_autofree char *sql = g_strdup_printf (
	    "BEGIN IMMEDIATE;"
	    "WITH RECURSIVE n(i) AS (SELECT (SELECT count(*) FROM tokens) UNION ALL "
	    "SELECT i + 1 FROM n WHERE i + 1 < %u) "
	    "INSERT INTO tokens (cti, device_id, cnf, centre, issued_at, utc_day, expires_at, "
	    "imeis) "
	    "SELECT randomblob(16), %" G_GINT64_FORMAT ", zeroblob(32), '%s', 0, '%s', 0, '[]' "
	    "FROM n WHERE i < %u;"
	    "INSERT INTO centre_day_counts (centre, utc_day, issued) "
	    "SELECT centre, utc_day, count(*) FROM tokens GROUP BY centre, utc_day "
	    "ON CONFLICT (centre, utc_day) DO UPDATE SET issued = excluded.issued;"
	    "COMMIT;"
	    /* one big fill leaves a WAL that a day of single tokens would have
	     * checkpointed long ago: start each level from the steady state */
	    "PRAGMA wal_checkpoint(TRUNCATE);",
	    level,
	    device_id,
	    BENCH_CENTRE,
	    day,
	    level);
	sqlite3 *db = NULL;
	char *err = NULL;

	if (sqlite3_open (path, &db) != SQLITE_OK ||
	    sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
		bench_brandd_quota_die ("fill the tokens", err != NULL ? err : sqlite3_errmsg (db));
	sqlite3_close (db);
}

/* One record_token, in milliseconds. */
static gdouble
bench_brandd_quota_issue_once (IrBranddStore *store, gint64 device_id, guint64 serial)
{
	guint8 cti[16] = {0xbe, 0x4c};
	guint8 cnf[32] = {1};
	g_autoptr (GBytes) cti_bytes = NULL;
	g_autoptr (GError) error = NULL;
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	IrBranddTokenRecord rec = {.device_id = device_id,
				   .cnf = cnf,
				   .centre = BENCH_CENTRE,
				   .issued_at = now,
				   /* expired at once: otherwise the device's live
				    * token would refuse the next one */
				   .expires_at = now,
				   .imeis_json = "[\"490154203237518\"]"};
	gboolean reached = FALSE;
	guint quota = 0;
	gint64 live_until = 0;
	gint64 start;

	memcpy (cti + 8, &serial, sizeof serial);
	cti_bytes = g_bytes_new (cti, sizeof cti);
	rec.cti = cti_bytes;
	start = g_get_monotonic_time ();
	if (!ir_brandd_store_record_token (
		store, &rec, 10000000, &reached, &quota, &live_until, &error))
		bench_brandd_quota_die ("record a token", error->message);
	if (reached || live_until != 0)
		bench_brandd_quota_die ("record a token", "quota reached or a live token");
	return (gdouble)(g_get_monotonic_time () - start) / 1000.0;
}

/* One run of a prepared quota query, in milliseconds (the server also
 * prepares its statements once). */
static gdouble
bench_brandd_quota_query_once (sqlite3 *db, sqlite3_stmt *stmt)
{
	gint64 start = g_get_monotonic_time ();
	int rc = sqlite3_step (stmt);

	/* no counter row yet: nothing issued today */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		bench_brandd_quota_die (sqlite3_sql (stmt), sqlite3_errmsg (db));
	sqlite3_reset (stmt);
	return (gdouble)(g_get_monotonic_time () - start) / 1000.0;
}

static sqlite3_stmt *
bench_brandd_quota_prepare (sqlite3 *db, const char *sql, const char *day)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
		bench_brandd_quota_die (sql, sqlite3_errmsg (db));
	sqlite3_bind_text (stmt, 1, BENCH_CENTRE, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, day, -1, SQLITE_TRANSIENT);
	return stmt;
}

/* What is timed, each on its own: the quota check as it is now, the one it
 * replaced, and the whole transaction around it. */
enum { BENCH_CHECK, BENCH_COUNT, BENCH_ISSUE, BENCH_N };

static const char *const bench_quota_names[BENCH_N] = {
    "quota check (counter row)",
    "COUNT(*) of the day (before)",
    "record_token (whole transaction)",
};

#define BENCH_SQL_CHECK "SELECT issued FROM centre_day_counts WHERE centre = ? AND utc_day = ?"
#define BENCH_SQL_COUNT "SELECT count(*) FROM tokens WHERE centre = ? AND utc_day = ?"

typedef struct {
	gdouble p50[BENCH_N];
	gdouble p99[BENCH_N];
} BenchQuotaLevel;

static void
bench_brandd_quota_measure (IrBranddStore *store,
			    sqlite3 *db,
			    gint64 device_id,
			    guint calls,
			    guint64 *serial,
			    BenchQuotaLevel *out)
{
	g_autofree char *day = bench_brandd_quota_today ();
	sqlite3_stmt *check = bench_brandd_quota_prepare (db, BENCH_SQL_CHECK, day);
	sqlite3_stmt *count = bench_brandd_quota_prepare (db, BENCH_SQL_COUNT, day);
	GArray *samples[BENCH_N];

	for (guint k = 0; k < BENCH_N; k++)
		samples[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
	/* each in a loop of its own, so that the commits of record_token do
	 * not sit between the reads being timed */
	for (guint i = 0; i < calls; i++) {
		gdouble ms = bench_brandd_quota_query_once (db, check);
		g_array_append_val (samples[BENCH_CHECK], ms);
	}
	for (guint i = 0; i < calls; i++) {
		gdouble ms = bench_brandd_quota_query_once (db, count);
		g_array_append_val (samples[BENCH_COUNT], ms);
	}
	for (guint i = 0; i < calls; i++) {
		gdouble ms = bench_brandd_quota_issue_once (store, device_id, (*serial)++);
		g_array_append_val (samples[BENCH_ISSUE], ms);
	}
	for (guint k = 0; k < BENCH_N; k++) {
		out->p50[k] = bench_stats_array_percentile (samples[k], 50);
		out->p99[k] = bench_stats_array_percentile (samples[k], 99);
		g_array_unref (samples[k]);
	}
	sqlite3_finalize (check);
	sqlite3_finalize (count);
}

static void
bench_brandd_quota_print (const BenchQuotaLevel *results, guint calls)
{
	printf ("quota check as the day fills: %u calls per level, one centre, SQLite WAL on "
		"disk\n",
		calls);
	for (guint k = 0; k < BENCH_N; k++) {
		printf ("\n  %-34s  tokens today        p50        p99  p50 ratio\n",
			bench_quota_names[k]);
		for (guint l = 0; l < G_N_ELEMENTS (levels); l++)
			printf ("  %-34s  %12u  %8.3f ms %8.3f ms  %8.2fx\n",
				"",
				levels[l],
				results[l].p50[k],
				results[l].p99[k],
				results[l].p50[k] / MAX (results[0].p50[k], 1e-9));
	}
	printf ("\nThe quota check reads one counter row; COUNT(*) is the query it replaced "
		"(run on the same database, no longer part of issuing); record_token is the "
		"whole write transaction with its commit. Ratios against 0 tokens today.\n");
}

int
main (int argc, char **argv)
{
	guint calls = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_CALLS;
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("bench-quota-XXXXXX", &error);
	g_autofree char *path = NULL;
	g_autofree char *rm = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	BenchQuotaLevel results[G_N_ELEMENTS (levels)];
	sqlite3 *db = NULL;
	guint64 serial = 0;
	gint64 device_id;

	if (dir == NULL)
		bench_brandd_quota_die ("make a folder", error->message);
	calls = calls == 0 ? BENCH_DEFAULT_CALLS : calls;
	path = g_build_filename (dir, "brandd.db", NULL);
	if (!ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, path, &error) ||
	    (store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, path, &error)) == NULL)
		bench_brandd_quota_die (path, error->message);
	device_id = bench_brandd_quota_add_device (store);
	if (sqlite3_open (path, &db) != SQLITE_OK)
		bench_brandd_quota_die (path, sqlite3_errmsg (db));
	for (guint l = 0; l < G_N_ELEMENTS (levels); l++) {
		bench_brandd_quota_fill (path, device_id, levels[l]);
		bench_brandd_quota_measure (store, db, device_id, calls, &serial, &results[l]);
	}
	sqlite3_close (db);
	bench_brandd_quota_print (results, calls);
	rm = g_strdup_printf ("rm -rf '%s'", dir);
	if (system (rm) != 0)
		g_printerr ("bench-brandd-quota: could not remove %s\n", dir);
	return 0;
}
