/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "ir-brandd-conns.h"
#include "ir-brandd-clock.h"
#include "ir-brandd-db.h"
#include "ir-brandd-http.h"
#include "ir-brandd-json.h"
#include "ir-brandd-request.h"
#include "ir-brandd-tls.h"
#include "ir-brandd-witness.h"
#include "ir-brandd-worker.h"
#include "ir-error.h"

#define STOP_POLL_MS 20
/* At most this many requests go to the database thread at once: one
 * transaction for their tokens; about max-connections' default. */
#define MAX_BATCH 128

struct _IrBranddServer {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *stop_timer;
	SSL_CTX *ctx;
	IrBranddIssuer *issuer;
	IrBranddWitness *witness;	/* NULL: no witnessing routes */
	IrBranddRevocation *revocation; /* NULL: the handshake's check only */
	IrBranddConns *conns;		/* connection limits and deadlines */
	IrBranddWorker *worker;		/* the database thread */
	gsize max_body_size;
	guint n_sending; /* answers handed to evhttp and not yet written */
	guint n_pending; /* requests on the database thread */
	guint16 port;
	gboolean stopping;
	gint64 stop_deadline;
};

static struct bufferevent *
ir_brandd_http_bev_cb (struct event_base *base, void *arg)
{
	IrBranddServer *self = arg;
	SSL *ssl = SSL_new (self->ctx);
	struct bufferevent *bev = NULL;

	/* evhttp falls back to a plain-text connection when this returns
	 * NULL, so running out of memory here must not return */
	if (ssl == NULL)
		g_error ("out of memory creating a TLS connection");
	bev = bufferevent_openssl_socket_new (base,
					      -1,
					      ssl,
					      BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL)
		g_error ("out of memory creating a TLS connection");
	/* a client that closes without close_notify has still had its
	 * complete answer; that is not an error worth logging */
	bufferevent_openssl_set_allow_dirty_shutdown (bev, 1);
	ir_brandd_conns_add (self->conns, ssl, bev);
	return bev;
}

static SSL *
ir_brandd_http_request_ssl (struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection (req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent (evcon) : NULL;

	return bev != NULL ? bufferevent_openssl_get_ssl (bev) : NULL;
}

static void
ir_brandd_http_reply_complete (struct evhttp_request *req, void *arg)
{
	IrBranddServer *self = arg;
	SSL *ssl = ir_brandd_http_request_ssl (req);

	if (self->n_sending > 0)
		self->n_sending--;
	/* the connection waits for its next request: that one's deadline */
	if (ssl != NULL)
		ir_brandd_conns_request_done (ssl);
}

static void
ir_brandd_http_send_json (IrBranddServer *self,
			  struct evhttp_request *req,
			  guint status,
			  JsonNode *node)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers (req);
	struct evbuffer *buf = evbuffer_new ();
	g_autofree char *text = json_to_string (node, FALSE);

	evhttp_add_header (headers, "Content-Type", "application/json");
	evhttp_add_header (headers, "Cache-Control", "no-store");
	evbuffer_add (buf, text, strlen (text));
	evbuffer_add (buf, "\n", 1);
	g_debug ("%s %s: %u",
		 evhttp_request_get_command (req) == EVHTTP_REQ_POST ? "POST" : "GET",
		 evhttp_request_get_uri (req),
		 status);
	/* a client that hung up while the database thread had its request:
	 * evhttp frees the request without writing or completing it */
	if (evhttp_request_get_connection (req) != NULL) {
		self->n_sending++;
		evhttp_request_set_on_complete_cb (req, ir_brandd_http_reply_complete, self);
	}
	evhttp_send_reply (req, (int)status, NULL, buf);
	evbuffer_free (buf);
}

