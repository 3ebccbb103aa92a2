/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pg-cluster.h"
#include "bench-stats.h"

/* Token issuance by imei-brandd on 127.0.0.1: throughput and p50/p99
 * latency of POST /v1/tokens with 1, 16 and 64 concurrent keep-alive mutual
 * TLS clients (a thread each, the lean client below or a libcurl easy
 * handle, so each client does one handshake and then reuses its
 * connection), in rows for SQLite on one
 * node, PostgreSQL on one node and PostgreSQL on two nodes sharing one
 * database (clients spread over both, each keeping to its node). Each row
 * runs on fresh servers and a fresh database; the servers' stats lines at
 * their stop give the syncs (write transactions) per token. PostgreSQL is
 * a throwaway cluster (tests/pg-cluster), durable as a deployment runs it;
 * when it cannot start the bench says why and fails. Every row sets its
 * tokens/s beside Ed25519 signatures per second in-process with the same
 * key (EVP, one thread): what a token costs over its signature (JSON,
 * registry lookups, the transaction with its sync, HTTP and TLS records).
 * A request that fails is counted, with what failed (the client's error, or the
 * status and the refusal), apart from a 503 with Retry-After, the server's
 * clean "come back later", counted on its own. Then the day's 500,000th
 * token on SQLite beside its first, and the rollout policy's cost (issue
 * 12): the same requests with 4 clients against a server whose database
 * has a published policy (the eligibility decision, the kill switch, two
 * cap counters read and raised in the token's transaction), rounds
 * alternating with a server, as fresh, without one, so that the machine's
 * load falls on both alike; medians of the rounds and the on/off ratio.
 * The number of requests per row is bounded (argument 1, default 2000);
 * $IR_BENCH_BRANDD runs another build's imei-brandd with the same clients;
 * argument 2, when given, names the only rows to run (sqlite, pg1, pg2,
 * day: the 500,000th token;
 * PostgreSQL starts only for its rows); argument 3 the numbers of clients
 * (default 1,16,64). Beside each row the CPU time per token of the
 * servers (getrusage of the children, at their stop) and of the bench's
 * own clients, since on a small machine both share the cores and the
 * client's cost caps the rate as much as the server's.
 * Prints figures; never fails on a time. */

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
	guint unavailable;  /* 503 with Retry-After: the server's clean "later" */
	guint failures;	    /* anything else */
	GHashTable *why;    /* what failed (curl's error, or HTTP status and body) → count */
} Client;

/* What one level gave; the rows print once the servers have stopped, for
 * their syncs per token. */
typedef struct {
	guint n_clients;
	guint ok;
	gdouble rate;
	gdouble p50;
	gdouble p99;
	guint unavailable;
	guint failures;
	GHashTable *why;   /* all clients' */
	gdouble client_us; /* CPU (user + system) of the bench's clients */
	gdouble server_us; /* CPU of the servers, from their start to their stop */
} BenchLevel;

/* CPU time of @who (RUSAGE_SELF: this process, its client threads;
 * RUSAGE_CHILDREN: the servers it has waited for), in microseconds. */
