/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-audit-export.h"
#include "ir-log-record.h"

/* Rows as text, JSON and RFC 4180 CSV. */

static const char *
ir_audit_export_slot_at (GPtrArray *slots, guint i)
{
	return slots != NULL && i < slots->len ? g_ptr_array_index (slots, i) : NULL;
}

char *
ir_audit_export_row_imeis_text (const IrAuditRow *row)
{
	g_autoptr (GString) str = g_string_new (NULL);
	guint n =
	    MAX (row->imeis_before->len, MAX (row->imeis_target->len, row->imeis_read_back->len));

	for (guint i = 0; i < n; i++) {
		const char *before = ir_audit_export_slot_at (row->imeis_before, i);
		const char *after = row->has_result
					? ir_audit_export_slot_at (row->imeis_read_back, i)
					: ir_audit_export_slot_at (row->imeis_target, i);
		if (!row->has_result && after == NULL)
			after = "(left alone)";
		g_string_append_printf (str,
					"%s%s -> %s",
					i > 0 ? ", " : "",
					before != NULL ? before : "(empty)",
					after != NULL ? after : "(empty)");
	}
	return g_string_free (g_steal_pointer (&str), FALSE);
}

char *
ir_audit_export_row_phone_text (const IrAuditRow *row)
{
	if (row->manufacturer == NULL && row->model == NULL)
		return NULL;
	return g_strdup_printf ("%s %s (serial %s)",
				row->manufacturer != NULL ? row->manufacturer : "?",
				row->model != NULL ? row->model : "?",
				row->serial != NULL ? row->serial : "?");
}

static void
ir_audit_export_add_string (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	if (value != NULL)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

static void
ir_audit_export_add_slots (JsonBuilder *b, const char *name, GPtrArray *slots)
{
	json_builder_set_member_name (b, name);
	json_builder_begin_array (b);
	for (guint i = 0; i < slots->len; i++) {
		const char *imei = g_ptr_array_index (slots, i);
		if (imei != NULL)
			json_builder_add_string_value (b, imei);
		else
			json_builder_add_null_value (b);
	}
	json_builder_end_array (b);
}

JsonNode *
ir_audit_export_row_to_json (const IrAuditRow *row)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "seq");
	json_builder_add_int_value (b, (gint64)row->seq);
	ir_audit_export_add_string (b, "type", ir_log_record_type_to_string (row->type));
	ir_audit_export_add_string (b, "time", row->time_text);
	ir_audit_export_add_string (b, "intent_id", row->intent_id);
	ir_audit_export_add_string (b, "technician", row->technician);
	ir_audit_export_add_string (b, "centre", row->centre);
	ir_audit_export_add_string (b, "workstation", row->workstation);
	ir_audit_export_add_string (b, "phase", row->phase);
	ir_audit_export_add_string (b, "token_id", row->token_id);
	ir_audit_export_add_string (b, "token_sha256", row->token_sha256);
	json_builder_set_member_name (b, "phone");
	if (row->type == IR_LOG_RECORD_INTENT) {
		json_builder_begin_object (b);
		ir_audit_export_add_string (b, "port", row->port);
		ir_audit_export_add_string (b, "manufacturer", row->manufacturer);
		ir_audit_export_add_string (b, "model", row->model);
		ir_audit_export_add_string (b, "serial", row->serial);
		ir_audit_export_add_string (b, "hardware_id", row->hardware_id);
		ir_audit_export_add_string (b, "family", row->family);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	ir_audit_export_add_slots (b, "imeis_before", row->imeis_before);
	ir_audit_export_add_slots (b, "imeis_target", row->imeis_target);
	ir_audit_export_add_slots (b, "imeis_read_back", row->imeis_read_back);
	ir_audit_export_add_string (b, "outcome", row->outcome);
	ir_audit_export_add_string (b, "reason", row->reason);
	json_builder_set_member_name (b, "result_seq");
	if (row->has_result)
		json_builder_add_int_value (b, (gint64)row->result_seq);
	else
		json_builder_add_null_value (b);
	ir_audit_export_add_string (b, "result_time", row->result_time_text);
	ir_audit_export_add_string (b, "details", row->details);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

JsonNode *
ir_audit_export_rows_to_json (GPtrArray *rows)
{
	JsonArray *array = json_array_sized_new (rows->len);
	JsonNode *node = json_node_new (JSON_NODE_ARRAY);

	for (guint i = 0; i < rows->len; i++)
		json_array_add_element (array,
					ir_audit_export_row_to_json (g_ptr_array_index (rows, i)));
	json_node_take_array (node, array);
	return node;
}

static void
ir_audit_export_csv_field (GString *out, const char *value, gboolean last)
{
	if (value != NULL && strpbrk (value, ",\"\r\n") != NULL) {
		g_string_append_c (out, '"');
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '"')
				g_string_append_c (out, '"');
			g_string_append_c (out, *p);
		}
		g_string_append_c (out, '"');
	} else if (value != NULL) {
		g_string_append (out, value);
	}
	g_string_append (out, last ? "\r\n" : ",");
}

