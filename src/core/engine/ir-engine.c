/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>

#include "ir-engine.h"
#include "ir-error.h"
#include "ir-progress-private.h"
#include "ir-protocols.h"
#include "ir-restore-eligible.h"
#include "ir-restore-plan-private.h"

/* Every operation runs its blocking part in a worker thread (an inner
 * GTask) and completes the caller's GTask from the inner one's callback,
 * on the caller's context, after flushing the operation's progress: so
 * no progress update ever arrives after the caller's callback. */

struct _IrEngine {
	GObject parent_instance;
	IrTrustStore *trust;
	IrBrandClient *client;
	IrTokenSeen *seen;
	IrDuplicateList *duplicates;
	IrRestoreLog *log;
	IrPolicyCache *policy; /* the cached rollout policy */
	char *centre;	       /* ir_engine_open_policy() without a server */
	char *policy_warning;  /* why the last refresh was refused (lock) */
	guint max_workers;
	IrSessionProtocol protocol;
	gint log_refused; /* atomic */
	GMutex lock;	  /* busy_ports, n_pending, pending_stale */
	GHashTable *busy_ports;
	guint n_pending;
	gboolean pending_stale;
};

G_DEFINE_TYPE (IrEngine, ir_engine, G_TYPE_OBJECT)

/* Every port is asked in the protocol the engine was configured with. */
static IrSession *
ir_engine_session_open (IrEngine *self, const char *port, GError **error)
{
	IrSession *session = ir_session_open (port, error);

	if (session != NULL)
		ir_session_set_protocol (session, self->protocol);
	return session;
}

/* What one operation needs and gives back, shared by its two tasks. */
typedef struct {
	IrEngine *engine;
	char *port;
	GStrv ports;
	IrProgress *progress;
	IrEngineConfirmFunc confirm;
	gpointer confirm_data;
	GMainContext *context;
	/* what it gives back */
	IrRestoreResult *result;
	GPtrArray *results;
	IrDeviceInfo *info;
	guint n_recovered;
	guint64 witnessed;
	IrBrandStatus status;
	GTaskThreadFunc func;
} IrEngineOp;

static void
ir_engine_op_free (IrEngineOp *op)
{
	g_object_unref (op->engine);
	g_free (op->port);
	g_strfreev (op->ports);
	g_object_unref (op->progress);
	g_main_context_unref (op->context);
	ir_restore_result_free (op->result);
	if (op->results != NULL)
		g_ptr_array_unref (op->results);
	ir_device_info_free (op->info);
	ir_brand_client_status_clear (&op->status);
	g_free (op);
}

static void
ir_engine_finalize (GObject *object)
{
	IrEngine *self = IR_ENGINE (object);

	g_clear_pointer (&self->log, ir_restore_log_free);
	g_clear_pointer (&self->policy, ir_policy_cache_free);
	g_free (self->policy_warning);
	g_free (self->centre);
	g_clear_pointer (&self->seen, ir_token_seen_free);
	g_clear_pointer (&self->client, ir_brand_client_unref);
	g_clear_pointer (&self->trust, ir_trust_store_unref);
	g_clear_pointer (&self->duplicates, ir_duplicate_list_free);
	g_hash_table_unref (self->busy_ports);
	g_mutex_clear (&self->lock);
	G_OBJECT_CLASS (ir_engine_parent_class)->finalize (object);
}

static void
ir_engine_class_init (IrEngineClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = ir_engine_finalize;
	/* the drivers every session looks families up among */
	ir_protocols_register ();
}

static void
ir_engine_init (IrEngine *self)
{
	g_mutex_init (&self->lock);
	self->busy_ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	self->max_workers = IR_ENGINE_DEFAULT_MAX_WORKERS;
}

IrEngine *
ir_engine_new (void)
{
	return g_object_new (IR_TYPE_ENGINE, NULL);
}

/* ---- opening ---- */

static gboolean
ir_engine_open_client (IrEngine *self, const IrEngineConfig *config, GError **error)
{
	IrBrandClientConfig cfg = {
	    .server_url = config->server_url,
	    .trust = self->trust,
	    .credential = config->credential,
	    .cert_path = config->cert_path,
	    .key_path = config->key_path,
	    .p12_path = config->p12_path,
	    .passphrase = config->passphrase,
	    .fresh_connections = config->brand_fresh_connections,
	    .timeout_ms = config->server_timeout_ms,
	    .connect_timeout_ms = MIN (config->server_timeout_ms, IR_BRAND_DEFAULT_CONNECT_MS),
	};
	const char *centre;

	if (config->server_url == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "no brand server: give its https://HOST:PORT address");
		return FALSE;
	}
	self->client = ir_brand_client_new (&cfg, NULL, error);
	if (self->client == NULL)
		return FALSE;
	centre = ir_brand_client_get_centre (self->client);
	if (config->centre != NULL && g_strcmp0 (config->centre, centre) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s %s, but your certificate is for centre %s: use your own "
			     "centre's certificate",
			     config->centre_setting != NULL ? config->centre_setting : "centre",
			     config->centre,
			     centre);
		return FALSE;
	}
	if (centre == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "your certificate names no service centre, which the migration log "
			     "needs: ask the brand for a technician certificate");
		return FALSE;
	}
	return TRUE;
}

