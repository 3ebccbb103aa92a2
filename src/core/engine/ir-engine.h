/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-progress.h"
#include "ir-restore-eligible.h"
#include "ir-restore-log.h"
#include "ir-restore-plan.h"
#include "ir-restore.h"

G_BEGIN_DECLS

/* IrEngine: the one object every front end drives (imeictl, the GTK app),
 * in the manner of fwupd's FuEngine. It owns this workstation's state —
 * the technician's credential and the brand client, the trust store, the
 * token-seen store, the migration log and its witness state, the
 * duplicate list — and makes the decisions that keep a restore safe, so
 * that no front end has to repeat them:
 *
 *  - pending INTENTs of the log are recovered (the phone re-read, a
 *    RESULT "recovered" appended) before any new restore touches a
 *    phone that has one;
 *  - a restore waits for the front end's explicit answer to its plan
 *    (IrRestorePlan); there is no default answer;
 *  - restoring many phones runs a bounded pool of workers;
 *  - the witness upload is its own operation, run after the reports,
 *    and skipped once the server refused a token for this log.
 *
 * Threading: open the engine once, in the thread of the main context
 * that will drive it. Every ir_engine_*_async() call captures the
 * thread-default main context at call time (g_main_context_ref_
 * thread_default()); its IrProgress updates, its IrEngineConfirmFunc and
 * its GAsyncReadyCallback all run there, in that order, so a GTK main
 * loop never blocks and imeictl drives the same calls from a GMainLoop.
 * The blocking I/O (serial ports, TLS, fsync) runs in worker threads.
 * Several operations may run at once, on different ports; an operation
 * on a port that another one is using ends with IR_ERROR_BUSY.
 *
 * Cancelling an operation's GCancellable stops it at the next step that
 * checks: before the commit point (the durable INTENT record) nothing is
 * written to the phone and the log stays complete (no pending INTENT);
 * once a write command has left, the restore goes on to its read-back and
 * RESULT, since half a restore is worse than a finished one. */

#define IR_TYPE_ENGINE (ir_engine_get_type ())
G_DECLARE_FINAL_TYPE (IrEngine, ir_engine, IR, ENGINE, GObject)

/* Phones restored at once by ir_engine_restore_many_async() when the
 * config says 0: a powered USB hub's worth; each worker mostly waits on
 * its phone. */
#define IR_ENGINE_DEFAULT_MAX_WORKERS 64

typedef struct {
	const char *server_url; /* https://host:port of the brand server */
	/* how long one node may take to answer before the next is tried (and
	 * to connect, when shorter than the default); 0: the client's defaults */
	guint server_timeout_ms;
	const char *trust_store_path; /* the brand's trust store (ir-trust-store.h) */
	/* the technician's credential: a PKCS#11 token's, found and unlocked
	 * by the front end at sign-in (ir-brand-credential-pkcs11.h: the
	 * token picker and the PIN dialog; the engine takes a reference), or
	 * PEM certificate + key, or PKCS#12 with its passphrase (the caller
	 * wipes its copy after open) */
	IrBrandCredential *credential;
	const char *cert_path;
	const char *key_path;
	const char *p12_path;
	const char *passphrase;
	/* NULL: the certificate's; else it must be the certificate's */
	const char *centre;
	/* how the front end names the centre setting in the error when it is
	 * not the certificate's ("--centre"); NULL: "centre" */
	const char *centre_setting;
	/* used tokens, the migration log and the workstation key */
	const char *state_dir;
	const char *workstation; /* id in the log; NULL: the host name */
	/* the brand's known-duplicate IMEIs; NULL for none. The engine takes
	 * it (and frees it) even when ir_engine_open() fails. */
	IrDuplicateList *duplicates;
	guint max_workers; /* 0: IR_ENGINE_DEFAULT_MAX_WORKERS */
	/* how every port is asked (DESIGN.md §5); AUTO probes AT, then DIAG */
	IrSessionProtocol protocol;
	/* benches only: no connection to the brand server kept alive */
	gboolean brand_fresh_connections;
} IrEngineConfig;

IrEngine *ir_engine_new (void);

/* Opens everything a restore needs, in the order that lets bad input be
 * reported before anything is written: the trust store, the credential
 * (checked: readable, passphrase, not expired, role technician, a
 * centre), the state folder's token-seen store, then the migration log
 * (created when absent; a START record appended; a tampered log is
 * IR_ERROR_READ_ONLY_LOG and nothing is done). Bad settings are
 * IR_ERROR_INVALID_INPUT naming the setting and what to do. Blocks on
 * file I/O only (no network, no phone): call it once, at start. */
