/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include "ir-brandd-db-private.h"
#include "ir-error.h"

/* The SQLite backend of ir-brandd-db.c: one file in WAL mode, statements
 * prepared once (SQLITE_PREPARE_PERSISTENT), foreign keys on. */

#define IR_BRANDD_DB_SQLITE_BUSY_MS 5000

static gboolean
ir_brandd_db_sqlite_error (sqlite3 *db, GError **error)
{
	int code = sqlite3_errcode (db);

	g_set_error_literal (error,
			     IR_ERROR,
			     code == SQLITE_BUSY || code == SQLITE_LOCKED ? IR_ERROR_BUSY
									  : IR_ERROR_FAILED,
			     sqlite3_errmsg (db));
	return FALSE;
}

static gboolean
ir_brandd_db_sqlite_pragma (sqlite3 *db, const char *sql, char **value)
{
	sqlite3_stmt *stmt = NULL;
	gboolean ok = FALSE;

	if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK) {
		int rc = sqlite3_step (stmt);
		ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
		if (rc == SQLITE_ROW && value != NULL)
			*value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
	}
	sqlite3_finalize (stmt);
	return ok;
}

static gpointer
ir_brandd_db_sqlite_open (const char *path, gboolean create, GError **error)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	g_autofree char *mode = NULL;

	if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK) {
		g_set_error (error,
			     IR_ERROR,
			     db == NULL ? IR_ERROR_FAILED : IR_ERROR_NOT_FOUND,
			     "failed to open database %s: %s%s",
			     path,
			     db != NULL ? sqlite3_errmsg (db) : "out of memory",
			     create ? "" : "; create it with imei-brandd init-db --db PATH");
		sqlite3_close (db);
		return NULL;
	}
	sqlite3_busy_timeout (db, IR_BRANDD_DB_SQLITE_BUSY_MS);
	sqlite3_extended_result_codes (db, 0);
	if (!ir_brandd_db_sqlite_pragma (db, "PRAGMA journal_mode=WAL", &mode) ||
	    g_strcmp0 (mode, "wal") != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "database %s: failed to switch to WAL journal mode: %s",
			     path,
			     sqlite3_errmsg (db));
		sqlite3_close (db);
		return NULL;
	}
	if (!ir_brandd_db_sqlite_pragma (db, "PRAGMA foreign_keys = ON", NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "database %s: failed to enable foreign keys: %s",
			     path,
			     sqlite3_errmsg (db));
		sqlite3_close (db);
		return NULL;
	}
	return db;
}

static void
ir_brandd_db_sqlite_close (gpointer conn)
{
	sqlite3_close (conn);
}

static void
ir_brandd_db_sqlite_set_busy_timeout (gpointer conn, guint ms)
{
	sqlite3_busy_timeout (conn, (int)MIN (ms, (guint)G_MAXINT));
}

/* Each statement of the script is prepared and stepped in turn; the script
 * itself holds no transaction (the caller's wraps it). */
static gboolean
ir_brandd_db_sqlite_exec_script (gpointer conn, const char *sql, GError **error)
{
	while (sql != NULL && *sql != '\0') {
		sqlite3_stmt *stmt = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2 (conn, sql, -1, &stmt, &tail);

		if (rc == SQLITE_OK && stmt != NULL) {
			rc = sqlite3_step (stmt);
			rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
		}
		if (rc != SQLITE_OK) {
			ir_brandd_db_sqlite_error (conn, error);
			sqlite3_finalize (stmt);
			return FALSE;
		}
		sqlite3_finalize (stmt);
		sql = tail;
	}
	return TRUE;
}

static gboolean
ir_brandd_db_sqlite_schema_version (gpointer conn, int *version, GError **error)
{
	g_autofree char *value = NULL;

	if (!ir_brandd_db_sqlite_pragma (conn, "PRAGMA user_version", &value))
		return ir_brandd_db_sqlite_error (conn, error);
	*version = value != NULL ? (int)g_ascii_strtoll (value, NULL, 10) : 0;
	return TRUE;
}

