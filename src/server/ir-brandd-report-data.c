/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-report-data.h"
#include "ir-brandd-report-store.h"

static void
ir_brandd_report_data_row_free (gpointer data)
{
	IrBranddReportRow *row = data;

	g_free (row->phase);
	g_free (row->day);
	g_free (row->centre);
	g_free (row->circle);
	g_free (row);
}

static void
ir_brandd_report_data_log_free (gpointer data)
{
	IrBranddReportLog *l = data;

	ir_brandd_witness_store_log_free (l->log);
	ir_log_tally_free (l->tally);
	g_free (l);
}

static void
ir_brandd_report_data_mismatch_free (gpointer data)
{
	IrBranddReportMismatch *m = data;

	ir_brandd_witness_store_mismatch_free (m->mismatch);
	g_free (m->day);
	g_free (m);
}

void
ir_brandd_report_data_free (IrBranddReportData *data)
{
	if (data == NULL)
		return;
	g_ptr_array_unref (data->rows);
	g_ptr_array_unref (data->logs);
	g_ptr_array_unref (data->mismatches);
	g_free (data);
}

static gboolean
ir_brandd_report_data_wanted (const IrBranddReportFilter *filter,
			      const char *phase,
			      const char *day)
{
	return (filter->phase == NULL || g_strcmp0 (filter->phase, phase) == 0) &&
	       (filter->from == NULL || g_strcmp0 (day, filter->from) >= 0) &&
	       (filter->to == NULL || g_strcmp0 (day, filter->to) <= 0);
}

/* The row of (phase, day, centre), made when missing; @rows is keyed by
 * the three, length-prefixed. */
static IrBranddReportRow *
ir_brandd_report_data_row (IrBranddReportData *data,
			   GHashTable *rows,
			   const IrPolicy *policy,
			   const char *phase,
			   const char *day,
			   const char *centre)
{
	g_autofree char *key =
	    g_strdup_printf ("%" G_GSIZE_FORMAT ":%s%s%s", strlen (phase), phase, day, centre);
	IrBranddReportRow *row = g_hash_table_lookup (rows, key);

	if (row != NULL)
		return row;
	row = g_new0 (IrBranddReportRow, 1);
	row->phase = g_strdup (phase);
	row->day = g_strdup (day);
	row->centre = g_strdup (centre);
	row->circle = g_strdup (ir_policy_centre_circle (policy, centre));
	g_hash_table_insert (rows, g_steal_pointer (&key), row);
	g_ptr_array_add (data->rows, row);
	return row;
}

static gboolean
ir_brandd_report_data_tally_log (IrBranddStore *store,
				 IrBranddReportLog *l,
				 GTimeZone *tz,
				 GError **error)
{
	g_autoptr (GPtrArray) lines =
	    ir_brandd_witness_store_lines (store, l->log->origin, 0, l->log->size, error);

	if (lines == NULL)
		return FALSE;
	l->tally = ir_log_tally_new (tz);
	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);

		if (!ir_log_tally_add (l->tally, line, strlen (line), error)) {
			g_prefix_error (error, "witnessed log %s, record %u: ", l->log->origin, i);
			return FALSE;
		}
	}
	return TRUE;
}

static gint
ir_brandd_report_data_compare (gconstpointer a, gconstpointer b)
{
	const IrBranddReportRow *x = *(IrBranddReportRow *const *)a;
	const IrBranddReportRow *y = *(IrBranddReportRow *const *)b;
	int c = g_strcmp0 (x->phase, y->phase);

	if (c == 0)
		c = g_strcmp0 (x->day, y->day);
	return c != 0 ? c : g_strcmp0 (x->centre, y->centre);
}

static gboolean
ir_brandd_report_data_add_logs (IrBranddReportData *data,
				GHashTable *rows,
				IrBranddStore *store,
				const IrPolicy *policy,
				const IrBranddReportFilter *filter,
				GError **error)
{
	g_autoptr (GPtrArray) logs = ir_brandd_witness_store_list (store, error);

	if (logs == NULL)
		return FALSE;
	for (guint i = 0; i < logs->len; i++) {
		IrBranddReportLog *l = g_new0 (IrBranddReportLog, 1);
		g_autoptr (GPtrArray) tallied = NULL;

		l->log = g_ptr_array_steal_index (logs, i--);
		g_ptr_array_add (data->logs, l);
		if (!ir_brandd_report_data_tally_log (store, l, policy->time_zone, error))
			return FALSE;
		tallied = ir_log_tally_rows (l->tally);
		for (guint k = 0; k < tallied->len; k++) {
			const IrLogTallyRow *t = g_ptr_array_index (tallied, k);
			IrBranddReportRow *row;

			if (!ir_brandd_report_data_wanted (filter, t->phase, t->day))
				continue;
			row = ir_brandd_report_data_row (
			    data, rows, policy, t->phase, t->day, l->log->centre);
			for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++)
				row->counts[o] += t->counts[o];
		}
	}
	return TRUE;
}

