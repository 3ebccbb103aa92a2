/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <openssl/x509.h>

#include "ir-audit-lines.h"
#include "ir-audit-marks.h"
#include "ir-audit-sigpool.h"
#include "ir-audit-verify.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-scan.h"
#include "ir-log-sigline.h"
#include "ir-log-tail.h"
#include "ir-merkle-edge.h"

/* Verification reads the record file and the checkpoint file side by side,
 * once: each record line becomes a leaf, and each checkpoint is checked
 * when the tree reaches its size. Only the tree's right edge (a hash per
 * set bit of the size) is kept of the tree, plus a mark every
 * IR_AUDIT_MARKS_EVERY records of an inline log to re-read it from, and
 * the INTENTs: memory grows with the INTENTs, not with the file. */

#define IR_AUDIT_VERIFY_DEFAULT_SKEW 300
#define IR_AUDIT_VERIFY_CANCEL_EVERY 4096
/* the records past the last checkpoint kept for the tail rule: one whole
 * line and a second one are all it needs to tell (at most two lines) */
#define IR_AUDIT_VERIFY_MAX_TAIL (1024 * 1024)

void
ir_audit_verify_report_free (IrAuditReport *report)
{
	if (report == NULL)
		return;
	g_free (report->origin);
	g_free (report->key_names);
	g_free (report->announced_key);
	g_ptr_array_unref (report->warnings);
	g_clear_error (&report->error);
	g_free (report);
}

const char *
ir_audit_verify_trust_to_string (IrAuditTrust trust)
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
		return "checkpoint signatures NOT checked: no key was given (a key the log "
		       "announces itself proves nothing of who wrote it); pass --key with the key "
		       "the brand registered for this workstation";
	}
}

/* Checkpoint file: notes one after another, split by the rule the writer
 * uses (ir_log_tail_next_note), read in chunks so memory does not grow
 * with the file. */
typedef struct {
	FILE *fp;
	const char *path;
	GByteArray *buf;
	gsize pos; /* start of the unread bytes in buf */
	gboolean eof;
	guint64 line;	      /* lines consumed so far */
	guint64 index;	      /* notes read so far (1-based number of the last) */
	guint64 note_line;    /* first line of the last note */
	gboolean unseparated; /* a note not followed by its empty line */
} IrAuditNoteReader;

#define IR_AUDIT_VERIFY_READ_CHUNK  (64 * 1024)
#define IR_AUDIT_VERIFY_READ_BUFFER (1024 * 1024)

static gboolean
ir_audit_verify_fill (IrAuditNoteReader *r, GError **error)
{
	gsize old = r->buf->len;
	gsize n;

	g_byte_array_remove_range (r->buf, 0, (guint)r->pos);
	r->pos = 0;
	old = r->buf->len;
	g_byte_array_set_size (r->buf, (guint)(old + IR_AUDIT_VERIFY_READ_CHUNK));
	n = fread (r->buf->data + old, 1, IR_AUDIT_VERIFY_READ_CHUNK, r->fp);
	g_byte_array_set_size (r->buf, (guint)(old + n));
	if (n < IR_AUDIT_VERIFY_READ_CHUNK && ferror (r->fp)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the checkpoint file %s: %s",
			     r->path,
			     g_strerror (errno));
		return FALSE;
	}
	r->eof = n < IR_AUDIT_VERIFY_READ_CHUNK && feof (r->fp);
	return TRUE;
}

/* The next complete note's text; NULL at the end of the complete notes
 * (what is left, ir_audit_verify_note_tail, is a torn note or nothing),
 * when a note is not followed by its empty line (r->unseparated), or with
 * @error on a read error. */
static GString *
ir_audit_verify_next_note (IrAuditNoteReader *r, GError **error)
{
	gsize note_len = 0;
	gsize consumed = 0;
	IrLogTailNote kind;
	GString *note;

	if (r->fp == NULL)
		return NULL;
	for (;;) {
		kind = ir_log_tail_next_note ((const char *)r->buf->data + r->pos,
					      r->buf->len - r->pos,
					      r->eof,
					      &note_len,
					      &consumed);
		if (kind != IR_LOG_TAIL_NOTE_INCOMPLETE || r->eof)
			break;
		if (!ir_audit_verify_fill (r, error))
			return NULL;
	}
	if (kind == IR_LOG_TAIL_NOTE_INCOMPLETE)
		return NULL;
	r->note_line = r->line + 1;
	if (kind == IR_LOG_TAIL_NOTE_UNSEPARATED) {
		r->unseparated = TRUE;
		return NULL;
	}
	note = g_string_new_len ((const char *)r->buf->data + r->pos, (gssize)note_len);
	for (gsize i = 0; i < consumed; i++)
		r->line += r->buf->data[r->pos + i] == '\n';
	r->pos += consumed;
	r->index++;
	return note;
}

/* A key rotation announced by a record, waiting for a checkpoint signed by
 * the old key to cover it before the new key may sign. */
typedef struct {
	guint64 seq;
	char *key_name;
	EVP_PKEY *key;
} IrAuditPendingKey;

static void
ir_audit_verify_pending_key_free (gpointer data)
{
	IrAuditPendingKey *pk = data;
	g_free (pk->key_name);
	EVP_PKEY_free (pk->key);
	g_free (pk);
}

typedef struct {
	const IrAuditVerifyOptions *options;
	IrAuditReport *report;
	IrMerkleEdge *edge; /* the tree of the records read so far */
	IrAuditNoteReader cps;
	IrCheckpoint *next_cp; /* read, not yet reached */
	/* the last checked checkpoint */
	gboolean have_prev;
	guint64 prev_size;
	guint8 prev_root[IR_MERKLE_HASH_LEN];
	/* signing key now trusted: NULL = none (no --key, no rotation yet) */
	EVP_PKEY *key;
	char *key_name; /* NULL: whatever name the note gives */
	gboolean key_from_log;
	GPtrArray *pending_keys; /* IrAuditPendingKey */
	GHashTable *key_names;	 /* names that signed */
	/* records */
	GHashTable *open_intents;   /* intent_id -> seq + 1 (INTENTs without a final RESULT) */
	GHashTable *closed_intents; /* 64-bit hash of intent_id (resolved ones) */
	gint64 prev_time;
	guint64 prev_time_line;
	gboolean first_unchecked_warned;
	/* the last checkpoint whose signature was left for later: the next
	 * one signed by the same key covers the same records and more */
	IrCheckpoint *deferred;
	guint64 deferred_number;
	guint64 deferred_line;
	GString *tail;	   /* record bytes past the last checkpoint (at most two lines) */
	guint64 witnessed; /* the size a witness cosigned, 0 if none */
	gboolean have_witnessed_root;
	guint8 witnessed_root[IR_MERKLE_HASH_LEN]; /* the records' root at that size */
	gboolean inline_layout;			   /* signature lines in the record file */
	IrAuditMarks *marks;			   /* inline: where to re-read the tree from */
	GString *deferred_sig; /* inline: the signature line of v->deferred_number */
	const char *records_path;
	guint64 verified_size;	 /* the last size whose signature verified */
	IrAuditSigpool *sigpool; /* --all-signatures: every core verifies */
} IrAuditVerifier;

