/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ir-audit.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-imei.h"
#include "ir-log-record.h"

/* Verification reads the record file and the checkpoint file side by side,
 * once: each record line becomes a leaf, and each checkpoint is checked
 * when the tree reaches its size. Nothing but the tree (32 bytes a leaf)
 * and the INTENTs still waiting for a RESULT is kept, so a million records
 * cost tens of megabytes, not the file's size. */

#define IR_AUDIT_RECORDS_FILE	  "migration-log.jsonl"
#define IR_AUDIT_CHECKPOINTS_FILE "migration-log.checkpoints"
#define IR_AUDIT_DEFAULT_SKEW	  300
#define IR_AUDIT_CANCEL_EVERY	  4096

void
ir_audit_paths_free (IrAuditPaths *paths)
{
	if (paths == NULL)
		return;
	g_free (paths->records);
	g_free (paths->checkpoints);
	g_free (paths);
}

IrAuditPaths *
ir_audit_paths_resolve (const char *path, GError **error)
{
	g_autoptr (IrAuditPaths) paths = g_new0 (IrAuditPaths, 1);

	if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
		paths->records = g_build_filename (path, IR_AUDIT_RECORDS_FILE, NULL);
		paths->checkpoints = g_build_filename (path, IR_AUDIT_CHECKPOINTS_FILE, NULL);
		if (!g_file_test (paths->records, G_FILE_TEST_IS_REGULAR)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is not a migration log directory: it has no %s; give the "
				     "directory that holds the log or the .jsonl file itself",
				     path,
				     IR_AUDIT_RECORDS_FILE);
			return NULL;
		}
		return g_steal_pointer (&paths);
	}
	if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the log %s does not exist: give a migration log directory or its "
			     "%s file",
			     path,
			     IR_AUDIT_RECORDS_FILE);
		return NULL;
	}
	if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s is not a regular file: give a migration log directory or its %s "
			     "file",
			     path,
			     IR_AUDIT_RECORDS_FILE);
		return NULL;
	}
	paths->records = g_strdup (path);
	if (g_str_has_suffix (path, ".jsonl"))
		paths->checkpoints = g_strdup_printf (
		    "%.*s.checkpoints", (int)(strlen (path) - strlen (".jsonl")), path);
	else
		paths->checkpoints = g_strdup_printf ("%s.checkpoints", path);
	return g_steal_pointer (&paths);
}

EVP_PKEY *
ir_audit_load_public_key (const char *path, const char *what, GError **error)
{
	g_autofree char *pem = NULL;
	gsize len = 0;
	g_autoptr (GError) error_local = NULL;
	BIO *bio;
	EVP_PKEY *key;

	if (!g_file_get_contents (path, &pem, &len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: cannot read the public key %s: %s",
			     what,
			     path,
			     error_local->message);
		return NULL;
	}
	bio = BIO_new_mem_buf (pem, (int)MIN (len, (gsize)G_MAXINT));
	key = bio != NULL ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
	BIO_free (bio);
	if (key == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: %s is not a PEM public key (-----BEGIN PUBLIC KEY-----); export "
			     "it with `openssl pkey -pubout`",
			     what,
			     path);
		return NULL;
	}
	return key;
}

void
ir_audit_report_free (IrAuditReport *report)
{
	if (report == NULL)
		return;
	g_free (report->origin);
	g_free (report->key_names);
	g_ptr_array_unref (report->warnings);
	g_clear_error (&report->error);
	g_free (report);
}

const char *
ir_audit_trust_to_string (IrAuditTrust trust)
{
	switch (trust) {
	case IR_AUDIT_TRUST_GIVEN:
		return "checkpoint signatures checked against the key given with --key";
	case IR_AUDIT_TRUST_LOG_ONLY:
		return "checkpoint signatures checked only against keys the log itself announced "
		       "(KEY_ROTATION): this proves the log is consistent, not who wrote it; pass "
		       "--key with the key the brand registered for this workstation";
	case IR_AUDIT_TRUST_NONE:
	default:
		return "checkpoint signatures NOT checked: no key was given and the log announces "
		       "none; pass --key with the key the brand registered for this workstation";
	}
}

/* Checkpoint file: notes one after another, each "body\n\nsignatures\n",
 * separated by one empty line. */
typedef struct {
	FILE *fp;
	const char *path;
	guint64 line;	   /* lines read so far */
	guint64 index;	   /* notes read so far (1-based number of the last) */
	guint64 note_line; /* first line of the last note */
	gboolean torn;	   /* the last note has no final newline */
} CheckpointReader;

/* The next note's text, NULL at the end (or with @error on a read error). */
static GString *
checkpoint_reader_next (CheckpointReader *r, GError **error)
{
	g_autoptr (GString) note = NULL;
	gboolean in_signatures = FALSE;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (r->fp == NULL)
		return NULL;
	while ((n = getline (&buf, &cap, r->fp)) > 0) {
		gboolean blank = n == 1 && buf[0] == '\n';

		r->line++;
		if (note == NULL) {
			if (blank)
				continue;
			note = g_string_new (NULL);
			r->note_line = r->line;
		}
		if (blank && in_signatures)
			break;
		if (blank)
			in_signatures = TRUE;
		r->torn = buf[n - 1] != '\n';
		g_string_append_len (note, buf, n);
	}
	free (buf);
	if (ferror (r->fp)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the checkpoint file %s: %s",
			     r->path,
			     g_strerror (errno));
		return NULL;
	}
	if (note != NULL)
		r->index++;
	return g_steal_pointer (&note);
}

/* A key rotation announced by a record, waiting for a checkpoint signed by
 * the old key to cover it before the new key may sign. */
typedef struct {
	guint64 seq;
	char *key_name;
	EVP_PKEY *key;
} PendingKey;

static void
pending_key_free (gpointer data)
{
	PendingKey *pk = data;
	g_free (pk->key_name);
	EVP_PKEY_free (pk->key);
	g_free (pk);
}

typedef struct {
	const IrAuditVerifyOptions *options;
	IrAuditReport *report;
	IrMerkleTree *tree;
	CheckpointReader cps;
	IrCheckpoint *next_cp; /* read, not yet reached */
	/* the last checked checkpoint */
	gboolean have_prev;
	guint64 prev_size;
	guint8 prev_root[IR_MERKLE_HASH_LEN];
	/* signing key now trusted: NULL = none (no --key, no rotation yet) */
	EVP_PKEY *key;
	char *key_name; /* NULL: whatever name the note gives */
	gboolean key_from_log;
	GPtrArray *pending_keys; /* PendingKey */
	GHashTable *key_names;	 /* names that signed */
	/* records */
	GHashTable *open_intents;   /* intent_id -> seq + 1 (INTENTs without a final RESULT) */
	GHashTable *closed_intents; /* 64-bit hash of intent_id (resolved ones) */
	gint64 prev_time;
	guint64 prev_time_line;
	gboolean first_unchecked_warned;
} Verifier;

