/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libpq-fe.h>
#include <string.h>

#include "ir-brandd-db-private.h"
#include "ir-error.h"

/* The PostgreSQL backend of ir-brandd-db.c, through libpq: one connection,
 * statements prepared by name on it (PQprepare) and run with their values
 * apart from the SQL (PQexecPrepared); results in binary form, so that
 * bytea arrives as bytes. A whole result is fetched at the first step. */

/* type OIDs (pg_type.h, stable since PostgreSQL 7) */
#define IR_BRANDD_DB_PG_BOOL  16
#define IR_BRANDD_DB_PG_INT8  20
#define IR_BRANDD_DB_PG_INT2  21
#define IR_BRANDD_DB_PG_INT4  23
#define IR_BRANDD_DB_PG_BYTEA 17

typedef struct {
	PGconn *conn;
	char *conninfo;
	guint lock_timeout_ms;
	guint next_name;
} IrBranddDbPgConn;

typedef struct {
	IrBranddDbPgConn *c;
	char name[24];
	int n_params;
	char **values;
	int *lengths;
	int *formats;
	PGresult *res;
	int row;
} IrBranddDbPgStmt;

/* SQLSTATE: 40001 serialization_failure and 40P01 deadlock_detected mean
 * run it again at once (IR_ERROR_BUSY); 55P03 lock_not_available means a
 * lock was held past lock_timeout, the busy timeout, which is not worth
 * waiting again (IR_ERROR_TIMEOUT); class 08 (connection exception) and
 * 57P0x (the server shutting down or starting) mean the server is gone for
 * now. */
static int
ir_brandd_db_pg_code (PGconn *conn, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus (conn) == CONNECTION_BAD)
		return IR_ERROR_DISCONNECTED;
	/* no SQLSTATE: libpq's own error, the connection lost mid-statement */
	if (state == NULL)
		return IR_ERROR_DISCONNECTED;
	if (g_str_equal (state, "40001") || g_str_equal (state, "40P01"))
		return IR_ERROR_BUSY;
	if (g_str_equal (state, "55P03"))
		return IR_ERROR_TIMEOUT;
	if (g_str_has_prefix (state, "08") || g_str_has_prefix (state, "57P0"))
		return IR_ERROR_DISCONNECTED;
	return IR_ERROR_FAILED;
}

static gboolean
ir_brandd_db_pg_error (PGconn *conn, const PGresult *res, GError **error)
{
	const char *msg = res != NULL ? PQresultErrorMessage (res) : NULL;
	g_autofree char *text =
	    g_strstrip (g_strdup (msg != NULL && *msg != '\0' ? msg : PQerrorMessage (conn)));

	g_set_error_literal (error, IR_ERROR, ir_brandd_db_pg_code (conn, res), text);
	return FALSE;
}

static void
ir_brandd_db_pg_quiet (void *arg, const char *message)
{
	/* NOTICEs (an index exists already...) are not the server's log */
	(void)arg;
	(void)message;
}

static gboolean
ir_brandd_db_pg_command (PGconn *conn, const char *sql, GError **error)
{
	PGresult *res = PQexec (conn, sql);
	ExecStatusType st = PQresultStatus (res);
	gboolean ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		ir_brandd_db_pg_error (conn, res, error);
	PQclear (res);
	return ok;
}

/* Every session: lock waits bounded like SQLite's busy timeout, and
 * SERIALIZABLE transactions only where BEGIN asks for them. */
static gboolean
ir_brandd_db_pg_setup (IrBranddDbPgConn *c, GError **error)
{
	g_autofree char *sql = g_strdup_printf ("SET lock_timeout = %u", c->lock_timeout_ms);

	PQsetNoticeProcessor (c->conn, ir_brandd_db_pg_quiet, NULL);
	return ir_brandd_db_pg_command (c->conn, sql, error);
}

/* The configuration never holds a password: libpq reads it from the
 * passfile (passfile=PATH in the string, $PGPASSFILE or ~/.pgpass). */
