/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-witness-client.h"
#include "ir-workstation-key.h"

static void
ir_witness_client_add_proof (JsonBuilder *b,
			     IrMigrationLog *log,
			     guint64 old_size,
			     guint64 size,
			     GError **error,
			     gboolean *ok)
{
	const IrMerkleTree *tree = ir_migration_log_get_tree (log);
	g_autoptr (GBytes) proof = NULL;
	const guint8 *data;
	gsize len = 0;

	json_builder_begin_array (b);
	/* from an empty tree, or to the same size, the proof is empty */
	if (old_size > 0 && old_size < size) {
		proof = ir_merkle_tree_consistency_proof (tree, old_size, size, error);
		if (proof == NULL) {
			*ok = FALSE;
			json_builder_end_array (b);
			return;
		}
		data = g_bytes_get_data (proof, &len);
		for (gsize off = 0; off + IR_MERKLE_HASH_LEN <= len; off += IR_MERKLE_HASH_LEN) {
			g_autofree char *b64 = g_base64_encode (data + off, IR_MERKLE_HASH_LEN);
			json_builder_add_string_value (b, b64);
		}
	}
	json_builder_end_array (b);
}

/* The latest durable checkpoint and its size, taken together: phones may
 * be appending in other threads. */
static char *
ir_witness_client_checkpoint_or_error (IrMigrationLog *log, guint64 *size, GError **error)
{
	char *note = ir_migration_log_dup_checkpoint (log, size);

	if (note == NULL)
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "the migration log has no checkpoint yet; nothing to witness");
	return note;
}

/* The body for records [@old_size, @note's size), @note being the log's
 * signed checkpoint at that size. */
static char *
ir_witness_client_upload_body_to (
    IrMigrationLog *log, EVP_PKEY *key, guint64 old_size, const char *note, GError **error)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	g_autofree char *pub = NULL;
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (note, strlen (note), error);
	gboolean ok = TRUE;

	if (cp == NULL)
		return NULL;
	if (old_size > cp->size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "the server has witnessed %" G_GUINT64_FORMAT
			     " records but the log holds %" G_GUINT64_FORMAT
			     ": records were lost; tell the brand auditor",
			     old_size,
			     cp->size);
		return NULL;
	}
	pub = ir_workstation_key_public_base64 (key, error);
	lines = pub != NULL ? ir_migration_log_read_lines (log, old_size, cp->size, error) : NULL;
	if (lines == NULL)
		return NULL;
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "origin");
	json_builder_add_string_value (b, cp->origin);
	json_builder_set_member_name (b, "public_key");
	json_builder_add_string_value (b, pub);
	json_builder_set_member_name (b, "checkpoint");
	json_builder_add_string_value (b, note);
	json_builder_set_member_name (b, "old_size");
	json_builder_add_int_value (b, (gint64)old_size);
	json_builder_set_member_name (b, "consistency");
	ir_witness_client_add_proof (b, log, old_size, cp->size, error, &ok);
	json_builder_set_member_name (b, "records");
	json_builder_begin_array (b);
	for (guint i = 0; i < lines->len; i++)
		json_builder_add_string_value (b, g_ptr_array_index (lines, i));
	json_builder_end_array (b);
	json_builder_end_object (b);
	if (!ok)
		return NULL;
	root = json_builder_get_root (b);
	return json_to_string (root, FALSE);
}

char *
ir_witness_client_upload_body (IrMigrationLog *log, EVP_PKEY *key, guint64 old_size, GError **error)
{
	g_autofree char *note = ir_witness_client_checkpoint_or_error (log, NULL, error);

	return note != NULL ? ir_witness_client_upload_body_to (log, key, old_size, note, error)
			    : NULL;
}

/* Where a batch from @from ends: records up to IR_WITNESS_BATCH_BYTES (at
 * least one), so that an upload stays under the server's body limit. */
static guint64
ir_witness_client_batch_end (IrMigrationLog *log, guint64 from, GError **error, gboolean *ok)
{
	guint64 size = ir_migration_log_get_size (log);
	guint64 end = from;
	gsize bytes = 0;
	g_autoptr (GPtrArray) lines = NULL;

	*ok = TRUE;
	if (from >= size)
		return size;
	lines = ir_migration_log_read_lines (log, from, size, error);
	if (lines == NULL) {
		*ok = FALSE;
		return from;
	}
	for (guint i = 0; i < lines->len; i++) {
		bytes += strlen (g_ptr_array_index (lines, i)) + 8;
		if (bytes > IR_WITNESS_BATCH_BYTES && end > from)
			break;
		end++;
	}
	return end;
}

gboolean
ir_witness_client_load_size (const char *dir, guint64 *size, GError **error)
{
	g_autofree char *path = g_build_filename (dir, IR_WITNESS_SIZE_FILE, NULL);
	g_autofree char *text = NULL;
	g_autoptr (GError) local = NULL;

	*size = 0;
	if (!g_file_get_contents (path, &text, NULL, &local)) {
		if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_set_error (
		    error, IR_ERROR, IR_ERROR_IO, "failed to read %s: %s", path, local->message);
		return FALSE;
	}
	g_strstrip (text);
	if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, size, NULL)) {
		/* only a hint: the server says where to resend from */
		g_warning ("%s does not hold a size; uploading from 0", path);
		*size = 0;
	}
	return TRUE;
}

