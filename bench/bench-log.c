/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ir-migration-log.h"
#include "ir-openssl-autoptr.h"

/* Durable append rate of the migration log (records/s, median of runs)
 * beside a raw loop of write + fdatasync of the same lines on the same
 * filesystem, and the ratio. The log does more per record: a second
 * write and sync (the checkpoint), a Merkle root and an Ed25519
 * signature. Prints figures, never fails on a time.
 *
 *   bench-log [RECORDS [RUNS]]   (default 200 records, 5 runs); the files
 *   go to $IR_BENCH_DIR, else the temporary directory. */

#define ORIGIN "imeirestore/BENCH/ws1"

static JsonObject *
intent_fields (guint i)
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
rm_dir (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

/* records/s of @n durable appends; the lines written go to @lines */
static double
run_log (const char *base, EVP_PKEY *key, guint n, GPtrArray **lines)
{
	g_autofree char *dir = g_build_filename (base, "bench-log-XXXXXX", NULL);
	g_autoptr (IrMigrationLog) log = NULL;
	g_autoptr (GError) error = NULL;
	gint64 start;
	double secs;

	if (g_mkdtemp (dir) == NULL)
		abort ();
	log = ir_migration_log_open (dir, ORIGIN, ORIGIN, key, &error);
	if (log == NULL) {
		fprintf (stderr, "bench-log: %s\n", error->message);
		exit (1);
	}
	start = g_get_monotonic_time ();
	for (guint i = 0; i < n; i++) {
		g_autoptr (JsonObject) fields = intent_fields (i);

		if (!ir_migration_log_append (log, IR_LOG_RECORD_INTENT, fields, NULL, &error)) {
			fprintf (stderr, "bench-log: %s\n", error->message);
			exit (1);
		}
	}
	secs = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	if (lines != NULL && *lines == NULL)
		*lines = ir_migration_log_read_lines (log, 0, n, NULL);
	g_clear_object (&log);
	rm_dir (dir);
	return n / secs;
}

/* the same lines, write + fdatasync each, nothing else */
static double
run_raw (const char *base, GPtrArray *lines)
{
	g_autofree char *path = g_build_filename (base, "bench-raw-XXXXXX", NULL);
	int fd = g_mkstemp (path);
	gint64 start;
	double secs;

	if (fd < 0)
		abort ();
	close (fd);
	fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
	start = g_get_monotonic_time ();
	for (guint i = 0; i < lines->len; i++) {
		g_autofree char *data = g_strconcat (lines->pdata[i], "\n", NULL);
		gsize len = strlen (data);

		if (write (fd, data, len) != (ssize_t)len || fdatasync (fd) != 0)
			abort ();
	}
	secs = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
	close (fd);
	g_unlink (path);
	return lines->len / secs;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
	g_array_sort (values, cmp_double);
	return g_array_index (values, double, values->len / 2);
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
	g_autoptr (GArray) raw_rates = g_array_new (FALSE, FALSE, sizeof (double));
	g_autoptr (GPtrArray) lines = NULL;
	double log_rate, raw_rate;
	gsize bytes = 0;

	if (n == 0 || runs == 0) {
		fprintf (stderr, "usage: bench-log [RECORDS [RUNS]] (both > 0)\n");
		return 1;
	}
	for (guint r = 0; r < runs; r++) {
		double rate = run_log (base, key, n, &lines);

		g_array_append_val (log_rates, rate);
		rate = run_raw (base, lines);
		g_array_append_val (raw_rates, rate);
	}
	if (lines == NULL)
		return 1;
	for (guint i = 0; i < lines->len; i++)
		bytes += strlen (lines->pdata[i]) + 1;
	log_rate = median (log_rates);
	raw_rate = median (raw_rates);
	printf ("migration log durable append, %u records of %" G_GSIZE_FORMAT
		" bytes on average, %u runs, in %s\n",
		n,
		bytes / n,
		runs,
		base);
	printf (
	    "  log append (write+fdatasync, checkpoint write+fsync): %8.1f records/s (median)\n",
	    log_rate);
	printf ("  raw write+fdatasync of the same lines:               %8.1f records/s (median)\n",
		raw_rate);
	printf ("  ratio raw/log: %.2f (the log syncs twice a record)\n", raw_rate / log_rate);
	return 0;
}
