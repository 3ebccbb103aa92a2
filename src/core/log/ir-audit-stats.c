/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-audit-stats.h"
#include "ir-error.h"
#include "ir-log-record.h"

/* Restorations counted per day, technician, centre, outcome or phase. */

static const char *const ir_audit_stats_group_by_names[] = {
    "day", "technician", "centre", "outcome", "phase"};

gboolean
ir_audit_stats_group_by_from_string (const char *text, IrAuditGroupBy *by, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_audit_stats_group_by_names); i++) {
		if (g_strcmp0 (text, ir_audit_stats_group_by_names[i]) == 0) {
			*by = (IrAuditGroupBy)i;
			return TRUE;
		}
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "--by '%s' is not a grouping: give day, technician, centre, outcome or phase",
		     text);
	return FALSE;
}

const char *
ir_audit_stats_group_by_to_string (IrAuditGroupBy by)
{
	return (guint)by < G_N_ELEMENTS (ir_audit_stats_group_by_names)
		   ? ir_audit_stats_group_by_names[by]
		   : "day";
}

static void
ir_audit_stats_group_free (gpointer data)
{
	IrAuditGroup *g = data;
	g_free (g->group);
	g_free (g);
}

static char *
ir_audit_stats_row_group (const IrAuditRow *row, IrAuditGroupBy by)
{
	const char *value = NULL;

	switch (by) {
	case IR_AUDIT_BY_DAY:
		return row->time_text != NULL ? g_strndup (row->time_text, 10) : g_strdup ("-");
	case IR_AUDIT_BY_TECHNICIAN:
		value = row->technician;
		break;
	case IR_AUDIT_BY_CENTRE:
		value = row->centre;
		break;
	case IR_AUDIT_BY_OUTCOME:
		value = row->outcome;
		break;
	case IR_AUDIT_BY_PHASE:
	default:
		value = row->phase;
		break;
	}
	return g_strdup (value != NULL ? value : "-");
}

static gint
ir_audit_stats_group_compare (gconstpointer a, gconstpointer b)
{
	const IrAuditGroup *ga = *(IrAuditGroup *const *)a;
	const IrAuditGroup *gb = *(IrAuditGroup *const *)b;
	return g_strcmp0 (ga->group, gb->group);
}

GPtrArray *
ir_audit_stats (GPtrArray *rows, IrAuditGroupBy by)
{
	g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
	GPtrArray *groups = g_ptr_array_new_with_free_func (ir_audit_stats_group_free);

	for (guint i = 0; i < rows->len; i++) {
		const IrAuditRow *row = g_ptr_array_index (rows, i);
		g_autofree char *key = NULL;
		IrAuditGroup *g;

		if (row->type != IR_LOG_RECORD_INTENT)
			continue;
		key = ir_audit_stats_row_group (row, by);
		g = g_hash_table_lookup (index, key);
		if (g == NULL) {
			g = g_new0 (IrAuditGroup, 1);
			g->group = g_steal_pointer (&key);
			g_hash_table_insert (index, g->group, g);
			g_ptr_array_add (groups, g);
		}
		g->total++;
		for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++) {
			if (g_strcmp0 (row->outcome, ir_audit_outcomes[o]) == 0)
				g->outcomes[o]++;
		}
	}
	g_ptr_array_sort (groups, ir_audit_stats_group_compare);
	return groups;
}