/* The migration log must take a durable INTENT before any phone is
 * written: a log that cannot (tampered, unwritable) stops here. */
static gboolean
ir_engine_open_state (IrEngine *self, const IrEngineConfig *config, GError **error)
{
	g_autofree char *seen_path = g_build_filename (config->state_dir, "token-seen", NULL);
	g_autoptr (GPtrArray) pending = NULL;
	IrRestoreLogConfig cfg = {
	    .state_dir = config->state_dir,
	    .centre = ir_brand_client_get_centre (self->client),
	    .workstation = config->workstation,
	    .technician = ir_brand_client_get_subject (self->client),
	};

	self->seen = ir_token_seen_open (seen_path, error);
	if (self->seen == NULL)
		return FALSE;
	/* a cached policy changed on disk is bad input: say so before the
	 * log is touched */
	self->policy = ir_policy_cache_new (config->state_dir, self->trust);
	if (!ir_policy_cache_load (self->policy, error)) {
		g_prefix_error (error, "nothing done: ");
		return FALSE;
	}
	self->log = ir_restore_log_open (&cfg, error);
	if (self->log == NULL) {
		g_prefix_error (error, "nothing done: ");
		return FALSE;
	}
	pending = ir_restore_log_pending (self->log, error);
	if (pending == NULL)
		return FALSE;
	self->n_pending = pending->len;
	return TRUE;
}

static gboolean
ir_engine_open_trust (IrEngine *self, const IrEngineConfig *config, GError **error)
{
	g_autoptr (GError) error_local = NULL;

	if (config->trust_store_path == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "no trust store: give the brand's trust store file");
		return FALSE;
	}
	self->trust = ir_trust_store_load (config->trust_store_path, &error_local);
	if (self->trust == NULL) {
		/* whatever failed, it is a file the technician gave us */
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the trust store: %s",
			     error_local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_engine_open (IrEngine *self, const IrEngineConfig *config, GError **error)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), FALSE);
	g_return_val_if_fail (self->log == NULL, FALSE);
	g_return_val_if_fail (config->state_dir != NULL, FALSE);

	self->duplicates = config->duplicates;
	if (config->max_workers > 0)
		self->max_workers = config->max_workers;
	self->protocol = config->protocol;
	if (!ir_engine_open_trust (self, config, error))
		return FALSE;
	return ir_engine_open_client (self, config, error) &&
	       ir_engine_open_state (self, config, error);
}

gboolean
ir_engine_open_policy (IrEngine *self, const IrEngineConfig *config, GError **error)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), FALSE);
	g_return_val_if_fail (self->log == NULL && self->policy == NULL, FALSE);
	g_return_val_if_fail (config->state_dir != NULL, FALSE);

	if (!ir_engine_open_trust (self, config, error))
		return FALSE;
	if (config->server_url != NULL && !ir_engine_open_client (self, config, error))
		return FALSE;
	/* a fetched policy is cached there; a first run has no folder yet */
	if (self->client != NULL && g_mkdir_with_parents (config->state_dir, 0700) != 0) {
		int saved = errno;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot create the state folder %s: %s; give a writable --state-dir",
			     config->state_dir,
			     g_strerror (saved));
		return FALSE;
	}
	if (self->client == NULL)
		self->centre = g_strdup (config->centre);
	self->policy = ir_policy_cache_new (config->state_dir, self->trust);
	return ir_policy_cache_load (self->policy, error);
}

gboolean
ir_engine_open_log (IrEngine *self, const char *state_dir, GError **error)
{
	g_autoptr (GPtrArray) pending = NULL;
	const GError *alarm;

	g_return_val_if_fail (IR_IS_ENGINE (self), FALSE);
	g_return_val_if_fail (self->log == NULL, FALSE);

	self->log = ir_restore_log_open_existing (state_dir, NULL, error);
	if (self->log == NULL)
		return FALSE;
	/* the log was verified as it opened: on a tampered log the pending
	 * INTENTs cannot be trusted, so none is listed or recovered */
	alarm = ir_migration_log_get_tamper_error (ir_restore_log_get_log (self->log));
	if (alarm != NULL) {
		g_set_error_literal (error, alarm->domain, alarm->code, alarm->message);
		return FALSE;
	}
	pending = ir_restore_log_pending (self->log, error);
	if (pending == NULL)
		return FALSE;
	self->n_pending = pending->len;
	return TRUE;
}

