/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-store.h"
#include "ir-brandd-witness-store.h"
#include "ir-log-tally.h"
#include "ir-policy.h"
#include "ir-rollout-summary.h"

G_BEGIN_DECLS

/* The figures of `imei-brandd report` and its signed summaries
 * (docs/rollout-policy.md, "Reports"), from two sources: the tokens the
 * server issued under the rollout (token_rollout, by the local day of
 * issue) and the restorations the witnessed workstation logs hold
 * (ir-log-tally.h: INTENTs with a policy version, by the local day of the
 * INTENT, with the outcome of their last RESULT), each log counted up to
 * the size the server witnessed and filed under the centre its uploads
 * are bound to. Beside them, the witnessed INTENTs no issued token
 * accounts for (ir-brandd-witness-intents.h), by the phase they claim
 * and the local day of the INTENT. */

typedef struct {
	const char *phase; /* NULL: every phase */
	const char *from;  /* YYYY-MM-DD or NULL */
	const char *to;	   /* YYYY-MM-DD or NULL, inclusive */
} IrBranddReportFilter;

typedef struct {
	char *phase;
	char *day;
	char *centre;
	char *circle; /* from the policy; NULL: none */
	guint64 issued;
	guint64 counts[IR_LOG_N_OUTCOMES];
	guint64 intent_mismatches;
} IrBranddReportRow;

typedef struct {
	IrBranddWitnessedLog *log;
	IrLogTally *tally;
} IrBranddReportLog;

typedef struct {
	IrBranddIntentMismatch *mismatch;
	char *day; /* the local day of its INTENT */
} IrBranddReportMismatch;

typedef struct {
	GPtrArray *rows;       /* IrBranddReportRow, by phase, day, centre */
	GPtrArray *logs;       /* IrBranddReportLog, by origin */
	GPtrArray *mismatches; /* IrBranddReportMismatch, by origin, seq */
} IrBranddReportData;

void ir_brandd_report_data_free (IrBranddReportData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddReportData, ir_brandd_report_data_free)

IrBranddReportData *ir_brandd_report_data_collect (IrBranddStore *store,
						   const IrPolicy *policy,
						   const IrBranddReportFilter *filter,
						   GError **error);

/* The summary of @phase on @day (the data collected for that phase and
 * day), made at @made (RFC 3339 UTC). */
IrRolloutSummary *ir_brandd_report_data_summary (const IrBranddReportData *data,
						 const IrPolicy *policy,
						 const char *phase,
						 const char *day,
						 const char *made);

G_END_DECLS
