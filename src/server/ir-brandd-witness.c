/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "ir-brandd-json.h"
#include "ir-brandd-witness-intents.h"
#include "ir-brandd-witness-private.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-merkle-edge.h"
#include "ir-pem.h"

/* What is checked, in order, on an upload (docs/brand-api.md):
 *
 *  1. who: a technician certificate with a centre, and an origin of the
 *     form imeirestore/<that centre>/<workstation>;
 *  2. the checkpoint parses, names the origin and is signed by the
 *     uploaded key under the key name = origin; the key is the one bound
 *     to the origin at its first upload (trust on first use);
 *  3. the same checkpoint as the one last witnessed: the stored
 *     cosignature again (an idempotent repeat);
 *  4. old_size is the witnessed size (witness_size_mismatch, with the
 *     size, so that the client resends from there); a checkpoint below the
 *     witnessed size is log_shrank when old_size claims the witnessed
 *     size, log_forked when the server's own tree has another root at that
 *     size, and otherwise an older checkpoint (a stale resend): the size
 *     mismatch again;
 *  5. the consistency proof takes the witnessed root to the checkpoint's
 *     root (log_forked): the workstation's log extends what was witnessed;
 *  6. the witnessed leaves followed by the leaves of the uploaded records
 *     give exactly the checkpoint's root (records_mismatch): the records
 *     are the ones the checkpoint commits to. Step 6 alone would prove
 *     both; step 5 tells a fork from a client that sent the wrong lines.
 *
 * Then the records and the checkpoint are stored in one transaction, with
 * the INTENTs among the records that no issued token accounts for
 * (ir-brandd-witness-intents.h), and the witness's signature line is
 * added to the note. Ed25519 signatures
 * are deterministic, so cosigning the same note gives the same answer. */

#define ORIGIN_MAX     256
#define CHECKPOINT_MAX 8192
#define RECORD_MAX     (64 * 1024)
#define PROOF_MAX      64 /* hashes: far beyond a 2^63 tree */
#define PUBKEY_MAX     1024

void
ir_brandd_witness_free (IrBranddWitness *self)
{
	if (self == NULL)
		return;
	EVP_PKEY_free (self->key);
	g_free (self->name);
	g_free (self);
}

static EVP_PKEY *
ir_brandd_witness_load_key (const char *path, GError **error)
{
	EVP_PKEY *key = ir_pem_load_private_key (path, "[witness] key", error);

	if (key != NULL && EVP_PKEY_get_base_id (key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free (key);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[witness] key %s: not an Ed25519 key "
			     "(openssl genpkey -algorithm ed25519)",
			     path);
		return NULL;
	}
	return key;
}

IrBranddWitness *
ir_brandd_witness_new (const IrBranddConfig *config, IrBranddStore *store, GError **error)
{
	g_autoptr (IrBranddWitness) self = g_new0 (IrBranddWitness, 1);

	self->store = store;
	if (config->witness_key != NULL) {
		self->key = ir_brandd_witness_load_key (config->witness_key, error);
		if (self->key == NULL)
			return NULL;
	}
	/* a signed-note key name has no spaces and no '+' */
	self->name = config->witness_name != NULL ? g_strdup (config->witness_name)
						  : g_strdup_printf ("%s/witness", config->issuer);
	if (strpbrk (self->name, " +\n\t") != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[witness] name '%s': a signed-note key name has no spaces or '+'",
			     self->name);
		return NULL;
	}
	return g_steal_pointer (&self);
}

gboolean
ir_brandd_witness_refuse (IrBranddAnswer *answer, IrBranddRefusal refusal, const char *fmt, ...)
{
	va_list args;

	va_start (args, fmt);
	g_free (answer->message);
	answer->message = g_strdup_vprintf (fmt, args);
	va_end (args);
	answer->refusal = refusal;
	return FALSE;
}

gboolean
ir_brandd_witness_internal (IrBranddAnswer *answer, const GError *error)
{
	return ir_brandd_answer_store_failed (answer, error);
}