const char *
ir_engine_get_log_path (IrEngine *self)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), NULL);
	return self->log != NULL ? ir_restore_log_get_path (self->log) : NULL;
}

const char *
ir_engine_get_centre (IrEngine *self)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), NULL);
	return self->client != NULL ? ir_brand_client_get_centre (self->client) : self->centre;
}

IrBrandClient *
ir_engine_get_client (IrEngine *self)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), NULL);
	return self->client;
}

GPtrArray *
ir_engine_get_pending (IrEngine *self, GError **error)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), NULL);
	g_return_val_if_fail (self->log != NULL, NULL);
	return ir_restore_log_pending (self->log, error);
}

gboolean
ir_engine_get_log_refused (IrEngine *self)
{
	g_return_val_if_fail (IR_IS_ENGINE (self), FALSE);
	return g_atomic_int_get (&self->log_refused) != 0;
}

/* ---- the two tasks of an operation ---- */

static IrEngineOp *
ir_engine_op_new (IrEngine *self, const char *port, IrProgress *progress)
{
	IrEngineOp *op = g_new0 (IrEngineOp, 1);

	op->engine = g_object_ref (self);
	op->port = g_strdup (port);
	op->context = g_main_context_ref_thread_default ();
	op->progress = progress != NULL ? g_object_ref (progress) : ir_progress_new ();
	ir_progress_start (op->progress, op->context, port);
	return op;
}

static void
ir_engine_op_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (GTask) outer = user_data;
	IrEngineOp *op = g_task_get_task_data (outer);
	GError *error = NULL;

	/* everything the worker queued, before the caller hears the end */
	ir_progress_flush (op->progress);
	if (!g_task_propagate_boolean (G_TASK (res), &error)) {
		g_task_return_error (outer, error);
		return;
	}
	g_task_return_boolean (outer, TRUE);
}

/* The engine's work runs on GLib's shared worker threads, which outlive
 * it. OpenSSL keeps state per thread (its DRBGs, the error queue) until
 * the thread exits; each job frees its own, so none is left behind on an
 * idle thread when the process exits. */
static void
ir_engine_op_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	IrEngineOp *op = task_data;

	op->func (task, source, task_data, cancellable);
	OPENSSL_thread_stop ();
}

static void
ir_engine_op_run (IrEngine *self,
		  IrEngineOp *op,
		  GTaskThreadFunc func,
		  GCancellable *cancellable,
		  GAsyncReadyCallback callback,
		  gpointer user_data)
{
	GTask *outer = g_task_new (self, cancellable, callback, user_data);
	g_autoptr (GTask) inner = g_task_new (self, cancellable, ir_engine_op_done, outer);

	g_task_set_task_data (outer, op, (GDestroyNotify)ir_engine_op_free);
	g_task_set_task_data (inner, op, NULL);
	/* the worker decides what a cancel means: after a write, nothing */
	g_task_set_check_cancellable (inner, FALSE);
	g_task_set_check_cancellable (outer, FALSE);
	op->func = func;
	g_task_run_in_thread (inner, ir_engine_op_thread);
}

static IrEngineOp *
ir_engine_op_finish (IrEngine *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (res, self), NULL);
	if (!g_task_propagate_boolean (G_TASK (res), error))
		return NULL;
	return g_task_get_task_data (G_TASK (res));
}

static gboolean
ir_engine_need_log (IrEngine *self, gboolean need_client, GError **error)
{
	if (self->log != NULL && (!need_client || self->client != NULL))
		return TRUE;
	g_set_error_literal (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     need_client ? "the engine is not open for restores (ir_engine_open)"
					 : "the engine has no migration log open");
	return FALSE;
}

/* ---- ports in use ---- */

static gboolean
ir_engine_claim_port (IrEngine *self, const char *port, GError **error)
{
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

	if (g_hash_table_contains (self->busy_ports, port)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_BUSY,
			     "%s is already being worked on by this workstation: wait for it to "
			     "finish; nothing done",
			     port);
		return FALSE;
	}
	g_hash_table_add (self->busy_ports, g_strdup (port));
	return TRUE;
}

