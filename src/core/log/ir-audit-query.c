/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ir-audit-filter.h"
#include "ir-audit-query.h"
#include "ir-error.h"
#include "ir-log-record.h"

/* The restorations of a log as rows: each INTENT joined with its latest
 * RESULT, other records as they come, in log order. Lines that do not
 * parse are skipped here: verification reports them. */

#define IR_AUDIT_QUERY_CANCEL_EVERY 4096

const char *const ir_audit_outcomes[] = {
    "success", "failed", "aborted", "unknown", "recovered", IR_AUDIT_OUTCOME_OPEN, NULL};

void
ir_audit_query_row_free (IrAuditRow *row)
{
	if (row == NULL)
		return;
	g_free (row->time_text);
	g_free (row->intent_id);
	g_free (row->technician);
	g_free (row->centre);
	g_free (row->workstation);
	g_free (row->phase);
	g_free (row->token_id);
	g_free (row->token_sha256);
	g_free (row->port);
	g_free (row->manufacturer);
	g_free (row->model);
	g_free (row->serial);
	g_free (row->hardware_id);
	g_free (row->family);
	g_ptr_array_unref (row->imeis_before);
	g_ptr_array_unref (row->imeis_target);
	g_ptr_array_unref (row->imeis_read_back);
	g_free (row->result_time_text);
	g_free (row->outcome);
	g_free (row->reason);
	g_free (row->details);
	g_free (row);
}

static char *
ir_audit_query_dup_member (JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

	if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
		return NULL;
	if (json_node_get_value_type (node) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (node));
	if (json_node_get_value_type (node) == G_TYPE_INT64)
		return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
	return NULL;
}

static GPtrArray *
ir_audit_query_dup_slots (JsonObject *obj, const char *name)
{
	GPtrArray *slots = g_ptr_array_new_with_free_func (g_free);
	JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;
	JsonArray *array =
	    node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

	for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
		JsonNode *el = json_array_get_element (array, i);
		g_ptr_array_add (slots,
				 JSON_NODE_HOLDS_VALUE (el) &&
					 json_node_get_value_type (el) == G_TYPE_STRING
				     ? g_strdup (json_node_get_string (el))
				     : NULL);
	}
	return slots;
}

static IrAuditRow *
ir_audit_query_row_new (const IrLogRecord *rec)
{
	IrAuditRow *row = g_new0 (IrAuditRow, 1);

	row->type = rec->type;
	row->seq = rec->seq;
	row->time_text = g_strdup (rec->time);
	row->time = ir_log_record_time_to_unix (rec->time);
	row->imeis_before = g_ptr_array_new_with_free_func (g_free);
	row->imeis_target = g_ptr_array_new_with_free_func (g_free);
	row->imeis_read_back = g_ptr_array_new_with_free_func (g_free);
	return row;
}

static void
ir_audit_query_row_set_intent (IrAuditRow *row, JsonObject *o)
{
	JsonNode *phone_node = json_object_get_member (o, "phone");
	JsonObject *phone = phone_node != NULL && JSON_NODE_HOLDS_OBJECT (phone_node)
				? json_node_get_object (phone_node)
				: NULL;

	row->intent_id = ir_audit_query_dup_member (o, "intent_id");
	row->technician = ir_audit_query_dup_member (o, "technician");
	row->centre = ir_audit_query_dup_member (o, "centre");
	row->workstation = ir_audit_query_dup_member (o, "workstation");
	row->phase = ir_audit_query_dup_member (o, "phase");
	row->token_id = ir_audit_query_dup_member (o, "token_id");
	row->token_sha256 = ir_audit_query_dup_member (o, "token_sha256");
	row->port = ir_audit_query_dup_member (phone, "port");
	row->manufacturer = ir_audit_query_dup_member (phone, "manufacturer");
	row->model = ir_audit_query_dup_member (phone, "model");
	row->serial = ir_audit_query_dup_member (phone, "serial");
	row->hardware_id = ir_audit_query_dup_member (phone, "hardware_id");
	row->family = ir_audit_query_dup_member (phone, "family");
	g_ptr_array_unref (row->imeis_before);
	g_ptr_array_unref (row->imeis_target);
	row->imeis_before = ir_audit_query_dup_slots (o, "imeis_before");
	row->imeis_target = ir_audit_query_dup_slots (o, "imeis_target");
	row->outcome = g_strdup (IR_AUDIT_OUTCOME_OPEN);
}