static gboolean
ir_brandd_witness_size_mismatch (IrBranddAnswer *answer,
				 const char *origin,
				 guint64 witnessed,
				 guint64 asked)
{
	answer->has_witnessed_size = TRUE;
	answer->witnessed_size = witnessed;
	return ir_brandd_witness_refuse (
	    answer,
	    IR_BRANDD_WITNESS_SIZE_MISMATCH,
	    "the server has witnessed %" G_GUINT64_FORMAT " records of %s, not %" G_GUINT64_FORMAT
	    "; send the records and the consistency proof from %" G_GUINT64_FORMAT,
	    witnessed,
	    origin,
	    asked,
	    witnessed);
}

static gboolean
ir_brandd_witness_malformed (IrBranddAnswer *answer, const char *path, const char *why)
{
	return ir_brandd_witness_refuse (answer, IR_BRANDD_MALFORMED_REQUEST, "%s: %s", path, why);
}

/* -- JSON members -- */

static JsonObject *
ir_brandd_witness_parse_object (const char *body, gsize len, IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	JsonObject *root = ir_brandd_json_parse_object (body, len, &error);

	if (root == NULL)
		ir_brandd_witness_refuse (
		    answer, IR_BRANDD_MALFORMED_REQUEST, "%s", error->message);
	return root;
}

static gboolean
ir_brandd_witness_is_string (JsonNode *node)
{
	return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
	       json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A string member of 1..@max bytes; absent → NULL unless @required. */
static gboolean
ir_brandd_witness_get_string (JsonObject *obj,
			      const char *name,
			      gboolean required,
			      gsize max,
			      const char **out,
			      IrBranddAnswer *answer)
{
	JsonNode *node = json_object_get_member (obj, name);
	gsize len;

	*out = NULL;
	if (node == NULL || JSON_NODE_HOLDS_NULL (node))
		return required ? ir_brandd_witness_malformed (answer, name, "missing") : TRUE;
	if (!ir_brandd_witness_is_string (node))
		return ir_brandd_witness_malformed (answer, name, "expected a string");
	len = strlen (json_node_get_string (node));
	if (len == 0 || len > max)
		return ir_brandd_witness_malformed (answer, name, "empty or too long");
	*out = json_node_get_string (node);
	return TRUE;
}

static gboolean
ir_brandd_witness_get_size (JsonObject *obj,
			    const char *name,
			    gboolean required,
			    gboolean *present,
			    guint64 *out,
			    IrBranddAnswer *answer)
{
	JsonNode *node = json_object_get_member (obj, name);

	*present = FALSE;
	*out = 0;
	if (node == NULL)
		return required ? ir_brandd_witness_malformed (answer, name, "missing") : TRUE;
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
	    json_node_get_int (node) < 0)
		return ir_brandd_witness_malformed (
		    answer, name, "expected a whole number, 0 or more");
	*present = TRUE;
	*out = (guint64)json_node_get_int (node);
	return TRUE;
}

/* Standard base64 with padding, checked by encoding the result again:
 * g_base64_decode() skips what it does not know. */
static GBytes *
ir_brandd_witness_strict_base64 (const char *text)
{
	gsize len = 0;
	g_autofree guint8 *data = NULL;
	g_autofree char *again = NULL;

	if (text[0] == '\0' || strspn (text,
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789+/=") != strlen (text))
		return NULL;
	data = g_base64_decode (text, &len);
	again = g_base64_encode (data, len);
	if (len == 0 || g_strcmp0 (again, text) != 0)
		return NULL;
	return g_bytes_new_take (g_steal_pointer (&data), len);
}

/* An array of base64 SHA-256 hashes, concatenated into @out. */
static gboolean
ir_brandd_witness_get_proof (JsonObject *obj,
			     const char *name,
			     GByteArray *out,
			     IrBranddAnswer *answer)
{
	JsonNode *node = json_object_get_member (obj, name);
	JsonArray *arr;

	if (node == NULL || JSON_NODE_HOLDS_NULL (node))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY (node))
		return ir_brandd_witness_malformed (
		    answer, name, "expected an array of base64 hashes");
	arr = json_node_get_array (node);
	if (json_array_get_length (arr) > PROOF_MAX)
		return ir_brandd_witness_malformed (answer, name, "too many hashes");
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		JsonNode *el = json_array_get_element (arr, i);
		g_autofree char *path = g_strdup_printf ("%s[%u]", name, i);
		g_autoptr (GBytes) hash = NULL;

		if (!ir_brandd_witness_is_string (el))
			return ir_brandd_witness_malformed (
			    answer, path, "expected a base64 string");
		hash = ir_brandd_witness_strict_base64 (json_node_get_string (el));
		if (hash == NULL || g_bytes_get_size (hash) != IR_MERKLE_HASH_LEN)
			return ir_brandd_witness_malformed (
			    answer, path, "expected the base64 of a 32-byte hash");
		g_byte_array_append (out, g_bytes_get_data (hash, NULL), IR_MERKLE_HASH_LEN);
	}
	return TRUE;
}

