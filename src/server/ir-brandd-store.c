/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "ir-brandd-resources.h"
#include "ir-brandd-rollout-store.h"
#include "ir-brandd-store.h"
#include "ir-error.h"
#include "ir-imei.h"

#define SCHEMA_RESOURCE "/org/imeirestore/brandd/ir-brandd-schema.sql"
/* Migrations: MIGRATIONS[i] takes a database from version i + 1 to i + 2. */
static const char *const MIGRATIONS[] = {
    "/org/imeirestore/brandd/ir-brandd-schema-2.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-3.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-4.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-5.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-6.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-7.sql",
    "/org/imeirestore/brandd/ir-brandd-schema-8.sql",
};
#define BUSY_TIMEOUT_MS 5000

struct _IrBranddStore {
	sqlite3 *db;
	char *path;
	GHashTable *stmts; /* SQL text (static) → sqlite3_stmt */
	gboolean in_transaction;
};

void
ir_brandd_device_free (IrBranddDevice *device)
{
	if (device == NULL)
		return;
	g_free (device->serial);
	g_free (device->hardware_id);
	g_free (device->manufacturer);
	g_free (device->model);
	g_free (device->tac);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		g_free (device->imei[i]);
	g_free (device->spc);
	g_free (device->centre);
	g_free (device);
}

static gboolean
db_error (sqlite3 *db, const char *path, const char *what, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     sqlite3_errcode (db) == SQLITE_BUSY ? IR_ERROR_BUSY : IR_ERROR_FAILED,
		     "database %s: failed to %s: %s",
		     path,
		     what,
		     sqlite3_errmsg (db));
	return FALSE;
}

static gboolean
store_error (IrBranddStore *self, const char *what, GError **error)
{
	return db_error (self->db, self->path, what, error);
}

static void
finalize_stmt (gpointer stmt)
{
	sqlite3_finalize (stmt);
}

/* Prepared once, reset before each use: @sql must be a string literal. */
static sqlite3_stmt *
stmt_get (IrBranddStore *self, const char *sql, GError **error)
{
	sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

	if (stmt != NULL) {
		sqlite3_reset (stmt);
		sqlite3_clear_bindings (stmt);
		return stmt;
	}
	if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
	    SQLITE_OK) {
		store_error (self, "prepare a statement", error);
		return NULL;
	}
	g_hash_table_insert (self->stmts, (gpointer)sql, stmt);
	return stmt;
}

static void
bind_text (sqlite3_stmt *stmt, int idx, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null (stmt, idx);
	else
		sqlite3_bind_text (stmt, idx, text, -1, SQLITE_TRANSIENT);
}

static void
bind_bytes (sqlite3_stmt *stmt, int idx, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (bytes, &len);

	sqlite3_bind_blob (stmt, idx, data, (int)len, SQLITE_TRANSIENT);
}

static char *
column_text (sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text (stmt, col);
	return text != NULL ? g_strdup ((const char *)text) : NULL;
}

/* Runs a statement that returns no rows. */
static gboolean
stmt_done (IrBranddStore *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
	int rc = sqlite3_step (stmt);

	sqlite3_reset (stmt);
	if (rc != SQLITE_DONE)
		return store_error (self, what, error);
	return TRUE;
}

/* Steps once: TRUE with *row set when a row came, TRUE with *row unset at
 * the end. */
static gboolean
stmt_row (IrBranddStore *self, sqlite3_stmt *stmt, gboolean *row, const char *what, GError **error)
{
	int rc = sqlite3_step (stmt);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error (self, what, error);
	return TRUE;
}

static gboolean
exec_simple (IrBranddStore *self, const char *sql, const char *what, GError **error)
{
	sqlite3_stmt *stmt = stmt_get (self, sql, error);
	return stmt != NULL && stmt_done (self, stmt, what, error);
}

static int
schema_version (sqlite3 *db)
{
	sqlite3_stmt *stmt = NULL;
	int version = -1;

	if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step (stmt) == SQLITE_ROW)
		version = sqlite3_column_int (stmt, 0);
	sqlite3_finalize (stmt);
	return version;
}

