/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir-brandd-config.h"
#include "ir-brandd-witness-store.h"
#include "ir-brandd-witness.h"
#include "ir-checkpoint.h"
#include "ir-merkle.h"
#include "ir-openssl-autoptr.h"
#include "ir-workstation-key.h"
#include "bench-stats.h"

/* The witness as a workstation's log grows (issue 14): N records
 * (argument 1, default 100,000) uploaded in batches of B (argument 2,
 * default 40, about what the workstation client's 8 KiB batches hold),
 * each upload through ir_brandd_witness_upload() in process on an SQLite
 * database on disk (what POST /v1/witness runs after TLS and HTTP: parse,
 * checks, the tree, cosign, one commit). Medians of the first and the last
 * tenth of the batches, and their ratio: flat means an upload costs O(new
 * records + log n). Beside it, the baseline measured in the same run at a
 * few sizes: rebuilding the tree from every witnessed leaf
 * (ir_brandd_witness_store_load_tree and the root), which each upload did
 * before the right edge was kept (schema 9). Prints figures; never fails
 * on a time. */

#define BENCH_BRANDD_WITNESS_RECORDS   100000
#define BENCH_BRANDD_WITNESS_BATCH     40
#define BENCH_BRANDD_WITNESS_BASELINES 5
#define BENCH_BRANDD_WITNESS_ORIGIN    "imeirestore/DL-0001/ws-bench"

static void
bench_brandd_witness_die (const char *what, const char *why)
{
	g_printerr ("bench-brandd-witness: %s: %s\n", what, why);
	exit (1);
}

static char *
bench_brandd_witness_write_key (const char *dir, EVP_PKEY *key)
{
	char *path = g_build_filename (dir, "witness.key", NULL);
	FILE *f = fopen (path, "w");

	if (f == NULL || PEM_write_PrivateKey (f, key, NULL, NULL, 0, NULL, NULL) != 1)
		bench_brandd_witness_die (path, "cannot write the witness key");
	fclose (f);
	return path;
}

/* A line of the size and shape of a RESULT record. */
static char *
bench_brandd_witness_line (guint64 seq)
{
	return g_strdup_printf (
	    "{\"seq\":%" G_GUINT64_FORMAT ",\"type\":\"RESULT\",\"time\":\"2026-12-05T11:00:00Z\","
	    "\"device\":{\"serial\":\"SN%08" G_GUINT64_FORMAT "\",\"model\":\"MT6765\"},"
	    "\"imeis_written\":[\"490154203237518\"],\"outcome\":\"success\","
	    "\"token_id\":\"AAECAwQFBgcICQoLDA0ODw\",\"technician\":\"alice\"}",
	    seq,
	    seq);
}

/* The upload of records [@old_size, tree size), appended to @tree. */
static char *
bench_brandd_witness_body (
    IrMerkleTree *tree, EVP_PKEY *key, const char *pub, guint64 old_size, guint n)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root_node = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) proof = NULL;
	g_autofree char *note = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];
	gsize proof_len = 0;
	const guint8 *proof_data;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "records");
	json_builder_begin_array (b);
	for (guint i = 0; i < n; i++) {
		g_autofree char *line = bench_brandd_witness_line (old_size + i);

		ir_merkle_tree_append (tree, (const guint8 *)line, strlen (line));
		json_builder_add_string_value (b, line);
	}
	json_builder_end_array (b);
	if (!ir_merkle_tree_root (tree, old_size + n, root, &error) ||
	    (note = ir_checkpoint_sign (BENCH_BRANDD_WITNESS_ORIGIN,
					old_size + n,
					root,
					BENCH_BRANDD_WITNESS_ORIGIN,
					key,
					&error)) == NULL ||
	    (proof = old_size == 0 ? g_bytes_new (NULL, 0)
				   : ir_merkle_tree_consistency_proof (
					 tree, old_size, old_size + n, &error)) == NULL)
		bench_brandd_witness_die ("the upload", error->message);
	json_builder_set_member_name (b, "origin");
	json_builder_add_string_value (b, BENCH_BRANDD_WITNESS_ORIGIN);
	json_builder_set_member_name (b, "public_key");
	json_builder_add_string_value (b, pub);
	json_builder_set_member_name (b, "checkpoint");
	json_builder_add_string_value (b, note);
	json_builder_set_member_name (b, "old_size");
	json_builder_add_int_value (b, (gint64)old_size);
	json_builder_set_member_name (b, "consistency");
	json_builder_begin_array (b);
	proof_data = g_bytes_get_data (proof, &proof_len);
	for (gsize off = 0; off < proof_len; off += IR_MERKLE_HASH_LEN) {
		g_autofree char *b64 = g_base64_encode (proof_data + off, IR_MERKLE_HASH_LEN);

		json_builder_add_string_value (b, b64);
	}
	json_builder_end_array (b);
	json_builder_end_object (b);
	root_node = json_builder_get_root (b);
	return json_to_string (root_node, FALSE);
}

