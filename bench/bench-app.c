/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ir-app-window.h"
#include "ir-app.h"
#include "bench-stats.h"

/* bench-app: the GTK app, under an Xvfb of its own.
 *
 *  1. Start to first drawn window: imei-restore spawned RUNS times (default
 *     10), the time until it reports its first draw
 *     ($IMEIRESTORE_REPORT_FIRST_DRAW), and its RSS then; beside the same
 *     for a bare GTK window (this program with --bare-window), measured in
 *     the same run: median of each and their ratio.
 *  2. Restoring 1 and 8 simulated phones (50 ms per answer) through the
 *     app's own flow in this process: signed in, ports added, "Restore all
 *     eligible", every plan confirmed as it appears; wall time from the
 *     action to the last phone done, RUNS times each size (in turn):
 *     medians, extremes and the 8/1 ratio of the medians. The brand server
 *     and phones come from tests/gui/gui-fixture, fresh for each run.
 *
 * Prints figures; never fails on a time. */

#define BENCH_APP_RUNS	     10
#define BENCH_APP_MANY	     8
#define BENCH_APP_LATENCY_MS "50"

static void
bench_app_die (const char *what, const GError *error)
{
	g_printerr ("bench-app: %s: %s\n", what, error != NULL ? error->message : "failed");
	exit (1);
}

/* An X server for this process and its children. */
static GSubprocess *
bench_app_xvfb (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GSubprocess *xvfb;
	g_autofree char *line = NULL;
	g_autoptr (GDataInputStream) in = NULL;
	g_autofree char *display = NULL;

	xvfb = g_subprocess_launcher_spawn (launcher,
					    &error,
					    "Xvfb",
					    "-displayfd",
					    "1",
					    "-screen",
					    "0",
					    "1280x800x24",
					    "-nolisten",
					    "tcp",
					    NULL);
	if (xvfb == NULL)
		bench_app_die ("cannot start Xvfb", error);
	in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (xvfb));
	line = g_data_input_stream_read_line (in, NULL, NULL, &error);
	if (line == NULL)
		bench_app_die ("Xvfb gave no display", error);
	display = g_strdup_printf (":%s", g_strstrip (line));
	g_setenv ("DISPLAY", display, TRUE);
	g_setenv ("GDK_BACKEND", "x11", TRUE);
	g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv ("GSETTINGS_SCHEMA_DIR", IR_BENCH_SCHEMA_DIR, TRUE);
	g_setenv ("NO_AT_BRIDGE", "1", TRUE);
	/* what gui-fixture runs */
	g_setenv ("IMEI_SIM", IR_BENCH_IMEI_SIM, FALSE);
	g_setenv ("IMEI_BRANDD", IR_BENCH_IMEI_BRANDD, FALSE);
	g_setenv ("IR_SRCDIR", IR_BENCH_SRCDIR, FALSE);
	return xvfb;
}

static long
bench_app_rss_kb (GPid pid)
{
	g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int)pid);
	g_autofree char *text = NULL;
	const char *rss;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return -1;
	rss = strstr (text, "VmRSS:");
	return rss != NULL ? strtol (rss + 6, NULL, 10) : -1;
}

/* Seconds from spawning @argv to its "first-draw" line; *@rss_kb then. */
static double
bench_app_first_draw (const char *const *argv, long *rss_kb)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GSubprocess) proc = NULL;
	g_autoptr (GDataInputStream) in = NULL;
	gint64 start = g_get_monotonic_time ();
	double seconds = -1;

	g_subprocess_launcher_setenv (launcher, "IMEIRESTORE_REPORT_FIRST_DRAW", "1", TRUE);
	proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
	if (proc == NULL)
		bench_app_die (argv[0], error);
	in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	while (seconds < 0) {
		g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
		if (line == NULL)
			bench_app_die ("the app ended before it drew its window", error);
		if (g_str_has_prefix (line, "first-draw"))
			seconds = (g_get_monotonic_time () - start) / 1e6;
	}
	*rss_kb = bench_app_rss_kb (atoi (g_subprocess_get_identifier (proc)));
	g_subprocess_force_exit (proc);
	g_subprocess_wait (proc, NULL, NULL);
	return seconds;
}

static gboolean
bench_app_bare_drawn (GtkWidget *window, cairo_t *cr, gpointer user_data)
{
	g_print ("first-draw\n");
	return FALSE;
}

/* The baseline: a bare GTK window with one label. */
static int
bench_app_bare_window (void)
{
	GtkWidget *window;

	gtk_init (NULL, NULL);
	window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
	gtk_container_add (GTK_CONTAINER (window), gtk_label_new ("baseline"));
	gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
	g_signal_connect_after (window, "draw", G_CALLBACK (bench_app_bare_drawn), NULL);
	gtk_widget_show_all (window);
	gtk_main ();
	return 0;
}

