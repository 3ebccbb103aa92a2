/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"
#include "ir-brandd-store.h"

/* The client's request_id on POST /v1/tokens (issue 14, several nodes):
 * imeictl sends the same request again, with the same id, to another node
 * after a transport error. A retry of the same request gets the same
 * token, counted once; the same id with another request is refused (409
 * request_id_reused) and writes nothing; a request id is optional for
 * older clients and strict when given. On SQLite and, in server-pg, on
 * PostgreSQL. */

#define ALICE "technician-alice"
#define BOB   "technician-bob"
#define ZEROS "\"000000000000000\""
#define RID_A "0123456789abcdef0123456789abcdef"
#define RID_B "fedcba9876543210fedcba9876543210"

#define DEV1_FIELDS                                                                                \
	"\"device\": {\"manufacturer\": \"MediaTek\", \"model\": \"MT6765\", \"serial\": "         \
	"\"" BT_DEV1_SERIAL "\", \"hardware_id\": \"" BT_DEV1_HWID "\", \"family\": "              \
	"\"mediatek\"}, \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ\", \"counter\": 7}, "          \
	"\"current_imeis\": [" ZEROS ", " ZEROS "]"
#define DEV2_FIELDS                                                                                \
	"\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\"}, \"current_imeis\": [" ZEROS "]"

/* The device-1 request with @request_id (raw JSON, or NULL for none). */
static char *
test_brandd_request_id_body (const char *fields, const char *request_id)
{
	if (request_id == NULL)
		return g_strdup_printf ("{%s}", fields);
	return g_strdup_printf ("{%s, \"request_id\": %s}", fields, request_id);
}

static BtResponse *
test_brandd_request_id_ask (BtEnv *env, const char *client, const char *fields, const char *rid)
{
	g_autofree char *body = test_brandd_request_id_body (fields, rid);
	return brandd_test_env_request (env, client, "/v1/tokens", body, NULL);
}

static gint64
test_brandd_request_id_count (BtEnv *env, const char *sql)
{
	gint64 n = brandd_test_env_db_int (env, sql, NULL);

	assert_true (n >= 0);
	return n;
}

static gint64
test_brandd_request_id_issued (BtEnv *env)
{
	return test_brandd_request_id_count (env,
					     "SELECT CAST(coalesce(sum(issued), 0) AS BIGINT) FROM "
					     "centre_day_counts");
}

static void
test_brandd_request_id_same_token (const BtResponse *a, const BtResponse *b)
{
	assert_int_equal (a->status, 200);
	assert_int_equal (b->status, 200);
	assert_non_null (brandd_test_env_json_string (a, "token"));
	assert_string_equal (brandd_test_env_json_string (a, "token"),
			     brandd_test_env_json_string (b, "token"));
	assert_string_equal (brandd_test_env_json_string (a, "token_id"),
			     brandd_test_env_json_string (b, "token_id"));
	assert_string_equal (brandd_test_env_json_string (a, "expires"),
			     brandd_test_env_json_string (b, "expires"));
}

/* A retry (the same body, member order and spacing aside) gets the same
 * token and counts nothing; even once the quota is used up by it, and
 * although the device now has a live token (its own). */
static void
test_brandd_request_id_retry (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[centres]\ndefault-daily-quota=1");
	g_autoptr (BtResponse) first = NULL;
	g_autoptr (BtResponse) again = NULL;
	g_autoptr (BtResponse) reordered = NULL;
	g_autoptr (BtResponse) other = NULL;
	g_autofree char *reordered_body = g_strdup_printf (
	    "{ \"request_id\" : \"%s\",  %s , \"unknown\": 1}", RID_A, DEV1_FIELDS);

	(void)state;
	brandd_test_env_start (env);
	first = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, "\"" RID_A "\"");
	assert_int_equal (first->status, 200);
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (env), 1);

	again = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, "\"" RID_A "\"");
	test_brandd_request_id_same_token (first, again);
	reordered = brandd_test_env_request (env, ALICE, "/v1/tokens", reordered_body, NULL);
	test_brandd_request_id_same_token (first, reordered);
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (env), 1);
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM reports"), 0);

	/* a new request (a new id) is a new token: the quota of 1 is used */
	other = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, "\"" RID_B "\"");
	assert_int_equal (other->status, 429);
	assert_string_equal (brandd_test_env_error_code (other), "quota_reached");
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* The same id with another request: 409 request_id_reused, with a
 * message that says what to do, and nothing written. Another
 * certificate's ids are its own. */
