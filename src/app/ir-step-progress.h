/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-progress.h"

G_BEGIN_DECLS

/* One working step of the step view (identify, authorise, write, verify):
 * its title, the engine's sentence, a progress bar that pulses as a
 * heartbeat while the percentage is unknown or the wait is long, "Do not
 * unplug" while a write is in flight, and Cancel while cancelling is
 * still safe. */
#define IR_TYPE_STEP_PROGRESS (ir_step_progress_get_type ())
G_DECLARE_FINAL_TYPE (IrStepProgress, ir_step_progress, IR, STEP_PROGRESS, GtkBox)

void ir_step_progress_set_title (IrStepProgress *self, const char *title);
/* Shows @progress (NULL: nothing yet); @can_cancel: Cancel sensitive. */
void ir_step_progress_update (IrStepProgress *self, IrProgress *progress, gboolean can_cancel);
GtkButton *ir_step_progress_get_cancel_button (IrStepProgress *self);

G_END_DECLS
