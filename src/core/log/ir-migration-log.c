/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/x509.h>

#include "ir-durable.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-sigline.h"
#include "ir-log-tail.h"
#include "ir-migration-log.h"
#include "ir-openssl-autoptr.h"

/* The writer of docs/migration-log.md. The files are only ever appended
 * to, with one exception: at open, the bytes past the last checkpoint (at
 * most one unacknowledged record) are cut, and a RECOVERY record says so.
 *
 * Durability order of one append, inline layout (every new log):
 *   1. format the record, extend the tree, sign its checkpoint
 *   2. write(line + "\n" + signature line + "\n") on the O_APPEND log, in
 *      one call with those of every other thread waiting (group commit),
 *      then one fdatasync
 *   3. only now report success to each of them
 * Notes layout (logs written before it): write(line + "\n"), fdatasync,
 * then write(note + "\n") on the checkpoint file, fsync, one record at a
 * time. Either way a record is acknowledged only after its checkpoint
 * synced, so a record without it (or with a torn one) was never
 * acknowledged, and cutting it at the next open loses nothing anyone was
 * told was kept. */

#define LOG_FILE	"migration-log.jsonl"
#define CHECKPOINT_FILE "migration-log.checkpoints"

/* A checkpoint of the inline layout as its parts: its size and root, and
 * where its signature line is (an offset into the text that holds it). */
typedef struct {
	guint64 size;
	guint8 root[IR_MERKLE_HASH_LEN];
	gsize sig_at;
} IrMigrationLogSigned;

struct _IrMigrationLog {
	GObject parent_instance;
	char *log_path;
	char *cp_path;
	char *origin;
	char *key_name;
	EVP_PKEY *key;
	IrNoteSigner *signer; /* made at the first append, kept: one key setup */
	int log_fd;
	int cp_fd;
	IrMigrationLogLayout layout;
	/* appends may come from several threads: the lock guards all below;
	 * the tree and lines hold records not yet durable too (up to
	 * ir_merkle_tree_get_size), the rest only durable ones */
	GMutex lock;
	GCond durable_cond;
	IrMerkleTree *tree;
	GArray *lines; /* IrMigrationLogLine: where each record line is */
	guint64 log_end;
	guint64 durable;		 /* records written and synced */
	GString *pending;		 /* INLINE: lines and signature lines not yet written */
	GString *scratch;		 /* NOTES: the record line being appended */
	IrMigrationLogSigned pending_cp; /* INLINE: the last record in pending */
	gboolean syncing;		 /* a thread is writing and syncing a batch */
	/* INLINE: the last durable checkpoint as its parts; the note text
	 * (checkpoint) is made from them only when asked for */
	IrMigrationLogSigned durable_cp;
	GString *durable_sig; /* the batch that held it */
	GString *spare;	      /* the next pending: buffers rotate, none allocated */
	char *checkpoint;
	gint64 time_sec; /* the second time_text says, -1: none yet */
	char time_text[32];
	gboolean cp_separated; /* the checkpoint file ends with the empty line after a note */
	gboolean read_only;
	GError *tamper_error;
	GError *io_error;
	GHashTable *open_intents; /* intent_id -> IrMigrationLogIntent */
};

/* An open INTENT: the record object when it was read at open, else its
 * line as appended, parsed only when the open intents are asked for
 * (rarely: at start-up), not on every append. */
typedef struct {
	guint64 seq;
	JsonObject *object;
	char *line;
} IrMigrationLogIntent;

typedef struct {
	guint64 start;
	gsize len; /* without the newline */
} IrMigrationLogLine;

G_DEFINE_TYPE (IrMigrationLog, ir_migration_log, G_TYPE_OBJECT)

static void
ir_migration_log_intent_free (gpointer data)
{
	IrMigrationLogIntent *intent = data;

	if (intent->object != NULL)
		json_object_unref (intent->object);
	g_free (intent->line);
	g_free (intent);
}

static void
ir_migration_log_finalize (GObject *object)
{
	IrMigrationLog *self = IR_MIGRATION_LOG (object);

	if (self->log_fd >= 0)
		close (self->log_fd);
	if (self->cp_fd >= 0)
		close (self->cp_fd);
	g_free (self->log_path);
	g_free (self->cp_path);
	g_free (self->origin);
	g_free (self->key_name);
	EVP_PKEY_free (self->key);
	g_clear_pointer (&self->signer, ir_note_signer_free);
	g_clear_pointer (&self->tree, ir_merkle_tree_free);
	g_array_unref (self->lines);
	g_string_free (self->pending, TRUE);
	g_string_free (self->scratch, TRUE);
	g_string_free (self->durable_sig, TRUE);
	if (self->spare != NULL)
		g_string_free (self->spare, TRUE);
	g_free (self->checkpoint);
	g_mutex_clear (&self->lock);
	g_cond_clear (&self->durable_cond);
	g_clear_error (&self->tamper_error);
	g_clear_error (&self->io_error);
	g_hash_table_unref (self->open_intents);
	G_OBJECT_CLASS (ir_migration_log_parent_class)->finalize (object);
}

static void
ir_migration_log_class_init (IrMigrationLogClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = ir_migration_log_finalize;
}

static void
ir_migration_log_init (IrMigrationLog *self)
{
	self->log_fd = -1;
	self->cp_fd = -1;
	g_mutex_init (&self->lock);
	g_cond_init (&self->durable_cond);
	self->tree = ir_merkle_tree_new ();
	self->lines = g_array_new (FALSE, FALSE, sizeof (IrMigrationLogLine));
	self->pending = g_string_sized_new (2048);
	self->scratch = g_string_sized_new (1024);
	self->durable_sig = g_string_new (NULL);
	self->spare = g_string_sized_new (2048);
	self->time_sec = -1;
	self->open_intents =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, ir_migration_log_intent_free);
}

static gboolean
ir_migration_log_set_io_error (GError **error, int errnum, const char *what, const char *path)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_IO,
		     "failed to %s %s: %s; check the disk (space, health), then restart "
		     "imeirestore: the log accepts no more records in this run",
		     what,
		     path,
		     g_strerror (errnum));
	return FALSE;
}

/* ---- records in memory: where the lines are, open intents ---- */

static void
ir_migration_log_add_line (IrMigrationLog *self, guint64 start, gsize len)
{
	IrMigrationLogLine line = {start, len};

	g_array_append_val (self->lines, line);
}

/* The 1-based line of the file where record @index is. */
static guint64
ir_migration_log_file_line (IrMigrationLog *self, guint64 index)
{
	return self->layout == IR_MIGRATION_LOG_LAYOUT_INLINE ? 2 * index + 1 : index + 1;
}

static void
ir_migration_log_track_record (IrMigrationLog *self, const IrLogRecord *record)
{
	const char *id;
	IrMigrationLogIntent *intent;

	if (record->type != IR_LOG_RECORD_INTENT && record->type != IR_LOG_RECORD_RESULT)
		return;
	id = json_object_get_string_member (record->object, "intent_id");
	if (record->type == IR_LOG_RECORD_RESULT) {
		g_hash_table_remove (self->open_intents, id);
		return;
	}
	intent = g_new0 (IrMigrationLogIntent, 1);
	intent->seq = record->seq;
	intent->object = json_object_ref (record->object);
	g_hash_table_replace (self->open_intents, g_strdup (id), intent);
}

/* An appended record (its line already checked by the strict parser,
 * which found its intent_id): an INTENT is kept as its line, a RESULT
 * closes one. */
