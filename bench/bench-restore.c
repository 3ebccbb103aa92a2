/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-raw-at.h"
#include "ir-engine.h"
#include "ir-progress.h"
#include "ir-restore.h"
#include "ir-protocols.h"
#include "bench-stats.h"

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
 *     medians of BENCH_ALL_ROUNDS rounds. Then where the time goes: the
 *     mean time a phone spends in each stage of the flow (from the
 *     engine's progress, as a front end sees it), and the CPU time per
 *     phone of this process (the engine), imei-sim and imei-brandd: on a
 *     loaded machine a batch waits for CPU, so CPU per phone is what
 *     decides the ratio there.
 *  3. restore --all of 16 phones on an engine opened for it, with the
 *     brand client's connections kept alive (the default) and with a new
 *     connection per request (the baseline): requests, TLS handshakes
 *     (new connections), requests per handshake and wall time.
 *  4. One restore end to end through IrEngine (the phone of part 1,
 *     connections kept alive, the migration log on disk) beside its raw
 *     baseline measured in the same run (issue 11): the same AT commands
 *     over a bare termios loop (open, cfmakeraw, write, read until the
 *     final result), one token request by plain libcurl over a kept-alive
 *     mutual-TLS connection, and two write+fdatasync of the INTENT's and
 *     the RESULT's bytes (with their signature lines) as the log holds
 *     them; medians of N runs and the ratio (target <= 1.3).
 *     Prints figures; never fails on a time. */

#define BENCH_DEFAULT_RUNS 20
/* the batch sizes of part 2, and the phones registered for them */
static const guint bench_sizes[] = {1, 16, 64};
#define BENCH_ALL_ROUNDS       3
#define BENCH_HANDSHAKE_PHONES 16
#define BENCH_DEVICES	       (BENCH_ALL_ROUNDS * (1 + 16 + 64) + 2 * BENCH_HANDSHAKE_PHONES)
#define BENCH_LATENCY_MS       50
#define BENCH_TAC	       "35209900"
#define BENCH_RAW_TIMEOUT_MS   5000 /* only to stop on a broken simulator */
#define BENCH_WIPE	       "AT+EGMR=1,7,\"000000000000000\""

static char *pki = NULL;
static char *workdir = NULL;
static char *server_pid = NULL; /* imei-brandd's, for its CPU time */

/* One batch size of part 2, summed over its rounds. */
typedef struct {
	gdouble stage_ms[IR_RESTORE_STAGE_DONE + 1]; /* over every phone */
	gdouble cpu_ms[3];			     /* this process, imei-sim, imei-brandd */
	guint phones;
} BenchBatch;

static const char *const bench_cpu_names[] = {"engine (bench)", "imei-sim", "imei-brandd"};

static void
bench_restore_die (const char *what, const GError *error)
{
	fprintf (
	    stderr, "bench-restore: %s: %s\n", what, error != NULL ? error->message : "failed");
	exit (1);
}

static const char *
bench_restore_prog (const char *env, const char *built)
{
	const char *value = g_getenv (env);
	return value != NULL ? value : built;
}

static void
bench_restore_sh (const char *cmd)
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
		bench_restore_die (cmd, error);
}

/* IMEI with its Luhn check digit for serial number @n under BENCH_TAC. */
static char *
bench_restore_imei_for (guint n)
{
	g_autofree char *id = g_strdup_printf (BENCH_TAC "%06u", n);
	return g_strdup_printf ("%s%c", id, ir_imei_check_digit (id));
}

/* imei-brandd with BENCH-00..BENCH_DEVICES registered, and @extra more
 * after them (part 4's raw token requests, one device each: a device
 * with a live token gets no other). */
