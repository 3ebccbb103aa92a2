/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"

/* What the server offers, seen by `openssl s_client` (an independent TLS
 * implementation of the tests' choice): TLS 1.3 only, and no service
 * without a client certificate from the brand CA. */

static int
test_brandd_tls_setup (void **state)
{
	BtEnv *env = brandd_test_env_new (NULL);
	brandd_test_env_start (env);
	*state = env;
	return 0;
}

static int
test_brandd_tls_teardown (void **state)
{
	BtEnv *env = *state;

	assert_int_equal (brandd_test_env_stop (env), 0);
	brandd_test_env_free (env);
	return 0;
}

/* Sends a GET /v1/health with s_client @options; returns what came back
 * (stdout and stderr together). */
static char *
test_brandd_tls_s_client (BtEnv *env, const char *options, const char *client)
{
	g_autofree char *creds =
	    client != NULL
		? g_strdup_printf (
		      "-cert '%s/%s.pem' -key '%s/%s.key'", env->pki, client, env->pki, client)
		: g_strdup ("");
	g_autofree char *cmd = g_strdup_printf (
	    "printf 'GET /v1/health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: "
	    "close\\r\\n\\r\\n' | "
	    "timeout 10 openssl s_client -connect 127.0.0.1:%u -servername localhost "
	    "-CAfile '%s/ca.pem' -verify_return_error -ign_eof %s %s 2>&1",
	    env->port,
	    env->pki,
	    options,
	    creds);
	char *out = NULL;

	brandd_test_env_sh (cmd, &out, NULL);
	return out;
}

static void
test_brandd_tls_tls13_works (void **state)
{
	g_autofree char *out = test_brandd_tls_s_client (*state, "-tls1_3", "technician-alice");

	if (strstr (out, "\"status\":\"ok\"") == NULL || strstr (out, "TLSv1.3") == NULL)
		fail_msg ("TLS 1.3 with a client certificate should work:\n%s", out);
}

static void
test_brandd_tls_tls12_refused (void **state)
{
	g_autofree char *out = test_brandd_tls_s_client (*state, "-tls1_2", "technician-alice");

	if (strstr (out, "\"status\"") != NULL || strstr (out, "alert protocol version") == NULL)
		fail_msg ("TLS 1.2 should be refused with a protocol_version alert:\n%s", out);
}

static void
test_brandd_tls_tls11_refused (void **state)
{
	g_autofree char *out = test_brandd_tls_s_client (*state, "-tls1_1", "technician-alice");

	if (strstr (out, "\"status\"") != NULL)
		fail_msg ("TLS 1.1 should be refused:\n%s", out);
}

static void
test_brandd_tls_no_client_certificate (void **state)
{
	g_autofree char *out = test_brandd_tls_s_client (*state, "-tls1_3", NULL);

	if (strstr (out, "\"status\"") != NULL || strstr (out, "certificate required") == NULL)
		fail_msg ("a client without a certificate should get certificate_required:\n%s",
			  out);
}

static void
test_brandd_tls_foreign_client_certificate (void **state)
{
	g_autofree char *out = test_brandd_tls_s_client (*state, "-tls1_3", "technician-foreign");

	if (strstr (out, "\"status\"") != NULL || strstr (out, "alert") == NULL)
		fail_msg ("a certificate from another CA should be refused:\n%s", out);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (
		test_brandd_tls_tls13_works, test_brandd_tls_setup, test_brandd_tls_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_tls_tls12_refused, test_brandd_tls_setup, test_brandd_tls_teardown),
	    cmocka_unit_test_setup_teardown (
		test_brandd_tls_tls11_refused, test_brandd_tls_setup, test_brandd_tls_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_tls_no_client_certificate,
					     test_brandd_tls_setup,
					     test_brandd_tls_teardown),
	    cmocka_unit_test_setup_teardown (test_brandd_tls_foreign_client_certificate,
					     test_brandd_tls_setup,
					     test_brandd_tls_teardown),
	};

	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