static void
ir_audit_query_row_set_result (IrAuditRow *row, const IrLogRecord *rec)
{
	g_free (row->outcome);
	g_free (row->reason);
	g_free (row->result_time_text);
	g_ptr_array_unref (row->imeis_read_back);
	row->has_result = TRUE;
	row->result_seq = rec->seq;
	row->result_time_text = g_strdup (rec->time);
	row->outcome = ir_audit_query_dup_member (rec->object, "outcome");
	row->reason = ir_audit_query_dup_member (rec->object, "reason");
	row->imeis_read_back = ir_audit_query_dup_slots (rec->object, "imeis_read_back");
}

static char *
ir_audit_query_record_details (const IrLogRecord *rec)
{
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	switch (rec->type) {
	case IR_LOG_RECORD_START:
		a = ir_audit_query_dup_member (rec->object, "software");
		b = ir_audit_query_dup_member (rec->object, "workstation");
		return g_strdup_printf ("%s started on workstation %s", a, b);
	case IR_LOG_RECORD_RECOVERY:
		a = ir_audit_query_dup_member (rec->object, "cut_bytes");
		b = ir_audit_query_dup_member (rec->object, "reason");
		return g_strdup_printf ("cut %s bytes: %s", a, b);
	case IR_LOG_RECORD_KEY_ROTATION:
		a = ir_audit_query_dup_member (rec->object, "old_key_name");
		b = ir_audit_query_dup_member (rec->object, "new_key_name");
		return g_strdup_printf ("key %s -> %s", a, b);
	case IR_LOG_RECORD_RESULT:
		a = ir_audit_query_dup_member (rec->object, "intent_id");
		return g_strdup_printf ("RESULT for intent %s, whose INTENT is not in the log", a);
	case IR_LOG_RECORD_INTENT:
	default:
		return NULL;
	}
}

typedef struct {
	GPtrArray *rows;     /* IrAuditRow, log order */
	GHashTable *intents; /* intent_id -> IrAuditRow (borrowed) */
} IrAuditQuery;

static void
ir_audit_query_add_record (IrAuditQuery *q, const IrLogRecord *rec)
{
	IrAuditRow *row;

	if (rec->type == IR_LOG_RECORD_RESULT) {
		const char *id = json_object_get_string_member (rec->object, "intent_id");
		IrAuditRow *intent = g_hash_table_lookup (q->intents, id);
		if (intent != NULL) {
			ir_audit_query_row_set_result (intent, rec);
			return;
		}
	}
	row = ir_audit_query_row_new (rec);
	if (rec->type == IR_LOG_RECORD_INTENT) {
		ir_audit_query_row_set_intent (row, rec->object);
		g_hash_table_insert (q->intents, g_strdup (row->intent_id), row);
	} else if (rec->type == IR_LOG_RECORD_RESULT) {
		ir_audit_query_row_set_result (row, rec);
		row->intent_id = ir_audit_query_dup_member (rec->object, "intent_id");
		row->details = ir_audit_query_record_details (rec);
	} else {
		row->details = ir_audit_query_record_details (rec);
	}
	g_ptr_array_add (q->rows, row);
}

GPtrArray *
ir_audit_query (const IrAuditPaths *paths,
		const IrAuditFilter *filter,
		GCancellable *cancellable,
		GError **error)
{
	g_autoptr (GPtrArray) rows =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_audit_query_row_free);
	g_autoptr (GHashTable) intents =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GPtrArray) matching = NULL;
	IrAuditQuery q = {rows, intents};
	FILE *fp = fopen (paths->records, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	guint64 line = 0;
	gboolean failed = FALSE;

	if (fp == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		return NULL;
	}
	while (!failed && (n = getline (&buf, &cap, fp)) > 0) {
		gsize len = buf[n - 1] == '\n' ? (gsize)n - 1 : (gsize)n;
		g_autoptr (IrLogRecord) rec = ir_log_record_parse (buf, len, NULL);

		if (++line % IR_AUDIT_QUERY_CANCEL_EVERY == 0 &&
		    g_cancellable_set_error_if_cancelled (cancellable, error))
			failed = TRUE;
		if (rec != NULL)
			ir_audit_query_add_record (&q, rec);
	}
	if (!failed && ferror (fp)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to read the log %s: %s",
			     paths->records,
			     g_strerror (errno));
		failed = TRUE;
	}
	free (buf);
	fclose (fp);
	if (failed)
		return NULL;
	matching = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_audit_query_row_free);
	for (guint i = 0; i < rows->len; i++) {
		IrAuditRow *row = g_ptr_array_index (rows, i);
		if (ir_audit_filter_matches (filter, row))
			g_ptr_array_add (matching, g_ptr_array_steal_index (rows, i--));
	}
	return g_steal_pointer (&matching);
}