static void
test_brandd_request_id_reused (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[centres]\ndefault-daily-quota=50");
	g_autoptr (BtResponse) first = NULL;
	g_autoptr (BtResponse) other_device = NULL;
	g_autoptr (BtResponse) other_counter = NULL;
	g_autoptr (BtResponse) bob = NULL;
	g_autofree char *counter_8 = NULL;
	g_autofree char *counter_8_body = NULL;
	const char *message;

	(void)state;
	brandd_test_env_start (env);
	first = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, "\"" RID_A "\"");
	assert_int_equal (first->status, 200);

	other_device = test_brandd_request_id_ask (env, ALICE, DEV2_FIELDS, "\"" RID_A "\"");
	assert_int_equal (other_device->status, 409);
	assert_string_equal (brandd_test_env_error_code (other_device), "request_id_reused");
	message = strstr (other_device->body, "make a new one for each new request");
	assert_non_null (message);

	/* one field differs: the challenge's counter */
	counter_8 = g_strdup (DEV1_FIELDS);
	*strstr (counter_8, "\"counter\": 7") = '\0';
	counter_8_body = g_strdup_printf ("{%s\"counter\": 8}, \"current_imeis\": [" ZEROS
					  ", " ZEROS "], \"request_id\": \"" RID_A "\"}",
					  counter_8);
	other_counter = brandd_test_env_request (env, ALICE, "/v1/tokens", counter_8_body, NULL);
	assert_int_equal (other_counter->status, 409);
	assert_string_equal (brandd_test_env_error_code (other_counter), "request_id_reused");
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (env), 1);

	/* bob's request under the same id is bob's own */
	bob = test_brandd_request_id_ask (env, BOB, DEV2_FIELDS, "\"" RID_A "\"");
	assert_int_equal (bob->status, 200);
	assert_string_not_equal (brandd_test_env_json_string (bob, "token_id"),
				 brandd_test_env_json_string (first, "token_id"));
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 2);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

typedef struct {
	BtEnv *env;
	const char *fields;
	const char *rid;
	BtResponse *r;
} Call;

static gpointer
test_brandd_request_id_thread (gpointer data)
{
	Call *c = data;

	c->r = test_brandd_request_id_ask (c->env, ALICE, c->fields, c->rid);
	return NULL;
}

/* Two requests with one id that wait together for the database (another
 * writer holds it) are committed in one batch: one token, both answered
 * with it. */
static void
test_brandd_request_id_same_batch (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[centres]\ndefault-daily-quota=50\n"
						     "[server]\nmax-handshakes-per-address=64\n");
	Call calls[3] = {
	    {env, DEV2_FIELDS, NULL, NULL},
	    {env, DEV1_FIELDS, "\"" RID_A "\"", NULL},
	    {env, DEV1_FIELDS, "\"" RID_A "\"", NULL},
	};
	GThread *threads[G_N_ELEMENTS (calls)];
	IrBranddDb *lock = NULL;

	(void)state;
	brandd_test_env_start (env);
	lock = brandd_test_env_db_lock (env);
	/* the first request takes the database thread and waits for the
	 * lock; the two with one id queue up behind it, for one batch */
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++) {
		threads[i] = g_thread_new ("batch", test_brandd_request_id_thread, &calls[i]);
		g_usleep (i == 0 ? 500 * 1000 : 0);
	}
	g_usleep (1000 * 1000);
	brandd_test_env_db_unlock (lock);
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
		g_thread_join (threads[i]);
	assert_int_equal (calls[0].r->status, 200);
	test_brandd_request_id_same_token (calls[1].r, calls[2].r);
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 2);
	assert_int_equal (test_brandd_request_id_issued (env), 2);
	assert_int_equal (brandd_test_env_stop (env), 0);
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
		brandd_test_env_response_free (calls[i].r);
}

