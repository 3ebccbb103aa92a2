/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/pem.h>

#include "ir-checkpoint.h"
#include "ir-log-record.h"
#include "ir-log-sigline.h"
#include "ir-merkle.h"
#include "ir-openssl-autoptr.h"
#include "bench-stats.h"

/* `imeictl audit verify` on a 1,000,000-record log of the real shape (a
 * signed checkpoint per record, as the writer makes it: the inline
 * layout, each record line followed by its signature line) beside
 * `sha256sum` of the same record file: wall time of each, their ratio,
 * and the verify's peak RSS (ru_maxrss of the child, from wait4); then
 * `--all-signatures` with its rate of checkpoint signatures a second,
 * beside `openssl speed -seconds 2 ed25519`'s verify rate on the same
 * machine. Prints figures; never fails on a time.
 *
 * The log is generated here, not by ir_migration_log_append: a million
 * fdatasync() calls would take an hour and measure the disk, not the
 * verifier. The records are real ones (ir_log_record_format, INTENT and
 * RESULT pairs of the usual size) and the checkpoints real signed notes
 * (ir_checkpoint_sign over the tree's root; its signature line goes after
 * the record), one per record, written through stdio without syncs.
 *
 * IR_BENCH_RECORDS=N changes the size (e.g. 100000 for a quick run);
 * IR_BENCH_DEFAULT_ONLY=1 skips --all-signatures and openssl speed;
 * IR_BENCH_KEEP=1 keeps the log (its folder is printed) for a profiler. */

#define ORIGIN		 "imeirestore/centre-bench/ws-1"
#define BENCH_AUDIT_RUNS 3

static JsonArray *
bench_audit_verify_slots (const char *a, const char *b)
{
	JsonArray *array = json_array_new ();

	json_array_add_string_element (array, a);
	if (b != NULL)
		json_array_add_string_element (array, b);
	else
		json_array_add_null_element (array);
	return array;
}

static JsonObject *
bench_audit_verify_intent_fields (guint64 i, const char *id)
{
	JsonObject *o = json_object_new ();
	JsonObject *phone = json_object_new ();
	g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
	g_autofree char *serial = g_strdup_printf ("SN%010" G_GUINT64_FORMAT, i);
	g_autofree char *hw = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", i * 7919);

	json_object_set_string_member (o, "intent_id", id);
	json_object_set_string_member (o, "technician", i % 3 ? "tech-anita" : "tech-bala");
	json_object_set_string_member (o, "centre", "centre-bench");
	json_object_set_string_member (o, "workstation", "ws-1");
	json_object_set_string_member (phone, "port", "/dev/ttyUSB0");
	json_object_set_string_member (phone, "manufacturer", "MediaTek");
	json_object_set_string_member (phone, "model", "MT6765");
	json_object_set_string_member (phone, "serial", serial);
	json_object_set_string_member (phone, "hardware_id", hw);
	json_object_set_string_member (phone, "family", "mediatek");
	json_object_set_object_member (o, "phone", phone);
	json_object_set_array_member (
	    o, "imeis_before", bench_audit_verify_slots ("000000000000000", "000000000000000"));
	json_object_set_array_member (
	    o, "imeis_target", bench_audit_verify_slots ("490154203237518", "260531793113837"));
	json_object_set_string_member (o, "token_id", id);
	json_object_set_string_member (o, "token_sha256", sha);
	json_object_set_string_member (o, "phase", "phase-1");
	return o;
}

static JsonObject *
bench_audit_verify_result_fields (const char *id)
{
	JsonObject *o = json_object_new ();

	json_object_set_string_member (o, "intent_id", id);
	json_object_set_string_member (o, "outcome", "success");
	json_object_set_array_member (
	    o, "imeis_read_back", bench_audit_verify_slots ("490154203237518", "260531793113837"));
	return o;
}

static void
bench_audit_verify_write_checkpoint (FILE *log, IrMerkleTree *tree, EVP_PKEY *key)
{
	guint8 root[IR_MERKLE_HASH_LEN];
	guint64 size = ir_merkle_tree_get_size (tree);
	g_autofree char *note = NULL;
	g_autofree char *sig = NULL;

	g_assert (ir_merkle_tree_root (tree, size, root, NULL));
	note = ir_checkpoint_sign (ORIGIN, size, root, ORIGIN, key, NULL);
	g_assert (note != NULL);
	sig = ir_log_sigline_from_note (note);
	fputs (sig, log);
}

