/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-engine.h"

G_BEGIN_DECLS

/* One connected phone as the app shows it: its port, what identify found
 * (and whether it is eligible for a restore: ir_restore_eligible_check),
 * the operation in flight with its IrProgress, the plan waiting for the
 * technician's answer, and the last restore's result. Every operation is
 * the engine's (ir_engine_identify_async, ir_engine_restore_async, or a
 * child of ir_engine_restore_many_async); this object only holds what the
 * row and the step view show, and emits "changed" on the main context
 * whenever any of it changes. */
#define IR_TYPE_PHONE (ir_phone_get_type ())
G_DECLARE_FINAL_TYPE (IrPhone, ir_phone, IR, PHONE, GObject)

typedef enum {
	IR_PHONE_STATE_NEW,	   /* listed, not identified yet */
	IR_PHONE_STATE_BUSY,	   /* an operation in flight: see the progress */
	IR_PHONE_STATE_CONFIRM,	   /* a plan waits for the technician */
	IR_PHONE_STATE_IDENTIFIED, /* identified; eligible or not */
	IR_PHONE_STATE_DONE,	   /* a restore ended: see the result */
	IR_PHONE_STATE_FAILED,	   /* identify failed: see the error */
} IrPhoneState;

IrPhone *ir_phone_new (IrEngine *engine, const char *port);

const char *ir_phone_get_port (IrPhone *self);
IrPhoneState ir_phone_get_state (IrPhone *self);
/* NULL before identify (or after it failed). */
const IrDeviceInfo *ir_phone_get_info (IrPhone *self);
/* After identify: TRUE when a restore is needed and can be done. */
gboolean ir_phone_get_eligible (IrPhone *self);
/* Why not eligible when a restore is needed; NULL otherwise. */
const GError *ir_phone_get_ineligible_error (IrPhone *self);
/* What the rollout policy in force says of this phone after identify
 * (ir_engine_check_phone): NULL when no policy is cached (the
 * server decides alone) or the phone needs no restore. A phone the policy
 * refuses is not eligible, and a restore would stop before any token. */
const IrEligibility *ir_phone_get_rollout (IrPhone *self);
/* The same in the technician's words (ir_policy_text_eligibility()). */
const char *ir_phone_get_rollout_text (IrPhone *self);
/* The operation in flight (or the last one); NULL before any. */
IrProgress *ir_phone_get_progress (IrPhone *self);
/* The plan waiting for an answer (CONFIRM), else NULL. */
IrRestorePlan *ir_phone_get_plan (IrPhone *self);
/* The last restore's result (DONE), else NULL. */
const IrRestoreResult *ir_phone_get_result (IrPhone *self);
/* Why identify failed (FAILED), else NULL. */
const GError *ir_phone_get_error (IrPhone *self);
/* Whether a Cancel would still stop the operation before the phone is
 * written (the commit point is the durable INTENT record). */
gboolean ir_phone_can_cancel (IrPhone *self);
/* Whether a write to the phone is in flight ("do not unplug"). */
gboolean ir_phone_get_writing (IrPhone *self);

/* Operations (each ignored while another runs on this phone). */
void ir_phone_identify (IrPhone *self);
void ir_phone_restore (IrPhone *self);
/* The technician's answer to the plan: TRUE writes. */
void ir_phone_answer (IrPhone *self, gboolean write);
/* Stops the operation while that is safe (ir_phone_can_cancel()). */
void ir_phone_cancel (IrPhone *self);

/* A batch (ir_engine_restore_many_async) runs this phone's restore: its
 * child @progress, the batch's @cancellable; the batch's confirm hands
 * the plan over with ir_phone_set_plan() and its result comes back with
 * ir_phone_set_result(). */
void ir_phone_join_batch (IrPhone *self, IrProgress *progress, GCancellable *cancellable);
void ir_phone_set_plan (IrPhone *self, IrRestorePlan *plan);
void ir_phone_set_result (IrPhone *self, IrRestoreResult *result);

/* The confirm function the engine calls for a single phone or a batch:
 * @user_data is the IrWorkbench's lookup, see ir-workbench.c. */
void ir_phone_confirm_cb (IrEngine *engine, IrRestorePlan *plan, gpointer user_data);

G_END_DECLS
