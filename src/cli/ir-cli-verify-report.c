/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-audit-paths.h"
#include "ir-block-list.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-rollout-summary-check.h"

/* imeictl verify-report FILE [--log DIR]...: a regulator's or a network
 * operator's offline check of what the brand signed (a phase/day summary
 * or a national block list): the signature by a policy key pinned in the
 * trust store, every member and the sums, and, for a summary, each given
 * migration log counted again (ir-rollout-summary-check.h). */

typedef struct {
	char *trust_store;
	char **logs;
} IrCliVerifyReportOptions;

static const GOptionEntry ir_cli_verify_report_entries[] = {
    {"trust-store",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliVerifyReportOptions, trust_store),
     "The brand's trust store with its policy key (default: $IMEIRESTORE_TRUST_STORE, else "
     "the installed one)",
     "FILE"},
    {"log",
     0,
     0,
     G_OPTION_ARG_FILENAME_ARRAY,
     IR_CLI_OPTION (IrCliVerifyReportOptions, logs),
     "A workstation's migration log (its folder or .jsonl) to count again; repeat for more",
     "DIR"},
    {NULL},
};

typedef struct {
	char *path;
	IrTrustStore *trust;
	GPtrArray *logs; /* IrAuditPaths */
} IrCliVerifyReportState;

static void
ir_cli_verify_report_state_free (gpointer data)
{
	IrCliVerifyReportState *state = data;

	g_free (state->path);
	if (state->trust != NULL)
		ir_trust_store_unref (state->trust);
	g_ptr_array_unref (state->logs);
	g_free (state);
}

static gboolean
ir_cli_verify_report_prepare (IrCli *cli, GError **error)
{
	const IrCliVerifyReportOptions *opts = cli->options;
	g_autofree char *default_trust = g_build_filename (IR_SYSCONFDIR, "trust-store.conf", NULL);
	const char *env = g_getenv ("IMEIRESTORE_TRUST_STORE");
	const char *trust_path = opts->trust_store != NULL	 ? opts->trust_store
				 : env != NULL && env[0] != '\0' ? env
								 : default_trust;
	IrCliVerifyReportState *state = g_new0 (IrCliVerifyReportState, 1);

	cli->state = state;
	state->path = g_strdup (cli->args[0]);
	state->logs = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_audit_paths_free);
	for (guint i = 0; opts->logs != NULL && opts->logs[i] != NULL; i++) {
		IrAuditPaths *paths = ir_audit_paths_resolve (opts->logs[i], error);

		if (paths == NULL) {
			g_prefix_error (error, "--log %s: ", opts->logs[i]);
			return FALSE;
		}
		g_ptr_array_add (state->logs, paths);
	}
	state->trust = ir_trust_store_load (trust_path, error);
	return state->trust != NULL;
}

static void
ir_cli_verify_report_counts (GString *out, const guint64 counts[IR_LOG_N_OUTCOMES])
{
	for (guint o = 0; o < IR_LOG_N_OUTCOMES; o++)
		g_string_append_printf (out,
					"%s%s %" G_GUINT64_FORMAT,
					o > 0 ? ", " : "",
					ir_log_tally_outcome_to_string (o),
					counts[o]);
}

static gboolean
ir_cli_verify_report_summary (IrCli *cli,
			      const IrRolloutSummary *s,
			      const char *key_name,
			      GCancellable *cancellable,
			      GError **error)
{
	IrCliVerifyReportState *state = cli->state;
	GString *out = cli->out;

	g_string_append_printf (
	    out,
	    "summary of phase %s on %s (%s), rollout policy version %" G_GINT64_FORMAT
	    ": signature by %s verifies\n",
	    s->phase,
	    s->day,
	    s->time_zone,
	    s->policy_version,
	    key_name);
	g_string_append_printf (
	    out, "  tokens issued %" G_GUINT64_FORMAT "; restorations: ", s->issued);
	ir_cli_verify_report_counts (out, s->counts);
	g_string_append_printf (out,
				"\n  %u centres, %u witnessed logs; the totals are their sums\n",
				s->centres->len,
				s->logs->len);
	for (guint i = 0; i < state->logs->len; i++) {
		const IrAuditPaths *paths = g_ptr_array_index (state->logs, i);
		g_autofree char *origin = NULL;

		if (!ir_rollout_summary_check_log (s, paths, &origin, cancellable, error))
			return FALSE;
		g_string_append_printf (
		    out, "  log %s: its records give the summary's figures\n", origin);
	}
	if (state->logs->len == 0)
		g_string_append (
		    out,
		    "  no migration log given (--log DIR): the figures were not counted "
		    "again\n");
	else if (state->logs->len < s->logs->len)
		g_string_append_printf (out,
					"  %u of the %u logs the summary counts were checked\n",
					state->logs->len,
					s->logs->len);
	return TRUE;
}