static void
ir_migration_log_track_appended (
    IrMigrationLog *self, guint64 seq, const IrLogScanRecord *scan, const char *line, gsize len)
{
	g_autofree char *id = NULL;
	IrMigrationLogIntent *intent;

	if (scan->type != IR_LOG_RECORD_INTENT && scan->type != IR_LOG_RECORD_RESULT)
		return;
	/* the writer's ids are lower-case hex: no escape to undo (an id
	 * with one is looked up by its parsed text below) */
	if (memchr (scan->intent_id.text, '\\', scan->intent_id.len) != NULL) {
		g_autoptr (IrLogRecord) record = ir_log_record_parse (line, len, NULL);

		if (record != NULL)
			ir_migration_log_track_record (self, record);
		return;
	}
	id = g_strndup (scan->intent_id.text, scan->intent_id.len);
	if (scan->type == IR_LOG_RECORD_RESULT) {
		g_hash_table_remove (self->open_intents, id);
		return;
	}
	intent = g_new0 (IrMigrationLogIntent, 1);
	intent->seq = seq;
	intent->line = g_strndup (line, len);
	g_hash_table_replace (self->open_intents, g_steal_pointer (&id), intent);
}

/* ---- open: the scan of both files ---- */

typedef struct {
	gsize offset; /* in the checkpoint file */
	gsize len;    /* the note, without the blank line after it */
	guint line;   /* 1-based line of its first line in the file */
	IrCheckpoint *checkpoint;
} Note;

static void
ir_migration_log_note_clear (gpointer data)
{
	Note *note = data;

	ir_checkpoint_free (note->checkpoint);
}

typedef struct {
	const char *log;
	gsize log_len;
	gsize log_pos; /* end of the lines already in the tree */
	const char *cp;
	gsize cp_len;
	GArray *notes;		  /* Note: the complete ones */
	gsize cp_complete;	  /* end of the last complete note (and its empty line) */
	guint cp_complete_line;	  /* 1-based line of the checkpoint file just after it */
	gboolean cp_separated;	  /* the last complete note has its empty line */
	guint64 rotation;	  /* index + 1 of the last KEY_ROTATION, 0 if none */
	guint64 rotation_horizon; /* the same, as ir_migration_log_find_rotation() saw it */
	char *rotation_key;	  /* its new_public_key */
} Scan;

static void
ir_migration_log_scan_clear (Scan *scan)
{
	g_array_unref (scan->notes);
	g_free (scan->rotation_key);
}

static gboolean ir_migration_log_tamper (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
ir_migration_log_tamper (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *what = NULL;

	va_start (args, format);
	what = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TAMPERED,
		     "migration log tampered with: %s; the log is read-only: keep both files "
		     "as they are and call the brand's audit team",
		     what);
	return FALSE;
}

static guint
ir_migration_log_count_lines (const char *text, gsize len)
{
	guint n = 0;

	for (gsize i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Splits the checkpoint file into complete notes (ir_log_tail_next_note:
 * the same rule as audit verify). What follows the last one is a torn
 * note, or nothing; a note not followed by its empty line is tampering. */
static gboolean
ir_migration_log_split_notes (Scan *scan, GError **error)
{
	gsize pos = 0;
	guint line = 1;

	scan->cp_separated = TRUE;
	scan->cp_complete_line = 1;
	while (pos < scan->cp_len) {
		Note note = {pos, 0, line, NULL};
		gsize consumed = 0;
		IrLogTailNote kind = ir_log_tail_next_note (
		    scan->cp + pos, scan->cp_len - pos, TRUE, &note.len, &consumed);

		if (kind == IR_LOG_TAIL_NOTE_INCOMPLETE)
			return TRUE;
		if (kind == IR_LOG_TAIL_NOTE_UNSEPARATED)
			return ir_migration_log_tamper (
			    error,
			    "%s line %u: checkpoint %u is not followed by the empty line "
			    "that ends it (one signature line per note)",
			    CHECKPOINT_FILE,
			    line,
			    scan->notes->len + 1);
		line += ir_migration_log_count_lines (scan->cp + pos, consumed);
		g_array_append_val (scan->notes, note);
		pos += consumed;
		scan->cp_complete = pos;
		scan->cp_complete_line = line;
		scan->cp_separated = consumed > note.len;
	}
	return TRUE;
}

/* Takes the next whole line of the log into the tree. FALSE when only a
 * partial line (or nothing) is left. */
static gboolean
ir_migration_log_take_line (IrMigrationLog *self, Scan *scan, const char **line, gsize *len)
{
	const char *start = scan->log + scan->log_pos;
	const char *nl;

	if (scan->log_pos >= scan->log_len)
		return FALSE;
	nl = memchr (start, '\n', scan->log_len - scan->log_pos);
	if (nl == NULL)
		return FALSE;
	*line = start;
	*len = (gsize)(nl - start);
	ir_merkle_tree_append (self->tree, (const guint8 *)start, *len);
	ir_migration_log_add_line (self, scan->log_pos, *len);
	scan->log_pos += *len + 1;
	return TRUE;
}

/* A checkpointed line: a valid record at its place (seq = index). */
static gboolean
ir_migration_log_check_record (
    IrMigrationLog *self, Scan *scan, const char *line, gsize len, GError **error)
{
	guint64 index = ir_merkle_tree_get_size (self->tree) - 1;
	g_autoptr (GError) parse_error = NULL;
	g_autoptr (IrLogRecord) record = ir_log_record_parse (line, len, &parse_error);

	if (record == NULL)
		return ir_migration_log_tamper (error,
						"%s line %" G_GUINT64_FORMAT
						": not a valid record: %s",
						LOG_FILE,
						ir_migration_log_file_line (self, index),
						parse_error->message);
	if (record->seq != index)
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT ": seq %" G_GUINT64_FORMAT
		    " where %" G_GUINT64_FORMAT
		    " was expected (a record was removed, inserted or reordered)",
		    LOG_FILE,
		    ir_migration_log_file_line (self, index),
		    record->seq,
		    index);
	ir_migration_log_track_record (self, record);
	if (record->type == IR_LOG_RECORD_KEY_ROTATION) {
		scan->rotation = index + 1;
		g_free (scan->rotation_key);
		scan->rotation_key =
		    g_strdup (json_object_get_string_member (record->object, "new_public_key"));
	}
	return TRUE;
}

static gboolean
ir_migration_log_check_note_root (
    IrMigrationLog *self, Scan *scan, guint k, guint64 prev_size, GError **error)
{
	Note *note = &g_array_index (scan->notes, Note, k);
	IrCheckpoint *cp = note->checkpoint;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (!ir_merkle_tree_root (self->tree, cp->size, root, error))
		return FALSE;
	if (memcmp (root, cp->root, sizeof (root)) == 0)
		return TRUE;
	if (prev_size + 1 == cp->size)
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT
		    ": record changed (it does not match checkpoint %u, line %u of %s)",
		    LOG_FILE,
		    cp->size,
		    k + 1,
		    note->line,
		    CHECKPOINT_FILE);
	return ir_migration_log_tamper (
	    error,
	    "%s lines %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
	    ": a record changed (they do not match checkpoint %u, line %u of %s)",
	    LOG_FILE,
	    prev_size + 1,
	    cp->size,
	    k + 1,
	    note->line,
	    CHECKPOINT_FILE);
}

static EVP_PKEY *
ir_migration_log_public_key_from_base64 (const char *text)
{
	gsize len = 0;
	g_autofree guint8 *der = g_base64_decode (text, &len);
	const unsigned char *p = der;

	return d2i_PUBKEY (NULL, &p, (long)len);
}

