/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"
#include "ir-brandd-db.h"

/* The IMEIs above: Luhn over the 14 identity digits, e.g.
 * 49015420323751 -> 8, 35209900176148 -> 1, 49015420323752 -> 6,
 * 35209900176149 -> 9. */

static char *pki_dir = NULL;

static const char *
brandd_test_env_or_fail (const char *name)
{
	const char *value = g_getenv (name);

	if (value == NULL)
		fail_msg ("%s is not set; run the tests with meson test", name);
	return value;
}

int
brandd_test_env_sh (const char *cmdline, char **out, char **err)
{
	const char *argv[] = {"/bin/sh", "-c", cmdline, NULL};
	g_autoptr (GError) error = NULL;
	int status = 0;

	if (!g_spawn_sync (
		NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error))
		fail_msg ("cannot run %s: %s", cmdline, error->message);
	return WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status);
}

static void
brandd_test_env_remove_pki (void)
{
	g_autofree char *cmd = NULL;

	if (pki_dir == NULL)
		return;
	cmd = g_strdup_printf ("rm -rf '%s'", pki_dir);
	brandd_test_env_sh (cmd, NULL, NULL);
	g_clear_pointer (&pki_dir, g_free);
}

/* gen-dev-pki.sh makes every certificate the tests need but one with a
 * role and no centre: that one is signed here with the same CA. */
static void
brandd_test_env_make_nocentre_cert (const char *dir)
{
	g_autofree char *cmd = g_strdup_printf (
	    "set -e; cd '%s'; "
	    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
	    "technician-nocentre.key 2>/dev/null; "
	    "openssl req -new -key technician-nocentre.key -subj '/O=imeirestore dev/CN=nocentre' "
	    "-out nocentre.csr; "
	    "printf '%%s\\n' basicConstraints=critical,CA:FALSE extendedKeyUsage=clientAuth "
	    "subjectAltName=URI:urn:imeirestore:role:technician > nocentre.ext; "
	    "openssl x509 -req -in nocentre.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	    "-days 2 -sha256 -extfile nocentre.ext -out technician-nocentre.pem 2>/dev/null",
	    dir);
	g_autofree char *err = NULL;

	if (brandd_test_env_sh (cmd, NULL, &err) != 0)
		fail_msg ("cannot make the no-centre certificate: %s", err);
}

const char *
brandd_test_env_pki_dir (void)
{
	g_autofree char *script = NULL;
	g_autofree char *cmd = NULL;
	g_autofree char *err = NULL;
	g_autoptr (GError) error = NULL;

	if (pki_dir != NULL)
		return pki_dir;
	pki_dir = g_dir_make_tmp ("brandd-pki-XXXXXX", &error);
	if (pki_dir == NULL)
		fail_msg ("cannot make a temporary folder: %s", error->message);
	atexit (brandd_test_env_remove_pki);
	script = g_build_filename (
	    brandd_test_env_or_fail ("IR_SRCDIR"), "certs", "gen-dev-pki.sh", NULL);
	cmd = g_strdup_printf ("'%s' '%s' >/dev/null", script, pki_dir);
	if (brandd_test_env_sh (cmd, NULL, &err) != 0)
		fail_msg ("gen-dev-pki.sh failed: %s", err);
	brandd_test_env_make_nocentre_cert (pki_dir);
	return pki_dir;
}

char *
brandd_test_env_write_file (const char *dir, const char *name, const char *contents)
{
	char *path = g_build_filename (dir, name, NULL);
	g_autoptr (GError) error = NULL;

	if (!g_file_set_contents (path, contents, -1, &error))
		fail_msg ("cannot write %s: %s", path, error->message);
	return path;
}

int
brandd_test_env_run_brandd (const char *const *argv, char **out, char **err)
{
	g_autoptr (GPtrArray) args = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;
	int status = 0;

	g_ptr_array_add (args, (gpointer)brandd_test_env_or_fail ("IMEI_BRANDD"));
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add (args, (gpointer)argv[i]);
	g_ptr_array_add (args, NULL);
	if (!g_spawn_sync (NULL,
			   (char **)args->pdata,
			   NULL,
			   G_SPAWN_DEFAULT,
			   NULL,
			   NULL,
			   out,
			   err,
			   &status,
			   &error))
		fail_msg ("cannot run imei-brandd: %s", error->message);
	return WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status);
}

