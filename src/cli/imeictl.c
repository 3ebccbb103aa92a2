/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-protocols.h"

/* imeictl: the headless front end. Parses the command line (global options
 * may come before or after the command), checks its input, then runs the
 * command in a worker thread while the main loop waits for Ctrl-C, which
 * cancels the command and exits 130. */

static const IrCliCommand *const imeictl_commands[] = {
    &ir_cli_command_list,
    &ir_cli_command_identify,
    &ir_cli_command_restore,
    &ir_cli_command_recover,
    &ir_cli_command_audit,
    &ir_cli_command_credential,
    &ir_cli_command_diag_mode,
    &ir_cli_command_policy,
    &ir_cli_command_verify_report,
    NULL,
};

typedef struct {
	gboolean json;
	gboolean verbose;
	gboolean version;
	char *record;
} ImeictlGlobalOptions;

static const GOptionEntry imeictl_global_entries[] = {
    {"json",
     'j',
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (ImeictlGlobalOptions, json),
     "Print one JSON object (see imeictl(1))",
     NULL},
    {"record",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (ImeictlGlobalOptions, record),
     "Save the device session to FILE, even when the command fails",
     "FILE"},
    {"verbose",
     'v',
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (ImeictlGlobalOptions, verbose),
     "Show debug messages",
     NULL},
    {"version",
     0,
     0,
     G_OPTION_ARG_NONE,
     IR_CLI_OPTION (ImeictlGlobalOptions, version),
     "Show the version and exit",
     NULL},
    {NULL},
};

#define IR_CLI_EXIT_CODES                                                                          \
	"Exit codes:\n"                                                                            \
	"  0    success\n"                                                                         \
	"  1    failure (anything not listed below)\n"                                             \
	"  2    bad input or usage: option, argument, IMEI or file\n"                              \
	"  3    the port cannot be opened: missing, a directory, busy (another program\n"          \
	"       has it open: named) or permission denied\n"                                        \
	"  4    the device is silent, went away, or is not a phone\n"                              \
	"  5    the device refused a command, a protocol error, or the phone reports\n"            \
	"       no IMEI over AT (CDMA ESN/MEID)\n"                                                 \
	"  6-10 restore: token refused, server unreachable or refused, outcome unknown,\n"         \
	"       declined (see imeictl(1), RESTORE)\n"                                              \
	"  11   the migration log does not verify (tampered) or is read-only after that\n"         \
	"  12   a write or sync of the migration log failed (disk full, I/O error)\n"              \
	"  130  cancelled (Ctrl-C)\n"                                                              \
	"\n"                                                                                       \
	"Environment:\n"                                                                           \
	"  IMEIRESTORE_DUPLICATES  the known-duplicate IMEI list when --duplicates is not given\n" \
	"\n"                                                                                       \
	"See imeictl(1) for the JSON output and examples."

static const IrCliCommand *
imeictl_lookup_command (const char *name)
{
	for (guint i = 0; imeictl_commands[i] != NULL; i++) {
		if (g_strcmp0 (imeictl_commands[i]->name, name) == 0)
			return imeictl_commands[i];
	}
	return NULL;
}

/* "list, identify, ... and policy", from the table, so that a new
 * command is never missing from the message. */
static char *
imeictl_command_names (void)
{
	GString *names = g_string_new (NULL);

	for (guint i = 0; imeictl_commands[i] != NULL; i++) {
		if (i > 0)
			g_string_append (names, imeictl_commands[i + 1] == NULL ? " and " : ", ");
		g_string_append (names, imeictl_commands[i]->name);
	}
	return g_string_free (names, FALSE);
}

static gboolean
imeictl_entries_take_value (const GOptionEntry *entries, const char *arg)
{
	for (guint i = 0; entries != NULL && entries[i].long_name != NULL; i++) {
		const GOptionEntry *e = &entries[i];
		gboolean has_value = e->arg != G_OPTION_ARG_NONE;

		if (g_str_has_prefix (arg, "--") && g_strcmp0 (arg + 2, e->long_name) == 0)
			return has_value;
		if (arg[0] == '-' && arg[1] == e->short_name && arg[2] == '\0')
			return has_value;
	}
	return FALSE;
}

/* Whether @arg is an option that takes the next word as its value. */
static gboolean
imeictl_option_takes_value (const char *arg)
{
	if (imeictl_entries_take_value (imeictl_global_entries, arg))
		return TRUE;
	for (guint i = 0; imeictl_commands[i] != NULL; i++) {
		if (imeictl_entries_take_value (imeictl_commands[i]->entries, arg) ||
		    imeictl_entries_take_value (imeictl_commands[i]->engine_entries, arg))
			return TRUE;
	}
	return FALSE;
}

