/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-witness-store.h"
#include "ir-error.h"

void
ir_brandd_witness_store_log_free (IrBranddWitnessedLog *log)
{
	if (log == NULL)
		return;
	g_free (log->origin);
	g_free (log->centre);
	if (log->public_key != NULL)
		g_bytes_unref (log->public_key);
	g_free (log->checkpoint);
	g_free (log->cosigned);
	if (log->edge != NULL)
		g_bytes_unref (log->edge);
	g_free (log);
}

#define LOG_COLUMNS                                                                                \
	"origin, centre, public_key, size, root, checkpoint, cosigned, registered_at, "            \
	"updated_at, "                                                                             \
	"edge"

static IrBranddWitnessedLog *
ir_brandd_witness_store_log_from_row (IrBranddStmt *stmt)
{
	IrBranddWitnessedLog *log = g_new0 (IrBranddWitnessedLog, 1);
	gsize key_len = 0;
	const guint8 *key = ir_brandd_stmt_column_blob (stmt, 2, &key_len);
	gsize root_len = 0;
	const guint8 *root = ir_brandd_stmt_column_blob (stmt, 4, &root_len);

	log->origin = ir_brandd_stmt_dup_text (stmt, 0);
	log->centre = ir_brandd_stmt_dup_text (stmt, 1);
	log->public_key = g_bytes_new (key, key_len);
	log->size = (guint64)ir_brandd_stmt_column_int64 (stmt, 3);
	/* the schema checks the length */
	if (root != NULL && root_len == IR_MERKLE_HASH_LEN)
		memcpy (log->root, root, IR_MERKLE_HASH_LEN);
	log->checkpoint = ir_brandd_stmt_dup_text (stmt, 5);
	log->cosigned = ir_brandd_stmt_dup_text (stmt, 6);
	log->registered_at = ir_brandd_stmt_column_int64 (stmt, 7);
	log->updated_at = ir_brandd_stmt_column_int64 (stmt, 8);
	/* an empty edge reads back as NULL: only a non-empty log lacks one */
	{
		gsize edge_len = 0;
		const guint8 *edge = ir_brandd_stmt_column_blob (stmt, 9, &edge_len);

		if (edge != NULL || log->size == 0)
			log->edge = g_bytes_new (edge, edge_len);
	}
	return log;
}

gboolean
ir_brandd_witness_store_get (IrBranddStore *store,
			     const char *origin,
			     IrBranddWitnessedLog **out,
			     GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT " LOG_COLUMNS " FROM witnessed_logs WHERE origin = ?", error);
	gboolean row = FALSE;

	*out = NULL;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, origin);
	if (!ir_brandd_store_step_row (store, stmt, &row, "read a witnessed log", error))
		return FALSE;
	if (row)
		*out = ir_brandd_witness_store_log_from_row (stmt);
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

GPtrArray *
ir_brandd_witness_store_list (IrBranddStore *store, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT " LOG_COLUMNS " FROM witnessed_logs ORDER BY origin", error);
	g_autoptr (GPtrArray) logs =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_brandd_witness_store_log_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "list witnessed logs", error))
			return NULL;
		if (row)
			g_ptr_array_add (logs, ir_brandd_witness_store_log_from_row (stmt));
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&logs);
}

gboolean
ir_brandd_witness_store_load_tree (IrBranddStore *store,
				   const char *origin,
				   IrMerkleTree *tree,
				   GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT seq, leaf_hash FROM witnessed_records WHERE origin = ? ORDER BY seq",
	    error);
	gboolean row = TRUE;

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, origin);
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "read witnessed records", error))
			return FALSE;
		if (!row)
			break;
		/* the primary key and the saves keep seq dense from 0 */
		gsize hash_len = 0;
		const guint8 *hash = ir_brandd_stmt_column_blob (stmt, 1, &hash_len);

		if ((guint64)ir_brandd_stmt_column_int64 (stmt, 0) !=
			ir_merkle_tree_get_size (tree) ||
		    hash_len != IR_MERKLE_HASH_LEN) {
			ir_brandd_stmt_reset (stmt);
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "the witnessed records of %s have a gap at %" G_GUINT64_FORMAT
				     "; the database was changed by hand",
				     origin,
				     ir_merkle_tree_get_size (tree));
			return FALSE;
		}
		ir_merkle_tree_append_hash (tree, hash);
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

