/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-loop.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-engine.h"
#include "ir-error.h"

/* imeictl recover [PORT...]: the INTENTs of the migration log whose
 * outcome is not known (the restore was interrupted, or the phone went
 * away after the write). Without PORT: lists them. With PORTs: reads each
 * phone and records a RESULT "recovered" for its pending INTENTs, without
 * restoring anything. imeictl restore does the same first, on its own.
 * A thin client of IrEngine (ir_engine_open_log(), ir_engine_recover_async()). */

typedef struct {
	char *state_dir;
} IrCliRecoverOptions;

static const GOptionEntry ir_cli_recover_entries[] = {
    {"state-dir",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliRecoverOptions, state_dir),
     "The restore state folder (default: $IMEIRESTORE_STATE_DIR, else "
     "$XDG_DATA_HOME/imeirestore)",
     "DIR"},
    {NULL},
};

static char *
ir_cli_recover_state_dir (const IrCliRecoverOptions *opts)
{
	const char *env = g_getenv ("IMEIRESTORE_STATE_DIR");

	if (opts->state_dir != NULL)
		return g_strdup (opts->state_dir);
	if (env != NULL && env[0] != '\0')
		return g_strdup (env);
	return g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
}

static gboolean
ir_cli_recover_prepare (IrCli *cli, GError **error)
{
	g_autofree char *dir = ir_cli_recover_state_dir (cli->options);
	IrEngine *engine = ir_engine_new ();

	cli->state = engine;
	return ir_engine_open_log (engine, dir, error);
}

static const char *
ir_cli_recover_phone (JsonObject *intent, const char *name)
{
	JsonNode *node = json_object_get_member (intent, "phone");

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
		return NULL;
	return json_object_get_string_member_with_default (json_node_get_object (node), name, NULL);
}

static char *
ir_cli_recover_slots (JsonObject *intent, const char *name)
{
	JsonNode *node = json_object_get_member (intent, name);
	g_autoptr (GString) s = g_string_new (NULL);
	JsonArray *arr;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
		return g_strdup ("-");
	arr = json_node_get_array (node);
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		const char *imei = json_array_get_string_element (arr, i);
		g_string_append_printf (s, "%s%s", i > 0 ? "," : "", imei != NULL ? imei : "-");
	}
	return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
ir_cli_recover_list (IrCli *cli, GPtrArray *pending)
{
	const char *log_path = ir_engine_get_log_path (cli->state);

	if (cli->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;
		g_autofree char *text = NULL;

		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "log", log_path);
		json_builder_set_member_name (b, "pending");
		json_builder_begin_array (b);
		for (guint i = 0; i < pending->len; i++) {
			JsonObject *intent = g_ptr_array_index (pending, i);
			JsonNode *node = json_node_new (JSON_NODE_OBJECT);
			json_node_set_object (node, intent);
			json_builder_add_value (b, node);
		}
		json_builder_end_array (b);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = ir_cli_output_json_to_string (root);
		g_string_append (cli->out, text);
		return;
	}
	if (pending->len == 0) {
		g_string_append_printf (cli->out,
					"No pending INTENT in %s: every restore has its outcome.\n",
					log_path);
		return;
	}
	{
		g_autoptr (IrCliTable) table = ir_cli_table_new (7);
		ir_cli_table_add_row (
		    table, "SEQ", "TIME", "INTENT", "PORT", "SERIAL", "HARDWARE ID", "TARGET");
		for (guint i = 0; i < pending->len; i++) {
			JsonObject *intent = g_ptr_array_index (pending, i);
			g_autofree char *seq = g_strdup_printf (
			    "%" G_GINT64_FORMAT,
			    json_object_get_int_member_with_default (intent, "seq", -1));
			g_autofree char *target = ir_cli_recover_slots (intent, "imeis_target");
			ir_cli_table_add_row (
			    table,
			    seq,
			    json_object_get_string_member_with_default (intent, "time", "-"),
			    json_object_get_string_member_with_default (intent, "intent_id", "-"),
			    ir_cli_recover_phone (intent, "port"),
			    ir_cli_recover_phone (intent, "serial"),
			    ir_cli_recover_phone (intent, "hardware_id"),
			    target);
		}
		ir_cli_table_render (table, cli->out);
		g_string_append (cli->out,
				 "Connect each phone and run imeictl recover PORT (or imeictl "
				 "restore PORT) to record what it holds.\n");
	}
}

static gboolean
ir_cli_recover_port (IrCli *cli, const char *port, GCancellable *cancellable, GError **error)
{
	g_auto (IrCliLoop) loop = {0};
	guint n = 0;

	ir_cli_loop_init (&loop);
	ir_engine_recover_async (cli->state, port, NULL, cancellable, ir_cli_loop_done, &loop);
	if (!ir_engine_recover_finish (cli->state, ir_cli_loop_wait (&loop), &n, error))
		return FALSE;
	if (!cli->json)
		g_string_append_printf (
		    cli->out, "%s: %u pending INTENT%s recovered\n", port, n, n == 1 ? "" : "s");
	return TRUE;
}

static gboolean
ir_cli_recover_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	g_autoptr (GPtrArray) pending = NULL;

	for (guint i = 0; cli->args[i] != NULL; i++) {
		if (!ir_cli_recover_port (cli, cli->args[i], cancellable, error))
			return FALSE;
	}
	/* what is still pending, after the phones given */
	pending = ir_engine_get_pending (cli->state, error);
	if (pending == NULL)
		return FALSE;
	ir_cli_recover_list (cli, pending);
	return TRUE;
}

const IrCliCommand ir_cli_command_recover = {
    .name = "recover",
    .parameter_string = "[PORT...]",
    .summary = "List restores whose outcome is unknown; record what a phone holds",
    .description =
	"Without PORT, lists the pending INTENTs of this workstation's migration log:\n"
	"restores that were interrupted, or whose phone went away after the write.\n"
	"With PORTs, reads each phone and appends a RESULT \"recovered\" with the IMEIs\n"
	"it holds for each of its pending INTENTs, then lists what is still pending.\n"
	"Nothing is written to a phone. imeictl restore does the same before it\n"
	"touches a phone that has a pending INTENT. See imeictl(1), RECOVERY.",
    .entries = ir_cli_recover_entries,
    .options_size = sizeof (IrCliRecoverOptions),
    .min_args = 0,
    .max_args = G_MAXUINT,
    .uses_device = TRUE,
    .prepare = ir_cli_recover_prepare,
    .run = ir_cli_recover_run,
    .state_free = g_object_unref,
};
