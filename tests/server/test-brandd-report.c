/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-openssl-autoptr.h"
#include "ir-pem.h"
#include "ir-rollout-summary.h"
#include "rollout-sim.h"

/* imei-brandd report, report summary and report register on the real
 * server, and imeictl verify-report: the report's figures equal those
 * counted again, here, from the workstations' own migration logs; a
 * signed summary verifies with those logs, and is refused when a number
 * is changed, when it is re-signed with figures the logs do not give,
 * when a member is repeated, and when a log was changed; bad input to
 * each command is refused with a clear error and nothing written. */

#define ALICE ROLLOUT_SIM_ALICE
#define BOB   ROLLOUT_SIM_BOB
#define TAC   "35000000"
#define N_DEV 10

typedef struct {
	BtEnv *env;
	RolloutSimWs *dl;
	RolloutSimWs *mh;
	char *today;
	char *token[N_DEV];
} TestReport;

static char *
test_brandd_report_day (int offset)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) now = g_date_time_new_now (tz);
	g_autoptr (GDateTime) day = g_date_time_add_days (now, offset);

	return g_date_time_format (day, "%Y-%m-%d");
}

static char *
test_brandd_report_policy (void)
{
	g_autofree char *start = test_brandd_report_day (-1);
	g_autofree char *end = test_brandd_report_day (1);
	g_autofree char *expires = test_brandd_report_day (30);

	return g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 1,\n"
	    " \"issued\": \"2025-12-01T00:00:00+05:30\", \"expires\": \"%sT00:00:00+05:30\",\n"
	    " \"centres\": {\"DL-0001\": \"DL\", \"MH-0002\": \"MH\"},\n"
	    " \"phases\": [{\"id\": \"p1\", \"title\": \"Report test\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"%s\", \"end\": \"%s\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"3500\"]},\n"
	    "   \"centre_daily_cap\": 50, \"national_daily_cap\": 100}]}\n",
	    expires,
	    start,
	    end);
}

static void
test_brandd_report_assert_contains (const char *text, const char *part)
{
	if (text == NULL || strstr (text, part) == NULL)
		fail_msg ("\"%s\" does not say \"%s\"", text != NULL ? text : "(null)", part);
}

static int
test_brandd_report_imeictl (const char *const *argv, char **out, char **err)
{
	g_autoptr (GPtrArray) args = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;
	g_autofree char *trust =
	    g_build_filename (brandd_test_env_pki_dir (), "trust-store.conf", NULL);
	g_auto (GStrv) envp =
	    g_environ_setenv (g_get_environ (), "IMEIRESTORE_TRUST_STORE", trust, TRUE);
	int status = 0;

	g_ptr_array_add (args, (gpointer)g_getenv ("IMEICTL"));
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add (args, (gpointer)argv[i]);
	g_ptr_array_add (args, NULL);
	assert_non_null (g_getenv ("IMEICTL"));
	if (!g_spawn_sync (NULL,
			   (char **)args->pdata,
			   envp,
			   G_SPAWN_DEFAULT,
			   NULL,
			   NULL,
			   out,
			   err,
			   &status,
			   &error))
		fail_msg ("cannot run imeictl: %s", error->message);
	return WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status);
}

/* Ten tokens, six at DL-0001 and four at MH-0002, restored with every
 * outcome, logged by two workstations whose logs the server witnesses. */
