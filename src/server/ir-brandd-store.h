/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "ir-brandd-db.h"
#include "ir-brandd-request.h"
#include "ir-token.h"

G_BEGIN_DECLS

/* imei-brandd's database: the device registry, issued tokens, reports and
 * centres, on SQLite (WAL, the default) or PostgreSQL (ir-brandd-db.h).
 * Schema: ir-brandd-schema.sql and its migrations (ir-brandd-store.c lists
 * them for both backends). Every check-and-update runs in one database
 * transaction, so that several servers on one database keep the rules.
 * One store per thread. */

/* 2: witnessed workstation logs (ir-brandd-schema-2.sql, the migration
 * from 1 that `init-db` applies to an existing database); 3: the per-centre,
 * per-day token counter (ir-brandd-schema-3.sql); 4: the phased rollout
 * (ir-brandd-schema-4.sql); 5: the SPC of DIAG phones (ir-brandd-schema-5.sql);
 * 6: workstations' first contact (ir-brandd-schema-6.sql); 7: revoked client
 * certificates (ir-brandd-schema-7.sql); 8: report mismatches, live tokens,
 * devices tied to a centre (ir-brandd-schema-8.sql); 9: the witness's tree
 * edge (ir-brandd-schema-9.sql); 10: witnessed INTENTs no issued token
 * accounts for (ir-brandd-schema-10.sql); 11: the client's request id, the
 * request's hash and the answer on each token, for retries on another node
 * (ir-brandd-schema-11.sql); 12: each device's live token in a row of its
 * own, so that checking and replacing it costs the same however many
 * tokens the device had (ir-brandd-schema-12.sql). */
#define IR_BRANDD_SCHEMA_VERSION 12

typedef struct _IrBranddStore IrBranddStore;

typedef struct {
	gint64 id;
	char *serial;	   /* NULL: none registered */
	char *hardware_id; /* NULL: none registered */
	char *manufacturer;
	char *model;
	char *tac;
	char *imei[IR_TOKEN_MAX_SLOTS]; /* original IMEIs; NULL: no such slot */
	char *spc;			/* 6 digits (schema 5), for DIAG phones; NULL: none held */
	char *centre;			/* the only centre it is restored at; NULL: any */
} IrBranddDevice;

void ir_brandd_store_device_free (IrBranddDevice *device);

/* Creates the schema in an empty database (a SQLite file is created),
 * or takes an older one to this version, one migration per transaction.
 * @target: a path, or a libpq connection string. */
gboolean ir_brandd_store_init (IrBranddBackend backend, const char *target, GError **error);

/* Opens an existing database; refused unless its schema is this version. */
IrBranddStore *ir_brandd_store_open (IrBranddBackend backend, const char *target, GError **error);
void ir_brandd_store_free (IrBranddStore *self);
IrBranddDb *ir_brandd_store_get_db (IrBranddStore *self);

/* How long a statement waits for another writer's lock before failing
 * (5 s unless set). */
void ir_brandd_store_set_busy_timeout (IrBranddStore *self, guint ms);

/* The device whose @column ("serial" or "hardware_id") is @value; *out is
 * NULL when there is none, or when @value is NULL. */
gboolean ir_brandd_store_find_device (IrBranddStore *self,
				      const char *column,
				      const char *value,
				      IrBranddDevice **out,
				      GError **error);

/* The id of a device other than @device_id whose original IMEI, or whose
 * last successful report, has the identity of @imei; 0 when none. */
gboolean ir_brandd_store_imei_holder (
    IrBranddStore *self, gint64 device_id, const char *imei, gint64 *holder, GError **error);

/* ir-brandd-rollout-store.h */
typedef struct _IrBranddRolloutClaim IrBranddRolloutClaim;

typedef struct {
	GBytes *cti;
	gint64 device_id;
	const guint8 *cnf; /* IR_TOKEN_CNF_LEN bytes */
	const char *centre;
	gint64 issued_at;
	gint64 expires_at;
	const char *imeis_json;
	/* NULL: no rollout policy published. Otherwise checked (policy
	 * current, phase not paused, both caps) and counted in the same
	 * transaction; its result says whether the token was recorded. */
	IrBranddRolloutClaim *rollout;
	/* The client's request id (NULL: none given) and, with it, the
	 * SHA-256 of the request's canonical fields and the answer to keep
	 * for a retry (ir-brandd-schema-11.sql). */
	const char *request_id;
	const guint8 *request_hash; /* IR_BRANDD_REQUEST_HASH_LEN bytes */
	const char *answer_json;
} IrBranddTokenRecord;

