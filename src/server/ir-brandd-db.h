/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One SQL connection of imei-brandd, to SQLite (a file, WAL) or to
 * PostgreSQL (libpq), behind one statement interface: the store's logic
 * (ir-brandd-store.c and the modules that keep tables beside it) is
 * written once, and a backend only moves statements and values.
 *
 * SQL is written in the dialect both accept: `?` or `?N` placeholders
 * (turned into `$N` for PostgreSQL), ON CONFLICT, RETURNING. Where the two
 * differ, ir_brandd_db_prepare_dialect() takes one text for each. Values
 * are always bound, never formatted into SQL. One connection per thread. */

typedef enum {
	IR_BRANDD_BACKEND_SQLITE,
	IR_BRANDD_BACKEND_POSTGRESQL,
} IrBranddBackend;

typedef struct _IrBranddDb IrBranddDb;
typedef struct _IrBranddStmt IrBranddStmt;

/* "sqlite" or "postgresql" */
const char *ir_brandd_db_backend_to_string (IrBranddBackend backend);
gboolean
ir_brandd_db_backend_from_string (const char *text, IrBranddBackend *backend, GError **error);

/* @target: a file path (SQLite; created when @create) or a libpq
 * connection string (PostgreSQL; the database must exist). */
IrBranddDb *
ir_brandd_db_open (IrBranddBackend backend, const char *target, gboolean create, GError **error);
void ir_brandd_db_free (IrBranddDb *self);
IrBranddBackend ir_brandd_db_get_backend (IrBranddDb *self);
/* What messages name: the path, or the connection string without secrets. */
const char *ir_brandd_db_get_name (IrBranddDb *self);

/* How long a statement waits for another writer's lock before failing
 * with IR_ERROR_BUSY (SQLite) or IR_ERROR_TIMEOUT (PostgreSQL) (5 s unless set). */
void ir_brandd_db_set_busy_timeout (IrBranddDb *self, guint ms);

/* Runs SQL text of several statements, without values (schema scripts). */
gboolean ir_brandd_db_exec_script (IrBranddDb *self, const char *sql, GError **error);

/* The schema version the database holds; 0 for an empty one. */
gboolean ir_brandd_db_schema_version (IrBranddDb *self, int *version, GError **error);

/* A write transaction: on SQLite BEGIN IMMEDIATE (the write lock now); on
 * PostgreSQL SERIALIZABLE, so that every check-and-update in it is atomic
 * across nodes. A conflict shows as IR_ERROR_BUSY from a statement or the
 * commit: ir_brandd_db_transact() runs the whole transaction again. */
gboolean ir_brandd_db_begin (IrBranddDb *self, GError **error);

/* A read scope: the statements until ir_brandd_db_read_end() or the next
 * ir_brandd_db_begin() (which ends it first) read one snapshot in one read
 * transaction. On SQLite each statement outside a transaction is a read
 * transaction of its own, its locks taken and dropped with 4-6 fcntl()
 * calls; the database thread's checks before a batch's write transaction
 * (revocation, registry, witness) share one. A statement that writes
 * ends the scope before it runs, so it runs and is durable as it would be
 * outside one. Nothing on PostgreSQL, and nothing when a transaction is
 * open. Failing to start one only costs those locks again. */
void ir_brandd_db_read_begin (IrBranddDb *self);
void ir_brandd_db_read_end (IrBranddDb *self);
gboolean ir_brandd_db_commit (IrBranddDb *self, GError **error);
void ir_brandd_db_rollback (IrBranddDb *self);
gboolean ir_brandd_db_in_transaction (IrBranddDb *self);

/* Write transactions committed on this connection since it was opened:
 * each is one sync of the database's log (SQLite's WAL, PostgreSQL's
 * WAL flush at commit), the figure group commit lowers per token. */
guint64 ir_brandd_db_get_commits (IrBranddDb *self);

/* Inside a transaction, around one request's statements (a batch of
 * several in one transaction, ir_brandd_store_record_tokens()): the
 * savepoint, then its end, keeping what was done since, or with @undo
 * rolling it back first while the transaction goes on. */
gboolean ir_brandd_db_savepoint (IrBranddDb *self, GError **error);
gboolean ir_brandd_db_release (IrBranddDb *self, gboolean undo, GError **error);

/* What a transaction does between BEGIN and COMMIT. Returns FALSE with
 * @error on failure; *commit FALSE to roll back what it did and succeed
 * (a refusal decided inside it). */
typedef gboolean (*IrBranddTxnFunc) (IrBranddDb *db,
				     gpointer user_data,
				     gboolean *commit,
				     GError **error);

/* Runs @func in a write transaction, again from the start (a few times,
 * with a short random pause) when the database reports a serialization
 * failure or a deadlock, and once more after reconnecting when the
 * connection to PostgreSQL was lost. @func must only decide from what it
 * reads in the transaction and reset its outputs at each run. */
gboolean
ir_brandd_db_transact (IrBranddDb *self, IrBranddTxnFunc func, gpointer user_data, GError **error);

/* A statement prepared once per connection and kept, keyed by @sql, which
 * must be a string literal; reset and cleared of values at each call. */
IrBranddStmt *ir_brandd_db_prepare (IrBranddDb *self, const char *sql, GError **error);
IrBranddStmt *ir_brandd_db_prepare_dialect (IrBranddDb *self,
					    const char *sqlite_sql,
					    const char *postgresql_sql,
					    GError **error);

/* Placeholders count from 1. NULL text binds NULL. */
void ir_brandd_stmt_bind_text (IrBranddStmt *stmt, int idx, const char *text);
void ir_brandd_stmt_bind_int64 (IrBranddStmt *stmt, int idx, gint64 value);
void ir_brandd_stmt_bind_blob (IrBranddStmt *stmt, int idx, const void *data, gsize len);
void ir_brandd_stmt_bind_bytes (IrBranddStmt *stmt, int idx, GBytes *bytes);
void ir_brandd_stmt_bind_null (IrBranddStmt *stmt, int idx);

/* Steps once: TRUE with *row set when a row came, TRUE with *row unset at
 * the end. @what names the step in errors ("record a token"). */
gboolean ir_brandd_stmt_step (IrBranddStmt *stmt, gboolean *row, const char *what, GError **error);
/* Runs a statement that returns no rows, and resets it. */
gboolean ir_brandd_stmt_run (IrBranddStmt *stmt, const char *what, GError **error);
/* Rows changed by the last ir_brandd_stmt_run(). */
gint64 ir_brandd_stmt_changes (IrBranddStmt *stmt);
/* Ends the rows of a query early (or after the last). */
void ir_brandd_stmt_reset (IrBranddStmt *stmt);

/* Columns of the current row, from 0. NULL for an SQL NULL; the text and
 * bytes stay valid until the next step or reset. */
gint64 ir_brandd_stmt_column_int64 (IrBranddStmt *stmt, int col);
const char *ir_brandd_stmt_column_text (IrBranddStmt *stmt, int col);
char *ir_brandd_stmt_dup_text (IrBranddStmt *stmt, int col);
const guint8 *ir_brandd_stmt_column_blob (IrBranddStmt *stmt, int col, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddDb, ir_brandd_db_free)

G_END_DECLS