static sqlite3 *
open_db (const char *path, int flags, GError **error)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK) {
		g_set_error (error,
			     IR_ERROR,
			     db == NULL ? IR_ERROR_FAILED : IR_ERROR_NOT_FOUND,
			     "failed to open database %s: %s%s",
			     path,
			     db != NULL ? sqlite3_errmsg (db) : "out of memory",
			     (flags & SQLITE_OPEN_CREATE)
				 ? ""
				 : "; create it with imei-brandd init-db --db PATH");
		sqlite3_close (db);
		return NULL;
	}
	sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes (db, 0);
	return db;
}

/* Each statement of the schema is prepared and stepped in turn, inside one
 * transaction, so that a failure leaves an empty database. */
static gboolean
run_schema (sqlite3 *db, const char *path, const char *resource, GError **error)
{
	g_autoptr (GBytes) schema = g_resource_lookup_data (
	    ir_brandd_get_resource (), resource, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
	const char *sql = NULL;

	if (schema == NULL)
		return FALSE;
	sql = g_bytes_get_data (schema, NULL);
	if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error (db, path, "start the schema transaction", error);
	while (sql != NULL && *sql != '\0') {
		sqlite3_stmt *stmt = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, &tail);

		if (rc == SQLITE_OK && stmt != NULL)
			rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize (stmt);
		if (rc != SQLITE_OK) {
			db_error (db, path, "create the schema", error);
			sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
			return FALSE;
		}
		sql = tail;
	}
	if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_error (db, path, "commit the schema", error);
	return TRUE;
}

static gboolean
set_wal (sqlite3 *db, const char *path, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	gboolean ok = FALSE;

	if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step (stmt) == SQLITE_ROW)
		ok = g_strcmp0 ((const char *)sqlite3_column_text (stmt, 0), "wal") == 0;
	sqlite3_finalize (stmt);
	if (!ok)
		return db_error (db, path, "switch to WAL journal mode", error);
	return TRUE;
}

static gboolean
check_version (sqlite3 *db, const char *path, GError **error)
{
	int version = schema_version (db);

	if (version == IR_BRANDD_SCHEMA_VERSION)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "database %s has schema version %d, this imei-brandd needs %d%s",
		     path,
		     version,
		     IR_BRANDD_SCHEMA_VERSION,
		     version == 0 ? "; initialise it with imei-brandd init-db --db PATH"
		     : version < IR_BRANDD_SCHEMA_VERSION
			 ? "; upgrade it with imei-brandd init-db --db PATH (back it up first)"
			 : "");
	return FALSE;
}

gboolean
ir_brandd_store_init (const char *path, GError **error)
{
	sqlite3 *db = open_db (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
	gboolean ok;

	if (db == NULL)
		return FALSE;
	ok = set_wal (db, path, error);
	if (ok && schema_version (db) == 0)
		ok = run_schema (db, path, SCHEMA_RESOURCE, error);
	/* each migration is one transaction that ends by setting the version
	 * it reaches, so an interrupted upgrade resumes where it stopped */
	for (int v = schema_version (db); ok && v >= 1 && v < IR_BRANDD_SCHEMA_VERSION;
	     v = schema_version (db))
		ok = run_schema (db, path, MIGRATIONS[v - 1], error);
	ok = ok && check_version (db, path, error);
	sqlite3_close (db);
	return ok;
}

IrBranddStore *
ir_brandd_store_open (const char *path, GError **error)
{
	sqlite3 *db = open_db (path, SQLITE_OPEN_READWRITE, error);
	IrBranddStore *self;

	if (db == NULL)
		return NULL;
	if (!set_wal (db, path, error) || !check_version (db, path, error)) {
		sqlite3_close (db);
		return NULL;
	}
	self = g_new0 (IrBranddStore, 1);
	self->db = db;
	self->path = g_strdup (path);
	self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_stmt);
	if (!exec_simple (self, "PRAGMA foreign_keys = ON", "enable foreign keys", error)) {
		ir_brandd_store_free (self);
		return NULL;
	}
	return self;
}

void
ir_brandd_store_free (IrBranddStore *self)
{
	if (self == NULL)
		return;
	if (self->in_transaction)
		ir_brandd_store_rollback (self);
	g_hash_table_unref (self->stmts);
	sqlite3_close (self->db);
	g_free (self->path);
	g_free (self);
}