/* -- the upload -- */

typedef struct {
	const char *origin;
	GBytes *public_key; /* SPKI DER */
	EVP_PKEY *pub;
	const char *note;
	IrCheckpoint *checkpoint;
	guint64 old_size;
	GByteArray *proof;
	GPtrArray *records; /* const char *, borrowed from the JSON */
	JsonObject *root;
} Upload;

static void
ir_brandd_witness_upload_clear (Upload *u)
{
	g_clear_pointer (&u->public_key, g_bytes_unref);
	g_clear_pointer (&u->pub, EVP_PKEY_free);
	g_clear_pointer (&u->checkpoint, ir_checkpoint_free);
	g_clear_pointer (&u->proof, g_byte_array_unref);
	g_clear_pointer (&u->records, g_ptr_array_unref);
	g_clear_pointer (&u->root, json_object_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Upload, ir_brandd_witness_upload_clear)

/* A workstation key as sent: base64 of a DER SubjectPublicKeyInfo,
 * Ed25519 or ECDSA P-256. */
static gboolean
ir_brandd_witness_parse_spki (const char *b64,
			      GBytes **spki,
			      EVP_PKEY **pub,
			      IrBranddAnswer *answer)
{
	const unsigned char *der = NULL;
	gsize len = 0;
	int id;

	*spki = ir_brandd_witness_strict_base64 (b64);
	if (*spki == NULL || g_bytes_get_size (*spki) > PUBKEY_MAX)
		return ir_brandd_witness_malformed (
		    answer, "public_key", "expected the base64 of an SPKI (DER)");
	der = g_bytes_get_data (*spki, &len);
	*pub = d2i_PUBKEY (NULL, &der, (long)len);
	if (*pub == NULL || der != (const unsigned char *)g_bytes_get_data (*spki, NULL) + len)
		return ir_brandd_witness_malformed (
		    answer, "public_key", "not a DER SubjectPublicKeyInfo");
	id = EVP_PKEY_get_base_id (*pub);
	if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_EC)
		return ir_brandd_witness_malformed (
		    answer, "public_key", "expected an Ed25519 or ECDSA P-256 key");
	return TRUE;
}

static gboolean
ir_brandd_witness_parse_records (Upload *u, IrBranddAnswer *answer)
{
	JsonNode *node = json_object_get_member (u->root, "records");
	JsonArray *arr;

	u->records = g_ptr_array_new ();
	if (node == NULL)
		return ir_brandd_witness_malformed (answer, "records", "missing");
	if (!JSON_NODE_HOLDS_ARRAY (node))
		return ir_brandd_witness_malformed (
		    answer, "records", "expected an array of record lines");
	arr = json_node_get_array (node);
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		JsonNode *el = json_array_get_element (arr, i);
		g_autofree char *path = g_strdup_printf ("records[%u]", i);
		const char *line;

		if (!ir_brandd_witness_is_string (el))
			return ir_brandd_witness_malformed (
			    answer, path, "expected a string (one record line)");
		line = json_node_get_string (el);
		if (line[0] == '\0' || strlen (line) > RECORD_MAX || strchr (line, '\n') != NULL)
			return ir_brandd_witness_malformed (
			    answer, path, "expected one line of at most 64 KiB, without newline");
		g_ptr_array_add (u->records, (gpointer)line);
	}
	return TRUE;
}