static int
test_brandd_report_setup (void **state)
{
	TestReport *t = g_new0 (TestReport, 1);
	g_autofree char *policy = test_brandd_report_policy ();
	static const char *const dl_outcomes[] = {
	    "success", "success", "success", "failed", "aborted", NULL};
	static const char *const mh_outcomes[] = {"success", "recovered", "unknown"};

	t->env = rollout_sim_env_new ();
	t->today = test_brandd_report_day (0);
	rollout_sim_import (t->env, "RPT", TAC, N_DEV);
	rollout_sim_publish (t->env, policy);
	brandd_test_env_start (t->env);
	for (guint i = 0; i < N_DEV; i++) {
		g_autofree char *serial = g_strdup_printf ("RPT-%03u", i);
		assert_int_equal (
		    rollout_sim_token (t->env, i < 6 ? ALICE : BOB, serial, &t->token[i]), 200);
	}
	t->dl = rollout_sim_ws_new ("DL-0001", "ws1");
	t->mh = rollout_sim_ws_new ("MH-0002", "ws1");
	for (guint i = 0; i < 6; i++) {
		g_autofree char *imei = rollout_sim_imei (TAC, i);

		rollout_sim_ws_intent (t->dl, t->token[i], "p1", 1, imei);
		/* the last RESULT decides: unknown, then success on recovery */
		if (i == 2)
			rollout_sim_ws_result (t->dl, t->token[i], "unknown", "p1", 1, imei);
		if (dl_outcomes[i] != NULL)
			rollout_sim_ws_result (t->dl, t->token[i], dl_outcomes[i], "p1", 1, imei);
	}
	for (guint i = 6; i < 9; i++) {
		g_autofree char *imei = rollout_sim_imei (TAC, i);

		rollout_sim_ws_intent (t->mh, t->token[i], "p1", 1, imei);
		rollout_sim_ws_result (t->mh, t->token[i], mh_outcomes[i - 6], "p1", 1, imei);
	}
	rollout_sim_ws_upload (t->dl, t->env, ALICE);
	rollout_sim_ws_upload (t->mh, t->env, BOB);
	/* the server hears of the successes it can check */
	for (guint i = 0; i < N_DEV; i++) {
		g_autofree char *imei = rollout_sim_imei (TAC, i);
		g_autofree char *read_back = g_strdup_printf ("[\"%s\"]", imei);

		if (i <= 2 || i == 6)
			assert_int_equal (
			    rollout_sim_report (
				t->env, i < 6 ? ALICE : BOB, t->token[i], "success", read_back),
			    200);
	}
	*state = t;
	return 0;
}

static int
test_brandd_report_teardown (void **state)
{
	TestReport *t = *state;

	assert_int_equal (brandd_test_env_stop (t->env), 0);
	rollout_sim_ws_free (t->dl);
	rollout_sim_ws_free (t->mh);
	for (guint i = 0; i < N_DEV; i++)
		g_free (t->token[i]);
	g_free (t->today);
	brandd_test_env_free (t->env);
	g_free (t);
	return 0;
}

/* Counts the restorations of (phase p1, @day) in the log at @dir again,
 * without the project's tally: per INTENT with a policy version, the
 * outcome of its last RESULT, by the INTENT's Asia/Kolkata day. */
static void
test_brandd_report_recount (const char *dir, const char *day, GHashTable *counts)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	g_autoptr (GHashTable) outcome =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	GHashTableIter iter;
	gpointer value;

	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		/* a record line starts with '{'; the inline layout's signature
		 * lines with U+2014 */
		if (lines[i][0] != '{')
			continue;
		g_autoptr (JsonParser) parser = json_parser_new ();
		JsonObject *rec;
		const char *type;

		assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
		rec = json_node_get_object (json_parser_get_root (parser));
		type = json_object_get_string_member (rec, "type");
		if (g_strcmp0 (type, "INTENT") == 0) {
			g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (
			    json_object_get_string_member (rec, "time"), NULL);
			g_autoptr (GDateTime) local = g_date_time_to_timezone (t, tz);
			g_autofree char *d = g_date_time_format (local, "%Y-%m-%d");

			if (g_strcmp0 (d, day) == 0 &&
			    g_strcmp0 (json_object_get_string_member (rec, "phase"), "p1") == 0)
				g_hash_table_insert (
				    outcome,
				    g_strdup (json_object_get_string_member (rec, "intent_id")),
				    g_strdup ("no_result"));
		} else if (g_strcmp0 (type, "RESULT") == 0) {
			const char *id = json_object_get_string_member (rec, "intent_id");

			if (g_hash_table_contains (outcome, id))
				g_hash_table_insert (
				    outcome,
				    g_strdup (id),
				    g_strdup (json_object_get_string_member (rec, "outcome")));
		}
	}
	g_hash_table_iter_init (&iter, outcome);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, value));
		g_hash_table_insert (counts, g_strdup (value), GUINT_TO_POINTER (n + 1));
	}
}

