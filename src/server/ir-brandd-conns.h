/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <glib.h>
#include <openssl/ssl.h>

#include "ir-brandd-tls.h"

G_BEGIN_DECLS

/* imei-brandd's connection limits (issue 7: one laptop must not lock every
 * technician out). A connection is unauthenticated until its TLS handshake
 * is done (the client certificate verified), then authenticated:
 *
 *  - the whole handshake has one deadline (handshake_timeout_ms), however
 *    many bytes trickle in;
 *  - then each whole request has one (request_timeout_ms), from the moment
 *    the connection waits for it (idle keep-alive included) until it has
 *    been read; writing the answer is evhttp's own write timeout;
 *  - unauthenticated connections are limited on their own (max_handshakes)
 *    and per source address (max_handshakes_per_address); at either limit
 *    the new connection is kept and the oldest one is dropped: first the
 *    oldest that has not even sent a whole ClientHello, else the oldest;
 *  - authenticated connections are limited by max_connections: beyond it a
 *    handshake is refused at its ClientHello, before any expensive work.
 *
 * Dropping a connection shuts its socket down; evhttp then frees it as any
 * closed connection. Everything runs on the server's one event loop. */

typedef struct {
	guint max_connections;
	guint max_handshakes;
	guint max_handshakes_per_address;
	guint handshake_timeout_ms;
	guint request_timeout_ms;
} IrBranddConnLimits;

typedef struct _IrBranddConns IrBranddConns;

/* Installs its ClientHello callback on @ctx (borrowed). */
IrBranddConns *
ir_brandd_conns_new (struct event_base *base, SSL_CTX *ctx, const IrBranddConnLimits *limits);

/* Drops the caller's reference; connections still open keep theirs. */
void ir_brandd_conns_unref (IrBranddConns *self);

/* A connection evhttp has just accepted, before it sets the socket. */
void ir_brandd_conns_add (IrBranddConns *self, SSL *ssl, struct bufferevent *bev);

/* evhttp has read a whole request on @ssl: its deadline stops. */
void ir_brandd_conns_request_read (SSL *ssl);

/* The answer on @ssl is written: the next request's deadline starts. */
void ir_brandd_conns_request_done (SSL *ssl);

/* The verified client of @ssl, as ir_brandd_tls_peer() reads it, into
 * @peer (the caller clears it). Read once per connection and kept: the
 * certificate cannot change on a TLS 1.3 connection (no renegotiation),
 * and reading it costs more than the rest of a token's request (the DER
 * decoded again for its key's hash). The checks that depend on the time
 * (expiry, revocation) are the caller's, on every request. */
gboolean ir_brandd_conns_peer (SSL *ssl, IrBranddPeer *peer, GError **error);

/* From now on every handshake is refused. */
void ir_brandd_conns_stop_accepting (IrBranddConns *self);

G_END_DECLS
