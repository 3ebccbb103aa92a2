/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brand-client.h"
#include "ir-policy-cache.h"
#include "ir-session.h"
#include "ir-token-seen.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* One restoration, end to end (DESIGN.md §4): identify → diagnose →
 * challenge (secure families) → token → verify → confirm → write → read
 * back → report. Nothing is written without a token verified here, on
 * this workstation, against this phone and this client certificate.
 *
 *  - Diagnose: a slot needs restoring when it holds the factory default,
 *    a known duplicate, a wrong check digit or a malformed value. A phone
 *    without such a slot is NOTHING_TO_DO and no token is asked for.
 *  - A family that cannot write (3gpp: no write command, no challenge)
 *    stops before the token is asked for, so no quota is spent:
 *    NOT_STARTED with IR_ERROR_NOT_SUPPORTED.
 *  - Legacy families (no challenge): the token binds the serial and the
 *    IMEIs read; the slots are read again just before the write and the
 *    restore stops if they changed. The phone itself verifies nothing.
 *  - Secure families: the phone verifies the token. When it refuses it
 *    for its nonce or counter (its challenge changed meanwhile), the
 *    token is reported aborted and a new one is asked for, once.
 *  - A write the phone refuses, or one that does not read back, is
 *    WRITE_FAILED and reported "failed" with what was read back. The
 *    phone gone (or silent) after a write was sent is UNKNOWN: reported
 *    "unknown", and the INTENT stays pending in the migration log for
 *    recovery (src/core/engine/ir-restore-log.h). */

typedef enum {
	IR_RESTORE_RESTORED,	  /* written and read back; reported success */
	IR_RESTORE_NOTHING_TO_DO, /* every IMEI is valid and not a duplicate */
	IR_RESTORE_DECLINED,	  /* the technician said no; reported aborted */
	IR_RESTORE_NOT_STARTED,	  /* stopped before any write: nothing written */
	IR_RESTORE_WRITE_FAILED,  /* refused, or did not stick; reported failed */
	IR_RESTORE_UNKNOWN,	  /* the phone went away after the write */
} IrRestoreOutcome;

/* The flow's stages, in the order a restore goes through them (CHALLENGE
 * only for secure families; RECOVER only when the migration log has a
 * pending INTENT, REPORT only when a token was issued: those two appear
 * in progress, never as where a result stopped). */
typedef enum {
	IR_RESTORE_STAGE_OPEN,
	IR_RESTORE_STAGE_RECOVER,
	IR_RESTORE_STAGE_IDENTIFY,
	IR_RESTORE_STAGE_DIAGNOSE,
	IR_RESTORE_STAGE_CHALLENGE,
	IR_RESTORE_STAGE_TOKEN,
	IR_RESTORE_STAGE_VERIFY,
	IR_RESTORE_STAGE_CONFIRM,
	IR_RESTORE_STAGE_INTENT,
	IR_RESTORE_STAGE_WRITE,
	IR_RESTORE_STAGE_READ_BACK,
	IR_RESTORE_STAGE_REPORT,
	IR_RESTORE_STAGE_DONE,
} IrRestoreStage;

/* "restored", "nothing_to_do", "declined", "not_started", "write_failed",
 * "unknown" */
const char *ir_restore_outcome_to_string (IrRestoreOutcome outcome);
const char *ir_restore_stage_to_string (IrRestoreStage stage);

typedef struct {
	guint index;	     /* 0-based */
	char *before;	     /* as read when diagnosed; NULL: empty */
	IrImeiStatus status; /* of @before */
	char *target;	     /* what the token says to write; NULL: left alone */
	char *after;	     /* as read back; NULL: empty or not read */
} IrRestoreSlot;

