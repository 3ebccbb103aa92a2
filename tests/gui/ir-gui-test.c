/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ir-gui-test.h"

/* Seconds a condition may take: restores and verifications on a loaded
 * machine under ASan take seconds, never this long. */
#define IR_GUI_WAIT_LIMIT_S 90

static gboolean
ir_gui_test_window_mapped (gpointer data)
{
	IrGuiApp *gui = data;

	gui->window =
	    IR_APP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (gui->app)));
	return gui->window != NULL && gtk_widget_get_mapped (GTK_WIDGET (gui->window));
}

IrGuiApp *
ir_gui_app_start (void)
{
	IrGuiApp *gui = g_new0 (IrGuiApp, 1);
	g_autoptr (GError) error = NULL;

	/* a stack's crossfade would paint the old page into a snapshot */
	g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
	gui->app = ir_app_new ();
	g_application_set_flags (G_APPLICATION (gui->app), G_APPLICATION_NON_UNIQUE);
	if (!g_application_register (G_APPLICATION (gui->app), NULL, &error))
		fail_msg ("cannot register the app: %s", error->message);
	g_application_activate (G_APPLICATION (gui->app));
	ir_gui_test_wait (ir_gui_test_window_mapped, gui, "the main window is shown");
	return gui;
}

void
ir_gui_app_free (IrGuiApp *gui)
{
	if (gui == NULL)
		return;
	if (gui->window != NULL)
		gtk_widget_destroy (GTK_WIDGET (gui->window));
	ir_gui_test_settle ();
	g_object_unref (gui->app);
	g_free (gui);
}

static gboolean
ir_gui_test_timed_out (gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

void
ir_gui_test_wait (IrGuiCondition condition, gpointer data, const char *what)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add_seconds (IR_GUI_WAIT_LIMIT_S, ir_gui_test_timed_out, &timed_out);

	while (!condition (data)) {
		if (timed_out)
			fail_msg ("waited %d s for: %s", IR_GUI_WAIT_LIMIT_S, what);
		g_main_context_iteration (NULL, TRUE);
	}
	g_source_remove (id);
}

void
ir_gui_test_settle (void)
{
	while (g_main_context_pending (NULL))
		g_main_context_iteration (NULL, FALSE);
}

static gboolean
ir_gui_test_signin_idle (gpointer data)
{
	return !ir_signin_page_get_busy (IR_SIGNIN_PAGE (data));
}

char *
ir_gui_test_sign_in (IrGuiApp *gui, const char *passphrase)
{
	IrSigninPage *page = ir_app_window_get_signin_page (gui->window);

	ir_signin_page_set_passphrase (page, passphrase);
	ir_signin_page_sign_in (page);
	ir_gui_test_wait (ir_gui_test_signin_idle, page, "the sign-in ends");
	return ir_signin_page_get_error_text (page);
}

static gboolean
ir_gui_test_drawn_cb (GtkWidget *widget, cairo_t *cr, gpointer data)
{
	*(gboolean *)data = TRUE;
	return FALSE;
}

static gboolean
ir_gui_test_flag (gpointer data)
{
	return *(gboolean *)data;
}

/* The frame clock lays a window out before it paints it: once a paint
 * has happened, what we draw is what is laid out now. */
static void
ir_gui_test_wait_painted (GtkWidget *window)
{
	gboolean drawn = FALSE;
	gulong id =
	    g_signal_connect_after (window, "draw", G_CALLBACK (ir_gui_test_drawn_cb), &drawn);

	gtk_widget_queue_draw (window);
	ir_gui_test_wait (ir_gui_test_flag, &drawn, "the window is painted");
	g_signal_handler_disconnect (window, id);
}