static void G_GNUC_PRINTF (4, 5)
    verifier_fail (Verifier *v, guint64 line, guint64 checkpoint, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	if (v->report->error != NULL)
		return;
	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	v->report->error = g_error_new_literal (IR_ERROR, IR_ERROR_TAMPERED, msg);
	v->report->bad_line = line;
	v->report->bad_checkpoint = checkpoint;
}

static void G_GNUC_PRINTF (2, 3) verifier_warn (Verifier *v, const char *format, ...)
{
	va_list args;

	va_start (args, format);
	g_ptr_array_add (v->report->warnings, g_strdup_vprintf (format, args));
	va_end (args);
}

static guint64
intent_hash64 (const char *id)
{
	guint64 h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (const char *p = id; *p != '\0'; p++) {
		h ^= (guchar)*p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static gpointer
intent_key (const char *id)
{
	/* 64 bits of the id stand for it: a collision among a million ids
	 * is a one in ten million million chance, and costs only a warning */
	return (gpointer)(guintptr)intent_hash64 (id);
}

static gint64
parse_record_time (const char *text)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (text, NULL);
	return dt != NULL ? g_date_time_to_unix (dt) : G_MININT64;
}

static void
verifier_check_time (Verifier *v, guint64 line, const IrLogRecord *rec)
{
	gint64 t = parse_record_time (rec->time);
	guint skew = v->options->max_skew != 0 ? v->options->max_skew : IR_AUDIT_DEFAULT_SKEW;

	if (t == G_MININT64)
		return; /* the record parser already checked the format */
	if (v->prev_time != G_MININT64 && t + (gint64)skew < v->prev_time) {
		verifier_warn (v,
			       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			       "): its time %s is %" G_GINT64_FORMAT
			       " s before that of line %" G_GUINT64_FORMAT
			       ": was the workstation's clock set back?",
			       line,
			       rec->seq,
			       rec->time,
			       v->prev_time - t,
			       v->prev_time_line);
	}
	if (t > v->prev_time || v->prev_time == G_MININT64) {
		v->prev_time = t;
		v->prev_time_line = line;
	}
}

static void
verifier_intent (Verifier *v, guint64 line, const IrLogRecord *rec)
{
	const char *id = json_object_get_string_member (rec->object, "intent_id");

	v->report->n_intents++;
	if (g_hash_table_contains (v->open_intents, id) ||
	    g_hash_table_contains (v->closed_intents, intent_key (id))) {
		verifier_fail (v,
			       line,
			       0,
			       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			       "): INTENT %s was already recorded earlier in the log: an intent id "
			       "(the token id) is used once",
			       line,
			       rec->seq,
			       id);
		return;
	}
	g_hash_table_insert (v->open_intents, g_strdup (id), GSIZE_TO_POINTER (rec->seq + 1));
}

static void
verifier_result (Verifier *v, guint64 line, const IrLogRecord *rec)
{
	const char *id = json_object_get_string_member (rec->object, "intent_id");
	const char *outcome = json_object_get_string_member (rec->object, "outcome");
	gboolean final = g_strcmp0 (outcome, "unknown") != 0;

	v->report->n_results++;
	if (g_hash_table_contains (v->open_intents, id)) {
		/* "unknown" waits for the RESULT of the recovery */
		if (final) {
			g_hash_table_remove (v->open_intents, id);
			g_hash_table_add (v->closed_intents, intent_key (id));
		}
		return;
	}
	if (g_hash_table_contains (v->closed_intents, intent_key (id))) {
		verifier_warn (v,
			       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			       "): a second RESULT (%s) for INTENT %s, which was already resolved",
			       line,
			       rec->seq,
			       outcome,
			       id);
		return;
	}
	verifier_fail (v,
		       line,
		       0,
		       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
		       "): RESULT for intent %s has no INTENT before it: the INTENT was removed or "
		       "the RESULT inserted",
		       line,
		       rec->seq,
		       id);
}

static void
verifier_key_rotation (Verifier *v, guint64 line, const IrLogRecord *rec)
{
	const char *b64 = json_object_get_string_member (rec->object, "new_public_key");
	const char *name = json_object_get_string_member (rec->object, "new_key_name");
	gsize len = 0;
	g_autofree guchar *der = g_base64_decode (b64, &len);
	const guchar *p = der;
	EVP_PKEY *key = d2i_PUBKEY (NULL, &p, (long)len);
	PendingKey *pk;

	if (key == NULL || p != der + len) {
		EVP_PKEY_free (key);
		verifier_fail (v,
			       line,
			       0,
			       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			       "): KEY_ROTATION: new_public_key is not a SubjectPublicKeyInfo",
			       line,
			       rec->seq);
		return;
	}
	pk = g_new0 (PendingKey, 1);
	pk->seq = rec->seq;
	pk->key_name = g_strdup (name);
	pk->key = key;
	g_ptr_array_add (v->pending_keys, pk);
}

/* Every record parses, its seq is its line, time does not run back, each
 * RESULT follows its INTENT. */
static void
verifier_record (Verifier *v, guint64 line, const char *text, gsize len)
{
	g_autoptr (GError) error_local = NULL;
	g_autoptr (IrLogRecord) rec = ir_log_record_parse (text, len, &error_local);

	if (rec == NULL) {
		verifier_fail (v,
			       line,
			       0,
			       "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			       " expected): not a valid record: %s",
			       line,
			       line - 1,
			       error_local->message);
		return;
	}
	if (rec->seq != line - 1) {
		verifier_fail (v,
			       line,
			       0,
			       "line %" G_GUINT64_FORMAT ": seq %" G_GUINT64_FORMAT
			       " where %" G_GUINT64_FORMAT
			       " was expected: records before it were removed, inserted or "
			       "reordered",
			       line,
			       rec->seq,
			       line - 1);
		return;
	}
	verifier_check_time (v, line, rec);
	if (rec->type == IR_LOG_RECORD_INTENT)
		verifier_intent (v, line, rec);
	else if (rec->type == IR_LOG_RECORD_RESULT)
		verifier_result (v, line, rec);
	else if (rec->type == IR_LOG_RECORD_KEY_ROTATION)
		verifier_key_rotation (v, line, rec);
}

static const char *
checkpoint_file_name (const Verifier *v)
{
	const char *slash = strrchr (v->cps.path, '/');
	return slash != NULL ? slash + 1 : v->cps.path;
}

