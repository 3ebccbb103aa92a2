/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ir-cli-engine.h"
#include "ir-cli-loop.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-engine.h"
#include "ir-error.h"

/* imeictl restore PORT | --all [PORT...]: restores the original IMEIs
 * under a brand token. A thin client of IrEngine (src/core/engine/
 * ir-engine.h), which holds the flow and the decisions that keep it safe
 * (recovery first, confirmation, the worker pool, the witness upload);
 * this file turns options into the engine's configuration, answers its
 * confirmations on the terminal and prints the outcomes. Everything that
 * can be checked without the phone (options, credential, trust store,
 * the brand server's TLS and pin) is checked first, so that a bad setup
 * never touches a phone. Exit codes: restore section of imeictl(1). */

enum {
	IR_RESTORE_EXIT_OK = 0,
	IR_RESTORE_EXIT_FAILED = 1,
	IR_RESTORE_EXIT_INPUT = 2,
	IR_RESTORE_EXIT_PORT = 3,
	IR_RESTORE_EXIT_DEVICE = 4,
	IR_RESTORE_EXIT_WRITE = 5,
	IR_RESTORE_EXIT_TOKEN = 6,
	IR_RESTORE_EXIT_SERVER = 7,
	IR_RESTORE_EXIT_REFUSED = 8,
	IR_RESTORE_EXIT_UNKNOWN = 9,
	IR_RESTORE_EXIT_DECLINED = 10,
	IR_RESTORE_EXIT_CANCELLED = 130,
};

typedef struct {
	IrCliEngineOptions engine; /* first: ir_cli_engine_entries point into it */
	gboolean all;
	gboolean yes;
	char *duplicates;
	char *protocol;
} IrCliRestoreOptions;

static const GOptionEntry ir_cli_restore_entries[] = {
    {"all",
     0,
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (IrCliRestoreOptions, all),
     "Restore every connected phone at once (USB ports and the PORTs given)",
     NULL},
    {"yes",
     'y',
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (IrCliRestoreOptions, yes),
     "Do not ask before writing (scripts)",
     NULL},
    {"duplicates",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliRestoreOptions, duplicates),
     "The brand's list of known-duplicate IMEIs (default: $IMEIRESTORE_DUPLICATES)",
     "FILE"},
    {"protocol",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliRestoreOptions, protocol),
     "Ask the ports in this protocol only: at, diag (Qualcomm), or auto (default)",
     "PROTOCOL"},
    {NULL},
};

/* What prepare() set up, for run(). */
typedef struct {
	IrEngine *engine;
	gboolean all;
	gboolean yes; /* --yes: the answer to every plan, chosen by the user */
} IrCliRestoreState;

static void
ir_cli_restore_state_free (gpointer data)
{
	IrCliRestoreState *state = data;

	ir_cli_engine_release (&state->engine);
	g_free (state);
}

static gboolean
ir_cli_restore_check_args (IrCli *cli, const IrCliRestoreOptions *opts, GError **error)
{
	guint n = g_strv_length (cli->args);

	if (!opts->all && n != 1)
		return ir_cli_engine_input_error (
		    error,
		    "%s: give one PORT (e.g. imeictl restore /dev/ttyUSB0), or --all for every "
		    "connected phone",
		    n == 0 ? "restore needs a PORT" : "restore takes one PORT");
	for (guint i = 0; i < n; i++) {
		if (cli->args[i][0] == '\0')
			return ir_cli_engine_input_error (error,
							  "%s: name a port from `imeictl list`",
							  "the port is an empty string");
	}
	/* confirmation needs someone to answer: refuse now, before any phone
	 * or server is touched */
	if (!opts->yes && !isatty (STDIN_FILENO))
		return ir_cli_engine_input_error (
		    error,
		    "%s: restore asks before it writes, and standard input is not a terminal; "
		    "run it in a terminal, or give --yes in scripts",
		    "nothing done");
	return TRUE;
}

