/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-brand-client.h"
#include "ir-error.h"
#include "ir-restore-log.h"
#include "ir-restore.h"
#include "test-restore-env.h"
#include "ir-protocols.h"

/* The brand client and the restore flow in-process, against the real
 * imei-brandd and imei-sim: what the command line cannot provoke (a
 * phone whose challenge changes mid-flow, the server's own view of an
 * expired or auditor certificate, a second report, PEM and PKCS#12
 * giving the same cnf). */

static IrTrustStore *
test_restore_brand_load_trust (void)
{
	g_autofree char *path =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	g_autoptr (GError) error = NULL;
	IrTrustStore *trust = ir_trust_store_load (path, &error);

	if (trust == NULL)
		fail_msg ("%s", error->message);
	return trust;
}

static IrBrandClient *
test_restore_brand_make_client (RtServer *server,
				IrTrustStore *trust,
				const char *stem,
				gboolean no_local_checks)
{
	g_autofree char *cert = g_strdup_printf ("%s/%s.pem", test_restore_env_pki (), stem);
	g_autofree char *key = g_strdup_printf ("%s/%s.key", test_restore_env_pki (), stem);
	IrBrandClientConfig cfg = {
	    .server_url = server->url,
	    .trust = trust,
	    .cert_path = cert,
	    .key_path = key,
	    .no_local_checks = no_local_checks,
	};
	g_autoptr (GError) error = NULL;
	IrBrandClient *client = ir_brand_client_new (&cfg, NULL, &error);

	if (client == NULL)
		fail_msg ("%s", error->message);
	return client;
}

typedef struct {
	IrSession *session;
	guint calls;
} NonceChanger;

/* The technician takes a while; meanwhile someone else asks the phone
 * for a challenge, so the token's nonce is no longer the phone's. */
static gboolean
test_restore_brand_confirm_and_rechallenge (const IrRestoreResult *plan,
					    gpointer user_data,
					    GCancellable *cancellable,
					    GError **error)
{
	NonceChanger *nc = user_data;
	g_autoptr (IrAtResponse) resp = NULL;

	if (nc->calls++ == 0) {
		resp = ir_at_channel_command_ok (
		    ir_session_get_channel (nc->session), "AT+IRCHAL", 5000, NULL, error);
		if (resp == NULL)
			return FALSE;
	}
	return TRUE;
}

static void
test_restore_brand_nonce_changes_mid_flow (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *args = g_strdup_printf (
	    "--family secure-restore-v1 --trust-store %s/trust-store.conf --imei %s --imei %s",
	    test_restore_env_pki (),
	    IR_TEST_IMEI_ZERO,
	    IR_TEST_IMEI_ZERO);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (args);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autoptr (IrBrandClient) client =
	    test_restore_brand_make_client (server, trust, "technician-alice", FALSE);
	g_autofree char *seen_path = g_build_filename (server->dir, "token-seen", NULL);
	g_autoptr (IrTokenSeen) seen = ir_token_seen_open (seen_path, NULL);
	g_autoptr (GError) error = NULL;
	IrRestoreLogConfig log_cfg = {
	    .state_dir = server->state_dir,
	    .centre = ir_brand_client_get_centre (client),
	    .workstation = "ws-brand",
	    .technician = ir_brand_client_get_subject (client),
	};
	g_autoptr (IrRestoreLog) log = ir_restore_log_open (&log_cfg, &error);
	g_autoptr (GPtrArray) pending = NULL;
	g_autoptr (IrSession) session = ir_session_open (sim->path, &error);
	NonceChanger nc = {.session = session};
	IrRestoreOptions opts = {
	    .client = client,
	    .trust = trust,
	    .seen = seen,
	    .confirm = test_restore_brand_confirm_and_rechallenge,
	    .confirm_data = &nc,
	    .journal = ir_restore_log_journal (),
	    .journal_data = log,
	};
	g_autoptr (IrRestoreResult) r = NULL;
	g_autofree char *after = NULL;

	assert_non_null (log);
	assert_non_null (session);
	r = ir_restore_run (session, &opts, NULL);
	if (r->error != NULL)
		print_message ("restore: %s\n", r->error->message);
	assert_int_equal (r->outcome, IR_RESTORE_RESTORED);
	assert_int_equal (r->token_requests, 2);
	assert_int_equal (nc.calls, 2);
	assert_true (r->reported);
	assert_string_equal (r->report_outcome, "success");
	assert_null (r->recovery_path);
	/* both tokens' INTENTs have their RESULT: none is pending */
	pending = ir_restore_log_pending (log, &error);
	assert_non_null (pending);
	assert_int_equal (pending->len, 0);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, RT_SR_IMEI1 ";" RT_SR_IMEI2 ";");
}

/* Without the local checks, the server's own refusals of a certificate. */
static void
test_restore_brand_server_refuses_expired_cert (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autoptr (IrBrandClient) client =
	    test_restore_brand_make_client (server, trust, "technician-expired", TRUE);
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;

	assert_false (ir_brand_client_health (client, &status, NULL, &error));
	assert_int_equal (status.failure, IR_BRAND_FAILURE_TLS_CLIENT);
	/* the server's alert, or (when it closed before we read it) our
	 * own check of why it refused */
	assert_non_null (strstr (error->message, "expired"));
	assert_non_null (strstr (error->message, server->url));
}