/* The 1-based line of the record file where record @record is. */
static guint64
ir_audit_verify_line (const IrAuditVerifier *v, guint64 record)
{
	return v->inline_layout ? 2 * record - 1 : record;
}

/* A record line joins the tree; the root at the witnessed size is kept
 * as the tree passes it (the edge forgets it). */
static void
ir_audit_verify_append (IrAuditVerifier *v, const char *line, gsize len)
{
	guint8 leaf[IR_MERKLE_HASH_LEN];

	ir_merkle_leaf_hash ((const guint8 *)line, len, leaf);
	ir_merkle_edge_append_hash (v->edge, leaf);
	if (ir_merkle_edge_get_size (v->edge) == v->witnessed) {
		ir_merkle_edge_root (v->edge, v->witnessed_root);
		v->have_witnessed_root = TRUE;
	}
}

static void G_GNUC_PRINTF (4, 5) ir_audit_verify_fail (
    IrAuditVerifier *v, guint64 line, guint64 checkpoint, const char *format, ...)
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

static void G_GNUC_PRINTF (2, 3) ir_audit_verify_warn (IrAuditVerifier *v, const char *format, ...)
{
	va_list args;

	va_start (args, format);
	g_ptr_array_add (v->report->warnings, g_strdup_vprintf (format, args));
	va_end (args);
}

