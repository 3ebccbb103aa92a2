/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "ir-imei.h"
#include "ir-pem.h"
#include "ir-signed-note.h"
#include "ir-openssl-autoptr.h"

/* The phased rollout on the real imei-brandd: policy sign/publish/show,
 * older, same, expired, tampered and foreign policies refused, tokens
 * only for eligible phones with the phase and policy version, the kill
 * switch at once for a running server, a centre cap with its reason, and
 * a race of 64 clients against two server processes sharing one database
 * that never overshoots either cap (three rounds). */

#define ALICE "technician-alice" /* centre DL-0001 */
#define BOB   "technician-bob"	 /* centre MH-0002 */
#define ZEROS "\"000000000000000\""

#define RACE_CLIENTS	  64
#define RACE_ROUNDS	  3
#define RACE_CENTRE_CAP	  12
#define RACE_NATIONAL_CAP 20

/* Today and its neighbours as local dates in Asia/Kolkata. */
static char *
test_brandd_rollout_day (int offset)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) now = g_date_time_new_now (tz);
	g_autoptr (GDateTime) day = g_date_time_add_days (now, offset);

	return g_date_time_format (day, "%Y-%m-%d");
}

/* A policy document: one phase @phase over TAC prefixes @tacs (a JSON
 * array), with its caps; issued on 2025-12-01, expiring at @expires. */
static char *
test_brandd_rollout_policy_json (gint64 version,
				 const char *phase,
				 const char *tacs,
				 guint centre_cap,
				 guint national_cap,
				 const char *expires)
{
	g_autofree char *start = test_brandd_rollout_day (-1);
	g_autofree char *end = test_brandd_rollout_day (1);

	return g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": %" G_GINT64_FORMAT ",\n"
	    " \"issued\": \"2025-12-01T00:00:00+05:30\", \"expires\": \"%s\",\n"
	    " \"time_zone\": \"Asia/Kolkata\",\n"
	    " \"centres\": {\"DL-0001\": \"DL\", \"MH-0002\": \"MH\"},\n"
	    " \"phases\": [{\"id\": \"%s\", \"title\": \"Test phase\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"%s\", \"end\": \"%s\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": %s, \"circles\": [\"DL\", \"MH\"]},\n"
	    "   \"centre_daily_cap\": %u, \"national_daily_cap\": %u}]}\n",
	    version,
	    expires,
	    phase,
	    start,
	    end,
	    tacs,
	    centre_cap,
	    national_cap);
}

static char *
test_brandd_rollout_future (void)
{
	g_autofree char *day = test_brandd_rollout_day (30);

	return g_strdup_printf ("%sT00:00:00+05:30", day);
}

/* Signs @json with the PKI's policy key, as `policy sign` would not for an
 * expired document (tests need one). */
static char *
test_brandd_rollout_sign (const char *json, const char *key_file)
{
	g_autofree char *path = g_build_filename (brandd_test_env_pki_dir (), key_file, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) key = ir_pem_load_private_key (path, "test", &error);
	char *note;

	assert_non_null (key);
	note = ir_signed_note_sign (json, "imei-brandd.dev/policy", key, &error);
	assert_non_null (note);
	return note;
}

static BtEnv *
test_brandd_rollout_env (void)
{
	/* the race sends 64 clients from one address at once: above the
	 * default handshake limits the server would shed some, and on a
	 * loaded machine under ASan the last of 32 queued handshakes or
	 * requests can pass the default deadlines (5 s, 10 s); either is a
	 * dropped connection (status 0), not what the race is about */
	g_autofree char *extra =
	    g_strdup_printf ("[policy]\npublic-key=%s/policy.pub.pem\n"
			     "[server]\nmax-handshakes=256\nmax-handshakes-per-address=256\n"
			     "handshake-timeout=60\ntimeout=60\n",
			     brandd_test_env_pki_dir ());

	return brandd_test_env_new (extra);
}

/* `policy sign` then `policy publish`; returns publish's exit code. */
static int
test_brandd_rollout_publish_json (BtEnv *env, const char *json, char **err)
{
	g_autofree char *in = brandd_test_env_write_file (env->dir, "policy.json", json);
	g_autofree char *out = g_build_filename (env->dir, "policy.note", NULL);
	g_autofree char *key = g_build_filename (env->pki, "policy.key", NULL);
	g_autofree char *sign_err = NULL;
	const char *sign[] = {
	    "policy", "sign", "--config", env->conf, "--key", key, "--out", out, in, NULL};
	const char *publish[] = {"policy", "publish", "--config", env->conf, out, NULL};

	if (brandd_test_env_run_brandd (sign, NULL, &sign_err) != 0)
		fail_msg ("policy sign failed: %s", sign_err);
	return brandd_test_env_run_brandd (publish, NULL, err);
}