static void
bench_app_startup (const char *self_path, guint runs)
{
	g_autoptr (GArray) app = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) rss = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) bare_rss = g_array_new (FALSE, FALSE, sizeof (double));
	const char *app_argv[] = {IR_BENCH_IMEI_RESTORE, NULL};
	const char *bare_argv[] = {self_path, "--bare-window", NULL};

	for (guint i = 0; i < runs; i++) {
		long kb = 0;
		double t = bench_app_first_draw (bare_argv, &kb);
		double k = kb;
		g_array_append_val (bare, t);
		g_array_append_val (bare_rss, k);
		t = bench_app_first_draw (app_argv, &kb);
		k = kb;
		g_array_append_val (app, t);
		g_array_append_val (rss, k);
	}
	printf ("start to first drawn window, median of %u:\n", runs);
	printf ("  imei-restore       %7.1f ms   RSS %6.1f MiB\n",
		bench_stats_array_median (app) * 1e3,
		bench_stats_array_median (rss) / 1024);
	printf ("  bare GTK window    %7.1f ms   RSS %6.1f MiB (baseline)\n",
		bench_stats_array_median (bare) * 1e3,
		bench_stats_array_median (bare_rss) / 1024);
	printf ("  ratio app/baseline %7.2f x\n",
		bench_stats_array_median (app) / bench_stats_array_median (bare));
}

typedef struct {
	IrApp *app;
	IrAppWindow *window;
	GPtrArray *ports;
	guint done;
} BenchFlow;

static gboolean
bench_app_flag (gpointer data)
{
	return *(gboolean *)data;
}

static void
bench_app_iterate_until (GSourceFunc condition, gpointer data)
{
	while (!condition (data))
		g_main_context_iteration (NULL, TRUE);
}

static gboolean
bench_app_signed_in (gpointer data)
{
	BenchFlow *flow = data;
	return !ir_signin_page_get_busy (ir_app_window_get_signin_page (flow->window));
}

static gboolean
bench_app_all_in (gpointer data)
{
	BenchFlow *flow = data;
	IrWorkbench *bench = ir_app_window_get_workbench (flow->window);

	return ir_workbench_get_n_eligible (bench) == flow->ports->len;
}

static void
bench_app_phone_changed (IrPhone *phone, gpointer data)
{
	BenchFlow *flow = data;

	/* the technician at the confirm page: Write IMEI */
	if (ir_phone_get_state (phone) == IR_PHONE_STATE_CONFIRM)
		ir_phone_answer (phone, TRUE);
	else if (ir_phone_get_state (phone) == IR_PHONE_STATE_DONE)
		flow->done++;
}

static gboolean
bench_app_all_done (gpointer data)
{
	BenchFlow *flow = data;
	return flow->done == flow->ports->len;
}

/* Starts gui-fixture with @n phones; its "name=value" lines in @values. */
static GSubprocess *
bench_app_fixture (guint n, GHashTable *values)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *count = g_strdup_printf ("%u", n);
	GSubprocess *proc =
	    g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
			      &error,
			      IR_BENCH_GUI_FIXTURE,
			      count,
			      "--latency",
			      BENCH_APP_LATENCY_MS,
			      NULL);
	g_autoptr (GDataInputStream) in = NULL;

	if (proc == NULL)
		bench_app_die ("gui-fixture", error);
	in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	for (;;) {
		g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
		char *eq;
		if (line == NULL)
			bench_app_die ("gui-fixture ended before it was ready", error);
		if (g_strcmp0 (line, "ready") == 0)
			return proc;
		eq = strchr (line, '=');
		if (eq != NULL) {
			*eq = '\0';
			g_hash_table_insert (values, g_strdup (line), g_strdup (eq + 1));
		}
	}
}

