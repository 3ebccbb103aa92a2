/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-restore-log.h"
#include "ir-restore.h"

/* imeictl restore PORT | --all [PORT...]: restores the original IMEIs
 * under a brand token (src/core/engine/ir-restore.h has the flow). Everything
 * that can be checked without the phone (options, credential, trust
 * store, the brand server's TLS and pin) is checked first, so that a bad
 * setup never touches a phone. Exit codes: restore section of imeictl(1). */

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

static gboolean opt_all = FALSE;
static gboolean opt_yes = FALSE;
static char *opt_server = NULL;
static char *opt_trust_store = NULL;
static char *opt_cert = NULL;
static char *opt_key = NULL;
static char *opt_p12 = NULL;
static char *opt_passphrase_file = NULL;
static char *opt_centre = NULL;
static char *opt_state_dir = NULL;
static char *opt_duplicates = NULL;
static char *opt_workstation = NULL;

static GOptionEntry ir_cli_restore_entries[] = {
    {"all",
     0,
     0,
     G_OPTION_ARG_NONE,
     &opt_all,
     "Restore every connected phone at once (USB ports and the PORTs given)",
     NULL},
    {"yes", 'y', 0, G_OPTION_ARG_NONE, &opt_yes, "Do not ask before writing (scripts)", NULL},
    {"server",
     0,
     0,
     G_OPTION_ARG_STRING,
     &opt_server,
     "The brand server (default: $IMEIRESTORE_SERVER)",
     "URL"},
    {"trust-store",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_trust_store,
     "The brand's trust store (default: $IMEIRESTORE_TRUST_STORE)",
     "FILE"},
    {"cert",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_cert,
     "Your client certificate, PEM (with --key)",
     "FILE"},
    {"key", 0, 0, G_OPTION_ARG_FILENAME, &opt_key, "The private key of --cert, PEM", "FILE"},
    {"p12",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_p12,
     "Your client certificate and key, PKCS#12",
     "FILE"},
    {"p12-passphrase-file",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_passphrase_file,
     "Read the PKCS#12 passphrase from FILE (default: $IMEIRESTORE_P12_PASSPHRASE)",
     "FILE"},
    {"centre",
     0,
     0,
     G_OPTION_ARG_STRING,
     &opt_centre,
     "Your service centre; must be the one in your certificate",
     "ID"},
    {"state-dir",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_state_dir,
     "Used tokens, the migration log and the workstation key (default: "
     "$XDG_DATA_HOME/imeirestore)",
     "DIR"},
    {"workstation",
     0,
     0,
     G_OPTION_ARG_STRING,
     &opt_workstation,
     "This workstation's id in the migration log (default: $IMEIRESTORE_WORKSTATION, "
     "else the host name)",
     "ID"},
    {"duplicates",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_duplicates,
     "The brand's list of known-duplicate IMEIs (default: $IMEIRESTORE_DUPLICATES)",
     "FILE"},
    {NULL},
};

/* What prepare() set up, shared by every worker. */
static IrTrustStore *trust = NULL;
static IrBrandClient *client = NULL;
static IrTokenSeen *seen = NULL;
static IrDuplicateList *duplicates = NULL;
static char *duplicates_path = NULL;
static IrRestoreLog *restore_log = NULL;
static guint n_pending = 0;  /* INTENTs of the log whose outcome is unknown */
static gint log_refused = 0; /* a token was refused for the log: no upload */
static GMutex confirm_lock;

/* option, else environment, else [restore] in the config file */
static char *
ir_cli_restore_setting (const char *option, const char *env, GKeyFile *config, const char *key)
{
	const char *value = option != NULL ? option : g_getenv (env);

	if (value != NULL && value[0] != '\0')
		return g_strdup (value);
	if (config != NULL)
		return g_key_file_get_string (config, "restore", key, NULL);
	return NULL;
}

static GKeyFile *
ir_cli_restore_load_config (GError **error)
{
	const char *env = g_getenv ("IMEIRESTORE_CONFIG");
	g_autofree char *path =
	    env != NULL
		? g_strdup (env)
		: g_build_filename (g_get_user_config_dir (), "imeirestore", "imeictl.conf", NULL);
	g_autoptr (GKeyFile) kf = g_key_file_new ();

	if (env == NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error)) {
		g_prefix_error (error, "cannot read the imeictl configuration %s: ", path);
		return NULL;
	}
	return g_steal_pointer (&kf);
}

