/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test-restore-env.h"

/* imeictl restore under a rollout policy, against the real imei-brandd:
 * the policy comes with the server check and is cached; a phone the
 * cached policy says is not eligible stops before any token is asked for,
 * with the reason; an eligible one is restored and its INTENT and RESULT
 * carry the phase and the policy version, which the witness finds to be
 * those of the token it issued; imeictl policy show prints the
 * cached policy; an older policy served later is refused by the tool,
 * which keeps the newer one. */

#define ZERO IR_TEST_IMEI_ZERO

/* Signs and publishes a policy of @version whose phase p1 covers TAC
 * 4901 and the models in @models (a JSON array, "[]" for any). */
static void
test_restore_policy_publish (RtServer *server, gint64 version, const char *models)
{
	g_autofree char *start = test_restore_env_policy_day (-1);
	g_autofree char *end = test_restore_env_policy_day (1);
	g_autofree char *expires = test_restore_env_policy_day (30);
	g_autofree char *json = g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": %" G_GINT64_FORMAT ","
	    " \"issued\": \"2025-12-01T00:00:00+05:30\", \"expires\": \"%sT00:00:00+05:30\","
	    " \"centres\": {\"DL-0001\": \"DL\"},"
	    " \"phases\": [{\"id\": \"p1\", \"title\": \"Delhi MediaTek\", \"state\": \"active\","
	    " \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    " \"eligibility\": {\"tac_prefixes\": [\"4901\"], \"models\": %s, \"circles\": "
	    "[\"DL\"]},"
	    " \"centre_daily_cap\": 10, \"national_daily_cap\": 100}]}\n",
	    version,
	    expires,
	    start,
	    end,
	    models);

	test_restore_env_policy_publish (server, json);
}

/* One SQL statement on the server's database: the first column of its
 * first row (0 when none). */
static int
test_restore_policy_sql (RtServer *server, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int value = 0;

	assert_int_equal (sqlite3_open (server->db, &db), SQLITE_OK);
	assert_int_equal (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step (stmt) == SQLITE_ROW)
		value = sqlite3_column_int (stmt, 0);
	sqlite3_finalize (stmt);
	sqlite3_close (db);
	return value;
}

/* The last record of @type in the migration log. */
static JsonObject *
test_restore_policy_last_record (RtServer *server, const char *type)
{
	g_autofree char *path = g_build_filename (server->state_dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	JsonObject *found = NULL;

	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr (JsonNode) node = json_from_string (lines[i], NULL);
		JsonObject *obj = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
				      ? json_node_get_object (node)
				      : NULL;

		if (obj != NULL &&
		    g_strcmp0 (json_object_get_string_member_with_default (obj, "type", NULL),
			       type) == 0) {
			g_clear_pointer (&found, json_object_unref);
			found = json_object_ref (obj);
		}
	}
	assert_non_null (found);
	return found;
}