/* Each kept mismatch under the phase its INTENT claims, on the local day
 * of the INTENT, at the centre of its log. */
static gboolean
ir_brandd_report_data_add_mismatches (IrBranddReportData *data,
				      GHashTable *rows,
				      IrBranddStore *store,
				      const IrPolicy *policy,
				      const IrBranddReportFilter *filter,
				      GError **error)
{
	g_autoptr (GPtrArray) found =
	    ir_brandd_witness_store_mismatches (store, filter->phase, error);

	if (found == NULL)
		return FALSE;
	for (guint i = 0; i < found->len; i++) {
		IrBranddIntentMismatch *m = g_ptr_array_index (found, i);
		g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (m->intent_time);
		g_autofree char *day = when != NULL ? ir_policy_local_day (policy, when) : NULL;
		IrBranddReportMismatch *rm;

		if (day == NULL || !ir_brandd_report_data_wanted (filter, m->phase, day))
			continue;
		ir_brandd_report_data_row (data, rows, policy, m->phase, day, m->centre)
		    ->intent_mismatches++;
		rm = g_new0 (IrBranddReportMismatch, 1);
		rm->mismatch = g_ptr_array_steal_index (found, i--);
		rm->day = g_steal_pointer (&day);
		g_ptr_array_add (data->mismatches, rm);
	}
	return TRUE;
}

IrBranddReportData *
ir_brandd_report_data_collect (IrBranddStore *store,
			       const IrPolicy *policy,
			       const IrBranddReportFilter *filter,
			       GError **error)
{
	g_autoptr (IrBranddReportData) data = g_new0 (IrBranddReportData, 1);
	g_autoptr (GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GPtrArray) issued = NULL;

	data->rows = g_ptr_array_new_with_free_func (ir_brandd_report_data_row_free);
	data->logs = g_ptr_array_new_with_free_func (ir_brandd_report_data_log_free);
	data->mismatches = g_ptr_array_new_with_free_func (ir_brandd_report_data_mismatch_free);
	issued =
	    ir_brandd_report_store_issued (store, filter->phase, filter->from, filter->to, error);
	if (issued == NULL)
		return NULL;
	for (guint i = 0; i < issued->len; i++) {
		const IrBranddIssuedRow *r = g_ptr_array_index (issued, i);

		ir_brandd_report_data_row (data, rows, policy, r->phase, r->day, r->centre)
		    ->issued += r->issued;
	}
	if (!ir_brandd_report_data_add_logs (data, rows, store, policy, filter, error) ||
	    !ir_brandd_report_data_add_mismatches (data, rows, store, policy, filter, error))
		return NULL;
	g_ptr_array_sort (data->rows, ir_brandd_report_data_compare);
	return g_steal_pointer (&data);
}

IrRolloutSummary *
ir_brandd_report_data_summary (const IrBranddReportData *data,
			       const IrPolicy *policy,
			       const char *phase,
			       const char *day,
			       const char *made)
{
	IrRolloutSummary *s = ir_rollout_summary_new ();

	s->policy_version = policy->version;
	s->time_zone = g_strdup (policy->time_zone_id);
	s->phase = g_strdup (phase);
	s->day = g_strdup (day);
	s->made = g_strdup (made);
	for (guint i = 0; i < data->rows->len; i++) {
		const IrBranddReportRow *row = g_ptr_array_index (data->rows, i);
		IrRolloutSummaryCentre *c;

		if (g_strcmp0 (row->phase, phase) != 0 || g_strcmp0 (row->day, day) != 0)
			continue;
		c = g_new0 (IrRolloutSummaryCentre, 1);
		c->centre = g_strdup (row->centre);
		c->circle = g_strdup (row->circle);
		c->issued = row->issued;
		s->issued += row->issued;
		for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++) {
			c->counts[o] = row->counts[o];
			s->counts[o] += row->counts[o];
		}
		g_ptr_array_add (s->centres, c);
	}
	for (guint i = 0; i < data->logs->len; i++) {
		const IrBranddReportLog *l = g_ptr_array_index (data->logs, i);
		IrRolloutSummaryLog *sl = g_new0 (IrRolloutSummaryLog, 1);

		ir_log_tally_get (l->tally, phase, day, sl->counts);
		sl->origin = g_strdup (l->log->origin);
		sl->centre = g_strdup (l->log->centre);
		sl->size = l->log->size;
		memcpy (sl->root, l->log->root, IR_MERKLE_HASH_LEN);
		g_ptr_array_add (s->logs, sl);
	}
	return s;
}