static gboolean ir_cli_restore_input_error (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
ir_cli_restore_input_error (GError **error, const char *format, ...)
{
	va_list ap;
	g_autofree char *message = NULL;

	va_start (ap, format);
	message = g_strdup_vprintf (format, ap);
	va_end (ap);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, message);
	return FALSE;
}

static char *
ir_cli_restore_passphrase (GError **error)
{
	g_autofree char *text = NULL;
	const char *env = g_getenv ("IMEIRESTORE_P12_PASSPHRASE");

	if (opt_passphrase_file == NULL)
		return g_strdup (env);
	if (!g_file_get_contents (opt_passphrase_file, &text, NULL, error)) {
		g_prefix_error (error, "--p12-passphrase-file: ");
		(*error)->code = IR_ERROR_INVALID_INPUT;
		(*error)->domain = IR_ERROR;
		return NULL;
	}
	/* the first line; a trailing newline is not part of it */
	text[strcspn (text, "\r\n")] = '\0';
	return g_steal_pointer (&text);
}

static gboolean
ir_cli_restore_check_args (IrCli *cli, GError **error)
{
	guint n = g_strv_length (cli->args);

	if (!opt_all && n != 1)
		return ir_cli_restore_input_error (
		    error,
		    "%s: give one PORT (e.g. imeictl restore /dev/ttyUSB0), or --all for every "
		    "connected phone",
		    n == 0 ? "restore needs a PORT" : "restore takes one PORT");
	for (guint i = 0; i < n; i++) {
		if (cli->args[i][0] == '\0')
			return ir_cli_restore_input_error (error,
							   "%s: name a port from `imeictl list`",
							   "the port is an empty string");
	}
	/* confirmation needs someone to answer: refuse now, before any phone
	 * or server is touched */
	if (!opt_yes && !isatty (STDIN_FILENO))
		return ir_cli_restore_input_error (
		    error,
		    "%s: restore asks before it writes, and standard input is not a terminal; "
		    "run it in a terminal, or give --yes in scripts",
		    "nothing done");
	return TRUE;
}

static gboolean
ir_cli_restore_load_trust (GKeyFile *config, GError **error)
{
	g_autofree char *path = ir_cli_restore_setting (
	    opt_trust_store, "IMEIRESTORE_TRUST_STORE", config, "trust-store");

	if (path == NULL)
		path = g_build_filename (IR_SYSCONFDIR, "trust-store.conf", NULL);
	trust = ir_trust_store_load (path, error);
	if (trust == NULL) {
		g_prefix_error (error, "--trust-store: ");
		(*error)->domain = IR_ERROR;
		(*error)->code = IR_ERROR_INVALID_INPUT;
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_cli_restore_make_client (GKeyFile *config, GError **error)
{
	g_autofree char *server =
	    ir_cli_restore_setting (opt_server, "IMEIRESTORE_SERVER", config, "server");
	g_autofree char *cert =
	    ir_cli_restore_setting (opt_cert, "IMEIRESTORE_CERT", config, "cert");
	g_autofree char *key = ir_cli_restore_setting (opt_key, "IMEIRESTORE_KEY", config, "key");
	g_autofree char *p12 = ir_cli_restore_setting (opt_p12, "IMEIRESTORE_P12", config, "p12");
	g_autofree char *centre =
	    ir_cli_restore_setting (opt_centre, "IMEIRESTORE_CENTRE", config, "centre");
	g_autofree char *passphrase = NULL;
	IrBrandClientConfig cfg = {0};

	if (server == NULL)
		return ir_cli_restore_input_error (
		    error,
		    "%s: give --server https://HOST:PORT or set $IMEIRESTORE_SERVER",
		    "no brand server");
	if (p12 != NULL && (cert != NULL || key != NULL))
		return ir_cli_restore_input_error (error,
						   "%s: give --p12, or --cert and --key, not both",
						   "two client certificates");
	if (p12 == NULL && (cert == NULL) != (key == NULL))
		return ir_cli_restore_input_error (error,
						   "%s: --cert and --key go together",
						   cert == NULL ? "--key without --cert"
								: "--cert without --key");
	passphrase = ir_cli_restore_passphrase (error);
	if (opt_passphrase_file != NULL && passphrase == NULL)
		return FALSE;
	cfg.server_url = server;
	cfg.trust = trust;
	cfg.cert_path = cert;
	cfg.key_path = key;
	cfg.p12_path = p12;
	cfg.passphrase = passphrase;
	client = ir_brand_client_new (&cfg, NULL, error);
	if (passphrase != NULL)
		memset (passphrase, 0, strlen (passphrase));
	if (client == NULL)
		return FALSE;
	if (centre != NULL && g_strcmp0 (centre, ir_brand_client_get_centre (client)) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--centre %s, but your certificate is for centre %s: use your own "
			     "centre's certificate",
			     centre,
			     ir_brand_client_get_centre (client));
		return FALSE;
	}
	return TRUE;
}

/* The migration log must take a durable INTENT before any phone is
 * written: a log that cannot (tampered, unwritable) stops here. */
static gboolean
ir_cli_restore_open_log (GKeyFile *config, const char *dir, GError **error)
{
	g_autofree char *workstation = ir_cli_restore_setting (
	    opt_workstation, "IMEIRESTORE_WORKSTATION", config, "workstation");
	g_autoptr (GPtrArray) pending = NULL;
	IrRestoreLogConfig cfg = {
	    .state_dir = dir,
	    .centre = ir_brand_client_get_centre (client),
	    .workstation = workstation,
	    .technician = ir_brand_client_get_subject (client),
	};

	if (cfg.centre == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "your certificate names no service centre, which the migration log "
			     "needs: ask the brand for a technician certificate");
		return FALSE;
	}
	restore_log = ir_restore_log_open (&cfg, error);
	if (restore_log == NULL) {
		g_prefix_error (error, "nothing done: ");
		return FALSE;
	}
	pending = ir_restore_log_pending (restore_log, error);
	if (pending == NULL)
		return FALSE;
	n_pending = pending->len;
	return TRUE;
}

