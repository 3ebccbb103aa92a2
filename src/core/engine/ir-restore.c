/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ir-error.h"
#include "ir-restore-eligible.h"
#include "ir-restore.h"
#include "ir-token.h"

/* The phone's challenge may change once between our challenge and its
 * restore (another host asked, the phone rebooted): one more token. */
#define IR_RESTORE_TOKEN_REQUESTS 2

const char *
ir_restore_outcome_to_string (IrRestoreOutcome outcome)
{
	static const char *const names[] = {
	    [IR_RESTORE_RESTORED] = "restored",
	    [IR_RESTORE_NOTHING_TO_DO] = "nothing_to_do",
	    [IR_RESTORE_DECLINED] = "declined",
	    [IR_RESTORE_NOT_STARTED] = "not_started",
	    [IR_RESTORE_WRITE_FAILED] = "write_failed",
	    [IR_RESTORE_UNKNOWN] = "unknown",
	};
	return (guint)outcome < G_N_ELEMENTS (names) ? names[outcome] : "unknown";
}

const char *
ir_restore_stage_to_string (IrRestoreStage stage)
{
	static const char *const names[] = {
	    [IR_RESTORE_STAGE_OPEN] = "open",
	    [IR_RESTORE_STAGE_RECOVER] = "recover",
	    [IR_RESTORE_STAGE_IDENTIFY] = "identify",
	    [IR_RESTORE_STAGE_DIAGNOSE] = "diagnose",
	    [IR_RESTORE_STAGE_CHALLENGE] = "challenge",
	    [IR_RESTORE_STAGE_TOKEN] = "token",
	    [IR_RESTORE_STAGE_VERIFY] = "verify",
	    [IR_RESTORE_STAGE_CONFIRM] = "confirm",
	    [IR_RESTORE_STAGE_INTENT] = "intent",
	    [IR_RESTORE_STAGE_WRITE] = "write",
	    [IR_RESTORE_STAGE_READ_BACK] = "read_back",
	    [IR_RESTORE_STAGE_REPORT] = "report",
	    [IR_RESTORE_STAGE_DONE] = "done",
	};
	return (guint)stage < G_N_ELEMENTS (names) ? names[stage] : "unknown";
}

static void
ir_restore_slot_free (IrRestoreSlot *slot)
{
	g_free (slot->before);
	g_free (slot->target);
	g_free (slot->after);
	g_free (slot);
}

void
ir_restore_result_free (IrRestoreResult *result)
{
	if (result == NULL)
		return;
	g_clear_error (&result->error);
	g_free (result->port);
	ir_device_info_free (result->info);
	g_free (result->hardware_id);
	if (result->slots != NULL)
		g_ptr_array_unref (result->slots);
	g_free (result->token_id);
	g_free (result->token_expires);
	g_free (result->phase);
	g_free (result->centre);
	ir_brand_client_status_clear (&result->brand);
	g_clear_error (&result->report_error);
	g_free (result->recovery_path);
	g_free (result->token_sha256);
	g_free (result);
}

/* Everything one run needs, on its worker thread. */
typedef struct {
	IrSession *session;
	IrAtChannel *channel;
	const IrRestoreOptions *opts;
	GCancellable *cancellable;
	IrRestoreResult *result;
	IrChallenge *challenge;
	GBytes *token;
	IrBrandTokenAnswer *answer;
	char *spc; /* from the verified token, for the family's prepare_write() */
	/* the token's line in the used-token store, syncing beside the
	 * INTENT's append: joined before the phone is written */
	GThread *seen_sync;
} IrRestoreRun;

/* the SPC unlocks the phone: no copy outlives its use */
static void
ir_restore_run_clear_spc (IrRestoreRun *run)
{
	if (run->spc != NULL)
		OPENSSL_cleanse (run->spc, strlen (run->spc));
	g_clear_pointer (&run->spc, g_free);
}

static gpointer
ir_restore_seen_sync_thread (gpointer data)
{
	GError *error = NULL;

	if (!ir_token_seen_sync_finish (data, &error))
		return error;
	return NULL;
}

/* Waits for the used-token store's sync: FALSE with its error when it
 * failed (the token must then not be used). */
