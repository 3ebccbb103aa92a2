/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <string.h>

#include "ir-brand-client.h"
#include "ir-brand-credential.h"
#include "ir-error.h"
#include "ir-server-list.h"

/* A brand server's answers are small JSON objects; anything larger is not
 * the server we want to talk to. */
#define IR_BRAND_MAX_ANSWER (64 * 1024)
#define IR_BRAND_RETRY_MS   300

struct _IrBrandClient {
	gatomicrefcount ref;
	GStrv urls; /* the nodes, tried in order (ir-server-list.h) */
	char *url;  /* the same, as one line for messages */
	IrTrustStore *trust;
	char *origin;	 /* how the credential is named in messages */
	char *cert_path; /* NULL for a token's credential */
	char *cert_type; /* "PEM" or "P12" */
	char *key_path;
	char *passphrase;
	guint connect_timeout_ms;
	guint timeout_ms;
	IrBrandCredential *cred;
	/* Connection reuse: libcurl keeps a connection (and its TLS session)
	 * with the easy handle that made it, and a connection cache in a
	 * share object may not be used by several threads at once, so the
	 * client keeps its idle handles and each request takes one (the
	 * workers of restore --all run requests at once: as many handles as
	 * requests in flight). The share holds the TLS session cache and the
	 * DNS cache, which may be shared across threads. */
	GMutex pool_lock;
	GPtrArray *idle; /* CURL *: handles with their kept-alive connection */
	CURLSH *share;
	GMutex share_locks[CURL_LOCK_DATA_LAST];
	gboolean fresh_connections;
	gint n_requests;
	gint n_connections;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)

void
ir_brand_client_status_clear (IrBrandStatus *status)
{
	g_clear_pointer (&status->server_code, g_free);
	status->failure = IR_BRAND_FAILURE_NONE;
	status->http_status = 0;
	status->request_sent = FALSE;
	status->has_witnessed_size = FALSE;
	status->witnessed_size = 0;
	g_clear_pointer (&status->live_token_expires, g_free);
}

const char *
ir_brand_client_failure_to_string (IrBrandFailure failure)
{
	static const char *const names[] = {
	    [IR_BRAND_FAILURE_NONE] = "none",
	    [IR_BRAND_FAILURE_CREDENTIAL] = "client_credential",
	    [IR_BRAND_FAILURE_UNREACHABLE] = "server_unreachable",
	    [IR_BRAND_FAILURE_TIMEOUT] = "server_timeout",
	    [IR_BRAND_FAILURE_TLS_SERVER_CA] = "tls_server_ca",
	    [IR_BRAND_FAILURE_TLS_SERVER_NAME] = "tls_server_name",
	    [IR_BRAND_FAILURE_TLS_PIN] = "tls_pin_mismatch",
	    [IR_BRAND_FAILURE_TLS_CLIENT] = "tls_client_refused",
	    [IR_BRAND_FAILURE_TLS] = "tls_failed",
	    [IR_BRAND_FAILURE_REFUSED] = "refused",
	    [IR_BRAND_FAILURE_BAD_ANSWER] = "bad_answer",
	};
	if ((guint)failure < G_N_ELEMENTS (names))
		return names[failure];
	return "failed";
}

static void
ir_brand_client_status_set (IrBrandStatus *status, IrBrandFailure failure, const char *code)
{
	if (status == NULL)
		return;
	status->failure = failure;
	g_free (status->server_code);
	status->server_code =
	    g_strdup (code != NULL ? code : ir_brand_client_failure_to_string (failure));
}

static gboolean
ir_brand_client_curl_is_openssl (GError **error)
{
	const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

	/* pins, PKCS#12 and the TLS alert texts below are OpenSSL's */
	if (info->ssl_version == NULL || strstr (info->ssl_version, "OpenSSL") == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "libcurl uses %s, not OpenSSL: install the OpenSSL flavour of libcurl "
			     "(libcurl4 on Debian)",
			     info->ssl_version != NULL ? info->ssl_version : "no TLS");
		return FALSE;
	}
	return TRUE;
}

static void
ir_brand_client_share_lock (CURL *curl,
			    curl_lock_data data,
			    curl_lock_access access,
			    void *user_data)
{
	IrBrandClient *self = user_data;

	g_mutex_lock (&self->share_locks[data]);
}

static void
ir_brand_client_share_unlock (CURL *curl, curl_lock_data data, void *user_data)
{
	IrBrandClient *self = user_data;

	g_mutex_unlock (&self->share_locks[data]);
}

