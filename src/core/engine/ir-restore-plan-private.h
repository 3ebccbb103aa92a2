/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-restore-plan.h"

G_BEGIN_DECLS

/* The engine's side of IrRestorePlan. */

/* A copy of what @result says will be written (after the token was
 * verified). */
IrRestorePlan *ir_restore_plan_new (const IrRestoreResult *result);

/* On the restore's worker thread: waits for the answer. TRUE: write.
 * FALSE without @error: declined. FALSE with @error: @cancellable was
 * cancelled first (IR_ERROR_CANCELLED), or the front end could not ask
 * (ir_restore_plan_answer_error()). */
gboolean ir_restore_plan_wait (IrRestorePlan *self, GCancellable *cancellable, GError **error);

G_END_DECLS