void
ir_brandd_store_set_busy_timeout (IrBranddStore *self, guint ms)
{
	sqlite3_busy_timeout (self->db, (int)MIN (ms, (guint)G_MAXINT));
}

gboolean
ir_brandd_store_begin (IrBranddStore *self, GError **error)
{
	/* IMMEDIATE: take the write lock now, so that a count and the insert
	 * that depends on it cannot interleave with another writer. */
	if (!exec_simple (self, "BEGIN IMMEDIATE", "start a transaction", error))
		return FALSE;
	self->in_transaction = TRUE;
	return TRUE;
}

gboolean
ir_brandd_store_commit (IrBranddStore *self, GError **error)
{
	if (!exec_simple (self, "COMMIT", "commit", error)) {
		ir_brandd_store_rollback (self);
		return FALSE;
	}
	self->in_transaction = FALSE;
	return TRUE;
}

void
ir_brandd_store_rollback (IrBranddStore *self)
{
	sqlite3_stmt *stmt = stmt_get (self, "ROLLBACK", NULL);

	if (stmt != NULL) {
		sqlite3_step (stmt);
		sqlite3_reset (stmt);
	}
	self->in_transaction = FALSE;
}

static gboolean
load_imeis (IrBranddStore *self, IrBranddDevice *dev, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self, "SELECT slot, imei FROM device_imeis WHERE device_id = ?", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, dev->id);
	while (TRUE) {
		int slot;
		if (!stmt_row (self, stmt, &row, "read a device's IMEIs", error))
			return FALSE;
		if (!row)
			break;
		slot = sqlite3_column_int (stmt, 0);
		if (slot >= 0 && slot < IR_TOKEN_MAX_SLOTS) {
			g_free (dev->imei[slot]);
			dev->imei[slot] = column_text (stmt, 1);
		}
	}
	sqlite3_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_store_find_device (IrBranddStore *self,
			     const char *column,
			     const char *value,
			     IrBranddDevice **out,
			     GError **error)
{
	const char *sql =
	    g_strcmp0 (column, "serial") == 0
		? "SELECT id, serial, hardware_id, manufacturer, model, tac, spc, centre "
		  "FROM devices WHERE serial = ?"
		: "SELECT id, serial, hardware_id, manufacturer, model, tac, spc, centre "
		  "FROM devices WHERE hardware_id = ?";
	sqlite3_stmt *stmt = NULL;
	g_autoptr (IrBranddDevice) dev = NULL;
	gboolean row = FALSE;

	*out = NULL;
	if (value == NULL)
		return TRUE;
	stmt = stmt_get (self, sql, error);
	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, value);
	if (!stmt_row (self, stmt, &row, "look a device up", error))
		return FALSE;
	if (!row) {
		sqlite3_reset (stmt);
		return TRUE;
	}
	dev = g_new0 (IrBranddDevice, 1);
	dev->id = sqlite3_column_int64 (stmt, 0);
	dev->serial = column_text (stmt, 1);
	dev->hardware_id = column_text (stmt, 2);
	dev->manufacturer = column_text (stmt, 3);
	dev->model = column_text (stmt, 4);
	dev->tac = column_text (stmt, 5);
	dev->spc = column_text (stmt, 6);
	dev->centre = column_text (stmt, 7);
	sqlite3_reset (stmt);
	if (!load_imeis (self, dev, error))
		return FALSE;
	*out = g_steal_pointer (&dev);
	return TRUE;
}

gboolean
ir_brandd_store_imei_holder (
    IrBranddStore *self, gint64 device_id, const char *imei, gint64 *holder, GError **error)
{
	sqlite3_stmt *stmt = stmt_get (self,
				       "SELECT device_id FROM device_imeis "
				       "WHERE identity = ?1 AND device_id <> ?2 "
				       "UNION SELECT device_id FROM reported_imeis "
				       "WHERE identity = ?1 AND device_id <> ?2 LIMIT 1",
				       error);
	g_autofree char *identity = g_strndup (imei, IR_IMEI_ID_LEN);
	gboolean row = FALSE;

	*holder = 0;
	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, identity);
	sqlite3_bind_int64 (stmt, 2, device_id);
	if (!stmt_row (self, stmt, &row, "look an IMEI up", error))
		return FALSE;
	if (row)
		*holder = sqlite3_column_int64 (stmt, 0);
	sqlite3_reset (stmt);
	return TRUE;
}