void
ir_gui_test_snapshot (GtkWidget *window, const char *name)
{
	const char *builddir = g_getenv ("IR_BUILDDIR");
	const char *wanted = g_getenv ("IR_SCREENSHOT_DIR"); /* scripts/demo.sh --screenshots */
	g_autofree char *dir =
	    wanted != NULL ? g_strdup (wanted)
			   : g_build_filename (builddir, "tests", "gui", "screenshots", NULL);
	g_autofree char *file = g_strdup_printf ("%s.png", name);
	g_autofree char *path = g_build_filename (dir, file, NULL);
	g_autoptr (GdkPixbuf) pixbuf = NULL;
	g_autoptr (GError) error = NULL;
	GdkWindow *gdk_window;

	ir_gui_test_wait_painted (window);
	/* what the X server shows (no compositor under Xvfb: the window's
	 * pixels are on the screen), tree view headers and all */
	gdk_display_sync (gtk_widget_get_display (window));
	gdk_window = gtk_widget_get_window (window);
	pixbuf = gdk_pixbuf_get_from_window (gdk_window,
					     0,
					     0,
					     gdk_window_get_width (gdk_window),
					     gdk_window_get_height (gdk_window));
	assert_non_null (pixbuf);
	g_mkdir_with_parents (dir, 0755);
	if (!gdk_pixbuf_save (pixbuf, path, "png", &error, NULL))
		fail_msg ("cannot write %s: %s", path, error->message);
}

static void
ir_gui_test_find_cb (GtkWidget *widget, gpointer data)
{
	gpointer *state = data;

	if (state[1] == NULL)
		state[1] = ir_gui_test_find_by_name (widget, state[0]);
}

GtkWidget *
ir_gui_test_find_by_name (GtkWidget *root, const char *name)
{
	gpointer state[2] = {(gpointer)name, NULL};
	AtkObject *accessible = gtk_widget_get_accessible (root);

	if (g_strcmp0 (atk_object_get_name (accessible), name) == 0)
		return root;
	if (GTK_IS_CONTAINER (root))
		gtk_container_forall (GTK_CONTAINER (root), ir_gui_test_find_cb, state);
	return state[1];
}

/* What a user operates: buttons of every kind, text fields, choices,
 * sliders, lists and tables (not a scrolled window's bars: the mouse's,
 * never focused, announced by their orientation). */
static gboolean
ir_gui_test_is_control (GtkWidget *widget)
{
	return GTK_IS_BUTTON (widget) || GTK_IS_ENTRY (widget) || GTK_IS_COMBO_BOX (widget) ||
	       GTK_IS_SWITCH (widget) || GTK_IS_SCALE (widget) || GTK_IS_TREE_VIEW (widget) ||
	       GTK_IS_TEXT_VIEW (widget) || GTK_IS_LIST_BOX (widget) ||
	       GTK_IS_LIST_BOX_ROW (widget);
}

/* A control's parts (a combo's toggle, a tree view's column headers, a
 * button's label) are named by the control itself. */
static gboolean
ir_gui_test_has_parts (GtkWidget *widget)
{
	return GTK_IS_CONTAINER (widget) && !GTK_IS_BUTTON (widget) && !GTK_IS_COMBO_BOX (widget) &&
	       !GTK_IS_TREE_VIEW (widget);
}

static gboolean
ir_gui_test_blank (const char *text)
{
	for (; text != NULL && *text != '\0'; text++)
		if (!g_ascii_isspace (*text))
			return FALSE;
	return TRUE;
}

static void
ir_gui_test_collect_nameless (GtkWidget *widget, gpointer data)
{
	GString *nameless = data;

	if (ir_gui_test_is_control (widget)) {
		const char *id = gtk_buildable_get_name (GTK_BUILDABLE (widget));
		if (ir_gui_test_blank (atk_object_get_name (gtk_widget_get_accessible (widget))))
			g_string_append_printf (
			    nameless, " %s#%s", G_OBJECT_TYPE_NAME (widget), id != NULL ? id : "?");
	}
	/* an info bar's close button is GTK's, hidden unless asked for */
	if (GTK_IS_INFO_BAR (widget) &&
	    !gtk_info_bar_get_show_close_button (GTK_INFO_BAR (widget))) {
		GtkInfoBar *bar = GTK_INFO_BAR (widget);
		ir_gui_test_collect_nameless (gtk_info_bar_get_content_area (bar), data);
		ir_gui_test_collect_nameless (gtk_info_bar_get_action_area (bar), data);
	} else if (ir_gui_test_has_parts (widget))
		gtk_container_forall (GTK_CONTAINER (widget), ir_gui_test_collect_nameless, data);
}

void
ir_gui_test_assert_named (GtkWidget *root, const char *where)
{
	g_autoptr (GString) nameless = g_string_new (NULL);

	ir_gui_test_collect_nameless (root, nameless);
	if (nameless->len > 0)
		fail_msg ("%s: controls without an accessible name:%s", where, nameless->str);
}