static gboolean
ir_brandd_witness_parse_upload (Upload *u, const char *body, gsize len, IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	const char *key_b64 = NULL;
	gboolean present = FALSE;

	u->root = ir_brandd_witness_parse_object (body, len, answer);
	u->proof = g_byte_array_new ();
	if (u->root == NULL ||
	    !ir_brandd_witness_get_string (
		u->root, "origin", TRUE, ORIGIN_MAX, &u->origin, answer) ||
	    !ir_brandd_witness_get_string (
		u->root, "public_key", TRUE, PUBKEY_MAX * 2, &key_b64, answer) ||
	    !ir_brandd_witness_get_string (
		u->root, "checkpoint", TRUE, CHECKPOINT_MAX, &u->note, answer) ||
	    !ir_brandd_witness_get_size (
		u->root, "old_size", TRUE, &present, &u->old_size, answer) ||
	    !ir_brandd_witness_get_proof (u->root, "consistency", u->proof, answer) ||
	    !ir_brandd_witness_parse_spki (key_b64, &u->public_key, &u->pub, answer) ||
	    !ir_brandd_witness_parse_records (u, answer))
		return FALSE;
	u->checkpoint = ir_checkpoint_parse (u->note, strlen (u->note), &error);
	if (u->checkpoint == NULL)
		return ir_brandd_witness_refuse (answer,
						 IR_BRANDD_BAD_CHECKPOINT,
						 "checkpoint: not a signed checkpoint note: %s",
						 error->message);
	if (g_strcmp0 (u->checkpoint->origin, u->origin) != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_BAD_CHECKPOINT,
		    "checkpoint: its origin is '%s', the upload says '%s'",
		    u->checkpoint->origin,
		    u->origin);
	return TRUE;
}

/* imeirestore/<centre>/<workstation>: a workstation only witnesses under
 * the centre of its certificate. */
static gboolean
ir_brandd_witness_check_origin_centre (const char *origin,
				       const IrBranddPeer *peer,
				       IrBranddAnswer *answer)
{
	g_autofree char *prefix = g_strdup_printf ("imeirestore/%s/", peer->centre);

	if (!g_str_has_prefix (origin, prefix) || origin[strlen (prefix)] == '\0' ||
	    strchr (origin + strlen (prefix), '/') != NULL)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_WRONG_CENTRE,
		    "origin '%s' is not of the form %s<workstation>: a workstation "
		    "witnesses only under the centre of its certificate (%s)",
		    origin,
		    prefix,
		    peer->subject != NULL ? peer->subject : "");
	return TRUE;
}

static gboolean
ir_brandd_witness_check_key (const Upload *u,
			     const IrBranddWitnessedLog *log,
			     IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;

	/* key rotation (a KEY_ROTATION record under the old key) is not
	 * supported yet: a new key needs the brand to remove the old row */
	if (log != NULL && !g_bytes_equal (log->public_key, u->public_key))
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_ORIGIN_KEY_MISMATCH,
		    "%s is registered with another public key since its first upload; "
		    "key rotation is not supported: ask the brand to re-register the "
		    "workstation",
		    u->origin);
	if (!ir_checkpoint_verify (u->checkpoint, u->origin, u->pub, &error))
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_BAD_CHECKPOINT,
		    "checkpoint of %s: the signature by key %s does not verify: %s",
		    u->origin,
		    u->origin,
		    error->message);
	return TRUE;
}

/* A checkpoint below the witnessed size: an older checkpoint of the same
 * log (a client resending a batch from a stale size: tell it where the
 * server is), another log under the same origin (forked), or, when the
 * client claims to be at the witnessed size, a log that lost records. */
