/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"
#include "ir-imei.h"

/* Two imei-brandd nodes on one PostgreSQL database (issue 14): the rules
 * that one process kept hold across processes, because every
 * check-and-update is one database transaction. Run in the server-pg
 * suite only: two nodes on one SQLite file is not a deployment. */

#define ALICE "technician-alice" /* centre DL-0001 */
#define BOB   "technician-bob"	 /* centre MH-0002 */

#define RACE_CLIENTS 64
#define RACE_RUNS    5
/* per centre and run: 32 asks each, against this many new tokens */
#define RACE_QUOTA_STEP 20
/* 64 clients from one address, as from a load balancer; and deadlines
 * for a handshake and for a request far above the 5 s and 10 s defaults,
 * as the env's start and stop bounds are: 80 handshakes start at once
 * (the race's reports, a new connection each), and under ASan on a shared
 * machine a node or a client thread may get no CPU for seconds, so that a
 * handshake outlived 5 s and the node dropped it (curl: "getpeername()
 * failed ... Transport endpoint is not connected, after 5.35 s"). The
 * deadlines have their own tests (test-brandd-lockout.c); these are about
 * the database. */
#define TEST_BRANDD_NODES_CONFIG                                                                   \
	"[server]\nmax-handshakes=256\nmax-handshakes-per-address=256\nmax-connections=512\n"      \
	"handshake-timeout=60\ntimeout=60\n"
#define LOAD_THREADS 16
#define LOAD_EACH    6

typedef struct {
	BtEnv *node;
	const char *client;
	char *body;
	long status;
	char *token_id;
	char *retry_after;
	char *curl_error; /* with status 0 */
} NodesCall;

static void
test_brandd_nodes_call_clear (NodesCall *c)
{
	g_clear_pointer (&c->body, g_free);
	g_clear_pointer (&c->token_id, g_free);
	g_clear_pointer (&c->retry_after, g_free);
	g_clear_pointer (&c->curl_error, g_free);
}

static void
test_brandd_nodes_call (NodesCall *c, const char *path)
{
	g_autoptr (BtResponse) r =
	    brandd_test_env_request (c->node, c->client, path, c->body, NULL);

	c->status = r->status;
	g_free (c->token_id);
	c->token_id =
	    g_strdup (c->status == 200 ? brandd_test_env_json_string (r, "token_id") : NULL);
	g_free (c->retry_after);
	c->retry_after = g_strdup (r->retry_after);
	g_free (c->curl_error);
	c->curl_error = g_strdup (r->curl_error);
}

/* " (curl: what failed, after how long)" for a call with no HTTP answer,
 * else "". */
static char *
test_brandd_nodes_why (const NodesCall *c)
{
	return c->curl_error != NULL ? g_strdup_printf (" (curl: %s)", c->curl_error)
				     : g_strdup ("");
}

static gpointer
test_brandd_nodes_token_thread (gpointer data)
{
	test_brandd_nodes_call (data, "/v1/tokens");
	return NULL;
}

static gpointer
test_brandd_nodes_report_thread (gpointer data)
{
	test_brandd_nodes_call (data, "/v1/reports");
	return NULL;
}

static char *
test_brandd_nodes_serial (guint i)
{
	return g_strdup_printf ("NODE-%04u", i);
}

static char *
test_brandd_nodes_request (guint i)
{
	g_autofree char *serial = test_brandd_nodes_serial (i);

	return g_strdup_printf ("{\"device\": {\"serial\": \"%s\"}, \"current_imeis\": "
				"[\"000000000000000\"]}",
				serial);
}

static char *
test_brandd_nodes_report (const char *token_id)
{
	return g_strdup_printf ("{\"token_id\": \"%s\", \"outcome\": \"aborted\"}", token_id);
}

/* @n devices with TAC 35100000, serials NODE-0000 on. */
static void
test_brandd_nodes_import (BtEnv *env, guint n)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1,imei2\n");
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;
	const char *import[] = {"import", "--db", env->db, NULL, NULL};

	for (guint i = 0; i < n; i++) {
		g_autofree char *digits = g_strdup_printf ("35100000%06u", i);
		g_autofree char *serial = test_brandd_nodes_serial (i);

		g_string_append_printf (csv,
					"%s,,Acme,N1,35100000,%s%c,\n",
					serial,
					digits,
					ir_imei_check_digit (digits));
	}
	path = brandd_test_env_write_file (env->dir, "nodes.csv", csv->str);
	import[3] = path;
	if (brandd_test_env_run_brandd (import, NULL, &err) != 0)
		fail_msg ("import failed: %s", err);
}