/* The command word: the first argument that is neither an option nor the
 * value of one, so that `imeictl --record f.json identify PORT` works. */
static const char *
imeictl_find_command (char **argv)
{
	for (guint i = 1; argv[i] != NULL; i++) {
		const char *arg = argv[i];
		if (g_strcmp0 (arg, "--") == 0)
			return argv[i + 1];
		if (arg[0] != '-' || arg[1] == '\0')
			return arg;
		if (imeictl_option_takes_value (arg) && argv[i + 1] != NULL)
			i++;
	}
	return NULL;
}

/* Whether --json is on the command line, for errors found while parsing it. */
static gboolean
imeictl_wants_json (char **argv)
{
	for (guint i = 1; argv[i] != NULL && g_strcmp0 (argv[i], "--") != 0; i++) {
		if (g_strcmp0 (argv[i], "--json") == 0 || g_strcmp0 (argv[i], "-j") == 0)
			return TRUE;
		if (imeictl_option_takes_value (argv[i]) && argv[i + 1] != NULL)
			i++;
	}
	return FALSE;
}

static char *
imeictl_commands_summary (void)
{
	GString *str = g_string_new ("Finds phones and reads their IMEIs.\n\nCommands:");

	for (guint i = 0; imeictl_commands[i] != NULL; i++) {
		g_autofree char *usage = g_strdup_printf (
		    "%s %s", imeictl_commands[i]->name, imeictl_commands[i]->parameter_string);
		g_string_append_printf (str, "\n  %-16s %s", usage, imeictl_commands[i]->summary);
	}
	g_string_append (str, "\n\nRun imeictl COMMAND --help for a command's options.");
	return g_string_free (str, FALSE);
}

/* A copy of the template @entries whose arg_data point into @base. */
static GOptionEntry *
imeictl_entries_bind (const GOptionEntry *entries, gpointer base)
{
	guint n = 0;
	GOptionEntry *bound;

	while (entries[n].long_name != NULL)
		n++;
	bound = g_new0 (GOptionEntry, n + 1);
	for (guint i = 0; i < n; i++) {
		bound[i] = entries[i];
		if (base != NULL)
			bound[i].arg_data = (guint8 *)base + GPOINTER_TO_SIZE (entries[i].arg_data);
	}
	return bound;
}

/* Frees the strings the option parser put into @base. */
static void
imeictl_entries_free_values (const GOptionEntry *entries, gpointer base)
{
	for (guint i = 0; entries != NULL && entries[i].long_name != NULL; i++) {
		gpointer *value =
		    (gpointer *)((guint8 *)base + GPOINTER_TO_SIZE (entries[i].arg_data));
		switch (entries[i].arg) {
		case G_OPTION_ARG_STRING:
		case G_OPTION_ARG_FILENAME:
			g_clear_pointer (value, g_free);
			break;
		case G_OPTION_ARG_STRING_ARRAY:
		case G_OPTION_ARG_FILENAME_ARRAY:
			g_clear_pointer (value, g_strfreev);
			break;
		default:
			break;
		}
	}
}

static void
imeictl_context_add_entries (GOptionContext *context, const GOptionEntry *entries, gpointer base)
{
	g_autofree GOptionEntry *bound = imeictl_entries_bind (entries, base);

	/* GOptionContext copies the entries */
	g_option_context_add_main_entries (context, bound, NULL);
}

static GOptionContext *
imeictl_option_context_new (const IrCliCommand *cmd, ImeictlGlobalOptions *global, IrCli *cli)
{
	GOptionContext *context;
	g_autofree char *summary = NULL;

	if (cmd == NULL) {
		context = g_option_context_new ("COMMAND [ARGUMENTS]");
		summary = imeictl_commands_summary ();
	} else {
		g_autofree char *usage =
		    g_strdup_printf ("%s %s", cmd->name, cmd->parameter_string);
		context = g_option_context_new (usage);
		summary = g_strdup (cmd->description);
		if (cmd->entries != NULL)
			imeictl_context_add_entries (context, cmd->entries, cli->options);
		if (cmd->engine_entries != NULL)
			imeictl_context_add_entries (context, cmd->engine_entries, cli->options);
	}
	imeictl_context_add_entries (context, imeictl_global_entries, global);
	g_option_context_set_summary (context, summary);
	g_option_context_set_description (context, IR_CLI_EXIT_CODES);
	return context;
}

