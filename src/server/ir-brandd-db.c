/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-db-private.h"
#include "ir-error.h"

/* A serialization failure on PostgreSQL means another node's transaction
 * touched the same rows: running ours again decides on what it committed.
 * Bounded, so that a pathological storm answers 503 rather than hang. */
#define IR_BRANDD_DB_MAX_ATTEMPTS 30

struct _IrBranddDb {
	const IrBranddDbBackend *backend;
	IrBranddBackend kind;
	gpointer conn;
	char *name;
	GHashTable *stmts; /* SQL text (static) → IrBranddStmt */
	gboolean in_transaction;
	gboolean in_read;  /* a read scope's BEGIN (SQLite), see ir_brandd_db_read_begin */
	guint64 n_commits; /* write transactions committed */
};

struct _IrBranddStmt {
	IrBranddDb *db;
	gpointer impl;
	gint64 changes;
};

const char *
ir_brandd_db_backend_to_string (IrBranddBackend backend)
{
	return backend == IR_BRANDD_BACKEND_POSTGRESQL ? "postgresql" : "sqlite";
}

gboolean
ir_brandd_db_backend_from_string (const char *text, IrBranddBackend *backend, GError **error)
{
	if (g_strcmp0 (text, "sqlite") == 0) {
		*backend = IR_BRANDD_BACKEND_SQLITE;
		return TRUE;
	}
	if (g_strcmp0 (text, "postgresql") == 0) {
		*backend = IR_BRANDD_BACKEND_POSTGRESQL;
		return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "'%s': expected sqlite or postgresql",
		     text != NULL ? text : "");
	return FALSE;
}

static void
ir_brandd_db_stmt_free (gpointer data)
{
	IrBranddStmt *stmt = data;

	stmt->db->backend->finalize (stmt->impl);
	g_free (stmt);
}

IrBranddDb *
ir_brandd_db_open (IrBranddBackend backend, const char *target, gboolean create, GError **error)
{
	const IrBranddDbBackend *ops = backend == IR_BRANDD_BACKEND_POSTGRESQL
					   ? &ir_brandd_db_pg_backend
					   : &ir_brandd_db_sqlite_backend;
	gpointer conn = ops->open (target, create, error);
	IrBranddDb *self;

	if (conn == NULL)
		return NULL;
	self = g_new0 (IrBranddDb, 1);
	self->backend = ops;
	self->kind = backend;
	self->conn = conn;
	self->name = g_strdup (target);
	self->stmts =
	    g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, ir_brandd_db_stmt_free);
	return self;
}

void
ir_brandd_db_free (IrBranddDb *self)
{
	if (self == NULL)
		return;
	ir_brandd_db_read_end (self);
	if (self->in_transaction)
		ir_brandd_db_rollback (self);
	g_hash_table_unref (self->stmts);
	self->backend->close (self->conn);
	g_free (self->name);
	g_free (self);
}

IrBranddBackend
ir_brandd_db_get_backend (IrBranddDb *self)
{
	return self->kind;
}

const char *
ir_brandd_db_get_name (IrBranddDb *self)
{
	return self->name;
}

void
ir_brandd_db_set_busy_timeout (IrBranddDb *self, guint ms)
{
	self->backend->set_busy_timeout (self->conn, ms);
}

static gboolean
ir_brandd_db_fail (IrBranddDb *self, GError *cause, const char *what, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     cause->code,
		     "database %s: failed to %s: %s",
		     self->name,
		     what,
		     cause->message);
	g_error_free (cause);
	return FALSE;
}

/* Outside a transaction, a connection lost since the last statement (a
 * PostgreSQL restart) is opened again; its prepared statements went with
 * it. Inside one, the transaction is lost anyway: the caller sees the
 * error and ir_brandd_db_transact() or the client runs it again. */
static gboolean
ir_brandd_db_ensure_connected (IrBranddDb *self, GError **error)
{
	GError *cause = NULL;

	if (self->in_transaction || self->backend->broken == NULL ||
	    !self->backend->broken (self->conn))
		return TRUE;
	g_hash_table_remove_all (self->stmts);
	if (!self->backend->reconnect (self->conn, &cause))
		return ir_brandd_db_fail (self, cause, "reconnect", error);
	return TRUE;
}

gboolean
ir_brandd_db_exec_script (IrBranddDb *self, const char *sql, GError **error)
{
	GError *cause = NULL;

	if (!ir_brandd_db_ensure_connected (self, error))
		return FALSE;
	if (!self->backend->exec_script (self->conn, sql, &cause))
		return ir_brandd_db_fail (self, cause, "run SQL", error);
	return TRUE;
}

gboolean
ir_brandd_db_schema_version (IrBranddDb *self, int *version, GError **error)
{
	GError *cause = NULL;

	*version = 0;
	if (!ir_brandd_db_ensure_connected (self, error))
		return FALSE;
	if (!self->backend->schema_version (self->conn, version, &cause))
		return ir_brandd_db_fail (self, cause, "read the schema version", error);
	return TRUE;
}