static void
test_brandd_nodes_quota (BtEnv *env, const char *centre, guint quota)
{
	g_autofree char *q = g_strdup_printf ("%u", quota);
	const char *set[] = {"centre", "set", centre, "--quota", q, "--db", env->db, NULL};
	g_autofree char *err = NULL;

	if (brandd_test_env_run_brandd (set, NULL, &err) != 0)
		fail_msg ("centre set failed: %s", err);
}

/* The second node: the same config and database, its own port. */
static BtEnv
test_brandd_nodes_second (BtEnv *a)
{
	return (BtEnv){.dir = a->dir, .pki = a->pki, .conf = a->conf, .db = a->db};
}

static gint64
test_brandd_nodes_recorded (BtEnv *env, const char *token_id)
{
	return brandd_test_env_db_int (
	    env, "SELECT count(*) FROM tokens WHERE cti = decode(?, 'hex')", token_id);
}

/* One run: 64 clients at once over both nodes, 32 per centre, against a
 * quota that leaves 20 per centre; then every granted token reported
 * twice at once, once through each node. */
static void
test_brandd_nodes_race_run (BtEnv *a, BtEnv *b, guint run, GHashTable *seen)
{
	NodesCall calls[RACE_CLIENTS] = {0};
	NodesCall reports[2 * RACE_CLIENTS] = {0};
	GThread *threads[2 * RACE_CLIENTS];
	guint granted[2] = {0, 0};
	guint n_reports = 0;
	guint accepted = 0;

	test_brandd_nodes_quota (a, "DL-0001", RACE_QUOTA_STEP * (run + 1));
	test_brandd_nodes_quota (a, "MH-0002", RACE_QUOTA_STEP * (run + 1));
	for (guint i = 0; i < RACE_CLIENTS; i++) {
		calls[i].node = i % 2 == 0 ? a : b;
		calls[i].client = i % 4 < 2 ? ALICE : BOB;
		calls[i].body = test_brandd_nodes_request (run * RACE_CLIENTS + i);
	}
	for (guint i = 0; i < RACE_CLIENTS; i++)
		threads[i] = g_thread_new ("race", test_brandd_nodes_token_thread, &calls[i]);
	for (guint i = 0; i < RACE_CLIENTS; i++)
		g_thread_join (threads[i]);
	for (guint i = 0; i < RACE_CLIENTS; i++) {
		if (calls[i].status == 200) {
			granted[i % 4 < 2 ? 0 : 1]++;
			/* a token id is never issued twice, in a run or across runs */
			if (!g_hash_table_add (seen, g_strdup (calls[i].token_id)))
				fail_msg (
				    "run %u: token id %s issued twice", run, calls[i].token_id);
			for (guint k = 0; k < 2; k++) {
				NodesCall *rep = &reports[n_reports++];

				rep->node = k == 0 ? a : b;
				rep->client = calls[i].client;
				rep->body = test_brandd_nodes_report (calls[i].token_id);
			}
		} else if (calls[i].status != 429) {
			g_autofree char *why = test_brandd_nodes_why (&calls[i]);

			fail_msg ("run %u call %u: status %ld%s", run, i, calls[i].status, why);
		}
	}
	/* never over the quota; and, with 32 asks for 20, never under it */
	assert_int_equal (granted[0], RACE_QUOTA_STEP);
	assert_int_equal (granted[1], RACE_QUOTA_STEP);
	assert_int_equal (brandd_test_env_db_int (a, "SELECT count(*) FROM tokens", NULL),
			  2 * RACE_QUOTA_STEP * (run + 1));
	for (guint i = 0; i < n_reports; i++)
		threads[i] = g_thread_new ("report", test_brandd_nodes_report_thread, &reports[i]);
	for (guint i = 0; i < n_reports; i++)
		g_thread_join (threads[i]);
	for (guint i = 0; i < n_reports; i += 2) {
		long s0 = reports[i].status;
		long s1 = reports[i + 1].status;

		/* one report per token: one node takes it, the other refuses */
		if (!((s0 == 200 && s1 == 409) || (s0 == 409 && s1 == 200))) {
			g_autofree char *why0 = test_brandd_nodes_why (&reports[i]);
			g_autofree char *why1 = test_brandd_nodes_why (&reports[i + 1]);

			fail_msg ("run %u: a token reported twice at once got %ld%s and %ld%s",
				  run,
				  s0,
				  why0,
				  s1,
				  why1);
		}
		accepted++;
	}
	assert_int_equal (accepted, 2 * RACE_QUOTA_STEP);
	assert_int_equal (brandd_test_env_db_int (a, "SELECT count(*) FROM reports", NULL),
			  2 * RACE_QUOTA_STEP * (run + 1));
	for (guint i = 0; i < RACE_CLIENTS; i++)
		test_brandd_nodes_call_clear (&calls[i]);
	for (guint i = 0; i < n_reports; i++)
		test_brandd_nodes_call_clear (&reports[i]);
}