static gboolean
ir_brandd_witness_check_older (IrBranddWitness *self,
			       const Upload *u,
			       const IrBranddWitnessedLog *log,
			       IrBranddAnswer *answer)
{
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GError) error = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];
	guint64 size = u->checkpoint->size;

	if (u->old_size >= log->size)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_LOG_SHRANK,
		    "the checkpoint of %s is at size %" G_GUINT64_FORMAT
		    ", the server has witnessed %" G_GUINT64_FORMAT
		    " records: the log lost records; tell the brand auditor",
		    u->origin,
		    size,
		    log->size);
	if (!ir_brandd_witness_store_load_tree (self->store, u->origin, tree, &error) ||
	    !ir_merkle_tree_root (tree, size, root, &error))
		return ir_brandd_witness_internal (answer, error);
	if (memcmp (root, u->checkpoint->root, IR_MERKLE_HASH_LEN) != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_LOG_FORKED,
		    "the checkpoint of %s at size %" G_GUINT64_FORMAT
		    " has another root than the witnessed log at that size: the log "
		    "was changed; tell the brand auditor",
		    u->origin,
		    size);
	return ir_brandd_witness_size_mismatch (answer, u->origin, log->size, u->old_size);
}

static gboolean
ir_brandd_witness_check_sizes (IrBranddWitness *self,
			       const Upload *u,
			       const IrBranddWitnessedLog *log,
			       IrBranddAnswer *answer)
{
	guint64 witnessed = log != NULL ? log->size : 0;
	guint64 size = u->checkpoint->size;

	if (size < witnessed)
		return ir_brandd_witness_check_older (self, u, log, answer);
	if (u->old_size != witnessed)
		return ir_brandd_witness_size_mismatch (answer, u->origin, witnessed, u->old_size);
	if (u->records->len != size - witnessed)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_MALFORMED_REQUEST,
		    "records: %u lines, but the checkpoint goes from %" G_GUINT64_FORMAT
		    " to %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " records)",
		    u->records->len,
		    witnessed,
		    size,
		    size - witnessed);
	return TRUE;
}

/* Does the checkpoint extend what was witnessed? Shared with tokens. */
static gboolean
ir_brandd_witness_check_consistency (const char *origin,
				     const IrBranddWitnessedLog *log,
				     const IrCheckpoint *cp,
				     const GByteArray *proof,
				     IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;

	if (log == NULL || log->size == 0)
		return proof->len == 0
			   ? TRUE
			   : ir_brandd_witness_malformed (
				 answer, "consistency", "expected no hashes from an empty tree");
	if (cp->size == log->size) {
		if (memcmp (cp->root, log->root, IR_MERKLE_HASH_LEN) == 0 && proof->len == 0)
			return TRUE;
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_LOG_FORKED,
		    "the checkpoint of %s at size %" G_GUINT64_FORMAT
		    " has another root than the one witnessed at that size: the log "
		    "was changed; tell the brand auditor",
		    origin,
		    cp->size);
	}
	if (!ir_merkle_verify_consistency (
		log->size, cp->size, log->root, cp->root, proof->data, proof->len, &error))
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_LOG_FORKED,
		    "the checkpoint of %s at size %" G_GUINT64_FORMAT
		    " is not consistent with the one witnessed at size %" G_GUINT64_FORMAT
		    " (%s): the log was changed; tell the brand auditor",
		    origin,
		    cp->size,
		    log->size,
		    error->message);
	return TRUE;
}

/* The right edge of what was witnessed of @log: the stored one, checked
 * against the witnessed root (O(log n)); for a log witnessed before schema
 * 9, built once from its records (O(n)) and stored by this upload. */
static IrMerkleEdge *
ir_brandd_witness_load_edge (IrBranddWitness *self, const IrBranddWitnessedLog *log, GError **error)
{
	g_autoptr (IrMerkleEdge) edge = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (log == NULL)
		return ir_merkle_edge_new ();
	if (log->edge != NULL) {
		edge = ir_merkle_edge_new_from_bytes (log->size, log->edge, error);
		if (edge == NULL)
			return NULL;
	} else {
		g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();

		if (!ir_brandd_witness_store_load_tree (self->store, log->origin, tree, error))
			return NULL;
		edge = ir_merkle_edge_new ();
		for (guint64 i = 0; i < ir_merkle_tree_get_size (tree); i++)
			ir_merkle_edge_append_hash (edge, ir_merkle_tree_get_leaf_hash (tree, i));
	}
	ir_merkle_edge_root (edge, root);
	if (ir_merkle_edge_get_size (edge) != log->size ||
	    memcmp (root, log->root, IR_MERKLE_HASH_LEN) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the stored tree of %s does not give its witnessed root at size "
			     "%" G_GUINT64_FORMAT "; the database was changed by hand",
			     log->origin,
			     log->size);
		return NULL;
	}
	return g_steal_pointer (&edge);
}