static void
ir_cli_verify_report_block_list (IrCli *cli, const IrBlockList *list, const char *key_name)
{
	g_string_append_printf (cli->out,
				"block list of %s (%s), rollout policy version %" G_GINT64_FORMAT
				": signature by %s verifies\n",
				list->day,
				list->time_zone,
				list->policy_version,
				key_name);
	g_string_append_printf (cli->out,
				"  %u IMEIs to block (national block cap %" G_GUINT64_FORMAT
				" a day), %u to unblock; every IMEI valid and listed once\n",
				list->block->len,
				list->cap,
				list->unblock->len);
}

/* --json: what was verified, instead of the sentences. */
static void
ir_cli_verify_report_json (IrCli *cli,
			   const char *kind,
			   const char *key_name,
			   const char *day,
			   const char *phase,
			   guint n_logs)
{
	IrCliVerifyReportState *state = cli->state;
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	ir_cli_output_json_add_string_or_null (b, "kind", kind);
	ir_cli_output_json_add_string_or_null (b, "key_name", key_name);
	ir_cli_output_json_add_string_or_null (b, "day", day);
	ir_cli_output_json_add_string_or_null (b, "phase", phase);
	json_builder_set_member_name (b, "verified");
	json_builder_add_boolean_value (b, TRUE);
	json_builder_set_member_name (b, "logs_checked");
	json_builder_add_int_value (b, state->logs->len);
	json_builder_set_member_name (b, "logs_counted_by_summary");
	json_builder_add_int_value (b, n_logs);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = ir_cli_output_json_to_string (root);
	g_string_assign (cli->out, text);
}

static gboolean
ir_cli_verify_report_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	IrCliVerifyReportState *state = cli->state;
	g_autofree char *text = NULL;
	g_autofree char *what = NULL;
	g_autofree char *key_name = NULL;
	g_autoptr (IrSignedNote) note = NULL;
	g_autoptr (JsonNode) body = NULL;
	IrRolloutNoteKind kind = IR_ROLLOUT_NOTE_SUMMARY;
	gsize len = 0;

	g_autoptr (GError) read_error = NULL;

	if (!g_file_get_contents (state->path, &text, &len, &read_error)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "%s; give the file imei-brandd report summary or imei-brandd blocklist "
		    "wrote",
		    read_error->message);
		return FALSE;
	}
	note = ir_rollout_note_parse (text, len, &kind, &body, error);
	if (note == NULL) {
		g_prefix_error (error, "%s: ", state->path);
		return FALSE;
	}
	what = g_strdup_printf (
	    "%s %s", kind == IR_ROLLOUT_NOTE_SUMMARY ? "summary" : "block list", state->path);
	if (!ir_rollout_note_verify (note, state->trust, what, &key_name, error))
		return FALSE;
	if (kind == IR_ROLLOUT_NOTE_SUMMARY) {
		g_autoptr (IrRolloutSummary) s = ir_rollout_summary_parse (body, note->body, error);

		if (s == NULL ||
		    !ir_cli_verify_report_summary (cli, s, key_name, cancellable, error))
			return FALSE;
		if (cli->json)
			ir_cli_verify_report_json (
			    cli, "summary", key_name, s->day, s->phase, s->logs->len);
	} else {
		g_autoptr (IrBlockList) list = ir_block_list_parse (body, note->body, error);

		if (list == NULL)
			return FALSE;
		if (state->logs->len > 0) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is a block list: --log checks the figures of a summary",
				     state->path);
			return FALSE;
		}
		ir_cli_verify_report_block_list (cli, list, key_name);
		if (cli->json)
			ir_cli_verify_report_json (cli, "block_list", key_name, list->day, NULL, 0);
	}
	return TRUE;
}

const IrCliCommand ir_cli_command_verify_report = {
    .name = "verify-report",
    .parameter_string = "FILE",
    .summary = "Verify a brand's signed rollout summary or block list",
    .description = "Checks that FILE (from imei-brandd report summary or imei-brandd\n"
		   "blocklist) is signed by a policy key pinned in the trust store, that every\n"
		   "member is well formed and the totals are the sums of their parts, and with\n"
		   "--log, that each workstation log verifies and its records give the summary's\n"
		   "figures. A changed number is refused. See docs/rollout-policy.md.",
    .entries = ir_cli_verify_report_entries,
    .options_size = sizeof (IrCliVerifyReportOptions),
    .min_args = 1,
    .max_args = 1,
    .prepare = ir_cli_verify_report_prepare,
    .run = ir_cli_verify_report_run,
    .state_free = ir_cli_verify_report_state_free,
};