static gboolean
ir_cli_restore_open_state (GKeyFile *config, GError **error)
{
	g_autofree char *dir =
	    ir_cli_restore_setting (opt_state_dir, "IMEIRESTORE_STATE_DIR", config, "state-dir");
	g_autofree char *seen_path = NULL;

	if (dir == NULL)
		dir = g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
	seen_path = g_build_filename (dir, "token-seen", NULL);
	seen = ir_token_seen_open (seen_path, error);
	if (seen == NULL)
		return FALSE;
	return ir_cli_restore_open_log (config, dir, error);
}

static gboolean
ir_cli_restore_prepare (IrCli *cli, GError **error)
{
	g_autoptr (GKeyFile) config = NULL;
	g_autoptr (GError) error_local = NULL;

	if (!ir_cli_restore_check_args (cli, error))
		return FALSE;
	config = ir_cli_restore_load_config (&error_local);
	if (error_local != NULL) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, error_local->message);
		return FALSE;
	}
	/* bad input before the state folder or the log is opened */
	if (!ir_cli_load_duplicates (opt_duplicates, &duplicates, &duplicates_path, error))
		return FALSE;
	return ir_cli_restore_load_trust (config, error) &&
	       ir_cli_restore_make_client (config, error) &&
	       ir_cli_restore_open_state (config, error);
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
ir_cli_restore_describe_plan (const IrRestoreResult *r, GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (4);

	g_string_append_printf (out,
				"Phone on %s: %s %s, serial %s (%s)\n",
				r->port,
				r->info->manufacturer,
				r->info->model,
				r->info->serial != NULL ? r->info->serial : "none",
				r->info->family->title);
	ir_cli_table_add_row (table, "SLOT", "NOW", "STATUS", "WRITE");
	for (guint i = 0; i < r->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (r->slots, i);
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
				r->token_id,
				r->centre,
				r->phase,
				r->token_expires != NULL ? r->token_expires : "-");
	if (!r->device_verifies)
		g_string_append (out,
				 "The phone itself cannot verify the token (legacy family): this "
				 "workstation verified it.\n");
}