static int
test_brandd_rollout_publish_note (BtEnv *env, const char *note, char **err)
{
	g_autofree char *path = brandd_test_env_write_file (env->dir, "given.note", note);
	const char *publish[] = {"policy", "publish", "--config", env->conf, path, NULL};

	return brandd_test_env_run_brandd (publish, NULL, err);
}

static void
test_brandd_rollout_assert_contains (const char *text, const char *part)
{
	if (text == NULL || strstr (text, part) == NULL)
		fail_msg ("\"%s\" does not say \"%s\"", text != NULL ? text : "(null)", part);
}

static void
test_brandd_rollout_policy_commands (void **state)
{
	g_autoptr (BtEnv) env = test_brandd_rollout_env ();
	g_autofree char *future = test_brandd_rollout_future ();
	g_autofree char *v2 =
	    test_brandd_rollout_policy_json (2, "p1", "[\"4901\"]", 5, 10, future);
	g_autofree char *v1 =
	    test_brandd_rollout_policy_json (1, "p1", "[\"4901\"]", 5, 10, future);
	g_autofree char *expired = test_brandd_rollout_policy_json (
	    3, "p1", "[\"4901\"]", 5, 10, "2026-01-01T00:00:00+05:30");
	g_autofree char *v4 =
	    test_brandd_rollout_policy_json (4, "p1", "[\"4901\"]", 5, 10, future);
	g_autofree char *err = NULL;
	g_autofree char *out = NULL;
	const char *show[] = {"policy", "show", "--config", env->conf, NULL};
	const char *show_json[] = {"policy", "show", "--json", "--config", env->conf, NULL};

	/* nothing published yet */
	assert_int_equal (brandd_test_env_run_brandd (show, NULL, &err), 1);
	test_brandd_rollout_assert_contains (err, "no rollout policy has been published");
	g_clear_pointer (&err, g_free);

	assert_int_equal (test_brandd_rollout_publish_json (env, v2, &err), 0);
	g_clear_pointer (&err, g_free);
	assert_int_equal (brandd_test_env_run_brandd (show, &out, NULL), 0);
	test_brandd_rollout_assert_contains (out, "rollout policy version 2");
	test_brandd_rollout_assert_contains (out, "time zone Asia/Kolkata");
	test_brandd_rollout_assert_contains (out, "phase p1: Test phase [active]");
	g_clear_pointer (&out, g_free);
	assert_int_equal (brandd_test_env_run_brandd (show_json, &out, NULL), 0);
	test_brandd_rollout_assert_contains (out, "\"version\" : 2");
	test_brandd_rollout_assert_contains (out, "\"national_daily_cap\" : 10");
	g_clear_pointer (&out, g_free);

	/* an older and the same version are refused; nothing changes */
	{
		g_autofree char *note = test_brandd_rollout_sign (v1, "policy.key");
		assert_int_equal (test_brandd_rollout_publish_note (env, note, &err), 1);
		test_brandd_rollout_assert_contains (err, "version 1 is not newer than version 2");
		g_clear_pointer (&err, g_free);
	}
	assert_int_equal (test_brandd_rollout_publish_json (env, v2, &err), 1);
	test_brandd_rollout_assert_contains (err, "never goes back");
	g_clear_pointer (&err, g_free);
	/* an expired one: sign refuses it, and publish refuses it signed */
	{
		g_autofree char *in =
		    brandd_test_env_write_file (env->dir, "expired.json", expired);
		g_autofree char *key = g_build_filename (env->pki, "policy.key", NULL);
		const char *sign[] = {"policy", "sign", "--key", key, in, NULL};
		g_autofree char *note = test_brandd_rollout_sign (expired, "policy.key");

		assert_int_equal (brandd_test_env_run_brandd (sign, NULL, &err), 1);
		test_brandd_rollout_assert_contains (
		    err, "expired at 2026-01-01 00:00 IST (Asia/Kolkata)");
		g_clear_pointer (&err, g_free);
		assert_int_equal (test_brandd_rollout_publish_note (env, note, &err), 1);
		test_brandd_rollout_assert_contains (err, "expired");
		g_clear_pointer (&err, g_free);
	}
	/* signed by another key, or changed after signing */
	{
		g_autofree char *foreign = test_brandd_rollout_sign (v4, "witness.key");
		g_autofree char *note = test_brandd_rollout_sign (v4, "policy.key");
		char *cap = strstr (note, "\"centre_daily_cap\": 5");

		assert_int_equal (test_brandd_rollout_publish_note (env, foreign, &err), 1);
		test_brandd_rollout_assert_contains (err,
						     "has no signature by imei-brandd.dev/policy");
		g_clear_pointer (&err, g_free);
		assert_non_null (cap);
		cap[strlen ("\"centre_daily_cap\": ")] = '9';
		assert_int_equal (test_brandd_rollout_publish_note (env, note, &err), 1);
		test_brandd_rollout_assert_contains (err, "does not verify");
		g_clear_pointer (&err, g_free);
	}
	assert_int_equal (brandd_test_env_run_brandd (show, &out, NULL), 0);
	test_brandd_rollout_assert_contains (out, "rollout policy version 2");
	g_clear_pointer (&out, g_free);
	/* the kill switch needs a phase the policy has */
	{
		const char *pause_bad[] = {"policy", "pause", "p9", "--config", env->conf, NULL};
		assert_int_equal (brandd_test_env_run_brandd (pause_bad, NULL, &err), 1);
		test_brandd_rollout_assert_contains (
		    err, "phase p9 is not in the published rollout policy");
	}
}

