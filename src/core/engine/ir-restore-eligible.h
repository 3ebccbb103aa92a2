/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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

G_END_DECLS
