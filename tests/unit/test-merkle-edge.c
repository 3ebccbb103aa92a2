/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-merkle-edge.h"

/* The right edge against the whole tree (test-merkle.c checks that one
 * against RFC 9162's vectors): every size up to 300, the edge saved and
 * loaded again at each size, as the witness does between uploads. */

#define TEST_MERKLE_EDGE_MAX 300

static void
test_merkle_edge_leaf (guint64 i, guint8 out[IR_MERKLE_HASH_LEN])
{
	char data[32];

	g_snprintf (data, sizeof data, "record %" G_GUINT64_FORMAT, i);
	ir_merkle_leaf_hash ((const guint8 *)data, strlen (data), out);
}

static void
test_merkle_edge_matches_tree (void **state)
{
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (IrMerkleEdge) edge = ir_merkle_edge_new ();
	guint8 want[IR_MERKLE_HASH_LEN];
	guint8 got[IR_MERKLE_HASH_LEN];

	ir_merkle_edge_root (edge, got);
	assert_true (ir_merkle_tree_root (tree, 0, want, NULL));
	assert_memory_equal (got, want, IR_MERKLE_HASH_LEN);
	for (guint64 size = 1; size <= TEST_MERKLE_EDGE_MAX; size++) {
		g_autoptr (GBytes) saved = NULL;
		g_autoptr (GError) error = NULL;
		guint8 leaf[IR_MERKLE_HASH_LEN];

		test_merkle_edge_leaf (size - 1, leaf);
		ir_merkle_tree_append_hash (tree, leaf);
		ir_merkle_edge_append_hash (edge, leaf);
		assert_int_equal (ir_merkle_edge_get_size (edge), size);
		assert_true (ir_merkle_tree_root (tree, size, want, NULL));
		ir_merkle_edge_root (edge, got);
		assert_memory_equal (got, want, IR_MERKLE_HASH_LEN);

		/* one hash per set bit of the size: O(log n) to keep */
		saved = ir_merkle_edge_to_bytes (edge);
		assert_int_equal (g_bytes_get_size (saved),
				  (gsize)__builtin_popcountll (size) * IR_MERKLE_HASH_LEN);
		g_clear_pointer (&edge, ir_merkle_edge_free);
		edge = ir_merkle_edge_new_from_bytes (size, saved, &error);
		assert_null (error);
		assert_non_null (edge);
	}
}

static void
test_merkle_edge_refused (void **state)
{
	static const struct {
		guint64 size;
		gsize len;
	} rows[] = {
	    {0, 32}, /* the empty tree has no subtree */
	    {1, 0},
	    {3, 32}, /* two set bits, one hash */
	    {4, 64},
	    {7, 95}, /* not a whole number of hashes */
	    {G_MAXUINT64, 32},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autofree guint8 *data = g_malloc0 (MAX (rows[i].len, 1));
		g_autoptr (GBytes) bytes = g_bytes_new (data, rows[i].len);
		g_autoptr (GError) error = NULL;
		g_autoptr (IrMerkleEdge) edge =
		    ir_merkle_edge_new_from_bytes (rows[i].size, bytes, &error);

		assert_null (edge);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		assert_non_null (strstr (error->message, "right edge"));
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_merkle_edge_matches_tree),
	    cmocka_unit_test (test_merkle_edge_refused),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
