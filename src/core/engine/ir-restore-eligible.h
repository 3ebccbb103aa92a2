/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-policy-cache.h"
#include "ir-session.h"

G_BEGIN_DECLS

/* Whether an identified phone needs a restore and can have one: the
 * diagnosis the restore flow makes before any token is asked for (a token
 * spends quota), shared with the front ends that list phones ("eligible"),
 * so that what a list promises and what a restore does never differ.
 *
 * TRUE: some slot holds the factory default, a known duplicate, a wrong
 * check digit or a malformed value, and the family can write it (a write
 * command, or a secure restore) with what the token binds (the serial of
 * a legacy phone). FALSE without @error: every slot is fine, nothing to do.
 * FALSE with IR_ERROR_NOT_SUPPORTED: a restore is needed but cannot be
 * done here (no write command, no serial, no slot or too many), the
 * message saying why. */
gboolean ir_restore_eligible_check (const IrDeviceInfo *info, GError **error);

/* Whether a slot holding @status needs restoring. */
gboolean ir_restore_eligible_status_needs_restore (IrImeiStatus status);

/* Whether the phone itself verifies the token (a secure family). */
gboolean ir_restore_eligible_family_verifies (const IrFamily *family);

/* The TAC the phone shows in its first slot, when it shows a real one
 * (8 digits, not a wiped phone's zeros: then only the server, which knows
 * the original IMEI, can check the TAC); NULL otherwise. */
const char *ir_restore_eligible_shown_tac (const IrDeviceInfo *info, char tac[9]);

/* What the cached rollout @policy says of @info at @now for a technician
 * of @centre (its TAC as shown, its model); NULL when no policy is cached
 * (the server decides alone). */
IrEligibility *ir_restore_eligible_rollout (const IrPolicyCache *policy,
					    const IrDeviceInfo *info,
					    const char *centre,
					    GDateTime *now);

/* Everything a front end says of an identified phone before anyone
 * starts a restore, decided once, here: whether it needs one, whether
 * this workstation can do it, and what the rollout policy says. The app's
 * phone list and imeictl identify show it; a restore makes the same two
 * checks before it asks for a token. */
typedef struct {
	gboolean needed;	/* some slot needs restoring */
	GError *cannot;		/* needed, but not possible here: why */
	IrEligibility *rollout; /* needed and possible, and a policy is cached */
} IrRestoreEligibleVerdict;

void ir_restore_eligible_verdict_free (IrRestoreEligibleVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrRestoreEligibleVerdict, ir_restore_eligible_verdict_free)

/* @policy may be NULL (no rollout section); @centre is this technician's. */
IrRestoreEligibleVerdict *ir_restore_eligible_verdict (const IrDeviceInfo *info,
						       const IrPolicyCache *policy,
						       const char *centre,
						       GDateTime *now);

/* TRUE when the phone needs a restore, can have one here, and no cached
 * policy refuses it: what the list promises and the restore does. */
gboolean ir_restore_eligible_verdict_allows (const IrRestoreEligibleVerdict *verdict);

G_END_DECLS