static char *
bench_restore_start_server (guint extra, GSubprocess **proc)
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
	const char *brandd = bench_restore_prog ("IMEI_BRANDD", IR_BENCH_IMEI_BRANDD);

	for (guint i = 0; i <= BENCH_DEVICES + extra; i++) {
		g_autofree char *imei = bench_restore_imei_for (i + 1);
		g_string_append_printf (
		    csv, "BENCH-%02u,,Quectel,EC25," BENCH_TAC ",%s\n", i, imei);
	}
	/* every phone's worker connects from 127.0.0.1: the per-address
	 * handshake limit (16 by default, against floods) would shed 64
	 * workers' handshakes on a loaded machine, which is not what this
	 * measures */
	conf = g_strdup_printf ("[server]\nlisten=127.0.0.1:0\ndatabase=%s\n"
				"max-handshakes=256\nmax-handshakes-per-address=256\n"
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
		bench_restore_die ("writing the server's files", error);
	cmd = g_strdup_printf (
	    "'%s' init-db --db '%s' >/dev/null && '%s' import --db '%s' '%s' >/dev/null",
	    brandd,
	    db,
	    brandd,
	    db,
	    csv_path);
	bench_restore_sh (cmd);
	*proc = g_subprocess_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, brandd, "serve", "--config", conf_path, NULL);
	if (*proc == NULL)
		bench_restore_die ("starting imei-brandd", error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
	if (line == NULL || !g_str_has_prefix (line, "listening on "))
		bench_restore_die ("imei-brandd did not say where it listens", error);
	return g_strdup (line + strlen ("listening on "));
}

/* imei-sim with @n phones BENCH-@first.. (wiped, @latency ms); returns
 * their paths. */
static GPtrArray *
bench_restore_start_phones (guint first, guint n, guint latency, GSubprocess **proc)
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
		bench_restore_die ("writing phones.ini", error);
	*proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				  &error,
				  bench_restore_prog ("IMEI_SIM", IR_BENCH_IMEI_SIM),
				  "--config",
				  path,
				  NULL);
	if (*proc == NULL)
		bench_restore_die ("starting imei-sim", error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
	for (;;) {
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
		const char *space;
		if (line == NULL)
			bench_restore_die ("imei-sim exited before ready", error);
		if (g_strcmp0 (line, "ready") == 0)
			break;
		space = strchr (line, ' ');
		if (space != NULL)
			g_ptr_array_add (paths, g_strdup (space + 1));
	}
	return paths;
}

static void
bench_restore_stop (GSubprocess *proc)
{
	g_subprocess_send_signal (proc, SIGTERM);
	g_subprocess_wait (proc, NULL, NULL);
	g_object_unref (proc);
}

/* the benchmark answers yes to every plan: it restores its own phones */
static gboolean
bench_restore_confirm (const IrRestoreResult *plan,
		       gpointer user_data,
		       GCancellable *cancellable,
		       GError **error)
{
	return TRUE;
}

/* The phone on @path wiped again (AT+EGMR), for the next restore. */
static void
bench_restore_wipe (const char *path)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSession) session = ir_session_open (path, &error);
	g_autoptr (IrAtResponse) resp = NULL;

	if (session != NULL)
		resp = ir_at_channel_command_ok (
		    ir_session_get_channel (session), BENCH_WIPE, 5000, NULL, &error);
	if (resp == NULL)
		bench_restore_die ("wiping the phone again", error);
}

/* Part 1 on the phone at @path; then one more restore, untimed, with a
 * session recording: the AT commands a restore sends (part 4's raw loop
 * sends them again). */
static GStrv
bench_restore_one_phone (const char *url, guint runs, const char *path)
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
	g_autoptr (IrRecording) recording = ir_recording_new (path);
	IrBrandClientConfig cfg = {.server_url = url, .cert_path = cert, .key_path = key};

	if (trust == NULL)
		bench_restore_die ("trust store", error);
	cfg.trust = trust;
	client = ir_brand_client_new (&cfg, NULL, &error);
	seen = ir_token_seen_open (seen_path, &error);
	if (client == NULL || seen == NULL)
		bench_restore_die ("brand client", error);
	for (guint i = 0; i <= runs; i++) {
		IrRestoreOptions opts = {.client = client,
					 .trust = trust,
					 .seen = seen,
					 .confirm = bench_restore_confirm};
		g_autoptr (IrSession) session = ir_session_open (path, &error);
		g_autoptr (IrRestoreResult) r = NULL;
		gint64 t0;
		gdouble elapsed;

		if (session == NULL)
			bench_restore_die ("opening the phone", error);
		if (i == runs)
			ir_session_set_recording (session, recording);
		t0 = g_get_monotonic_time ();
		r = ir_restore_run (session, &opts, NULL);
		elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
		if (r->outcome != IR_RESTORE_RESTORED)
			bench_restore_die ("restore", r->error);
		if (i < runs)
			g_array_append_val (ms, elapsed);
		g_clear_pointer (&session, g_object_unref);
		/* wipe it again for the next run: untimed */
		bench_restore_wipe (path);
	}
	printf ("one phone end to end (Quectel, 1 slot, in-process core flow): %u runs\n", runs);
	printf ("  median %.1f ms   p90 %.1f ms   min %.1f ms\n\n",
		bench_stats_array_median (ms),
		bench_stats_array_percentile (ms, 90),
		bench_stats_array_percentile (ms, 0));
	return bench_raw_at_commands (recording);
}