static gboolean
ir_brandd_db_pg_check_conninfo (const char *conninfo, GError **error)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse (conninfo, &err);
	gboolean ok = opts != NULL;

	if (opts == NULL) {
		g_autofree char *why = g_strstrip (g_strdup (err != NULL ? err : "out of memory"));
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[store] connection: not a libpq connection string: %s (e.g. "
			     "host=/run/postgresql dbname=brandd user=brandd)",
			     why);
		PQfreemem (err);
		return FALSE;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (g_str_equal (o->keyword, "password") && o->val != NULL && *o->val != '\0') {
			g_set_error_literal (error,
					     IR_ERROR,
					     IR_ERROR_INVALID_INPUT,
					     "[store] connection holds a password; put it in a "
					     "passfile instead (passfile=PATH, mode 0600) so that "
					     "the config holds no secret");
			ok = FALSE;
		}
	}
	PQconninfoFree (opts);
	return ok;
}

static gpointer
ir_brandd_db_pg_open (const char *conninfo, gboolean create, GError **error)
{
	g_autofree IrBranddDbPgConn *c = NULL;

	(void)create; /* the database itself is the administrator's to create */
	if (!ir_brandd_db_pg_check_conninfo (conninfo, error))
		return NULL;
	c = g_new0 (IrBranddDbPgConn, 1);
	c->lock_timeout_ms = 5000;
	c->conn = PQconnectdb (conninfo);
	if (PQstatus (c->conn) != CONNECTION_OK) {
		g_autofree char *why = g_strstrip (g_strdup (PQerrorMessage (c->conn)));
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_DISCONNECTED,
			     "failed to connect to PostgreSQL (%s): %s",
			     conninfo,
			     why);
		PQfinish (c->conn);
		return NULL;
	}
	if (!ir_brandd_db_pg_setup (c, error)) {
		g_prefix_error (error, "PostgreSQL (%s): ", conninfo);
		PQfinish (c->conn);
		return NULL;
	}
	c->conninfo = g_strdup (conninfo);
	return g_steal_pointer (&c);
}

static void
ir_brandd_db_pg_close (gpointer conn)
{
	IrBranddDbPgConn *c = conn;

	PQfinish (c->conn);
	g_free (c->conninfo);
	g_free (c);
}

static gboolean
ir_brandd_db_pg_broken (gpointer conn)
{
	IrBranddDbPgConn *c = conn;
	return PQstatus (c->conn) == CONNECTION_BAD;
}

static gboolean
ir_brandd_db_pg_reconnect (gpointer conn, GError **error)
{
	IrBranddDbPgConn *c = conn;

	PQreset (c->conn);
	if (PQstatus (c->conn) != CONNECTION_OK)
		return ir_brandd_db_pg_error (c->conn, NULL, error);
	return ir_brandd_db_pg_setup (c, error);
}

static void
ir_brandd_db_pg_set_busy_timeout (gpointer conn, guint ms)
{
	IrBranddDbPgConn *c = conn;

	c->lock_timeout_ms = MAX (ms, 1);
	ir_brandd_db_pg_setup (c, NULL);
}

static gboolean
ir_brandd_db_pg_exec_script (gpointer conn, const char *sql, GError **error)
{
	IrBranddDbPgConn *c = conn;
	return ir_brandd_db_pg_command (c->conn, sql, error);
}

static gboolean
ir_brandd_db_pg_schema_version (gpointer conn, int *version, GError **error)
{
	IrBranddDbPgConn *c = conn;
	PGresult *res = PQexec (c->conn, "SELECT to_regclass('schema_version') IS NOT NULL");
	gboolean exists;

	*version = 0;
	if (PQresultStatus (res) != PGRES_TUPLES_OK) {
		ir_brandd_db_pg_error (c->conn, res, error);
		PQclear (res);
		return FALSE;
	}
	exists = PQntuples (res) == 1 && g_str_equal (PQgetvalue (res, 0, 0), "t");
	PQclear (res);
	if (!exists)
		return TRUE;
	res = PQexec (c->conn, "SELECT max(version) FROM schema_version");
	if (PQresultStatus (res) != PGRES_TUPLES_OK) {
		ir_brandd_db_pg_error (c->conn, res, error);
		PQclear (res);
		return FALSE;
	}
	if (PQntuples (res) == 1 && !PQgetisnull (res, 0, 0))
		*version = (int)g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
	PQclear (res);
	return TRUE;
}

/* `?` and `?N` become `$N`, outside quoted text; returns the highest N
 * and which of 1..N appear (@used, bit N - 1). */