/* Where the last KEY_ROTATION line is (index + 1; 0 if none), found before
 * the records are parsed, to know which checkpoints our key signed: those
 * after it. The formatter writes "type" as the third member, so every
 * rotation record holds this exact text; the full parse confirms it. */
static guint64
ir_migration_log_find_rotation (const Scan *scan, guint64 lines)
{
	static const char needle[] = ",\"type\":\"KEY_ROTATION\",";
	const char *p = scan->log;
	const char *end = scan->log + scan->log_len;
	guint64 found = 0;

	for (guint64 i = 0; i < lines && p != NULL && p < end; i++) {
		const char *nl = memchr (p, '\n', (gsize)(end - p));
		gsize len = nl != NULL ? (gsize)(nl - p) : (gsize)(end - p);

		if (memmem (p, len, needle, sizeof (needle) - 1) != NULL)
			found = i + 1;
		p = nl != NULL ? nl + 1 : NULL;
	}
	return found;
}

/* Parses every complete note (before any record: which of them our key
 * signed depends on where the last checkpointed KEY_ROTATION is). */
static gboolean
ir_migration_log_parse_notes (IrMigrationLog *self, Scan *scan, GError **error)
{
	guint64 max_size = 0;

	for (guint k = 0; k < scan->notes->len; k++) {
		Note *note = &g_array_index (scan->notes, Note, k);
		g_autoptr (GError) parse_error = NULL;

		note->checkpoint =
		    ir_checkpoint_parse (scan->cp + note->offset, note->len, &parse_error);
		if (note->checkpoint == NULL)
			return ir_migration_log_tamper (
			    error,
			    "%s line %u: checkpoint %u does not parse: %s",
			    CHECKPOINT_FILE,
			    note->line,
			    k + 1,
			    parse_error->message);
		if (note->checkpoint->size != k + 1)
			return ir_migration_log_tamper (
			    error,
			    "%s line %u: checkpoint %u is for %" G_GUINT64_FORMAT
			    " records where %u was expected: there is one checkpoint per "
			    "record, and %s",
			    CHECKPOINT_FILE,
			    note->line,
			    k + 1,
			    note->checkpoint->size,
			    k + 1,
			    note->checkpoint->size > k + 1
				? "one before it was removed"
				: "this one was duplicated or replaced by an older one");
		max_size = MAX (max_size, note->checkpoint->size);
	}
	scan->rotation_horizon = ir_migration_log_find_rotation (scan, max_size);
	return TRUE;
}

/* Checkpoints after the last KEY_ROTATION are signed by this
 * workstation's key. Those up to it were signed by an earlier key, which
 * the writer cannot check (the first key of a log is nowhere in it):
 * their roots are checked all the same, their signatures by the auditor
 * with the earlier public key (docs/migration-log.md). */
static gboolean
ir_migration_log_verify_note (IrMigrationLog *self, Scan *scan, guint k, GError **error)
{
	Note *note = &g_array_index (scan->notes, Note, k);
	g_autoptr (GError) verify_error = NULL;

	if (scan->rotation_horizon > 0 && note->checkpoint->size <= scan->rotation_horizon)
		return TRUE;
	/* every note's root is checked against the records; the last note's
	 * signature commits to all of them (audit verify does the same in its
	 * default mode, docs/migration-log.md "What is checked") */
	if (k + 1 != scan->notes->len)
		return TRUE;
	if (ir_checkpoint_verify (note->checkpoint, self->key_name, self->key, &verify_error))
		return TRUE;
	return ir_migration_log_tamper (error,
					"%s line %u: checkpoint %u (log line %" G_GUINT64_FORMAT
					") is not signed by this workstation's key %s: %s",
					CHECKPOINT_FILE,
					note->line,
					k + 1,
					note->checkpoint->size,
					self->key_name,
					verify_error->message);
}

/* The rotation the full parse found must be the one assumed above, and
 * must hand over to this workstation's key. */
static gboolean
ir_migration_log_check_rotation (IrMigrationLog *self, Scan *scan, GError **error)
{
	g_autoptr (EVP_PKEY) rotated = NULL;

	if (scan->rotation != scan->rotation_horizon)
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT
		    ": KEY_ROTATION text in a record that is not a KEY_ROTATION record",
		    LOG_FILE,
		    scan->rotation_horizon);
	if (scan->rotation == 0)
		return TRUE;
	rotated = ir_migration_log_public_key_from_base64 (scan->rotation_key);
	if (rotated == NULL || EVP_PKEY_eq (rotated, self->key) != 1)
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT
		    ": the KEY_ROTATION record hands over to a key that is not this "
		    "workstation's key %s",
		    LOG_FILE,
		    scan->rotation,
		    self->key_name);
	return TRUE;
}

/* Pass 1: every complete note parses, names this workstation, never
 * shrinks, and its root is the tree's root at its size; every line it
 * covers is a valid record at its place. */
static gboolean
ir_migration_log_scan_checkpointed (IrMigrationLog *self, Scan *scan, GError **error)
{
	guint64 prev_size = 0;

	for (guint k = 0; k < scan->notes->len; k++) {
		Note *note = &g_array_index (scan->notes, Note, k);

		if (g_strcmp0 (note->checkpoint->origin, self->origin) != 0)
			return ir_migration_log_tamper (
			    error,
			    "%s line %u: checkpoint %u is for \"%s\", not \"%s\"",
			    CHECKPOINT_FILE,
			    note->line,
			    k + 1,
			    note->checkpoint->origin,
			    self->origin);
		if (!ir_migration_log_verify_note (self, scan, k, error))
			return FALSE;
		if (note->checkpoint->size < prev_size)
			return ir_migration_log_tamper (
			    error,
			    "%s line %u: checkpoint %u has size %" G_GUINT64_FORMAT
			    ", less than the %" G_GUINT64_FORMAT
			    " before it (checkpoints never shrink)",
			    CHECKPOINT_FILE,
			    note->line,
			    k + 1,
			    note->checkpoint->size,
			    prev_size);
		while (ir_merkle_tree_get_size (self->tree) < note->checkpoint->size) {
			const char *line = NULL;
			gsize len = 0;

			if (!ir_migration_log_take_line (self, scan, &line, &len))
				return ir_migration_log_tamper (
				    error,
				    "%s line %" G_GUINT64_FORMAT
				    ": missing: checkpoint %u covers %" G_GUINT64_FORMAT
				    " records but the log has only %" G_GUINT64_FORMAT
				    " whole lines (records removed or the log truncated)",
				    LOG_FILE,
				    ir_merkle_tree_get_size (self->tree) + 1,
				    k + 1,
				    note->checkpoint->size,
				    ir_merkle_tree_get_size (self->tree));
			if (!ir_migration_log_check_record (self, scan, line, len, error))
				return FALSE;
		}
		if (!ir_migration_log_check_note_root (self, scan, k, prev_size, error))
			return FALSE;
		prev_size = note->checkpoint->size;
	}
	return TRUE;
}

/* The size a witness cosigned, from the note the witness client keeps
 * beside the log: 0 when there is none (never witnessed, or a file that is
 * not a note, which only a tamperer or a disk fault makes: the witness
 * itself still refuses a log that shrank). */
