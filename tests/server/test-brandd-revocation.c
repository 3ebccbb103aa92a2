/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"

/* Issue 7: a stolen certificate worked until it expired, and a keep-alive
 * connection kept getting tokens after its certificate expired. Now every
 * request checks the certificate's validity and the revocations (`cert
 * revoke`, [tls] crl), on connections already open too; a certificate
 * without the clientAuth extended key usage is refused at the handshake. */

#define ALICE	    "technician-alice"
#define BOB	    "technician-bob"
#define SHORT_LIVED "technician-shortlived"
#define LIFETIME_S  4

static const char dev2_request[] =
    "{\"device\": {\"serial\": \"" BT_DEV2_SERIAL "\"}, \"current_imeis\": [null]}";

static char *
test_brandd_revocation_cert_serial (const char *pki, const char *client)
{
	g_autofree char *cmd =
	    g_strdup_printf ("openssl x509 -noout -serial -in '%s/%s.pem'", pki, client);
	g_autofree char *out = NULL;

	assert_int_equal (brandd_test_env_sh (cmd, &out, NULL), 0);
	assert_true (g_str_has_prefix (out, "serial="));
	return g_strstrip (g_strdup (out + strlen ("serial=")));
}

static void
test_brandd_revocation_assert_refused (BtResponse *r, const char *code)
{
	if (r->status != 403 || g_strcmp0 (brandd_test_env_error_code (r), code) != 0)
		fail_msg ("expected 403 %s, got %ld: %s", code, r->status, r->body);
}

/* Revoked while its connection is open: the next request on it is
 * refused, and so is a new connection's; bob is not affected. */
