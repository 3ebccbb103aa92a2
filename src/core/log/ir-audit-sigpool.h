/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

#include "ir-checkpoint.h"

G_BEGIN_DECLS

/* Checkpoint signatures checked on every core (imeictl audit verify
 * --all-signatures). The verifier walks the log in order and decides, for
 * each note, which key must have signed it (rotations included); the pool
 * only verifies, in batches on a GThreadPool, and reports the first
 * failure in log order: the same answer as checking them one by one.
 * Batches in flight are bounded, so memory does not grow with the log. */

typedef struct _IrAuditSigpool IrAuditSigpool;

IrAuditSigpool *ir_audit_sigpool_new (void);

/* Queues @cp (what the signature covers is copied) to be verified as
 * signed by (@key_name, @key); the other arguments say what to report if
 * it is not. */
void ir_audit_sigpool_push (IrAuditSigpool *self,
			    const IrCheckpoint *cp,
			    guint64 number,
			    guint64 line,
			    const char *key_name,
			    EVP_PKEY *key);

/* Waits for every queued check. TRUE when all verified; otherwise the
 * failure with the lowest @number: its @number, @line and why (@error). */
gboolean
ir_audit_sigpool_finish (IrAuditSigpool *self, guint64 *number, guint64 *line, GError **error);

void ir_audit_sigpool_free (IrAuditSigpool *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditSigpool, ir_audit_sigpool_free)

G_END_DECLS
