/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "ir-error.h"
#include "ir-merkle.h"

/* The tree keeps every leaf hash, plus the hashes of every aligned perfect
 * subtree of 2^k leaves for k >= IR_MERKLE_CACHE_LEVEL (1/8 of the leaf
 * memory). Any subtree the RFC 9162 recursion asks for is then at most
 * 2^IR_MERKLE_CACHE_LEVEL - 1 hashes of work away, so roots of any size and
 * proofs cost O(log n) lookups instead of O(n) hashing. The compact range
 * (one perfect subtree root per set bit of the size) makes append O(1)
 * amortised and the current root O(log n). */
#define IR_MERKLE_CACHE_LEVEL 4
#define IR_MERKLE_MAX_LEVEL   64

typedef struct {
	guint8 hash[IR_MERKLE_HASH_LEN];
	guint level; /* the subtree holds 2^level leaves */
} IrMerkleRange;

struct _IrMerkleTree {
	GArray *leaves;			     /* guint8[32] each, flattened */
	GArray *levels[IR_MERKLE_MAX_LEVEL]; /* k >= cache level, else NULL */
	IrMerkleRange range[IR_MERKLE_MAX_LEVEL];
	guint range_len;
	guint64 size;
};

/* SHA-256 from OpenSSL (hardware accelerated where the CPU has it), one
 * fetched digest and one reused context per thread: a 1,000,000-record
 * audit hashes tens of millions of 65-byte nodes, and a fresh context per
 * hash costs more than the hash. */
static const EVP_MD *
ir_merkle_sha256_md (void)
{
	static gsize once = 0;
	static EVP_MD *md = NULL;

	if (g_once_init_enter (&once)) {
		md = EVP_MD_fetch (NULL, "SHA256", NULL);
		g_once_init_leave (&once, 1);
	}
	return md;
}

static GPrivate sha256_ctx_key = G_PRIVATE_INIT ((GDestroyNotify)EVP_MD_CTX_free);

/* Starts a hash on this thread's context; set up with the digest once,
 * later starts reuse it (cheaper than naming the digest again). */
static EVP_MD_CTX *
ir_merkle_sha256_begin (void)
{
	EVP_MD_CTX *ctx = g_private_get (&sha256_ctx_key);
	gboolean ok;

	if (ctx == NULL) {
		ctx = EVP_MD_CTX_new ();
		g_private_set (&sha256_ctx_key, ctx);
		ok = ctx != NULL && ir_merkle_sha256_md () != NULL &&
		     EVP_DigestInit_ex2 (ctx, ir_merkle_sha256_md (), NULL) == 1;
	} else {
		ok = EVP_DigestInit_ex2 (ctx, NULL, NULL) == 1;
	}
	/* only allocation failure can get here: nothing to recover */
	if (!ok)
		g_error ("OpenSSL SHA-256 failed: out of memory?");
	return ctx;
}

static void
ir_merkle_sha256_end (EVP_MD_CTX *ctx, gboolean ok, guint8 out[IR_MERKLE_HASH_LEN])
{
	if (!ok || EVP_DigestFinal_ex (ctx, out, NULL) != 1)
		g_error ("OpenSSL SHA-256 failed: out of memory?");
}

void
ir_merkle_leaf_hash (const guint8 *data, gsize len, guint8 out[IR_MERKLE_HASH_LEN])
{
	static const guint8 prefix = 0x00;
	EVP_MD_CTX *ctx = ir_merkle_sha256_begin ();
	gboolean ok = EVP_DigestUpdate (ctx, &prefix, 1) == 1;

	if (len > 0)
		ok = ok && EVP_DigestUpdate (ctx, data, len) == 1;
	ir_merkle_sha256_end (ctx, ok, out);
}

void
ir_merkle_node_hash (const guint8 left[IR_MERKLE_HASH_LEN],
		     const guint8 right[IR_MERKLE_HASH_LEN],
		     guint8 out[IR_MERKLE_HASH_LEN])
{
	guint8 buf[1 + 2 * IR_MERKLE_HASH_LEN];
	EVP_MD_CTX *ctx = ir_merkle_sha256_begin ();

	/* one update of 65 bytes: @out may alias @left or @right */
	buf[0] = 0x01;
	memcpy (buf + 1, left, IR_MERKLE_HASH_LEN);
	memcpy (buf + 1 + IR_MERKLE_HASH_LEN, right, IR_MERKLE_HASH_LEN);
	ir_merkle_sha256_end (ctx, EVP_DigestUpdate (ctx, buf, sizeof (buf)) == 1, out);
}