static gboolean
ir_cli_restore_prepare (IrCli *cli, GError **error)
{
	const IrCliRestoreOptions *opts = cli->options;
	IrCliRestoreState *state = g_new0 (IrCliRestoreState, 1);
	g_autoptr (GKeyFile) config = NULL;
	g_autoptr (GError) error_local = NULL;
	IrDuplicateList *duplicates = NULL;
	g_autofree char *duplicates_path = NULL;
	IrSessionProtocol protocol;

	cli->state = state;
	state->all = opts->all;
	state->yes = opts->yes;
	if (!ir_cli_restore_check_args (cli, opts, error))
		return FALSE;
	config = ir_cli_engine_load_config (&error_local);
	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	/* bad input before the state folder or the log is opened */
	if (!ir_cli_output_parse_protocol (opts->protocol, &protocol, error))
		return FALSE;
	if (!ir_cli_output_load_duplicates (opts->duplicates, &duplicates, &duplicates_path, error))
		return FALSE;
	state->engine = ir_engine_new ();
	return ir_cli_engine_open (&opts->engine,
				   config,
				   duplicates,
				   protocol,
				   IR_CLI_ENGINE_RESTORE,
				   state->engine,
				   error);
}

/* ---- confirmation ---- */

static const char *
ir_cli_restore_status_text (IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_VALID:
		return "valid";
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return "factory default";
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		return "wrong check digit";
	case IR_IMEI_STATUS_MALFORMED:
		return "malformed";
	case IR_IMEI_STATUS_DUPLICATE:
		return "known duplicate";
	case IR_IMEI_STATUS_EMPTY:
		return "empty";
	default:
		return "unknown";
	}
}

static void
ir_cli_restore_describe_plan (IrRestorePlan *plan, GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (4);
	GPtrArray *slots = ir_restore_plan_get_slots (plan);
	const char *serial = ir_restore_plan_get_serial (plan);
	const char *expires = ir_restore_plan_get_token_expires (plan);

	g_string_append_printf (out,
				"Phone on %s: %s %s, serial %s (%s)\n",
				ir_restore_plan_get_port (plan),
				ir_restore_plan_get_manufacturer (plan),
				ir_restore_plan_get_model (plan),
				serial != NULL ? serial : "none",
				ir_restore_plan_get_family_title (plan));
	ir_cli_table_add_row (table, "SLOT", "NOW", "STATUS", "WRITE");
	for (guint i = 0; i < slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (slots, i);
		g_autofree char *n = g_strdup_printf ("%u", slot->index + 1);
		ir_cli_table_add_row (table,
				      n,
				      slot->before,
				      ir_cli_restore_status_text (slot->status),
				      slot->target != NULL ? slot->target : "(left alone)");
	}
	ir_cli_table_render (table, out);
	g_string_append_printf (out,
				"Token %s, centre %s, phase %s, expires %s\n",
				ir_restore_plan_get_token_id (plan),
				ir_restore_plan_get_centre (plan),
				ir_restore_plan_get_phase (plan),
				expires != NULL ? expires : "-");
	if (!ir_restore_plan_get_device_verifies (plan))
		g_string_append (out,
				 "The phone itself cannot verify the token (legacy family): this "
				 "workstation verified it.\n");
}

/* IrEngineConfirmFunc, on the command's own main context: one question
 * at a time on the terminal, whatever --all runs. (--yes answers every
 * plan without asking, with ir_engine_confirm_yes: the user chose so on
 * the command line.) */
static void
ir_cli_restore_confirm (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	g_autoptr (GString) text = g_string_new (NULL);
	char answer[32] = "";

	ir_cli_restore_describe_plan (plan, text);
	g_string_append (text, "Write these IMEIs to the phone? Type yes to write: ");
	fputs (text->str, stderr);
	fflush (stderr);
	if (fgets (answer, sizeof (answer), stdin) == NULL) {
		g_autoptr (GError) error =
		    g_error_new (IR_ERROR,
				 IR_ERROR_INVALID_INPUT,
				 "no answer to the confirmation for %s (end of input); nothing "
				 "written",
				 ir_restore_plan_get_port (plan));
		ir_restore_plan_answer_error (plan, error);
		return;
	}
	answer[strcspn (answer, "\r\n")] = '\0';
	ir_restore_plan_answer (
	    plan, g_ascii_strcasecmp (answer, "yes") == 0 || g_ascii_strcasecmp (answer, "y") == 0);
}

