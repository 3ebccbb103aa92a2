/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"
#include "ir-token.h"
#include "ir-trust-store.h"

/* The real imei-brandd on 127.0.0.1 with a fresh PKI: tokens that the
 * tool's verifier accepts, every refusal of docs/brand-api.md, quota,
 * single-use reports, TLS refusals and limits, clean stop. */

#define NONCE_B64 "AAECAwQFBgcICQ" /* bytes 00..09 */
#define ALICE	  "technician-alice"
#define BOB	  "technician-bob"
#define ZEROS	  "\"000000000000000\""

static const char dev1_request[] =
    "{\"device\": {\"manufacturer\": \"MediaTek\", \"model\": \"MT6765\", \"revision\": \"r1\","
    " \"serial\": \"" BT_DEV1_SERIAL "\", \"hardware_id\": \"" BT_DEV1_HWID "\","
    " \"family\": \"mediatek\"},"
    " \"challenge\": {\"nonce\": \"" NONCE_B64 "\", \"counter\": 7},"
    " \"current_imeis\": [" ZEROS ", " ZEROS "]}";

static const char dev2_request[] = "{\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\"},"
				   " \"current_imeis\": [" ZEROS "]}";

static int
test_brandd_server_setup (void **state)
{
	BtEnv *env = brandd_test_env_new ("[centres]\ndefault-daily-quota=50");
	brandd_test_env_start (env);
	*state = env;
	return 0;
}

static int
test_brandd_server_teardown (void **state)
{
	BtEnv *env = *state;

	/* every test ends with a clean stop: SIGTERM → exit 0 */
	assert_int_equal (brandd_test_env_stop (env), 0);
	brandd_test_env_free (env);
	return 0;
}

static GBytes *
test_brandd_server_base64url_decode (const char *text)
{
	g_autofree char *std = g_strnfill (strlen (text) + (4 - strlen (text) % 4) % 4, '=');
	gsize len = 0;
	guint8 *raw;

	for (gsize i = 0; text[i] != '\0'; i++)
		std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
	raw = g_base64_decode (std, &len);
	return g_bytes_new_take (raw, len);
}

static void
test_brandd_server_client_cnf (BtEnv *env, const char *client, guint8 cnf[IR_TOKEN_CNF_LEN])
{
	g_autofree char *path = g_strdup_printf ("%s/%s.pem", env->pki, client);
	g_autofree char *pem = NULL;
	gsize len = 0;
	g_autoptr (GError) error = NULL;

	assert_true (g_file_get_contents (path, &pem, &len, NULL));
	assert_true (ir_token_spki_sha256 ((const guint8 *)pem, len, cnf, &error));
}

static IrToken *
test_brandd_server_decode_token (const BtResponse *r)
{
	const char *b64 = brandd_test_env_json_string (r, "token");
	g_autoptr (GBytes) bytes = NULL;
	g_autoptr (GError) error = NULL;
	IrToken *token;

	assert_non_null (b64);
	bytes = test_brandd_server_base64url_decode (b64);
	token = ir_token_decode (
	    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, &error);
	if (token == NULL)
		fail_msg ("token does not decode: %s", error->message);
	return token;
}

static IrTrustStore *
test_brandd_server_trust_store (BtEnv *env)
{
	g_autofree char *path = g_build_filename (env->pki, "trust-store.conf", NULL);
	g_autoptr (GError) error = NULL;
	IrTrustStore *trust = ir_trust_store_load (path, &error);

	if (trust == NULL)
		fail_msg ("trust store: %s", error->message);
	return trust;
}

static char *
test_brandd_server_token_id (const BtResponse *r)
{
	return g_strdup (brandd_test_env_json_string (r, "token_id"));
}

