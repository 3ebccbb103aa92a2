/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-app.h"
#include "ir-auditor-page.h"
#include "ir-signin-page.h"
#include "ir-workbench.h"

G_BEGIN_DECLS

/* The main window: a header bar switching between the technician's side
 * (sign-in, then the bench of phones) and the auditor's view, and the
 * "win." actions every menu item, button and accelerator goes through. */
#define IR_TYPE_APP_WINDOW (ir_app_window_get_type ())
G_DECLARE_FINAL_TYPE (IrAppWindow, ir_app_window, IR, APP_WINDOW, GtkApplicationWindow)

IrAppWindow *ir_app_window_new (IrApp *app);

IrSigninPage *ir_app_window_get_signin_page (IrAppWindow *self);
IrWorkbench *ir_app_window_get_workbench (IrAppWindow *self);
IrAuditorPage *ir_app_window_get_auditor_page (IrAppWindow *self);
/* "signin", "workbench" or "auditor": what the window shows. */
const char *ir_app_window_get_visible_page (IrAppWindow *self);

G_END_DECLS