/* ---- outcome → exit code, code word, text ---- */

static int
ir_cli_restore_exit_code (const IrRestoreResult *r)
{
	switch (r->outcome) {
	case IR_RESTORE_RESTORED:
	case IR_RESTORE_NOTHING_TO_DO:
		return IR_RESTORE_EXIT_OK;
	case IR_RESTORE_DECLINED:
		return IR_RESTORE_EXIT_DECLINED;
	case IR_RESTORE_UNKNOWN:
		return IR_RESTORE_EXIT_UNKNOWN;
	case IR_RESTORE_WRITE_FAILED:
		/* a secure phone that refused the token wrote nothing */
		if (g_error_matches (r->error, IR_ERROR, IR_ERROR_TOKEN_REFUSED))
			return IR_RESTORE_EXIT_TOKEN;
		return IR_RESTORE_EXIT_WRITE;
	case IR_RESTORE_NOT_STARTED:
	default:
		break;
	}
	if (r->stage == IR_RESTORE_STAGE_TOKEN) {
		if (r->brand.failure == IR_BRAND_FAILURE_REFUSED)
			return IR_RESTORE_EXIT_REFUSED;
		if (r->brand.failure == IR_BRAND_FAILURE_CREDENTIAL)
			return IR_RESTORE_EXIT_INPUT;
		if (r->brand.failure != IR_BRAND_FAILURE_NONE)
			return IR_RESTORE_EXIT_SERVER;
	}
	if (r->stage == IR_RESTORE_STAGE_VERIFY)
		return IR_RESTORE_EXIT_TOKEN;
	return ir_error_exit_code (r->error);
}

static const char *
ir_cli_restore_error_code (const IrRestoreResult *r)
{
	if (r->outcome == IR_RESTORE_UNKNOWN)
		return "outcome_unknown";
	if (r->outcome == IR_RESTORE_DECLINED)
		return "declined";
	if (r->stage == IR_RESTORE_STAGE_TOKEN && r->brand.server_code != NULL)
		return r->brand.server_code;
	if (g_error_matches (r->error, IR_ERROR, IR_ERROR_TOKEN_REFUSED) ||
	    r->stage == IR_RESTORE_STAGE_VERIFY)
		return "token_refused";
	return ir_cli_output_error_code (r->error);
}

/* Worse outcomes rank higher: --all exits with the worst. */
static guint
ir_cli_restore_rank (int exit_code)
{
	static const int order[] = {
	    IR_RESTORE_EXIT_OK,
	    IR_RESTORE_EXIT_DECLINED,
	    IR_RESTORE_EXIT_INPUT,
	    IR_RESTORE_EXIT_PORT,
	    IR_RESTORE_EXIT_DEVICE,
	    IR_RESTORE_EXIT_SERVER,
	    IR_RESTORE_EXIT_REFUSED,
	    IR_RESTORE_EXIT_TOKEN,
	    IR_RESTORE_EXIT_FAILED,
	    IR_RESTORE_EXIT_CANCELLED,
	    IR_RESTORE_EXIT_WRITE,
	    IR_RESTORE_EXIT_UNKNOWN,
	};
	for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
		if (order[i] == exit_code)
			return i;
	}
	return G_N_ELEMENTS (order);
}

/* The server refused the token because of this workstation's log. */
static gboolean
ir_cli_restore_log_refused (const IrRestoreResult *r)
{
	return r->stage == IR_RESTORE_STAGE_TOKEN &&
	       (g_strcmp0 (r->brand.server_code, "log_forked") == 0 ||
		g_strcmp0 (r->brand.server_code, "log_shrank") == 0 ||
		g_strcmp0 (r->brand.server_code, "log_missing") == 0);
}

