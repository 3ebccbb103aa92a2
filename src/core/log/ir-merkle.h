/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 9162 §2.1 Merkle tree hashing with SHA-256: leaf = H(0x00 || data),
 * node = H(0x01 || left || right), the empty tree's root = H(""). Pure:
 * no I/O. Inclusion and consistency proofs per RFC 9162 §2.1.3 and §2.1.4. */

#define IR_MERKLE_HASH_LEN 32

void ir_merkle_leaf_hash (const guint8 *data, gsize len, guint8 out[IR_MERKLE_HASH_LEN]);
void ir_merkle_node_hash (const guint8 left[IR_MERKLE_HASH_LEN],
			  const guint8 right[IR_MERKLE_HASH_LEN],
			  guint8 out[IR_MERKLE_HASH_LEN]);

/* An append-only tree that keeps every leaf hash (32 bytes a leaf), so it
 * can give roots of any earlier size and proofs. */
typedef struct _IrMerkleTree IrMerkleTree;

IrMerkleTree *ir_merkle_tree_new (void);
void ir_merkle_tree_free (IrMerkleTree *self);
void ir_merkle_tree_append (IrMerkleTree *self, const guint8 *data, gsize len);
void ir_merkle_tree_append_hash (IrMerkleTree *self, const guint8 leaf_hash[IR_MERKLE_HASH_LEN]);
/* Drops leaves past @size (the log cut a torn tail). */
void ir_merkle_tree_truncate (IrMerkleTree *self, guint64 size);
guint64 ir_merkle_tree_get_size (const IrMerkleTree *self);
const guint8 *ir_merkle_tree_get_leaf_hash (const IrMerkleTree *self, guint64 index);
/* Root of the first @size leaves (@size <= tree size). */
gboolean ir_merkle_tree_root (const IrMerkleTree *self,
			      guint64 size,
			      guint8 out[IR_MERKLE_HASH_LEN],
			      GError **error);

/* Proofs as concatenated hashes (a multiple of 32 bytes). */
GBytes *ir_merkle_tree_inclusion_proof (const IrMerkleTree *self,
					guint64 index,
					guint64 size,
					GError **error);
GBytes *ir_merkle_tree_consistency_proof (const IrMerkleTree *self,
					  guint64 old_size,
					  guint64 new_size,
					  GError **error);

/* Verifiers: FALSE with IR_ERROR_TAMPERED naming what did not match
 * (wrong root, proof too short or too long, index out of range). */
gboolean ir_merkle_verify_inclusion (guint64 index,
				     guint64 size,
				     const guint8 leaf_hash[IR_MERKLE_HASH_LEN],
				     const guint8 *proof,
				     gsize proof_len,
				     const guint8 root[IR_MERKLE_HASH_LEN],
				     GError **error);
gboolean ir_merkle_verify_consistency (guint64 old_size,
				       guint64 new_size,
				       const guint8 old_root[IR_MERKLE_HASH_LEN],
				       const guint8 new_root[IR_MERKLE_HASH_LEN],
				       const guint8 *proof,
				       gsize proof_len,
				       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrMerkleTree, ir_merkle_tree_free)

G_END_DECLS