static const char devices_csv[] =
    "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n" BT_DEV1_SERIAL "," BT_DEV1_HWID
    ",MediaTek,MT6765,49015420," BT_DEV1_IMEI1 "," BT_DEV1_IMEI2 "\n" BT_DEV2_SERIAL
    ",,Quectel,EC25,49015420," BT_DEV2_IMEI1 ",\n"
    "," BT_DEV3_HWID ",imeirestore,SR1,35209900," BT_DEV3_IMEI1 ",\n";

BtEnv *
brandd_test_env_new (const char *extra_config)
{
	g_autoptr (BtEnv) env = g_new0 (BtEnv, 1);
	g_autoptr (GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *csv = NULL;
	g_autofree char *err = NULL;
	g_autofree char *store = NULL;
	const char *pki = brandd_test_env_pki_dir ();

	env->dir = g_dir_make_tmp ("brandd-test-XXXXXX", &error);
	if (env->dir == NULL)
		fail_msg ("cannot make a temporary folder: %s", error->message);
	env->pki = g_strdup (pki);
	/* the server-pg suite: the same tests on a database of their own in
	 * the binary's PostgreSQL cluster */
	if (brandd_test_pg_wanted ()) {
		env->db = brandd_test_pg_new_database ();
		store = g_strdup_printf ("[store]\nbackend=postgresql\nconnection=%s\n", env->db);
	} else {
		env->db = g_build_filename (env->dir, "brandd.db", NULL);
	}
	conf = g_strdup_printf ("[server]\nlisten=127.0.0.1:0\ndatabase=brandd.db\n%s"
				"[tls]\ncertificate=%s/server.pem\nprivate-key=%s/server.key\n"
				"client-ca=%s/ca.pem\n"
				"[tokens]\nsigning-key=%s/token-ed25519.key\nalgorithm=EdDSA\n"
				"key-id=dev-ed25519-1\nphase=IN-2026-P1\n%s\n",
				store != NULL ? store : "",
				pki,
				pki,
				pki,
				pki,
				extra_config != NULL ? extra_config : "");
	env->conf = brandd_test_env_write_file (env->dir, "brandd.conf", conf);
	csv = brandd_test_env_write_file (env->dir, "devices.csv", devices_csv);
	{
		const char *init[] = {"init-db", "--db", env->db, NULL};
		const char *import[] = {"import", "--db", env->db, csv, NULL};
		if (brandd_test_env_run_brandd (init, NULL, &err) != 0)
			fail_msg ("init-db failed: %s", err);
		g_clear_pointer (&err, g_free);
		if (brandd_test_env_run_brandd (import, NULL, &err) != 0)
			fail_msg ("import failed: %s", err);
	}
	return g_steal_pointer (&env);
}

/* A failed assertion longjmps past brandd_test_env_free(): a server left running
 * keeps the test's stderr open, and meson then waits for it until the
 * test's timeout instead of reporting the failure. The server dies with
 * the test (SIGKILL: nothing is left to stop gracefully for). */
static void
brandd_test_env_die_with_parent (gpointer data)
{
	prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
brandd_test_env_exited (GObject *source, GAsyncResult *result, gpointer data)
{
	gboolean *exited = data;

	g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
	*exited = TRUE;
}

static gboolean
brandd_test_env_late (gpointer data)
{
	gboolean *late = data;

	*late = TRUE;
	return G_SOURCE_REMOVE;
}

/* Waits at most @seconds for @proc to exit; FALSE when it did not, and
 * then it has been killed (and reaped). */
static gboolean
brandd_test_env_wait_exit (GSubprocess *proc, guint seconds)
{
	g_autoptr (GMainContext) context = g_main_context_new ();
	g_autoptr (GSource) timer = g_timeout_source_new_seconds (seconds);
	gboolean exited = FALSE;
	gboolean late = FALSE;

	g_main_context_push_thread_default (context);
	g_subprocess_wait_async (proc, NULL, brandd_test_env_exited, &exited);
	g_source_set_callback (timer, brandd_test_env_late, &late, NULL);
	g_source_attach (timer, context);
	while (!exited && !late)
		g_main_context_iteration (context, TRUE);
	g_source_destroy (timer);
	if (!exited)
		g_subprocess_force_exit (proc);
	/* the wait's callback points at this frame: let it run */
	while (!exited)
		g_main_context_iteration (context, TRUE);
	g_main_context_pop_thread_default (context);
	return !late;
}

/* The first line of @proc's stdout within @seconds, or NULL (@why says). */
static char *
brandd_test_env_first_line (GSubprocess *proc, guint seconds, char **why)
{
	GInputStream *pipe = g_subprocess_get_stdout_pipe (proc);
	g_autoptr (GDataInputStream) out = g_data_input_stream_new (pipe);
	g_autoptr (GError) error = NULL;
	struct pollfd pfd = {.fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (pipe)),
			     .events = POLLIN};

	/* the pipe stays open: the server prints its stats there as it
	 * stops (test-brandd-server.c's group commit test reads them) */
	g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
	char *line;

	/* the server prints the line whole and flushes it: once the pipe is
	 * readable the line (or the end of the stream) is there */
	if (poll (&pfd, 1, (int)(seconds * 1000)) <= 0) {
		*why = g_strdup_printf ("nothing within %u s", seconds);
		return NULL;
	}
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
	if (line == NULL)
		*why = g_strdup (error != NULL ? error->message : "it exited");
	return line;
}

void
brandd_test_env_start (BtEnv *env)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autofree char *line = NULL;
	g_autofree char *why = NULL;
	const char *prefix = "listening on https://127.0.0.1:";

	g_subprocess_launcher_set_child_setup (
	    launcher, brandd_test_env_die_with_parent, NULL, NULL);
	env->proc = g_subprocess_launcher_spawn (launcher,
						 &error,
						 brandd_test_env_or_fail ("IMEI_BRANDD"),
						 "serve",
						 "--config",
						 env->conf,
						 NULL);
	if (env->proc == NULL)
		fail_msg ("cannot start imei-brandd: %s", error->message);
	line = brandd_test_env_first_line (env->proc, BT_START_WAIT_S, &why);
	if (line == NULL || !g_str_has_prefix (line, prefix)) {
		g_subprocess_force_exit (env->proc);
		fail_msg ("imei-brandd did not say where it listens: %s",
			  line != NULL ? line : why);
	}
	env->port = (guint16)g_ascii_strtoull (line + strlen (prefix), NULL, 10);
	env->url = g_strdup_printf ("https://127.0.0.1:%u", env->port);
}

