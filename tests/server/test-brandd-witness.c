/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"
#include "ir-brandd-store.h"
#include "ir-brand-client.h"
#include "ir-brandd-store.h"
#include "ir-checkpoint.h"
#include "ir-merkle.h"
#include "ir-migration-log.h"
#include "ir-trust-store.h"
#include "ir-witness-client.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* imei-brandd as witness of real migration logs (written with the log
 * writer, signed with a workstation key): uploads first, incremental,
 * repeated, resumed and refused (forked, shrunk, malformed); tokens
 * refused to a forked or shrunk log; the auditor endpoints with inclusion
 * proofs; the schema migration from version 1. */

#define ALICE	     "technician-alice" /* centre DL-0001 */
#define BOB	     "technician-bob"	/* centre MH-0002 */
#define CAROL	     "auditor-carol"
#define WITNESS_NAME "imei-brandd.dev/witness"

static const char dev1_request[] =
    "{\"device\": {\"manufacturer\": \"MediaTek\", \"model\": \"MT6765\","
    " \"serial\": \"" BT_DEV1_SERIAL "\", \"hardware_id\": \"" BT_DEV1_HWID "\"},"
    " \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ\", \"counter\": 7},"
    " \"current_imeis\": [\"000000000000000\", \"000000000000000\"]}";

static const char dev2_request[] = "{\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\"},"
				   " \"current_imeis\": [\"000000000000000\"]}";

/* -- a workstation: its folder, key and log -- */

typedef struct {
	char *dir;
	EVP_PKEY *key;
	char *origin;
	IrMigrationLog *log;
} Ws;

static void
test_brandd_witness_ws_free (Ws *ws)
{
	g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", ws->dir);

	brandd_test_env_sh (cmd, NULL, NULL);
	g_clear_object (&ws->log);
	EVP_PKEY_free (ws->key);
	g_free (ws->origin);
	g_free (ws->dir);
	g_free (ws);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ws, test_brandd_witness_ws_free)

/* A fresh log in a new folder; @key_from: reuse that workstation's key
 * and origin (a second log under the same identity: a fork). */
static Ws *
test_brandd_witness_ws_new (const char *centre, const char *name, const Ws *key_from)
{
	Ws *ws = g_new0 (Ws, 1);
	g_autoptr (GError) error = NULL;
	g_autofree char *key_path = NULL;

	ws->dir = g_dir_make_tmp ("witness-ws-XXXXXX", &error);
	assert_non_null (ws->dir);
	if (key_from != NULL) {
		ws->key = EVP_PKEY_dup (key_from->key);
		ws->origin = g_strdup (key_from->origin);
	} else {
		key_path = g_build_filename (ws->dir, IR_WORKSTATION_KEY_FILE, NULL);
		ws->key = ir_workstation_key_load_or_create (key_path, &error);
		ws->origin = ir_workstation_key_name (centre, name, &error);
	}
	assert_non_null (ws->key);
	assert_non_null (ws->origin);
	ws->log = ir_migration_log_open (ws->dir, ws->origin, ws->origin, ws->key, &error);
	if (ws->log == NULL)
		fail_msg ("cannot open the log: %s", error->message);
	return ws;
}

/* Appends @n START records; @tag makes two logs differ. */
static void
test_brandd_witness_ws_append (Ws *ws, guint n, const char *tag)
{
	for (guint i = 0; i < n; i++) {
		g_autoptr (JsonObject) fields = json_object_new ();
		g_autoptr (GError) error = NULL;
		g_autofree char *software = g_strdup_printf ("imeirestore-%s-%u", tag, i);
		guint64 index = 0;

		json_object_set_string_member (fields, "software", software);
		json_object_set_string_member (fields, "workstation", "ws-1");
		if (!ir_migration_log_append (ws->log, IR_LOG_RECORD_START, fields, &index, &error))
			fail_msg ("append failed: %s", error->message);
	}
}

static char *
test_brandd_witness_ws_body (Ws *ws, guint64 old_size)
{
	g_autoptr (GError) error = NULL;
	char *body = ir_witness_client_upload_body (ws->log, ws->key, old_size, &error);

	if (body == NULL)
		fail_msg ("cannot build the upload: %s", error->message);
	return body;
}

static BtResponse *
test_brandd_witness_upload (BtEnv *env, Ws *ws, guint64 old_size)
{
	g_autofree char *body = test_brandd_witness_ws_body (ws, old_size);
	return brandd_test_env_request (env, ALICE, "/v1/witness", body, NULL);
}

/* Replaces the first @from in @body by @to. */
static char *
test_brandd_witness_edit (const char *body, const char *from, const char *to)
{
	const char *at = strstr (body, from);

	if (at == NULL)
		fail_msg ("'%s' not in the upload", from);
	return g_strdup_printf ("%.*s%s%s", (int)(at - body), body, to, at + strlen (from));
}

static char *
test_brandd_witness_set_member (const char *body, const char *member, JsonNode *value)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonObject *obj;

	assert_true (json_parser_load_from_data (parser, body, -1, NULL));
	obj = json_node_get_object (json_parser_get_root (parser));
	if (value == NULL)
		json_object_remove_member (obj, member);
	else
		json_object_set_member (obj, member, value);
	return json_to_string (json_parser_get_root (parser), FALSE);
}

static JsonNode *
test_brandd_witness_string_node (const char *s)
{
	JsonNode *n = json_node_new (JSON_NODE_VALUE);
	json_node_set_string (n, s);
	return n;
}

static JsonNode *
test_brandd_witness_int_node (gint64 v)
{
	JsonNode *n = json_node_new (JSON_NODE_VALUE);
	json_node_set_int (n, v);
	return n;
}

static JsonNode *
test_brandd_witness_parse_node (const char *text)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	assert_true (json_parser_load_from_data (parser, text, -1, NULL));
	return json_node_copy (json_parser_get_root (parser));
}

static gint64
test_brandd_witness_json_int (const BtResponse *r, const char *member)
{
	assert_non_null (r->json);
	return json_object_get_int_member (json_node_get_object (r->json), member);
}

