/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-phone.h"
#include "ir-policy-text.h"

struct _IrPhone {
	GObject parent_instance;

	IrEngine *engine;
	char *port;
	IrPhoneState state;
	IrDeviceInfo *info;
	gboolean eligible;
	GError *ineligible;
	IrEligibility *rollout;
	char *rollout_text; /* the technician's words for it */
	IrProgress *progress;
	gulong progress_id;
	IrRestorePlan *plan;
	IrRestoreResult *result;
	GError *error;
	GCancellable *cancellable; /* of the operation in flight */
};

G_DEFINE_TYPE (IrPhone, ir_phone, G_TYPE_OBJECT)

enum { IR_PHONE_SIGNAL_CHANGED, IR_PHONE_N_SIGNALS };
static guint ir_phone_signals[IR_PHONE_N_SIGNALS];

static void
ir_phone_emit_changed (IrPhone *self)
{
	g_signal_emit (self, ir_phone_signals[IR_PHONE_SIGNAL_CHANGED], 0);
}

static void
ir_phone_progress_changed (IrProgress *progress, gpointer user_data)
{
	ir_phone_emit_changed (IR_PHONE (user_data));
}

static void
ir_phone_set_progress (IrPhone *self, IrProgress *progress)
{
	if (self->progress != NULL)
		g_clear_signal_handler (&self->progress_id, self->progress);
	g_set_object (&self->progress, progress);
	if (progress != NULL)
		self->progress_id = g_signal_connect (
		    progress, "changed", G_CALLBACK (ir_phone_progress_changed), self);
}

/* A new operation: what the last one left is forgotten. */
static void
ir_phone_begin (IrPhone *self, IrProgress *progress, GCancellable *cancellable)
{
	self->state = IR_PHONE_STATE_BUSY;
	g_clear_pointer (&self->result, ir_restore_result_free);
	g_clear_error (&self->error);
	g_clear_object (&self->plan);
	g_set_object (&self->cancellable, cancellable);
	ir_phone_set_progress (self, progress);
	ir_phone_emit_changed (self);
}

/* The engine's decision, the one a restore makes before it asks for a
 * token, so that the list never promises what a restore would refuse. */
static void
ir_phone_check (IrPhone *self)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (IrRestoreEligibleVerdict) verdict =
	    ir_engine_check_phone (self->engine, self->info, now);
	IrPolicyCache *cache = ir_engine_get_policy_cache (self->engine);

	self->eligible = ir_restore_eligible_verdict_allows (verdict);
	self->ineligible = g_steal_pointer (&verdict->cannot);
	self->rollout = g_steal_pointer (&verdict->rollout);
	if (self->rollout != NULL)
		self->rollout_text =
		    ir_policy_text_eligibility (ir_policy_cache_get_policy (cache), self->rollout);
}

static void
ir_phone_identified (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (IrPhone) self = IR_PHONE (user_data);
	g_autoptr (GError) error = NULL;
	IrDeviceInfo *info = ir_engine_identify_finish (IR_ENGINE (source), res, &error);

	g_clear_object (&self->cancellable);
	g_clear_pointer (&self->info, ir_device_info_free);
	g_clear_error (&self->ineligible);
	g_clear_pointer (&self->rollout, ir_eligibility_free);
	g_clear_pointer (&self->rollout_text, g_free);
	if (info == NULL) {
		self->state = IR_PHONE_STATE_FAILED;
		self->error = g_steal_pointer (&error);
	} else {
		self->info = info;
		ir_phone_check (self);
		self->state = IR_PHONE_STATE_IDENTIFIED;
	}
	ir_phone_emit_changed (self);
}

void
ir_phone_identify (IrPhone *self)
{
	g_autoptr (IrProgress) progress = ir_progress_new ();
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();

	if (self->state == IR_PHONE_STATE_BUSY || self->state == IR_PHONE_STATE_CONFIRM)
		return;
	ir_phone_begin (self, progress, cancellable);
	ir_engine_identify_async (self->engine,
				  self->port,
				  progress,
				  cancellable,
				  ir_phone_identified,
				  g_object_ref (self));
}

void
ir_phone_set_result (IrPhone *self, IrRestoreResult *result)
{
	g_clear_object (&self->cancellable);
	g_clear_object (&self->plan);
	g_clear_pointer (&self->result, ir_restore_result_free);
	self->result = result;
	self->state = IR_PHONE_STATE_DONE;
	/* what the phone holds now, for the row */
	if (result->info != NULL && result->outcome == IR_RESTORE_RESTORED)
		self->eligible = FALSE;
	ir_phone_emit_changed (self);
}

static void
ir_phone_restored (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (IrPhone) self = IR_PHONE (user_data);
	g_autoptr (GError) error = NULL;
	IrRestoreResult *result = ir_engine_restore_finish (IR_ENGINE (source), res, &error);

	if (result == NULL) {
		/* only when the engine is not open for restores: a bug of ours */
		g_clear_object (&self->cancellable);
		self->state = IR_PHONE_STATE_FAILED;
		self->error = g_steal_pointer (&error);
		ir_phone_emit_changed (self);
		return;
	}
	ir_phone_set_result (self, result);
}

