/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-eligibility.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* The workstation's copy of the brand's rollout policy
 * (docs/rollout-policy.md): the last good signed policy the server
 * served (GET /v1/policy), verified against the policy key pinned in the
 * trust store, with the phases the server paused and this centre's usage
 * of today, kept in STATE_DIR/rollout-policy.json. A policy older than the
 * cached one, an expired one, one that does not verify, or the same
 * version with other content are refused, and the cache keeps what it
 * had. Front ends ask ir_policy_cache_check() whether a phone is eligible
 * before the technician starts. */

#define IR_POLICY_CACHE_FILE "rollout-policy.json"

typedef struct _IrPolicyCache IrPolicyCache;

/* @trust is referenced. Nothing is read yet. */
IrPolicyCache *ir_policy_cache_new (const char *state_dir, IrTrustStore *trust);
void ir_policy_cache_free (IrPolicyCache *self);

/* Reads and verifies the cached copy; no file is no policy (TRUE). A
 * cached copy that does not verify is IR_ERROR_TAMPERED. */
gboolean ir_policy_cache_load (IrPolicyCache *self, GError **error);

/* Takes a GET /v1/policy answer: verified, not older, not expired at
 * @now; then written (atomically) and kept. */
gboolean
ir_policy_cache_update (IrPolicyCache *self, JsonObject *answer, GDateTime *now, GError **error);

/* The cached policy, or NULL when there is none. */
const IrPolicy *ir_policy_cache_get_policy (const IrPolicyCache *self);

/* Phases the server's kill switch stopped when the policy was fetched. */
const char *const *ir_policy_cache_get_paused (const IrPolicyCache *self);

/* When the cached copy was fetched from the server (NULL: none). */
GDateTime *ir_policy_cache_get_fetched (const IrPolicyCache *self);

/* Eligibility of @phone at @now under the cached policy, with the
 * server's kill switch and today's usage (when fetched today); NULL when
 * no policy is cached (the server decides alone). */
IrEligibility *
ir_policy_cache_check (const IrPolicyCache *self, const IrPolicyPhone *phone, GDateTime *now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPolicyCache, ir_policy_cache_free)

G_END_DECLS
