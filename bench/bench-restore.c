/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir-engine.h"
#include "ir-restore.h"
#include "ir-protocols.h"

/* A restoration end to end on loopback: a development PKI, imei-brandd and
 * imei-sim, all started here.
 *  1. One phone (Quectel, one slot) through the core flow in-process,
 *     N times (argument 1, default 20): identify, token over mutual TLS,
 *     verify, write, read back, report. The phone is wiped again with a
 *     plain AT write between runs (not timed). Median and p90.
 *  2. restore --all through IrEngine (ir_engine_restore_many_async(),
 *     the call imeictl restore --all and the app make, driven from a
 *     GMainLoop) with 1, 16 and 64 phones, each answering after 50 ms
 *     (imei-sim latency), fresh phones for each run: wall time of each
 *     and the ratios 16/1 and 64/1 (1.0 would be perfect parallelism),
 *     medians of BENCH_ALL_ROUNDS rounds.
 *  3. restore --all of 16 phones on an engine opened for it, with the
 *     brand client's connections kept alive (the default) and with a new
 *     connection per request (the baseline): requests, TLS handshakes
 *     (new connections), requests per handshake and wall time.
 *     Prints figures; never fails on a time. */

#define BENCH_DEFAULT_RUNS 20
/* the batch sizes of part 2, and the phones registered for them */
static const guint bench_sizes[] = {1, 16, 64};
#define BENCH_ALL_ROUNDS       3
#define BENCH_HANDSHAKE_PHONES 16
#define BENCH_DEVICES	       (BENCH_ALL_ROUNDS * (1 + 16 + 64) + 2 * BENCH_HANDSHAKE_PHONES)
#define BENCH_LATENCY_MS       50
#define BENCH_TAC	       "35209900"

static char *pki = NULL;
static char *workdir = NULL;

static void
die (const char *what, const GError *error)
{
	fprintf (
	    stderr, "bench-restore: %s: %s\n", what, error != NULL ? error->message : "failed");
	exit (1);
}

static const char *
prog (const char *env, const char *built)
{
	const char *value = g_getenv (env);
	return value != NULL ? value : built;
}

static void
sh (const char *cmd)
{
	g_autoptr (GError) error = NULL;
	int status = 0;
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

	if (!g_spawn_sync (NULL,
			   (char **)argv,
			   NULL,
			   G_SPAWN_DEFAULT,
			   NULL,
			   NULL,
			   NULL,
			   NULL,
			   &status,
			   &error) ||
	    !g_spawn_check_wait_status (status, &error))
		die (cmd, error);
}

/* IMEI with its Luhn check digit for serial number @n under BENCH_TAC. */
static char *
imei_for (guint n)
{
	g_autofree char *id = g_strdup_printf (BENCH_TAC "%06u", n);
	return g_strdup_printf ("%s%c", id, ir_imei_check_digit (id));
}