static const char *const ir_audit_export_csv_columns[] = {
    "seq",	   "type",	  "time",	 "intent_id",	 "technician", "centre",
    "workstation", "phase",	  "token_id",	 "token_sha256", "port",       "manufacturer",
    "model",	   "serial",	  "hardware_id", "family",	 "outcome",    "reason",
    "result_seq",  "result_time", "details",
};

static void
ir_audit_export_csv_row (GString *out, const IrAuditRow *row, guint n_slots)
{
	g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, row->seq);
	g_autofree char *rseq =
	    row->has_result ? g_strdup_printf ("%" G_GUINT64_FORMAT, row->result_seq) : NULL;
	const char *cells[] = {
	    seq,
	    ir_log_record_type_to_string (row->type),
	    row->time_text,
	    row->intent_id,
	    row->technician,
	    row->centre,
	    row->workstation,
	    row->phase,
	    row->token_id,
	    row->token_sha256,
	    row->port,
	    row->manufacturer,
	    row->model,
	    row->serial,
	    row->hardware_id,
	    row->family,
	    row->outcome,
	    row->reason,
	    rseq,
	    row->result_time_text,
	    row->details,
	};
	GPtrArray *slot_sets[] = {row->imeis_before, row->imeis_target, row->imeis_read_back};

	G_STATIC_ASSERT (G_N_ELEMENTS (cells) == G_N_ELEMENTS (ir_audit_export_csv_columns));
	for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
		ir_audit_export_csv_field (out, cells[i], FALSE);
	for (guint s = 0; s < G_N_ELEMENTS (slot_sets); s++) {
		for (guint i = 0; i < n_slots; i++)
			ir_audit_export_csv_field (out,
						   ir_audit_export_slot_at (slot_sets[s], i),
						   s == G_N_ELEMENTS (slot_sets) - 1 &&
						       i == n_slots - 1);
	}
}

char *
ir_audit_export_rows_to_csv (GPtrArray *rows)
{
	static const char *const slot_names[] = {"imei_before", "imei_target", "imei_read_back"};
	g_autoptr (GString) out = g_string_new (NULL);
	guint n_slots = 2; /* a stable header for the common case */

	for (guint i = 0; i < rows->len; i++) {
		const IrAuditRow *row = g_ptr_array_index (rows, i);
		n_slots = MAX (n_slots, row->imeis_before->len);
		n_slots = MAX (n_slots, row->imeis_target->len);
		n_slots = MAX (n_slots, row->imeis_read_back->len);
	}
	for (guint i = 0; i < G_N_ELEMENTS (ir_audit_export_csv_columns); i++)
		ir_audit_export_csv_field (out, ir_audit_export_csv_columns[i], FALSE);
	for (guint s = 0; s < G_N_ELEMENTS (slot_names); s++) {
		for (guint i = 0; i < n_slots; i++) {
			g_autofree char *name = g_strdup_printf ("%s_%u", slot_names[s], i + 1);
			ir_audit_export_csv_field (
			    out, name, s == G_N_ELEMENTS (slot_names) - 1 && i == n_slots - 1);
		}
	}
	for (guint i = 0; i < rows->len; i++)
		ir_audit_export_csv_row (out, g_ptr_array_index (rows, i), n_slots);
	return g_string_free (g_steal_pointer (&out), FALSE);
}
