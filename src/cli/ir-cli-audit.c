/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ir-audit.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"

/* imeictl audit verify|show|export|stats LOG: the brand auditor's tools
 * over a workstation's migration log (src/core/log/ir-audit-*.c do the work).
 * show, export and stats verify the log first: when it does not verify,
 * the tamper alarm goes to stderr before anything else and the exit code
 * is 11 even though the rows are printed. */

typedef struct {
	char *key;
	char *witness_key;
	char *cosigned;
	char *from;
	char *to;
	char *technician;
	char *centre;
	char *imei;
	char *outcome;
	char *phase;
	char *type;
	char *by;
	gboolean csv;
	gboolean all_signatures;
} IrCliAuditOptions;

static const GOptionEntry ir_cli_audit_entries[] = {
    {"key",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliAuditOptions, key),
     "The workstation's public key the brand registered (PEM): the only key that proves who "
     "signed",
     "PUBKEY.pem"},
    {"witness-key",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliAuditOptions, witness_key),
     "The witness's (brand server's) public key (PEM), with --cosigned",
     "PUBKEY.pem"},
    {"cosigned",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliAuditOptions, cosigned),
     "A checkpoint the witness cosigned (signed note), with --witness-key",
     "NOTE"},
    {"from",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, from),
     "Records at or after T (UTC date or RFC 3339)",
     "T"},
    {"to",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, to),
     "Records at or before T (a date: its whole day)",
     "T"},
    {"technician",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, technician),
     "Only this technician (certificate CN)",
     "CN"},
    {"centre",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, centre),
     "Only this service centre",
     "CENTRE"},
    {"imei",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, imei),
     "Only restorations where this IMEI (14 identity digits) was before, target or read back",
     "IMEI"},
    {"outcome",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, outcome),
     "success, failed, aborted, unknown, recovered or open",
     "OUTCOME"},
    {"phase",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, phase),
     "Only this rollout phase",
     "PHASE"},
    {"type",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, type),
     "START, INTENT, RESULT, RECOVERY or KEY_ROTATION",
     "TYPE"},
    {"csv",
     0,
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (IrCliAuditOptions, csv),
     "export: CSV (RFC 4180) instead of JSON",
     NULL},
    {"all-signatures",
     0,
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (IrCliAuditOptions, all_signatures),
     "verify: check every checkpoint's signature, not only the last one of each key (every "
     "root is checked either way)",
     NULL},
    {"by",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliAuditOptions, by),
     "stats: group by day, technician, centre, outcome or phase (default day)",
     "GROUP"},
    {NULL},
};

typedef enum {
	AUDIT_VERIFY,
	AUDIT_SHOW,
	AUDIT_EXPORT,
	AUDIT_STATS,
	AUDIT_KEY,
} IrCliAuditAction;

/* what prepare() worked out, for run() */
typedef struct {
	const IrCliAuditOptions *opts;
	IrCliAuditAction action;
	IrAuditPaths *paths;
	EVP_PKEY *key;
	EVP_PKEY *witness_key;
	char *cosigned_note;
	IrAuditFilter filter;
	IrAuditGroupBy group_by;
} IrCliAuditState;

static void
ir_cli_audit_state_free (gpointer data)
{
	IrCliAuditState *st = data;

	g_clear_pointer (&st->paths, ir_audit_paths_free);
	g_clear_pointer (&st->key, EVP_PKEY_free);
	g_clear_pointer (&st->witness_key, EVP_PKEY_free);
	g_free (st->cosigned_note);
	ir_audit_filter_clear (&st->filter);
	g_free (st);
}

static gboolean ir_cli_audit_bad_input (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
ir_cli_audit_bad_input (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, msg);
	return FALSE;
}

static gboolean
ir_cli_audit_parse_action (IrCli *cli, GError **error)
{
	IrCliAuditState *st = cli->state;
	guint n = cli->args != NULL ? g_strv_length (cli->args) : 0;

	if (n >= 1 && g_strcmp0 (cli->args[0], "key") == 0) {
		st->action = AUDIT_KEY;
		return TRUE;
	}
	if (n < 2)
		return ir_cli_audit_bad_input (
		    error,
		    "audit needs what to do and a log, e.g. imeictl audit verify "
		    "/var/lib/imeirestore/log (verify, show, export or stats)");
	static const char *const action_names[] = {"verify", "show", "export", "stats", NULL};

	for (guint i = 0; action_names[i] != NULL; i++) {
		if (g_strcmp0 (cli->args[0], action_names[i]) == 0) {
			st->action = (IrCliAuditAction)i;
			return TRUE;
		}
	}
	return ir_cli_audit_bad_input (
	    error,
	    "unknown audit command '%s': give verify, show, export, stats or key",
	    cli->args[0]);
}