static gboolean
ir_restore_seen_sync_join (IrRestoreRun *run, GError **error)
{
	GError *failed;

	if (run->seen_sync == NULL)
		return TRUE;
	failed = g_thread_join (g_steal_pointer (&run->seen_sync));
	if (failed == NULL)
		return TRUE;
	g_propagate_error (error, failed);
	return FALSE;
}

static void
ir_restore_run_clear (IrRestoreRun *run)
{
	g_autoptr (GError) ignored = NULL;

	/* a token whose store line may not be on disk is never used: the
	 * runs that stopped before the write only wait for the thread */
	(void)ir_restore_seen_sync_join (run, &ignored);
	ir_restore_run_clear_spc (run);
	g_clear_pointer (&run->challenge, ir_challenge_free);
	g_clear_pointer (&run->token, g_bytes_unref);
	g_clear_pointer (&run->answer, ir_brand_client_token_answer_free);
}

static void
ir_restore_enter (IrRestoreRun *run, IrRestoreStage stage)
{
	if (run->opts->stage != NULL)
		run->opts->stage (run->result, stage, run->opts->stage_data);
}

static gboolean
ir_restore_stop (IrRestoreRun *run, IrRestoreOutcome outcome, IrRestoreStage stage, GError *error)
{
	run->result->outcome = outcome;
	run->result->stage = stage;
	g_clear_error (&run->result->error);
	run->result->error = error;
	return FALSE;
}

/* The rival scan ir_session_open_check_later() started at open, finished
 * before a token is asked for and so before anything is written anywhere:
 * a port another program holds is refused with the text an open refused
 * at once has. */
static gboolean
ir_restore_check_port (IrRestoreRun *run)
{
	GError *error = NULL;

	if (ir_session_check_port (run->session, &error))
		return TRUE;
	return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_OPEN, error);
}

static gboolean
ir_restore_identify (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	GError *error = NULL;

	r->info =
	    ir_session_identify (run->session, run->opts->duplicates, run->cancellable, &error);
	if (r->info == NULL)
		return ir_restore_stop (
		    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_IDENTIFY, error);
	for (guint i = 0; i < r->info->slots->len; i++) {
		const IrImeiSlot *s = g_ptr_array_index (r->info->slots, i);
		IrRestoreSlot *slot = g_new0 (IrRestoreSlot, 1);
		slot->index = s->index;
		slot->before = g_strdup (s->imei);
		slot->status = s->status;
		g_ptr_array_add (r->slots, slot);
	}
	return TRUE;
}

/* Eligibility under the cached rollout policy, before a token is asked
 * for: the technician learns why now, not after a refusal. */
static gboolean
ir_restore_check_policy (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (IrEligibility) elig = ir_restore_eligible_rollout (
	    run->opts->policy, r->info, ir_brand_client_get_centre (run->opts->client), now);

	if (elig == NULL || elig->reason == IR_ELIGIBLE)
		return TRUE;
	return ir_restore_stop (
	    run,
	    IR_RESTORE_NOT_STARTED,
	    IR_RESTORE_STAGE_DIAGNOSE,
	    g_error_new (IR_ERROR,
			 IR_ERROR_NOT_SUPPORTED,
			 "%s is not eligible under rollout policy version %" G_GINT64_FORMAT
			 " (%s): %s; nothing asked for, nothing written",
			 r->port,
			 elig->policy_version,
			 ir_eligibility_reason_to_string (elig->reason),
			 elig->sentence));
}

/* Which slots need restoring, and whether this family can do it at all:
 * both before any token is asked for (a token spends quota). */
static gboolean
ir_restore_diagnose (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	GError *error = NULL;

	if (!ir_restore_eligible_check (r->info, &error)) {
		if (error != NULL)
			return ir_restore_stop (
			    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_DIAGNOSE, error);
		r->outcome = IR_RESTORE_NOTHING_TO_DO;
		r->stage = IR_RESTORE_STAGE_DONE;
		return FALSE;
	}
	r->device_verifies = ir_restore_eligible_family_verifies (r->info->family);
	return ir_restore_check_policy (run);
}

