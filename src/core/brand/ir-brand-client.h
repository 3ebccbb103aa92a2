/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ir-brand-credential.h"
#include "ir-token.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* The workstation's side of the brand API (docs/brand-api.md): libcurl
 * with OpenSSL, mutual TLS 1.3 only, the technician's own certificate, the
 * trust store's brand CA as the only CA and its server pin(s) as
 * CURLOPT_PINNEDPUBLICKEY. Verification is always on.
 *
 * Several nodes: the server URL may be a list (ir-server-list.h). Each
 * request goes to the first node, and to the next only after a transport
 * failure there (no connection, no answer in time, a TLS handshake that
 * broke off, a connection closed before an answer): never after an HTTP
 * answer, whatever its status (429 and 503 are the brand's answers), and
 * never after a server certificate failed verification or its pin. When
 * every node failed, the error names each URL and what happened there.
 *
 * Retries (only where a second attempt cannot do harm), each a round of
 * the nodes:
 *  - GET /v1/health: any transport failure, up to IR_BRAND_ATTEMPTS times.
 *  - POST /v1/tokens: carries a request_id, the same on every node and
 *    every try, so that a node that recorded the token before its answer
 *    was lost gives the same token on the next (counted once). Failed over
 *    after any transport failure; a round is repeated only when the
 *    connection was never made (nothing was sent).
 *  - POST /v1/reports: retried after a transport failure even when the
 *    request may have reached the server, because the server refuses a
 *    second report of a token (already_reported). An already_reported
 *    answer to a retry, after an attempt whose fate we could not see, is
 *    our own earlier report arriving: done. The same answer to a first
 *    attempt is someone else's (or an earlier run's) report: an error.
 *
 * Errors are in the IR_ERROR domain; what kind of failure it was, for
 * messages and exit codes, is in IrBrandStatus. Every function may be
 * called from several threads at once: each request has its own handle. */

#define IR_BRAND_ATTEMPTS	    3
#define IR_BRAND_DEFAULT_CONNECT_MS 5000
#define IR_BRAND_DEFAULT_TIMEOUT_MS 20000

typedef enum {
	IR_BRAND_FAILURE_NONE,
	IR_BRAND_FAILURE_CREDENTIAL,	  /* our certificate/key/PKCS#12 (read locally) */
	IR_BRAND_FAILURE_UNREACHABLE,	  /* no connection: server down, wrong URL, network */
	IR_BRAND_FAILURE_TIMEOUT,	  /* connected, but no answer in time */
	IR_BRAND_FAILURE_TLS_SERVER_CA,	  /* server certificate not from the brand CA */
	IR_BRAND_FAILURE_TLS_SERVER_NAME, /* server certificate not for this host */
	IR_BRAND_FAILURE_TLS_PIN,	  /* server key is not the pinned one */
	IR_BRAND_FAILURE_TLS_CLIENT,	  /* the server refused our certificate in TLS */
	IR_BRAND_FAILURE_TLS,		  /* any other TLS failure */
	IR_BRAND_FAILURE_REFUSED,	  /* a documented refusal: server_code says which */
	IR_BRAND_FAILURE_BAD_ANSWER,	  /* the server answered outside the API */
} IrBrandFailure;

typedef struct {
	IrBrandFailure failure;
	char *server_code; /* "quota_reached", or a TLS/transport code (see ..._code()) */
	long http_status;  /* 0 when there was no HTTP answer */
	/* whether the last request may have reached the server: a POST
	 * /v1/tokens that failed with this set may have spent quota */
	gboolean request_sent;
	/* a witness_size_mismatch refusal says what the server holds */
	gboolean has_witnessed_size;
	guint64 witnessed_size;
	/* a token_live refusal says when the device's live token expires
	 * (RFC 3339, as the server sent it); NULL otherwise */
	char *live_token_expires;
} IrBrandStatus;

void ir_brand_client_status_clear (IrBrandStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBrandStatus, ir_brand_client_status_clear)

/* A stable word for @failure ("unreachable", "tls_pin"...); for
 * IR_BRAND_FAILURE_REFUSED the caller prints server_code instead. */
const char *ir_brand_client_failure_to_string (IrBrandFailure failure);

typedef struct {
	/* https://host:port, without a path; or several, separated by ';' or
	 * ',' (ir-server-list.h), tried in order */
	const char *server_url;
	IrTrustStore *trust; /* brand CA and server pins */
	/* the technician's credential: one opened beforehand (a PKCS#11
	 * token's, unlocked: ir-brand-credential-pkcs11.h; the client takes a
	 * reference), else PEM certificate + key, or PKCS#12 */
	IrBrandCredential *credential;
	const char *cert_path;
	const char *key_path;
	const char *p12_path;
	const char *passphrase;	  /* of the PKCS#12 (or of an encrypted PEM key) */
	guint connect_timeout_ms; /* 0: IR_BRAND_DEFAULT_CONNECT_MS */
	guint timeout_ms;	  /* whole request; 0: IR_BRAND_DEFAULT_TIMEOUT_MS */
	/* tests only: skip the local expiry and role checks, to see what the
	 * server itself says about such a certificate */
	gboolean no_local_checks;
	/* benches only: a new connection for every request, none kept alive
	 * (the baseline of connection reuse) */
	gboolean fresh_connections;
} IrBrandClientConfig;