static gint64
test_brandd_witness_error_witnessed_size (const BtResponse *r)
{
	JsonObject *err = json_object_get_object_member (json_node_get_object (r->json), "error");
	return json_object_get_int_member (err, "witnessed_size");
}

/* The cosigned note carries the workstation's signature and the witness's. */
static void
test_brandd_witness_assert_cosigned (const char *note, const Ws *ws, guint64 size)
{
	g_autofree char *pub_path =
	    g_build_filename (brandd_test_env_pki_dir (), "witness.pub.pem", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrCheckpoint) cp = NULL;
	g_autoptr (EVP_PKEY) pub = NULL;
	FILE *f = fopen (pub_path, "r");

	assert_non_null (f);
	pub = PEM_read_PUBKEY (f, NULL, NULL, NULL);
	fclose (f);
	assert_non_null (pub);
	cp = ir_checkpoint_parse (note, strlen (note), &error);
	if (cp == NULL)
		fail_msg ("cosigned note does not parse: %s", error->message);
	assert_int_equal (cp->size, size);
	assert_string_equal (cp->origin, ws->origin);
	if (!ir_checkpoint_verify (cp, WITNESS_NAME, pub, &error))
		fail_msg ("witness signature: %s", error->message);
	if (!ir_checkpoint_verify (cp, ws->origin, ws->key, &error))
		fail_msg ("workstation signature: %s", error->message);
	/* the workstation's note, with one more signature line */
	assert_true (g_str_has_prefix (note, ir_migration_log_get_checkpoint (ws->log)));
}

static int
test_brandd_witness_setup (void **state)
{
	g_autofree char *extra =
	    g_strdup_printf ("[witness]\nkey=%s/witness.key\n", brandd_test_env_pki_dir ());
	BtEnv *env = brandd_test_env_new (extra);

	brandd_test_env_start (env);
	*state = env;
	return 0;
}

static int
test_brandd_witness_teardown (void **state)
{
	BtEnv *env = *state;

	assert_int_equal (brandd_test_env_stop (env), 0);
	brandd_test_env_free (env);
	return 0;
}

static void
test_brandd_witness_first_incremental_repeat (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-1", NULL);
	g_autoptr (BtResponse) r1 = NULL;
	g_autoptr (BtResponse) r2 = NULL;
	g_autoptr (BtResponse) r3 = NULL;
	g_autoptr (BtResponse) stale = NULL;
	g_autofree char *first = NULL;

	test_brandd_witness_ws_append (ws, 3, "a");
	r1 = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r1->status, 200);
	assert_int_equal (test_brandd_witness_json_int (r1, "size"),
			  ir_migration_log_get_size (ws->log));
	test_brandd_witness_assert_cosigned (
	    brandd_test_env_json_string (r1, "cosigned"), ws, ir_migration_log_get_size (ws->log));
	first = g_strdup (brandd_test_env_json_string (r1, "cosigned"));

	/* the same upload again: the same cosignature, nothing added */
	r2 = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r2->status, 200);
	assert_string_equal (brandd_test_env_json_string (r2, "cosigned"), first);

	/* two more records, from the witnessed size with a proof */
	test_brandd_witness_ws_append (ws, 2, "a");
	r3 = test_brandd_witness_upload (env, ws, test_brandd_witness_json_int (r1, "size"));
	assert_int_equal (r3->status, 200);
	assert_int_equal (test_brandd_witness_json_int (r3, "size"),
			  ir_migration_log_get_size (ws->log));
	test_brandd_witness_assert_cosigned (
	    brandd_test_env_json_string (r3, "cosigned"), ws, ir_migration_log_get_size (ws->log));

	/* a resend from a size the server has left behind names its size */
	stale = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (stale->status, 200); /* same checkpoint: a repeat */
	test_brandd_witness_ws_append (ws, 1, "a");
	g_clear_pointer (&stale, brandd_test_env_response_free);
	stale = test_brandd_witness_upload (env, ws, test_brandd_witness_json_int (r1, "size"));
	assert_int_equal (stale->status, 409);
	assert_string_equal (brandd_test_env_error_code (stale), "witness_size_mismatch");
	assert_int_equal (test_brandd_witness_error_witnessed_size (stale),
			  test_brandd_witness_json_int (r3, "size"));
}

/* The workstation client: its state says 0 (the answer of an upload that
 * went through was lost), the server says where it is, the client resends
 * from there and keeps the cosigned note beside the log. */
static void
test_brandd_witness_client_resume (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-2", NULL);
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (IrTrustStore) trust = NULL;
	g_autoptr (IrBrandClient) client = NULL;
	g_autoptr (GError) error = NULL;
	g_auto (IrBrandStatus) status = {0};
	g_autofree char *ts =
	    g_build_filename (brandd_test_env_pki_dir (), "trust-store.conf", NULL);
	g_autofree char *cert = g_build_filename (brandd_test_env_pki_dir (), ALICE ".pem", NULL);
	g_autofree char *key = g_build_filename (brandd_test_env_pki_dir (), ALICE ".key", NULL);
	g_autofree char *note_path = g_build_filename (ws->dir, IR_WITNESS_COSIGNED_FILE, NULL);
	g_autofree char *note = NULL;
	IrBrandClientConfig cfg = {0};
	guint64 witnessed = 0;
	guint64 kept = 0;

	test_brandd_witness_ws_append (ws, 4, "b");
	r = test_brandd_witness_upload (env, ws, 0); /* "lost" answer: the client never saw it */
	assert_int_equal (r->status, 200);
	/* a backlog past one upload's worth: several batches, each with the
	 * log's checkpoint at its end */
	test_brandd_witness_ws_append (ws, 150, "b");
	{
		g_autofree char *all = test_brandd_witness_ws_body (ws, 4);
		assert_true (strlen (all) > 2 * IR_WITNESS_BATCH_BYTES);
	}

	trust = ir_trust_store_load (ts, &error);
	if (trust == NULL)
		fail_msg ("trust store: %s", error->message);
	cfg.server_url = env->url;
	cfg.trust = trust;
	cfg.cert_path = cert;
	cfg.key_path = key;
	client = ir_brand_client_new (&cfg, &status, &error);
	if (client == NULL)
		fail_msg ("brand client: %s", error->message);
	if (!ir_witness_client_upload (
		client, ws->log, ws->key, ws->dir, &witnessed, &status, NULL, &error))
		fail_msg ("upload: %s", error->message);
	assert_int_equal (witnessed, 154);
	assert_true (ir_witness_client_load_size (ws->dir, &kept, &error));
	assert_int_equal (kept, 154);
	assert_true (g_file_get_contents (note_path, &note, NULL, &error));
	test_brandd_witness_assert_cosigned (note, ws, 154);

	/* nothing new: the same answer again */
	assert_true (ir_witness_client_upload (
	    client, ws->log, ws->key, ws->dir, &witnessed, &status, NULL, &error));
	assert_int_equal (witnessed, 154);
}