static gboolean
centre_quota (IrBranddStore *self, const char *centre, guint *quota, GError **error)
{
	sqlite3_stmt *stmt = stmt_get (self, "SELECT daily_quota FROM centres WHERE id = ?", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, centre);
	if (!stmt_row (self, stmt, &row, "read a centre's quota", error))
		return FALSE;
	if (row)
		*quota = (guint)sqlite3_column_int64 (stmt, 0);
	sqlite3_reset (stmt);
	return TRUE;
}

/* The centre's counter row for @day (ir-brandd-schema-3.sql): one row
 * read, however many tokens the day has. */
static gboolean
count_issued (IrBranddStore *self, const char *centre, const char *day, guint *n, GError **error)
{
	sqlite3_stmt *stmt = stmt_get (
	    self, "SELECT issued FROM centre_day_counts WHERE centre = ? AND utc_day = ?", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, centre);
	bind_text (stmt, 2, day);
	if (!stmt_row (self, stmt, &row, "read a centre's token count", error))
		return FALSE;
	*n = row ? (guint)sqlite3_column_int64 (stmt, 0) : 0;
	sqlite3_reset (stmt);
	return TRUE;
}

static gboolean
count_one_more (IrBranddStore *self, const char *centre, const char *day, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO centre_day_counts (centre, utc_day, issued) VALUES (?, ?, 1) "
		      "ON CONFLICT (centre, utc_day) DO UPDATE SET issued = issued + 1",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, centre);
	bind_text (stmt, 2, day);
	return stmt_done (self, stmt, "count a centre's token", error);
}

static char *
utc_day (gint64 unix_time)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);
	return g_date_time_format (dt, "%Y-%m-%d");
}

static gboolean
insert_token (IrBranddStore *self, const IrBranddTokenRecord *r, const char *day, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO tokens (cti, device_id, cnf, centre, issued_at, "
		      "utc_day, expires_at, imeis) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_bytes (stmt, 1, r->cti);
	sqlite3_bind_int64 (stmt, 2, r->device_id);
	sqlite3_bind_blob (stmt, 3, r->cnf, IR_TOKEN_CNF_LEN, SQLITE_TRANSIENT);
	bind_text (stmt, 4, r->centre);
	sqlite3_bind_int64 (stmt, 5, r->issued_at);
	bind_text (stmt, 6, day);
	sqlite3_bind_int64 (stmt, 7, r->expires_at);
	bind_text (stmt, 8, r->imeis_json);
	return stmt_done (self, stmt, "record a token", error);
}

/* The expiry of the device's live token (unexpired at @now, not
 * reported) held by another certificate than @cnf, or 0. */
static gboolean
live_token (IrBranddStore *self, const IrBranddTokenRecord *r, gint64 *until, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "SELECT max(expires_at) FROM tokens t "
		      "WHERE t.device_id = ? AND t.expires_at > ? AND t.cnf <> ? "
		      "AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.cti = t.cti)",
		      error);
	gboolean row = FALSE;

	*until = 0;
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, r->device_id);
	sqlite3_bind_int64 (stmt, 2, r->issued_at);
	sqlite3_bind_blob (stmt, 3, r->cnf, IR_TOKEN_CNF_LEN, SQLITE_TRANSIENT);
	if (!stmt_row (self, stmt, &row, "look for a live token", error))
		return FALSE;
	if (row && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
		*until = sqlite3_column_int64 (stmt, 0);
	sqlite3_reset (stmt);
	return TRUE;
}

/* The same certificate asking again (a retry after a crash or a lost
 * answer): its earlier live tokens for the device are closed as aborted,
 * so that the device still has one live token. */
