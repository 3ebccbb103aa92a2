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
 * latency of POST /v1/tokens with 1, 16 and 64 concurrent keep-alive mutual
 * TLS clients, each level on a fresh server whose stats line at its stop
 * gives the syncs (write transactions) per token; the day's 500,000th
 * token beside its first (one libcurl easy handle per thread, so each
 * client does one handshake and then reuses its connection), beside Ed25519 signatures per
 * second in-process with the same key (EVP, one thread), and the ratio of
 * the two: what a token costs over its signature (JSON, registry lookups,
 * the SQLite transaction with its fsync, HTTP and TLS records). Then the
 * rollout policy's cost (issue 12): the same requests with 4 clients
 * against a second server whose database has a published policy (the
 * eligibility decision, the kill switch, two cap counters read and raised
 * in the token's transaction), rounds alternating with a third server,
 * as fresh, without one (not the first: it has issued thousands of
 * tokens by then), so that the machine's load falls on both alike;
 * medians of the rounds and the on/off ratio. The number of requests per level is bounded
 * (argument 1, default 2000). Prints figures; never fails on a time. */

#define BENCH_DEFAULT_REQUESTS 2000
#define BENCH_SIGN_SECONDS     2.0
#define BENCH_POLICY_ROUNDS    3
#define BENCH_POLICY_CLIENTS   4

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
bench_brandd_compare_doubles (gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @samples. */
static gdouble
bench_brandd_percentile (GArray *sorted, guint pct)
{
	guint rank;

	if (sorted->len == 0)
		return 0;
	rank = (guint)((pct * (guint64)sorted->len + 99) / 100);
	return g_array_index (sorted, gdouble, MAX (rank, 1) - 1);
}

static size_t
bench_brandd_discard (char *data, size_t size, size_t n, void *arg)
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
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, bench_brandd_discard);
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

/* One level: @n_clients threads share @total requests. Returns tokens/s;
 * *p50 (may be NULL) the median latency in ms. */
static gdouble
bench_brandd_run_level (
    const char *url, const char *pki, guint n_clients, guint total, gdouble *p50)
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
	g_array_sort (all, bench_brandd_compare_doubles);
	g_print ("%7u  %8u  %9.0f  %8.2f  %8.2f  %8u\n",
		 n_clients,
		 all->len,
		 all->len / secs,
		 bench_brandd_percentile (all, 50),
		 bench_brandd_percentile (all, 99),
		 failures);
	fflush (stdout);
	if (p50 != NULL)
		*p50 = bench_brandd_percentile (all, 50);
	return all->len / secs;
}

/* Ed25519 signatures per second over a token-sized message, one thread. */
static gdouble
bench_brandd_signatures_per_second (const char *key_path)
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
bench_brandd_sh (const char *cmd)
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

/* Config @name.conf and database @name.db with one device and a quota the
 * run cannot reach; the PKI in @dir/pki once. */
static gboolean
bench_brandd_prepare (const char *dir, const char *name, char **conf)
{
	g_autofree char *pki_cmd =
	    g_strdup_printf ("test -d '%s/pki' || '%s/certs/gen-dev-pki.sh' '%s/pki' >/dev/null",
			     dir,
			     IR_BENCH_SRCDIR,
			     dir);
	g_autofree char *db_cmd = NULL;
	g_autofree char *conf_name = g_strdup_printf ("%s.conf", name);
	g_autofree char *text = NULL;
	const char csv[] =
	    "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n"
	    "SN0001,HW-0001,MediaTek,MT6765,49015420,490154203237518,352099001761481\n";
	g_autofree char *csv_path = g_build_filename (dir, "devices.csv", NULL);

	if (!bench_brandd_sh (pki_cmd) || !g_file_set_contents (csv_path, csv, -1, NULL))
		return FALSE;
	text = g_strdup_printf (
	    "[server]\nlisten=127.0.0.1:0\ndatabase=%s/%s.db\n"
	    "max-connections=256\n"
	    "[tls]\ncertificate=%s/pki/server.pem\nprivate-key=%s/pki/server.key\n"
	    "client-ca=%s/pki/ca.pem\n"
	    "[tokens]\nsigning-key=%s/pki/token-ed25519.key\nkey-id=dev-ed25519-1\n"
	    "[centres]\ndefault-daily-quota=10000000\n"
	    "[policy]\npublic-key=%s/pki/policy.pub.pem\n",
	    dir,
	    name,
	    dir,
	    dir,
	    dir,
	    dir,
	    dir);
	*conf = g_build_filename (dir, conf_name, NULL);
	if (!g_file_set_contents (*conf, text, -1, NULL))
		return FALSE;
	db_cmd = g_strdup_printf ("'%s' init-db --db '%s/%s.db' >/dev/null && "
				  "'%s' import --db '%s/%s.db' '%s' >/dev/null",
				  IR_BENCH_IMEI_BRANDD,
				  dir,
				  name,
				  IR_BENCH_IMEI_BRANDD,
				  dir,
				  name,
				  csv_path);
	return bench_brandd_sh (db_cmd);
}

