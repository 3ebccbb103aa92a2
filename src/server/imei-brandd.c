/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <event2/event.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "ir-brandd-clock.h"
#include "ir-brandd-config.h"
#include "ir-brandd-http.h"
#include "ir-brandd-import.h"
#include "ir-brandd-issue.h"
#include "ir-brandd-policy.h"
#include "ir-brandd-report.h"
#include "ir-brandd-revocation.h"
#include "ir-brandd-store.h"
#include "ir-brandd-tls.h"
#include "ir-brandd-witness.h"
#include "ir-error.h"

/* imei-brandd: the reference brand server. `serve` runs the HTTPS API of
 * docs/brand-api.md on one libevent loop; the quota and single-use rules
 * are kept by the database's transactions (ir-brandd-store.c), so several
 * nodes may share one PostgreSQL. The other commands manage its
 * database. */

#define EXIT_FAILED   1
#define EXIT_USAGE    2
#define STOP_GRACE_MS 5000

static char *opt_config = NULL;
static char *opt_db = NULL;
static char *opt_listen = NULL;
static gint64 opt_quota = -1;
static char *opt_reason = NULL;
static gboolean opt_verbose = FALSE;
static char *opt_key = NULL;
static char *opt_key_name = NULL;
static char *opt_out = NULL;
static gboolean opt_json = FALSE;
static gboolean opt_version = FALSE;
static char *opt_phase = NULL;
static char *opt_from = NULL;
static char *opt_to = NULL;
static char *opt_date = NULL;

