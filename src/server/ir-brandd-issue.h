/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-brandd-config.h"
#include "ir-brandd-request.h"
#include "ir-brandd-store.h"
#include "ir-brandd-tls.h"

G_BEGIN_DECLS

/* What the endpoints of docs/brand-api.md decide: who may ask, which
 * device is meant, whether its IMEIs are free and the centre under quota,
 * then the signed token; and the single-use report. Independent of HTTP:
 * answers are JSON objects or an IrBranddRefusal with a message. */

typedef enum {
	IR_BRANDD_OK = 0,
	IR_BRANDD_MALFORMED_REQUEST,
	IR_BRANDD_ROLE_NOT_ALLOWED,
	IR_BRANDD_NO_CENTRE,
	IR_BRANDD_UNKNOWN_DEVICE,
	IR_BRANDD_DEVICE_MISMATCH,
	IR_BRANDD_IMEI_IN_USE,
	IR_BRANDD_QUOTA_REACHED,
	IR_BRANDD_UNKNOWN_TOKEN,
	IR_BRANDD_NOT_YOUR_TOKEN,
	IR_BRANDD_ALREADY_REPORTED,
	IR_BRANDD_TOO_LARGE,
	IR_BRANDD_NOT_FOUND,
	IR_BRANDD_METHOD_NOT_ALLOWED,
	IR_BRANDD_INTERNAL,
	/* witnessing (ir-brandd-witness.h) */
	IR_BRANDD_WITNESS_DISABLED,
	IR_BRANDD_WITNESS_SIZE_MISMATCH,
	IR_BRANDD_BAD_CHECKPOINT,
	IR_BRANDD_RECORDS_MISMATCH,
	IR_BRANDD_ORIGIN_KEY_MISMATCH,
	IR_BRANDD_WRONG_CENTRE,
	IR_BRANDD_LOG_FORKED,
	IR_BRANDD_LOG_SHRANK,
	IR_BRANDD_LOG_MISSING,
	IR_BRANDD_UNKNOWN_WORKSTATION,
	/* the phased rollout (ir-brandd-rollout.h) */
	IR_BRANDD_NOT_ELIGIBLE,
	IR_BRANDD_PHASE_PAUSED,
	IR_BRANDD_CAP_REACHED,
	IR_BRANDD_POLICY_EXPIRED,
	IR_BRANDD_NO_POLICY,
	IR_BRANDD_ORIGIN_NOT_BOUND,
	/* the client certificate, checked at every request */
	IR_BRANDD_CERTIFICATE_REVOKED,
	IR_BRANDD_CERTIFICATE_EXPIRED,
	/* one live token per device; a success must read back its IMEIs */
	IR_BRANDD_TOKEN_LIVE,
	IR_BRANDD_READ_BACK_MISMATCH,
	/* the database is busy or away for now (503, Retry-After) */
	IR_BRANDD_UNAVAILABLE,
	/* a request id this certificate used for another request */
	IR_BRANDD_REQUEST_ID_REUSED,
} IrBranddRefusal;

/* The stable "code" of the error object and its HTTP status. */
const char *ir_brandd_issue_refusal_code (IrBranddRefusal refusal);
guint ir_brandd_issue_refusal_status (IrBranddRefusal refusal);

typedef struct {
	IrBranddRefusal refusal;
	char *message; /* for people: what is wrong and what to do */
	/* witness_size_mismatch also says what the server holds */
	gboolean has_witnessed_size;
	guint64 witnessed_size;
	/* token_live also says when the live token expires (Unix seconds) */
	gint64 live_token_expires;
} IrBranddAnswer;

void ir_brandd_issue_answer_clear (IrBranddAnswer *answer);

/* Logs @error, a failed database step, and refuses: unavailable (503) when
 * the database is busy or unreachable, else internal (500). FALSE. */
gboolean ir_brandd_answer_store_failed (IrBranddAnswer *answer, const GError *error);

/* Refuses a certificate whose role is not technician, or that names no
 * centre. */
gboolean ir_brandd_issue_check_technician (const IrBranddPeer *peer, IrBranddAnswer *answer);