/* The range of record lines a checkpoint vouches for beyond the last one. */
static char *
checkpoint_span (const Verifier *v, guint64 size)
{
	guint64 first = v->have_prev ? v->prev_size + 1 : 1;

	if (size == first)
		return g_strdup_printf (
		    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT ")", size, size - 1);
	return g_strdup_printf (
	    "a record among lines %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, first, size);
}

/* Signature by the trusted key; then any rotation the checkpoint covers
 * becomes the trusted key for the checkpoints after it. */
static gboolean
verifier_check_signature (Verifier *v, const IrCheckpoint *cp, guint64 number)
{
	g_autoptr (GError) error_local = NULL;
	const char *name = v->key_name;

	if (v->key == NULL) {
		if (!v->first_unchecked_warned)
			verifier_warn (v,
				       "checkpoint %" G_GUINT64_FORMAT
				       " and those after it until a KEY_ROTATION: signature not "
				       "checked (no --key)",
				       number);
		v->first_unchecked_warned = TRUE;
	} else {
		/* --key names no key: find the line the key's id points at */
		for (guint i = 0; name == NULL && i < cp->signatures->len; i++) {
			const IrNoteSignature *sig = g_ptr_array_index (cp->signatures, i);
			guint8 id[4];
			if (ir_checkpoint_key_id (sig->key_name, v->key, id, NULL) &&
			    memcmp (id, sig->key_id, 4) == 0)
				name = sig->key_name;
		}
		if (name == NULL) {
			verifier_fail (v,
				       cp->size,
				       number,
				       "checkpoint %" G_GUINT64_FORMAT
				       " (%s line %" G_GUINT64_FORMAT ", size %" G_GUINT64_FORMAT
				       ") is not signed by the %s key: re-signed by another key",
				       number,
				       checkpoint_file_name (v),
				       v->cps.note_line,
				       cp->size,
				       v->key_from_log ? "rotated" : "trusted");
			return FALSE;
		}
		if (!ir_checkpoint_verify (cp, name, v->key, &error_local)) {
			verifier_fail (v,
				       cp->size,
				       number,
				       "checkpoint %" G_GUINT64_FORMAT
				       " (%s line %" G_GUINT64_FORMAT "): %s",
				       number,
				       checkpoint_file_name (v),
				       v->cps.note_line,
				       error_local->message);
			return FALSE;
		}
		v->report->n_signatures_checked++;
		g_hash_table_add (v->key_names, g_strdup (name));
	}
	while (v->pending_keys->len > 0) {
		PendingKey *pk = g_ptr_array_index (v->pending_keys, 0);
		if (pk->seq >= cp->size)
			break;
		EVP_PKEY_free (v->key);
		g_free (v->key_name);
		v->key = g_steal_pointer (&pk->key);
		v->key_name = g_steal_pointer (&pk->key_name);
		if (v->report->trust == IR_AUDIT_TRUST_NONE)
			v->key_from_log = TRUE;
		g_ptr_array_remove_index (v->pending_keys, 0);
	}
	return TRUE;
}

static void
verifier_checkpoint (Verifier *v, const IrCheckpoint *cp, guint64 number)
{
	guint8 root[IR_MERKLE_HASH_LEN];
	g_autoptr (GError) error_local = NULL;

	if (v->report->origin == NULL)
		v->report->origin = g_strdup (cp->origin);
	if (g_strcmp0 (v->report->origin, cp->origin) != 0) {
		verifier_fail (v,
			       cp->size,
			       number,
			       "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
			       "): origin '%s' is not the log's '%s': a checkpoint of another log",
			       number,
			       checkpoint_file_name (v),
			       v->cps.note_line,
			       cp->origin,
			       v->report->origin);
		return;
	}
	if (!verifier_check_signature (v, cp, number))
		return;
	if (!ir_merkle_tree_root (v->tree, cp->size, root, &error_local)) {
		verifier_fail (v, cp->size, number, "%s", error_local->message);
		return;
	}
	if (memcmp (root, cp->root, IR_MERKLE_HASH_LEN) != 0) {
		g_autofree char *span = checkpoint_span (v, cp->size);
		verifier_fail (v,
			       v->have_prev ? v->prev_size + 1 : 1,
			       number,
			       "%s does not match checkpoint %" G_GUINT64_FORMAT
			       " (%s line %" G_GUINT64_FORMAT ", size %" G_GUINT64_FORMAT
			       "): the record was altered, inserted or removed after it was signed",
			       span,
			       number,
			       checkpoint_file_name (v),
			       v->cps.note_line,
			       cp->size);
		return;
	}
	if (v->have_prev && v->prev_size > 0) {
		g_autoptr (GBytes) proof =
		    ir_merkle_tree_consistency_proof (v->tree, v->prev_size, cp->size, NULL);
		gsize plen = 0;
		const guint8 *p = proof != NULL ? g_bytes_get_data (proof, &plen) : NULL;
		if (!ir_merkle_verify_consistency (
			v->prev_size, cp->size, v->prev_root, cp->root, p, plen, &error_local)) {
			verifier_fail (v,
				       cp->size,
				       number,
				       "checkpoint %" G_GUINT64_FORMAT
				       " is not consistent with the one before it: %s",
				       number,
				       error_local->message);
			return;
		}
	}
	v->have_prev = TRUE;
	v->prev_size = cp->size;
	memcpy (v->prev_root, cp->root, IR_MERKLE_HASH_LEN);
	v->report->n_checkpoints++;
	v->report->signed_size = cp->size;
}

/* A crash leaves a prefix of a note: text, no control characters. */
static gboolean
note_may_be_torn (const GString *text)
{
	for (gsize i = 0; i < text->len; i++) {
		guchar c = (guchar)text->str[i];
		if (c != '\n' && (c < 0x20 || c == 0x7f))
			return FALSE;
	}
	return TRUE;
}

/* Reads the next checkpoint into v->next_cp; FALSE when the verification
 * has failed (or a read error, in @error). */
static gboolean
verifier_next_checkpoint (Verifier *v, GError **error)
{
	g_autoptr (GString) text = NULL;
	g_autoptr (GError) error_local = NULL;
	g_autoptr (GError) error_read = NULL;

	g_clear_pointer (&v->next_cp, ir_checkpoint_free);
	text = checkpoint_reader_next (&v->cps, &error_read);
	if (error_read != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_read));
		return FALSE;
	}
	if (text == NULL)
		return TRUE;
	v->next_cp = ir_checkpoint_parse (text->str, text->len, &error_local);
	if (v->next_cp == NULL && v->cps.torn && feof (v->cps.fp) && note_may_be_torn (text)) {
		verifier_warn (v,
			       "the last checkpoint (%s line %" G_GUINT64_FORMAT
			       ") is cut short: the workstation stopped while writing it",
			       checkpoint_file_name (v),
			       v->cps.note_line);
		return TRUE;
	}
	if (v->next_cp == NULL) {
		verifier_fail (v,
			       0,
			       v->cps.index,
			       "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
			       ") does not parse: %s",
			       v->cps.index,
			       checkpoint_file_name (v),
			       v->cps.note_line,
			       error_local->message);
		return TRUE;
	}
	if (v->have_prev && v->next_cp->size < v->prev_size) {
		verifier_fail (v,
			       v->next_cp->size + 1,
			       v->cps.index,
			       "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
			       ") is for size %" G_GUINT64_FORMAT
			       ", smaller than the %" G_GUINT64_FORMAT
			       " of the checkpoint before it: the log shrank",
			       v->cps.index,
			       checkpoint_file_name (v),
			       v->cps.note_line,
			       v->next_cp->size,
			       v->prev_size);
	}
	return TRUE;
}

