/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-restore.h"

G_BEGIN_DECLS

/* What a restore is about to write, shown to the technician before
 * anything is written, and the technician's answer (DESIGN.md §4: the
 * confirmation is an explicit step; nothing proceeds on its own).
 *
 * The engine makes one when the token has been verified and the phone
 * is about to be written: it holds the phone, every slot before → after
 * (the target; NULL for a slot left alone), the token and its expiry.
 * The front end gets it in its IrEngineConfirmFunc, on its own main
 * context, and answers with ir_restore_plan_answer() at any later time
 * (a GTK dialog answers when the technician clicks), from any thread.
 * Until the answer, the restore waits; cancelling the operation's
 * GCancellable while it waits stops it with nothing written. A plan
 * that is never answered (and whose operation is never cancelled) keeps
 * its restore waiting: a front end must answer every plan it is given.
 *
 * Everything here is a copy: the plan stays valid after the restore
 * ended, and the getters may be called from any thread. */

#define IR_TYPE_RESTORE_PLAN (ir_restore_plan_get_type ())
G_DECLARE_FINAL_TYPE (IrRestorePlan, ir_restore_plan, IR, RESTORE_PLAN, GObject)

const char *ir_restore_plan_get_port (IrRestorePlan *self);
const char *ir_restore_plan_get_manufacturer (IrRestorePlan *self);
const char *ir_restore_plan_get_model (IrRestorePlan *self);
/* NULL when the phone has none */
const char *ir_restore_plan_get_serial (IrRestorePlan *self);
/* the protocol family's id ("mediatek") and title ("MediaTek") */
const char *ir_restore_plan_get_family_id (IrRestorePlan *self);
const char *ir_restore_plan_get_family_title (IrRestorePlan *self);
/* TRUE: the phone verifies the token itself (secure families); FALSE:
 * only this workstation did (legacy families), say so. */
gboolean ir_restore_plan_get_device_verifies (IrRestorePlan *self);

/* IrRestoreSlot in slot order: before (as read), status (of before),
 * target (what will be written; NULL: left alone); after is NULL. */
GPtrArray *ir_restore_plan_get_slots (IrRestorePlan *self);

const char *ir_restore_plan_get_token_id (IrRestorePlan *self);
/* RFC 3339 UTC as the server gave it; NULL when unknown. The phone (or
 * this workstation) refuses the token after it: answer before. */
const char *ir_restore_plan_get_token_expires (IrRestorePlan *self);
const char *ir_restore_plan_get_phase (IrRestorePlan *self);
const char *ir_restore_plan_get_centre (IrRestorePlan *self);

/* The technician's answer: TRUE writes, FALSE declines (the restore ends
 * DECLINED, the token is reported "aborted", nothing written). Only the
 * first answer counts; later ones are ignored. Thread-safe. */
void ir_restore_plan_answer (IrRestorePlan *self, gboolean write);
/* The front end could not ask (no terminal, end of input, the dialog
 * could not be shown): the restore ends NOT_STARTED at CONFIRM with
 * @error (copied), nothing written, the token reported "aborted". Counts
 * as the answer. */
void ir_restore_plan_answer_error (IrRestorePlan *self, const GError *error);
gboolean ir_restore_plan_is_answered (IrRestorePlan *self);

G_END_DECLS