/* Step 6: the records are the leaves the checkpoint commits to. They are
 * appended to the right edge of what was witnessed, so an upload costs
 * O(new records + log n) however long the log; *edge is the new one. */
static gboolean
ir_brandd_witness_check_records (IrBranddWitness *self,
				 const Upload *u,
				 const IrBranddWitnessedLog *log,
				 GByteArray *leaf_hashes,
				 GBytes **edge_out,
				 IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrMerkleEdge) edge = ir_brandd_witness_load_edge (self, log, &error);
	guint8 root[IR_MERKLE_HASH_LEN];

	if (edge == NULL)
		return ir_brandd_witness_internal (answer, error);
	for (guint i = 0; i < u->records->len; i++) {
		const char *line = g_ptr_array_index (u->records, i);
		guint8 leaf[IR_MERKLE_HASH_LEN];

		ir_merkle_leaf_hash ((const guint8 *)line, strlen (line), leaf);
		ir_merkle_edge_append_hash (edge, leaf);
		g_byte_array_append (leaf_hashes, leaf, sizeof leaf);
	}
	ir_merkle_edge_root (edge, root);
	if (memcmp (root, u->checkpoint->root, IR_MERKLE_HASH_LEN) != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_RECORDS_MISMATCH,
		    "records %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
		    " of %s do not hash to the checkpoint's root: send the lines "
		    "exactly as in the log file, without the newline",
		    u->old_size,
		    u->checkpoint->size,
		    u->origin);
	*edge_out = ir_merkle_edge_to_bytes (edge);
	return TRUE;
}

static JsonNode *
ir_brandd_witness_cosigned_answer (const char *cosigned, guint64 size)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "cosigned");
	json_builder_add_string_value (b, cosigned);
	json_builder_set_member_name (b, "size");
	json_builder_add_int_value (b, (gint64)size);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

static JsonNode *
ir_brandd_witness_store_upload (IrBranddWitness *self,
				const IrBranddPeer *peer,
				const Upload *u,
				const IrBranddWitnessedLog *old,
				GByteArray *leaf_hashes,
				GBytes *edge,
				gint64 now,
				IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *cosigned = ir_checkpoint_cosign (u->note, self->name, self->key, &error);
	IrBranddWitnessedLog log = {
	    .origin = (char *)u->origin,
	    .centre = peer->centre,
	    .public_key = u->public_key,
	    .size = u->checkpoint->size,
	    .checkpoint = (char *)u->note,
	    .cosigned = cosigned,
	    .registered_at = old != NULL ? old->registered_at : now,
	    .updated_at = now,
	    .edge = edge,
	};

	g_autoptr (GPtrArray) mismatches = NULL;

	if (cosigned == NULL) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	memcpy (log.root, u->checkpoint->root, IR_MERKLE_HASH_LEN);
	mismatches = ir_brandd_witness_intents_match (
	    self->store, u->origin, u->old_size, u->records, &error);
	if (mismatches == NULL || !ir_brandd_witness_store_save (self->store,
								 &log,
								 old == NULL,
								 u->old_size,
								 u->records,
								 leaf_hashes->data,
								 mismatches,
								 peer->cnf,
								 &error)) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	return ir_brandd_witness_cosigned_answer (cosigned, log.size);
}