static void
ir_engine_release_port (IrEngine *self, const char *port)
{
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

	g_hash_table_remove (self->busy_ports, port);
}

/* Whether the log may hold a pending INTENT: counted at open, and again
 * after anything that may have added or resolved one. */
static guint
ir_engine_pending_count (IrEngine *self)
{
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

	if (self->pending_stale) {
		g_autoptr (GPtrArray) pending = ir_restore_log_pending (self->log, NULL);
		/* a log that cannot be read: recovery will say so */
		self->n_pending = pending != NULL ? pending->len : 1;
		self->pending_stale = FALSE;
	}
	return self->n_pending;
}

static void
ir_engine_pending_changed (IrEngine *self)
{
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

	self->pending_stale = TRUE;
}

/* ---- progress sentences ---- */

static char *
ir_engine_stage_sentence (IrRestoreStage stage, const char *port)
{
	switch (stage) {
	case IR_RESTORE_STAGE_OPEN:
		return g_strdup_printf ("Opening %s", port);
	case IR_RESTORE_STAGE_RECOVER:
		return g_strdup_printf (
		    "Reading the phone on %s for a restore whose outcome is not known yet", port);
	case IR_RESTORE_STAGE_IDENTIFY:
		return g_strdup_printf ("Identifying the phone on %s", port);
	case IR_RESTORE_STAGE_DIAGNOSE:
		return g_strdup_printf ("Checking which IMEIs of %s need restoring", port);
	case IR_RESTORE_STAGE_CHALLENGE:
		return g_strdup_printf ("Asking the phone on %s for its challenge", port);
	case IR_RESTORE_STAGE_TOKEN:
		return g_strdup_printf ("Asking the brand server for a restore token for %s", port);
	case IR_RESTORE_STAGE_VERIFY:
		return g_strdup_printf ("Verifying the restore token for %s", port);
	case IR_RESTORE_STAGE_CONFIRM:
		return g_strdup_printf ("Waiting for the technician to confirm %s", port);
	case IR_RESTORE_STAGE_INTENT:
		return g_strdup_printf ("Recording the restore of %s in the migration log", port);
	case IR_RESTORE_STAGE_WRITE:
		return g_strdup_printf ("Writing the IMEIs to %s: do not unplug the phone", port);
	case IR_RESTORE_STAGE_READ_BACK:
		return g_strdup_printf ("Reading the IMEIs of %s back: do not unplug the phone",
					port);
	case IR_RESTORE_STAGE_REPORT:
		return g_strdup_printf ("Reporting the outcome for %s to the brand server", port);
	case IR_RESTORE_STAGE_DONE:
	default:
		return g_strdup_printf ("Finished with %s", port);
	}
}

static void
ir_engine_progress (IrProgress *progress, IrRestoreStage stage, const char *port)
{
	g_autofree char *sentence = ir_engine_stage_sentence (stage, port != NULL ? port : "-");

	ir_progress_update (progress, stage, sentence);
}

static void
ir_engine_progress_done (IrProgress *progress, const char *port, const char *what)
{
	g_autofree char *sentence =
	    g_strdup_printf ("Finished with %s: %s", port != NULL ? port : "-", what);

	ir_progress_update (progress, IR_RESTORE_STAGE_DONE, sentence);
}

/* ---- check server ---- */

static void
ir_engine_check_server_worker (GTask *task,
			       gpointer source,
			       gpointer task_data,
			       GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	GError *error = NULL;

	if (!ir_engine_need_log (op->engine, TRUE, &error) ||
	    !ir_brand_client_health (op->engine->client, &op->status, cancellable, &error)) {
		g_task_return_error (task, error);
		return;
	}
	/* the rollout policy comes with the check, so that eligibility is
	 * known before the first phone; a refused one leaves the cache as it
	 * was and a warning (ir_engine_get_policy_warning()) */
	ir_engine_refresh_policy (op->engine, cancellable, NULL);
	g_task_return_boolean (task, TRUE);
}

gboolean
ir_engine_refresh_policy (IrEngine *self, GCancellable *cancellable, GError **error)
{
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (JsonObject) answer = NULL;
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (GError) local = NULL;
	gboolean ok;

	g_return_val_if_fail (self->client != NULL && self->policy != NULL, FALSE);

	answer =
	    ir_brand_client_get_json (self->client, "/v1/policy", &status, cancellable, &local);
	if (answer == NULL && g_strcmp0 (status.server_code, "no_policy") == 0)
		return TRUE;
	g_mutex_lock (&self->lock);
	ok = answer != NULL && ir_policy_cache_update (self->policy, answer, now, &local);
	g_clear_pointer (&self->policy_warning, g_free);
	if (!ok)
		self->policy_warning = g_strdup (local->message);
	g_mutex_unlock (&self->lock);
	if (!ok)
		g_propagate_error (error, g_steal_pointer (&local));
	return ok;
}

