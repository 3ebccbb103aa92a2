/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-brandd-config.h"
#include "ir-brandd-issue.h"
#include "ir-brandd-store.h"
#include "ir-brandd-tls.h"

G_BEGIN_DECLS

/* The server as witness of the workstations' migration logs
 * (docs/brand-api.md, "Witnessing"; DESIGN.md §5): it checks and stores
 * each upload of new records with their checkpoint, cosigns the
 * checkpoint, refuses tokens to a workstation whose log forked or shrank
 * against what it witnessed, and shows auditors what it holds. Independent
 * of HTTP, like ir-brandd-issue.h. */

typedef struct _IrBranddWitness IrBranddWitness;

/* Loads [witness] key (optional: without it, uploads are refused with
 * witness_disabled while token requests are still checked against what
 * was witnessed before). @store is borrowed. */
IrBranddWitness *
ir_brandd_witness_new (const IrBranddConfig *config, IrBranddStore *store, GError **error);
void ir_brandd_witness_free (IrBranddWitness *self);

/* POST /v1/witness (technician). @now in Unix seconds. */
JsonNode *ir_brandd_witness_upload (IrBranddWitness *self,
				    const IrBranddPeer *peer,
				    const char *body,
				    gsize len,
				    gint64 now,
				    IrBranddAnswer *answer);

/* The log members of a POST /v1/tokens body ("checkpoint", "consistency",
 * "witnessed_size", "public_key"): TRUE when the workstation's log is
 * consistent with what was witnessed. A certificate is bound to one
 * origin, by its uploads or by its first contact: a checkpoint of another
 * origin is refused (origin_not_bound). An origin never witnessed is only
 * accepted at the first contact of a certificate that is bound to none:
 * under its centre, with the workstation's public key, whose signature on
 * the checkpoint must verify; the contact is recorded (@now). */
gboolean ir_brandd_witness_check_token (IrBranddWitness *self,
					const IrBranddPeer *peer,
					JsonObject *root,
					gint64 now,
					IrBranddAnswer *answer);

/* GET /v1/workstations (auditor). */
JsonNode *ir_brandd_witness_audit_list (IrBranddWitness *self,
					const IrBranddPeer *peer,
					IrBranddAnswer *answer);

/* GET /v1/workstations/ORIGIN/records?start=&end= (auditor); @origin
 * already percent-decoded, @query may be NULL. */
JsonNode *ir_brandd_witness_audit_records (IrBranddWitness *self,
					   const IrBranddPeer *peer,
					   const char *origin,
					   const char *query,
					   IrBranddAnswer *answer);

#define IR_BRANDD_WITNESS_MAX_RECORDS_PAGE 1000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddWitness, ir_brandd_witness_free)

G_END_DECLS