static void
ir_brandd_http_send_refusal (IrBranddServer *self,
			     struct evhttp_request *req,
			     const IrBranddAnswer *answer)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "error");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "code");
	json_builder_add_string_value (b, ir_brandd_issue_refusal_code (answer->refusal));
	json_builder_set_member_name (b, "message");
	json_builder_add_string_value (b, answer->message != NULL ? answer->message : "");
	if (answer->has_witnessed_size) {
		json_builder_set_member_name (b, "witnessed_size");
		json_builder_add_int_value (b, (gint64)answer->witnessed_size);
	}
	if (answer->live_token_expires != 0) {
		g_autoptr (GDateTime) dt =
		    g_date_time_new_from_unix_utc (answer->live_token_expires);
		g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");

		json_builder_set_member_name (b, "live_token_expires");
		json_builder_add_string_value (b, text);
	}
	json_builder_end_object (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	g_debug (
	    "refused: %s: %s", ir_brandd_issue_refusal_code (answer->refusal), answer->message);
	if (answer->refusal == IR_BRANDD_UNAVAILABLE)
		evhttp_add_header (evhttp_request_get_output_headers (req), "Retry-After", "2");
	ir_brandd_http_send_json (
	    self, req, ir_brandd_issue_refusal_status (answer->refusal), root);
}

static void
ir_brandd_http_send_simple_refusal (IrBranddServer *self,
				    struct evhttp_request *req,
				    IrBranddRefusal refusal,
				    const char *message)
{
	IrBranddAnswer answer = {refusal, (char *)message};
	ir_brandd_http_send_refusal (self, req, &answer);
}

typedef JsonNode *(*RouteFunc) (IrBranddServer *self,
				const IrBranddPeer *peer,
				const char *body,
				gsize len,
				IrBranddAnswer *answer);

/* A route under a prefix: the rest of the path and the query come too. */
typedef JsonNode *(*PrefixRouteFunc) (IrBranddServer *self,
				      const IrBranddPeer *peer,
				      const char *rest,
				      const char *query,
				      IrBranddAnswer *answer);

static JsonNode *
ir_brandd_http_route_health (IrBranddServer *self,
			     const IrBranddPeer *peer,
			     const char *body,
			     gsize len,
			     IrBranddAnswer *answer)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "status");
	json_builder_add_string_value (b, "ok");
	json_builder_set_member_name (b, "version");
	json_builder_add_string_value (b, PACKAGE_VERSION);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

static JsonNode *
ir_brandd_http_malformed (IrBranddAnswer *answer, const GError *error)
{
	answer->refusal = IR_BRANDD_MALFORMED_REQUEST;
	answer->message = g_strdup (error->message);
	return NULL;
}

/* POST /v1/tokens up to the token itself, which the batch's transaction
 * records (ir_brandd_issuer_issue_many()): the request the loop parsed
 * (ir_brandd_http_parse_tokens()), or NULL with the refusal in @answer. */
static IrBranddTokenRequest *
ir_brandd_http_check_tokens (IrBranddServer *self,
			     const IrBranddPeer *peer,
			     JsonObject *root,
			     IrBranddTokenRequest **parsed,
			     const GError *parse_error,
			     gint64 now,
			     IrBranddAnswer *answer)
{
	/* who asks comes before what is asked: an auditor learns nothing
	 * about the request format or the registry */
	if (!ir_brandd_issue_check_technician (peer, answer))
		return NULL;
	if (*parsed == NULL) {
		ir_brandd_http_malformed (answer, parse_error);
		return NULL;
	}
	/* no token to a workstation whose log forked or shrank */
	if (self->witness != NULL &&
	    !ir_brandd_witness_check_token (self->witness, peer, root, now, answer))
		return NULL;
	return g_steal_pointer (parsed);
}

/* POST /v1/reports, checked and parsed before its batch's transaction. */
static IrBranddReport *
ir_brandd_http_check_report (const IrBranddPeer *peer,
			     const char *body,
			     gsize len,
			     IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	IrBranddReport *rep = NULL;

	if (!ir_brandd_issue_check_technician (peer, answer))
		return NULL;
	rep = ir_brandd_request_report_parse (body, len, &error);
	if (rep == NULL)
		ir_brandd_http_malformed (answer, error);
	return rep;
}

static JsonNode *
ir_brandd_http_route_policy (IrBranddServer *self,
			     const IrBranddPeer *peer,
			     const char *body,
			     gsize len,
			     IrBranddAnswer *answer)
{
	return ir_brandd_issuer_policy (self->issuer, peer, ir_brandd_clock_now (), answer);
}