/* Two nodes on one database get the same request at once, many times
 * over: one token, and every answer is it. */
static void
test_brandd_request_id_race (void **state)
{
	g_autoptr (BtEnv) a = brandd_test_env_new ("[centres]\ndefault-daily-quota=50\n"
						   "[server]\nmax-handshakes-per-address=64\n");
	BtEnv b = {.dir = a->dir, .pki = a->pki, .conf = a->conf, .db = a->db};
	Call calls[16];
	GThread *threads[G_N_ELEMENTS (calls)];

	(void)state;
	brandd_test_env_start (a);
	brandd_test_env_start (&b);
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++) {
		calls[i] = (Call){i % 2 == 0 ? a : &b, DEV1_FIELDS, "\"" RID_A "\"", NULL};
		threads[i] = g_thread_new ("race", test_brandd_request_id_thread, &calls[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
		g_thread_join (threads[i]);
	for (guint i = 1; i < G_N_ELEMENTS (calls); i++)
		test_brandd_request_id_same_token (calls[0].r, calls[i].r);
	assert_int_equal (test_brandd_request_id_count (a, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (a), 1);
	assert_int_equal (brandd_test_env_stop (&b), 0);
	g_free (b.url);
	assert_int_equal (brandd_test_env_stop (a), 0);
	for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
		brandd_test_env_response_free (calls[i].r);
}

/* Optional (an older client sends none: a token as before, never
 * replayed); strict when given. */
static void
test_brandd_request_id_malformed (void **state)
{
	static const char *const bad[] = {
	    "\"0123456789ABCDEF0123456789ABCDEF\"",  /* upper case */
	    "\"0123456789abcdef0123456789abcde\"",   /* 31 digits */
	    "\"0123456789abcdef0123456789abcdef0\"", /* 33 */
	    "\"0123456789abcdef0123456789abcdeg\"",  /* not hex */
	    "\"\"",
	    "12345",
	    "{}",
	};
	g_autoptr (BtEnv) env = brandd_test_env_new ("[centres]\ndefault-daily-quota=50");
	g_autoptr (BtResponse) none = NULL;
	g_autoptr (BtResponse) null_id = NULL;

	(void)state;
	brandd_test_env_start (env);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr (BtResponse) r =
		    test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, bad[i]);

		assert_int_equal (r->status, 400);
		assert_string_equal (brandd_test_env_error_code (r), "malformed_request");
		assert_non_null (strstr (r->body, "request_id"));
	}
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 0);
	none = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, NULL);
	assert_int_equal (none->status, 200);
	null_id = test_brandd_request_id_ask (env, ALICE, DEV1_FIELDS, "null");
	assert_int_equal (null_id->status, 200);
	/* without an id, each request is a new token (the earlier one is
	 * superseded, as before) */
	assert_string_not_equal (brandd_test_env_json_string (none, "token_id"),
				 brandd_test_env_json_string (null_id, "token_id"));
	assert_int_equal (test_brandd_request_id_count (
			      env, "SELECT count(*) FROM tokens WHERE request_id IS NULL"),
			  2);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* The store itself, two connections as two nodes would have: a record
 * under an id another connection committed is a replay or a reuse, and
 * two records with one id in one batch record one token. */