typedef struct _IrBrandClient IrBrandClient;

/* Loads and checks the credential (readable, key matches, passphrase,
 * not expired, role technician, a centre) and computes its cnf. A
 * PKCS#11 credential must be unlocked. Fails
 * with IR_BRAND_FAILURE_CREDENTIAL in @status (may be NULL). */
IrBrandClient *
ir_brand_client_new (const IrBrandClientConfig *config, IrBrandStatus *status, GError **error);
IrBrandClient *ir_brand_client_ref (IrBrandClient *self);
void ir_brand_client_unref (IrBrandClient *self);

/* Requests made so far and the connections (each a full TLS handshake, or
 * a resumed one when the server offers tickets) they opened: connections
 * are kept alive and reused across requests and phones. */
void
ir_brand_client_get_connection_stats (IrBrandClient *self, guint *requests, guint *connections);

/* The server's URL, or its nodes' URLs as one line ("https://a, https://b"). */
const char *ir_brand_client_get_url (const IrBrandClient *self);
/* SHA-256 of our certificate's SubjectPublicKeyInfo: what a token's cnf
 * must hold. */
const guint8 *ir_brand_client_get_cnf (const IrBrandClient *self);
/* From the certificate's SAN URIs; NULL when absent. */
const char *ir_brand_client_get_centre (const IrBrandClient *self);
const char *ir_brand_client_get_role (const IrBrandClient *self);
const char *ir_brand_client_get_subject (const IrBrandClient *self);

/* GET /v1/health: proves the server, its pin and our certificate before
 * a phone is touched. */
gboolean ir_brand_client_health (IrBrandClient *self,
				 IrBrandStatus *status,
				 GCancellable *cancellable,
				 GError **error);

typedef struct {
	const char *manufacturer;
	const char *model;
	const char *revision;
	const char *serial;
	const char *hardware_id;
	const char *family;
	GBytes *nonce; /* NULL for a legacy family: no challenge */
	guint64 counter;
	const char *current_imei[IR_TOKEN_MAX_SLOTS]; /* NULL: empty slot */
	guint n_slots;
	/* the workstation's migration log, for the witness check
	 * (ir_witness_client_fill_token_request()): its latest checkpoint note (NULL:
	 * not sent), the size the server last witnessed and the consistency
	 * proof from there (concatenated hashes, NULL: empty) */
	const char *log_checkpoint;
	guint64 witnessed_size;
	GBytes *log_consistency;
	/* the workstation key's public half (base64 SPKI, NULL: not sent): the
	 * server checks the checkpoint with it at the workstation's first
	 * contact, before it has witnessed the log */
	const char *log_public_key;
	/* the request's id (32 lower-case hex digits), NULL: a new random
	 * one for this call; the same on every node and try of the call */
	const char *request_id;
} IrBrandTokenRequest;

typedef struct {
	GBytes *token; /* COSE_Sign1 bytes */
	char *token_id;
	char *expires;
	char *phase;
	char *centre;
	gint64 policy_version; /* 0: issued without a rollout policy */
} IrBrandTokenAnswer;

void ir_brand_client_token_answer_free (IrBrandTokenAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBrandTokenAnswer, ir_brand_client_token_answer_free)

/* POST /v1/tokens, failed over to the next node with the same request id
 * (see above). */
IrBrandTokenAnswer *ir_brand_client_request_token (IrBrandClient *self,
						   const IrBrandTokenRequest *request,
						   IrBrandStatus *status,
						   GCancellable *cancellable,
						   GError **error);

/* POST /v1/reports; @outcome is "success", "failed", "aborted" or
 * "unknown"; @read_back may be NULL (n_read_back 0). */
gboolean ir_brand_client_report (IrBrandClient *self,
				 const char *token_id,
				 const char *outcome,
				 const char *const *read_back,
				 guint n_read_back,
				 const char *detail,
				 IrBrandStatus *status,
				 GCancellable *cancellable,
				 GError **error);

/* POST @path with the JSON text @body, once (never retried: the caller
 * knows whether a repeat is harmless; another node only when nothing
 * reached the first). The answer's JSON object on HTTP 200 (unref it); a
 * refusal as for the other requests. */
JsonObject *ir_brand_client_post_json (IrBrandClient *self,
				       const char *path,
				       const char *body,
				       IrBrandStatus *status,
				       GCancellable *cancellable,
				       GError **error);

/* GET @path (retried after a transport failure, as a GET changes
 * nothing): the answer's JSON object on HTTP 200 (unref it). */
JsonObject *ir_brand_client_get_json (IrBrandClient *self,
				      const char *path,
				      IrBrandStatus *status,
				      GCancellable *cancellable,
				      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBrandClient, ir_brand_client_unref)

G_END_DECLS
