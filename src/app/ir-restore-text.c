/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-error.h"
#include "ir-restore-text.h"

void
ir_restore_text_clear (IrRestoreText *text)
{
	g_clear_pointer (&text->title, g_free);
	g_clear_pointer (&text->detail, g_free);
}

const char *
ir_restore_text_outcome (IrRestoreOutcome outcome)
{
	switch (outcome) {
	case IR_RESTORE_RESTORED:
		return _ ("Restored");
	case IR_RESTORE_NOTHING_TO_DO:
		return _ ("Nothing to restore");
	case IR_RESTORE_DECLINED:
		return _ ("Declined: nothing written");
	case IR_RESTORE_NOT_STARTED:
		return _ ("Not started: nothing written");
	case IR_RESTORE_WRITE_FAILED:
		return _ ("Write failed");
	case IR_RESTORE_UNKNOWN:
		return _ ("Outcome unknown: plug it in again");
	default:
		return _ ("Unknown outcome");
	}
}

const char *
ir_restore_text_step (IrRestoreStage stage)
{
	switch (stage) {
	case IR_RESTORE_STAGE_OPEN:
	case IR_RESTORE_STAGE_RECOVER:
	case IR_RESTORE_STAGE_IDENTIFY:
		return "identify";
	case IR_RESTORE_STAGE_DIAGNOSE:
		return "diagnose";
	case IR_RESTORE_STAGE_CHALLENGE:
	case IR_RESTORE_STAGE_TOKEN:
	case IR_RESTORE_STAGE_VERIFY:
		return "authorise";
	case IR_RESTORE_STAGE_CONFIRM:
		return "confirm";
	case IR_RESTORE_STAGE_INTENT:
	case IR_RESTORE_STAGE_WRITE:
		return "write";
	case IR_RESTORE_STAGE_READ_BACK:
	case IR_RESTORE_STAGE_REPORT:
		return "verify";
	default:
		return "done";
	}
}

const char *
ir_restore_text_status (IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_VALID:
		return _ ("valid");
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return _ ("factory default (wiped)");
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		return _ ("wrong check digit");
	case IR_IMEI_STATUS_MALFORMED:
		return _ ("malformed");
	case IR_IMEI_STATUS_DUPLICATE:
		return _ ("known duplicate");
	case IR_IMEI_STATUS_EMPTY:
		return _ ("empty");
	default:
		return _ ("unknown");
	}
}

static void
ir_restore_text_set (IrRestoreText *text, gboolean success, const char *title, char *detail)
{
	text->success = success;
	text->title = g_strdup (title);
	text->detail = detail;
}

/* "slot 1: 490154203237518, slot 2: 352099001761481" as read back. */
static char *
ir_restore_text_read_back (const IrRestoreResult *result)
{
	g_autoptr (GString) text = g_string_new (NULL);

	for (guint i = 0; i < result->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (result->slots, i);
		if (text->len > 0)
			g_string_append (text, ", ");
		g_string_append_printf (text,
					_ ("slot %u: %s"),
					slot->index + 1,
					slot->after != NULL ? slot->after : _ ("empty"));
	}
	return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
ir_restore_text_not_started (const IrRestoreResult *result, IrRestoreText *text)
{
	const GError *error = result->error;
	const char *message = error != NULL ? error->message : _ ("no reason given");

	if (g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED) ||
	    g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("Cancelled before anything was written"),
		    g_strdup (_ ("The phone and the migration log are as they were. "
				 "Restore it again when you are ready.")));
		return;
	}
	switch (result->brand.failure) {
	case IR_BRAND_FAILURE_UNREACHABLE:
	case IR_BRAND_FAILURE_TIMEOUT:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The brand server cannot be reached"),
		    g_strdup_printf (_ ("Nothing was written to the phone. Check the network "
					"cable and try again; the phone can stay plugged in. (%s)"),
				     message));
		return;
	case IR_BRAND_FAILURE_REFUSED:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The brand server refused a token for this phone"),
		    g_strdup_printf (_ ("Nothing was written to the phone. The server said: %s. "
					"Put the phone aside and tell your supervisor."),
				     message));
		return;
	case IR_BRAND_FAILURE_NONE:
		break;
	default:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The brand server could not be used"),
		    g_strdup_printf (_ ("Nothing was written to the phone. (%s) Sign out and "
					"in again; if it persists, call the brand's support."),
				     message));
		return;
	}
	if (g_error_matches (error, IR_ERROR, IR_ERROR_TOKEN_REFUSED)) {
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The restore token did not verify"),
		    g_strdup_printf (_ ("Nothing was written to the phone: %s. Tell your "
					"supervisor; do not try another workstation."),
				     message));
		return;
	}
	if (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_SUPPORTED)) {
		ir_restore_text_set (text,
				     FALSE,
				     _ ("This phone cannot be restored here"),
				     g_strdup_printf (_ ("%s."), message));
		return;
	}
	if (g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED) ||
	    g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	    g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND)) {
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The phone stopped answering"),
		    g_strdup_printf (_ ("Nothing was written to the phone. Check its cable, plug "
					"it in again and restore it again. (%s)"),
				     message));
		return;
	}
	ir_restore_text_set (
	    text,
	    FALSE,
	    _ ("The restore did not start"),
	    g_strdup_printf (_ ("Nothing was written to the phone: %s."), message));
}

void
ir_restore_text_explain (const IrRestoreResult *result, IrRestoreText *text)
{
	const char *message = result->error != NULL ? result->error->message : "";
	g_autofree char *read_back = ir_restore_text_read_back (result);

	switch (result->outcome) {
	case IR_RESTORE_RESTORED:
		ir_restore_text_set (
		    text,
		    TRUE,
		    _ ("IMEI restored"),
		    result->reported
			? g_strdup_printf (_ ("Written and read back: %s. The brand server has the "
					      "report. You can unplug the phone."),
					   read_back)
			: g_strdup_printf (_ ("Written and read back: %s. The report to the brand "
					      "server failed and is in the migration log; you can "
					      "unplug the phone."),
					   read_back));
		return;
	case IR_RESTORE_NOTHING_TO_DO:
		ir_restore_text_set (
		    text,
		    TRUE,
		    _ ("Nothing to restore"),
		    g_strdup (_ ("Every IMEI of this phone is valid and not a known "
				 "duplicate. No token was asked for.")));
		return;
	case IR_RESTORE_DECLINED:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("Not written: you declined"),
		    g_strdup (_ ("Nothing was written to the phone and the token was "
				 "reported unused.")));
		return;
	case IR_RESTORE_WRITE_FAILED:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("The write did not take"),
		    g_strdup_printf (_ ("%s. Read back: %s. The migration log records the failure "
					"and the brand server has the report. Put the phone aside "
					"for the brand's support."),
				     message,
				     read_back));
		return;
	case IR_RESTORE_UNKNOWN:
		ir_restore_text_set (
		    text,
		    FALSE,
		    _ ("Outcome unknown: the phone went away during the write"),
		    g_strdup_printf (_ ("%s. The migration log holds the intent. Plug the same "
					"phone in again here: it is read again before anything "
					"else is done, and the log records what it holds."),
				     message));
		return;
	default:
		ir_restore_text_not_started (result, text);
		return;
	}
}