static void
test_restore_policy_restore (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (
	    "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO);
	g_autofree char *ts = g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);

	/* version 1 covers other models only: the tool stops before a token */
	test_restore_policy_publish (server, 1, "[\"NO-SUCH-MODEL\"]");
	{
		g_autoptr (IrTestRun) run =
		    test_restore_env_restore (server, sim->path, TRUE, NULL);
		g_autofree char *after = test_restore_env_sim_imeis (sim);

		assert_int_not_equal (run->exit_code, 0);
		assert_string_equal (test_restore_env_json_path (run, "outcome"), "not_started");
		assert_non_null (
		    strstr (run->err, "is not eligible under rollout policy version 1 (no_phase)"));
		assert_non_null (
		    strstr (run->err, "no phase of rollout policy version 1 covers this phone"));
		assert_int_equal (test_restore_policy_sql (server, "SELECT count(*) FROM tokens"),
				  0);
		assert_string_equal (after, ZERO ";" ZERO ";");
	}
	/* version 2 covers it */
	test_restore_policy_publish (server, 2, "[]");
	{
		g_autoptr (IrTestRun) run =
		    test_restore_env_restore (server, sim->path, TRUE, NULL);
		g_autoptr (JsonObject) intent = NULL;
		g_autoptr (JsonObject) result = NULL;

		assert_int_equal (run->exit_code, 0);
		assert_string_equal (test_restore_env_json_path (run, "outcome"), "restored");
		intent = test_restore_policy_last_record (server, "INTENT");
		result = test_restore_policy_last_record (server, "RESULT");
		assert_string_equal (json_object_get_string_member (intent, "phase"), "p1");
		assert_int_equal (json_object_get_int_member (intent, "policy_version"), 2);
		assert_string_equal (json_object_get_string_member (result, "phase"), "p1");
		assert_int_equal (json_object_get_int_member (result, "policy_version"), 2);
		/* the witness held the real INTENT against its token: the same
		 * device (IMEIs, serial, hardware id), phase and version */
		assert_true (
		    test_restore_policy_sql (server, "SELECT count(*) FROM witnessed_records") > 0);
		assert_int_equal (test_restore_policy_sql (
				      server, "SELECT count(*) FROM witness_intent_mismatches"),
				  0);
	}
	{
		g_autoptr (IrTestRun) show = ir_test_harness_imeictl ("--json",
								      "policy",
								      "show",
								      "--state-dir",
								      server->state_dir,
								      "--trust-store",
								      ts,
								      NULL);

		assert_int_equal (show->exit_code, 0);
		assert_int_equal (
		    json_object_get_int_member (json_node_get_object (show->json), "version"), 2);
	}
	/* the server serves version 1 again (its database rolled back): the
	 * tool refuses it, says so, and keeps version 2 */
	{
		g_autofree char *cmd = g_strdup_printf (
		    "sqlite3 '%s' 'DELETE FROM rollout_policies WHERE version = 2'", server->db);
		g_autoptr (IrTestSim) other = test_restore_env_sim_start (
		    "--family mediatek --serial " RT_MTK2_SERIAL " --imei " ZERO " --imei " ZERO);
		g_autoptr (IrTestRun) run = NULL;
		g_autoptr (IrTestRun) show = NULL;

		test_restore_policy_sql (server, "DELETE FROM rollout_policies WHERE version = 2");
		run = test_restore_env_restore (server, other->path, TRUE, NULL);
		assert_non_null (strstr (run->err,
					 "warning: refused the server's rollout policy: rollout "
					 "policy version 1 is older than version 2"));
		show = ir_test_harness_imeictl (
		    "policy", "show", "--state-dir", server->state_dir, "--trust-store", ts, NULL);
		assert_int_equal (show->exit_code, 0);
		assert_non_null (strstr (show->out, "rollout policy version 2"));
	}
}

/* imeictl identify PORT [--json] with alice's credential: the policy is
 * fetched, nothing restored. */
static IrTestRun *
test_restore_policy_identify (RtServer *server, const char *port, gboolean json)
{
	g_autofree char *ts = g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	g_autofree char *p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	g_autofree char *pass =
	    g_build_filename (test_restore_env_pki (), "pkcs12-passphrase.txt", NULL);
	const char *argv[] = {"identify",
			      port,
			      "--server",
			      server->url,
			      "--trust-store",
			      ts,
			      "--p12",
			      p12,
			      "--p12-passphrase-file",
			      pass,
			      "--state-dir",
			      server->state_dir,
			      json ? "--json" : NULL,
			      NULL};

	return ir_test_harness_imeictl_full (argv, NULL);
}

/* The member @name of the identify JSON's eligibility object. */
static const char *
test_restore_policy_elig (const IrTestRun *run, const char *name)
{
	JsonObject *root = json_node_get_object (run->json);
	JsonObject *elig = json_object_get_object_member (root, "eligibility");

	assert_non_null (elig);
	return json_object_get_string_member_with_default (elig, name, NULL);
}

/* One phone: identify in text and in JSON says @reason, @phase and, in
 * text, @needle. */
