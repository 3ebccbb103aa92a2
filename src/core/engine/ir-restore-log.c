/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-restore-log.h"
#include "ir-witness-client.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

#define IR_RESTORE_LOG_FILE "migration-log.jsonl"

struct _IrRestoreLog {
	GMutex lock; /* appends and scans: restore --all runs phones at once */
	IrMigrationLog *log;
	EVP_PKEY *key; /* the workstation key: its public half goes with uploads */
	char *dir;     /* the state folder: the log, its checkpoints, witness state */
	char *path;
	char *origin;
	char *workstation;
	char *technician;
	char *centre;
};

/* ---- test-only crash points ---- */

void
ir_restore_log_crash_point (const char *point)
{
	static gsize once = 0;
	static const char *crash_at = NULL;

	if (g_once_init_enter (&once)) {
		crash_at = g_getenv ("IMEIRESTORE_TEST_CRASH_AT");
		g_once_init_leave (&once, 1);
	}
	if (crash_at != NULL && g_strcmp0 (crash_at, point) == 0)
		raise (SIGKILL);
}

/* ---- opening ---- */

/* The CN of an OpenSSL one-line subject ("/C=IN/O=.../CN=alice"). */
static char *
ir_restore_log_common_name (const char *subject)
{
	const char *cn;

	if (subject == NULL)
		return NULL;
	cn = strstr (subject, "/CN=");
	if (cn == NULL)
		return g_strdup (subject);
	cn += strlen ("/CN=");
	return g_strndup (cn, strcspn (cn, "/"));
}

static IrRestoreLog *
ir_restore_log_new (const char *dir, const char *origin, gboolean create, GError **error)
{
	g_autoptr (IrRestoreLog) self = g_new0 (IrRestoreLog, 1);
	g_autoptr (EVP_PKEY) key = NULL;
	g_autofree char *key_path = NULL;

	g_mutex_init (&self->lock);
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int errnum = errno;
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errnum),
			     "cannot create the state folder %s: %s",
			     dir,
			     g_strerror (errnum));
		return NULL;
	}
	key_path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	key = create ? ir_workstation_key_load_or_create (key_path, error)
		     : ir_workstation_key_load (key_path, error);
	if (key == NULL)
		return NULL;
	self->origin = g_strdup (origin);
	self->dir = g_strdup (dir);
	self->path = g_build_filename (dir, IR_RESTORE_LOG_FILE, NULL);
	self->log = ir_migration_log_open (dir, origin, origin, key, error);
	if (self->log == NULL) {
		g_prefix_error (error, "cannot open the migration log %s: ", self->path);
		return NULL;
	}
	self->key = g_steal_pointer (&key);
	return g_steal_pointer (&self);
}

/* Restores must not proceed on a log that cannot take a durable INTENT. */
static gboolean
ir_restore_log_check_writable (IrRestoreLog *self, GError **error)
{
	const GError *alarm = ir_migration_log_get_tamper_error (self->log);

	if (!ir_migration_log_is_read_only (self->log))
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_READ_ONLY_LOG,
		     "the migration log %s is read-only after a tamper alarm (%s): no restore "
		     "is done until an auditor has checked it with imeictl audit verify %s",
		     self->path,
		     alarm != NULL ? alarm->message : "no detail",
		     self->path);
	return FALSE;
}

static gboolean
ir_restore_log_append (IrRestoreLog *self, IrLogRecordType type, JsonObject *fields, GError **error)
{
	guint64 index = 0;
	gboolean queued;

	/* the record takes its place under the lock (the witness upload and
	 * the token request read the tree under it too), but waits for the
	 * disk outside it: the appends of every phone waiting then share one
	 * fdatasync (group commit) */
	g_mutex_lock (&self->lock);
	queued = ir_migration_log_append_begin (self->log, type, fields, &index, error);
	g_mutex_unlock (&self->lock);
	if (!queued || !ir_migration_log_append_finish (self->log, index, error)) {
		g_prefix_error (error,
				"cannot append %s to the migration log %s: ",
				ir_log_record_type_to_string (type),
				self->path);
		return FALSE;
	}
	return TRUE;
}

