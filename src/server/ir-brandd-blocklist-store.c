/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-blocklist-store.h"

/* A device counts as restored once a report of success is on record: the
 * server checked then that it read back the IMEIs its token wrote. */
#define RESTORED(device)                                                                           \
	"EXISTS (SELECT 1 FROM tokens t JOIN reports r ON r.cti = t.cti "                          \
	"WHERE t.device_id = " device " AND r.outcome = 'success')"

void
ir_brandd_blocklist_store_kind_free (gpointer data)
{
	IrBranddBlockKind *k = data;

	g_free (k->tac);
	g_free (k->model);
	g_free (k->centre);
	g_free (k);
}

void
ir_brandd_blocklist_store_imei_free (gpointer data)
{
	IrBranddBlockImei *i = data;

	g_free (i->imei);
	g_free (i->phase);
	g_free (i);
}

GPtrArray *
ir_brandd_blocklist_store_kinds (IrBranddStore *store, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT DISTINCT tac, model, centre FROM devices", error);
	g_autoptr (GPtrArray) kinds =
	    g_ptr_array_new_with_free_func (ir_brandd_blocklist_store_kind_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	while (row) {
		IrBranddBlockKind *k;

		if (!ir_brandd_store_step_row (store, stmt, &row, "read the registry", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		k = g_new0 (IrBranddBlockKind, 1);
		k->tac = ir_brandd_stmt_dup_text (stmt, 0);
		k->model = ir_brandd_stmt_dup_text (stmt, 1);
		k->centre = ir_brandd_stmt_dup_text (stmt, 2);
		g_ptr_array_add (kinds, k);
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&kinds);
}

/* The rules go to a temporary table (this connection's, emptied first)
 * that the candidates' query joins: SQL both backends run. */
static gboolean
ir_brandd_blocklist_store_put_rules (IrBranddStore *store,
				     const IrBranddBlockRule *rules,
				     guint n_rules,
				     GError **error)
{
	if (!ir_brandd_db_exec_script (
		ir_brandd_store_get_db (store),
		"CREATE TEMP TABLE IF NOT EXISTS blocklist_rules (tac TEXT "
		"NOT NULL, model TEXT NOT NULL, centre TEXT, phase TEXT NOT "
		"NULL, end_rank INTEGER NOT NULL); DELETE FROM blocklist_rules;",
		error))
		return FALSE;
	for (guint i = 0; i < n_rules; i++) {
		IrBranddStmt *stmt = ir_brandd_store_prepare (
		    store,
		    "INSERT INTO blocklist_rules (tac, model, centre, phase, end_rank) "
		    "VALUES (?, ?, ?, ?, ?)",
		    error);

		if (stmt == NULL)
			return FALSE;
		ir_brandd_stmt_bind_text (stmt, 1, rules[i].kind->tac);
		ir_brandd_stmt_bind_text (stmt, 2, rules[i].kind->model);
		ir_brandd_stmt_bind_text (stmt, 3, rules[i].kind->centre);
		ir_brandd_stmt_bind_text (stmt, 4, rules[i].phase);
		ir_brandd_stmt_bind_int64 (stmt, 5, rules[i].rank);
		if (!ir_brandd_store_step_done (store, stmt, "note a block-list rule", error))
			return FALSE;
	}
	return TRUE;
}

/* One row per IMEI not yet scheduled of a phone not restored whose kind
 * has a rule; n: the phone's rows, first_imei: its first by slot. */
#define CANDIDATES                                                                                 \
	"SELECT d.id, d.tac, i.imei, i.slot, r.phase, r.end_rank, "                                \
	"count (*) OVER (PARTITION BY d.id) AS n, "                                                \
	"first_value (i.imei) OVER (PARTITION BY d.id ORDER BY i.slot) AS first_imei "             \
	"FROM devices d JOIN blocklist_rules r ON r.tac = d.tac AND r.model = d.model AND "        \
	"(r.centre = d.centre OR (r.centre IS NULL AND d.centre IS NULL)) "                        \
	"JOIN device_imeis i ON i.device_id = d.id "                                               \
	"WHERE NOT EXISTS (SELECT 1 FROM blocklist b WHERE b.imei = i.imei) "                      \
	"AND NOT " RESTORED ("d.id")

GPtrArray *
ir_brandd_blocklist_store_candidates (
    IrBranddStore *store, const IrBranddBlockRule *rules, guint n_rules, guint cap, GError **error)
{
	IrBranddStmt *stmt = NULL;
	g_autoptr (GPtrArray) imeis =
	    g_ptr_array_new_with_free_func (ir_brandd_blocklist_store_imei_free);
	gboolean row = TRUE;

	if (!ir_brandd_blocklist_store_put_rules (store, rules, n_rules, error))
		return NULL;
	stmt = ir_brandd_store_prepare (store,
					"SELECT id, imei, phase, n FROM (" CANDIDATES
					") c ORDER BY end_rank, tac, first_imei, slot LIMIT ?",
					error);
	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_int64 (stmt, 1, cap);
	while (row) {
		IrBranddBlockImei *c;

		if (!ir_brandd_store_step_row (
			store, stmt, &row, "select the block list's candidates", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		c = g_new0 (IrBranddBlockImei, 1);
		c->device_id = ir_brandd_stmt_column_int64 (stmt, 0);
		c->imei = ir_brandd_stmt_dup_text (stmt, 1);
		c->phase = ir_brandd_stmt_dup_text (stmt, 2);
		c->n_imeis = (guint)ir_brandd_stmt_column_int64 (stmt, 3);
		g_ptr_array_add (imeis, c);
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&imeis);
}

gboolean
ir_brandd_blocklist_store_last_day (IrBranddStore *store, char **day, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT max (scheduled_day), max (unblocked_day) FROM blocklist", error);
	gboolean row = FALSE;

	*day = NULL;
	if (stmt == NULL)
		return FALSE;
	if (!ir_brandd_store_step_row (store, stmt, &row, "read the block list", error)) {
		ir_brandd_stmt_reset (stmt);
		return FALSE;
	}
	for (int col = 0; row && col < 2; col++) {
		const char *text = ir_brandd_stmt_column_text (stmt, col);

		if (text != NULL && g_strcmp0 (text, *day) > 0) {
			g_free (*day);
			*day = g_strdup (text);
		}
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_blocklist_store_schedule (IrBranddStore *store,
				    const char *imei,
				    gint64 device_id,
				    const char *phase,
				    const char *day,
				    GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "INSERT INTO blocklist (imei, device_id, phase, scheduled_day) VALUES (?, ?, ?, ?)",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, imei);
	ir_brandd_stmt_bind_int64 (stmt, 2, device_id);
	ir_brandd_stmt_bind_text (stmt, 3, phase);
	ir_brandd_stmt_bind_text (stmt, 4, day);
	return ir_brandd_store_step_done (store, stmt, "schedule an IMEI", error);
}

gboolean
ir_brandd_blocklist_store_unblock_restored (IrBranddStore *store, const char *day, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "UPDATE blocklist SET unblocked_day = ?1 WHERE unblocked_day IS NULL "
	    "AND scheduled_day < ?1 AND " RESTORED ("blocklist.device_id"),
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, day);
	return ir_brandd_store_step_done (store, stmt, "unblock restored IMEIs", error);
}

GPtrArray *
ir_brandd_blocklist_store_day (IrBranddStore *store,
			       const char *day,
			       gboolean unblocked,
			       GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    unblocked
		? "SELECT imei, scheduled_day FROM blocklist WHERE unblocked_day = ? "
		  "ORDER BY imei"
		: "SELECT b.imei, b.phase FROM blocklist b JOIN devices d ON d.id = b.device_id "
		  "LEFT JOIN device_imeis i ON i.device_id = b.device_id AND i.imei = b.imei "
		  "WHERE b.scheduled_day = ?1 ORDER BY d.tac, coalesce ((SELECT b2.imei "
		  "FROM blocklist b2 JOIN device_imeis i2 ON i2.device_id = b2.device_id "
		  "AND i2.imei = b2.imei WHERE b2.device_id = b.device_id AND "
		  "b2.scheduled_day = ?1 ORDER BY i2.slot LIMIT 1), b.imei), "
		  "coalesce (i.slot, 2), b.imei",
	    error);
	g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_text (stmt, 1, day);
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "read the block list", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		g_ptr_array_add (pairs, g_strdup (ir_brandd_stmt_column_text (stmt, 0)));
		g_ptr_array_add (pairs, g_strdup (ir_brandd_stmt_column_text (stmt, 1)));
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&pairs);
}