char *
ir_engine_get_policy_warning (IrEngine *self)
{
	char *warning;

	g_mutex_lock (&self->lock);
	warning = g_strdup (self->policy_warning);
	g_mutex_unlock (&self->lock);
	return warning;
}

IrPolicyCache *
ir_engine_get_policy_cache (IrEngine *self)
{
	return self->policy;
}

IrRestoreEligibleVerdict *
ir_engine_check_phone (IrEngine *self, const IrDeviceInfo *info, GDateTime *now)
{
	IrRestoreEligibleVerdict *verdict;

	g_return_val_if_fail (IR_IS_ENGINE (self), NULL);
	g_mutex_lock (&self->lock);
	verdict =
	    ir_restore_eligible_verdict (info, self->policy, ir_engine_get_centre (self), now);
	g_mutex_unlock (&self->lock);
	return verdict;
}

void
ir_engine_check_server_async (IrEngine *self,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	IrEngineOp *op = ir_engine_op_new (self, NULL, NULL);

	ir_engine_op_run (
	    self, op, ir_engine_check_server_worker, cancellable, callback, user_data);
}

gboolean
ir_engine_check_server_finish (IrEngine *self,
			       GAsyncResult *res,
			       IrBrandStatus *status,
			       GError **error)
{
	IrEngineOp *op = g_task_get_task_data (G_TASK (res));

	/* the status says what failed: hand it over either way */
	if (status != NULL) {
		*status = op->status;
		memset (&op->status, 0, sizeof (op->status));
	}
	return ir_engine_op_finish (self, res, error) != NULL;
}

/* ---- restore one phone ---- */

/* One restore's link between the flow (worker thread) and the front end
 * (its context). */
typedef struct {
	IrEngine *engine;
	const char *port;
	IrProgress *progress;
	IrEngineConfirmFunc confirm;
	gpointer confirm_data;
} IrEngineRestoreJob;

typedef struct {
	IrEngine *engine;
	IrRestorePlan *plan;
	IrEngineConfirmFunc confirm;
	gpointer confirm_data;
} IrEngineAsk;

static void
ir_engine_ask_free (IrEngineAsk *ask)
{
	g_object_unref (ask->engine);
	g_object_unref (ask->plan);
	g_free (ask);
}

static gboolean
ir_engine_ask (gpointer user_data)
{
	IrEngineAsk *ask = user_data;

	ask->confirm (ask->engine, ask->plan, ask->confirm_data);
	return G_SOURCE_REMOVE;
}

void
ir_engine_confirm_yes (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	ir_restore_plan_answer (plan, TRUE);
}

/* IrRestoreConfirmFunc, on the worker: the plan goes to the front end's
 * context, after the CONFIRM stage, and the worker waits for the answer. */
static gboolean
ir_engine_restore_confirm (const IrRestoreResult *r,
			   gpointer user_data,
			   GCancellable *cancellable,
			   GError **error)
{
	IrEngineRestoreJob *job = user_data;
	g_autoptr (IrRestorePlan) plan = NULL;
	IrEngineAsk *ask;

	/* answered beforehand: the same yes, without the round trip */
	if (job->confirm == ir_engine_confirm_yes)
		return TRUE;
	plan = ir_restore_plan_new (r);
	ask = g_new0 (IrEngineAsk, 1);

	ask->engine = g_object_ref (job->engine);
	ask->plan = g_object_ref (plan);
	ask->confirm = job->confirm;
	ask->confirm_data = job->confirm_data;
	ir_progress_invoke (job->progress, ir_engine_ask, ask, (GDestroyNotify)ir_engine_ask_free);
	return ir_restore_plan_wait (plan, cancellable, error);
}

static void
ir_engine_restore_stage (const IrRestoreResult *r, IrRestoreStage stage, gpointer user_data)
{
	IrEngineRestoreJob *job = user_data;

	ir_engine_progress (job->progress, stage, job->port);
}

static IrRestoreResult *
ir_engine_result_not_started (const char *port, IrRestoreStage stage, GError *error)
{
	IrRestoreResult *r = g_new0 (IrRestoreResult, 1);

	r->slots = g_ptr_array_new ();
	r->port = g_strdup (port);
	r->outcome = IR_RESTORE_NOT_STARTED;
	r->stage = stage;
	r->error = error;
	return r;
}