IrRestoreLog *
ir_restore_log_open (const IrRestoreLogConfig *config, GError **error)
{
	g_autoptr (IrRestoreLog) self = NULL;
	g_autoptr (JsonObject) start = json_object_new ();
	g_autofree char *workstation =
	    g_strdup (config->workstation != NULL ? config->workstation : g_get_host_name ());
	g_autofree char *origin = NULL;
	g_autofree char *public_key = NULL;

	g_return_val_if_fail (config->state_dir != NULL && config->centre != NULL, NULL);
	origin = ir_workstation_key_name (config->centre, workstation, error);
	if (origin == NULL) {
		g_prefix_error (error, "cannot name this workstation's log: ");
		return NULL;
	}
	self = ir_restore_log_new (config->state_dir, origin, TRUE, error);
	if (self == NULL)
		return NULL;
	if (!ir_restore_log_check_writable (self, error))
		return NULL;
	self->workstation = g_steal_pointer (&workstation);
	self->centre = g_strdup (config->centre);
	self->technician = ir_restore_log_common_name (config->technician);
	json_object_set_string_member (start, "software", PACKAGE_NAME " " PACKAGE_VERSION);
	json_object_set_string_member (start, "workstation", self->workstation);
	/* announced in the log itself: what imeictl audit key prints and the
	 * brand's registry must confirm */
	public_key = ir_workstation_key_public_base64 (self->key, error);
	if (public_key == NULL)
		return NULL;
	json_object_set_string_member (start, "public_key", public_key);
	if (!ir_restore_log_append (self, IR_LOG_RECORD_START, start, error))
		return NULL;
	ir_restore_log_crash_point ("start");
	return g_steal_pointer (&self);
}

IrRestoreLog *
ir_restore_log_open_existing (const char *state_dir, const char *origin, GError **error)
{
	g_autofree char *found = NULL;

	if (origin == NULL) {
		found = ir_migration_log_read_origin (state_dir, error);
		if (found == NULL)
			return NULL;
		origin = found;
	}
	return ir_restore_log_new (state_dir, origin, FALSE, error);
}

void
ir_restore_log_free (IrRestoreLog *self)
{
	if (self == NULL)
		return;
	g_clear_object (&self->log);
	g_clear_pointer (&self->key, EVP_PKEY_free);
	g_free (self->dir);
	g_free (self->path);
	g_free (self->origin);
	g_free (self->workstation);
	g_free (self->technician);
	g_free (self->centre);
	g_mutex_clear (&self->lock);
	g_free (self);
}

IrMigrationLog *
ir_restore_log_get_log (IrRestoreLog *self)
{
	return self->log;
}

const char *
ir_restore_log_get_path (IrRestoreLog *self)
{
	return self->path;
}

const char *
ir_restore_log_get_origin (IrRestoreLog *self)
{
	return self->origin;
}

/* ---- records ---- */

static void
ir_restore_log_set_string (JsonObject *obj, const char *name, const char *value)
{
	if (value != NULL)
		json_object_set_string_member (obj, name, value);
	else
		json_object_set_null_member (obj, name);
}

typedef enum {
	IR_RESTORE_LOG_BEFORE,
	IR_RESTORE_LOG_TARGET,
	IR_RESTORE_LOG_AFTER,
} IrRestoreLogSlotField;

static JsonArray *
ir_restore_log_slots (const IrRestoreResult *r, IrRestoreLogSlotField field)
{
	JsonArray *arr = json_array_new ();

	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		const char *value = field == IR_RESTORE_LOG_BEFORE   ? slot->before
				    : field == IR_RESTORE_LOG_TARGET ? slot->target
								     : slot->after;
		if (value != NULL)
			json_array_add_string_element (arr, value);
		else
			json_array_add_null_element (arr);
	}
	return arr;
}