/* The error and what became of the token, on one line. */
static char *
ir_cli_restore_message (const IrRestoreResult *r, const char *log_path)
{
	g_autoptr (GString) msg = g_string_new (r->error != NULL ? r->error->message : "");

	if (r->report_outcome != NULL) {
		if (r->reported)
			g_string_append_printf (msg,
						"; token %s reported to the brand server as %s",
						r->token_id,
						r->report_outcome);
		else
			g_string_append_printf (msg,
						"; reporting token %s as %s failed (%s)",
						r->token_id,
						r->report_outcome,
						r->report_error != NULL ? r->report_error->message
									: "?");
	}
	if (ir_cli_restore_log_refused (r))
		g_string_append_printf (msg,
					"; the brand server no longer trusts this workstation's "
					"migration log (%s): nothing was written, and no token is "
					"issued to it until the brand auditor has checked the log "
					"(imeictl audit verify %s)",
					r->brand.server_code,
					log_path);
	if (r->recovery_path != NULL)
		g_string_append_printf (msg,
					"; the outcome is kept for recovery in %s (a pending "
					"INTENT): connect the phone again and run imeictl recover "
					"%s before anything else",
					r->recovery_path,
					r->port);
	return ir_cli_output_one_line (msg->str);
}

static void
ir_cli_restore_json_result (JsonBuilder *b, const IrRestoreResult *r, const char *log_path)
{
	int exit_code = ir_cli_restore_exit_code (r);

	json_builder_begin_object (b);
	ir_cli_output_json_add_string_or_null (b, "port", r->port);
	ir_cli_output_json_add_string_or_null (
	    b, "outcome", ir_restore_outcome_to_string (r->outcome));
	ir_cli_output_json_add_string_or_null (b, "stage", ir_restore_stage_to_string (r->stage));
	ir_cli_output_json_add_string_or_null (
	    b, "manufacturer", r->info != NULL ? r->info->manufacturer : NULL);
	ir_cli_output_json_add_string_or_null (b, "model", r->info != NULL ? r->info->model : NULL);
	ir_cli_output_json_add_string_or_null (
	    b, "serial", r->info != NULL ? r->info->serial : NULL);
	ir_cli_output_json_add_string_or_null (b, "hardware_id", r->hardware_id);
	ir_cli_output_json_add_string_or_null (
	    b, "family", r->info != NULL && r->info->family != NULL ? r->info->family->id : NULL);
	json_builder_set_member_name (b, "device_verifies_token");
	json_builder_add_boolean_value (b, r->device_verifies);
	json_builder_set_member_name (b, "slots");
	json_builder_begin_array (b);
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "index");
		json_builder_add_int_value (b, slot->index);
		ir_cli_output_json_add_string_or_null (b, "before", slot->before);
		ir_cli_output_json_add_string_or_null (
		    b, "status", ir_cli_output_imei_status_id (slot->status));
		ir_cli_output_json_add_string_or_null (b, "written", slot->target);
		ir_cli_output_json_add_string_or_null (b, "read_back", slot->after);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	json_builder_set_member_name (b, "token");
	if (r->token_id != NULL) {
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "id", r->token_id);
		ir_cli_output_json_add_string_or_null (b, "expires", r->token_expires);
		ir_cli_output_json_add_string_or_null (b, "phase", r->phase);
		ir_cli_output_json_add_string_or_null (b, "centre", r->centre);
		json_builder_set_member_name (b, "requests");
		json_builder_add_int_value (b, r->token_requests);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	json_builder_set_member_name (b, "report");
	if (r->report_outcome != NULL) {
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "outcome", r->report_outcome);
		json_builder_set_member_name (b, "reported");
		json_builder_add_boolean_value (b, r->reported);
		ir_cli_output_json_add_string_or_null (
		    b, "error", r->report_error != NULL ? r->report_error->message : NULL);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	ir_cli_output_json_add_string_or_null (b, "recovery_file", r->recovery_path);
	ir_cli_output_json_add_string_or_null (b, "advice", r->advice);
	if (exit_code != 0 || r->error != NULL) {
		g_autofree char *message = ir_cli_restore_message (r, log_path);
		json_builder_set_member_name (b, "error");
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "code", ir_cli_restore_error_code (r));
		ir_cli_output_json_add_string_or_null (b, "message", message);
		/* token_live: when the device's other token expires */
		if (r->stage == IR_RESTORE_STAGE_TOKEN && r->brand.live_token_expires != NULL)
			ir_cli_output_json_add_string_or_null (
			    b, "live_token_expires", r->brand.live_token_expires);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, exit_code);
		json_builder_end_object (b);
	}
	json_builder_set_member_name (b, "exit_code");
	json_builder_add_int_value (b, exit_code);
	json_builder_end_object (b);
}

