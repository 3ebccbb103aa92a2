/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test-restore-env.h"

/* imeictl restore with several brand server nodes (issue 14): two real
 * imei-brandd processes on one SQLite file, --server given twice. The
 * client fails over to the next node on a transport error only, with the
 * same request_id, so that a node that recorded a token and died is
 * answered for by the next with that token, counted once. */

#define ZERO	      IR_TEST_IMEI_ZERO
#define QUECTEL_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO

/* A number from the server's database (SQLite). */
static gint64
test_restore_nodes_db_int (RtServer *server, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	gint64 n = -1;

	if (sqlite3_open_v2 (server->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg ("%s: %s", sql, sqlite3_errmsg (db));
	if (sqlite3_step (stmt) == SQLITE_ROW)
		n = sqlite3_column_int64 (stmt, 0);
	sqlite3_finalize (stmt);
	sqlite3_close (db);
	return n;
}

static gint64
test_restore_nodes_tokens (RtServer *server)
{
	return test_restore_nodes_db_int (server, "SELECT count(*) FROM tokens");
}

static gint64
test_restore_nodes_issued (RtServer *server)
{
	return test_restore_nodes_db_int (server,
					  "SELECT coalesce(sum(issued), 0) FROM centre_day_counts");
}

/* The workstation's migration log, "" when there is none. */
static char *
test_restore_nodes_log (RtServer *server)
{
	g_autofree char *path = g_build_filename (server->state_dir, "migration-log.jsonl", NULL);
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return g_strdup ("");
	return text;
}

static void
test_restore_nodes_restored (const IrTestRun *run, IrTestSim *sim)
{
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	if (run->exit_code != 0)
		fail_msg ("exit %d: %s", run->exit_code, run->err);
	assert_string_equal (after, RT_QCT_IMEI1 ";");
	assert_string_equal (test_restore_env_json_path (run, "report.outcome"), "success");
}

/* The first URL refuses connections: the second node restores. */
static void
test_restore_nodes_first_dead (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (RtServer) node2 = test_restore_env_server_node (server, NULL, NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *dead = test_restore_env_dead_url ();
	const char *extra[] = {"--server", dead, "--server", node2->url, NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, extra);

	(void)state;
	test_restore_nodes_restored (run, sim);
	assert_int_equal (test_restore_nodes_tokens (server), 1);
	assert_int_equal (test_restore_nodes_issued (server), 1);
}

/* A node that accepts the connection and never answers (a listening
 * socket nobody accepts from: the kernel completes the TCP handshake, the
 * TLS one never comes), as a hung node behind a dead route would: past
 * --server-timeout it counts as down and the next node restores. */
static void
test_restore_nodes_silent_node_times_out (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autoptr (GSocket) silent =
	    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr (GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
	g_autoptr (GSocketAddress) bound = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *silent_url = NULL;
	g_autoptr (IrTestRun) run = NULL;

	(void)state;
	if (!g_socket_bind (silent, any, FALSE, &error) || !g_socket_listen (silent, &error))
		fail_msg ("cannot listen on a loopback port: %s", error->message);
	bound = g_socket_get_local_address (silent, &error);
	assert_non_null (bound);
	silent_url = g_strdup_printf (
	    "https://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
	{
		const char *extra[] = {
		    "--server", silent_url, "--server", server->url, "--server-timeout", "1", NULL};
		run = test_restore_env_restore (server, sim->path, TRUE, extra);
	}
	test_restore_nodes_restored (run, sim);
	assert_int_equal (test_restore_nodes_tokens (server), 1);
	assert_int_equal (test_restore_nodes_issued (server), 1);
}

/* The first node records the token and dies before its answer leaves
 * (its test hook SIGKILLs it there): the same request, with the same
 * request_id, on the second node gets the token the first recorded, and
 * the centre's count is 1. Also the list as $IMEIRESTORE_SERVER would
 * give it, in one word. */
static void
test_restore_nodes_killed_after_record (void **state)
{
	const char *die[] = {"IMEI_BRANDD_TEST_DIE_BEFORE_TOKEN_ANSWER=1", NULL};
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (RtServer) node1 = test_restore_env_server_node (server, NULL, die);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *list = g_strdup_printf ("%s; %s", node1->url, server->url);
	const char *extra[] = {"--server", list, NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, extra);
	g_autoptr (GError) error = NULL;

	(void)state;
	test_restore_nodes_restored (run, sim);
	/* node 1 did die there */
	assert_true (g_subprocess_wait (node1->proc, NULL, &error));
	assert_true (g_subprocess_get_if_signaled (node1->proc));
	assert_int_equal (g_subprocess_get_term_sig (node1->proc), SIGKILL);
	/* one token, counted once, and its report */
	assert_int_equal (test_restore_nodes_tokens (server), 1);
	assert_int_equal (test_restore_nodes_issued (server), 1);
	assert_int_equal (test_restore_nodes_db_int (
			      server,
			      "SELECT count(*) FROM reports r JOIN tokens t ON t.cti = r.cti "
			      "WHERE r.outcome = 'success' AND t.request_id IS NOT NULL"),
			  1);
}

/* A refusal is an answer: 429 quota_reached from the first node is
 * reported, never tried on the second (whose own database has quota). */
static void
test_restore_nodes_429_not_failed_over (void **state)
{
	g_autoptr (RtServer) full =
	    test_restore_env_server_start ("[centres]\ndefault-daily-quota=0\n");
	g_autoptr (RtServer) spare = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	const char *extra[] = {"--server", full->url, "--server", spare->url, NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (full, sim->path, TRUE, extra);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	(void)state;
	assert_int_equal (run->exit_code, 8);
	assert_string_equal (test_restore_env_error_code (run), "quota_reached");
	assert_string_equal (after, ZERO ";");
	assert_int_equal (test_restore_nodes_tokens (full), 0);
	assert_int_equal (test_restore_nodes_tokens (spare), 0);
}

/* A node whose certificate fails verification (the brand CA's, but not
 * for this host, nor the pinned key) is not a node that is down: the
 * restore stops there (exit 7, tls_server_name or tls_pin_mismatch) and
 * the good node after it is never asked. */
static void
test_restore_nodes_bad_certificate_not_failed_over (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *conf_text = NULL;
	g_autofree char *bad_conf = NULL;
	g_autoptr (RtServer) impostor = NULL;
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autoptr (IrTestRun) run = NULL;
	g_autofree char *after = NULL;
	const char *code;

	(void)state;
	assert_true (g_file_get_contents (server->conf, &conf_text, NULL, NULL));
	{
		g_autoptr (GString) text = g_string_new (conf_text);

		g_string_replace (text, "/server.pem", "/technician-serverauth.pem", 1);
		g_string_replace (text, "/server.key", "/technician-serverauth.key", 1);
		bad_conf = ir_test_harness_write_file (server->dir, "impostor.conf", text->str);
	}
	impostor = test_restore_env_server_node (server, bad_conf, NULL);
	{
		const char *extra[] = {"--server", impostor->url, "--server", server->url, NULL};
		run = test_restore_env_restore (server, sim->path, TRUE, extra);
	}
	after = test_restore_env_sim_imeis (sim);
	code = test_restore_env_error_code (run);
	assert_int_equal (run->exit_code, 7);
	assert_non_null (code);
	if (g_strcmp0 (code, "tls_server_name") != 0 && g_strcmp0 (code, "tls_pin_mismatch") != 0)
		fail_msg ("expected a failed verification, got %s", code);
	assert_string_equal (after, ZERO ";");
	assert_int_equal (test_restore_nodes_tokens (server), 0);
}

/* Every node down: the transport exit code (7), an error that names
 * each URL and what happened there, nothing written to the phone and no
 * INTENT in the log. */
static void
test_restore_nodes_all_dead (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *dead1 = test_restore_env_dead_url ();
	g_autofree char *dead2 = test_restore_env_dead_url ();
	const char *extra[] = {"--server", dead1, "--server", dead2, NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, extra);
	g_autofree char *after = test_restore_env_sim_imeis (sim);
	g_autofree char *log = test_restore_nodes_log (server);
	const char *message = test_restore_env_json_path (run, "error.message");

	(void)state;
	assert_int_equal (run->exit_code, 7);
	assert_string_equal (test_restore_env_error_code (run), "server_unreachable");
	assert_non_null (message);
	if (strstr (message, dead1) == NULL || strstr (message, dead2) == NULL)
		fail_msg ("not every URL named: %s", message);
	assert_non_null (strstr (message, "server_unreachable"));
	assert_string_equal (after, ZERO ";");
	assert_null (strstr (log, "\"INTENT\""));
	assert_int_equal (test_restore_nodes_tokens (server), 0);
}

/* A list with a mistake in it is bad input (2) before anything is sent. */
static void
test_restore_nodes_bad_list (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	const char *extra[] = {"--server", server->url, "--server", "http://127.0.0.1:1", NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, extra);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	(void)state;
	assert_int_equal (run->exit_code, 2);
	assert_non_null (strstr (run->out, "plain http"));
	assert_string_equal (after, ZERO ";");
}

/* A server timeout that is not 1 to 600 whole seconds is bad input (2),
 * before anything is sent or written. */
static void
test_restore_nodes_bad_timeout (void **state)
{
	static const char *const bad[] = {"0", "601", "2.5", "soon", "-1"};
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		const char *extra[] = {"--server-timeout", bad[i], NULL};
		g_autoptr (IrTestRun) run =
		    test_restore_env_restore (server, sim->path, TRUE, extra);
		g_autofree char *after = test_restore_env_sim_imeis (sim);
		g_autofree char *log = test_restore_nodes_log (server);

		if (run->exit_code != 2 || strstr (run->out, "--server-timeout SECONDS") == NULL)
			fail_msg (
			    "--server-timeout %s: exit %d: %s", bad[i], run->exit_code, run->out);
		assert_string_equal (after, ZERO ";");
		assert_string_equal (log, "");
	}
	assert_int_equal (test_restore_nodes_tokens (server), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_restore_nodes_first_dead),
	    cmocka_unit_test (test_restore_nodes_silent_node_times_out),
	    cmocka_unit_test (test_restore_nodes_killed_after_record),
	    cmocka_unit_test (test_restore_nodes_429_not_failed_over),
	    cmocka_unit_test (test_restore_nodes_bad_certificate_not_failed_over),
	    cmocka_unit_test (test_restore_nodes_all_dead),
	    cmocka_unit_test (test_restore_nodes_bad_list),
	    cmocka_unit_test (test_restore_nodes_bad_timeout),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
