/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <string.h>

#include "ir-cli-engine.h"
#include "ir-error.h"

/* The options, environment and configuration file behind IrEngineConfig,
 * for imeictl restore (a restore) and imeictl identify (eligibility under
 * the cached policy): read in one place so that both mean the same by
 * each setting. */

const GOptionEntry ir_cli_engine_entries[] = {
    {"server",
     0,
     0,
     G_OPTION_ARG_STRING_ARRAY,
     IR_CLI_OPTION (IrCliEngineOptions, servers),
     "The brand server; again for another node, tried in turn when one cannot be reached "
     "(default: $IMEIRESTORE_SERVER, a list separated by ';' or ',')",
     "URL"},
    {"server-timeout",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliEngineOptions, server_timeout),
     "Seconds one brand server node may take to answer before the next is tried, 1 to 600 "
     "(default: $IMEIRESTORE_SERVER_TIMEOUT, else 20)",
     "SECONDS"},
    {"trust-store",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, trust_store),
     "The brand's trust store (default: $IMEIRESTORE_TRUST_STORE)",
     "FILE"},
    {"cert",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, cert),
     "Your client certificate, PEM (with --key)",
     "FILE"},
    {"key",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, key),
     "The private key of --cert, PEM",
     "FILE"},
    {"p12",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, p12),
     "Your client certificate and key, PKCS#12",
     "FILE"},
    {"p12-passphrase-file",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, passphrase_file),
     "Read the PKCS#12 passphrase from FILE (default: $IMEIRESTORE_P12_PASSPHRASE)",
     "FILE"},
    {"credential",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliEngineOptions, credential),
     "Your certificate and key on a PKCS#11 token (see imeictl credential list)",
     "pkcs11:URI"},
    {"module",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, module),
     "The token's PKCS#11 module (default: the URI's module-path, else p11-kit's "
     "modules)",
     "FILE"},
    {"pin-file",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, pin_file),
     "Read the token's PIN from FILE (default: asked without echo)",
     "FILE"},
    {"centre",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliEngineOptions, centre),
     "Your service centre; must be the one in your certificate",
     "ID"},
    {"state-dir",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliEngineOptions, state_dir),
     "Used tokens, the migration log, the workstation key and the cached rollout policy "
     "(default: $XDG_DATA_HOME/imeirestore)",
     "DIR"},
    {"workstation",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliEngineOptions, workstation),
     "This workstation's id in the migration log (default: $IMEIRESTORE_WORKSTATION, "
     "else the host name)",
     "ID"},
    {NULL},
};

char *
ir_cli_engine_setting (const char *option, const char *env, GKeyFile *config, const char *key)
{
	const char *value = option != NULL ? option : g_getenv (env);

	if (value != NULL && value[0] != '\0')
		return g_strdup (value);
	if (config != NULL)
		return g_key_file_get_string (config, "restore", key, NULL);
	return NULL;
}

GKeyFile *
ir_cli_engine_load_config (GError **error)
{
	const char *env = g_getenv ("IMEIRESTORE_CONFIG");
	g_autofree char *path =
	    env != NULL
		? g_strdup (env)
		: g_build_filename (g_get_user_config_dir (), "imeirestore", "imeictl.conf", NULL);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GError) error_local = NULL;

	if (env == NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the imeictl configuration %s: %s",
			     path,
			     error_local->message);
		return NULL;
	}
	return g_steal_pointer (&kf);
}

gboolean
ir_cli_engine_input_error (GError **error, const char *format, ...)
{
	va_list ap;
	g_autofree char *message = NULL;

	va_start (ap, format);
	message = g_strdup_vprintf (format, ap);
	va_end (ap);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, message);
	return FALSE;
}

/* The PKCS#12 passphrase: the first line of --p12-passphrase-file, else
 * $IMEIRESTORE_P12_PASSPHRASE. The caller wipes it. */
static char *
ir_cli_engine_passphrase (const IrCliEngineOptions *opts, GError **error)
{
	if (opts->passphrase_file == NULL)
		return g_strdup (g_getenv ("IMEIRESTORE_P12_PASSPHRASE"));
	return ir_cli_credential_read_secret (
	    opts->passphrase_file, "--p12-passphrase-file", error);
}

