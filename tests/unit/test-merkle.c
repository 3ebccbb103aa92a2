/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-merkle.h"

#define HL IR_MERKLE_HASH_LEN

/* ---- the Certificate Transparency / transparency-dev test leaves ---- */

static const struct {
	const char *data;
	gsize len;
} ct_leaves[] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

static IrMerkleTree *
test_merkle_ct_tree (void)
{
	IrMerkleTree *tree = ir_merkle_tree_new ();

	for (guint i = 0; i < G_N_ELEMENTS (ct_leaves); i++)
		ir_merkle_tree_append (tree, (const guint8 *)ct_leaves[i].data, ct_leaves[i].len);
	return tree;
}

static void
test_merkle_unhex (const char *hex, guint8 *out, gsize len)
{
	assert_int_equal (strlen (hex), len * 2);
	for (gsize i = 0; i < len; i++) {
		int hi = g_ascii_xdigit_value (hex[2 * i]);
		int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

		assert_true (hi >= 0 && lo >= 0);
		out[i] = (guint8)(hi << 4 | lo);
	}
}

/* ---- a straightforward recursive reference: RFC 9162 §2.1 as written ---- */

static guint64
test_merkle_ref_k (guint64 n)
{
	guint64 k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void
test_merkle_ref_mth (const guint8 *leaves, guint64 n, guint8 out[HL])
{
	guint8 l[HL];
	guint8 r[HL];
	guint64 k;

	if (n == 0) {
		g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
		gsize len = HL;

		g_checksum_get_digest (sum, out, &len);
		return;
	}
	if (n == 1) {
		memcpy (out, leaves, HL);
		return;
	}
	k = test_merkle_ref_k (n);
	test_merkle_ref_mth (leaves, k, l);
	test_merkle_ref_mth (leaves + k * HL, n - k, r);
	ir_merkle_node_hash (l, r, out);
}

static void
test_merkle_ref_path (guint64 m, const guint8 *leaves, guint64 n, GByteArray *out)
{
	guint8 h[HL];
	guint64 k;

	if (n <= 1)
		return;
	k = test_merkle_ref_k (n);
	if (m < k) {
		test_merkle_ref_path (m, leaves, k, out);
		test_merkle_ref_mth (leaves + k * HL, n - k, h);
	} else {
		test_merkle_ref_path (m - k, leaves + k * HL, n - k, out);
		test_merkle_ref_mth (leaves, k, h);
	}
	g_byte_array_append (out, h, HL);
}

static void
test_merkle_ref_subproof (guint64 m, const guint8 *leaves, guint64 n, gboolean b, GByteArray *out)
{
	guint8 h[HL];
	guint64 k;

	if (m == n) {
		if (!b) {
			test_merkle_ref_mth (leaves, n, h);
			g_byte_array_append (out, h, HL);
		}
		return;
	}
	k = test_merkle_ref_k (n);
	if (m <= k) {
		test_merkle_ref_subproof (m, leaves, k, b, out);
		test_merkle_ref_mth (leaves + k * HL, n - k, h);
	} else {
		test_merkle_ref_subproof (m - k, leaves + k * HL, n - k, FALSE, out);
		test_merkle_ref_mth (leaves, k, h);
	}
	g_byte_array_append (out, h, HL);
}

/* all leaf hashes of @tree, flattened */
static guint8 *
test_merkle_tree_leaves (const IrMerkleTree *tree)
{
	guint64 n = ir_merkle_tree_get_size (tree);
	guint8 *out = g_malloc (MAX (n, 1) * HL);

	for (guint64 i = 0; i < n; i++)
		memcpy (out + i * HL, ir_merkle_tree_get_leaf_hash (tree, i), HL);
	return out;
}

/* ---- the vector files in tests/data/merkle/ ---- */

static GPtrArray *
test_merkle_load_vectors (const char *name)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	g_autoptr (GError) error = NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);

	assert_non_null (srcdir);
	path = g_build_filename (srcdir, "tests", "data", "merkle", name, NULL);
	if (!g_file_get_contents (path, &text, NULL, &error))
		fail_msg ("%s", error->message);
	lines = g_strsplit (text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0' || lines[i][0] == '#')
			continue;
		g_ptr_array_add (rows, g_strsplit (lines[i], " ", -1));
	}
	return rows;
}