static gboolean
ir_cli_restore_confirm (const IrRestoreResult *plan,
			gpointer user_data,
			GCancellable *cancellable,
			GError **error)
{
	g_autoptr (GString) text = g_string_new (NULL);
	g_autoptr (GMutexLocker) locker = NULL;
	char answer[32] = "";

	if (opt_yes)
		return TRUE;
	/* one question at a time on the terminal, whatever --all runs */
	locker = g_mutex_locker_new (&confirm_lock);
	ir_cli_restore_describe_plan (plan, text);
	g_string_append (text, "Write these IMEIs to the phone? Type yes to write: ");
	fputs (text->str, stderr);
	fflush (stderr);
	if (fgets (answer, sizeof (answer), stdin) == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "no answer to the confirmation for %s (end of input); nothing written",
			     plan->port);
		return FALSE;
	}
	answer[strcspn (answer, "\r\n")] = '\0';
	return g_ascii_strcasecmp (answer, "yes") == 0 || g_ascii_strcasecmp (answer, "y") == 0;
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
	return ir_cli_error_code (r->error);
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
ir_cli_restore_message (const IrRestoreResult *r)
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
					ir_restore_log_get_path (restore_log));
	if (r->recovery_path != NULL)
		g_string_append_printf (msg,
					"; the outcome is kept for recovery in %s (a pending "
					"INTENT): connect the phone again and run imeictl recover "
					"%s before anything else",
					r->recovery_path,
					r->port);
	return ir_cli_one_line (msg->str);
}