static void
test_brandd_nodes_race (void **state)
{
	g_autoptr (BtEnv) a = brandd_test_env_new (TEST_BRANDD_NODES_CONFIG);
	BtEnv b = test_brandd_nodes_second (a);
	g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	(void)state;
	brandd_test_env_raise_fd_limit (1024);
	test_brandd_nodes_import (a, RACE_RUNS * RACE_CLIENTS);
	brandd_test_env_start (a);
	brandd_test_env_start (&b);
	for (guint run = 0; run < RACE_RUNS; run++)
		test_brandd_nodes_race_run (a, &b, run, seen);
	assert_int_equal (brandd_test_env_stop (&b), 0);
	g_free (b.url);
	assert_int_equal (brandd_test_env_stop (a), 0);
}

/* Clients that ask for tokens, each for devices of its own, over both
 * nodes in turn, while the test breaks something. */
typedef struct {
	BtEnv *nodes[2];
	guint first_device;
	NodesCall calls[LOAD_EACH];
	gint *done;
	/* the reports of the tokens granted: first and second status */
	long reported[LOAD_EACH][2];
} NodesLoad;

static gpointer
test_brandd_nodes_load_thread (gpointer data)
{
	NodesLoad *load = data;

	for (guint i = 0; i < LOAD_EACH; i++) {
		NodesCall *c = &load->calls[i];

		c->node = load->nodes[i % 2];
		c->client = ALICE;
		c->body = test_brandd_nodes_request (load->first_device + i);
		test_brandd_nodes_call (c, "/v1/tokens");
		g_atomic_int_inc (load->done);
		g_usleep (20 * 1000);
	}
	return NULL;
}

static void
test_brandd_nodes_load (BtEnv *a, BtEnv *b, NodesLoad *loads, GThread **threads, gint *done)
{
	for (guint t = 0; t < LOAD_THREADS; t++) {
		loads[t] =
		    (NodesLoad){.nodes = {a, b}, .first_device = t * LOAD_EACH, .done = done};
		threads[t] = g_thread_new ("load", test_brandd_nodes_load_thread, &loads[t]);
	}
}

static void
test_brandd_nodes_wait_done (gint *done, gint n)
{
	for (guint i = 0; i < 3000 && g_atomic_int_get (done) < n; i++)
		g_usleep (10 * 1000);
}

/* Reports each granted token of @data twice through nodes[1]. */
static gpointer
test_brandd_nodes_report_twice_thread (gpointer data)
{
	NodesLoad *load = data;

	for (guint i = 0; i < LOAD_EACH; i++) {
		g_autofree char *body = NULL;

		if (load->calls[i].status != 200)
			continue;
		body = test_brandd_nodes_report (load->calls[i].token_id);
		for (guint k = 0; k < 2; k++) {
			g_autoptr (BtResponse) r = brandd_test_env_request (
			    load->nodes[1], ALICE, "/v1/reports", body, NULL);
			load->reported[i][k] = r->status;
		}
	}
	return NULL;
}

/* Every token a client got a 200 for is in the database, and can be
 * reported once, through @node. */
static guint
test_brandd_nodes_check_acknowledged (BtEnv *node, NodesLoad *loads)
{
	GThread *threads[LOAD_THREADS];
	guint n = 0;

	for (guint t = 0; t < LOAD_THREADS; t++) {
		loads[t].nodes[1] = node;
		threads[t] =
		    g_thread_new ("report", test_brandd_nodes_report_twice_thread, &loads[t]);
	}
	for (guint t = 0; t < LOAD_THREADS; t++)
		g_thread_join (threads[t]);
	for (guint t = 0; t < LOAD_THREADS; t++) {
		for (guint i = 0; i < LOAD_EACH; i++) {
			NodesCall *c = &loads[t].calls[i];

			if (c->status != 200)
				continue;
			n++;
			if (test_brandd_nodes_recorded (node, c->token_id) != 1)
				fail_msg ("token %s was acknowledged but is not recorded",
					  c->token_id);
			if (loads[t].reported[i][0] != 200 || loads[t].reported[i][1] != 409)
				fail_msg (
				    "token %s reported twice: %ld then %ld, expected 200 then "
				    "409",
				    c->token_id,
				    loads[t].reported[i][0],
				    loads[t].reported[i][1]);
		}
	}
	return n;
}

static void
test_brandd_nodes_load_clear (NodesLoad *loads)
{
	for (guint t = 0; t < LOAD_THREADS; t++)
		for (guint i = 0; i < LOAD_EACH; i++)
			test_brandd_nodes_call_clear (&loads[t].calls[i]);
}

/* One node SIGKILLed mid-load: the other keeps serving, and what the dead
 * one acknowledged was committed. */
