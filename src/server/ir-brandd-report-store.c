/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-report-store.h"

void
ir_brandd_report_store_issued_free (gpointer data)
{
	IrBranddIssuedRow *row = data;

	g_free (row->phase);
	g_free (row->day);
	g_free (row->centre);
	g_free (row);
}

void
ir_brandd_report_store_restored_free (gpointer data)
{
	IrBranddRestoredRow *row = data;

	g_free (row->imeis);
	g_free (row->centre);
	g_free (row->phase);
	g_free (row);
}

GPtrArray *
ir_brandd_report_store_issued (
    IrBranddStore *store, const char *phase, const char *from, const char *to, GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_store_prepare (store,
				     "SELECT phase, day, centre, count(*) FROM token_rollout "
				     "WHERE (CAST (?1 AS TEXT) IS NULL OR phase = ?1) "
				     "AND (CAST (?2 AS TEXT) IS NULL OR day >= ?2) "
				     "AND (CAST (?3 AS TEXT) IS NULL OR day <= ?3) "
				     "GROUP BY phase, day, centre ORDER BY phase, day, centre",
				     error);
	g_autoptr (GPtrArray) rows =
	    g_ptr_array_new_with_free_func (ir_brandd_report_store_issued_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_text (stmt, 1, phase);
	ir_brandd_stmt_bind_text (stmt, 2, from);
	ir_brandd_stmt_bind_text (stmt, 3, to);
	while (row) {
		IrBranddIssuedRow *r;

		if (!ir_brandd_store_step_row (
			store, stmt, &row, "count the tokens issued", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		r = g_new0 (IrBranddIssuedRow, 1);
		r->phase = ir_brandd_stmt_dup_text (stmt, 0);
		r->day = ir_brandd_stmt_dup_text (stmt, 1);
		r->centre = ir_brandd_stmt_dup_text (stmt, 2);
		r->issued = (guint64)ir_brandd_stmt_column_int64 (stmt, 3);
		g_ptr_array_add (rows, r);
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&rows);
}

GPtrArray *
ir_brandd_report_store_restored (IrBranddStore *store, gint64 start, gint64 end, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT t.imeis, t.centre, tr.phase, r.reported_at FROM reports r "
	    "JOIN tokens t ON t.cti = r.cti LEFT JOIN token_rollout tr ON tr.cti = r.cti "
	    "WHERE r.outcome = 'success' AND r.reported_at >= ? AND r.reported_at < ? "
	    "ORDER BY r.reported_at, t.imeis",
	    error);
	g_autoptr (GPtrArray) rows =
	    g_ptr_array_new_with_free_func (ir_brandd_report_store_restored_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_int64 (stmt, 1, start);
	ir_brandd_stmt_bind_int64 (stmt, 2, end);
	while (row) {
		IrBranddRestoredRow *r;

		if (!ir_brandd_store_step_row (
			store, stmt, &row, "read the restorations reported", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		r = g_new0 (IrBranddRestoredRow, 1);
		r->imeis = ir_brandd_stmt_dup_text (stmt, 0);
		r->centre = ir_brandd_stmt_dup_text (stmt, 1);
		r->phase = ir_brandd_stmt_dup_text (stmt, 2);
		r->reported_at = ir_brandd_stmt_column_int64 (stmt, 3);
		g_ptr_array_add (rows, r);
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&rows);
}