static void
test_brandd_witness_forked_and_shrunk (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-3", NULL);
	g_autoptr (Ws) fork = NULL;
	g_autoptr (Ws) same_size = NULL;
	g_autoptr (Ws) shrunk = NULL;
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (BtResponse) rf = NULL;
	g_autoptr (BtResponse) rs = NULL;
	g_autoptr (BtResponse) rk = NULL;
	g_autoptr (BtResponse) older = NULL;
	g_autofree char *body = NULL;
	g_autofree char *body2 = NULL;
	g_autofree char *shrunk_body = NULL;
	guint64 size;

	test_brandd_witness_ws_append (ws, 2, "c");
	body2 = test_brandd_witness_ws_body (ws, 0); /* an older checkpoint, kept for later */
	test_brandd_witness_ws_append (ws, 1, "c");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 200);
	size = ir_migration_log_get_size (ws->log);

	/* the same identity, other records, longer: not an extension */
	fork = test_brandd_witness_ws_new (NULL, NULL, ws);
	test_brandd_witness_ws_append (fork, 5, "forked");
	rf = test_brandd_witness_upload (env, fork, size);
	assert_int_equal (rf->status, 409);
	assert_string_equal (brandd_test_env_error_code (rf), "log_forked");

	/* other records at the very same size */
	same_size = test_brandd_witness_ws_new (NULL, NULL, ws);
	test_brandd_witness_ws_append (same_size, 3, "other");
	assert_int_equal (ir_migration_log_get_size (same_size->log), size);
	rk = test_brandd_witness_upload (env, same_size, size);
	assert_int_equal (rk->status, 409);
	assert_string_equal (brandd_test_env_error_code (rk), "log_forked");

	/* fewer records than witnessed, from the witnessed size */
	shrunk = test_brandd_witness_ws_new (NULL, NULL, ws);
	test_brandd_witness_ws_append (shrunk, 1, "shrunk");
	shrunk_body = test_brandd_witness_ws_body (shrunk, 0);
	body = test_brandd_witness_set_member (
	    shrunk_body, "old_size", test_brandd_witness_int_node ((gint64)size));
	rs = brandd_test_env_request (env, ALICE, "/v1/witness", body, NULL);
	assert_int_equal (rs->status, 409);
	assert_string_equal (brandd_test_env_error_code (rs), "log_shrank");

	/* an older checkpoint of the witnessed log (a stale client's batch):
	 * the server says where it is; another log at that size: a fork */
	older = brandd_test_env_request (env, ALICE, "/v1/witness", body2, NULL);
	assert_int_equal (older->status, 409);
	assert_string_equal (brandd_test_env_error_code (older), "witness_size_mismatch");
	assert_int_equal (test_brandd_witness_error_witnessed_size (older), size);
	g_clear_pointer (&body, g_free);
	body = g_strdup (shrunk_body);
	g_clear_pointer (&rs, brandd_test_env_response_free);
	rs = brandd_test_env_request (env, ALICE, "/v1/witness", body, NULL);
	assert_int_equal (rs->status, 409);
	assert_string_equal (brandd_test_env_error_code (rs), "log_forked");
}

/* @request with the witness members of @ws from @witnessed. */
static char *
test_brandd_witness_token_body_for (const char *request,
				    Ws *ws,
				    gboolean with_log,
				    guint64 witnessed)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) proof = NULL;
	g_autofree char *note = NULL;
	IrBrandTokenRequest req = {0};
	JsonObject *obj;
	JsonArray *arr;
	gsize len = 0;
	const guint8 *data;

	assert_true (json_parser_load_from_data (parser, request, -1, NULL));
	obj = json_node_get_object (json_parser_get_root (parser));
	if (with_log) {
		if (!ir_witness_client_fill_token_request (
			&req, ws->log, witnessed, &note, &proof, &error))
			fail_msg ("token members: %s", error->message);
		json_object_set_string_member (obj, "checkpoint", req.log_checkpoint);
		json_object_set_int_member (obj, "witnessed_size", (gint64)req.witnessed_size);
		arr = json_array_new ();
		data = proof != NULL ? g_bytes_get_data (proof, &len) : NULL;
		for (gsize off = 0; off < len; off += IR_MERKLE_HASH_LEN) {
			g_autofree char *b64 = g_base64_encode (data + off, IR_MERKLE_HASH_LEN);
			json_array_add_string_element (arr, b64);
		}
		json_object_set_array_member (obj, "consistency", arr);
	}
	return json_to_string (json_parser_get_root (parser), FALSE);
}

static char *
test_brandd_witness_token_body (Ws *ws, gboolean with_log, guint64 witnessed)
{
	return test_brandd_witness_token_body_for (dev1_request, ws, with_log, witnessed);
}