IrBranddStmt *
ir_brandd_db_prepare_dialect (IrBranddDb *self,
			      const char *sqlite_sql,
			      const char *postgresql_sql,
			      GError **error)
{
	const char *sql = self->kind == IR_BRANDD_BACKEND_POSTGRESQL ? postgresql_sql : sqlite_sql;
	IrBranddStmt *stmt;
	GError *cause = NULL;
	gpointer impl;

	if (!ir_brandd_db_ensure_connected (self, error))
		return NULL;
	stmt = g_hash_table_lookup (self->stmts, sql);
	if (stmt != NULL) {
		self->backend->reset (stmt->impl);
		stmt->changes = 0;
		return stmt;
	}
	impl = self->backend->prepare (self->conn, sql, &cause);
	if (impl == NULL) {
		ir_brandd_db_fail (self, cause, "prepare a statement", error);
		return NULL;
	}
	stmt = g_new0 (IrBranddStmt, 1);
	stmt->db = self;
	stmt->impl = impl;
	g_hash_table_insert (self->stmts, (gpointer)sql, stmt);
	return stmt;
}

IrBranddStmt *
ir_brandd_db_prepare (IrBranddDb *self, const char *sql, GError **error)
{
	return ir_brandd_db_prepare_dialect (self, sql, sql, error);
}

static gboolean
ir_brandd_db_exec_simple (IrBranddDb *self, const char *sql, const char *what, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (self, sql, error);
	return stmt != NULL && ir_brandd_stmt_run (stmt, what, error);
}

void
ir_brandd_db_read_begin (IrBranddDb *self)
{
	g_autoptr (GError) error = NULL;

	if (self->backend->readonly == NULL || self->in_transaction || self->in_read)
		return;
	/* deferred: nothing is locked until the first statement reads */
	if (!ir_brandd_db_exec_simple (self, "BEGIN DEFERRED", "start a read scope", &error)) {
		g_debug ("%s", error->message);
		return;
	}
	self->in_read = TRUE;
}

void
ir_brandd_db_read_end (IrBranddDb *self)
{
	g_autoptr (GError) error = NULL;

	if (!self->in_read)
		return;
	self->in_read = FALSE;
	if (!ir_brandd_db_exec_simple (self, "COMMIT", "end a read scope", &error)) {
		g_debug ("%s", error->message);
		ir_brandd_db_rollback (self);
	}
}

gboolean
ir_brandd_db_begin (IrBranddDb *self, GError **error)
{
	/* a write starts from the newest state, not the read scope's */
	ir_brandd_db_read_end (self);
	if (!ir_brandd_db_exec_simple (
		self, self->backend->begin_sql, "start a transaction", error))
		return FALSE;
	self->in_transaction = TRUE;
	return TRUE;
}

gboolean
ir_brandd_db_commit (IrBranddDb *self, GError **error)
{
	if (!ir_brandd_db_exec_simple (self, "COMMIT", "commit", error)) {
		ir_brandd_db_rollback (self);
		return FALSE;
	}
	self->in_transaction = FALSE;
	self->n_commits++;
	return TRUE;
}

guint64
ir_brandd_db_get_commits (IrBranddDb *self)
{
	return self->n_commits;
}

/* One savepoint name is enough: a batch sets one, ends it, then the next
 * (ir-brandd-store.c never nests them). Both backends keep the savepoint
 * after ROLLBACK TO; RELEASE drops it. */
gboolean
ir_brandd_db_savepoint (IrBranddDb *self, GError **error)
{
	return ir_brandd_db_exec_simple (self, "SAVEPOINT ir_one", "set a savepoint", error);
}

gboolean
ir_brandd_db_release (IrBranddDb *self, gboolean undo, GError **error)
{
	if (undo && !ir_brandd_db_exec_simple (
			self, "ROLLBACK TO SAVEPOINT ir_one", "roll back to a savepoint", error))
		return FALSE;
	return ir_brandd_db_exec_simple (
	    self, "RELEASE SAVEPOINT ir_one", "release a savepoint", error);
}

void
ir_brandd_db_rollback (IrBranddDb *self)
{
	IrBranddStmt *stmt = g_hash_table_lookup (self->stmts, "ROLLBACK");
	gpointer impl = stmt != NULL ? stmt->impl : NULL;
	gboolean row = FALSE;
	gint64 changes = 0;

	/* not through prepare: a broken connection must not be reopened
	 * while it still counts as inside the transaction */
	if (impl == NULL &&
	    !(self->backend->broken != NULL && self->backend->broken (self->conn))) {
		impl = self->backend->prepare (self->conn, "ROLLBACK", NULL);
		if (impl != NULL) {
			stmt = g_new0 (IrBranddStmt, 1);
			stmt->db = self;
			stmt->impl = impl;
			g_hash_table_insert (self->stmts, (gpointer) "ROLLBACK", stmt);
		}
	}
	if (impl != NULL) {
		self->backend->reset (impl);
		self->backend->step (impl, &row, &changes, NULL);
		self->backend->reset (impl);
	}
	self->in_transaction = FALSE;
}

