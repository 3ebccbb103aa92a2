/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ir-brandd-clock.h"
#include "ir-brandd-report-data.h"
#include "ir-brandd-report-store.h"
#include "ir-brandd-report.h"
#include "ir-brandd-rollout.h"
#include "ir-brandd-signer.h"
#include "ir-error.h"
#include "ir-rollout-note.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

int
ir_brandd_report_fail (int code, const GError *error)
{
	g_printerr ("imei-brandd: %s\n", error->message);
	return code;
}

int
ir_brandd_report_usage (const char *message)
{
	g_printerr ("imei-brandd: %s\nTry imei-brandd --help.\n", message);
	return EXIT_USAGE;
}

int
ir_brandd_report_emit (const IrBranddReportOptions *options, const char *text, const char *what)
{
	g_autoptr (GError) error = NULL;

	if (options->out == NULL) {
		g_print ("%s", text);
		return EXIT_SUCCESS;
	}
	/* g_file_set_contents writes a temporary file and renames it: a
	 * reader never sees half a summary */
	if (!g_file_set_contents (options->out, text, -1, &error))
		return ir_brandd_report_fail (EXIT_FAILED, error);
	g_printerr ("imei-brandd: wrote %s to %s\n", what, options->out);
	return EXIT_SUCCESS;
}

void
ir_brandd_report_day_range (GTimeZone *tz, const char *day, gint64 *start, gint64 *end)
{
	g_autoptr (GDateTime) first = g_date_time_new (tz,
						       (int)g_ascii_strtoll (day, NULL, 10),
						       (int)g_ascii_strtoll (day + 5, NULL, 10),
						       (int)g_ascii_strtoll (day + 8, NULL, 10),
						       0,
						       0,
						       0);
	g_autoptr (GDateTime) next = g_date_time_add_days (first, 1);

	*start = g_date_time_to_unix (first);
	*end = g_date_time_to_unix (next);
}

static int
ir_brandd_report_check_date (const char *option, const char *value, gboolean required)
{
	g_autofree char *msg = NULL;

	if (value == NULL && !required)
		return EXIT_SUCCESS;
	if (value != NULL && ir_rollout_note_is_date (value))
		return EXIT_SUCCESS;
	msg = value == NULL ? g_strdup_printf ("%s DAY is needed (YYYY-MM-DD)", option)
			    : g_strdup_printf ("%s \"%s\" is not a date; give YYYY-MM-DD, e.g. "
					       "2026-12-05",
					       option,
					       value);
	return ir_brandd_report_usage (msg);
}

/* The database and its current policy; *policy NULL with a message when
 * none is published. */
static int
ir_brandd_report_open (const IrBranddConfig *config,
		       IrBranddStore **store,
		       IrBranddRollout **rollout,
		       const IrPolicy **policy)
{
	g_autoptr (GError) error = NULL;

	*store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (*store != NULL)
		*rollout = ir_brandd_rollout_new (config, *store, &error);
	if (*store == NULL || *rollout == NULL ||
	    !ir_brandd_rollout_current (*rollout, policy, &error))
		return ir_brandd_report_fail (EXIT_FAILED, error);
	if (*policy == NULL) {
		g_printerr ("imei-brandd: no rollout policy has been published in %s; reports "
			    "count by its phases and days: publish one first (policy publish)\n",
			    ir_brandd_config_store_target (config));
		return EXIT_FAILED;
	}
	return EXIT_SUCCESS;
}

/* ---- report: the table ---- */

static void
ir_brandd_report_csv_field (GString *out, const char *text)
{
	if (text == NULL)
		return;
	if (strpbrk (text, ",\"\r\n") == NULL) {
		g_string_append (out, text);
		return;
	}
	g_string_append_c (out, '"');
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c (out, '"');
		g_string_append_c (out, *p);
	}
	g_string_append_c (out, '"');
}

static char *
ir_brandd_report_csv (const IrBranddReportData *data)
{
	GString *out = g_string_new ("phase,day,circle,centre,issued");

	for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++)
		g_string_append_printf (out, ",%s", ir_log_tally_outcome_to_string (o));
	g_string_append (out, ",intent_mismatches\r\n");
	for (guint i = 0; i < data->rows->len; i++) {
		const IrBranddReportRow *row = g_ptr_array_index (data->rows, i);

		ir_brandd_report_csv_field (out, row->phase);
		g_string_append_printf (out, ",%s,", row->day);
		ir_brandd_report_csv_field (out, row->circle);
		g_string_append_c (out, ',');
		ir_brandd_report_csv_field (out, row->centre);
		g_string_append_printf (out, ",%" G_GUINT64_FORMAT, row->issued);
		for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++)
			g_string_append_printf (out, ",%" G_GUINT64_FORMAT, row->counts[o]);
		g_string_append_printf (out, ",%" G_GUINT64_FORMAT "\r\n", row->intent_mismatches);
	}
	return g_string_free (out, FALSE);
}