int
brandd_test_env_stop (BtEnv *env)
{
	int status;

	if (env->proc == NULL)
		return 0;
	g_subprocess_send_signal (env->proc, SIGTERM);
	if (!brandd_test_env_wait_exit (env->proc, BT_STOP_WAIT_S))
		fail_msg ("imei-brandd did not stop within %u s of SIGTERM (killed)",
			  BT_STOP_WAIT_S);
	status = g_subprocess_get_if_exited (env->proc) ? g_subprocess_get_exit_status (env->proc)
							: -g_subprocess_get_term_sig (env->proc);
	g_clear_object (&env->proc);
	return status;
}

void
brandd_test_env_free (BtEnv *env)
{
	g_autofree char *cmd = NULL;

	if (env == NULL)
		return;
	if (env->proc != NULL) {
		g_subprocess_force_exit (env->proc);
		g_subprocess_wait (env->proc, NULL, NULL);
		g_object_unref (env->proc);
	}
	cmd = g_strdup_printf ("rm -rf '%s'", env->dir);
	brandd_test_env_sh (cmd, NULL, NULL);
	g_free (env->dir);
	g_free (env->pki);
	g_free (env->conf);
	g_free (env->db);
	g_free (env->url);
	g_free (env);
}

void
brandd_test_env_response_free (BtResponse *r)
{
	if (r == NULL)
		return;
	g_free (r->body);
	g_free (r->retry_after);
	g_free (r->curl_error);
	if (r->json != NULL)
		json_node_unref (r->json);
	g_free (r);
}