static void
test_brandd_witness_tokens (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-4", NULL);
	g_autoptr (Ws) fork = NULL;
	g_autoptr (Ws) shrunk = NULL;
	g_autoptr (BtResponse) r = NULL;
	guint64 size;
	const struct {
		const char *what;
		const char *client;
		Ws **ws;
		gboolean with_log;
		gboolean from_witnessed;
		long status;
		const char *code;
	} cases[] = {
	    {"bob never uploaded: no log needed", BOB, &ws, FALSE, FALSE, 200, NULL},
	    {"alice uploaded: her checkpoint is needed",
	     ALICE,
	     &ws,
	     FALSE,
	     FALSE,
	     409,
	     "log_missing"},
	    {"the witnessed checkpoint", ALICE, &ws, TRUE, TRUE, 200, NULL},
	    {"a fork of the witnessed log", ALICE, &fork, TRUE, TRUE, 409, "log_forked"},
	    {"a shrunk log", ALICE, &shrunk, TRUE, FALSE, 409, "log_shrank"},
	    {"a wrong witnessed size", ALICE, &ws, TRUE, FALSE, 409, "witness_size_mismatch"},
	};

	test_brandd_witness_ws_append (ws, 3, "d");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 200);
	size = ir_migration_log_get_size (ws->log);
	test_brandd_witness_ws_append (ws, 2, "d"); /* grown since: consistent */
	fork = test_brandd_witness_ws_new (NULL, NULL, ws);
	test_brandd_witness_ws_append (fork, 6, "forked");
	shrunk = test_brandd_witness_ws_new (NULL, NULL, ws);
	test_brandd_witness_ws_append (shrunk, 1, "d");

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *body = NULL;
		g_autoptr (BtResponse) t = NULL;
		guint64 from = cases[i].from_witnessed ? size : 0;

		/* the shrunk log says what it has, the wrong size says 1 */
		if (cases[i].with_log && !cases[i].from_witnessed)
			from = MIN (1, ir_migration_log_get_size ((*cases[i].ws)->log));
		/* bob's token is for device 2: device 1 has one live token at a
		 * time, and alice's control case takes it */
		body = test_brandd_witness_token_body_for (
		    g_strcmp0 (cases[i].client, BOB) == 0 ? dev2_request : dev1_request,
		    *cases[i].ws,
		    cases[i].with_log,
		    from);
		t = brandd_test_env_request (env, cases[i].client, "/v1/tokens", body, NULL);
		if (t->status != cases[i].status ||
		    g_strcmp0 (brandd_test_env_error_code (t), cases[i].code) != 0)
			fail_msg ("%s: HTTP %ld %s", cases[i].what, t->status, t->body);
	}
}

/* @request with the checkpoint of @ws (as never witnessed: size 0) and,
 * when @key_of is not NULL, the public key of that workstation. */
static char *
test_brandd_witness_first_contact_body (const char *request,
					Ws *ws,
					Ws *key_of,
					gboolean break_signature)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;
	g_autofree char *note = g_strdup (ir_migration_log_get_checkpoint (ws->log));
	JsonObject *obj;

	assert_non_null (note);
	/* one character of the signature's base64, well inside it */
	if (break_signature) {
		gsize n = strlen (note);
		note[n - 8] = note[n - 8] == 'A' ? 'B' : 'A';
	}
	assert_true (json_parser_load_from_data (parser, request, -1, NULL));
	obj = json_node_get_object (json_parser_get_root (parser));
	json_object_set_string_member (obj, "checkpoint", note);
	json_object_set_int_member (obj, "witnessed_size", 0);
	json_object_set_array_member (obj, "consistency", json_array_new ());
	if (key_of != NULL) {
		g_autofree char *pub = ir_workstation_key_public_base64 (key_of->key, &error);
		assert_non_null (pub);
		json_object_set_string_member (obj, "public_key", pub);
	}
	return json_to_string (json_parser_get_root (parser), FALSE);
}

/* Issue 7: a certificate refused for its own log got a token with the
 * checkpoint of an origin the server never witnessed. Now a certificate is
 * bound to one origin (upload or first contact), and a first contact needs
 * the workstation key whose signature is checked. One row per bypass
 * variant, in order (bob's first contact binds him halfway). */
static void
test_brandd_witness_token_bypass (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) mine = test_brandd_witness_ws_new ("DL-0001", "ws-10", NULL);
	g_autoptr (Ws) colleague = test_brandd_witness_ws_new ("DL-0001", "ws-11", NULL);
	g_autoptr (Ws) other_centre = test_brandd_witness_ws_new ("MH-0002", "ws-12", NULL);
	g_autoptr (Ws) bobs = test_brandd_witness_ws_new ("MH-0002", "ws-13", NULL);
	g_autoptr (Ws) bobs_second = test_brandd_witness_ws_new ("MH-0002", "ws-14", NULL);
	g_autoptr (BtResponse) r = NULL;
	const struct {
		const char *what;
		const char *client;
		const char *request;
		Ws **ws;
		Ws **key_of;
		gboolean break_signature;
		long status;
		const char *code;
	} cases[] = {
	    {"bound: a colleague's never-witnessed origin, with its key",
	     ALICE,
	     dev1_request,
	     &colleague,
	     &colleague,
	     FALSE,
	     409,
	     "origin_not_bound"},
	    {"bound: a colleague's origin without a key",
	     ALICE,
	     dev1_request,
	     &colleague,
	     NULL,
	     FALSE,
	     409,
	     "origin_not_bound"},
	    {"bound: another centre's never-witnessed origin",
	     ALICE,
	     dev1_request,
	     &other_centre,
	     &other_centre,
	     FALSE,
	     409,
	     "origin_not_bound"},
	    {"bound: a broken signature on an unknown origin",
	     ALICE,
	     dev1_request,
	     &colleague,
	     &colleague,
	     TRUE,
	     409,
	     "origin_not_bound"},
	    {"bound: its own log's checkpoint (control)",
	     ALICE,
	     dev1_request,
	     &mine,
	     NULL,
	     FALSE,
	     200,
	     NULL},
	    {"first contact: no public key",
	     BOB,
	     dev2_request,
	     &bobs,
	     NULL,
	     FALSE,
	     404,
	     "unknown_workstation"},
	    {"first contact: another workstation's key",
	     BOB,
	     dev2_request,
	     &bobs,
	     &bobs_second,
	     FALSE,
	     400,
	     "bad_checkpoint"},
	    {"first contact: a broken signature",
	     BOB,
	     dev2_request,
	     &bobs,
	     &bobs,
	     TRUE,
	     400,
	     "bad_checkpoint"},
	    {"first contact: another centre's origin",
	     BOB,
	     dev2_request,
	     &colleague,
	     &colleague,
	     FALSE,
	     403,
	     "wrong_centre"},
	    {"first contact, right key (control)",
	     BOB,
	     dev2_request,
	     &bobs,
	     &bobs,
	     FALSE,
	     200,
	     NULL},
	    {"after the first contact: a second unknown origin",
	     BOB,
	     dev2_request,
	     &bobs_second,
	     &bobs_second,
	     FALSE,
	     409,
	     "origin_not_bound"},
	    {"after the first contact: the same origin, another key",
	     BOB,
	     dev2_request,
	     &bobs,
	     &bobs_second,
	     FALSE,
	     400,
	     "bad_checkpoint"},
	};

	test_brandd_witness_ws_append (mine, 2, "m");
	test_brandd_witness_ws_append (colleague, 2, "c");
	test_brandd_witness_ws_append (other_centre, 2, "o");
	test_brandd_witness_ws_append (bobs, 2, "b");
	test_brandd_witness_ws_append (bobs_second, 2, "s");
	r = test_brandd_witness_upload (env, mine, 0);
	assert_int_equal (r->status, 200);
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *body = test_brandd_witness_first_contact_body (
		    cases[i].request,
		    *cases[i].ws,
		    cases[i].key_of != NULL ? *cases[i].key_of : NULL,
		    cases[i].break_signature);
		g_autoptr (BtResponse) t = NULL;

		/* her own log: from the witnessed size, as the tool sends it */
		if (cases[i].ws == &mine) {
			g_free (body);
			body = test_brandd_witness_token_body (
			    mine, TRUE, ir_migration_log_get_size (mine->log));
		}
		t = brandd_test_env_request (env, cases[i].client, "/v1/tokens", body, NULL);
		if (t->status != cases[i].status ||
		    g_strcmp0 (brandd_test_env_error_code (t), cases[i].code) != 0)
			fail_msg ("%s: HTTP %ld %s", cases[i].what, t->status, t->body);
	}
	/* the first contact binds bob: without a checkpoint he is refused */
	{
		g_autoptr (BtResponse) t =
		    brandd_test_env_request (env, BOB, "/v1/tokens", dev2_request, NULL);
		assert_int_equal (t->status, 409);
		assert_string_equal (brandd_test_env_error_code (t), "log_missing");
	}
}