/* What the tokens table knows of a client's request id. */
typedef enum {
	IR_BRANDD_REQUEST_NEW,	  /* no token was recorded under it */
	IR_BRANDD_REQUEST_REPLAY, /* recorded for the same request: its answer */
	IR_BRANDD_REQUEST_REUSED, /* recorded for another request */
} IrBranddRequestSeen;

/* Looks up the token @cnf recorded under @request_id: *seen says whether
 * there is one and whether its request hash is @request_hash; *answer
 * (REPLAY only, else NULL) is the answer that was kept. A read: the
 * decision that counts is the one inside ir_brandd_store_record_tokens(). */
gboolean ir_brandd_store_find_request (IrBranddStore *self,
				       const guint8 *cnf,
				       const char *request_id,
				       const guint8 *request_hash,
				       IrBranddRequestSeen *seen,
				       char **answer,
				       GError **error);

/* In one write transaction: refuses when another certificate holds a live
 * token for the device (not expired at issued_at, not reported:
 * *live_until is its expiry, else 0); reads the centre's counter for the
 * UTC day of issued_at and, when under the centre's quota (or
 * @default_quota) and within the rollout claim, records the token, raises
 * the counters and closes as aborted ("superseded") this certificate's
 * earlier live tokens for the device. *quota_reached, *live_until, or a
 * rollout result other than OK, says that nothing was recorded. */
gboolean ir_brandd_store_record_token (IrBranddStore *self,
				       const IrBranddTokenRecord *record,
				       guint default_quota,
				       gboolean *quota_reached,
				       guint *quota,
				       gint64 *live_until,
				       GError **error);

/* What ir_brandd_store_record_tokens() decided for one token. */
typedef struct {
	gboolean recorded; /* committed with the others */
	gboolean quota_reached;
	guint quota;
	gint64 live_until;
	/* REPLAY: a token was recorded under the record's request id for
	 * the same request, by this batch or before (on any node); nothing
	 * new was recorded and @answer is the kept one. REUSED: the id was
	 * used for another request; nothing was recorded. */
	IrBranddRequestSeen request_seen;
	char *answer;
	GError *error; /* this token's own failure; the others went on */
} IrBranddTokenResult;

/* Group commit: the @n tokens in one write transaction, so that one sync
 * covers them all. Each is checked and recorded as
 * ir_brandd_store_record_token() does, in order, under a savepoint of its
 * own: it sees the ones before it, and a refused or failed token rolls back
 * alone. FALSE when the transaction itself failed (nothing recorded, no
 * result is "recorded"). A record with a request id is first looked up
 * by it, in the same savepoint (request_seen), so that two nodes racing
 * one request id record one token: the unique index makes the second
 * wait, fail its serialization and run again, and find the first. The
 * caller frees each results[i].error and results[i].answer. */
gboolean ir_brandd_store_record_tokens (IrBranddStore *self,
					const IrBranddTokenRecord *const *records,
					IrBranddTokenResult *results,
					guint n,
					guint default_quota,
					GError **error);

typedef enum {
	IR_BRANDD_REPORT_RECORDED,
	IR_BRANDD_REPORT_UNKNOWN_TOKEN,
	IR_BRANDD_REPORT_NOT_YOUR_TOKEN,
	IR_BRANDD_REPORT_ALREADY_REPORTED,
	IR_BRANDD_REPORT_MISMATCH, /* kept in report_mismatches, not as a report */
} IrBranddReportResult;

typedef struct {
	GBytes *cti;
	const guint8 *cnf; /* of the client reporting */
	const char *outcome;
	const char *read_back_json; /* NULL when not given */
	char *const *read_back;	    /* IR_TOKEN_MAX_SLOTS, NULL entries allowed */
	const char *detail;
	gint64 now;
} IrBranddReportRecord;