static gboolean
ir_restore_challenge (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	GError *error = NULL;

	g_clear_pointer (&run->challenge, ir_challenge_free);
	if (!r->device_verifies)
		return TRUE;
	ir_restore_enter (run, IR_RESTORE_STAGE_CHALLENGE);
	run->challenge =
	    r->info->family->challenge (run->channel, r->info->profile, run->cancellable, &error);
	if (run->challenge == NULL) {
		g_prefix_error (&error, "failed to get a challenge from %s: ", r->port);
		return ir_restore_stop (
		    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_CHALLENGE, error);
	}
	g_free (r->hardware_id);
	r->hardware_id = g_strdup (run->challenge->hardware_id);
	return TRUE;
}

static gboolean
ir_restore_request_token (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	IrBrandTokenRequest req = {
	    .manufacturer = r->info->manufacturer,
	    .model = r->info->model,
	    .revision = r->info->revision,
	    .serial = r->info->serial,
	    .hardware_id = r->hardware_id,
	    .family = r->info->family->id,
	    .nonce = run->challenge != NULL ? run->challenge->nonce : NULL,
	    .counter = run->challenge != NULL ? run->challenge->counter : 0,
	    .n_slots = r->slots->len,
	};
	const IrRestoreJournal *journal = run->opts->journal;
	g_autoptr (GPtrArray) keep = NULL;
	GError *error = NULL;

	ir_restore_enter (run, IR_RESTORE_STAGE_TOKEN);
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		req.current_imei[i] = slot->before;
	}
	if (journal != NULL && journal->token_request != NULL &&
	    !journal->token_request (&req, run->opts->journal_data, &keep, &error)) {
		g_prefix_error (&error, "no token asked for %s: ", r->port);
		return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_TOKEN, error);
	}
	g_clear_pointer (&run->answer, ir_brand_client_token_answer_free);
	g_clear_pointer (&r->token_id, g_free);
	ir_brand_client_status_clear (&r->brand);
	r->token_requests++;
	run->answer = ir_brand_client_request_token (
	    run->opts->client, &req, &r->brand, run->cancellable, &error);
	if (run->answer == NULL) {
		g_prefix_error (&error, "no restore token for %s: ", r->port);
		return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_TOKEN, error);
	}
	g_free (r->token_id);
	r->token_id = g_strdup (run->answer->token_id);
	g_free (r->token_expires);
	r->token_expires = g_strdup (run->answer->expires);
	r->policy_version = run->answer->policy_version;
	return TRUE;
}

/* The token must be ours, for this phone as it is now, and never seen:
 * ir_token_verify_bytes() records its cti before we use it. */
static gboolean
ir_restore_verify (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	IrTokenExpect expect = {
	    .client_spki_sha256 = ir_brand_client_get_cnf (run->opts->client),
	    .hardware_id = r->hardware_id,
	    .serial = r->info->serial,
	    .centre = ir_brand_client_get_centre (run->opts->client),
	};
	g_autoptr (IrToken) token = NULL;
	const IrTokenClaims *claims;
	IrTokenRefusal refusal = IR_TOKEN_OK;
	IrTokenSeenSync *sync = NULL;
	GError *error = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (run->answer->token, &len);

	ir_restore_enter (run, IR_RESTORE_STAGE_VERIFY);
	if (run->challenge != NULL) {
		expect.nonce = g_bytes_get_data (run->challenge->nonce, &expect.nonce_len);
		expect.has_counter = TRUE;
		expect.counter = run->challenge->counter;
	}
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		expect.current_imei[i] = slot->before;
	}
	token = ir_token_verify_bytes_unsynced (
	    data, len, run->opts->trust, &expect, run->opts->seen, &sync, &refusal, &error);
	if (token == NULL) {
		g_prefix_error (&error,
				"the restore token %s from %s was refused by this workstation "
				"(%s); nothing written: ",
				r->token_id,
				ir_brand_client_get_url (run->opts->client),
				ir_token_refusal_to_string (refusal));
		return ir_restore_stop (
		    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_VERIFY, error);
	}
	/* the line is in the store (every other adder refuses the cti now);
	 * its fsync overlaps the confirmation and the INTENT's own sync */
	if (sync != NULL)
		run->seen_sync = g_thread_new ("ir-token-seen", ir_restore_seen_sync_thread, sync);
	claims = ir_token_get_claims (token);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		IrRestoreSlot *slot;
		if (claims->imei[i] == NULL)
			continue;
		if (i >= r->slots->len) {
			return ir_restore_stop (
			    run,
			    IR_RESTORE_NOT_STARTED,
			    IR_RESTORE_STAGE_VERIFY,
			    g_error_new (
				IR_ERROR,
				IR_ERROR_TOKEN_REFUSED,
				"the restore token %s names IMEI slot %u, but %s has %u: "
				"the brand's record does not fit this phone; nothing written, "
				"ask the brand",
				r->token_id,
				i + 1,
				r->port,
				r->slots->len));
		}
		slot = g_ptr_array_index (r->slots, i);
		g_free (slot->target);
		slot->target = g_strdup (claims->imei[i]);
	}
	g_free (r->phase);
	r->phase = g_strdup (claims->phase);
	g_free (r->centre);
	r->centre = g_strdup (claims->centre);
	ir_restore_run_clear_spc (run);
	run->spc = g_strdup (claims->spc);
	g_bytes_unref (run->token);
	run->token = g_bytes_ref (run->answer->token);
	g_free (r->token_sha256);
	r->token_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, run->token);
	return TRUE;
}