static void
ir_brandd_report_json_string (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	if (value != NULL)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

/* Each witnessed INTENT no issued token accounts for, for the auditor:
 * where it is, which token it names and what is wrong. */
static void
ir_brandd_report_json_mismatches (JsonBuilder *b, const IrBranddReportData *data)
{
	json_builder_set_member_name (b, "intent_mismatches");
	json_builder_begin_array (b);
	for (guint i = 0; i < data->mismatches->len; i++) {
		const IrBranddReportMismatch *rm = g_ptr_array_index (data->mismatches, i);
		const IrBranddIntentMismatch *m = rm->mismatch;

		json_builder_begin_object (b);
		ir_brandd_report_json_string (b, "origin", m->origin);
		ir_brandd_report_json_string (b, "centre", m->centre);
		json_builder_set_member_name (b, "seq");
		json_builder_add_int_value (b, (gint64)m->seq);
		ir_brandd_report_json_string (b, "token_id", m->token_id);
		ir_brandd_report_json_string (b, "reason", m->reason);
		ir_brandd_report_json_string (b, "phase", m->phase);
		json_builder_set_member_name (b, "policy_version");
		if (m->policy_version > 0)
			json_builder_add_int_value (b, m->policy_version);
		else
			json_builder_add_null_value (b);
		ir_brandd_report_json_string (b, "day", rm->day);
		ir_brandd_report_json_string (b, "detail", m->detail);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
}

static char *
ir_brandd_report_json (const IrBranddReportData *data, const IrPolicy *policy)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "policy_version");
	json_builder_add_int_value (b, policy->version);
	ir_brandd_report_json_string (b, "time_zone", policy->time_zone_id);
	json_builder_set_member_name (b, "rows");
	json_builder_begin_array (b);
	for (guint i = 0; i < data->rows->len; i++) {
		const IrBranddReportRow *row = g_ptr_array_index (data->rows, i);

		json_builder_begin_object (b);
		ir_brandd_report_json_string (b, "phase", row->phase);
		ir_brandd_report_json_string (b, "day", row->day);
		ir_brandd_report_json_string (b, "circle", row->circle);
		ir_brandd_report_json_string (b, "centre", row->centre);
		json_builder_set_member_name (b, "issued");
		json_builder_add_int_value (b, (gint64)row->issued);
		for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++) {
			json_builder_set_member_name (b, ir_log_tally_outcome_to_string (o));
			json_builder_add_int_value (b, (gint64)row->counts[o]);
		}
		json_builder_set_member_name (b, "intent_mismatches");
		json_builder_add_int_value (b, (gint64)row->intent_mismatches);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	ir_brandd_report_json_mismatches (b, data);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = json_to_string (root, TRUE);
	return g_strconcat (text, "\n", NULL);
}

static int
ir_brandd_report_table (const IrBranddConfig *config, const IrBranddReportOptions *options)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (IrBranddReportData) data = NULL;
	g_autofree char *text = NULL;
	const IrPolicy *policy = NULL;
	IrBranddReportFilter filter = {options->phase, options->from, options->to};
	int rc;

	if ((rc = ir_brandd_report_check_date ("--from", options->from, FALSE)) != 0 ||
	    (rc = ir_brandd_report_check_date ("--to", options->to, FALSE)) != 0)
		return rc;
	if (options->from != NULL && options->to != NULL &&
	    g_strcmp0 (options->from, options->to) > 0)
		return ir_brandd_report_usage ("--from is after --to; give the first day first");
	if ((rc = ir_brandd_report_open (config, &store, &rollout, &policy)) != 0)
		return rc;
	data = ir_brandd_report_data_collect (store, policy, &filter, &error);
	if (data == NULL)
		return ir_brandd_report_fail (EXIT_FAILED, error);
	text = options->json ? ir_brandd_report_json (data, policy) : ir_brandd_report_csv (data);
	if (data->mismatches->len > 0)
		g_printerr ("imei-brandd: %u witnessed INTENTs name a token this server did not "
			    "issue for them (column intent_mismatches); report --json lists "
			    "each with its log, record and why\n",
			    data->mismatches->len);
	return ir_brandd_report_emit (options, text, "the report");
}

/* ---- report summary: one phase, one day, signed ---- */

