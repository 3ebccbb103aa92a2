/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-signin-page.h"

G_BEGIN_DECLS

/* The technician's bench once signed in: who is signed in and where, the
 * connected phones on the left (hotplug and added ports), the selected
 * phone's step view on the right, and "Restore all eligible". */
#define IR_TYPE_WORKBENCH (ir_workbench_get_type ())
G_DECLARE_FINAL_TYPE (IrWorkbench, ir_workbench, IR, WORKBENCH, GtkBox)

GtkWidget *ir_workbench_new (void);

/* Takes @signin; NULL signs out. */
void ir_workbench_set_signin (IrWorkbench *self, IrSignin *signin);

/* Adds the serial port at @path (a simulator's pseudo-terminal); FALSE with
 * @error when it does not exist or is already listed. */
gboolean ir_workbench_add_port (IrWorkbench *self, const char *path, GError **error);
guint ir_workbench_get_n_phones (IrWorkbench *self);

void ir_workbench_set_settings (IrWorkbench *self, GSettings *settings);
/* The window's technician actions ("restore-all", "restore-selected",
 * "scan-imei", "cancel-restore") land here. */
void ir_workbench_activate (IrWorkbench *self, const char *action);

G_END_DECLS
