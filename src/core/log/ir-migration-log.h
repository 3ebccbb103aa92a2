/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <openssl/evp.h>

#include "ir-checkpoint.h"
#include "ir-merkle.h"

G_BEGIN_DECLS

/* The workstation's migration log (DESIGN.md §5, docs/migration-log.md):
 * one append-only file of records, each record line's bytes a leaf of an
 * RFC 9162 Merkle tree, and after each record a signed C2SP checkpoint.
 * Two layouts (ir_migration_log_get_layout):
 *
 *   inline (every new log): DIR/migration-log.jsonl, each record line
 *     followed by its checkpoint's signature line (ir-log-sigline.h)
 *   notes (logs written before it): DIR/migration-log.jsonl the records,
 *     DIR/migration-log.checkpoints the signed notes, one after another
 *
 * Append is durable before it returns: inline, the record and its
 * signature line in one write and one fdatasync, shared by the appends of
 * every thread waiting at the time (group commit); notes, the line
 * (fdatasync), then the checkpoint (written and synced). A failed write or sync is
 * IR_ERROR_IO and the log refuses further appends (no fsync retry: after a
 * failed fsync the page cache cannot be trusted). At open: a torn tail
 * past the last checkpoint is cut and a RECOVERY record says how many
 * bytes; any mismatch inside the checkpointed part makes the log read-only
 * (IR_ERROR_READ_ONLY_LOG on append) and raises the tamper alarm:
 * ir_migration_log_get_tamper_error() says what and where. */

#define IR_MIGRATION_LOG_SCHEMA 1

/* Beside the log, kept by the witness client (src/core/brand): the last
 * checkpoint the brand's witness cosigned. The log never cuts a record it
 * covers. */
#define IR_MIGRATION_LOG_COSIGNED_FILE "migration-log.cosigned"

typedef enum {
	IR_LOG_RECORD_START,	    /* the workstation started */
	IR_LOG_RECORD_INTENT,	    /* about to write to a phone */
	IR_LOG_RECORD_RESULT,	    /* what came of an INTENT */
	IR_LOG_RECORD_RECOVERY,	    /* a torn tail was cut at open */
	IR_LOG_RECORD_KEY_ROTATION, /* the workstation key changed */
} IrLogRecordType;

const char *ir_log_record_type_to_string (IrLogRecordType type);

typedef enum {
	IR_MIGRATION_LOG_LAYOUT_INLINE, /* signature lines in the record file */
	IR_MIGRATION_LOG_LAYOUT_NOTES,	/* a checkpoint file beside it */
} IrMigrationLogLayout;

#define IR_TYPE_MIGRATION_LOG (ir_migration_log_get_type ())
G_DECLARE_FINAL_TYPE (IrMigrationLog, ir_migration_log, IR, MIGRATION_LOG, GObject)

/* Opens (creating when absent) the log in @dir. @origin is the
 * workstation identity (checkpoint origin line); @key signs checkpoints
 * under @key_name. Verifies everything and recovers a torn tail. A log
 * found tampered is still returned, read-only, with the alarm raised. */
IrMigrationLog *ir_migration_log_open (
    const char *dir, const char *origin, const char *key_name, EVP_PKEY *key, GError **error);

/* The same; a new log (empty record file, no checkpoint file) gets
 * @new_layout. An existing log keeps its own. Tests make notes-layout logs
 * with it, as older versions wrote them. */
IrMigrationLog *ir_migration_log_open_layout (const char *dir,
					      const char *origin,
					      const char *key_name,
					      EVP_PKEY *key,
					      IrMigrationLogLayout new_layout,
					      GError **error);

IrMigrationLogLayout ir_migration_log_get_layout (IrMigrationLog *self);

/* The log's origin read from the files in @dir, without opening the log
 * (IR_ERROR_NOT_FOUND: no log there; IR_ERROR_TAMPERED: no checkpoint
 * says it). */
char *ir_migration_log_read_origin (const char *dir, GError **error);

/* Appends one record: @fields (schema, type, time and seq are added
 * here). Returns the record's index (0-based leaf number) once it is
 * durable. Safe from several threads. */
gboolean ir_migration_log_append (
    IrMigrationLog *self, IrLogRecordType type, JsonObject *fields, guint64 *index, GError **error);

/* ir_migration_log_append() in two steps, for a caller that must hold its
 * own lock while the record takes its place (and while it reads the tree)
 * but not while it waits for the disk: begin formats, signs and queues the
 * record and gives its @index; finish returns once it is durable (or the
 * write or sync failed: IR_ERROR_IO). */
gboolean ir_migration_log_append_begin (
    IrMigrationLog *self, IrLogRecordType type, JsonObject *fields, guint64 *index, GError **error);
gboolean ir_migration_log_append_finish (IrMigrationLog *self, guint64 index, GError **error);

gboolean ir_migration_log_is_read_only (IrMigrationLog *self);
/* NULL while all is well. */
const GError *ir_migration_log_get_tamper_error (IrMigrationLog *self);

/* Records that are durable. */
guint64 ir_migration_log_get_size (IrMigrationLog *self);
/* The tree: it may hold records still being appended, so use it at sizes
 * up to ir_migration_log_get_size(), and not while another thread is in
 * ir_migration_log_append_begin(). */
const IrMerkleTree *ir_migration_log_get_tree (IrMigrationLog *self);
/* The latest signed checkpoint (note text). */
const char *ir_migration_log_get_checkpoint (IrMigrationLog *self);

/* A copy of the latest durable checkpoint and its @size, taken together:
 * what to use while other threads append. */
char *ir_migration_log_dup_checkpoint (IrMigrationLog *self, guint64 *size);

/* The signed checkpoint at @size (1 ..  ir_migration_log_get_size()), read
 * back from the log. */
char *ir_migration_log_read_checkpoint (IrMigrationLog *self, guint64 size, GError **error);
/* The record lines [@start, @end) as stored (without the newline). */
GPtrArray *
ir_migration_log_read_lines (IrMigrationLog *self, guint64 start, guint64 end, GError **error);

/* INTENT records (JsonObject) that have no RESULT yet. */
GPtrArray *ir_migration_log_get_open_intents (IrMigrationLog *self);

G_END_DECLS
