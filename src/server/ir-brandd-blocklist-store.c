/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-blocklist-store.h"

/* A device counts as restored once a report of success is on record: the
 * server checked then that it read back the IMEIs its token wrote. */
#define RESTORED(device)                                                                           \
	"EXISTS (SELECT 1 FROM tokens t JOIN reports r ON r.cti = t.cti "                          \
	"WHERE t.device_id = " device " AND r.outcome = 'success')"

void
ir_brandd_blocklist_store_device_free (gpointer data)
{
	IrBranddBlockDevice *d = data;

	g_free (d->tac);
	g_free (d->model);
	g_free (d->centre);
	g_strfreev (d->imeis);
	g_free (d);
}

/* One row per IMEI not yet scheduled, by device then slot: the device's
 * rows are gathered into one IrBranddBlockDevice. */
static IrBranddBlockDevice *
ir_brandd_blocklist_store_device_row (IrBranddStmt *stmt, GPtrArray *devices, GPtrArray *imeis)
{
	gint64 id = ir_brandd_stmt_column_int64 (stmt, 0);
	IrBranddBlockDevice *d =
	    devices->len > 0 ? g_ptr_array_index (devices, devices->len - 1) : NULL;

	if (d != NULL && d->id == id)
		return d;
	if (d != NULL) {
		g_ptr_array_add (imeis, NULL);
		d->imeis = (char **)g_ptr_array_steal (imeis, NULL);
	}
	d = g_new0 (IrBranddBlockDevice, 1);
	d->id = id;
	d->tac = ir_brandd_stmt_dup_text (stmt, 1);
	d->model = ir_brandd_stmt_dup_text (stmt, 2);
	d->centre = ir_brandd_stmt_dup_text (stmt, 3);
	d->restored = ir_brandd_stmt_column_int64 (stmt, 4) != 0;
	g_ptr_array_add (devices, d);
	return d;
}

GPtrArray *
ir_brandd_blocklist_store_devices (IrBranddStore *store, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT d.id, d.tac, d.model, d.centre, CASE WHEN " RESTORED (
		"d.id") " THEN 1 ELSE 0 "
			"END, i.imei FROM devices d JOIN device_imeis i ON i.device_id = d.id "
			"WHERE NOT EXISTS (SELECT 1 FROM blocklist b WHERE b.imei = i.imei) "
			"ORDER BY d.id, i.slot",
	    error);
	g_autoptr (GPtrArray) devices =
	    g_ptr_array_new_with_free_func (ir_brandd_blocklist_store_device_free);
	g_autoptr (GPtrArray) imeis = g_ptr_array_new_with_free_func (g_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "read the registry", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (row) {
			ir_brandd_blocklist_store_device_row (stmt, devices, imeis);
			g_ptr_array_add (imeis, ir_brandd_stmt_dup_text (stmt, 5));
		}
	}
	ir_brandd_stmt_reset (stmt);
	if (devices->len > 0) {
		IrBranddBlockDevice *last = g_ptr_array_index (devices, devices->len - 1);
		g_ptr_array_add (imeis, NULL);
		last->imeis = (char **)g_ptr_array_steal (imeis, NULL);
	}
	return g_steal_pointer (&devices);
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