/* the benchmark answers yes to every plan: it restores its own phones */
static void
bench_restore_engine_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;

	*out = g_object_ref (res);
}

static IrEngine *
bench_restore_engine_open (const char *url, gboolean fresh_connections)
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
		bench_restore_die ("opening the engine", error);
	return g_steal_pointer (&engine);
}

/* CPU time (user + system) of process @pid so far, in ms, from
 * /proc/PID/stat (utime and stime, fields 14 and 15). */
static gdouble
bench_restore_cpu_ms (const char *pid)
{
	g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
	g_autofree char *text = NULL;
	g_auto (GStrv) fields = NULL;
	const char *end;

	if (!g_file_get_contents (path, &text, NULL, NULL) || (end = strrchr (text, ')')) == NULL)
		return 0.0;
	/* after "pid (comm)": field 3 is fields[0] */
	fields = g_strsplit (end + 2, " ", 16);
	if (g_strv_length (fields) < 14)
		return 0.0;
	return (gdouble)(g_ascii_strtoull (fields[11], NULL, 10) +
			 g_ascii_strtoull (fields[12], NULL, 10)) *
	       1000.0 / (gdouble)sysconf (_SC_CLK_TCK);
}

static void
bench_restore_cpu_now (const char *sim_pid, gdouble out[3])
{
	g_autofree char *self = g_strdup_printf ("%d", (int)getpid ());

	out[0] = bench_restore_cpu_ms (self);
	out[1] = bench_restore_cpu_ms (sim_pid);
	out[2] = bench_restore_cpu_ms (server_pid);
}

/* A phone's progress in a batch: a stage lasts from its update to the
 * next (as delivered on this thread). */
typedef struct {
	BenchBatch *batch;
	IrRestoreStage stage;
	gint64 since;
} BenchChild;

static void
bench_child_changed_to (BenchChild *c, IrRestoreStage stage)
{
	gint64 now = g_get_monotonic_time ();

	if (stage == c->stage)
		return;
	c->batch->stage_ms[c->stage] += (gdouble)(now - c->since) / 1000.0;
	c->stage = stage;
	c->since = now;
}

static void
bench_child_changed (IrProgress *child, gpointer user_data)
{
	bench_child_changed_to (user_data, ir_progress_get_stage (child));
}

static void
bench_child_free (gpointer data, GClosure *closure)
{
	g_free (data);
}

static void
bench_child_added (IrProgress *parent, IrProgress *child, gpointer user_data)
{
	BenchChild *c = g_new0 (BenchChild, 1);

	c->batch = user_data;
	c->stage = ir_progress_get_stage (child);
	c->since = g_get_monotonic_time ();
	c->batch->phones++;
	g_signal_connect_data (
	    child, "changed", G_CALLBACK (bench_child_changed), c, bench_child_free, 0);
}

/* Wall time of one restore --all through the engine over @n fresh phones;
 * @batch (or NULL) gets the stages' times and the CPU times. */
