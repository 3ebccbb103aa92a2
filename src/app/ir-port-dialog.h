/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Asks for a serial port's path (a simulated phone's pseudo-terminal, or a
 * port hotplug did not see). "port-chosen" carries the path; the caller
 * destroys the dialog, or shows why the path was refused. */
#define IR_TYPE_PORT_DIALOG (ir_port_dialog_get_type ())
G_DECLARE_FINAL_TYPE (IrPortDialog, ir_port_dialog, IR, PORT_DIALOG, GtkDialog)

GtkWidget *ir_port_dialog_new (GtkWindow *parent);
void ir_port_dialog_show_error (IrPortDialog *self, const char *message);

G_END_DECLS