static void
ir_merkle_empty_root (guint8 out[IR_MERKLE_HASH_LEN])
{
	EVP_MD_CTX *ctx = ir_merkle_sha256_begin ();

	ir_merkle_sha256_end (ctx, TRUE, out);
}

IrMerkleTree *
ir_merkle_tree_new (void)
{
	IrMerkleTree *self = g_new0 (IrMerkleTree, 1);

	self->leaves = g_array_new (FALSE, FALSE, IR_MERKLE_HASH_LEN);
	for (guint k = IR_MERKLE_CACHE_LEVEL; k < IR_MERKLE_MAX_LEVEL; k++)
		self->levels[k] = g_array_new (FALSE, FALSE, IR_MERKLE_HASH_LEN);
	return self;
}

void
ir_merkle_tree_free (IrMerkleTree *self)
{
	if (self == NULL)
		return;
	g_array_unref (self->leaves);
	for (guint k = IR_MERKLE_CACHE_LEVEL; k < IR_MERKLE_MAX_LEVEL; k++)
		g_array_unref (self->levels[k]);
	g_free (self);
}

/* Folds the compact range into the incoming perfect subtree as long as the
 * top of the range has the same height, caching the larger subtrees. */
static void
ir_merkle_range_push (IrMerkleTree *self, const guint8 hash[IR_MERKLE_HASH_LEN], guint level)
{
	guint8 acc[IR_MERKLE_HASH_LEN];

	memcpy (acc, hash, IR_MERKLE_HASH_LEN);
	while (self->range_len > 0 && self->range[self->range_len - 1].level == level) {
		IrMerkleRange *top = &self->range[self->range_len - 1];

		ir_merkle_node_hash (top->hash, acc, acc);
		self->range_len--;
		level++;
		if (level >= IR_MERKLE_CACHE_LEVEL)
			g_array_append_vals (self->levels[level], acc, 1);
	}
	memcpy (self->range[self->range_len].hash, acc, IR_MERKLE_HASH_LEN);
	self->range[self->range_len].level = level;
	self->range_len++;
}

void
ir_merkle_tree_append_hash (IrMerkleTree *self, const guint8 leaf_hash[IR_MERKLE_HASH_LEN])
{
	g_return_if_fail (self != NULL);

	g_array_append_vals (self->leaves, leaf_hash, 1);
	self->size++;
	ir_merkle_range_push (self, leaf_hash, 0);
}

void
ir_merkle_tree_append (IrMerkleTree *self, const guint8 *data, gsize len)
{
	guint8 hash[IR_MERKLE_HASH_LEN];

	ir_merkle_leaf_hash (data, len, hash);
	ir_merkle_tree_append_hash (self, hash);
}

guint64
ir_merkle_tree_get_size (const IrMerkleTree *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->size;
}

const guint8 *
ir_merkle_tree_get_leaf_hash (const IrMerkleTree *self, guint64 index)
{
	g_return_val_if_fail (self != NULL, NULL);
	if (index >= self->size)
		return NULL;
	return (const guint8 *)self->leaves->data + index * IR_MERKLE_HASH_LEN;
}

/* The hash of the perfect subtree of 2^level leaves starting at @start
 * (a multiple of 2^level, wholly inside the tree). */
static void
ir_merkle_perfect_hash (const IrMerkleTree *self,
			guint64 start,
			guint level,
			guint8 out[IR_MERKLE_HASH_LEN])
{
	guint8 buf[(1u << (IR_MERKLE_CACHE_LEVEL - 1)) * IR_MERKLE_HASH_LEN];
	const guint8 *leaves = (const guint8 *)self->leaves->data + start * IR_MERKLE_HASH_LEN;
	gsize count;

	if (level >= IR_MERKLE_CACHE_LEVEL) {
		GArray *cached = self->levels[level];

		memcpy (out,
			(const guint8 *)cached->data + (start >> level) * IR_MERKLE_HASH_LEN,
			IR_MERKLE_HASH_LEN);
		return;
	}
	if (level == 0) {
		memcpy (out, leaves, IR_MERKLE_HASH_LEN);
		return;
	}
	/* first pass reads pairs of leaves, later passes reduce in place */
	count = (gsize)1 << (level - 1);
	for (gsize i = 0; i < count; i++)
		ir_merkle_node_hash (leaves + 2 * i * IR_MERKLE_HASH_LEN,
				     leaves + (2 * i + 1) * IR_MERKLE_HASH_LEN,
				     buf + i * IR_MERKLE_HASH_LEN);
	while (count > 1) {
		count /= 2;
		for (gsize i = 0; i < count; i++)
			ir_merkle_node_hash (buf + 2 * i * IR_MERKLE_HASH_LEN,
					     buf + (2 * i + 1) * IR_MERKLE_HASH_LEN,
					     buf + i * IR_MERKLE_HASH_LEN);
	}
	memcpy (out, buf, IR_MERKLE_HASH_LEN);
}

