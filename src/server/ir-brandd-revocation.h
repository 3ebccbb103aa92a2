/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-config.h"
#include "ir-brandd-issue.h"
#include "ir-brandd-store.h"
#include "ir-brandd-tls.h"

G_BEGIN_DECLS

/* The client certificate checked at every request, not only at the
 * handshake (issue 7), so that a connection kept open does not outlive its
 * certificate: its validity period against the clock
 * (certificate_expired), the store's revoked_certificates that `imei-brandd
 * cert revoke` fills while the server runs, and [tls] crl as read at
 * start (certificate_revoked). */

typedef struct _IrBranddRevocation IrBranddRevocation;

/* Reads [tls] crl when set. @store is borrowed. */
IrBranddRevocation *
ir_brandd_revocation_new (const IrBranddConfig *config, IrBranddStore *store, GError **error);
void ir_brandd_revocation_free (IrBranddRevocation *self);

/* FALSE with @answer set when @peer may not be served at @now. */
gboolean ir_brandd_revocation_check (IrBranddRevocation *self,
				     const IrBranddPeer *peer,
				     gint64 now,
				     IrBranddAnswer *answer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddRevocation, ir_brandd_revocation_free)

G_END_DECLS
