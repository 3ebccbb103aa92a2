/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "ir-brandd-tls.h"
#include "ir-error.h"

static gboolean
ir_brandd_tls_error (GError **error, const char *what, const char *path)
{
	char buf[256] = "unknown error";
	unsigned long e = ERR_peek_last_error ();

	if (e != 0)
		ERR_error_string_n (e, buf, sizeof buf);
	ERR_clear_error ();
	g_set_error (
	    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "failed to %s %s: %s", what, path, buf);
	return FALSE;
}

static gboolean
ir_brandd_tls_load_identity (SSL_CTX *ctx, const IrBranddConfig *config, GError **error)
{
	if (SSL_CTX_use_certificate_chain_file (ctx, config->certificate) != 1)
		return ir_brandd_tls_error (
		    error, "load the server certificate", config->certificate);
	if (SSL_CTX_use_PrivateKey_file (ctx, config->private_key, SSL_FILETYPE_PEM) != 1)
		return ir_brandd_tls_error (
		    error, "load the server private key", config->private_key);
	if (SSL_CTX_check_private_key (ctx) != 1)
		return ir_brandd_tls_error (
		    error, "match the server key with", config->certificate);
	return TRUE;
}

static gboolean
ir_brandd_tls_load_client_ca (SSL_CTX *ctx, const IrBranddConfig *config, GError **error)
{
	STACK_OF (X509_NAME) *names = NULL;

	if (SSL_CTX_load_verify_locations (ctx, config->client_ca, NULL) != 1)
		return ir_brandd_tls_error (error, "load the client CA", config->client_ca);
	names = SSL_load_client_CA_file (config->client_ca);
	if (names == NULL)
		return ir_brandd_tls_error (
		    error, "read the client CA names from", config->client_ca);
	SSL_CTX_set_client_CA_list (ctx, names);
	return TRUE;
}

/* OpenSSL's purpose check lets a certificate without any extended key
 * usage through; a client certificate here must name clientAuth. */
static int
ir_brandd_tls_verify_cb (int preverify_ok, X509_STORE_CTX *store)
{
	X509 *cert = X509_STORE_CTX_get_current_cert (store);

	if (!preverify_ok || X509_STORE_CTX_get_error_depth (store) != 0 || cert == NULL)
		return preverify_ok;
	if (!(X509_get_extension_flags (cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage (cert) & XKU_SSL_CLIENT)) {
		X509_STORE_CTX_set_error (store, X509_V_ERR_INVALID_PURPOSE);
		return 0;
	}
	return 1;
}

/* The CA's CRL, checked for the client certificate at the handshake (and
 * by ir-brandd-revocation.c at every request). */
static gboolean
ir_brandd_tls_load_crl (SSL_CTX *ctx, const IrBranddConfig *config, GError **error)
{
	X509_STORE *store = SSL_CTX_get_cert_store (ctx);
	X509_LOOKUP *lookup = X509_STORE_add_lookup (store, X509_LOOKUP_file ());

	if (config->crl == NULL)
		return TRUE;
	if (lookup == NULL || X509_load_crl_file (lookup, config->crl, X509_FILETYPE_PEM) < 1)
		return ir_brandd_tls_error (error, "load the CRL", config->crl);
	X509_STORE_set_flags (store, X509_V_FLAG_CRL_CHECK);
	return TRUE;
}

SSL_CTX *
ir_brandd_tls_context_new (const IrBranddConfig *config, GError **error)
{
	SSL_CTX *ctx = SSL_CTX_new (TLS_server_method ());

	if (ctx == NULL) {
		ir_brandd_tls_error (error, "create", "a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version (ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version (ctx, TLS1_3_VERSION);
	/* No resumption: a resumed session skips the certificate exchange,
	 * and each connection should show its (possibly revoked) certificate.
	 * Tickets also do not survive evhttp's bufferevent callback
	 * (libevent issue #1897). */
	SSL_CTX_set_options (ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_num_tickets (ctx, 0);
	SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify (
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, ir_brandd_tls_verify_cb);
	SSL_CTX_set_purpose (ctx, X509_PURPOSE_SSL_CLIENT);
	SSL_CTX_set_verify_depth (ctx, 4);
	if (!ir_brandd_tls_load_identity (ctx, config, error) ||
	    !ir_brandd_tls_load_client_ca (ctx, config, error) ||
	    !ir_brandd_tls_load_crl (ctx, config, error)) {
		SSL_CTX_free (ctx);
		return NULL;
	}
	return ctx;
}

void
ir_brandd_tls_peer_clear (IrBranddPeer *peer)
{
	g_clear_pointer (&peer->role, g_free);
	g_clear_pointer (&peer->centre, g_free);
	g_clear_pointer (&peer->subject, g_free);
	g_clear_pointer (&peer->serial, g_free);
}

void
ir_brandd_tls_peer_copy (const IrBranddPeer *from, IrBranddPeer *to)
{
	*to = *from;
	to->role = g_strdup (from->role);
	to->centre = g_strdup (from->centre);
	to->subject = g_strdup (from->subject);
	to->serial = g_strdup (from->serial);
}

char *
ir_brandd_tls_normalise_serial (const char *text)
{
	g_autoptr (GString) hex = g_string_new (NULL);
	BIGNUM *bn = NULL;
	char *out = NULL;
	char *norm;

	if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
		text += 2;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!g_ascii_isxdigit (*p))
			return NULL;
		g_string_append_c (hex, *p);
	}
	/* 20 bytes at most (RFC 5280) */
	if (hex->len == 0 || hex->len > 40 || BN_hex2bn (&bn, hex->str) == 0)
		return NULL;
	out = BN_bn2hex (bn);
	BN_free (bn);
	if (out == NULL)
		return NULL;
	norm = g_ascii_strup (out, -1);
	OPENSSL_free (out);
	return norm;
}

static gboolean
ir_brandd_tls_read_validity_failed (GError **error)
{
	g_set_error_literal (
	    error, IR_ERROR, IR_ERROR_FAILED, "failed to read the client certificate's validity");
	return FALSE;
}

/* Serial (as ir_brandd_tls_normalise_serial() writes it) and validity. */
static gboolean
ir_brandd_tls_read_serial_and_validity (X509 *cert, IrBranddPeer *peer, GError **error)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
	char *hex = bn != NULL ? BN_bn2hex (bn) : NULL;
	struct tm tm;

	BN_free (bn);
	if (hex == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "failed to read the client certificate's serial");
		return FALSE;
	}
	peer->serial = g_ascii_strup (hex, -1);
	OPENSSL_free (hex);
	if (ASN1_TIME_to_tm (X509_get0_notBefore (cert), &tm) != 1)
		return ir_brandd_tls_read_validity_failed (error);
	peer->not_before = (gint64)timegm (&tm);
	if (ASN1_TIME_to_tm (X509_get0_notAfter (cert), &tm) != 1)
		return ir_brandd_tls_read_validity_failed (error);
	peer->not_after = (gint64)timegm (&tm);
	return TRUE;
}

