/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-audit-sigpool.h"
#include "ir-error.h"

/* a batch is a few milliseconds of Ed25519 verifies: enough to make the
 * hand-over cost nothing, small enough to keep every core busy */
#define IR_AUDIT_SIGPOOL_BATCH 256
/* batches queued or running per thread before push waits */
#define IR_AUDIT_SIGPOOL_AHEAD 4

typedef struct {
	IrCheckpoint cp; /* origin, size, body and signatures: what verify reads */
	guint64 number;
	guint64 line;
	char *key_name;
	EVP_PKEY *key;
} IrAuditSigpoolJob;

struct _IrAuditSigpool {
	GThreadPool *pool;
	guint threads;
	GArray *batch; /* IrAuditSigpoolJob, being filled */
	GMutex lock;
	GCond done_cond;
	guint in_flight;
	/* the first failure in log order so far */
	guint64 bad_number;
	guint64 bad_line;
	GError *bad_error;
};

static void
ir_audit_sigpool_job_clear (gpointer data)
{
	IrAuditSigpoolJob *job = data;

	g_free (job->cp.origin);
	g_free (job->cp.body);
	g_ptr_array_unref (job->cp.signatures);
	g_free (job->key_name);
	EVP_PKEY_free (job->key);
}

static GArray *
ir_audit_sigpool_batch_new (void)
{
	GArray *batch =
	    g_array_sized_new (FALSE, FALSE, sizeof (IrAuditSigpoolJob), IR_AUDIT_SIGPOOL_BATCH);

	g_array_set_clear_func (batch, ir_audit_sigpool_job_clear);
	return batch;
}

/* In a pool thread: verify a batch, keep its first failure if it comes
 * before the one known. */
static void
ir_audit_sigpool_run (gpointer data, gpointer user_data)
{
	g_autoptr (GArray) batch = data;
	IrAuditSigpool *self = user_data;

	for (guint i = 0; i < batch->len; i++) {
		IrAuditSigpoolJob *job = &g_array_index (batch, IrAuditSigpoolJob, i);
		g_autoptr (GError) error = NULL;

		if (ir_checkpoint_verify (&job->cp, job->key_name, job->key, &error))
			continue;
		g_mutex_lock (&self->lock);
		if (self->bad_error == NULL || job->number < self->bad_number) {
			g_clear_error (&self->bad_error);
			self->bad_error = g_steal_pointer (&error);
			self->bad_number = job->number;
			self->bad_line = job->line;
		}
		g_mutex_unlock (&self->lock);
		break; /* later ones in this batch come after it */
	}
	g_mutex_lock (&self->lock);
	self->in_flight--;
	g_cond_broadcast (&self->done_cond);
	g_mutex_unlock (&self->lock);
}

IrAuditSigpool *
ir_audit_sigpool_new (void)
{
	IrAuditSigpool *self = g_new0 (IrAuditSigpool, 1);

	self->threads = MAX (g_get_num_processors (), 1);
	self->pool =
	    g_thread_pool_new (ir_audit_sigpool_run, self, (gint)self->threads, FALSE, NULL);
	self->batch = ir_audit_sigpool_batch_new ();
	g_mutex_init (&self->lock);
	g_cond_init (&self->done_cond);
	return self;
}

static void
ir_audit_sigpool_flush (IrAuditSigpool *self)
{
	if (self->batch->len == 0)
		return;
	g_mutex_lock (&self->lock);
	while (self->in_flight >= self->threads * IR_AUDIT_SIGPOOL_AHEAD)
		g_cond_wait (&self->done_cond, &self->lock);
	self->in_flight++;
	g_mutex_unlock (&self->lock);
	g_thread_pool_push (self->pool, g_steal_pointer (&self->batch), NULL);
	self->batch = ir_audit_sigpool_batch_new ();
}

void
ir_audit_sigpool_push (IrAuditSigpool *self,
		       const IrCheckpoint *cp,
		       guint64 number,
		       guint64 line,
		       const char *key_name,
		       EVP_PKEY *key)
{
	IrAuditSigpoolJob job = {
	    .cp = {.origin = g_strdup (cp->origin),
		   .size = cp->size,
		   .body = g_strdup (cp->body),
		   /* never changed once parsed: shared, not copied */
		   .signatures = g_ptr_array_ref (cp->signatures)},
	    .number = number,
	    .line = line,
	    .key_name = g_strdup (key_name),
	    .key = key,
	};

	EVP_PKEY_up_ref (key);
	g_array_append_val (self->batch, job);
	if (self->batch->len >= IR_AUDIT_SIGPOOL_BATCH)
		ir_audit_sigpool_flush (self);
}

gboolean
ir_audit_sigpool_finish (IrAuditSigpool *self, guint64 *number, guint64 *line, GError **error)
{
	ir_audit_sigpool_flush (self);
	g_mutex_lock (&self->lock);
	while (self->in_flight > 0)
		g_cond_wait (&self->done_cond, &self->lock);
	g_mutex_unlock (&self->lock);
	if (self->bad_error == NULL)
		return TRUE;
	*number = self->bad_number;
	*line = self->bad_line;
	g_propagate_error (error, g_steal_pointer (&self->bad_error));
	return FALSE;
}

void
ir_audit_sigpool_free (IrAuditSigpool *self)
{
	if (self == NULL)
		return;
	/* every batch done (finish), or none will be looked at: wait anyway,
	 * the threads use self */
	g_thread_pool_free (self->pool, FALSE, TRUE);
	g_array_unref (self->batch);
	g_clear_error (&self->bad_error);
	g_mutex_clear (&self->lock);
	g_cond_clear (&self->done_cond);
	g_free (self);
}
