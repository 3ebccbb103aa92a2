/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-app-window.h"
#include "ir-port-dialog.h"

struct _IrAppWindow {
	GtkApplicationWindow parent_instance;

	GtkStack *main_stack;
	GtkStack *technician_stack;
	IrSigninPage *signin_page;
	IrWorkbench *workbench;
	IrAuditorPage *auditor_page;
	GSettings *settings;
};

G_DEFINE_TYPE (IrAppWindow, ir_app_window, GTK_TYPE_APPLICATION_WINDOW)

static void
ir_app_window_set_enabled (IrAppWindow *self, const char *name, gboolean enabled)
{
	GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

	g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

/* Technician actions need a signed-in technician. */
static void
ir_app_window_update_actions (IrAppWindow *self)
{
	gboolean signed_in =
	    g_strcmp0 (gtk_stack_get_visible_child_name (self->technician_stack), "workbench") == 0;
	const char *technician[] = {"add-port",
				    "restore-selected",
				    "restore-all",
				    "scan-imei",
				    "cancel-restore",
				    "sign-out"};

	for (gsize i = 0; i < G_N_ELEMENTS (technician); i++)
		ir_app_window_set_enabled (self, technician[i], signed_in);
}

static void
ir_app_window_signed_in (IrAppWindow *self, IrSignin *signin)
{
	ir_workbench_set_signin (self->workbench, signin);
	gtk_stack_set_visible_child_name (self->technician_stack, "workbench");
	ir_app_window_update_actions (self);
}

static void
ir_app_window_view (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);

	gtk_stack_set_visible_child_name (self->main_stack, g_variant_get_string (parameter, NULL));
	g_simple_action_set_state (action, parameter);
}

static void
ir_app_window_log_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);

	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
		g_settings_set_string (self->settings, "last-log", path);
		ir_auditor_page_open (self->auditor_page, path);
	}
	g_object_unref (dialog);
}

static void
ir_app_window_open_log (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);
	GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Open Migration Log"),
								    GTK_WINDOW (self),
								    GTK_FILE_CHOOSER_ACTION_OPEN,
								    _ ("_Open"),
								    _ ("_Cancel"));
	GtkFileFilter *filter = gtk_file_filter_new ();
	g_autofree char *last = g_settings_get_string (self->settings, "last-log");

	gtk_file_filter_set_name (filter, _ ("Migration logs (*.jsonl)"));
	gtk_file_filter_add_pattern (filter, "*.jsonl");
	gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
	if (*last != '\0')
		gtk_file_chooser_set_filename (GTK_FILE_CHOOSER (dialog), last);
	gtk_stack_set_visible_child_name (self->main_stack, "auditor");
	g_signal_connect (dialog, "response", G_CALLBACK (ir_app_window_log_chosen), self);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
ir_app_window_show_error (IrAppWindow *self, const char *title, const char *detail)
{
	GtkWidget *dialog =
	    gtk_message_dialog_new (GTK_WINDOW (self),
				    GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
				    GTK_MESSAGE_ERROR,
				    GTK_BUTTONS_CLOSE,
				    "%s",
				    title);

	gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
	g_signal_connect (dialog, "response", G_CALLBACK (gtk_widget_destroy), NULL);
	gtk_widget_show (dialog);
}

static void
ir_app_window_export_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);
	const char *format = g_object_get_data (G_OBJECT (dialog), "format");
	g_autoptr (GError) error = NULL;

	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
		if (!ir_auditor_page_export (self->auditor_page, format, path, &error))
			ir_app_window_show_error (
			    self, _ ("The export was not written"), error->message);
	}
	g_object_unref (dialog);
}

static void
ir_app_window_export (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);
	const char *format = g_variant_get_string (parameter, NULL);
	g_autofree char *name = g_strdup_printf ("migration-log.%s", format);
	GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Export"),
								    GTK_WINDOW (self),
								    GTK_FILE_CHOOSER_ACTION_SAVE,
								    _ ("_Export"),
								    _ ("_Cancel"));

	g_object_set_data_full (G_OBJECT (dialog), "format", g_strdup (format), g_free);
	gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (dialog), TRUE);
	gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
	g_signal_connect (dialog, "response", G_CALLBACK (ir_app_window_export_chosen), self);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
ir_app_window_port_chosen (IrPortDialog *dialog, const char *path, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);
	g_autoptr (GError) error = NULL;

	if (ir_workbench_add_port (self->workbench, path, &error))
		gtk_widget_destroy (GTK_WIDGET (dialog));
	else
		ir_port_dialog_show_error (dialog, error->message);
}

