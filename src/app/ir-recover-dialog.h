/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-engine.h"

G_BEGIN_DECLS

/* Shown after sign-in when the migration log holds INTENTs without a
 * RESULT (a write whose outcome is unknown): lists them and recovers the
 * phones that are plugged in (ir_engine_recover_async: read, RESULT
 * "recovered", nothing written). The engine also recovers a phone before
 * any new restore touches it, so "Later" is safe. */
#define IR_TYPE_RECOVER_DIALOG (ir_recover_dialog_get_type ())
G_DECLARE_FINAL_TYPE (IrRecoverDialog, ir_recover_dialog, IR, RECOVER_DIALOG, GtkDialog)

/* @pending: JsonObject INTENT records (ir_engine_get_pending()). */
GtkWidget *ir_recover_dialog_new (GtkWindow *parent, IrEngine *engine, GPtrArray *pending);

/* Recovers every pending phone whose port exists (the Recover Now button). */
void ir_recover_dialog_recover (IrRecoverDialog *self);
/* Recoveries in flight; what the dialog says now. */
guint ir_recover_dialog_get_running (IrRecoverDialog *self);
const char *ir_recover_dialog_get_status (IrRecoverDialog *self);

G_END_DECLS