static gpointer
ir_brandd_db_sqlite_prepare (gpointer conn, const char *sql, GError **error)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v3 (conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
	    SQLITE_OK) {
		ir_brandd_db_sqlite_error (conn, error);
		return NULL;
	}
	return stmt;
}

static void
ir_brandd_db_sqlite_finalize (gpointer stmt)
{
	sqlite3_finalize (stmt);
}

static void
ir_brandd_db_sqlite_reset (gpointer stmt)
{
	sqlite3_reset (stmt);
	sqlite3_clear_bindings (stmt);
}

static void
ir_brandd_db_sqlite_bind_text (gpointer stmt, int idx, const char *text)
{
	sqlite3_bind_text (stmt, idx, text, -1, SQLITE_TRANSIENT);
}

static void
ir_brandd_db_sqlite_bind_int64 (gpointer stmt, int idx, gint64 value)
{
	sqlite3_bind_int64 (stmt, idx, value);
}

static void
ir_brandd_db_sqlite_bind_blob (gpointer stmt, int idx, const void *data, gsize len)
{
	sqlite3_bind_blob64 (stmt, idx, data, len, SQLITE_TRANSIENT);
}

static void
ir_brandd_db_sqlite_bind_null (gpointer stmt, int idx)
{
	sqlite3_bind_null (stmt, idx);
}

static gboolean
ir_brandd_db_sqlite_step (gpointer stmt, gboolean *row, gint64 *changes, GError **error)
{
	int rc = sqlite3_step (stmt);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ir_brandd_db_sqlite_error (sqlite3_db_handle (stmt), error);
	*changes = sqlite3_changes64 (sqlite3_db_handle (stmt));
	return TRUE;
}

static gint64
ir_brandd_db_sqlite_column_int64 (gpointer stmt, int col)
{
	return sqlite3_column_int64 (stmt, col);
}

static const char *
ir_brandd_db_sqlite_column_text (gpointer stmt, int col)
{
	return (const char *)sqlite3_column_text (stmt, col);
}

static const guint8 *
ir_brandd_db_sqlite_column_blob (gpointer stmt, int col, gsize *len)
{
	const guint8 *data = sqlite3_column_blob (stmt, col);

	*len = (gsize)sqlite3_column_bytes (stmt, col);
	return data;
}

static gboolean
ir_brandd_db_sqlite_readonly (gpointer stmt)
{
	return sqlite3_stmt_readonly (stmt) != 0;
}

const IrBranddDbBackend ir_brandd_db_sqlite_backend = {
    .open = ir_brandd_db_sqlite_open,
    .close = ir_brandd_db_sqlite_close,
    .broken = NULL,
    .reconnect = NULL,
    .set_busy_timeout = ir_brandd_db_sqlite_set_busy_timeout,
    .exec_script = ir_brandd_db_sqlite_exec_script,
    .schema_version = ir_brandd_db_sqlite_schema_version,
    /* IMMEDIATE: take the write lock now, so that a count and the insert
     * that depends on it cannot interleave with another writer */
    .begin_sql = "BEGIN IMMEDIATE",
    .prepare = ir_brandd_db_sqlite_prepare,
    .finalize = ir_brandd_db_sqlite_finalize,
    .reset = ir_brandd_db_sqlite_reset,
    .bind_text = ir_brandd_db_sqlite_bind_text,
    .bind_int64 = ir_brandd_db_sqlite_bind_int64,
    .bind_blob = ir_brandd_db_sqlite_bind_blob,
    .bind_null = ir_brandd_db_sqlite_bind_null,
    .step = ir_brandd_db_sqlite_step,
    .column_int64 = ir_brandd_db_sqlite_column_int64,
    .column_text = ir_brandd_db_sqlite_column_text,
    .column_blob = ir_brandd_db_sqlite_column_blob,
    .readonly = ir_brandd_db_sqlite_readonly,
};
