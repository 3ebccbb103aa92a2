/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-pin-dialog.h"

struct _IrPinDialog {
	GtkDialog parent_instance;

	GtkLabel *intro_label;
	GtkLabel *pin_label;
	GtkEntry *pin_entry;
	GtkLabel *warning_label;

	gboolean keypad;
};

G_DEFINE_TYPE (IrPinDialog, ir_pin_dialog, GTK_TYPE_DIALOG)

/* GtkEntry keeps its text in a GtkEntryBuffer that frees it without
 * wiping: overwrite it in place first. */
static void
ir_pin_dialog_wipe_entry (IrPinDialog *self)
{
	GtkEntryBuffer *buffer = gtk_entry_get_buffer (self->pin_entry);
	guint len = gtk_entry_buffer_get_length (buffer);
	g_autofree char *blank = g_strnfill (len, ' ');

	gtk_entry_buffer_set_text (buffer, blank, (int)len);
	gtk_entry_buffer_set_text (buffer, "", 0);
}

char *
ir_pin_dialog_take_pin (IrPinDialog *self)
{
	char *pin;

	if (self->keypad)
		return NULL;
	pin = g_strdup (gtk_entry_get_text (self->pin_entry));
	ir_pin_dialog_wipe_entry (self);
	return pin;
}

const char *
ir_pin_dialog_get_warning (IrPinDialog *self)
{
	return gtk_label_get_text (self->warning_label);
}

void
ir_pin_dialog_set_pin (IrPinDialog *self, const char *pin)
{
	gtk_entry_set_text (self->pin_entry, pin);
}

static char *
ir_pin_dialog_tries_text (const IrBrandPinRequest *request, const char *warning)
{
	const char *tries = NULL;

	if (request->pin_final_try)
		tries = _ ("The token says only ONE try is left before its PIN locks: check the "
			   "PIN before you press Unlock.");
	else if (request->pin_count_low)
		tries = _ ("The token says a wrong PIN was given before: few tries are left "
			   "before it locks.");
	if (warning != NULL && tries != NULL)
		return g_strdup_printf ("%s\n%s", warning, tries);
	return g_strdup (warning != NULL ? warning : tries);
}

static void
ir_pin_dialog_fill (IrPinDialog *self, const IrBrandPinRequest *request, const char *warning)
{
	g_autofree char *intro = NULL;
	g_autofree char *tries = ir_pin_dialog_tries_text (request, warning);

	self->keypad = request->protected_auth;
	if (self->keypad)
		intro = g_strdup_printf (_ ("Type the PIN of token %s on the reader's own keypad, "
					    "then press Unlock. It unlocks %s's certificate."),
					 request->token_label,
					 request->subject);
	else
		intro = g_strdup_printf (
		    _ ("Type the PIN of token %s. It unlocks %s's certificate; the key never "
		       "leaves the token."),
		    request->token_label,
		    request->subject);
	gtk_label_set_text (self->intro_label, intro);
	gtk_widget_set_visible (GTK_WIDGET (self->pin_label), !self->keypad);
	gtk_widget_set_visible (GTK_WIDGET (self->pin_entry), !self->keypad);
	gtk_label_set_text (self->warning_label, tries != NULL ? tries : "");
	gtk_widget_set_visible (GTK_WIDGET (self->warning_label), tries != NULL);
	if (tries != NULL)
		atk_object_set_description (
		    gtk_widget_get_accessible (GTK_WIDGET (self->pin_entry)), tries);
}

static void
ir_pin_dialog_dispose (GObject *object)
{
	IrPinDialog *self = IR_PIN_DIALOG (object);

	if (self->pin_entry != NULL)
		ir_pin_dialog_wipe_entry (self);
	G_OBJECT_CLASS (ir_pin_dialog_parent_class)->dispose (object);
}

static void
ir_pin_dialog_class_init (IrPinDialogClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_pin_dialog_dispose;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-pin-dialog.ui");
	gtk_widget_class_bind_template_child (widget_class, IrPinDialog, intro_label);
	gtk_widget_class_bind_template_child (widget_class, IrPinDialog, pin_label);
	gtk_widget_class_bind_template_child (widget_class, IrPinDialog, pin_entry);
	gtk_widget_class_bind_template_child (widget_class, IrPinDialog, warning_label);
}

static void
ir_pin_dialog_init (IrPinDialog *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ir_pin_dialog_new (GtkWindow *parent, const IrBrandPinRequest *request, const char *warning)
{
	IrPinDialog *self = g_object_new (
	    IR_TYPE_PIN_DIALOG, "transient-for", parent, "use-header-bar", TRUE, NULL);

	ir_pin_dialog_fill (self, request, warning);
	return GTK_WIDGET (self);
}