static char *
test_brandd_rollout_request_for (const char *serial)
{
	return g_strdup_printf (
	    "{\"device\": {\"serial\": \"%s\"}, \"current_imeis\": [" ZEROS "]}", serial);
}

static gint64
test_brandd_rollout_json_int (const BtResponse *r, const char *member)
{
	JsonObject *obj = json_node_get_object (r->json);

	return json_object_get_int_member_with_default (obj, member, -1);
}

static const char *
test_brandd_rollout_error_message (const BtResponse *r)
{
	JsonObject *err = json_object_get_object_member (json_node_get_object (r->json), "error");

	return json_object_get_string_member_with_default (err, "message", NULL);
}

static void
test_brandd_rollout_enforcement (void **state)
{
	g_autoptr (BtEnv) env = test_brandd_rollout_env ();
	g_autofree char *future = test_brandd_rollout_future ();
	/* devices 1 and 2 have TAC 49015420, device 3 35209900 */
	g_autofree char *policy =
	    test_brandd_rollout_policy_json (1, "p1", "[\"4901\"]", 1, 10, future);
	g_autofree char *dev1 = test_brandd_rollout_request_for ("SN0001");
	g_autofree char *dev2 = test_brandd_rollout_request_for ("SN0002");
	const char *dev3 =
	    "{\"device\": {\"hardware_id\": \"HW-0003\"}, \"current_imeis\": [" ZEROS "]}";
	g_autofree char *err = NULL;

	/* before any policy: tokens as before, with the configured phase */
	brandd_test_env_start (env);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		g_autoptr (BtResponse) p =
		    brandd_test_env_request (env, ALICE, "/v1/policy", NULL, NULL);

		assert_int_equal (r->status, 200);
		assert_string_equal (brandd_test_env_json_string (r, "phase"), "IN-2026-P1");
		assert_int_equal (p->status, 404);
		assert_string_equal (brandd_test_env_error_code (p), "no_policy");
	}
	/* published while the server runs: it applies to the next request */
	assert_int_equal (test_brandd_rollout_publish_json (env, policy, &err), 0);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		g_autoptr (BtResponse) again =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev2, NULL);
		g_autoptr (BtResponse) other =
		    brandd_test_env_request (env, BOB, "/v1/tokens", dev2, NULL);
		g_autoptr (BtResponse) no =
		    brandd_test_env_request (env, BOB, "/v1/tokens", dev3, NULL);

		assert_int_equal (r->status, 200);
		assert_string_equal (brandd_test_env_json_string (r, "phase"), "p1");
		assert_int_equal (test_brandd_rollout_json_int (r, "policy_version"), 1);
		/* alice's centre has used its cap of 1 today */
		assert_int_equal (again->status, 429);
		assert_string_equal (brandd_test_env_error_code (again), "cap_reached");
		test_brandd_rollout_assert_contains (
		    test_brandd_rollout_error_message (again),
		    "centre DL-0001 has reached its cap of 1 restorations in phase p1");
		test_brandd_rollout_assert_contains (test_brandd_rollout_error_message (again),
						     "00:00 IST (Asia/Kolkata)");
		/* bob's centre has its own */
		assert_int_equal (other->status, 200);
		/* device 3's TAC is in no phase */
		assert_int_equal (no->status, 403);
		assert_string_equal (brandd_test_env_error_code (no), "not_eligible");
		test_brandd_rollout_assert_contains (
		    test_brandd_rollout_error_message (no),
		    "no phase of rollout policy version 1 covers this phone (TAC 35209900");
	}
	{
		g_autoptr (BtResponse) p =
		    brandd_test_env_request (env, BOB, "/v1/policy", NULL, NULL);
		JsonObject *obj = json_node_get_object (p->json);
		JsonObject *usage =
		    json_array_get_object_element (json_object_get_array_member (obj, "usage"), 0);

		assert_int_equal (p->status, 200);
		assert_int_equal (json_object_get_int_member (obj, "version"), 1);
		test_brandd_rollout_assert_contains (json_object_get_string_member (obj, "policy"),
						     "\xe2\x80\x94 imei-brandd.dev/policy ");
		assert_int_equal (json_object_get_int_member (usage, "centre_issued"), 1);
		assert_int_equal (json_object_get_int_member (usage, "national_issued"), 2);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

static void
test_brandd_rollout_kill_switch (void **state)
{
	g_autoptr (BtEnv) env = test_brandd_rollout_env ();
	g_autofree char *future = test_brandd_rollout_future ();
	g_autofree char *policy =
	    test_brandd_rollout_policy_json (1, "p1", "[\"4901\"]", 50, 100, future);
	g_autofree char *dev1 = test_brandd_rollout_request_for ("SN0001");
	g_autofree char *err = NULL;
	const char *pause[] = {"policy", "pause", "p1", "--config", env->conf, NULL};
	const char *resume[] = {"policy", "resume", "p1", "--config", env->conf, NULL};

	assert_int_equal (test_brandd_rollout_publish_json (env, policy, &err), 0);
	brandd_test_env_start (env);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		assert_int_equal (r->status, 200);
	}
	/* another process pulls the switch: the very next request is refused */
	assert_int_equal (brandd_test_env_run_brandd (pause, NULL, NULL), 0);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		g_autoptr (BtResponse) p =
		    brandd_test_env_request (env, ALICE, "/v1/policy", NULL, NULL);
		JsonArray *paused =
		    json_object_get_array_member (json_node_get_object (p->json), "paused");

		assert_int_equal (r->status, 403);
		assert_string_equal (brandd_test_env_error_code (r), "phase_paused");
		test_brandd_rollout_assert_contains (test_brandd_rollout_error_message (r),
						     "phase p1 (Test phase) is paused");
		assert_int_equal (json_array_get_length (paused), 1);
		assert_string_equal (json_array_get_string_element (paused, 0), "p1");
	}
	assert_int_equal (brandd_test_env_run_brandd (resume, NULL, NULL), 0);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		assert_int_equal (r->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* A policy that expired after it was published refuses every token. */
static void
test_brandd_rollout_expired_in_database (void **state)
{
	g_autoptr (BtEnv) env = test_brandd_rollout_env ();
	g_autofree char *note = NULL;
	g_autofree char *json = test_brandd_rollout_policy_json (
	    9, "p1", "[\"4901\"]", 50, 100, "2026-01-01T00:00:00+05:30");
	g_autofree char *dev1 = test_brandd_rollout_request_for ("SN0001");

	note = test_brandd_rollout_sign (json, "policy.key");
	brandd_test_env_db_exec (env, "INSERT INTO rollout_policies VALUES (9, ?, 0)", note);
	brandd_test_env_start (env);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1, NULL);
		assert_int_equal (r->status, 403);
		assert_string_equal (brandd_test_env_error_code (r), "policy_expired");
		test_brandd_rollout_assert_contains (test_brandd_rollout_error_message (r),
						     "expired at 2026-01-01 00:00 IST");
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* ---- the race ---- */

typedef struct {
	BtEnv *server;
	const char *client;
	char *body;
	long status;
	int curl_code;
	char *code;
} RtRaceCall;

static gpointer
test_brandd_rollout_race_thread (gpointer data)
{
	RtRaceCall *call = data;
	g_autoptr (BtResponse) r =
	    brandd_test_env_request (call->server, call->client, "/v1/tokens", call->body, NULL);

	call->status = r->status;
	call->curl_code = r->curl_code;
	call->code = g_strdup (brandd_test_env_error_code (r));
	return NULL;
}

/* RACE_ROUNDS × RACE_CLIENTS devices with TAC 35000000, each round its own. */
static void
test_brandd_rollout_import_race_devices (BtEnv *env)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1,imei2\n");
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;

	for (guint i = 0; i < RACE_ROUNDS * RACE_CLIENTS; i++) {
		g_autofree char *digits = g_strdup_printf ("35000000%06u", i);

		g_string_append_printf (csv,
					"RACE-%03u,,Acme,R1,35000000,%s%c,\n",
					i,
					digits,
					ir_imei_check_digit (digits));
	}
	path = brandd_test_env_write_file (env->dir, "race.csv", csv->str);
	{
		const char *import[] = {"import", "--db", env->db, path, NULL};
		if (brandd_test_env_run_brandd (import, NULL, &err) != 0)
			fail_msg ("import failed: %s", err);
	}
}