static guint64
ir_migration_log_witnessed_size (IrMigrationLog *self)
{
	g_autofree char *dir = g_path_get_dirname (self->log_path);
	g_autofree char *path = g_build_filename (dir, IR_MIGRATION_LOG_COSIGNED_FILE, NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr (IrCheckpoint) note = NULL;

	if (!g_file_get_contents (path, &text, &len, NULL))
		return 0;
	note = ir_checkpoint_parse (text, len, NULL);
	if (note == NULL || g_strcmp0 (note->origin, self->origin) != 0)
		return 0;
	return note->size;
}

/* What lies past the last complete note: the rule of ir-log-tail.c, the
 * one audit verify applies too. */
static gboolean
ir_migration_log_check_tail (
    IrMigrationLog *self, Scan *scan, gsize *cut_from, gsize *cut_cp, GError **error)
{
	guint64 size = ir_merkle_tree_get_size (self->tree);
	gsize tail = scan->log_len - scan->log_pos;
	const char *records = scan->log + scan->log_pos;
	guint8 next_root[IR_MERKLE_HASH_LEN];
	IrLogTail in = {
	    .origin = self->origin,
	    .size = size,
	    .records = records,
	    .records_len = tail,
	    .checkpoints = scan->cp + scan->cp_complete,
	    .checkpoints_len = scan->cp_len - scan->cp_complete,
	    .checkpoints_line = scan->cp_complete_line,
	    .witnessed = ir_migration_log_witnessed_size (self),
	};
	g_auto (IrLogTailFinding) found = {0};

	if (tail > 0 && records[tail - 1] == '\n') {
		ir_merkle_tree_append (self->tree, (const guint8 *)records, tail - 1);
		ir_merkle_tree_root (self->tree, size + 1, next_root, NULL);
		ir_merkle_tree_truncate (self->tree, size);
		in.next_root = next_root;
	}
	ir_log_tail_classify (&in, &found);
	*cut_from = scan->log_len - found.cut_records;
	*cut_cp = found.cut_checkpoints;
	if (found.verdict == IR_LOG_TAIL_TAMPERED)
		return ir_migration_log_tamper (error, "%s", found.what);
	return TRUE;
}

/* ---- open: the inline layout ---- */

typedef struct {
	gsize offset; /* of the signature line in the log */
	gsize len;    /* without its newline */
} IrMigrationLogSig;

/* A whole pair: a record at its place, then its signature line by this
 * log's key name. */
static gboolean
ir_migration_log_check_pair (IrMigrationLog *self,
			     Scan *scan,
			     const char *rec,
			     gsize rec_len,
			     const char *sig,
			     gsize sig_len,
			     GError **error)
{
	guint64 index = ir_merkle_tree_get_size (self->tree);
	guint64 line = ir_migration_log_file_line (self, index);
	const char *name = NULL;
	gsize name_len = 0;

	if (rec_len > 0 && rec[0] != '{')
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT
		    ": a signature line where record %" G_GUINT64_FORMAT
		    " was expected (a record was removed, or a signature line duplicated)",
		    LOG_FILE,
		    line,
		    index + 1);
	ir_merkle_tree_append (self->tree, (const guint8 *)rec, rec_len);
	ir_migration_log_add_line (self, (guint64)(rec - scan->log), rec_len);
	if (!ir_migration_log_check_record (self, scan, rec, rec_len, error))
		return FALSE;
	if (sig_len > 0 && sig[0] == '{')
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT ": a record where the signature line of record "
		    "%" G_GUINT64_FORMAT " was expected: signature lines were removed (or, for a "
		    "log of the notes layout, its checkpoint file %s is missing or empty)",
		    LOG_FILE,
		    line + 1,
		    index + 1,
		    CHECKPOINT_FILE);
	if (!ir_log_sigline_parse (sig, sig_len, &name, &name_len))
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT
		    ": not the signature line of record %" G_GUINT64_FORMAT
		    " (its signature line was damaged, or a line inserted)",
		    LOG_FILE,
		    line + 1,
		    index + 1);
	if (name_len != strlen (self->key_name) || memcmp (name, self->key_name, name_len) != 0)
		return ir_migration_log_tamper (error,
						"%s line %" G_GUINT64_FORMAT
						": record %" G_GUINT64_FORMAT
						" is signed as \"%.*s\", not \"%s\"",
						LOG_FILE,
						line + 1,
						index + 1,
						(int)name_len,
						name,
						self->key_name);
	return TRUE;
}

static gboolean
ir_migration_log_sig_verifies (
    IrMigrationLog *self, const Scan *scan, GArray *sigs, guint64 size, GError **error)
{
	const IrMigrationLogSig *sig = &g_array_index (sigs, IrMigrationLogSig, size - 1);
	guint8 root[IR_MERKLE_HASH_LEN];

	return ir_merkle_tree_root (self->tree, size, root, error) &&
	       ir_log_sigline_verify (self->origin,
				      size,
				      root,
				      scan->log + sig->offset,
				      sig->len,
				      self->key_name,
				      self->key,
				      error);
}

/* The last signature commits to every record (docs/migration-log.md, "What
 * is checked"); when it fails, the first size whose signature fails is the
 * first record changed (or the signature damaged): a bisection over the
 * signatures after the last KEY_ROTATION, which our key made. */
static gboolean
ir_migration_log_check_last_sig (IrMigrationLog *self,
				 const Scan *scan,
				 GArray *sigs,
				 GError **error)
{
	guint64 size = sigs->len;
	guint64 good = scan->rotation;
	guint64 bad = size;
	g_autoptr (GError) verify_error = NULL;

	/* the first one too, as audit verify does: its key name is the one
	 * the others are held to */
	if (size > 0 && scan->rotation == 0 &&
	    !ir_migration_log_sig_verifies (self, scan, sigs, 1, NULL))
		return ir_migration_log_tamper (
		    error,
		    "%s line 2: the signature line of record 1 is not by this workstation's key %s",
		    LOG_FILE,
		    self->key_name);
	if (size == 0 || size <= scan->rotation ||
	    ir_migration_log_sig_verifies (self, scan, sigs, size, &verify_error))
		return TRUE;
	while (bad - good > 1) {
		guint64 mid = good + (bad - good) / 2;

		if (ir_migration_log_sig_verifies (self, scan, sigs, mid, NULL))
			good = mid;
		else
			bad = mid;
	}
	return ir_migration_log_tamper (error,
					"%s line %" G_GUINT64_FORMAT ": record %" G_GUINT64_FORMAT
					" changed, or its signature line (line %" G_GUINT64_FORMAT
					"): the checkpoint at size %" G_GUINT64_FORMAT
					" is not signed by this workstation's key %s",
					LOG_FILE,
					ir_migration_log_file_line (self, bad - 1),
					bad,
					ir_migration_log_file_line (self, bad - 1) + 1,
					bad,
					self->key_name);
}

/* Every whole pair, then the tail (ir_log_tail_classify_inline: the rule
 * audit verify applies too), then the signatures. */