/* "a b h1 h2 ..." -> a, b and the hashes concatenated */
static GBytes *
test_merkle_parse_row (char **row, guint64 *a, guint64 *b)
{
	GByteArray *hashes = g_byte_array_new ();

	assert_true (g_strv_length (row) >= 2);
	*a = g_ascii_strtoull (row[0], NULL, 10);
	*b = g_ascii_strtoull (row[1], NULL, 10);
	for (guint i = 2; row[i] != NULL; i++) {
		guint8 h[HL];

		test_merkle_unhex (row[i], h, HL);
		g_byte_array_append (hashes, h, HL);
	}
	return g_byte_array_free_to_bytes (hashes);
}

static void
test_merkle_assert_bytes_equal (GBytes *got, const guint8 *want, gsize want_len, const char *what)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (got, &len);

	if (len != want_len || (len > 0 && memcmp (data, want, len) != 0))
		fail_msg ("%s: %" G_GSIZE_FORMAT " bytes differ from the %" G_GSIZE_FORMAT
			  " expected",
			  what,
			  len,
			  want_len);
}

/* ---- hashing primitives and roots ---- */

static void
test_merkle_hashes (void **state)
{
	guint8 h[HL];
	guint8 want[HL];
	guint8 l0[HL];
	guint8 l1[HL];

	/* leaf("") = SHA-256(0x00), the well-known size-1 root */
	ir_merkle_leaf_hash ((const guint8 *)"", 0, h);
	test_merkle_unhex (
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", want, HL);
	assert_memory_equal (h, want, HL);

	/* node(leaf(""), leaf("\0")): the size-2 root */
	ir_merkle_leaf_hash ((const guint8 *)"", 0, l0);
	ir_merkle_leaf_hash ((const guint8 *)"\x00", 1, l1);
	ir_merkle_node_hash (l0, l1, h);
	test_merkle_unhex (
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", want, HL);
	assert_memory_equal (h, want, HL);

	/* order matters */
	ir_merkle_node_hash (l1, l0, h);
	assert_memory_not_equal (h, want, HL);
}

static void
test_merkle_roots (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	g_autoptr (GPtrArray) rows = test_merkle_load_vectors ("roots.txt");
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);
	guint8 want[HL];
	guint8 got[HL];
	guint8 ref[HL];

	assert_int_equal (rows->len, 9);
	for (guint i = 0; i < rows->len; i++) {
		char **row = g_ptr_array_index (rows, i);
		guint64 size = g_ascii_strtoull (row[0], NULL, 10);
		g_autoptr (GError) error = NULL;

		test_merkle_unhex (row[1], want, HL);
		assert_true (ir_merkle_tree_root (tree, size, got, &error));
		assert_null (error);
		test_merkle_ref_mth (leaves, size, ref);
		if (memcmp (got, want, HL) != 0 || memcmp (ref, want, HL) != 0)
			fail_msg (
			    "root of size %" G_GUINT64_FORMAT " differs from %s", size, row[1]);
	}

	/* the two values the brief names, independent of the data file */
	test_merkle_unhex (
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", want, HL);
	assert_true (ir_merkle_tree_root (tree, 8, got, NULL));
	assert_memory_equal (got, want, HL);
	test_merkle_unhex (
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", want, HL);
	assert_true (ir_merkle_tree_root (tree, 1, got, NULL));
	assert_memory_equal (got, want, HL);
}

/* ---- every inclusion and consistency proof up to 8, against the files ---- */

static void
test_merkle_inclusion_vectors (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	g_autoptr (GPtrArray) rows = test_merkle_load_vectors ("inclusion.txt");
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);

	assert_int_equal (rows->len, 36); /* (index, size) for size 1..8 */
	for (guint i = 0; i < rows->len; i++) {
		guint64 index = 0;
		guint64 size = 0;
		g_autoptr (GBytes) want =
		    test_merkle_parse_row (g_ptr_array_index (rows, i), &index, &size);
		g_autoptr (GBytes) got = NULL;
		g_autoptr (GByteArray) ref = g_byte_array_new ();
		g_autoptr (GError) error = NULL;
		g_autofree char *what = g_strdup_printf (
		    "inclusion %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT, index, size);
		guint8 root[HL];

		got = ir_merkle_tree_inclusion_proof (tree, index, size, &error);
		assert_non_null (got);
		test_merkle_assert_bytes_equal (
		    got, g_bytes_get_data (want, NULL), g_bytes_get_size (want), what);
		test_merkle_ref_path (index, leaves, size, ref);
		test_merkle_assert_bytes_equal (got, ref->data, ref->len, what);

		assert_true (ir_merkle_tree_root (tree, size, root, NULL));
		if (!ir_merkle_verify_inclusion (index,
						 size,
						 ir_merkle_tree_get_leaf_hash (tree, index),
						 g_bytes_get_data (want, NULL),
						 g_bytes_get_size (want),
						 root,
						 &error))
			fail_msg ("%s: %s", what, error->message);
	}
}

static void
test_merkle_consistency_vectors (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	g_autoptr (GPtrArray) rows = test_merkle_load_vectors ("consistency.txt");
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);

	assert_int_equal (rows->len, 36); /* 1 <= old <= new <= 8 */
	for (guint i = 0; i < rows->len; i++) {
		guint64 old_size = 0;
		guint64 new_size = 0;
		g_autoptr (GBytes) want =
		    test_merkle_parse_row (g_ptr_array_index (rows, i), &old_size, &new_size);
		g_autoptr (GBytes) got = NULL;
		g_autoptr (GByteArray) ref = g_byte_array_new ();
		g_autoptr (GError) error = NULL;
		g_autofree char *what = g_strdup_printf (
		    "consistency %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, old_size, new_size);
		guint8 old_root[HL];
		guint8 new_root[HL];

		got = ir_merkle_tree_consistency_proof (tree, old_size, new_size, &error);
		assert_non_null (got);
		test_merkle_assert_bytes_equal (
		    got, g_bytes_get_data (want, NULL), g_bytes_get_size (want), what);
		test_merkle_ref_subproof (old_size, leaves, new_size, TRUE, ref);
		test_merkle_assert_bytes_equal (got, ref->data, ref->len, what);

		assert_true (ir_merkle_tree_root (tree, old_size, old_root, NULL));
		assert_true (ir_merkle_tree_root (tree, new_size, new_root, NULL));
		if (!ir_merkle_verify_consistency (old_size,
						   new_size,
						   old_root,
						   new_root,
						   g_bytes_get_data (want, NULL),
						   g_bytes_get_size (want),
						   &error))
			fail_msg ("%s: %s", what, error->message);
	}
}

/* ---- negative cases, transparency-dev style ---- */

/* RFC 9162 proofs do not bind the tree size or index by themselves (the
 * signed checkpoint does): a proof verifies for another (index, size)
 * exactly when the verifier takes the same left/right steps. These model
 * the steps, so that a "wrong size" case is required to fail unless the
 * steps coincide, and then required to verify. */
static char *
test_merkle_inclusion_steps (guint64 index, guint64 size)
{
	GString *s = g_string_new (NULL);
	guint64 fn = index;
	guint64 sn = size - 1;

	if (index >= size)
		return g_string_free (s, TRUE);
	while (sn != 0) {
		if ((fn & 1) || fn == sn) {
			g_string_append_c (s, 'L');
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			g_string_append_c (s, 'R');
		}
		fn >>= 1;
		sn >>= 1;
	}
	return g_string_free (s, FALSE);
}

static char *
test_merkle_consistency_steps (guint64 old_size, guint64 new_size)
{
	GString *s;
	guint64 fn;
	guint64 sn;

	if (old_size == 0 || old_size > new_size)
		return NULL;
	if (old_size == new_size)
		return g_strdup ("=");
	s = g_string_new ((old_size & (old_size - 1)) == 0 ? "o" : "p");
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	while (sn != 0) {
		if ((fn & 1) || fn == sn) {
			g_string_append_c (s, 'B');
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			g_string_append_c (s, 'S');
		}
		fn >>= 1;
		sn >>= 1;
	}
	return g_string_free (s, FALSE);
}

static void
test_merkle_expect_tampered (gboolean ok, GError *error, const char *what)
{
	if (ok)
		fail_msg ("%s verified", what);
	if (error == NULL || !g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED))
		fail_msg (
		    "%s: not IR_ERROR_TAMPERED (%s)", what, error ? error->message : "no error");
}

static void
test_merkle_expect_inclusion_fails (guint64 index,
				    guint64 size,
				    const guint8 *leaf,
				    const guint8 *proof,
				    gsize proof_len,
				    const guint8 *root,
				    const char *what,
				    const char *message_part)
{
	g_autoptr (GError) error = NULL;
	gboolean ok =
	    ir_merkle_verify_inclusion (index, size, leaf, proof, proof_len, root, &error);

	test_merkle_expect_tampered (ok, error, what);
	if (message_part != NULL && strstr (error->message, message_part) == NULL)
		fail_msg ("%s: \"%s\" does not say \"%s\"", what, error->message, message_part);
}

static void
test_merkle_inclusion_negative (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	static const guint8 junk[HL] = {0xde, 0xad, 0xbe, 0xef};

	for (guint64 size = 1; size <= 8; size++) {
		guint8 root[HL];

		assert_true (ir_merkle_tree_root (tree, size, root, NULL));
		for (guint64 index = 0; index < size; index++) {
			g_autoptr (GBytes) proof_bytes =
			    ir_merkle_tree_inclusion_proof (tree, index, size, NULL);
			gsize len = 0;
			/* an empty proof's data is NULL; memcpy from NULL is undefined */
			const guint8 *proof = g_bytes_get_size (proof_bytes) > 0
						  ? g_bytes_get_data (proof_bytes, &len)
						  : (len = 0, (const guint8 *)"");
			const guint8 *leaf = ir_merkle_tree_get_leaf_hash (tree, index);
			g_autofree guint8 *buf = g_malloc (len + 2 * HL);
			guint8 bad_root[HL];
			g_autofree char *what = g_strdup_printf (
			    "leaf %" G_GUINT64_FORMAT " size %" G_GUINT64_FORMAT, index, size);

			assert_true (
			    ir_merkle_verify_inclusion (index, size, leaf, proof, len, root, NULL));

			/* wrong leaf: every other leaf, and a non-leaf */
			for (guint64 other = 0; other < 8; other++) {
				if (other != index)
					test_merkle_expect_inclusion_fails (
					    index,
					    size,
					    ir_merkle_tree_get_leaf_hash (tree, other),
					    proof,
					    len,
					    root,
					    what,
					    "does not lead to the expected root");
			}
			test_merkle_expect_inclusion_fails (
			    index, size, junk, proof, len, root, what, NULL);

			/* wrong index: every other index below the size, and past it */
			for (guint64 other = 0; other < size + 2; other++) {
				if (other != index)
					test_merkle_expect_inclusion_fails (
					    other, size, leaf, proof, len, root, what, NULL);
			}
			test_merkle_expect_inclusion_fails (
			    size, size, leaf, proof, len, root, what, "out of range");

			/* wrong size: every other size with the same proof */
			for (guint64 other = 0; other <= 16; other++) {
				g_autofree char *steps = test_merkle_inclusion_steps (index, size);
				g_autofree char *other_steps =
				    test_merkle_inclusion_steps (index, other);

				if (other == size)
					continue;
				if (g_strcmp0 (steps, other_steps) == 0)
					assert_true (ir_merkle_verify_inclusion (
					    index, other, leaf, proof, len, root, NULL));
				else
					test_merkle_expect_inclusion_fails (
					    index, other, leaf, proof, len, root, what, NULL);
			}

			/* every bit of every proof hash */
			for (gsize bit = 0; bit < len * 8; bit++) {
				memcpy (buf, proof, len);
				buf[bit / 8] ^= (guint8)(1u << (bit % 8));
				test_merkle_expect_inclusion_fails (
				    index,
				    size,
				    leaf,
				    buf,
				    len,
				    root,
				    what,
				    "does not lead to the expected root");
			}

			/* extra node at the end and at the start */
			memcpy (buf, proof, len);
			memcpy (buf + len, junk, HL);
			test_merkle_expect_inclusion_fails (
			    index, size, leaf, buf, len + HL, root, what, "too many");
			memcpy (buf, root, HL);
			memcpy (buf + HL, proof, len);
			test_merkle_expect_inclusion_fails (
			    index, size, leaf, buf, len + HL, root, what, "too many");
			/* missing node: the last, the first */
			if (len > 0) {
				test_merkle_expect_inclusion_fails (
				    index, size, leaf, proof, len - HL, root, what, "too few");
				test_merkle_expect_inclusion_fails (
				    index, size, leaf, proof + HL, len - HL, root, what, "too few");
				test_merkle_expect_inclusion_fails (
				    index, size, leaf, proof, len - 1, root, what, "whole number");
			}

			/* wrong root: other sizes' roots, every bit of the root */
			for (guint64 other = 0; other <= 8; other++) {
				if (other == size)
					continue;
				assert_true (ir_merkle_tree_root (tree, other, bad_root, NULL));
				test_merkle_expect_inclusion_fails (
				    index, size, leaf, proof, len, bad_root, what, NULL);
			}
			for (guint bit = 0; bit < HL * 8; bit++) {
				memcpy (bad_root, root, HL);
				bad_root[bit / 8] ^= (guint8)(1u << (bit % 8));
				test_merkle_expect_inclusion_fails (
				    index, size, leaf, proof, len, bad_root, what, NULL);
			}
		}
	}
	/* size 0: nothing is in the empty tree */
	test_merkle_expect_inclusion_fails (
	    0, 0, junk, NULL, 0, junk, "empty tree", "out of range");
}

static void
test_merkle_expect_consistency_fails (guint64 old_size,
				      guint64 new_size,
				      const guint8 *old_root,
				      const guint8 *new_root,
				      const guint8 *proof,
				      gsize proof_len,
				      const char *what,
				      const char *message_part)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = ir_merkle_verify_consistency (
	    old_size, new_size, old_root, new_root, proof, proof_len, &error);

	test_merkle_expect_tampered (ok, error, what);
	if (message_part != NULL && strstr (error->message, message_part) == NULL)
		fail_msg ("%s: \"%s\" does not say \"%s\"", what, error->message, message_part);
}

static void
test_merkle_consistency_negative (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	static const guint8 junk[HL] = {0xca, 0xfe};
	guint8 roots[9][HL];

	for (guint64 s = 0; s <= 8; s++)
		assert_true (ir_merkle_tree_root (tree, s, roots[s], NULL));

	for (guint64 n = 1; n <= 8; n++) {
		for (guint64 m = 1; m <= n; m++) {
			g_autoptr (GBytes) proof_bytes =
			    ir_merkle_tree_consistency_proof (tree, m, n, NULL);
			gsize len = 0;
			/* an empty proof's data is NULL; memcpy from NULL is undefined */
			const guint8 *proof = g_bytes_get_size (proof_bytes) > 0
						  ? g_bytes_get_data (proof_bytes, &len)
						  : (len = 0, (const guint8 *)"");
			g_autofree guint8 *buf = g_malloc (len + 2 * HL);
			guint8 bad[HL];
			g_autofree char *what = g_strdup_printf (
			    "consistency %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, m, n);

			assert_true (ir_merkle_verify_consistency (
			    m, n, roots[m], roots[n], proof, len, NULL));

			/* wrong sizes: old > new, old = 0, and every other pair */
			test_merkle_expect_consistency_fails (
			    n, m == n ? n - 1 : m, roots[n], roots[m], proof, len, what, NULL);
			test_merkle_expect_consistency_fails (
			    0, n, roots[0], roots[n], proof, len, what, "old size is 0");
			for (guint64 a = 0; a <= 16; a++) {
				for (guint64 b = 0; b <= 16; b++) {
					g_autofree char *steps =
					    test_merkle_consistency_steps (m, n);
					g_autofree char *other_steps =
					    test_merkle_consistency_steps (a, b);

					if (a == m && b == n)
						continue;
					if (g_strcmp0 (steps, other_steps) == 0)
						assert_true (ir_merkle_verify_consistency (
						    a, b, roots[m], roots[n], proof, len, NULL));
					else
						test_merkle_expect_consistency_fails (a,
										      b,
										      roots[m],
										      roots[n],
										      proof,
										      len,
										      what,
										      NULL);
				}
			}

			/* wrong roots: every other old root and new root */
			for (guint64 s = 0; s <= 8; s++) {
				if (s != m)
					test_merkle_expect_consistency_fails (
					    m, n, roots[s], roots[n], proof, len, what, NULL);
				if (s != n)
					test_merkle_expect_consistency_fails (
					    m, n, roots[m], roots[s], proof, len, what, NULL);
			}
			for (guint bit = 0; bit < HL * 8; bit++) {
				memcpy (bad, roots[m], HL);
				bad[bit / 8] ^= (guint8)(1u << (bit % 8));
				test_merkle_expect_consistency_fails (
				    m, n, bad, roots[n], proof, len, what, NULL);
				memcpy (bad, roots[n], HL);
				bad[bit / 8] ^= (guint8)(1u << (bit % 8));
				test_merkle_expect_consistency_fails (
				    m, n, roots[m], bad, proof, len, what, NULL);
			}

			/* every bit of every proof hash */
			for (gsize bit = 0; bit < len * 8; bit++) {
				memcpy (buf, proof, len);
				buf[bit / 8] ^= (guint8)(1u << (bit % 8));
				test_merkle_expect_consistency_fails (
				    m, n, roots[m], roots[n], buf, len, what, "does not lead");
			}

			/* extra node at either end, missing node at either end */
			memcpy (buf, proof, len);
			memcpy (buf + len, junk, HL);
			test_merkle_expect_consistency_fails (m,
							      n,
							      roots[m],
							      roots[n],
							      buf,
							      len + HL,
							      what,
							      m == n ? "must be empty"
								     : "too many");
			memcpy (buf, roots[m], HL);
			memcpy (buf + HL, proof, len);
			test_merkle_expect_consistency_fails (
			    m, n, roots[m], roots[n], buf, len + HL, what, NULL);
			if (len > 0) {
				test_merkle_expect_consistency_fails (
				    m, n, roots[m], roots[n], proof, len - HL, what, "too few");
				test_merkle_expect_consistency_fails (m,
								      n,
								      roots[m],
								      roots[n],
								      proof + HL,
								      len - HL,
								      what,
								      "too few");
				test_merkle_expect_consistency_fails (
				    m, n, roots[m], roots[n], proof, len - 1, what, "whole number");
			}
		}
	}
	/* same size, different roots: a fork */
	test_merkle_expect_consistency_fails (5, 5, roots[5], roots[6], NULL, 0, "fork", "forked");
}

/* ---- randomised cross-checks against the reference, sizes up to 300 ---- */

static IrMerkleTree *
test_merkle_random_tree (GRand *rand, guint64 n)
{
	IrMerkleTree *tree = ir_merkle_tree_new ();

	for (guint64 i = 0; i < n; i++) {
		guint8 data[40];
		guint len = (guint)g_rand_int_range (rand, 0, sizeof (data) + 1);

		for (guint j = 0; j < len; j++)
			data[j] = (guint8)g_rand_int (rand);
		ir_merkle_tree_append (tree, data, len);
	}
	return tree;
}

static void
test_merkle_check_tree_against_reference (const IrMerkleTree *tree, GRand *rand, guint pairs)
{
	guint64 n = ir_merkle_tree_get_size (tree);
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);
	g_autofree guint8 *roots = g_malloc ((n + 1) * HL);

	for (guint64 s = 0; s <= n; s++) {
		guint8 got[HL];

		test_merkle_ref_mth (leaves, s, roots + s * HL);
		assert_true (ir_merkle_tree_root (tree, s, got, NULL));
		if (memcmp (got, roots + s * HL, HL) != 0)
			fail_msg ("root of size %" G_GUINT64_FORMAT " differs from the reference",
				  s);
	}
	for (guint i = 0; i < pairs && n > 0; i++) {
		guint64 size = 1 + (guint64)g_rand_int_range (rand, 0, (gint32)n);
		guint64 index = (guint64)g_rand_int_range (rand, 0, (gint32)size);
		guint64 old_size = 1 + (guint64)g_rand_int_range (rand, 0, (gint32)size);
		g_autoptr (GByteArray) ref_incl = g_byte_array_new ();
		g_autoptr (GByteArray) ref_cons = g_byte_array_new ();
		g_autoptr (GBytes) incl = ir_merkle_tree_inclusion_proof (tree, index, size, NULL);
		g_autoptr (GBytes) cons =
		    ir_merkle_tree_consistency_proof (tree, old_size, size, NULL);
		g_autoptr (GError) error = NULL;

		test_merkle_ref_path (index, leaves, size, ref_incl);
		test_merkle_ref_subproof (old_size, leaves, size, TRUE, ref_cons);
		test_merkle_assert_bytes_equal (incl, ref_incl->data, ref_incl->len, "inclusion");
		test_merkle_assert_bytes_equal (cons, ref_cons->data, ref_cons->len, "consistency");
		if (!ir_merkle_verify_inclusion (index,
						 size,
						 leaves + index * HL,
						 ref_incl->data,
						 ref_incl->len,
						 roots + size * HL,
						 &error))
			fail_msg ("%s", error->message);
		if (!ir_merkle_verify_consistency (old_size,
						   size,
						   roots + old_size * HL,
						   roots + size * HL,
						   ref_cons->data,
						   ref_cons->len,
						   &error))
			fail_msg ("%s", error->message);
		/* a neighbour's leaf never verifies */
		if (size > 1) {
			guint64 other = (index + 1) % size;

			assert_false (ir_merkle_verify_inclusion (index,
								  size,
								  leaves + other * HL,
								  ref_incl->data,
								  ref_incl->len,
								  roots + size * HL,
								  NULL));
		}
	}
}

static void
test_merkle_random_cross_check (void **state)
{
	g_autoptr (GRand) rand = g_rand_new_with_seed (9162);

	for (guint64 n = 0; n <= 300; n += 1 + (n > 40 ? 13 : 0)) {
		g_autoptr (IrMerkleTree) tree = test_merkle_random_tree (rand, n);

		test_merkle_check_tree_against_reference (tree, rand, 40);
	}
	{
		g_autoptr (IrMerkleTree) tree = test_merkle_random_tree (rand, 300);

		test_merkle_check_tree_against_reference (tree, rand, 1000);
	}
}

/* every proof of every pair in a 64-leaf tree, exhaustively */
static void
test_merkle_exhaustive_64 (void **state)
{
	g_autoptr (GRand) rand = g_rand_new_with_seed (6962);
	g_autoptr (IrMerkleTree) tree = test_merkle_random_tree (rand, 64);
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);

	for (guint64 n = 1; n <= 64; n++) {
		guint8 root[HL];

		assert_true (ir_merkle_tree_root (tree, n, root, NULL));
		for (guint64 m = 0; m < n; m++) {
			g_autoptr (GByteArray) ref = g_byte_array_new ();
			g_autoptr (GBytes) incl = ir_merkle_tree_inclusion_proof (tree, m, n, NULL);
			g_autoptr (GBytes) cons =
			    ir_merkle_tree_consistency_proof (tree, m + 1, n, NULL);
			guint8 old_root[HL];

			test_merkle_ref_path (m, leaves, n, ref);
			test_merkle_assert_bytes_equal (incl, ref->data, ref->len, "inclusion");
			assert_true (ir_merkle_verify_inclusion (
			    m, n, leaves + m * HL, ref->data, ref->len, root, NULL));
			g_byte_array_set_size (ref, 0);
			test_merkle_ref_subproof (m + 1, leaves, n, TRUE, ref);
			test_merkle_assert_bytes_equal (cons, ref->data, ref->len, "consistency");
			assert_true (ir_merkle_tree_root (tree, m + 1, old_root, NULL));
			assert_true (ir_merkle_verify_consistency (
			    m + 1, n, old_root, root, ref->data, ref->len, NULL));
		}
	}
}