/* What an upload did before schema 9: the tree from every witnessed leaf. */
static gdouble
bench_brandd_witness_rebuild_ms (IrBranddStore *store, guint64 size)
{
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GError) error = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];
	gint64 t0 = g_get_monotonic_time ();

	if (!ir_brandd_witness_store_load_tree (store, BENCH_BRANDD_WITNESS_ORIGIN, tree, &error) ||
	    !ir_merkle_tree_root (tree, size, root, &error))
		bench_brandd_witness_die ("the rebuild", error->message);
	return (g_get_monotonic_time () - t0) / 1000.0;
}

int
main (int argc, char **argv)
{
	guint64 total =
	    argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : BENCH_BRANDD_WITNESS_RECORDS;
	guint batch =
	    argc > 2 ? (guint)g_ascii_strtoull (argv[2], NULL, 10) : BENCH_BRANDD_WITNESS_BATCH;
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("bench-witness-XXXXXX", &error);
	g_autofree char *db = NULL;
	g_autofree char *pub = NULL;
	g_autofree char *cmd = NULL;
	g_autoptr (EVP_PKEY) witness_key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (EVP_PKEY) ws_key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (IrBranddConfig) config = ir_brandd_config_new ();
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddWitness) witness = NULL;
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GArray) upload_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
	IrBranddPeer peer = {.role = (char *)"technician", .centre = (char *)"DL-0001"};
	guint n_batches;
	guint tenth;
	guint64 size = 0;

	if (total == 0 || batch == 0)
		bench_brandd_witness_die ("arguments",
					  "usage: bench-brandd-witness [RECORDS [BATCH]]");
	n_batches = (guint)((total + batch - 1) / batch);
	tenth = MAX (n_batches / 10, 1);
	if (dir == NULL || witness_key == NULL || ws_key == NULL)
		bench_brandd_witness_die ("setup",
					  error != NULL ? error->message : "no Ed25519 key");
	db = g_build_filename (dir, "brandd.db", NULL);
	config->witness_key = bench_brandd_witness_write_key (dir, witness_key);
	config->witness_name = g_strdup ("bench.example/witness");
	memset (peer.cnf, 0x42, sizeof peer.cnf);
	if (!ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, db, &error) ||
	    (store = ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, db, &error)) == NULL ||
	    (witness = ir_brandd_witness_new (config, store, &error)) == NULL ||
	    (pub = ir_workstation_key_public_base64 (ws_key, &error)) == NULL)
		bench_brandd_witness_die (db, error->message);

	g_print ("bench-brandd-witness: %" G_GUINT64_FORMAT " records in %u uploads of %u, "
		 "SQLite on disk (%s)\n",
		 total,
		 n_batches,
		 batch,
		 dir);
	g_print ("  %-10s %12s %14s\n", "log size", "upload ms", "rebuild ms");
	for (guint i = 0; i < n_batches; i++) {
		guint n = (guint)MIN ((guint64)batch, total - size);
		g_autofree char *body = bench_brandd_witness_body (tree, ws_key, pub, size, n);
		IrBranddAnswer answer = {0};
		gint64 t0 = g_get_monotonic_time ();
		g_autoptr (JsonNode) ok =
		    ir_brandd_witness_upload (witness, &peer, body, strlen (body), 0, &answer);
		gdouble ms = (g_get_monotonic_time () - t0) / 1000.0;

		if (ok == NULL)
			bench_brandd_witness_die ("upload refused", answer.message);
		ir_brandd_issue_answer_clear (&answer);
		size += n;
		g_array_append_val (upload_ms, ms);
		/* the baseline at a few sizes only: it is O(n) each time */
		if ((i + 1) % MAX (n_batches / BENCH_BRANDD_WITNESS_BASELINES, 1) == 0 ||
		    i + 1 == n_batches)
			g_print ("  %-10" G_GUINT64_FORMAT " %12.2f %14.2f\n",
				 size,
				 ms,
				 bench_brandd_witness_rebuild_ms (store, size));
	}
	{
		gdouble first =
		    bench_stats_median (&g_array_index (upload_ms, gdouble, 0), tenth - 0);
		gdouble last =
		    bench_stats_median (&g_array_index (upload_ms, gdouble, n_batches - tenth),
					n_batches - n_batches - tenth);
		gdouble rebuild = bench_brandd_witness_rebuild_ms (store, size);

		g_print ("upload median, first tenth (%u uploads): %.2f ms\n", tenth, first);
		g_print ("upload median, last tenth  (%u uploads): %.2f ms\n", tenth, last);
		g_print ("ratio last/first: %.2f (1.00 = flat as the log grows)\n", last / first);
		g_print ("baseline: rebuild from every leaf at %" G_GUINT64_FORMAT
			 " records: %.2f ms, %.1fx the median upload of the last tenth\n",
			 size,
			 rebuild,
			 rebuild / last);
	}
	g_clear_pointer (&witness, ir_brandd_witness_free);
	g_clear_pointer (&store, ir_brandd_store_free);
	cmd = g_strdup_printf ("rm -rf '%s'", dir);
	if (system (cmd) != 0)
		g_printerr ("bench-brandd-witness: could not remove %s\n", dir);
	return 0;
}