static gboolean
ir_migration_log_scan_inline (IrMigrationLog *self, Scan *scan, gsize *cut, GError **error)
{
	g_autoptr (GArray) sigs = g_array_new (FALSE, FALSE, sizeof (IrMigrationLogSig));
	gsize rec_len = 0;
	gsize consumed = 0;
	g_auto (IrLogTailFinding) found = {0};
	IrLogTailInline in = {.origin = self->key_name};

	while (ir_log_tail_next_pair (
	    scan->log + scan->log_pos, scan->log_len - scan->log_pos, &rec_len, &consumed)) {
		const char *rec = scan->log + scan->log_pos;
		IrMigrationLogSig sig = {scan->log_pos + rec_len + 1, consumed - rec_len - 2};

		if (!ir_migration_log_check_pair (
			self, scan, rec, rec_len, scan->log + sig.offset, sig.len, error))
			return FALSE;
		g_array_append_val (sigs, sig);
		scan->log_pos += consumed;
	}
	in.size = sigs->len;
	in.tail = scan->log + scan->log_pos;
	in.tail_len = scan->log_len - scan->log_pos;
	in.witnessed = ir_migration_log_witnessed_size (self);
	ir_log_tail_classify_inline (&in, &found);
	if (found.verdict == IR_LOG_TAIL_TAMPERED)
		return ir_migration_log_tamper (error, "%s", found.what);
	*cut = found.cut_records;
	scan->rotation_horizon = scan->rotation;
	if (!ir_migration_log_check_rotation (self, scan, error) ||
	    !ir_migration_log_check_last_sig (self, scan, sigs, error))
		return FALSE;
	if (sigs->len > 0) {
		const IrMigrationLogSig *last =
		    &g_array_index (sigs, IrMigrationLogSig, sigs->len - 1);
		guint8 root[IR_MERKLE_HASH_LEN];

		ir_merkle_tree_root (self->tree, sigs->len, root, NULL);
		self->checkpoint = ir_log_sigline_note (
		    self->origin, sigs->len, root, scan->log + last->offset, last->len);
	}
	return TRUE;
}