static char *
ir_brandd_db_pg_translate (const char *sql, int *n_params, guint64 *used)
{
	GString *out = g_string_sized_new (strlen (sql) + 16);
	int seq = 0;
	char quote = 0;

	*n_params = 0;
	*used = 0;
	for (const char *p = sql; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
			g_string_append_c (out, *p);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			g_string_append_c (out, *p);
		} else if (*p == '?') {
			int n;

			if (g_ascii_isdigit (p[1])) {
				n = (int)g_ascii_strtoll (p + 1, NULL, 10);
				while (g_ascii_isdigit (p[1]))
					p++;
			} else {
				n = ++seq;
			}
			g_string_append_printf (out, "$%d", n);
			*n_params = MAX (*n_params, n);
			if (n >= 1 && n <= 64)
				*used |= G_GUINT64_CONSTANT (1) << (n - 1);
		} else {
			g_string_append_c (out, *p);
		}
	}
	return g_string_free (out, FALSE);
}

static gpointer
ir_brandd_db_pg_prepare (gpointer conn, const char *sql, GError **error)
{
	IrBranddDbPgConn *c = conn;
	int n_params = 0;
	guint64 used = 0;
	g_autofree char *text = ir_brandd_db_pg_translate (sql, &n_params, &used);
	g_autofree Oid *types = g_new0 (Oid, MAX (n_params, 1));
	IrBranddDbPgStmt *s = g_new0 (IrBranddDbPgStmt, 1);
	PGresult *res;

	/* a statement may leave out a number it shares with another one
	 * (?1, ?4): PostgreSQL must still be told a type for it */
	for (int i = 0; i < n_params && i < 64; i++)
		types[i] = (used & (G_GUINT64_CONSTANT (1) << i)) != 0 ? 0 : 25 /* text */;
	s->c = c;
	g_snprintf (s->name, sizeof s->name, "ir%u", ++c->next_name);
	res = PQprepare (c->conn, s->name, text, n_params, types);
	if (PQresultStatus (res) != PGRES_COMMAND_OK) {
		ir_brandd_db_pg_error (c->conn, res, error);
		PQclear (res);
		g_free (s);
		return NULL;
	}
	PQclear (res);
	s->n_params = n_params;
	s->values = g_new0 (char *, MAX (n_params, 1));
	s->lengths = g_new0 (int, MAX (n_params, 1));
	s->formats = g_new0 (int, MAX (n_params, 1));
	return s;
}

static void
ir_brandd_db_pg_clear_values (IrBranddDbPgStmt *s)
{
	for (int i = 0; i < s->n_params; i++)
		g_clear_pointer (&s->values[i], g_free);
}

static void
ir_brandd_db_pg_reset (gpointer stmt)
{
	IrBranddDbPgStmt *s = stmt;

	g_clear_pointer (&s->res, PQclear);
	s->row = -1;
	ir_brandd_db_pg_clear_values (s);
}

static void
ir_brandd_db_pg_finalize (gpointer stmt)
{
	IrBranddDbPgStmt *s = stmt;

	ir_brandd_db_pg_reset (s);
	g_free (s->values);
	g_free (s->lengths);
	g_free (s->formats);
	g_free (s);
}

static void
ir_brandd_db_pg_set (IrBranddDbPgStmt *s, int idx, char *value, int len, int format)
{
	if (idx < 1 || idx > s->n_params) {
		g_free (value);
		return;
	}
	g_free (s->values[idx - 1]);
	s->values[idx - 1] = value;
	s->lengths[idx - 1] = len;
	s->formats[idx - 1] = format;
}

static void
ir_brandd_db_pg_bind_text (gpointer stmt, int idx, const char *text)
{
	ir_brandd_db_pg_set (stmt, idx, g_strdup (text), 0, 0);
}

static void
ir_brandd_db_pg_bind_int64 (gpointer stmt, int idx, gint64 value)
{
	ir_brandd_db_pg_set (stmt, idx, g_strdup_printf ("%" G_GINT64_FORMAT, value), 0, 0);
}

static void
ir_brandd_db_pg_bind_blob (gpointer stmt, int idx, const void *data, gsize len)
{
	/* binary format: bytea's binary form is the bytes themselves */
	ir_brandd_db_pg_set (
	    stmt, idx, g_memdup2 (data != NULL ? data : "", MAX (len, 1)), (int)len, 1);
}

static void
ir_brandd_db_pg_bind_null (gpointer stmt, int idx)
{
	ir_brandd_db_pg_set (stmt, idx, NULL, 0, 0);
}

