/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ir-recover-dialog.h"

struct _IrRecoverDialog {
	GtkDialog parent_instance;

	GtkLabel *intro_label;
	GtkLabel *list_label;
	GtkLabel *status_label;
	GtkWidget *recover_button;

	IrEngine *engine;
	GPtrArray *ports; /* char *: distinct ports of the pending INTENTs */
	GCancellable *cancellable;
	guint running;
	guint recovered;
	GString *failures;
};

G_DEFINE_TYPE (IrRecoverDialog, ir_recover_dialog, GTK_TYPE_DIALOG)

static const char *
ir_recover_dialog_member (JsonObject *object, const char *name)
{
	return object != NULL ? json_object_get_string_member_with_default (object, name, "—")
			      : "—";
}

static void
ir_recover_dialog_fill (IrRecoverDialog *self, GPtrArray *pending)
{
	g_autoptr (GString) list = g_string_new (NULL);
	g_autofree char *intro = NULL;

	for (guint i = 0; i < pending->len; i++) {
		JsonObject *intent = g_ptr_array_index (pending, i);
		JsonObject *phone = json_object_has_member (intent, "phone")
					? json_object_get_object_member (intent, "phone")
					: NULL;
		const char *port = ir_recover_dialog_member (phone, "port");
		g_string_append_printf (list,
					"%s  %s %s  %s  %s\n",
					ir_recover_dialog_member (intent, "time"),
					ir_recover_dialog_member (phone, "manufacturer"),
					ir_recover_dialog_member (phone, "model"),
					ir_recover_dialog_member (phone, "serial"),
					port);
		if (!g_ptr_array_find_with_equal_func (self->ports, port, g_str_equal, NULL))
			g_ptr_array_add (self->ports, g_strdup (port));
	}
	intro = g_strdup_printf (ngettext ("%u restoration did not finish",
					   "%u restorations did not finish",
					   pending->len),
				 pending->len);
	gtk_label_set_text (self->intro_label, intro);
	gtk_label_set_text (self->list_label, list->str);
}

static void
ir_recover_dialog_show_status (IrRecoverDialog *self)
{
	g_autofree char *text = NULL;

	if (self->running > 0)
		text = g_strdup (_ ("Reading the phones…"));
	else
		text = g_strdup_printf (_ ("Recovered: %u. %s"),
					self->recovered,
					self->failures->len > 0 ? self->failures->str
								: _ ("The log is complete."));
	gtk_label_set_text (self->status_label, text);
	gtk_widget_set_sensitive (self->recover_button, self->running == 0);
}

static void
ir_recover_dialog_recovered (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (IrRecoverDialog) self = IR_RECOVER_DIALOG (user_data);
	g_autoptr (GError) error = NULL;
	guint n = 0;

	if (ir_engine_recover_finish (IR_ENGINE (source), res, &n, &error))
		self->recovered += n;
	else
		g_string_append_printf (self->failures, "%s. ", error->message);
	self->running--;
	ir_recover_dialog_show_status (self);
}

void
ir_recover_dialog_recover (IrRecoverDialog *self)
{
	g_string_truncate (self->failures, 0);
	for (guint i = 0; i < self->ports->len; i++) {
		const char *port = g_ptr_array_index (self->ports, i);
		if (!g_file_test (port, G_FILE_TEST_EXISTS)) {
			g_string_append_printf (self->failures, _ ("%s is not plugged in. "), port);
			continue;
		}
		self->running++;
		ir_engine_recover_async (self->engine,
					 port,
					 NULL,
					 self->cancellable,
					 ir_recover_dialog_recovered,
					 g_object_ref (self));
	}
	ir_recover_dialog_show_status (self);
}

static void
ir_recover_dialog_response (GtkDialog *dialog, int response)
{
	IrRecoverDialog *self = IR_RECOVER_DIALOG (dialog);

	if (response == GTK_RESPONSE_OK) {
		ir_recover_dialog_recover (self);
		return;
	}
	g_cancellable_cancel (self->cancellable);
	gtk_widget_destroy (GTK_WIDGET (dialog));
}

guint
ir_recover_dialog_get_running (IrRecoverDialog *self)
{
	return self->running;
}

const char *
ir_recover_dialog_get_status (IrRecoverDialog *self)
{
	return gtk_label_get_text (self->status_label);
}

static void
ir_recover_dialog_dispose (GObject *object)
{
	IrRecoverDialog *self = IR_RECOVER_DIALOG (object);

	g_clear_object (&self->engine);
	g_clear_object (&self->cancellable);
	G_OBJECT_CLASS (ir_recover_dialog_parent_class)->dispose (object);
}

static void
ir_recover_dialog_finalize (GObject *object)
{
	IrRecoverDialog *self = IR_RECOVER_DIALOG (object);

	g_ptr_array_unref (self->ports);
	g_string_free (self->failures, TRUE);
	G_OBJECT_CLASS (ir_recover_dialog_parent_class)->finalize (object);
}

static void
ir_recover_dialog_class_init (IrRecoverDialogClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_recover_dialog_dispose;
	G_OBJECT_CLASS (klass)->finalize = ir_recover_dialog_finalize;
	GTK_DIALOG_CLASS (klass)->response = ir_recover_dialog_response;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-recover-dialog.ui");
	gtk_widget_class_bind_template_child (widget_class, IrRecoverDialog, intro_label);
	gtk_widget_class_bind_template_child (widget_class, IrRecoverDialog, list_label);
	gtk_widget_class_bind_template_child (widget_class, IrRecoverDialog, status_label);
	gtk_widget_class_bind_template_child (widget_class, IrRecoverDialog, recover_button);
}

static void
ir_recover_dialog_init (IrRecoverDialog *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->ports = g_ptr_array_new_with_free_func (g_free);
	self->failures = g_string_new (NULL);
	self->cancellable = g_cancellable_new ();
}

GtkWidget *
ir_recover_dialog_new (GtkWindow *parent, IrEngine *engine, GPtrArray *pending)
{
	IrRecoverDialog *self = g_object_new (
	    IR_TYPE_RECOVER_DIALOG, "transient-for", parent, "use-header-bar", FALSE, NULL);

	self->engine = g_object_ref (engine);
	ir_recover_dialog_fill (self, pending);
	return GTK_WIDGET (self);
}