/* Options that make no sense for the chosen action are refused rather
 * than silently ignored: an auditor must not think a filter applied. */
static gboolean
ir_cli_audit_check_options (IrCli *cli, GError **error)
{
	IrCliAuditState *st = cli->state;
	gboolean has_filter = st->opts->from != NULL || st->opts->to != NULL ||
			      st->opts->technician != NULL || st->opts->centre != NULL ||
			      st->opts->imei != NULL || st->opts->outcome != NULL ||
			      st->opts->phase != NULL || st->opts->type != NULL;

	if (st->action == AUDIT_KEY &&
	    (has_filter || st->opts->key != NULL || st->opts->witness_key != NULL ||
	     st->opts->cosigned != NULL || st->opts->csv || st->opts->by != NULL ||
	     st->opts->all_signatures))
		return ir_cli_audit_bad_input (error,
					       "audit key takes no option but --json: it prints "
					       "the workstation's public key");
	if (st->action == AUDIT_VERIFY && has_filter)
		return ir_cli_audit_bad_input (
		    error,
		    "audit verify checks the whole log: filters (--from, --to, "
		    "--technician, ...) are for show, export and stats");
	if (st->opts->csv && st->action != AUDIT_EXPORT)
		return ir_cli_audit_bad_input (error, "--csv is for audit export");
	if (st->opts->by != NULL && st->action != AUDIT_STATS)
		return ir_cli_audit_bad_input (error, "--by is for audit stats");
	if (st->action == AUDIT_EXPORT && st->opts->csv == cli->json)
		return ir_cli_audit_bad_input (
		    error, "audit export needs exactly one of --csv and --json");
	if ((st->opts->witness_key != NULL) != (st->opts->cosigned != NULL))
		return ir_cli_audit_bad_input (
		    error,
		    "--witness-key and --cosigned go together: the witness's public "
		    "key and the checkpoint it cosigned");
	return TRUE;
}

static gboolean
ir_cli_audit_load_inputs (IrCliAuditState *st, GError **error)
{
	g_autoptr (GError) error_local = NULL;

	if (st->opts->key != NULL) {
		st->key = ir_audit_paths_load_public_key (st->opts->key, "--key", error);
		if (st->key == NULL)
			return FALSE;
	}
	if (st->opts->witness_key != NULL) {
		st->witness_key =
		    ir_audit_paths_load_public_key (st->opts->witness_key, "--witness-key", error);
		if (st->witness_key == NULL)
			return FALSE;
		if (st->key != NULL && EVP_PKEY_eq (st->key, st->witness_key) == 1)
			return ir_cli_audit_bad_input (
			    error,
			    "the witness key is the workstation key: a log cannot "
			    "witness itself; give the brand server's witness key");
		if (!g_file_get_contents (
			st->opts->cosigned, &st->cosigned_note, NULL, &error_local))
			return ir_cli_audit_bad_input (
			    error,
			    "--cosigned: cannot read the cosigned checkpoint: %s",
			    error_local->message);
	}
	return TRUE;
}

static gboolean
ir_cli_audit_set_filter (IrCliAuditState *st, GError **error)
{
	ir_audit_filter_init (&st->filter);
	if (st->opts->from != NULL &&
	    !ir_audit_filter_parse_time (st->opts->from, "--from", FALSE, &st->filter.from, error))
		return FALSE;
	if (st->opts->to != NULL &&
	    !ir_audit_filter_parse_time (st->opts->to, "--to", TRUE, &st->filter.to, error))
		return FALSE;
	if (st->filter.from > st->filter.to)
		return ir_cli_audit_bad_input (error,
					       "--from %s is after --to %s: nothing could match",
					       st->opts->from,
					       st->opts->to);
	if (st->opts->imei != NULL &&
	    !ir_audit_filter_set_imei (&st->filter, st->opts->imei, error))
		return FALSE;
	if (st->opts->outcome != NULL &&
	    !ir_audit_filter_set_outcome (&st->filter, st->opts->outcome, error))
		return FALSE;
	if (st->opts->type != NULL &&
	    !ir_audit_filter_set_type (&st->filter, st->opts->type, error))
		return FALSE;
	if (st->opts->by != NULL &&
	    !ir_audit_stats_group_by_from_string (st->opts->by, &st->group_by, error))
		return FALSE;
	st->filter.technician = g_strdup (st->opts->technician);
	st->filter.centre = g_strdup (st->opts->centre);
	st->filter.phase = g_strdup (st->opts->phase);
	return TRUE;
}