static gboolean
ir_migration_log_read_file (int fd, const char *path, GMappedFile **out, GError **error)
{
	g_autoptr (GError) map_error = NULL;
	struct stat st;

	if (fstat (fd, &st) != 0)
		return ir_migration_log_set_io_error (error, errno, "stat", path);
	if (st.st_size == 0)
		return TRUE;
	*out = g_mapped_file_new_from_fd (fd, FALSE, &map_error);
	if (*out == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read %s: %s",
			     path,
			     map_error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_migration_log_cut_file (int fd, const char *path, gsize size, GError **error)
{
	if (ftruncate (fd, (off_t)size) != 0)
		return ir_migration_log_set_io_error (error, errno, "cut the torn tail of", path);
	if (fsync (fd) != 0)
		return ir_migration_log_set_io_error (error, errno, "sync", path);
	return TRUE;
}

static gboolean
ir_migration_log_append_recovery (IrMigrationLog *self, gsize cut, gsize cut_cp, GError **error)
{
	g_autoptr (JsonObject) fields = json_object_new ();
	g_autofree char *reason = NULL;

	if (self->layout == IR_MIGRATION_LOG_LAYOUT_INLINE)
		reason = g_strdup_printf (
		    "cut %" G_GSIZE_FORMAT " bytes of %s past record %" G_GUINT64_FORMAT
		    " (a record without its whole signature line): an append that was never "
		    "acknowledged (crash or failed write or sync)",
		    cut,
		    LOG_FILE,
		    ir_merkle_tree_get_size (self->tree));
	else
		reason = g_strdup_printf (
		    "cut %" G_GSIZE_FORMAT " bytes of %s past checkpoint size %" G_GUINT64_FORMAT
		    " and %" G_GSIZE_FORMAT " bytes of a torn checkpoint: an append that was never "
		    "acknowledged (crash or failed sync)",
		    cut,
		    LOG_FILE,
		    ir_merkle_tree_get_size (self->tree),
		    cut_cp);
	json_object_set_int_member (fields, "cut_bytes", (gint64)cut);
	json_object_set_string_member (fields, "reason", reason);
	return ir_migration_log_append (self, IR_LOG_RECORD_RECOVERY, fields, NULL, error);
}

/* The notes layout: both files, note by note. */
static gboolean
ir_migration_log_scan_notes (
    IrMigrationLog *self, Scan *scan, gsize *cut_from, gsize *cut_cp, GError **error)
{
	gboolean ok = ir_migration_log_split_notes (scan, error) &&
		      ir_migration_log_parse_notes (self, scan, error) &&
		      ir_migration_log_scan_checkpointed (self, scan, error) &&
		      ir_migration_log_check_rotation (self, scan, error) &&
		      ir_migration_log_check_tail (self, scan, cut_from, cut_cp, error);

	if (ok && scan->notes->len > 0) {
		Note *last = &g_array_index (scan->notes, Note, scan->notes->len - 1);

		self->checkpoint = g_strndup (scan->cp + last->offset, last->len);
	}
	self->cp_separated = scan->cp_separated;
	return ok;
}

/* Verifies the log and cuts a torn tail. A ir_migration_log_tamper finding is kept in
 * self->tamper_error (not @error): the log is still returned. */
static gboolean
ir_migration_log_load (IrMigrationLog *self, GError **error)
{
	g_autoptr (GMappedFile) log_map = NULL;
	g_autoptr (GMappedFile) cp_map = NULL;
	g_autoptr (GError) found = NULL;
	Scan scan = {0};
	gsize cut_from = 0;
	gsize cut = 0;
	gsize cut_cp = 0;
	gsize cp_len = 0;
	gboolean ok;

	if (!ir_migration_log_read_file (self->log_fd, self->log_path, &log_map, error) ||
	    (self->cp_fd >= 0 &&
	     !ir_migration_log_read_file (self->cp_fd, self->cp_path, &cp_map, error)))
		return FALSE;
	if (log_map != NULL) {
		scan.log = g_mapped_file_get_contents (log_map);
		scan.log_len = g_mapped_file_get_length (log_map);
	}
	if (cp_map != NULL) {
		scan.cp = g_mapped_file_get_contents (cp_map);
		scan.cp_len = g_mapped_file_get_length (cp_map);
	}
	scan.notes = g_array_new (FALSE, TRUE, sizeof (Note));
	g_array_set_clear_func (scan.notes, ir_migration_log_note_clear);
	if (self->layout == IR_MIGRATION_LOG_LAYOUT_INLINE) {
		ok = ir_migration_log_scan_inline (self, &scan, &cut, &found);
		cut_from = scan.log_len - cut;
	} else {
		ok = ir_migration_log_scan_notes (self, &scan, &cut_from, &cut_cp, &found);
		cut = scan.log_len - cut_from;
	}
	cp_len = scan.cp_len;
	ir_migration_log_scan_clear (&scan);
	self->durable = ir_merkle_tree_get_size (self->tree);
	if (!ok) {
		self->read_only = TRUE;
		self->tamper_error = g_steal_pointer (&found);
		return TRUE;
	}
	g_clear_pointer (&log_map, g_mapped_file_unref);
	g_clear_pointer (&cp_map, g_mapped_file_unref);
	self->log_end = cut_from;
	if (cut == 0 && cut_cp == 0)
		return TRUE;
	/* the cut happens before RECOVERY is written: a crash in between
	 * loses the RECOVERY, never an acknowledged record. The torn note
	 * goes first: a crash between the two cuts leaves a whole line
	 * without a note, which is still a torn append, where the other order
	 * would leave a note with no record, which is not */
	if ((cut_cp > 0 &&
	     !ir_migration_log_cut_file (self->cp_fd, self->cp_path, cp_len - cut_cp, error)) ||
	    !ir_migration_log_cut_file (self->log_fd, self->log_path, cut_from, error))
		return FALSE;
	return ir_migration_log_append_recovery (self, cut, cut_cp, error);
}

static int
ir_migration_log_open_file (const char *path, gboolean create, gboolean *created, GError **error)
{
	int fd = open (path, O_RDWR | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0 && errno == ENOENT && !create)
		return -1;
	if (fd < 0 && errno == ENOENT) {
		fd = open (path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		*created = TRUE;
	}
	if (fd < 0)
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errno),
			     "failed to open migration log %s: %s",
			     path,
			     g_strerror (errno));
	return fd;
}

/* A checkpoint file that holds anything makes a log of the notes layout;
 * every other log is inline (docs/migration-log.md, "Layout"). */
static gboolean
ir_migration_log_choose_layout (IrMigrationLog *self,
				IrMigrationLogLayout new_layout,
				gboolean *created,
				GError **error)
{
	struct stat log_st, cp_st;
	gboolean has_notes;

	self->cp_fd = ir_migration_log_open_file (self->cp_path, FALSE, created, error);
	if (self->cp_fd < 0 && errno != ENOENT)
		return FALSE;
	if (fstat (self->log_fd, &log_st) != 0)
		return ir_migration_log_set_io_error (error, errno, "stat", self->log_path);
	has_notes = self->cp_fd >= 0 && fstat (self->cp_fd, &cp_st) == 0 && cp_st.st_size > 0;
	if (has_notes || (log_st.st_size == 0 && new_layout == IR_MIGRATION_LOG_LAYOUT_NOTES))
		self->layout = IR_MIGRATION_LOG_LAYOUT_NOTES;
	else
		self->layout = IR_MIGRATION_LOG_LAYOUT_INLINE;
	if (self->layout == IR_MIGRATION_LOG_LAYOUT_NOTES && self->cp_fd < 0) {
		self->cp_fd = ir_migration_log_open_file (self->cp_path, TRUE, created, error);
		if (self->cp_fd < 0)
			return FALSE;
	}
	return TRUE;
}

IrMigrationLog *
ir_migration_log_open_layout (const char *dir,
			      const char *origin,
			      const char *key_name,
			      EVP_PKEY *key,
			      IrMigrationLogLayout new_layout,
			      GError **error)
{
	g_autoptr (IrMigrationLog) self = g_object_new (IR_TYPE_MIGRATION_LOG, NULL);
	gboolean created = FALSE;

	g_return_val_if_fail (dir != NULL && origin != NULL && key_name != NULL, NULL);
	g_return_val_if_fail (key != NULL, NULL);

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errno),
			     "failed to create the migration log directory %s: %s",
			     dir,
			     g_strerror (errno));
		return NULL;
	}
	self->log_path = g_build_filename (dir, LOG_FILE, NULL);
	self->cp_path = g_build_filename (dir, CHECKPOINT_FILE, NULL);
	self->origin = g_strdup (origin);
	self->key_name = g_strdup (key_name);
	self->key = key;
	EVP_PKEY_up_ref (key);
	self->log_fd = ir_migration_log_open_file (self->log_path, TRUE, &created, error);
	if (self->log_fd < 0)
		return NULL;
	/* two writers would interleave records: one process per log */
	if (flock (self->log_fd, LOCK_EX | LOCK_NB) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_BUSY,
			     "migration log %s is in use by another imeirestore process: "
			     "close it first",
			     self->log_path);
		return NULL;
	}
	if (!ir_migration_log_choose_layout (self, new_layout, &created, error))
		return NULL;
	if (created && !ir_durable_sync_dir (dir, error))
		return NULL;
	if (!ir_migration_log_load (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

IrMigrationLog *
ir_migration_log_open (
    const char *dir, const char *origin, const char *key_name, EVP_PKEY *key, GError **error)
{
	return ir_migration_log_open_layout (
	    dir, origin, key_name, key, IR_MIGRATION_LOG_LAYOUT_INLINE, error);
}

/* The origin from the files alone: the first line of the checkpoint file
 * (notes layout), else the key name of the signature line after the first
 * record (inline layout; the key name is the origin). */
char *
ir_migration_log_read_origin (const char *dir, GError **error)
{
	g_autofree char *cps = g_build_filename (dir, CHECKPOINT_FILE, NULL);
	g_autofree char *records = g_build_filename (dir, LOG_FILE, NULL);
	g_autofree char *text = NULL;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = 0;
	const char *name = NULL;
	gsize name_len = 0;
	char *found = NULL;

	if (g_file_get_contents (cps, &text, NULL, NULL) && text[0] != '\0') {
		if (text[strcspn (text, "\n")] == '\n')
			return g_strndup (text, strcspn (text, "\n"));
	} else if ((fp = fopen (records, "re")) != NULL) {
		for (guint i = 0; i < 2 && (n = getline (&line, &cap, fp)) > 0; i++)
			;
		if (n > 1 && line[n - 1] == '\n' &&
		    ir_log_sigline_parse (line, (gsize)n - 1, &name, &name_len))
			found = g_strndup (name, name_len);
		free (line);
		fclose (fp);
		if (found != NULL)
			return found;
	} else {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "no migration log in %s (no %s): give the state folder of imeictl "
			     "restore with --state-dir",
			     dir,
			     LOG_FILE);
		return NULL;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TAMPERED,
		     "the migration log in %s does not say its origin (no checkpoint origin line, "
		     "no signature line after its first record): check the log with imeictl "
		     "audit verify",
		     dir);
	return NULL;
}

/* ---- append ---- */

static gboolean
ir_migration_log_write_once (int fd, const char *path, const char *data, gsize len, GError **error)
{
	ssize_t n;

	do
		n = write (fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ir_migration_log_set_io_error (error, errno, "append to", path);
	/* no second write: the line must land whole or be cut as torn */
	if ((gsize)n != len)
		return ir_migration_log_set_io_error (
		    error, ENOSPC, "append a whole record to", path);
	return TRUE;
}

/* Any failure once bytes may have reached a file ends writing for this
 * run. No fsync retry: after a failed fsync Linux may already have
 * dropped the dirty pages and marked them clean, so a second fsync can
 * succeed without the data being on disk (the 2018 PostgreSQL
 * "fsyncgate"). Only the next open, reading what really is on disk, can
 * say what was kept. */
static gboolean
ir_migration_log_fail_io (IrMigrationLog *self, GError *io_error, GError **error)
{
	self->read_only = TRUE;
	g_clear_error (&self->io_error);
	self->io_error = g_error_copy (io_error);
	g_propagate_error (error, io_error);
	return FALSE;
}

/* NOTES layout: the note after its synced record line, in its own file. */
static gboolean
ir_migration_log_write_checkpoint (IrMigrationLog *self, const char *note, GError **error)
{
	/* a crash may have left the last note without its empty line: it
	 * goes first, in the same write */
	g_autofree char *data = g_strconcat (self->cp_separated ? "" : "\n", note, "\n", NULL);

	if (!ir_migration_log_write_once (self->cp_fd, self->cp_path, data, strlen (data), error))
		return FALSE;
	if (fsync (self->cp_fd) != 0)
		return ir_migration_log_set_io_error (error, errno, "sync", self->cp_path);
	self->cp_separated = TRUE;
	return TRUE;
}

/* NOTES layout: record line synced, then its note synced, one at a time
 * (under the lock: no group commit, the tail rule of that layout allows
 * one record past the last note). */
static gboolean
ir_migration_log_commit_notes (IrMigrationLog *self,
			       const char *line,
			       const char *note,
			       GError **error)
{
	g_autofree char *data = g_strconcat (line, "\n", NULL);
	gsize len = strlen (data);

	if (!ir_migration_log_write_once (self->log_fd, self->log_path, data, len, error))
		return FALSE;
	if (fdatasync (self->log_fd) != 0)
		return ir_migration_log_set_io_error (error, errno, "sync", self->log_path);
	return ir_migration_log_write_checkpoint (self, note, error);
}

static gboolean
ir_migration_log_refuse_read_only (IrMigrationLog *self, GError **error)
{
	const GError *why = self->tamper_error != NULL ? self->tamper_error : self->io_error;

	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_READ_ONLY_LOG,
		     "migration log %s is read-only, nothing recorded: %s",
		     self->log_path,
		     why != NULL ? why->message : "unknown reason");
	return FALSE;
}

/* The record's time (RFC 3339 UTC, whole seconds) in self->time_text:
 * made with GDateTime once a second, not once an append. */
static void
ir_migration_log_update_time (IrMigrationLog *self)
{
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	g_autoptr (GDateTime) time = NULL;
	g_autofree char *text = NULL;

	if (now == self->time_sec)
		return;
	time = g_date_time_new_from_unix_utc (now);
	text = time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
	/* a clock out of GDateTime's range: the empty time is refused by
	 * the record's own check, naming the member */
	g_strlcpy (self->time_text, text != NULL ? text : "", sizeof (self->time_text));
	self->time_sec = now;
}

/* INLINE (the lock held): the record's signature line after its line in
 * self->pending; where it is and what it signed go to pending_cp. */
static gboolean
ir_migration_log_queue_sigline (IrMigrationLog *self,
				guint64 size,
				const guint8 root[IR_MERKLE_HASH_LEN],
				GError **error)
{
	gsize sig_at = self->pending->len + 1;

	g_string_append_c (self->pending, '\n');
	if (!ir_log_sigline_append_signed (
		self->signer, self->origin, size, root, self->pending, error))
		return FALSE;
	self->pending_cp.size = size;
	memcpy (self->pending_cp.root, root, IR_MERKLE_HASH_LEN);
	self->pending_cp.sig_at = sig_at;
	return TRUE;
}

/* NOTES (the lock held): the note for the record line in self->scratch,
 * written and synced with it. */
static gboolean
ir_migration_log_commit_note (IrMigrationLog *self,
			      guint64 size,
			      const guint8 root[IR_MERKLE_HASH_LEN],
			      GError **error)
{
	g_autofree char *note =
	    ir_checkpoint_sign_with (self->origin, size, root, self->signer, error);
	g_autoptr (GError) io_error = NULL;

	if (note == NULL)
		return FALSE;
	if (!ir_migration_log_commit_notes (self, self->scratch->str, note, &io_error))
		return ir_migration_log_fail_io (self, g_steal_pointer (&io_error), error);
	self->log_end += self->scratch->len + 1;
	self->durable = size;
	g_free (self->checkpoint);
	self->checkpoint = g_steal_pointer (&note);
	return TRUE;
}

/* Formats, extends the tree and signs (the lock held). INLINE: the pair
 * waits in self->pending for the next group commit; NOTES: written and
 * synced here. The line is formatted where it is written from (pending or
 * scratch), and an INTENT keeps only its line: no copy of the record,
 * no JSON object built per append. */
static gboolean
ir_migration_log_enqueue (IrMigrationLog *self,
			  IrLogRecordType type,
			  JsonObject *fields,
			  guint64 *seq_out,
			  GError **error)
{
	guint64 seq = ir_merkle_tree_get_size (self->tree);
	guint64 line_start = self->log_end;
	gboolean inline_layout = self->layout != IR_MIGRATION_LOG_LAYOUT_NOTES;
	GString *out = inline_layout ? self->pending : self->scratch;
	gsize start;
	gsize len;
	IrLogScanRecord scan;
	gsize id_at;
	guint8 root[IR_MERKLE_HASH_LEN];

	if (self->read_only)
		return ir_migration_log_refuse_read_only (self, error);
	if (self->signer == NULL) {
		if (!ir_checkpoint_check_origin (self->origin, error))
			return FALSE;
		self->signer = ir_note_signer_new (self->key_name, self->key, error);
		if (self->signer == NULL)
			return FALSE;
	}
	if (!inline_layout)
		g_string_truncate (out, 0);
	start = out->len;
	ir_migration_log_update_time (self);
	if (!ir_log_record_append_line (out, type, seq, self->time_text, fields, &scan, error))
		return FALSE;
	len = out->len - start;
	/* the scan's spans point into @out, which the signature line may
	 * move: where the intent_id is, as an offset */
	id_at = scan.intent_id.text != NULL ? (gsize)(scan.intent_id.text - out->str) : 0;
	ir_merkle_tree_append (self->tree, (const guint8 *)out->str + start, len);
	if (!ir_merkle_tree_root (self->tree, seq + 1, root, error) ||
	    !(inline_layout ? ir_migration_log_queue_sigline (self, seq + 1, root, error)
			    : ir_migration_log_commit_note (self, seq + 1, root, error))) {
		ir_merkle_tree_truncate (self->tree, seq);
		g_string_truncate (out, start);
		return FALSE;
	}
	ir_migration_log_add_line (self, line_start, len);
	if (inline_layout)
		self->log_end += out->len - start;
	if (scan.intent_id.text != NULL)
		scan.intent_id.text = out->str + id_at;
	ir_migration_log_track_appended (self, seq, &scan, out->str + start, len);
	*seq_out = seq;
	return TRUE;
}

/* Group commit (the lock held): the first waiter writes everything
 * pending in one write() and syncs it once, outside the lock, while later
 * appends queue up for the next batch; every waiter whose record that
 * sync covered returns. The two buffers swap: no allocation per batch. */
static void
ir_migration_log_commit_batch (IrMigrationLog *self)
{
	GString *batch = self->pending;
	IrMigrationLogSigned cp = self->pending_cp;
	guint64 end = ir_merkle_tree_get_size (self->tree);
	g_autoptr (GError) io_error = NULL;
	gboolean ok;

	self->pending = g_steal_pointer (&self->spare);
	self->syncing = TRUE;
	g_mutex_unlock (&self->lock);
	ok = ir_migration_log_write_once (
	    self->log_fd, self->log_path, batch->str, batch->len, &io_error);
	if (ok && fdatasync (self->log_fd) != 0)
		ok = ir_migration_log_set_io_error (&io_error, errno, "sync", self->log_path);
	g_mutex_lock (&self->lock);
	self->syncing = FALSE;
	if (ok) {
		/* the batch keeps its last signature line: the durable one's */
		self->spare = self->durable_sig;
		self->durable_sig = batch;
		self->durable = end;
		self->durable_cp = cp;
		g_clear_pointer (&self->checkpoint, g_free);
	} else {
		self->spare = batch;
		ir_migration_log_fail_io (self, g_steal_pointer (&io_error), NULL);
	}
	g_string_truncate (self->spare, 0);
	g_cond_broadcast (&self->durable_cond);
}

static gboolean
ir_migration_log_wait_durable (IrMigrationLog *self, guint64 seq, GError **error)
{
	while (self->durable <= seq && self->io_error == NULL) {
		if (self->syncing)
			g_cond_wait (&self->durable_cond, &self->lock);
		else
			ir_migration_log_commit_batch (self);
	}
	if (self->durable > seq)
		return TRUE;
	g_propagate_error (error, g_error_copy (self->io_error));
	return FALSE;
}

gboolean
ir_migration_log_append_begin (
    IrMigrationLog *self, IrLogRecordType type, JsonObject *fields, guint64 *index, GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), FALSE);
	g_return_val_if_fail (index != NULL, FALSE);

	/* assigned apart from its declaration: clang sees it used */
	locker = g_mutex_locker_new (&self->lock);
	return ir_migration_log_enqueue (self, type, fields, index, error);
}