static void
bench_audit_verify_generate (const char *dir, guint64 n, EVP_PKEY *key)
{
	g_autofree char *log_path = g_build_filename (dir, "migration-log.jsonl", NULL);
	FILE *log = fopen (log_path, "we");
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GDateTime) t0 = g_date_time_new_utc (2026, 11, 1, 8, 0, 0);

	g_assert (log != NULL);
	for (guint64 i = 0; i < n; i++) {
		g_autofree char *id = g_strdup_printf ("%032" G_GINT64_MODIFIER "x", i / 2);
		g_autoptr (JsonObject) fields = i % 2 == 0
						    ? bench_audit_verify_intent_fields (i, id)
						    : bench_audit_verify_result_fields (id);
		g_autoptr (GDateTime) t = g_date_time_add_seconds (t0, (gdouble)i * 2);
		g_autofree char *line = ir_log_record_format (
		    i % 2 == 0 ? IR_LOG_RECORD_INTENT : IR_LOG_RECORD_RESULT, i, t, fields, NULL);

		g_assert (line != NULL);
		fprintf (log, "%s\n", line);
		ir_merkle_tree_append (tree, (const guint8 *)line, strlen (line));
		bench_audit_verify_write_checkpoint (log, tree, key);
	}
	g_assert (fclose (log) == 0);
}

/* Runs @argv, returns its wall time in seconds; @maxrss_kb its peak RSS,
 * @cpu_s its user + system time (on a shared machine the wall time says
 * as much about the others as about us). */
