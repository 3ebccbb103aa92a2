/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-merkle.h"

G_BEGIN_DECLS

/* The right edge of an RFC 9162 tree: the roots of its aligned perfect
 * subtrees, one per set bit of the size, largest first. That is all a
 * witness needs to keep of a log to append leaves and give the new root:
 * appending costs O(1) amortised and the root O(log n), whatever the size,
 * where rebuilding the tree from every leaf costs O(n). Pure: no I/O. */
typedef struct _IrMerkleEdge IrMerkleEdge;

IrMerkleEdge *ir_merkle_edge_new (void);
void ir_merkle_edge_free (IrMerkleEdge *self);
/* The edge as ir_merkle_edge_to_bytes() gave it, for a tree of @size
 * leaves: exactly one hash per set bit of @size, or IR_ERROR_INVALID_INPUT. */
IrMerkleEdge *ir_merkle_edge_new_from_bytes (guint64 size, GBytes *hashes, GError **error);
/* The subtree roots, largest first, concatenated (32 bytes each). */
GBytes *ir_merkle_edge_to_bytes (const IrMerkleEdge *self);
void ir_merkle_edge_append_hash (IrMerkleEdge *self, const guint8 leaf_hash[IR_MERKLE_HASH_LEN]);
guint64 ir_merkle_edge_get_size (const IrMerkleEdge *self);
void ir_merkle_edge_root (const IrMerkleEdge *self, guint8 out[IR_MERKLE_HASH_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrMerkleEdge, ir_merkle_edge_free)

G_END_DECLS