static void
test_brandd_nodes_kill_one (void **state)
{
	g_autoptr (BtEnv) a = brandd_test_env_new (TEST_BRANDD_NODES_CONFIG);
	BtEnv b = test_brandd_nodes_second (a);
	NodesLoad loads[LOAD_THREADS];
	GThread *threads[LOAD_THREADS];
	gint done = 0;
	guint acknowledged;

	(void)state;
	test_brandd_nodes_import (a, LOAD_THREADS * LOAD_EACH);
	test_brandd_nodes_quota (a, "DL-0001", 100000);
	brandd_test_env_start (a);
	brandd_test_env_start (&b);
	test_brandd_nodes_load (a, &b, loads, threads, &done);
	test_brandd_nodes_wait_done (&done, LOAD_THREADS * LOAD_EACH / 3);
	g_subprocess_send_signal (a->proc, SIGKILL);
	assert_int_equal (brandd_test_env_stop (a), -SIGKILL);
	for (guint t = 0; t < LOAD_THREADS; t++)
		g_thread_join (threads[t]);
	/* node b answered every request it was sent */
	for (guint t = 0; t < LOAD_THREADS; t++)
		for (guint i = 1; i < LOAD_EACH; i += 2)
			assert_int_equal (loads[t].calls[i].status, 200);
	acknowledged = test_brandd_nodes_check_acknowledged (&b, loads);
	assert_true (acknowledged >= LOAD_THREADS * LOAD_EACH / 2);
	/* and nothing else, but what the dead node committed and could not
	 * send any more */
	assert_true (brandd_test_env_db_int (&b, "SELECT count(*) FROM tokens", NULL) >=
		     acknowledged);
	test_brandd_nodes_load_clear (loads);
	assert_int_equal (brandd_test_env_stop (&b), 0);
	g_free (b.url);
}

/* PostgreSQL restarted (as after a crash) mid-load: while it is down the
 * nodes answer 503 with Retry-After, never 500 nor a lie; then they
 * reconnect by themselves, and nothing acknowledged is lost. */
static void
test_brandd_nodes_database_restart (void **state)
{
	g_autoptr (BtEnv) a = brandd_test_env_new (TEST_BRANDD_NODES_CONFIG);
	BtEnv b = test_brandd_nodes_second (a);
	NodesLoad loads[LOAD_THREADS];
	GThread *threads[LOAD_THREADS];
	gint done = 0;
	guint unavailable = 0;

	(void)state;
	test_brandd_nodes_import (a, LOAD_THREADS * LOAD_EACH + 2);
	test_brandd_nodes_quota (a, "DL-0001", 100000);
	brandd_test_env_start (a);
	brandd_test_env_start (&b);
	test_brandd_nodes_load (a, &b, loads, threads, &done);
	test_brandd_nodes_wait_done (&done, LOAD_THREADS * LOAD_EACH / 4);
	brandd_test_pg_stop (TRUE);
	test_brandd_nodes_wait_done (&done, LOAD_THREADS * LOAD_EACH / 2);
	brandd_test_pg_start ();
	for (guint t = 0; t < LOAD_THREADS; t++)
		g_thread_join (threads[t]);
	for (guint t = 0; t < LOAD_THREADS; t++) {
		for (guint i = 0; i < LOAD_EACH; i++) {
			NodesCall *c = &loads[t].calls[i];

			if (c->status == 503) {
				assert_string_equal (c->retry_after, "2");
				unavailable++;
			} else if (c->status != 200) {
				g_autofree char *why = test_brandd_nodes_why (c);

				fail_msg ("during the outage: status %ld%s", c->status, why);
			}
		}
	}
	assert_true (unavailable > 0);
	/* both nodes serve again, each on a connection of its own */
	for (guint k = 0; k < 2; k++) {
		BtEnv *node = k == 0 ? a : &b;
		g_autofree char *body = test_brandd_nodes_request (LOAD_THREADS * LOAD_EACH + k);
		long status = 0;

		for (guint attempt = 0; attempt < 20 && status != 200; attempt++) {
			g_autoptr (BtResponse) r =
			    brandd_test_env_request (node, ALICE, "/v1/tokens", body, NULL);

			status = r->status;
			if (status != 200)
				g_usleep (250 * 1000);
		}
		assert_int_equal (status, 200);
	}
	test_brandd_nodes_check_acknowledged (&b, loads);
	test_brandd_nodes_load_clear (loads);
	assert_int_equal (brandd_test_env_stop (&b), 0);
	g_free (b.url);
	assert_int_equal (brandd_test_env_stop (a), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_nodes_race),
	    cmocka_unit_test (test_brandd_nodes_kill_one),
	    cmocka_unit_test (test_brandd_nodes_database_restart),
	};

	if (!brandd_test_pg_wanted ())
		g_setenv ("IR_BRANDD_TEST_BACKEND", "postgresql", TRUE);
	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