static char *
start_server (GSubprocess **proc)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1\n");
	g_autofree char *conf = NULL;
	g_autofree char *cmd = NULL;
	g_autofree char *line = NULL;
	g_autoptr (GDataInputStream) out = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *db = g_build_filename (workdir, "brandd.db", NULL);
	g_autofree char *conf_path = g_build_filename (workdir, "brandd.conf", NULL);
	g_autofree char *csv_path = g_build_filename (workdir, "devices.csv", NULL);
	const char *brandd = prog ("IMEI_BRANDD", IR_BENCH_IMEI_BRANDD);

	for (guint i = 0; i <= BENCH_DEVICES; i++) {
		g_autofree char *imei = imei_for (i + 1);
		g_string_append_printf (
		    csv, "BENCH-%02u,,Quectel,EC25," BENCH_TAC ",%s\n", i, imei);
	}
	conf = g_strdup_printf ("[server]\nlisten=127.0.0.1:0\ndatabase=%s\n"
				"[tls]\ncertificate=%s/server.pem\nprivate-key=%s/server.key\n"
				"client-ca=%s/ca.pem\n"
				"[tokens]\nsigning-key=%s/token-ed25519.key\nalgorithm=EdDSA\n"
				"key-id=dev-ed25519-1\nphase=BENCH\n"
				"[centres]\ndefault-daily-quota=1000000\n",
				db,
				pki,
				pki,
				pki,
				pki);
	if (!g_file_set_contents (conf_path, conf, -1, &error) ||
	    !g_file_set_contents (csv_path, csv->str, -1, &error))
		die ("writing the server's files", error);
	cmd = g_strdup_printf (
	    "'%s' init-db --db '%s' >/dev/null && '%s' import --db '%s' '%s' >/dev/null",
	    brandd,
	    db,
	    brandd,
	    db,
	    csv_path);
	sh (cmd);
	*proc = g_subprocess_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, brandd, "serve", "--config", conf_path, NULL);
	if (*proc == NULL)
		die ("starting imei-brandd", error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
	if (line == NULL || !g_str_has_prefix (line, "listening on "))
		die ("imei-brandd did not say where it listens", error);
	return g_strdup (line + strlen ("listening on "));
}

/* imei-sim with @n phones BENCH-@first.. (wiped, @latency ms); returns
 * their paths. */
static GPtrArray *
start_phones (guint first, guint n, guint latency, GSubprocess **proc)
{
	g_autoptr (GString) ini = g_string_new (NULL);
	g_autofree char *path = g_build_filename (workdir, "phones.ini", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (GDataInputStream) out = NULL;
	GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i < n; i++)
		g_string_append_printf (ini,
					"[phone p%u]\nfamily=quectel\nserial=BENCH-%02u\n"
					"imei=000000000000000\nlatency=%u\n",
					i,
					first + i,
					latency);
	if (!g_file_set_contents (path, ini->str, -1, &error))
		die ("writing phones.ini", error);
	*proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				  &error,
				  prog ("IMEI_SIM", IR_BENCH_IMEI_SIM),
				  "--config",
				  path,
				  NULL);
	if (*proc == NULL)
		die ("starting imei-sim", error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
	for (;;) {
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
		const char *space;
		if (line == NULL)
			die ("imei-sim exited before ready", error);
		if (g_strcmp0 (line, "ready") == 0)
			break;
		space = strchr (line, ' ');
		if (space != NULL)
			g_ptr_array_add (paths, g_strdup (space + 1));
	}
	return paths;
}

static void
stop (GSubprocess *proc)
{
	g_subprocess_send_signal (proc, SIGTERM);
	g_subprocess_wait (proc, NULL, NULL);
	g_object_unref (proc);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;
	return (x > y) - (x < y);
}

static gdouble
percentile (GArray *sorted, guint pct)
{
	guint rank = (guint)((pct * (guint64)sorted->len + 99) / 100);
	return g_array_index (sorted, gdouble, MAX (rank, 1) - 1);
}

/* the benchmark answers yes to every plan: it restores its own phones */
static gboolean
bench_confirm (const IrRestoreResult *plan,
	       gpointer user_data,
	       GCancellable *cancellable,
	       GError **error)
{
	return TRUE;
}