static gboolean
ir_restore_slot_changes (const IrRestoreSlot *slot)
{
	return slot->target != NULL && g_strcmp0 (slot->before, slot->target) != 0;
}

static gboolean
ir_restore_confirm (IrRestoreRun *run)
{
	GError *error = NULL;

	ir_restore_enter (run, IR_RESTORE_STAGE_CONFIRM);
	if (run->opts->confirm == NULL)
		return ir_restore_stop (
		    run,
		    IR_RESTORE_NOT_STARTED,
		    IR_RESTORE_STAGE_CONFIRM,
		    g_error_new (IR_ERROR,
				 IR_ERROR_FAILED,
				 "nobody was asked to confirm the restore of %s; nothing written",
				 run->result->port));
	if (run->opts->confirm (run->result, run->opts->confirm_data, run->cancellable, &error))
		return TRUE;
	if (error != NULL)
		return ir_restore_stop (
		    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_CONFIRM, error);
	return ir_restore_stop (run,
				IR_RESTORE_DECLINED,
				IR_RESTORE_STAGE_CONFIRM,
				g_error_new (IR_ERROR,
					     IR_ERROR_CANCELLED,
					     "restore of %s declined by the technician; nothing "
					     "written",
					     run->result->port));
}

/* Legacy phones cannot check the token's binding to their IMEIs: read the
 * slots again just before writing, after however long the confirmation
 * took. */
static gboolean
ir_restore_recheck_legacy (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	g_autoptr (GPtrArray) now = NULL;
	GError *error = NULL;

	if (r->device_verifies)
		return TRUE;
	now = r->info->family->read_imeis (
	    run->channel, r->info->profile, NULL, run->cancellable, &error);
	if (now == NULL) {
		g_prefix_error (
		    &error, "failed to read %s again before writing; nothing written: ", r->port);
		return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_WRITE, error);
	}
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		const char *imei = i < now->len ? g_ptr_array_index (now, i) : NULL;
		if (g_strcmp0 (imei, slot->before) != 0) {
			return ir_restore_stop (
			    run,
			    IR_RESTORE_NOT_STARTED,
			    IR_RESTORE_STAGE_WRITE,
			    g_error_new (
				IR_ERROR,
				IR_ERROR_TOKEN_REFUSED,
				"IMEI slot %u of %s changed since the token was issued "
				"(%s, was %s): is it still the same phone? Nothing written; "
				"start again",
				i + 1,
				r->port,
				imei != NULL ? imei : "empty",
				slot->before != NULL ? slot->before : "empty"));
		}
	}
	return TRUE;
}

static gboolean
ir_restore_intent (IrRestoreRun *run)
{
	const IrRestoreJournal *journal = run->opts->journal;
	GError *error = NULL;

	ir_restore_enter (run, IR_RESTORE_STAGE_INTENT);
	/* the commit point: a cancel that came before it writes nothing */
	if (g_cancellable_is_cancelled (run->cancellable))
		return ir_restore_stop (
		    run,
		    IR_RESTORE_NOT_STARTED,
		    IR_RESTORE_STAGE_INTENT,
		    g_error_new (IR_ERROR,
				 IR_ERROR_CANCELLED,
				 "the restore of %s was cancelled; nothing written",
				 run->result->port));
	if (journal != NULL && journal->intent != NULL &&
	    !journal->intent (run->result, run->opts->journal_data, &error)) {
		g_prefix_error (&error, "nothing written to %s: ", run->result->port);
		return ir_restore_stop (
		    run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_INTENT, error);
	}
	return TRUE;
}