static gboolean
supersede_own (IrBranddStore *self, const IrBranddTokenRecord *r, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO reports (cti, outcome, imeis_read_back, detail, reported_at) "
		      "SELECT cti, 'aborted', NULL, 'superseded by a newer token for the same "
		      "certificate', ?1 FROM tokens t WHERE t.device_id = ?2 AND t.expires_at > ?1 "
		      "AND t.cnf = ?3 AND t.cti <> ?4 AND NOT EXISTS "
		      "(SELECT 1 FROM reports r WHERE r.cti = t.cti)",
		      error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, r->issued_at);
	sqlite3_bind_int64 (stmt, 2, r->device_id);
	sqlite3_bind_blob (stmt, 3, r->cnf, IR_TOKEN_CNF_LEN, SQLITE_TRANSIENT);
	bind_bytes (stmt, 4, r->cti);
	return stmt_done (self, stmt, "close superseded tokens", error);
}

gboolean
ir_brandd_store_record_token (IrBranddStore *self,
			      const IrBranddTokenRecord *record,
			      guint default_quota,
			      gboolean *quota_reached,
			      guint *quota,
			      gint64 *live_until,
			      GError **error)
{
	g_autofree char *day = utc_day (record->issued_at);
	guint issued = 0;

	*quota_reached = FALSE;
	*quota = default_quota;
	if (!ir_brandd_store_begin (self, error))
		return FALSE;
	if (!live_token (self, record, live_until, error) ||
	    !centre_quota (self, record->centre, quota, error) ||
	    !count_issued (self, record->centre, day, &issued, error)) {
		ir_brandd_store_rollback (self);
		return FALSE;
	}
	if (*live_until != 0) {
		ir_brandd_store_rollback (self);
		return TRUE;
	}
	if (issued >= *quota) {
		*quota_reached = TRUE;
		ir_brandd_store_rollback (self);
		return TRUE;
	}
	if (record->rollout != NULL &&
	    !ir_brandd_rollout_store_check (self, record->centre, record->rollout, error)) {
		ir_brandd_store_rollback (self);
		return FALSE;
	}
	if (record->rollout != NULL && record->rollout->result != IR_BRANDD_CLAIM_OK) {
		ir_brandd_store_rollback (self);
		return TRUE;
	}
	if (!insert_token (self, record, day, error) ||
	    !count_one_more (self, record->centre, day, error) ||
	    (record->rollout != NULL &&
	     !ir_brandd_rollout_store_record (
		 self, record->cti, record->centre, record->rollout, error)) ||
	    !supersede_own (self, record, error)) {
		ir_brandd_store_rollback (self);
		return FALSE;
	}
	return ir_brandd_store_commit (self, error);
}

typedef struct {
	gboolean found;
	gboolean same_client; /* @cnf is the one it was issued to */
	gboolean reported;
	gint64 device_id;
	char *imeis; /* JSON array of the IMEIs it was issued to write */
} TokenRow;

static void
token_row_clear (TokenRow *t)
{
	g_clear_pointer (&t->imeis, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TokenRow, token_row_clear)

static gboolean
token_owner (IrBranddStore *self, const IrBranddReportRecord *r, TokenRow *t, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "SELECT cnf, device_id, imeis, EXISTS (SELECT 1 FROM reports "
		      "r WHERE r.cti = t.cti) FROM tokens t WHERE cti = ?",
		      error);
	const void *cnf = NULL;

	if (stmt == NULL)
		return FALSE;
	bind_bytes (stmt, 1, r->cti);
	if (!stmt_row (self, stmt, &t->found, "look a token up", error))
		return FALSE;
	if (t->found) {
		cnf = sqlite3_column_blob (stmt, 0);
		t->same_client = cnf != NULL &&
				 sqlite3_column_bytes (stmt, 0) == IR_TOKEN_CNF_LEN &&
				 memcmp (cnf, r->cnf, IR_TOKEN_CNF_LEN) == 0;
		t->device_id = sqlite3_column_int64 (stmt, 1);
		t->imeis = column_text (stmt, 2);
		t->reported = sqlite3_column_int (stmt, 3) != 0;
	}
	sqlite3_reset (stmt);
	return TRUE;
}

/* Does the read-back hold, in every slot, what the token was issued to
 * write (@issued: its JSON array, as ir-brandd-issue.c stored it)? */