static void
ir_cli_restore_json_result (JsonBuilder *b, const IrRestoreResult *r)
{
	int exit_code = ir_cli_restore_exit_code (r);

	json_builder_begin_object (b);
	ir_cli_json_add_string_or_null (b, "port", r->port);
	ir_cli_json_add_string_or_null (b, "outcome", ir_restore_outcome_to_string (r->outcome));
	ir_cli_json_add_string_or_null (b, "stage", ir_restore_stage_to_string (r->stage));
	ir_cli_json_add_string_or_null (
	    b, "manufacturer", r->info != NULL ? r->info->manufacturer : NULL);
	ir_cli_json_add_string_or_null (b, "model", r->info != NULL ? r->info->model : NULL);
	ir_cli_json_add_string_or_null (b, "serial", r->info != NULL ? r->info->serial : NULL);
	ir_cli_json_add_string_or_null (b, "hardware_id", r->hardware_id);
	ir_cli_json_add_string_or_null (
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
		ir_cli_json_add_string_or_null (b, "before", slot->before);
		ir_cli_json_add_string_or_null (b, "status", ir_cli_imei_status_id (slot->status));
		ir_cli_json_add_string_or_null (b, "written", slot->target);
		ir_cli_json_add_string_or_null (b, "read_back", slot->after);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	json_builder_set_member_name (b, "token");
	if (r->token_id != NULL) {
		json_builder_begin_object (b);
		ir_cli_json_add_string_or_null (b, "id", r->token_id);
		ir_cli_json_add_string_or_null (b, "expires", r->token_expires);
		ir_cli_json_add_string_or_null (b, "phase", r->phase);
		ir_cli_json_add_string_or_null (b, "centre", r->centre);
		json_builder_set_member_name (b, "requests");
		json_builder_add_int_value (b, r->token_requests);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	json_builder_set_member_name (b, "report");
	if (r->report_outcome != NULL) {
		json_builder_begin_object (b);
		ir_cli_json_add_string_or_null (b, "outcome", r->report_outcome);
		json_builder_set_member_name (b, "reported");
		json_builder_add_boolean_value (b, r->reported);
		ir_cli_json_add_string_or_null (
		    b, "error", r->report_error != NULL ? r->report_error->message : NULL);
		json_builder_end_object (b);
	} else {
		json_builder_add_null_value (b);
	}
	ir_cli_json_add_string_or_null (b, "recovery_file", r->recovery_path);
	if (exit_code != 0 || r->error != NULL) {
		g_autofree char *message = ir_cli_restore_message (r);
		json_builder_set_member_name (b, "error");
		json_builder_begin_object (b);
		ir_cli_json_add_string_or_null (b, "code", ir_cli_restore_error_code (r));
		ir_cli_json_add_string_or_null (b, "message", message);
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
}

/* One line per phone for --all. */
static void
ir_cli_restore_summary_line (const IrRestoreResult *r, GString *out)
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
		g_string_append_c (out, '\n');
		return;
	}
	message = ir_cli_restore_message (r);
	g_string_append_printf (out,
				"%s: %s (exit %d): %s\n",
				r->port,
				ir_restore_outcome_to_string (r->outcome),
				ir_cli_restore_exit_code (r),
				message);
}

/* ---- running ---- */

static IrRestoreOptions
ir_cli_restore_options (void)
{
	IrRestoreOptions opts = {
	    .client = client,
	    .trust = trust,
	    .seen = seen,
	    .duplicates = duplicates,
	    .confirm = ir_cli_restore_confirm,
	    .journal = ir_restore_log_journal (),
	    .journal_data = restore_log,
	};
	return opts;
}

static IrRestoreResult *
ir_cli_restore_not_started (const char *port, GError *error)
{
	IrRestoreResult *r = g_new0 (IrRestoreResult, 1);

	r->slots = g_ptr_array_new ();
	r->port = g_strdup (port);
	r->outcome = IR_RESTORE_NOT_STARTED;
	r->stage = IR_RESTORE_STAGE_IDENTIFY;
	r->error = error;
	return r;
}

/* The server will not witness a log it refused a token for: uploading
 * it again would only repeat the refusal as a second message. */
static IrRestoreResult *
ir_cli_restore_note_refusal (IrRestoreResult *r)
{
	if (ir_cli_restore_log_refused (r))
		g_atomic_int_set (&log_refused, 1);
	return r;
}

/* A phone with a pending INTENT in the log is read again and its RESULT
 * recorded before anything else is done to it (DESIGN.md §4 step 8). */
static IrRestoreResult *
ir_cli_restore_port (const char *port, GCancellable *cancellable)
{
	IrRestoreOptions opts = ir_cli_restore_options ();
	g_autoptr (IrSession) session = NULL;
	GError *error = NULL;
	IrRestoreResult *r;

	if (n_pending == 0)
		return ir_cli_restore_note_refusal (ir_restore_run_port (port, &opts, cancellable));
	session = ir_session_open (port, NULL);
	if (session == NULL)
		return ir_cli_restore_note_refusal (ir_restore_run_port (port, &opts, cancellable));
	if (!ir_restore_log_recover (restore_log, session, NULL, NULL, &error)) {
		g_prefix_error (&error, "nothing written to %s: ", port);
		return ir_cli_restore_not_started (port, error);
	}
	r = ir_restore_run (session, &opts, cancellable);
	if (r->port == NULL)
		r->port = g_strdup (port);
	return ir_cli_restore_note_refusal (r);
}

/* The brand server, its pin and our certificate, before any phone. */
static gboolean
ir_cli_restore_preflight (IrCli *cli, GCancellable *cancellable)
{
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;

	if (ir_brand_client_health (client, &status, cancellable, &error))
		return TRUE;
	g_prefix_error (&error, "nothing done: ");
	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;
		g_autofree char *message = ir_cli_one_line (error->message);
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "error");
		json_builder_begin_object (b);
		ir_cli_json_add_string_or_null (b, "code", status.server_code);
		ir_cli_json_add_string_or_null (b, "message", message);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, IR_RESTORE_EXIT_SERVER);
		json_builder_end_object (b);
		json_builder_set_member_name (b, "exit_code");
		json_builder_add_int_value (b, IR_RESTORE_EXIT_SERVER);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = ir_cli_json_to_string (root);
		g_string_append (cli->out, text);
	}
	{
		g_autofree char *line = ir_cli_one_line (error->message);
		fprintf (stderr, "imeictl: %s\n", line);
	}
	cli->exit_code = g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED)
			     ? IR_RESTORE_EXIT_CANCELLED
			     : IR_RESTORE_EXIT_SERVER;
	return FALSE;
}

static gboolean
ir_cli_restore_one (IrCli *cli, GCancellable *cancellable)
{
	g_autoptr (IrRestoreResult) r = ir_cli_restore_port (cli->args[0], cancellable);

	cli->exit_code = ir_cli_restore_exit_code (r);
	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;
		ir_cli_restore_json_result (b, r);
		root = json_builder_get_root (b);
		text = ir_cli_json_to_string (root);
		g_string_append (cli->out, text);
	} else {
		ir_cli_restore_text_result (r, cli->out);
	}
	if (cli->exit_code != 0 || r->error != NULL) {
		g_autofree char *message = ir_cli_restore_message (r);
		fprintf (stderr, "imeictl: %s\n", message);
	}
	return TRUE;
}

