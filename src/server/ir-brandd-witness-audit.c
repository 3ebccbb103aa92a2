/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-witness-private.h"
#include "ir-error.h"
#include "ir-merkle.h"

/* The auditor's side of the witness: which logs the server holds, and
 * their records with RFC 9162 inclusion proofs against the witnessed
 * checkpoint, so that an auditor can check each record without trusting
 * the server's copy. */

static gboolean
ir_brandd_witness_audit_malformed (IrBranddAnswer *answer, const char *path, const char *why)
{
	return ir_brandd_witness_refuse (answer, IR_BRANDD_MALFORMED_REQUEST, "%s: %s", path, why);
}

static gboolean
ir_brandd_witness_audit_check_auditor (const IrBranddPeer *peer, IrBranddAnswer *answer)
{
	if (g_strcmp0 (peer->role, "auditor") != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_ROLE_NOT_ALLOWED,
		    "this needs an auditor certificate; %s has role %s",
		    peer->subject != NULL ? peer->subject : "the client certificate",
		    peer->role != NULL ? peer->role : "none");
	return TRUE;
}

static char *
ir_brandd_witness_audit_rfc3339 (gint64 t)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
	return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static void
ir_brandd_witness_audit_add_log_members (JsonBuilder *b, const IrBranddWitnessedLog *log)
{
	g_autofree char *updated = ir_brandd_witness_audit_rfc3339 (log->updated_at);
	g_autofree char *registered = ir_brandd_witness_audit_rfc3339 (log->registered_at);
	g_autofree char *key = NULL;

	json_builder_set_member_name (b, "origin");
	json_builder_add_string_value (b, log->origin);
	json_builder_set_member_name (b, "centre");
	json_builder_add_string_value (b, log->centre);
	json_builder_set_member_name (b, "witnessed_size");
	json_builder_add_int_value (b, (gint64)log->size);
	json_builder_set_member_name (b, "registered");
	json_builder_add_string_value (b, registered);
	json_builder_set_member_name (b, "last_upload");
	json_builder_add_string_value (b, updated);
	json_builder_set_member_name (b, "cosigned");
	json_builder_add_string_value (b, log->cosigned);
	/* the workstation key the log was registered with: what an auditor
	 * gives imeictl audit verify --key (base64 of the SPKI DER, as the
	 * upload carried it) */
	if (log->public_key != NULL)
		key = g_base64_encode (g_bytes_get_data (log->public_key, NULL),
				       g_bytes_get_size (log->public_key));
	json_builder_set_member_name (b, "public_key");
	if (key != NULL)
		json_builder_add_string_value (b, key);
	else
		json_builder_add_null_value (b);
}

JsonNode *
ir_brandd_witness_audit_list (IrBranddWitness *self,
			      const IrBranddPeer *peer,
			      IrBranddAnswer *answer)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (GPtrArray) logs = NULL;
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_witness_audit_check_auditor (peer, answer))
		return NULL;
	logs = ir_brandd_witness_store_list (self->store, &error);
	if (logs == NULL) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "workstations");
	json_builder_begin_array (b);
	for (guint i = 0; i < logs->len; i++) {
		json_builder_begin_object (b);
		ir_brandd_witness_audit_add_log_members (b, g_ptr_array_index (logs, i));
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

/* start=&end= of a query string; absent: @start 0, @end the size. */
static gboolean
ir_brandd_witness_audit_parse_range (
    const char *query, guint64 size, guint64 *start, guint64 *end, IrBranddAnswer *answer)
{
	g_autoptr (GHashTable) params = NULL;
	g_autoptr (GError) error = NULL;
	const char *names[] = {"start", "end"};
	guint64 *outs[] = {start, end};

	*start = 0;
	*end = size;
	if (query == NULL || query[0] == '\0')
		return TRUE;
	params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, &error);
	if (params == NULL)
		return ir_brandd_witness_audit_malformed (
		    answer, "query", "expected start=N&end=N");
	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		const char *v = g_hash_table_lookup (params, names[i]);

		if (v != NULL && !g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT64, outs[i], NULL))
			return ir_brandd_witness_audit_malformed (
			    answer, names[i], "expected a whole number, 0 or more");
	}
	if (g_hash_table_lookup (params, "end") == NULL)
		*end = MIN (size, *start + IR_BRANDD_WITNESS_MAX_RECORDS_PAGE);
	if (*start > *end || *end > size)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_MALFORMED_REQUEST,
		    "start=%" G_GUINT64_FORMAT "&end=%" G_GUINT64_FORMAT
		    ": expected start <= end <= %" G_GUINT64_FORMAT " (the witnessed size)",
		    *start,
		    *end,
		    size);
	if (*end - *start > IR_BRANDD_WITNESS_MAX_RECORDS_PAGE)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_MALFORMED_REQUEST,
		    "at most %d records a request; ask for the rest with start=",
		    IR_BRANDD_WITNESS_MAX_RECORDS_PAGE);
	return TRUE;
}