static guint64
ir_audit_verify_intent_hash64 (const char *id)
{
	guint64 h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (const char *p = id; *p != '\0'; p++) {
		h ^= (guchar)*p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static gpointer
ir_audit_verify_intent_key (const char *id)
{
	/* 64 bits of the id stand for it: a collision among a million ids
	 * is a one in ten million million chance, and costs only a warning */
	return (gpointer)(guintptr)ir_audit_verify_intent_hash64 (id);
}

static void
ir_audit_verify_check_time (IrAuditVerifier *v, guint64 line, const IrLogScanRecord *rec)
{
	gint64 t = ir_log_scan_time_to_unix (rec->time);
	guint skew =
	    v->options->max_skew != 0 ? v->options->max_skew : IR_AUDIT_VERIFY_DEFAULT_SKEW;

	if (t == G_MININT64)
		return; /* the record parser already checked the format */
	if (v->prev_time != G_MININT64 && t + (gint64)skew < v->prev_time) {
		ir_audit_verify_warn (v,
				      "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
				      "): its time %.*s is %" G_GINT64_FORMAT
				      " s before that of line %" G_GUINT64_FORMAT
				      ": was the workstation's clock set back?",
				      ir_audit_verify_line (v, line),
				      rec->seq,
				      (int)rec->time.len,
				      rec->time.text,
				      v->prev_time - t,
				      ir_audit_verify_line (v, v->prev_time_line));
	}
	if (t > v->prev_time || v->prev_time == G_MININT64) {
		v->prev_time = t;
		v->prev_time_line = line;
	}
}

static void
ir_audit_verify_intent (IrAuditVerifier *v, guint64 line, const IrLogScanRecord *rec)
{
	g_autofree char *id = g_strndup (rec->intent_id.text, rec->intent_id.len);

	v->report->n_intents++;
	if (g_hash_table_contains (v->open_intents, id) ||
	    g_hash_table_contains (v->closed_intents, ir_audit_verify_intent_key (id))) {
		ir_audit_verify_fail (
		    v,
		    line,
		    0,
		    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
		    "): INTENT %s was already recorded earlier in the log: an intent id "
		    "(the token id) is used once",
		    ir_audit_verify_line (v, line),
		    rec->seq,
		    id);
		return;
	}
	g_hash_table_insert (
	    v->open_intents, g_steal_pointer (&id), GSIZE_TO_POINTER (rec->seq + 1));
}

static void
ir_audit_verify_result (IrAuditVerifier *v, guint64 line, const IrLogScanRecord *rec)
{
	g_autofree char *id = g_strndup (rec->intent_id.text, rec->intent_id.len);
	g_autofree char *outcome = g_strndup (rec->outcome.text, rec->outcome.len);
	gboolean final = g_strcmp0 (outcome, "unknown") != 0;

	v->report->n_results++;
	if (g_hash_table_contains (v->open_intents, id)) {
		/* "unknown" waits for the RESULT of the recovery */
		if (final) {
			g_hash_table_remove (v->open_intents, id);
			g_hash_table_add (v->closed_intents, ir_audit_verify_intent_key (id));
		}
		return;
	}
	if (g_hash_table_contains (v->closed_intents, ir_audit_verify_intent_key (id))) {
		ir_audit_verify_warn (
		    v,
		    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
		    "): a second RESULT (%s) for INTENT %s, which was already resolved",
		    ir_audit_verify_line (v, line),
		    rec->seq,
		    outcome,
		    id);
		return;
	}
	ir_audit_verify_fail (
	    v,
	    line,
	    0,
	    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
	    "): RESULT for intent %s has no INTENT before it: the INTENT was removed or "
	    "the RESULT inserted",
	    ir_audit_verify_line (v, line),
	    rec->seq,
	    id);
}

static void
ir_audit_verify_key_rotation (IrAuditVerifier *v, guint64 line, const IrLogScanRecord *rec)
{
	g_autofree char *b64 = g_strndup (rec->public_key.text, rec->public_key.len);
	g_autofree char *name = g_strndup (rec->new_key_name.text, rec->new_key_name.len);
	gsize len = 0;
	g_autofree guchar *der = g_base64_decode (b64, &len);
	const guchar *p = der;
	EVP_PKEY *key = d2i_PUBKEY (NULL, &p, (long)len);
	IrAuditPendingKey *pk;

	if (key == NULL || p != der + len) {
		EVP_PKEY_free (key);
		ir_audit_verify_fail (
		    v,
		    line,
		    0,
		    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
		    "): KEY_ROTATION: new_public_key is not a SubjectPublicKeyInfo",
		    ir_audit_verify_line (v, line),
		    rec->seq);
		return;
	}
	pk = g_new0 (IrAuditPendingKey, 1);
	pk->seq = rec->seq;
	pk->key_name = g_strdup (name);
	pk->key = key;
	g_ptr_array_add (v->pending_keys, pk);
}

/* A START may announce the key that signs from there on: it must be the
 * key in force (--key, or the one the last KEY_ROTATION handed over to).
 * That it is the key the brand registered is for --key (or the brand's
 * registry) to say: a log can announce anything. */
static void
ir_audit_verify_start (IrAuditVerifier *v, guint64 line, const IrLogScanRecord *rec)
{
	g_autofree char *b64 = rec->public_key.text != NULL
				   ? g_strndup (rec->public_key.text, rec->public_key.len)
				   : NULL;
	gsize len = 0;
	g_autofree guchar *der = NULL;
	const guchar *p;
	EVP_PKEY *announced;

	if (b64 == NULL)
		return;
	g_free (v->report->announced_key);
	v->report->announced_key = g_strdup (b64);
	if (v->key == NULL || v->pending_keys->len > 0)
		return;
	der = g_base64_decode (b64, &len);
	p = der;
	announced = d2i_PUBKEY (NULL, &p, (long)len);
	if (announced == NULL || EVP_PKEY_eq (announced, v->key) != 1)
		ir_audit_verify_warn (v,
				      "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
				      "): START announces a public key that is not the %s key",
				      ir_audit_verify_line (v, line),
				      rec->seq,
				      v->key_from_log ? "rotated" : "trusted (--key)");
	EVP_PKEY_free (announced);
}

/* Every record parses, its seq is its line, time does not run back, each
 * RESULT follows its INTENT. */
static void
ir_audit_verify_record (IrAuditVerifier *v, guint64 line, const char *text, gsize len)
{
	g_autoptr (GError) error_local = NULL;
	IrLogScanRecord scan;
	const IrLogScanRecord *rec =
	    ir_log_scan_record (text, len, &scan, &error_local) ? &scan : NULL;

	if (rec == NULL) {
		ir_audit_verify_fail (v,
				      line,
				      0,
				      "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
				      " expected): not a valid record: %s",
				      ir_audit_verify_line (v, line),
				      line - 1,
				      error_local->message);
		return;
	}
	if (rec->seq != line - 1) {
		ir_audit_verify_fail (v,
				      line,
				      0,
				      "line %" G_GUINT64_FORMAT ": seq %" G_GUINT64_FORMAT
				      " where %" G_GUINT64_FORMAT
				      " was expected: records before it were removed, inserted or "
				      "reordered",
				      ir_audit_verify_line (v, line),
				      rec->seq,
				      line - 1);
		return;
	}
	ir_audit_verify_check_time (v, line, rec);
	if (rec->type == IR_LOG_RECORD_START)
		ir_audit_verify_start (v, line, rec);
	if (rec->type == IR_LOG_RECORD_INTENT)
		ir_audit_verify_intent (v, line, rec);
	else if (rec->type == IR_LOG_RECORD_RESULT)
		ir_audit_verify_result (v, line, rec);
	else if (rec->type == IR_LOG_RECORD_KEY_ROTATION)
		ir_audit_verify_key_rotation (v, line, rec);
}

static const char *
ir_audit_verify_cp_file_name (const IrAuditVerifier *v)
{
	/* inline: the notes are in the record file */
	const char *path = v->inline_layout ? v->records_path : v->cps.path;
	const char *slash = strrchr (path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* The range of record lines a checkpoint vouches for beyond the last one. */
static char *
ir_audit_verify_span (const IrAuditVerifier *v, guint64 size)
{
	guint64 first = v->have_prev ? v->prev_size + 1 : 1;

	if (size == first)
		return g_strdup_printf (
		    "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT ")", size, size - 1);
	return g_strdup_printf (
	    "a record among lines %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, first, size);
}

/* The signatures the default mode checks: the last checkpoint each key
 * signed (the one that covers a KEY_ROTATION, and the last of the file).
 * Every checkpoint's root is checked against the records anyway, and a
 * signature over the root at size N vouches for all N records, so the
 * checkpoints in between add nothing but their own signature bytes
 * (docs/migration-log.md, "What audit verify checks"). */
static gboolean
ir_audit_verify_must_sign_now (IrAuditVerifier *v, const IrCheckpoint *cp)
{
	const IrAuditPendingKey *pk =
	    v->pending_keys->len > 0 ? g_ptr_array_index (v->pending_keys, 0) : NULL;

	return v->options->all_signatures || (pk != NULL && pk->seq < cp->size);
}

/* Signature by the trusted key; then any rotation the checkpoint covers
 * becomes the trusted key for the checkpoints after it. */
static gboolean
ir_audit_verify_check_signature (IrAuditVerifier *v,
				 const IrCheckpoint *cp,
				 guint64 number,
				 guint64 note_line)
{
	g_autoptr (GError) error_local = NULL;
	const char *name = v->key_name;

	if (v->key == NULL) {
		if (!v->first_unchecked_warned)
			ir_audit_verify_warn (
			    v,
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
			ir_audit_verify_fail (
			    v,
			    cp->size,
			    number,
			    "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
			    ", size %" G_GUINT64_FORMAT
			    ") is not signed by the %s key: re-signed by another key",
			    number,
			    ir_audit_verify_cp_file_name (v),
			    note_line,
			    cp->size,
			    v->key_from_log ? "rotated" : "trusted");
			return FALSE;
		}
		if (v->sigpool != NULL)
			ir_audit_sigpool_push (v->sigpool, cp, number, note_line, name, v->key);
		else if (!ir_checkpoint_verify (cp, name, v->key, &error_local)) {
			ir_audit_verify_fail (v,
					      cp->size,
					      number,
					      "checkpoint %" G_GUINT64_FORMAT
					      " (%s line %" G_GUINT64_FORMAT "): %s",
					      number,
					      ir_audit_verify_cp_file_name (v),
					      note_line,
					      error_local->message);
			return FALSE;
		}
		v->report->n_signatures_checked++;
		v->verified_size = cp->size;
		g_hash_table_add (v->key_names, g_strdup (name));
	}
	while (v->pending_keys->len > 0) {
		IrAuditPendingKey *pk = g_ptr_array_index (v->pending_keys, 0);
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
ir_audit_verify_checkpoint (IrAuditVerifier *v, IrCheckpoint *cp, guint64 number)
{
	gboolean deferred = FALSE;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (v->report->origin == NULL)
		v->report->origin = g_strdup (cp->origin);
	if (g_strcmp0 (v->report->origin, cp->origin) != 0) {
		ir_audit_verify_fail (
		    v,
		    cp->size,
		    number,
		    "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
		    "): origin '%s' is not the log's '%s': a checkpoint of another log",
		    number,
		    ir_audit_verify_cp_file_name (v),
		    v->cps.note_line,
		    cp->origin,
		    v->report->origin);
		return;
	}
	if (v->key != NULL && !ir_audit_verify_must_sign_now (v, cp)) {
		deferred = TRUE;
	} else if (!ir_audit_verify_check_signature (v, cp, number, v->cps.note_line)) {
		return;
	}
	/* reached when the tree has exactly cp->size records (verify_reach) */
	ir_merkle_edge_root (v->edge, root);
	if (memcmp (root, cp->root, IR_MERKLE_HASH_LEN) != 0) {
		g_autofree char *span = ir_audit_verify_span (v, cp->size);
		ir_audit_verify_fail (
		    v,
		    v->have_prev ? v->prev_size + 1 : 1,
		    number,
		    "%s does not match checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
		    ", size %" G_GUINT64_FORMAT
		    "): the record was altered, inserted or removed after it was signed",
		    span,
		    number,
		    ir_audit_verify_cp_file_name (v),
		    v->cps.note_line,
		    cp->size);
		return;
	}
	/* no consistency proof from the checkpoint before: both roots were
	 * just recomputed from the same records, so they are consistent */
	v->have_prev = TRUE;
	v->prev_size = cp->size;
	memcpy (v->prev_root, cp->root, IR_MERKLE_HASH_LEN);
	v->report->n_checkpoints++;
	v->report->signed_size = cp->size;
	g_string_truncate (v->tail, 0);
	g_clear_pointer (&v->deferred, ir_checkpoint_free);
	if (deferred) {
		/* cp is v->next_cp: kept until a later signature replaces it */
		v->deferred = g_steal_pointer (&v->next_cp);
		v->deferred_number = number;
		v->deferred_line = v->cps.note_line;
	}
}

/* Reads the next checkpoint into v->next_cp; FALSE when the verification
 * has failed (or a read error, in @error). */
static gboolean
ir_audit_verify_next_checkpoint (IrAuditVerifier *v, GError **error)
{
	g_autoptr (GString) text = NULL;
	g_autoptr (GError) error_local = NULL;
	g_autoptr (GError) error_read = NULL;

	g_clear_pointer (&v->next_cp, ir_checkpoint_free);
	text = ir_audit_verify_next_note (&v->cps, &error_read);
	if (error_read != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_read));
		return FALSE;
	}
	if (text == NULL)
		return TRUE;
	v->next_cp = ir_checkpoint_parse (text->str, text->len, &error_local);
	if (v->next_cp == NULL) {
		ir_audit_verify_fail (v,
				      0,
				      v->cps.index,
				      "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
				      ") does not parse: %s",
				      v->cps.index,
				      ir_audit_verify_cp_file_name (v),
				      v->cps.note_line,
				      error_local->message);
		return TRUE;
	}
	if (v->next_cp->size != v->cps.index) {
		/* one note per record: note K is for size K */
		ir_audit_verify_fail (v,
				      MIN (v->next_cp->size, v->cps.index),
				      v->cps.index,
				      "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
				      ") is for %" G_GUINT64_FORMAT
				      " records where %" G_GUINT64_FORMAT
				      " was expected: there is one checkpoint per record, and %s",
				      v->cps.index,
				      ir_audit_verify_cp_file_name (v),
				      v->cps.note_line,
				      v->next_cp->size,
				      v->cps.index,
				      v->next_cp->size > v->cps.index
					  ? "one before it was removed"
					  : "this one was duplicated or replaced by an older one");
	}
	return TRUE;
}

/* Checks every checkpoint the tree has now reached. */
static gboolean
ir_audit_verify_reach (IrAuditVerifier *v, GError **error)
{
	guint64 size = ir_merkle_edge_get_size (v->edge);

	while (v->report->error == NULL && v->next_cp != NULL && v->next_cp->size == size) {
		ir_audit_verify_checkpoint (v, v->next_cp, v->cps.index);
		if (v->report->error != NULL)
			return TRUE;
		if (!ir_audit_verify_next_checkpoint (v, error))
			return FALSE;
	}
	return TRUE;
}

static void
ir_audit_verify_clear (IrAuditVerifier *v)
{
	if (v->cps.fp != NULL)
		fclose (v->cps.fp);
	g_clear_pointer (&v->cps.buf, g_byte_array_unref);
	g_clear_pointer (&v->next_cp, ir_checkpoint_free);
	g_clear_pointer (&v->deferred, ir_checkpoint_free);
	if (v->tail != NULL)
		g_string_free (g_steal_pointer (&v->tail), TRUE);
	g_clear_pointer (&v->edge, ir_merkle_edge_free);
	g_clear_pointer (&v->key, EVP_PKEY_free);
	g_clear_pointer (&v->key_name, g_free);
	g_clear_pointer (&v->pending_keys, g_ptr_array_unref);
	g_clear_pointer (&v->key_names, g_hash_table_unref);
	g_clear_pointer (&v->open_intents, g_hash_table_unref);
	g_clear_pointer (&v->closed_intents, g_hash_table_unref);
	g_clear_pointer (&v->marks, ir_audit_marks_free);
	g_clear_pointer (&v->sigpool, ir_audit_sigpool_free);
	if (v->deferred_sig != NULL)
		g_string_free (g_steal_pointer (&v->deferred_sig), TRUE);
}

/* The log's first line must at least look like a record, or this is not a
 * log at all (bad input, not tampering). */
static gboolean
ir_audit_verify_looks_like_record (const char *text, gsize len)
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
ir_audit_verify_open (IrAuditVerifier *v, const IrAuditPaths *paths, GError **error)
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
	if (!ir_audit_verify_next_checkpoint (v, error))
		return FALSE;
	return ir_audit_verify_reach (v, error); /* checkpoints of the empty tree */
}

/* What lies past the last complete checkpoint: the writer's own rule
 * (ir-log-tail.c), so verify says what the writer does at its next start. */
static void
ir_audit_verify_tail (IrAuditVerifier *v, guint64 n_lines)
{
	guint8 next_root[IR_MERKLE_HASH_LEN];
	IrLogTail in = {
	    .origin = v->report->origin,
	    .size = v->report->signed_size,
	    .records = v->tail->str,
	    .records_len = v->tail->len,
	    .checkpoints = v->cps.buf != NULL ? (const char *)v->cps.buf->data + v->cps.pos : "",
	    .checkpoints_len = v->cps.buf != NULL ? v->cps.buf->len - v->cps.pos : 0,
	    .checkpoints_line = v->cps.line + 1,
	    .witnessed = v->witnessed,
	};
	g_auto (IrLogTailFinding) found = {0};

	if (n_lines == v->report->signed_size + 1 && ir_merkle_edge_get_size (v->edge) == n_lines) {
		ir_merkle_edge_root (v->edge, next_root);
		in.next_root = next_root;
	}
	ir_log_tail_classify (&in, &found);
	if (found.verdict == IR_LOG_TAIL_TAMPERED)
		ir_audit_verify_fail (v, found.bad_line, 0, "%s", found.what);
	else if (found.verdict == IR_LOG_TAIL_TORN)
		ir_audit_verify_warn (
		    v, "%s; the workstation cuts it at its next start", found.what);
}

static void ir_audit_verify_finish_inline (IrAuditVerifier *v);

static void
ir_audit_verify_finish_notes (IrAuditVerifier *v, guint64 n_lines)
{
	IrAuditReport *report = v->report;

	if (report->error == NULL && v->next_cp != NULL) {
		ir_audit_verify_fail (v,
				      n_lines + 1,
				      v->cps.index,
				      "the record file ends after line %" G_GUINT64_FORMAT
				      " but checkpoint %" G_GUINT64_FORMAT
				      " (%s line %" G_GUINT64_FORMAT
				      ") is signed for %" G_GUINT64_FORMAT
				      " records: the records from line %" G_GUINT64_FORMAT
				      " on were removed (truncated)",
				      n_lines,
				      v->cps.index,
				      ir_audit_verify_cp_file_name (v),
				      v->cps.note_line,
				      v->next_cp->size,
				      n_lines + 1);
	}
	if (report->error == NULL && v->cps.unseparated)
		ir_audit_verify_fail (v,
				      0,
				      v->cps.index + 1,
				      "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
				      ") is not followed by the empty line that ends it (one "
				      "signature line per note)",
				      v->cps.index + 1,
				      ir_audit_verify_cp_file_name (v),
				      v->cps.note_line);
	if (report->error != NULL)
		return;
	if (v->cps.fp == NULL && n_lines > 0)
		ir_audit_verify_fail (
		    v,
		    1,
		    0,
		    "the checkpoint file %s is missing: no record of the log is signed",
		    v->cps.path);
	else
		ir_audit_verify_tail (v, n_lines);
	if (report->error == NULL && v->deferred != NULL)
		ir_audit_verify_check_signature (
		    v, v->deferred, v->deferred_number, v->deferred_line);
}

/* --all-signatures: the first signature that failed, in log order,
 * reported as checking them one by one would. */
static void
ir_audit_verify_sigpool_finish (IrAuditVerifier *v)
{
	g_autoptr (GError) error_local = NULL;
	guint64 number = 0;
	guint64 line = 0;

	if (v->sigpool == NULL ||
	    ir_audit_sigpool_finish (v->sigpool, &number, &line, &error_local))
		return;
	/* one by one, the check would have stopped at whichever came first */
	if (v->report->error != NULL && v->report->bad_line < number)
		return;
	g_clear_error (&v->report->error);
	if (v->inline_layout)
		ir_audit_verify_fail (v,
				      number,
				      number,
				      "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
				      "): the record was altered after it was signed, or its "
				      "signature line (line %" G_GUINT64_FORMAT "): %s",
				      ir_audit_verify_line (v, number),
				      number - 1,
				      line,
				      error_local->message);
	else
		ir_audit_verify_fail (v,
				      number,
				      number,
				      "checkpoint %" G_GUINT64_FORMAT " (%s line %" G_GUINT64_FORMAT
				      "): %s",
				      number,
				      ir_audit_verify_cp_file_name (v),
				      line,
				      error_local->message);
}

static void
ir_audit_verify_finish (IrAuditVerifier *v, guint64 n_lines)
{
	IrAuditReport *report = v->report;

	ir_audit_verify_sigpool_finish (v);
	if (report->error != NULL)
		return;

	if (v->inline_layout)
		ir_audit_verify_finish_inline (v);
	else
		ir_audit_verify_finish_notes (v, n_lines);
	if (report->error != NULL)
		return;
	report->n_open_intents = g_hash_table_size (v->open_intents);
	if (report->n_open_intents > 0)
		ir_audit_verify_warn (
		    v,
		    "%" G_GUINT64_FORMAT
		    " INTENT(s) without a final RESULT: outcome unknown until the "
		    "workstation re-reads the phone",
		    report->n_open_intents);
}

/* The witness cosigned @note: its signature, its root at its size, and
 * consistency from its size to the last checkpoint. */
static void
ir_audit_verify_witness (IrAuditVerifier *v, guint64 n_lines)
{
	const IrAuditVerifyOptions *o = v->options;
	g_autoptr (GError) error_local = NULL;
	g_autoptr (IrCheckpoint) cp =
	    ir_checkpoint_parse (o->cosigned_note, strlen (o->cosigned_note), &error_local);
	const char *wname = NULL;

	if (cp == NULL) {
		ir_audit_verify_fail (
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
		ir_audit_verify_fail (
		    v, 0, 0, "the cosigned checkpoint carries no signature by the witness key");
		return;
	}
	if (!ir_checkpoint_verify (cp, wname, o->witness_key, &error_local)) {
		ir_audit_verify_fail (v, 0, 0, "witness cosignature: %s", error_local->message);
		return;
	}
	if (v->report->origin != NULL && g_strcmp0 (cp->origin, v->report->origin) != 0) {
		ir_audit_verify_fail (v,
				      0,
				      0,
				      "the cosigned checkpoint is for '%s', not this log ('%s')",
				      cp->origin,
				      v->report->origin);
		return;
	}
	if (cp->size > n_lines || cp->size > v->report->signed_size) {
		ir_audit_verify_fail (
		    v,
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
	/* the root at the cosigned size was kept as the tree passed it
	 * (v->witnessed is this note's size). No consistency proof to the last
	 * checkpoint: both roots were recomputed from the same records, so
	 * they are consistent by construction. */
	if (cp->size != v->witnessed || !v->have_witnessed_root ||
	    memcmp (v->witnessed_root, cp->root, IR_MERKLE_HASH_LEN) != 0) {
		ir_audit_verify_fail (
		    v,
		    1,
		    0,
		    "the first %" G_GUINT64_FORMAT
		    " records are not those the witness cosigned: the log was rewritten "
		    "(lines 1-%" G_GUINT64_FORMAT ")",
		    cp->size,
		    cp->size);
		return;
	}
	v->report->witnessed = TRUE;
	v->report->witnessed_size = cp->size;
}

static char *
ir_audit_verify_key_names (IrAuditVerifier *v)
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
ir_audit_verify_stream (IrAuditVerifier *v,
			FILE *fp,
			const IrAuditPaths *paths,
			GCancellable *cancellable,
			guint64 *n_lines,
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
			if (v->next_cp != NULL && v->next_cp->size == line)
				ir_audit_verify_fail (
				    v,
				    line,
				    v->cps.index,
				    "line %" G_GUINT64_FORMAT
				    " has no newline, but checkpoint %" G_GUINT64_FORMAT
				    " covers it: the end of the file was cut",
				    line,
				    v->cps.index);
			else if (v->tail->len < IR_AUDIT_VERIFY_MAX_TAIL)
				g_string_append_len (v->tail, buf, n);
			break;
		}
		if (line == 1 && v->cps.fp == NULL &&
		    !ir_audit_verify_looks_like_record (buf, (gsize)n - 1)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is not a migration log: its first line is not a record "
				     "and there is no checkpoint file beside it",
				     paths->records);
			ok = FALSE;
			break;
		}
		ir_audit_verify_append (v, buf, (gsize)n - 1);
		*n_lines = line;
		/* past the last checkpoint until one covers it; two lines are
		 * already more than a crash leaves */
		if (v->tail->len < IR_AUDIT_VERIFY_MAX_TAIL &&
		    ir_merkle_edge_get_size (v->edge) <= v->report->signed_size + 2)
			g_string_append_len (v->tail, buf, n);
		ir_audit_verify_record (v, line, buf, (gsize)n - 1);
		ok = ir_audit_verify_reach (v, error);
		if (line % IR_AUDIT_VERIFY_CANCEL_EVERY == 0 &&
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

/* ---- the inline layout: a signature line after each record ---- */

/* The checkpoint for size @size and @root whose signature line is @sig. */
static IrCheckpoint *
ir_audit_verify_inline_note (IrAuditVerifier *v,
			     guint64 size,
			     const guint8 root[IR_MERKLE_HASH_LEN],
			     const char *sig,
			     gsize len)
{
	g_autofree char *note = NULL;

	note = ir_log_sigline_note (v->report->origin, size, root, sig, len);
	return ir_checkpoint_parse (note, strlen (note), NULL);
}

/* The signature of checkpoint @size, its root and signature line read
 * back from the file (from the mark before it). */
static gboolean
ir_audit_verify_inline_sig_ok (IrAuditVerifier *v, FILE *fp, guint64 size, const char *name)
{
	g_autoptr (GString) sig = g_string_new (NULL);
	g_autoptr (IrCheckpoint) cp = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (!ir_audit_marks_read (v->marks, fp, size, root, sig))
		return FALSE;
	cp = ir_audit_verify_inline_note (v, size, root, sig->str, sig->len);
	return cp != NULL && ir_checkpoint_verify (cp, name, v->key, NULL);
}

/* The last signature failed: the first size whose signature fails is the
 * first record changed (a signature over the root at N commits to all N
 * records), or that signature line was damaged. */
static void
ir_audit_verify_inline_locate (IrAuditVerifier *v, guint64 size)
{
	g_autoptr (GError) was = g_steal_pointer (&v->report->error);
	FILE *fp = fopen (v->records_path, "re");
	guint64 good = v->verified_size;
	guint64 bad = size;
	const char *name = v->key_name != NULL ? v->key_name : v->report->origin;

	while (fp != NULL && bad - good > 1) {
		guint64 mid = good + (bad - good) / 2;

		if (ir_audit_verify_inline_sig_ok (v, fp, mid, name))
			good = mid;
		else
			bad = mid;
	}
	if (fp != NULL)
		fclose (fp);
	ir_audit_verify_fail (v,
			      bad,
			      bad,
			      "line %" G_GUINT64_FORMAT " (seq %" G_GUINT64_FORMAT
			      "): the record was altered after it was signed, or its signature "
			      "line (line %" G_GUINT64_FORMAT "): %s",
			      ir_audit_verify_line (v, bad),
			      bad - 1,
			      ir_audit_verify_line (v, bad) + 1,
			      was != NULL ? was->message
					  : "it is not a signed-note signature line");
}

/* A whole pair: the record line @rec (@rec_len bytes) at @rec_offset,
 * then its signature line @sig (@len bytes), both without their
 * newline. */
static void
ir_audit_verify_pair (IrAuditVerifier *v,
		      guint64 number,
		      const char *rec,
		      gsize rec_len,
		      const char *sig,
		      gsize len,
		      guint64 rec_offset)
{
	const char *name = NULL;
	gsize name_len = 0;
	IrCheckpoint bare = {.size = number};
	g_autoptr (IrCheckpoint) cp = NULL;
	const IrCheckpoint *check = &bare;

	if (rec[0] != '{') {
		ir_audit_verify_fail (v,
				      number,
				      0,
				      "line %" G_GUINT64_FORMAT
				      ": a signature line where record %" G_GUINT64_FORMAT
				      " was expected (a record was removed, or a signature line "
				      "duplicated)",
				      ir_audit_verify_line (v, number),
				      number);
		return;
	}
	ir_audit_marks_add (v->marks, v->edge, rec_offset);
	ir_audit_verify_append (v, rec, rec_len);
	ir_audit_verify_record (v, number, rec, rec_len);
	if (v->report->error != NULL)
		return;
	if (len > 0 && sig[0] == '{') {
		ir_audit_verify_fail (
		    v,
		    number,
		    0,
		    "line %" G_GUINT64_FORMAT
		    ": a record where the signature line of record %" G_GUINT64_FORMAT
		    " was expected: signature lines were removed (or, for a log of "
		    "the notes layout, its checkpoint file is missing or empty)",
		    ir_audit_verify_line (v, number) + 1,
		    number);
		return;
	}
	if (!ir_log_sigline_parse (sig, len, &name, &name_len)) {
		ir_audit_verify_fail (v,
				      number,
				      number,
				      "line %" G_GUINT64_FORMAT
				      ": not the signature line of record %" G_GUINT64_FORMAT
				      " (its signature line was damaged, or a line inserted)",
				      ir_audit_verify_line (v, number) + 1,
				      number);
		return;
	}
	if (v->report->origin == NULL)
		v->report->origin = g_strndup (name, name_len);
	if (strlen (v->report->origin) != name_len ||
	    memcmp (v->report->origin, name, name_len) != 0) {
		ir_audit_verify_fail (v,
				      number,
				      number,
				      "line %" G_GUINT64_FORMAT ": record %" G_GUINT64_FORMAT
				      " is signed as '%.*s', not as the log's '%s': a signature "
				      "line of another log",
				      ir_audit_verify_line (v, number) + 1,
				      number,
				      (int)name_len,
				      name,
				      v->report->origin);
		return;
	}
	v->report->n_checkpoints++;
	v->report->signed_size = number;
	v->have_prev = TRUE;
	v->prev_size = number;
	/* the first one is checked at once: the key name it gives is the
	 * origin every later one is held to */
	if (v->key != NULL && number > 1 && !ir_audit_verify_must_sign_now (v, &bare)) {
		g_string_assign (v->deferred_sig, "");
		g_string_append_len (v->deferred_sig, sig, (gssize)len);
		v->deferred_number = number;
		return;
	}
	g_string_truncate (v->deferred_sig, 0);
	if (v->key != NULL) {
		guint8 root[IR_MERKLE_HASH_LEN];

		ir_merkle_edge_root (v->edge, root);
		cp = ir_audit_verify_inline_note (v, number, root, sig, len);
		if (cp == NULL) {
			ir_audit_verify_fail (v,
					      number,
					      number,
					      "line %" G_GUINT64_FORMAT
					      ": the signature line of record %" G_GUINT64_FORMAT
					      " is not a signed-note signature line",
					      ir_audit_verify_line (v, number) + 1,
					      number);
			return;
		}
		check = cp;
	}
	if (!ir_audit_verify_check_signature (
		v, check, number, ir_audit_verify_line (v, number) + 1))
		ir_audit_verify_inline_locate (v, number);
}

/* The deferred last signature, then the tail (the writer's rule,
 * ir_log_tail_classify_inline). */
static void
ir_audit_verify_finish_inline (IrAuditVerifier *v)
{
	g_auto (IrLogTailFinding) found = {0};
	IrLogTailInline in = {
	    .origin = v->report->origin,
	    .size = v->report->signed_size,
	    .tail = v->tail->str,
	    .tail_len = v->tail->len,
	    .witnessed = v->witnessed,
	};

	ir_log_tail_classify_inline (&in, &found);
	if (found.verdict == IR_LOG_TAIL_TAMPERED)
		ir_audit_verify_fail (v, found.bad_line, 0, "%s", found.what);
	else if (found.verdict == IR_LOG_TAIL_TORN)
		ir_audit_verify_warn (
		    v, "%s; the workstation cuts it at its next start", found.what);
	if (v->report->error == NULL && v->deferred_sig->len > 0) {
		guint8 root[IR_MERKLE_HASH_LEN];
		g_autoptr (IrCheckpoint) cp = NULL;

		/* the deferred pair is the last one read (any later pair
		 * replaced it or was checked at once): its root is the
		 * edge's, computed once here rather than at every pair */
		ir_merkle_edge_root (v->edge, root);
		if (ir_merkle_edge_get_size (v->edge) == v->deferred_number)
			cp = ir_audit_verify_inline_note (v,
							  v->deferred_number,
							  root,
							  v->deferred_sig->str,
							  v->deferred_sig->len);

		if (cp == NULL || !ir_audit_verify_check_signature (
				      v,
				      cp,
				      v->deferred_number,
				      ir_audit_verify_line (v, v->deferred_number) + 1))
			ir_audit_verify_inline_locate (v, v->deferred_number);
	}
}

/* the formatter's first member, or as much of it as a first append
 * torn by a crash left */
static gboolean
ir_audit_verify_opens_like_record (const char *line, gsize len)
{
	static const char opener[] = "{\"schema\":";

	return strncmp (line, opener, MIN (len, sizeof (opener) - 1)) == 0;
}

static gboolean
ir_audit_verify_is_sigline (const char *line, gsize len)
{
	const char *name = NULL;
	gsize name_len = 0;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	return ir_log_sigline_parse (line, len, &name, &name_len);
}

/* Streams a record file of the inline layout: pairs of lines, parsed
 * where they were read (ir_audit_lines: no copy). A record without its
 * whole signature line is the tail, kept in v->tail and judged like the
 * writer judges it. */
static gboolean
ir_audit_verify_stream_inline (IrAuditVerifier *v,
			       FILE *fp,
			       const IrAuditPaths *paths,
			       GCancellable *cancellable,
			       guint64 *n_records,
			       GError **error)
{
	IrAuditLines lines;
	ssize_t n1;
	ssize_t n2 = 0;
	guint64 offset = 0;
	gboolean ok = TRUE;

	ir_audit_lines_init (&lines, fileno (fp));
	while (ok && v->report->error == NULL && (n1 = ir_audit_lines_next (&lines)) > 0) {
		gboolean whole = ir_audit_lines_get (&lines, 0)[n1 - 1] == '\n' &&
				 (n2 = ir_audit_lines_next (&lines)) > 0;
		const char *rec = ir_audit_lines_get (&lines, 0);
		const char *sig = whole ? ir_audit_lines_get (&lines, 1) : NULL;

		/* the formatter's first member, or a signature line after it,
		 * says it is a log, however damaged; a file of one foreign
		 * line is no torn log either */
		if (offset == 0 && !ir_audit_verify_opens_like_record (rec, (gsize)n1) &&
		    !ir_audit_verify_looks_like_record (rec, (gsize)n1 - (rec[n1 - 1] == '\n')) &&
		    !(whole && ir_audit_verify_is_sigline (sig, (gsize)n2))) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is not a migration log: its first line is not a record "
				     "and there is no checkpoint file beside it",
				     paths->records);
			ok = FALSE;
			break;
		}
		if (!whole) {
			g_string_append_len (v->tail, rec, MIN (n1, IR_AUDIT_VERIFY_MAX_TAIL));
			break;
		}
		if (sig[n2 - 1] != '\n') {
			g_string_append_len (v->tail, rec, n1);
			g_string_append_len (v->tail, sig, MIN (n2, IR_AUDIT_VERIFY_MAX_TAIL));
			break;
		}
		*n_records += 1;
		ir_audit_verify_pair (
		    v, *n_records, rec, (gsize)n1 - 1, sig, (gsize)n2 - 1, offset);
		offset += (guint64)(n1 + n2);
		ir_audit_lines_release (&lines);
		if (*n_records % IR_AUDIT_VERIFY_CANCEL_EVERY == 0 &&
		    g_cancellable_set_error_if_cancelled (cancellable, error))
			ok = FALSE;
	}
	if (ok && lines.errnum != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the log %s: %s",
			     paths->records,
			     g_strerror (lines.errnum));
		ok = FALSE;
	}
	ir_audit_lines_clear (&lines);
	return ok;
}

/* The size a witness cosigned: the --cosigned note's, else the note the
 * workstation keeps beside its log (no witness key needed: it only says
 * which records must never be cut; the cosignature itself is checked
 * with --witness-key). */
static guint64
ir_audit_verify_witnessed_size (const IrAuditVerifyOptions *options, const IrAuditPaths *paths)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr (IrCheckpoint) note = NULL;

	if (options->cosigned_note != NULL)
		note = ir_checkpoint_parse (
		    options->cosigned_note, strlen (options->cosigned_note), NULL);
	else if (paths->cosigned != NULL &&
		 g_file_get_contents (paths->cosigned, &text, &len, NULL))
		note = ir_checkpoint_parse (text, len, NULL);
	return note != NULL ? note->size : 0;
}

/* A checkpoint file that holds anything makes a log of the notes layout;
 * every other log is inline (docs/migration-log.md, "Layout"), as the
 * writer decides. */
static gboolean
ir_audit_verify_is_inline (const IrAuditPaths *paths)
{
	GStatBuf st;

	return g_stat (paths->checkpoints, &st) != 0 || st.st_size == 0;
}

IrAuditReport *
ir_audit_verify (const IrAuditPaths *paths,
		 const IrAuditVerifyOptions *options,
		 GCancellable *cancellable,
		 GError **error)
{
	static const IrAuditVerifyOptions defaults = {0};
	g_autoptr (IrAuditReport) report = g_new0 (IrAuditReport, 1);
	IrAuditVerifier v = {.options = options != NULL ? options : &defaults};
	FILE *fp;
	guint64 n_lines = 0;
	gboolean ok;

	report->warnings = g_ptr_array_new_with_free_func (g_free);
	v.report = report;
	v.edge = ir_merkle_edge_new ();
	v.pending_keys = g_ptr_array_new_with_free_func (ir_audit_verify_pending_key_free);
	v.key_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	v.open_intents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	v.closed_intents = g_hash_table_new (g_direct_hash, g_direct_equal);
	v.prev_time = G_MININT64;
	v.tail = g_string_new (NULL);
	v.cps.buf = g_byte_array_new ();
	v.witnessed = ir_audit_verify_witnessed_size (v.options, paths);
	if (v.witnessed == 0) {
		ir_merkle_edge_root (v.edge, v.witnessed_root);
		v.have_witnessed_root = TRUE;
	}
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
		ir_audit_verify_clear (&v);
		return NULL;
	}
	/* big reads: fewer system calls on a log of a million records */
	setvbuf (fp, NULL, _IOFBF, IR_AUDIT_VERIFY_READ_BUFFER);
	v.records_path = paths->records;
	v.inline_layout = ir_audit_verify_is_inline (paths);
	v.marks = ir_audit_marks_new ();
	v.deferred_sig = g_string_new (NULL);
	if (v.options->all_signatures && v.options->key != NULL)
		v.sigpool = ir_audit_sigpool_new ();
	if (v.inline_layout)
		ok = ir_audit_verify_stream_inline (&v, fp, paths, cancellable, &n_lines, error);
	else
		ok = ir_audit_verify_open (&v, paths, error) &&
		     ir_audit_verify_stream (&v, fp, paths, cancellable, &n_lines, error);
	fclose (fp);
	if (ok) {
		report->n_records = n_lines;
		ir_audit_verify_finish (&v, n_lines);
		if (report->error == NULL && v.options->cosigned_note != NULL &&
		    v.options->witness_key != NULL)
			ir_audit_verify_witness (&v, n_lines);
		ir_merkle_edge_root (v.edge, report->root);
		report->key_names = ir_audit_verify_key_names (&v);
		if (v.key_from_log && report->n_signatures_checked > 0)
			report->trust = IR_AUDIT_TRUST_LOG_ONLY;
	}
	ir_audit_verify_clear (&v);
	return ok ? g_steal_pointer (&report) : NULL;
}