static size_t
brandd_test_env_collect (char *data, size_t size, size_t n, void *arg)
{
	g_string_append_len (arg, data, (gssize)(size * n));
	return size * n;
}

BtResponse *
brandd_test_env_request (
    BtEnv *env, const char *client, const char *path, const char *body, const char *content_type)
{
	CURL *curl = curl_easy_init ();
	struct curl_slist *headers = NULL;
	g_autoptr (GString) buf = g_string_new (NULL);
	g_autofree char *url = g_strconcat (env->url, path, NULL);
	g_autofree char *ca = g_build_filename (env->pki, "ca.pem", NULL);
	g_autofree char *cert = NULL;
	g_autofree char *key = NULL;
	g_autofree char *ct = g_strdup_printf (
	    "Content-Type: %s", content_type != NULL ? content_type : "application/json");
	BtResponse *r = g_new0 (BtResponse, 1);
	g_autoptr (JsonParser) parser = json_parser_new ();
	char errbuf[CURL_ERROR_SIZE] = "";
	gint64 start = g_get_monotonic_time ();

	curl_easy_setopt (curl, CURLOPT_URL, url);
	curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt (curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt (curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
	if (client != NULL) {
		cert = g_strdup_printf ("%s/%s.pem", env->pki, client);
		key = g_strdup_printf ("%s/%s.key", env->pki, client);
		curl_easy_setopt (curl, CURLOPT_SSLCERT, cert);
		curl_easy_setopt (curl, CURLOPT_SSLKEY, key);
	}
	if (body != NULL) {
		headers = curl_slist_append (headers, ct);
		curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long)strlen (body));
	}
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, brandd_test_env_collect);
	curl_easy_setopt (curl, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
	r->curl_code = (int)curl_easy_perform (curl);
	if (r->curl_code != CURLE_OK)
		r->curl_error = g_strdup_printf (
		    "%s, after %.2f s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror ((CURLcode)r->curl_code),
		    (gdouble)(g_get_monotonic_time () - start) / G_USEC_PER_SEC);
	if (r->curl_code == CURLE_OK) {
		struct curl_header *retry = NULL;

		curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &r->status);
		if (curl_easy_header (curl, "Retry-After", 0, CURLH_HEADER, -1, &retry) ==
		    CURLHE_OK)
			r->retry_after = g_strdup (retry->value);
	}
	curl_slist_free_all (headers);
	curl_easy_cleanup (curl);
	r->body = g_strdup (buf->str);
	if (r->status != 0 && json_parser_load_from_data (parser, r->body, -1, NULL) &&
	    json_parser_get_root (parser) != NULL)
		r->json = json_node_copy (json_parser_get_root (parser));
	return r;
}

const char *
brandd_test_env_json_string (const BtResponse *r, const char *member)
{
	JsonObject *obj;

	if (r->json == NULL || !JSON_NODE_HOLDS_OBJECT (r->json))
		return NULL;
	obj = json_node_get_object (r->json);
	if (!json_object_has_member (obj, member) ||
	    json_node_get_value_type (json_object_get_member (obj, member)) != G_TYPE_STRING)
		return NULL;
	return json_object_get_string_member (obj, member);
}

const char *
brandd_test_env_error_code (const BtResponse *r)
{
	JsonObject *obj;
	JsonNode *err;

	if (r->json == NULL || !JSON_NODE_HOLDS_OBJECT (r->json))
		return NULL;
	obj = json_node_get_object (r->json);
	err = json_object_get_member (obj, "error");
	if (err == NULL || !JSON_NODE_HOLDS_OBJECT (err))
		return NULL;
	return json_object_get_string_member_with_default (
	    json_node_get_object (err), "code", NULL);
}

