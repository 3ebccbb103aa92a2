/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "ir-error.h"
#include "ir-sim-config.h"

/* Exit codes, documented in imei-sim(1). */
#define IR_SIM_EXIT_OK	      0
#define IR_SIM_EXIT_FAILURE   1
#define IR_SIM_EXIT_BAD_INPUT 2

typedef struct _IrSimApp IrSimApp;
struct _IrSimApp {
	IrSimPhoneConfig *config; /* the phone the flags describe */
	char *config_path;
	gboolean version;
	gboolean name_set;
	GPtrArray *phones; /* IrSimPhone */
	GMainLoop *loop;
	guint n_hung_up;
};

static void
ir_sim_app_clear (IrSimApp *app)
{
	g_clear_pointer (&app->config, ir_sim_phone_config_free);
	g_clear_pointer (&app->config_path, g_free);
	g_clear_pointer (&app->phones, g_ptr_array_unref);
	g_clear_pointer (&app->loop, g_main_loop_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrSimApp, ir_sim_app_clear)

/* Every phone flag is a config key: "--drop-rate 0.1" is drop-rate=0.1, so
 * flags and --config files accept and refuse exactly the same values. */
static gboolean
ir_sim_app_option_cb (const char *option_name, const char *value, gpointer data, GError **error)
{
	IrSimApp *app = data;
	const char *key = option_name + 2;
	const char *val = value;

	if (g_strcmp0 (key, "name") == 0) {
		g_free (app->config->name);
		app->config->name = g_strdup (value);
		app->name_set = TRUE;
		return TRUE;
	}
	if (g_strcmp0 (key, "echo") == 0 || g_strcmp0 (key, "no-stick") == 0 ||
	    g_strcmp0 (key, "disconnect-after-write") == 0 ||
	    g_strcmp0 (key, "spc-required") == 0 || g_strcmp0 (key, "needs-qcdmg") == 0) {
		val = "true";
	} else if (g_strcmp0 (key, "no-echo") == 0) {
		key = "echo";
		val = "false";
	}
	if (!ir_sim_phone_config_set (app->config, key, val, error)) {
		g_prefix_error (error, "%s: ", option_name);
		return FALSE;
	}
	return TRUE;
}

#define IR_SIM_FLAG(name, arg, desc, arg_desc)                                                     \
	{                                                                                          \
		name, 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)ir_sim_app_option_cb, desc, arg_desc  \
	}
#define IR_SIM_SWITCH(name, desc)                                                                  \
	{                                                                                          \
		name, 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,                              \
		    (gpointer)ir_sim_app_option_cb, desc, NULL                                     \
	}

