/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-port-dialog.h"

struct _IrPortDialog {
	GtkDialog parent_instance;
	GtkEntry *path_entry;
	GtkLabel *error_label;
};

G_DEFINE_TYPE (IrPortDialog, ir_port_dialog, GTK_TYPE_DIALOG)

enum { IR_PORT_DIALOG_SIGNAL_PORT_CHOSEN, IR_PORT_DIALOG_N_SIGNALS };
static guint ir_port_dialog_signals[IR_PORT_DIALOG_N_SIGNALS];

static void
ir_port_dialog_response (GtkDialog *dialog, int response)
{
	IrPortDialog *self = IR_PORT_DIALOG (dialog);
	g_autofree char *path = NULL;

	if (response != GTK_RESPONSE_OK) {
		gtk_widget_destroy (GTK_WIDGET (dialog));
		return;
	}
	path = g_strstrip (g_strdup (gtk_entry_get_text (self->path_entry)));
	g_signal_emit (self, ir_port_dialog_signals[IR_PORT_DIALOG_SIGNAL_PORT_CHOSEN], 0, path);
}

void
ir_port_dialog_show_error (IrPortDialog *self, const char *message)
{
	gtk_label_set_text (self->error_label, message);
	gtk_widget_show (GTK_WIDGET (self->error_label));
	gtk_widget_grab_focus (GTK_WIDGET (self->path_entry));
}

static void
ir_port_dialog_class_init (IrPortDialogClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	GTK_DIALOG_CLASS (klass)->response = ir_port_dialog_response;
	ir_port_dialog_signals[IR_PORT_DIALOG_SIGNAL_PORT_CHOSEN] =
	    g_signal_new ("port-chosen",
			  G_TYPE_FROM_CLASS (klass),
			  G_SIGNAL_RUN_LAST,
			  0,
			  NULL,
			  NULL,
			  NULL,
			  G_TYPE_NONE,
			  1,
			  G_TYPE_STRING);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-port-dialog.ui");
	gtk_widget_class_bind_template_child (widget_class, IrPortDialog, path_entry);
	gtk_widget_class_bind_template_child (widget_class, IrPortDialog, error_label);
}

static void
ir_port_dialog_init (IrPortDialog *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ir_port_dialog_new (GtkWindow *parent)
{
	return g_object_new (
	    IR_TYPE_PORT_DIALOG, "transient-for", parent, "use-header-bar", TRUE, NULL);
}
