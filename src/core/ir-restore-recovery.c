/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ir-error.h"
#include "ir-restore.h"

/* The stand-in for the migration log until it exists: a token that was
 * about to be used is kept on disk, durably, until its outcome is known
 * and reported. journal_data is the folder (const char *). */

static void
ir_recovery_add (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	if (value != NULL)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

static char *
ir_recovery_to_json (const IrRestoreResult *r, const char *state)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonGenerator) gen = json_generator_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autofree char *when = g_date_time_format_iso8601 (now);

	json_builder_begin_object (b);
	ir_recovery_add (b, "state", state);
	ir_recovery_add (b, "time", when);
	ir_recovery_add (b, "token_id", r->token_id);
	ir_recovery_add (b, "token_expires", r->token_expires);
	ir_recovery_add (b, "port", r->port);
	ir_recovery_add (b, "manufacturer", r->info->manufacturer);
	ir_recovery_add (b, "model", r->info->model);
	ir_recovery_add (b, "serial", r->info->serial);
	ir_recovery_add (b, "hardware_id", r->hardware_id);
	ir_recovery_add (b, "family", r->info->family->id);
	ir_recovery_add (
	    b, "outcome", state[0] == 'i' ? NULL : ir_restore_outcome_to_string (r->outcome));
	ir_recovery_add (b, "error", r->error != NULL ? r->error->message : NULL);
	ir_recovery_add (b, "report_outcome", r->report_outcome);
	json_builder_set_member_name (b, "reported");
	json_builder_add_boolean_value (b, r->reported);
	ir_recovery_add (
	    b, "report_error", r->report_error != NULL ? r->report_error->message : NULL);
	json_builder_set_member_name (b, "slots");
	json_builder_begin_array (b);
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		json_builder_begin_object (b);
		ir_recovery_add (b, "before", slot->before);
		ir_recovery_add (b, "target", slot->target);
		ir_recovery_add (b, "after", slot->after);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	json_generator_set_pretty (gen, TRUE);
	json_generator_set_root (gen, root);
	return json_generator_to_data (gen, NULL);
}

static gboolean
ir_recovery_write (IrRestoreResult *r, const char *dir, const char *state, GError **error)
{
	g_autofree char *text = ir_recovery_to_json (r, state);
	g_autofree char *name = g_strdup_printf ("%s.json", r->token_id);
	g_autofree char *path = g_build_filename (dir, name, NULL);

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int errnum = errno;
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errnum),
			     "cannot create the recovery folder %s: %s",
			     dir,
			     g_strerror (errnum));
		return FALSE;
	}
	/* durable: the record must be on disk before the phone is written */
	if (!g_file_set_contents_full (path,
				       text,
				       -1,
				       G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				       0600,
				       error)) {
		g_prefix_error (error, "cannot keep token %s for recovery: ", r->token_id);
		return FALSE;
	}
	g_free (r->recovery_path);
	r->recovery_path = g_steal_pointer (&path);
	return TRUE;
}

static gboolean
ir_recovery_intent (IrRestoreResult *r, gpointer user_data, GError **error)
{
	return ir_recovery_write (r, user_data, "intent", error);
}

static void
ir_recovery_result (IrRestoreResult *r, gpointer user_data)
{
	g_autoptr (GError) error = NULL;

	if (r->recovery_path == NULL)
		return;
	if (!ir_recovery_write (r, user_data, "result", &error))
		g_warning ("%s", error->message);
}

static void
ir_recovery_reported (IrRestoreResult *r, gpointer user_data)
{
	g_autoptr (GError) error = NULL;

	if (r->recovery_path == NULL)
		return;
	/* known and told: nothing left to recover */
	if (r->reported && r->outcome != IR_RESTORE_UNKNOWN) {
		g_unlink (r->recovery_path);
		g_clear_pointer (&r->recovery_path, g_free);
		return;
	}
	if (!ir_recovery_write (r, user_data, "kept", &error))
		g_warning ("%s", error->message);
}

const IrRestoreJournal *
ir_restore_recovery_journal (void)
{
	static const IrRestoreJournal journal = {
	    .intent = ir_recovery_intent,
	    .result = ir_recovery_result,
	    .reported = ir_recovery_reported,
	};
	return &journal;
}