static JsonNode *
ir_brandd_http_route_witness (IrBranddServer *self,
			      const IrBranddPeer *peer,
			      const char *body,
			      gsize len,
			      IrBranddAnswer *answer)
{
	return ir_brandd_witness_upload (
	    self->witness, peer, body, len, ir_brandd_clock_now (), answer);
}

static JsonNode *
ir_brandd_http_route_workstations (IrBranddServer *self,
				   const IrBranddPeer *peer,
				   const char *body,
				   gsize len,
				   IrBranddAnswer *answer)
{
	return ir_brandd_witness_audit_list (self->witness, peer, answer);
}

/* /v1/workstations/ORIGIN/records: the origin has slashes of its own,
 * sent as %2F or as they are. */
static JsonNode *
ir_brandd_http_route_records (IrBranddServer *self,
			      const IrBranddPeer *peer,
			      const char *rest,
			      const char *query,
			      IrBranddAnswer *answer)
{
	g_autofree char *raw = NULL;
	g_autofree char *origin = NULL;

	if (!g_str_has_suffix (rest, "/records") || strlen (rest) == strlen ("/records")) {
		answer->refusal = IR_BRANDD_NOT_FOUND;
		answer->message = g_strdup ("expected /v1/workstations/ORIGIN/records");
		return NULL;
	}
	raw = g_strndup (rest, strlen (rest) - strlen ("/records"));
	origin = g_uri_unescape_string (raw, NULL);
	if (origin == NULL || !g_utf8_validate (origin, -1, NULL)) {
		answer->refusal = IR_BRANDD_MALFORMED_REQUEST;
		answer->message = g_strdup ("the origin in the path is not percent-encoded UTF-8");
		return NULL;
	}
	return ir_brandd_witness_audit_records (self->witness, peer, origin, query, answer);
}

static const struct {
	const char *path;
	enum evhttp_cmd_type method;
	const char *allow;
	RouteFunc func;
	gboolean witness;	     /* needs the witness */
	PrefixRouteFunc prefix_func; /* path is a prefix */
	gboolean tokens;	     /* issued in batches (group commit) */
	gboolean reports;	     /* recorded in batches (group commit) */
} routes[] = {
    {"/v1/health", EVHTTP_REQ_GET, "GET", ir_brandd_http_route_health},
    {"/v1/tokens", EVHTTP_REQ_POST, "POST", NULL, .tokens = TRUE},
    {"/v1/reports", EVHTTP_REQ_POST, "POST", NULL, .reports = TRUE},
    {"/v1/policy", EVHTTP_REQ_GET, "GET", ir_brandd_http_route_policy},
    {"/v1/witness", EVHTTP_REQ_POST, "POST", ir_brandd_http_route_witness, TRUE},
    {"/v1/workstations", EVHTTP_REQ_GET, "GET", ir_brandd_http_route_workstations, TRUE},
    {"/v1/workstations/", EVHTTP_REQ_GET, "GET", NULL, TRUE, ir_brandd_http_route_records},
};