void
ir_phone_restore (IrPhone *self)
{
	g_autoptr (IrProgress) progress = ir_progress_new ();
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();

	if (self->state == IR_PHONE_STATE_BUSY || self->state == IR_PHONE_STATE_CONFIRM)
		return;
	ir_phone_begin (self, progress, cancellable);
	ir_engine_restore_async (self->engine,
				 self->port,
				 progress,
				 ir_phone_confirm_cb,
				 self,
				 cancellable,
				 ir_phone_restored,
				 g_object_ref (self));
}

void
ir_phone_join_batch (IrPhone *self, IrProgress *progress, GCancellable *cancellable)
{
	ir_phone_begin (self, progress, cancellable);
}

void
ir_phone_set_plan (IrPhone *self, IrRestorePlan *plan)
{
	g_set_object (&self->plan, plan);
	self->state = IR_PHONE_STATE_CONFIRM;
	ir_phone_emit_changed (self);
}

void
ir_phone_confirm_cb (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	ir_phone_set_plan (IR_PHONE (user_data), plan);
}

void
ir_phone_answer (IrPhone *self, gboolean write)
{
	g_autoptr (IrRestorePlan) plan = g_steal_pointer (&self->plan);

	if (plan == NULL)
		return;
	self->state = IR_PHONE_STATE_BUSY;
	ir_restore_plan_answer (plan, write);
	ir_phone_emit_changed (self);
}

gboolean
ir_phone_can_cancel (IrPhone *self)
{
	if (self->state == IR_PHONE_STATE_CONFIRM)
		return TRUE;
	if (self->state != IR_PHONE_STATE_BUSY || self->cancellable == NULL)
		return FALSE;
	return self->progress == NULL ||
	       ir_progress_get_stage (self->progress) < IR_RESTORE_STAGE_INTENT;
}

void
ir_phone_cancel (IrPhone *self)
{
	if (!ir_phone_can_cancel (self))
		return;
	/* at the plan, a decline is this phone's cancel even inside a batch */
	if (self->plan != NULL) {
		ir_phone_answer (self, FALSE);
		return;
	}
	g_cancellable_cancel (self->cancellable);
}

gboolean
ir_phone_get_writing (IrPhone *self)
{
	return self->state == IR_PHONE_STATE_BUSY && self->progress != NULL &&
	       ir_progress_get_write_in_flight (self->progress);
}

const char *
ir_phone_get_port (IrPhone *self)
{
	return self->port;
}

IrPhoneState
ir_phone_get_state (IrPhone *self)
{
	return self->state;
}

const IrDeviceInfo *
ir_phone_get_info (IrPhone *self)
{
	return self->info;
}

gboolean
ir_phone_get_eligible (IrPhone *self)
{
	return self->eligible;
}

const GError *
ir_phone_get_ineligible_error (IrPhone *self)
{
	return self->ineligible;
}

const IrEligibility *
ir_phone_get_rollout (IrPhone *self)
{
	return self->rollout;
}

const char *
ir_phone_get_rollout_text (IrPhone *self)
{
	return self->rollout_text;
}

IrProgress *
ir_phone_get_progress (IrPhone *self)
{
	return self->progress;
}

IrRestorePlan *
ir_phone_get_plan (IrPhone *self)
{
	return self->plan;
}

const IrRestoreResult *
ir_phone_get_result (IrPhone *self)
{
	return self->result;
}

const GError *
ir_phone_get_error (IrPhone *self)
{
	return self->error;
}

static void
ir_phone_dispose (GObject *object)
{
	IrPhone *self = IR_PHONE (object);

	/* a plan must be answered: gone phone, no write */
	if (self->plan != NULL)
		ir_restore_plan_answer (self->plan, FALSE);
	g_clear_object (&self->plan);
	ir_phone_set_progress (self, NULL);
	g_clear_object (&self->cancellable);
	g_clear_object (&self->engine);
	G_OBJECT_CLASS (ir_phone_parent_class)->dispose (object);
}

static void
ir_phone_finalize (GObject *object)
{
	IrPhone *self = IR_PHONE (object);

	g_free (self->port);
	g_clear_pointer (&self->info, ir_device_info_free);
	g_clear_pointer (&self->result, ir_restore_result_free);
	g_clear_error (&self->error);
	g_clear_error (&self->ineligible);
	g_clear_pointer (&self->rollout, ir_eligibility_free);
	g_free (self->rollout_text);
	G_OBJECT_CLASS (ir_phone_parent_class)->finalize (object);
}

static void
ir_phone_class_init (IrPhoneClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = ir_phone_dispose;
	object_class->finalize = ir_phone_finalize;
	ir_phone_signals[IR_PHONE_SIGNAL_CHANGED] = g_signal_new ("changed",
								  G_TYPE_FROM_CLASS (klass),
								  G_SIGNAL_RUN_LAST,
								  0,
								  NULL,
								  NULL,
								  NULL,
								  G_TYPE_NONE,
								  0);
}

static void
ir_phone_init (IrPhone *self)
{
}

IrPhone *
ir_phone_new (IrEngine *engine, const char *port)
{
	IrPhone *self = g_object_new (IR_TYPE_PHONE, NULL);

	self->engine = g_object_ref (engine);
	self->port = g_strdup (port);
	return self;
}