static void
test_brandd_request_id_store (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	IrBranddBackend backend =
	    brandd_test_pg_wanted () ? IR_BRANDD_BACKEND_POSTGRESQL : IR_BRANDD_BACKEND_SQLITE;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) node1 = ir_brandd_store_open (backend, env->db, &error);
	g_autoptr (IrBranddStore) node2 = ir_brandd_store_open (backend, env->db, &error);
	const guint8 cnf[32] = {7};
	guint8 hash[IR_BRANDD_REQUEST_HASH_LEN] = {1};
	guint8 other_hash[IR_BRANDD_REQUEST_HASH_LEN] = {2};
	guint8 cti[3][16] = {{1}, {2}, {3}};
	g_autoptr (GBytes) cti1 = g_bytes_new (cti[0], 16);
	g_autoptr (GBytes) cti2 = g_bytes_new (cti[1], 16);
	g_autoptr (GBytes) cti3 = g_bytes_new (cti[2], 16);
	gint64 dev1 =
	    brandd_test_env_db_int (env, "SELECT id FROM devices WHERE serial = ?", BT_DEV1_SERIAL);
	gint64 dev2 =
	    brandd_test_env_db_int (env, "SELECT id FROM devices WHERE serial = ?", BT_DEV2_SERIAL);
	IrBranddTokenRecord rec1 = {.cti = cti1,
				    .device_id = dev1,
				    .cnf = cnf,
				    .centre = "C1",
				    .issued_at = 1000,
				    .expires_at = 1900,
				    .imeis_json = "[]",
				    .request_id = RID_A,
				    .request_hash = hash,
				    .answer_json = "{\"token_id\":\"01\"}"};
	IrBranddTokenRecord rec2 = rec1;
	IrBranddTokenRecord rec3 = rec1;
	const IrBranddTokenRecord *batch[] = {&rec1, &rec2, &rec3};
	IrBranddTokenResult res[3] = {0};
	IrBranddRequestSeen seen = IR_BRANDD_REQUEST_NEW;
	g_autofree char *kept = NULL;

	(void)state;
	assert_non_null (node1);
	assert_non_null (node2);
	/* one batch on node 1: rec1, its retry rec2 (another cti, signed
	 * again), and rec3 under the same id for another device */
	rec2.cti = cti2;
	rec2.answer_json = "{\"token_id\":\"02\"}";
	rec3.cti = cti3;
	rec3.device_id = dev2;
	rec3.request_hash = other_hash;
	assert_true (ir_brandd_store_record_tokens (node1, batch, res, 3, 50, &error));
	assert_true (res[0].recorded);
	assert_int_equal (res[0].request_seen, IR_BRANDD_REQUEST_NEW);
	assert_false (res[1].recorded);
	assert_int_equal (res[1].request_seen, IR_BRANDD_REQUEST_REPLAY);
	assert_string_equal (res[1].answer, "{\"token_id\":\"01\"}");
	assert_false (res[2].recorded);
	assert_int_equal (res[2].request_seen, IR_BRANDD_REQUEST_REUSED);
	for (guint i = 0; i < 3; i++) {
		assert_null (res[i].error);
		g_free (res[i].answer);
		res[i] = (IrBranddTokenResult){0};
	}
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (env), 1);

	/* node 2 sees node 1's row: the retry is a replay, counted once */
	assert_true (ir_brandd_store_record_tokens (node2, batch + 1, res, 1, 50, &error));
	assert_int_equal (res[0].request_seen, IR_BRANDD_REQUEST_REPLAY);
	assert_string_equal (res[0].answer, "{\"token_id\":\"01\"}");
	g_clear_pointer (&res[0].answer, g_free);
	assert_true (
	    ir_brandd_store_find_request (node2, cnf, RID_A, other_hash, &seen, &kept, &error));
	assert_int_equal (seen, IR_BRANDD_REQUEST_REUSED);
	assert_null (kept);
	assert_true (ir_brandd_store_find_request (node2, cnf, RID_B, hash, &seen, &kept, &error));
	assert_int_equal (seen, IR_BRANDD_REQUEST_NEW);
	assert_int_equal (test_brandd_request_id_count (env, "SELECT count(*) FROM tokens"), 1);
	assert_int_equal (test_brandd_request_id_issued (env), 1);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_request_id_retry),
	    cmocka_unit_test (test_brandd_request_id_reused),
	    cmocka_unit_test (test_brandd_request_id_same_batch),
	    cmocka_unit_test (test_brandd_request_id_race),
	    cmocka_unit_test (test_brandd_request_id_malformed),
	    cmocka_unit_test (test_brandd_request_id_store),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