gboolean ir_engine_open (IrEngine *self, const IrEngineConfig *config, GError **error);

/* Opens only what eligibility needs, and nothing that writes (no log, no
 * token-seen store), for showing a phone's eligibility without starting
 * a restore (imeictl identify): the trust store, the cached policy in
 * @config's state_dir, and the brand client when @config names a server
 * (the centre is then the certificate's, and ir_engine_refresh_policy()
 * can fetch a newer policy); without a server the centre is @config's
 * (NULL: unknown, and a phase limited to circles covers no phone). A
 * cached policy that does not verify is IR_ERROR_TAMPERED. */
gboolean ir_engine_open_policy (IrEngine *self, const IrEngineConfig *config, GError **error);

/* Opens only the migration log in @state_dir, as it is (no START, no
 * credential), for listing and recovering pending INTENTs
 * (ir_engine_recover_async()); restores need ir_engine_open(). No log in
 * @state_dir is IR_ERROR_NOT_FOUND; a log that does not verify is its
 * tamper alarm (IR_ERROR_TAMPERED), and nothing is listed or recovered. */
gboolean ir_engine_open_log (IrEngine *self, const char *state_dir, GError **error);

/* DIR/migration-log.jsonl; NULL before open. */
const char *ir_engine_get_log_path (IrEngine *self);
/* The technician's centre, from the certificate; NULL when open_log() only. */
const char *ir_engine_get_centre (IrEngine *self);
/* The brand client; NULL when open_log() only. */
IrBrandClient *ir_engine_get_client (IrEngine *self);

/* INTENT records (JsonObject) whose outcome the log does not know yet,
 * in log order (ir_restore_log_pending()). Reads the log: call it from a
 * worker, or when the log is small. */
GPtrArray *ir_engine_get_pending (IrEngine *self, GError **error);

/* TRUE once the brand server refused a token because of this
 * workstation's log (log_forked, log_shrank, log_missing): no token and
 * no witness upload until the brand auditor has checked the log. */
gboolean ir_engine_get_log_refused (IrEngine *self);

/* ---- the rollout policy (docs/rollout-policy.md) ----
 *
 * The engine keeps the brand's signed rollout policy in the state folder
 * (IrPolicyCache), refreshes it with every ir_engine_check_server_async(),
 * and a restore stops before asking for a token when the cached policy
 * says the phone is not eligible. Front ends show eligibility with
 * ir_engine_check_phone(). */

/* GET /v1/policy now (blocking: call it from a worker, or at start): the
 * cache takes the server's policy when it verifies, is not older and not
 * expired; otherwise it keeps what it had and the error says why (also
 * kept for ir_engine_get_policy_warning()). No policy on the server is
 * not an error. Do not call it while restores run. */
gboolean ir_engine_refresh_policy (IrEngine *self, GCancellable *cancellable, GError **error);

/* Why the last refresh was refused (free it), or NULL. */
char *ir_engine_get_policy_warning (IrEngine *self);

/* The cached policy; NULL before ir_engine_open(). */
IrPolicyCache *ir_engine_get_policy_cache (IrEngine *self);

/* What to say of the identified phone @info at @now before anyone starts
 * a restore: whether it needs one, whether this workstation can do it,
 * and (when a policy is cached) whether it is eligible under the rollout
 * policy and if not why (IrEligibility: reason, phase, until when, a
 * sentence in the policy's local time), for this technician's centre.
 * The one decision the app's phone list and imeictl identify show, and
 * the one a restore makes before it asks for a token
 * (ir_restore_eligible_verdict()). */
IrRestoreEligibleVerdict *
ir_engine_check_phone (IrEngine *self, const IrDeviceInfo *info, GDateTime *now);

/* ---- operations: each one async, cancellable, with progress ----
 *
 * @progress (may be NULL) receives the operation's stages; the same
 * IrProgress must not be given to two operations running at once. */

/* GET /v1/health: the server, its pin and the certificate, before any
 * phone is touched. On failure @status (may be NULL) says what failed
 * (IrBrandStatus, cleared by the caller). */
void ir_engine_check_server_async (IrEngine *self,
				   GCancellable *cancellable,
				   GAsyncReadyCallback callback,
				   gpointer user_data);