static GOptionEntry entries[] = {
    {"config",
     'c',
     0,
     G_OPTION_ARG_FILENAME,
     &opt_config,
     "Read settings from FILE (GKeyFile)",
     "FILE"},
    {"db",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_db,
     "SQLite database (overrides [server] database), or a postgresql:// URI "
     "(a libpq connection string with [store] backend=postgresql)",
     "PATH"},
    {"listen",
     'l',
     0,
     G_OPTION_ARG_STRING,
     &opt_listen,
     "Listen on HOST:PORT (port 0: any free port)",
     "HOST:PORT"},
    {"quota", 0, 0, G_OPTION_ARG_INT64, &opt_quota, "Daily token quota (centre set)", "N"},
    {"reason", 0, 0, G_OPTION_ARG_STRING, &opt_reason, "Why (cert revoke)", "TEXT"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log every request", NULL},
    {"key",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     &opt_key,
     "policy sign, report summary, blocklist: the policy private key; publish: its public "
     "key",
     "PEM"},
    {"key-name", 0, 0, G_OPTION_ARG_STRING, &opt_key_name, "Signed-note key name", "NAME"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out, "Write the output to FILE", "FILE"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "policy show, report: JSON", NULL},
    {"phase", 0, 0, G_OPTION_ARG_STRING, &opt_phase, "report: the rollout phase", "PHASE"},
    {"from", 0, 0, G_OPTION_ARG_STRING, &opt_from, "report: the first day", "YYYY-MM-DD"},
    {"to", 0, 0, G_OPTION_ARG_STRING, &opt_to, "report: the last day", "YYYY-MM-DD"},
    {"date",
     0,
     0,
     G_OPTION_ARG_STRING,
     &opt_date,
     "report summary|register, blocklist: the local day",
     "YYYY-MM-DD"},
    {"version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Show the version and exit", NULL},
    {NULL},
};

#define SUMMARY                                                                                    \
	"Commands:\n"                                                                              \
	"  serve --config FILE [--listen HOST:PORT] [--db PATH]   run the HTTPS API\n"             \
	"  init-db --db PATH                                      create the database\n"           \
	"  import --db PATH FILE.csv                              load factory records\n"          \
	"  centre set ID --quota N --db PATH                      set a centre's daily quota\n"    \
	"  policy sign --key KEY [--out FILE] POLICY.json         sign a rollout policy\n"         \
	"  policy publish --db PATH POLICY.note                   install a signed policy\n"       \
	"  policy show --db PATH [--json]                         print the current policy\n"      \
	"  policy pause|resume PHASE --db PATH                    the kill switch\n"               \
	"  report --db PATH [--phase P] [--from D] [--to D] [--json]   tokens and outcomes "       \
	"(CSV)\n"                                                                                  \
	"  report summary --phase P --date D --key KEY --db PATH  a signed phase/day summary\n"    \
	"  report register --date D --db PATH                     IMEIs restored (register CSV)\n" \
	"  blocklist --date D --key KEY --db PATH                 the signed national block "      \
	"list\n"                                                                                   \
	"  cert revoke SERIAL [--reason TEXT] --db PATH           revoke a client certificate\n"   \
	"\n"                                                                                       \
	"Exit codes: 0 success, 1 failure (or rows rejected by import), 2 bad usage or config.\n"  \
	"See imei-brandd(1)."

typedef struct {
	struct event_base *base;
	IrBranddServer *server;
} ServeState;

static int
imei_brandd_fail (int code, const GError *error)
{
	g_printerr ("imei-brandd: %s\n", error->message);
	return code;
}

static int
imei_brandd_usage (const char *message)
{
	g_printerr ("imei-brandd: %s\nTry imei-brandd --help.\n", message);
	return EXIT_USAGE;
}

/* The config file, then the flags on top of it. */
static IrBranddConfig *
imei_brandd_load_config (GError **error)
{
	g_autoptr (IrBranddConfig) config = ir_brandd_config_new ();

	if (opt_config != NULL && !ir_brandd_config_load (config, opt_config, error))
		return NULL;
	if (opt_listen != NULL && !ir_brandd_config_set_listen (config, opt_listen, error)) {
		g_prefix_error (error, "--listen: ");
		return NULL;
	}
	/* a postgresql:// URI, or with [store] backend=postgresql any
	 * libpq connection string, names PostgreSQL; else a SQLite file */
	if (opt_db != NULL && (g_str_has_prefix (opt_db, "postgresql://") ||
			       g_str_has_prefix (opt_db, "postgres://")))
		config->store_backend = IR_BRANDD_BACKEND_POSTGRESQL;
	if (opt_db != NULL && config->store_backend == IR_BRANDD_BACKEND_POSTGRESQL) {
		g_free (config->store_connection);
		config->store_connection = g_strdup (opt_db);
	} else if (opt_db != NULL) {
		g_free (config->database);
		config->database = g_strdup (opt_db);
	}
	return g_steal_pointer (&config);
}

static void
imei_brandd_on_signal (evutil_socket_t sig, short what, void *arg)
{
	ServeState *state = arg;

	g_message ("received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	ir_brandd_server_stop (state->server, STOP_GRACE_MS);
}

static void
imei_brandd_print_listening (const IrBranddConfig *config, guint16 port)
{
	gboolean v6 = strchr (config->listen_host, ':') != NULL;

	g_print ("listening on https://%s%s%s:%u\n",
		 v6 ? "[" : "",
		 config->listen_host,
		 v6 ? "]" : "",
		 port);
	fflush (stdout);
}

/* Each connection is a socket: raise the soft limit on open files to the
 * hard one, so that a flood of connections meets the server's own limits
 * (max-handshakes, max-connections), not accept() failing with EMFILE. */
static void
imei_brandd_raise_fd_limit (void)
{
	struct rlimit rl;

	if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
			g_warning ("failed to raise the open-file limit");
	}
}

/* glibc gives a thread's freed memory back to the kernel (madvise) as
 * soon as more than 128 KiB is free at the top of its heap: the database
 * thread frees each batch's memory, so every batch gave its pages back
 * and faulted them in again, each return a TLB shoot-down across the
 * cores (one sync-sized batch at 16 clients: ~40% of the server's CPU in
 * the kernel). Keep up to 32 MiB per heap instead. */
static void
imei_brandd_keep_freed_memory (void)
{
#ifdef __GLIBC__
	/* another allocator in its place (a sanitizer's) refuses: only a
	 * cost, no fault */
	if (mallopt (M_TRIM_THRESHOLD, 32 * 1024 * 1024) != 1)
		g_debug ("malloc's trim threshold was not set");
#endif
}

/* On stdout at the end, for the benches and tests of group commit: each
 * write transaction is one sync of the database's log; the process's CPU
 * time (user + system, all threads), which over the tokens is what a
 * token costs whatever the load on the machine. */
static void
imei_brandd_print_stats (IrBranddIssuer *issuer)
{
	guint64 issued = 0;
	guint64 commits = 0;
	struct rusage ru = {0};
	gint64 cpu_us = 0;

	ir_brandd_issuer_get_stats (issuer, &issued, &commits);
	if (getrusage (RUSAGE_SELF, &ru) == 0)
		cpu_us = (gint64)ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
			 (gint64)ru.ru_stime.tv_sec * G_USEC_PER_SEC + ru.ru_stime.tv_usec;
	g_print ("stats: %" G_GUINT64_FORMAT " tokens issued, %" G_GUINT64_FORMAT
		 " write transactions committed, %" G_GINT64_FORMAT " ms of CPU\n",
		 issued,
		 commits,
		 cpu_us / 1000);
	fflush (stdout);
}

typedef struct {
	IrBranddIssuer *issuer;
	IrBranddWitness *witness;
	IrBranddRevocation *revocation;
} ServeParts;

static int
imei_brandd_run_loop (IrBranddConfig *config, SSL_CTX *ctx, const ServeParts *parts)
{
	ServeState state = {0};
	struct event *sigterm = NULL;
	struct event *sigint = NULL;
	g_autoptr (GError) error = NULL;

	state.base = event_base_new ();
	state.server = ir_brandd_server_new (state.base, config, ctx, parts->issuer, &error);
	if (state.server == NULL) {
		event_base_free (state.base);
		return imei_brandd_fail (EXIT_FAILED, error);
	}
	ir_brandd_server_set_witness (state.server, parts->witness);
	ir_brandd_server_set_revocation (state.server, parts->revocation);
	sigterm = evsignal_new (state.base, SIGTERM, imei_brandd_on_signal, &state);
	sigint = evsignal_new (state.base, SIGINT, imei_brandd_on_signal, &state);
	evsignal_add (sigterm, NULL);
	evsignal_add (sigint, NULL);
	imei_brandd_print_listening (config, ir_brandd_server_get_port (state.server));
	event_base_dispatch (state.base);
	event_free (sigterm);
	event_free (sigint);
	ir_brandd_server_free (state.server);
	event_base_free (state.base);
	imei_brandd_print_stats (parts->issuer);
	g_message ("stopped");
	return EXIT_SUCCESS;
}

static int
imei_brandd_cmd_serve (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddIssuer) issuer = NULL;
	g_autoptr (IrBranddWitness) witness = NULL;
	g_autoptr (IrBranddRevocation) revocation = NULL;
	SSL_CTX *ctx = NULL;
	ServeParts parts;
	gboolean fixed_clock = FALSE;
	int rc;

	if (argc != 0)
		return imei_brandd_usage ("serve takes no arguments");
	if (opt_config == NULL)
		return imei_brandd_usage ("serve needs --config FILE");
	imei_brandd_keep_freed_memory ();
	if (!ir_brandd_clock_check (&fixed_clock, &error))
		return imei_brandd_fail (EXIT_USAGE, error);
	if (fixed_clock)
		g_warning ("$IMEI_BRANDD_TEST_NOW is set: the rollout's clock is fixed at "
			   "%" G_GINT64_FORMAT "; this is for tests only",
			   ir_brandd_clock_now ());
	config = imei_brandd_load_config (&error);
	if (config == NULL || !ir_brandd_config_check_serve (config, &error))
		return imei_brandd_fail (EXIT_USAGE, error);
	ctx = ir_brandd_tls_context_new (config, &error);
	if (ctx == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store != NULL) {
		/* the loop is blocked while a statement waits for a lock: give
		 * up well before the connection's own timeout would drop the
		 * answer */
		ir_brandd_store_set_busy_timeout (store, MIN (5000, config->timeout_ms / 2));
		issuer = ir_brandd_issuer_new (config, store, &error);
	}
	if (issuer != NULL)
		witness = ir_brandd_witness_new (config, store, &error);
	if (witness != NULL)
		revocation = ir_brandd_revocation_new (config, store, &error);
	if (revocation == NULL) {
		SSL_CTX_free (ctx);
		return imei_brandd_fail (EXIT_USAGE, error);
	}
	/* a client that hangs up mid-answer must not kill the server */
	signal (SIGPIPE, SIG_IGN);
	imei_brandd_raise_fd_limit ();
	parts = (ServeParts){issuer, witness, revocation};
	rc = imei_brandd_run_loop (config, ctx, &parts);
	SSL_CTX_free (ctx);
	return rc;
}