/* Positional arguments after the command word, checked against its needs. */
static gboolean
imeictl_collect_args (const IrCliCommand *cmd, char **argv, IrCli *cli, GError **error)
{
	g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
	gboolean seen_command = FALSE;

	for (guint i = 1; argv[i] != NULL; i++) {
		if (!seen_command && g_strcmp0 (argv[i], cmd->name) == 0) {
			seen_command = TRUE;
			continue;
		}
		if (g_strcmp0 (argv[i], "--") == 0)
			continue;
		g_ptr_array_add (args, g_strdup (argv[i]));
	}
	if (args->len < cmd->min_args) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s needs a %s, e.g. imeictl %s /dev/ttyUSB0 (`imeictl list` shows "
			     "the ports)",
			     cmd->name,
			     cmd->parameter_string,
			     cmd->name);
		return FALSE;
	}
	if (args->len > cmd->max_args) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unexpected argument '%s' after %s: see imeictl %s --help",
			     (const char *)g_ptr_array_index (args, cmd->max_args),
			     cmd->name,
			     cmd->name);
		return FALSE;
	}
	g_ptr_array_add (args, NULL);
	cli->args = (char **)g_ptr_array_free (g_steal_pointer (&args), FALSE);
	return TRUE;
}

static gboolean
imeictl_check_record (const IrCliCommand *cmd, IrCli *cli, GError **error)
{
	g_autofree char *dir = NULL;

	if (cli->record_path == NULL)
		return TRUE;
	if (!cmd->uses_device) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s talks to no device, so --record has nothing to save: use it "
			     "with identify",
			     cmd->name);
		return FALSE;
	}
	/* find out now rather than after the phone has been talked to */
	dir = g_path_get_dirname (cli->record_path);
	if (!g_file_test (dir, G_FILE_TEST_IS_DIR) || access (dir, W_OK) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot save the recording to %s (--record): %s is not a writable "
			     "directory",
			     cli->record_path,
			     dir);
		return FALSE;
	}
	return TRUE;
}

/* Parses the command line; NULL with @error set for bad usage, NULL and
 * *@exit_now set when there is nothing to run (--help, --version). */
static const IrCliCommand *
imeictl_parse (
    char **argv, ImeictlGlobalOptions *global, IrCli *cli, gboolean *exit_now, GError **error)
{
	const char *name = imeictl_find_command (argv);
	const IrCliCommand *cmd = name != NULL ? imeictl_lookup_command (name) : NULL;
	g_autoptr (GOptionContext) context = NULL;
	g_auto (GStrv) args = g_strdupv (argv);
	g_autoptr (GError) error_local = NULL;

	if (cmd != NULL && cmd->options_size > 0)
		cli->options = g_malloc0 (cmd->options_size);
	context = imeictl_option_context_new (cmd, global, cli);
	if (!g_option_context_parse_strv (context, &args, &error_local)) {
		/* --json may not have been parsed yet: scripts still get JSON */
		global->json = global->json || imeictl_wants_json (argv);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: see imeictl%s%s --help",
			     error_local->message,
			     cmd != NULL ? " " : "",
			     cmd != NULL ? cmd->name : "");
		return NULL;
	}
	cli->json = global->json;
	cli->record_path = global->record;
	if (global->verbose)
		g_log_set_debug_enabled (TRUE);
	if (global->version) {
		g_print ("imeictl %s\n", PACKAGE_VERSION);
		*exit_now = TRUE;
		return NULL;
	}
	if (name == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "no command given: try imeictl list, or see imeictl --help");
		return NULL;
	}
	if (cmd == NULL) {
		g_autofree char *names = imeictl_command_names ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unknown command '%s': the commands are %s (see imeictl --help)",
			     name,
			     names);
		return NULL;
	}
	if (!imeictl_collect_args (cmd, args, cli, error))
		return NULL;
	if (!imeictl_check_record (cmd, cli, error))
		return NULL;
	return cmd;
}

typedef struct {
	const IrCliCommand *cmd;
	IrCli *cli;
	GCancellable *cancellable;
	GMainLoop *loop;
	GError *error;
	guint n_signals;
} ImeictlRun;