static void
test_restore_brand_server_refuses_auditor (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autoptr (IrBrandClient) client =
	    test_restore_brand_make_client (server, trust, "auditor-carol", TRUE);
	IrBrandTokenRequest req = {
	    .serial = RT_QCT_SERIAL, .n_slots = 1, .current_imei = {IR_TEST_IMEI_ZERO}};
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBrandTokenAnswer) answer = NULL;

	/* health takes any role: TLS and the pin are fine */
	assert_true (ir_brand_client_health (client, NULL, NULL, NULL));
	answer = ir_brand_client_request_token (client, &req, &status, NULL, &error);
	assert_null (answer);
	assert_int_equal (status.failure, IR_BRAND_FAILURE_REFUSED);
	assert_string_equal (status.server_code, "role_not_allowed");
	assert_non_null (strstr (error->message, "technician certificate"));
}

/* A token is reported once; a report the server already has, on a first
 * attempt, is somebody else's: an error, not "done". */
static void
test_restore_brand_report_twice (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autoptr (IrBrandClient) client =
	    test_restore_brand_make_client (server, trust, "technician-alice", FALSE);
	IrBrandTokenRequest req = {.serial = RT_QCT_SERIAL,
				   .manufacturer = "Quectel",
				   .model = "EC25",
				   .n_slots = 1,
				   .current_imei = {IR_TEST_IMEI_ZERO}};
	g_autoptr (IrBrandTokenAnswer) answer = NULL;
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;

	answer = ir_brand_client_request_token (client, &req, NULL, NULL, &error);
	assert_non_null (answer);
	assert_true (ir_brand_client_report (
	    client, answer->token_id, "aborted", NULL, 0, "test", NULL, NULL, &error));
	assert_false (ir_brand_client_report (
	    client, answer->token_id, "aborted", NULL, 0, "test", &status, NULL, &error));
	assert_string_equal (status.server_code, "already_reported");
	assert_non_null (strstr (error->message, answer->token_id));
}

/* PKCS#12 and PEM of one technician: the same cnf, the one the server
 * binds tokens to. */
static void
test_restore_brand_p12_and_pem_cnf (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autoptr (IrBrandClient) pem =
	    test_restore_brand_make_client (server, trust, "technician-alice", FALSE);
	g_autofree char *p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	IrBrandClientConfig cfg = {.server_url = server->url,
				   .trust = trust,
				   .p12_path = p12,
				   .passphrase = "imeirestore-dev"};
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBrandClient) client = ir_brand_client_new (&cfg, NULL, &error);

	assert_non_null (client);
	assert_memory_equal (
	    ir_brand_client_get_cnf (client), ir_brand_client_get_cnf (pem), IR_TOKEN_CNF_LEN);
	assert_string_equal (ir_brand_client_get_centre (client), "DL-0001");
	assert_string_equal (ir_brand_client_get_role (client), "technician");
	assert_true (ir_brand_client_health (client, NULL, NULL, &error));
}

/* Keep-alive (issue 11): requests of one client ride one TLS connection
 * to the brand server; the benches' baseline (fresh_connections) makes a
 * new one each. libcurl counts the connections it opened. */
static void
test_restore_brand_connection_kept_alive (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_brand_load_trust ();
	g_autofree char *cert =
	    g_strdup_printf ("%s/technician-alice.pem", test_restore_env_pki ());
	g_autofree char *key = g_strdup_printf ("%s/technician-alice.key", test_restore_env_pki ());

	for (guint fresh = 0; fresh <= 1; fresh++) {
		IrBrandClientConfig cfg = {
		    .server_url = server->url,
		    .trust = trust,
		    .cert_path = cert,
		    .key_path = key,
		    .fresh_connections = fresh,
		};
		g_autoptr (GError) error = NULL;
		g_autoptr (IrBrandClient) client = ir_brand_client_new (&cfg, NULL, &error);
		guint requests = 0, connections = 0;

		g_assert_no_error (error);
		for (guint i = 0; i < 3; i++) {
			assert_true (ir_brand_client_health (client, NULL, NULL, &error));
			g_assert_no_error (error);
		}
		ir_brand_client_get_connection_stats (client, &requests, &connections);
		assert_int_equal (requests, 3);
		assert_int_equal (connections, fresh ? 3 : 1);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_restore_brand_nonce_changes_mid_flow),
	    cmocka_unit_test (test_restore_brand_server_refuses_expired_cert),
	    cmocka_unit_test (test_restore_brand_server_refuses_auditor),
	    cmocka_unit_test (test_restore_brand_report_twice),
	    cmocka_unit_test (test_restore_brand_p12_and_pem_cnf),
	    cmocka_unit_test (test_restore_brand_connection_kept_alive),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("restore-brand", tests, NULL, NULL);
}
