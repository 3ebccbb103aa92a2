/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-app-window.h"
#include "ir-app.h"

G_BEGIN_DECLS

/* What the in-process GUI tests share: the real IrApp and its window under
 * the Xvfb that run-under-xvfb.sh started, waits on conditions (never on
 * time alone), and a PNG of the window per step under the build folder
 * ($IR_BUILDDIR/tests/gui/screenshots/). Helpers fail the current cmocka
 * test when a condition does not come true. */

typedef struct {
	IrApp *app;
	IrAppWindow *window;
} IrGuiApp;

/* The app registered (not unique: tests run side by side) and activated;
 * its window mapped. */
IrGuiApp *ir_gui_app_start (void);
void ir_gui_app_free (IrGuiApp *gui);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrGuiApp, ir_gui_app_free)

typedef gboolean (*IrGuiCondition) (gpointer data);

/* Runs the main loop until @condition holds; fails the test naming @what
 * after a generous limit (a loaded 2-core machine under ASan). */
void ir_gui_test_wait (IrGuiCondition condition, gpointer data, const char *what);
/* Runs what is pending now (layout, redraws, idle callbacks). */
void ir_gui_test_settle (void);

/* Types @passphrase on the sign-in page, presses Sign In and waits for the
 * answer; the error the page shows (NULL: signed in). */
char *ir_gui_test_sign_in (IrGuiApp *gui, const char *passphrase);

/* Draws @window into $IR_BUILDDIR/tests/gui/screenshots/@name.png, or into
 * $IR_SCREENSHOT_DIR when set (scripts/demo.sh --screenshots DIR). */
void ir_gui_test_snapshot (GtkWidget *window, const char *name);

/* The first widget under @root whose accessible name is @name. */
GtkWidget *ir_gui_test_find_by_name (GtkWidget *root, const char *name);

/* Fails the test naming every control under @root whose accessible name is
 * empty (what a screen reader announces as just "button" or "text"):
 * hidden ones too, every page of a stack and every step of a phone. */
void ir_gui_test_assert_named (GtkWidget *root, const char *where);

G_END_DECLS