static void
bench_one_phone (const char *url, guint runs)
{
	g_autofree char *ts = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *cert = g_build_filename (pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (pki, "technician-alice.key", NULL);
	g_autofree char *seen_path = g_build_filename (workdir, "token-seen", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTrustStore) trust = ir_trust_store_load (ts, &error);
	g_autoptr (IrBrandClient) client = NULL;
	g_autoptr (IrTokenSeen) seen = NULL;
	g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr (GPtrArray) paths = NULL;
	GSubprocess *sim = NULL;
	IrBrandClientConfig cfg = {.server_url = url, .cert_path = cert, .key_path = key};

	if (trust == NULL)
		die ("trust store", error);
	cfg.trust = trust;
	client = ir_brand_client_new (&cfg, NULL, &error);
	seen = ir_token_seen_open (seen_path, &error);
	if (client == NULL || seen == NULL)
		die ("brand client", error);
	paths = start_phones (0, 1, 0, &sim);
	for (guint i = 0; i < runs; i++) {
		IrRestoreOptions opts = {
		    .client = client, .trust = trust, .seen = seen, .confirm = bench_confirm};
		g_autoptr (IrSession) session =
		    ir_session_open (g_ptr_array_index (paths, 0), &error);
		g_autoptr (IrRestoreResult) r = NULL;
		g_autoptr (IrAtResponse) resp = NULL;
		gint64 t0;
		gdouble elapsed;

		if (session == NULL)
			die ("opening the phone", error);
		t0 = g_get_monotonic_time ();
		r = ir_restore_run (session, &opts, NULL);
		elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
		if (r->outcome != IR_RESTORE_RESTORED)
			die ("restore", r->error);
		g_array_append_val (ms, elapsed);
		/* wipe it again for the next run: untimed */
		resp = ir_at_channel_command_ok (ir_session_get_channel (session),
						 "AT+EGMR=1,7,\"000000000000000\"",
						 5000,
						 NULL,
						 &error);
		if (resp == NULL)
			die ("wiping the phone again", error);
	}
	stop (sim);
	g_array_sort (ms, compare_doubles);
	printf ("one phone end to end (Quectel, 1 slot, in-process core flow): %u runs\n", runs);
	printf ("  median %.1f ms   p90 %.1f ms   min %.1f ms\n\n",
		percentile (ms, 50),
		percentile (ms, 90),
		g_array_index (ms, gdouble, 0));
}

/* the benchmark answers yes to every plan: it restores its own phones */
static void
bench_engine_confirm (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	ir_restore_plan_answer (plan, TRUE);
}

static void
bench_engine_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;

	*out = g_object_ref (res);
}