static JsonObject *
ir_restore_log_phone (const IrRestoreResult *r)
{
	JsonObject *phone = json_object_new ();

	ir_restore_log_set_string (phone, "port", r->port);
	ir_restore_log_set_string (phone, "manufacturer", r->info->manufacturer);
	ir_restore_log_set_string (phone, "model", r->info->model);
	ir_restore_log_set_string (phone, "serial", r->info->serial);
	ir_restore_log_set_string (phone, "hardware_id", r->hardware_id);
	ir_restore_log_set_string (phone, "family", r->info->family->id);
	return phone;
}

static gboolean
ir_restore_log_intent (IrRestoreResult *r, gpointer user_data, GError **error)
{
	IrRestoreLog *self = user_data;
	g_autoptr (JsonObject) fields = json_object_new ();

	ir_restore_log_crash_point ("intent");
	if (!ir_restore_log_check_writable (self, error))
		return FALSE;
	ir_restore_log_set_string (fields, "intent_id", r->token_id);
	ir_restore_log_set_string (fields, "technician", self->technician);
	ir_restore_log_set_string (fields, "centre", r->centre != NULL ? r->centre : self->centre);
	ir_restore_log_set_string (fields, "workstation", self->workstation);
	json_object_set_object_member (fields, "phone", ir_restore_log_phone (r));
	json_object_set_array_member (
	    fields, "imeis_before", ir_restore_log_slots (r, IR_RESTORE_LOG_BEFORE));
	json_object_set_array_member (
	    fields, "imeis_target", ir_restore_log_slots (r, IR_RESTORE_LOG_TARGET));
	ir_restore_log_set_string (fields, "token_id", r->token_id);
	ir_restore_log_set_string (fields, "token_sha256", r->token_sha256);
	ir_restore_log_set_string (fields, "phase", r->phase);
	if (r->policy_version > 0)
		json_object_set_int_member (fields, "policy_version", r->policy_version);
	if (!ir_restore_log_append (self, IR_LOG_RECORD_INTENT, fields, error))
		return FALSE;
	ir_restore_log_crash_point ("write");
	return TRUE;
}

