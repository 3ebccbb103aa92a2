/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>

#include "ir-merkle.h"
#include "ir-migration-log.h"

G_BEGIN_DECLS

/* The auditor's view of a migration log (docs/migration-log.md): verifying
 * it from its bytes, and querying its restorations. No GTK, no CLI: imeictl
 * audit and the GTK auditor view both sit on this.
 *
 * Verification streams the record file once (memory: the Merkle tree's 32
 * bytes a record, not the records) and checks every record, every
 * checkpoint's signature, root and size, the consistency between
 * consecutive checkpoints and, when given, a witness cosignature. */

/* A path given by the user: a log directory or its .jsonl file. */
typedef struct {
	char *records;	   /* DIR/migration-log.jsonl */
	char *checkpoints; /* DIR/migration-log.checkpoints */
} IrAuditPaths;

void ir_audit_paths_free (IrAuditPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditPaths, ir_audit_paths_free)

/* IR_ERROR_INVALID_INPUT when @path is neither a log directory nor a
 * record file. */
IrAuditPaths *ir_audit_paths_resolve (const char *path, GError **error);

/* Loads a PEM public key (SubjectPublicKeyInfo) for --key and
 * --witness-key; IR_ERROR_INVALID_INPUT naming @what on failure. */
EVP_PKEY *ir_audit_load_public_key (const char *path, const char *what, GError **error);

typedef struct {
	/* the workstation key the brand registered; NULL: only keys found in
	 * the log itself (KEY_ROTATION), which prove consistency only */
	EVP_PKEY *key;
	/* a witness-cosigned checkpoint (note text) and the witness key */
	EVP_PKEY *witness_key;
	const char *cosigned_note;
	/* a record may be this many seconds older than the one before it
	 * (clock adjustments) before a warning; 0 means the default, 300 */
	guint max_skew;
} IrAuditVerifyOptions;

typedef enum {
	IR_AUDIT_TRUST_NONE,	 /* no signature could be checked: no key */
	IR_AUDIT_TRUST_LOG_ONLY, /* only with keys the log itself announced */
	IR_AUDIT_TRUST_GIVEN,	 /* from the key the caller trusts (--key) */
} IrAuditTrust;

typedef struct {
	guint64 n_records;
	guint64 n_checkpoints;
	guint64 n_signatures_checked;
	guint64 signed_size; /* size of the last checkpoint */
	guint64 n_intents;
	guint64 n_results;
	guint64 n_open_intents; /* INTENT without a final RESULT */
	guint8 root[IR_MERKLE_HASH_LEN];
	char *origin;	 /* the checkpoints' origin, NULL when none */
	char *key_names; /* the keys that signed, "a, b" */
	IrAuditTrust trust;
	gboolean witnessed;
	guint64 witnessed_size;
	GPtrArray *warnings; /* char *: not tampering, but worth a look */
	/* the first thing that does not verify, NULL when all is well;
	 * IR_ERROR_TAMPERED, its message names the line, seq and what */
	GError *error;
	guint64 bad_line;	/* 1-based line of the record file; 0: not a record */
	guint64 bad_checkpoint; /* 1-based note number in the checkpoint file; 0: none */
} IrAuditReport;

void ir_audit_report_free (IrAuditReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditReport, ir_audit_report_free)

/* Verifies the log at @paths. NULL with @error for what is not the log's
 * fault: a missing or unreadable file, a file that is not a migration log
 * at all (IR_ERROR_INVALID_INPUT, IR_ERROR_IO), a cancel. Tampering is in
 * the report (report->error), never in @error. */
IrAuditReport *ir_audit_verify (const IrAuditPaths *paths,
				const IrAuditVerifyOptions *options,
				GCancellable *cancellable,
				GError **error);

/* What the caveat about key trust says, one sentence per @trust. */
const char *ir_audit_trust_to_string (IrAuditTrust trust);

/* Queries. A row is one restoration (an INTENT joined with its latest
 * RESULT) or one other record (START, RECOVERY, KEY_ROTATION, a RESULT
 * whose INTENT is missing), in log order. */