static gboolean
ir_witness_client_save_state (const char *dir, guint64 size, const char *cosigned, GError **error)
{
	g_autofree char *size_path = g_build_filename (dir, IR_WITNESS_SIZE_FILE, NULL);
	g_autofree char *note_path = g_build_filename (dir, IR_WITNESS_COSIGNED_FILE, NULL);
	g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", size);

	/* the note first: a size without its note would claim more */
	if (!g_file_set_contents_full (
		note_path, cosigned, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error) ||
	    !g_file_set_contents_full (
		size_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error)) {
		g_prefix_error (error, "failed to keep the server's cosignature in %s: ", dir);
		return FALSE;
	}
	return TRUE;
}

/* The answer: {"cosigned": note, "size": N}. */
static gboolean
ir_witness_client_read_answer (
    JsonObject *obj, const char *ours, const char **cosigned, guint64 *size, GError **error)
{
	JsonNode *note = json_object_get_member (obj, "cosigned");
	JsonNode *n = json_object_get_member (obj, "size");

	if (note == NULL || json_node_get_value_type (note) != G_TYPE_STRING || n == NULL ||
	    json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) < 0 ||
	    !g_str_has_prefix (json_node_get_string (note), ours)) {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_PROTOCOL,
		    "the brand server answered the log upload without a "
		    "cosignature of our checkpoint; check that it is an imei-brandd");
		return FALSE;
	}
	*cosigned = json_node_get_string (note);
	*size = (guint64)json_node_get_int (n);
	return TRUE;
}

static JsonObject *
ir_witness_client_post_batch (IrBrandClient *client,
			      IrMigrationLog *log,
			      EVP_PKEY *key,
			      const char *dir,
			      guint64 from,
			      char **sent,
			      IrBrandStatus *status,
			      GCancellable *cancellable,
			      GError **error)
{
	gboolean ok = TRUE;
	guint64 end = ir_witness_client_batch_end (log, from, error, &ok);
	g_autofree char *note = NULL;
	g_autofree char *body = NULL;
	JsonObject *obj;

	if (!ok)
		return NULL;
	note = ir_migration_log_read_checkpoint (log, end, error);
	if (note != NULL)
		body = ir_witness_client_upload_body_to (log, key, from, note, error);
	if (body == NULL)
		return NULL;
	obj = ir_brand_client_post_json (client, "/v1/witness", body, status, cancellable, error);
	if (obj != NULL)
		*sent = g_steal_pointer (&note);
	return obj;
}

gboolean
ir_witness_client_upload (IrBrandClient *client,
			  IrMigrationLog *log,
			  EVP_PKEY *key,
			  const char *dir,
			  guint64 *witnessed,
			  IrBrandStatus *status,
			  GCancellable *cancellable,
			  GError **error)
{
	g_auto (IrBrandStatus) local_status = {0};
	IrBrandStatus *st = status != NULL ? status : &local_status;
	guint64 from = 0;
	guint64 size = ir_migration_log_get_size (log);
	gboolean resent = FALSE;

	if (!ir_witness_client_load_size (dir, &from, error))
		return FALSE;
	do {
		g_autoptr (JsonObject) obj = NULL;
		g_autoptr (GError) local = NULL;
		g_autofree char *sent = NULL;
		const char *cosigned = NULL;

		obj = ir_witness_client_post_batch (
		    client, log, key, dir, MIN (from, size), &sent, st, cancellable, &local);
		/* an earlier upload went through but its answer was lost, or
		 * the state file is stale: the server says where it is (once) */
		if (obj == NULL && !resent && st->has_witnessed_size &&
		    g_strcmp0 (st->server_code, "witness_size_mismatch") == 0) {
			from = st->witnessed_size;
			resent = TRUE;
			continue;
		}
		if (obj == NULL) {
			g_propagate_prefixed_error (
			    error,
			    g_steal_pointer (&local),
			    "failed to upload the migration log for witnessing: ");
			return FALSE;
		}
		if (!ir_witness_client_read_answer (obj, sent, &cosigned, &from, error) ||
		    !ir_witness_client_save_state (dir, from, cosigned, error))
			return FALSE;
		resent = FALSE;
	} while (from < size);
	if (witnessed != NULL)
		*witnessed = from;
	return TRUE;
}

gboolean
ir_witness_client_fill_token_request (IrBrandTokenRequest *req,
				      IrMigrationLog *log,
				      guint64 witnessed_size,
				      char **note_out,
				      GBytes **proof,
				      GError **error)
{
	guint64 size = 0;
	g_autofree char *note = ir_witness_client_checkpoint_or_error (log, &size, error);

	*proof = NULL;
	if (note == NULL)
		return FALSE;
	if (witnessed_size > size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "the server has witnessed %" G_GUINT64_FORMAT
			     " records of this log, which holds %" G_GUINT64_FORMAT
			     ": records were lost; tell the brand auditor",
			     witnessed_size,
			     size);
		return FALSE;
	}
	if (witnessed_size > 0 && witnessed_size < size) {
		*proof = ir_merkle_tree_consistency_proof (
		    ir_migration_log_get_tree (log), witnessed_size, size, error);
		if (*proof == NULL)
			return FALSE;
	}
	req->log_checkpoint = note;
	*note_out = g_steal_pointer (&note);
	req->witnessed_size = witnessed_size;
	req->log_consistency = *proof;
	return TRUE;
}