/* The used-token store's line must be on disk before the token is used:
 * a crash after the write must not let it be accepted again. A failed
 * sync comes after the INTENT: the phone is untouched, and the caller
 * records an aborted RESULT. */
static gboolean
ir_restore_seen_durable (IrRestoreRun *run)
{
	GError *error = NULL;

	if (ir_restore_seen_sync_join (run, &error))
		return TRUE;
	g_prefix_error (&error,
			"the restore token %s was refused by this workstation (%s); nothing "
			"written to %s: restore token not accepted: ",
			run->result->token_id,
			ir_token_refusal_to_string (IR_TOKEN_REFUSED_STORE),
			run->result->port);
	/* the verification's last step, as a store failure at VERIFY is */
	return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_VERIFY, error);
}

/* After a write command left, these errors leave us not knowing whether
 * the phone took it. */
static gboolean
ir_restore_error_leaves_unknown (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED) ||
	       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The family's step before its first write (DIAG: offline, then the SPC
 * the token carries). Nothing is written yet, so a refusal is a failed
 * write with nothing changed, never an unknown outcome. */
static gboolean
ir_restore_prepare_write (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	const IrFamily *family = r->info->family;
	GError *error = NULL;
	gboolean ok;

	if (family->prepare_write == NULL)
		return TRUE;
	ok = family->prepare_write (run->channel, r->info->profile, run->spc, NULL, &error);
	ir_restore_run_clear_spc (run);
	if (ok)
		return TRUE;
	return ir_restore_stop (run, IR_RESTORE_WRITE_FAILED, IR_RESTORE_STAGE_WRITE, error);
}

static gboolean
ir_restore_write_legacy (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;

	if (!ir_restore_prepare_write (run))
		return FALSE;
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		GError *error = NULL;

		if (!ir_restore_slot_changes (slot))
			continue;
		/* not cancellable from here on: a half-done restore is worse */
		if (ir_session_write_imei (run->session, slot->index, slot->target, NULL, &error))
			continue;
		/* the family's message names the slot, the command and the port */
		return ir_restore_stop (run,
					ir_restore_error_leaves_unknown (error)
					    ? IR_RESTORE_UNKNOWN
					    : IR_RESTORE_WRITE_FAILED,
					IR_RESTORE_STAGE_WRITE,
					error);
	}
	return TRUE;
}

/* The phone refused the token for its challenge: it has a new one. */
static gboolean
ir_restore_refused_for_nonce (const GError *error)
{
	/* the family names the refusal as ir_token_refusal_to_string() in
	 * parentheses after the phone's answer: "(+CME ERROR: 716, nonce)" */
	return g_error_matches (error, IR_ERROR, IR_ERROR_TOKEN_REFUSED) &&
	       (strstr (error->message, ", nonce)") != NULL ||
		strstr (error->message, ", counter)") != NULL);
}

static gboolean
ir_restore_write_secure (IrRestoreRun *run, gboolean *again)
{
	IrRestoreResult *r = run->result;
	g_autofree char *text = ir_token_to_base64url (run->token);
	GError *error = NULL;

	if (r->info->family->restore (run->channel, r->info->profile, text, NULL, &error))
		return TRUE;
	if (ir_restore_refused_for_nonce (error) && r->token_requests < IR_RESTORE_TOKEN_REQUESTS) {
		*again = TRUE;
		g_prefix_error (
		    &error, "%s refused token %s for its challenge: ", r->port, r->token_id);
		return ir_restore_stop (run, IR_RESTORE_NOT_STARTED, IR_RESTORE_STAGE_WRITE, error);
	}
	g_prefix_error (&error, "%s did not take restore token %s: ", r->port, r->token_id);
	return ir_restore_stop (run,
				ir_restore_error_leaves_unknown (error) ? IR_RESTORE_UNKNOWN
									: IR_RESTORE_WRITE_FAILED,
				IR_RESTORE_STAGE_WRITE,
				error);
}