static gboolean
ir_brandd_http_content_type_ok (struct evhttp_request *req)
{
	const char *ct =
	    evhttp_find_header (evhttp_request_get_input_headers (req), "Content-Type");
	gsize n = strlen ("application/json");

	return ct != NULL && g_ascii_strncasecmp (ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static gboolean
ir_brandd_http_read_peer (struct evhttp_request *req, IrBranddPeer *peer, IrBranddAnswer *answer)
{
	SSL *ssl = ir_brandd_http_request_ssl (req);
	g_autoptr (GError) error = NULL;

	if (ssl == NULL || !ir_brandd_conns_peer (ssl, peer, &error)) {
		answer->refusal = IR_BRANDD_ROLE_NOT_ALLOWED;
		answer->message =
		    g_strdup (error != NULL ? error->message : "not a TLS connection");
		return FALSE;
	}
	return TRUE;
}

/* a certificate may expire or be revoked while its connection is open:
 * every request is checked, not only the handshake, and on the real
 * clock as TLS does (never the rollout's test clock) */
static gboolean
ir_brandd_http_check_revoked (IrBranddServer *self,
			      const IrBranddPeer *peer,
			      IrBranddAnswer *answer)
{
	return self->revocation == NULL ||
	       ir_brandd_revocation_check (
		   self->revocation, peer, g_get_real_time () / G_USEC_PER_SEC, answer);
}

/* A request on the database thread: what it needs, copied off the
 * connection (which only the loop touches), and what was decided. */
typedef struct {
	IrBranddServer *server;
	struct evhttp_request *req;
	guint route;
	char *rest;
	char *query;
	char *body;
	gsize len;
	IrBranddPeer peer;
	IrBranddAnswer answer;
	JsonNode *result;
	IrBranddTokenRequest *token_req; /* POST /v1/tokens, once checked */
	/* POST /v1/tokens parsed on the loop (pure, no database), so that
	 * the one database thread does not: the body's JSON object and the
	 * request read from it, or why it could not be read; used only
	 * after the checks that come first (ir_brandd_http_check_tokens) */
	JsonObject *token_root;
	IrBranddTokenRequest *token_parsed;
	GError *token_parse_error;
	IrBranddIssueJob issue;
	IrBranddReport *report_req; /* POST /v1/reports, once parsed */
	IrBranddReportJob report;
} IrBranddHttpJob;

static void
ir_brandd_http_job_free (IrBranddHttpJob *job)
{
	g_free (job->rest);
	g_free (job->query);
	g_free (job->body);
	ir_brandd_tls_peer_clear (&job->peer);
	ir_brandd_issue_answer_clear (&job->answer);
	g_clear_pointer (&job->result, json_node_unref);
	g_clear_pointer (&job->token_req, ir_brandd_request_token_request_free);
	g_clear_pointer (&job->token_root, json_object_unref);
	g_clear_pointer (&job->token_parsed, ir_brandd_request_token_request_free);
	g_clear_error (&job->token_parse_error);
	g_clear_pointer (&job->report_req, ir_brandd_request_report_free);
	g_free (job);
}

/* On the loop: a token request's body read once, for the request and the
 * witness (the parse was about a tenth of the database thread's time per
 * token, and the loop has the spare core). */
static void
ir_brandd_http_parse_tokens (IrBranddHttpJob *job)
{
	job->token_root =
	    ir_brandd_json_parse_object (job->body, job->len, &job->token_parse_error);
	if (job->token_root != NULL)
		job->token_parsed = ir_brandd_request_token_request_from_object (
		    job->token_root, &job->token_parse_error);
}

static void
ir_brandd_http_push_job (IrBranddServer *self,
			 struct evhttp_request *req,
			 guint route,
			 const char *rest,
			 IrBranddPeer *peer,
			 const char *body,
			 gsize len)
{
	IrBranddHttpJob *job = g_new0 (IrBranddHttpJob, 1);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri (req);

	job->server = self;
	job->req = req;
	job->route = route;
	job->rest = g_strdup (rest);
	job->query = g_strdup (uri != NULL ? evhttp_uri_get_query (uri) : NULL);
	job->body = g_memdup2 (body, len + 1);
	job->body[len] = '\0';
	job->len = len;
	job->peer = *peer;
	*peer = (IrBranddPeer){0};
	if (routes[route].tokens)
		ir_brandd_http_parse_tokens (job);
	self->n_pending++;
	ir_brandd_worker_push (self->worker, job);
}

/* On the database thread: one request that is not a token's. */
static void
ir_brandd_http_run_one (IrBranddServer *self, IrBranddHttpJob *job)
{
	if (routes[job->route].prefix_func != NULL)
		job->result = routes[job->route].prefix_func (
		    self, &job->peer, job->rest, job->query, &job->answer);
	else
		job->result =
		    routes[job->route].func (self, &job->peer, job->body, job->len, &job->answer);
}

/* On the database thread: the requests that queued up together, the
 * tokens among them issued in one transaction and the reports recorded
 * in another (each one sync for all). */
static void
ir_brandd_http_run_jobs (GPtrArray *jobs, gpointer user_data)
{
	IrBranddServer *self = user_data;
	IrBranddDb *db = ir_brandd_store_get_db (ir_brandd_issuer_get_store (self->issuer));
	g_autoptr (GPtrArray) issue = g_ptr_array_new ();
	g_autoptr (GPtrArray) reports = g_ptr_array_new ();

	/* the checks before the batch's write transactions read in one read
	 * transaction (on SQLite), not one each; the first write ends it */
	ir_brandd_db_read_begin (db);
	for (guint i = 0; i < jobs->len; i++) {
		IrBranddHttpJob *job = g_ptr_array_index (jobs, i);
		gint64 now = ir_brandd_clock_now ();

		if (!ir_brandd_http_check_revoked (self, &job->peer, &job->answer))
			continue;
		if (routes[job->route].reports) {
			job->report_req = ir_brandd_http_check_report (
			    &job->peer, job->body, job->len, &job->answer);
			if (job->report_req == NULL)
				continue;
			job->report = (IrBranddReportJob){.peer = &job->peer,
							  .report = job->report_req,
							  .now = now,
							  .answer = &job->answer};
			g_ptr_array_add (reports, &job->report);
			continue;
		}
		if (!routes[job->route].tokens) {
			ir_brandd_http_run_one (self, job);
			continue;
		}
		job->token_req = ir_brandd_http_check_tokens (self,
							      &job->peer,
							      job->token_root,
							      &job->token_parsed,
							      job->token_parse_error,
							      now,
							      &job->answer);
		if (job->token_req == NULL)
			continue;
		job->issue = (IrBranddIssueJob){
		    .peer = &job->peer, .req = job->token_req, .now = now, .answer = &job->answer};
		g_ptr_array_add (issue, &job->issue);
	}
	if (issue->len > 0)
		ir_brandd_issuer_issue_many (
		    self->issuer, (IrBranddIssueJob *const *)issue->pdata, issue->len);
	if (reports->len > 0)
		ir_brandd_issuer_report_many (
		    self->issuer, (IrBranddReportJob *const *)reports->pdata, reports->len);
	for (guint i = 0; i < jobs->len; i++) {
		IrBranddHttpJob *job = g_ptr_array_index (jobs, i);

		if (routes[job->route].tokens && job->result == NULL)
			job->result = g_steal_pointer (&job->issue.result);
		if (routes[job->route].reports && job->result == NULL)
			job->result = g_steal_pointer (&job->report.result);
	}
	ir_brandd_db_read_end (db);
}

/* Back on the loop: the answer goes out. */
static void
ir_brandd_http_job_done (gpointer data, gpointer user_data)
{
	IrBranddHttpJob *job = data;
	IrBranddServer *self = user_data;

	self->n_pending--;
	/* tests only (tests/integration/test-restore-nodes.c): a node that
	 * dies the worst way, its token durable and its answer never sent,
	 * so that the client's retry on another node is what answers */
	if (job->result != NULL && routes[job->route].tokens &&
	    g_strcmp0 (g_getenv ("IMEI_BRANDD_TEST_DIE_BEFORE_TOKEN_ANSWER"), "1") == 0)
		raise (SIGKILL);
	if (job->result != NULL)
		ir_brandd_http_send_json (self, job->req, 200, job->result);
	else
		ir_brandd_http_send_refusal (self, job->req, &job->answer);
	ir_brandd_http_job_free (job);
}

static void
ir_brandd_http_dispatch (IrBranddServer *self,
			 struct evhttp_request *req,
			 guint route,
			 const char *rest)
{
	struct evbuffer *input = evhttp_request_get_input_buffer (req);
	gsize len = evbuffer_get_length (input);
	g_auto (IrBranddPeer) peer = {0};
	g_auto (IrBranddAnswer) answer = {0};
	const char *body;

	/* every route goes to the database thread, health too: its
	 * revocation check reads the store, which only that thread uses */
	if (!ir_brandd_http_read_peer (req, &peer, &answer)) {
		ir_brandd_http_send_refusal (self, req, &answer);
		return;
	}
	if (len > self->max_body_size) {
		ir_brandd_http_send_simple_refusal (
		    self, req, IR_BRANDD_TOO_LARGE, "the body is over max-body-size");
		return;
	}
	if (routes[route].method == EVHTTP_REQ_POST && !ir_brandd_http_content_type_ok (req)) {
		ir_brandd_http_send_simple_refusal (self,
						    req,
						    IR_BRANDD_MALFORMED_REQUEST,
						    "Content-Type: expected application/json");
		return;
	}
	body = len > 0 ? (const char *)evbuffer_pullup (input, (ev_ssize_t)len) : "";
	ir_brandd_http_push_job (self, req, route, rest, &peer, body, len);
}

static void
ir_brandd_http_handle_request (struct evhttp_request *req, void *arg)
{
	IrBranddServer *self = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri (req);
	const char *path = uri != NULL ? evhttp_uri_get_path (uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command (req);
	SSL *ssl = ir_brandd_http_request_ssl (req);

	/* the request is read: its deadline is met */
	if (ssl != NULL)
		ir_brandd_conns_request_read (ssl);
	for (guint i = 0; i < G_N_ELEMENTS (routes); i++) {
		const char *rest = NULL;

		if (routes[i].witness && self->witness == NULL)
			continue;
		if (routes[i].prefix_func != NULL && path != NULL &&
		    g_str_has_prefix (path, routes[i].path))
			rest = path + strlen (routes[i].path);
		else if (g_strcmp0 (path, routes[i].path) != 0)
			continue;
		if (method != routes[i].method) {
			g_autofree char *msg =
			    g_strdup_printf ("%s takes %s only", routes[i].path, routes[i].allow);
			evhttp_add_header (
			    evhttp_request_get_output_headers (req), "Allow", routes[i].allow);
			ir_brandd_http_send_simple_refusal (
			    self, req, IR_BRANDD_METHOD_NOT_ALLOWED, msg);
			return;
		}
		ir_brandd_http_dispatch (self, req, i, rest);
		return;
	}
	ir_brandd_http_send_simple_refusal (
	    self,
	    req,
	    IR_BRANDD_NOT_FOUND,
	    "no such endpoint; see docs/brand-api.md (/v1/tokens, /v1/reports, /v1/policy, "
	    "/v1/health, /v1/witness, /v1/workstations)");
}

static gboolean
ir_brandd_http_bind_listener (IrBranddServer *self, const IrBranddConfig *config, GError **error)
{
	struct sockaddr_storage ss;
	socklen_t ss_len = sizeof ss;
	evutil_socket_t fd;
	int one = 1;

	self->bound =
	    evhttp_bind_socket_with_handle (self->http, config->listen_host, config->listen_port);
	if (self->bound == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_BUSY,
			     "failed to listen on %s port %u: address in use or not available "
			     "(try another --listen)",
			     config->listen_host,
			     config->listen_port);
		return FALSE;
	}
	fd = evhttp_bound_socket_get_fd (self->bound);
	/* accepted sockets inherit it (Linux): an answer goes out as several
	 * TLS records, and Nagle would hold the last one for the client's
	 * delayed ACK, 40 ms a request */
	if (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		g_warning ("failed to set TCP_NODELAY on the listening socket");
	/* evhttp listens with a backlog of 128: a burst of connections beyond
	 * it has its SYNs dropped and retried seconds later, in bursts that
	 * crowd out clients arriving then. Linux takes a second listen() as a
	 * new backlog (capped at net.core.somaxconn); the connection limits
	 * (ir-brandd-conns.c) decide what is kept. */
	if (listen (fd, SOMAXCONN) != 0)
		g_warning ("failed to raise the listening socket's backlog");
	memset (&ss, 0, sizeof ss);
	if (getsockname (fd, (struct sockaddr *)&ss, &ss_len) != 0) {
		g_set_error (error, IR_ERROR, IR_ERROR_FAILED, "failed to read the listening port");
		return FALSE;
	}
	self->port = ss.ss_family == AF_INET6 ? ntohs (((struct sockaddr_in6 *)&ss)->sin6_port)
					      : ntohs (((struct sockaddr_in *)&ss)->sin_port);
	return TRUE;
}

IrBranddServer *
ir_brandd_server_new (struct event_base *base,
		      const IrBranddConfig *config,
		      SSL_CTX *ctx,
		      IrBranddIssuer *issuer,
		      GError **error)
{
	g_autoptr (IrBranddServer) self = g_new0 (IrBranddServer, 1);
	struct timeval tv = {config->timeout_ms / 1000, (config->timeout_ms % 1000) * 1000};
	IrBranddConnLimits limits = {
	    .max_connections = config->max_connections,
	    .max_handshakes = config->max_handshakes,
	    .max_handshakes_per_address = config->max_handshakes_per_address,
	    .handshake_timeout_ms = config->handshake_timeout_ms,
	    .request_timeout_ms = config->timeout_ms,
	};

	self->base = base;
	self->ctx = ctx;
	self->issuer = issuer;
	self->max_body_size = config->max_body_size;
	self->conns = ir_brandd_conns_new (base, ctx, &limits);
	self->worker = ir_brandd_worker_new (
	    base, MAX_BATCH, ir_brandd_http_run_jobs, ir_brandd_http_job_done, self, error);
	if (self->worker == NULL)
		return NULL;
	self->http = evhttp_new (base);
	if (self->http == NULL) {
		g_set_error (error, IR_ERROR, IR_ERROR_FAILED, "failed to create the HTTP server");
		return NULL;
	}
	evhttp_set_bevcb (self->http, ir_brandd_http_bev_cb, self);
	evhttp_set_gencb (self->http, ir_brandd_http_handle_request, self);
	evhttp_set_allowed_methods (self->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size (self->http, (ev_ssize_t)config->max_body_size);
	evhttp_set_max_headers_size (self->http, (ev_ssize_t)config->max_header_size);
	evhttp_set_timeout_tv (self->http, &tv);
	if (!ir_brandd_http_bind_listener (self, config, error))
		return NULL;
	return g_steal_pointer (&self);
}

void
ir_brandd_server_set_witness (IrBranddServer *self, IrBranddWitness *witness)
{
	self->witness = witness;
}

void
ir_brandd_server_set_revocation (IrBranddServer *self, IrBranddRevocation *revocation)
{
	self->revocation = revocation;
}

guint16
ir_brandd_server_get_port (IrBranddServer *self)
{
	return self->port;
}

static void
ir_brandd_http_stop_poll (evutil_socket_t fd, short what, void *arg)
{
	IrBranddServer *self = arg;
	struct timeval tv = {0, STOP_POLL_MS * 1000};

	if ((self->n_sending == 0 && self->n_pending == 0) ||
	    g_get_monotonic_time () >= self->stop_deadline) {
		event_base_loopbreak (self->base);
		return;
	}
	evtimer_add (self->stop_timer, &tv);
}

void
ir_brandd_server_stop (IrBranddServer *self, guint grace_ms)
{
	struct timeval tv = {0, 0};

	if (self->stopping)
		return;
	self->stopping = TRUE;
	ir_brandd_conns_stop_accepting (self->conns);
	if (self->bound != NULL) {
		evhttp_del_accept_socket (self->http, self->bound);
		self->bound = NULL;
	}
	self->stop_deadline = g_get_monotonic_time () + (gint64)grace_ms * 1000;
	self->stop_timer = evtimer_new (self->base, ir_brandd_http_stop_poll, self);
	evtimer_add (self->stop_timer, &tv);
}

void
ir_brandd_server_free (IrBranddServer *self)
{
	if (self == NULL)
		return;
	/* the requests the database thread still has are answered first */
	g_clear_pointer (&self->worker, ir_brandd_worker_free);
	if (self->http != NULL)
		evhttp_free (self->http); /* closes every connection */
	if (self->stop_timer != NULL)
		event_free (self->stop_timer);
	/* connections still being finalised by libevent keep their reference */
	ir_brandd_conns_unref (self->conns);
	g_free (self);
}