static void
test_brandd_report_matches_logs (void **state)
{
	TestReport *t = *state;
	const char *outcomes[] = {
	    "success", "failed", "aborted", "unknown", "recovered", "no_result"};
	const char *json_args[] = {
	    "report", "--json", "--phase", "p1", "--config", t->env->conf, NULL};
	const char *csv_args[] = {"report", "--config", t->env->conf, NULL};
	g_autofree char *out = NULL;
	g_autofree char *csv = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonArray *rows;

	assert_int_equal (brandd_test_env_run_brandd (json_args, &out, NULL), 0);
	assert_true (json_parser_load_from_data (parser, out, -1, NULL));
	rows = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
					     "rows");
	assert_int_equal (json_array_get_length (rows), 2);
	for (guint r = 0; r < 2; r++) {
		JsonObject *row = json_array_get_object_element (rows, r);
		const char *centre = json_object_get_string_member (row, "centre");
		gboolean dl = g_strcmp0 (centre, "DL-0001") == 0;
		g_autoptr (GHashTable) counts =
		    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

		assert_string_equal (json_object_get_string_member (row, "phase"), "p1");
		assert_string_equal (json_object_get_string_member (row, "day"), t->today);
		assert_string_equal (json_object_get_string_member (row, "circle"),
				     dl ? "DL" : "MH");
		assert_int_equal (json_object_get_int_member (row, "issued"), dl ? 6 : 4);
		test_brandd_report_recount (dl ? t->dl->dir : t->mh->dir, t->today, counts);
		for (guint o = 0; o < G_N_ELEMENTS (outcomes); o++)
			assert_int_equal (
			    json_object_get_int_member (row, outcomes[o]),
			    GPOINTER_TO_UINT (g_hash_table_lookup (counts, outcomes[o])));
	}
	/* the same in CSV, with the figures worked out by hand */
	assert_int_equal (brandd_test_env_run_brandd (csv_args, &csv, NULL), 0);
	test_brandd_report_assert_contains (csv,
					    "phase,day,circle,centre,issued,success,failed,aborted,"
					    "unknown,recovered,no_result,intent_mismatches\r\n");
	{
		g_autofree char *dl =
		    g_strdup_printf ("p1,%s,DL,DL-0001,6,3,1,1,0,0,1,0\r\n", t->today);
		g_autofree char *mh =
		    g_strdup_printf ("p1,%s,MH,MH-0002,4,1,0,0,1,1,0,0\r\n", t->today);

		test_brandd_report_assert_contains (csv, dl);
		test_brandd_report_assert_contains (csv, mh);
	}
}

static char *
test_brandd_report_make_summary (TestReport *t)
{
	g_autofree char *key = g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	char *path = g_build_filename (t->env->dir, "summary.note", NULL);
	g_autofree char *err = NULL;
	const char *args[] = {"report",
			      "summary",
			      "--phase",
			      "p1",
			      "--date",
			      t->today,
			      "--key",
			      key,
			      "--out",
			      path,
			      "--config",
			      t->env->conf,
			      NULL};

	if (brandd_test_env_run_brandd (args, NULL, &err) != 0)
		fail_msg ("report summary failed: %s", err);
	return path;
}

/* Signs @body with the PKI's policy key, as the brand would. */
static char *
test_brandd_report_resign (TestReport *t, const char *name, const char *body)
{
	g_autofree char *key_path =
	    g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) key = ir_pem_load_private_key (key_path, "test", &error);
	g_autofree char *note = ir_signed_note_sign (body, "imei-brandd.dev/policy", key, &error);

	assert_non_null (note);
	return brandd_test_env_write_file (t->env->dir, name, note);
}