static int
ir_brandd_report_summary (const IrBranddConfig *config, const IrBranddReportOptions *options)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddSigner) signer = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (IrBranddReportData) data = NULL;
	g_autoptr (IrRolloutSummary) summary = NULL;
	g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (ir_brandd_clock_now ());
	g_autofree char *made = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *body = NULL;
	g_autofree char *note = NULL;
	const IrPolicy *policy = NULL;
	IrBranddReportFilter filter = {options->phase, options->date, options->date};
	int rc;

	if (options->phase == NULL)
		return ir_brandd_report_usage ("report summary needs --phase PHASE");
	if ((rc = ir_brandd_report_check_date ("--date", options->date, TRUE)) != 0)
		return rc;
	signer = ir_brandd_signer_load (config, options->key, options->key_name, &error);
	if (signer == NULL)
		return ir_brandd_report_fail (EXIT_USAGE, error);
	if ((rc = ir_brandd_report_open (config, &store, &rollout, &policy)) != 0)
		return rc;
	if (ir_policy_find_phase (policy, options->phase) == NULL) {
		g_printerr (
		    "imei-brandd: phase %s is not in rollout policy version %" G_GINT64_FORMAT
		    "; imei-brandd policy show lists its phases\n",
		    options->phase,
		    policy->version);
		return EXIT_FAILED;
	}
	data = ir_brandd_report_data_collect (store, policy, &filter, &error);
	if (data == NULL)
		return ir_brandd_report_fail (EXIT_FAILED, error);
	summary = ir_brandd_report_data_summary (data, policy, options->phase, options->date, made);
	body = ir_rollout_summary_format (summary);
	note = ir_brandd_signer_sign (signer, body, &error);
	if (note == NULL)
		return ir_brandd_report_fail (EXIT_FAILED, error);
	return ir_brandd_report_emit (options, note, "the signed summary");
}

/* ---- report register: the national equipment register's export ---- */

static gboolean
ir_brandd_report_register_row (GString *out,
			       const IrBranddRestoredRow *row,
			       const char *day,
			       GError **error)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonArray *imeis;

	if (!json_parser_load_from_data (parser, row->imeis, -1, error) ||
	    !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser))) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "a token row holds IMEIs that are not a JSON array: %s",
			     row->imeis);
		return FALSE;
	}
	imeis = json_node_get_array (json_parser_get_root (parser));
	for (guint i = 0; i < json_array_get_length (imeis); i++) {
		const char *imei = json_node_get_string (json_array_get_element (imeis, i));

		if (imei == NULL)
			continue;
		g_string_append_printf (out, "%s,%.8s,%s,", imei, imei, day);
		ir_brandd_report_csv_field (out, row->centre);
		g_string_append_c (out, ',');
		ir_brandd_report_csv_field (out, row->phase);
		g_string_append (out, "\r\n");
	}
	return TRUE;
}

static int
ir_brandd_report_register (const IrBranddConfig *config, const IrBranddReportOptions *options)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (GPtrArray) rows = NULL;
	g_autoptr (GString) out = g_string_new ("imei,tac,date,centre,phase\r\n");
	const IrPolicy *policy = NULL;
	gint64 start = 0;
	gint64 end = 0;
	int rc;

	if ((rc = ir_brandd_report_check_date ("--date", options->date, TRUE)) != 0)
		return rc;
	if ((rc = ir_brandd_report_open (config, &store, &rollout, &policy)) != 0)
		return rc;
	ir_brandd_report_day_range (policy->time_zone, options->date, &start, &end);
	rows = ir_brandd_report_store_restored (store, start, end, &error);
	if (rows == NULL)
		return ir_brandd_report_fail (EXIT_FAILED, error);
	for (guint i = 0; i < rows->len; i++) {
		if (!ir_brandd_report_register_row (
			out, g_ptr_array_index (rows, i), options->date, &error))
			return ir_brandd_report_fail (EXIT_FAILED, error);
	}
	return ir_brandd_report_emit (options, out->str, "the register export");
}

int
ir_brandd_report_command (const IrBranddConfig *config,
			  const IrBranddReportOptions *options,
			  int argc,
			  char **argv)
{
	if (ir_brandd_config_store_target (config) == NULL)
		return ir_brandd_report_usage ("report needs --db PATH (or --config FILE)");
	if (argc == 0)
		return ir_brandd_report_table (config, options);
	if (argc == 1 && g_strcmp0 (argv[0], "summary") == 0)
		return ir_brandd_report_summary (config, options);
	if (argc == 1 && g_strcmp0 (argv[0], "register") == 0)
		return ir_brandd_report_register (config, options);
	return ir_brandd_report_usage (
	    "report takes no argument (the table), or summary or register");
}