typedef struct {
	char *port;
	IrRestoreResult *result;
	GCancellable *cancellable;
} IrCliRestoreJob;

static void
ir_cli_restore_worker (gpointer data, gpointer user_data)
{
	IrCliRestoreJob *job = data;

	job->result = ir_cli_restore_port (job->port, job->cancellable);
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
	return g_steal_pointer (&ports);
}

static gboolean
ir_cli_restore_all (IrCli *cli, GCancellable *cancellable, GError **error)
{
	g_autoptr (GPtrArray) ports = ir_cli_restore_all_ports (cli, error);
	g_autofree IrCliRestoreJob *jobs = NULL;
	g_autoptr (JsonBuilder) b = json_builder_new ();
	GThreadPool *pool;
	int worst = 0;
	guint n_bad = 0;

	if (ports == NULL)
		return FALSE;
	if (ports->len == 0) {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_FOUND,
		    "no phone found: connect the phones over USB, or name their ports "
		    "after --all");
		return FALSE;
	}
	jobs = g_new0 (IrCliRestoreJob, ports->len);
	pool = g_thread_pool_new (ir_cli_restore_worker, NULL, (int)ports->len, FALSE, NULL);
	for (guint i = 0; i < ports->len; i++) {
		jobs[i].port = g_ptr_array_index (ports, i);
		jobs[i].cancellable = cancellable;
		g_thread_pool_push (pool, &jobs[i], NULL);
	}
	g_thread_pool_free (pool, FALSE, TRUE);

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "phones");
	json_builder_begin_array (b);
	for (guint i = 0; i < ports->len; i++) {
		IrRestoreResult *r = jobs[i].result;
		int code = ir_cli_restore_exit_code (r);
		if (ir_cli_restore_rank (code) > ir_cli_restore_rank (worst))
			worst = code;
		n_bad += code != 0 ? 1 : 0;
		if (cli->json)
			ir_cli_restore_json_result (b, r);
		else
			ir_cli_restore_summary_line (r, cli->out);
		ir_restore_result_free (r);
	}
	json_builder_end_array (b);
	json_builder_set_member_name (b, "exit_code");
	json_builder_add_int_value (b, worst);
	json_builder_end_object (b);
	if (cli->json) {
		g_autoptr (JsonNode) root = json_builder_get_root (b);
		g_autofree char *text = ir_cli_json_to_string (root);
		g_string_append (cli->out, text);
	}
	if (n_bad > 0)
		fprintf (stderr,
			 "imeictl: %u of %u phones not restored (worst exit %d): see the line of "
			 "each phone\n",
			 n_bad,
			 ports->len,
			 worst);
	cli->exit_code = worst;
	return TRUE;
}

/* After the reports (and any recovery RESULTs): the brand server
 * witnesses the log's new records. A failed upload does not undo a
 * restore: it is a warning, and the next run sends them again. */
static char *
ir_cli_restore_upload (GCancellable *cancellable)
{
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;

	if (ir_restore_log_upload (restore_log, client, NULL, &status, cancellable, &error))
		return NULL;
	return ir_cli_one_line (error->message);
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
	text = ir_cli_json_to_string (root);
	g_string_assign (cli->out, text);
}

static gboolean
ir_cli_restore_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	g_autofree char *warning = NULL;
	gboolean ok;

	if (!ir_cli_restore_preflight (cli, cancellable))
		return TRUE;
	ok = opt_all ? ir_cli_restore_all (cli, cancellable, error)
		     : ir_cli_restore_one (cli, cancellable);
	if (!ok)
		return FALSE;
	if (g_atomic_int_get (&log_refused))
		return TRUE;
	warning = ir_cli_restore_upload (cancellable);
	if (warning != NULL) {
		fprintf (stderr, "imeictl: warning: %s\n", warning);
		if (cli->json)
			ir_cli_restore_json_warning (cli, warning);
	}
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
    .min_args = 0,
    .max_args = G_MAXUINT,
    .uses_device = FALSE,
    .prepare = ir_cli_restore_prepare,
    .run = ir_cli_restore_run,
};
