/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ir-brandd-worker.h"
#include "ir-error.h"

struct _IrBranddWorker {
	GAsyncQueue *todo; /* jobs for the thread; the stop marker ends it */
	GAsyncQueue *done; /* jobs back for the loop */
	GThread *thread;
	int wake_fd; /* eventfd: the thread wakes the loop */
	struct event *wake;
	guint max_batch;
	IrBranddWorkerRunFunc run;
	IrBranddWorkerDoneFunc on_done;
	gpointer user_data;
};

/* Pushed by ir_brandd_worker_free(): any address no job can have. */
static int ir_brandd_worker_stop_marker;

static void
ir_brandd_worker_hand_back (IrBranddWorker *self, GPtrArray *jobs)
{
	guint64 one = 1;

	for (guint i = 0; i < jobs->len; i++)
		g_async_queue_push (self->done, g_ptr_array_index (jobs, i));
	/* a full counter (never, at 2^64-1) still wakes the loop */
	while (write (self->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

static gpointer
ir_brandd_worker_thread (gpointer data)
{
	IrBranddWorker *self = data;
	gboolean stopping = FALSE;

	while (!stopping) {
		g_autoptr (GPtrArray) jobs = g_ptr_array_new ();
		gpointer job = g_async_queue_pop (self->todo);

		/* what queued up while the last batch was being committed is
		 * the next batch: no waiting for more, so a lone request is
		 * not delayed */
		while (job != NULL && jobs->len < self->max_batch) {
			if (job == &ir_brandd_worker_stop_marker) {
				stopping = TRUE;
				break;
			}
			g_ptr_array_add (jobs, job);
			job =
			    jobs->len < self->max_batch ? g_async_queue_try_pop (self->todo) : NULL;
		}
		if (jobs->len == 0)
			continue;
		self->run (jobs, self->user_data);
		ir_brandd_worker_hand_back (self, jobs);
	}
	return NULL;
}

static void
ir_brandd_worker_deliver (IrBranddWorker *self)
{
	gpointer job;

	while ((job = g_async_queue_try_pop (self->done)) != NULL)
		self->on_done (job, self->user_data);
}

static void
ir_brandd_worker_on_wake (evutil_socket_t fd, short what, void *arg)
{
	IrBranddWorker *self = arg;
	guint64 n = 0;

	if (read (fd, &n, sizeof n) < 0 && errno != EAGAIN && errno != EINTR)
		g_warning ("failed to read the database thread's wake-up: %s", g_strerror (errno));
	ir_brandd_worker_deliver (self);
}

IrBranddWorker *
ir_brandd_worker_new (struct event_base *base,
		      guint max_batch,
		      IrBranddWorkerRunFunc run,
		      IrBranddWorkerDoneFunc done,
		      gpointer user_data,
		      GError **error)
{
	IrBranddWorker *self = g_new0 (IrBranddWorker, 1);

	self->wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (self->wake_fd < 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to make the database thread's eventfd: %s",
			     g_strerror (errno));
		g_free (self);
		return NULL;
	}
	self->todo = g_async_queue_new ();
	self->done = g_async_queue_new ();
	self->max_batch = MAX (max_batch, 1);
	self->run = run;
	self->on_done = done;
	self->user_data = user_data;
	self->wake =
	    event_new (base, self->wake_fd, EV_READ | EV_PERSIST, ir_brandd_worker_on_wake, self);
	event_add (self->wake, NULL);
	self->thread = g_thread_new ("brandd-db", ir_brandd_worker_thread, self);
	return self;
}

void
ir_brandd_worker_push (IrBranddWorker *self, gpointer job)
{
	g_async_queue_push (self->todo, job);
}

void
ir_brandd_worker_free (IrBranddWorker *self)
{
	if (self == NULL)
		return;
	g_async_queue_push (self->todo, &ir_brandd_worker_stop_marker);
	g_thread_join (self->thread);
	event_free (self->wake);
	ir_brandd_worker_deliver (self);
	close (self->wake_fd);
	g_async_queue_unref (self->todo);
	g_async_queue_unref (self->done);
	g_free (self);
}