/* In one write transaction: looks the token up, checks that the same
 * client asks and that it was not reported yet; a success whose read-back
 * differs, in any slot, from the IMEIs the token was issued to write is
 * kept in report_mismatches and not recorded (MISMATCH); otherwise records
 * the report and, for a success, what the device now holds. *issued_imeis
 * (may be NULL) gets the token's IMEIs as a JSON array, for messages. */
gboolean ir_brandd_store_record_report (IrBranddStore *self,
					const IrBranddReportRecord *record,
					IrBranddReportResult *result,
					char **issued_imeis,
					GError **error);

/* What ir_brandd_store_record_reports() decided for one report. */
typedef struct {
	IrBranddReportResult result;
	char *issued_imeis; /* the token's IMEIs as a JSON array, when it exists */
	GError *error;	    /* this report's own failure; the others went on */
} IrBranddReportOutcome;

void ir_brandd_store_report_outcome_clear (IrBranddReportOutcome *out);

/* Group commit of reports: the @n reports in one write transaction (one
 * sync), each checked and recorded as ir_brandd_store_record_report()
 * does, in order, under a savepoint of its own: it sees the ones before
 * it, and one that fails rolls back alone. FALSE when the transaction
 * itself failed (nothing recorded). The caller clears each outcome. */
gboolean ir_brandd_store_record_reports (IrBranddStore *self,
					 const IrBranddReportRecord *const *records,
					 IrBranddReportOutcome *outcomes,
					 guint n,
					 GError **error);

/* Does @imeis (IR_TOKEN_MAX_SLOTS, NULL: none) hold, in every slot, what
 * a token was issued to write (@issued: its JSON array, as
 * ir-brandd-issue.c stored it)? A report's read-back, an INTENT's
 * target. */
gboolean ir_brandd_store_read_back_matches (const char *issued, char *const *imeis);

gboolean ir_brandd_store_set_centre_quota (IrBranddStore *self,
					   const char *centre,
					   guint quota,
					   GError **error);

/* `cert revoke`: @serial (hex, upper case, no leading zeros) is revoked
 * from @now; revoking it again changes nothing. */
gboolean ir_brandd_store_revoke (
    IrBranddStore *self, const char *serial, const char *reason, gint64 now, GError **error);

/* Whether @serial is revoked, and since when (@when may be NULL). */
gboolean ir_brandd_store_revoked (
    IrBranddStore *self, const char *serial, gboolean *revoked, gint64 *when, GError **error);

/* For `import` and the modules beside the store: a write transaction
 * around many statements (ir_brandd_db_transact() retries one). */
gboolean ir_brandd_store_begin (IrBranddStore *self, GError **error);
gboolean ir_brandd_store_commit (IrBranddStore *self, GError **error);
void ir_brandd_store_rollback (IrBranddStore *self);

/* Why @device cannot be added (serial, hardware id or an IMEI identity
 * already registered), or NULL in *why when it can. */
gboolean ir_brandd_store_device_conflict (IrBranddStore *self,
					  const IrBranddDevice *device,
					  char **why,
					  GError **error);
gboolean ir_brandd_store_insert_device (IrBranddStore *self,
					const IrBranddDevice *device,
					gint64 now,
					GError **error);

/* Rows in a table, for tests and `import`'s summary. */
gboolean
ir_brandd_store_count (IrBranddStore *self, const char *table, gint64 *count, GError **error);

/* For the other server modules that keep tables in the same database
 * (ir-brandd-witness-store.c): a statement prepared once and cached, keyed
 * by @sql (a string literal, in the dialect of ir-brandd-db.h); and
 * stepping it with the store's errors. */
IrBranddStmt *ir_brandd_store_prepare (IrBranddStore *self, const char *sql, GError **error);
gboolean ir_brandd_store_step_done (IrBranddStore *self,
				    IrBranddStmt *stmt,
				    const char *what,
				    GError **error);
gboolean ir_brandd_store_step_row (
    IrBranddStore *self, IrBranddStmt *stmt, gboolean *row, const char *what, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddStore, ir_brandd_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddDevice, ir_brandd_store_device_free)

G_END_DECLS
