/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-progress-private.h"

/* Updates from worker threads go through one queue per tree of progress
 * objects (a batch and its phones), drained by one idle source on the
 * caller's context: so "child-added" always comes before the child's
 * first update, and the confirmation question after the stage that
 * announces it, whatever thread queued them. */

typedef enum {
	IR_PROGRESS_ITEM_UPDATE,
	IR_PROGRESS_ITEM_CHILD,
	IR_PROGRESS_ITEM_CALL,
} IrProgressItemKind;

typedef struct {
	IrProgressItemKind kind;
	IrProgress *target;
	IrRestoreStage stage;
	char *message;
	IrProgress *child;
	GSourceFunc func;
	gpointer data;
	GDestroyNotify destroy;
} IrProgressItem;

typedef struct {
	gatomicrefcount ref;
	GMutex lock;
	GQueue items;
	GMainContext *context;
	GSource *source; /* the idle that drains, while one is attached */
} IrProgressQueue;

struct _IrProgress {
	GObject parent_instance;
	IrProgressQueue *queue;
	IrProgress *parent; /* not a reference: the parent holds its children */
	GPtrArray *children;
	char *port;
	IrRestoreStage stage;
	char *message;
	gint percentage;
	gboolean write_in_flight;
};

G_DEFINE_TYPE (IrProgress, ir_progress, G_TYPE_OBJECT)

/* how far a restore is at the start of each stage: the flow's steps, by
 * rough share of a restore's time on a real phone */
static gint
ir_progress_stage_percentage (IrRestoreStage stage)
{
	static const gint percentages[] = {
	    [IR_RESTORE_STAGE_OPEN] = 0,
	    [IR_RESTORE_STAGE_RECOVER] = 2,
	    [IR_RESTORE_STAGE_IDENTIFY] = 5,
	    [IR_RESTORE_STAGE_DIAGNOSE] = 15,
	    [IR_RESTORE_STAGE_CHALLENGE] = 20,
	    [IR_RESTORE_STAGE_TOKEN] = 25,
	    [IR_RESTORE_STAGE_VERIFY] = 40,
	    [IR_RESTORE_STAGE_CONFIRM] = 50,
	    [IR_RESTORE_STAGE_INTENT] = 55,
	    [IR_RESTORE_STAGE_WRITE] = 60,
	    [IR_RESTORE_STAGE_READ_BACK] = 80,
	    [IR_RESTORE_STAGE_REPORT] = 90,
	    [IR_RESTORE_STAGE_DONE] = 100,
	};
	G_STATIC_ASSERT (G_N_ELEMENTS (percentages) == IR_RESTORE_STAGE_DONE + 1);
	return (guint)stage < G_N_ELEMENTS (percentages) ? percentages[stage] : -1;
}

static IrProgressQueue *
ir_progress_queue_new (void)
{
	IrProgressQueue *q = g_new0 (IrProgressQueue, 1);

	g_atomic_ref_count_init (&q->ref);
	g_mutex_init (&q->lock);
	g_queue_init (&q->items);
	q->context = g_main_context_ref_thread_default ();
	return q;
}

static IrProgressQueue *
ir_progress_queue_ref (IrProgressQueue *q)
{
	g_atomic_ref_count_inc (&q->ref);
	return q;
}

static void
ir_progress_item_free (IrProgressItem *item)
{
	g_clear_object (&item->target);
	g_clear_object (&item->child);
	g_free (item->message);
	if (item->destroy != NULL)
		item->destroy (item->data);
	g_free (item);
}

static void
ir_progress_queue_unref (IrProgressQueue *q)
{
	if (!g_atomic_ref_count_dec (&q->ref))
		return;
	g_queue_clear_full (&q->items, (GDestroyNotify)ir_progress_item_free);
	g_main_context_unref (q->context);
	g_mutex_clear (&q->lock);
	g_free (q);
}

static void
ir_progress_recompute_parent (IrProgress *parent)
{
	gint sum = 0;

	if (parent->children->len == 0)
		return;
	for (guint i = 0; i < parent->children->len; i++) {
		IrProgress *child = g_ptr_array_index (parent->children, i);
		sum += MAX (child->percentage, 0);
	}
	parent->percentage = MAX (parent->percentage, sum / (gint)parent->children->len);
	g_signal_emit_by_name (parent, "changed");
}

static void
ir_progress_apply_update (IrProgress *self, IrProgressItem *item)
{
	self->stage = item->stage;
	g_free (self->message);
	self->message = g_steal_pointer (&item->message);
	self->percentage = MAX (self->percentage, ir_progress_stage_percentage (item->stage));
	self->write_in_flight =
	    item->stage == IR_RESTORE_STAGE_WRITE || item->stage == IR_RESTORE_STAGE_READ_BACK;
	g_signal_emit_by_name (self, "changed");
	if (self->parent != NULL)
		ir_progress_recompute_parent (self->parent);
}

static void
ir_progress_apply (IrProgressItem *item)
{
	switch (item->kind) {
	case IR_PROGRESS_ITEM_UPDATE:
		ir_progress_apply_update (item->target, item);
		break;
	case IR_PROGRESS_ITEM_CHILD:
		g_ptr_array_add (item->target->children, g_object_ref (item->child));
		g_signal_emit_by_name (item->target, "child-added", item->child);
		break;
	case IR_PROGRESS_ITEM_CALL:
		item->func (item->data);
		break;
	default:
		g_assert_not_reached ();
	}
}