static gdouble
bench_restore_all (IrEngine *engine, guint first, guint n, BenchBatch *batch)
{
	g_autoptr (GPtrArray) paths = NULL;
	g_autoptr (GPtrArray) results = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrProgress) progress = ir_progress_new ();
	GAsyncResult *res = NULL;
	GSubprocess *sim = NULL;
	gdouble cpu0[3], cpu1[3];
	gint64 t0;
	gdouble elapsed;

	paths = bench_restore_start_phones (first, n, BENCH_LATENCY_MS, &sim);
	g_ptr_array_add (paths, NULL);
	if (batch != NULL)
		g_signal_connect (progress, "child-added", G_CALLBACK (bench_child_added), batch);
	bench_restore_cpu_now (g_subprocess_get_identifier (sim), cpu0);
	t0 = g_get_monotonic_time ();
	ir_engine_restore_many_async (engine,
				      (const char *const *)paths->pdata,
				      progress,
				      ir_engine_confirm_yes, /* imeictl restore --yes */
				      NULL,
				      NULL,
				      bench_restore_engine_done,
				      &res);
	while (res == NULL)
		g_main_context_iteration (NULL, TRUE);
	elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
	bench_restore_cpu_now (g_subprocess_get_identifier (sim), cpu1);
	for (guint i = 0; batch != NULL && i < G_N_ELEMENTS (cpu0); i++)
		batch->cpu_ms[i] += cpu1[i] - cpu0[i];
	results = ir_engine_restore_many_finish (engine, res, &error);
	g_object_unref (res);
	if (results == NULL)
		bench_restore_die ("restore --all", error);
	for (guint i = 0; i < results->len; i++) {
		const IrRestoreResult *r = g_ptr_array_index (results, i);
		if (r->outcome != IR_RESTORE_RESTORED)
			bench_restore_die ("restore --all: a phone was not restored", r->error);
	}
	bench_restore_stop (sim);
	return elapsed;
}

/* Part 2's breakdown: each stage's mean time per phone, and the CPU time
 * per phone of each process, for each batch size. */
static void
bench_restore_all_print_batches (const BenchBatch *batches)
{
	printf ("  where a phone's time goes, mean ms per phone (stage from the engine's "
		"progress):\n  %-10s",
		"stage");
	for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++)
		printf (" %7u/%-2s", bench_sizes[i], "");
	printf ("\n");
	for (guint st = 0; st < IR_RESTORE_STAGE_DONE; st++) {
		printf ("  %-10s", ir_restore_stage_to_string ((IrRestoreStage)st));
		for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++)
			printf (" %10.1f",
				batches[i].phones > 0 ? batches[i].stage_ms[st] / batches[i].phones
						      : 0.0);
		printf ("\n");
	}
	printf ("  CPU ms per phone (user + system):\n");
	for (guint c = 0; c < G_N_ELEMENTS (bench_cpu_names); c++) {
		printf ("  %-16s", bench_cpu_names[c]);
		for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++)
			printf (" %3u: %6.1f",
				bench_sizes[i],
				batches[i].phones > 0 ? batches[i].cpu_ms[c] / batches[i].phones
						      : 0.0);
		printf ("\n");
	}
}