/* A policy whose one phase covers the bench's device today, with caps the
 * run cannot reach, signed and published with imei-brandd itself. */
static gboolean
bench_brandd_publish_policy (const char *dir, const char *conf)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) now = g_date_time_new_now (tz);
	g_autoptr (GDateTime) yesterday = g_date_time_add_days (now, -1);
	g_autoptr (GDateTime) later = g_date_time_add_days (now, 30);
	g_autofree char *start = g_date_time_format (yesterday, "%Y-%m-%d");
	g_autofree char *end = g_date_time_format (later, "%Y-%m-%d");
	g_autofree char *json = g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 1,\n"
	    " \"issued\": \"2026-01-01T00:00:00+05:30\", \"expires\": \"%sT00:00:00+05:30\",\n"
	    " \"centres\": {\"DL-0001\": \"DL\"},\n"
	    " \"phases\": [{\"id\": \"bench\", \"title\": \"Bench\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"%s\", \"end\": \"%s\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"4901\"], \"circles\": [\"DL\"]},\n"
	    "   \"centre_daily_cap\": 10000000, \"national_daily_cap\": 10000000}]}\n",
	    end,
	    start,
	    end);
	g_autofree char *json_path = g_build_filename (dir, "policy.json", NULL);
	g_autofree char *cmd = g_strdup_printf (
	    "'%s' policy sign --key '%s/pki/policy.key' --out '%s/policy.note' '%s' >/dev/null && "
	    "'%s' policy publish --config '%s' '%s/policy.note' >/dev/null",
	    IR_BENCH_IMEI_BRANDD,
	    dir,
	    dir,
	    json_path,
	    IR_BENCH_IMEI_BRANDD,
	    conf,
	    dir);

	return g_file_set_contents (json_path, json, -1, NULL) && bench_brandd_sh (cmd);
}

static GSubprocess *
bench_brandd_start_server (const char *conf, char **url)
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
	/* open for the stats line the server prints as it stops */
	g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
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

/* SIGTERM, then the server's stats line: write transactions (each one
 * sync of the WAL) per token issued; -1 when it printed none. */
static gdouble
bench_brandd_stop_server (GSubprocess *proc)
{
	g_autoptr (GDataInputStream) out =
	    g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	g_autofree char *line = NULL;
	guint64 issued = 0;
	guint64 commits = 0;

	g_subprocess_send_signal (proc, SIGTERM);
	while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL)) != NULL) {
		if (sscanf (line,
			    "stats: %" G_GUINT64_FORMAT " tokens issued, %" G_GUINT64_FORMAT,
			    &issued,
			    &commits) == 2)
			break;
		g_clear_pointer (&line, g_free);
	}
	g_subprocess_wait (proc, NULL, NULL);
	return issued > 0 ? (gdouble)commits / (gdouble)issued : -1;
}