static void
test_brandd_server_token_verifies (void **state)
{
	BtEnv *env = *state;
	g_autoptr (BtResponse) r =
	    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	g_autoptr (IrToken) token = NULL;
	g_autoptr (IrTrustStore) trust = test_brandd_server_trust_store (env);
	g_autoptr (GError) error = NULL;
	guint8 cnf[IR_TOKEN_CNF_LEN];
	guint8 nonce[10];
	IrTokenExpect expect = {0};
	IrTokenRefusal refusal = IR_TOKEN_OK;
	const IrTokenClaims *c;
	g_autofree char *cti_hex = NULL;
	gsize cti_len = 0;
	const guint8 *cti;

	assert_int_equal (r->status, 200);
	token = test_brandd_server_decode_token (r);
	c = ir_token_get_claims (token);
	for (guint i = 0; i < sizeof nonce; i++)
		nonce[i] = (guint8)i;
	test_brandd_server_client_cnf (env, ALICE, cnf);
	expect.client_spki_sha256 = cnf;
	expect.hardware_id = BT_DEV1_HWID;
	expect.serial = BT_DEV1_SERIAL;
	expect.nonce = nonce;
	expect.nonce_len = sizeof nonce;
	expect.has_counter = TRUE;
	expect.counter = 7;
	expect.current_imei[0] = "000000000000000";
	expect.current_imei[1] = "000000000000000";
	expect.centre = "DL-0001";
	if (!ir_token_verify (token, trust, &expect, &refusal, &error))
		fail_msg ("token refused: %s", error->message);
	assert_string_equal (ir_token_get_kid (token), "dev-ed25519-1");
	assert_int_equal (ir_token_get_alg (token), IR_TOKEN_ALG_EDDSA);
	assert_string_equal (c->imei[0], BT_DEV1_IMEI1);
	assert_string_equal (c->imei[1], BT_DEV1_IMEI2);
	assert_string_equal (c->centre, "DL-0001");
	assert_string_equal (c->phase, "IN-2026-P1");
	assert_true (c->exp > c->iat && c->exp - c->iat <= IR_TOKEN_MAX_LIFETIME);
	assert_memory_equal (c->cnf, cnf, IR_TOKEN_CNF_LEN);
	cti = g_bytes_get_data (c->cti, &cti_len);
	assert_int_equal (cti_len, 16);
	cti_hex = g_strdup_printf ("%02x%02x", cti[0], cti[1]);
	assert_true (g_str_has_prefix (brandd_test_env_json_string (r, "token_id"), cti_hex));
	assert_string_equal (brandd_test_env_json_string (r, "centre"), "DL-0001");
	assert_string_equal (brandd_test_env_json_string (r, "phase"), "IN-2026-P1");
	assert_true (g_str_has_suffix (brandd_test_env_json_string (r, "expires"), "Z"));

	/* the same token presented by bob's certificate is not his */
	g_clear_error (&error);
	test_brandd_server_client_cnf (env, BOB, cnf);
	assert_false (ir_token_verify (token, trust, &expect, &refusal, &error));
	assert_int_equal (refusal, IR_TOKEN_REFUSED_CNF);
}

static void
test_brandd_server_token_legacy (void **state)
{
	BtEnv *env = *state;
	g_autoptr (BtResponse) r =
	    brandd_test_env_request (env, BOB, "/v1/tokens", dev2_request, NULL);
	g_autoptr (IrToken) token = NULL;
	const IrTokenClaims *c;

	assert_int_equal (r->status, 200);
	token = test_brandd_server_decode_token (r);
	c = ir_token_get_claims (token);
	assert_null (c->nonce);
	assert_false (c->has_counter);
	assert_null (c->hardware_id);
	assert_string_equal (c->serial, BT_DEV2_SERIAL);
	assert_string_equal (c->imei[0], BT_DEV2_IMEI1);
	assert_null (c->imei[1]);
	assert_string_equal (c->centre, "MH-0002");
}

typedef struct {
	const char *name;
	const char *client;
	const char *path;
	const char *body; /* NULL: GET */
	const char *content_type;
	long status;
	const char *code;
	const char *in_message; /* a word the message must contain */
} Refusal;