JsonNode *
ir_brandd_witness_upload (IrBranddWitness *self,
			  const IrBranddPeer *peer,
			  const char *body,
			  gsize len,
			  gint64 now,
			  IrBranddAnswer *answer)
{
	g_auto (Upload) u = {0};
	g_autoptr (IrBranddWitnessedLog) log = NULL;
	g_autoptr (GByteArray) leaf_hashes = g_byte_array_new ();
	g_autoptr (GBytes) edge = NULL;
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_issue_check_technician (peer, answer))
		return NULL;
	if (self->key == NULL) {
		ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_WITNESS_DISABLED,
		    "this server has no witness key ([witness] key); ask the brand to set one");
		return NULL;
	}
	if (!ir_brandd_witness_parse_upload (&u, body, len, answer) ||
	    !ir_brandd_witness_check_origin_centre (u.origin, peer, answer))
		return NULL;
	if (!ir_brandd_witness_store_get (self->store, u.origin, &log, &error)) {
		ir_brandd_witness_internal (answer, error);
		return NULL;
	}
	if (!ir_brandd_witness_check_key (&u, log, answer))
		return NULL;
	/* a repeat of the last upload (its answer was lost) */
	if (log != NULL && g_strcmp0 (log->checkpoint, u.note) == 0)
		return ir_brandd_witness_cosigned_answer (log->cosigned, log->size);
	if (!ir_brandd_witness_check_sizes (self, &u, log, answer) ||
	    !ir_brandd_witness_check_consistency (u.origin, log, u.checkpoint, u.proof, answer) ||
	    !ir_brandd_witness_check_records (self, &u, log, leaf_hashes, &edge, answer))
		return NULL;
	return ir_brandd_witness_store_upload (self, peer, &u, log, leaf_hashes, edge, now, answer);
}

/* -- token requests -- */

static gboolean
ir_brandd_witness_check_token_log (const IrBranddWitnessedLog *log,
				   const IrBranddPeer *peer,
				   const IrCheckpoint *cp,
				   gboolean has_size,
				   guint64 size,
				   const GByteArray *proof,
				   IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	const unsigned char *der = g_bytes_get_data (log->public_key, NULL);
	EVP_PKEY *pub = NULL;
	gboolean ok;

	if (g_strcmp0 (log->centre, peer->centre) != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_WRONG_CENTRE,
		    "the log of %s belongs to centre %s, the certificate to %s",
		    log->origin,
		    log->centre,
		    peer->centre);
	pub = d2i_PUBKEY (NULL, &der, (long)g_bytes_get_size (log->public_key));
	ok = pub != NULL && ir_checkpoint_verify (cp, log->origin, pub, &error);
	EVP_PKEY_free (pub);
	if (!ok)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_BAD_CHECKPOINT,
		    "the checkpoint of %s is not signed by its registered key (%s)",
		    log->origin,
		    error != NULL ? error->message : "unreadable key");
	if (cp->size < log->size)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_LOG_SHRANK,
		    "the log of %s is at size %" G_GUINT64_FORMAT
		    ", the server has witnessed %" G_GUINT64_FORMAT
		    ": records were lost; no tokens until the brand auditor has looked",
		    log->origin,
		    cp->size,
		    log->size);
	/* a proof from another size would look like a fork */
	if (has_size && size != log->size)
		return ir_brandd_witness_size_mismatch (answer, log->origin, log->size, size);
	return ir_brandd_witness_check_consistency (log->origin, log, cp, proof, answer);
}

/* The origin @peer is bound to (by an upload, else by its first
 * contact), or NULL; *first_key: the key of the first contact. */
static gboolean
ir_brandd_witness_bound_origin (IrBranddWitness *self,
				const IrBranddPeer *peer,
				char **origin,
				GBytes **first_key,
				IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;

	*first_key = NULL;
	if (!ir_brandd_witness_store_client_origin (self->store, peer->cnf, origin, &error))
		return ir_brandd_witness_internal (answer, error);
	if (*origin == NULL && !ir_brandd_witness_store_first_contact (
				   self->store, peer->cnf, origin, first_key, &error))
		return ir_brandd_witness_internal (answer, error);
	return TRUE;
}

/* An origin the server never witnessed, from a certificate bound to no
 * other: the workstation's first contact (docs/brand-api.md). */