static gboolean
ir_sim_app_parse_args (IrSimApp *app, int *argc, char ***argv, GError **error)
{
	const GOptionEntry entries[] = {
	    IR_SIM_FLAG ("name", 0, "Phone name printed before its path (default: phone)", "NAME"),
	    IR_SIM_FLAG (
		"family",
		0,
		"Protocol family: 3gpp, mediatek, quectel, simcom, unisoc, secure-restore-v1, "
		"qualcomm",
		"FAMILY"),
	    IR_SIM_FLAG ("manufacturer", 0, "+CGMI answer", "TEXT"),
	    IR_SIM_FLAG ("model", 0, "+CGMM answer", "TEXT"),
	    IR_SIM_FLAG ("revision", 0, "+CGMR answer (firmware)", "TEXT"),
	    IR_SIM_FLAG ("serial", 0, "+CGSN=0 answer", "TEXT"),
	    IR_SIM_FLAG ("hwid", 0, "Hardware id", "TEXT"),
	    IR_SIM_FLAG (
		"imei", 0, "IMEI of the next slot (repeat for slot 2; \"\" = empty)", "IMEI"),
	    IR_SIM_SWITCH ("echo", "Echo commands (ATE1, the default)"),
	    IR_SIM_SWITCH ("no-echo", "Do not echo commands (ATE0)"),
	    IR_SIM_FLAG ("state", 0, "Keep the IMEIs in FILE across restarts", "FILE"),
	    IR_SIM_FLAG ("link", 0, "Keep a symlink PATH to the pseudo-terminal", "PATH"),
	    IR_SIM_FLAG ("latency", 0, "Wait MS milliseconds before each answer", "MS"),
	    IR_SIM_FLAG ("drop-rate", 0, "Lose each answer byte with probability P", "P"),
	    IR_SIM_FLAG ("garble-rate", 0, "Flip each answer byte with probability P", "P"),
	    IR_SIM_FLAG ("seed", 0, "Seed for --drop-rate and --garble-rate (default 0)", "N"),
	    IR_SIM_FLAG ("disconnect-after", 0, "Hang up after answering N commands", "N"),
	    IR_SIM_FLAG ("write-error", 0, "Answer writes with ERROR or CME:N", "ERROR|CME:N"),
	    IR_SIM_FLAG ("read-only-slot", 0, "Refuse writes to slot N (1 or 2; repeatable)", "N"),
	    IR_SIM_SWITCH ("no-stick", "Writes answer OK but change nothing"),
	    IR_SIM_SWITCH ("disconnect-after-write", "Hang up once a write is answered"),
	    IR_SIM_FLAG ("spc", 0, "The DIAG phone's service programming code", "DIGITS"),
	    IR_SIM_SWITCH ("spc-required", "DIAG NV writes need the SPC first"),
	    IR_SIM_SWITCH ("needs-qcdmg", "The DIAG phone speaks AT until AT$QCDMG"),
	    IR_SIM_FLAG ("bad-crc-command",
			 0,
			 "Corrupt the CRC of the first DIAG answer to command CODE",
			 "CODE"),
	    IR_SIM_FLAG ("drop-terminator-command",
			 0,
			 "Drop the 0x7E of the first DIAG answer to command CODE",
			 "CODE"),
	    IR_SIM_FLAG ("charset",
			 0,
			 "Character set the phone was left in (+CSCS): IRA, GSM, UCS2, HEX",
			 "CHARSET"),
	    IR_SIM_FLAG ("result-codes",
			 0,
			 "verbose, or numeric: the phone was left in ATV0",
			 "verbose|numeric"),
	    IR_SIM_FLAG ("ring-during",
			 0,
			 "A call (RING, +CLIP) interrupts the first answer to COMMAND",
			 "COMMAND"),
	    IR_SIM_FLAG ("ring-final",
			 0,
			 "How the interrupted command ends: NO CARRIER (default), BUSY, NO ANSWER, "
			 "ERROR, or OK (the answer comes whole, RING in its middle)",
			 "FINAL"),
	    IR_SIM_FLAG ("vendor-disabled",
			 0,
			 "The firmware refuses the family's own commands (+EGMR, +SIMEI, +SPIMEI) "
			 "with ERROR, +CME ERROR: N, MODEM ERROR: N or NA",
			 "ERROR|CME:N|MODEM:N|NA"),
	    IR_SIM_FLAG ("slow-command",
			 0,
			 "Answer commands starting with COMMAND MS milliseconds late (the "
			 "answers to later commands are not held back)",
			 "COMMAND:MS"),
	    IR_SIM_FLAG ("replay", 0, "Play a recorded session as the device", "FILE"),
	    IR_SIM_FLAG (
		"trust-store",
		0,
		"Brand keys a secure-restore-v1 phone verifies tokens with (required there)",
		"FILE"),
	    {"config",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &app->config_path,
	     "Start the phones of FILE ([phone NAME] groups)",
	     "FILE"},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &app->version, "Print the version", NULL},
	    {NULL},
	};
	g_autoptr (GOptionContext) context = g_option_context_new (NULL);
	GOptionGroup *group = g_option_group_new ("imei-sim", "imei-sim", "imei-sim", app, NULL);

	g_option_group_add_entries (group, entries);
	g_option_context_set_main_group (context, group);
	g_option_context_set_summary (context,
				      "Simulated phones on pseudo-terminals, for QA: prints \"NAME "
				      "PATH\" per phone, then \"ready\".");
	g_option_context_set_description (context,
					  "Exit status: 0 stopped by SIGTERM/SIGINT or every phone "
					  "hung up, 1 failure, 2 bad flags or configuration.\n"
					  "See imei-sim(1) and docs/imei-sim.md.");
	if (!g_option_context_parse (context, argc, argv, error))
		return FALSE;
	if (*argc > 1) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unexpected argument \"%s\": every setting is a --flag",
			     (*argv)[1]);
		return FALSE;
	}
	return TRUE;
}

/* Flags describe one phone, a config file any number: not both at once. */
static GPtrArray *
ir_sim_app_get_configs (IrSimApp *app, GError **error)
{
	g_autoptr (GPtrArray) configs = NULL;

	if (app->config_path != NULL) {
		GHashTableIter iter;
		const char *key = NULL;
		g_hash_table_iter_init (&iter, app->config->keys_set);
		if (g_hash_table_iter_next (&iter, (gpointer *)&key, NULL) || app->name_set) {
			if (key == NULL)
				key = "name";
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "--%s: cannot be combined with --config: put %s= in the "
				     "[phone NAME] group of %s",
				     key,
				     key,
				     app->config_path);
			return NULL;
		}
		return ir_sim_config_load (app->config_path, error);
	}
	if (!ir_sim_phone_config_validate (app->config, error)) {
		g_prefix_error (error, "--");
		return NULL;
	}
	configs = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_phone_config_free);
	g_ptr_array_add (configs, g_steal_pointer (&app->config));
	return g_steal_pointer (&configs);
}