/* Checks every checkpoint the tree has now reached. */
static gboolean
verifier_reach (Verifier *v, GError **error)
{
	guint64 size = ir_merkle_tree_get_size (v->tree);

	while (v->report->error == NULL && v->next_cp != NULL && v->next_cp->size == size) {
		verifier_checkpoint (v, v->next_cp, v->cps.index);
		if (v->report->error != NULL)
			return TRUE;
		if (!verifier_next_checkpoint (v, error))
			return FALSE;
	}
	return TRUE;
}

static void
verifier_clear (Verifier *v)
{
	if (v->cps.fp != NULL)
		fclose (v->cps.fp);
	g_clear_pointer (&v->next_cp, ir_checkpoint_free);
	g_clear_pointer (&v->tree, ir_merkle_tree_free);
	g_clear_pointer (&v->key, EVP_PKEY_free);
	g_clear_pointer (&v->key_name, g_free);
	g_clear_pointer (&v->pending_keys, g_ptr_array_unref);
	g_clear_pointer (&v->key_names, g_hash_table_unref);
	g_clear_pointer (&v->open_intents, g_hash_table_unref);
	g_clear_pointer (&v->closed_intents, g_hash_table_unref);
}

/* The log's first line must at least look like a record, or this is not a
 * log at all (bad input, not tampering). */
static gboolean
looks_like_record (const char *text, gsize len)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonNode *root;

	if (!json_parser_load_from_data (parser, text, (gssize)len, NULL))
		return FALSE;
	root = json_parser_get_root (parser);
	return root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
	       json_object_has_member (json_node_get_object (root), "schema");
}

static gboolean
verifier_open (Verifier *v, const IrAuditPaths *paths, GError **error)
{
	v->cps.path = paths->checkpoints;
	v->cps.fp = fopen (paths->checkpoints, "re");
	if (v->cps.fp == NULL && errno != ENOENT) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the checkpoint file %s: %s",
			     paths->checkpoints,
			     g_strerror (errno));
		return FALSE;
	}
	if (!verifier_next_checkpoint (v, error))
		return FALSE;
	return verifier_reach (v, error); /* checkpoints of the empty tree */
}

static void
verifier_finish (Verifier *v, guint64 n_lines, gboolean torn_tail)
{
	IrAuditReport *report = v->report;

	if (report->error == NULL && v->next_cp != NULL) {
		verifier_fail (v,
			       n_lines + 1,
			       v->cps.index,
			       "the record file ends after line %" G_GUINT64_FORMAT
			       " but checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
			       ") is signed for %" G_GUINT64_FORMAT
			       " records: the records from line %" G_GUINT64_FORMAT
			       " on were removed (truncated)",
			       n_lines,
			       v->cps.index,
			       checkpoint_file_name (v),
			       v->cps.note_line,
			       v->next_cp->size,
			       n_lines + 1);
	}
	if (report->error != NULL)
		return;
	if (v->cps.fp == NULL && n_lines > 0)
		verifier_fail (v,
			       1,
			       0,
			       "the checkpoint file %s is missing: no record of the log is signed",
			       v->cps.path);
	else if (n_lines - report->signed_size + (torn_tail ? 1 : 0) > 1)
		/* a crash leaves at most one unacknowledged record (the writer
		 * cuts it at its next start): more is not a crash */
		verifier_fail (v,
			       report->signed_size + 1,
			       0,
			       "lines %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
			       " come after the last checkpoint (size %" G_GUINT64_FORMAT
			       "): a crash leaves at most one; records were appended without "
			       "signing, or checkpoints were removed",
			       report->signed_size + 1,
			       n_lines + (torn_tail ? 1 : 0),
			       report->signed_size);
	else if (report->signed_size < n_lines)
		verifier_warn (
		    v,
		    "line %" G_GUINT64_FORMAT
		    " comes after the last checkpoint: no signature vouches for it (the "
		    "workstation stopped before signing it and cuts it at its next start)",
		    n_lines);
	else if (torn_tail)
		verifier_warn (v,
			       "line %" G_GUINT64_FORMAT
			       " is cut short (no newline): the workstation stopped while writing "
			       "it and cuts it at its next start",
			       n_lines + 1);
	if (report->error != NULL)
		return;
	report->n_open_intents = g_hash_table_size (v->open_intents);
	if (report->n_open_intents > 0)
		verifier_warn (v,
			       "%" G_GUINT64_FORMAT
			       " INTENT(s) without a final RESULT: outcome unknown until the "
			       "workstation re-reads the phone",
			       report->n_open_intents);
}

/* The witness cosigned @note: its signature, its root at its size, and
 * consistency from its size to the last checkpoint. */
static void
verifier_witness (Verifier *v, guint64 n_lines)
{
	const IrAuditVerifyOptions *o = v->options;
	g_autoptr (GError) error_local = NULL;
	g_autoptr (IrCheckpoint) cp =
	    ir_checkpoint_parse (o->cosigned_note, strlen (o->cosigned_note), &error_local);
	const char *wname = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (cp == NULL) {
		verifier_fail (
		    v, 0, 0, "the cosigned checkpoint does not parse: %s", error_local->message);
		return;
	}
	for (guint i = 0; wname == NULL && i < cp->signatures->len; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (cp->signatures, i);
		guint8 id[4];
		/* the workstation's own line is never the witness's */
		if (g_strcmp0 (sig->key_name, cp->origin) == 0)
			continue;
		if (ir_checkpoint_key_id (sig->key_name, o->witness_key, id, NULL) &&
		    memcmp (id, sig->key_id, 4) == 0)
			wname = sig->key_name;
	}
	if (wname == NULL) {
		verifier_fail (
		    v, 0, 0, "the cosigned checkpoint carries no signature by the witness key");
		return;
	}
	if (!ir_checkpoint_verify (cp, wname, o->witness_key, &error_local)) {
		verifier_fail (v, 0, 0, "witness cosignature: %s", error_local->message);
		return;
	}
	if (v->report->origin != NULL && g_strcmp0 (cp->origin, v->report->origin) != 0) {
		verifier_fail (v,
			       0,
			       0,
			       "the cosigned checkpoint is for '%s', not this log ('%s')",
			       cp->origin,
			       v->report->origin);
		return;
	}
	if (cp->size > n_lines || cp->size > v->report->signed_size) {
		verifier_fail (v,
			       MIN (n_lines, v->report->signed_size) + 1,
			       0,
			       "the witness cosigned %" G_GUINT64_FORMAT
			       " records but the log has %" G_GUINT64_FORMAT
			       " signed: the log was truncated after it was witnessed (from line "
			       "%" G_GUINT64_FORMAT " on)",
			       cp->size,
			       v->report->signed_size,
			       MIN (n_lines, v->report->signed_size) + 1);
		return;
	}
	if (!ir_merkle_tree_root (v->tree, cp->size, root, NULL) ||
	    memcmp (root, cp->root, IR_MERKLE_HASH_LEN) != 0) {
		verifier_fail (v,
			       1,
			       0,
			       "the first %" G_GUINT64_FORMAT
			       " records are not those the witness cosigned: the log was rewritten "
			       "(lines 1-%" G_GUINT64_FORMAT ")",
			       cp->size,
			       cp->size);
		return;
	}
	if (cp->size > 0 && cp->size < v->report->signed_size) {
		g_autoptr (GBytes) proof = ir_merkle_tree_consistency_proof (
		    v->tree, cp->size, v->report->signed_size, NULL);
		gsize plen = 0;
		const guint8 *p = proof != NULL ? g_bytes_get_data (proof, &plen) : NULL;
		if (!ir_merkle_verify_consistency (cp->size,
						   v->report->signed_size,
						   cp->root,
						   v->prev_root,
						   p,
						   plen,
						   &error_local)) {
			verifier_fail (v, 0, 0, "witnessed checkpoint: %s", error_local->message);
			return;
		}
	}
	v->report->witnessed = TRUE;
	v->report->witnessed_size = cp->size;
}

