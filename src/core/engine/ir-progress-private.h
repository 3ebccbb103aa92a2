/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-progress.h"

G_BEGIN_DECLS

/* The engine's side of IrProgress: what its worker threads call. Every
 * call here may be made from any thread; what it changes is applied on
 * the context given to ir_progress_start(), in call order. */

/* Called by the engine in the caller's thread when an operation starts:
 * updates go to @context from now on (children share it). */
void ir_progress_start (IrProgress *self, GMainContext *context, const char *port);

/* Queues a new stage with its sentence; the percentage follows from the
 * stage; a stage of WRITE or READ_BACK means a write is in flight. */
void ir_progress_update (IrProgress *self, IrRestoreStage stage, const char *message);

/* A phone's own progress in a batch: queued "child-added" on @self. */
IrProgress *ir_progress_add_child (IrProgress *self, const char *port);

/* Runs @func (@data) on the context, after every update queued before
 * it; @destroy (may be NULL) frees @data afterwards. */
void ir_progress_invoke (IrProgress *self, GSourceFunc func, gpointer data, GDestroyNotify destroy);

/* On the context: applies everything queued so far, now. */
void ir_progress_flush (IrProgress *self);

G_END_DECLS