/* past the cached levels (2^8 and up): roots of sizes around the powers
 * of two, and truncation back to each of them then growing again */
static void
test_merkle_large_and_truncate (void **state)
{
	static const guint64 sizes[] = {
	    0,
	    1,
	    2,
	    255,
	    256,
	    257,
	    511,
	    512,
	    513,
	    767,
	    768,
	    1023,
	    1024,
	    1025,
	    1500,
	    2047,
	    2048,
	    2049,
	};
	g_autoptr (GRand) rand = g_rand_new_with_seed (2049);
	g_autoptr (IrMerkleTree) tree = test_merkle_random_tree (rand, 2049);
	g_autofree guint8 *leaves = test_merkle_tree_leaves (tree);

	for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
		guint8 want[HL];
		guint8 got[HL];

		test_merkle_ref_mth (leaves, sizes[i], want);
		assert_true (ir_merkle_tree_root (tree, sizes[i], got, NULL));
		assert_memory_equal (got, want, HL);
	}
	for (guint i = G_N_ELEMENTS (sizes); i > 0; i--) {
		guint64 size = sizes[i - 1];
		g_autoptr (IrMerkleTree) copy = ir_merkle_tree_new ();
		guint8 want[HL];
		guint8 got[HL];

		for (guint64 j = 0; j < 2049; j++)
			ir_merkle_tree_append_hash (copy, leaves + j * HL);
		ir_merkle_tree_truncate (copy, size);
		assert_int_equal (ir_merkle_tree_get_size (copy), size);
		assert_null (ir_merkle_tree_get_leaf_hash (copy, size));
		test_merkle_ref_mth (leaves, size, want);
		assert_true (ir_merkle_tree_root (copy, size, got, NULL));
		assert_memory_equal (got, want, HL);
		/* grow back to the full size: same roots as never truncated */
		for (guint64 j = size; j < 2049; j++)
			ir_merkle_tree_append_hash (copy, leaves + j * HL);
		for (guint k = 0; k < G_N_ELEMENTS (sizes); k++) {
			assert_true (ir_merkle_tree_root (copy, sizes[k], got, NULL));
			assert_true (ir_merkle_tree_root (tree, sizes[k], want, NULL));
			assert_memory_equal (got, want, HL);
		}
		/* and the same proofs as the tree never truncated */
		for (guint k = 0; k < 20; k++) {
			guint64 n = 1 + (guint64)g_rand_int_range (rand, 0, 2049);
			guint64 m = 1 + (guint64)g_rand_int_range (rand, 0, (gint32)n);
			g_autoptr (GBytes) a =
			    ir_merkle_tree_inclusion_proof (copy, m - 1, n, NULL);
			g_autoptr (GBytes) b =
			    ir_merkle_tree_inclusion_proof (tree, m - 1, n, NULL);
			g_autoptr (GBytes) c = ir_merkle_tree_consistency_proof (copy, m, n, NULL);
			g_autoptr (GBytes) d = ir_merkle_tree_consistency_proof (tree, m, n, NULL);

			assert_true (g_bytes_equal (a, b));
			assert_true (g_bytes_equal (c, d));
		}
	}
	/* truncating to a larger size changes nothing */
	ir_merkle_tree_truncate (tree, 5000);
	assert_int_equal (ir_merkle_tree_get_size (tree), 2049);
}