/* MTH(D[start : start + n]), n >= 1, for the ranges the RFC 9162
 * recursion produces: @start is a multiple of a power of two >= n, so the
 * range splits into aligned perfect subtrees, one per set bit of n, folded
 * from the right. */
static void
ir_merkle_range_hash (const IrMerkleTree *self,
		      guint64 start,
		      guint64 n,
		      guint8 out[IR_MERKLE_HASH_LEN])
{
	guint8 sub[IR_MERKLE_HASH_LEN];
	guint64 ends[IR_MERKLE_MAX_LEVEL];
	guint levels[IR_MERKLE_MAX_LEVEL];
	guint count = 0;
	guint64 pos = start;

	for (int k = IR_MERKLE_MAX_LEVEL - 1; k >= 0; k--) {
		if ((n >> k) & 1) {
			ends[count] = pos;
			levels[count] = (guint)k;
			count++;
			pos += (guint64)1 << k;
		}
	}
	ir_merkle_perfect_hash (self, ends[count - 1], levels[count - 1], out);
	for (guint i = count - 1; i > 0; i--) {
		ir_merkle_perfect_hash (self, ends[i - 1], levels[i - 1], sub);
		ir_merkle_node_hash (sub, out, out);
	}
}

void
ir_merkle_tree_truncate (IrMerkleTree *self, guint64 size)
{
	guint64 pos = 0;

	g_return_if_fail (self != NULL);
	if (size >= self->size)
		return;
	g_array_set_size (self->leaves, size);
	for (guint k = IR_MERKLE_CACHE_LEVEL; k < IR_MERKLE_MAX_LEVEL; k++)
		g_array_set_size (self->levels[k], size >> k);
	self->size = size;
	self->range_len = 0;
	for (int k = IR_MERKLE_MAX_LEVEL - 1; k >= 0; k--) {
		if ((size >> k) & 1) {
			IrMerkleRange *r = &self->range[self->range_len++];

			ir_merkle_perfect_hash (self, pos, (guint)k, r->hash);
			r->level = (guint)k;
			pos += (guint64)1 << k;
		}
	}
}

gboolean
ir_merkle_tree_root (const IrMerkleTree *self,
		     guint64 size,
		     guint8 out[IR_MERKLE_HASH_LEN],
		     GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (size > self->size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "no Merkle root for size %" G_GUINT64_FORMAT
			     ": the tree has only %" G_GUINT64_FORMAT " leaves",
			     size,
			     self->size);
		return FALSE;
	}
	if (size == 0) {
		ir_merkle_empty_root (out);
		return TRUE;
	}
	if (size == self->size) {
		/* the compact range: right to left */
		memcpy (out, self->range[self->range_len - 1].hash, IR_MERKLE_HASH_LEN);
		for (guint i = self->range_len - 1; i > 0; i--)
			ir_merkle_node_hash (self->range[i - 1].hash, out, out);
		return TRUE;
	}
	ir_merkle_range_hash (self, 0, size, out);
	return TRUE;
}

/* largest power of two smaller than n (n >= 2) */
static guint64
ir_merkle_split_point (guint64 n)
{
	guint64 k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/* RFC 9162 §2.1.3.1 PATH(m, D[start : start + n]); hashes appended leaf
 * side first. */
static void
ir_merkle_path (const IrMerkleTree *self, guint64 m, guint64 start, guint64 n, GByteArray *out)
{
	guint8 sibling[IR_MERKLE_HASH_LEN];
	guint64 k;

	if (n <= 1)
		return;
	k = ir_merkle_split_point (n);
	if (m < k) {
		ir_merkle_path (self, m, start, k, out);
		ir_merkle_range_hash (self, start + k, n - k, sibling);
	} else {
		ir_merkle_path (self, m - k, start + k, n - k, out);
		ir_merkle_range_hash (self, start, k, sibling);
	}
	g_byte_array_append (out, sibling, IR_MERKLE_HASH_LEN);
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[start : start + n], b) */
static void
ir_merkle_subproof (
    const IrMerkleTree *self, guint64 m, guint64 start, guint64 n, gboolean b, GByteArray *out)
{
	guint8 hash[IR_MERKLE_HASH_LEN];
	guint64 k;

	if (m == n) {
		if (!b) {
			ir_merkle_range_hash (self, start, n, hash);
			g_byte_array_append (out, hash, IR_MERKLE_HASH_LEN);
		}
		return;
	}
	k = ir_merkle_split_point (n);
	if (m <= k) {
		ir_merkle_subproof (self, m, start, k, b, out);
		ir_merkle_range_hash (self, start + k, n - k, hash);
	} else {
		ir_merkle_subproof (self, m - k, start + k, n - k, FALSE, out);
		ir_merkle_range_hash (self, start, k, hash);
	}
	g_byte_array_append (out, hash, IR_MERKLE_HASH_LEN);
}

GBytes *
ir_merkle_tree_inclusion_proof (const IrMerkleTree *self,
				guint64 index,
				guint64 size,
				GError **error)
{
	g_autoptr (GByteArray) out = g_byte_array_new ();

	g_return_val_if_fail (self != NULL, NULL);

	if (size > self->size || index >= size) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "no inclusion proof for leaf %" G_GUINT64_FORMAT
		    " in tree size %" G_GUINT64_FORMAT
		    ": the index must be below the size and the size at most %" G_GUINT64_FORMAT,
		    index,
		    size,
		    self->size);
		return NULL;
	}
	ir_merkle_path (self, index, 0, size, out);
	return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