static void
ir_cli_restore_text_result (const IrRestoreResult *r, GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (5);

	if (r->info == NULL)
		return;
	if (r->outcome == IR_RESTORE_NOTHING_TO_DO) {
		g_string_append_printf (
		    out,
		    "Nothing to do on %s (%s %s): every IMEI is valid and not a "
		    "known duplicate.\n",
		    r->port,
		    r->info->manufacturer,
		    r->info->model);
		return;
	}
	g_string_append_printf (out,
				"%s %s on %s (%s %s, serial %s)\n",
				r->outcome == IR_RESTORE_RESTORED ? "Restored" : "Not restored:",
				r->outcome == IR_RESTORE_RESTORED
				    ? "the IMEIs"
				    : ir_restore_outcome_to_string (r->outcome),
				r->port,
				r->info->manufacturer,
				r->info->model,
				r->info->serial != NULL ? r->info->serial : "none");
	ir_cli_table_add_row (table, "SLOT", "BEFORE", "STATUS", "WRITTEN", "READ BACK");
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
		g_autofree char *n = g_strdup_printf ("%u", slot->index + 1);
		ir_cli_table_add_row (table,
				      n,
				      slot->before,
				      ir_cli_restore_status_text (slot->status),
				      slot->target,
				      slot->after);
	}
	ir_cli_table_render (table, out);
	if (r->token_id != NULL)
		g_string_append_printf (out,
					"Token %s (centre %s, phase %s)%s%s\n",
					r->token_id,
					r->centre != NULL ? r->centre : "-",
					r->phase != NULL ? r->phase : "-",
					r->reported ? ", reported as " : "",
					r->reported ? r->report_outcome : "");
	if (r->token_id != NULL && !r->device_verifies)
		g_string_append (out,
				 "Note: this phone's family cannot verify the token itself; this "
				 "workstation verified it before writing.\n");
	if (r->advice != NULL)
		g_string_append_printf (out, "Next: %s.\n", r->advice);
}

/* One line per phone for --all. */
static void
ir_cli_restore_summary_line (const IrRestoreResult *r, const char *log_path, GString *out)
{
	g_autofree char *message = NULL;

	if (r->outcome == IR_RESTORE_RESTORED || r->outcome == IR_RESTORE_NOTHING_TO_DO) {
		g_string_append_printf (
		    out, "%s: %s", r->port, ir_restore_outcome_to_string (r->outcome));
		for (guint i = 0; i < r->slots->len; i++) {
			const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
			if (slot->target != NULL)
				g_string_append_printf (out, ", slot %u %s", i + 1, slot->after);
		}
		if (r->advice != NULL)
			g_string_append_printf (out, "; next: %s", r->advice);
		g_string_append_c (out, '\n');
		return;
	}
	message = ir_cli_restore_message (r, log_path);
	g_string_append_printf (out,
				"%s: %s (exit %d): %s\n",
				r->port,
				ir_restore_outcome_to_string (r->outcome),
				ir_cli_restore_exit_code (r),
				message);
}

/* ---- running ---- */

/* The brand server, its pin and our certificate, before any phone. */
static gboolean
ir_cli_restore_preflight (IrCli *cli, IrCliLoop *loop, GCancellable *cancellable)
{
	IrCliRestoreState *state = cli->state;
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;
	g_autofree char *line = NULL;

	ir_engine_check_server_async (state->engine, cancellable, ir_cli_loop_done, loop);
	if (ir_engine_check_server_finish (
		state->engine, ir_cli_loop_wait (loop), &status, &error)) {
		g_autofree char *warning = ir_engine_get_policy_warning (state->engine);

		/* the cached policy still applies; the technician should know */
		if (warning != NULL)
			fprintf (stderr, "imeictl: warning: %s\n", warning);
		return TRUE;
	}
	g_prefix_error (&error, "nothing done: ");
	line = ir_cli_output_one_line (error->message);
	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "error");
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "code", status.server_code);
		ir_cli_output_json_add_string_or_null (b, "message", line);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, IR_RESTORE_EXIT_SERVER);
		json_builder_end_object (b);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, IR_RESTORE_EXIT_SERVER);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
	}
	fprintf (stderr, "imeictl: %s\n", line);
	cli->exit_code = g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED)
			     ? IR_RESTORE_EXIT_CANCELLED
			     : IR_RESTORE_EXIT_SERVER;
	return FALSE;
}