GPtrArray *
ir_brandd_witness_store_lines (
    IrBranddStore *store, const char *origin, guint64 start, guint64 end, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT line FROM witnessed_records WHERE origin = ? AND seq >= ? AND seq < ? "
	    "ORDER BY seq",
	    error);
	g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_text (stmt, 1, origin);
	ir_brandd_stmt_bind_int64 (stmt, 2, (gint64)start);
	ir_brandd_stmt_bind_int64 (stmt, 3, (gint64)end);
	while (row) {
		if (!ir_brandd_store_step_row (store, stmt, &row, "read witnessed records", error))
			return NULL;
		if (row)
			g_ptr_array_add (lines, ir_brandd_stmt_dup_text (stmt, 0));
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&lines);
}

gboolean
ir_brandd_witness_store_client_origin (IrBranddStore *store,
				       const guint8 *cnf,
				       char **origin,
				       GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT origin FROM witness_clients WHERE cnf = ?", error);
	gboolean row = FALSE;

	*origin = NULL;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, cnf, 32);
	if (!ir_brandd_store_step_row (store, stmt, &row, "read a witness client", error))
		return FALSE;
	if (row)
		*origin = ir_brandd_stmt_dup_text (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_witness_store_first_contact (
    IrBranddStore *store, const guint8 *cnf, char **origin, GBytes **public_key, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store, "SELECT origin, public_key FROM witness_first_contacts WHERE cnf = ?", error);
	gboolean row = FALSE;

	*origin = NULL;
	*public_key = NULL;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, cnf, 32);
	if (!ir_brandd_store_step_row (store, stmt, &row, "read a first contact", error))
		return FALSE;
	if (row) {
		*origin = ir_brandd_stmt_dup_text (stmt, 0);
		gsize key_len = 0;
		const guint8 *key = ir_brandd_stmt_column_blob (stmt, 1, &key_len);

		*public_key = g_bytes_new (key, key_len);
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_witness_store_add_first_contact (IrBranddStore *store,
					   const guint8 *cnf,
					   const char *origin,
					   GBytes *public_key,
					   gint64 now,
					   GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "INSERT INTO witness_first_contacts (cnf, origin, public_key, contacted_at) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (cnf) DO NOTHING",
	    error);
	gsize len = 0;
	const void *key = g_bytes_get_data (public_key, &len);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, cnf, 32);
	ir_brandd_stmt_bind_text (stmt, 2, origin);
	ir_brandd_stmt_bind_blob (stmt, 3, key, (int)len);
	ir_brandd_stmt_bind_int64 (stmt, 4, now);
	return ir_brandd_store_step_done (store, stmt, "record a first contact", error);
}