static void
ir_brand_client_init_pool (IrBrandClient *self)
{
	g_mutex_init (&self->pool_lock);
	for (guint i = 0; i < CURL_LOCK_DATA_LAST; i++)
		g_mutex_init (&self->share_locks[i]);
	self->idle = g_ptr_array_new_with_free_func ((GDestroyNotify)curl_easy_cleanup);
	self->share = curl_share_init ();
	if (self->share == NULL)
		return;
	curl_share_setopt (self->share, CURLSHOPT_LOCKFUNC, ir_brand_client_share_lock);
	curl_share_setopt (self->share, CURLSHOPT_UNLOCKFUNC, ir_brand_client_share_unlock);
	curl_share_setopt (self->share, CURLSHOPT_USERDATA, self);
	curl_share_setopt (self->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt (self->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

static gpointer
ir_brand_client_curl_global_init (gpointer data)
{
	return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

IrBrandClient *
ir_brand_client_new (const IrBrandClientConfig *config, IrBrandStatus *status, GError **error)
{
	static GOnce once = G_ONCE_INIT;
	g_autoptr (IrBrandClient) self = NULL;
	g_auto (GStrv) urls = NULL;
	const char *origin;

	g_return_val_if_fail (config->server_url != NULL && config->trust != NULL, NULL);

	g_once (&once, ir_brand_client_curl_global_init, NULL);
	if (!GPOINTER_TO_INT (once.retval)) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_FAILED, "libcurl could not be initialised");
		return NULL;
	}
	if (!ir_brand_client_curl_is_openssl (error))
		return NULL;
	urls = ir_server_list_parse (config->server_url, error);
	if (urls == NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_CREDENTIAL, "invalid_url");
		return NULL;
	}
	self = g_new0 (IrBrandClient, 1);
	g_atomic_ref_count_init (&self->ref);
	ir_brand_client_init_pool (self);
	self->fresh_connections = config->fresh_connections;
	self->urls = g_steal_pointer (&urls);
	self->url = ir_server_list_to_string ((const char *const *)self->urls);
	self->trust = ir_trust_store_ref (config->trust);
	self->passphrase = g_strdup (config->passphrase);
	self->connect_timeout_ms = config->connect_timeout_ms != 0 ? config->connect_timeout_ms
								   : IR_BRAND_DEFAULT_CONNECT_MS;
	self->timeout_ms =
	    config->timeout_ms != 0 ? config->timeout_ms : IR_BRAND_DEFAULT_TIMEOUT_MS;
	if (config->credential != NULL) {
		origin = config->credential->uri;
		self->cred = ir_brand_credential_ref (config->credential);
		if (self->cred->key == NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "the token credential %s is not unlocked: log in to the token "
				     "first",
				     origin);
			ir_brand_client_status_set (status, IR_BRAND_FAILURE_CREDENTIAL, NULL);
			return NULL;
		}
	} else if (config->p12_path != NULL) {
		origin = config->p12_path;
		self->cert_path = g_strdup (config->p12_path);
		self->cert_type = g_strdup ("P12");
		self->cred =
		    ir_brand_credential_load_p12 (config->p12_path, config->passphrase, error);
	} else if (config->cert_path != NULL && config->key_path != NULL) {
		origin = config->cert_path;
		self->cert_path = g_strdup (config->cert_path);
		self->key_path = g_strdup (config->key_path);
		self->cert_type = g_strdup ("PEM");
		self->cred = ir_brand_credential_load_pem (
		    config->cert_path, config->key_path, config->passphrase, error);
	} else {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "no client certificate: give --credential pkcs11:… (a token), --p12 FILE "
		    "(with its passphrase), or --cert FILE and --key FILE");
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_CREDENTIAL, NULL);
		return NULL;
	}
	self->origin = g_strdup (origin);
	if (self->cred == NULL || (!config->no_local_checks &&
				   !ir_brand_credential_check (self->cred, origin, 0, error))) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_CREDENTIAL, NULL);
		return NULL;
	}
	return g_steal_pointer (&self);
}

IrBrandClient *
ir_brand_client_ref (IrBrandClient *self)
{
	g_atomic_ref_count_inc (&self->ref);
	return self;
}

void
ir_brand_client_unref (IrBrandClient *self)
{
	if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
		return;
	g_strfreev (self->urls);
	g_free (self->url);
	ir_trust_store_unref (self->trust);
	g_free (self->origin);
	g_free (self->cert_path);
	g_free (self->cert_type);
	g_free (self->key_path);
	if (self->passphrase != NULL)
		OPENSSL_cleanse (self->passphrase, strlen (self->passphrase));
	g_free (self->passphrase);
	/* the handles before the share they use, and both before the
	 * credential: a kept-alive connection holds the client key, and a key
	 * on a PKCS#11 token holds its slot, which the credential releases */
	g_ptr_array_unref (self->idle);
	if (self->share != NULL)
		curl_share_cleanup (self->share);
	ir_brand_credential_unref (self->cred);
	for (guint i = 0; i < CURL_LOCK_DATA_LAST; i++)
		g_mutex_clear (&self->share_locks[i]);
	g_mutex_clear (&self->pool_lock);
	g_free (self);
}

void
ir_brand_client_get_connection_stats (IrBrandClient *self, guint *requests, guint *connections)
{
	if (requests != NULL)
		*requests = (guint)g_atomic_int_get (&self->n_requests);
	if (connections != NULL)
		*connections = (guint)g_atomic_int_get (&self->n_connections);
}

const char *
ir_brand_client_get_url (const IrBrandClient *self)
{
	return self->url;
}

const guint8 *
ir_brand_client_get_cnf (const IrBrandClient *self)
{
	return self->cred->cnf;
}

const char *
ir_brand_client_get_centre (const IrBrandClient *self)
{
	return self->cred->centre;
}

const char *
ir_brand_client_get_role (const IrBrandClient *self)
{
	return self->cred->role;
}

const char *
ir_brand_client_get_subject (const IrBrandClient *self)
{
	return self->cred->subject;
}

/* ---- one HTTPS request ---- */

typedef struct {
	GString *body;
	GCancellable *cancellable;
	gboolean too_large;
} IrBrandTransfer;

static size_t
ir_brand_client_collect (char *data, size_t size, size_t n, void *arg)
{
	IrBrandTransfer *xfer = arg;

	if (xfer->body->len + size * n > IR_BRAND_MAX_ANSWER) {
		xfer->too_large = TRUE;
		return 0;
	}
	g_string_append_len (xfer->body, data, (gssize)(size * n));
	return size * n;
}

static int
ir_brand_client_progress (
    void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	IrBrandTransfer *xfer = arg;
	return g_cancellable_is_cancelled (xfer->cancellable) ? 1 : 0;
}

/* A token's key is put on each connection's SSL_CTX by hand rather than
 * through CURLOPT_SSLENGINE + CURLOPT_SSLKEYTYPE "ENG" (which libcurl
 * 7.88's OpenSSL backend has): with those, libcurl takes and drops the
 * engine with each handle, so the module is finalized between requests
 * (its login lost: a PIN for every request, each a chance to lock it),
 * the PIN would have to live in CURLOPT_KEYPASSWD (copied, never wiped),
 * and a wrong PIN comes back only as "unable to set private key file".
 * The EVP_PKEY from ir_brand_credential_pkcs11_unlock() signs on the token and
 * is used by every handle of the session; libp11 serialises the token's
 * sessions, so parallel workers may share it. */
