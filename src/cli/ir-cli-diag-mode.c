/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-session.h"

/* imeictl diag-mode PORT: an explicit step for Qualcomm phones that open
 * their DIAG interface only when asked: sends AT$QCDMG on the phone's AT
 * port, which then speaks DIAG (protocols/qualcomm/README.md,
 * "Discovery"). Nothing is written to the phone's memory. */

#define IR_CLI_DIAG_MODE_COMMAND    "AT$QCDMG"
#define IR_CLI_DIAG_MODE_TIMEOUT_MS 3000

static gboolean
ir_cli_diag_mode_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	const char *port = cli->args[0];
	g_autoptr (IrSession) session = ir_session_open (port, error);
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error_local = NULL;

	if (session == NULL)
		return FALSE;
	/* a plain "AT" first ends whatever half line the port holds (DIAG
	 * bytes from an earlier probe); its answer does not matter */
	resp = ir_at_channel_command (
	    ir_session_get_channel (session), "AT", IR_CLI_DIAG_MODE_TIMEOUT_MS, cancellable, NULL);
	g_clear_pointer (&resp, ir_at_response_free);
	resp = ir_at_channel_command_ok (ir_session_get_channel (session),
					 IR_CLI_DIAG_MODE_COMMAND,
					 IR_CLI_DIAG_MODE_TIMEOUT_MS,
					 cancellable,
					 &error_local);
	if (resp == NULL) {
		g_propagate_prefixed_error (
		    error,
		    g_steal_pointer (&error_local),
		    "%s did not switch to DIAG mode (" IR_CLI_DIAG_MODE_COMMAND
		    "): is it a Qualcomm phone's AT port? ",
		    port);
		return FALSE;
	}
	if (cli->json)
		g_string_append_printf (
		    cli->out, "{\n  \"port\" : \"%s\",\n  \"protocol\" : \"diag\"\n}\n", port);
	else
		g_string_append_printf (
		    cli->out,
		    "%s switched to DIAG mode: identify it with imeictl identify "
		    "--protocol diag %s\n",
		    port,
		    port);
	return TRUE;
}

const IrCliCommand ir_cli_command_diag_mode = {
    .name = "diag-mode",
    .parameter_string = "PORT",
    .summary = "Switch a Qualcomm phone's AT port to DIAG (AT$QCDMG)",
    .description = "Sends AT$QCDMG on PORT, the AT port of a Qualcomm phone that opens its\n"
		   "DIAG (QCDM) protocol only when asked; the port then speaks DIAG until the\n"
		   "phone restarts. Writes nothing to the phone's memory.",
    .entries = NULL,
    .min_args = 1,
    .max_args = 1,
    .uses_device = FALSE,
    .run = ir_cli_diag_mode_run,
};