/* Part 3: one restore --all of 16 phones on an engine of its own. */
static void
bench_restore_handshakes (const char *url, guint first, gboolean fresh_connections)
{
	g_autoptr (IrEngine) engine = bench_restore_engine_open (url, fresh_connections);
	IrBrandClient *client = ir_engine_get_client (engine);
	guint req0 = 0, conn0 = 0, req = 0, conn = 0;
	gdouble ms;

	ir_brand_client_get_connection_stats (client, &req0, &conn0);
	ms = bench_restore_all (engine, first, BENCH_HANDSHAKE_PHONES, NULL);
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

/* ---- part 4: one restore against its raw baseline ---- */

typedef struct {
	GArray *ours;  /* ms, one restore through IrEngine */
	GArray *at;    /* ms, the AT commands over a bare termios loop */
	GArray *token; /* ms, one POST /v1/tokens over a kept-alive connection */
	GArray *sync;  /* ms, INTENT and RESULT: write + fdatasync each */
	GArray *raw;   /* ms, the sum of the three above */
	/* CPU ms over all runs: this process (getrusage, every thread) for
	 * ours and for the raw side; imei-sim and imei-brandd (/proc) for
	 * ours and for the raw side */
	gdouble cpu_self_ours, cpu_self_raw;
	gdouble cpu_sim_ours, cpu_sim_raw;
	gdouble cpu_server_ours, cpu_server_raw;
} BenchVsRaw;

/* user + system CPU time of this process, every thread, in ms */
static gdouble
bench_vs_raw_self_cpu_ms (void)
{
	struct rusage ru;

	getrusage (RUSAGE_SELF, &ru);
	return (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* One restore of the phone on @path through @engine, as
 * imeictl restore PORT runs it; its wall time in ms. */
static gdouble
bench_vs_raw_ours (IrEngine *engine, const char *path, BenchBatch *stages)
{
	g_autoptr (IrRestoreResult) r = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrProgress) progress = ir_progress_new ();
	GAsyncResult *res = NULL;
	gint64 t0 = g_get_monotonic_time ();
	gdouble elapsed;
	BenchChild *c = g_new0 (BenchChild, 1);

	/* where the time goes, stage by stage (as part 2 does for batches) */
	c->batch = stages;
	c->stage = IR_RESTORE_STAGE_OPEN;
	c->since = t0;
	stages->phones++;
	g_signal_connect_data (
	    progress, "changed", G_CALLBACK (bench_child_changed), c, bench_child_free, 0);
	ir_engine_restore_async (engine,
				 path,
				 progress,
				 ir_engine_confirm_yes, /* imeictl restore --yes */
				 NULL,
				 NULL,
				 bench_restore_engine_done,
				 &res);
	while (res == NULL)
		g_main_context_iteration (NULL, TRUE);
	elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
	bench_child_changed_to (c, IR_RESTORE_STAGE_DONE);
	r = ir_engine_restore_finish (engine, res, &error);
	g_object_unref (res);
	if (r == NULL)
		bench_restore_die ("restore through the engine", error);
	if (r->outcome != IR_RESTORE_RESTORED)
		bench_restore_die ("restore through the engine", r->error);
	return elapsed;
}

/* The last record of @type in the log at @log_path with the signature
 * line after it, as the writer wrote them (the bytes one append syncs). */
static char *
bench_vs_raw_append_bytes (const char *log_path, const char *type)
{
	g_autofree char *text = NULL;
	g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);
	g_auto (GStrv) lines = NULL;
	char *found = NULL;

	if (!g_file_get_contents (log_path, &text, NULL, NULL))
		bench_restore_die ("reading the engine's migration log", NULL);
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++) {
		if (strstr (lines[i], needle) == NULL)
			continue;
		g_free (found);
		found = g_strconcat (lines[i], "\n", lines[i + 1], "\n", NULL);
	}
	if (found == NULL)
		bench_restore_die ("no such record in the engine's migration log", NULL);
	return found;
}

static size_t
bench_vs_raw_collect (char *data, size_t size, size_t n, void *user_data)
{
	g_string_append_len (user_data, data, (gssize)(size * n));
	return size * n;
}

/* A plain libcurl handle for POST /v1/tokens with a technician's
 * certificate, TLS 1.3 and the brand CA: no pool, no JSON library. Bob's
 * certificate, never used with a workstation log: alice's is bound to
 * part 2's log, and the server wants that log's checkpoint with each of
 * her requests (the real flow sends it; the bare request does not). */
static CURL *
bench_vs_raw_curl (const char *url, struct curl_slist *headers, GString *answer)
{
	g_autofree char *target = g_strconcat (url, "/v1/tokens", NULL);
	g_autofree char *cert = g_build_filename (pki, "technician-bob.pem", NULL);
	g_autofree char *key = g_build_filename (pki, "technician-bob.key", NULL);
	g_autofree char *ca = g_build_filename (pki, "ca.pem", NULL);
	CURL *curl = curl_easy_init ();

	curl_easy_setopt (curl, CURLOPT_URL, target);
	curl_easy_setopt (curl, CURLOPT_SSLCERT, cert);
	curl_easy_setopt (curl, CURLOPT_SSLKEY, key);
	curl_easy_setopt (curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt (curl,
			  CURLOPT_SSLVERSION,
			  (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3));
	curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, bench_vs_raw_collect);
	curl_easy_setopt (curl, CURLOPT_WRITEDATA, answer);
	return curl;
}