static CURLcode
ir_brand_client_ssl_ctx (CURL *curl, void *ssl_ctx, void *user_data)
{
	const IrBrandCredential *cred = user_data;

	if (SSL_CTX_use_certificate (ssl_ctx, cred->x509) != 1 ||
	    SSL_CTX_use_PrivateKey (ssl_ctx, cred->key) != 1)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

static void
ir_brand_client_easy_credential (IrBrandClient *self, CURL *curl)
{
	if (self->cred->key != NULL) {
		curl_easy_setopt (curl, CURLOPT_SSL_CTX_FUNCTION, ir_brand_client_ssl_ctx);
		curl_easy_setopt (curl, CURLOPT_SSL_CTX_DATA, self->cred);
		return;
	}
	curl_easy_setopt (curl, CURLOPT_SSLCERT, self->cert_path);
	curl_easy_setopt (curl, CURLOPT_SSLCERTTYPE, self->cert_type);
}

/* An idle handle (its connection kept alive), else a new one; every
 * option is set again for this request (curl_easy_reset keeps only the
 * connection, DNS and TLS session caches). */
static CURL *
ir_brand_easy_take (IrBrandClient *self)
{
	CURL *curl = NULL;

	g_mutex_lock (&self->pool_lock);
	if (self->idle->len > 0)
		curl = g_ptr_array_steal_index (self->idle, self->idle->len - 1);
	g_mutex_unlock (&self->pool_lock);
	if (curl == NULL)
		return curl_easy_init ();
	curl_easy_reset (curl);
	return curl;
}

typedef struct {
	IrBrandClient *client;
	CURL *curl;
} IrBrandEasy;

/* Back to the pool, with its connection, for the next request. */
static void
ir_brand_easy_release (IrBrandEasy *easy)
{
	IrBrandClient *self = easy->client;

	if (easy->curl == NULL)
		return;
	if (self->fresh_connections) {
		curl_easy_cleanup (easy->curl);
		return;
	}
	g_mutex_lock (&self->pool_lock);
	g_ptr_array_add (self->idle, easy->curl);
	g_mutex_unlock (&self->pool_lock);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBrandEasy, ir_brand_easy_release)

static CURL *
ir_brand_client_easy_new (IrBrandClient *self, const char *url, IrBrandTransfer *xfer, char *errbuf)
{
	CURL *curl = ir_brand_easy_take (self);

	if (curl == NULL)
		return NULL;
	if (self->share != NULL)
		curl_easy_setopt (curl, CURLOPT_SHARE, self->share);
	if (self->fresh_connections) {
		curl_easy_setopt (curl, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt (curl, CURLOPT_FORBID_REUSE, 1L);
	}
	curl_easy_setopt (curl, CURLOPT_URL, url);
	curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
	/* TLS 1.3 and nothing else; verification of the server is never off */
	curl_easy_setopt (curl,
			  CURLOPT_SSLVERSION,
			  (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3));
	curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
	/* the brand CA is the only CA: no system bundle, no CA directory */
	curl_easy_setopt (curl, CURLOPT_CAINFO, ir_trust_store_get_brand_ca (self->trust));
	curl_easy_setopt (curl, CURLOPT_CAPATH, NULL);
	curl_easy_setopt (
	    curl, CURLOPT_PINNEDPUBLICKEY, ir_trust_store_get_server_pins (self->trust));
	ir_brand_client_easy_credential (self, curl);
	if (self->key_path != NULL)
		curl_easy_setopt (curl, CURLOPT_SSLKEY, self->key_path);
	if (self->passphrase != NULL)
		curl_easy_setopt (curl, CURLOPT_KEYPASSWD, self->passphrase);
	curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long)self->connect_timeout_ms);
	curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long)self->timeout_ms);
	curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* a proxy on loopback makes no sense; elsewhere the environment's wins */
	curl_easy_setopt (curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, ir_brand_client_collect);
	curl_easy_setopt (curl, CURLOPT_WRITEDATA, xfer);
	curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, ir_brand_client_progress);
	curl_easy_setopt (curl, CURLOPT_XFERINFODATA, xfer);
	curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt (curl, CURLOPT_USERAGENT, "imeictl/" PACKAGE_VERSION);
	return curl;
}

/* The server refused our certificate during the handshake: with TLS 1.3
 * the alert arrives when we read, and OpenSSL names it in the text. */
static const char *
ir_brand_client_alert_advice (const char *errbuf)
{
	if (strstr (errbuf, "alert certificate expired") != NULL)
		return "as expired: ask the brand for a new certificate (or fix this "
		       "workstation's clock)";
	if (strstr (errbuf, "alert unknown ca") != NULL)
		return "as not issued by the brand CA: use the certificate the brand issued "
		       "to you";
	if (strstr (errbuf, "alert certificate required") != NULL)
		return "because none was sent: give --p12 or --cert/--key";
	if (strstr (errbuf, "alert bad certificate") != NULL ||
	    strstr (errbuf, "alert certificate unknown") != NULL ||
	    strstr (errbuf, "alert unsupported certificate") != NULL ||
	    strstr (errbuf, "alert certificate revoked") != NULL ||
	    strstr (errbuf, "alert access denied") != NULL)
		return "(bad, revoked or unsuitable certificate): ask the brand to check your "
		       "certificate";
	return NULL;
}

static gboolean
ir_brand_client_is_ca_problem (long verify)
{
	switch (verify) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return TRUE;
	default:
		return FALSE;
	}
}

