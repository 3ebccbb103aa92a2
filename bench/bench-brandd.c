/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Token issuance by imei-brandd on 127.0.0.1: throughput and p50/p99
 * latency of POST /v1/tokens with 1, 4 and 16 concurrent keep-alive mutual
 * TLS clients (one libcurl easy handle per thread, so each client does one
 * handshake and then reuses its connection), beside Ed25519 signatures per
 * second in-process with the same key (EVP, one thread), and the ratio of
 * the two: what a token costs over its signature (JSON, registry lookups,
 * the SQLite transaction with its fsync, HTTP and TLS records). The number
 * of requests per level is bounded (argument 1, default 2000). Prints
 * figures; never fails on a time. */

#define BENCH_DEFAULT_REQUESTS 2000
#define BENCH_SIGN_SECONDS     2.0

static const char request_body[] =
    "{\"device\": {\"manufacturer\": \"MediaTek\", \"model\": \"MT6765\", \"serial\": \"SN0001\","
    " \"hardware_id\": \"HW-0001\", \"family\": \"mediatek\"},"
    " \"challenge\": {\"nonce\": \"AAECAwQFBgcICQoLDA0ODw\", \"counter\": 7},"
    " \"current_imeis\": [\"000000000000000\", \"000000000000000\"]}";

typedef struct {
	const char *url;
	const char *pki;
	guint n_requests;
	GArray *latency_ms; /* gdouble */
	guint failures;
} Client;

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @samples. */
static gdouble
percentile (GArray *sorted, guint pct)
{
	guint rank;

	if (sorted->len == 0)
		return 0;
	rank = (guint)((pct * (guint64)sorted->len + 99) / 100);
	return g_array_index (sorted, gdouble, MAX (rank, 1) - 1);
}

static size_t
discard (char *data, size_t size, size_t n, void *arg)
{
	return size * n;
}