static double
bench_audit_verify_run_timed (const char *const *argv, long *maxrss_kb, double *cpu_s, int *status)
{
	gint64 start = g_get_monotonic_time ();
	struct rusage ru = {0};
	pid_t pid = fork ();

	if (pid == 0) {
		int devnull = open ("/dev/null", O_WRONLY);
		dup2 (devnull, STDOUT_FILENO);
		execv (argv[0], (char *const *)argv);
		_exit (127);
	}
	g_assert (pid > 0);
	g_assert (wait4 (pid, status, 0, &ru) == pid);
	if (maxrss_kb != NULL)
		*maxrss_kb = ru.ru_maxrss;
	if (cpu_s != NULL)
		*cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	return (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* openssl speed's Ed25519 verify rate (one core): the ceiling one core
 * gives --all-signatures, printed as openssl prints it. */
static void
bench_audit_verify_openssl_speed (void)
{
	const char *argv[] = {"openssl", "speed", "-seconds", "2", "ed25519", NULL};
	g_autofree char *out = NULL;
	g_auto (GStrv) lines = NULL;

	if (!g_spawn_sync (NULL,
			   (char **)argv,
			   NULL,
			   G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
			   NULL,
			   NULL,
			   &out,
			   NULL,
			   NULL,
			   NULL)) {
		g_print ("openssl speed ed25519: could not run openssl\n");
		return;
	}
	lines = g_strsplit (out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (strstr (lines[i], "Ed25519") != NULL || strstr (lines[i], "verify/s") != NULL)
			g_print ("openssl speed: %s\n", lines[i]);
	}
}

int
main (int argc, char **argv)
{
	const char *n_env = g_getenv ("IR_BENCH_RECORDS");
	guint64 n = n_env != NULL ? g_ascii_strtoull (n_env, NULL, 10) : 1000000;
	g_autofree char *dir = g_dir_make_tmp ("bench-audit-XXXXXX", NULL);
	g_autofree char *pub = g_build_filename (dir, "ws.pub.pem", NULL);
	g_autofree char *log_path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autoptr (EVP_PKEY) key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autofree char *sha256sum = g_find_program_in_path ("sha256sum");
	const char *verify_argv[] = {IR_BENCH_IMEICTL, "audit", "verify", dir, "--key", pub, NULL};
	const char *all_argv[] = {
	    IR_BENCH_IMEICTL, "audit", "verify", dir, "--key", pub, "--all-signatures", NULL};
	const char *sha_argv[] = {sha256sum, log_path, NULL};
	FILE *fp;
	GStatBuf st;
	gint64 t0;
	double gen_s, verify_s, sha_s, all_s, sha_cpu, verify_cpu, all_cpu = 0;
	double sha_runs[BENCH_AUDIT_RUNS], verify_runs[BENCH_AUDIT_RUNS];
	double sha_cpu_runs[BENCH_AUDIT_RUNS], verify_cpu_runs[BENCH_AUDIT_RUNS];
	long all_rss_kb = 0;
	long rss_kb = 0;
	int status = 0;

	g_assert (dir != NULL && n > 0);
	fp = fopen (pub, "we");
	PEM_write_PUBKEY (fp, key);
	fclose (fp);

	t0 = g_get_monotonic_time ();
	bench_audit_verify_generate (dir, n, key);
	gen_s = (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
	g_stat (log_path, &st);
	g_print ("log: %" G_GUINT64_FORMAT
		 " records, %.1f MB, a signed checkpoint after each (inline layout); generated "
		 "in %.1f s\n",
		 n,
		 (double)st.st_size / 1e6,
		 gen_s);

	/* warm the page cache for both, so that neither pays the disk; then
	 * medians of BENCH_AUDIT_RUNS runs each, side by side */
	bench_audit_verify_run_timed (sha_argv, NULL, NULL, &status);
	for (guint r = 0; r < BENCH_AUDIT_RUNS; r++) {
		sha_runs[r] =
		    bench_audit_verify_run_timed (sha_argv, NULL, &sha_cpu_runs[r], &status);
		verify_runs[r] = bench_audit_verify_run_timed (
		    verify_argv, &rss_kb, &verify_cpu_runs[r], &status);
	}
	sha_s = bench_stats_median (sha_runs, BENCH_AUDIT_RUNS);
	verify_s = bench_stats_median (verify_runs, BENCH_AUDIT_RUNS);
	sha_cpu = bench_stats_median (sha_cpu_runs, BENCH_AUDIT_RUNS);
	verify_cpu = bench_stats_median (verify_cpu_runs, BENCH_AUDIT_RUNS);
	g_print ("medians of %d runs:\n", BENCH_AUDIT_RUNS);
	g_print ("sha256sum:            %.3f s (CPU %.3f s)\n", sha_s, sha_cpu);
	g_print ("imeictl audit verify: %.3f s (CPU %.3f s, exit %d), %.2f us a record\n",
		 verify_s,
		 verify_cpu,
		 WIFEXITED (status) ? WEXITSTATUS (status) : -1,
		 verify_s * 1e6 / (double)n);
	g_print ("ratio verify / sha256sum: %.2f wall, %.2f CPU (target <= 2)\n",
		 sha_s > 0 ? verify_s / sha_s : 0.0,
		 sha_cpu > 0 ? verify_cpu / sha_cpu : 0.0);
	g_print ("verify peak RSS: %.1f MB (ru_maxrss), %.1f bytes a record\n",
		 (double)rss_kb / 1024,
		 (double)rss_kb * 1024 / (double)n);
	/* IR_BENCH_DEFAULT_ONLY=1: the default mode only (--all-signatures of
	 * a million notes takes many minutes on a loaded machine) */
	if (g_getenv ("IR_BENCH_DEFAULT_ONLY") != NULL)
		goto done;
	all_s = bench_audit_verify_run_timed (all_argv, &all_rss_kb, &all_cpu, &status);
	g_print ("imeictl audit verify --all-signatures (%u cores): %.3f s (exit %d), %.0f "
		 "signatures/s; CPU %.3f s (%.2f cores busy), %.0f signatures a CPU second; "
		 "peak RSS %.1f MB\n",
		 g_get_num_processors (),
		 all_s,
		 WIFEXITED (status) ? WEXITSTATUS (status) : -1,
		 all_s > 0 ? (double)n / all_s : 0.0,
		 all_cpu,
		 all_s > 0 ? all_cpu / all_s : 0.0,
		 all_cpu > 0 ? (double)n / all_cpu : 0.0,
		 (double)all_rss_kb / 1024);
	bench_audit_verify_openssl_speed ();
done:
	if (g_getenv ("IR_BENCH_KEEP") != NULL) {
		/* for a profiler: the log and its key stay */
		g_print ("kept: %s (public key %s)\n", dir, pub);
		return 0;
	}
	g_unlink (log_path);
	g_unlink (pub);
	g_rmdir (dir);
	return 0;
}
