/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <event2/event.h>
#include <glib.h>
#include <openssl/ssl.h>

#include "ir-brandd-config.h"
#include "ir-brandd-issue.h"
#include "ir-brandd-revocation.h"
#include "ir-brandd-witness.h"

G_BEGIN_DECLS

/* The HTTPS front of imei-brandd: libevent's evhttp on bufferevent_openssl
 * connections, the routes of docs/brand-api.md, the limits of the config
 * (body and header size, timeout, connection count) and a clean stop. */

typedef struct _IrBranddServer IrBranddServer;

/* Binds the listening socket. @ctx and @issuer are borrowed. */
IrBranddServer *ir_brandd_server_new (struct event_base *base,
				      const IrBranddConfig *config,
				      SSL_CTX *ctx,
				      IrBranddIssuer *issuer,
				      GError **error);

/* Adds the witnessing and auditor routes (@witness borrowed). */
void ir_brandd_server_set_witness (IrBranddServer *self, IrBranddWitness *witness);

/* Checks every request's client certificate with @revocation (borrowed):
 * expiry and revocation, on open connections too. */
void ir_brandd_server_set_revocation (IrBranddServer *self, IrBranddRevocation *revocation);

/* The port actually bound (the kernel's choice for port 0). */
guint16 ir_brandd_server_get_port (IrBranddServer *self);

/* Stops accepting connections, lets the answers being sent go out (at most
 * @grace_ms), then breaks the event loop. */
void ir_brandd_server_stop (IrBranddServer *self, guint grace_ms);

/* Frees every connection, then the server. */
void ir_brandd_server_free (IrBranddServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddServer, ir_brandd_server_free)

G_END_DECLS