static void
ir_brandd_witness_audit_add_proof (JsonBuilder *b, GBytes *proof)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (proof, &len);

	json_builder_begin_array (b);
	for (gsize off = 0; off + IR_MERKLE_HASH_LEN <= len; off += IR_MERKLE_HASH_LEN) {
		g_autofree char *b64 = g_base64_encode (data + off, IR_MERKLE_HASH_LEN);
		json_builder_add_string_value (b, b64);
	}
	json_builder_end_array (b);
}

static gboolean
ir_brandd_witness_audit_add_records (JsonBuilder *b,
				     const IrMerkleTree *tree,
				     GPtrArray *lines,
				     guint64 start,
				     guint64 size,
				     GError **error)
{
	json_builder_begin_array (b);
	for (guint i = 0; i < lines->len; i++) {
		g_autoptr (GBytes) proof =
		    ir_merkle_tree_inclusion_proof (tree, start + i, size, error);

		if (proof == NULL)
			return FALSE;
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "seq");
		json_builder_add_int_value (b, (gint64)(start + i));
		json_builder_set_member_name (b, "line");
		json_builder_add_string_value (b, g_ptr_array_index (lines, i));
		json_builder_set_member_name (b, "inclusion");
		ir_brandd_witness_audit_add_proof (b, proof);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	return TRUE;
}

JsonNode *
ir_brandd_witness_audit_records (IrBranddWitness *self,
				 const IrBranddPeer *peer,
				 const char *origin,
				 const char *query,
				 IrBranddAnswer *answer)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (IrBranddWitnessedLog) log = NULL;
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GPtrArray) lines = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *root_b64 = NULL;
	guint64 start = 0;
	guint64 end = 0;

	if (!ir_brandd_witness_audit_check_auditor (peer, answer))
		return NULL;
	if (!ir_brandd_witness_store_get (self->store, origin, &log, &error)) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	if (log == NULL) {
		ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_UNKNOWN_WORKSTATION,
		    "no migration log of %s was witnessed; GET /v1/workstations lists them",
		    origin);
		return NULL;
	}
	if (!ir_brandd_witness_audit_parse_range (query, log->size, &start, &end, answer))
		return NULL;
	if (!ir_brandd_witness_store_load_tree (self->store, origin, tree, &error) ||
	    (lines = ir_brandd_witness_store_lines (self->store, origin, start, end, &error)) ==
		NULL) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	root_b64 = g_base64_encode (log->root, IR_MERKLE_HASH_LEN);
	json_builder_begin_object (b);
	ir_brandd_witness_audit_add_log_members (b, log);
	json_builder_set_member_name (b, "root");
	json_builder_add_string_value (b, root_b64);
	json_builder_set_member_name (b, "records");
	if (!ir_brandd_witness_audit_add_records (b, tree, lines, start, log->size, &error)) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	json_builder_end_object (b);
	return json_builder_get_root (b);
}
