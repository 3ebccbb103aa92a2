/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How an imeictl command drives IrEngine: a GMainLoop on a main context of
 * its own, made the thread-default of the command's thread, so that the
 * engine delivers progress, confirmations and completions there (as it
 * does to the GTK app's main loop). Start an ir_engine_*_async() call with
 * ir_cli_loop_done as its callback and the loop as its data, then
 * ir_cli_loop_wait(). */

typedef struct {
	GMainContext *context;
	GMainLoop *loop;
	GAsyncResult *res;
} IrCliLoop;

void ir_cli_loop_init (IrCliLoop *self);
void ir_cli_loop_clear (IrCliLoop *self);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrCliLoop, ir_cli_loop_clear)

/* GAsyncReadyCallback: keeps @res and stops the loop. */
void ir_cli_loop_done (GObject *source, GAsyncResult *res, gpointer user_data);

/* Runs the loop until the operation started last completes; its result
 * (owned by @self until the next wait). */
GAsyncResult *ir_cli_loop_wait (IrCliLoop *self);

G_END_DECLS