/* Which registered device a request means: the one its hardware id names,
 * else the one its serial names; refused when the two name different
 * devices, or when manufacturer or model (compared without case) disagree
 * with the registry. Whether @peer's centre may restore it is
 * ir_brandd_issue_check_device_centre(). */
gboolean ir_brandd_issue_match_device (const IrBranddTokenRequest *req,
				       IrBranddDevice *by_hwid,
				       IrBranddDevice *by_serial,
				       IrBranddDevice **device,
				       IrBranddAnswer *answer);

/* A device the registry ties to a centre is only restored there. */
gboolean ir_brandd_issue_check_device_centre (const IrBranddPeer *peer,
					      const IrBranddDevice *device,
					      IrBranddAnswer *answer);

typedef struct _IrBranddIssuer IrBranddIssuer;

/* Loads the signing key of @config and checks it against its algorithm.
 * @store is borrowed. */
IrBranddIssuer *
ir_brandd_issuer_new (const IrBranddConfig *config, IrBranddStore *store, GError **error);
void ir_brandd_issuer_free (IrBranddIssuer *self);

/* POST /v1/tokens. @now in Unix seconds. */
JsonNode *ir_brandd_issuer_issue (IrBranddIssuer *self,
				  const IrBranddPeer *peer,
				  const IrBranddTokenRequest *req,
				  gint64 now,
				  IrBranddAnswer *answer);

/* One POST /v1/tokens of a batch. */
typedef struct {
	const IrBranddPeer *peer;
	const IrBranddTokenRequest *req;
	gint64 now;		/* Unix seconds */
	IrBranddAnswer *answer; /* the refusal, when result is NULL */
	JsonNode *result;	/* out: the token's answer (the caller's) */
} IrBranddIssueJob;

/* Group commit: requests that arrived together, each checked as
 * ir_brandd_issuer_issue() does, their tokens recorded in one write
 * transaction (ir_brandd_store_record_tokens()); a request refused there
 * does not hold the others back. A token is in a job's result only once
 * that transaction is committed: an answer never names a token the
 * database could lose. A request whose request_id a token was recorded
 * under (by any node, or earlier in the batch) gets that token's answer
 * again when its fields are the same, request_id_reused when not. */
void ir_brandd_issuer_issue_many (IrBranddIssuer *self, IrBranddIssueJob *const *jobs, guint n);

/* Tokens answered since @self was made, and write transactions committed
 * on its store's connection (each one sync). */
void ir_brandd_issuer_get_stats (IrBranddIssuer *self, guint64 *issued, guint64 *commits);

/* The store it was made with (borrowed). */
IrBranddStore *ir_brandd_issuer_get_store (IrBranddIssuer *self);

/* GET /v1/policy: the current signed policy, the paused phases and the
 * centre's usage today. */
JsonNode *ir_brandd_issuer_policy (IrBranddIssuer *self,
				   const IrBranddPeer *peer,
				   gint64 now,
				   IrBranddAnswer *answer);

/* POST /v1/reports. */
JsonNode *ir_brandd_issuer_report (IrBranddIssuer *self,
				   const IrBranddPeer *peer,
				   const IrBranddReport *report,
				   gint64 now,
				   IrBranddAnswer *answer);

/* One POST /v1/reports of a batch. */
typedef struct {
	const IrBranddPeer *peer;
	const IrBranddReport *report;
	gint64 now;		/* Unix seconds */
	IrBranddAnswer *answer; /* the refusal, when result is NULL */
	JsonNode *result;	/* out: the answer (the caller's) */
} IrBranddReportJob;

/* Group commit of reports, as ir_brandd_issuer_issue_many() for tokens:
 * each checked as ir_brandd_issuer_report() does, all recorded in one
 * write transaction (ir_brandd_store_record_reports()), in order, so a
 * second report of one token in a batch is already_reported. A job's
 * result is set only once that transaction is committed. */
void ir_brandd_issuer_report_many (IrBranddIssuer *self, IrBranddReportJob *const *jobs, guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddIssuer, ir_brandd_issuer_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBranddAnswer, ir_brandd_issue_answer_clear)

G_END_DECLS
