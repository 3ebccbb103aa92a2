/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-migration-log.h"
#include "ir-restore.h"

G_BEGIN_DECLS

/* The restore flow's use of the migration log (DESIGN.md §4 steps 5 and
 * 8, docs/migration-log.md): an IrRestoreJournal that appends an INTENT
 * record, durably, before the first write to a phone and a RESULT after
 * it, and the recovery of INTENTs whose outcome the log does not know.
 *
 * The log is the one record of what happened to phones. An INTENT is
 * "pending" while it has no RESULT, or while its last RESULT says
 * "unknown" (the phone went away after the write): the next time a
 * phone with that identity is identified, its IMEIs are read again and a
 * RESULT "recovered" says what was found, before anything else is done
 * to it.
 *
 * Appends from several worker threads (restore --all) are serialised
 * here. */

typedef struct _IrRestoreLog IrRestoreLog;

typedef struct {
	const char *state_dir;	 /* where the log, its checkpoints and the key live */
	const char *centre;	 /* the technician's centre (certificate) */
	const char *workstation; /* this workstation's id; NULL: the host name */
	const char *technician;	 /* client certificate subject or CN; may be NULL */
} IrRestoreLogConfig;

/* Opens (creating when absent) the log and the workstation key
 * (Ed25519, PKCS#8 PEM, mode 0600, DIR/workstation-key.pem), then
 * appends START. A log found tampered is IR_ERROR_READ_ONLY_LOG naming
 * what the alarm says (file, line): no restore may go on without a
 * durable INTENT. */
IrRestoreLog *ir_restore_log_open (const IrRestoreLogConfig *config, GError **error);

/* Opens an existing log for reading its pending INTENTs and recovering
 * them, without appending START. @origin NULL: read from the checkpoint
 * file; no log in @state_dir is IR_ERROR_NOT_FOUND. */
IrRestoreLog *
ir_restore_log_open_existing (const char *state_dir, const char *origin, GError **error);

void ir_restore_log_free (IrRestoreLog *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrRestoreLog, ir_restore_log_free)

IrMigrationLog *ir_restore_log_get_log (IrRestoreLog *self);
/* DIR/migration-log.jsonl */
const char *ir_restore_log_get_path (IrRestoreLog *self);
/* "imeirestore/<centre>/<workstation>" */
const char *ir_restore_log_get_origin (IrRestoreLog *self);

/* The journal for IrRestoreOptions; journal_data is the IrRestoreLog.
 * INTENT failing to append (I/O error, read-only log) stops the restore
 * before the phone is touched. RESULT failing to append turns the
 * outcome into UNKNOWN (the INTENT stays pending), so that success is
 * never reported after a failed sync. */
const IrRestoreJournal *ir_restore_log_journal (void);

/* Witnessing (docs/brand-api.md, src/core/brand/ir-witness-client.h). Fills
 * the log members of @req: the latest checkpoint and the consistency
 * proof from the size the server last witnessed. *@keep (set even on
 * failure) holds what @req points to: unref it after the request. */
gboolean ir_restore_log_fill_token_request (IrRestoreLog *self,
					    IrBrandTokenRequest *req,
					    GPtrArray **keep,
					    GError **error);

/* Uploads the records the server has not witnessed and keeps its
 * cosigned note beside the log. A failure leaves the log as it is: the
 * next upload resends from the size the server accepted. */
gboolean ir_restore_log_upload (IrRestoreLog *self,
				IrBrandClient *client,
				guint64 *witnessed,
				IrBrandStatus *status,
				GCancellable *cancellable,
				GError **error);

/* INTENT records (JsonObject, owned by the array) whose outcome is not
 * known yet, in log order. */
GPtrArray *ir_restore_log_pending (IrRestoreLog *self, GError **error);

/* TRUE when the pending INTENT @intent is about the phone identified as
 * @info (hardware id from its challenge, or NULL): the hardware id when
 * the INTENT has one, else manufacturer, model and serial. */
gboolean ir_restore_log_intent_matches (JsonObject *intent,
					const IrDeviceInfo *info,
					const char *hardware_id);

/* Resolves every pending INTENT of the phone on @session: identifies it
 * (@info, when the caller did), reads its IMEIs and appends a RESULT
 * "recovered" with what was read. @n_recovered: how many. FALSE when a
 * record could not be appended or the phone could not be read: then
 * nothing else may be done to the phone. */
gboolean ir_restore_log_recover (IrRestoreLog *self,
				 IrSession *session,
				 const IrDeviceInfo *info,
				 guint *n_recovered,
				 GError **error);

/* Test-only crash points (imeictl(1), ENVIRONMENT; tests/crash): when
 * $IMEIRESTORE_TEST_CRASH_AT, read once, names @point, the process
 * raises SIGKILL there. Points: start, intent, write, result, report,
 * done, recover. Never set it in production. */
void ir_restore_log_crash_point (const char *point);

G_END_DECLS