/* Sets *slot to @value the first time; a second, different value makes the
 * attribute ambiguous, which counts as absent. */
static void
ir_brandd_tls_take_unique (char **slot, gboolean *ambiguous, const char *value)
{
	if (*slot == NULL && !*ambiguous) {
		*slot = g_strdup (value);
	} else if (g_strcmp0 (*slot, value) != 0) {
		g_clear_pointer (slot, g_free);
		*ambiguous = TRUE;
	}
}

static void
ir_brandd_tls_read_san_uris (X509 *cert, IrBranddPeer *peer)
{
	GENERAL_NAMES *names = X509_get_ext_d2i (cert, NID_subject_alt_name, NULL, NULL);
	gboolean role_ambiguous = FALSE;
	gboolean centre_ambiguous = FALSE;

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num (names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value (names, i);
		const char *uri;
		int len;

		if (gn->type != GEN_URI)
			continue;
		uri = (const char *)ASN1_STRING_get0_data (gn->d.uniformResourceIdentifier);
		len = ASN1_STRING_length (gn->d.uniformResourceIdentifier);
		if (uri == NULL || len <= 0 || memchr (uri, '\0', (size_t)len) != NULL)
			continue;
		if (g_str_has_prefix (uri, IR_BRANDD_ROLE_URN) &&
		    uri[strlen (IR_BRANDD_ROLE_URN)] != '\0')
			ir_brandd_tls_take_unique (
			    &peer->role, &role_ambiguous, uri + strlen (IR_BRANDD_ROLE_URN));
		else if (g_str_has_prefix (uri, IR_BRANDD_CENTRE_URN) &&
			 uri[strlen (IR_BRANDD_CENTRE_URN)] != '\0')
			ir_brandd_tls_take_unique (
			    &peer->centre, &centre_ambiguous, uri + strlen (IR_BRANDD_CENTRE_URN));
	}
	GENERAL_NAMES_free (names);
}

gboolean
ir_brandd_tls_peer (SSL *ssl, IrBranddPeer *peer, GError **error)
{
	X509 *cert = SSL_get0_peer_certificate (ssl);
	unsigned char *der = NULL;
	int der_len;
	char subject[256] = "";
	gboolean ok;

	if (cert == NULL || SSL_get_verify_result (ssl) != X509_V_OK) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_PERMISSION_DENIED,
				     "no verified client certificate on this connection");
		return FALSE;
	}
	/* the same hash the tool puts in cnf and the verifier compares */
	der_len = i2d_X509 (cert, &der);
	if (der_len <= 0) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_FAILED, "failed to encode the client certificate");
		return FALSE;
	}
	ok = ir_token_spki_sha256 (der, (gsize)der_len, peer->cnf, error);
	OPENSSL_free (der);
	if (!ok)
		return FALSE;
	X509_NAME_oneline (X509_get_subject_name (cert), subject, sizeof subject);
	peer->subject = g_strdup (subject);
	ir_brandd_tls_read_san_uris (cert, peer);
	return ir_brandd_tls_read_serial_and_validity (cert, peer, error);
}