struct _BtTls {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

void
bt_tls_free (BtTls *tls)
{
	if (tls == NULL)
		return;
	if (tls->ssl != NULL)
		SSL_free (tls->ssl);
	if (tls->ctx != NULL)
		SSL_CTX_free (tls->ctx);
	if (tls->fd >= 0)
		close (tls->fd);
	g_free (tls);
}

static SSL_CTX *
bt_tls_context (BtEnv *env, const char *client)
{
	g_autofree char *ca = g_build_filename (env->pki, "ca.pem", NULL);
	g_autofree char *cert = g_strdup_printf ("%s/%s.pem", env->pki, client);
	g_autofree char *key = g_strdup_printf ("%s/%s.key", env->pki, client);
	SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());

	assert_non_null (ctx);
	SSL_CTX_set_min_proto_version (ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations (ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_file (ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file (ctx, key, SSL_FILETYPE_PEM) != 1)
		fail_msg ("cannot load the TLS client identity %s", client);
	return ctx;
}

BtTls *
bt_tls_connect (BtEnv *env, const char *client)
{
	g_autoptr (BtTls) tls = g_new0 (BtTls, 1);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons (env->port)};
	struct timeval tv = {10, 0};

	sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
	tls->fd = socket (AF_INET, SOCK_STREAM, 0);
	assert_true (tls->fd >= 0);
	/* nothing in these tests may hang: every read gives up after 10 s */
	setsockopt (tls->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect (tls->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return NULL;
	tls->ctx = bt_tls_context (env, client);
	tls->ssl = SSL_new (tls->ctx);
	SSL_set_fd (tls->ssl, tls->fd);
	SSL_set_tlsext_host_name (tls->ssl, "localhost");
	if (SSL_set1_host (tls->ssl, "127.0.0.1") != 1 || SSL_connect (tls->ssl) != 1)
		return NULL;
	return g_steal_pointer (&tls);
}

gboolean
bt_tls_write (BtTls *tls, const char *data, gsize len)
{
	return len == 0 || SSL_write (tls->ssl, data, (int)len) == (int)len;
}

/* Reads until @buf holds the headers and Content-Length bytes of body. */
static gboolean
bt_tls_read_answer (BtTls *tls, GString *buf, gsize *header_len, gsize *body_len)
{
	char chunk[4096];

	while (TRUE) {
		const char *end = strstr (buf->str, "\r\n\r\n");
		const char *cl = NULL;
		int n;

		if (end != NULL) {
			*header_len = (gsize)(end - buf->str) + 4;
			cl = g_strstr_len (buf->str, (gssize)*header_len, "Content-Length: ");
			*body_len = cl != NULL ? g_ascii_strtoull (cl + 16, NULL, 10) : 0;
			if (buf->len >= *header_len + *body_len)
				return TRUE;
		}
		n = SSL_read (tls->ssl, chunk, sizeof chunk);
		if (n <= 0)
			return FALSE;
		g_string_append_len (buf, chunk, n);
	}
}

BtResponse *
bt_tls_request (BtTls *tls, const char *path, const char *body)
{
	g_autofree char *head = NULL;
	g_autoptr (GString) buf = g_string_new (NULL);
	g_autoptr (JsonParser) parser = json_parser_new ();
	BtResponse *r = g_new0 (BtResponse, 1);
	gsize header_len = 0;
	gsize body_len = 0;

	head = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
				"Content-Length: %zu\r\n\r\n",
				body != NULL ? "POST" : "GET",
				path,
				body != NULL ? "Content-Type: application/json\r\n" : "",
				body != NULL ? strlen (body) : 0);
	if (!bt_tls_write (tls, head, strlen (head)) ||
	    !bt_tls_write (tls, body != NULL ? body : "", body != NULL ? strlen (body) : 0) ||
	    !bt_tls_read_answer (tls, buf, &header_len, &body_len)) {
		r->body = g_strdup ("");
		return r;
	}
	if (g_str_has_prefix (buf->str, "HTTP/1.1 "))
		r->status = (long)g_ascii_strtoll (buf->str + 9, NULL, 10);
	r->body = g_strndup (buf->str + header_len, body_len);
	if (json_parser_load_from_data (parser, r->body, -1, NULL) &&
	    json_parser_get_root (parser) != NULL)
		r->json = json_node_copy (json_parser_get_root (parser));
	return r;
}

gboolean
bt_tls_closed (BtTls *tls, guint wait_ms)
{
	struct pollfd pfd = {.fd = tls->fd, .events = POLLIN};
	char byte;

	if (SSL_pending (tls->ssl) > 0)
		return FALSE;
	if (poll (&pfd, 1, (int)wait_ms) != 1)
		return FALSE;
	return SSL_read (tls->ssl, &byte, 1) <= 0;
}

void
brandd_test_env_raise_fd_limit (guint n)
{
	struct rlimit rl;

	assert_int_equal (getrlimit (RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < n)
		fail_msg ("the hard open-file limit is %lu, this test needs %u",
			  (unsigned long)rl.rlim_max,
			  n);
	if (rl.rlim_cur < n) {
		rl.rlim_cur = n;
		assert_int_equal (setrlimit (RLIMIT_NOFILE, &rl), 0);
	}
}

static IrBranddDb *
brandd_test_env_db_open (BtEnv *env)
{
	g_autoptr (GError) error = NULL;
	IrBranddDb *db = ir_brandd_db_open (brandd_test_pg_wanted () ? IR_BRANDD_BACKEND_POSTGRESQL
								     : IR_BRANDD_BACKEND_SQLITE,
					    env->db,
					    FALSE,
					    &error);

	if (db == NULL)
		fail_msg ("cannot open the test database: %s", error->message);
	return db;
}

gint64
brandd_test_env_db_int (BtEnv *env, const char *sql, const char *arg)
{
	g_autoptr (IrBranddDb) db = brandd_test_env_db_open (env);
	g_autoptr (GError) error = NULL;
	IrBranddStmt *stmt = ir_brandd_db_prepare (db, sql, &error);
	gboolean row = FALSE;
	gint64 n = -1;

	if (stmt == NULL)
		fail_msg ("%s: %s", sql, error->message);
	if (arg != NULL)
		ir_brandd_stmt_bind_text (stmt, 1, arg);
	if (!ir_brandd_stmt_step (stmt, &row, "run a test query", &error))
		fail_msg ("%s: %s", sql, error->message);
	if (row)
		n = ir_brandd_stmt_column_int64 (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	return n;
}

void
brandd_test_env_db_exec (BtEnv *env, const char *sql, const char *arg)
{
	g_autoptr (IrBranddDb) db = brandd_test_env_db_open (env);
	g_autoptr (GError) error = NULL;
	IrBranddStmt *stmt = ir_brandd_db_prepare (db, sql, &error);

	if (stmt == NULL)
		fail_msg ("%s: %s", sql, error->message);
	if (arg != NULL)
		ir_brandd_stmt_bind_text (stmt, 1, arg);
	if (!ir_brandd_stmt_run (stmt, "run a test statement", &error))
		fail_msg ("%s: %s", sql, error->message);
}

IrBranddDb *
brandd_test_env_db_lock (BtEnv *env)
{
	IrBranddDb *db = brandd_test_env_db_open (env);
	g_autoptr (GError) error = NULL;
	const char *sql =
	    brandd_test_pg_wanted ()
		? "BEGIN; LOCK TABLE tokens, centre_day_counts IN ACCESS EXCLUSIVE MODE"
		: "BEGIN EXCLUSIVE";

	if (!ir_brandd_db_exec_script (db, sql, &error))
		fail_msg ("%s: %s", sql, error->message);
	return db;
}

void
brandd_test_env_db_unlock (IrBranddDb *db)
{
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_db_exec_script (db, "ROLLBACK", &error))
		fail_msg ("ROLLBACK: %s", error->message);
	ir_brandd_db_free (db);
}