static void
ir_app_window_add_port (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);
	GtkWidget *dialog = ir_port_dialog_new (GTK_WINDOW (self));

	g_signal_connect (dialog, "port-chosen", G_CALLBACK (ir_app_window_port_chosen), self);
	gtk_widget_show (dialog);
}

static void
ir_app_window_sign_out (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);

	ir_workbench_set_signin (self->workbench, NULL);
	ir_signin_page_reset (self->signin_page);
	gtk_stack_set_visible_child_name (self->technician_stack, "signin");
	ir_app_window_update_actions (self);
}

static void
ir_app_window_technician (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	IrAppWindow *self = IR_APP_WINDOW (user_data);

	ir_workbench_activate (self->workbench, g_action_get_name (G_ACTION (action)));
}

static const GActionEntry ir_app_window_entries[] = {
    {"view", NULL, "s", "'technician'", ir_app_window_view},
    {"open-log", ir_app_window_open_log, NULL, NULL, NULL},
    {"export", ir_app_window_export, "s", NULL, NULL},
    {"add-port", ir_app_window_add_port, NULL, NULL, NULL},
    {"sign-out", ir_app_window_sign_out, NULL, NULL, NULL},
    {"restore-selected", ir_app_window_technician, NULL, NULL, NULL},
    {"restore-all", ir_app_window_technician, NULL, NULL, NULL},
    {"scan-imei", ir_app_window_technician, NULL, NULL, NULL},
    {"cancel-restore", ir_app_window_technician, NULL, NULL, NULL},
};

/* The switcher and the "view" action say the same thing. */
static void
ir_app_window_page_changed (IrAppWindow *self)
{
	const char *name = gtk_stack_get_visible_child_name (self->main_stack);
	GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view");

	g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (name));
}

static void
ir_app_window_dispose (GObject *object)
{
	IrAppWindow *self = IR_APP_WINDOW (object);

	g_clear_object (&self->settings);
	G_OBJECT_CLASS (ir_app_window_parent_class)->dispose (object);
}

static void
ir_app_window_class_init (IrAppWindowClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_app_window_dispose;
	g_type_ensure (IR_TYPE_SIGNIN_PAGE);
	g_type_ensure (IR_TYPE_WORKBENCH);
	g_type_ensure (IR_TYPE_AUDITOR_PAGE);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-app-window.ui");
	gtk_widget_class_bind_template_child (widget_class, IrAppWindow, main_stack);
	gtk_widget_class_bind_template_child (widget_class, IrAppWindow, technician_stack);
	gtk_widget_class_bind_template_child (widget_class, IrAppWindow, signin_page);
	gtk_widget_class_bind_template_child (widget_class, IrAppWindow, workbench);
	gtk_widget_class_bind_template_child (widget_class, IrAppWindow, auditor_page);
	gtk_widget_class_bind_template_callback (widget_class, ir_app_window_signed_in);
}

static void
ir_app_window_init (IrAppWindow *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	g_action_map_add_action_entries (
	    G_ACTION_MAP (self), ir_app_window_entries, G_N_ELEMENTS (ir_app_window_entries), self);
	g_signal_connect_swapped (self->main_stack,
				  "notify::visible-child",
				  G_CALLBACK (ir_app_window_page_changed),
				  self);
	ir_app_window_update_actions (self);
}

IrAppWindow *
ir_app_window_new (IrApp *app)
{
	IrAppWindow *self = g_object_new (IR_TYPE_APP_WINDOW, "application", app, NULL);

	self->settings = g_object_ref (ir_app_get_settings (app));
	ir_signin_page_bind_settings (self->signin_page, self->settings);
	ir_workbench_set_settings (self->workbench, self->settings);
	return self;
}

IrSigninPage *
ir_app_window_get_signin_page (IrAppWindow *self)
{
	return self->signin_page;
}

IrWorkbench *
ir_app_window_get_workbench (IrAppWindow *self)
{
	return self->workbench;
}

IrAuditorPage *
ir_app_window_get_auditor_page (IrAppWindow *self)
{
	return self->auditor_page;
}

const char *
ir_app_window_get_visible_page (IrAppWindow *self)
{
	if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "auditor") == 0)
		return "auditor";
	return gtk_stack_get_visible_child_name (self->technician_stack);
}