static void
ir_brand_client_fail_tls_verify (IrBrandClient *self,
				 const char *node,
				 CURL *curl,
				 const char *errbuf,
				 IrBrandStatus *status,
				 GError **error)
{
	long verify = X509_V_OK;

	curl_easy_getinfo (curl, CURLINFO_SSL_VERIFYRESULT, &verify);
	if (verify == X509_V_OK || strstr (errbuf, "subject name") != NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS_SERVER_NAME, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the brand server at %s has a certificate for another name (%s): give "
			     "--server with the host name in its certificate",
			     node,
			     errbuf);
		return;
	}
	if (ir_brand_client_is_ca_problem (verify)) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS_SERVER_CA, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the brand server at %s has a certificate the brand CA %s does not "
			     "vouch for (%s): it is not the brand's server, or the trust store is "
			     "out of date; do not go on, ask the brand for the current trust store",
			     node,
			     ir_trust_store_get_brand_ca (self->trust),
			     X509_verify_cert_error_string (verify));
		return;
	}
	ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS, NULL);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "the brand server's certificate at %s failed verification (%s): ask the "
		     "brand to check its server certificate",
		     node,
		     X509_verify_cert_error_string (verify));
}

/* Turns a failed transfer into a message that says what to do. */
static void
ir_brand_client_fail_transport (IrBrandClient *self,
				const char *node,
				CURL *curl,
				CURLcode code,
				const char *errbuf,
				IrBrandStatus *status,
				GError **error)
{
	const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror (code);
	const char *advice = ir_brand_client_alert_advice (detail);

	if (advice != NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS_CLIENT, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the brand server at %s refused this workstation's client "
			     "certificate %s %s (%s)",
			     node,
			     self->cred->subject,
			     advice,
			     detail);
		return;
	}
	if (code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING) {
		g_autoptr (GError) issuer_error = NULL;

		/* the alert was lost; the likely reasons can be checked here */
		if (!ir_brand_credential_check (self->cred, self->origin, 0, &issuer_error) ||
		    !ir_brand_credential_check_issuer (self->cred,
						       self->origin,
						       ir_trust_store_get_brand_ca (self->trust),
						       &issuer_error)) {
			ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS_CLIENT, NULL);
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "the brand server at %s closed the connection (%s): %s",
				     node,
				     detail,
				     issuer_error->message);
			return;
		}
	}
	switch (code) {
	case CURLE_ABORTED_BY_CALLBACK:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_NONE, "cancelled");
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_CANCELLED,
			     "request to the brand server %s cancelled",
			     node);
		return;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_UNREACHABLE, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot reach the brand server at %s (%s): check that the server is "
			     "running and that this workstation's network reaches it, and the "
			     "URL (--server or $IMEIRESTORE_SERVER)",
			     node,
			     detail);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TIMEOUT, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TIMEOUT,
			     "the brand server at %s did not answer in time (%s): check the server "
			     "and the network, then try again",
			     node,
			     detail);
		return;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS_PIN, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the brand server at %s does not have the public key pinned in the "
			     "trust store: the connection may be intercepted, or the brand changed "
			     "its server key; do not go on, ask the brand for the current trust "
			     "store",
			     node);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
		ir_brand_client_fail_tls_verify (self, node, curl, detail, status, error);
		return;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_CREDENTIAL, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "TLS could not use this workstation's certificate or trust store for "
			     "%s (%s): check the credential given with --credential, --p12 or "
			     "--cert/--key, and --trust-store",
			     node,
			     detail);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_TLS, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the TLS 1.3 handshake with the brand server at %s failed (%s): the "
			     "server must speak TLS 1.3; check the URL and the server",
			     node,
			     detail);
		return;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		/* with TLS 1.3 the server judges our certificate after the
		 * handshake; its alert is lost when it closes before we read */
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_UNREACHABLE, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the brand server at %s closed the connection (%s): check the server "
			     "and the network; if it goes on, the server may refuse this "
			     "workstation's client certificate %s: ask the brand to check it",
			     node,
			     detail,
			     self->cred->subject);
		return;
	default:
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_UNREACHABLE, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "talking to the brand server at %s failed (%s, curl code %d): check "
			     "the server and the network, then try again",
			     node,
			     detail,
			     (int)code);
		return;
	}
}

typedef struct {
	const char *code;
	const char *advice;
} IrBrandRefusal;

static const IrBrandRefusal ir_brand_refusals[] = {
    {"malformed_request",
     "refused the request as malformed: imeictl and the server disagree on the API; "
     "report this with the server's message"},
    {"role_not_allowed",
     "says this certificate's role may not do this: use a technician certificate"},
    {"no_centre",
     "says this certificate names no service centre: ask the brand for a technician "
     "certificate with your centre"},
    {"unknown_device",
     "has no record of this phone: check that its serial / hardware id are right, or ask "
     "the brand to import its factory record"},
    {"device_mismatch",
     "has a record for this phone's identity that disagrees with what the phone reports: "
     "check it is the phone you think, then ask the brand"},
    {"imei_in_use",
     "says this phone's original IMEI is in use by another registered device: do not "
     "restore it; ask the brand to investigate"},
    {"quota_reached",
     "says your centre's daily token quota is used up (it resets at 00:00 UTC): try "
     "again tomorrow or ask the brand to raise it"},
    {"unknown_token", "never issued this token"},
    {"not_your_token", "says this token was issued to another certificate"},
    {"already_reported", "already has a report for this token: tokens are single use"},
    {"too_large", "refused the request as too large"},
    {"internal", "failed internally and recorded nothing: try again, or ask the brand"},
    {"witness_disabled", "does not witness migration logs (no witness key): ask the brand"},
    {"witness_size_mismatch",
     "has witnessed another size of this migration log than the upload starts from"},
    {"bad_checkpoint",
     "refused the migration log's checkpoint (its signature or its form): check the "
     "workstation key, or tell the brand auditor"},
    {"records_mismatch",
     "says the uploaded records do not match the log's checkpoint: run imeictl audit verify"},
    {"origin_key_mismatch",
     "knows this workstation under another key: ask the brand to re-register it"},
    {"wrong_centre", "says this workstation's log belongs to another centre than your certificate"},
    {"log_forked",
     "says this workstation's migration log is not the one it witnessed (it was changed): "
     "no tokens; tell the brand auditor"},
    {"log_shrank",
     "says this workstation's migration log lost records it witnessed: no tokens; tell the "
     "brand auditor"},
    {"log_missing",
     "has witnessed a migration log from this certificate and needs its checkpoint with the "
     "request"},
    {"unknown_workstation", "has witnessed no migration log of this workstation"},
    {"not_eligible",
     "says this phone is not eligible under the brand's rollout policy now: do not restore it "
     "yet (imeictl policy show lists the phases)"},
    {"phase_paused",
     "says the brand paused this phone's rollout phase: no restore until it is resumed"},
    {"cap_reached", "says a daily cap of the rollout phase is reached: try again when it reopens"},
    {"policy_expired", "says its rollout policy has expired: ask the brand to publish a new one"},
    {"no_policy", "has no rollout policy published"},
    {"token_live",
     "says this phone already has a live token (a restore in progress here or at another "
     "centre): finish or report that restore, or try again after it expires"},
    {"read_back_mismatch",
     "refused the success report: what was read back is not what the token was issued to "
     "write (kept for the brand auditor); report the true outcome"},
    {"certificate_revoked",
     "says this client certificate is revoked: ask the brand for a new certificate"},
    {"certificate_expired",
     "says this client certificate has expired (or is not valid yet): ask the brand for a "
     "new certificate, and check the workstation's clock"},
    {"request_id_reused",
     "says this token request's id was already used for another request (imeictl makes a "
     "new one for each request): try again, and report this if it goes on"},
    {"origin_not_bound",
     "says this certificate is bound to another workstation's migration log: use the "
     "workstation it was first used on, or ask the brand to re-register the certificate"},
};

