/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir-brand-client.h"
#include "ir-brand-credential-pkcs11.h"
#include "bench-stats.h"

/* What a technician's key on a PKCS#11 token costs, against the same
 * client with a PEM key, on loopback with a development PKI made here
 * (certs/gen-dev-pki.sh --pkcs11: a SoftHSM token) and imei-brandd:
 *  1. sign-in: find the token's credential and unlock it (module loaded,
 *     C_Login, key found), then drop it; N times (argument 1, default 50);
 *  2. GET /v1/health, each a new mutual TLS 1.3 connection whose
 *     CertificateVerify the client key signs: N times with the PEM key
 *     (the baseline), N times with the key on the token; medians, p90 and
 *     the ratio token/PEM.
 * SoftHSM signs in software: a smart card signs in tens to hundreds of ms,
 * so the token figure is a floor. Prints figures; never fails on a time. */

#define BENCH_DEFAULT_RUNS 50
#define BENCH_TOKEN	   "pkcs11:token=imeirestore-dev;object=technician"

typedef struct {
	char *pki;
	char *module;
	char *pin;
	char *url;
	IrTrustStore *trust;
} BenchPkcs11;

static void
bench_pkcs11_die (const char *what, const GError *error)
{
	fprintf (stderr, "bench-pkcs11: %s: %s\n", what, error != NULL ? error->message : "failed");
	exit (1);
}

static char *
bench_pkcs11_pki_line (const BenchPkcs11 *b, const char *name)
{
	g_autofree char *path = g_build_filename (b->pki, name, NULL);
	g_autoptr (GError) error = NULL;
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, &error))
		bench_pkcs11_die (path, error);
	return g_strchomp (text);
}

static void
bench_pkcs11_make_pki (BenchPkcs11 *b)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *script = NULL;
	g_autofree char *conf = NULL;
	int status = 0;

	b->pki = g_dir_make_tmp ("bench-pkcs11-XXXXXX", &error);
	if (b->pki == NULL)
		bench_pkcs11_die ("a temporary folder", error);
	script = g_build_filename (IR_BENCH_SRCDIR, "certs", "gen-dev-pki.sh", NULL);
	{
		const char *argv[] = {script, "--pkcs11", b->pki, NULL};
		if (!g_spawn_sync (NULL,
				   (char **)argv,
				   NULL,
				   G_SPAWN_STDOUT_TO_DEV_NULL,
				   NULL,
				   NULL,
				   NULL,
				   NULL,
				   &status,
				   &error) ||
		    !g_spawn_check_wait_status (status, &error))
			bench_pkcs11_die ("gen-dev-pki.sh --pkcs11", error);
	}
	conf = g_build_filename (b->pki, "softhsm2.conf", NULL);
	g_setenv ("SOFTHSM2_CONF", conf, TRUE);
	b->module = bench_pkcs11_pki_line (b, "pkcs11-module.txt");
	b->pin = bench_pkcs11_pki_line (b, "pkcs11-pin.txt");
}

static GSubprocess *
bench_pkcs11_start_server (BenchPkcs11 *b)
{
	const char *brandd =
	    g_getenv ("IMEI_BRANDD") != NULL ? g_getenv ("IMEI_BRANDD") : IR_BENCH_IMEI_BRANDD;
	g_autofree char *db = g_build_filename (b->pki, "brandd.db", NULL);
	g_autofree char *conf_path = g_build_filename (b->pki, "brandd.conf", NULL);
	g_autofree char *conf = g_strdup_printf (
	    "[server]\nlisten=127.0.0.1:0\ndatabase=%s\n"
	    "[tls]\ncertificate=%s/server.pem\nprivate-key=%s/server.key\nclient-ca=%s/ca.pem\n"
	    "[tokens]\nsigning-key=%s/token-ed25519.key\nalgorithm=EdDSA\n"
	    "key-id=dev-ed25519-1\nphase=BENCH\n",
	    db,
	    b->pki,
	    b->pki,
	    b->pki,
	    b->pki);
	const char *init[] = {brandd, "init-db", "--db", db, NULL};
	g_autoptr (GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	g_autoptr (GError) error = NULL;
	GSubprocess *proc;
	int status = 0;

	if (!g_file_set_contents (conf_path, conf, -1, &error) ||
	    !g_spawn_sync (NULL,
			   (char **)init,
			   NULL,
			   G_SPAWN_STDOUT_TO_DEV_NULL,
			   NULL,
			   NULL,
			   NULL,
			   NULL,
			   &status,
			   &error) ||
	    !g_spawn_check_wait_status (status, &error))
		bench_pkcs11_die ("preparing imei-brandd", error);
	proc = g_subprocess_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, brandd, "serve", "--config", conf_path, NULL);
	if (proc == NULL)
		bench_pkcs11_die ("starting imei-brandd", error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
	if (line == NULL || !g_str_has_prefix (line, "listening on "))
		bench_pkcs11_die ("imei-brandd did not say where it listens", error);
	b->url = g_strdup (line + strlen ("listening on "));
	return proc;
}

static char *
bench_pkcs11_pin (const IrBrandPinRequest *request, gpointer user_data, GError **error)
{
	return g_strdup (user_data);
}

static IrBrandCredential *
bench_pkcs11_sign_in (const BenchPkcs11 *b)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBrandCredential) cred =
	    ir_brand_credential_pkcs11_find (BENCH_TOKEN, b->module, &error);

	if (cred == NULL ||
	    !ir_brand_credential_pkcs11_unlock (cred, bench_pkcs11_pin, b->pin, &error))
		bench_pkcs11_die ("signing in with the token", error);
	return g_steal_pointer (&cred);
}

