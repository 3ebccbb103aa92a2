/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-log-tally.h"
#include "ir-merkle.h"
#include "ir-rollout-note.h"

G_BEGIN_DECLS

/* A signed summary of one rollout phase on one local day
 * (docs/rollout-policy.md, "Summaries"): the tokens imei-brandd issued,
 * the restorations the witnessed workstation logs hold by outcome
 * (ir-log-tally.h), per centre and per log, and the size and root of each
 * witnessed log it counted, so that a regulator holding a log can count
 * again and compare. Pure: format and strict parse, no I/O. */

typedef struct {
	char *centre;
	char *circle; /* NULL: the policy puts the centre in no circle */
	guint64 issued;
	guint64 counts[IR_LOG_N_OUTCOMES];
} IrRolloutSummaryCentre;

typedef struct {
	char *origin;
	char *centre;
	guint64 size; /* the witnessed records counted: [0, size) */
	guint8 root[IR_MERKLE_HASH_LEN];
	guint64 counts[IR_LOG_N_OUTCOMES];
} IrRolloutSummaryLog;

typedef struct {
	gint64 policy_version;
	char *time_zone;
	char *phase;
	char *day;
	char *made; /* RFC 3339 UTC: when imei-brandd made it */
	guint64 issued;
	guint64 counts[IR_LOG_N_OUTCOMES];
	GPtrArray *centres; /* IrRolloutSummaryCentre, sorted by centre */
	GPtrArray *logs;    /* IrRolloutSummaryLog, sorted by origin */
} IrRolloutSummary;

IrRolloutSummary *ir_rollout_summary_new (void);
void ir_rollout_summary_free (IrRolloutSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrRolloutSummary, ir_rollout_summary_free)

/* The canonical body (what is signed). */
char *ir_rollout_summary_format (const IrRolloutSummary *summary);

/* The body of a summary note (@body from ir_rollout_note_parse, @text the
 * exact signed text): every member checked, the totals checked against
 * the centres and the logs, and the text checked to be canonical. */
IrRolloutSummary *ir_rollout_summary_parse (JsonNode *body, const char *text, GError **error);

G_END_DECLS
