/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Restorations counted from migration-log records, per rollout phase and
 * local day (docs/rollout-policy.md, "Reports"): the one count that
 * imei-brandd's reports and summaries make from the witnessed logs and
 * that `imeictl verify-report` makes again from a workstation's own log,
 * so that both sides agree by construction of the rule, not by luck.
 *
 * A restoration is an INTENT record that names a phase. Its day is the
 * local date of the INTENT's time in @time_zone; its outcome is that of
 * the last RESULT with its intent_id among the records counted, or
 * no_result when there is none. Pure: no I/O. */

typedef enum {
	IR_LOG_OUTCOME_SUCCESS,
	IR_LOG_OUTCOME_FAILED,
	IR_LOG_OUTCOME_ABORTED,
	IR_LOG_OUTCOME_UNKNOWN,
	IR_LOG_OUTCOME_RECOVERED,
	IR_LOG_OUTCOME_NO_RESULT,
	IR_LOG_N_OUTCOMES,
} IrLogOutcome;

/* "success", "failed", "aborted", "unknown", "recovered", "no_result":
 * the column and member names of reports and summaries. */
const char *ir_log_tally_outcome_to_string (IrLogOutcome outcome);

typedef struct {
	char *phase;
	char *day; /* YYYY-MM-DD in the tally's zone */
	guint64 counts[IR_LOG_N_OUTCOMES];
} IrLogTallyRow;

typedef struct _IrLogTally IrLogTally;

IrLogTally *ir_log_tally_new (GTimeZone *time_zone);
void ir_log_tally_free (IrLogTally *self);

/* Adds record @line (@len bytes, no newline). Records of other types are
 * skipped; a line that is not a valid record is an error naming it, and
 * nothing of it is counted. */
gboolean ir_log_tally_add (IrLogTally *self, const char *line, gsize len, GError **error);

/* The rows, sorted by phase then day. */
GPtrArray *ir_log_tally_rows (IrLogTally *self);

/* The counts of (@phase, @day); zeros when there are none. */
void ir_log_tally_get (IrLogTally *self,
		       const char *phase,
		       const char *day,
		       guint64 counts[IR_LOG_N_OUTCOMES]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrLogTally, ir_log_tally_free)

G_END_DECLS