static char *
verifier_key_names (Verifier *v)
{
	g_autoptr (GList) names = g_hash_table_get_keys (v->key_names);
	g_autoptr (GString) str = g_string_new (NULL);

	names = g_list_sort (names, (GCompareFunc)g_strcmp0);
	for (GList *l = names; l != NULL; l = l->next)
		g_string_append_printf (str, "%s%s", l != names ? ", " : "", (const char *)l->data);
	return names != NULL ? g_string_free (g_steal_pointer (&str), FALSE) : NULL;
}

/* Streams the record file; FALSE only for read errors and cancels. */
static gboolean
verifier_stream (Verifier *v,
		 FILE *fp,
		 const IrAuditPaths *paths,
		 GCancellable *cancellable,
		 guint64 *n_lines,
		 gboolean *torn_tail,
		 GError **error)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	gboolean ok = TRUE;

	while (ok && v->report->error == NULL && (n = getline (&buf, &cap, fp)) > 0) {
		guint64 line = *n_lines + 1;

		if (buf[n - 1] != '\n') {
			/* a torn tail is only a crash when nothing signed it */
			if (v->next_cp == NULL) {
				*torn_tail = TRUE;
				break;
			}
			n++; /* hashed as is: the checkpoint will not match */
		}
		if (line == 1 && v->cps.fp == NULL && !looks_like_record (buf, (gsize)n - 1)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is not a migration log: its first line is not a record "
				     "and there is no checkpoint file beside it",
				     paths->records);
			ok = FALSE;
			break;
		}
		ir_merkle_tree_append (v->tree, (const guint8 *)buf, (gsize)n - 1);
		*n_lines = line;
		verifier_record (v, line, buf, (gsize)n - 1);
		ok = verifier_reach (v, error);
		if (line % IR_AUDIT_CANCEL_EVERY == 0 &&
		    g_cancellable_set_error_if_cancelled (cancellable, error))
			ok = FALSE;
	}
	free (buf);
	if (ok && ferror (fp)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		ok = FALSE;
	}
	return ok;
}

IrAuditReport *
ir_audit_verify (const IrAuditPaths *paths,
		 const IrAuditVerifyOptions *options,
		 GCancellable *cancellable,
		 GError **error)
{
	static const IrAuditVerifyOptions defaults = {0};
	g_autoptr (IrAuditReport) report = g_new0 (IrAuditReport, 1);
	Verifier v = {.options = options != NULL ? options : &defaults};
	FILE *fp;
	guint64 n_lines = 0;
	gboolean torn_tail = FALSE;
	gboolean ok;

	report->warnings = g_ptr_array_new_with_free_func (g_free);
	v.report = report;
	v.tree = ir_merkle_tree_new ();
	v.pending_keys = g_ptr_array_new_with_free_func (pending_key_free);
	v.key_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	v.open_intents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	v.closed_intents = g_hash_table_new (g_direct_hash, g_direct_equal);
	v.prev_time = G_MININT64;
	if (v.options->key != NULL) {
		EVP_PKEY_up_ref (v.options->key);
		v.key = v.options->key;
		report->trust = IR_AUDIT_TRUST_GIVEN;
	}

	fp = fopen (paths->records, "re");
	if (fp == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		verifier_clear (&v);
		return NULL;
	}
	ok = verifier_open (&v, paths, error) &&
	     verifier_stream (&v, fp, paths, cancellable, &n_lines, &torn_tail, error);
	fclose (fp);
	if (ok) {
		report->n_records = n_lines;
		verifier_finish (&v, n_lines, torn_tail);
		if (report->error == NULL && v.options->cosigned_note != NULL &&
		    v.options->witness_key != NULL)
			verifier_witness (&v, n_lines);
		ir_merkle_tree_root (v.tree, ir_merkle_tree_get_size (v.tree), report->root, NULL);
		report->key_names = verifier_key_names (&v);
		if (v.key_from_log && report->n_signatures_checked > 0)
			report->trust = IR_AUDIT_TRUST_LOG_ONLY;
	}
	verifier_clear (&v);
	return ok ? g_steal_pointer (&report) : NULL;
}

/* Queries ------------------------------------------------------------- */

const char *const ir_audit_outcomes[] = {
    "success", "failed", "aborted", "unknown", "recovered", IR_AUDIT_OUTCOME_OPEN, NULL};

void
ir_audit_row_free (IrAuditRow *row)
{
	if (row == NULL)
		return;
	g_free (row->time_text);
	g_free (row->intent_id);
	g_free (row->technician);
	g_free (row->centre);
	g_free (row->workstation);
	g_free (row->phase);
	g_free (row->token_id);
	g_free (row->token_sha256);
	g_free (row->port);
	g_free (row->manufacturer);
	g_free (row->model);
	g_free (row->serial);
	g_free (row->hardware_id);
	g_free (row->family);
	g_ptr_array_unref (row->imeis_before);
	g_ptr_array_unref (row->imeis_target);
	g_ptr_array_unref (row->imeis_read_back);
	g_free (row->result_time_text);
	g_free (row->outcome);
	g_free (row->reason);
	g_free (row->details);
	g_free (row);
}

void
ir_audit_filter_init (IrAuditFilter *filter)
{
	memset (filter, 0, sizeof (*filter));
	filter->from = G_MININT64;
	filter->to = G_MAXINT64;
}

void
ir_audit_filter_clear (IrAuditFilter *filter)
{
	g_clear_pointer (&filter->technician, g_free);
	g_clear_pointer (&filter->centre, g_free);
	g_clear_pointer (&filter->imei, g_free);
	g_clear_pointer (&filter->outcome, g_free);
	g_clear_pointer (&filter->phase, g_free);
}