static void
imeictl_worker (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
	ImeictlRun *run = task_data;
	GError *error = NULL;

	if (!run->cmd->run (run->cli, cancellable, &error)) {
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

static void
imeictl_worker_done (GObject *source_object, GAsyncResult *res, gpointer user_data)
{
	ImeictlRun *run = user_data;

	g_task_propagate_boolean (G_TASK (res), &run->error);
	g_main_loop_quit (run->loop);
}

static gboolean
imeictl_on_signal (gpointer user_data)
{
	ImeictlRun *run = user_data;

	/* the first Ctrl-C asks the command to stop cleanly (the recording is
	 * still saved); a second one means the user does not want to wait */
	if (++run->n_signals > 1) {
		fputs ("imeictl: cancelled\n", stderr);
		_exit (130);
	}
	g_cancellable_cancel (run->cancellable);
	return G_SOURCE_CONTINUE;
}

static gboolean
imeictl_is_cancel (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED) ||
	       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Runs the command in a worker thread while the main loop waits for it
 * and for Ctrl-C (or SIGTERM), which cancels it. */
static gboolean
imeictl_run (ImeictlRun *run, GError **error)
{
	g_autoptr (GTask) task = g_task_new (NULL, run->cancellable, imeictl_worker_done, run);

	g_task_set_task_data (task, run, NULL);
	/* the worker decides how to react to a cancel: it saves the recording */
	g_task_set_check_cancellable (task, FALSE);
	g_task_run_in_thread (task, imeictl_worker);
	g_main_loop_run (run->loop);

	if (run->error == NULL)
		return TRUE;
	if (g_cancellable_is_cancelled (run->cancellable) || imeictl_is_cancel (run->error)) {
		g_clear_error (&run->error);
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_CANCELLED,
				     "cancelled by the user; nothing was written to the phone");
		return FALSE;
	}
	g_propagate_error (error, g_steal_pointer (&run->error));
	return FALSE;
}

/* What main() owns: the command, its IrCli and the global options. */
typedef struct {
	const IrCliCommand *cmd;
	IrCli cli;
	ImeictlGlobalOptions global;
} ImeictlMain;

static void
imeictl_main_clear (ImeictlMain *m)
{
	IrCli *cli = &m->cli;

	if (m->cmd != NULL && m->cmd->state_free != NULL && cli->state != NULL)
		m->cmd->state_free (cli->state);
	if (m->cmd != NULL && cli->options != NULL) {
		imeictl_entries_free_values (m->cmd->entries, cli->options);
		imeictl_entries_free_values (m->cmd->engine_entries, cli->options);
	}
	g_free (cli->options);
	imeictl_entries_free_values (imeictl_global_entries, &m->global);
	g_strfreev (cli->args);
	if (cli->out != NULL)
		g_string_free (cli->out, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImeictlMain, imeictl_main_clear)

int
main (int argc, char **argv)
{
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
	ImeictlRun run = {.cancellable = cancellable, .loop = loop};
	gboolean exit_now = FALSE;
	g_auto (ImeictlMain) m = {0};
	IrCli *cli = &m.cli;
	g_autoptr (GError) error = NULL;

	setlocale (LC_ALL, "");
	g_set_prgname ("imeictl");
	/* debug messages (-v, G_MESSAGES_DEBUG) on standard error: GLib's
	 * default writer puts them on stdout, where they would break --json */
	g_log_writer_default_set_use_stderr (TRUE);
	ir_protocols_register ();
	/* from the start, so that an early Ctrl-C still ends in a clean 130 */
	g_unix_signal_add (SIGINT, imeictl_on_signal, &run);
	g_unix_signal_add (SIGTERM, imeictl_on_signal, &run);

	run.cmd = imeictl_parse (argv, &m.global, cli, &exit_now, &error);
	m.cmd = imeictl_find_command (argv) != NULL
		    ? imeictl_lookup_command (imeictl_find_command (argv))
		    : NULL;
	if (run.cmd == NULL) {
		if (exit_now)
			return 0;
		ir_cli_output_print_error (error, m.global.json);
		return ir_cli_output_exit_code (error);
	}
	if (run.cmd->prepare != NULL && !run.cmd->prepare (cli, &error)) {
		ir_cli_output_print_error (error, cli->json);
		return ir_cli_output_exit_code (error);
	}
	cli->out = g_string_new (NULL);
	run.cli = cli;
	if (!imeictl_run (&run, &error)) {
		ir_cli_output_print_error (error, cli->json);
		return ir_cli_output_exit_code (error);
	}
	fputs (cli->out->str, stdout);
	if (fflush (stdout) != 0) {
		fputs ("imeictl: failed to write the output: is stdout closed?\n", stderr);
		return 1;
	}
	return cli->exit_code;
}