static void
test_brandd_witness_auditor (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-5", NULL);
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (BtResponse) list = NULL;
	g_autoptr (BtResponse) recs = NULL;
	g_autoptr (IrCheckpoint) cp = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *escaped = NULL;
	g_autofree char *path = NULL;
	JsonArray *arr;
	JsonObject *item;
	const char *note;

	test_brandd_witness_ws_append (ws, 6, "e");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 200);

	list = brandd_test_env_request (env, CAROL, "/v1/workstations", NULL, NULL);
	assert_int_equal (list->status, 200);
	arr = json_object_get_array_member (json_node_get_object (list->json), "workstations");
	assert_int_equal (json_array_get_length (arr), 1);
	item = json_array_get_object_element (arr, 0);
	assert_string_equal (json_object_get_string_member (item, "origin"), ws->origin);
	assert_string_equal (json_object_get_string_member (item, "centre"), "DL-0001");
	assert_int_equal (json_object_get_int_member (item, "witnessed_size"), 6);
	assert_non_null (json_object_get_string_member (item, "last_upload"));
	/* the key the workstation registered with its first upload */
	{
		g_autofree char *b64 = ir_workstation_key_public_base64 (ws->key, NULL);
		assert_string_equal (json_object_get_string_member (item, "public_key"), b64);
	}

	escaped = g_uri_escape_string (ws->origin, NULL, FALSE);
	path = g_strdup_printf ("/v1/workstations/%s/records?start=1&end=5", escaped);
	recs = brandd_test_env_request (env, CAROL, path, NULL, NULL);
	assert_int_equal (recs->status, 200);
	note = brandd_test_env_json_string (recs, "cosigned");
	test_brandd_witness_assert_cosigned (note, ws, 6);
	cp = ir_checkpoint_parse (note, strlen (note), &error);
	assert_non_null (cp);
	lines = ir_migration_log_read_lines (ws->log, 1, 5, &error);
	assert_non_null (lines);
	arr = json_object_get_array_member (json_node_get_object (recs->json), "records");
	assert_int_equal (json_array_get_length (arr), 4);
	for (guint i = 0; i < 4; i++) {
		JsonObject *rec = json_array_get_object_element (arr, i);
		JsonArray *inc = json_object_get_array_member (rec, "inclusion");
		const char *line = json_object_get_string_member (rec, "line");
		g_autoptr (GByteArray) proof = g_byte_array_new ();
		guint8 leaf[IR_MERKLE_HASH_LEN];

		assert_int_equal (json_object_get_int_member (rec, "seq"), 1 + i);
		assert_string_equal (line, g_ptr_array_index (lines, i));
		for (guint k = 0; k < json_array_get_length (inc); k++) {
			gsize n = 0;
			g_autofree guint8 *h =
			    g_base64_decode (json_array_get_string_element (inc, k), &n);
			assert_int_equal (n, IR_MERKLE_HASH_LEN);
			g_byte_array_append (proof, h, (guint)n);
		}
		ir_merkle_leaf_hash ((const guint8 *)line, strlen (line), leaf);
		if (!ir_merkle_verify_inclusion (
			1 + i, 6, leaf, proof->data, proof->len, cp->root, &error))
			fail_msg ("inclusion of record %u: %s", 1 + i, error->message);
		/* a flipped bit in the proof must fail */
		if (proof->len > 0) {
			proof->data[0] ^= 1;
			assert_false (ir_merkle_verify_inclusion (
			    1 + i, 6, leaf, proof->data, proof->len, cp->root, NULL));
		}
	}
}

