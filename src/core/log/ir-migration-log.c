/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/x509.h>

#include "ir-durable.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-tail.h"
#include "ir-migration-log.h"
#include "ir-openssl-autoptr.h"

/* The writer of docs/migration-log.md. The files are only ever appended
 * to, with one exception: at open, the bytes past the last checkpoint (at
 * most one unacknowledged record) are cut, and a RECOVERY record says so.
 *
 * Durability order of one append:
 *   1. write(line + "\n") in one call on the O_APPEND log, fdatasync
 *   2. extend the tree, sign its checkpoint, write(note + "\n") on the
 *      O_APPEND checkpoint file, fsync
 *   3. only now report success
 * A record is acknowledged only after step 2 synced, so a record without
 * its checkpoint (or with a torn one) was never acknowledged, and cutting
 * it at the next open loses nothing anyone was told was kept. */

#define LOG_FILE	"migration-log.jsonl"
#define CHECKPOINT_FILE "migration-log.checkpoints"

struct _IrMigrationLog {
	GObject parent_instance;
	char *log_path;
	char *cp_path;
	char *origin;
	char *key_name;
	EVP_PKEY *key;
	int log_fd;
	int cp_fd;
	IrMerkleTree *tree;
	GArray *offsets; /* guint64: start of each line, then the end of the last */
	char *checkpoint;
	gboolean cp_separated; /* the checkpoint file ends with the empty line after a note */
	gboolean read_only;
	GError *tamper_error;
	GError *io_error;
	GHashTable *open_intents; /* intent_id -> JsonObject (INTENT record) */
};

G_DEFINE_TYPE (IrMigrationLog, ir_migration_log, G_TYPE_OBJECT)

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
	g_clear_pointer (&self->tree, ir_merkle_tree_free);
	g_array_unref (self->offsets);
	g_free (self->checkpoint);
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
	guint64 zero = 0;

	self->log_fd = -1;
	self->cp_fd = -1;
	self->tree = ir_merkle_tree_new ();
	self->offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
	g_array_append_val (self->offsets, zero);
	self->open_intents = g_hash_table_new_full (
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_object_unref);
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

/* ---- records in memory: offsets, open intents ---- */

static guint64
ir_migration_log_line_start (IrMigrationLog *self, guint64 index)
{
	return g_array_index (self->offsets, guint64, index);
}

static guint64
ir_migration_log_log_end (IrMigrationLog *self)
{
	return ir_migration_log_line_start (self, self->offsets->len - 1);
}