typedef struct {
	IrLogRecordType type; /* INTENT for a restoration */
	guint64 seq;	      /* of the INTENT (or of the record) */
	gint64 time;	      /* seconds since the epoch */
	char *time_text;
	char *intent_id;
	char *technician;
	char *centre;
	char *workstation;
	char *phase;
	char *token_id;
	char *token_sha256;
	char *port;
	char *manufacturer;
	char *model;
	char *serial;
	char *hardware_id;
	char *family;
	GPtrArray *imeis_before;    /* char *, NULL for an empty slot */
	GPtrArray *imeis_target;    /* char *, NULL for a slot left alone */
	GPtrArray *imeis_read_back; /* char *; empty without a RESULT */
	gboolean has_result;
	guint64 result_seq;
	char *result_time_text;
	char *outcome; /* "open" for an INTENT without a RESULT */
	char *reason;
	char *details; /* other records: what they say, one line */
} IrAuditRow;

void ir_audit_row_free (IrAuditRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditRow, ir_audit_row_free)

#define IR_AUDIT_OUTCOME_OPEN "open"

typedef struct {
	gint64 from; /* inclusive; G_MININT64 when not given */
	gint64 to;   /* inclusive; G_MAXINT64 when not given */
	char *technician;
	char *centre;
	char *imei; /* 14 or 15 digits: matched on the 14 identity digits */
	char *outcome;
	char *phase;
	gboolean has_type;
	IrLogRecordType type;
} IrAuditFilter;

void ir_audit_filter_init (IrAuditFilter *filter);
void ir_audit_filter_clear (IrAuditFilter *filter);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrAuditFilter, ir_audit_filter_clear)

/* Filter setters check their value; IR_ERROR_INVALID_INPUT names
 * @option and the format expected. A date alone (YYYY-MM-DD) is the start
 * of that day for --from and its end for --to. */
gboolean ir_audit_parse_time (
    const char *text, const char *option, gboolean end_of_day, gint64 *out, GError **error);
gboolean ir_audit_filter_set_imei (IrAuditFilter *filter, const char *imei, GError **error);
gboolean ir_audit_filter_set_outcome (IrAuditFilter *filter, const char *outcome, GError **error);
gboolean ir_audit_filter_set_type (IrAuditFilter *filter, const char *type, GError **error);
gboolean ir_audit_filter_matches (const IrAuditFilter *filter, const IrAuditRow *row);

/* The rows of the log at @paths matching @filter (NULL: all). Lines that
 * do not parse are skipped: verification reports them. */
GPtrArray *ir_audit_query (const IrAuditPaths *paths,
			   const IrAuditFilter *filter,
			   GCancellable *cancellable,
			   GError **error);

/* Output forms. */
JsonNode *ir_audit_row_to_json (const IrAuditRow *row);
JsonNode *ir_audit_rows_to_json (GPtrArray *rows);
/* RFC 4180: CRLF line ends, a header line, fields quoted when needed. */
char *ir_audit_rows_to_csv (GPtrArray *rows);
/* "before -> after" per slot, ", " between slots. */
char *ir_audit_row_imeis_text (const IrAuditRow *row);
char *ir_audit_row_phone_text (const IrAuditRow *row);

typedef enum {
	IR_AUDIT_BY_DAY,
	IR_AUDIT_BY_TECHNICIAN,
	IR_AUDIT_BY_CENTRE,
	IR_AUDIT_BY_OUTCOME,
	IR_AUDIT_BY_PHASE,
} IrAuditGroupBy;

gboolean ir_audit_group_by_from_string (const char *text, IrAuditGroupBy *by, GError **error);
const char *ir_audit_group_by_to_string (IrAuditGroupBy by);

/* The outcomes counted by stats, in column order. */
extern const char *const ir_audit_outcomes[];
#define IR_AUDIT_N_OUTCOMES 6

typedef struct {
	char *group;
	guint64 total;
	guint64 outcomes[IR_AUDIT_N_OUTCOMES]; /* per ir_audit_outcomes[] */
} IrAuditGroup;

/* Restorations (INTENT rows) of @rows counted per group, groups sorted. */
GPtrArray *ir_audit_stats (GPtrArray *rows, IrAuditGroupBy by);

G_END_DECLS