static void
test_brandd_report_summary_verifies (void **state)
{
	TestReport *t = *state;
	g_autofree char *path = test_brandd_report_make_summary (t);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	const char *verify[] = {
	    "verify-report", path, "--log", t->dl->dir, "--log", t->mh->dir, NULL};
	const char *alone[] = {"verify-report", path, NULL};

	assert_int_equal (test_brandd_report_imeictl (verify, &out, &err), 0);
	test_brandd_report_assert_contains (out, "signature by imei-brandd.dev/policy verifies");
	test_brandd_report_assert_contains (out,
					    "tokens issued 10; restorations: success 4, failed 1, "
					    "aborted 1, unknown 1, recovered 1, no_result 1");
	test_brandd_report_assert_contains (
	    out, "log imeirestore/DL-0001/ws1: its records give the summary's figures");
	test_brandd_report_assert_contains (
	    out, "log imeirestore/MH-0002/ws1: its records give the summary's figures");
	g_clear_pointer (&out, g_free);
	g_clear_pointer (&err, g_free);
	assert_int_equal (test_brandd_report_imeictl (alone, &out, &err), 0);
	test_brandd_report_assert_contains (out, "the figures were not counted again");
	g_clear_pointer (&out, g_free);
	g_clear_pointer (&err, g_free);
	{
		const char *json[] = {"--json", "verify-report", path, "--log", t->dl->dir, NULL};

		assert_int_equal (test_brandd_report_imeictl (json, &out, &err), 0);
		test_brandd_report_assert_contains (out, "\"kind\" : \"summary\"");
		test_brandd_report_assert_contains (out, "\"verified\" : true");
		test_brandd_report_assert_contains (out, "\"logs_checked\" : 1");
	}
}

static void
test_brandd_report_tampered_refused (void **state)
{
	TestReport *t = *state;
	g_autofree char *path = test_brandd_report_make_summary (t);
	g_autofree char *note = NULL;
	g_autofree char *err = NULL;
	g_autoptr (IrSignedNote) parsed = NULL;

	assert_true (g_file_get_contents (path, &note, NULL, NULL));
	/* one changed number: the signature no longer verifies */
	{
		char *at = strstr (note, "\"issued\": 10");
		g_autofree char *bad = NULL;
		const char *verify[] = {"verify-report", NULL, NULL};

		assert_non_null (at);
		at[strlen ("\"issued\": 1")] = '1';
		bad = brandd_test_env_write_file (t->env->dir, "tampered.note", note);
		verify[1] = bad;
		assert_int_equal (test_brandd_report_imeictl (verify, NULL, &err), 11);
		test_brandd_report_assert_contains (err, "does not verify");
		at[strlen ("\"issued\": 1")] = '0';
		g_clear_pointer (&err, g_free);
	}
	parsed = ir_signed_note_parse (note, strlen (note), G_MAXSIZE, "test", NULL, NULL, NULL);
	assert_non_null (parsed);
	/* re-signed with one success moved to failed everywhere: the sums
	 * hold and the signature verifies, but the DL log says otherwise */
	{
		g_autoptr (JsonParser) p = json_parser_new ();
		g_autoptr (IrRolloutSummary) s = NULL;
		g_autofree char *body = NULL;
		g_autofree char *bad = NULL;
		g_autofree char *out = NULL;
		const char *verify[] = {"verify-report", NULL, "--log", t->dl->dir, NULL};

		assert_true (json_parser_load_from_data (p, parsed->body, -1, NULL));
		s = ir_rollout_summary_parse (json_parser_get_root (p), parsed->body, NULL);
		assert_non_null (s);
		s->counts[IR_LOG_OUTCOME_SUCCESS]--;
		s->counts[IR_LOG_OUTCOME_FAILED]++;
		for (guint i = 0; i < s->centres->len; i++) {
			IrRolloutSummaryCentre *c = g_ptr_array_index (s->centres, i);
			if (g_strcmp0 (c->centre, "DL-0001") == 0) {
				c->counts[IR_LOG_OUTCOME_SUCCESS]--;
				c->counts[IR_LOG_OUTCOME_FAILED]++;
			}
		}
		for (guint i = 0; i < s->logs->len; i++) {
			IrRolloutSummaryLog *l = g_ptr_array_index (s->logs, i);
			if (g_strcmp0 (l->centre, "DL-0001") == 0) {
				l->counts[IR_LOG_OUTCOME_SUCCESS]--;
				l->counts[IR_LOG_OUTCOME_FAILED]++;
			}
		}
		body = ir_rollout_summary_format (s);
		bad = test_brandd_report_resign (t, "resigned.note", body);
		verify[1] = bad;
		assert_int_equal (test_brandd_report_imeictl (verify, &out, &err), 11);
		test_brandd_report_assert_contains (
		    err, "log imeirestore/DL-0001/ws1: the summary says success 2 for phase p1");
		test_brandd_report_assert_contains (err, "the log's records say 3");
		g_clear_pointer (&err, g_free);
	}
	/* a repeated member, signed: json-glib would read the last one, so
	 * the text is refused as not canonical */
	{
		g_autofree char *body = NULL;
		g_autofree char *bad = NULL;
		const char *verify[] = {"verify-report", NULL, NULL};
		char *at = strstr (parsed->body, "  \"issued\": 10,\n");

		assert_non_null (at);
		body = g_strdup_printf (
		    "%.*s  \"issued\": 99,\n%s", (int)(at - parsed->body), parsed->body, at);
		bad = test_brandd_report_resign (t, "duplicate.note", body);
		verify[1] = bad;
		assert_int_equal (test_brandd_report_imeictl (verify, NULL, &err), 2);
		test_brandd_report_assert_contains (err, "is not in the canonical form");
		g_clear_pointer (&err, g_free);
	}
}