static void
ir_migration_log_track_record (IrMigrationLog *self, const IrLogRecord *record)
{
	const char *id;

	if (record->type != IR_LOG_RECORD_INTENT && record->type != IR_LOG_RECORD_RESULT)
		return;
	id = json_object_get_string_member (record->object, "intent_id");
	if (record->type == IR_LOG_RECORD_INTENT)
		g_hash_table_replace (
		    self->open_intents, g_strdup (id), json_object_ref (record->object));
	else
		g_hash_table_remove (self->open_intents, id);
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
	guint64 next;

	if (scan->log_pos >= scan->log_len)
		return FALSE;
	nl = memchr (start, '\n', scan->log_len - scan->log_pos);
	if (nl == NULL)
		return FALSE;
	*line = start;
	*len = (gsize)(nl - start);
	ir_merkle_tree_append (self->tree, (const guint8 *)start, *len);
	scan->log_pos += *len + 1;
	next = scan->log_pos;
	g_array_append_val (self->offsets, next);
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
						index + 1,
						parse_error->message);
	if (record->seq != index)
		return ir_migration_log_tamper (
		    error,
		    "%s line %" G_GUINT64_FORMAT ": seq %" G_GUINT64_FORMAT
		    " where %" G_GUINT64_FORMAT
		    " was expected (a record was removed, inserted or reordered)",
		    LOG_FILE,
		    index + 1,
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
public_key_from_base64 (const char *text)
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
	rotated = public_key_from_base64 (scan->rotation_key);
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
	g_autofree char *reason = g_strdup_printf (
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

/* Verifies both files and cuts a torn tail. A ir_migration_log_tamper finding is kept in
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
	gboolean ok;

	if (!ir_migration_log_read_file (self->log_fd, self->log_path, &log_map, error) ||
	    !ir_migration_log_read_file (self->cp_fd, self->cp_path, &cp_map, error))
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
	ok = ir_migration_log_split_notes (&scan, &found) &&
	     ir_migration_log_parse_notes (self, &scan, &found) &&
	     ir_migration_log_scan_checkpointed (self, &scan, &found) &&
	     ir_migration_log_check_rotation (self, &scan, &found) &&
	     ir_migration_log_check_tail (self, &scan, &cut_from, &cut_cp, &found);
	if (ok && scan.notes->len > 0) {
		Note *last = &g_array_index (scan.notes, Note, scan.notes->len - 1);

		self->checkpoint = g_strndup (scan.cp + last->offset, last->len);
	}
	cut = scan.log_len - cut_from;
	self->cp_separated = scan.cp_separated;
	ir_migration_log_scan_clear (&scan);
	if (!ok) {
		self->read_only = TRUE;
		self->tamper_error = g_steal_pointer (&found);
		return TRUE;
	}
	g_clear_pointer (&log_map, g_mapped_file_unref);
	g_clear_pointer (&cp_map, g_mapped_file_unref);
	if (cut == 0 && cut_cp == 0)
		return TRUE;
	/* the cut happens before RECOVERY is written: a crash in between
	 * loses the RECOVERY, never an acknowledged record. The torn note
	 * goes first: a crash between the two cuts leaves a whole line
	 * without a note, which is still a torn append, where the other order
	 * would leave a note with no record, which is not */
	if (!ir_migration_log_cut_file (self->cp_fd, self->cp_path, scan.cp_len - cut_cp, error) ||
	    !ir_migration_log_cut_file (self->log_fd, self->log_path, cut_from, error))
		return FALSE;
	return ir_migration_log_append_recovery (self, cut, cut_cp, error);
}

static int
ir_migration_log_open_file (const char *path, gboolean *created, GError **error)
{
	int fd = open (path, O_RDWR | O_APPEND | O_CLOEXEC, 0600);

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

IrMigrationLog *
ir_migration_log_open (
    const char *dir, const char *origin, const char *key_name, EVP_PKEY *key, GError **error)
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
	self->log_fd = ir_migration_log_open_file (self->log_path, &created, error);
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
	self->cp_fd = ir_migration_log_open_file (self->cp_path, &created, error);
	if (self->cp_fd < 0)
		return NULL;
	if (created && !ir_durable_sync_dir (dir, error))
		return NULL;
	if (!ir_migration_log_load (self, error))
		return NULL;
	return g_steal_pointer (&self);
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

static gboolean
ir_migration_log_write_checkpoint (IrMigrationLog *self, char **note_out, GError **error)
{
	guint64 size = ir_merkle_tree_get_size (self->tree);
	guint8 root[IR_MERKLE_HASH_LEN];
	g_autofree char *note = NULL;
	g_autofree char *data = NULL;

	if (!ir_merkle_tree_root (self->tree, size, root, error))
		return FALSE;
	note = ir_checkpoint_sign (self->origin, size, root, self->key_name, self->key, error);
	if (note == NULL)
		return FALSE;
	/* a crash may have left the last note without its empty line: it
	 * goes first, in the same write */
	data = g_strconcat (self->cp_separated ? "" : "\n", note, "\n", NULL);
	if (!ir_migration_log_write_once (self->cp_fd, self->cp_path, data, strlen (data), error))
		return FALSE;
	if (fsync (self->cp_fd) != 0)
		return ir_migration_log_set_io_error (error, errno, "sync", self->cp_path);
	self->cp_separated = TRUE;
	*note_out = g_steal_pointer (&note);
	return TRUE;
}

gboolean
ir_migration_log_append (
    IrMigrationLog *self, IrLogRecordType type, JsonObject *fields, guint64 *index, GError **error)
{
	guint64 seq;
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (GError) io_error = NULL;
	g_autoptr (IrLogRecord) record = NULL;
	g_autofree char *line = NULL;
	g_autofree char *data = NULL;
	g_autofree char *note = NULL;
	gsize len;
	guint64 end;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), FALSE);

	if (self->read_only) {
		const GError *why =
		    self->tamper_error != NULL ? self->tamper_error : self->io_error;

		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_READ_ONLY_LOG,
			     "migration log %s is read-only, nothing recorded: %s",
			     self->log_path,
			     why != NULL ? why->message : "unknown reason");
		return FALSE;
	}
	seq = ir_merkle_tree_get_size (self->tree);
	line = ir_log_record_format (type, seq, now, fields, error);
	if (line == NULL)
		return FALSE;
	len = strlen (line);
	data = g_strconcat (line, "\n", NULL);
	if (!ir_migration_log_write_once (self->log_fd, self->log_path, data, len + 1, &io_error))
		return ir_migration_log_fail_io (self, g_steal_pointer (&io_error), error);
	if (fdatasync (self->log_fd) != 0) {
		ir_migration_log_set_io_error (&io_error, errno, "sync", self->log_path);
		return ir_migration_log_fail_io (self, g_steal_pointer (&io_error), error);
	}
	ir_merkle_tree_append (self->tree, (const guint8 *)line, len);
	if (!ir_migration_log_write_checkpoint (self, &note, &io_error)) {
		ir_merkle_tree_truncate (self->tree, seq);
		return ir_migration_log_fail_io (self, g_steal_pointer (&io_error), error);
	}
	/* acknowledged from here on */
	end = ir_migration_log_log_end (self) + len + 1;
	g_array_append_val (self->offsets, end);
	g_free (self->checkpoint);
	self->checkpoint = g_steal_pointer (&note);
	record = ir_log_record_parse (line, len, NULL);
	if (record != NULL)
		ir_migration_log_track_record (self, record);
	if (index != NULL)
		*index = seq;
	return TRUE;
}