static gboolean
ir_brandd_witness_check_first_contact (IrBranddWitness *self,
				       const IrBranddPeer *peer,
				       JsonObject *root,
				       const IrCheckpoint *cp,
				       GBytes *first_key,
				       gint64 now,
				       IrBranddAnswer *answer)
{
	g_autoptr (GBytes) spki = NULL;
	g_autoptr (GError) error = NULL;
	EVP_PKEY *pub = NULL;
	const char *key_b64 = NULL;
	gboolean ok;

	if (!ir_brandd_witness_check_origin_centre (cp->origin, peer, answer) ||
	    !ir_brandd_witness_get_string (
		root, "public_key", FALSE, PUBKEY_MAX * 2, &key_b64, answer))
		return FALSE;
	if (key_b64 == NULL)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_UNKNOWN_WORKSTATION,
		    "the server has never witnessed the log of %s: a first contact must carry "
		    "the workstation's public_key, whose signature on the checkpoint is checked",
		    cp->origin);
	ok = ir_brandd_witness_parse_spki (key_b64, &spki, &pub, answer) &&
	     ir_checkpoint_verify (cp, cp->origin, pub, &error);
	EVP_PKEY_free (pub);
	if (!ok && error == NULL)
		return FALSE;
	if (!ok)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_BAD_CHECKPOINT,
		    "the checkpoint of %s is not signed by the public_key "
		    "sent with it: %s",
		    cp->origin,
		    error->message);
	if (first_key != NULL && !g_bytes_equal (first_key, spki))
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_ORIGIN_KEY_MISMATCH,
		    "this certificate first contacted the server for %s with another "
		    "workstation key; ask the brand to re-register the workstation",
		    cp->origin);
	if (first_key == NULL && !ir_brandd_witness_store_add_first_contact (
				     self->store, peer->cnf, cp->origin, spki, now, &error))
		return ir_brandd_witness_internal (answer, error);
	return TRUE;
}

gboolean
ir_brandd_witness_check_token (IrBranddWitness *self,
			       const IrBranddPeer *peer,
			       JsonObject *root,
			       gint64 now,
			       IrBranddAnswer *answer)
{
	g_autoptr (GByteArray) proof = g_byte_array_new ();
	g_autoptr (IrCheckpoint) cp = NULL;
	g_autoptr (IrBranddWitnessedLog) log = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) first_key = NULL;
	g_autofree char *bound = NULL;
	const char *note = NULL;
	gboolean has_size = FALSE;
	guint64 size = 0;

	if (!ir_brandd_witness_get_string (
		root, "checkpoint", FALSE, CHECKPOINT_MAX, &note, answer) ||
	    !ir_brandd_witness_get_proof (root, "consistency", proof, answer) ||
	    !ir_brandd_witness_get_size (root, "witnessed_size", FALSE, &has_size, &size, answer) ||
	    !ir_brandd_witness_bound_origin (self, peer, &bound, &first_key, answer))
		return FALSE;
	if (note == NULL) {
		/* a certificate bound to a log must show it */
		if (bound != NULL)
			return ir_brandd_witness_refuse (
			    answer,
			    IR_BRANDD_LOG_MISSING,
			    "this certificate is bound to the migration log of %s; a "
			    "token request must carry its latest checkpoint",
			    bound);
		return TRUE;
	}
	cp = ir_checkpoint_parse (note, strlen (note), &error);
	if (cp == NULL)
		return ir_brandd_witness_refuse (answer,
						 IR_BRANDD_BAD_CHECKPOINT,
						 "checkpoint: not a signed checkpoint note: %s",
						 error->message);
	if (bound != NULL && g_strcmp0 (bound, cp->origin) != 0)
		return ir_brandd_witness_refuse (
		    answer,
		    IR_BRANDD_ORIGIN_NOT_BOUND,
		    "this certificate is bound to the migration log of %s, the checkpoint is "
		    "of %s: send that workstation's own checkpoint, or ask the brand to "
		    "re-register the certificate",
		    bound,
		    cp->origin);
	if (!ir_brandd_witness_store_get (self->store, cp->origin, &log, &error))
		return ir_brandd_witness_internal (answer, error);
	if (log == NULL)
		return ir_brandd_witness_check_first_contact (
		    self, peer, root, cp, first_key, now, answer);
	return ir_brandd_witness_check_token_log (log, peer, cp, has_size, size, proof, answer);
}