static const Refusal refusals[] = {
    {"auditor",
     "auditor-carol",
     "/v1/tokens",
     dev1_request,
     NULL,
     403,
     "role_not_allowed",
     "auditor"},
    {"no role", "client-norole", "/v1/tokens", dev1_request, NULL, 403, "role_not_allowed", "none"},
    {"no centre",
     "technician-nocentre",
     "/v1/tokens",
     dev1_request,
     NULL,
     403,
     "no_centre",
     "centre"},
    {"auditor report",
     "auditor-carol",
     "/v1/reports",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\"}",
     NULL,
     403,
     "role_not_allowed",
     "technician"},
    {"unknown serial",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN9999\"}, \"current_imeis\": [null]}",
     NULL,
     404,
     "unknown_device",
     "SN9999"},
    {"unknown hwid",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"hardware_id\": \"HW-9\"}, \"current_imeis\": [null]}",
     NULL,
     404,
     "unknown_device",
     "HW-9"},
    {"ids of two devices",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\", \"hardware_id\": \"" BT_DEV3_HWID "\"},"
     " \"current_imeis\": [null]}",
     NULL,
     409,
     "device_mismatch",
     BT_DEV3_HWID},
    {"serial of another device",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN-OTHER\", \"hardware_id\": \"" BT_DEV1_HWID "\"},"
     " \"current_imeis\": [null]}",
     NULL,
     409,
     "device_mismatch",
     "SN-OTHER"},
    {"other model",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\", \"manufacturer\": \"Quectel\","
     " \"model\": \"EG91\"}, \"current_imeis\": [null]}",
     NULL,
     409,
     "device_mismatch",
     "EG91"},
    {"unknown token",
     ALICE,
     "/v1/reports",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\"}",
     NULL,
     404,
     "unknown_token",
     "00112233445566778899aabbccddeeff"},
    {"text/plain",
     ALICE,
     "/v1/tokens",
     dev1_request,
     "text/plain",
     400,
     "malformed_request",
     "Content-Type"},
    {"unknown path", ALICE, "/v1/nothing", NULL, NULL, 404, "not_found", "/v1/tokens"},
    {"GET tokens", ALICE, "/v1/tokens", NULL, NULL, 405, "method_not_allowed", "POST"},
    {"POST health", ALICE, "/v1/health", "{}", NULL, 405, "method_not_allowed", "GET"},
    /* malformed bodies: the message names the member */
    {"empty body", ALICE, "/v1/tokens", "", NULL, 400, "malformed_request", "body"},
    {"not JSON", ALICE, "/v1/tokens", "{\"device\": ", NULL, 400, "malformed_request", "JSON"},
    {"array", ALICE, "/v1/tokens", "[1, 2]", NULL, 400, "malformed_request", "object"},
    {"no device",
     ALICE,
     "/v1/tokens",
     "{\"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "device"},
    {"device string",
     ALICE,
     "/v1/tokens",
     "{\"device\": \"SN0001\", \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "device"},
    {"no identity",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"model\": \"X\"}, \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "device.serial"},
    {"serial number",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": 1}, \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "device.serial"},
    {"serial empty",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"\"}, \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "device.serial"},
    {"no current_imeis",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}}",
     NULL,
     400,
     "malformed_request",
     "current_imeis"},
    {"three slots",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"current_imeis\": [null, null, null]}",
     NULL,
     400,
     "malformed_request",
     "current_imeis"},
    {"slot number",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"current_imeis\": [0]}",
     NULL,
     400,
     "malformed_request",
     "current_imeis[0]"},
    {"nonce not base64url",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"challenge\": {\"nonce\": \"a+b/\", \"counter\": 1},"
     " \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "challenge.nonce"},
    {"nonce short",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"challenge\": {\"nonce\": \"AAEC\", \"counter\": 1},"
     " \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "challenge.nonce"},
    {"counter negative",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"challenge\": {\"nonce\": \"" NONCE_B64 "\","
     " \"counter\": -1}, \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "challenge.counter"},
    {"counter float",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"challenge\": {\"nonce\": \"" NONCE_B64 "\","
     " \"counter\": 1.5}, \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "challenge.counter"},
    {"no counter",
     ALICE,
     "/v1/tokens",
     "{\"device\": {\"serial\": \"SN0001\"}, \"challenge\": {\"nonce\": \"" NONCE_B64 "\"},"
     " \"current_imeis\": [null]}",
     NULL,
     400,
     "malformed_request",
     "challenge.counter"},
    {"report bad outcome",
     ALICE,
     "/v1/reports",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"ok\"}",
     NULL,
     400,
     "malformed_request",
     "outcome"},
    {"report bad token_id",
     ALICE,
     "/v1/reports",
     "{\"token_id\": \"xyz\", \"outcome\": \"failed\"}",
     NULL,
     400,
     "malformed_request",
     "token_id"},
    {"report success without read-back",
     ALICE,
     "/v1/reports",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"success\"}",
     NULL,
     400,
     "malformed_request",
     "imeis_read_back"},
    {"report read-back letters",
     ALICE,
     "/v1/reports",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"success\","
     " \"imeis_read_back\": [\"49015420323751x\"]}",
     NULL,
     400,
     "malformed_request",
     "imeis_read_back[0]"},
};

static void
test_brandd_server_refusals (void **state)
{
	BtEnv *env = *state;

	for (guint i = 0; i < G_N_ELEMENTS (refusals); i++) {
		const Refusal *t = &refusals[i];
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, t->client, t->path, t->body, t->content_type);
		const char *code = brandd_test_env_error_code (r);
		JsonObject *err;
		const char *message;

		if (r->status != t->status || g_strcmp0 (code, t->code) != 0)
			fail_msg ("%s: got %ld %s, expected %ld %s (%s)",
				  t->name,
				  r->status,
				  code,
				  t->status,
				  t->code,
				  r->body);
		err = json_object_get_object_member (json_node_get_object (r->json), "error");
		message = json_object_get_string_member (err, "message");
		if (strstr (message, t->in_message) == NULL)
			fail_msg ("%s: message '%s' does not mention '%s'",
				  t->name,
				  message,
				  t->in_message);
	}
}

static char *
test_brandd_server_report_body (const char *id, const char *outcome, const char *read_back)
{
	return g_strdup_printf (
	    "{\"token_id\": \"%s\", \"outcome\": \"%s\", \"imeis_read_back\": %s,"
	    " \"detail\": \"test\", \"future_member\": 1}",
	    id,
	    outcome,
	    read_back);
}

static void
test_brandd_server_report_single_use (void **state)
{
	BtEnv *env = *state;
	g_autoptr (BtResponse) tok =
	    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	g_autofree char *id = test_brandd_server_token_id (tok);
	g_autofree char *body = test_brandd_server_report_body (
	    id, "success", "[\"" BT_DEV1_IMEI1 "\", \"" BT_DEV1_IMEI2 "\"]");
	g_autoptr (BtResponse) other = NULL;
	g_autoptr (BtResponse) first = NULL;
	g_autoptr (BtResponse) second = NULL;

	assert_int_equal (tok->status, 200);
	/* another technician's certificate may not report it, and does not
	 * consume it */
	other = brandd_test_env_request (env, BOB, "/v1/reports", body, NULL);
	assert_int_equal (other->status, 403);
	assert_string_equal (brandd_test_env_error_code (other), "not_your_token");
	first = brandd_test_env_request (env, ALICE, "/v1/reports", body, NULL);
	assert_int_equal (first->status, 200);
	assert_string_equal (brandd_test_env_json_string (first, "status"), "recorded");
	second = brandd_test_env_request (env, ALICE, "/v1/reports", body, NULL);
	assert_int_equal (second->status, 409);
	assert_string_equal (brandd_test_env_error_code (second), "already_reported");
}

static char *
test_brandd_server_outcome_body (const char *id, const char *outcome)
{
	return g_strdup_printf ("{\"token_id\": \"%s\", \"outcome\": \"%s\"}", id, outcome);
}

/* Reports @tok (a token answer) as aborted: its device is free again. */
static void
test_brandd_server_release (BtEnv *env, const char *client, const BtResponse *tok)
{
	g_autofree char *id = test_brandd_server_token_id (tok);
	g_autofree char *body = test_brandd_server_outcome_body (id, "aborted");
	g_autoptr (BtResponse) r = brandd_test_env_request (env, client, "/v1/reports", body, NULL);

	assert_int_equal (r->status, 200);
}

static gint64
test_brandd_server_sql_count (BtEnv *env, const char *sql)
{
	gint64 n = brandd_test_env_db_int (env, sql, NULL);

	assert_true (n >= 0);
	return n;
}

/* Issue 7: a success report whose read-back named device 1's IMEI, sent
 * for device 2's token, made device 1 imei_in_use. Now it is refused as a
 * mismatch, kept for the auditor, and device 1 can still be restored; the
 * token stays open for its true outcome. */
static void
test_brandd_server_read_back_mismatch (void **state)
{
	BtEnv *env = *state;
	g_autoptr (BtResponse) tok =
	    brandd_test_env_request (env, ALICE, "/v1/tokens", dev2_request, NULL);
	g_autofree char *id = test_brandd_server_token_id (tok);
	g_autofree char *body =
	    test_brandd_server_report_body (id, "success", "[\"" BT_DEV1_IMEI1 "\"]");
	g_autofree char *truth =
	    test_brandd_server_report_body (id, "success", "[\"" BT_DEV2_IMEI1 "\"]");
	g_autoptr (BtResponse) rep = NULL;
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (BtResponse) ok = NULL;

	assert_int_equal (tok->status, 200);
	rep = brandd_test_env_request (env, ALICE, "/v1/reports", body, NULL);
	assert_int_equal (rep->status, 409);
	assert_string_equal (brandd_test_env_error_code (rep), "read_back_mismatch");
	assert_non_null (strstr (rep->body, BT_DEV2_IMEI1));
	assert_non_null (strstr (rep->body, "mismatch"));
	assert_int_equal (
	    test_brandd_server_sql_count (env, "SELECT count(*) FROM report_mismatches"), 1);
	assert_int_equal (test_brandd_server_sql_count (env, "SELECT count(*) FROM reports"), 0);
	r = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (r->status, 200);
	ok = brandd_test_env_request (env, ALICE, "/v1/reports", truth, NULL);
	assert_int_equal (ok->status, 200);
}

/* At most one live token per device: another certificate (of another
 * centre here) is refused with the live token's expiry; the holder asking
 * again gets a new token that supersedes its own; reporting it frees the
 * device. */
static void
test_brandd_server_live_token (void **state)
{
	BtEnv *env = *state;
	g_autoptr (BtResponse) first =
	    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	g_autoptr (BtResponse) other_centre = NULL;
	g_autoptr (BtResponse) again = NULL;
	g_autoptr (BtResponse) late = NULL;
	g_autoptr (BtResponse) still = NULL;
	g_autoptr (BtResponse) after = NULL;
	g_autofree char *first_id = test_brandd_server_token_id (first);
	g_autofree char *late_body = NULL;
	JsonObject *err;

	assert_int_equal (first->status, 200);
	other_centre = brandd_test_env_request (env, BOB, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (other_centre->status, 409);
	assert_string_equal (brandd_test_env_error_code (other_centre), "token_live");
	err = json_object_get_object_member (json_node_get_object (other_centre->json), "error");
	assert_string_equal (json_object_get_string_member (err, "live_token_expires"),
			     brandd_test_env_json_string (first, "expires"));
	assert_non_null (strstr (json_object_get_string_member (err, "message"),
				 brandd_test_env_json_string (first, "expires")));
	/* refused requests were not recorded */
	assert_int_equal (test_brandd_server_sql_count (env, "SELECT count(*) FROM tokens"), 1);
	again = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (again->status, 200);
	late_body = test_brandd_server_outcome_body (first_id, "failed");
	late = brandd_test_env_request (env, ALICE, "/v1/reports", late_body, NULL);
	assert_int_equal (late->status, 409);
	assert_string_equal (brandd_test_env_error_code (late), "already_reported");
	still = brandd_test_env_request (env, BOB, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (still->status, 409);
	assert_string_equal (brandd_test_env_error_code (still), "token_live");
	test_brandd_server_release (env, ALICE, again);
	after = brandd_test_env_request (env, BOB, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (after->status, 200);
}

/* A device the factory records tie to a centre is restored there only. */
static void
test_brandd_server_device_centre (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	g_autofree char *csv =
	    brandd_test_env_write_file (env->dir,
					"tied.csv",
					"serial,hardware_id,manufacturer,model,tac,imei1,centre\n"
					"SN0009,,Quectel,EC25,49015420,490154203237534,MH-0002\n");
	const char *imp[] = {"import", "--db", env->db, csv, NULL};
	const char *req = "{\"device\": {\"serial\": \"SN0009\"}, \"current_imeis\": [null]}";

	assert_int_equal (brandd_test_env_run_brandd (imp, NULL, NULL), 0);
	brandd_test_env_start (env);
	{
		g_autoptr (BtResponse) alice =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", req, NULL);
		g_autoptr (BtResponse) bob =
		    brandd_test_env_request (env, BOB, "/v1/tokens", req, NULL);

		assert_int_equal (alice->status, 403);
		assert_string_equal (brandd_test_env_error_code (alice), "wrong_centre");
		assert_non_null (strstr (alice->body, "MH-0002"));
		assert_int_equal (bob->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

static void
test_brandd_server_quota (void **state)
{
	BtEnv *env = brandd_test_env_new ("[centres]\ndefault-daily-quota=1");
	const char *set[] = {"centre", "set", "DL-0001", "--quota", "3", "--db", env->db, NULL};
	g_autofree char *err = NULL;

	assert_int_equal (brandd_test_env_run_brandd (set, NULL, &err), 0);
	brandd_test_env_start (env);
	/* alice's centre has its own quota of 3, bob's the default of 1; each
	 * token is reported at once, so that the device is free again */
	for (guint i = 0; i < 3; i++) {
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
		assert_int_equal (r->status, 200);
		test_brandd_server_release (env, ALICE, r);
	}
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
		g_autoptr (BtResponse) b1 =
		    brandd_test_env_request (env, BOB, "/v1/tokens", dev2_request, NULL);
		g_autoptr (BtResponse) b2 = NULL;

		assert_int_equal (r->status, 429);
		assert_string_equal (brandd_test_env_error_code (r), "quota_reached");
		assert_non_null (strstr (r->body, "00:00 UTC"));
		assert_int_equal (b1->status, 200);
		test_brandd_server_release (env, BOB, b1);
		b2 = brandd_test_env_request (env, BOB, "/v1/tokens", dev2_request, NULL);
		assert_int_equal (b2->status, 429);
		assert_string_equal (brandd_test_env_error_code (b2), "quota_reached");
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
	brandd_test_env_free (env);
}

static void
test_brandd_server_tls_refusals (void **state)
{
	BtEnv *env = *state;
	const char *const refused[] = {"technician-expired", "technician-foreign", NULL};

	for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, refused[i], "/v1/health", NULL, NULL);
		if (r->status != 0 || r->curl_code == CURLE_OK)
			fail_msg ("client %s: expected a TLS refusal, got HTTP %ld",
				  refused[i] != NULL ? refused[i] : "without a certificate",
				  r->status);
	}
	{
		g_autoptr (BtResponse) ok =
		    brandd_test_env_request (env, "auditor-carol", "/v1/health", NULL, NULL);
		assert_int_equal (ok->status, 200);
		assert_string_equal (brandd_test_env_json_string (ok, "status"), "ok");
	}
}

static void
test_brandd_server_size_limits (void **state)
{
	g_autoptr (BtEnv) env =
	    brandd_test_env_new ("[server]\nmax-body-size=1024\nmax-header-size=1024");
	g_autoptr (GString) big =
	    g_string_new ("{\"device\": {\"serial\": \"SN0001\", \"pad\": \"");
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (BtResponse) small = NULL;

	brandd_test_env_start (env);
	for (guint i = 0; i < 2000; i++)
		g_string_append_c (big, 'x');
	g_string_append (big, "\"}, \"current_imeis\": [null]}");
	r = brandd_test_env_request (env, ALICE, "/v1/tokens", big->str, NULL);
	assert_int_equal (r->status, 413);
	/* headers over max-header-size: refused by libevent with 400 */
	{
		g_autoptr (BtResponse) h = NULL;
		g_autofree char *path = g_strnfill (2000, 'a');
		g_autofree char *long_path = g_strconcat ("/v1/health?", path, NULL);
		h = brandd_test_env_request (env, ALICE, long_path, NULL, NULL);
		assert_int_equal (h->status, 400);
	}
	/* the server is still there for the next client */
	small = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (small->status, 200);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

static int
test_brandd_server_tcp_connect (guint16 port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons (port)};
	int fd = socket (AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
	assert_true (fd >= 0);
	assert_int_equal (connect (fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* max-connections counts authenticated connections only: silent TCP
 * connections do not hold its slots (issue 7), two keep-alive clients
 * with certificates do. */
static void
test_brandd_server_max_connections (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[server]\nmax-connections=2");
	g_autoptr (BtTls) held0 = NULL;
	g_autoptr (BtTls) held1 = NULL;
	BtTls **held[2] = {&held0, &held1};
	int fds[4];

	brandd_test_env_start (env);
	for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
		fds[i] = test_brandd_server_tcp_connect (env->port);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		assert_int_equal (r->status, 200);
	}
	for (guint i = 0; i < G_N_ELEMENTS (held); i++) {
		g_autoptr (BtResponse) r = NULL;
		*held[i] = bt_tls_connect (env, ALICE);
		assert_non_null (*held[i]);
		r = bt_tls_request (*held[i], "/v1/health", NULL);
		assert_int_equal (r->status, 200);
	}
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		assert_int_equal (r->status, 0);
		assert_int_not_equal (r->curl_code, CURLE_OK);
	}
	for (guint i = 0; i < G_N_ELEMENTS (held); i++)
		g_clear_pointer (held[i], bt_tls_free);
	for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
		close (fds[i]);
	g_usleep (300 * 1000);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		assert_int_equal (r->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

static void
test_brandd_server_idle_timeout (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[server]\ntimeout=0.5");
	struct pollfd pfd;
	char byte;
	gint64 start;
	int fd;

	brandd_test_env_start (env);
	fd = test_brandd_server_tcp_connect (env->port);
	start = g_get_monotonic_time ();
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* a silent client is dropped after the timeout, not held forever */
	assert_int_equal (poll (&pfd, 1, 5000), 1);
	assert_true (read (fd, &byte, 1) <= 0);
	assert_true (g_get_monotonic_time () - start < 4 * G_USEC_PER_SEC);
	close (fd);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

typedef struct {
	const char *name;
	const char *config; /* appended to the config */
	const char *in_error;
} BadConfig;

static const BadConfig bad_configs[] = {
    {"unknown key", "[server]\ncolour=blue", "[server] colour"},
    {"bad timeout", "[server]\ntimeout=soon", "[server] timeout"},
    {"zero connections", "[server]\nmax-connections=0", "[server] max-connections"},
    {"bad listen", "[server]\nlisten=localhost", "listen"},
    {"long lifetime", "[tokens]\nlifetime=901", "[tokens] lifetime"},
    {"bad algorithm", "[tokens]\nalgorithm=RS256", "[tokens] algorithm"},
    {"key not for the algorithm", "[tokens]\nalgorithm=ES256", "signing-key"},
    {"no certificate", "[tls]\ncertificate=/nonexistent/server.pem", "/nonexistent/server.pem"},
    {"unknown group", "[frontend]\nx=1", "[frontend]"},
    {"negative quota", "[centres]\ndefault-daily-quota=-1", "default-daily-quota"},
};

static void
test_brandd_server_bad_config (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (bad_configs); i++) {
		g_autoptr (BtEnv) env = brandd_test_env_new (bad_configs[i].config);
		const char *argv[] = {"serve", "--config", env->conf, NULL};
		g_autofree char *out = NULL;
		g_autofree char *err = NULL;
		int rc = brandd_test_env_run_brandd (argv, &out, &err);

		if (rc != 2 || strstr (err, bad_configs[i].in_error) == NULL ||
		    strchr (err, '\n') != err + strlen (err) - 1)
			fail_msg ("%s: exit %d, stderr '%s'", bad_configs[i].name, rc, err);
	}
}

/* Another process holds the database's write lock past the busy timeout:
 * the answer is unavailable (503, try again shortly), and nothing was
 * recorded. */
static void
test_brandd_server_internal (void **state)
{
	BtEnv *env = *state;
	IrBranddDb *lock = NULL;
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (BtResponse) after = NULL;
	gint64 tokens = test_brandd_server_sql_count (env, "SELECT count(*) FROM tokens");

	lock = brandd_test_env_db_lock (env);
	r = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	brandd_test_env_db_unlock (lock);
	assert_int_equal (r->status, 503);
	assert_string_equal (brandd_test_env_error_code (r), "unavailable");
	assert_string_equal (r->retry_after, "2");
	assert_non_null (strstr (r->body, "nothing was recorded"));
	assert_int_equal (test_brandd_server_sql_count (env, "SELECT count(*) FROM tokens"),
			  tokens);
	/* the lock gone, the server serves again */
	after = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (after->status, 200);
}

static void
test_brandd_server_sigint (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	g_autoptr (BtResponse) r = NULL;

	brandd_test_env_start (env);
	r = brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
	assert_int_equal (r->status, 200);
	g_subprocess_send_signal (env->proc, SIGINT);
	assert_true (g_subprocess_wait (env->proc, NULL, NULL));
	assert_true (g_subprocess_get_if_exited (env->proc));
	assert_int_equal (g_subprocess_get_exit_status (env->proc), 0);
	g_clear_object (&env->proc);
}

static void
test_brandd_server_es256_key (void **state)
{
	g_autofree char *extra = g_strdup_printf ("[tokens]\nsigning-key=%s/token-es256.key\n"
						  "algorithm=ES256\nkey-id=dev-es256-1",
						  brandd_test_env_pki_dir ());
	g_autoptr (BtEnv) env = brandd_test_env_new (extra);
	g_autoptr (BtResponse) r = NULL;
	g_autoptr (IrToken) token = NULL;
	g_autoptr (IrTrustStore) trust = NULL;
	g_autoptr (GError) error = NULL;
	guint8 cnf[IR_TOKEN_CNF_LEN];
	guint8 nonce[10];
	IrTokenExpect expect = {0};

	brandd_test_env_start (env);
	r = brandd_test_env_request (env, ALICE, "/v1/tokens", dev1_request, NULL);
	assert_int_equal (r->status, 200);
	token = test_brandd_server_decode_token (r);
	assert_int_equal (ir_token_get_alg (token), IR_TOKEN_ALG_ES256);
	assert_string_equal (ir_token_get_kid (token), "dev-es256-1");
	trust = test_brandd_server_trust_store (env);
	for (guint i = 0; i < sizeof nonce; i++)
		nonce[i] = (guint8)i;
	test_brandd_server_client_cnf (env, ALICE, cnf);
	expect.client_spki_sha256 = cnf;
	expect.hardware_id = BT_DEV1_HWID;
	expect.serial = BT_DEV1_SERIAL;
	expect.nonce = nonce;
	expect.nonce_len = sizeof nonce;
	expect.has_counter = TRUE;
	expect.counter = 7;
	expect.current_imei[0] = "000000000000000";
	expect.current_imei[1] = "000000000000000";
	if (!ir_token_verify (token, trust, &expect, NULL, &error))
		fail_msg ("ES256 token refused: %s", error->message);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

#define GROUP_CLIENTS 24

typedef struct {
	BtEnv *env;
	BtResponse *r;
} GroupCall;

static gpointer
test_brandd_server_group_commit_thread (gpointer data)
{
	GroupCall *c = data;

	c->r = brandd_test_env_request (c->env, ALICE, "/v1/tokens", dev1_request, NULL);
	return NULL;
}

/* SIGTERM, then the "stats:" line imei-brandd prints on stdout as it
 * stops: tokens issued and write transactions committed. */
static void
test_brandd_server_group_commit_stop (BtEnv *env, guint64 *issued, guint64 *commits)
{
	GInputStream *out = g_subprocess_get_stdout_pipe (env->proc);
	g_autoptr (GDataInputStream) data = g_data_input_stream_new (out);
	g_autofree char *line = NULL;

	g_subprocess_send_signal (env->proc, SIGTERM);
	while ((line = g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL)) != NULL &&
	       !g_str_has_prefix (line, "stats: "))
		g_clear_pointer (&line, g_free);
	assert_non_null (line);
	assert_int_equal (sscanf (line,
				  "stats: %" G_GUINT64_FORMAT " tokens issued, %" G_GUINT64_FORMAT
				  " write transactions committed",
				  issued,
				  commits),
			  2);
	/* to the end of its output: it has exited, a second SIGTERM would
	 * find no handler */
	g_clear_pointer (&line, g_free);
	while ((line = g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL)) != NULL)
		g_clear_pointer (&line, g_free);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* Group commit (issue 14): requests that wait together for the database
 * (another writer holds it here) are committed together, in fewer write
 * transactions than tokens; each answered token is recorded, once, and
 * single use. */
static void
test_brandd_server_group_commit (void **state)
{
	/* all the clients from one address handshake at once */
	g_autoptr (BtEnv) env = brandd_test_env_new ("[centres]\ndefault-daily-quota=1000\n"
						     "[server]\nmax-handshakes-per-address=64\n");
	GroupCall calls[GROUP_CLIENTS] = {0};
	GThread *threads[GROUP_CLIENTS];
	const char *sql = brandd_test_pg_wanted ()
			      ? "SELECT count(*) FROM tokens WHERE cti = decode(?, 'hex')"
			      : "SELECT count(*) FROM tokens WHERE hex(cti) = upper(?)";
	IrBranddDb *lock = NULL;
	guint64 issued = 0;
	guint64 commits = 0;

	brandd_test_env_start (env);
	lock = brandd_test_env_db_lock (env);
	for (guint i = 0; i < GROUP_CLIENTS; i++) {
		calls[i].env = env;
		threads[i] =
		    g_thread_new ("group", test_brandd_server_group_commit_thread, &calls[i]);
	}
	/* not a timing assertion: however the requests fall, each waits for
	 * the lock at most once, and at least two share a transaction */
	g_usleep (1500 * 1000);
	brandd_test_env_db_unlock (lock);
	for (guint i = 0; i < GROUP_CLIENTS; i++) {
		g_autofree char *id = NULL;

		g_thread_join (threads[i]);
		assert_int_equal (calls[i].r->status, 200);
		id = test_brandd_server_token_id (calls[i].r);
		assert_int_equal (brandd_test_env_db_int (env, sql, id), 1);
	}
	assert_int_equal (test_brandd_server_sql_count (env, "SELECT count(*) FROM tokens"),
			  GROUP_CLIENTS);
	/* single use: the newest token is still open and takes one report,
	 * the others were closed as superseded as each next one was recorded;
	 * a second report of any is refused */
	for (guint pass = 0; pass < 2; pass++) {
		guint accepted = 0;

		for (guint i = 0; i < GROUP_CLIENTS; i++) {
			g_autofree char *id = test_brandd_server_token_id (calls[i].r);
			g_autofree char *body = test_brandd_server_outcome_body (id, "aborted");
			g_autoptr (BtResponse) r =
			    brandd_test_env_request (env, ALICE, "/v1/reports", body, NULL);

			if (r->status == 200)
				accepted++;
			else
				assert_string_equal (brandd_test_env_error_code (r),
						     "already_reported");
		}
		assert_int_equal (accepted, pass == 0 ? 1 : 0);
	}
	assert_int_equal (test_brandd_server_sql_count (env, "SELECT count(*) FROM reports"),
			  GROUP_CLIENTS);
	test_brandd_server_group_commit_stop (env, &issued, &commits);
	assert_int_equal (issued, GROUP_CLIENTS);
	assert_true (commits < issued);
	for (guint i = 0; i < GROUP_CLIENTS; i++)
		brandd_test_env_response_free (calls[i].r);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (test_brandd_server_token_verifies,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_server_token_legacy,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_server_refusals, test_brandd_server_setup, test_brandd_server_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_server_report_single_use,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_server_read_back_mismatch,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_server_live_token,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test (test_brandd_server_device_centre),
	    cmocka_unit_test_setup_teardown (test_brandd_server_tls_refusals,
					     test_brandd_server_setup,
					     test_brandd_server_teardown),
	    cmocka_unit_test (test_brandd_server_quota),
	    cmocka_unit_test (test_brandd_server_size_limits),
	    cmocka_unit_test (test_brandd_server_max_connections),
	    cmocka_unit_test (test_brandd_server_idle_timeout),
	    cmocka_unit_test (test_brandd_server_bad_config),
	    cmocka_unit_test (test_brandd_server_es256_key),
	    cmocka_unit_test (test_brandd_server_sigint),
	    cmocka_unit_test_setup_teardown (
		test_brandd_server_internal, test_brandd_server_setup, test_brandd_server_teardown),
	    cmocka_unit_test (test_brandd_server_group_commit),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