static gboolean
ir_cli_audit_prepare (IrCli *cli, GError **error)
{
	IrCliAuditState *st = g_new0 (IrCliAuditState, 1);

	st->opts = cli->options;
	st->group_by = IR_AUDIT_BY_DAY;
	ir_audit_filter_init (&st->filter);
	cli->state = st;
	if (!ir_cli_audit_parse_action (cli, error))
		return FALSE;
	if (!ir_cli_audit_check_options (cli, error))
		return FALSE;
	if (!ir_cli_audit_set_filter (st, error))
		return FALSE;
	if (st->action == AUDIT_KEY)
		return TRUE;
	if (!ir_cli_audit_load_inputs (st, error))
		return FALSE;
	st->paths = ir_audit_paths_resolve (cli->args[1], error);
	return st->paths != NULL;
}

static IrAuditReport *
ir_cli_audit_verify_log (IrCliAuditState *st, GCancellable *cancellable, GError **error)
{
	IrAuditVerifyOptions options = {
	    .key = st->key,
	    .witness_key = st->witness_key,
	    .cosigned_note = st->cosigned_note,
	    .all_signatures = st->opts->all_signatures,
	};
	return ir_audit_verify (st->paths, &options, cancellable, error);
}

static const char *
ir_cli_audit_trust_id (IrAuditTrust trust)
{
	switch (trust) {
	case IR_AUDIT_TRUST_GIVEN:
		return "given";
	case IR_AUDIT_TRUST_LOG_ONLY:
		return "log_only";
	case IR_AUDIT_TRUST_NONE:
	default:
		return "none";
	}
}

static void
ir_cli_audit_report_json (const IrAuditReport *r, GString *out)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *root_b64 = g_base64_encode (r->root, sizeof (r->root));
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "verified");
	json_builder_add_boolean_value (b, r->error == NULL);
	json_builder_set_member_name (b, "records");
	json_builder_add_int_value (b, (gint64)r->n_records);
	json_builder_set_member_name (b, "checkpoints");
	json_builder_add_int_value (b, (gint64)r->n_checkpoints);
	json_builder_set_member_name (b, "signed_size");
	json_builder_add_int_value (b, (gint64)r->signed_size);
	json_builder_set_member_name (b, "signatures_checked");
	json_builder_add_int_value (b, (gint64)r->n_signatures_checked);
	ir_cli_output_json_add_string_or_null (b, "root", r->error == NULL ? root_b64 : NULL);
	ir_cli_output_json_add_string_or_null (b, "origin", r->origin);
	ir_cli_output_json_add_string_or_null (b, "keys", r->key_names);
	ir_cli_output_json_add_string_or_null (b, "announced_key", r->announced_key);
	ir_cli_output_json_add_string_or_null (b, "trust", ir_cli_audit_trust_id (r->trust));
	ir_cli_output_json_add_string_or_null (
	    b, "trust_note", ir_audit_verify_trust_to_string (r->trust));
	json_builder_set_member_name (b, "witnessed_size");
	if (r->witnessed)
		json_builder_add_int_value (b, (gint64)r->witnessed_size);
	else
		json_builder_add_null_value (b);
	json_builder_set_member_name (b, "open_intents");
	json_builder_add_int_value (b, (gint64)r->n_open_intents);
	json_builder_set_member_name (b, "warnings");
	json_builder_begin_array (b);
	for (guint i = 0; i < r->warnings->len; i++)
		json_builder_add_string_value (b, g_ptr_array_index (r->warnings, i));
	json_builder_end_array (b);
	json_builder_set_member_name (b, "error");
	if (r->error != NULL) {
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (
		    b, "code", ir_cli_output_error_code (r->error));
		ir_cli_output_json_add_string_or_null (b, "message", r->error->message);
		json_builder_set_member_name (b, "line");
		json_builder_add_int_value (b, (gint64)r->bad_line);
		json_builder_set_member_name (b, "checkpoint");
		json_builder_add_int_value (b, (gint64)r->bad_checkpoint);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, ir_error_exit_code (r->error));
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = ir_cli_output_json_to_string (root);
	g_string_append (out, text);
}

