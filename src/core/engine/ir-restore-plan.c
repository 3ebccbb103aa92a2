/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-restore-plan-private.h"

/* The plan is shown on the front end's context and answered whenever the
 * technician decides, while the restore's worker thread waits on a
 * condition: the answer and a cancel both wake it. */

struct _IrRestorePlan {
	GObject parent_instance;
	char *port;
	char *manufacturer;
	char *model;
	char *serial;
	char *family_id;
	char *family_title;
	gboolean device_verifies;
	GPtrArray *slots; /* IrRestoreSlot */
	char *token_id;
	char *token_expires;
	char *phase;
	char *centre;
	GMutex lock;
	GCond cond;
	gboolean answered;
	gboolean write;
	GError *answer_error; /* could not ask */
	gboolean cancelled;
};

G_DEFINE_TYPE (IrRestorePlan, ir_restore_plan, G_TYPE_OBJECT)

static void
ir_restore_plan_slot_free (IrRestoreSlot *slot)
{
	g_free (slot->before);
	g_free (slot->target);
	g_free (slot->after);
	g_free (slot);
}

static void
ir_restore_plan_finalize (GObject *object)
{
	IrRestorePlan *self = IR_RESTORE_PLAN (object);

	g_free (self->port);
	g_free (self->manufacturer);
	g_free (self->model);
	g_free (self->serial);
	g_free (self->family_id);
	g_free (self->family_title);
	g_ptr_array_unref (self->slots);
	g_free (self->token_id);
	g_free (self->token_expires);
	g_free (self->phase);
	g_free (self->centre);
	g_clear_error (&self->answer_error);
	g_mutex_clear (&self->lock);
	g_cond_clear (&self->cond);
	G_OBJECT_CLASS (ir_restore_plan_parent_class)->finalize (object);
}

static void
ir_restore_plan_class_init (IrRestorePlanClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = ir_restore_plan_finalize;
}

static void
ir_restore_plan_init (IrRestorePlan *self)
{
	self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_restore_plan_slot_free);
	g_mutex_init (&self->lock);
	g_cond_init (&self->cond);
}

IrRestorePlan *
ir_restore_plan_new (const IrRestoreResult *r)
{
	IrRestorePlan *self = g_object_new (IR_TYPE_RESTORE_PLAN, NULL);

	self->port = g_strdup (r->port);
	if (r->info != NULL) {
		self->manufacturer = g_strdup (r->info->manufacturer);
		self->model = g_strdup (r->info->model);
		self->serial = g_strdup (r->info->serial);
		if (r->info->family != NULL) {
			self->family_id = g_strdup (r->info->family->id);
			self->family_title = g_strdup (r->info->family->title);
		}
	}
	self->device_verifies = r->device_verifies;
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *from = g_ptr_array_index (r->slots, i);
		IrRestoreSlot *slot = g_new0 (IrRestoreSlot, 1);
		slot->index = from->index;
		slot->before = g_strdup (from->before);
		slot->status = from->status;
		slot->target = g_strdup (from->target);
		g_ptr_array_add (self->slots, slot);
	}
	self->token_id = g_strdup (r->token_id);
	self->token_expires = g_strdup (r->token_expires);
	self->phase = g_strdup (r->phase);
	self->centre = g_strdup (r->centre);
	return self;
}

const char *
ir_restore_plan_get_port (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->port;
}

const char *
ir_restore_plan_get_manufacturer (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->manufacturer;
}

const char *
ir_restore_plan_get_model (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->model;
}

const char *
ir_restore_plan_get_serial (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->serial;
}

const char *
ir_restore_plan_get_family_id (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->family_id;
}

const char *
ir_restore_plan_get_family_title (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->family_title;
}

gboolean
ir_restore_plan_get_device_verifies (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), FALSE);
	return self->device_verifies;
}

GPtrArray *
ir_restore_plan_get_slots (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->slots;
}

const char *
ir_restore_plan_get_token_id (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->token_id;
}

const char *
ir_restore_plan_get_token_expires (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->token_expires;
}

const char *
ir_restore_plan_get_phase (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->phase;
}

const char *
ir_restore_plan_get_centre (IrRestorePlan *self)
{
	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), NULL);
	return self->centre;
}

void
ir_restore_plan_answer (IrRestorePlan *self, gboolean write)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_if_fail (IR_IS_RESTORE_PLAN (self));
	locker = g_mutex_locker_new (&self->lock);
	if (self->answered)
		return;
	self->answered = TRUE;
	self->write = write;
	g_cond_broadcast (&self->cond);
}

void
ir_restore_plan_answer_error (IrRestorePlan *self, const GError *error)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_if_fail (IR_IS_RESTORE_PLAN (self));
	g_return_if_fail (error != NULL);
	locker = g_mutex_locker_new (&self->lock);
	if (self->answered)
		return;
	self->answered = TRUE;
	self->write = FALSE;
	self->answer_error = g_error_copy (error);
	g_cond_broadcast (&self->cond);
}

gboolean
ir_restore_plan_is_answered (IrRestorePlan *self)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_RESTORE_PLAN (self), FALSE);
	locker = g_mutex_locker_new (&self->lock);
	return self->answered;
}

static void
ir_restore_plan_cancelled (GCancellable *cancellable, gpointer user_data)
{
	IrRestorePlan *self = user_data;
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

	self->cancelled = TRUE;
	g_cond_broadcast (&self->cond);
}

gboolean
ir_restore_plan_wait (IrRestorePlan *self, GCancellable *cancellable, GError **error)
{
	gulong handler = 0;
	gboolean answered, write;
	g_autoptr (GError) answer_error = NULL;

	/* connect outside the lock: an already cancelled cancellable calls
	 * the handler right here */
	if (cancellable != NULL)
		handler = g_cancellable_connect (
		    cancellable, G_CALLBACK (ir_restore_plan_cancelled), self, NULL);
	g_mutex_lock (&self->lock);
	while (!self->answered && !self->cancelled)
		g_cond_wait (&self->cond, &self->lock);
	/* a cancel wins over an answer that came with it: nothing written */
	answered = self->answered && !self->cancelled;
	write = self->write;
	if (self->answer_error != NULL)
		answer_error = g_error_copy (self->answer_error);
	g_mutex_unlock (&self->lock);
	if (cancellable != NULL)
		g_cancellable_disconnect (cancellable, handler);
	if (!answered) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_CANCELLED,
			     "the restore of %s was cancelled before the technician answered; "
			     "nothing written",
			     self->port);
		return FALSE;
	}
	if (answer_error != NULL) {
		g_propagate_error (error, g_steal_pointer (&answer_error));
		return FALSE;
	}
	return write;
}