/* ---- refused arguments when making proofs ---- */

typedef struct {
	guint64 a;
	guint64 b;
} SizeRow;

static void
test_merkle_refused_arguments (void **state)
{
	g_autoptr (IrMerkleTree) tree = test_merkle_ct_tree ();
	static const SizeRow inclusion_rows[] = {{0, 0}, {8, 8}, {9, 8}, {0, 9}, {G_MAXUINT64, 8}};
	static const SizeRow consistency_rows[] = {{0, 1}, {0, 0}, {5, 4}, {1, 9}, {9, 9}};
	guint8 root[HL];
	g_autoptr (GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS (inclusion_rows); i++) {
		g_autoptr (GError) row_error = NULL;
		g_autoptr (GBytes) proof = ir_merkle_tree_inclusion_proof (
		    tree, inclusion_rows[i].a, inclusion_rows[i].b, &row_error);

		assert_null (proof);
		assert_true (g_error_matches (row_error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	}
	for (guint i = 0; i < G_N_ELEMENTS (consistency_rows); i++) {
		g_autoptr (GError) row_error = NULL;
		g_autoptr (GBytes) proof = ir_merkle_tree_consistency_proof (
		    tree, consistency_rows[i].a, consistency_rows[i].b, &row_error);

		assert_null (proof);
		assert_true (g_error_matches (row_error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	}
	assert_false (ir_merkle_tree_root (tree, 9, root, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_null (ir_merkle_tree_get_leaf_hash (tree, 8));
	{
		g_autoptr (GBytes) same = ir_merkle_tree_consistency_proof (tree, 8, 8, NULL);

		assert_non_null (same);
		assert_int_equal (g_bytes_get_size (same), 0);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_merkle_hashes),
	    cmocka_unit_test (test_merkle_roots),
	    cmocka_unit_test (test_merkle_inclusion_vectors),
	    cmocka_unit_test (test_merkle_consistency_vectors),
	    cmocka_unit_test (test_merkle_inclusion_negative),
	    cmocka_unit_test (test_merkle_consistency_negative),
	    cmocka_unit_test (test_merkle_random_cross_check),
	    cmocka_unit_test (test_merkle_exhaustive_64),
	    cmocka_unit_test (test_merkle_large_and_truncate),
	    cmocka_unit_test (test_merkle_refused_arguments),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
