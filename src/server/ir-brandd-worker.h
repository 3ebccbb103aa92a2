/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <event2/event.h>
#include <glib.h>

G_BEGIN_DECLS

/* imei-brandd's database thread: the event loop hands it jobs and goes on
 * with TLS and HTTP; the thread runs them, as many as have queued up at
 * once in one call (so that the issuer can commit their tokens in one
 * transaction and one sync), and hands each job back to the loop. The
 * loop never waits for a lock or an fsync. One thread: SQLite has one
 * writer anyway, and the store's connection is used by one thread. */

typedef struct _IrBranddWorker IrBranddWorker;

/* On the thread: the @jobs (at least one) that were waiting, in arrival
 * order. */
typedef void (*IrBranddWorkerRunFunc) (GPtrArray *jobs, gpointer user_data);
/* On the loop: one job back from the thread. */
typedef void (*IrBranddWorkerDoneFunc) (gpointer job, gpointer user_data);

/* Starts the thread; @done runs on @base's loop. At most @max_batch jobs
 * go to one @run. */
IrBranddWorker *ir_brandd_worker_new (struct event_base *base,
				      guint max_batch,
				      IrBranddWorkerRunFunc run,
				      IrBranddWorkerDoneFunc done,
				      gpointer user_data,
				      GError **error);

/* From the loop's thread. */
void ir_brandd_worker_push (IrBranddWorker *self, gpointer job);

/* Runs the jobs already pushed, stops the thread, hands back on the
 * caller's thread what it has not handed back yet, then frees. */
void ir_brandd_worker_free (IrBranddWorker *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddWorker, ir_brandd_worker_free)

G_END_DECLS