static gdouble
bench_brandd_cpu_us (int who)
{
	struct rusage ru;

	getrusage (who, &ru);
	return (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static size_t
bench_brandd_collect (char *data, size_t size, size_t n, void *arg)
{
	GString *body = arg;

	/* the start of an answer is enough to say why it was a refusal */
	if (body->len < 512)
		g_string_append_len (body, data, (gssize)MIN (size * n, 512 - body->len));
	return size * n;
}

/* How often one reason of failure came, and how long such a request took
 * (a deadline shows as the same time every time). */
typedef struct {
	guint count;
	gdouble min_ms;
	gdouble max_ms;
} BenchWhy;

static void
bench_brandd_count_why (GHashTable *why, char *reason, guint count, gdouble min_ms, gdouble max_ms)
{
	BenchWhy *w = g_hash_table_lookup (why, reason);

	if (w == NULL) {
		w = g_new0 (BenchWhy, 1);
		w->min_ms = min_ms;
		w->max_ms = max_ms;
		g_hash_table_insert (why, reason, w);
	} else {
		g_free (reason);
	}
	w->count += count;
	w->min_ms = MIN (w->min_ms, min_ms);
	w->max_ms = MAX (w->max_ms, max_ms);
}

/* One failed request: curl's own error when there was no HTTP answer,
 * else the status and the refusal's body. */
static char *
bench_brandd_reason (CURLcode code, const char *errbuf, long status, GString *body)
{
	if (code != CURLE_OK)
		return g_strdup_printf ("curl error %d: %s",
					(int)code,
					errbuf[0] != '\0' ? errbuf : curl_easy_strerror (code));
	return g_strdup_printf ("HTTP %ld: %s", status, g_strstrip (body->str));
}

/* IR_BENCH_BRANDD_CLIENT=curl: the clients are libcurl easy handles, as
 * before the lean client, to compare the two. */
static gboolean
bench_brandd_use_curl (void)
{
	return g_strcmp0 (g_getenv ("IR_BENCH_BRANDD_CLIENT"), "curl") == 0;
}

static gpointer
bench_brandd_client_thread (gpointer data)
{
	Client *c = data;
	CURL *curl = curl_easy_init ();
	struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
	g_autofree char *url = g_strconcat (c->url, "/v1/tokens", NULL);
	g_autofree char *ca = g_build_filename (c->pki, "ca.pem", NULL);
	g_autofree char *cert = g_build_filename (c->pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (c->pki, "technician-alice.key", NULL);
	g_autoptr (GString) body = g_string_new (NULL);
	char errbuf[CURL_ERROR_SIZE];

	curl_easy_setopt (curl, CURLOPT_URL, url);
	curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt (curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt (curl, CURLOPT_SSLCERT, cert);
	curl_easy_setopt (curl, CURLOPT_SSLKEY, key);
	curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt (curl, CURLOPT_POSTFIELDS, request_body);
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, bench_brandd_collect);
	curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
	for (guint i = 0; i < c->n_requests; i++) {
		gint64 start = g_get_monotonic_time ();
		struct curl_header *retry = NULL;
		CURLcode code;
		long status = 0;
		gdouble ms;

		errbuf[0] = '\0';
		g_string_truncate (body, 0);
		code = curl_easy_perform (curl);
		if (code == CURLE_OK)
			curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
		ms = (gdouble)(g_get_monotonic_time () - start) / 1000.0;
		if (status == 200) {
			g_array_append_val (c->latency_ms, ms);
			continue;
		}
		if (status == 503 &&
		    curl_easy_header (curl, "Retry-After", 0, CURLH_HEADER, -1, &retry) ==
			CURLHE_OK)
			c->unavailable++;
		else
			c->failures++;
		bench_brandd_count_why (
		    c->why, bench_brandd_reason (code, errbuf, status, body), 1, ms, ms);
	}
	curl_slist_free_all (headers);
	curl_easy_cleanup (curl);
	return NULL;
}

/* The lean client: one TLS 1.3 connection with the client certificate,
 * verified against the CA and the server's address as libcurl does, and
 * HTTP/1.1 written and read by hand, one request in one TLS record. With
 * libcurl (IR_BENCH_BRANDD_CLIENT=curl) the client took about as much CPU
 * per token as the server's database thread (bench/README.md), and on a
 * 2-core machine the clients' CPU comes out of the server's. */
typedef struct {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	char host[64];
	guint16 port;
	GString *in; /* bytes read past the last answer's end */
} BenchLean;

static gboolean
bench_brandd_lean_init (BenchLean *l, const Client *c, GString *why)
{
	g_autofree char *ca = g_build_filename (c->pki, "ca.pem", NULL);
	g_autofree char *cert = g_build_filename (c->pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (c->pki, "technician-alice.key", NULL);
	const char *hostport = c->url + strlen ("https://");
	const char *colon = strrchr (hostport, ':');

	l->fd = -1;
	l->in = g_string_new (NULL);
	if (!g_str_has_prefix (c->url, "https://") || colon == NULL ||
	    (gsize)(colon - hostport) >= sizeof l->host) {
		g_string_printf (why, "lean client: cannot read the URL %s", c->url);
		return FALSE;
	}
	memcpy (l->host, hostport, colon - hostport);
	l->host[colon - hostport] = '\0';
	l->port = (guint16)g_ascii_strtoull (colon + 1, NULL, 10);
	l->ctx = SSL_CTX_new (TLS_client_method ());
	if (l->ctx == NULL || SSL_CTX_set_min_proto_version (l->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations (l->ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file (l->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file (l->ctx, key, SSL_FILETYPE_PEM) != 1) {
		g_string_printf (why,
				 "lean client: TLS setup failed: %s",
				 ERR_error_string (ERR_get_error (), NULL));
		return FALSE;
	}
	SSL_CTX_set_verify (l->ctx, SSL_VERIFY_PEER, NULL);
	return TRUE;
}

static void
bench_brandd_lean_close (BenchLean *l)
{
	if (l->ssl != NULL) {
		SSL_shutdown (l->ssl);
		SSL_free (l->ssl);
		l->ssl = NULL;
	}
	if (l->fd >= 0)
		close (l->fd);
	l->fd = -1;
	g_string_truncate (l->in, 0);
}

static void
bench_brandd_lean_clear (BenchLean *l)
{
	bench_brandd_lean_close (l);
	if (l->ctx != NULL)
		SSL_CTX_free (l->ctx);
	if (l->in != NULL)
		g_string_free (l->in, TRUE);
}

/* A new connection and its handshake, the server checked as libcurl
 * checks it: chain to the CA, and its certificate names the address. */
static gboolean
bench_brandd_lean_connect (BenchLean *l, GString *why)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons (l->port)};
	int one = 1;

	if (inet_pton (AF_INET, l->host, &sa.sin_addr) != 1) {
		g_string_printf (why, "lean client: %s is not an IPv4 address", l->host);
		return FALSE;
	}
	l->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || connect (l->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		g_string_printf (why, "lean client: connect: %s", g_strerror (errno));
		bench_brandd_lean_close (l);
		return FALSE;
	}
	setsockopt (l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	l->ssl = SSL_new (l->ctx);
	SSL_set_fd (l->ssl, l->fd);
	X509_VERIFY_PARAM_set1_ip_asc (SSL_get0_param (l->ssl), l->host);
	if (SSL_connect (l->ssl) != 1) {
		g_string_printf (why,
				 "lean client: handshake failed: %s (verify: %s)",
				 ERR_error_string (ERR_get_error (), NULL),
				 X509_verify_cert_error_string (SSL_get_verify_result (l->ssl)));
		bench_brandd_lean_close (l);
		return FALSE;
	}
	return TRUE;
}

/* More bytes of the answer into l->in; FALSE at the connection's end. */
static gboolean
bench_brandd_lean_read (BenchLean *l, GString *why)
{
	char buf[16384];
	int n = SSL_read (l->ssl, buf, sizeof buf);

	if (n <= 0) {
		g_string_printf (why,
				 "lean client: the connection ended (%s)",
				 n == 0 || SSL_get_error (l->ssl, n) == SSL_ERROR_ZERO_RETURN
				     ? "closed by the server"
				     : ERR_error_string (ERR_get_error (), NULL));
		return FALSE;
	}
	g_string_append_len (l->in, buf, n);
	return TRUE;
}

/* The value of header @name in the head @head (lower case @name), or NULL. */
static const char *
bench_brandd_lean_header (const char *head, gsize head_len, const char *name)
{
	gsize n = strlen (name);

	for (const char *p = head; p != NULL && p < head + head_len;) {
		const char *eol = g_strstr_len (p, head + head_len - p, "\r\n");

		if (eol == NULL)
			break;
		if ((gsize)(eol - p) > n && p[n] == ':' && g_ascii_strncasecmp (p, name, n) == 0)
			return p + n + 1;
		p = eol + 2;
	}
	return NULL;
}

/* One POST of @body; *status the answer's, @answer its body (its start),
 * *retry_after whether it had one; FALSE with @why when there was no
 * whole answer (the connection is closed then, and the next request
 * opens a new one). */
static gboolean
bench_brandd_lean_post (BenchLean *l,
			const char *request,
			gsize request_len,
			long *status,
			gboolean *retry_after,
			GString *answer,
			GString *why)
{
	const char *end;
	const char *length;
	const char *connection;
	gboolean closing;
	gsize head_len;
	gsize body_len;

	if (l->ssl == NULL && !bench_brandd_lean_connect (l, why))
		return FALSE;
	if (SSL_write (l->ssl, request, (int)request_len) != (int)request_len) {
		g_string_printf (why,
				 "lean client: write failed: %s",
				 ERR_error_string (ERR_get_error (), NULL));
		bench_brandd_lean_close (l);
		return FALSE;
	}
	while ((end = g_strstr_len (l->in->str, l->in->len, "\r\n\r\n")) == NULL) {
		if (!bench_brandd_lean_read (l, why)) {
			bench_brandd_lean_close (l);
			return FALSE;
		}
	}
	head_len = end + 4 - l->in->str;
	if (sscanf (l->in->str, "HTTP/1.1 %ld ", status) != 1 ||
	    (length = bench_brandd_lean_header (l->in->str, head_len, "content-length")) == NULL) {
		/* the server always sends a length (evhttp, never chunked) */
		g_string_printf (why, "lean client: an answer without a status or a length");
		bench_brandd_lean_close (l);
		return FALSE;
	}
	*retry_after = bench_brandd_lean_header (l->in->str, head_len, "retry-after") != NULL;
	body_len = (gsize)g_ascii_strtoull (length, NULL, 10);
	while (l->in->len < head_len + body_len) {
		if (!bench_brandd_lean_read (l, why)) {
			bench_brandd_lean_close (l);
			return FALSE;
		}
	}
	connection = bench_brandd_lean_header (l->in->str, head_len, "connection");
	while (connection != NULL && *connection == ' ')
		connection++;
	closing =
	    connection != NULL && g_ascii_strncasecmp (connection, "close", strlen ("close")) == 0;
	g_string_truncate (answer, 0);
	g_string_append_len (answer, l->in->str + head_len, MIN (body_len, 512));
	g_string_erase (l->in, 0, (gssize)(head_len + body_len));
	if (closing)
		bench_brandd_lean_close (l);
	return TRUE;
}

static gpointer
bench_brandd_lean_thread (gpointer data)
{
	Client *c = data;
	BenchLean l = {0};
	g_autoptr (GString) why = g_string_new (NULL);
	g_autoptr (GString) answer = g_string_new (NULL);
	g_autofree char *request = NULL;
	gsize request_len;

	if (!bench_brandd_lean_init (&l, c, why)) {
		c->failures += c->n_requests;
		bench_brandd_count_why (c->why, g_strdup (why->str), c->n_requests, 0, 0);
		bench_brandd_lean_clear (&l);
		return NULL;
	}
	request =
	    g_strdup_printf ("POST /v1/tokens HTTP/1.1\r\nHost: %s:%u\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			     l.host,
			     l.port,
			     strlen (request_body),
			     request_body);
	request_len = strlen (request);
	for (guint i = 0; i < c->n_requests; i++) {
		gint64 start = g_get_monotonic_time ();
		gboolean retry_after = FALSE;
		long status = 0;
		gboolean ok = bench_brandd_lean_post (
		    &l, request, request_len, &status, &retry_after, answer, why);
		gdouble ms = (gdouble)(g_get_monotonic_time () - start) / 1000.0;

		if (ok && status == 200) {
			g_array_append_val (c->latency_ms, ms);
			continue;
		}
		if (ok && status == 503 && retry_after)
			c->unavailable++;
		else
			c->failures++;
		bench_brandd_count_why (
		    c->why,
		    ok ? g_strdup_printf ("HTTP %ld: %s", status, g_strstrip (answer->str))
		       : g_strdup (why->str),
		    1,
		    ms,
		    ms);
	}
	bench_brandd_lean_clear (&l);
	return NULL;
}

/* One level: @n_clients threads share @total requests, client i on
 * @urls[i % n_urls] (two nodes: clients spread over both, each keeping its
 * connection to its node). */
static void
bench_brandd_run_level (char *const *urls,
			guint n_urls,
			const char *pki,
			guint n_clients,
			guint total,
			BenchLevel *level)
{
	g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autofree Client *clients = g_new0 (Client, n_clients);
	g_autofree GThread **threads = g_new0 (GThread *, n_clients);
	gint64 start = g_get_monotonic_time ();
	gdouble cpu_start = bench_brandd_cpu_us (RUSAGE_SELF);
	gdouble secs;

	*level =
	    (BenchLevel){.n_clients = n_clients,
			 .why = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free)};
	for (guint i = 0; i < n_clients; i++) {
		clients[i].url = urls[i % n_urls];
		clients[i].pki = pki;
		clients[i].n_requests = total / n_clients + (i < total % n_clients);
		clients[i].latency_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
		clients[i].why = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
		threads[i] = g_thread_new ("bench-client",
					   bench_brandd_use_curl () ? bench_brandd_client_thread
								    : bench_brandd_lean_thread,
					   &clients[i]);
	}
	for (guint i = 0; i < n_clients; i++) {
		GHashTableIter iter;
		gpointer reason;
		gpointer value;

		g_thread_join (threads[i]);
		g_array_append_vals (all, clients[i].latency_ms->data, clients[i].latency_ms->len);
		level->failures += clients[i].failures;
		level->unavailable += clients[i].unavailable;
		g_hash_table_iter_init (&iter, clients[i].why);
		while (g_hash_table_iter_next (&iter, &reason, &value)) {
			BenchWhy *w = value;

			bench_brandd_count_why (
			    level->why, g_strdup (reason), w->count, w->min_ms, w->max_ms);
		}
		g_array_unref (clients[i].latency_ms);
		g_hash_table_unref (clients[i].why);
	}
	secs = (gdouble)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	level->client_us = bench_brandd_cpu_us (RUSAGE_SELF) - cpu_start;
	level->server_us = -1;
	level->ok = all->len;
	level->rate = all->len / secs;
	level->p50 = bench_stats_array_percentile (all, 50);
	level->p99 = bench_stats_array_percentile (all, 99);
}

static void
bench_brandd_level_clear (BenchLevel *level)
{
	g_clear_pointer (&level->why, g_hash_table_unref);
}

static void
bench_brandd_print_header (void)
{
	g_print ("%-20s %7s  %8s  %8s  %7s  %8s  %8s  %4s  %6s  %9s  %7s  %7s\n",
		 "",
		 "clients",
		 "tokens",
		 "tokens/s",
		 "p50 ms",
		 "p99 ms",
		 "failures",
		 "503",
		 "syncs",
		 "x signing",
		 "srv us",
		 "cli us");
}

/* The row of @level; @syncs < 0 (no stats) and @sigs 0 print as "-". */
static void
bench_brandd_print_level (const char *label, const BenchLevel *level, gdouble syncs, gdouble sigs)
{
	GHashTableIter iter;
	gpointer reason;
	gpointer value;
	g_autofree char *syncs_text = syncs >= 0 ? g_strdup_printf ("%.3f", syncs) : g_strdup ("-");
	g_autofree char *ratio_text =
	    sigs > 0 ? g_strdup_printf ("%.3f", level->rate / sigs) : g_strdup ("-");
	g_autofree char *server_text = level->server_us >= 0 && level->ok > 0
					   ? g_strdup_printf ("%.0f", level->server_us / level->ok)
					   : g_strdup ("-");
	g_autofree char *client_text =
	    level->ok > 0 ? g_strdup_printf ("%.0f", level->client_us / level->ok) : g_strdup ("-");

	g_print ("%-20s %7u  %8u  %8.0f  %7.2f  %8.2f  %8u  %4u  %6s  %9s  %7s  %7s\n",
		 label,
		 level->n_clients,
		 level->ok,
		 level->rate,
		 level->p50,
		 level->p99,
		 level->failures,
		 level->unavailable,
		 syncs_text,
		 ratio_text,
		 server_text,
		 client_text);
	/* a failure is a bug to find: say what it was */
	g_hash_table_iter_init (&iter, level->why);
	while (g_hash_table_iter_next (&iter, &reason, &value)) {
		BenchWhy *w = value;

		g_print ("    %u x %s (after %.0f to %.0f ms)\n",
			 w->count,
			 (const char *)reason,
			 w->min_ms,
			 w->max_ms);
	}
	fflush (stdout);
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

/* The imei-brandd to run: this build's, or $IR_BENCH_BRANDD (another
 * build's, to set two builds side by side with the same clients). */
static const char *
bench_brandd_binary (void)
{
	const char *other = g_getenv ("IR_BENCH_BRANDD");

	return other != NULL && other[0] != '\0' ? other : IR_BENCH_IMEI_BRANDD;
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

/* Config @name.conf and its database with one device and a quota the
 * run cannot reach: @name.db, or with @pg_uri that PostgreSQL database;
 * the PKI in @dir/pki once. */
static gboolean
bench_brandd_prepare (const char *dir, const char *name, const char *pg_uri, char **conf)
{
	g_autofree char *pki_cmd =
	    g_strdup_printf ("test -d '%s/pki' || '%s/certs/gen-dev-pki.sh' '%s/pki' >/dev/null",
			     dir,
			     IR_BENCH_SRCDIR,
			     dir);
	g_autofree char *db_cmd = NULL;
	g_autofree char *conf_name = g_strdup_printf ("%s.conf", name);
	g_autofree char *text = NULL;
	g_autofree char *store = NULL;
	g_autofree char *target = NULL;
	const char csv[] =
	    "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n"
	    "SN0001,HW-0001,MediaTek,MT6765,49015420,490154203237518,352099001761481\n";
	g_autofree char *csv_path = g_build_filename (dir, "devices.csv", NULL);

	if (!bench_brandd_sh (pki_cmd) || !g_file_set_contents (csv_path, csv, -1, NULL))
		return FALSE;
	if (pg_uri != NULL) {
		store = g_strdup_printf ("[store]\nbackend=postgresql\nconnection=%s\n", pg_uri);
		target = g_strdup (pg_uri);
	} else {
		store = g_strdup ("");
		target = g_strdup_printf ("%s/%s.db", dir, name);
	}
	/* every client comes from 127.0.0.1, as through a load balancer:
	 * at the default max-handshakes-per-address (16) the server sheds
	 * the handshakes of a 64-client start beyond it, by design (issue 7),
	 * and those clients fail before they send a request */
	text = g_strdup_printf (
	    "[server]\nlisten=127.0.0.1:0\ndatabase=%s/%s.db\n"
	    "max-connections=256\nmax-handshakes=256\nmax-handshakes-per-address=256\n%s"
	    "[tls]\ncertificate=%s/pki/server.pem\nprivate-key=%s/pki/server.key\n"
	    "client-ca=%s/pki/ca.pem\n"
	    "[tokens]\nsigning-key=%s/pki/token-ed25519.key\nkey-id=dev-ed25519-1\n"
	    "[centres]\ndefault-daily-quota=10000000\n"
	    "[policy]\npublic-key=%s/pki/policy.pub.pem\n",
	    dir,
	    name,
	    store,
	    dir,
	    dir,
	    dir,
	    dir,
	    dir);
	*conf = g_build_filename (dir, conf_name, NULL);
	if (!g_file_set_contents (*conf, text, -1, NULL))
		return FALSE;
	db_cmd = g_strdup_printf ("'%s' init-db --db '%s' >/dev/null && "
				  "'%s' import --db '%s' '%s' >/dev/null",
				  bench_brandd_binary (),
				  target,
				  bench_brandd_binary (),
				  target,
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
	    bench_brandd_binary (),
	    dir,
	    dir,
	    json_path,
	    bench_brandd_binary (),
	    conf,
	    dir);

	return g_file_set_contents (json_path, json, -1, NULL) && bench_brandd_sh (cmd);
}

/* The output of the server on @conf, stdout and stderr, one file a node. */
static char *
bench_brandd_log_path (const char *conf, guint node)
{
	return g_strdup_printf ("%s.node%u.log", conf, node);
}

/* The first line of @path starting with @prefix, or NULL. */
static char *
bench_brandd_find_line (const char *path, const char *prefix)
{
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix (lines[i], prefix) && lines[i + 1] != NULL)
			return g_strdup (lines[i]);
	return NULL;
}

/* imei-brandd serve on @conf, its output into a file, never a pipe: with
 * $IR_BENCH_BRANDD_VERBOSE set it logs every request and every dropped
 * connection (--verbose, on stdout), and a pipe nobody reads while the
 * clients run would fill and stall the server. */
static GSubprocess *
bench_brandd_start_server (const char *conf, guint node, char **url)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autofree char *log = bench_brandd_log_path (conf, node);
	g_autofree char *line = NULL;
	gboolean verbose = g_getenv ("IR_BENCH_BRANDD_VERBOSE") != NULL;
	GSubprocess *proc;

	g_subprocess_launcher_set_stdout_file_path (launcher, log);
	proc = g_subprocess_launcher_spawn (launcher,
					    &error,
					    bench_brandd_binary (),
					    "serve",
					    verbose ? "--verbose" : "--config",
					    verbose ? "--config" : conf,
					    verbose ? conf : NULL,
					    NULL);
	if (proc == NULL) {
		g_printerr ("bench-brandd: %s\n", error->message);
		return NULL;
	}
	/* the line is written whole and flushed */
	for (guint i = 0; i < 3000 && line == NULL; i++) {
		line = bench_brandd_find_line (log, "listening on ");
		if (line == NULL && g_subprocess_get_identifier (proc) == NULL)
			break;
		if (line == NULL)
			g_usleep (20 * 1000);
	}
	if (line == NULL) {
		g_autofree char *text = NULL;

		g_file_get_contents (log, &text, NULL, NULL);
		g_printerr ("bench-brandd: the server did not start: %s\n",
			    text != NULL ? text : "");
		g_subprocess_force_exit (proc);
		g_subprocess_wait (proc, NULL, NULL);
		g_object_unref (proc);
		return NULL;
	}
	*url = g_strdup (line + strlen ("listening on "));
	return proc;
}

/* After a row with failures: what its servers logged beyond their start,
 * stop and each request's line (at most 20 lines a node). */
static void
bench_brandd_print_logs (const char *conf, guint n_nodes)
{
	static const char *const routine[] = {
	    "listening on ", "stats: ", "received SIGTERM", ": stopped", "/v1/tokens: 200"};

	for (guint i = 0; i < n_nodes; i++) {
		g_autofree char *log = bench_brandd_log_path (conf, i);
		g_autofree char *text = NULL;
		g_auto (GStrv) lines = NULL;
		guint shown = 0;

		if (!g_file_get_contents (log, &text, NULL, NULL))
			continue;
		lines = g_strsplit (text, "\n", -1);
		for (guint k = 0; lines[k] != NULL && shown < 20; k++) {
			gboolean skip = lines[k][0] == '\0';

			for (guint r = 0; r < G_N_ELEMENTS (routine) && !skip; r++)
				skip = strstr (lines[k], routine[r]) != NULL;
			if (skip)
				continue;
			g_print ("    node %u log: %s\n", i, lines[k]);
			shown++;
		}
	}
}

/* SIGTERM, then the server's stats line: the tokens it issued and its
 * write transactions (each one sync of SQLite's WAL or PostgreSQL's),
 * added to *@issued and *@commits; FALSE when it printed none. */
static gboolean
bench_brandd_stop_server (
    GSubprocess *proc, const char *conf, guint node, guint64 *issued, guint64 *commits)
{
	g_autofree char *log = bench_brandd_log_path (conf, node);
	g_autofree char *line = NULL;
	guint64 n_issued = 0;
	guint64 n_commits = 0;

	g_subprocess_send_signal (proc, SIGTERM);
	g_subprocess_wait (proc, NULL, NULL);
	line = bench_brandd_find_line (log, "stats: ");
	if (line == NULL ||
	    sscanf (line,
		    "stats: %" G_GUINT64_FORMAT " tokens issued, %" G_GUINT64_FORMAT,
		    &n_issued,
		    &n_commits) != 2)
		return FALSE;
	*issued += n_issued;
	*commits += n_commits;
	return TRUE;
}

/* Where a row's servers keep their data: SQLite on one node, or one
 * PostgreSQL database shared by @n_nodes. */
typedef struct {
	const char *label; /* the row's first column */
	const char *key;   /* names its files and databases */
	PgCluster *pg;	   /* NULL: SQLite */
	guint n_nodes;
} BenchSetup;

/* @n servers on @conf; FALSE (and none left running) when one did not
 * start. */
static gboolean
bench_brandd_start_nodes (const char *conf, guint n, GSubprocess **procs, char **urls)
{
	for (guint i = 0; i < n; i++) {
		procs[i] = bench_brandd_start_server (conf, i, &urls[i]);
		if (procs[i] != NULL)
			continue;
		for (guint k = 0; k < i; k++) {
			g_subprocess_force_exit (procs[k]);
			g_subprocess_wait (procs[k], NULL, NULL);
			g_clear_object (&procs[k]);
		}
		return FALSE;
	}
	return TRUE;
}

/* One level on fresh servers and a fresh database: tokens/s, p50, p99,
 * failures, then the servers' syncs per token; the row printed. FALSE
 * when the servers could not be set up. */
static gboolean
bench_brandd_fresh_level (const char *dir,
			  const char *pki,
			  const BenchSetup *setup,
			  guint n_clients,
			  guint total,
			  gdouble sigs,
			  gdouble *rate)
{
	g_autofree char *name = g_strdup_printf ("%s_%u", setup->key, n_clients);
	g_autofree char *conf = NULL;
	g_autofree char *pg_uri = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree GSubprocess **procs = g_new0 (GSubprocess *, setup->n_nodes);
	g_auto (GStrv) urls = g_new0 (char *, setup->n_nodes + 1);
	BenchLevel level;
	guint64 issued = 0;
	guint64 commits = 0;
	gboolean stats = TRUE;
	gdouble children_us;

	if (setup->pg != NULL &&
	    (pg_uri = pg_cluster_new_database (setup->pg, name, &error)) == NULL) {
		g_printerr ("bench-brandd: %s\n", error->message);
		return FALSE;
	}
	if (!bench_brandd_prepare (dir, name, pg_uri, &conf) ||
	    !bench_brandd_start_nodes (conf, setup->n_nodes, procs, urls))
		return FALSE;
	/* the servers are the only children not yet waited for: their CPU
	 * comes in at their stop (PostgreSQL's own processes are not ours) */
	children_us = bench_brandd_cpu_us (RUSAGE_CHILDREN);
	bench_brandd_run_level (urls, setup->n_nodes, pki, n_clients, total, &level);
	for (guint i = 0; i < setup->n_nodes; i++) {
		stats = bench_brandd_stop_server (procs[i], conf, i, &issued, &commits) && stats;
		g_object_unref (procs[i]);
	}
	level.server_us = bench_brandd_cpu_us (RUSAGE_CHILDREN) - children_us;
	bench_brandd_print_level (
	    setup->label, &level, stats && issued > 0 ? (gdouble)commits / issued : -1, sigs);
	if (level.failures > 0 || level.unavailable > 0)
		bench_brandd_print_logs (conf, setup->n_nodes);
	*rate = level.rate;
	bench_brandd_level_clear (&level);
	return TRUE;
}

/* The day's 500,000th token: 499,999 expired tokens of the centre today,
 * inserted with SQL and counted in its day's row, then 16 clients. */
static gboolean
bench_brandd_full_day (const char *dir, const char *pki, guint total, gdouble sigs, gdouble *rate)
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
	char *urls[] = {NULL, NULL};
	BenchLevel level;
	guint64 issued = 0;
	guint64 commits = 0;
	gboolean stats;
	gdouble children_us;

	if (!bench_brandd_prepare (dir, "day", NULL, &conf) || !bench_brandd_sh (cmd) ||
	    (proc = bench_brandd_start_server (conf, 0, &url)) == NULL)
		return FALSE;
	urls[0] = url;
	children_us = bench_brandd_cpu_us (RUSAGE_CHILDREN);
	bench_brandd_run_level (urls, 1, pki, 16, total, &level);
	stats = bench_brandd_stop_server (proc, conf, 0, &issued, &commits);
	level.server_us = bench_brandd_cpu_us (RUSAGE_CHILDREN) - children_us;
	bench_brandd_print_level ("SQLite, 500,000th",
				  &level,
				  stats && issued > 0 ? (gdouble)commits / issued : -1,
				  sigs);
	*rate = level.rate;
	bench_brandd_level_clear (&level);
	return TRUE;
}

/* Rounds alternating between the server without a policy (@off_url) and
 * the one with (@on_url). */
static void
bench_brandd_compare_policy (char *off_url, char *on_url, const char *pki, guint total)
{
	gdouble rate[2][BENCH_POLICY_ROUNDS];
	gdouble p50[2][BENCH_POLICY_ROUNDS];
	char *urls[2][1] = {{off_url}, {on_url}};
	gdouble off;
	gdouble on;

	g_print ("\nrollout policy and cap checks off vs on, SQLite, %u clients, %u rounds each, "
		 "alternating (off, on, off, on...)\n",
		 BENCH_POLICY_CLIENTS,
		 BENCH_POLICY_ROUNDS);
	bench_brandd_print_header ();
	for (guint r = 0; r < BENCH_POLICY_ROUNDS; r++) {
		for (guint k = 0; k < 2; k++) {
			BenchLevel level;

			bench_brandd_run_level (
			    urls[k], 1, pki, BENCH_POLICY_CLIENTS, total, &level);
			bench_brandd_print_level (
			    k == 0 ? "policy off" : "policy on", &level, -1, 0);
			rate[k][r] = level.rate;
			p50[k][r] = level.p50;
			bench_brandd_level_clear (&level);
		}
	}
	off = bench_stats_median (rate[0], BENCH_POLICY_ROUNDS);
	on = bench_stats_median (rate[1], BENCH_POLICY_ROUNDS);
	g_print ("policy off: median %.0f tokens/s, median p50 %.2f ms\n",
		 off,
		 bench_stats_median (p50[0], BENCH_POLICY_ROUNDS));
	g_print ("policy on : median %.0f tokens/s, median p50 %.2f ms\n",
		 on,
		 bench_stats_median (p50[1], BENCH_POLICY_ROUNDS));
	g_print ("on/off throughput ratio: %.2f\n", off > 0 ? on / off : 0);
}

/* Tokens/s at 1, 16 and 64 clients for each setup: SQLite on one node,
 * PostgreSQL on one node, PostgreSQL on two nodes; then the day's
 * 500,000th token on SQLite. FALSE when a setup could not run. */
static gboolean
bench_brandd_levels (const char *dir,
		     const char *pki,
		     PgCluster *pg,
		     guint total,
		     gdouble sigs,
		     const char *only,
		     const guint *levels,
		     guint n_levels)
{
	const BenchSetup setups[] = {
	    {"SQLite, 1 node", "sqlite", NULL, 1},
	    {"PostgreSQL, 1 node", "pg1", pg, 1},
	    {"PostgreSQL, 2 nodes", "pg2", pg, 2},
	};
	gdouble sqlite_16 = 0;
	gdouble day_rate = 0;

	g_print ("tokens/s with keep-alive clients, fresh servers and database per row; "
		 "failures: other than 503; 503: with Retry-After; syncs: write transactions "
		 "per token; x signing: tokens/s over Ed25519 signatures/s; srv us, cli us: "
		 "CPU time (user + system) per token of imei-brandd (PostgreSQL's own "
		 "processes not counted) and of the bench's clients\n");
	bench_brandd_print_header ();
	for (guint s = 0; s < G_N_ELEMENTS (setups); s++) {
		if (only != NULL && strstr (only, setups[s].key) == NULL)
			continue;
		for (guint i = 0; i < n_levels; i++) {
			gdouble rate = 0;

			if (!bench_brandd_fresh_level (
				dir, pki, &setups[s], levels[i], total, sigs, &rate))
				return FALSE;
			if (s == 0 && levels[i] == 16)
				sqlite_16 = rate;
		}
	}
	if (only != NULL && strstr (only, "day") == NULL)
		return TRUE;
	g_print ("the day's 500,000th token (499,999 already issued today), 16 clients:\n");
	if (!bench_brandd_full_day (dir, pki, total, sigs, &day_rate))
		return FALSE;
	g_print ("500,000th token / first, SQLite, 16 clients: %.2f (1.00: flat as the day "
		 "fills)\n",
		 sqlite_16 > 0 ? day_rate / sqlite_16 : 0);
	return TRUE;
}

/* The rollout policy's cost: off and on each on a database of their own
 * that served nothing before. */
static gboolean
bench_brandd_policy (const char *dir, const char *pki, guint total)
{
	g_autofree char *policy_conf = NULL;
	g_autofree char *policy_url = NULL;
	g_autofree char *off_conf = NULL;
	g_autofree char *off_url = NULL;
	g_autoptr (GSubprocess) policy_server = NULL;
	g_autoptr (GSubprocess) off_server = NULL;
	guint64 issued = 0;
	guint64 commits = 0;

	if (!bench_brandd_prepare (dir, "brandd-policy", NULL, &policy_conf) ||
	    !bench_brandd_publish_policy (dir, policy_conf) ||
	    !bench_brandd_prepare (dir, "brandd-off", NULL, &off_conf) ||
	    (policy_server = bench_brandd_start_server (policy_conf, 0, &policy_url)) == NULL)
		return FALSE;
	off_server = bench_brandd_start_server (off_conf, 0, &off_url);
	if (off_server != NULL)
		bench_brandd_compare_policy (off_url, policy_url, pki, total);
	bench_brandd_stop_server (policy_server, policy_conf, 0, &issued, &commits);
	if (off_server != NULL)
		bench_brandd_stop_server (off_server, off_conf, 0, &issued, &commits);
	return off_server != NULL;
}

int
main (int argc, char **argv)
{
	guint total =
	    argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_REQUESTS;
	/* argument 2, for a closer look at one setup: the keys of the rows
	 * to run (sqlite, pg1, pg2), and nothing else */
	const char *only = argc > 2 ? argv[2] : NULL;
	/* argument 3: the numbers of clients, comma-separated (1,16,64) */
	g_auto (GStrv) level_args = g_strsplit (argc > 3 ? argv[3] : "1,16,64", ",", -1);
	g_autofree guint *levels = g_new0 (guint, g_strv_length (level_args) + 1);
	guint n_levels = 0;
	g_autofree char *dir = g_dir_make_tmp ("bench-brandd-XXXXXX", NULL);
	g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
	g_autofree char *pki = NULL;
	g_autofree char *key = NULL;
	g_autofree char *pki_conf = NULL;
	g_autoptr (PgCluster) pg = NULL;
	g_autoptr (GError) error = NULL;
	gdouble sigs;
	int rc = EXIT_SUCCESS;

	if (total == 0)
		total = BENCH_DEFAULT_REQUESTS;
	for (guint i = 0; level_args[i] != NULL; i++) {
		guint n = (guint)g_ascii_strtoull (level_args[i], NULL, 10);

		if (n == 0 || n > 1024) {
			g_printerr ("bench-brandd: '%s' is not a number of clients (1 to 1024)\n",
				    level_args[i]);
			return EXIT_FAILURE;
		}
		levels[n_levels++] = n;
	}
	if (dir == NULL) {
		g_printerr ("bench-brandd: cannot make a temporary folder\n");
		return EXIT_FAILURE;
	}
	/* PostgreSQL first: when it cannot start, say why before anything
	 * else runs; durable, as a deployment runs it (a commit's WAL flush
	 * is part of a token's cost, as SQLite's sync is) */
	if (only == NULL || strstr (only, "pg") != NULL)
		pg = pg_cluster_new (PG_CLUSTER_FLAG_DURABLE, &error);
	if (pg == NULL && error != NULL) {
		g_printerr ("bench-brandd: PostgreSQL cannot start, so its rows cannot run: %s\n",
			    error->message);
		bench_brandd_sh (rm);
		return EXIT_FAILURE;
	}
	curl_global_init (CURL_GLOBAL_DEFAULT);
	pki = g_build_filename (dir, "pki", NULL);
	key = g_build_filename (pki, "token-ed25519.key", NULL);
	g_print ("imei-brandd token issuance, %u requests per row, PostgreSQL %s in %s\n",
		 total,
		 "durable (fsync on)",
		 pg != NULL ? pg_cluster_get_dir (pg) : "(not started: no row of it)");
	/* the PKI, for the signing key; then one core's signing rate, the
	 * yardstick of every row */
	if (!bench_brandd_prepare (dir, "pki", NULL, &pki_conf) ||
	    (sigs = bench_brandd_signatures_per_second (key)) <= 0) {
		rc = EXIT_FAILURE;
	} else {
		g_print ("Ed25519 signatures/s (EVP, one thread): %.0f\n\n", sigs);
		if (!bench_brandd_levels (dir, pki, pg, total, sigs, only, levels, n_levels) ||
		    (only == NULL && !bench_brandd_policy (dir, pki, total)))
			rc = EXIT_FAILURE;
	}
	g_clear_pointer (&pg, pg_cluster_free);
	bench_brandd_sh (rm);
	curl_global_cleanup ();
	return rc;
}