static void
ir_sim_app_hangup_cb (IrSimPhone *phone, gpointer user_data)
{
	IrSimApp *app = user_data;

	g_printerr ("imei-sim: %s hung up after %u commands\n",
		    ir_sim_phone_get_path (phone),
		    ir_sim_phone_get_n_commands (phone));
	/* nothing left to serve: a script restarts imei-sim for a "reboot" */
	if (++app->n_hung_up == app->phones->len)
		g_main_loop_quit (app->loop);
}

static gboolean
ir_sim_app_signal_cb (gpointer user_data)
{
	IrSimApp *app = user_data;
	g_main_loop_quit (app->loop);
	return G_SOURCE_CONTINUE;
}

/* Creates every phone before printing anything: a bad state file or link
 * on the last phone must not leave the first ones announced. */
static gboolean
ir_sim_app_create_phones (IrSimApp *app, GPtrArray *configs, GError **error)
{
	app->phones = g_ptr_array_new_with_free_func (g_object_unref);
	for (guint i = 0; i < configs->len; i++) {
		IrSimPhoneConfig *config = g_ptr_array_index (configs, i);
		IrSimPhone *phone = ir_sim_phone_config_create_phone (config, error);
		if (phone == NULL) {
			g_prefix_error (error, "phone %s: ", config->name);
			return FALSE;
		}
		g_signal_connect (phone, "hangup", G_CALLBACK (ir_sim_app_hangup_cb), app);
		g_ptr_array_add (app->phones, phone);
	}
	return TRUE;
}

static int
ir_sim_app_run (IrSimApp *app, GPtrArray *configs)
{
	app->loop = g_main_loop_new (NULL, FALSE);
	g_unix_signal_add (SIGTERM, ir_sim_app_signal_cb, app);
	g_unix_signal_add (SIGINT, ir_sim_app_signal_cb, app);
	for (guint i = 0; i < app->phones->len; i++) {
		IrSimPhone *phone = g_ptr_array_index (app->phones, i);
		IrSimPhoneConfig *config = g_ptr_array_index (configs, i);
		ir_sim_phone_start (phone, NULL);
		g_print ("%s %s\n", config->name, ir_sim_phone_get_path (phone));
	}
	/* scripts wait for this line before opening the ports */
	g_print ("ready\n");
	fflush (stdout);
	g_main_loop_run (app->loop);
	/* stopping saves each phone's state; finalizing removes its link */
	for (guint i = 0; i < app->phones->len; i++)
		ir_sim_phone_stop (g_ptr_array_index (app->phones, i));
	g_clear_pointer (&app->phones, g_ptr_array_unref);
	return IR_SIM_EXIT_OK;
}

static int
ir_sim_app_exit_code (const GError *error)
{
	if (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT) ||
	    g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND) ||
	    error->domain == G_OPTION_ERROR)
		return IR_SIM_EXIT_BAD_INPUT;
	return IR_SIM_EXIT_FAILURE;
}

int
main (int argc, char *argv[])
{
	g_auto (IrSimApp) app = {NULL};
	g_autoptr (GPtrArray) configs = NULL;
	g_autoptr (GError) error = NULL;

	setlocale (LC_ALL, "");
	/* standard output is the "NAME PATH" lines and "ready" only: debug
	 * messages (G_MESSAGES_DEBUG) go to standard error */
	g_log_writer_default_set_use_stderr (TRUE);
	app.config = ir_sim_phone_config_new ("phone");
	if (!ir_sim_app_parse_args (&app, &argc, &argv, &error)) {
		g_printerr ("imei-sim: %s (see imei-sim --help)\n", error->message);
		return IR_SIM_EXIT_BAD_INPUT;
	}
	if (app.version) {
		g_print ("imei-sim %s\n", PACKAGE_VERSION);
		return IR_SIM_EXIT_OK;
	}
	configs = ir_sim_app_get_configs (&app, &error);
	if (configs == NULL) {
		g_printerr ("imei-sim: %s\n", error->message);
		return IR_SIM_EXIT_BAD_INPUT;
	}
	if (!ir_sim_app_create_phones (&app, configs, &error)) {
		g_printerr ("imei-sim: %s\n", error->message);
		return ir_sim_app_exit_code (error);
	}
	return ir_sim_app_run (&app, configs);
}
