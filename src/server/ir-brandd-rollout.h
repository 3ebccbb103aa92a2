/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <openssl/evp.h>

#include "ir-brandd-config.h"
#include "ir-brandd-rollout-store.h"
#include "ir-brandd-store.h"
#include "ir-eligibility.h"

G_BEGIN_DECLS

/* The server's side of the phased rollout (docs/rollout-policy.md): the
 * current signed policy, read from the database and parsed again only
 * when its version changes (so that a `policy publish` or `policy pause`
 * by another process takes effect on the next request); who is eligible;
 * and the claim that ir_brandd_store_record_token() checks and counts
 * atomically with the token. */

typedef struct _IrBranddRollout IrBranddRollout;

/* @store is borrowed. With [policy] public-key set, every policy read from
 * the database is verified with it again. */
IrBranddRollout *
ir_brandd_rollout_new (const IrBranddConfig *config, IrBranddStore *store, GError **error);
void ir_brandd_rollout_free (IrBranddRollout *self);

/* The current policy (owned by @self, valid until the next call), or
 * NULL in *policy when none was published. */
gboolean ir_brandd_rollout_current (IrBranddRollout *self, const IrPolicy **policy, GError **error);

typedef struct {
	gboolean applies; /* FALSE: no policy published, tokens as before */
	IrBranddRolloutClaim claim;
	char *day;
	char *phase;
	char *circle;
	IrEligibility *refusal; /* not NULL: refused, with the reason */
} IrBranddRolloutDecision;

void ir_brandd_rollout_decision_clear (IrBranddRolloutDecision *decision);

/* Decides for a registered phone (TAC and model from the registry) asked
 * for by @centre at @now: refused with the reason, or a claim to record
 * with the token. */
gboolean ir_brandd_rollout_decide (IrBranddRollout *self,
				   const char *centre,
				   const char *tac,
				   const char *model,
				   GDateTime *now,
				   IrBranddRolloutDecision *decision,
				   GError **error);

/* After the store refused the claim: the reason, as a sentence. */
IrEligibility *ir_brandd_rollout_claim_refusal (IrBranddRollout *self,
						const IrBranddRolloutDecision *decision,
						const char *centre,
						GDateTime *now);

/* GET /v1/policy: the signed note, the paused phases and @centre's usage
 * of each phase today; NULL in *answer when no policy was published. */
gboolean ir_brandd_rollout_answer (
    IrBranddRollout *self, const char *centre, GDateTime *now, JsonNode **answer, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddRollout, ir_brandd_rollout_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBranddRolloutDecision, ir_brandd_rollout_decision_clear)

G_END_DECLS