static IrEngine *
bench_engine_open (const char *url, gboolean fresh_connections)
{
	g_autofree char *ts = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *cert = g_build_filename (pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (pki, "technician-alice.key", NULL);
	g_autofree char *state = g_build_filename (workdir, "state", NULL);
	IrEngineConfig cfg = {
	    .server_url = url,
	    .trust_store_path = ts,
	    .cert_path = cert,
	    .key_path = key,
	    .state_dir = state,
	    .workstation = "bench",
	    .brand_fresh_connections = fresh_connections,
	};
	g_autoptr (IrEngine) engine = ir_engine_new ();
	g_autoptr (GError) error = NULL;

	if (!ir_engine_open (engine, &cfg, &error))
		die ("opening the engine", error);
	return g_steal_pointer (&engine);
}

/* Wall time of one restore --all through the engine over @n fresh phones. */
static gdouble
bench_all (IrEngine *engine, guint first, guint n)
{
	g_autoptr (GPtrArray) paths = NULL;
	g_autoptr (GPtrArray) results = NULL;
	g_autoptr (GError) error = NULL;
	GAsyncResult *res = NULL;
	GSubprocess *sim = NULL;
	gint64 t0;
	gdouble elapsed;

	paths = start_phones (first, n, BENCH_LATENCY_MS, &sim);
	g_ptr_array_add (paths, NULL);
	t0 = g_get_monotonic_time ();
	ir_engine_restore_many_async (engine,
				      (const char *const *)paths->pdata,
				      NULL,
				      bench_engine_confirm,
				      NULL,
				      NULL,
				      bench_engine_done,
				      &res);
	while (res == NULL)
		g_main_context_iteration (NULL, TRUE);
	elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
	results = ir_engine_restore_many_finish (engine, res, &error);
	g_object_unref (res);
	if (results == NULL)
		die ("restore --all", error);
	for (guint i = 0; i < results->len; i++) {
		const IrRestoreResult *r = g_ptr_array_index (results, i);
		if (r->outcome != IR_RESTORE_RESTORED)
			die ("restore --all: a phone was not restored", r->error);
	}
	stop (sim);
	return elapsed;
}

static int
bench_cmp_double (gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static gdouble
bench_median (gdouble *values, guint n)
{
	g_autofree gdouble *sorted = g_memdup2 (values, n * sizeof (gdouble));

	qsort (sorted, n, sizeof (gdouble), bench_cmp_double);
	return sorted[n / 2];
}

/* Part 3: one restore --all of 16 phones on an engine of its own. */
static void
bench_handshakes (const char *url, guint first, gboolean fresh_connections)
{
	g_autoptr (IrEngine) engine = bench_engine_open (url, fresh_connections);
	IrBrandClient *client = ir_engine_get_client (engine);
	guint req0 = 0, conn0 = 0, req = 0, conn = 0;
	gdouble ms;

	ir_brand_client_get_connection_stats (client, &req0, &conn0);
	ms = bench_all (engine, first, BENCH_HANDSHAKE_PHONES);
	ir_brand_client_get_connection_stats (client, &req, &conn);
	req -= req0;
	conn -= conn0;
	printf ("  %-34s %4u requests %4u handshakes  %5.2f requests/handshake  %8.1f ms\n",
		fresh_connections ? "a new connection per request:" : "connections kept alive:",
		req,
		conn,
		conn > 0 ? (gdouble)req / conn : 0.0,
		ms);
}

int
main (int argc, char **argv)
{
	guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_RUNS;
	g_autoptr (GError) error = NULL;
	g_autofree char *cmd = NULL;
	g_autofree char *url = NULL;
	GSubprocess *server = NULL;
	g_autoptr (IrEngine) engine = NULL;
	gdouble ms[G_N_ELEMENTS (bench_sizes)][BENCH_ALL_ROUNDS];
	gdouble med[G_N_ELEMENTS (bench_sizes)];
	guint first = 0;

	ir_protocols_register ();
	runs = MAX (runs, 1);
	workdir = g_dir_make_tmp ("bench-restore-XXXXXX", &error);
	if (workdir == NULL)
		die ("temporary folder", error);
	pki = g_build_filename (workdir, "pki", NULL);
	cmd = g_strdup_printf ("'%s/certs/gen-dev-pki.sh' '%s' >/dev/null", IR_BENCH_SRCDIR, pki);
	sh (cmd);
	url = start_server (&server);

	bench_one_phone (url, runs);
	engine = bench_engine_open (url, FALSE);
	for (guint r = 0; r < BENCH_ALL_ROUNDS; r++) {
		for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++) {
			ms[i][r] = bench_all (engine, first, bench_sizes[i]);
			first += bench_sizes[i];
		}
	}
	g_clear_object (&engine);
	printf ("restore --all through IrEngine (at most %u workers), phones answering after "
		"%u ms each, median of %u rounds:\n",
		(guint)IR_ENGINE_DEFAULT_MAX_WORKERS,
		BENCH_LATENCY_MS,
		BENCH_ALL_ROUNDS);
	for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++) {
		med[i] = bench_median (ms[i], BENCH_ALL_ROUNDS);
		printf ("  %2u phone%s %8.1f ms\n",
			bench_sizes[i],
			bench_sizes[i] == 1 ? " " : "s",
			med[i]);
	}
	for (guint i = 1; i < G_N_ELEMENTS (bench_sizes); i++)
		printf ("  ratio %u/1: %.2fx (1.00 = fully parallel, %u.00 = serial)\n",
			bench_sizes[i],
			med[i] / med[0],
			bench_sizes[i]);
	printf ("restore --all of %u phones, TLS handshakes with the brand server:\n",
		BENCH_HANDSHAKE_PHONES);
	bench_handshakes (url, first, TRUE);
	bench_handshakes (url, first + BENCH_HANDSHAKE_PHONES, FALSE);
	fflush (stdout);

	stop (server);
	g_free (cmd);
	cmd = g_strdup_printf ("rm -rf '%s'", workdir);
	sh (cmd);
	return 0;
}
