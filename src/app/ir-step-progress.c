/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-step-progress.h"

struct _IrStepProgress {
	GtkBox parent_instance;

	GtkLabel *title_label;
	GtkLabel *message_label;
	GtkProgressBar *progress_bar;
	GtkLabel *unplug_label;
	GtkButton *cancel_button;

	guint heartbeat_id;
	gint64 since; /* when the current sentence arrived, monotonic µs */
	gint percentage;
	char *message;
};

G_DEFINE_TYPE (IrStepProgress, ir_step_progress, GTK_TYPE_BOX)

/* Seconds without news before the bar says how long it has waited. */
#define IR_STEP_PROGRESS_PATIENCE_S 3

/* The heartbeat: a long wait (a phone slow to answer, a server far away)
 * shows that the app is alive and how long it has waited. */
static gboolean
ir_step_progress_heartbeat (gpointer user_data)
{
	IrStepProgress *self = IR_STEP_PROGRESS (user_data);
	gint64 waited = (g_get_monotonic_time () - self->since) / G_USEC_PER_SEC;
	g_autofree char *text = NULL;

	if (self->percentage < 0)
		gtk_progress_bar_pulse (self->progress_bar);
	if (waited >= IR_STEP_PROGRESS_PATIENCE_S) {
		text = g_strdup_printf (_ ("Still working… %llu s"), (unsigned long long)waited);
		gtk_progress_bar_set_text (self->progress_bar, text);
	}
	return G_SOURCE_CONTINUE;
}

void
ir_step_progress_set_title (IrStepProgress *self, const char *title)
{
	gtk_label_set_text (self->title_label, title);
}

static void
ir_step_progress_show_percentage (IrStepProgress *self)
{
	g_autofree char *text = NULL;

	if (self->percentage < 0) {
		gtk_progress_bar_set_text (self->progress_bar, _ ("Working…"));
		return;
	}
	text = g_strdup_printf (_ ("%d %%"), self->percentage);
	gtk_progress_bar_set_fraction (self->progress_bar, self->percentage / 100.0);
	gtk_progress_bar_set_text (self->progress_bar, text);
}

void
ir_step_progress_update (IrStepProgress *self, IrProgress *progress, gboolean can_cancel)
{
	const char *message = progress != NULL ? ir_progress_get_message (progress) : NULL;

	if (g_strcmp0 (message, self->message) != 0) {
		g_free (self->message);
		self->message = g_strdup (message);
		self->since = g_get_monotonic_time ();
	}
	gtk_label_set_text (self->message_label, message != NULL ? message : "");
	self->percentage = progress != NULL ? ir_progress_get_percentage (progress) : -1;
	ir_step_progress_show_percentage (self);
	gtk_widget_set_visible (GTK_WIDGET (self->unplug_label),
				progress != NULL && ir_progress_get_write_in_flight (progress));
	gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), can_cancel);
}

GtkButton *
ir_step_progress_get_cancel_button (IrStepProgress *self)
{
	return self->cancel_button;
}

static void
ir_step_progress_map (GtkWidget *widget)
{
	IrStepProgress *self = IR_STEP_PROGRESS (widget);

	GTK_WIDGET_CLASS (ir_step_progress_parent_class)->map (widget);
	self->since = g_get_monotonic_time ();
	if (self->heartbeat_id == 0)
		self->heartbeat_id = g_timeout_add (250, ir_step_progress_heartbeat, self);
}

static void
ir_step_progress_unmap (GtkWidget *widget)
{
	IrStepProgress *self = IR_STEP_PROGRESS (widget);

	g_clear_handle_id (&self->heartbeat_id, g_source_remove);
	GTK_WIDGET_CLASS (ir_step_progress_parent_class)->unmap (widget);
}

static void
ir_step_progress_finalize (GObject *object)
{
	IrStepProgress *self = IR_STEP_PROGRESS (object);

	g_clear_handle_id (&self->heartbeat_id, g_source_remove);
	g_free (self->message);
	G_OBJECT_CLASS (ir_step_progress_parent_class)->finalize (object);
}

static void
ir_step_progress_class_init (IrStepProgressClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->finalize = ir_step_progress_finalize;
	widget_class->map = ir_step_progress_map;
	widget_class->unmap = ir_step_progress_unmap;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-step-progress.ui");
	gtk_widget_class_bind_template_child (widget_class, IrStepProgress, title_label);
	gtk_widget_class_bind_template_child (widget_class, IrStepProgress, message_label);
	gtk_widget_class_bind_template_child (widget_class, IrStepProgress, progress_bar);
	gtk_widget_class_bind_template_child (widget_class, IrStepProgress, unplug_label);
	gtk_widget_class_bind_template_child (widget_class, IrStepProgress, cancel_button);
}

static void
ir_step_progress_init (IrStepProgress *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->percentage = -1;
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->progress_bar)),
			     _ ("Progress"));
}