gboolean
ir_migration_log_append_finish (IrMigrationLog *self, guint64 index, GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), FALSE);

	locker = g_mutex_locker_new (&self->lock);
	return ir_migration_log_wait_durable (self, index, error);
}

gboolean
ir_migration_log_append (
    IrMigrationLog *self, IrLogRecordType type, JsonObject *fields, guint64 *index, GError **error)
{
	guint64 seq = 0;

	if (!ir_migration_log_append_begin (self, type, fields, &seq, error) ||
	    !ir_migration_log_append_finish (self, seq, error))
		return FALSE;
	if (index != NULL)
		*index = seq;
	return TRUE;
}

/* ---- accessors ---- */

gboolean
ir_migration_log_is_read_only (IrMigrationLog *self)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), TRUE);
	locker = g_mutex_locker_new (&self->lock);
	return self->read_only;
}

const GError *
ir_migration_log_get_tamper_error (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	return self->tamper_error;
}

IrMigrationLogLayout
ir_migration_log_get_layout (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), IR_MIGRATION_LOG_LAYOUT_INLINE);
	return self->layout;
}

guint64
ir_migration_log_get_size (IrMigrationLog *self)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), 0);
	locker = g_mutex_locker_new (&self->lock);
	return self->durable;
}

const IrMerkleTree *
ir_migration_log_get_tree (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	return self->tree;
}