static void
test_restore_policy_one (
    RtServer *server, const char *imei, const char *reason, const char *phase, const char *needle)
{
	g_autofree char *args =
	    g_strdup_printf ("--family mediatek --serial SN-ELIG --imei %s --imei %s", imei, imei);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (args);
	g_autoptr (IrTestRun) text = test_restore_policy_identify (server, sim->path, FALSE);
	g_autoptr (IrTestRun) json = test_restore_policy_identify (server, sim->path, TRUE);
	g_autofree char *after = test_restore_env_sim_imeis (sim);
	g_autofree char *expect = g_strdup_printf ("%s;%s;", imei, imei);

	assert_int_equal (text->exit_code, 0);
	if (strstr (text->out, needle) == NULL)
		fail_msg ("identify of %s does not say \"%s\":\n%s", imei, needle, text->out);
	assert_int_equal (json->exit_code, 0);
	assert_non_null (json->json);
	assert_string_equal (test_restore_policy_elig (json, "reason"), reason);
	assert_string_equal (test_restore_policy_elig (json, "centre"), "DL-0001");
	if (phase != NULL)
		assert_string_equal (test_restore_policy_elig (json, "phase"), phase);
	assert_true (
	    json_object_get_boolean_member (
		json_object_get_object_member (json_node_get_object (json->json), "eligibility"),
		"eligible") == (g_strcmp0 (reason, "eligible") == 0));
	/* identify only reads */
	assert_string_equal (after, expect);
}

/* imeictl identify shows eligibility without starting a restore, under
 * the policy fetched from the real server: an eligible phone, a TAC no
 * phase covers, a phase the kill switch paused, a phase that opens
 * tomorrow, and a phone whose IMEI is valid. No token is issued. */
static void
test_restore_policy_identify_eligibility (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *start = test_restore_env_policy_day (-1);
	g_autofree char *end = test_restore_env_policy_day (2);
	g_autofree char *tomorrow = test_restore_env_policy_day (1);
	g_autofree char *expires = test_restore_env_policy_day (30);
	g_autofree char *opens =
	    g_strdup_printf ("phase p3 (Kolkata later) opens at %s 00:00", tomorrow);
	g_autofree char *cmd = NULL;
	g_autofree char *json = g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 1,"
	    " \"issued\": \"2025-12-01T00:00:00+05:30\", \"expires\": \"%sT00:00:00+05:30\","
	    " \"centres\": {\"DL-0001\": \"DL\"},"
	    " \"phases\": ["
	    "{\"id\": \"p1\", \"title\": \"Delhi MediaTek\", \"state\": \"active\","
	    " \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    " \"eligibility\": {\"tac_prefixes\": [\"4901\"], \"circles\": [\"DL\"]},"
	    " \"centre_daily_cap\": 10, \"national_daily_cap\": 100},"
	    "{\"id\": \"p2\", \"title\": \"Unisoc\", \"state\": \"active\","
	    " \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    " \"eligibility\": {\"tac_prefixes\": [\"8640\"]},"
	    " \"centre_daily_cap\": 10, \"national_daily_cap\": 100},"
	    "{\"id\": \"p3\", \"title\": \"Kolkata later\", \"state\": \"active\","
	    " \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    " \"eligibility\": {\"tac_prefixes\": [\"8689\"]},"
	    " \"centre_daily_cap\": 10, \"national_daily_cap\": 100}]}\n",
	    expires,
	    start,
	    end,
	    start,
	    end,
	    tomorrow,
	    end);

	test_restore_env_policy_publish (server, json);
	cmd = g_strdup_printf (
	    "'%s' policy pause p2 --db '%s' >/dev/null", g_getenv ("IMEI_BRANDD"), server->db);
	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	/* wrong check digits: each needs a restore and shows its TAC */
	test_restore_policy_one (
	    server, "490154203237519", "eligible", "p1", "eligible in phase p1 (Delhi MediaTek)");
	test_restore_policy_one (
	    server, "352099001761482", "no_phase", NULL, "not eligible: no phase of rollout");
	test_restore_policy_one (
	    server, "864012039876546", "paused", "p2", "not eligible: phase p2 (Unisoc) is paused");
	test_restore_policy_one (server, "868915031234561", "not_open", "p3", opens);
	test_restore_policy_one (
	    server, RT_MTK_IMEI1, "no_restore_needed", NULL, "no restore needed");
	assert_int_equal (test_restore_policy_sql (server, "SELECT count(*) FROM tokens"), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_restore_policy_restore),
	    cmocka_unit_test (test_restore_policy_identify_eligibility),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