/* The credential settings that go together, before any file is read;
 * @token is the --credential URI. */
static gboolean
ir_cli_engine_check_credential (const IrEngineConfig *cfg, const char *token, GError **error)
{
	if (cfg->server_url == NULL)
		return ir_cli_engine_input_error (
		    error,
		    "%s: give --server https://HOST:PORT or set $IMEIRESTORE_SERVER",
		    "no brand server");
	if (token != NULL &&
	    (cfg->p12_path != NULL || cfg->cert_path != NULL || cfg->key_path != NULL))
		return ir_cli_engine_input_error (
		    error,
		    "%s: give --credential (a token), --p12, or --cert and --key: one of them",
		    "two client certificates");
	if (cfg->p12_path != NULL && (cfg->cert_path != NULL || cfg->key_path != NULL))
		return ir_cli_engine_input_error (error,
						  "%s: give --p12, or --cert and --key, not both",
						  "two client certificates");
	if (cfg->p12_path == NULL && (cfg->cert_path == NULL) != (cfg->key_path == NULL))
		return ir_cli_engine_input_error (error,
						  "%s: --cert and --key go together",
						  cfg->cert_path == NULL ? "--key without --cert"
									 : "--cert without --key");
	return TRUE;
}

/* The brand server setting: every --server joined with ';', else
 * $IMEIRESTORE_SERVER, else [restore] server; each may be a list
 * (ir-server-list.h), which the brand client checks. NULL: none set. */
static char *
ir_cli_engine_server (const IrCliEngineOptions *opts, GKeyFile *config)
{
	g_autofree char *joined = opts->servers != NULL ? g_strjoinv (";", opts->servers) : NULL;

	return ir_cli_engine_setting (joined, "IMEIRESTORE_SERVER", config, "server");
}

/* --server-timeout (or $IMEIRESTORE_SERVER_TIMEOUT, [restore]
 * server-timeout): whole seconds, 1 to 600; unset: 0, the client's own. */
static gboolean
ir_cli_engine_server_timeout (const IrCliEngineOptions *opts,
			      GKeyFile *config,
			      guint *timeout_ms,
			      GError **error)
{
	g_autofree char *text = ir_cli_engine_setting (
	    opts->server_timeout, "IMEIRESTORE_SERVER_TIMEOUT", config, "server-timeout");
	guint64 seconds = 0;

	*timeout_ms = 0;
	if (text == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned (text, 10, 1, 600, &seconds, NULL))
		return ir_cli_engine_input_error (
		    error,
		    "server timeout '%s' is not a whole number of seconds from 1 to 600: give "
		    "--server-timeout SECONDS, e.g. --server-timeout 5",
		    text);
	*timeout_ms = (guint)seconds * 1000;
	return TRUE;
}

gboolean
ir_cli_engine_has_policy_source (const IrCliEngineOptions *opts, GKeyFile *config)
{
	g_autofree char *server = ir_cli_engine_server (opts, config);
	g_autofree char *trust_store = ir_cli_engine_setting (
	    opts->trust_store, "IMEIRESTORE_TRUST_STORE", config, "trust-store");
	g_autofree char *installed = g_build_filename (IR_SYSCONFDIR, "trust-store.conf", NULL);

	return server != NULL || trust_store != NULL || g_file_test (installed, G_FILE_TEST_EXISTS);
}

/* The credential, when this mode needs one: the token's PIN is asked
 * here, in the main thread, before the state folder is touched; the
 * passphrase is read. */
