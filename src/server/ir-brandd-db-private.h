/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-db.h"

G_BEGIN_DECLS

/* What a backend of ir-brandd-db.c provides: a connection (@conn) and its
 * statements (@stmt), opaque to the dispatcher. Errors from a backend name
 * the database's own message; the dispatcher adds the database's name and
 * what was being done. IR_ERROR_BUSY: a lock or serialization conflict
 * (run the transaction again); IR_ERROR_TIMEOUT: a lock held
 * past the busy timeout; IR_ERROR_DISCONNECTED: the server is gone
 * (reconnect). */
typedef struct {
	gpointer (*open) (const char *target, gboolean create, GError **error);
	void (*close) (gpointer conn);
	/* the connection is lost and must be opened again */
	gboolean (*broken) (gpointer conn);
	gboolean (*reconnect) (gpointer conn, GError **error);
	void (*set_busy_timeout) (gpointer conn, guint ms);
	gboolean (*exec_script) (gpointer conn, const char *sql, GError **error);
	gboolean (*schema_version) (gpointer conn, int *version, GError **error);
	const char *begin_sql;

	gpointer (*prepare) (gpointer conn, const char *sql, GError **error);
	void (*finalize) (gpointer stmt);
	void (*reset) (gpointer stmt);
	void (*bind_text) (gpointer stmt, int idx, const char *text);
	void (*bind_int64) (gpointer stmt, int idx, gint64 value);
	void (*bind_blob) (gpointer stmt, int idx, const void *data, gsize len);
	void (*bind_null) (gpointer stmt, int idx);
	gboolean (*step) (gpointer stmt, gboolean *row, gint64 *changes, GError **error);
	gint64 (*column_int64) (gpointer stmt, int col);
	const char *(*column_text) (gpointer stmt, int col);
	const guint8 *(*column_blob) (gpointer stmt, int col, gsize *len);
	/* does the statement only read? NULL: no read scopes */
	gboolean (*readonly) (gpointer stmt);
} IrBranddDbBackend;

extern const IrBranddDbBackend ir_brandd_db_sqlite_backend;
extern const IrBranddDbBackend ir_brandd_db_pg_backend;

G_END_DECLS