static const char *
ir_brand_client_refusal_advice (const char *code)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_brand_refusals); i++) {
		if (g_strcmp0 (ir_brand_refusals[i].code, code) == 0)
			return ir_brand_refusals[i].advice;
	}
	return NULL;
}

static JsonObject *
ir_brand_client_parse_object (const char *body, JsonParser *parser)
{
	JsonNode *root;

	if (!json_parser_load_from_data (parser, body, -1, NULL))
		return NULL;
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
		return NULL;
	return json_node_get_object (root);
}

static const char *
ir_brand_client_member_string (JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

/* A non-200 answer: the documented error object, or something else. */
static void
ir_brand_client_fail_answer (IrBrandClient *self,
			     const char *node,
			     const char *path,
			     long http_status,
			     const char *body,
			     IrBrandStatus *status,
			     GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonObject *obj = ir_brand_client_parse_object (body, parser);
	JsonObject *err = NULL;
	const char *code = NULL;
	const char *message = NULL;
	const char *advice;

	if (obj != NULL && json_object_has_member (obj, "error") &&
	    JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "error")))
		err = json_object_get_object_member (obj, "error");
	code = ir_brand_client_member_string (err, "code");
	message = ir_brand_client_member_string (err, "message");
	/* libevent refuses an oversized body with its own HTML page */
	if (code == NULL && http_status == 413)
		code = "too_large";
	advice = ir_brand_client_refusal_advice (code);
	if (advice == NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_BAD_ANSWER, code);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the brand server at %s answered %s with HTTP %ld%s%s: that is not in "
			     "the brand API; check that --server names an imei-brandd",
			     node,
			     path,
			     http_status,
			     code != NULL ? " and code " : "",
			     code != NULL ? code : "");
		return;
	}
	ir_brand_client_status_set (status, IR_BRAND_FAILURE_REFUSED, code);
	if (status != NULL && err != NULL && json_object_has_member (err, "witnessed_size") &&
	    json_node_get_value_type (json_object_get_member (err, "witnessed_size")) ==
		G_TYPE_INT64 &&
	    json_object_get_int_member (err, "witnessed_size") >= 0) {
		status->has_witnessed_size = TRUE;
		status->witnessed_size =
		    (guint64)json_object_get_int_member (err, "witnessed_size");
	}
	if (status != NULL && ir_brand_client_member_string (err, "live_token_expires") != NULL) {
		g_free (status->live_token_expires);
		status->live_token_expires =
		    g_strdup (ir_brand_client_member_string (err, "live_token_expires"));
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "the brand server %s (%s)%s%s",
		     advice,
		     code,
		     message != NULL ? "; the server said: " : "",
		     message != NULL ? message : "");
}

/* One request to the server @node, no retry. Returns the answer's JSON
 * object (in @parser) on HTTP 200; *failed_code (may be NULL) is libcurl's
 * code, CURLE_OK when there was an HTTP answer. */
static JsonObject *
ir_brand_client_request_once (IrBrandClient *self,
			      const char *node,
			      const char *path,
			      const char *body,
			      JsonParser *parser,
			      IrBrandStatus *status,
			      CURLcode *failed_code,
			      GCancellable *cancellable,
			      GError **error)
{
	g_autofree char *url = g_strconcat (node, path, NULL);
	g_autoptr (GString) answer = g_string_new (NULL);
	IrBrandTransfer xfer = {.body = answer, .cancellable = cancellable};
	char errbuf[CURL_ERROR_SIZE] = "";
	g_auto (IrBrandEasy) easy = {self, ir_brand_client_easy_new (self, url, &xfer, errbuf)};
	CURL *curl = easy.curl;
	struct curl_slist *headers = NULL;
	long connects = 0;
	long http_status = 0;
	long request_size = 0;
	CURLcode code;
	JsonObject *obj;

	if (curl == NULL) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_FAILED, "libcurl could not make a request handle");
		return NULL;
	}
	if (body != NULL) {
		headers = curl_slist_append (headers, "Content-Type: application/json");
		curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long)strlen (body));
	}
	code = curl_easy_perform (curl);
	if (failed_code != NULL)
		*failed_code = code;
	curl_slist_free_all (headers);
	curl_easy_getinfo (curl, CURLINFO_NUM_CONNECTS, &connects);
	g_atomic_int_inc (&self->n_requests);
	g_atomic_int_add (&self->n_connections, (gint)connects);
	curl_easy_getinfo (curl, CURLINFO_REQUEST_SIZE, &request_size);
	if (status != NULL)
		status->request_sent = request_size > 0;
	if (code != CURLE_OK) {
		if (xfer.too_large) {
			ir_brand_client_status_set (status, IR_BRAND_FAILURE_BAD_ANSWER, NULL);
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "the brand server at %s sent more than %u bytes for %s: that "
				     "is not an imei-brandd answer",
				     node,
				     (guint)IR_BRAND_MAX_ANSWER,
				     path);
			return NULL;
		}
		ir_brand_client_fail_transport (self, node, curl, code, errbuf, status, error);
		return NULL;
	}
	curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &http_status);
	if (status != NULL)
		status->http_status = http_status;
	if (http_status != 200) {
		ir_brand_client_fail_answer (
		    self, node, path, http_status, answer->str, status, error);
		return NULL;
	}
	obj = ir_brand_client_parse_object (answer->str, parser);
	if (obj == NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_BAD_ANSWER, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the brand server at %s answered %s with something that is not a "
			     "JSON object: check that --server names an imei-brandd",
			     node,
			     path);
		return NULL;
	}
	return obj;
}