/* One level on a fresh server: tokens/s, p50, p99, then syncs per token. */
static gdouble
bench_brandd_fresh_level (const char *dir, const char *pki, guint n_clients, guint total)
{
	g_autofree char *name = g_strdup_printf ("level-%u", n_clients);
	g_autofree char *conf = NULL;
	g_autofree char *url = NULL;
	g_autoptr (GSubprocess) proc = NULL;
	gdouble rate;

	if (!bench_brandd_prepare (dir, name, &conf) ||
	    (proc = bench_brandd_start_server (conf, &url)) == NULL)
		return 0;
	rate = bench_brandd_run_level (url, pki, n_clients, total, NULL);
	g_print ("         syncs (write transactions) per token: %.3f\n",
		 bench_brandd_stop_server (proc));
	return rate;
}

/* The day's 500,000th token: 499,999 expired tokens of the centre today,
 * inserted with SQL and counted in its day's row, then 16 clients. */
static gdouble
bench_brandd_full_day (const char *dir, const char *pki, guint total)
{
	g_autofree char *conf = NULL;
	g_autofree char *url = NULL;
	g_autoptr (GSubprocess) proc = NULL;
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");
	gint64 t = g_date_time_to_unix (now);
	g_autofree char *cmd = g_strdup_printf (
	    "sqlite3 '%s/day.db' \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM n WHERE i < 499999) INSERT INTO tokens (cti, device_id, cnf, centre, issued_at, "
	    "utc_day, expires_at, imeis) SELECT randomblob(16), 1, randomblob(32), 'DL-0001', "
	    "%" G_GINT64_FORMAT ", '%s', %" G_GINT64_FORMAT ", '[]' FROM n; INSERT INTO "
	    "centre_day_counts (centre, utc_day, issued) VALUES ('DL-0001', '%s', 499999); "
	    "PRAGMA wal_checkpoint(TRUNCATE);\" >/dev/null",
	    dir,
	    t - 7200,
	    day,
	    t - 3600,
	    day);
	gdouble rate;

	if (!bench_brandd_prepare (dir, "day", &conf) || !bench_brandd_sh (cmd) ||
	    (proc = bench_brandd_start_server (conf, &url)) == NULL)
		return 0;
	rate = bench_brandd_run_level (url, pki, 16, total, NULL);
	g_print ("         syncs (write transactions) per token: %.3f\n",
		 bench_brandd_stop_server (proc));
	return rate;
}

static gdouble
bench_brandd_median (gdouble *values, guint n)
{
	g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (gdouble));

	g_array_append_vals (sorted, values, n);
	g_array_sort (sorted, bench_brandd_compare_doubles);
	return n == 0 ? 0 : g_array_index (sorted, gdouble, (n - 1) / 2);
}

/* Rounds alternating between the server without a policy (@off_url) and
 * the one with (@on_url). */
static void
bench_brandd_compare_policy (const char *off_url, const char *on_url, const char *pki, guint total)
{
	gdouble rate[2][BENCH_POLICY_ROUNDS];
	gdouble p50[2][BENCH_POLICY_ROUNDS];
	gdouble off;
	gdouble on;

	g_print ("\nrollout policy and cap checks off vs on, %u clients, %u rounds each, "
		 "alternating\n",
		 BENCH_POLICY_CLIENTS,
		 BENCH_POLICY_ROUNDS);
	g_print (
	    "clients  requests   tokens/s   p50 ms    p99 ms  failures  (off, on, off, on...)\n");
	for (guint r = 0; r < BENCH_POLICY_ROUNDS; r++) {
		rate[0][r] =
		    bench_brandd_run_level (off_url, pki, BENCH_POLICY_CLIENTS, total, &p50[0][r]);
		rate[1][r] =
		    bench_brandd_run_level (on_url, pki, BENCH_POLICY_CLIENTS, total, &p50[1][r]);
	}
	off = bench_brandd_median (rate[0], BENCH_POLICY_ROUNDS);
	on = bench_brandd_median (rate[1], BENCH_POLICY_ROUNDS);
	g_print ("policy off: median %.0f tokens/s, median p50 %.2f ms\n",
		 off,
		 bench_brandd_median (p50[0], BENCH_POLICY_ROUNDS));
	g_print ("policy on : median %.0f tokens/s, median p50 %.2f ms\n",
		 on,
		 bench_brandd_median (p50[1], BENCH_POLICY_ROUNDS));
	g_print ("on/off throughput ratio: %.2f\n", off > 0 ? on / off : 0);
}

