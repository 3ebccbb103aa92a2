/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ir-audit-filter.h"
#include "ir-error.h"
#include "ir-imei.h"
#include "ir-log-record.h"

/* The auditor's filters (--from, --to, --technician, --imei, ...): each
 * setter checks its value, and a row matches when every filter given does. */

void
ir_audit_filter_init (IrAuditFilter *filter)
{
	memset (filter, 0, sizeof (*filter));
	filter->from = G_MININT64;
	filter->to = G_MAXINT64;
}

void
ir_audit_filter_clear (IrAuditFilter *filter)
{
	g_clear_pointer (&filter->technician, g_free);
	g_clear_pointer (&filter->centre, g_free);
	g_clear_pointer (&filter->imei, g_free);
	g_clear_pointer (&filter->outcome, g_free);
	g_clear_pointer (&filter->phase, g_free);
}

static gboolean
ir_audit_filter_parse_date_only (const char *text, gboolean end_of_day, gint64 *out)
{
	int y = 0, m = 0, d = 0;
	g_autoptr (GDateTime) dt = NULL;

	if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
		return FALSE;
	for (guint i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
			return FALSE;
	}
	if (sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
		return FALSE;
	dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
	if (dt == NULL)
		return FALSE;
	*out = g_date_time_to_unix (dt) + (end_of_day ? 86399 : 0);
	return TRUE;
}

gboolean
ir_audit_filter_parse_time (
    const char *text, const char *option, gboolean end_of_day, gint64 *out, GError **error)
{
	g_autoptr (GDateTime) dt = NULL;

	if (ir_audit_filter_parse_date_only (text, end_of_day, out))
		return TRUE;
	/* a full time must say its zone: a local guess would shift the range */
	if (strlen (text) > 10 && text[10] == 'T')
		dt = g_date_time_new_from_iso8601 (text, NULL);
	if (dt == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s '%s' is not a time: give a UTC date (2026-11-29) or an RFC 3339 "
			     "time with its zone (2026-11-29T08:30:00Z)",
			     option,
			     text);
		return FALSE;
	}
	*out = g_date_time_to_unix (dt);
	return TRUE;
}

gboolean
ir_audit_filter_set_imei (IrAuditFilter *filter, const char *imei, GError **error)
{
	gsize len = strlen (imei);
	gboolean digits = len > 0;

	for (gsize i = 0; i < len; i++)
		digits = digits && g_ascii_isdigit (imei[i]);
	if (!digits || (len != IR_IMEI_ID_LEN && len != IR_IMEI_LEN)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--imei '%s' is not an IMEI: give its 14 identity digits or all 15 "
			     "(the check digit is not compared)",
			     imei);
		return FALSE;
	}
	g_free (filter->imei);
	filter->imei = g_strndup (imei, IR_IMEI_ID_LEN);
	return TRUE;
}

gboolean
ir_audit_filter_set_outcome (IrAuditFilter *filter, const char *outcome, GError **error)
{
	if (!g_strv_contains (ir_audit_outcomes, outcome)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--outcome '%s' is not an outcome: give success, failed, aborted, "
			     "unknown, recovered or open (no RESULT yet)",
			     outcome);
		return FALSE;
	}
	g_free (filter->outcome);
	filter->outcome = g_strdup (outcome);
	return TRUE;
}

gboolean
ir_audit_filter_set_type (IrAuditFilter *filter, const char *type, GError **error)
{
	g_autofree char *upper = g_ascii_strup (type, -1);

	if (!ir_log_record_type_from_string (upper, &filter->type)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--type '%s' is not a record type: give START, INTENT, RESULT, "
			     "RECOVERY or KEY_ROTATION",
			     type);
		return FALSE;
	}
	filter->has_type = TRUE;
	return TRUE;
}

static gboolean
ir_audit_filter_slots_match (GPtrArray *slots, const char *imei14)
{
	for (guint i = 0; slots != NULL && i < slots->len; i++) {
		const char *imei = g_ptr_array_index (slots, i);
		if (imei != NULL && strlen (imei) >= IR_IMEI_ID_LEN &&
		    memcmp (imei, imei14, IR_IMEI_ID_LEN) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_audit_filter_matches_type (const IrAuditFilter *filter, const IrAuditRow *row)
{
	if (!filter->has_type)
		return TRUE;
	/* a restoration is an INTENT, and a RESULT too once it has one */
	if (filter->type == IR_LOG_RECORD_RESULT && row->type == IR_LOG_RECORD_INTENT)
		return row->has_result;
	return row->type == filter->type;
}

gboolean
ir_audit_filter_matches (const IrAuditFilter *filter, const IrAuditRow *row)
{
	if (filter == NULL)
		return TRUE;
	if (row->time < filter->from || row->time > filter->to)
		return FALSE;
	if (!ir_audit_filter_matches_type (filter, row))
		return FALSE;
	if (filter->technician != NULL && g_strcmp0 (filter->technician, row->technician) != 0)
		return FALSE;
	if (filter->centre != NULL && g_strcmp0 (filter->centre, row->centre) != 0)
		return FALSE;
	if (filter->phase != NULL && g_strcmp0 (filter->phase, row->phase) != 0)
		return FALSE;
	if (filter->outcome != NULL &&
	    (row->type != IR_LOG_RECORD_INTENT || g_strcmp0 (filter->outcome, row->outcome) != 0))
		return FALSE;
	if (filter->imei != NULL &&
	    !ir_audit_filter_slots_match (row->imeis_before, filter->imei) &&
	    !ir_audit_filter_slots_match (row->imeis_target, filter->imei) &&
	    !ir_audit_filter_slots_match (row->imeis_read_back, filter->imei))
		return FALSE;
	return TRUE;
}