static void
test_brandd_revocation_revoke_open_connection (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	g_autoptr (BtTls) tls = NULL;
	g_autofree char *serial =
	    test_brandd_revocation_cert_serial (brandd_test_env_pki_dir (), ALICE);
	g_autofree char *lower = g_ascii_strdown (serial, -1);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	const char *revoke[] = {
	    "cert", "revoke", lower, "--reason", "laptop stolen", "--db", env->db, NULL};
	const char *bad[] = {"cert", "revoke", "12:XY", "--db", env->db, NULL};

	brandd_test_env_start (env);
	tls = bt_tls_connect (env, ALICE);
	assert_non_null (tls);
	{
		g_autoptr (BtResponse) r = bt_tls_request (tls, "/v1/tokens", dev2_request);
		assert_int_equal (r->status, 200);
	}
	assert_int_equal (brandd_test_env_run_brandd (bad, NULL, &err), 2);
	assert_non_null (strstr (err, "SERIAL"));
	g_clear_pointer (&err, g_free);
	/* by another process, while the server runs: as a brand would */
	assert_int_equal (brandd_test_env_run_brandd (revoke, &out, &err), 0);
	assert_non_null (strstr (out, "is revoked"));
	{
		g_autoptr (BtResponse) again = bt_tls_request (tls, "/v1/tokens", dev2_request);
		g_autoptr (BtResponse) health = bt_tls_request (tls, "/v1/health", NULL);
		g_autoptr (BtResponse) fresh =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		g_autoptr (BtResponse) other =
		    brandd_test_env_request (env, BOB, "/v1/health", NULL, NULL);

		test_brandd_revocation_assert_refused (again, "certificate_revoked");
		assert_non_null (strstr (again->body, serial));
		test_brandd_revocation_assert_refused (health, "certificate_revoked");
		test_brandd_revocation_assert_refused (fresh, "certificate_revoked");
		assert_int_equal (other->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* A technician certificate valid for LIFETIME_S seconds from now, signed
 * by the test CA with `openssl ca` (the only CLI that takes exact dates). */
static void
test_brandd_revocation_make_short_lived (const char *pki)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (GDateTime) start = g_date_time_add_seconds (now, -60);
	g_autoptr (GDateTime) end = g_date_time_add_seconds (now, LIFETIME_S);
	g_autofree char *from = g_date_time_format (start, "%Y%m%d%H%M%SZ");
	g_autofree char *until = g_date_time_format (end, "%Y%m%d%H%M%SZ");
	g_autofree char *err = NULL;
	g_autofree char *cmd = g_strdup_printf (
	    "set -e; cd '%s'; rm -rf sl; mkdir sl; : > sl/index.txt; openssl rand -hex 16 > "
	    "sl/serial; printf '%%s\\n' '[ca]' 'default_ca = d' '[d]' 'database = sl/index.txt' "
	    "'new_certs_dir = sl' 'serial = sl/serial' 'default_md = sha256' 'policy = p' "
	    "'[p]' 'commonName = supplied' '[leaf]' 'basicConstraints = critical,CA:FALSE' "
	    "'extendedKeyUsage = clientAuth' "
	    "'subjectAltName = URI:urn:imeirestore:role:technician,URI:urn:imeirestore:centre:"
	    "DL-0001' > sl/ca.cnf; "
	    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " SHORT_LIVED
	    ".key 2>/dev/null; openssl req -new -key " SHORT_LIVED
	    ".key -subj /CN=shortlived -out sl/s.csr; "
	    "openssl ca -batch -config sl/ca.cnf -notext -extensions leaf -cert ca.pem -keyfile "
	    "ca.key -startdate %s -enddate %s -in sl/s.csr -out " SHORT_LIVED ".pem 2>/dev/null",
	    pki,
	    from,
	    until);

	if (brandd_test_env_sh (cmd, NULL, &err) != 0)
		fail_msg ("cannot make the short-lived certificate: %s", err);
}

/* The certificate expires while its connection is open: the next request
 * on that connection is refused. */
static void
test_brandd_revocation_expiry_open_connection (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	g_autoptr (BtTls) tls = NULL;
	gint64 expires;

	test_brandd_revocation_make_short_lived (brandd_test_env_pki_dir ());
	expires = g_get_real_time () / G_USEC_PER_SEC + LIFETIME_S;
	brandd_test_env_start (env);
	tls = bt_tls_connect (env, SHORT_LIVED);
	assert_non_null (tls);
	{
		g_autoptr (BtResponse) r = bt_tls_request (tls, "/v1/tokens", dev2_request);
		assert_int_equal (r->status, 200);
	}
	/* the connection stays open (timeout 10 s) past the expiry */
	while (g_get_real_time () / G_USEC_PER_SEC <= expires + 1)
		g_usleep (200 * 1000);
	{
		g_autoptr (BtResponse) r = bt_tls_request (tls, "/v1/tokens", dev2_request);
		g_autoptr (BtResponse) fresh =
		    brandd_test_env_request (env, SHORT_LIVED, "/v1/health", NULL, NULL);

		test_brandd_revocation_assert_refused (r, "certificate_expired");
		/* and a new connection does not get past the handshake */
		assert_int_equal (fresh->status, 0);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* [tls] crl: the revoked certificate of the development PKI is refused at
 * the handshake; without the CRL it would be served. */
static void
test_brandd_revocation_crl (void **state)
{
	g_autofree char *extra =
	    g_strdup_printf ("[tls]\ncrl=%s/crl.pem", brandd_test_env_pki_dir ());
	g_autoptr (BtEnv) with = brandd_test_env_new (extra);
	g_autoptr (BtEnv) without = brandd_test_env_new (NULL);

	brandd_test_env_start (with);
	brandd_test_env_start (without);
	{
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (with, "technician-revoked", "/v1/health", NULL, NULL);
		g_autoptr (BtResponse) ok =
		    brandd_test_env_request (with, ALICE, "/v1/health", NULL, NULL);
		g_autoptr (BtResponse) control = brandd_test_env_request (
		    without, "technician-revoked", "/v1/health", NULL, NULL);

		assert_int_equal (r->status, 0);
		assert_int_not_equal (r->curl_code, CURLE_OK);
		assert_int_equal (ok->status, 200);
		assert_int_equal (control->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (with), 0);
	assert_int_equal (brandd_test_env_stop (without), 0);
}

/* No extended key usage, or serverAuth only: not a client certificate. */
static void
test_brandd_revocation_client_auth_eku (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (NULL);
	const char *const refused[] = {"technician-noeku", "technician-serverauth"};

	brandd_test_env_start (env);
	for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, refused[i], "/v1/health", NULL, NULL);
		if (r->status != 0 || r->curl_code == CURLE_OK)
			fail_msg (
			    "%s: expected a TLS refusal, got HTTP %ld", refused[i], r->status);
	}
	{
		g_autoptr (BtResponse) ok =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		assert_int_equal (ok->status, 200);
	}
	assert_int_equal (brandd_test_env_stop (env), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_revocation_revoke_open_connection),
	    cmocka_unit_test (test_brandd_revocation_expiry_open_connection),
	    cmocka_unit_test (test_brandd_revocation_crl),
	    cmocka_unit_test (test_brandd_revocation_client_auth_eku),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
