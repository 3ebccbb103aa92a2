/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-phone-row.h"
#include "ir-phone-view.h"
#include "ir-phone.h"
#include "ir-recover-dialog.h"
#include "ir-signin-page.h"

G_BEGIN_DECLS

/* The technician's bench once signed in: who is signed in and where, the
 * rollout policy in force (its phases behind an expander), the
 * connected phones on the left (USB hotplug through IrPortMonitor, and
 * ports added by hand such as simulators'), the selected phone's step
 * view on the right, and "Restore all eligible" (the engine's bounded
 * pool, ir_engine_restore_many_async). Suspend and logout are inhibited
 * while any phone is being written. Right after sign-in, unfinished
 * restorations of the log are shown in an IrRecoverDialog. */
#define IR_TYPE_WORKBENCH (ir_workbench_get_type ())
G_DECLARE_FINAL_TYPE (IrWorkbench, ir_workbench, IR, WORKBENCH, GtkBox)

GtkWidget *ir_workbench_new (void);

/* Takes @signin (its engine drives every phone); NULL signs out. */
void ir_workbench_set_signin (IrWorkbench *self, IrSignin *signin);
void ir_workbench_set_settings (IrWorkbench *self, GSettings *settings);

/* Adds the serial port at @path and reads the phone on it; FALSE with
 * @error when it does not exist or is already listed. */
gboolean ir_workbench_add_port (IrWorkbench *self, const char *path, GError **error);
guint ir_workbench_get_n_phones (IrWorkbench *self);
IrPhone *ir_workbench_get_phone (IrWorkbench *self, const char *port);
IrPhoneView *ir_workbench_get_view (IrWorkbench *self, const char *port);
IrPhoneRow *ir_workbench_get_row (IrWorkbench *self, const char *port);
void ir_workbench_select (IrWorkbench *self, const char *port);
/* The dialog of unfinished restorations, while it is open. */
IrRecoverDialog *ir_workbench_get_recover_dialog (IrWorkbench *self);
/* Whether suspend and logout are inhibited now (a write in flight): asked
 * of the session with gtk_application_inhibit(). */
gboolean ir_workbench_get_inhibited (IrWorkbench *self);
/* Who is signed in as shown: "subject · role at centre". */
const char *ir_workbench_get_identity (IrWorkbench *self);
/* The rollout policy line and its phases as shown ("summary\nphases"). */
char *ir_workbench_get_policy_text (IrWorkbench *self);
/* Phones a "Restore all eligible" would start now. */
guint ir_workbench_get_n_eligible (IrWorkbench *self);

/* The window's technician actions land here: "restore-all",
 * "restore-selected", "scan-imei", "cancel-restore". */
void ir_workbench_activate (IrWorkbench *self, const char *action);

G_END_DECLS
