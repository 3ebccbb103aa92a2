/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-audit-verify.h"
#include "ir-error.h"
#include "ir-log-sigline.h"
#include "ir-rollout-summary-check.h"

static const IrRolloutSummaryLog *
ir_rollout_summary_check_find (const IrRolloutSummary *summary, const char *origin)
{
	for (guint i = 0; i < summary->logs->len; i++) {
		const IrRolloutSummaryLog *l = g_ptr_array_index (summary->logs, i);

		if (g_strcmp0 (l->origin, origin) == 0)
			return l;
	}
	return NULL;
}

static gboolean ir_rollout_summary_check_fail (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
ir_rollout_summary_check_fail (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_TAMPERED, msg);
	return FALSE;
}

/* The first @size records: their Merkle root, and their tally. */
static gboolean
ir_rollout_summary_check_count (const IrRolloutSummary *summary,
				const IrRolloutSummaryLog *entry,
				const char *records_path,
				guint8 root[IR_MERKLE_HASH_LEN],
				guint64 counts[IR_LOG_N_OUTCOMES],
				GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (summary->time_zone);
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (IrLogTally) tally = NULL;
	gsize len = 0;
	const char *line;
	guint64 n = 0;

	if (tz == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the summary's time zone %s is not in this system's time zone "
			     "database; install tzdata",
			     summary->time_zone);
		return FALSE;
	}
	if (!g_file_get_contents (records_path, &text, &len, error))
		return FALSE;
	tally = ir_log_tally_new (tz);
	line = text;
	while (n < entry->size && line < text + len) {
		const char *end = memchr (line, '\n', (gsize)(text + len - line));
		const char *name = NULL;
		gsize name_len = 0;

		if (end == NULL)
			break;
		/* the inline layout's checkpoint signature lines are not
		 * records (docs/migration-log.md, "Files") */
		if (!ir_log_sigline_parse (line, (gsize)(end - line), &name, &name_len)) {
			ir_merkle_tree_append (tree, (const guint8 *)line, (gsize)(end - line));
			if (!ir_log_tally_add (tally, line, (gsize)(end - line), error))
				return FALSE;
			n++;
		}
		line = end + 1;
	}
	if (n < entry->size)
		return ir_rollout_summary_check_fail (
		    error,
		    "log %s holds %" G_GUINT64_FORMAT
		    " records but the summary counts %" G_GUINT64_FORMAT
		    " of it: give the log as the brand witnessed it, or a later copy",
		    entry->origin,
		    n,
		    entry->size);
	ir_log_tally_get (tally, summary->phase, summary->day, counts);
	return ir_merkle_tree_root (tree, entry->size, root, error);
}

gboolean
ir_rollout_summary_check_log (const IrRolloutSummary *summary,
			      const IrAuditPaths *paths,
			      char **origin,
			      GCancellable *cancellable,
			      GError **error)
{
	IrAuditVerifyOptions options = {0};
	g_autoptr (IrAuditReport) report = ir_audit_verify (paths, &options, cancellable, error);
	const IrRolloutSummaryLog *entry;
	guint8 root[IR_MERKLE_HASH_LEN];
	guint64 counts[IR_LOG_N_OUTCOMES];

	*origin = NULL;
	if (report == NULL)
		return FALSE;
	if (report->error != NULL) {
		g_propagate_prefixed_error (error,
					    g_steal_pointer (&report->error),
					    "log %s does not verify: ",
					    paths->records);
		return FALSE;
	}
	*origin = g_strdup (report->origin);
	entry = ir_rollout_summary_check_find (summary, report->origin);
	if (entry == NULL)
		return ir_rollout_summary_check_fail (
		    error,
		    "log %s (%s) is not among the logs the summary counts: the brand has not "
		    "witnessed it, or the summary was made without it",
		    paths->records,
		    report->origin != NULL ? report->origin : "no checkpoint");
	if (!ir_rollout_summary_check_count (summary, entry, paths->records, root, counts, error))
		return FALSE;
	if (memcmp (root, entry->root, IR_MERKLE_HASH_LEN) != 0)
		return ir_rollout_summary_check_fail (
		    error,
		    "log %s: its first %" G_GUINT64_FORMAT " records do not have the root the "
		    "summary gives: the log or the summary was changed",
		    entry->origin,
		    entry->size);
	for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++) {
		if (counts[o] != entry->counts[o])
			return ir_rollout_summary_check_fail (
			    error,
			    "log %s: the summary says %s %" G_GUINT64_FORMAT " for phase %s on %s, "
			    "the log's records say %" G_GUINT64_FORMAT,
			    entry->origin,
			    ir_log_tally_outcome_to_string (o),
			    entry->counts[o],
			    summary->phase,
			    summary->day,
			    counts[o]);
	}
	return TRUE;
}