static gboolean
ir_cli_restore_one (IrCli *cli, IrCliLoop *loop, GCancellable *cancellable, GError **error)
{
	IrCliRestoreState *state = cli->state;
	const char *log_path = ir_engine_get_log_path (state->engine);
	g_autoptr (IrRestoreResult) r = NULL;

	ir_engine_restore_async (state->engine,
				 cli->args[0],
				 NULL,
				 state->yes ? ir_engine_confirm_yes : ir_cli_restore_confirm,
				 state,
				 cancellable,
				 ir_cli_loop_done,
				 loop);
	r = ir_engine_restore_finish (state->engine, ir_cli_loop_wait (loop), error);
	if (r == NULL)
		return FALSE;
	cli->exit_code = ir_cli_restore_exit_code (r);
	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;
		ir_cli_restore_json_result (b, r, log_path);
		root = json_builder_get_root (b);
		text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
	} else {
		ir_cli_restore_text_result (r, cli->out);
	}
	if (cli->exit_code != 0 || r->error != NULL) {
		g_autofree char *message = ir_cli_restore_message (r, log_path);
		fprintf (stderr, "imeictl: %s\n", message);
	}
	return TRUE;
}

static GPtrArray *
ir_cli_restore_all_ports (IrCli *cli, GError **error)
{
	g_autoptr (GPtrArray) ports = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) found = ir_port_list (error);

	if (found == NULL)
		return NULL;
	/* phones come over USB; a native or Bluetooth port is taken only
	 * when named */
	for (guint i = 0; i < found->len; i++) {
		const IrPortInfo *p = g_ptr_array_index (found, i);
		if (g_strcmp0 (p->kind, "usb") == 0)
			g_ptr_array_add (ports, g_strdup (p->path));
	}
	for (guint i = 0; cli->args[i] != NULL; i++) {
		if (!g_ptr_array_find_with_equal_func (ports, cli->args[i], g_str_equal, NULL))
			g_ptr_array_add (ports, g_strdup (cli->args[i]));
	}
	if (ports->len == 0) {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_FOUND,
		    "no phone found: connect the phones over USB, or name their ports "
		    "after --all");
		return NULL;
	}
	g_ptr_array_add (ports, NULL);
	return g_steal_pointer (&ports);
}

/* One line (or JSON object) per phone, and the worst exit code. */
static void
ir_cli_restore_print_all (IrCli *cli, GPtrArray *results, const char *log_path)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	int worst = 0;
	guint n_bad = 0;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "phones");
	json_builder_begin_array (b);
	for (guint i = 0; i < results->len; i++) {
		const IrRestoreResult *r = g_ptr_array_index (results, i);
		int code = ir_cli_restore_exit_code (r);
		if (ir_cli_restore_rank (code) > ir_cli_restore_rank (worst))
			worst = code;
		n_bad += code != 0 ? 1 : 0;
		if (cli->json)
			ir_cli_restore_json_result (b, r, log_path);
		else
			ir_cli_restore_summary_line (r, log_path, cli->out);
	}
	json_builder_end_array (b);
	json_builder_set_member_name (b, "exit_code");
	json_builder_add_int_value (b, worst);
	json_builder_end_object (b);
	if (cli->json) {
		g_autoptr (JsonNode) root = json_builder_get_root (b);
		g_autofree char *text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
	}
	if (n_bad > 0)
		fprintf (stderr,
			 "imeictl: %u of %u phones not restored (worst exit %d): see the line of "
			 "each phone\n",
			 n_bad,
			 results->len,
			 worst);
	cli->exit_code = worst;
}