/* INLINE (the lock held): the note text of the last durable checkpoint,
 * made from its parts when first asked for after an append. */
static const char *
ir_migration_log_checkpoint_text (IrMigrationLog *self)
{
	const IrMigrationLogSigned *cp = &self->durable_cp;

	if (self->checkpoint == NULL && cp->size > 0 && cp->size == self->durable)
		/* the signature line without its newline */
		self->checkpoint = ir_log_sigline_note (self->origin,
							cp->size,
							cp->root,
							self->durable_sig->str + cp->sig_at,
							self->durable_sig->len - cp->sig_at - 1);
	return self->checkpoint;
}

const char *
ir_migration_log_get_checkpoint (IrMigrationLog *self)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	locker = g_mutex_locker_new (&self->lock);
	return ir_migration_log_checkpoint_text (self);
}

char *
ir_migration_log_dup_checkpoint (IrMigrationLog *self, guint64 *size)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	locker = g_mutex_locker_new (&self->lock);
	if (size != NULL)
		*size = self->durable;
	return g_strdup (ir_migration_log_checkpoint_text (self));
}

/* NOTES layout: note @size is the @size-th of the checkpoint file (one
 * per record). */
static char *
ir_migration_log_read_note (IrMigrationLog *self, guint64 size, GError **error)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	gsize pos = 0;

	if (!g_file_get_contents (self->cp_path, &text, &len, error)) {
		g_prefix_error (error, "failed to read the checkpoints: ");
		return NULL;
	}
	for (guint64 k = 1; pos < len; k++) {
		gsize note_len = 0;
		gsize consumed = 0;

		if (ir_log_tail_next_note (text + pos, len - pos, TRUE, &note_len, &consumed) !=
		    IR_LOG_TAIL_NOTE_COMPLETE)
			break;
		if (k == size)
			return g_strndup (text + pos, note_len);
		pos += consumed;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_NOT_FOUND,
		     "%s has no checkpoint at size %" G_GUINT64_FORMAT,
		     self->cp_path,
		     size);
	return NULL;
}

char *
ir_migration_log_read_checkpoint (IrMigrationLog *self, guint64 size, GError **error)
{
	IrMigrationLogLine at = {0};
	guint8 root[IR_MERKLE_HASH_LEN];
	gsize sig_len;
	g_autofree char *sig = NULL;
	ssize_t n;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);

	g_mutex_lock (&self->lock);
	if (size >= 1 && size <= self->durable) {
		at = g_array_index (self->lines, IrMigrationLogLine, size - 1);
		ir_merkle_tree_root (self->tree, size, root, NULL);
	}
	g_mutex_unlock (&self->lock);
	if (at.len == 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "%s has no checkpoint at size %" G_GUINT64_FORMAT,
			     self->log_path,
			     size);
		return NULL;
	}
	if (self->layout == IR_MIGRATION_LOG_LAYOUT_NOTES)
		return ir_migration_log_read_note (self, size, error);
	/* the signature line right after the record: its length is known,
	 * the key name is the origin whatever key signed */
	sig_len =
	    strlen (IR_LOG_SIGLINE_EM_DASH) + strlen (self->key_name) + 1 + IR_LOG_SIGLINE_B64;
	sig = g_malloc (sig_len);
	n = pread (self->log_fd, sig, sig_len, (off_t)(at.start + at.len + 1));
	if (n < 0 || (gsize)n != sig_len) {
		ir_migration_log_set_io_error (error, n < 0 ? errno : EIO, "read", self->log_path);
		return NULL;
	}
	return ir_log_sigline_note (self->origin, size, root, sig, sig_len);
}

GPtrArray *
ir_migration_log_read_lines (IrMigrationLog *self, guint64 start, guint64 end, GError **error)
{
	g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GArray) where = g_array_new (FALSE, FALSE, sizeof (IrMigrationLogLine));
	guint64 size;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);

	g_mutex_lock (&self->lock);
	size = self->durable;
	if (start <= end && end <= size)
		g_array_append_vals (where,
				     &g_array_index (self->lines, IrMigrationLogLine, start),
				     (guint)(end - start));
	g_mutex_unlock (&self->lock);
	if (start > end || end > size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "records %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
			     " are not in the log (it has %" G_GUINT64_FORMAT ")",
			     start,
			     end,
			     size);
		return NULL;
	}
	for (guint i = 0; i < where->len; i++) {
		const IrMigrationLogLine *at = &g_array_index (where, IrMigrationLogLine, i);
		g_autofree char *buf = g_malloc (at->len + 1);
		ssize_t n = pread (self->log_fd, buf, at->len, (off_t)at->start);

		if (n < 0 || (gsize)n != at->len) {
			ir_migration_log_set_io_error (
			    error, n < 0 ? errno : EIO, "read", self->log_path);
			return NULL;
		}
		buf[at->len] = '\0';
		g_ptr_array_add (lines, g_steal_pointer (&buf));
	}
	return g_steal_pointer (&lines);
}

static gint
ir_migration_log_compare_seq (gconstpointer a, gconstpointer b)
{
	gint64 sa = json_object_get_int_member (*(JsonObject *const *)a, "seq");
	gint64 sb = json_object_get_int_member (*(JsonObject *const *)b, "seq");

	return sa < sb ? -1 : sa > sb;
}

/* The record object of an open intent (the lock held): an appended one is
 * parsed from its line the first time it is asked for. */
static JsonObject *
ir_migration_log_intent_object (IrMigrationLogIntent *intent)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrLogRecord) record = NULL;

	if (intent->object != NULL)
		return intent->object;
	record = ir_log_record_parse (intent->line, strlen (intent->line), &error);
	if (record == NULL) {
		/* the strict parser accepted the line before it was written */
		g_critical ("open intent at seq %" G_GUINT64_FORMAT " does not parse: %s",
			    intent->seq,
			    error->message);
		return NULL;
	}
	intent->object = json_object_ref (record->object);
	g_clear_pointer (&intent->line, g_free);
	return intent->object;
}

GPtrArray *
ir_migration_log_get_open_intents (IrMigrationLog *self)
{
	GPtrArray *intents = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	GHashTableIter iter;
	gpointer value;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), intents);

	g_mutex_lock (&self->lock);
	g_hash_table_iter_init (&iter, self->open_intents);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		JsonObject *object = ir_migration_log_intent_object (value);

		if (object != NULL)
			g_ptr_array_add (intents, json_object_ref (object));
	}
	g_mutex_unlock (&self->lock);
	g_ptr_array_sort (intents, ir_migration_log_compare_seq);
	return intents;
}
