/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/ssl.h>

#include "ir-brandd-config.h"
#include "ir-token.h"

G_BEGIN_DECLS

/* The server's TLS: 1.3 only, a client certificate required and verified
 * against the brand CA (with [tls] crl when set) and carrying the
 * clientAuth extended key usage, no session resumption (every connection
 * proves its certificate again), and who the client is, read from its
 * certificate. */

#define IR_BRANDD_ROLE_URN   "urn:imeirestore:role:"
#define IR_BRANDD_CENTRE_URN "urn:imeirestore:centre:"

SSL_CTX *ir_brandd_tls_context_new (const IrBranddConfig *config, GError **error);

typedef struct {
	char *role;		      /* NULL: the certificate names none (or several) */
	char *centre;		      /* NULL: likewise */
	guint8 cnf[IR_TOKEN_CNF_LEN]; /* SHA-256 of the certificate's SPKI */
	char *subject;		      /* for logs */
	char *serial;		      /* hex, upper case, no leading zeros */
	gint64 not_before;	      /* Unix seconds */
	gint64 not_after;
} IrBranddPeer;

void ir_brandd_tls_peer_clear (IrBranddPeer *peer);
/* @to gets copies of @from's strings; the caller clears it. */
void ir_brandd_tls_peer_copy (const IrBranddPeer *from, IrBranddPeer *to);

/* A certificate serial as typed (hex, colons and a 0x prefix allowed) in
 * the form IrBranddPeer.serial has; NULL when it is not one. */
char *ir_brandd_tls_normalise_serial (const char *text);

/* The verified peer certificate of @ssl (always present once the handshake
 * is done, since it is required). */
gboolean ir_brandd_tls_peer (SSL *ssl, IrBranddPeer *peer, GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBranddPeer, ir_brandd_tls_peer_clear)

G_END_DECLS