static gboolean
read_back_matches (const char *issued, char *const *read_back)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonNode *root;
	JsonArray *arr;

	if (issued == NULL || !json_parser_load_from_data (parser, issued, -1, NULL))
		return FALSE;
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
		return FALSE;
	arr = json_node_get_array (root);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		JsonNode *el =
		    i < json_array_get_length (arr) ? json_array_get_element (arr, i) : NULL;
		const char *want = el != NULL && JSON_NODE_HOLDS_VALUE (el) &&
					   json_node_get_value_type (el) == G_TYPE_STRING
				       ? json_node_get_string (el)
				       : NULL;

		if (g_strcmp0 (want, read_back[i]) != 0)
			return FALSE;
	}
	return TRUE;
}

static gboolean
insert_mismatch (IrBranddStore *self, const IrBranddReportRecord *r, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO report_mismatches (cti, outcome, imeis_read_back, detail, "
		      "reported_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (cti) DO NOTHING",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_bytes (stmt, 1, r->cti);
	bind_text (stmt, 2, r->outcome);
	bind_text (stmt, 3, r->read_back_json != NULL ? r->read_back_json : "[]");
	bind_text (stmt, 4, r->detail);
	sqlite3_bind_int64 (stmt, 5, r->now);
	return stmt_done (self, stmt, "keep a mismatched report", error);
}

static gboolean
insert_report (IrBranddStore *self, const IrBranddReportRecord *r, gboolean *dup, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO reports (cti, outcome, imeis_read_back, detail, "
		      "reported_at) VALUES (?, ?, ?, ?, ?) "
		      "ON CONFLICT (cti) DO NOTHING",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_bytes (stmt, 1, r->cti);
	bind_text (stmt, 2, r->outcome);
	bind_text (stmt, 3, r->read_back_json);
	bind_text (stmt, 4, r->detail);
	sqlite3_bind_int64 (stmt, 5, r->now);
	if (!stmt_done (self, stmt, "record a report", error))
		return FALSE;
	*dup = sqlite3_changes (self->db) == 0;
	return TRUE;
}

/* A success tells what the device holds now: that is what a later request
 * for another device is compared with (imei_in_use). */
static gboolean
replace_reported (IrBranddStore *self, gint64 device_id, char *const *imeis, GError **error)
{
	sqlite3_stmt *del =
	    stmt_get (self, "DELETE FROM reported_imeis WHERE device_id = ?", error);

	if (del == NULL)
		return FALSE;
	sqlite3_bind_int64 (del, 1, device_id);
	if (!stmt_done (self, del, "forget a device's reported IMEIs", error))
		return FALSE;
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		sqlite3_stmt *ins = NULL;
		g_autofree char *identity = NULL;

		if (imeis[i] == NULL || strlen (imeis[i]) < IR_IMEI_ID_LEN)
			continue;
		ins = stmt_get (self,
				"INSERT INTO reported_imeis (device_id, slot, identity) "
				"VALUES (?, ?, ?)",
				error);
		if (ins == NULL)
			return FALSE;
		identity = g_strndup (imeis[i], IR_IMEI_ID_LEN);
		sqlite3_bind_int64 (ins, 1, device_id);
		sqlite3_bind_int (ins, 2, (int)i);
		bind_text (ins, 3, identity);
		if (!stmt_done (self, ins, "record a device's reported IMEIs", error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
record_report_locked (IrBranddStore *self,
		      const IrBranddReportRecord *r,
		      IrBranddReportResult *result,
		      char **issued_imeis,
		      GError **error)
{
	g_auto (TokenRow) t = {0};
	gboolean success = g_strcmp0 (r->outcome, "success") == 0;
	gboolean dup = FALSE;

	if (!token_owner (self, r, &t, error))
		return FALSE;
	if (!t.found) {
		*result = IR_BRANDD_REPORT_UNKNOWN_TOKEN;
		return TRUE;
	}
	if (issued_imeis != NULL)
		*issued_imeis = g_strdup (t.imeis);
	if (!t.same_client) {
		*result = IR_BRANDD_REPORT_NOT_YOUR_TOKEN;
		return TRUE;
	}
	if (t.reported) {
		*result = IR_BRANDD_REPORT_ALREADY_REPORTED;
		return TRUE;
	}
	/* a success names what the device holds now: only what the token was
	 * for, or another device's IMEIs would be marked as in use */
	if (success && (r->read_back == NULL || !read_back_matches (t.imeis, r->read_back))) {
		*result = IR_BRANDD_REPORT_MISMATCH;
		return insert_mismatch (self, r, error);
	}
	if (!insert_report (self, r, &dup, error))
		return FALSE;
	if (dup) {
		*result = IR_BRANDD_REPORT_ALREADY_REPORTED;
		return TRUE;
	}
	if (success && !replace_reported (self, t.device_id, r->read_back, error))
		return FALSE;
	*result = IR_BRANDD_REPORT_RECORDED;
	return TRUE;
}

gboolean
ir_brandd_store_record_report (IrBranddStore *self,
			       const IrBranddReportRecord *record,
			       IrBranddReportResult *result,
			       char **issued_imeis,
			       GError **error)
{
	if (issued_imeis != NULL)
		*issued_imeis = NULL;
	if (!ir_brandd_store_begin (self, error))
		return FALSE;
	if (!record_report_locked (self, record, result, issued_imeis, error)) {
		ir_brandd_store_rollback (self);
		return FALSE;
	}
	/* a mismatch is kept for the auditor although the report is refused */
	if (*result != IR_BRANDD_REPORT_RECORDED && *result != IR_BRANDD_REPORT_MISMATCH) {
		ir_brandd_store_rollback (self);
		return TRUE;
	}
	return ir_brandd_store_commit (self, error);
}

gboolean
ir_brandd_store_set_centre_quota (IrBranddStore *self,
				  const char *centre,
				  guint quota,
				  GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO centres (id, daily_quota) VALUES (?, ?) "
		      "ON CONFLICT (id) DO UPDATE SET daily_quota = excluded.daily_quota",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, centre);
	sqlite3_bind_int64 (stmt, 2, quota);
	return stmt_done (self, stmt, "set a centre's quota", error);
}

static gboolean
exists (IrBranddStore *self, const char *sql, const char *value, gboolean *found, GError **error)
{
	sqlite3_stmt *stmt = NULL;

	*found = FALSE;
	if (value == NULL)
		return TRUE;
	stmt = stmt_get (self, sql, error);
	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, value);
	if (!stmt_row (self, stmt, found, "check the registry", error))
		return FALSE;
	sqlite3_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_store_device_conflict (IrBranddStore *self,
				 const IrBranddDevice *device,
				 char **why,
				 GError **error)
{
	gboolean found = FALSE;

	*why = NULL;
	/* case-insensitive, like the file's own rows (devices_serial_nocase) */
	if (!exists (self,
		     "SELECT 1 FROM devices WHERE serial = ? COLLATE NOCASE",
		     device->serial,
		     &found,
		     error))
		return FALSE;
	if (found) {
		*why = g_strdup_printf ("serial %s is already registered (serials are compared "
					"without case)",
					device->serial);
		return TRUE;
	}
	if (!exists (self,
		     "SELECT 1 FROM devices WHERE hardware_id = ?",
		     device->hardware_id,
		     &found,
		     error))
		return FALSE;
	if (found) {
		*why =
		    g_strdup_printf ("hardware id %s is already registered", device->hardware_id);
		return TRUE;
	}
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_autofree char *identity =
		    device->imei[i] != NULL ? g_strndup (device->imei[i], IR_IMEI_ID_LEN) : NULL;
		if (!exists (self,
			     "SELECT 1 FROM device_imeis WHERE identity = ?",
			     identity,
			     &found,
			     error))
			return FALSE;
		if (found) {
			*why = g_strdup_printf ("IMEI %s (slot %u) is already registered to "
						"another device",
						device->imei[i],
						i + 1);
			return TRUE;
		}
	}
	return TRUE;
}

gboolean
ir_brandd_store_insert_device (IrBranddStore *self,
			       const IrBranddDevice *device,
			       gint64 now,
			       GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO devices (serial, hardware_id, manufacturer, "
		      "model, tac, imported_at, spc, centre) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		      error);
	gint64 id;

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, device->serial);
	bind_text (stmt, 2, device->hardware_id);
	bind_text (stmt, 3, device->manufacturer);
	bind_text (stmt, 4, device->model);
	bind_text (stmt, 5, device->tac);
	sqlite3_bind_int64 (stmt, 6, now);
	bind_text (stmt, 7, device->spc);
	bind_text (stmt, 8, device->centre);
	if (!stmt_done (self, stmt, "insert a device", error))
		return FALSE;
	id = sqlite3_last_insert_rowid (self->db);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		sqlite3_stmt *ins = NULL;
		g_autofree char *identity = NULL;

		if (device->imei[i] == NULL)
			continue;
		ins = stmt_get (self,
				"INSERT INTO device_imeis (device_id, slot, imei, identity) "
				"VALUES (?, ?, ?, ?)",
				error);
		if (ins == NULL)
			return FALSE;
		identity = g_strndup (device->imei[i], IR_IMEI_ID_LEN);
		sqlite3_bind_int64 (ins, 1, id);
		sqlite3_bind_int (ins, 2, (int)i);
		bind_text (ins, 3, device->imei[i]);
		bind_text (ins, 4, identity);
		if (!stmt_done (self, ins, "insert a device's IMEI", error))
			return FALSE;
	}
	return TRUE;
}

gboolean
ir_brandd_store_count (IrBranddStore *self, const char *table, gint64 *count, GError **error)
{
	static const char *const sql[][2] = {
	    {"devices", "SELECT count(*) FROM devices"},
	    {"tokens", "SELECT count(*) FROM tokens"},
	    {"reports", "SELECT count(*) FROM reports"},
	    {"centres", "SELECT count(*) FROM centres"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (sql); i++) {
		sqlite3_stmt *stmt = NULL;
		gboolean row = FALSE;

		if (g_strcmp0 (table, sql[i][0]) != 0)
			continue;
		stmt = stmt_get (self, sql[i][1], error);
		if (stmt == NULL || !stmt_row (self, stmt, &row, "count rows", error))
			return FALSE;
		*count = row ? sqlite3_column_int64 (stmt, 0) : 0;
		sqlite3_reset (stmt);
		return TRUE;
	}
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "no table %s to count", table);
	return FALSE;
}

gboolean
ir_brandd_store_revoke (
    IrBranddStore *self, const char *serial, const char *reason, gint64 now, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self,
		      "INSERT INTO revoked_certificates (serial, reason, revoked_at) "
		      "VALUES (?, ?, ?) ON CONFLICT (serial) DO NOTHING",
		      error);

	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, serial);
	bind_text (stmt, 2, reason);
	sqlite3_bind_int64 (stmt, 3, now);
	return stmt_done (self, stmt, "revoke a certificate", error);
}

gboolean
ir_brandd_store_revoked (
    IrBranddStore *self, const char *serial, gboolean *revoked, gint64 *when, GError **error)
{
	sqlite3_stmt *stmt =
	    stmt_get (self, "SELECT revoked_at FROM revoked_certificates WHERE serial = ?", error);

	*revoked = FALSE;
	if (stmt == NULL)
		return FALSE;
	bind_text (stmt, 1, serial);
	if (!stmt_row (self, stmt, revoked, "look a revocation up", error))
		return FALSE;
	if (*revoked && when != NULL)
		*when = sqlite3_column_int64 (stmt, 0);
	sqlite3_reset (stmt);
	return TRUE;
}

sqlite3_stmt *
ir_brandd_store_prepare (IrBranddStore *self, const char *sql, GError **error)
{
	return stmt_get (self, sql, error);
}

gboolean
ir_brandd_store_step_done (IrBranddStore *self,
			   sqlite3_stmt *stmt,
			   const char *what,
			   GError **error)
{
	return stmt_done (self, stmt, what, error);
}

gboolean
ir_brandd_store_step_row (
    IrBranddStore *self, sqlite3_stmt *stmt, gboolean *row, const char *what, GError **error)
{
	return stmt_row (self, stmt, row, what, error);
}