static gboolean
ir_cli_restore_all (IrCli *cli, IrCliLoop *loop, GCancellable *cancellable, GError **error)
{
	IrCliRestoreState *state = cli->state;
	g_autoptr (GPtrArray) ports = ir_cli_restore_all_ports (cli, error);
	g_autoptr (GPtrArray) results = NULL;

	if (ports == NULL)
		return FALSE;
	ir_engine_restore_many_async (state->engine,
				      (const char *const *)ports->pdata,
				      NULL,
				      state->yes ? ir_engine_confirm_yes : ir_cli_restore_confirm,
				      state,
				      cancellable,
				      ir_cli_loop_done,
				      loop);
	results = ir_engine_restore_many_finish (state->engine, ir_cli_loop_wait (loop), error);
	if (results == NULL)
		return FALSE;
	ir_cli_restore_print_all (cli, results, ir_engine_get_log_path (state->engine));
	return TRUE;
}

/* Adds witness_warning to the root object already in cli->out: the
 * upload comes after the result was written. */
static void
ir_cli_restore_json_warning (IrCli *cli, const char *warning)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonNode *root;
	g_autofree char *text = NULL;

	if (!json_parser_load_from_data (parser, cli->out->str, -1, NULL))
		return;
	root = json_parser_get_root (parser);
	if (!JSON_NODE_HOLDS_OBJECT (root))
		return;
	json_object_set_string_member (json_node_get_object (root), "witness_warning", warning);
	text = ir_cli_output_json_to_string (root);
	g_string_assign (cli->out, text);
}

/* After the reports (and any recovery RESULTs): the brand server
 * witnesses the log's new records. A failed upload does not undo a
 * restore: it is a warning, and the next run sends them again. */
static void
ir_cli_restore_upload (IrCli *cli, IrCliLoop *loop, GCancellable *cancellable)
{
	IrCliRestoreState *state = cli->state;
	g_autoptr (GError) error = NULL;
	g_autofree char *warning = NULL;

	ir_engine_upload_witness_async (state->engine, cancellable, ir_cli_loop_done, loop);
	if (ir_engine_upload_witness_finish (state->engine, ir_cli_loop_wait (loop), NULL, &error))
		return;
	warning = ir_cli_output_one_line (error->message);
	fprintf (stderr, "imeictl: warning: %s\n", warning);
	if (cli->json)
		ir_cli_restore_json_warning (cli, warning);
}

static gboolean
ir_cli_restore_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	IrCliRestoreState *state = cli->state;
	g_auto (IrCliLoop) loop = {0};
	gboolean ok;

	ir_cli_loop_init (&loop);
	if (!ir_cli_restore_preflight (cli, &loop, cancellable))
		return TRUE;
	ok = state->all ? ir_cli_restore_all (cli, &loop, cancellable, error)
			: ir_cli_restore_one (cli, &loop, cancellable, error);
	if (!ok)
		return FALSE;
	ir_cli_restore_upload (cli, &loop, cancellable);
	return TRUE;
}

const IrCliCommand ir_cli_command_restore = {
    .name = "restore",
    .parameter_string = "PORT | --all [PORT...]",
    .summary = "Restore a phone's original IMEIs under a brand token",
    .description =
	"Identifies the phone on PORT, finds the slots that need restoring (factory\n"
	"default, known duplicate, wrong check digit, malformed), asks the brand server\n"
	"for a restore token over mutual TLS, verifies it on this workstation, shows\n"
	"what will be written and asks (--yes for scripts), writes, reads back and\n"
	"reports the outcome to the server. With --all, every USB phone and every PORT\n"
	"given is restored at once, one line per phone. See imeictl(1), RESTORE.",
    .entries = ir_cli_restore_entries,
    .engine_entries = ir_cli_engine_entries,
    .options_size = sizeof (IrCliRestoreOptions),
    .min_args = 0,
    .max_args = G_MAXUINT,
    .uses_device = FALSE,
    .prepare = ir_cli_restore_prepare,
    .run = ir_cli_restore_run,
    .state_free = ir_cli_restore_state_free,
};
