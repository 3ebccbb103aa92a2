/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-restore.h"

G_BEGIN_DECLS

/* What an IrEngine operation is doing now, for a front end to show: the
 * stage of the restore flow (IrRestoreStage), one human sentence, a
 * percentage when one is known, and whether a write to the phone is in
 * flight ("do not unplug").
 *
 * Threading: the front end creates the object and hands it to an
 * ir_engine_*_async() call. The engine's worker threads queue updates;
 * the object applies them, in the order they were made, on the main
 * context that was the thread-default when the operation started (the
 * GTK main loop, or the GMainLoop of imeictl), and emits "changed" there
 * once per update. Read the getters only in that context (from a
 * "changed" handler, or from code running in it): they never change
 * under the reader's feet. No update arrives after the operation's
 * GAsyncReadyCallback ran.
 *
 * A progress given to ir_engine_restore_many_async() has one child per
 * phone: "child-added" is emitted (on the same context) before any
 * update of that child, and the parent's percentage is the mean of its
 * children's. */

#define IR_TYPE_PROGRESS (ir_progress_get_type ())
G_DECLARE_FINAL_TYPE (IrProgress, ir_progress, IR, PROGRESS, GObject)

/* A fresh progress: stage OPEN, no message, percentage -1. */
IrProgress *ir_progress_new (void);

/* The phone this progress is about (a port), or NULL for an operation
 * that is not about one phone (a batch, the witness upload). */
const char *ir_progress_get_port (IrProgress *self);

/* The restore flow's stage (OPEN before anything happened; DONE once the
 * operation ended, whatever its outcome). Identify and recover report
 * OPEN, IDENTIFY (and RECOVER) then DONE. */
IrRestoreStage ir_progress_get_stage (IrProgress *self);

/* One sentence for a technician, e.g. "Asking the brand server for a
 * restore token for /dev/ttyUSB0"; NULL before the first update. */
const char *ir_progress_get_message (IrProgress *self);

/* 0..100 when known, -1 when not (e.g. while waiting for the
 * technician's answer). Never goes down during one operation. */
gint ir_progress_get_percentage (IrProgress *self);

/* TRUE from the moment the first write command leaves for the phone
 * until its read-back is done and recorded: the front end should say
 * "do not unplug the phone" while it is TRUE. */
gboolean ir_progress_get_write_in_flight (IrProgress *self);

/* The children of a progress given to ir_engine_restore_many_async(),
 * in the order of the ports given; an empty array otherwise. */
GPtrArray *ir_progress_get_children (IrProgress *self);

/* Signals (all on the operation's caller's context):
 *  "changed" (IrProgress *self): the getters hold a new update.
 *  "child-added" (IrProgress *self, IrProgress *child): a phone's own
 *     progress in a batch, before its first update. */

G_END_DECLS