/* Same 14 identity digits and the same check digit: the whole IMEI. */
static gboolean
ir_restore_same_imei (const char *a, const char *b)
{
	return a != NULL && b != NULL && strlen (a) == IR_IMEI_LEN && strlen (b) == IR_IMEI_LEN &&
	       ir_imei_same_identity (a, b) && a[IR_IMEI_ID_LEN] == b[IR_IMEI_ID_LEN];
}

static gboolean
ir_restore_read_back (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	g_autoptr (GPtrArray) after = NULL;
	GError *error = NULL;
	g_autoptr (GString) wrong = g_string_new (NULL);

	ir_restore_enter (run, IR_RESTORE_STAGE_READ_BACK);
	after = r->info->family->read_imeis (run->channel, r->info->profile, NULL, NULL, &error);
	if (after == NULL) {
		g_prefix_error (&error,
				"the write to %s was sent, but reading it back failed, so what the "
				"phone holds is unknown: ",
				r->port);
		/* a refusal to read, after a write that went through, is as
		 * unknown as a phone that went away */
		return ir_restore_stop (run, IR_RESTORE_UNKNOWN, IR_RESTORE_STAGE_READ_BACK, error);
	}
	for (guint i = 0; i < r->slots->len; i++) {
		IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		slot->after = g_strdup (i < after->len ? g_ptr_array_index (after, i) : NULL);
		if (slot->target != NULL && !ir_restore_same_imei (slot->after, slot->target))
			g_string_append_printf (wrong,
						"%sslot %u reads %s, not %s",
						wrong->len > 0 ? "; " : "",
						i + 1,
						slot->after != NULL ? slot->after : "nothing",
						slot->target);
	}
	if (wrong->len > 0) {
		return ir_restore_stop (
		    run,
		    IR_RESTORE_WRITE_FAILED,
		    IR_RESTORE_STAGE_READ_BACK,
		    g_error_new (IR_ERROR,
				 IR_ERROR_NOT_STICKING,
				 "%s said the write went through, but it did not "
				 "stick: %s; the phone may need service by the brand",
				 r->port,
				 wrong->str));
	}
	return TRUE;
}

static const char *
ir_restore_report_outcome (const IrRestoreResult *r)
{
	switch (r->outcome) {
	case IR_RESTORE_RESTORED:
		return "success";
	case IR_RESTORE_WRITE_FAILED:
		return "failed";
	case IR_RESTORE_UNKNOWN:
		return "unknown";
	default:
		return "aborted";
	}
}

/* Every token that was issued gets a report: it consumes the token on the
 * server and tells the brand what became of the phone. */
static void
ir_restore_report (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;
	const IrRestoreJournal *journal = run->opts->journal;
	g_autofree const char **read_back = g_new0 (const char *, r->slots->len + 1);
	guint n_read_back = 0;
	g_autofree char *detail = NULL;

	if (r->token_id == NULL)
		return;
	ir_restore_enter (run, IR_RESTORE_STAGE_REPORT);
	r->report_outcome = ir_restore_report_outcome (r);
	if (r->outcome == IR_RESTORE_RESTORED || r->outcome == IR_RESTORE_WRITE_FAILED) {
		for (guint i = 0; i < r->slots->len; i++) {
			const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
			read_back[n_read_back++] = slot->after;
		}
	}
	if (r->error != NULL)
		detail = g_strdup (r->error->message);
	r->reported = ir_brand_client_report (run->opts->client,
					      r->token_id,
					      r->report_outcome,
					      read_back,
					      n_read_back,
					      detail,
					      NULL,
					      NULL,
					      &r->report_error);
	if (journal != NULL && journal->reported != NULL)
		journal->reported (r, run->opts->journal_data);
}

static void
ir_restore_record_result (IrRestoreRun *run)
{
	const IrRestoreJournal *journal = run->opts->journal;

	if (journal != NULL && journal->result != NULL)
		journal->result (run->result, run->opts->journal_data);
}

/* The part after the phone was found to need restoring: tokens until one
 * is written, or a reason to stop. */