/* A record of the DL log changed after the summary: the log itself no
 * longer verifies, and verify-report says so. */
static void
test_brandd_report_changed_log_refused (void **state)
{
	TestReport *t = *state;
	g_autofree char *path = test_brandd_report_make_summary (t);
	g_autofree char *copy = g_build_filename (t->env->dir, "dl-copy", NULL);
	g_autofree char *cmd = g_strdup_printf (
	    "cp -r '%s' '%s' && sed -i '0,/\"outcome\":\"failed\"/s//\"outcome\":\"success\"/' "
	    "'%s/migration-log.jsonl'",
	    t->dl->dir,
	    copy,
	    copy);
	g_autofree char *err = NULL;
	const char *verify[] = {"verify-report", path, "--log", copy, NULL};

	assert_int_equal (brandd_test_env_sh (cmd, NULL, NULL), 0);
	assert_int_equal (test_brandd_report_imeictl (verify, NULL, &err), 11);
	/* an inline-layout log verified without the workstation's key cannot
	 * tell a changed record by itself; the witnessed root in the summary
	 * can */
	if (err == NULL || (strstr (err, "does not verify") == NULL &&
			    strstr (err, "do not have the root the summary gives") == NULL))
		fail_msg ("the changed log was not refused as such: %s", err);
}

static void
test_brandd_report_register (void **state)
{
	TestReport *t = *state;
	const char *args[] = {
	    "report", "register", "--date", t->today, "--config", t->env->conf, NULL};
	g_autofree char *out = NULL;
	g_auto (GStrv) lines = NULL;

	assert_int_equal (brandd_test_env_run_brandd (args, &out, NULL), 0);
	lines = g_strsplit (out, "\r\n", -1);
	assert_string_equal (lines[0], "imei,tac,date,centre,phase");
	/* the four successes the server was told of, and only those */
	assert_int_equal (g_strv_length (lines), 6);
	for (guint i = 0; i < N_DEV; i++) {
		g_autofree char *imei = rollout_sim_imei (TAC, i);
		g_autofree char *row = g_strdup_printf (
		    "%s,%s,%s,%s,p1", imei, TAC, t->today, i < 6 ? "DL-0001" : "MH-0002");

		assert_int_equal (g_strv_contains ((const char *const *)lines, row),
				  i <= 2 || i == 6);
	}
}