gboolean ir_engine_check_server_finish (IrEngine *self,
					GAsyncResult *res,
					IrBrandStatus *status,
					GError **error);

/* Identifies the phone on @port (a read: 27.007 identity, profile, every
 * IMEI slot classified against the duplicate list), after recovering its
 * pending INTENTs when the log has any. Stages: OPEN, RECOVER (only with
 * pending INTENTs), IDENTIFY, DONE. */
void ir_engine_identify_async (IrEngine *self,
			       const char *port,
			       IrProgress *progress,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data);
IrDeviceInfo *ir_engine_identify_finish (IrEngine *self, GAsyncResult *res, GError **error);

/* Asked on the caller's context when a restore has a verified token and
 * is about to write: show @plan and answer it with
 * ir_restore_plan_answer(), now or later (keep a reference until then).
 * The restore waits for the answer, or for its cancellable. */
typedef void (*IrEngineConfirmFunc) (IrEngine *engine, IrRestorePlan *plan, gpointer user_data);

/* The IrEngineConfirmFunc of a front end whose user answered every plan
 * yes beforehand (imeictl restore --yes). The engine knows it and answers
 * on the worker, without the two trips through the caller's context that
 * a question costs; called directly, it answers @plan yes. */
void ir_engine_confirm_yes (IrEngine *engine, IrRestorePlan *plan, gpointer user_data);

/* Restores the phone on @port (ir-restore.h has the flow): pending
 * INTENTs of the phone recovered first, then identify, diagnose, token,
 * verify, @confirm, INTENT, write, read back, RESULT, report. @confirm is
 * required: NULL ends the restore NOT_STARTED at CONFIRM with nothing
 * written. @confirm_data must live until the operation finished.
 * Progress: OPEN, [RECOVER], IDENTIFY, DIAGNOSE, [CHALLENGE], TOKEN,
 * VERIFY, CONFIRM, INTENT, WRITE, READ_BACK, [REPORT], DONE, stopping
 * early (then DONE) when the restore stops. */
void ir_engine_restore_async (IrEngine *self,
			      const char *port,
			      IrProgress *progress,
			      IrEngineConfirmFunc confirm,
			      gpointer confirm_data,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data);
/* The outcome, stage and error of the restore, never NULL after
 * ir_engine_open() (a phone that could not be restored is a result,
 * not an error); NULL with @error only when the engine is not open for
 * restores. */
IrRestoreResult *ir_engine_restore_finish (IrEngine *self, GAsyncResult *res, GError **error);

/* Restores every port of @ports at once, at most max_workers at a time,
 * each as ir_engine_restore_async() does. @progress gets one child per
 * port ("child-added", in @ports order) with that phone's stages; its own
 * percentage is the mean of theirs. @confirm is asked once per phone
 * that reaches the confirmation, one call at a time on the caller's
 * context. */
void ir_engine_restore_many_async (IrEngine *self,
				   const char *const *ports,
				   IrProgress *progress,
				   IrEngineConfirmFunc confirm,
				   gpointer confirm_data,
				   GCancellable *cancellable,
				   GAsyncReadyCallback callback,
				   gpointer user_data);
/* IrRestoreResult of each port, in @ports order (free the array). */
GPtrArray *ir_engine_restore_many_finish (IrEngine *self, GAsyncResult *res, GError **error);

/* Resolves the pending INTENTs of the phone on @port without restoring
 * anything: reads it and appends a RESULT "recovered" per INTENT.
 * @n_recovered (may be NULL): how many. Stages: OPEN, RECOVER, DONE. */
void ir_engine_recover_async (IrEngine *self,
			      const char *port,
			      IrProgress *progress,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data);
gboolean
ir_engine_recover_finish (IrEngine *self, GAsyncResult *res, guint *n_recovered, GError **error);

/* Uploads the log's records the brand server has not witnessed yet and
 * keeps its cosigned checkpoint beside the log. Run it after the
 * restores (their reports first). Does nothing and succeeds when the
 * server refused a token for this log (ir_engine_get_log_refused()). A
 * failure loses nothing: the next upload resends. @witnessed (may be
 * NULL): the size the server now witnesses (0 when skipped). */
void ir_engine_upload_witness_async (IrEngine *self,
				     GCancellable *cancellable,
				     GAsyncReadyCallback callback,
				     gpointer user_data);
gboolean ir_engine_upload_witness_finish (IrEngine *self,
					  GAsyncResult *res,
					  guint64 *witnessed,
					  GError **error);

G_END_DECLS