/* A failure of one node's transport, which the next node may not have:
 * no connection, no answer in time, a TLS handshake that broke off before
 * any certificate was judged, a connection closed before an answer. An
 * HTTP answer (any status, 429 and 503 too) is the brand's word, and a
 * server certificate that fails verification or its pin, or a refusal of
 * ours, is not a node being down: those are reported, never failed over. */
static gboolean
ir_brand_client_fails_over (const IrBrandStatus *status, CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		/* fail_transport() judged it: a closed connection may have been
		 * the server refusing our certificate (TLS_CLIENT) */
		return status->failure == IR_BRAND_FAILURE_UNREACHABLE ||
		       status->failure == IR_BRAND_FAILURE_TIMEOUT ||
		       status->failure == IR_BRAND_FAILURE_TLS;
	default:
		return FALSE;
	}
}

/* One request to each node in turn until one answers (ir-brand-client.h
 * says when that is allowed). @idempotent: the request may be repeated on
 * another node after it may have reached one (a token request with its
 * request_id, a report, a GET); otherwise the next node is tried only when
 * nothing was sent. *sent_before (may be NULL): an earlier node's try, that
 * failed, may have reached it. *answered_by: the node that answered. */
static JsonObject *
ir_brand_client_request_nodes (IrBrandClient *self,
			       const char *path,
			       const char *body,
			       gboolean idempotent,
			       JsonParser *parser,
			       IrBrandStatus *status,
			       gboolean *sent_before,
			       const char **answered_by,
			       GCancellable *cancellable,
			       GError **error)
{
	g_autoptr (GString) tried = g_string_new (NULL);
	g_autoptr (GError) last = NULL;
	gboolean sent = FALSE;
	guint n = 0;

	if (sent_before != NULL)
		*sent_before = FALSE;
	for (; self->urls[n] != NULL; n++) {
		CURLcode code = CURLE_OK;
		JsonObject *obj;

		g_clear_error (&last);
		ir_brand_client_status_clear (status);
		if (answered_by != NULL)
			*answered_by = self->urls[n];
		obj = ir_brand_client_request_once (
		    self, self->urls[n], path, body, parser, status, &code, cancellable, &last);
		if (obj != NULL || !ir_brand_client_fails_over (status, code) ||
		    (!idempotent && status->request_sent)) {
			if (sent_before != NULL)
				*sent_before = sent;
			status->request_sent = status->request_sent || sent;
			if (obj == NULL)
				g_propagate_error (error, g_steal_pointer (&last));
			return obj;
		}
		sent = sent || status->request_sent;
		g_string_append_printf (tried,
					"\n  %s: %s (%s)",
					self->urls[n],
					ir_brand_client_failure_to_string (status->failure),
					last->message);
	}
	if (sent_before != NULL)
		*sent_before = sent;
	status->request_sent = sent;
	/* one node: its own message, as before there were several */
	if (n == 1) {
		g_propagate_error (error, g_steal_pointer (&last));
		return NULL;
	}
	g_set_error (error,
		     last->domain,
		     last->code,
		     "none of the %u brand servers answered %s; what happened at each, in the "
		     "order tried:%s",
		     n,
		     path,
		     tried->str);
	return NULL;
}

static gboolean
ir_brand_client_failure_is_transport (const IrBrandStatus *status)
{
	return status->failure == IR_BRAND_FAILURE_UNREACHABLE ||
	       status->failure == IR_BRAND_FAILURE_TIMEOUT;
}