/* ---- accessors ---- */

gboolean
ir_migration_log_is_read_only (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), TRUE);
	return self->read_only;
}

const GError *
ir_migration_log_get_tamper_error (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	return self->tamper_error;
}

guint64
ir_migration_log_get_size (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), 0);
	return ir_merkle_tree_get_size (self->tree);
}

const IrMerkleTree *
ir_migration_log_get_tree (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	return self->tree;
}

const char *
ir_migration_log_get_checkpoint (IrMigrationLog *self)
{
	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);
	return self->checkpoint;
}

GPtrArray *
ir_migration_log_read_lines (IrMigrationLog *self, guint64 start, guint64 end, GError **error)
{
	g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
	guint64 size;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), NULL);

	size = self->offsets->len - 1;
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
	for (guint64 i = start; i < end; i++) {
		guint64 from = ir_migration_log_line_start (self, i);
		gsize len = (gsize)(ir_migration_log_line_start (self, i + 1) - from - 1);
		g_autofree char *buf = g_malloc (len + 1);
		ssize_t n = pread (self->log_fd, buf, len, (off_t)from);

		if (n < 0 || (gsize)n != len) {
			ir_migration_log_set_io_error (
			    error, n < 0 ? errno : EIO, "read", self->log_path);
			return NULL;
		}
		buf[len] = '\0';
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

GPtrArray *
ir_migration_log_get_open_intents (IrMigrationLog *self)
{
	GPtrArray *intents = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	GHashTableIter iter;
	gpointer value;

	g_return_val_if_fail (IR_IS_MIGRATION_LOG (self), intents);

	g_hash_table_iter_init (&iter, self->open_intents);
	while (g_hash_table_iter_next (&iter, NULL, &value))
		g_ptr_array_add (intents, json_object_ref (value));
	g_ptr_array_sort (intents, ir_migration_log_compare_seq);
	return intents;
}