static gboolean
parse_date_only (const char *text, gboolean end_of_day, gint64 *out)
{
	int y = 0, m = 0, d = 0;
	g_autoptr (GDateTime) dt = NULL;

	if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
		return FALSE;
	for (guint i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
			return FALSE;
	}
	if (sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
		return FALSE;
	dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
	if (dt == NULL)
		return FALSE;
	*out = g_date_time_to_unix (dt) + (end_of_day ? 86399 : 0);
	return TRUE;
}

gboolean
ir_audit_parse_time (
    const char *text, const char *option, gboolean end_of_day, gint64 *out, GError **error)
{
	g_autoptr (GDateTime) dt = NULL;

	if (parse_date_only (text, end_of_day, out))
		return TRUE;
	/* a full time must say its zone: a local guess would shift the range */
	if (strlen (text) > 10 && text[10] == 'T')
		dt = g_date_time_new_from_iso8601 (text, NULL);
	if (dt == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s '%s' is not a time: give a UTC date (2026-11-29) or an RFC 3339 "
			     "time with its zone (2026-11-29T08:30:00Z)",
			     option,
			     text);
		return FALSE;
	}
	*out = g_date_time_to_unix (dt);
	return TRUE;
}

gboolean
ir_audit_filter_set_imei (IrAuditFilter *filter, const char *imei, GError **error)
{
	gsize len = strlen (imei);
	gboolean digits = len > 0;

	for (gsize i = 0; i < len; i++)
		digits = digits && g_ascii_isdigit (imei[i]);
	if (!digits || (len != IR_IMEI_ID_LEN && len != IR_IMEI_LEN)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--imei '%s' is not an IMEI: give its 14 identity digits or all 15 "
			     "(the check digit is not compared)",
			     imei);
		return FALSE;
	}
	g_free (filter->imei);
	filter->imei = g_strndup (imei, IR_IMEI_ID_LEN);
	return TRUE;
}

gboolean
ir_audit_filter_set_outcome (IrAuditFilter *filter, const char *outcome, GError **error)
{
	if (!g_strv_contains (ir_audit_outcomes, outcome)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--outcome '%s' is not an outcome: give success, failed, aborted, "
			     "unknown, recovered or open (no RESULT yet)",
			     outcome);
		return FALSE;
	}
	g_free (filter->outcome);
	filter->outcome = g_strdup (outcome);
	return TRUE;
}

gboolean
ir_audit_filter_set_type (IrAuditFilter *filter, const char *type, GError **error)
{
	g_autofree char *upper = g_ascii_strup (type, -1);

	if (!ir_log_record_type_from_string (upper, &filter->type)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--type '%s' is not a record type: give START, INTENT, RESULT, "
			     "RECOVERY or KEY_ROTATION",
			     type);
		return FALSE;
	}
	filter->has_type = TRUE;
	return TRUE;
}

static gboolean
slots_match_imei (GPtrArray *slots, const char *imei14)
{
	for (guint i = 0; slots != NULL && i < slots->len; i++) {
		const char *imei = g_ptr_array_index (slots, i);
		if (imei != NULL && strlen (imei) >= IR_IMEI_ID_LEN &&
		    memcmp (imei, imei14, IR_IMEI_ID_LEN) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
filter_matches_type (const IrAuditFilter *filter, const IrAuditRow *row)
{
	if (!filter->has_type)
		return TRUE;
	/* a restoration is an INTENT, and a RESULT too once it has one */
	if (filter->type == IR_LOG_RECORD_RESULT && row->type == IR_LOG_RECORD_INTENT)
		return row->has_result;
	return row->type == filter->type;
}

gboolean
ir_audit_filter_matches (const IrAuditFilter *filter, const IrAuditRow *row)
{
	if (filter == NULL)
		return TRUE;
	if (row->time < filter->from || row->time > filter->to)
		return FALSE;
	if (!filter_matches_type (filter, row))
		return FALSE;
	if (filter->technician != NULL && g_strcmp0 (filter->technician, row->technician) != 0)
		return FALSE;
	if (filter->centre != NULL && g_strcmp0 (filter->centre, row->centre) != 0)
		return FALSE;
	if (filter->phase != NULL && g_strcmp0 (filter->phase, row->phase) != 0)
		return FALSE;
	if (filter->outcome != NULL &&
	    (row->type != IR_LOG_RECORD_INTENT || g_strcmp0 (filter->outcome, row->outcome) != 0))
		return FALSE;
	if (filter->imei != NULL && !slots_match_imei (row->imeis_before, filter->imei) &&
	    !slots_match_imei (row->imeis_target, filter->imei) &&
	    !slots_match_imei (row->imeis_read_back, filter->imei))
		return FALSE;
	return TRUE;
}

static char *
dup_member (JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

	if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
		return NULL;
	if (json_node_get_value_type (node) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (node));
	if (json_node_get_value_type (node) == G_TYPE_INT64)
		return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
	return NULL;
}

static GPtrArray *
dup_slots (JsonObject *obj, const char *name)
{
	GPtrArray *slots = g_ptr_array_new_with_free_func (g_free);
	JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;
	JsonArray *array =
	    node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

	for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
		JsonNode *el = json_array_get_element (array, i);
		g_ptr_array_add (slots,
				 JSON_NODE_HOLDS_VALUE (el) &&
					 json_node_get_value_type (el) == G_TYPE_STRING
				     ? g_strdup (json_node_get_string (el))
				     : NULL);
	}
	return slots;
}

static IrAuditRow *
row_new (const IrLogRecord *rec)
{
	IrAuditRow *row = g_new0 (IrAuditRow, 1);

	row->type = rec->type;
	row->seq = rec->seq;
	row->time_text = g_strdup (rec->time);
	row->time = parse_record_time (rec->time);
	row->imeis_before = g_ptr_array_new_with_free_func (g_free);
	row->imeis_target = g_ptr_array_new_with_free_func (g_free);
	row->imeis_read_back = g_ptr_array_new_with_free_func (g_free);
	return row;
}

static void
row_set_intent (IrAuditRow *row, JsonObject *o)
{
	JsonNode *phone_node = json_object_get_member (o, "phone");
	JsonObject *phone = phone_node != NULL && JSON_NODE_HOLDS_OBJECT (phone_node)
				? json_node_get_object (phone_node)
				: NULL;

	row->intent_id = dup_member (o, "intent_id");
	row->technician = dup_member (o, "technician");
	row->centre = dup_member (o, "centre");
	row->workstation = dup_member (o, "workstation");
	row->phase = dup_member (o, "phase");
	row->token_id = dup_member (o, "token_id");
	row->token_sha256 = dup_member (o, "token_sha256");
	row->port = dup_member (phone, "port");
	row->manufacturer = dup_member (phone, "manufacturer");
	row->model = dup_member (phone, "model");
	row->serial = dup_member (phone, "serial");
	row->hardware_id = dup_member (phone, "hardware_id");
	row->family = dup_member (phone, "family");
	g_ptr_array_unref (row->imeis_before);
	g_ptr_array_unref (row->imeis_target);
	row->imeis_before = dup_slots (o, "imeis_before");
	row->imeis_target = dup_slots (o, "imeis_target");
	row->outcome = g_strdup (IR_AUDIT_OUTCOME_OPEN);
}

static void
row_set_result (IrAuditRow *row, const IrLogRecord *rec)
{
	g_free (row->outcome);
	g_free (row->reason);
	g_free (row->result_time_text);
	g_ptr_array_unref (row->imeis_read_back);
	row->has_result = TRUE;
	row->result_seq = rec->seq;
	row->result_time_text = g_strdup (rec->time);
	row->outcome = dup_member (rec->object, "outcome");
	row->reason = dup_member (rec->object, "reason");
	row->imeis_read_back = dup_slots (rec->object, "imeis_read_back");
}

static char *
record_details (const IrLogRecord *rec)
{
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	switch (rec->type) {
	case IR_LOG_RECORD_START:
		a = dup_member (rec->object, "software");
		b = dup_member (rec->object, "workstation");
		return g_strdup_printf ("%s started on workstation %s", a, b);
	case IR_LOG_RECORD_RECOVERY:
		a = dup_member (rec->object, "cut_bytes");
		b = dup_member (rec->object, "reason");
		return g_strdup_printf ("cut %s bytes: %s", a, b);
	case IR_LOG_RECORD_KEY_ROTATION:
		a = dup_member (rec->object, "old_key_name");
		b = dup_member (rec->object, "new_key_name");
		return g_strdup_printf ("key %s -> %s", a, b);
	case IR_LOG_RECORD_RESULT:
		a = dup_member (rec->object, "intent_id");
		return g_strdup_printf ("RESULT for intent %s, whose INTENT is not in the log", a);
	case IR_LOG_RECORD_INTENT:
	default:
		return NULL;
	}
}

typedef struct {
	GPtrArray *rows;     /* IrAuditRow, log order */
	GHashTable *intents; /* intent_id -> IrAuditRow (borrowed) */
} Query;

static void
query_record (Query *q, const IrLogRecord *rec)
{
	IrAuditRow *row;

	if (rec->type == IR_LOG_RECORD_RESULT) {
		const char *id = json_object_get_string_member (rec->object, "intent_id");
		IrAuditRow *intent = g_hash_table_lookup (q->intents, id);
		if (intent != NULL) {
			row_set_result (intent, rec);
			return;
		}
	}
	row = row_new (rec);
	if (rec->type == IR_LOG_RECORD_INTENT) {
		row_set_intent (row, rec->object);
		g_hash_table_insert (q->intents, g_strdup (row->intent_id), row);
	} else if (rec->type == IR_LOG_RECORD_RESULT) {
		row_set_result (row, rec);
		row->intent_id = dup_member (rec->object, "intent_id");
		row->details = record_details (rec);
	} else {
		row->details = record_details (rec);
	}
	g_ptr_array_add (q->rows, row);
}

GPtrArray *
ir_audit_query (const IrAuditPaths *paths,
		const IrAuditFilter *filter,
		GCancellable *cancellable,
		GError **error)
{
	g_autoptr (GPtrArray) rows =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_audit_row_free);
	g_autoptr (GHashTable) intents =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GPtrArray) matching = NULL;
	Query q = {rows, intents};
	FILE *fp = fopen (paths->records, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	guint64 line = 0;
	gboolean failed = FALSE;

	if (fp == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		return NULL;
	}
	while (!failed && (n = getline (&buf, &cap, fp)) > 0) {
		gsize len = buf[n - 1] == '\n' ? (gsize)n - 1 : (gsize)n;
		g_autoptr (IrLogRecord) rec = ir_log_record_parse (buf, len, NULL);

		if (++line % IR_AUDIT_CANCEL_EVERY == 0 &&
		    g_cancellable_set_error_if_cancelled (cancellable, error))
			failed = TRUE;
		if (rec != NULL)
			query_record (&q, rec);
	}
	if (!failed && ferror (fp)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		failed = TRUE;
	}
	free (buf);
	fclose (fp);
	if (failed)
		return NULL;
	matching = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_audit_row_free);
	for (guint i = 0; i < rows->len; i++) {
		IrAuditRow *row = g_ptr_array_index (rows, i);
		if (ir_audit_filter_matches (filter, row))
			g_ptr_array_add (matching, g_ptr_array_steal_index (rows, i--));
	}
	return g_steal_pointer (&matching);
}