static void
test_brandd_witness_auditor_refusals (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-6", NULL);
	g_autoptr (BtResponse) r = NULL;
	const struct {
		const char *client;
		const char *path;
		long status;
		const char *code;
	} cases[] = {
	    {ALICE, "/v1/workstations", 403, "role_not_allowed"},
	    {ALICE,
	     "/v1/workstations/imeirestore%2FDL-0001%2Fws-6/records",
	     403,
	     "role_not_allowed"},
	    {CAROL,
	     "/v1/workstations/imeirestore%2FDL-0001%2Fnone/records",
	     404,
	     "unknown_workstation"},
	    {CAROL, "/v1/workstations/imeirestore/DL-0001/ws-6/records", 200, NULL},
	    {CAROL,
	     "/v1/workstations/imeirestore%2FDL-0001%2Fws-6/records?start=2&end=1",
	     400,
	     "malformed_request"},
	    {CAROL,
	     "/v1/workstations/imeirestore%2FDL-0001%2Fws-6/records?end=99",
	     400,
	     "malformed_request"},
	    {CAROL,
	     "/v1/workstations/imeirestore%2FDL-0001%2Fws-6/records?start=x",
	     400,
	     "malformed_request"},
	    {CAROL, "/v1/workstations/imeirestore%2FDL-0001%2Fws-6", 404, "not_found"},
	    {CAROL, "/v1/witness", 405, "method_not_allowed"},
	};

	test_brandd_witness_ws_append (ws, 2, "f");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 200);
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (BtResponse) t =
		    brandd_test_env_request (env, cases[i].client, cases[i].path, NULL, NULL);
		if (t->status != cases[i].status ||
		    g_strcmp0 (brandd_test_env_error_code (t), cases[i].code) != 0)
			fail_msg ("%s: HTTP %ld %s", cases[i].path, t->status, t->body);
	}
}

static void
test_brandd_witness_malformed (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-7", NULL);
	g_autoptr (Ws) other_key =
	    test_brandd_witness_ws_new ("DL-0001", "ws-7", NULL); /* same origin, new key */
	g_autoptr (Ws) bob_ws = test_brandd_witness_ws_new ("MH-0002", "ws-7", NULL);
	g_autoptr (Ws) known = test_brandd_witness_ws_new ("DL-0001", "ws-8", NULL);
	g_autoptr (BtResponse) r = NULL;
	g_autofree char *good = NULL;
	g_autofree char *bob_body = NULL;
	g_autofree char *other_cp = NULL;
	g_autoptr (GError) error = NULL;

	test_brandd_witness_ws_append (ws, 2, "g");
	test_brandd_witness_ws_append (other_key, 2, "g");
	test_brandd_witness_ws_append (bob_ws, 2, "g");
	test_brandd_witness_ws_append (known, 2, "g");
	good = test_brandd_witness_ws_body (ws, 0);
	bob_body = test_brandd_witness_ws_body (bob_ws, 0);
	other_cp = g_strdup (ir_migration_log_get_checkpoint (other_key->log));
	r = test_brandd_witness_upload (env, known, 0);
	assert_int_equal (r->status, 200);

	struct {
		const char *what;
		const char *client;
		char *body;
		long status;
		const char *code;
	} cases[] = {
	    {"not JSON", ALICE, g_strdup ("{"), 400, "malformed_request"},
	    {"not an object", ALICE, g_strdup ("[]"), 400, "malformed_request"},
	    {"no origin",
	     ALICE,
	     test_brandd_witness_set_member (good, "origin", NULL),
	     400,
	     "malformed_request"},
	    {"origin a number",
	     ALICE,
	     test_brandd_witness_set_member (good, "origin", test_brandd_witness_int_node (3)),
	     400,
	     "malformed_request"},
	    {"no public key",
	     ALICE,
	     test_brandd_witness_set_member (good, "public_key", NULL),
	     400,
	     "malformed_request"},
	    {"public key not base64",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "public_key", test_brandd_witness_string_node ("@@@")),
	     400,
	     "malformed_request"},
	    {"public key not SPKI",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "public_key", test_brandd_witness_string_node ("AAAA")),
	     400,
	     "malformed_request"},
	    {"no checkpoint",
	     ALICE,
	     test_brandd_witness_set_member (good, "checkpoint", NULL),
	     400,
	     "malformed_request"},
	    {"checkpoint garbage",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "checkpoint", test_brandd_witness_string_node ("x\n")),
	     400,
	     "bad_checkpoint"},
	    {"checkpoint signed by another key",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "checkpoint", test_brandd_witness_string_node (other_cp)),
	     400,
	     "bad_checkpoint"},
	    {"no old_size",
	     ALICE,
	     test_brandd_witness_set_member (good, "old_size", NULL),
	     400,
	     "malformed_request"},
	    {"negative old_size",
	     ALICE,
	     test_brandd_witness_set_member (good, "old_size", test_brandd_witness_int_node (-1)),
	     400,
	     "malformed_request"},
	    {"old_size past a new log",
	     ALICE,
	     test_brandd_witness_set_member (good, "old_size", test_brandd_witness_int_node (1)),
	     409,
	     "witness_size_mismatch"},
	    {"consistency not hashes",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "consistency", test_brandd_witness_parse_node ("[\"AAAA\"]")),
	     400,
	     "malformed_request"},
	    {"consistency from an empty tree",
	     ALICE,
	     test_brandd_witness_set_member (
		 good,
		 "consistency",
		 test_brandd_witness_parse_node (
		     "[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]")),
	     400,
	     "malformed_request"},
	    {"no records",
	     ALICE,
	     test_brandd_witness_set_member (good, "records", NULL),
	     400,
	     "malformed_request"},
	    {"a record not a string",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "records", test_brandd_witness_parse_node ("[1, 2]")),
	     400,
	     "malformed_request"},
	    {"one record missing",
	     ALICE,
	     test_brandd_witness_set_member (
		 good, "records", test_brandd_witness_parse_node ("[\"{}\"]")),
	     400,
	     "malformed_request"},
	    {"a record changed",
	     ALICE,
	     test_brandd_witness_edit (good, "imeirestore-g-1", "imeirestore-g-X"),
	     400,
	     "records_mismatch"},
	    {"records swapped", ALICE, NULL, 400, "records_mismatch"},
	    {"another centre's origin", ALICE, g_strdup (bob_body), 403, "wrong_centre"},
	    {"an auditor", CAROL, g_strdup (good), 403, "role_not_allowed"},
	    {"a known origin with a new key", ALICE, NULL, 409, "origin_key_mismatch"},
	};

	/* the two records in the other order */
	{
		g_autoptr (GPtrArray) both = ir_migration_log_read_lines (ws->log, 0, 2, &error);
		g_autoptr (JsonArray) arr = json_array_new ();
		JsonNode *node = json_node_new (JSON_NODE_ARRAY);

		json_array_add_string_element (arr, g_ptr_array_index (both, 1));
		json_array_add_string_element (arr, g_ptr_array_index (both, 0));
		json_node_set_array (node, arr);
		cases[19].body = test_brandd_witness_set_member (good, "records", node);
	}
	/* ws-8 is registered: the same origin under another key */
	{
		g_autoptr (Ws) known2 = test_brandd_witness_ws_new (NULL, NULL, known);
		g_autoptr (EVP_PKEY) fresh = NULL;
		g_autofree char *key_path = g_build_filename (known2->dir, "k2.pem", NULL);

		fresh = ir_workstation_key_load_or_create (key_path, &error);
		assert_non_null (fresh);
		EVP_PKEY_free (known2->key);
		known2->key = EVP_PKEY_dup (fresh);
		g_clear_object (&known2->log);
		g_free (known2->dir);
		known2->dir = g_dir_make_tmp ("witness-ws-XXXXXX", &error);
		known2->log = ir_migration_log_open (
		    known2->dir, known2->origin, known2->origin, known2->key, &error);
		assert_non_null (known2->log);
		test_brandd_witness_ws_append (known2, 2, "g");
		cases[22].body = test_brandd_witness_ws_body (known2, 0);
	}

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (BtResponse) t = brandd_test_env_request (
		    env, cases[i].client, "/v1/witness", cases[i].body, NULL);
		if (t->status != cases[i].status ||
		    g_strcmp0 (brandd_test_env_error_code (t), cases[i].code) != 0)
			fail_msg ("%s: HTTP %ld %s", cases[i].what, t->status, t->body);
		g_free (cases[i].body);
	}
	/* none of that was recorded: the good upload is still the first */
	g_clear_pointer (&r, brandd_test_env_response_free);
	r = brandd_test_env_request (env, ALICE, "/v1/witness", good, NULL);
	assert_int_equal (r->status, 200);
	assert_int_equal (test_brandd_witness_json_int (r, "size"), 2);
}