ir_merkle_tree_consistency_proof (const IrMerkleTree *self,
				  guint64 old_size,
				  guint64 new_size,
				  GError **error)
{
	g_autoptr (GByteArray) out = g_byte_array_new ();

	g_return_val_if_fail (self != NULL, NULL);

	if (old_size == 0 || old_size > new_size || new_size > self->size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "no consistency proof from size %" G_GUINT64_FORMAT
			     " to %" G_GUINT64_FORMAT
			     ": it needs 0 < old size <= new size <= %" G_GUINT64_FORMAT,
			     old_size,
			     new_size,
			     self->size);
		return NULL;
	}
	ir_merkle_subproof (self, old_size, 0, new_size, TRUE, out);
	return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static guint
ir_merkle_bit_length (guint64 x)
{
	guint n = 0;

	while (x != 0) {
		n++;
		x >>= 1;
	}
	return n;
}

static guint
ir_merkle_popcount (guint64 x)
{
	guint n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

/* Number of hashes in PATH(index, D[size]): the levels where the paths to
 * @index and to the last leaf part, plus the left siblings above them. */
static gsize
ir_merkle_inclusion_proof_count (guint64 index, guint64 size)
{
	guint inner = ir_merkle_bit_length (index ^ (size - 1));

	return inner + ir_merkle_popcount (index >> inner);
}

static gboolean
ir_merkle_check_proof_len (const char *what, gsize proof_len, gsize want, GError **error)
{
	if (proof_len % IR_MERKLE_HASH_LEN != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "%s is %" G_GSIZE_FORMAT
			     " bytes, not a whole number of %d-byte hashes",
			     what,
			     proof_len,
			     IR_MERKLE_HASH_LEN);
		return FALSE;
	}
	if (proof_len / IR_MERKLE_HASH_LEN != want) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "%s has %" G_GSIZE_FORMAT " hashes, %s: it must have %" G_GSIZE_FORMAT,
			     what,
			     proof_len / IR_MERKLE_HASH_LEN,
			     proof_len / IR_MERKLE_HASH_LEN < want ? "too few" : "too many",
			     want);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_merkle_verify_inclusion (guint64 index,
			    guint64 size,
			    const guint8 leaf_hash[IR_MERKLE_HASH_LEN],
			    const guint8 *proof,
			    gsize proof_len,
			    const guint8 root[IR_MERKLE_HASH_LEN],
			    GError **error)
{
	g_autofree char *what = NULL;
	guint8 r[IR_MERKLE_HASH_LEN];
	guint64 fn;
	guint64 sn;

	if (index >= size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "inclusion proof names leaf %" G_GUINT64_FORMAT
			     " of a tree of size %" G_GUINT64_FORMAT ": the index is out of range",
			     index,
			     size);
		return FALSE;
	}
	what = g_strdup_printf ("the inclusion proof for leaf %" G_GUINT64_FORMAT
				" in tree size %" G_GUINT64_FORMAT,
				index,
				size);
	if (!ir_merkle_check_proof_len (
		what, proof_len, ir_merkle_inclusion_proof_count (index, size), error))
		return FALSE;

	/* RFC 9162 §2.1.3.2, step by step */
	fn = index;
	sn = size - 1;
	memcpy (r, leaf_hash, IR_MERKLE_HASH_LEN);
	for (gsize off = 0; off < proof_len; off += IR_MERKLE_HASH_LEN) {
		const guint8 *p = proof + off;

		if (sn == 0) {
			g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "%s is too long", what);
			return FALSE;
		}
		if ((fn & 1) || fn == sn) {
			ir_merkle_node_hash (p, r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ir_merkle_node_hash (r, p, r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0) {
		g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "%s is too short", what);
		return FALSE;
	}
	if (memcmp (r, root, IR_MERKLE_HASH_LEN) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "%s does not lead to the expected root: the leaf, its index, "
			     "a proof hash or the root was altered",
			     what);
		return FALSE;
	}
	return TRUE;
}