static void
ir_restore_authorise_and_write (IrRestoreRun *run)
{
	IrRestoreResult *r = run->result;

	/* the rival scan overlaps identify; it is joined before a token is
	 * asked for, so that a held port never spends one of the centre's
	 * quota (and nothing is written to the phone, the log or the store) */
	if (!ir_restore_check_port (run))
		return;
	for (;;) {
		gboolean again = FALSE;
		gboolean written;

		if (!ir_restore_challenge (run) || !ir_restore_request_token (run))
			return;
		if (!ir_restore_verify (run) || !ir_restore_confirm (run) ||
		    !ir_restore_recheck_legacy (run) || !ir_restore_intent (run)) {
			ir_restore_report (run);
			return;
		}
		if (!ir_restore_seen_durable (run)) {
			ir_restore_record_result (run);
			ir_restore_report (run);
			return;
		}
		ir_restore_enter (run, IR_RESTORE_STAGE_WRITE);
		written = r->device_verifies ? ir_restore_write_secure (run, &again)
					     : ir_restore_write_legacy (run);
		if (!written && again) {
			/* this token is spent: say so, then a fresh challenge */
			ir_restore_record_result (run);
			ir_restore_report (run);
			g_clear_error (&r->report_error);
			g_clear_error (&r->error);
			r->reported = FALSE;
			continue;
		}
		if (written && ir_restore_read_back (run)) {
			r->outcome = IR_RESTORE_RESTORED;
			r->stage = IR_RESTORE_STAGE_DONE;
			r->advice = r->info->family->after_write;
		}
		if (r->outcome == IR_RESTORE_WRITE_FAILED && r->stage == IR_RESTORE_STAGE_WRITE) {
			/* what the phone holds now, for the report; best effort */
			g_autoptr (GPtrArray) now = r->info->family->read_imeis (
			    run->channel, r->info->profile, NULL, NULL, NULL);
			for (guint i = 0; now != NULL && i < r->slots->len && i < now->len; i++) {
				IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
				slot->after = g_strdup (g_ptr_array_index (now, i));
			}
		}
		ir_restore_record_result (run);
		ir_restore_report (run);
		return;
	}
}

IrRestoreResult *
ir_restore_run (IrSession *session, const IrRestoreOptions *options, GCancellable *cancellable)
{
	IrRestoreResult *r = g_new0 (IrRestoreResult, 1);
	IrRestoreRun run = {
	    .session = session,
	    .channel = ir_session_get_channel (session),
	    .opts = options,
	    .cancellable = cancellable,
	    .result = r,
	};

	g_return_val_if_fail (options->client != NULL && options->trust != NULL, r);

	r->slots = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_restore_slot_free);
	r->outcome = IR_RESTORE_NOT_STARTED;
	r->stage = IR_RESTORE_STAGE_IDENTIFY;
	ir_restore_enter (&run, IR_RESTORE_STAGE_IDENTIFY);
	if (ir_restore_identify (&run)) {
		g_free (r->port);
		r->port = g_strdup (r->info->port);
		ir_restore_enter (&run, IR_RESTORE_STAGE_DIAGNOSE);
		if (ir_restore_diagnose (&run))
			ir_restore_authorise_and_write (&run);
	}
	/* a run that stopped during identify or diagnosis (nothing asked
	 * for, nothing written) still says so when the port is held: the
	 * rival, which may have taken the phone's answers, is the reason */
	if (!ir_restore_check_port (&run)) {
		g_clear_pointer (&r->info, ir_device_info_free);
		g_ptr_array_set_size (r->slots, 0);
	}
	ir_restore_run_clear (&run);
	return r;
}

IrRestoreResult *
ir_restore_run_port (const char *port, const IrRestoreOptions *options, GCancellable *cancellable)
{
	g_autoptr (IrSession) session = NULL;
	IrRestoreResult *r;
	GError *error = NULL;

	/* the rival scan overlaps identify and the token request */
	session = ir_session_open_check_later (port, &error);
	if (session != NULL)
		ir_session_set_protocol (session, options->protocol);
	if (session == NULL) {
		r = g_new0 (IrRestoreResult, 1);
		r->slots = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_restore_slot_free);
		r->port = g_strdup (port);
		r->outcome = IR_RESTORE_NOT_STARTED;
		r->stage = IR_RESTORE_STAGE_OPEN;
		r->error = error;
		return r;
	}
	r = ir_restore_run (session, options, cancellable);
	if (r->port == NULL)
		r->port = g_strdup (port);
	return r;
}