/* Seconds from "Restore all eligible" to the last of @n phones done. */
static double
bench_app_flow (BenchFlow *flow, guint n)
{
	g_autoptr (GHashTable) values =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr (GSubprocess) fixture = bench_app_fixture (n, values);
	g_autofree char *state = g_dir_make_tmp ("bench-app-XXXXXX", NULL);
	GSettings *settings = ir_app_get_settings (flow->app);
	IrWorkbench *bench = ir_app_window_get_workbench (flow->window);
	IrSigninPage *signin = ir_app_window_get_signin_page (flow->window);
	g_autoptr (GPtrArray) ports = g_ptr_array_new_with_free_func (g_free);
	gint64 start;
	double seconds;

	g_settings_set_string (settings, "server-url", g_hash_table_lookup (values, "url"));
	g_settings_set_string (settings, "credential", g_hash_table_lookup (values, "p12"));
	g_settings_set_string (settings, "trust-store", g_hash_table_lookup (values, "trust"));
	g_settings_set_string (settings, "state-dir", state);
	ir_signin_page_set_passphrase (signin, g_hash_table_lookup (values, "passphrase"));
	ir_signin_page_sign_in (signin);
	bench_app_iterate_until (bench_app_signed_in, flow);
	if (g_strcmp0 (ir_app_window_get_visible_page (flow->window), "workbench") != 0)
		bench_app_die ("the sign-in failed", NULL);
	flow->ports = ports;
	flow->done = 0;
	for (guint i = 0; i < n; i++) {
		g_autofree char *key = g_strdup_printf ("port%u", i);
		const char *port = g_hash_table_lookup (values, key);
		g_autoptr (GError) error = NULL;
		g_ptr_array_add (ports, g_strdup (port));
		if (!ir_workbench_add_port (bench, port, &error))
			bench_app_die (port, error);
		g_signal_connect (ir_workbench_get_phone (bench, port),
				  "changed",
				  G_CALLBACK (bench_app_phone_changed),
				  flow);
	}
	bench_app_iterate_until (bench_app_all_in, flow);
	start = g_get_monotonic_time ();
	g_action_group_activate_action (G_ACTION_GROUP (flow->window), "restore-all", NULL);
	bench_app_iterate_until (bench_app_all_done, flow);
	seconds = (g_get_monotonic_time () - start) / 1e6;
	g_action_group_activate_action (G_ACTION_GROUP (flow->window), "sign-out", NULL);
	g_output_stream_close (g_subprocess_get_stdin_pipe (fixture), NULL, NULL);
	g_subprocess_wait (fixture, NULL, NULL);
	flow->ports = NULL;
	return seconds;
}

static void
bench_app_restores (guint runs)
{
	BenchFlow flow = {0};
	g_autoptr (GError) error = NULL;
	g_autoptr (GArray) one = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) many = g_array_new (FALSE, FALSE, sizeof (double));
	gboolean mapped = FALSE;
	double m1, m8;

	gtk_init (NULL, NULL);
	flow.app = ir_app_new ();
	g_application_set_flags (G_APPLICATION (flow.app), G_APPLICATION_NON_UNIQUE);
	if (!g_application_register (G_APPLICATION (flow.app), NULL, &error))
		bench_app_die ("cannot register the app", error);
	g_application_activate (G_APPLICATION (flow.app));
	flow.window =
	    IR_APP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (flow.app)));
	mapped = TRUE;
	bench_app_iterate_until (bench_app_flag, &mapped);
	/* the sizes in turn, so that a change of the machine's load weighs on
	 * both medians alike */
	for (guint i = 0; i < runs; i++) {
		double t1 = bench_app_flow (&flow, 1);
		double t8 = bench_app_flow (&flow, BENCH_APP_MANY);
		g_array_append_val (one, t1);
		g_array_append_val (many, t8);
	}
	m1 = bench_stats_array_median (one);
	m8 = bench_stats_array_median (many);
	printf ("restore through the app (Restore all eligible, %s ms per answer), median of "
		"%u:\n",
		BENCH_APP_LATENCY_MS,
		runs);
	printf ("  1 phone   %7.2f s  (%.2f to %.2f)\n",
		m1,
		g_array_index (one, double, 0),
		g_array_index (one, double, one->len - 1));
	printf ("  %u phones  %7.2f s  (%.2f to %.2f)\n",
		BENCH_APP_MANY,
		m8,
		g_array_index (many, double, 0),
		g_array_index (many, double, many->len - 1));
	printf (
	    "  ratio %u/1  %7.2f x (1.00 would be perfectly parallel)\n", BENCH_APP_MANY, m8 / m1);
	gtk_widget_destroy (GTK_WIDGET (flow.window));
	g_object_unref (flow.app);
}

int
main (int argc, char **argv)
{
	guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_APP_RUNS;
	g_autoptr (GSubprocess) xvfb = NULL;

	if (argc > 1 && g_strcmp0 (argv[1], "--bare-window") == 0)
		return bench_app_bare_window ();
	xvfb = bench_app_xvfb ();
	if (runs == 0)
		runs = BENCH_APP_RUNS;
	bench_app_startup (argv[0], runs);
	bench_app_restores (runs);
	g_subprocess_force_exit (xvfb);
	g_subprocess_wait (xvfb, NULL, NULL);
	return 0;
}