/* Output forms ---------------------------------------------------------- */

static const char *
slot_at (GPtrArray *slots, guint i)
{
	return slots != NULL && i < slots->len ? g_ptr_array_index (slots, i) : NULL;
}

char *
ir_audit_row_imeis_text (const IrAuditRow *row)
{
	g_autoptr (GString) str = g_string_new (NULL);
	guint n =
	    MAX (row->imeis_before->len, MAX (row->imeis_target->len, row->imeis_read_back->len));

	for (guint i = 0; i < n; i++) {
		const char *before = slot_at (row->imeis_before, i);
		const char *after = row->has_result ? slot_at (row->imeis_read_back, i)
						    : slot_at (row->imeis_target, i);
		if (!row->has_result && after == NULL)
			after = "(left alone)";
		g_string_append_printf (str,
					"%s%s -> %s",
					i > 0 ? ", " : "",
					before != NULL ? before : "(empty)",
					after != NULL ? after : "(empty)");
	}
	return g_string_free (g_steal_pointer (&str), FALSE);
}

char *
ir_audit_row_phone_text (const IrAuditRow *row)
{
	if (row->manufacturer == NULL && row->model == NULL)
		return NULL;
	return g_strdup_printf ("%s %s (serial %s)",
				row->manufacturer != NULL ? row->manufacturer : "?",
				row->model != NULL ? row->model : "?",
				row->serial != NULL ? row->serial : "?");
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	if (value != NULL)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

static void
add_slots (JsonBuilder *b, const char *name, GPtrArray *slots)
{
	json_builder_set_member_name (b, name);
	json_builder_begin_array (b);
	for (guint i = 0; i < slots->len; i++) {
		const char *imei = g_ptr_array_index (slots, i);
		if (imei != NULL)
			json_builder_add_string_value (b, imei);
		else
			json_builder_add_null_value (b);
	}
	json_builder_end_array (b);
}

JsonNode *
ir_audit_row_to_json (const IrAuditRow *row)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "seq");
	json_builder_add_int_value (b, (gint64)row->seq);
	add_string (b, "type", ir_log_record_type_to_string (row->type));
	add_string (b, "time", row->time_text);
	add_string (b, "intent_id", row->intent_id);
	add_string (b, "technician", row->technician);
	add_string (b, "centre", row->centre);
	add_string (b, "workstation", row->workstation);
	add_string (b, "phase", row->phase);
	add_string (b, "token_id", row->token_id);
	add_string (b, "token_sha256", row->token_sha256);
	json_builder_set_member_name (b, "phone");
	if (row->type == IR_LOG_RECORD_INTENT) {
		json_builder_begin_object (b);
		add_string (b, "port", row->port);
		add_string (b, "manufacturer", row->manufacturer);
		add_string (b, "model", row->model);
		add_string (b, "serial", row->serial);
		add_string (b, "hardware_id", row->hardware_id);
		add_string (b, "family", row->family);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	add_slots (b, "imeis_before", row->imeis_before);
	add_slots (b, "imeis_target", row->imeis_target);
	add_slots (b, "imeis_read_back", row->imeis_read_back);
	add_string (b, "outcome", row->outcome);
	add_string (b, "reason", row->reason);
	json_builder_set_member_name (b, "result_seq");
	if (row->has_result)
		json_builder_add_int_value (b, (gint64)row->result_seq);
	else
		json_builder_add_null_value (b);
	add_string (b, "result_time", row->result_time_text);
	add_string (b, "details", row->details);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

JsonNode *
ir_audit_rows_to_json (GPtrArray *rows)
{
	JsonArray *array = json_array_sized_new (rows->len);
	JsonNode *node = json_node_new (JSON_NODE_ARRAY);

	for (guint i = 0; i < rows->len; i++)
		json_array_add_element (array, ir_audit_row_to_json (g_ptr_array_index (rows, i)));
	json_node_take_array (node, array);
	return node;
}

static void
csv_field (GString *out, const char *value, gboolean last)
{
	if (value != NULL && strpbrk (value, ",\"\r\n") != NULL) {
		g_string_append_c (out, '"');
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '"')
				g_string_append_c (out, '"');
			g_string_append_c (out, *p);
		}
		g_string_append_c (out, '"');
	} else if (value != NULL) {
		g_string_append (out, value);
	}
	g_string_append (out, last ? "\r\n" : ",");
}

