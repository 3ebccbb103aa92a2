/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-cli.h"
#include "ir-engine.h"

G_BEGIN_DECLS

/* The settings every imeictl command that opens the engine shares (the
 * brand server, the technician's credential, the trust store, the state
 * folder), read once here: each from its option, else its environment
 * variable, else the [restore] group of the configuration file
 * ($IMEIRESTORE_CONFIG, else $XDG_CONFIG_HOME/imeirestore/imeictl.conf).
 * A command's options struct starts with IrCliEngineOptions, and its
 * IrCliCommand.engine_entries is ir_cli_engine_entries. */
typedef struct {
	char **servers; /* --server, repeatable: the nodes in order */
	char *server_timeout;
	char *trust_store;
	char *cert;
	char *key;
	char *p12;
	char *passphrase_file;
	char *credential;
	char *module;
	char *pin_file;
	char *centre;
	char *state_dir;
	char *workstation;
} IrCliEngineOptions;

extern const GOptionEntry ir_cli_engine_entries[];

/* The configuration file, NULL when there is none; unreadable is bad
 * input. */
GKeyFile *ir_cli_engine_load_config (GError **error);

/* Sets an IR_ERROR_INVALID_INPUT error (a bad option or argument) and
 * returns FALSE. */
gboolean ir_cli_engine_input_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* One setting: @option, else $@env, else [restore] @key of @config. */
char *
ir_cli_engine_setting (const char *option, const char *env, GKeyFile *config, const char *key);

/* Whether eligibility can be known without a restore: a server is set
 * (the policy can be fetched), or a trust store is set or installed (a
 * cached policy can be verified). */
gboolean ir_cli_engine_has_policy_source (const IrCliEngineOptions *opts, GKeyFile *config);

typedef enum {
	/* everything a restore needs (ir_engine_open) */
	IR_CLI_ENGINE_RESTORE,
	/* the cached rollout policy only, with the brand client when a
	 * server is set (ir_engine_open_policy): nothing written */
	IR_CLI_ENGINE_POLICY,
} IrCliEngineMode;

/* The settings into the engine's configuration, then @engine opened in
 * @mode. Takes @duplicates (freed on failure too). The token's PIN is
 * asked here: call it in the main thread, before any phone is touched. */
gboolean ir_cli_engine_open (const IrCliEngineOptions *opts,
			     GKeyFile *config,
			     IrDuplicateList *duplicates,
			     IrSessionProtocol protocol,
			     IrCliEngineMode mode,
			     IrEngine *engine,
			     GError **error);

/* Drops @engine and waits (a few seconds at most) until it is gone: a
 * GTask's worker thread may hold it a moment after the task returned, and
 * its last unref must not run during exit(): with a PKCS#11 credential it
 * closes the token's sessions and finalizes the module, whose library
 * (SoftHSM's C++ statics, OpenSSL's tables) exit() is tearing down. */
void ir_cli_engine_release (IrEngine **engine);

G_END_DECLS