gboolean
ir_brand_client_health (IrBrandClient *self,
			IrBrandStatus *status,
			GCancellable *cancellable,
			GError **error)
{
	g_auto (IrBrandStatus) status_local = {0};
	IrBrandStatus *st = status != NULL ? status : &status_local;

	for (guint attempt = 1;; attempt++) {
		g_autoptr (JsonParser) parser = json_parser_new ();
		g_autoptr (GError) error_local = NULL;

		ir_brand_client_status_clear (st);
		if (ir_brand_client_request_nodes (self,
						   "/v1/health",
						   NULL,
						   TRUE,
						   parser,
						   st,
						   NULL,
						   NULL,
						   cancellable,
						   &error_local) != NULL)
			return TRUE;
		/* a GET changes nothing on the server: any transport failure may be
		 * tried again */
		if (attempt >= IR_BRAND_ATTEMPTS || !ir_brand_client_failure_is_transport (st)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_usleep (IR_BRAND_RETRY_MS * attempt * 1000);
	}
}

JsonObject *
ir_brand_client_get_json (IrBrandClient *self,
			  const char *path,
			  IrBrandStatus *status,
			  GCancellable *cancellable,
			  GError **error)
{
	g_auto (IrBrandStatus) status_local = {0};
	IrBrandStatus *st = status != NULL ? status : &status_local;

	for (guint attempt = 1;; attempt++) {
		g_autoptr (JsonParser) parser = json_parser_new ();
		g_autoptr (GError) error_local = NULL;
		JsonObject *obj;

		ir_brand_client_status_clear (st);
		obj = ir_brand_client_request_nodes (
		    self, path, NULL, TRUE, parser, st, NULL, NULL, cancellable, &error_local);
		/* the object lives in the parser's tree */
		if (obj != NULL)
			return json_object_ref (obj);
		/* a GET changes nothing on the server: try again after a
		 * transport failure */
		if (attempt >= IR_BRAND_ATTEMPTS || !ir_brand_client_failure_is_transport (st)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_usleep (IR_BRAND_RETRY_MS * attempt * 1000);
	}
}

/* The witness members (docs/brand-api.md, "Witnessing"). */
static void
ir_brand_client_add_log_members (JsonBuilder *b, const IrBrandTokenRequest *req)
{
	gsize len = 0;
	const guint8 *data =
	    req->log_consistency != NULL ? g_bytes_get_data (req->log_consistency, &len) : NULL;

	json_builder_set_member_name (b, "checkpoint");
	json_builder_add_string_value (b, req->log_checkpoint);
	json_builder_set_member_name (b, "witnessed_size");
	json_builder_add_int_value (b, (gint64)req->witnessed_size);
	if (req->log_public_key != NULL) {
		json_builder_set_member_name (b, "public_key");
		json_builder_add_string_value (b, req->log_public_key);
	}
	json_builder_set_member_name (b, "consistency");
	json_builder_begin_array (b);
	for (gsize off = 0; off + 32 <= len; off += 32) {
		g_autofree char *b64 = g_base64_encode (data + off, 32);
		json_builder_add_string_value (b, b64);
	}
	json_builder_end_array (b);
}

/* 128 random bits in lower-case hex (docs/brand-api.md): one per token
 * request, the same on every try of it. */
static char *
ir_brand_client_new_request_id (void)
{
	guint8 raw[16];
	char hex[2 * sizeof raw + 1];

	if (RAND_bytes (raw, sizeof raw) != 1) {
		/* OpenSSL's generator failing is not worth losing a restore over:
		 * the id only has to be unique, not secret */
		for (guint i = 0; i < sizeof raw; i++)
			raw[i] = (guint8)g_random_int ();
	}
	for (guint i = 0; i < sizeof raw; i++)
		g_snprintf (hex + 2 * i, 3, "%02x", raw[i]);
	return g_strdup (hex);
}

static char *
ir_brand_client_token_request_body (const IrBrandTokenRequest *req, const char *request_id)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonGenerator) gen = json_generator_new ();
	g_autoptr (JsonNode) root = NULL;
	const struct {
		const char *name;
		const char *value;
	} device[] = {
	    {"manufacturer", req->manufacturer},
	    {"model", req->model},
	    {"revision", req->revision},
	    {"serial", req->serial},
	    {"hardware_id", req->hardware_id},
	    {"family", req->family},
	};

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "device");
	json_builder_begin_object (b);
	for (guint i = 0; i < G_N_ELEMENTS (device); i++) {
		if (device[i].value == NULL)
			continue;
		json_builder_set_member_name (b, device[i].name);
		json_builder_add_string_value (b, device[i].value);
	}
	json_builder_end_object (b);
	if (req->nonce != NULL) {
		g_autofree char *nonce = ir_token_to_base64url (req->nonce);
		json_builder_set_member_name (b, "challenge");
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "nonce");
		json_builder_add_string_value (b, nonce);
		json_builder_set_member_name (b, "counter");
		json_builder_add_int_value (b, (gint64)req->counter);
		json_builder_end_object (b);
	}
	json_builder_set_member_name (b, "current_imeis");
	json_builder_begin_array (b);
	for (guint i = 0; i < req->n_slots && i < IR_TOKEN_MAX_SLOTS; i++) {
		if (req->current_imei[i] != NULL)
			json_builder_add_string_value (b, req->current_imei[i]);
		else
			json_builder_add_null_value (b);
	}
	json_builder_end_array (b);
	if (req->log_checkpoint != NULL)
		ir_brand_client_add_log_members (b, req);
	json_builder_set_member_name (b, "request_id");
	json_builder_add_string_value (b, request_id);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	json_generator_set_root (gen, root);
	return json_generator_to_data (gen, NULL);
}

void
ir_brand_client_token_answer_free (IrBrandTokenAnswer *answer)
{
	if (answer == NULL)
		return;
	g_clear_pointer (&answer->token, g_bytes_unref);
	g_free (answer->token_id);
	g_free (answer->expires);
	g_free (answer->phase);
	g_free (answer->centre);
	g_free (answer);
}

static IrBrandTokenAnswer *
ir_brand_client_token_answer_parse (
    IrBrandClient *self, const char *node, JsonObject *obj, IrBrandStatus *status, GError **error)
{
	g_autoptr (IrBrandTokenAnswer) answer = g_new0 (IrBrandTokenAnswer, 1);
	const char *token = ir_brand_client_member_string (obj, "token");
	const char *token_id = ir_brand_client_member_string (obj, "token_id");
	g_autoptr (GError) error_local = NULL;

	if (token == NULL || token_id == NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_BAD_ANSWER, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the brand server at %s answered the token request without %s: check "
			     "that --server names an imei-brandd",
			     node,
			     token == NULL ? "a token" : "a token_id");
		return NULL;
	}
	answer->token = ir_token_from_base64url (token, &error_local);
	if (answer->token == NULL) {
		ir_brand_client_status_set (status, IR_BRAND_FAILURE_BAD_ANSWER, NULL);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the brand server at %s sent token %s in a form that is not strict "
			     "base64url: %s",
			     node,
			     token_id,
			     error_local->message);
		return NULL;
	}
	answer->token_id = g_strdup (token_id);
	answer->expires = g_strdup (ir_brand_client_member_string (obj, "expires"));
	answer->phase = g_strdup (ir_brand_client_member_string (obj, "phase"));
	answer->centre = g_strdup (ir_brand_client_member_string (obj, "centre"));
	if (json_object_has_member (obj, "policy_version") &&
	    json_node_get_value_type (json_object_get_member (obj, "policy_version")) ==
		G_TYPE_INT64)
		answer->policy_version = json_object_get_int_member (obj, "policy_version");
	return g_steal_pointer (&answer);
}

