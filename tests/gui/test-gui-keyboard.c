/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-gui-test.h"
#include "ir-pin-dialog.h"
#include "ir-port-dialog.h"

/* Keyboard-only operation in the real app: the shortcuts window lists
 * exactly the accelerators the app binds, each bound to an action that
 * exists, and its action opens it; every control of the main
 * window (every page, signed in or not) and of the dialogs that need no
 * server has an accessible name. The phones' rows and steps, the recovery
 * dialog and the token's dialogs are checked where the technician and
 * PKCS#11 tests make them. */

typedef struct {
	IrGuiApp *gui;
} Env;

static int
test_gui_keyboard_setup (void **state)
{
	Env *env = g_new0 (Env, 1);

	env->gui = ir_gui_app_start ();
	*state = env;
	return 0;
}

static int
test_gui_keyboard_teardown (void **state)
{
	Env *env = *state;

	ir_gui_app_free (env->gui);
	g_free (env);
	return 0;
}

/* "<Primary>question" and "<Control>question" are one key: compare the
 * names GTK gives back. */
static void
test_gui_keyboard_add_accels (GHashTable *set, const char *accels, const char *where)
{
	g_auto (GStrv) list = g_strsplit_set (accels, " ", -1);

	for (guint i = 0; list[i] != NULL; i++) {
		guint key = 0;
		GdkModifierType mods = 0;
		if (*list[i] == '\0')
			continue;
		gtk_accelerator_parse (list[i], &key, &mods);
		if (key == 0)
			fail_msg ("%s: \"%s\" is not an accelerator", where, list[i]);
		g_hash_table_add (set, gtk_accelerator_name (key, mods));
	}
}

static void
test_gui_keyboard_collect_shortcuts (GtkWidget *widget, gpointer data)
{
	if (GTK_IS_SHORTCUTS_SHORTCUT (widget)) {
		g_autofree char *accels = NULL;
		g_autofree char *title = NULL;
		g_object_get (widget, "accelerator", &accels, "title", &title, NULL);
		if (accels == NULL || title == NULL || *title == '\0')
			fail_msg ("a shortcut without an accelerator or a title (%s)",
				  title != NULL ? title : "untitled");
		test_gui_keyboard_add_accels (data, accels, title);
	}
	if (GTK_IS_CONTAINER (widget))
		gtk_container_forall (
		    GTK_CONTAINER (widget), test_gui_keyboard_collect_shortcuts, data);
}

/* The action a detailed name like "win.export('csv')" would activate. */
static void
test_gui_keyboard_assert_action (Env *env, const char *detailed)
{
	g_autofree char *name = NULL;
	g_autoptr (GVariant) target = NULL;
	g_autoptr (GError) error = NULL;
	GActionGroup *group = NULL;

	if (!g_action_parse_detailed_name (detailed, &name, &target, &error))
		fail_msg ("%s: %s", detailed, error->message);
	if (g_str_has_prefix (name, "win."))
		group = G_ACTION_GROUP (env->gui->window);
	else if (g_str_has_prefix (name, "app."))
		group = G_ACTION_GROUP (env->gui->app);
	if (group == NULL || !g_action_group_has_action (group, strchr (name, '.') + 1))
		fail_msg ("the accelerator of %s activates no action", detailed);
}

static gboolean
test_gui_keyboard_visible (gpointer data)
{
	return gtk_widget_get_visible (GTK_WIDGET (data)) &&
	       gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* Every accelerator the app binds is in the shortcuts window, and every
 * shortcut the window shows is bound: a key added to one and not the
 * other fails here. */
static void
test_gui_keyboard_shortcuts (void **state)
{
	Env *env = *state;
	GtkApplication *app = GTK_APPLICATION (env->gui->app);
	GtkWindow *overlay = GTK_WINDOW (
	    gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (env->gui->window)));
	g_autoptr (GHashTable) shown =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GHashTable) bound =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_auto (GStrv) actions = gtk_application_list_action_descriptions (app);
	GHashTableIter iter;
	gpointer accel;

	assert_non_null (overlay);
	test_gui_keyboard_collect_shortcuts (GTK_WIDGET (overlay), shown);
	assert_true (g_hash_table_size (shown) >= 10);

	for (guint i = 0; actions[i] != NULL; i++) {
		g_auto (GStrv) accels = gtk_application_get_accels_for_action (app, actions[i]);
		g_autofree char *joined = g_strjoinv (" ", accels);
		test_gui_keyboard_assert_action (env, actions[i]);
		test_gui_keyboard_add_accels (bound, joined, actions[i]);
	}

	g_hash_table_iter_init (&iter, bound);
	while (g_hash_table_iter_next (&iter, &accel, NULL))
		if (!g_hash_table_contains (shown, accel))
			fail_msg ("%s is bound but not in the shortcuts window", (char *)accel);
	g_hash_table_iter_init (&iter, shown);
	while (g_hash_table_iter_next (&iter, &accel, NULL))
		if (!g_hash_table_contains (bound, accel))
			fail_msg ("the shortcuts window shows %s, which nothing binds",
				  (char *)accel);

	/* the action F1 and Ctrl+? are bound to (checked above) opens it */
	g_action_group_activate_action (
	    G_ACTION_GROUP (env->gui->window), "show-help-overlay", NULL);
	ir_gui_test_wait (test_gui_keyboard_visible, overlay, "the shortcuts window is shown");
	ir_gui_test_snapshot (GTK_WIDGET (overlay), "shortcuts-window");
	gtk_widget_hide (GTK_WIDGET (overlay));
}

/* The main window before sign-in holds the sign-in page (file and token
 * choices, the token picker), the workbench and the auditor's page: every
 * control on each has a name, shown or not. */
static void
test_gui_keyboard_window_named (void **state)
{
	Env *env = *state;

	ir_gui_test_assert_named (GTK_WIDGET (env->gui->window), "main window");
}

static void
test_gui_keyboard_dialogs_named (void **state)
{
	Env *env = *state;
	IrBrandPinRequest request = {
	    .token_label = "Centre token",
	    .subject = "CN=tech-anita",
	    .pin_count_low = TRUE,
	};
	GtkWidget *port = ir_port_dialog_new (GTK_WINDOW (env->gui->window));
	GtkWidget *pin = ir_pin_dialog_new (GTK_WINDOW (env->gui->window), &request, NULL);

	ir_gui_test_assert_named (port, "add-a-port dialog");
	ir_gui_test_assert_named (pin, "PIN dialog");
	gtk_widget_destroy (port);
	gtk_widget_destroy (pin);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_gui_keyboard_shortcuts),
	    cmocka_unit_test (test_gui_keyboard_window_named),
	    cmocka_unit_test (test_gui_keyboard_dialogs_named),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-keyboard", tests, test_gui_keyboard_setup, test_gui_keyboard_teardown);
}