static gpointer
client_thread (gpointer data)
{
	Client *c = data;
	CURL *curl = curl_easy_init ();
	struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
	g_autofree char *url = g_strconcat (c->url, "/v1/tokens", NULL);
	g_autofree char *ca = g_build_filename (c->pki, "ca.pem", NULL);
	g_autofree char *cert = g_build_filename (c->pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (c->pki, "technician-alice.key", NULL);

	curl_easy_setopt (curl, CURLOPT_URL, url);
	curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt (curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt (curl, CURLOPT_SSLCERT, cert);
	curl_easy_setopt (curl, CURLOPT_SSLKEY, key);
	curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt (curl, CURLOPT_POSTFIELDS, request_body);
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
	for (guint i = 0; i < c->n_requests; i++) {
		gint64 start = g_get_monotonic_time ();
		long status = 0;
		gdouble ms;

		if (curl_easy_perform (curl) == CURLE_OK)
			curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
		ms = (gdouble)(g_get_monotonic_time () - start) / 1000.0;
		if (status != 200)
			c->failures++;
		else
			g_array_append_val (c->latency_ms, ms);
	}
	curl_slist_free_all (headers);
	curl_easy_cleanup (curl);
	return NULL;
}

/* One level: @n_clients threads share @total requests. Returns tokens/s. */
static gdouble
run_level (const char *url, const char *pki, guint n_clients, guint total)
{
	g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autofree Client *clients = g_new0 (Client, n_clients);
	g_autofree GThread **threads = g_new0 (GThread *, n_clients);
	guint failures = 0;
	gint64 start = g_get_monotonic_time ();
	gdouble secs;

	for (guint i = 0; i < n_clients; i++) {
		clients[i].url = url;
		clients[i].pki = pki;
		clients[i].n_requests = total / n_clients + (i < total % n_clients);
		clients[i].latency_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
		threads[i] = g_thread_new ("bench-client", client_thread, &clients[i]);
	}
	for (guint i = 0; i < n_clients; i++) {
		g_thread_join (threads[i]);
		g_array_append_vals (all, clients[i].latency_ms->data, clients[i].latency_ms->len);
		failures += clients[i].failures;
		g_array_unref (clients[i].latency_ms);
	}
	secs = (gdouble)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	g_array_sort (all, compare_doubles);
	g_print ("%7u  %8u  %9.0f  %8.2f  %8.2f  %8u\n",
		 n_clients,
		 all->len,
		 all->len / secs,
		 percentile (all, 50),
		 percentile (all, 99),
		 failures);
	fflush (stdout);
	return all->len / secs;
}

/* Ed25519 signatures per second over a token-sized message, one thread. */
static gdouble
signatures_per_second (const char *key_path)
{
	FILE *f = fopen (key_path, "r");
	EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey (f, NULL, NULL, NULL) : NULL;
	guint8 msg[300] = {0};
	guint8 sig[64];
	guint64 n = 0;
	gint64 start = g_get_monotonic_time ();
	gint64 end = start + (gint64)(BENCH_SIGN_SECONDS * G_USEC_PER_SEC);

	if (f != NULL)
		fclose (f);
	if (key == NULL) {
		g_printerr ("bench-brandd: cannot read %s\n", key_path);
		return 0;
	}
	while (g_get_monotonic_time () < end) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
		size_t len = sizeof sig;
		msg[0] = (guint8)n;
		if (EVP_DigestSignInit (ctx, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestSign (ctx, sig, &len, msg, sizeof msg) != 1)
			g_error ("Ed25519 signing failed");
		EVP_MD_CTX_free (ctx);
		n++;
	}
	EVP_PKEY_free (key);
	return n / ((gdouble)(g_get_monotonic_time () - start) / G_USEC_PER_SEC);
}

static gboolean
sh (const char *cmd)
{
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	g_autofree char *err = NULL;
	int status = 0;

	if (!g_spawn_sync (NULL,
			   (char **)argv,
			   NULL,
			   G_SPAWN_DEFAULT,
			   NULL,
			   NULL,
			   NULL,
			   &err,
			   &status,
			   NULL) ||
	    !g_spawn_check_wait_status (status, NULL)) {
		g_printerr ("bench-brandd: '%s' failed: %s\n", cmd, err != NULL ? err : "");
		return FALSE;
	}
	return TRUE;
}

/* PKI, config, database with one device and a quota the run cannot reach. */
static gboolean
prepare (const char *dir, char **conf)
{
	g_autofree char *pki_cmd =
	    g_strdup_printf ("'%s/certs/gen-dev-pki.sh' '%s/pki' >/dev/null", IR_BENCH_SRCDIR, dir);
	g_autofree char *db_cmd = NULL;
	g_autofree char *text = NULL;
	const char csv[] =
	    "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n"
	    "SN0001,HW-0001,MediaTek,MT6765,49015420,490154203237518,352099001761481\n";
	g_autofree char *csv_path = g_build_filename (dir, "devices.csv", NULL);

	if (!sh (pki_cmd) || !g_file_set_contents (csv_path, csv, -1, NULL))
		return FALSE;
	text = g_strdup_printf (
	    "[server]\nlisten=127.0.0.1:0\ndatabase=%s/brandd.db\n"
	    "max-connections=64\n"
	    "[tls]\ncertificate=%s/pki/server.pem\nprivate-key=%s/pki/server.key\n"
	    "client-ca=%s/pki/ca.pem\n"
	    "[tokens]\nsigning-key=%s/pki/token-ed25519.key\nkey-id=dev-ed25519-1\n"
	    "[centres]\ndefault-daily-quota=10000000\n",
	    dir,
	    dir,
	    dir,
	    dir,
	    dir);
	*conf = g_build_filename (dir, "brandd.conf", NULL);
	if (!g_file_set_contents (*conf, text, -1, NULL))
		return FALSE;
	db_cmd = g_strdup_printf ("'%s' init-db --db '%s/brandd.db' >/dev/null && "
				  "'%s' import --db '%s/brandd.db' '%s' >/dev/null",
				  IR_BENCH_IMEI_BRANDD,
				  dir,
				  IR_BENCH_IMEI_BRANDD,
				  dir,
				  csv_path);
	return sh (db_cmd);
}

static GSubprocess *
start_server (const char *conf, char **url)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	GSubprocess *proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
					      &error,
					      IR_BENCH_IMEI_BRANDD,
					      "serve",
					      "--config",
					      conf,
					      NULL);

	if (proc == NULL) {
		g_printerr ("bench-brandd: %s\n", error->message);
		return NULL;
	}
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL);
	if (line == NULL || !g_str_has_prefix (line, "listening on ")) {
		g_printerr ("bench-brandd: the server did not start\n");
		g_subprocess_force_exit (proc);
		g_object_unref (proc);
		return NULL;
	}
	*url = g_strdup (line + strlen ("listening on "));
	return proc;
}

int
main (int argc, char **argv)
{
	guint total =
	    argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_REQUESTS;
	static const guint levels[] = {1, 4, 16};
	g_autofree char *dir = g_dir_make_tmp ("bench-brandd-XXXXXX", NULL);
	g_autofree char *conf = NULL;
	g_autofree char *url = NULL;
	g_autofree char *key = NULL;
	g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
	g_autoptr (GSubprocess) server = NULL;
	gdouble best = 0;
	gdouble sigs;
	int rc = EXIT_SUCCESS;

	if (total == 0)
		total = BENCH_DEFAULT_REQUESTS;
	curl_global_init (CURL_GLOBAL_DEFAULT);
	if (dir == NULL || !prepare (dir, &conf) || (server = start_server (conf, &url)) == NULL) {
		rc = EXIT_FAILURE;
	} else {
		g_print ("imei-brandd token issuance, %u requests per level, %s\n", total, url);
		g_print ("clients  requests   tokens/s   p50 ms    p99 ms  failures\n");
		g_autofree char *pki = g_build_filename (dir, "pki", NULL);
		for (guint i = 0; i < G_N_ELEMENTS (levels); i++) {
			gdouble rate = run_level (url, pki, levels[i], total);
			best = MAX (best, rate);
		}
		key = g_strdup_printf ("%s/pki/token-ed25519.key", dir);
		sigs = signatures_per_second (key);
		g_print ("Ed25519 signatures/s (EVP, one thread): %.0f\n", sigs);
		if (sigs > 0)
			g_print ("best tokens/s : signatures/s = 1 : %.1f\n", sigs / MAX (best, 1));
		g_subprocess_send_signal (server, SIGTERM);
		g_subprocess_wait (server, NULL, NULL);
	}
	sh (rm);
	curl_global_cleanup ();
	return rc;
}