static gsize
ir_merkle_consistency_proof_count (guint64 old_size, guint64 new_size)
{
	guint inner = ir_merkle_bit_length ((old_size - 1) ^ (new_size - 1));
	guint border = ir_merkle_popcount ((old_size - 1) >> inner);
	guint shift = 0;

	while (!((old_size >> shift) & 1))
		shift++;
	/* the old root itself starts the proof unless old size is a power of 2 */
	return (old_size == ((guint64)1 << shift) ? 0 : 1) + (inner - shift) + border;
}

static gboolean
ir_merkle_verify_equal_sizes (guint64 size,
			      const guint8 old_root[IR_MERKLE_HASH_LEN],
			      const guint8 new_root[IR_MERKLE_HASH_LEN],
			      gsize proof_len,
			      GError **error)
{
	if (proof_len != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "the consistency proof between two trees of size %" G_GUINT64_FORMAT
			     " must be empty, it has %" G_GSIZE_FORMAT " bytes",
			     size,
			     proof_len);
		return FALSE;
	}
	if (memcmp (old_root, new_root, IR_MERKLE_HASH_LEN) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "two different roots for the same tree size %" G_GUINT64_FORMAT
			     ": the log forked",
			     size);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_merkle_verify_consistency (guint64 old_size,
			      guint64 new_size,
			      const guint8 old_root[IR_MERKLE_HASH_LEN],
			      const guint8 new_root[IR_MERKLE_HASH_LEN],
			      const guint8 *proof,
			      gsize proof_len,
			      GError **error)
{
	g_autofree char *what = NULL;
	guint8 fr[IR_MERKLE_HASH_LEN];
	guint8 sr[IR_MERKLE_HASH_LEN];
	gsize off = 0;
	guint64 fn;
	guint64 sn;

	if (old_size == 0 || old_size > new_size) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "no consistency from tree size %" G_GUINT64_FORMAT
			     " to %" G_GUINT64_FORMAT ": %s",
			     old_size,
			     new_size,
			     old_size == 0 ? "the old size is 0" : "the log shrank");
		return FALSE;
	}
	if (old_size == new_size)
		return ir_merkle_verify_equal_sizes (
		    old_size, old_root, new_root, proof_len, error);
	what = g_strdup_printf ("the consistency proof from tree size %" G_GUINT64_FORMAT
				" to %" G_GUINT64_FORMAT,
				old_size,
				new_size);
	if (!ir_merkle_check_proof_len (
		what, proof_len, ir_merkle_consistency_proof_count (old_size, new_size), error))
		return FALSE;

	/* RFC 9162 §2.1.4.2; when old size is a power of two the old root is
	 * the implicit first proof hash */
	fn = old_size - 1;
	sn = new_size - 1;
	if ((old_size & (old_size - 1)) == 0) {
		memcpy (fr, old_root, IR_MERKLE_HASH_LEN);
	} else {
		memcpy (fr, proof, IR_MERKLE_HASH_LEN);
		off = IR_MERKLE_HASH_LEN;
	}
	memcpy (sr, fr, IR_MERKLE_HASH_LEN);
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; off < proof_len; off += IR_MERKLE_HASH_LEN) {
		const guint8 *c = proof + off;

		if (sn == 0) {
			g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "%s is too long", what);
			return FALSE;
		}
		if ((fn & 1) || fn == sn) {
			ir_merkle_node_hash (c, fr, fr);
			ir_merkle_node_hash (c, sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ir_merkle_node_hash (sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0) {
		g_set_error (error, IR_ERROR, IR_ERROR_TAMPERED, "%s is too short", what);
		return FALSE;
	}
	if (memcmp (fr, old_root, IR_MERKLE_HASH_LEN) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "%s does not lead to the old root: the old tree is not a prefix "
			     "of the new one, or a proof hash or the old root was altered",
			     what);
		return FALSE;
	}
	if (memcmp (sr, new_root, IR_MERKLE_HASH_LEN) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "%s does not lead to the new root: a proof hash or the new root "
			     "was altered",
			     what);
		return FALSE;
	}
	return TRUE;
}