static gint64
test_brandd_witness_edge_len (BtEnv *env, const Ws *ws)
{
	return brandd_test_env_db_int (
	    env, "SELECT length(edge) FROM witnessed_logs WHERE origin = ?", ws->origin);
}

/* The witness keeps each log's right edge (schema 9), one hash per set bit
 * of its size, and appends each upload's records to it. A log witnessed
 * before (no edge) gets one from its records at its next upload; an edge
 * changed by hand is refused and nothing is witnessed. */
static void
test_brandd_witness_edge (void **state)
{
	BtEnv *env = *state;
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-edge", NULL);
	g_autoptr (BtResponse) r = NULL;
	g_autofree char *break_edge = NULL;

	test_brandd_witness_ws_append (ws, 5, "e");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 200);
	/* the migration log's own records come on top of the 5 */
	guint64 size = ir_migration_log_get_size (ws->log);
	assert_int_equal (test_brandd_witness_edge_len (env, ws),
			  __builtin_popcountll (size) * IR_MERKLE_HASH_LEN);

	/* as a log witnessed before schema 9 */
	brandd_test_env_db_exec (
	    env, "UPDATE witnessed_logs SET edge = NULL WHERE origin = ?", ws->origin);
	test_brandd_witness_ws_append (ws, 3, "e");
	g_clear_pointer (&r, brandd_test_env_response_free);
	r = test_brandd_witness_upload (env, ws, size);
	assert_int_equal (r->status, 200);
	test_brandd_witness_assert_cosigned (
	    brandd_test_env_json_string (r, "cosigned"), ws, ir_migration_log_get_size (ws->log));
	size = ir_migration_log_get_size (ws->log);
	assert_int_equal (test_brandd_witness_edge_len (env, ws),
			  __builtin_popcountll (size) * IR_MERKLE_HASH_LEN);

	/* many small uploads: each appends to the edge the last one stored */
	for (guint i = 0; i < 9; i++) {
		test_brandd_witness_ws_append (ws, i % 3 + 1, "f");
		g_clear_pointer (&r, brandd_test_env_response_free);
		r = test_brandd_witness_upload (env, ws, size);
		assert_int_equal (r->status, 200);
		size = ir_migration_log_get_size (ws->log);
		assert_int_equal (test_brandd_witness_json_int (r, "size"), size);
		assert_int_equal (test_brandd_witness_edge_len (env, ws),
				  __builtin_popcountll (size) * IR_MERKLE_HASH_LEN);
	}

	/* an edge of the right length that is not the witnessed tree's */
	break_edge =
	    g_strdup_printf (brandd_test_pg_wanted ()
				 ? "UPDATE witnessed_logs SET edge = decode(repeat('00', %d), "
				   "'hex') WHERE origin = ?"
				 : "UPDATE witnessed_logs SET edge = zeroblob(%d) WHERE origin = ?",
			     __builtin_popcountll (size) * IR_MERKLE_HASH_LEN);
	brandd_test_env_db_exec (env, break_edge, ws->origin);
	test_brandd_witness_ws_append (ws, 1, "g");
	g_clear_pointer (&r, brandd_test_env_response_free);
	r = test_brandd_witness_upload (env, ws, size);
	assert_int_equal (r->status, 500);
	assert_int_equal (brandd_test_env_db_int (
			      env, "SELECT size FROM witnessed_logs WHERE origin = ?", ws->origin),
			  size);
	assert_int_equal (
	    brandd_test_env_db_int (
		env, "SELECT count(*) FROM witnessed_records WHERE origin = ?", ws->origin),
	    size);
}