static const char *
imei_brandd_database_path (IrBranddConfig *config)
{
	return config != NULL ? ir_brandd_config_store_target (config) : NULL;
}

static int
imei_brandd_cmd_init_db (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);

	if (config == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	if (argc != 0 || imei_brandd_database_path (config) == NULL)
		return imei_brandd_usage (
		    "init-db needs --db PATH (or --config FILE) and no arguments");
	if (!ir_brandd_store_init (
		config->store_backend, ir_brandd_config_store_target (config), &error))
		return imei_brandd_fail (EXIT_FAILED, error);
	g_print ("database %s is ready (schema version %d)\n",
		 ir_brandd_config_store_target (config),
		 IR_BRANDD_SCHEMA_VERSION);
	return EXIT_SUCCESS;
}

static void
imei_brandd_print_import (const IrBranddImport *imp)
{
	for (guint i = 0; i < imp->rows->len; i++) {
		const IrBranddImportRow *row = g_ptr_array_index (imp->rows, i);
		if (row->reason != NULL)
			g_print ("line %u: rejected: %s\n", row->line, row->reason);
	}
	g_print (
	    "%u rows accepted, %u rejected\n", imp->rows->len - imp->n_rejected, imp->n_rejected);
}

static int
imei_brandd_cmd_import (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddImport) imp = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;

	if (config == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	if (argc != 1 || imei_brandd_database_path (config) == NULL)
		return imei_brandd_usage ("import needs --db PATH and one FILE.csv");
	if (!g_file_get_contents (argv[0], &text, &len, &error))
		return imei_brandd_fail (EXIT_USAGE, error);
	imp = ir_brandd_import_parse (text, len, &error);
	if (imp == NULL) {
		g_prefix_error (&error, "%s: ", argv[0]);
		return imei_brandd_fail (EXIT_FAILED, error);
	}
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store == NULL)
		return imei_brandd_fail (EXIT_FAILED, error);
	if (!ir_brandd_import_apply (imp, store, g_get_real_time () / G_USEC_PER_SEC, &error)) {
		imei_brandd_print_import (imp);
		return imei_brandd_fail (EXIT_FAILED, error);
	}
	imei_brandd_print_import (imp);
	g_print ("imported %u devices into %s\n",
		 imp->rows->len,
		 ir_brandd_config_store_target (config));
	return EXIT_SUCCESS;
}