/* The server refused the token because of this workstation's log. */
static gboolean
ir_engine_result_log_refused (const IrRestoreResult *r)
{
	return r->stage == IR_RESTORE_STAGE_TOKEN &&
	       (g_strcmp0 (r->brand.server_code, "log_forked") == 0 ||
		g_strcmp0 (r->brand.server_code, "log_shrank") == 0 ||
		g_strcmp0 (r->brand.server_code, "log_missing") == 0);
}

static IrRestoreResult *
ir_engine_restore_session (IrEngineRestoreJob *job, GCancellable *cancellable)
{
	IrEngine *self = job->engine;
	IrRestoreOptions opts = {
	    .client = self->client,
	    .trust = self->trust,
	    .seen = self->seen,
	    .duplicates = self->duplicates,
	    .policy = self->policy,
	    .confirm = job->confirm != NULL ? ir_engine_restore_confirm : NULL,
	    .confirm_data = job,
	    .journal = ir_restore_log_journal (),
	    .journal_data = self->log,
	    .stage = ir_engine_restore_stage,
	    .stage_data = job,
	    .protocol = self->protocol,
	};
	g_autoptr (IrSession) session = NULL;
	GError *error = NULL;
	IrRestoreResult *r;

	if (ir_engine_pending_count (self) == 0)
		return ir_restore_run_port (job->port, &opts, cancellable);
	/* a phone with a pending INTENT is read again and its RESULT recorded
	 * before anything else is done to it (DESIGN.md §4 step 8) */
	session = ir_engine_session_open (self, job->port, NULL);
	if (session == NULL)
		return ir_restore_run_port (job->port, &opts, cancellable);
	ir_engine_progress (job->progress, IR_RESTORE_STAGE_RECOVER, job->port);
	ir_engine_pending_changed (self);
	if (!ir_restore_log_recover (self->log, session, NULL, NULL, &error)) {
		g_prefix_error (&error, "nothing written to %s: ", job->port);
		return ir_engine_result_not_started (job->port, IR_RESTORE_STAGE_IDENTIFY, error);
	}
	r = ir_restore_run (session, &opts, cancellable);
	if (r->port == NULL)
		r->port = g_strdup (job->port);
	return r;
}

static IrRestoreResult *
ir_engine_restore_job (IrEngineRestoreJob *job, GCancellable *cancellable)
{
	IrEngine *self = job->engine;
	GError *error = NULL;
	IrRestoreResult *r;

	ir_engine_progress (job->progress, IR_RESTORE_STAGE_OPEN, job->port);
	if (!ir_engine_claim_port (self, job->port, &error)) {
		r = ir_engine_result_not_started (job->port, IR_RESTORE_STAGE_OPEN, error);
		ir_engine_progress_done (job->progress, job->port, "busy");
		return r;
	}
	r = ir_engine_restore_session (job, cancellable);
	if (ir_engine_result_log_refused (r))
		g_atomic_int_set (&self->log_refused, 1);
	if (r->recovery_path != NULL || r->outcome == IR_RESTORE_UNKNOWN)
		ir_engine_pending_changed (self);
	ir_engine_release_port (self, job->port);
	ir_engine_progress_done (
	    job->progress, job->port, ir_restore_outcome_to_string (r->outcome));
	return r;
}

static void
ir_engine_restore_worker (GTask *task,
			  gpointer source,
			  gpointer task_data,
			  GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	IrEngineRestoreJob job = {
	    .engine = op->engine,
	    .port = op->port,
	    .progress = op->progress,
	    .confirm = op->confirm,
	    .confirm_data = op->confirm_data,
	};
	GError *error = NULL;

	if (!ir_engine_need_log (op->engine, TRUE, &error)) {
		g_task_return_error (task, error);
		return;
	}
	op->result = ir_engine_restore_job (&job, cancellable);
	g_task_return_boolean (task, TRUE);
}

void
ir_engine_restore_async (IrEngine *self,
			 const char *port,
			 IrProgress *progress,
			 IrEngineConfirmFunc confirm,
			 gpointer confirm_data,
			 GCancellable *cancellable,
			 GAsyncReadyCallback callback,
			 gpointer user_data)
{
	IrEngineOp *op;

	g_return_if_fail (IR_IS_ENGINE (self));
	g_return_if_fail (port != NULL);
	op = ir_engine_op_new (self, port, progress);
	op->confirm = confirm;
	op->confirm_data = confirm_data;
	ir_engine_op_run (self, op, ir_engine_restore_worker, cancellable, callback, user_data);
}