static void
test_brandd_witness_witness_disabled (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	g_autoptr (Ws) ws = test_brandd_witness_ws_new ("DL-0001", "ws-9", NULL);
	g_autoptr (BtResponse) r = NULL;

	brandd_test_env_start (env);
	test_brandd_witness_ws_append (ws, 1, "h");
	r = test_brandd_witness_upload (env, ws, 0);
	assert_int_equal (r->status, 503);
	assert_string_equal (brandd_test_env_error_code (r), "witness_disabled");
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* PostgreSQL came in at schema 8; a version 8 database (no right edge of
 * the witnessed trees yet) is refused, by the commands as by serve, with
 * what to do, until init-db upgrades it. */
static void
test_brandd_witness_schema_older_postgresql (BtEnv *env)
{
	g_autofree char *err = NULL;
	const char *centre[] = {"centre", "set", "X", "--quota", "1", "--db", env->db, NULL};
	const char *serve[] = {"serve", "--config", env->conf, NULL};
	const char *init[] = {"init-db", "--db", env->db, NULL};

	brandd_test_env_db_exec (env, "DROP TABLE device_live_tokens", NULL);
	brandd_test_env_db_exec (env, "DROP TABLE witness_intent_mismatches", NULL);
	brandd_test_env_db_exec (env,
				 "ALTER TABLE tokens DROP COLUMN request_id, DROP COLUMN "
				 "request_hash, DROP COLUMN answer",
				 NULL);
	brandd_test_env_db_exec (env, "ALTER TABLE witnessed_logs DROP COLUMN edge", NULL);
	brandd_test_env_db_exec (env, "UPDATE schema_version SET version = 8", NULL);
	assert_int_equal (brandd_test_env_run_brandd (centre, NULL, &err), 1);
	assert_non_null (strstr (err, "has schema version 8, this imei-brandd needs"));
	assert_non_null (strstr (err, "upgrade it with imei-brandd init-db"));
	g_clear_pointer (&err, g_free);
	assert_int_equal (brandd_test_env_run_brandd (serve, NULL, &err), 2);
	assert_non_null (strstr (err, "has schema version 8"));
	assert_int_equal (brandd_test_env_run_brandd (init, NULL, NULL), 0);
	assert_int_equal (brandd_test_env_db_int (env, "SELECT version FROM schema_version", NULL),
			  IR_BRANDD_SCHEMA_VERSION);
	assert_int_equal (brandd_test_env_db_int (
			      env, "SELECT count(*) FROM witnessed_logs WHERE edge IS NULL", NULL),
			  0);
	assert_int_equal (brandd_test_env_run_brandd (centre, NULL, NULL), 0);
}

/* A version 1 database (as imei-brandd 1 made it) is upgraded by init-db
 * and refused by serve until then. */
static void
test_brandd_witness_schema_migration (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	g_autofree char *err = NULL;
	const char *init[] = {"init-db", "--db", env->db, NULL};
	int version = -1;

	if (brandd_test_pg_wanted ()) {
		test_brandd_witness_schema_older_postgresql (env);
		return;
	}
	assert_int_equal (sqlite3_open (env->db, &db), SQLITE_OK);
	assert_int_equal (
	    sqlite3_exec (db,
			  "DROP TABLE device_live_tokens; DROP INDEX tokens_request_id; "
			  "ALTER TABLE tokens DROP COLUMN request_id; "
			  "ALTER TABLE tokens DROP COLUMN request_hash; "
			  "ALTER TABLE tokens DROP COLUMN answer; "
			  "DROP TABLE witness_intent_mismatches; "
			  "DROP TABLE blocklist; DROP TABLE token_rollout; "
			  "DROP TABLE rollout_counts; DROP TABLE rollout_paused; "
			  "DROP TABLE rollout_policies; "
			  "DROP TABLE witness_clients; DROP TABLE witnessed_records; "
			  "DROP TABLE witnessed_logs; DROP TABLE centre_day_counts; "
			  "DROP INDEX devices_serial_nocase; DROP TABLE witness_first_contacts; "
			  "DROP TABLE revoked_certificates; DROP TABLE report_mismatches; "
			  "DROP INDEX tokens_device_live; ALTER TABLE devices DROP COLUMN centre; "
			  "ALTER TABLE devices DROP COLUMN spc; "
			  "PRAGMA user_version = 1",
			  NULL,
			  NULL,
			  NULL),
	    SQLITE_OK);
	sqlite3_close (db);
	{
		const char *centre[] = {
		    "centre", "set", "X", "--quota", "1", "--db", env->db, NULL};
		assert_int_equal (brandd_test_env_run_brandd (centre, NULL, &err), 1);
		assert_non_null (strstr (err, "upgrade it with imei-brandd init-db"));
	}
	assert_int_equal (brandd_test_env_run_brandd (init, NULL, NULL), 0);
	assert_int_equal (sqlite3_open (env->db, &db), SQLITE_OK);
	assert_int_equal (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL),
			  SQLITE_OK);
	assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
	version = sqlite3_column_int (stmt, 0);
	sqlite3_finalize (stmt);
	assert_int_equal (version, IR_BRANDD_SCHEMA_VERSION);
	/* the devices of version 1 are still there, the new tables too */
	assert_int_equal (sqlite3_prepare_v2 (
			      db,
			      "SELECT (SELECT count(*) FROM devices), count(*) FROM witnessed_logs",
			      -1,
			      &stmt,
			      NULL),
			  SQLITE_OK);
	assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
	assert_int_equal (sqlite3_column_int (stmt, 0), 3);
	assert_int_equal (sqlite3_column_int (stmt, 1), 0);
	sqlite3_finalize (stmt);
	sqlite3_close (db);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (test_brandd_witness_first_incremental_repeat,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_client_resume,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_forked_and_shrunk,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_tokens,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_token_bypass,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_auditor,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_auditor_refusals,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_witness_malformed,
					     test_brandd_witness_setup,
					     test_brandd_witness_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_witness_edge, test_brandd_witness_setup, test_brandd_witness_teardown),
	    cmocka_unit_test (test_brandd_witness_witness_disabled),
	    cmocka_unit_test (test_brandd_witness_schema_migration),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