static int
imei_brandd_cmd_centre (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);
	g_autoptr (IrBranddStore) store = NULL;

	if (config == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	if (argc != 2 || g_strcmp0 (argv[0], "set") != 0 || argv[1][0] == '\0')
		return imei_brandd_usage ("usage: centre set ID --quota N --db PATH");
	if (opt_quota < 0 || opt_quota > 10000000)
		return imei_brandd_usage (
		    "centre set needs --quota N (0 to 10000000 tokens a day)");
	if (imei_brandd_database_path (config) == NULL)
		return imei_brandd_usage ("centre set needs --db PATH (or --config FILE)");
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store == NULL ||
	    !ir_brandd_store_set_centre_quota (store, argv[1], (guint)opt_quota, &error))
		return imei_brandd_fail (EXIT_FAILED, error);
	g_print ("centre %s: daily quota %" G_GINT64_FORMAT "\n", argv[1], opt_quota);
	return EXIT_SUCCESS;
}

static int
imei_brandd_cmd_policy (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);
	IrBranddPolicyOptions options = {
	    .key = opt_key,
	    .key_name = opt_key_name,
	    .out = opt_out,
	    .json = opt_json,
	};

	if (config == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	return ir_brandd_policy_command (config, &options, argc, argv);
}

static int
imei_brandd_cmd_report_like (int argc, char **argv, gboolean blocklist)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);
	gboolean fixed_clock = FALSE;
	IrBranddReportOptions options = {
	    .key = opt_key,
	    .key_name = opt_key_name,
	    .out = opt_out,
	    .json = opt_json,
	    .phase = opt_phase,
	    .from = opt_from,
	    .to = opt_to,
	    .date = opt_date,
	};

	if (config == NULL || !ir_brandd_clock_check (&fixed_clock, &error))
		return imei_brandd_fail (EXIT_USAGE, error);
	return blocklist ? ir_brandd_blocklist_command (config, &options, argc, argv)
			 : ir_brandd_report_command (config, &options, argc, argv);
}