static gboolean
ir_cli_engine_open_credential (const IrCliEngineOptions *opts,
			       GKeyFile *config,
			       IrEngineConfig *cfg,
			       IrBrandCredential **token_cred,
			       char **passphrase,
			       GError **error)
{
	g_autofree char *token = ir_cli_engine_setting (
	    opts->credential, "IMEIRESTORE_CREDENTIAL", config, "credential");
	g_autofree char *module =
	    ir_cli_engine_setting (opts->module, "IMEIRESTORE_PKCS11_MODULE", config, "module");

	if (!ir_cli_engine_check_credential (cfg, token, error))
		return FALSE;
	if (token != NULL) {
		*token_cred = ir_cli_credential_open (token, module, opts->pin_file, error);
		if (*token_cred == NULL)
			return FALSE;
		cfg->credential = *token_cred;
	}
	*passphrase = ir_cli_engine_passphrase (opts, error);
	return opts->passphrase_file == NULL || *passphrase != NULL;
}

gboolean
ir_cli_engine_open (const IrCliEngineOptions *opts,
		    GKeyFile *config,
		    IrDuplicateList *duplicates,
		    IrSessionProtocol protocol,
		    IrCliEngineMode mode,
		    IrEngine *engine,
		    GError **error)
{
	g_autofree char *server = ir_cli_engine_server (opts, config);
	g_autofree char *trust_store = ir_cli_engine_setting (
	    opts->trust_store, "IMEIRESTORE_TRUST_STORE", config, "trust-store");
	g_autofree char *cert =
	    ir_cli_engine_setting (opts->cert, "IMEIRESTORE_CERT", config, "cert");
	g_autofree char *key = ir_cli_engine_setting (opts->key, "IMEIRESTORE_KEY", config, "key");
	g_autofree char *p12 = ir_cli_engine_setting (opts->p12, "IMEIRESTORE_P12", config, "p12");
	g_autofree char *centre =
	    ir_cli_engine_setting (opts->centre, "IMEIRESTORE_CENTRE", config, "centre");
	g_autofree char *state_dir =
	    ir_cli_engine_setting (opts->state_dir, "IMEIRESTORE_STATE_DIR", config, "state-dir");
	g_autofree char *workstation = ir_cli_engine_setting (
	    opts->workstation, "IMEIRESTORE_WORKSTATION", config, "workstation");
	g_autoptr (IrBrandCredential) token_cred = NULL;
	g_autofree char *passphrase = NULL;
	IrEngineConfig cfg = {
	    .server_url = server,
	    .trust_store_path = trust_store,
	    .cert_path = cert,
	    .key_path = key,
	    .p12_path = p12,
	    .centre = centre,
	    .centre_setting = "--centre",
	    .state_dir = state_dir,
	    .workstation = workstation,
	    .duplicates = duplicates,
	    .protocol = protocol,
	};
	gboolean ok;

	if (!ir_cli_engine_server_timeout (opts, config, &cfg.server_timeout_ms, error)) {
		ir_duplicate_list_free (duplicates);
		return FALSE;
	}
	/* a restore needs the server; eligibility only when one is set */
	if ((mode == IR_CLI_ENGINE_RESTORE || server != NULL) &&
	    !ir_cli_engine_open_credential (opts, config, &cfg, &token_cred, &passphrase, error)) {
		ir_duplicate_list_free (duplicates);
		return FALSE;
	}
	if (trust_store == NULL)
		cfg.trust_store_path = trust_store =
		    g_build_filename (IR_SYSCONFDIR, "trust-store.conf", NULL);
	if (state_dir == NULL)
		cfg.state_dir = state_dir =
		    g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
	cfg.passphrase = passphrase;
	if (mode == IR_CLI_ENGINE_RESTORE) {
		ok = ir_engine_open (engine, &cfg, error);
	} else {
		/* the policy engine keeps no duplicate list */
		ir_duplicate_list_free (duplicates);
		ok = ir_engine_open_policy (engine, &cfg, error);
	}
	if (passphrase != NULL)
		OPENSSL_cleanse (passphrase, strlen (passphrase));
	return ok;
}

void
ir_cli_engine_release (IrEngine **engine)
{
	GWeakRef weak;

	g_weak_ref_init (&weak, *engine);
	g_clear_object (engine);
	for (guint i = 0; i < 500; i++) {
		IrEngine *alive = g_weak_ref_get (&weak);
		if (alive == NULL)
			break;
		g_object_unref (alive);
		g_usleep (10 * 1000);
	}
	g_weak_ref_clear (&weak);
}
