/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-rollout-store.h"
#include "ir-error.h"

/* The national counter of a phase's day is the row whose centre is '':
 * a row of its own, so that a later PostgreSQL store can lock it like the
 * centre's row instead of summing under a table lock. */
#define NATIONAL ""

gboolean
ir_brandd_rollout_store_issued (IrBranddStore *store,
				const char *phase,
				const char *day,
				const char *centre,
				guint *issued,
				GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT issued FROM rollout_counts WHERE phase = ? AND day = ? AND centre = ?",
	    error);
	gboolean row = FALSE;

	*issued = 0;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, phase);
	ir_brandd_stmt_bind_text (stmt, 2, day);
	ir_brandd_stmt_bind_text (stmt, 3, centre != NULL ? centre : NATIONAL);
	if (!ir_brandd_store_step_row (store, stmt, &row, "read a rollout counter", error))
		return FALSE;
	if (row)
		*issued = (guint)ir_brandd_stmt_column_int64 (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_rollout_store_current (IrBranddStore *store, gint64 *version, char **note, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT version, note FROM rollout_policies ORDER BY version DESC LIMIT 1",
	    error);
	gboolean row = FALSE;

	*version = 0;
	if (note != NULL)
		*note = NULL;
	if (stmt == NULL)
		return FALSE;
	if (!ir_brandd_store_step_row (store, stmt, &row, "read the rollout policy", error))
		return FALSE;
	if (row) {
		*version = ir_brandd_stmt_column_int64 (stmt, 0);
		if (note != NULL)
			*note = g_strdup (ir_brandd_stmt_column_text (stmt, 1));
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

static gboolean
ir_brandd_rollout_store_is_paused (IrBranddStore *store,
				   const char *phase,
				   gboolean *paused,
				   GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_store_prepare (store, "SELECT 1 FROM rollout_paused WHERE phase = ?", error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, phase);
	if (!ir_brandd_store_step_row (store, stmt, paused, "read the kill switch", error))
		return FALSE;
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_rollout_store_check (IrBranddStore *store,
			       const char *centre,
			       IrBranddRolloutClaim *claim,
			       GError **error)
{
	gint64 version = 0;
	gboolean paused = FALSE;
	guint centre_issued = 0;
	guint national_issued = 0;

	claim->result = IR_BRANDD_CLAIM_OK;
	if (!ir_brandd_rollout_store_current (store, &version, NULL, error) ||
	    !ir_brandd_rollout_store_is_paused (store, claim->phase, &paused, error) ||
	    !ir_brandd_rollout_store_issued (
		store, claim->phase, claim->day, centre, &centre_issued, error) ||
	    !ir_brandd_rollout_store_issued (
		store, claim->phase, claim->day, NULL, &national_issued, error))
		return FALSE;
	/* the decision was taken on a policy read before the lock: a newer
	 * one published since must be decided on again */
	if (version != claim->policy_version)
		claim->result = IR_BRANDD_CLAIM_POLICY_CHANGED;
	else if (paused)
		claim->result = IR_BRANDD_CLAIM_PAUSED;
	else if (national_issued >= claim->national_cap)
		claim->result = IR_BRANDD_CLAIM_NATIONAL_CAP;
	else if (centre_issued >= claim->centre_cap)
		claim->result = IR_BRANDD_CLAIM_CENTRE_CAP;
	return TRUE;
}

static gboolean
ir_brandd_rollout_store_count_one (IrBranddStore *store,
				   const IrBranddRolloutClaim *claim,
				   const char *centre,
				   GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "INSERT INTO rollout_counts (phase, day, centre, issued) VALUES (?, ?, ?, 1) "
	    "ON CONFLICT (phase, day, centre) DO UPDATE SET issued = rollout_counts.issued + 1",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, claim->phase);
	ir_brandd_stmt_bind_text (stmt, 2, claim->day);
	ir_brandd_stmt_bind_text (stmt, 3, centre);
	return ir_brandd_store_step_done (store, stmt, "raise a rollout counter", error);
}

gboolean
ir_brandd_rollout_store_record (IrBranddStore *store,
				GBytes *cti,
				const char *centre,
				const IrBranddRolloutClaim *claim,
				GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "INSERT INTO token_rollout (cti, phase, policy_version, day, centre, circle) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	    error);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (cti, &len);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, data, (int)len);
	ir_brandd_stmt_bind_text (stmt, 2, claim->phase);
	ir_brandd_stmt_bind_int64 (stmt, 3, claim->policy_version);
	ir_brandd_stmt_bind_text (stmt, 4, claim->day);
	ir_brandd_stmt_bind_text (stmt, 5, centre);
	if (claim->circle != NULL)
		ir_brandd_stmt_bind_text (stmt, 6, claim->circle);
	else
		ir_brandd_stmt_bind_null (stmt, 6);
	return ir_brandd_store_step_done (store, stmt, "record a token's phase", error) &&
	       ir_brandd_rollout_store_count_one (store, claim, centre, error) &&
	       ir_brandd_rollout_store_count_one (store, claim, NATIONAL, error);
}

static gboolean
ir_brandd_rollout_store_insert (
    IrBranddStore *store, gint64 version, const char *note, gint64 now, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "INSERT INTO rollout_policies (version, note, published_at) VALUES (?, ?, ?)",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_int64 (stmt, 1, version);
	ir_brandd_stmt_bind_text (stmt, 2, note);
	ir_brandd_stmt_bind_int64 (stmt, 3, now);
	return ir_brandd_store_step_done (store, stmt, "install the rollout policy", error);
}

gboolean
ir_brandd_rollout_store_publish (IrBranddStore *store,
				 gint64 version,
				 const char *note,
				 gint64 now,
				 gint64 *current,
				 gboolean *installed,
				 GError **error)
{
	*installed = FALSE;
	if (!ir_brandd_store_begin (store, error))
		return FALSE;
	if (!ir_brandd_rollout_store_current (store, current, NULL, error)) {
		ir_brandd_store_rollback (store);
		return FALSE;
	}
	if (version <= *current) {
		ir_brandd_store_rollback (store);
		return TRUE;
	}
	if (!ir_brandd_rollout_store_insert (store, version, note, now, error)) {
		ir_brandd_store_rollback (store);
		return FALSE;
	}
	if (!ir_brandd_store_commit (store, error))
		return FALSE;
	*installed = TRUE;
	return TRUE;
}

gboolean
ir_brandd_rollout_store_paused (IrBranddStore *store, char ***phases, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT phase FROM rollout_paused ORDER BY phase", error);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	gboolean row = TRUE;

	*phases = NULL;
	if (stmt == NULL)
		return FALSE;
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "read the kill switch", error))
			return FALSE;
		if (row)
			g_strv_builder_add (builder, ir_brandd_stmt_column_text (stmt, 0));
	}
	ir_brandd_stmt_reset (stmt);
	*phases = g_strv_builder_end (builder);
	return TRUE;
}

gboolean
ir_brandd_rollout_store_set_paused (
    IrBranddStore *store, const char *phase, gboolean paused, gint64 now, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    paused ? "INSERT INTO rollout_paused (phase, paused_at) VALUES (?, ?) "
		     "ON CONFLICT (phase) DO NOTHING"
		   : "DELETE FROM rollout_paused WHERE phase = ? AND CAST(? AS BIGINT) IS NOT NULL",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, phase);
	ir_brandd_stmt_bind_int64 (stmt, 2, now);
	return ir_brandd_store_step_done (store, stmt, "set the kill switch", error);
}