gboolean
ir_brandd_db_in_transaction (IrBranddDb *self)
{
	return self->in_transaction;
}

gboolean
ir_brandd_db_transact (IrBranddDb *self, IrBranddTxnFunc func, gpointer user_data, GError **error)
{
	for (guint attempt = 1;; attempt++) {
		g_autoptr (GError) local = NULL;
		gboolean commit = TRUE;

		if (ir_brandd_db_begin (self, &local) && func (self, user_data, &commit, &local)) {
			if (!commit) {
				ir_brandd_db_rollback (self);
				return TRUE;
			}
			if (ir_brandd_db_commit (self, &local))
				return TRUE;
		}
		if (self->in_transaction)
			ir_brandd_db_rollback (self);
		/* SQLite has already waited its busy timeout for the lock */
		if (self->kind != IR_BRANDD_BACKEND_POSTGRESQL ||
		    !g_error_matches (local, IR_ERROR, IR_ERROR_BUSY) ||
		    attempt >= IR_BRANDD_DB_MAX_ATTEMPTS) {
			g_propagate_error (error, g_steal_pointer (&local));
			return FALSE;
		}
		/* a random pause, growing: the transactions that collided
		 * should not collide again in lock step */
		g_usleep (g_random_int_range (100, 1000 * (gint32)MIN (attempt, 10)));
	}
}

void
ir_brandd_stmt_bind_text (IrBranddStmt *stmt, int idx, const char *text)
{
	if (text == NULL)
		stmt->db->backend->bind_null (stmt->impl, idx);
	else
		stmt->db->backend->bind_text (stmt->impl, idx, text);
}

void
ir_brandd_stmt_bind_int64 (IrBranddStmt *stmt, int idx, gint64 value)
{
	stmt->db->backend->bind_int64 (stmt->impl, idx, value);
}

void
ir_brandd_stmt_bind_blob (IrBranddStmt *stmt, int idx, const void *data, gsize len)
{
	stmt->db->backend->bind_blob (stmt->impl, idx, data, len);
}

void
ir_brandd_stmt_bind_bytes (IrBranddStmt *stmt, int idx, GBytes *bytes)
{
	gsize len = 0;
	const void *data = g_bytes_get_data (bytes, &len);

	stmt->db->backend->bind_blob (stmt->impl, idx, data, len);
}

void
ir_brandd_stmt_bind_null (IrBranddStmt *stmt, int idx)
{
	stmt->db->backend->bind_null (stmt->impl, idx);
}

gboolean
ir_brandd_stmt_step (IrBranddStmt *stmt, gboolean *row, const char *what, GError **error)
{
	GError *cause = NULL;

	/* a write in a read scope runs as it would outside one: on its own,
	 * durable when it returns (and never on a stale snapshot) */
	if (stmt->db->in_read && !stmt->db->backend->readonly (stmt->impl))
		ir_brandd_db_read_end (stmt->db);
	if (!stmt->db->backend->step (stmt->impl, row, &stmt->changes, &cause)) {
		*row = FALSE;
		stmt->db->backend->reset (stmt->impl);
		return ir_brandd_db_fail (stmt->db, cause, what, error);
	}
	return TRUE;
}

gboolean
ir_brandd_stmt_run (IrBranddStmt *stmt, const char *what, GError **error)
{
	gboolean row = FALSE;

	if (!ir_brandd_stmt_step (stmt, &row, what, error))
		return FALSE;
	stmt->db->backend->reset (stmt->impl);
	return TRUE;
}

gint64
ir_brandd_stmt_changes (IrBranddStmt *stmt)
{
	return stmt->changes;
}

void
ir_brandd_stmt_reset (IrBranddStmt *stmt)
{
	stmt->db->backend->reset (stmt->impl);
}

gint64
ir_brandd_stmt_column_int64 (IrBranddStmt *stmt, int col)
{
	return stmt->db->backend->column_int64 (stmt->impl, col);
}

const char *
ir_brandd_stmt_column_text (IrBranddStmt *stmt, int col)
{
	return stmt->db->backend->column_text (stmt->impl, col);
}

char *
ir_brandd_stmt_dup_text (IrBranddStmt *stmt, int col)
{
	return g_strdup (stmt->db->backend->column_text (stmt->impl, col));
}

const guint8 *
ir_brandd_stmt_column_blob (IrBranddStmt *stmt, int col, gsize *len)
{
	return stmt->db->backend->column_blob (stmt->impl, col, len);
}
