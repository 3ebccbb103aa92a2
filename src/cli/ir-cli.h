/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

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
} IrCli;

typedef struct {
	const char *name;
	const char *parameter_string; /* "PORT", shown in --help */
	const char *summary;	      /* one line for `imeictl --help` */
	const char *description;      /* shown by `imeictl COMMAND --help` */
	GOptionEntry *entries;	      /* command options, NULL-terminated; may be NULL */
	guint min_args;
	guint max_args;
	gboolean uses_device; /* --record makes sense */
	/* called in the main thread after option parsing: checks the options
	 * and arguments, so that bad input is reported before any device I/O */
	gboolean (*prepare) (IrCli *cli, GError **error);
	gboolean (*run) (IrCli *cli, GCancellable *cancellable, GError **error);
} IrCliCommand;

extern const IrCliCommand ir_cli_command_list;
extern const IrCliCommand ir_cli_command_identify;
extern const IrCliCommand ir_cli_command_restore;
extern const IrCliCommand ir_cli_command_recover;
extern const IrCliCommand ir_cli_command_audit;

G_END_DECLS