static gboolean
ir_brandd_witness_store_write_log_row (IrBranddStore *store,
				       const IrBranddWitnessedLog *log,
				       gboolean create,
				       guint64 old_size,
				       GError **error)
{
	IrBranddStmt *stmt = NULL;
	gsize key_len = 0;
	const void *key = g_bytes_get_data (log->public_key, &key_len);

	if (create) {
		stmt =
		    ir_brandd_store_prepare (store,
					     "INSERT INTO witnessed_logs (" LOG_COLUMNS
					     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
					     error);
	} else {
		stmt = ir_brandd_store_prepare (
		    store,
		    "UPDATE witnessed_logs SET size = ?4, root = ?5, checkpoint = ?6, "
		    "cosigned = ?7, updated_at = ?9, edge = ?10 WHERE origin = ?1 AND size = ?11",
		    error);
	}
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, log->origin);
	if (create) {
		ir_brandd_stmt_bind_text (stmt, 2, log->centre);
		ir_brandd_stmt_bind_blob (stmt, 3, key, (int)key_len);
		ir_brandd_stmt_bind_int64 (stmt, 8, log->registered_at);
	} else {
		ir_brandd_stmt_bind_int64 (stmt, 11, (gint64)old_size);
	}
	ir_brandd_stmt_bind_bytes (stmt, 10, log->edge);
	ir_brandd_stmt_bind_int64 (stmt, 4, (gint64)log->size);
	ir_brandd_stmt_bind_blob (stmt, 5, log->root, IR_MERKLE_HASH_LEN);
	ir_brandd_stmt_bind_text (stmt, 6, log->checkpoint);
	ir_brandd_stmt_bind_text (stmt, 7, log->cosigned);
	ir_brandd_stmt_bind_int64 (stmt, 9, log->updated_at);
	if (!ir_brandd_store_step_done (store, stmt, "record a witnessed checkpoint", error))
		return FALSE;
	if (ir_brandd_stmt_changes (stmt) != 1) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_BUSY,
			     "another upload of %s was witnessed at the same time; upload again",
			     log->origin);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_brandd_witness_store_write_records (IrBranddStore *store,
				       const char *origin,
				       guint64 first,
				       GPtrArray *lines,
				       const guint8 *leaf_hashes,
				       GError **error)
{
	for (guint i = 0; i < lines->len; i++) {
		IrBranddStmt *stmt = ir_brandd_store_prepare (
		    store,
		    "INSERT INTO witnessed_records (origin, seq, line, leaf_hash) "
		    "VALUES (?, ?, ?, ?)",
		    error);

		if (stmt == NULL)
			return FALSE;
		ir_brandd_stmt_bind_text (stmt, 1, origin);
		ir_brandd_stmt_bind_int64 (stmt, 2, (gint64)(first + i));
		ir_brandd_stmt_bind_text (stmt, 3, g_ptr_array_index (lines, i));
		ir_brandd_stmt_bind_blob (
		    stmt, 4, leaf_hashes + (gsize)i * IR_MERKLE_HASH_LEN, IR_MERKLE_HASH_LEN);
		if (!ir_brandd_store_step_done (store, stmt, "record a witnessed record", error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_brandd_witness_store_write_client (IrBranddStore *store,
				      const char *origin,
				      const guint8 *cnf,
				      GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_store_prepare (store,
				     "INSERT INTO witness_clients (cnf, origin) VALUES (?, ?) "
				     "ON CONFLICT (cnf) DO UPDATE SET origin = excluded.origin",
				     error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, cnf, 32);
	ir_brandd_stmt_bind_text (stmt, 2, origin);
	return ir_brandd_store_step_done (store, stmt, "record a witness client", error);
}

void
ir_brandd_witness_store_mismatch_free (gpointer data)
{
	IrBranddIntentMismatch *m = data;

	g_free (m->origin);
	g_free (m->centre);
	g_free (m->token_id);
	g_free (m->phase);
	g_free (m->detail);
	g_free (m);
}

void
ir_brandd_witness_store_issued_clear (IrBranddIssuedToken *token)
{
	g_clear_pointer (&token->imeis, g_free);
	g_clear_pointer (&token->serial, g_free);
	g_clear_pointer (&token->hardware_id, g_free);
	g_clear_pointer (&token->phase, g_free);
}

gboolean
ir_brandd_witness_store_issued (IrBranddStore *store,
				GBytes *cti,
				IrBranddIssuedToken *token,
				GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT t.imeis, d.serial, d.hardware_id, tr.phase, tr.policy_version "
	    "FROM tokens t JOIN devices d ON d.id = t.device_id "
	    "LEFT JOIN token_rollout tr ON tr.cti = t.cti WHERE t.cti = ?",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, cti);
	if (!ir_brandd_store_step_row (store, stmt, &token->found, "look a token up", error))
		return FALSE;
	if (token->found) {
		token->imeis = ir_brandd_stmt_dup_text (stmt, 0);
		token->serial = ir_brandd_stmt_dup_text (stmt, 1);
		token->hardware_id = ir_brandd_stmt_dup_text (stmt, 2);
		token->phase = ir_brandd_stmt_dup_text (stmt, 3);
		token->policy_version = ir_brandd_stmt_column_int64 (stmt, 4);
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

GPtrArray *
ir_brandd_witness_store_mismatches (IrBranddStore *store, const char *phase, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_store_prepare (
	    store,
	    "SELECT m.origin, l.centre, m.seq, m.token_id, m.reason, m.phase, m.policy_version, "
	    "m.intent_time, m.detail FROM witness_intent_mismatches m JOIN witnessed_logs l "
	    "ON l.origin = m.origin WHERE (CAST (?1 AS TEXT) IS NULL OR m.phase = ?1) "
	    "ORDER BY m.origin, m.seq",
	    error);
	g_autoptr (GPtrArray) out =
	    g_ptr_array_new_with_free_func (ir_brandd_witness_store_mismatch_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	ir_brandd_stmt_bind_text (stmt, 1, phase);
	while (row) {
		IrBranddIntentMismatch *m;

		if (!ir_brandd_store_step_row (
			store, stmt, &row, "read the INTENT mismatches", error)) {
			ir_brandd_stmt_reset (stmt);
			return NULL;
		}
		if (!row)
			break;
		m = g_new0 (IrBranddIntentMismatch, 1);
		m->origin = ir_brandd_stmt_dup_text (stmt, 0);
		m->centre = ir_brandd_stmt_dup_text (stmt, 1);
		m->seq = (guint64)ir_brandd_stmt_column_int64 (stmt, 2);
		m->token_id = ir_brandd_stmt_dup_text (stmt, 3);
		m->reason = g_intern_string (ir_brandd_stmt_column_text (stmt, 4));
		m->phase = ir_brandd_stmt_dup_text (stmt, 5);
		m->policy_version = ir_brandd_stmt_column_int64 (stmt, 6);
		m->intent_time = ir_brandd_stmt_column_int64 (stmt, 7);
		m->detail = ir_brandd_stmt_dup_text (stmt, 8);
		g_ptr_array_add (out, m);
	}
	ir_brandd_stmt_reset (stmt);
	return g_steal_pointer (&out);
}

static gboolean
ir_brandd_witness_store_write_mismatches (IrBranddStore *store,
					  GPtrArray *mismatches,
					  gint64 now,
					  GError **error)
{
	for (guint i = 0; mismatches != NULL && i < mismatches->len; i++) {
		const IrBranddIntentMismatch *m = g_ptr_array_index (mismatches, i);
		IrBranddStmt *stmt = ir_brandd_store_prepare (
		    store,
		    "INSERT INTO witness_intent_mismatches (origin, seq, token_id, reason, phase, "
		    "policy_version, intent_time, detail, found_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    error);

		if (stmt == NULL)
			return FALSE;
		ir_brandd_stmt_bind_text (stmt, 1, m->origin);
		ir_brandd_stmt_bind_int64 (stmt, 2, (gint64)m->seq);
		ir_brandd_stmt_bind_text (stmt, 3, m->token_id);
		ir_brandd_stmt_bind_text (stmt, 4, m->reason);
		ir_brandd_stmt_bind_text (stmt, 5, m->phase);
		if (m->policy_version > 0)
			ir_brandd_stmt_bind_int64 (stmt, 6, m->policy_version);
		else
			ir_brandd_stmt_bind_null (stmt, 6);
		ir_brandd_stmt_bind_int64 (stmt, 7, m->intent_time);
		ir_brandd_stmt_bind_text (stmt, 8, m->detail);
		ir_brandd_stmt_bind_int64 (stmt, 9, now);
		if (!ir_brandd_store_step_done (store, stmt, "keep an INTENT mismatch", error))
			return FALSE;
	}
	return TRUE;
}

gboolean
ir_brandd_witness_store_save (IrBranddStore *store,
			      const IrBranddWitnessedLog *log,
			      gboolean create,
			      guint64 old_size,
			      GPtrArray *lines,
			      const guint8 *leaf_hashes,
			      GPtrArray *mismatches,
			      const guint8 *cnf,
			      GError **error)
{
	if (!ir_brandd_store_begin (store, error))
		return FALSE;
	if (!ir_brandd_witness_store_write_log_row (store, log, create, old_size, error) ||
	    !ir_brandd_witness_store_write_records (
		store, log->origin, old_size, lines, leaf_hashes, error) ||
	    !ir_brandd_witness_store_write_mismatches (store, mismatches, log->updated_at, error) ||
	    !ir_brandd_witness_store_write_client (store, log->origin, cnf, error)) {
		ir_brandd_store_rollback (store);
		return FALSE;
	}
	return ir_brandd_store_commit (store, error);
}