typedef struct {
	IrRestoreOutcome outcome;
	IrRestoreStage stage; /* where it stopped; DONE when it went through */
	GError *error;	      /* why; NULL for RESTORED and NOTHING_TO_DO */
	char *port;
	IrDeviceInfo *info;	  /* NULL when the phone could not be identified */
	char *hardware_id;	  /* from the challenge (secure families) */
	gboolean device_verifies; /* secure family: the phone checked the token */
	GPtrArray *slots;	  /* IrRestoreSlot, in slot order */
	/* the token (NULL when none was issued) */
	char *token_id;
	char *token_expires;
	char *phase;
	char *centre;
	gint64 policy_version; /* the rollout policy of the token; 0: none */
	guint token_requests;  /* 2 when the phone's challenge changed */
	IrBrandStatus brand;   /* of the brand request that failed */
	/* the report to the brand server */
	const char *report_outcome; /* "success"...; NULL: nothing to report */
	gboolean reported;
	GError *report_error;
	char *recovery_path; /* the migration log holding this token's pending INTENT */
	char *token_sha256;  /* hex SHA-256 of the verified token's bytes (INTENT) */
	/* RESTORED: what the technician must do now (the family's
	 * after_write, e.g. restart a DIAG phone); NULL: nothing */
	const char *advice;
} IrRestoreResult;

void ir_restore_result_free (IrRestoreResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrRestoreResult, ir_restore_result_free)

/* The journal is the migration log (ir_restore_log_journal()): INTENT
 * before the first write, RESULT after the read-back (or the failure) and
 * before the report, REPORTED after the report was tried. intent()
 * returning FALSE stops the restore: nothing is written. token_request
 * (may be NULL) fills the log members of every token request (the
 * witness check, docs/brand-api.md); *@keep holds what they point to and
 * is unreffed after the request; FALSE stops before the token is asked
 * for. Called on the worker thread. */
typedef struct {
	gboolean (*intent) (IrRestoreResult *result, gpointer user_data, GError **error);
	void (*result) (IrRestoreResult *result, gpointer user_data);
	void (*reported) (IrRestoreResult *result, gpointer user_data);
	gboolean (*token_request) (IrBrandTokenRequest *req,
				   gpointer user_data,
				   GPtrArray **keep,
				   GError **error);
} IrRestoreJournal;

/* Shows the plan (result->slots with their targets, the token) and asks.
 * TRUE: go on. FALSE without @error: the technician said no. FALSE with
 * @error: could not ask (e.g. no terminal): nothing is written. Called on
 * the worker thread; it may block until the answer (IrEngine waits for
 * the front end's IrRestorePlan answer here). */
typedef gboolean (*IrRestoreConfirmFunc) (const IrRestoreResult *plan,
					  gpointer user_data,
					  GCancellable *cancellable,
					  GError **error);

typedef struct {
	IrBrandClient *client;
	IrTrustStore *trust;
	IrTokenSeen *seen;		   /* cti store of this workstation */
	const IrDuplicateList *duplicates; /* may be NULL */
	/* the cached rollout policy (may be NULL: the server alone decides):
	 * a phone it says is not eligible stops before any token is asked */
	const IrPolicyCache *policy;
	/* required: a NULL confirm stops the restore before the write with
	 * nothing written (a front end that means "do not ask" says so in
	 * its own confirm, as imeictl --yes does) */
	IrRestoreConfirmFunc confirm;
	gpointer confirm_data;
	/* may be NULL: called on the worker thread as each stage starts
	 * (the engine turns it into IrProgress updates) */
	void (*stage) (const IrRestoreResult *result, IrRestoreStage stage, gpointer user_data);
	gpointer stage_data;
	const IrRestoreJournal *journal; /* may be NULL */
	gpointer journal_data;
	/* how ir_restore_run_port() asks the port (DESIGN.md §5) */
	IrSessionProtocol protocol;
} IrRestoreOptions;

/* Runs the whole flow on an open session. Never NULL: the outcome, the
 * stage and the error say what happened. */
IrRestoreResult *
ir_restore_run (IrSession *session, const IrRestoreOptions *options, GCancellable *cancellable);

/* Opens @port, then ir_restore_run(). */
IrRestoreResult *
ir_restore_run_port (const char *port, const IrRestoreOptions *options, GCancellable *cancellable);

G_END_DECLS
