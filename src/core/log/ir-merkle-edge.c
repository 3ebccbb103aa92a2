/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "ir-error.h"
#include "ir-merkle-edge.h"

/* A size has at most 64 set bits, so the edge never holds more hashes. */
#define IR_MERKLE_EDGE_MAX 64

struct _IrMerkleEdge {
	guint8 hashes[IR_MERKLE_EDGE_MAX][IR_MERKLE_HASH_LEN]; /* largest subtree first */
	guint len;
	guint64 size;
};

IrMerkleEdge *
ir_merkle_edge_new (void)
{
	return g_new0 (IrMerkleEdge, 1);
}

void
ir_merkle_edge_free (IrMerkleEdge *self)
{
	g_free (self);
}

IrMerkleEdge *
ir_merkle_edge_new_from_bytes (guint64 size, GBytes *hashes, GError **error)
{
	g_autoptr (IrMerkleEdge) self = ir_merkle_edge_new ();
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (hashes, &len);
	guint want = (guint)__builtin_popcountll (size);

	if (len != (gsize)want * IR_MERKLE_HASH_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the right edge of a tree of %" G_GUINT64_FORMAT
			     " leaves has %u hashes (%u bytes), not %" G_GSIZE_FORMAT " bytes",
			     size,
			     want,
			     want * IR_MERKLE_HASH_LEN,
			     len);
		return NULL;
	}
	if (len > 0)
		memcpy (self->hashes, data, len);
	self->len = want;
	self->size = size;
	return g_steal_pointer (&self);
}

GBytes *
ir_merkle_edge_to_bytes (const IrMerkleEdge *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return g_bytes_new (self->hashes, (gsize)self->len * IR_MERKLE_HASH_LEN);
}

/* The edge's subtrees are the set bits of the size from the highest: a new
 * leaf merges with the smallest ones while they are as high as what it has
 * become, exactly as the size's binary carry ripples. */
void
ir_merkle_edge_append_hash (IrMerkleEdge *self, const guint8 leaf_hash[IR_MERKLE_HASH_LEN])
{
	guint8 acc[IR_MERKLE_HASH_LEN];

	g_return_if_fail (self != NULL);

	memcpy (acc, leaf_hash, IR_MERKLE_HASH_LEN);
	for (guint64 carry = self->size; carry & 1; carry >>= 1) {
		self->len--;
		ir_merkle_node_hash (self->hashes[self->len], acc, acc);
	}
	memcpy (self->hashes[self->len], acc, IR_MERKLE_HASH_LEN);
	self->len++;
	self->size++;
}

guint64
ir_merkle_edge_get_size (const IrMerkleEdge *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->size;
}

/* RFC 9162 splits at the largest power of two below the size: the root is
 * the edge folded from the right. */
void
ir_merkle_edge_root (const IrMerkleEdge *self, guint8 out[IR_MERKLE_HASH_LEN])
{
	g_return_if_fail (self != NULL);

	if (self->len == 0) {
		/* the empty tree's root is SHA-256 of nothing (RFC 9162 §2.1.1) */
		if (EVP_Digest (NULL, 0, out, NULL, EVP_sha256 (), NULL) != 1)
			g_error ("OpenSSL SHA-256 failed: out of memory?");
		return;
	}
	memcpy (out, self->hashes[self->len - 1], IR_MERKLE_HASH_LEN);
	for (guint i = self->len - 1; i > 0; i--)
		ir_merkle_node_hash (self->hashes[i - 1], out, out);
}