static const char *const csv_columns[] = {
    "seq",	   "type",	  "time",	 "intent_id",	 "technician", "centre",
    "workstation", "phase",	  "token_id",	 "token_sha256", "port",       "manufacturer",
    "model",	   "serial",	  "hardware_id", "family",	 "outcome",    "reason",
    "result_seq",  "result_time", "details",
};

static void
csv_row (GString *out, const IrAuditRow *row, guint n_slots)
{
	g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, row->seq);
	g_autofree char *rseq =
	    row->has_result ? g_strdup_printf ("%" G_GUINT64_FORMAT, row->result_seq) : NULL;
	const char *cells[] = {
	    seq,
	    ir_log_record_type_to_string (row->type),
	    row->time_text,
	    row->intent_id,
	    row->technician,
	    row->centre,
	    row->workstation,
	    row->phase,
	    row->token_id,
	    row->token_sha256,
	    row->port,
	    row->manufacturer,
	    row->model,
	    row->serial,
	    row->hardware_id,
	    row->family,
	    row->outcome,
	    row->reason,
	    rseq,
	    row->result_time_text,
	    row->details,
	};
	GPtrArray *slot_sets[] = {row->imeis_before, row->imeis_target, row->imeis_read_back};

	G_STATIC_ASSERT (G_N_ELEMENTS (cells) == G_N_ELEMENTS (csv_columns));
	for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
		csv_field (out, cells[i], FALSE);
	for (guint s = 0; s < G_N_ELEMENTS (slot_sets); s++) {
		for (guint i = 0; i < n_slots; i++)
			csv_field (out,
				   slot_at (slot_sets[s], i),
				   s == G_N_ELEMENTS (slot_sets) - 1 && i == n_slots - 1);
	}
}

char *
ir_audit_rows_to_csv (GPtrArray *rows)
{
	static const char *const slot_names[] = {"imei_before", "imei_target", "imei_read_back"};
	g_autoptr (GString) out = g_string_new (NULL);
	guint n_slots = 2; /* a stable header for the common case */

	for (guint i = 0; i < rows->len; i++) {
		const IrAuditRow *row = g_ptr_array_index (rows, i);
		n_slots = MAX (n_slots, row->imeis_before->len);
		n_slots = MAX (n_slots, row->imeis_target->len);
		n_slots = MAX (n_slots, row->imeis_read_back->len);
	}
	for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
		csv_field (out, csv_columns[i], FALSE);
	for (guint s = 0; s < G_N_ELEMENTS (slot_names); s++) {
		for (guint i = 0; i < n_slots; i++) {
			g_autofree char *name = g_strdup_printf ("%s_%u", slot_names[s], i + 1);
			csv_field (
			    out, name, s == G_N_ELEMENTS (slot_names) - 1 && i == n_slots - 1);
		}
	}
	for (guint i = 0; i < rows->len; i++)
		csv_row (out, g_ptr_array_index (rows, i), n_slots);
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Stats ----------------------------------------------------------------- */

static const char *const group_by_names[] = {"day", "technician", "centre", "outcome", "phase"};

gboolean
ir_audit_group_by_from_string (const char *text, IrAuditGroupBy *by, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS (group_by_names); i++) {
		if (g_strcmp0 (text, group_by_names[i]) == 0) {
			*by = (IrAuditGroupBy)i;
			return TRUE;
		}
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "--by '%s' is not a grouping: give day, technician, centre, outcome or phase",
		     text);
	return FALSE;
}

const char *
ir_audit_group_by_to_string (IrAuditGroupBy by)
{
	return (guint)by < G_N_ELEMENTS (group_by_names) ? group_by_names[by] : "day";
}

static void
group_free (gpointer data)
{
	IrAuditGroup *g = data;
	g_free (g->group);
	g_free (g);
}

static char *
row_group (const IrAuditRow *row, IrAuditGroupBy by)
{
	const char *value = NULL;

	switch (by) {
	case IR_AUDIT_BY_DAY:
		return row->time_text != NULL ? g_strndup (row->time_text, 10) : g_strdup ("-");
	case IR_AUDIT_BY_TECHNICIAN:
		value = row->technician;
		break;
	case IR_AUDIT_BY_CENTRE:
		value = row->centre;
		break;
	case IR_AUDIT_BY_OUTCOME:
		value = row->outcome;
		break;
	case IR_AUDIT_BY_PHASE:
	default:
		value = row->phase;
		break;
	}
	return g_strdup (value != NULL ? value : "-");
}

static gint
group_compare (gconstpointer a, gconstpointer b)
{
	const IrAuditGroup *ga = *(IrAuditGroup *const *)a;
	const IrAuditGroup *gb = *(IrAuditGroup *const *)b;
	return g_strcmp0 (ga->group, gb->group);
}

GPtrArray *
ir_audit_stats (GPtrArray *rows, IrAuditGroupBy by)
{
	g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
	GPtrArray *groups = g_ptr_array_new_with_free_func (group_free);

	for (guint i = 0; i < rows->len; i++) {
		const IrAuditRow *row = g_ptr_array_index (rows, i);
		g_autofree char *key = NULL;
		IrAuditGroup *g;

		if (row->type != IR_LOG_RECORD_INTENT)
			continue;
		key = row_group (row, by);
		g = g_hash_table_lookup (index, key);
		if (g == NULL) {
			g = g_new0 (IrAuditGroup, 1);
			g->group = g_steal_pointer (&key);
			g_hash_table_insert (index, g->group, g);
			g_ptr_array_add (groups, g);
		}
		g->total++;
		for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++) {
			if (g_strcmp0 (row->outcome, ir_audit_outcomes[o]) == 0)
				g->outcomes[o]++;
		}
	}
	g_ptr_array_sort (groups, group_compare);
	return groups;
}
