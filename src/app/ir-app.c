/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-app-window.h"
#include "ir-app.h"
#include "ir-error.h"

/* The application object. Everything a window does lives in IrAppWindow
 * (its "win." actions); here only what is application-wide. */

struct _IrApp {
	GtkApplication parent_instance;
	GSettings *settings;
};

G_DEFINE_TYPE (IrApp, ir_app, GTK_TYPE_APPLICATION)

/* Accelerators of every action, app and win, in one table so that the
 * shortcuts window (ui/gtk/help-overlay.ui) and this stay side by side. */
typedef struct {
	const char *action;
	const char *accels[3];
} IrAppAccel;

static const IrAppAccel ir_app_accels[] = {
    {"app.quit", {"<Primary>q", NULL}},
    {"win.show-help-overlay", {"<Primary>question", "F1", NULL}},
    {"win.view('technician')", {"<Alt>1", NULL}},
    {"win.view('auditor')", {"<Alt>2", NULL}},
    {"win.open-log", {"<Primary>o", NULL}},
    {"win.export('csv')", {"<Primary>e", NULL}},
    {"win.export('json')", {"<Primary><Shift>e", NULL}},
    {"win.export('pdf')", {"<Primary>p", NULL}},
    {"win.add-port", {"<Primary>n", NULL}},
    {"win.restore-selected", {"<Primary>r", NULL}},
    {"win.restore-all", {"<Primary><Shift>r", NULL}},
    {"win.scan-imei", {"<Primary>i", NULL}},
    {"win.cancel-restore", {"<Primary>period", NULL}},
    {"win.sign-out", {"<Primary><Shift>q", NULL}},
};

static void
ir_app_quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	g_application_quit (G_APPLICATION (user_data));
}

static void
ir_app_about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	GtkApplication *app = GTK_APPLICATION (user_data);
	const char *authors[] = {"imeirestore contributors", NULL};

	gtk_show_about_dialog (gtk_application_get_active_window (app),
			       "program-name",
			       _ ("IMEI Restore"),
			       "logo-icon-name",
			       IR_APP_ID,
			       "version",
			       PACKAGE_VERSION,
			       "comments",
			       _ ("Restore phones' original IMEIs under the brand's authority, "
				  "and audit the migration log."),
			       "license-type",
			       GTK_LICENSE_LGPL_2_1,
			       "authors",
			       authors,
			       NULL);
}

static const GActionEntry ir_app_entries[] = {
    {"quit", ir_app_quit_activated, NULL, NULL, NULL},
    {"about", ir_app_about_activated, NULL, NULL, NULL},
};

static void
ir_app_load_css (void)
{
	g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();

	gtk_css_provider_load_from_resource (provider, "/org/imeirestore/ImeiRestore/style.css");
	gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
						   GTK_STYLE_PROVIDER (provider),
						   GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
ir_app_startup (GApplication *app)
{
	IrApp *self = IR_APP (app);

	G_APPLICATION_CLASS (ir_app_parent_class)->startup (app);

	self->settings = g_settings_new (IR_APP_ID);
	g_action_map_add_action_entries (
	    G_ACTION_MAP (app), ir_app_entries, G_N_ELEMENTS (ir_app_entries), app);
	for (gsize i = 0; i < G_N_ELEMENTS (ir_app_accels); i++)
		gtk_application_set_accels_for_action (
		    GTK_APPLICATION (app), ir_app_accels[i].action, ir_app_accels[i].accels);
	ir_app_load_css ();
	gtk_window_set_default_icon_name (IR_APP_ID);
}

/* $IMEIRESTORE_REPORT_FIRST_DRAW: "first-draw" on stdout once the window
 * has drawn itself, for bench/bench-app (start to first drawn window). */
static gboolean
ir_app_first_draw (GtkWidget *window, cairo_t *cr, gpointer user_data)
{
	g_signal_handlers_disconnect_by_func (window, ir_app_first_draw, user_data);
	g_print ("first-draw\n");
	return FALSE;
}

static void
ir_app_activate (GApplication *app)
{
	GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

	if (window == NULL) {
		window = GTK_WINDOW (ir_app_window_new (IR_APP (app)));
		if (g_getenv ("IMEIRESTORE_REPORT_FIRST_DRAW") != NULL)
			g_signal_connect_after (
			    window, "draw", G_CALLBACK (ir_app_first_draw), NULL);
	}
	gtk_window_present (window);
}

static void
ir_app_dispose (GObject *object)
{
	IrApp *self = IR_APP (object);

	g_clear_object (&self->settings);
	G_OBJECT_CLASS (ir_app_parent_class)->dispose (object);
}

static void
ir_app_class_init (IrAppClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

	object_class->dispose = ir_app_dispose;
	app_class->startup = ir_app_startup;
	app_class->activate = ir_app_activate;
}

static void
ir_app_init (IrApp *self)
{
}

IrApp *
ir_app_new (void)
{
	return g_object_new (IR_TYPE_APP,
			     "application-id",
			     IR_APP_ID,
			     "flags",
			     G_APPLICATION_DEFAULT_FLAGS,
			     "resource-base-path",
			     "/org/imeirestore/ImeiRestore",
			     NULL);
}

GSettings *
ir_app_get_settings (IrApp *self)
{
	g_return_val_if_fail (IR_IS_APP (self), NULL);
	return self->settings;
}

gboolean
ir_app_schema_available (GError **error)
{
	GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
	g_autoptr (GSettingsSchema) schema = NULL;

	if (source != NULL)
		schema = g_settings_schema_source_lookup (source, IR_APP_ID, TRUE);
	if (schema == NULL) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_FOUND,
		    _ ("the settings schema %s is not installed: run `meson install`, or "
		       "set GSETTINGS_SCHEMA_DIR to the build folder's ui/ (scripts/demo.sh "
		       "does)"),
		    IR_APP_ID);
		return FALSE;
	}
	return TRUE;
}
