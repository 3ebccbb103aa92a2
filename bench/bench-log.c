/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ir-migration-log.h"
#include "ir-openssl-autoptr.h"
#include "bench-stats.h"

/* Durable append rate of the migration log (records/s, median of runs)
 * beside a raw loop of write + fdatasync of the same bytes (each record
 * line and its signature line) on the same filesystem, and the ratios: a
 * new log (inline layout: one write and one fdatasync a record, plus a
 * Merkle root and an Ed25519 signature), a log of the notes layout as
 * older versions wrote it (a second write and fsync for the checkpoint
 * file), and 8 threads appending to one inline log at once (group commit:
 * one fdatasync for every record waiting). Prints figures, never fails on
 * a time.
 *
 *   bench-log [RECORDS [RUNS]]   (default 200 records, 5 runs); the files
 *   go to $IR_BENCH_DIR, else the temporary directory. */

#define ORIGIN "imeirestore/BENCH/ws1"

static JsonObject *
bench_log_intent_fields (guint i)
{
	g_autofree char *id = g_strdup_printf ("%08x", i);
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autofree char *json = g_strdup_printf (
	    "{\"intent_id\":\"%s\",\"technician\":\"tech-1\",\"centre\":\"BENCH\","
	    "\"workstation\":\"ws1\",\"phone\":{\"port\":\"/dev/ttyUSB0\",\"manufacturer\":"
	    "\"MediaTek\",\"model\":\"MT6765\",\"serial\":\"SN%u\",\"hardware_id\":null,"
	    "\"family\":\"mediatek\"},\"imeis_before\":[\"000000000000000\",null],"
	    "\"imeis_target\":[\"490154203237518\",null],\"token_id\":\"%s\","
	    "\"token_sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	    "\"phase\":\"phase-1\"}",
	    id,
	    i,
	    id);

	if (!json_parser_load_from_data (parser, json, -1, NULL))
		abort ();
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
bench_log_rm_dir (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

/* each append's bytes: an inline log's record line and signature line */
static GPtrArray *
bench_log_split_appends (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	GPtrArray *appends = g_ptr_array_new_with_free_func (g_free);
	const char *p;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		abort ();
	for (p = text; *p != '\0';) {
		const char *nl = strchr (p, '\n');
		const char *end = nl != NULL ? strchr (nl + 1, '\n') : NULL;

		if (end == NULL)
			abort ();
		g_ptr_array_add (appends, g_strndup (p, (gsize)(end + 1 - p)));
		p = end + 1;
	}
	return appends;
}

typedef struct {
	IrMigrationLog *log;
	GPtrArray *fields; /* JsonObject, one a record: made before the clock starts */
	guint from;
	guint n;
	double cpu; /* seconds of CPU (user + system) this thread spent appending */
} Worker;

/* CPU seconds (user + system) of the calling thread: what an append costs
 * whatever the load, beside its wall time, which waits for a core. The
 * thread's CPU clock is the scheduler's exact runtime (getrusage's split
 * into user and system is scaled from ticks and can go by milliseconds). */
static double
bench_log_thread_cpu (void)
{
	struct timespec ts;

	if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		abort ();
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static gpointer
bench_log_append_thread (gpointer data)
{
	Worker *w = data;
	double cpu = bench_log_thread_cpu ();

	for (guint i = w->from; i < w->from + w->n; i++) {
		g_autoptr (GError) error = NULL;

		if (!ir_migration_log_append (
			w->log, IR_LOG_RECORD_INTENT, w->fields->pdata[i], NULL, &error)) {
			fprintf (stderr, "bench-log: %s\n", error->message);
			exit (1);
		}
	}
	w->cpu = bench_log_thread_cpu () - cpu;
	return NULL;
}

/* records/s of @n durable appends by @threads threads, and their CPU
 * seconds in @cpu; an inline log's appends (their bytes) go to @appends */
static double
bench_log_run_log (const char *base,
		   EVP_PKEY *key,
		   guint n,
		   IrMigrationLogLayout layout,
		   guint threads,
		   double *cpu,
		   GPtrArray **appends)
{
	g_autofree char *dir = g_build_filename (base, "bench-log-XXXXXX", NULL);
	g_autoptr (IrMigrationLog) log = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) fields =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	gint64 start;
	double secs;

	if (g_mkdtemp (dir) == NULL)
		abort ();
	log = ir_migration_log_open_layout (dir, ORIGIN, ORIGIN, key, layout, &error);
	if (log == NULL) {
		fprintf (stderr, "bench-log: %s\n", error->message);
		exit (1);
	}
	/* the caller's record, as the engine hands it over: not the log's
	 * work, so not timed (the raw side has its bytes ready too) */
	for (guint i = 0; i < n; i++)
		g_ptr_array_add (fields, bench_log_intent_fields (i));
	start = g_get_monotonic_time ();
	{
		g_autofree GThread **t = g_new0 (GThread *, threads);
		g_autofree Worker *w = g_new0 (Worker, threads);

		/* every record is appended even when @threads does not divide @n */
		for (guint i = 0; i < threads; i++) {
			guint from = i * n / threads;

			w[i] = (Worker){log, fields, from, (i + 1) * n / threads - from};
			t[i] = g_thread_new ("append", bench_log_append_thread, &w[i]);
		}
		*cpu = 0;
		for (guint i = 0; i < threads; i++) {
			g_thread_join (t[i]);
			*cpu += w[i].cpu;
		}
	}
	secs = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	g_clear_object (&log);
	if (appends != NULL && *appends == NULL)
		*appends = bench_log_split_appends (dir);
	bench_log_rm_dir (dir);
	return n / secs;
}

/* the same bytes, write + fdatasync each append, nothing else; its CPU
 * seconds in @cpu */
static double
bench_log_run_raw (const char *base, GPtrArray *lines, double *cpu)
{
	g_autofree char *path = g_build_filename (base, "bench-raw-XXXXXX", NULL);
	int fd = g_mkstemp (path);
	gint64 start;
	double secs;

	if (fd < 0)
		abort ();
	close (fd);
	fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
	*cpu = bench_log_thread_cpu ();
	start = g_get_monotonic_time ();
	for (guint i = 0; i < lines->len; i++) {
		/* one append: the record line and its signature line, each with
		 * its newline, as bench_log_split_appends() cut them */
		const char *data = lines->pdata[i];
		gsize len = strlen (data);

		if (write (fd, data, len) != (ssize_t)len || fdatasync (fd) != 0)
			abort ();
	}
	secs = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	*cpu = bench_log_thread_cpu () - *cpu;
	close (fd);
	g_unlink (path);
	return lines->len / secs;
}

int
main (int argc, char **argv)
{
	guint n = argc > 1 ? (guint)atoi (argv[1]) : 200;
	guint runs = argc > 2 ? (guint)atoi (argv[2]) : 5;
	const char *base =
	    g_getenv ("IR_BENCH_DIR") != NULL ? g_getenv ("IR_BENCH_DIR") : g_get_tmp_dir ();
	g_autoptr (EVP_PKEY) key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (GArray) log_rates = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) notes_rates = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) group_rates = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) raw_rates = g_array_new (FALSE, FALSE, sizeof (double));
	/* CPU microseconds an append, inline layout and raw loop */
	g_autoptr (GArray) log_cpus = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GArray) raw_cpus = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GPtrArray) lines = NULL;
	double log_rate, notes_rate, group_rate, raw_rate, log_cpu, raw_cpu;
	gsize bytes = 0;

	if (n == 0 || runs == 0) {
		fprintf (stderr, "usage: bench-log [RECORDS [RUNS]] (both > 0)\n");
		return 1;
	}
	for (guint r = 0; r < runs; r++) {
		double cpu = 0;
		double rate = bench_log_run_log (
		    base, key, n, IR_MIGRATION_LOG_LAYOUT_INLINE, 1, &cpu, &lines);

		g_array_append_val (log_rates, rate);
		cpu *= 1e6 / n;
		g_array_append_val (log_cpus, cpu);
		rate = bench_log_run_raw (base, lines, &cpu);
		g_array_append_val (raw_rates, rate);
		cpu *= 1e6 / lines->len;
		g_array_append_val (raw_cpus, cpu);
		rate =
		    bench_log_run_log (base, key, n, IR_MIGRATION_LOG_LAYOUT_NOTES, 1, &cpu, NULL);
		g_array_append_val (notes_rates, rate);
		rate =
		    bench_log_run_log (base, key, n, IR_MIGRATION_LOG_LAYOUT_INLINE, 8, &cpu, NULL);
		g_array_append_val (group_rates, rate);
	}
	if (lines == NULL)
		return 1;
	for (guint i = 0; i < lines->len; i++)
		bytes += strlen (lines->pdata[i]);
	log_rate = bench_stats_array_median (log_rates);
	notes_rate = bench_stats_array_median (notes_rates);
	group_rate = bench_stats_array_median (group_rates);
	raw_rate = bench_stats_array_median (raw_rates);
	log_cpu = bench_stats_array_median (log_cpus);
	raw_cpu = bench_stats_array_median (raw_cpus);
	printf ("migration log durable append, %u records of %" G_GSIZE_FORMAT
		" bytes on average, %u runs, in %s\n",
		n,
		bytes / n,
		runs,
		base);
	printf ("  raw write+fdatasync of the same bytes (baseline):   %8.1f records/s "
		"(median)\n",
		raw_rate);
	printf ("  log append, inline layout (1 write, 1 fdatasync):  %8.1f records/s "
		"(median)\n",
		log_rate);
	printf ("  log append, notes layout (2 writes, 2 syncs):      %8.1f records/s "
		"(median)\n",
		notes_rate);
	printf ("  log append, inline, 8 threads (group commit):      %8.1f records/s "
		"(median)\n",
		group_rate);
	printf ("  ratio raw/log: inline %.2f, notes %.2f (target <= 1.2), 8 threads %.2f\n",
		raw_rate / log_rate,
		raw_rate / notes_rate,
		raw_rate / group_rate);
	/* wall time on a loaded machine waits for a core; CPU does not */
	printf ("  CPU per append (thread CPU clock, median): inline %.1f us, raw %.1f us; "
		"the log's own %.1f us\n",
		log_cpu,
		raw_cpu,
		log_cpu - raw_cpu);
	return 0;
}