static gboolean
ir_brandd_db_pg_step (gpointer stmt, gboolean *row, gint64 *changes, GError **error)
{
	IrBranddDbPgStmt *s = stmt;

	*row = FALSE;
	if (s->res == NULL) {
		ExecStatusType st;

		s->res = PQexecPrepared (s->c->conn,
					 s->name,
					 s->n_params,
					 (const char *const *)s->values,
					 s->lengths,
					 s->formats,
					 1);
		st = PQresultStatus (s->res);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			ir_brandd_db_pg_error (s->c->conn, s->res, error);
			g_clear_pointer (&s->res, PQclear);
			return FALSE;
		}
		*changes = g_ascii_strtoll (PQcmdTuples (s->res), NULL, 10);
		s->row = -1;
	}
	if (s->row < PQntuples (s->res))
		s->row++;
	*row = s->row < PQntuples (s->res);
	return TRUE;
}

static gboolean
ir_brandd_db_pg_has_value (IrBranddDbPgStmt *s, int col)
{
	return s->res != NULL && s->row >= 0 && s->row < PQntuples (s->res) &&
	       col < PQnfields (s->res) && !PQgetisnull (s->res, s->row, col);
}

static gint64
ir_brandd_db_pg_column_int64 (gpointer stmt, int col)
{
	IrBranddDbPgStmt *s = stmt;
	const guint8 *v;
	guint64 n = 0;
	int len;

	if (!ir_brandd_db_pg_has_value (s, col))
		return 0;
	v = (const guint8 *)PQgetvalue (s->res, s->row, col);
	len = PQgetlength (s->res, s->row, col);
	switch (PQftype (s->res, col)) {
	case IR_BRANDD_DB_PG_INT8:
	case IR_BRANDD_DB_PG_INT4:
	case IR_BRANDD_DB_PG_INT2:
		/* network order, sign-extended from the top byte */
		n = (v[0] & 0x80) != 0 ? G_MAXUINT64 : 0;
		for (int i = 0; i < len; i++)
			n = (n << 8) | v[i];
		return (gint64)n;
	case IR_BRANDD_DB_PG_BOOL:
		return len == 1 && v[0] != 0;
	default:
		return g_ascii_strtoll ((const char *)v, NULL, 10);
	}
}

static const char *
ir_brandd_db_pg_column_text (gpointer stmt, int col)
{
	IrBranddDbPgStmt *s = stmt;

	if (!ir_brandd_db_pg_has_value (s, col))
		return NULL;
	/* libpq ends every value with a NUL, binary ones too */
	return PQgetvalue (s->res, s->row, col);
}

static const guint8 *
ir_brandd_db_pg_column_blob (gpointer stmt, int col, gsize *len)
{
	IrBranddDbPgStmt *s = stmt;

	*len = 0;
	if (!ir_brandd_db_pg_has_value (s, col))
		return NULL;
	*len = (gsize)PQgetlength (s->res, s->row, col);
	return (const guint8 *)PQgetvalue (s->res, s->row, col);
}

const IrBranddDbBackend ir_brandd_db_pg_backend = {
    .open = ir_brandd_db_pg_open,
    .close = ir_brandd_db_pg_close,
    .broken = ir_brandd_db_pg_broken,
    .reconnect = ir_brandd_db_pg_reconnect,
    .set_busy_timeout = ir_brandd_db_pg_set_busy_timeout,
    .exec_script = ir_brandd_db_pg_exec_script,
    .schema_version = ir_brandd_db_pg_schema_version,
    /* every check-and-update in a transaction is atomic across nodes:
     * PostgreSQL aborts one of two transactions whose reads and writes
     * cross (40001), and ir_brandd_db_transact() runs it again */
    .begin_sql = "BEGIN ISOLATION LEVEL SERIALIZABLE",
    .prepare = ir_brandd_db_pg_prepare,
    .finalize = ir_brandd_db_pg_finalize,
    .reset = ir_brandd_db_pg_reset,
    .bind_text = ir_brandd_db_pg_bind_text,
    .bind_int64 = ir_brandd_db_pg_bind_int64,
    .bind_blob = ir_brandd_db_pg_bind_blob,
    .bind_null = ir_brandd_db_pg_bind_null,
    .step = ir_brandd_db_pg_step,
    .column_int64 = ir_brandd_db_pg_column_int64,
    .column_text = ir_brandd_db_pg_column_text,
    .column_blob = ir_brandd_db_pg_column_blob,
};
