/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-brand-credential.h"

G_BEGIN_DECLS

/* What every imeictl command gets: the global options and a buffer for its
 * standard output. A command's run() is called in a worker thread (the
 * device I/O blocks) while the main thread waits for Ctrl-C; it writes its
 * whole output to @out so that nothing half-printed remains when it fails. */
typedef struct {
	gboolean json;	   /* --json */
	char *record_path; /* --record FILE, NULL when not given */
	char **args;	   /* positional arguments after the command name */
	GString *out;	   /* what goes to stdout on success */
	/* a command that reports its own failures (restore: one outcome per
	 * phone) prints them, returns TRUE and sets the exit code here */
	int exit_code;
	/* the command's options (IrCliCommand.options_size bytes), filled by
	 * the option parser: no option lives in a file-scope variable */
	gpointer options;
	/* what prepare() worked out for run(), freed by state_free */
	gpointer state;
} IrCli;

/* An option's place in the command's options struct, for the arg_data of
 * a GOptionEntry template (imeictl binds it to IrCli.options). */
#define IR_CLI_OPTION(type, member) GSIZE_TO_POINTER (G_STRUCT_OFFSET (type, member))

typedef struct {
	const char *name;
	const char *parameter_string; /* "PORT", shown in --help */
	const char *summary;	      /* one line for `imeictl --help` */
	const char *description;      /* shown by `imeictl COMMAND --help` */
	/* command options, NULL-terminated, may be NULL; arg_data is
	 * IR_CLI_OPTION (options type, member) */
	const GOptionEntry *entries;
	/* options the command shares with others, bound at the start of its
	 * options struct (ir_cli_engine_entries); may be NULL */
	const GOptionEntry *engine_entries;
	gsize options_size;
	guint min_args;
	guint max_args;
	gboolean uses_device; /* --record makes sense */
	/* called in the main thread after option parsing: checks the options
	 * and arguments, so that bad input is reported before any device I/O */
	gboolean (*prepare) (IrCli *cli, GError **error);
	gboolean (*run) (IrCli *cli, GCancellable *cancellable, GError **error);
	GDestroyNotify state_free; /* of IrCli.state; may be NULL */
} IrCliCommand;

extern const IrCliCommand ir_cli_command_list;
extern const IrCliCommand ir_cli_command_identify;
extern const IrCliCommand ir_cli_command_restore;
extern const IrCliCommand ir_cli_command_recover;
extern const IrCliCommand ir_cli_command_audit;
extern const IrCliCommand ir_cli_command_credential;
extern const IrCliCommand ir_cli_command_policy;
extern const IrCliCommand ir_cli_command_verify_report;

/* The first line of the file @path that holds a secret (a PIN, a
 * passphrase), the file's text wiped; errors name @option. The caller
 * wipes the result with OPENSSL_cleanse. */
char *ir_cli_credential_read_secret (const char *path, const char *option, GError **error);

/* The token credential @uri names (ir-brand-credential-pkcs11.h), checked
 * (expiry, role) and unlocked with the PIN from @pin_file or typed
 * without echo. In the main thread: it may ask on the terminal. */
IrBrandCredential *
ir_cli_credential_open (const char *uri, const char *module, const char *pin_file, GError **error);
extern const IrCliCommand ir_cli_command_diag_mode;

G_END_DECLS