static const char *
ir_restore_log_outcome (IrRestoreOutcome outcome)
{
	switch (outcome) {
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

/* A RESULT that did not reach the disk leaves the INTENT pending: the
 * outcome becomes UNKNOWN so that nobody reports or shows a success the
 * log cannot back. */
static void
ir_restore_log_result_failed (IrRestoreResult *r, IrRestoreLog *self, GError *error)
{
	GError *unknown = g_error_new (IR_ERROR,
				       error->code,
				       "the phone on %s was written (%s), but its RESULT could not "
				       "be recorded: %s",
				       r->port,
				       r->error != NULL ? r->error->message : "read back as asked",
				       error->message);
	g_error_free (error);
	r->outcome = IR_RESTORE_UNKNOWN;
	g_clear_error (&r->error);
	r->error = unknown;
	g_free (r->recovery_path);
	r->recovery_path = g_strdup (self->path);
}

static void
ir_restore_log_result (IrRestoreResult *r, gpointer user_data)
{
	IrRestoreLog *self = user_data;
	g_autoptr (JsonObject) fields = json_object_new ();
	GError *error = NULL;

	ir_restore_log_crash_point ("result");
	ir_restore_log_set_string (fields, "intent_id", r->token_id);
	json_object_set_string_member (fields, "outcome", ir_restore_log_outcome (r->outcome));
	if (r->error != NULL)
		json_object_set_string_member (fields, "reason", r->error->message);
	/* the phase and policy version again, so that a regulator's count of
	 * RESULTs per phase needs no join with the INTENTs */
	if (r->phase != NULL)
		json_object_set_string_member (fields, "phase", r->phase);
	if (r->policy_version > 0)
		json_object_set_int_member (fields, "policy_version", r->policy_version);
	json_object_set_array_member (
	    fields, "imeis_read_back", ir_restore_log_slots (r, IR_RESTORE_LOG_AFTER));
	if (!ir_restore_log_append (self, IR_LOG_RECORD_RESULT, fields, &error)) {
		ir_restore_log_result_failed (r, self, error);
		return;
	}
	/* an unknown outcome stays pending in the log, to be recovered */
	if (r->outcome == IR_RESTORE_UNKNOWN) {
		g_free (r->recovery_path);
		r->recovery_path = g_strdup (self->path);
	}
	ir_restore_log_crash_point ("report");
}

static void
ir_restore_log_reported (IrRestoreResult *r, gpointer user_data)
{
	/* the report's content is the RESULT, which the witness upload
	 * delivers too: nothing more to keep (see the commit message) */
	ir_restore_log_crash_point ("done");
}

/* ---- witnessing ---- */

typedef struct {
	char *note;
	GBytes *proof;
	char *public_key;
} IrRestoreLogHeld;

static void
ir_restore_log_held_free (gpointer data)
{
	IrRestoreLogHeld *held = data;

	g_free (held->note);
	g_free (held->public_key);
	if (held->proof != NULL)
		g_bytes_unref (held->proof);
	g_free (held);
}

gboolean
ir_restore_log_fill_token_request (IrRestoreLog *self,
				   IrBrandTokenRequest *req,
				   GPtrArray **keep,
				   GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;
	IrRestoreLogHeld *held = g_new0 (IrRestoreLogHeld, 1);
	guint64 witnessed = 0;

	*keep = g_ptr_array_new_with_free_func (ir_restore_log_held_free);
	g_ptr_array_add (*keep, held);
	if (!ir_witness_client_load_size (self->dir, &witnessed, error))
		return FALSE;
	/* assigned apart from its declaration: clang sees it used */
	locker = g_mutex_locker_new (&self->lock);
	if (!ir_witness_client_fill_token_request (
		req, self->log, witnessed, &held->note, &held->proof, error)) {
		g_prefix_error (error, "cannot prove the migration log %s: ", self->path);
		return FALSE;
	}
	/* the server needs it at the workstation's first contact */
	held->public_key = ir_workstation_key_public_base64 (self->key, error);
	if (held->public_key == NULL)
		return FALSE;
	req->log_public_key = held->public_key;
	return TRUE;
}

static gboolean
ir_restore_log_token_request (IrBrandTokenRequest *req,
			      gpointer user_data,
			      GPtrArray **keep,
			      GError **error)
{
	return ir_restore_log_fill_token_request (user_data, req, keep, error);
}

gboolean
ir_restore_log_upload (IrRestoreLog *self,
		       IrBrandClient *client,
		       guint64 *witnessed,
		       IrBrandStatus *status,
		       GCancellable *cancellable,
		       GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;

	/* assigned apart from its declaration: clang sees it used */
	locker = g_mutex_locker_new (&self->lock);
	if (!ir_witness_client_upload (
		client, self->log, self->key, self->dir, witnessed, status, cancellable, error)) {
		g_prefix_error (error,
				"the brand server has not witnessed the migration log %s (the "
				"next run sends it again): ",
				self->path);
		return FALSE;
	}
	return TRUE;
}

const IrRestoreJournal *
ir_restore_log_journal (void)
{
	static const IrRestoreJournal journal = {
	    .intent = ir_restore_log_intent,
	    .result = ir_restore_log_result,
	    .reported = ir_restore_log_reported,
	    .token_request = ir_restore_log_token_request,
	};
	return &journal;
}

/* ---- pending INTENTs ---- */

static JsonObject *
ir_restore_log_parse_line (const char *line, guint64 index, GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonNode *root;

	if (!json_parser_load_from_data (parser, line, -1, error) ||
	    (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		g_clear_error (error);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "record %" G_GUINT64_FORMAT " (line %" G_GUINT64_FORMAT
			     ") of the migration log is not a JSON "
			     "object: check the log with imeictl audit verify",
			     index,
			     index + 1);
		return NULL;
	}
	return json_object_ref (json_node_get_object (root));
}

GPtrArray *
ir_restore_log_pending (IrRestoreLog *self, GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;
	guint64 size;
	g_autoptr (GPtrArray) lines = NULL;
	g_autoptr (GPtrArray) intents =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	g_autoptr (GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *pending;

	locker = g_mutex_locker_new (&self->lock);
	size = ir_migration_log_get_size (self->log);
	lines = ir_migration_log_read_lines (self->log, 0, size, error);
	if (lines == NULL) {
		g_prefix_error (error, "cannot read the migration log %s: ", self->path);
		return NULL;
	}
	for (guint64 i = 0; i < lines->len; i++) {
		g_autoptr (JsonObject) rec =
		    ir_restore_log_parse_line (g_ptr_array_index (lines, i), i, error);
		const char *type, *id;
		if (rec == NULL)
			return NULL;
		type = json_object_get_string_member_with_default (rec, "type", "");
		id = json_object_get_string_member_with_default (rec, "intent_id", NULL);
		if (id == NULL)
			continue;
		if (g_strcmp0 (type, "INTENT") == 0) {
			g_ptr_array_add (intents, json_object_ref (rec));
			g_hash_table_insert (open, g_strdup (id), GINT_TO_POINTER (TRUE));
		} else if (g_strcmp0 (type, "RESULT") == 0) {
			const char *outcome =
			    json_object_get_string_member_with_default (rec, "outcome", "");
			g_hash_table_insert (open,
					     g_strdup (id),
					     GINT_TO_POINTER (g_strcmp0 (outcome, "unknown") == 0));
		}
	}
	pending = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	for (guint i = 0; i < intents->len; i++) {
		JsonObject *rec = g_ptr_array_index (intents, i);
		const char *id = json_object_get_string_member (rec, "intent_id");
		if (GPOINTER_TO_INT (g_hash_table_lookup (open, id)))
			g_ptr_array_add (pending, json_object_ref (rec));
	}
	return pending;
}

/* ---- recovery ---- */

static const char *
ir_restore_log_phone_field (JsonObject *intent, const char *name)
{
	JsonObject *phone;

	if (!json_object_has_member (intent, "phone") ||
	    JSON_NODE_TYPE (json_object_get_member (intent, "phone")) != JSON_NODE_OBJECT)
		return NULL;
	phone = json_object_get_object_member (intent, "phone");
	return json_object_get_string_member_with_default (phone, name, NULL);
}

gboolean
ir_restore_log_intent_matches (JsonObject *intent,
			       const IrDeviceInfo *info,
			       const char *hardware_id)
{
	const char *hwid = ir_restore_log_phone_field (intent, "hardware_id");
	const char *serial = ir_restore_log_phone_field (intent, "serial");

	if (hwid != NULL)
		return hardware_id != NULL && g_strcmp0 (hwid, hardware_id) == 0;
	return serial != NULL && g_strcmp0 (serial, info->serial) == 0 &&
	       g_strcmp0 (ir_restore_log_phone_field (intent, "manufacturer"),
			  info->manufacturer) == 0 &&
	       g_strcmp0 (ir_restore_log_phone_field (intent, "model"), info->model) == 0;
}

/* A secure phone is known by its hardware id, which only its challenge
 * says; asked only when a pending INTENT needs it. */
static gboolean
ir_restore_log_hardware_id (IrSession *session,
			    const IrDeviceInfo *info,
			    GPtrArray *pending,
			    char **hardware_id,
			    GError **error)
{
	g_autoptr (IrChallenge) challenge = NULL;
	gboolean needed = FALSE;

	for (guint i = 0; i < pending->len; i++)
		needed = needed || ir_restore_log_phone_field (g_ptr_array_index (pending, i),
							       "hardware_id") != NULL;
	if (!needed || info->family == NULL || info->family->challenge == NULL)
		return TRUE;
	challenge =
	    info->family->challenge (ir_session_get_channel (session), info->profile, NULL, error);
	if (challenge == NULL) {
		g_prefix_error (error,
				"cannot read the hardware id of %s to match it with the pending "
				"INTENTs of the migration log: ",
				info->port);
		return FALSE;
	}
	*hardware_id = g_strdup (challenge->hardware_id);
	return TRUE;
}

static JsonArray *
ir_restore_log_read_back (const IrDeviceInfo *info)
{
	JsonArray *arr = json_array_new ();

	for (guint i = 0; i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		if (slot->imei != NULL)
			json_array_add_string_element (arr, slot->imei);
		else
			json_array_add_null_element (arr);
	}
	return arr;
}

/* What the phone holds against what the INTENT meant to write. */
static const char *
ir_restore_log_verdict (JsonObject *intent, const IrDeviceInfo *info)
{
	JsonArray *target = json_object_get_array_member (intent, "imeis_target");
	JsonArray *before = json_object_get_array_member (intent, "imeis_before");
	gboolean all_target = TRUE;
	gboolean all_before = TRUE;

	for (guint i = 0; i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		const char *t = target != NULL && i < json_array_get_length (target)
				    ? json_array_get_string_element (target, i)
				    : NULL;
		const char *b = before != NULL && i < json_array_get_length (before)
				    ? json_array_get_string_element (before, i)
				    : NULL;
		if (t != NULL && g_strcmp0 (slot->imei, t) != 0)
			all_target = FALSE;
		if (g_strcmp0 (slot->imei, b) != 0)
			all_before = FALSE;
	}
	if (all_target)
		return "the phone holds the IMEIs the INTENT meant to write";
	if (all_before)
		return "the phone holds the IMEIs it had before: nothing was written";
	return "the phone holds neither the IMEIs before nor the ones meant: ask the brand";
}

static gboolean
ir_restore_log_recover_one (IrRestoreLog *self,
			    JsonObject *intent,
			    const IrDeviceInfo *info,
			    GError **error)
{
	g_autoptr (JsonObject) fields = json_object_new ();
	g_autofree char *reason =
	    g_strdup_printf ("read again on %s after an interrupted restore: %s",
			     info->port,
			     ir_restore_log_verdict (intent, info));

	ir_restore_log_crash_point ("recover");
	json_object_set_string_member (
	    fields, "intent_id", json_object_get_string_member (intent, "intent_id"));
	json_object_set_string_member (fields, "outcome", "recovered");
	json_object_set_string_member (fields, "reason", reason);
	json_object_set_array_member (fields, "imeis_read_back", ir_restore_log_read_back (info));
	return ir_restore_log_append (self, IR_LOG_RECORD_RESULT, fields, error);
}

gboolean
ir_restore_log_recover (IrRestoreLog *self,
			IrSession *session,
			const IrDeviceInfo *info,
			guint *n_recovered,
			GError **error)
{
	g_autoptr (GPtrArray) pending = ir_restore_log_pending (self, error);
	g_autoptr (IrDeviceInfo) own = NULL;
	g_autofree char *hardware_id = NULL;
	guint n = 0;

	if (pending == NULL)
		return FALSE;
	if (n_recovered != NULL)
		*n_recovered = 0;
	if (pending->len == 0)
		return TRUE;
	if (info == NULL) {
		own = ir_session_identify (session, NULL, NULL, error);
		if (own == NULL) {
			g_prefix_error (error,
					"cannot identify the phone to match it with the %u "
					"pending INTENTs of the migration log: ",
					pending->len);
			return FALSE;
		}
		info = own;
	}
	if (!ir_restore_log_check_writable (self, error) ||
	    !ir_restore_log_hardware_id (session, info, pending, &hardware_id, error))
		return FALSE;
	for (guint i = 0; i < pending->len; i++) {
		JsonObject *intent = g_ptr_array_index (pending, i);
		if (!ir_restore_log_intent_matches (intent, info, hardware_id))
			continue;
		if (!ir_restore_log_recover_one (self, intent, info, error))
			return FALSE;
		n++;
	}
	if (n_recovered != NULL)
		*n_recovered = n;
	return TRUE;
}