/* Takes what is queued now, in order, and applies it. */
static void
ir_progress_queue_drain (IrProgressQueue *q)
{
	GQueue items = G_QUEUE_INIT;

	g_mutex_lock (&q->lock);
	items = q->items;
	g_queue_init (&q->items);
	if (q->source != NULL && q->source == g_main_current_source ())
		g_clear_pointer (&q->source, g_source_unref);
	g_mutex_unlock (&q->lock);
	for (GList *l = items.head; l != NULL; l = l->next)
		ir_progress_apply (l->data);
	g_queue_clear_full (&items, (GDestroyNotify)ir_progress_item_free);
}

static gboolean
ir_progress_queue_idle (gpointer user_data)
{
	ir_progress_queue_drain (user_data);
	return G_SOURCE_REMOVE;
}

static void
ir_progress_queue_push (IrProgressQueue *q, IrProgressItem *item)
{
	g_mutex_lock (&q->lock);
	g_queue_push_tail (&q->items, item);
	if (q->source == NULL) {
		q->source = g_idle_source_new ();
		g_source_set_priority (q->source, G_PRIORITY_DEFAULT);
		g_source_set_static_name (q->source, "[imeirestore] progress");
		g_source_set_callback (q->source,
				       ir_progress_queue_idle,
				       ir_progress_queue_ref (q),
				       (GDestroyNotify)ir_progress_queue_unref);
		g_source_attach (q->source, q->context);
	}
	g_mutex_unlock (&q->lock);
}

static void
ir_progress_finalize (GObject *object)
{
	IrProgress *self = IR_PROGRESS (object);

	for (guint i = 0; i < self->children->len; i++) {
		IrProgress *child = g_ptr_array_index (self->children, i);
		child->parent = NULL;
	}
	g_ptr_array_unref (self->children);
	ir_progress_queue_unref (self->queue);
	g_free (self->port);
	g_free (self->message);
	G_OBJECT_CLASS (ir_progress_parent_class)->finalize (object);
}

static void
ir_progress_class_init (IrProgressClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = ir_progress_finalize;
	/* emitted by name: no file-scope signal table (CONTRIBUTING.md) */
	g_signal_new ("changed",
		      G_TYPE_FROM_CLASS (klass),
		      G_SIGNAL_RUN_LAST,
		      0,
		      NULL,
		      NULL,
		      NULL,
		      G_TYPE_NONE,
		      0);
	g_signal_new ("child-added",
		      G_TYPE_FROM_CLASS (klass),
		      G_SIGNAL_RUN_LAST,
		      0,
		      NULL,
		      NULL,
		      NULL,
		      G_TYPE_NONE,
		      1,
		      IR_TYPE_PROGRESS);
}

static void
ir_progress_init (IrProgress *self)
{
	self->queue = ir_progress_queue_new ();
	self->children = g_ptr_array_new_with_free_func (g_object_unref);
	self->stage = IR_RESTORE_STAGE_OPEN;
	self->percentage = -1;
}

IrProgress *
ir_progress_new (void)
{
	return g_object_new (IR_TYPE_PROGRESS, NULL);
}

const char *
ir_progress_get_port (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), NULL);
	return self->port;
}

IrRestoreStage
ir_progress_get_stage (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), IR_RESTORE_STAGE_OPEN);
	return self->stage;
}

const char *
ir_progress_get_message (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), NULL);
	return self->message;
}

gint
ir_progress_get_percentage (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), -1);
	return self->percentage;
}

gboolean
ir_progress_get_write_in_flight (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), FALSE);
	return self->write_in_flight;
}

GPtrArray *
ir_progress_get_children (IrProgress *self)
{
	g_return_val_if_fail (IR_IS_PROGRESS (self), NULL);
	return self->children;
}

void
ir_progress_start (IrProgress *self, GMainContext *context, const char *port)
{
	IrProgressQueue *q = self->queue;

	g_mutex_lock (&q->lock);
	if (q->context != context) {
		g_main_context_unref (q->context);
		q->context = g_main_context_ref (context);
	}
	g_mutex_unlock (&q->lock);
	g_free (self->port);
	self->port = g_strdup (port);
	self->stage = IR_RESTORE_STAGE_OPEN;
	self->percentage = 0;
	self->write_in_flight = FALSE;
}

void
ir_progress_update (IrProgress *self, IrRestoreStage stage, const char *message)
{
	IrProgressItem *item = g_new0 (IrProgressItem, 1);

	item->kind = IR_PROGRESS_ITEM_UPDATE;
	item->target = g_object_ref (self);
	item->stage = stage;
	item->message = g_strdup (message);
	ir_progress_queue_push (self->queue, item);
}

IrProgress *
ir_progress_add_child (IrProgress *self, const char *port)
{
	IrProgress *child = ir_progress_new ();
	IrProgressItem *item = g_new0 (IrProgressItem, 1);

	/* the child shares its parent's queue, hence its order */
	ir_progress_queue_unref (child->queue);
	child->queue = ir_progress_queue_ref (self->queue);
	child->parent = self;
	child->port = g_strdup (port);
	child->percentage = 0;
	item->kind = IR_PROGRESS_ITEM_CHILD;
	item->target = g_object_ref (self);
	item->child = g_object_ref (child);
	ir_progress_queue_push (self->queue, item);
	return child;
}

void
ir_progress_invoke (IrProgress *self, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
	IrProgressItem *item = g_new0 (IrProgressItem, 1);

	item->kind = IR_PROGRESS_ITEM_CALL;
	item->func = func;
	item->data = data;
	item->destroy = destroy;
	ir_progress_queue_push (self->queue, item);
}

void
ir_progress_flush (IrProgress *self)
{
	ir_progress_queue_drain (self->queue);
}