/* One token for registered device BENCH-@device (wiped, as the phone):
 * the raw request's wall time in ms. */
static gdouble
bench_vs_raw_token (CURL *curl, GString *answer, guint device)
{
	g_autofree char *body =
	    g_strdup_printf ("{\"device\":{\"manufacturer\":\"Quectel\",\"model\":\"EC25\","
			     "\"serial\":\"BENCH-%02u\","
			     "\"family\":\"quectel\"},\"current_imeis\":[\"000000000000000\"]}",
			     device);
	gint64 t0 = g_get_monotonic_time ();
	long code = 0;
	CURLcode rc;

	g_string_truncate (answer, 0);
	curl_easy_setopt (curl, CURLOPT_COPYPOSTFIELDS, body);
	rc = curl_easy_perform (curl);
	curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code != 200 || strstr (answer->str, "\"token\"") == NULL) {
		fprintf (stderr,
			 "bench-restore: raw token request: %s, HTTP %ld: %s\n",
			 curl_easy_strerror (rc),
			 code,
			 answer->str);
		exit (1);
	}
	return (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
}

/* The AT commands of a restore over a bare termios loop, the port opened
 * and closed as the engine does: wall time in ms. The caller wipes the
 * phone again afterwards, untimed. */
static gdouble
bench_vs_raw_at (const char *path, const char *const *commands)
{
	g_autoptr (GError) error = NULL;
	gint64 t0 = g_get_monotonic_time ();
	gdouble elapsed;
	int fd = bench_raw_at_open (path, &error);

	if (fd < 0)
		bench_restore_die ("raw loop", error);
	for (guint c = 0; commands[c] != NULL; c++)
		if (!bench_raw_at_command (fd, commands[c], BENCH_RAW_TIMEOUT_MS, &error))
			bench_restore_die ("raw loop", error);
	close (fd);
	elapsed = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
	return elapsed;
}