static int
imei_brandd_cmd_report (int argc, char **argv)
{
	return imei_brandd_cmd_report_like (argc, argv, FALSE);
}

static int
imei_brandd_cmd_blocklist (int argc, char **argv)
{
	return imei_brandd_cmd_report_like (argc, argv, TRUE);
}

/* Takes effect at the next request of a running server, on connections
 * already open too (ir-brandd-revocation.c). */
static int
imei_brandd_cmd_cert (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddConfig) config = imei_brandd_load_config (&error);
	g_autoptr (IrBranddStore) store = NULL;
	g_autofree char *serial = NULL;

	if (config == NULL)
		return imei_brandd_fail (EXIT_USAGE, error);
	if (argc != 2 || g_strcmp0 (argv[0], "revoke") != 0)
		return imei_brandd_usage ("usage: cert revoke SERIAL [--reason TEXT] --db PATH");
	serial = ir_brandd_tls_normalise_serial (argv[1]);
	if (serial == NULL)
		return imei_brandd_usage (
		    "cert revoke: SERIAL is the certificate's serial number in hex, as "
		    "openssl x509 -noout -serial prints it (colons allowed)");
	if (opt_reason != NULL &&
	    (strlen (opt_reason) > 256 || !g_utf8_validate (opt_reason, -1, NULL)))
		return imei_brandd_usage (
		    "cert revoke: --reason is UTF-8 text of at most 256 bytes");
	if (imei_brandd_database_path (config) == NULL)
		return imei_brandd_usage ("cert revoke needs --db PATH (or --config FILE)");
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store == NULL ||
	    !ir_brandd_store_revoke (
		store, serial, opt_reason, g_get_real_time () / G_USEC_PER_SEC, &error))
		return imei_brandd_fail (EXIT_FAILED, error);
	g_print ("certificate %s is revoked\n", serial);
	return EXIT_SUCCESS;
}

static const struct {
	const char *name;
	int (*func) (int argc, char **argv);
} commands[] = {
    {"serve", imei_brandd_cmd_serve},
    {"init-db", imei_brandd_cmd_init_db},
    {"import", imei_brandd_cmd_import},
    {"centre", imei_brandd_cmd_centre},
    {"policy", imei_brandd_cmd_policy},
    {"cert", imei_brandd_cmd_cert},
    {"report", imei_brandd_cmd_report},
    {"blocklist", imei_brandd_cmd_blocklist},
};

int
main (int argc, char **argv)
{
	g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [ARGS] — the brand server");
	g_autoptr (GError) error = NULL;

	setlocale (LC_ALL, "");
	g_option_context_add_main_entries (ctx, entries, NULL);
	g_option_context_set_summary (ctx, SUMMARY);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return imei_brandd_usage (error->message);
	if (opt_version) {
		g_print ("imei-brandd %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (opt_verbose)
		g_log_set_debug_enabled (TRUE);
	if (argc < 2)
		return imei_brandd_usage ("no command; expected serve, init-db, import, centre, "
					  "policy, report, blocklist or cert");
	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		if (g_strcmp0 (argv[1], commands[i].name) == 0)
			return commands[i].func (argc - 2, argv + 2);
	}
	return imei_brandd_usage ("unknown command; expected serve, init-db, import, centre, "
				  "policy, report, blocklist or "
				  "cert");
}