/* Prints the median and p90 of @ms; returns the median. */
static gdouble
bench_pkcs11_report (const char *what, GArray *ms)
{
	gdouble median = bench_stats_array_median (ms);

	printf ("  %-34s median %7.2f ms   p90 %7.2f ms   (%u runs)\n",
		what,
		median,
		bench_stats_array_percentile (ms, 90),
		ms->len);
	return median;
}

static gdouble
bench_pkcs11_health (const char *what, IrBrandClient *client, guint runs)
{
	g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));

	for (guint i = 0; i < runs; i++) {
		g_autoptr (GError) error = NULL;
		gint64 t0 = g_get_monotonic_time ();
		gdouble took;

		if (!ir_brand_client_health (client, NULL, NULL, &error))
			bench_pkcs11_die (what, error);
		took = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
		g_array_append_val (ms, took);
	}
	return bench_pkcs11_report (what, ms);
}

int
main (int argc, char **argv)
{
	guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_RUNS;
	BenchPkcs11 b = {0};
	g_autoptr (GSubprocess) server = NULL;
	g_autoptr (GArray) sign_in = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr (IrBrandCredential) token = NULL;
	g_autoptr (IrBrandClient) pem_client = NULL;
	g_autoptr (IrBrandClient) token_client = NULL;
	g_autofree char *ts = NULL;
	g_autofree char *cert = NULL;
	g_autofree char *key = NULL;
	g_autofree char *rm = NULL;
	g_autoptr (GError) error = NULL;
	gdouble pem_ms;
	gdouble token_ms;

	runs = MAX (runs, 1);
	bench_pkcs11_make_pki (&b);
	server = bench_pkcs11_start_server (&b);
	ts = g_build_filename (b.pki, "trust-store.conf", NULL);
	b.trust = ir_trust_store_load (ts, &error);
	if (b.trust == NULL)
		bench_pkcs11_die (ts, error);
	printf ("bench-pkcs11: a technician's key on a SoftHSM token vs a PEM key, %s\n", b.url);

	for (guint i = 0; i < runs; i++) {
		gint64 t0 = g_get_monotonic_time ();
		g_autoptr (IrBrandCredential) cred = bench_pkcs11_sign_in (&b);
		gdouble took = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
		g_array_append_val (sign_in, took);
	}
	bench_pkcs11_report ("sign-in (find, C_Login, key)", sign_in);

	cert = g_build_filename (b.pki, "technician-alice.pem", NULL);
	key = g_build_filename (b.pki, "technician-alice.key", NULL);
	{
		IrBrandClientConfig cfg = {
		    .server_url = b.url, .trust = b.trust, .cert_path = cert, .key_path = key};
		pem_client = ir_brand_client_new (&cfg, NULL, &error);
	}
	token = bench_pkcs11_sign_in (&b);
	{
		IrBrandClientConfig cfg = {
		    .server_url = b.url, .trust = b.trust, .credential = token};
		token_client = ir_brand_client_new (&cfg, NULL, &error);
	}
	if (pem_client == NULL || token_client == NULL)
		bench_pkcs11_die ("a brand client", error);
	/* one of each first: connection set-up paths warmed */
	bench_pkcs11_health ("warm-up (PEM)", pem_client, 1);
	bench_pkcs11_health ("warm-up (token)", token_client, 1);
	pem_ms = bench_pkcs11_health ("health over mTLS 1.3, PEM key", pem_client, runs);
	token_ms = bench_pkcs11_health ("health over mTLS 1.3, token key", token_client, runs);
	printf ("  ratio token/PEM (baseline PEM, same run): %.2f\n", token_ms / pem_ms);
	fflush (stdout);

	g_clear_pointer (&token_client, ir_brand_client_unref);
	g_clear_pointer (&token, ir_brand_credential_unref);
	g_subprocess_send_signal (server, SIGTERM);
	g_subprocess_wait (server, NULL, NULL);
	ir_trust_store_unref (b.trust);
	rm = g_strdup_printf ("rm -rf '%s'", b.pki);
	g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
	g_free (b.pki);
	g_free (b.module);
	g_free (b.pin);
	g_free (b.url);
	return 0;
}