static void
ir_cli_audit_report_text (const IrCliAuditState *st, const IrAuditReport *r, GString *out)
{
	g_autofree char *root_b64 = g_base64_encode (r->root, sizeof (r->root));

	g_string_append_printf (out, "Log:         %s\n", st->paths->records);
	g_string_append_printf (out,
				"Records:     %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
				" signed, %" G_GUINT64_FORMAT " INTENT, %" G_GUINT64_FORMAT
				" RESULT)\n",
				r->n_records,
				r->signed_size,
				r->n_intents,
				r->n_results);
	g_string_append_printf (out,
				"Checkpoints: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
				" signatures checked)\n",
				r->n_checkpoints,
				r->n_signatures_checked);
	g_string_append_printf (out, "Origin:      %s\n", r->origin != NULL ? r->origin : "-");
	g_string_append_printf (
	    out, "Signed by:   %s\n", r->key_names != NULL ? r->key_names : "-");
	/* what `imeictl audit key` prints on the workstation: shown so that
	 * the auditor can hold it against the brand's registry */
	if (r->announced_key != NULL)
		g_string_append_printf (out,
					"Announced:   %s (the START's key: trust it only as the "
					"brand's registry confirms it)\n",
					r->announced_key);
	g_string_append_printf (
	    out, "Trust:       %s\n", ir_audit_verify_trust_to_string (r->trust));
	if (r->witnessed)
		g_string_append_printf (out,
					"Witness:     cosigned at size %" G_GUINT64_FORMAT
					", consistent with the log\n",
					r->witnessed_size);
	else
		g_string_append (out, "Witness:     not checked (no --cosigned)\n");
	if (r->error == NULL)
		g_string_append_printf (out, "Root:        %s\n", root_b64);
	for (guint i = 0; i < r->warnings->len; i++)
		g_string_append_printf (
		    out, "Warning:     %s\n", (const char *)g_ptr_array_index (r->warnings, i));
	if (r->error != NULL) {
		/* the counts above stop where verification stopped */
		g_string_append (
		    out, "Stopped:     at the first failure; the counts above are up to it\n");
		g_string_append_printf (out, "Result:      TAMPERED: %s\n", r->error->message);
	} else
		g_string_append (out,
				 "Result:      verified: every record and checkpoint checks out\n");
}

/* The tamper alarm: one line on stderr, before any output. */
static void
ir_cli_audit_alarm (IrCli *cli, const IrAuditReport *report, gboolean rows_follow)
{
	g_autofree char *line = ir_cli_output_one_line (report->error->message);

	g_printerr ("imeictl: TAMPER ALARM: the log does not verify: %s%s\n",
		    line,
		    rows_follow ? " -- the output below comes from a log that cannot be trusted"
				: "");
	cli->exit_code = ir_error_exit_code (report->error);
}

static gboolean
ir_cli_audit_verify (IrCli *cli, GCancellable *cancellable, GError **error)
{
	g_autoptr (IrAuditReport) report = ir_cli_audit_verify_log (cli->state, cancellable, error);

	if (report == NULL)
		return FALSE;
	if (report->error != NULL)
		ir_cli_audit_alarm (cli, report, FALSE);
	if (cli->json)
		ir_cli_audit_report_json (report, cli->out);
	else
		ir_cli_audit_report_text (cli->state, report, cli->out);
	return TRUE;
}

static void
ir_cli_audit_show_table (GPtrArray *rows, GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (8);

	if (rows->len == 0) {
		g_string_append (out, "No record matches.\n");
		return;
	}
	ir_cli_table_add_row (table,
			      "TIME",
			      "SEQ",
			      "TYPE",
			      "TECHNICIAN",
			      "CENTRE",
			      "PHONE",
			      "IMEIS BEFORE -> AFTER / DETAILS",
			      "OUTCOME");
	for (guint i = 0; i < rows->len; i++) {
		const IrAuditRow *row = g_ptr_array_index (rows, i);
		g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, row->seq);
		g_autofree char *phone = ir_audit_export_row_phone_text (row);
		g_autofree char *imeis = row->type == IR_LOG_RECORD_INTENT
					     ? ir_audit_export_row_imeis_text (row)
					     : g_strdup (row->details);
		g_autofree char *outcome =
		    row->reason != NULL ? g_strdup_printf ("%s: %s", row->outcome, row->reason)
					: g_strdup (row->outcome);
		ir_cli_table_add_row (table,
				      row->time_text,
				      seq,
				      ir_log_record_type_to_string (row->type),
				      row->technician,
				      row->centre,
				      phone,
				      imeis,
				      outcome);
	}
	ir_cli_table_render (table, out);
}