static void
test_brandd_rollout_race_round (BtEnv *a, BtEnv *b, guint round)
{
	g_autofree char *phase = g_strdup_printf ("race-%u", round);
	g_autofree char *future = test_brandd_rollout_future ();
	g_autofree char *policy = test_brandd_rollout_policy_json (
	    round + 1, phase, "[\"3500\"]", RACE_CENTRE_CAP, RACE_NATIONAL_CAP, future);
	g_autofree char *err = NULL;
	RtRaceCall calls[RACE_CLIENTS];
	GThread *threads[RACE_CLIENTS];
	guint granted[2] = {0, 0};

	if (test_brandd_rollout_publish_json (a, policy, &err) != 0)
		fail_msg ("publish: %s", err);
	for (guint i = 0; i < RACE_CLIENTS; i++) {
		g_autofree char *serial = g_strdup_printf ("RACE-%03u", round * RACE_CLIENTS + i);

		calls[i] = (RtRaceCall){
		    .server = i % 2 == 0 ? a : b,
		    .client = i % 4 < 2 ? ALICE : BOB,
		    .body = test_brandd_rollout_request_for (serial),
		};
	}
	for (guint i = 0; i < RACE_CLIENTS; i++)
		threads[i] = g_thread_new ("race", test_brandd_rollout_race_thread, &calls[i]);
	for (guint i = 0; i < RACE_CLIENTS; i++)
		g_thread_join (threads[i]);
	for (guint i = 0; i < RACE_CLIENTS; i++) {
		if (calls[i].status == 200)
			granted[i % 4 < 2 ? 0 : 1]++;
		else if (calls[i].status == 0)
			fail_msg ("round %u call %u: no answer from server %c: %s",
				  round,
				  i,
				  i % 2 == 0 ? 'a' : 'b',
				  curl_easy_strerror ((CURLcode)calls[i].curl_code));
		else if (calls[i].status != 429 || g_strcmp0 (calls[i].code, "cap_reached") != 0)
			fail_msg ("round %u call %u: status %ld %s",
				  round,
				  i,
				  calls[i].status,
				  calls[i].code);
		g_free (calls[i].body);
		g_free (calls[i].code);
	}
	/* 32 asks per centre against a centre cap of 12 and a national cap
	 * of 20: exactly 20 granted, neither centre over 12 */
	assert_true (granted[0] <= RACE_CENTRE_CAP && granted[1] <= RACE_CENTRE_CAP);
	assert_int_equal (granted[0] + granted[1], RACE_NATIONAL_CAP);
	assert_int_equal (
	    brandd_test_env_db_int (a, "SELECT count(*) FROM token_rollout WHERE phase = ?", phase),
	    RACE_NATIONAL_CAP);
	assert_int_equal (
	    brandd_test_env_db_int (
		a, "SELECT issued FROM rollout_counts WHERE phase = ? AND centre = ''", phase),
	    RACE_NATIONAL_CAP);
}

static void
test_brandd_rollout_cap_race_two_servers (void **state)
{
	g_autoptr (BtEnv) a = test_brandd_rollout_env ();
	BtEnv b = {.dir = a->dir, .pki = a->pki, .conf = a->conf, .db = a->db};

	test_brandd_rollout_import_race_devices (a);
	brandd_test_env_start (a);
	brandd_test_env_start (&b);
	for (guint round = 0; round < RACE_ROUNDS; round++)
		test_brandd_rollout_race_round (a, &b, round);
	assert_int_equal (brandd_test_env_stop (&b), 0);
	g_free (b.url);
	assert_int_equal (brandd_test_env_stop (a), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_rollout_policy_commands),
	    cmocka_unit_test (test_brandd_rollout_enforcement),
	    cmocka_unit_test (test_brandd_rollout_kill_switch),
	    cmocka_unit_test (test_brandd_rollout_expired_in_database),
	    cmocka_unit_test (test_brandd_rollout_cap_race_two_servers),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