static void
test_brandd_report_bad_input (void **state)
{
	TestReport *t = *state;
	g_autofree char *key = g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	g_autofree char *foreign =
	    g_build_filename (brandd_test_env_pki_dir (), "witness.key", NULL);
	g_autofree char *out = g_build_filename (t->env->dir, "never-written", NULL);
	g_autofree char *garbage =
	    brandd_test_env_write_file (t->env->dir, "garbage.note", "hello\n");
	const char *conf = t->env->conf;
	const RolloutSimRefusal rows[] = {
	    {"from not a date",
	     {"report", "--from", "2026-13-01", "--out", out, "--config", conf},
	     2,
	     "--from \"2026-13-01\" is not a date"},
	    {"to not a date",
	     {"report", "--to", "yesterday", "--out", out, "--config", conf},
	     2,
	     "--to \"yesterday\" is not a date"},
	    {"from after to",
	     {"report",
	      "--from",
	      "2026-12-05",
	      "--to",
	      "2026-12-01",
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "--from is after --to"},
	    {"extra argument",
	     {"report", "all", "--out", out, "--config", conf},
	     2,
	     "report takes no argument"},
	    {"summary without phase",
	     {"report",
	      "summary",
	      "--date",
	      "2026-12-05",
	      "--key",
	      key,
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "needs --phase"},
	    {"summary without date",
	     {"report", "summary", "--phase", "p1", "--key", key, "--out", out, "--config", conf},
	     2,
	     "--date DAY is needed"},
	    {"summary without key",
	     {"report",
	      "summary",
	      "--phase",
	      "p1",
	      "--date",
	      "2026-12-05",
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "--key POLICY.key"},
	    {"summary foreign key",
	     {"report",
	      "summary",
	      "--phase",
	      "p1",
	      "--date",
	      "2026-12-05",
	      "--key",
	      foreign,
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "--key is not the private half of [policy] public-key"},
	    {"summary unknown phase",
	     {"report",
	      "summary",
	      "--phase",
	      "p9",
	      "--date",
	      "2026-12-05",
	      "--key",
	      key,
	      "--out",
	      out,
	      "--config",
	      conf},
	     1,
	     "phase p9 is not in rollout policy version 1"},
	    {"register bad date",
	     {"report", "register", "--date", "2026-02-30", "--out", out, "--config", conf},
	     2,
	     "--date \"2026-02-30\" is not a date"},
	    {"no database", {"report", NULL}, 2, "report needs --db PATH"},
	};

	rollout_sim_expect_refusals (rows, G_N_ELEMENTS (rows), brandd_test_env_run_brandd, out);
	/* imeictl verify-report */
	{
		const RolloutSimRefusal bad[] = {
		    {"missing file",
		     {"verify-report", "/nonexistent/summary.note"},
		     2,
		     "No such file"},
		    {"not a note", {"verify-report", garbage}, 11, "malformed rollout report note"},
		    {"missing log",
		     {"verify-report", garbage, "--log", "/nonexistent/log"},
		     2,
		     "--log /nonexistent/log"},
		};

		rollout_sim_expect_refusals (
		    bad, G_N_ELEMENTS (bad), test_brandd_report_imeictl, NULL);
	}
}

/* ---- witnessed INTENTs held against the tokens issued ---- */

#define FRG_TAC "35000100"

static gint64
test_brandd_report_mismatches (BtEnv *env, const char *reason)
{
	return brandd_test_env_db_int (env,
				       reason != NULL
					   ? "SELECT count (*) FROM witness_intent_mismatches "
					     "WHERE reason = ?"
					   : "SELECT count (*) FROM witness_intent_mismatches",
				       reason);
}

/* A workstation's real log, uploaded to the real witness in three
 * batches: an honest restoration, then four forged INTENTs (a token never
 * issued, another device's token, another phase, another policy
 * version), then a RESULT. Each forged INTENT is kept once, with the
 * record it is, and counted by report (CSV and JSON) under the phase it
 * claims; the honest one is not; the last upload matches only its own
 * record. */
static void
test_brandd_report_forged_intent (void **state)
{
	g_autoptr (BtEnv) env = rollout_sim_env_new ();
	g_autoptr (RolloutSimWs) ws = rollout_sim_ws_new ("DL-0001", "ws9");
	g_autofree char *policy = test_brandd_report_policy ();
	g_autofree char *today = test_brandd_report_day (0);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *json = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	const char *csv_args[] = {"report", "--config", env->conf, NULL};
	const char *json_args[] = {"report", "--json", "--config", env->conf, NULL};
	static const char *const reasons[] = {
	    "unknown_token", "other_device", "other_phase", "other_policy_version"};
	char *token[4] = {NULL};
	char *imei[4] = {NULL};
	JsonArray *listed;
	guint64 forged_at;

	(void)state;
	rollout_sim_import (env, "FRG", FRG_TAC, 4);
	rollout_sim_publish (env, policy);
	brandd_test_env_start (env);
	for (guint i = 0; i < 4; i++) {
		g_autofree char *serial = g_strdup_printf ("FRG-%03u", i);

		imei[i] = rollout_sim_imei (FRG_TAC, i);
		assert_int_equal (rollout_sim_token (env, ALICE, serial, &token[i]), 200);
	}
	/* an honest restoration */
	rollout_sim_ws_intent (ws, token[0], "p1", 1, imei[0]);
	rollout_sim_ws_result (ws, token[0], "success", "p1", 1, imei[0]);
	rollout_sim_ws_upload (ws, env, ALICE);
	assert_int_equal (test_brandd_report_mismatches (env, NULL), 0);
	forged_at = ws->uploaded;
	rollout_sim_ws_intent (ws, "00112233445566778899aabbccddeeff", "p1", 1, imei[3]);
	rollout_sim_ws_intent (ws, token[1], "p1", 1, imei[0]);
	rollout_sim_ws_intent (ws, token[2], "p2", 1, imei[2]);
	rollout_sim_ws_intent (ws, token[3], "p1", 2, imei[3]);
	rollout_sim_ws_upload (ws, env, ALICE);
	assert_int_equal (test_brandd_report_mismatches (env, NULL), 4);
	for (guint r = 0; r < G_N_ELEMENTS (reasons); r++)
		assert_int_equal (test_brandd_report_mismatches (env, reasons[r]), 1);
	rollout_sim_ws_result (ws, token[2], "failed", "p2", 1, imei[2]);
	rollout_sim_ws_upload (ws, env, ALICE);
	assert_int_equal (test_brandd_report_mismatches (env, NULL), 4);

	/* CSV: three under p1, one under p2, on the INTENTs' day at DL-0001;
	 * as restorations, the forged INTENTs count as the log says */
	assert_int_equal (brandd_test_env_run_brandd (csv_args, &out, &err), 0);
	test_brandd_report_assert_contains (out, ",no_result,intent_mismatches\r\n");
	{
		g_autofree char *p1 =
		    g_strdup_printf ("p1,%s,DL,DL-0001,4,1,0,0,0,0,3,3\r\n", today);
		g_autofree char *p2 =
		    g_strdup_printf ("p2,%s,DL,DL-0001,0,0,1,0,0,0,0,1\r\n", today);

		test_brandd_report_assert_contains (out, p1);
		test_brandd_report_assert_contains (out, p2);
	}
	test_brandd_report_assert_contains (err, "4 witnessed INTENTs name a token");
	/* JSON: each, with its record and why */
	assert_int_equal (brandd_test_env_run_brandd (json_args, &json, NULL), 0);
	assert_true (json_parser_load_from_data (parser, json, -1, NULL));
	listed = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
					       "intent_mismatches");
	assert_non_null (listed);
	assert_int_equal (json_array_get_length (listed), 4);
	for (guint i = 0; i < 4; i++) {
		JsonObject *m = json_array_get_object_element (listed, i);

		assert_string_equal (json_object_get_string_member (m, "origin"), ws->origin);
		assert_int_equal (json_object_get_int_member (m, "seq"), forged_at + i);
		assert_string_equal (json_object_get_string_member (m, "reason"), reasons[i]);
		assert_string_equal (json_object_get_string_member (m, "day"), today);
		if (i > 0)
			assert_string_equal (json_object_get_string_member (m, "token_id"),
					     token[i]);
	}
	test_brandd_report_assert_contains (
	    json_object_get_string_member (json_array_get_object_element (listed, 1), "detail"),
	    imei[1]);
	assert_int_equal (brandd_test_env_stop (env), 0);
	for (guint i = 0; i < 4; i++) {
		g_free (token[i]);
		g_free (imei[i]);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_report_matches_logs),
	    cmocka_unit_test (test_brandd_report_summary_verifies),
	    cmocka_unit_test (test_brandd_report_tampered_refused),
	    cmocka_unit_test (test_brandd_report_changed_log_refused),
	    cmocka_unit_test (test_brandd_report_register),
	    cmocka_unit_test (test_brandd_report_bad_input),
	    cmocka_unit_test (test_brandd_report_forged_intent),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (
	    tests, test_brandd_report_setup, test_brandd_report_teardown);
}