IrRestoreResult *
ir_engine_restore_finish (IrEngine *self, GAsyncResult *res, GError **error)
{
	IrEngineOp *op = ir_engine_op_finish (self, res, error);

	return op != NULL ? g_steal_pointer (&op->result) : NULL;
}

/* ---- restore many ---- */

typedef struct {
	IrEngineRestoreJob job;
	GCancellable *cancellable;
	IrRestoreResult *result;
} IrEngineManyJob;

static void
ir_engine_many_worker (gpointer data, gpointer user_data)
{
	IrEngineManyJob *mj = data;

	mj->result = ir_engine_restore_job (&mj->job, mj->cancellable);
	/* as ir_engine_op_thread: the pool's threads outlive the job */
	OPENSSL_thread_stop ();
}

static void
ir_engine_restore_many_worker (GTask *task,
			       gpointer source,
			       gpointer task_data,
			       GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	guint n = g_strv_length (op->ports);
	g_autofree IrEngineManyJob *jobs = g_new0 (IrEngineManyJob, n);
	g_autoptr (GPtrArray) children = g_ptr_array_new_with_free_func (g_object_unref);
	GThreadPool *pool;
	GError *error = NULL;

	if (!ir_engine_need_log (op->engine, TRUE, &error)) {
		g_task_return_error (task, error);
		return;
	}
	ir_progress_update (op->progress, IR_RESTORE_STAGE_OPEN, "Restoring the phones");
	/* every child announced before any of them moves */
	for (guint i = 0; i < n; i++)
		g_ptr_array_add (children, ir_progress_add_child (op->progress, op->ports[i]));
	pool = g_thread_pool_new (
	    ir_engine_many_worker, NULL, (gint)MIN (n, op->engine->max_workers), FALSE, NULL);
	for (guint i = 0; i < n; i++) {
		jobs[i].job.engine = op->engine;
		jobs[i].job.port = op->ports[i];
		jobs[i].job.progress = g_ptr_array_index (children, i);
		jobs[i].job.confirm = op->confirm;
		jobs[i].job.confirm_data = op->confirm_data;
		jobs[i].cancellable = cancellable;
		g_thread_pool_push (pool, &jobs[i], NULL);
	}
	g_thread_pool_free (pool, FALSE, TRUE);
	op->results = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_restore_result_free);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add (op->results, jobs[i].result);
	ir_progress_update (op->progress, IR_RESTORE_STAGE_DONE, "Finished with the phones");
	g_task_return_boolean (task, TRUE);
}

void
ir_engine_restore_many_async (IrEngine *self,
			      const char *const *ports,
			      IrProgress *progress,
			      IrEngineConfirmFunc confirm,
			      gpointer confirm_data,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	IrEngineOp *op;

	g_return_if_fail (IR_IS_ENGINE (self));
	g_return_if_fail (ports != NULL);
	op = ir_engine_op_new (self, NULL, progress);
	op->ports = g_strdupv ((char **)ports);
	op->confirm = confirm;
	op->confirm_data = confirm_data;
	ir_engine_op_run (
	    self, op, ir_engine_restore_many_worker, cancellable, callback, user_data);
}

GPtrArray *
ir_engine_restore_many_finish (IrEngine *self, GAsyncResult *res, GError **error)
{
	IrEngineOp *op = ir_engine_op_finish (self, res, error);

	return op != NULL ? g_steal_pointer (&op->results) : NULL;
}

/* ---- identify, recover ---- */

/* Recovers @port's pending INTENTs on an open session. */
static gboolean
ir_engine_recover_session (IrEngineOp *op, IrSession *session, guint *n_recovered, GError **error)
{
	IrEngine *self = op->engine;

	ir_engine_progress (op->progress, IR_RESTORE_STAGE_RECOVER, op->port);
	ir_engine_pending_changed (self);
	return ir_restore_log_recover (self->log, session, NULL, n_recovered, error);
}

static gboolean
ir_engine_identify_port (IrEngineOp *op, GCancellable *cancellable, GError **error)
{
	IrEngine *self = op->engine;
	g_autoptr (IrSession) session = NULL;

	ir_engine_progress (op->progress, IR_RESTORE_STAGE_OPEN, op->port);
	session = ir_engine_session_open (self, op->port, error);
	if (session == NULL)
		return FALSE;
	if (self->log != NULL && ir_engine_pending_count (self) > 0 &&
	    !ir_engine_recover_session (op, session, NULL, error))
		return FALSE;
	ir_engine_progress (op->progress, IR_RESTORE_STAGE_IDENTIFY, op->port);
	op->info = ir_session_identify (session, self->duplicates, cancellable, error);
	return op->info != NULL;
}