static void
ir_cli_audit_stats_output (IrCli *cli, GPtrArray *rows)
{
	IrCliAuditState *st = cli->state;
	g_autoptr (GPtrArray) groups = ir_audit_stats (rows, st->group_by);
	guint64 total = 0;

	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;

		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (
		    b, "by", ir_audit_stats_group_by_to_string (st->group_by));
		json_builder_set_member_name (b, "groups");
		json_builder_begin_array (b);
		for (guint i = 0; i < groups->len; i++) {
			const IrAuditGroup *g = g_ptr_array_index (groups, i);
			json_builder_begin_object (b);
			ir_cli_output_json_add_string_or_null (b, "group", g->group);
			json_builder_set_member_name (b, "total");
			json_builder_add_int_value (b, (gint64)g->total);
			for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++) {
				json_builder_set_member_name (b, ir_audit_outcomes[o]);
				json_builder_add_int_value (b, (gint64)g->outcomes[o]);
			}
			json_builder_end_object (b);
			total += g->total;
		}
		json_builder_end_array (b);
		json_builder_set_member_name (b, "total");
		json_builder_add_int_value (b, (gint64)total);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
		return;
	} else {
		g_autoptr (IrCliTable) table = ir_cli_table_new (2 + IR_AUDIT_N_OUTCOMES);
		g_autofree char *head =
		    g_ascii_strup (ir_audit_stats_group_by_to_string (st->group_by), -1);
		g_autofree char *total_text = NULL;
		const char *header[2 + IR_AUDIT_N_OUTCOMES] = {head, "TOTAL"};
		char *upper[IR_AUDIT_N_OUTCOMES] = {NULL};

		for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++) {
			upper[o] = g_ascii_strup (ir_audit_outcomes[o], -1);
			header[2 + o] = upper[o];
		}
		ir_cli_table_add_rowv (table, header);
		for (guint i = 0; i < groups->len; i++) {
			const IrAuditGroup *g = g_ptr_array_index (groups, i);
			g_auto (GStrv) cells = g_new0 (char *, 3 + IR_AUDIT_N_OUTCOMES);
			cells[0] = g_strdup (g->group);
			cells[1] = g_strdup_printf ("%" G_GUINT64_FORMAT, g->total);
			for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++)
				cells[2 + o] =
				    g_strdup_printf ("%" G_GUINT64_FORMAT, g->outcomes[o]);
			ir_cli_table_add_rowv (table, (const char *const *)cells);
			total += g->total;
		}
		ir_cli_table_render (table, cli->out);
		total_text = g_strdup_printf ("%" G_GUINT64_FORMAT, total);
		g_string_append_printf (cli->out, "%s restoration(s)\n", total_text);
		for (guint o = 0; o < IR_AUDIT_N_OUTCOMES; o++)
			g_free (upper[o]);
	}
}

static gboolean
ir_cli_audit_query (IrCli *cli, GCancellable *cancellable, GError **error)
{
	IrCliAuditState *st = cli->state;
	g_autoptr (IrAuditReport) report = ir_cli_audit_verify_log (cli->state, cancellable, error);
	g_autoptr (GPtrArray) rows = NULL;

	if (report == NULL)
		return FALSE;
	if (report->error != NULL)
		ir_cli_audit_alarm (cli, report, TRUE);
	rows = ir_audit_query (st->paths, &st->filter, cancellable, error);
	if (rows == NULL)
		return FALSE;
	if (st->action == AUDIT_STATS) {
		ir_cli_audit_stats_output (cli, rows);
	} else if (st->action == AUDIT_EXPORT && st->opts->csv) {
		g_autofree char *csv = ir_audit_export_rows_to_csv (rows);
		g_string_append (cli->out, csv);
	} else if (cli->json) {
		g_autoptr (JsonNode) root = ir_audit_export_rows_to_json (rows);
		g_autofree char *text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
	} else {
		ir_cli_audit_show_table (rows, cli->out);
	}
	return TRUE;
}