IrBrandTokenAnswer *
ir_brand_client_request_token (IrBrandClient *self,
			       const IrBrandTokenRequest *request,
			       IrBrandStatus *status,
			       GCancellable *cancellable,
			       GError **error)
{
	g_auto (IrBrandStatus) status_local = {0};
	IrBrandStatus *st = status != NULL ? status : &status_local;
	g_autofree char *request_id = request->request_id != NULL
					  ? g_strdup (request->request_id)
					  : ir_brand_client_new_request_id ();
	g_autofree char *body = ir_brand_client_token_request_body (request, request_id);

	for (guint attempt = 1;; attempt++) {
		g_autoptr (JsonParser) parser = json_parser_new ();
		g_autoptr (GError) error_local = NULL;
		const char *node = NULL;
		JsonObject *obj;

		ir_brand_client_status_clear (st);
		/* idempotent: every node and every try get the same request_id,
		 * so a node that recorded the token before it died is answered
		 * with that token by the next */
		obj = ir_brand_client_request_nodes (self,
						     "/v1/tokens",
						     body,
						     TRUE,
						     parser,
						     st,
						     NULL,
						     &node,
						     cancellable,
						     &error_local);
		if (obj != NULL)
			return ir_brand_client_token_answer_parse (self, node, obj, st, error);
		/* a token spends quota: ask again only when nothing left this
		 * workstation (no connection was made) */
		if (attempt >= IR_BRAND_ATTEMPTS || st->request_sent ||
		    st->failure != IR_BRAND_FAILURE_UNREACHABLE) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_usleep (IR_BRAND_RETRY_MS * attempt * 1000);
	}
}

static char *
ir_brand_client_report_body (const char *token_id,
			     const char *outcome,
			     const char *const *read_back,
			     guint n_read_back,
			     const char *detail)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonGenerator) gen = json_generator_new ();
	g_autoptr (JsonNode) root = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "token_id");
	json_builder_add_string_value (b, token_id);
	json_builder_set_member_name (b, "outcome");
	json_builder_add_string_value (b, outcome);
	if (n_read_back > 0) {
		json_builder_set_member_name (b, "imeis_read_back");
		json_builder_begin_array (b);
		for (guint i = 0; i < n_read_back; i++) {
			/* the server takes digits only: anything else read back is
			 * described in the detail instead */
			const char *v = read_back[i];
			gboolean digits = v != NULL && v[0] != '\0';
			for (const char *p = v; digits && *p != '\0'; p++)
				digits = g_ascii_isdigit (*p);
			if (digits && strlen (v) <= 128)
				json_builder_add_string_value (b, v);
			else
				json_builder_add_null_value (b);
		}
		json_builder_end_array (b);
	}
	if (detail != NULL && detail[0] != '\0') {
		g_autofree char *cut = g_utf8_make_valid (detail, -1);
		/* the server's limit is 512 bytes: cut at a character boundary */
		if (strlen (cut) > 512) {
			const char *end = g_utf8_find_prev_char (cut, cut + 512);
			cut[end != NULL ? end - cut : 0] = '\0';
		}
		json_builder_set_member_name (b, "detail");
		json_builder_add_string_value (b, cut);
	}
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	json_generator_set_root (gen, root);
	return json_generator_to_data (gen, NULL);
}

gboolean
ir_brand_client_report (IrBrandClient *self,
			const char *token_id,
			const char *outcome,
			const char *const *read_back,
			guint n_read_back,
			const char *detail,
			IrBrandStatus *status,
			GCancellable *cancellable,
			GError **error)
{
	g_auto (IrBrandStatus) status_local = {0};
	IrBrandStatus *st = status != NULL ? status : &status_local;
	g_autofree char *body =
	    ir_brand_client_report_body (token_id, outcome, read_back, n_read_back, detail);
	gboolean earlier_may_have_arrived = FALSE;

	for (guint attempt = 1;; attempt++) {
		g_autoptr (JsonParser) parser = json_parser_new ();
		g_autoptr (GError) error_local = NULL;
		gboolean sent_before = FALSE;

		ir_brand_client_status_clear (st);
		if (ir_brand_client_request_nodes (self,
						   "/v1/reports",
						   body,
						   TRUE,
						   parser,
						   st,
						   &sent_before,
						   NULL,
						   cancellable,
						   &error_local) != NULL)
			return TRUE;
		/* our own earlier attempt (here, or at a node that failed since)
		 * got through, but its answer was lost */
		earlier_may_have_arrived = earlier_may_have_arrived || sent_before;
		if (earlier_may_have_arrived && st->failure == IR_BRAND_FAILURE_REFUSED &&
		    g_strcmp0 (st->server_code, "already_reported") == 0) {
			ir_brand_client_status_clear (st);
			return TRUE;
		}
		if (attempt >= IR_BRAND_ATTEMPTS || !ir_brand_client_failure_is_transport (st)) {
			g_propagate_prefixed_error (error,
						    g_steal_pointer (&error_local),
						    "failed to report outcome %s of token %s: ",
						    outcome,
						    token_id);
			return FALSE;
		}
		earlier_may_have_arrived = earlier_may_have_arrived || st->request_sent;
		g_usleep (IR_BRAND_RETRY_MS * attempt * 1000);
	}
}

JsonObject *
ir_brand_client_post_json (IrBrandClient *self,
			   const char *path,
			   const char *body,
			   IrBrandStatus *status,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_auto (IrBrandStatus) status_local = {0};
	IrBrandStatus *st = status != NULL ? status : &status_local;
	JsonObject *obj;

	ir_brand_client_status_clear (st);
	/* not known to be idempotent (a witness upload): another node only
	 * when nothing reached the first */
	obj = ir_brand_client_request_nodes (
	    self, path, body, FALSE, parser, st, NULL, NULL, cancellable, error);
	/* the object lives in the parser's tree */
	return obj != NULL ? json_object_ref (obj) : NULL;
}