static void
ir_engine_identify_worker (GTask *task,
			   gpointer source,
			   gpointer task_data,
			   GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	GError *error = NULL;
	gboolean ok = FALSE;

	if (ir_engine_claim_port (op->engine, op->port, &error)) {
		ok = ir_engine_identify_port (op, cancellable, &error);
		ir_engine_release_port (op->engine, op->port);
	}
	ir_engine_progress_done (op->progress, op->port, ok ? "identified" : "not identified");
	if (!ok) {
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

void
ir_engine_identify_async (IrEngine *self,
			  const char *port,
			  IrProgress *progress,
			  GCancellable *cancellable,
			  GAsyncReadyCallback callback,
			  gpointer user_data)
{
	g_return_if_fail (IR_IS_ENGINE (self));
	g_return_if_fail (port != NULL);
	ir_engine_op_run (self,
			  ir_engine_op_new (self, port, progress),
			  ir_engine_identify_worker,
			  cancellable,
			  callback,
			  user_data);
}

IrDeviceInfo *
ir_engine_identify_finish (IrEngine *self, GAsyncResult *res, GError **error)
{
	IrEngineOp *op = ir_engine_op_finish (self, res, error);

	return op != NULL ? g_steal_pointer (&op->info) : NULL;
}

static gboolean
ir_engine_recover_port (IrEngineOp *op, GError **error)
{
	g_autoptr (IrSession) session = NULL;

	ir_engine_progress (op->progress, IR_RESTORE_STAGE_OPEN, op->port);
	session = ir_engine_session_open (op->engine, op->port, error);
	if (session == NULL)
		return FALSE;
	return ir_engine_recover_session (op, session, &op->n_recovered, error);
}

static void
ir_engine_recover_worker (GTask *task,
			  gpointer source,
			  gpointer task_data,
			  GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	GError *error = NULL;
	gboolean ok = FALSE;

	if (ir_engine_need_log (op->engine, FALSE, &error) &&
	    ir_engine_claim_port (op->engine, op->port, &error)) {
		ok = ir_engine_recover_port (op, &error);
		ir_engine_release_port (op->engine, op->port);
	}
	ir_engine_progress_done (op->progress, op->port, ok ? "recovered" : "not recovered");
	if (!ok) {
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

void
ir_engine_recover_async (IrEngine *self,
			 const char *port,
			 IrProgress *progress,
			 GCancellable *cancellable,
			 GAsyncReadyCallback callback,
			 gpointer user_data)
{
	g_return_if_fail (IR_IS_ENGINE (self));
	g_return_if_fail (port != NULL);
	ir_engine_op_run (self,
			  ir_engine_op_new (self, port, progress),
			  ir_engine_recover_worker,
			  cancellable,
			  callback,
			  user_data);
}

gboolean
ir_engine_recover_finish (IrEngine *self, GAsyncResult *res, guint *n_recovered, GError **error)
{
	IrEngineOp *op = ir_engine_op_finish (self, res, error);

	if (op == NULL)
		return FALSE;
	if (n_recovered != NULL)
		*n_recovered = op->n_recovered;
	return TRUE;
}

/* ---- witness upload ---- */

static void
ir_engine_upload_worker (GTask *task,
			 gpointer source,
			 gpointer task_data,
			 GCancellable *cancellable)
{
	IrEngineOp *op = task_data;
	IrEngine *self = op->engine;
	GError *error = NULL;

	if (!ir_engine_need_log (self, TRUE, &error)) {
		g_task_return_error (task, error);
		return;
	}
	/* the server will not witness a log it refused a token for: sending
	 * it again would only repeat the refusal */
	if (g_atomic_int_get (&self->log_refused) == 0 &&
	    !ir_restore_log_upload (
		self->log, self->client, &op->witnessed, &op->status, cancellable, &error)) {
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

void
ir_engine_upload_witness_async (IrEngine *self,
				GCancellable *cancellable,
				GAsyncReadyCallback callback,
				gpointer user_data)
{
	g_return_if_fail (IR_IS_ENGINE (self));
	ir_engine_op_run (self,
			  ir_engine_op_new (self, NULL, NULL),
			  ir_engine_upload_worker,
			  cancellable,
			  callback,
			  user_data);
}

gboolean
ir_engine_upload_witness_finish (IrEngine *self,
				 GAsyncResult *res,
				 guint64 *witnessed,
				 GError **error)
{
	IrEngineOp *op = ir_engine_op_finish (self, res, error);

	if (op == NULL)
		return FALSE;
	if (witnessed != NULL)
		*witnessed = op->witnessed;
	return TRUE;
}