/* write + fdatasync of each of @appends on @fd: wall time in ms */
static gdouble
bench_vs_raw_sync (int fd, const char *const *appends)
{
	gint64 t0 = g_get_monotonic_time ();

	for (guint i = 0; appends[i] != NULL; i++)
		if (write (fd, appends[i], strlen (appends[i])) != (ssize_t)strlen (appends[i]) ||
		    fdatasync (fd) != 0)
			bench_restore_die ("raw write+fdatasync", NULL);
	return (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
}

static void
bench_vs_raw_print (const char *what, GArray *ms)
{
	printf ("  %-52s %8.2f ms %8.2f ms\n",
		what,
		bench_stats_array_median (ms),
		bench_stats_array_percentile (ms, 90));
}

/* Part 4 on the phone at @path; @first_device: the first of the devices
 * registered for the raw token requests (@runs + 1 of them). */
static void
bench_vs_raw (const char *url,
	      guint runs,
	      const char *path,
	      const char *sim_pid,
	      GStrv commands,
	      guint first_device)
{
	/* the workstation of parts 2 and 3: the server binds the technician's
	 * certificate to the first workstation log it saw */
	g_autoptr (IrEngine) engine = bench_restore_engine_open (url, FALSE);
	g_autofree char *log_path = g_strdup (ir_engine_get_log_path (engine));
	g_autofree char *raw_path = g_build_filename (workdir, "raw-appends", NULL);
	g_autofree char *intent = NULL;
	g_autofree char *result = NULL;
	g_autoptr (GString) answer = g_string_new (NULL);
	struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
	BenchVsRaw b = {
	    .ours = g_array_new (FALSE, FALSE, sizeof (gdouble)),
	    .at = g_array_new (FALSE, FALSE, sizeof (gdouble)),
	    .token = g_array_new (FALSE, FALSE, sizeof (gdouble)),
	    .sync = g_array_new (FALSE, FALSE, sizeof (gdouble)),
	    .raw = g_array_new (FALSE, FALSE, sizeof (gdouble)),
	};
	CURL *curl = bench_vs_raw_curl (url, headers, answer);
	const char *appends[3] = {NULL, NULL, NULL};
	BenchBatch warm = {0};
	BenchBatch stages = {0};
	gdouble ratio;
	int fd;

	/* warm: the engine's first restore opens its connection, as the raw
	 * side's first request does; neither is timed */
	bench_vs_raw_ours (engine, path, &warm);
	bench_restore_wipe (path);
	bench_vs_raw_token (curl, answer, first_device);
	for (guint i = 0; i < runs; i++) {
		gdouble self0 = bench_vs_raw_self_cpu_ms ();
		gdouble sim0 = bench_restore_cpu_ms (sim_pid);
		gdouble server0 = bench_restore_cpu_ms (server_pid);
		gdouble ms = bench_vs_raw_ours (engine, path, &stages);

		b.cpu_self_ours += bench_vs_raw_self_cpu_ms () - self0;
		b.cpu_sim_ours += bench_restore_cpu_ms (sim_pid) - sim0;
		b.cpu_server_ours += bench_restore_cpu_ms (server_pid) - server0;
		g_array_append_val (b.ours, ms);
		bench_restore_wipe (path);
	}
	g_clear_object (&engine);
	intent = bench_vs_raw_append_bytes (log_path, "INTENT");
	result = bench_vs_raw_append_bytes (log_path, "RESULT");
	appends[0] = intent;
	appends[1] = result;
	fd = open (raw_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		bench_restore_die ("raw appends file", NULL);
	for (guint i = 0; i < runs; i++) {
		gdouble self0 = bench_vs_raw_self_cpu_ms ();
		gdouble sim0 = bench_restore_cpu_ms (sim_pid);
		gdouble server0 = bench_restore_cpu_ms (server_pid);
		gdouble at = bench_vs_raw_at (path, (const char *const *)commands);
		gdouble token = bench_vs_raw_token (curl, answer, first_device + 1 + i);
		gdouble sync = bench_vs_raw_sync (fd, appends);
		gdouble raw = at + token + sync;

		b.cpu_self_raw += bench_vs_raw_self_cpu_ms () - self0;
		b.cpu_sim_raw += bench_restore_cpu_ms (sim_pid) - sim0;
		b.cpu_server_raw += bench_restore_cpu_ms (server_pid) - server0;
		/* untimed, outside the CPU too: it opens a session (a /proc scan) */
		bench_restore_wipe (path);

		g_array_append_val (b.at, at);
		g_array_append_val (b.token, token);
		g_array_append_val (b.sync, sync);
		g_array_append_val (b.raw, raw);
	}
	close (fd);
	curl_easy_cleanup (curl);
	curl_slist_free_all (headers);

	printf ("\none restore end to end beside its raw baseline (the phone of part 1), %u runs:\n"
		"  %-52s %11s %11s\n",
		runs,
		"",
		"median",
		"p90");
	bench_vs_raw_print ("restore through IrEngine (log on disk, kept alive)", b.ours);
	printf ("  raw baseline:\n");
	{
		g_autofree char *what = g_strdup_printf ("  %u AT commands, bare termios loop",
							 g_strv_length (commands));
		bench_vs_raw_print (what, b.at);
	}
	bench_vs_raw_print ("  POST /v1/tokens, plain curl, kept-alive mTLS", b.token);
	bench_vs_raw_print ("  2 x write+fdatasync (INTENT, RESULT bytes)", b.sync);
	bench_vs_raw_print ("  sum", b.raw);
	ratio = bench_stats_array_median (b.ours) / bench_stats_array_median (b.raw);
	printf ("  ratio restore/raw (medians): %.2f (target <= 1.3)\n", ratio);
	printf ("  CPU per restore, ms (mean): this process %.2f (raw %.2f), imei-sim %.2f "
		"(raw %.2f), imei-brandd %.2f (raw %.2f)\n",
		b.cpu_self_ours / runs,
		b.cpu_self_raw / runs,
		b.cpu_sim_ours / runs,
		b.cpu_sim_raw / runs,
		b.cpu_server_ours / runs,
		b.cpu_server_raw / runs);
	printf ("  the restore's stages, mean ms (from the engine's progress):");
	for (guint st = 0; st <= IR_RESTORE_STAGE_DONE; st++) {
		if (stages.stage_ms[st] > 0)
			printf (" %s %.2f",
				ir_restore_stage_to_string ((IrRestoreStage)st),
				stages.stage_ms[st] / stages.phones);
	}
	printf ("\n");
	g_array_unref (b.ours);
	g_array_unref (b.at);
	g_array_unref (b.token);
	g_array_unref (b.sync);
	g_array_unref (b.raw);
}

/* Parts 2 and 3: restore --all of 1, 16 and 64 phones, then the
 * handshakes of 16; *@first is the next fresh phone. */
static void
bench_restore_parts_2_3 (const char *url, guint *first)
{
	g_autoptr (IrEngine) engine = bench_restore_engine_open (url, FALSE);
	gdouble ms[G_N_ELEMENTS (bench_sizes)][BENCH_ALL_ROUNDS];
	gdouble med[G_N_ELEMENTS (bench_sizes)];
	BenchBatch batches[G_N_ELEMENTS (bench_sizes)] = {0};

	for (guint r = 0; r < BENCH_ALL_ROUNDS; r++) {
		for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++) {
			ms[i][r] = bench_restore_all (engine, *first, bench_sizes[i], &batches[i]);
			*first += bench_sizes[i];
		}
	}
	g_clear_object (&engine);
	printf ("restore --all through IrEngine (at most %u workers), phones answering after "
		"%u ms each, median of %u rounds:\n",
		(guint)IR_ENGINE_DEFAULT_MAX_WORKERS,
		BENCH_LATENCY_MS,
		BENCH_ALL_ROUNDS);
	for (guint i = 0; i < G_N_ELEMENTS (bench_sizes); i++) {
		med[i] = bench_stats_median (ms[i], BENCH_ALL_ROUNDS);
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
	bench_restore_all_print_batches (batches);
	printf ("restore --all of %u phones, TLS handshakes with the brand server:\n",
		BENCH_HANDSHAKE_PHONES);
	bench_restore_handshakes (url, *first, TRUE);
	bench_restore_handshakes (url, *first + BENCH_HANDSHAKE_PHONES, FALSE);
}

int
main (int argc, char **argv)
{
	guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : BENCH_DEFAULT_RUNS;
	g_autoptr (GError) error = NULL;
	g_autofree char *cmd = NULL;
	g_autofree char *url = NULL;
	GSubprocess *server = NULL;
	guint first = 0;
	g_auto (GStrv) commands = NULL;
	g_autoptr (GPtrArray) one = NULL;
	GSubprocess *one_sim = NULL;

	ir_protocols_register ();
	runs = MAX (runs, 1);
	workdir = g_dir_make_tmp ("bench-restore-XXXXXX", &error);
	if (workdir == NULL)
		bench_restore_die ("temporary folder", error);
	pki = g_build_filename (workdir, "pki", NULL);
	cmd = g_strdup_printf ("'%s/certs/gen-dev-pki.sh' '%s' >/dev/null", IR_BENCH_SRCDIR, pki);
	bench_restore_sh (cmd);
	url = bench_restore_start_server (runs + 1, &server);
	server_pid = g_strdup (g_subprocess_get_identifier (server));

	one = bench_restore_start_phones (0, 1, 0, &one_sim);
	commands = bench_restore_one_phone (url, runs, g_ptr_array_index (one, 0));
	/* IR_BENCH_VS_RAW_ONLY=1: parts 1 and 4 only (part 4 needs part 1's
	 * commands), for a profiler */
	if (g_getenv ("IR_BENCH_VS_RAW_ONLY") == NULL)
		bench_restore_parts_2_3 (url, &first);
	bench_vs_raw (url,
		      runs,
		      g_ptr_array_index (one, 0),
		      g_subprocess_get_identifier (one_sim),
		      commands,
		      BENCH_DEVICES + 1);
	bench_restore_stop (one_sim);
	fflush (stdout);

	bench_restore_stop (server);
	g_free (cmd);
	cmd = g_strdup_printf ("rm -rf '%s'", workdir);
	bench_restore_sh (cmd);
	return 0;
}
