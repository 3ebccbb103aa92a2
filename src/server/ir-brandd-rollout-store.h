/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-brandd-store.h"

G_BEGIN_DECLS

/* The phased rollout's tables (ir-brandd-schema-4.sql): published
 * policies, the kill switch, the per-phase per-day counters and the phase
 * of each token. Store access only: what the rows mean is decided in
 * ir-brandd-rollout.c. */

typedef enum {
	IR_BRANDD_CLAIM_OK,
	IR_BRANDD_CLAIM_PAUSED,
	IR_BRANDD_CLAIM_CENTRE_CAP,
	IR_BRANDD_CLAIM_NATIONAL_CAP,
	IR_BRANDD_CLAIM_POLICY_CHANGED,
} IrBranddClaimResult;

/* One token's place in the rollout, checked and counted inside the
 * transaction that records the token (ir_brandd_store_record_token). */
struct _IrBranddRolloutClaim {
	/* in */
	const char *phase;
	gint64 policy_version;
	const char *day; /* local day in the policy's zone */
	const char *circle;
	guint centre_cap;
	guint national_cap;
	/* out */
	IrBranddClaimResult result;
};

/* Inside a write transaction: is the policy still the current one, the
 * phase not paused, both of today's counters under their caps? */
gboolean ir_brandd_rollout_store_check (IrBranddStore *store,
					const char *centre,
					IrBranddRolloutClaim *claim,
					GError **error);

/* Inside the same transaction, after the token row: raises both counters
 * and records the token's phase. */
gboolean ir_brandd_rollout_store_record (IrBranddStore *store,
					 GBytes *cti,
					 const char *centre,
					 const IrBranddRolloutClaim *claim,
					 GError **error);

/* In one transaction: installs @note as @version when it is above every
 * version published; otherwise *current says the highest and nothing is
 * written. */
gboolean ir_brandd_rollout_store_publish (IrBranddStore *store,
					  gint64 version,
					  const char *note,
					  gint64 now,
					  gint64 *current,
					  gboolean *installed,
					  GError **error);

/* The current policy: *version 0 and *note NULL when none was published.
 * @note may be NULL to read the version only. */
gboolean ir_brandd_rollout_store_current (IrBranddStore *store,
					  gint64 *version,
					  char **note,
					  GError **error);

/* The phases the kill switch stopped, sorted. */
gboolean ir_brandd_rollout_store_paused (IrBranddStore *store, char ***phases, GError **error);

gboolean ir_brandd_rollout_store_set_paused (
    IrBranddStore *store, const char *phase, gboolean paused, gint64 now, GError **error);

/* Tokens of @phase on @day by @centre (NULL: national). */
gboolean ir_brandd_rollout_store_issued (IrBranddStore *store,
					 const char *phase,
					 const char *day,
					 const char *centre,
					 guint *issued,
					 GError **error);

G_END_DECLS