/* The state folder: the one given, else $IMEIRESTORE_STATE_DIR, else the
 * default of imeictl restore. */
static char *
ir_cli_audit_state_dir (IrCli *cli)
{
	const char *env = g_getenv ("IMEIRESTORE_STATE_DIR");

	if (cli->args[1] != NULL)
		return g_strdup (cli->args[1]);
	if (env != NULL && env[0] != '\0')
		return g_strdup (env);
	return g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
}

/* imeictl audit key [DIR]: the public half of the workstation key, as PEM
 * (what audit verify --key takes and the brand registers); with --json
 * also its signed-note key name and key id. */
static gboolean
ir_cli_audit_key (IrCli *cli, GError **error)
{
	g_autofree char *dir = ir_cli_audit_state_dir (cli);
	g_autofree char *path = g_build_filename (dir, IR_WORKSTATION_KEY_FILE, NULL);
	g_autofree char *name = NULL;
	g_autofree char *pem = NULL;
	g_autofree char *b64 = NULL;
	g_autofree char *id_hex = NULL;
	g_autoptr (GError) error_local = NULL;
	EVP_PKEY *ws_key = ir_workstation_key_load (path, &error_local);
	guint8 id[4];

	if (ws_key == NULL) {
		g_propagate_prefixed_error (error,
					    g_steal_pointer (&error_local),
					    "no workstation key to print (give the state folder of "
					    "imeictl restore): ");
		return FALSE;
	}
	/* the key name is the log's origin */
	name = ir_migration_log_read_origin (dir, NULL);
	if (name != NULL && ir_checkpoint_key_id (name, ws_key, id, NULL))
		id_hex = g_strdup_printf ("%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
	pem = ir_workstation_key_public_pem (ws_key, error);
	b64 = pem != NULL ? ir_workstation_key_public_base64 (ws_key, error) : NULL;
	EVP_PKEY_free (ws_key);
	if (b64 == NULL)
		return FALSE;
	if (!cli->json) {
		g_string_append (cli->out, pem);
		return TRUE;
	}
	{
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;

		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "key_name", name);
		ir_cli_output_json_add_string_or_null (b, "key_id", id_hex);
		ir_cli_output_json_add_string_or_null (b, "public_key", b64);
		ir_cli_output_json_add_string_or_null (b, "public_key_pem", pem);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
	}
	return TRUE;
}

static gboolean
ir_cli_audit_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	IrCliAuditState *st = cli->state;
	if (st->action == AUDIT_KEY)
		return ir_cli_audit_key (cli, error);
	if (st->action == AUDIT_VERIFY)
		return ir_cli_audit_verify (cli, cancellable, error);
	return ir_cli_audit_query (cli, cancellable, error);
}

const IrCliCommand ir_cli_command_audit = {
    .name = "audit",
    .parameter_string = "verify|show|export|stats LOG | key [DIR]",
    .summary = "Verify a migration log, or show, export and count its records",
    .description =
	"verify LOG: recompute every record's hash and every checkpoint's root, check\n"
	"every signature and the consistency between checkpoints (and with a witness's\n"
	"cosignature); name the first bad record. Give --key, the workstation key the\n"
	"brand registered: keys found in the log itself prove consistency only.\n"
	"show LOG [filters]: restorations (INTENT with its RESULT) and other records.\n"
	"export LOG --csv|--json [filters]; stats LOG [filters] [--by GROUP].\n"
	"key [DIR]: the workstation's public key (PEM), for the brand to register and\n"
	"for audit verify --key; DIR is the state folder (default $IMEIRESTORE_STATE_DIR).\n"
	"LOG is a log directory or its migration-log.jsonl. A log that does not verify\n"
	"raises the tamper alarm on stderr and exits 11, even for show, export and stats.\n"
	"See imeictl(1), AUDIT.",
    .entries = ir_cli_audit_entries,
    .options_size = sizeof (IrCliAuditOptions),
    .min_args = 0,
    .max_args = 2,
    .uses_device = FALSE,
    .prepare = ir_cli_audit_prepare,
    .run = ir_cli_audit_run,
    .state_free = ir_cli_audit_state_free,
};