int
main (int argc, char **argv)
{
	guint total =
	    argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_REQUESTS;
	static const guint levels[] = {1, 16, 64};
	g_autofree char *dir = g_dir_make_tmp ("bench-brandd-XXXXXX", NULL);
	g_autofree char *conf = NULL;
	g_autofree char *url = NULL;
	g_autofree char *key = NULL;
	g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
	g_autoptr (GSubprocess) server = NULL;
	g_autoptr (GSubprocess) policy_server = NULL;
	g_autoptr (GSubprocess) off_server = NULL;
	g_autofree char *policy_conf = NULL;
	g_autofree char *policy_url = NULL;
	g_autofree char *off_conf = NULL;
	g_autofree char *off_url = NULL;
	gdouble best = 0;
	gdouble sigs;
	int rc = EXIT_SUCCESS;

	if (total == 0)
		total = BENCH_DEFAULT_REQUESTS;
	curl_global_init (CURL_GLOBAL_DEFAULT);
	if (dir == NULL || !bench_brandd_prepare (dir, "brandd", &conf) ||
	    !bench_brandd_prepare (dir, "brandd-policy", &policy_conf) ||
	    !bench_brandd_publish_policy (dir, policy_conf) ||
	    !bench_brandd_prepare (dir, "brandd-off", &off_conf) ||
	    (server = bench_brandd_start_server (conf, &url)) == NULL ||
	    (policy_server = bench_brandd_start_server (policy_conf, &policy_url)) == NULL ||
	    (off_server = bench_brandd_start_server (off_conf, &off_url)) == NULL) {
		if (server != NULL)
			g_subprocess_force_exit (server);
		if (policy_server != NULL)
			g_subprocess_force_exit (policy_server);
		rc = EXIT_FAILURE;
	} else {
		g_print ("imei-brandd token issuance, %u requests per level, %s\n", total, url);
		g_print ("clients  requests   tokens/s   p50 ms    p99 ms  failures\n");
		g_autofree char *pki = g_build_filename (dir, "pki", NULL);
		gdouble rate[G_N_ELEMENTS (levels)];
		gdouble day_rate;

		g_print ("SQLite, one node, a fresh server per level (group commit)\n");
		for (guint i = 0; i < G_N_ELEMENTS (levels); i++) {
			rate[i] = bench_brandd_fresh_level (dir, pki, levels[i], total);
			best = MAX (best, rate[i]);
		}
		g_print ("the day's 500,000th token (499,999 already issued today), 16 clients:\n");
		day_rate = bench_brandd_full_day (dir, pki, total);
		key = g_strdup_printf ("%s/pki/token-ed25519.key", dir);
		sigs = bench_brandd_signatures_per_second (key);
		g_print ("Ed25519 signatures/s (EVP, one thread): %.0f\n", sigs);
		for (guint i = 0; i < G_N_ELEMENTS (levels) && sigs > 0; i++)
			g_print ("%2u clients: tokens/s / signatures/s = %.3f\n",
				 levels[i],
				 rate[i] / sigs);
		g_print (
		    "500,000th token / first, 16 clients: %.2f (1.00: flat as the day fills)\n",
		    rate[1] > 0 ? day_rate / rate[1] : 0);
		/* off and on each on a database of their own that served
		 * nothing before: the server of the levels above has issued
		 * thousands of tokens and is no fair baseline */
		bench_brandd_compare_policy (off_url, policy_url, pki, total);
		g_subprocess_send_signal (off_server, SIGTERM);
		g_subprocess_wait (off_server, NULL, NULL);
		g_subprocess_send_signal (policy_server, SIGTERM);
		g_subprocess_wait (policy_server, NULL, NULL);
		g_subprocess_send_signal (server, SIGTERM);
		g_subprocess_wait (server, NULL, NULL);
	}
	bench_brandd_sh (rm);
	curl_global_cleanup ();
	return rc;
}
