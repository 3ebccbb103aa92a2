/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include <glib.h>

#include "ir-merkle-edge.h"

G_BEGIN_DECLS

/* Where `audit verify` can pick up an inline log again: the tree's right
 * edge and the file offset every IR_AUDIT_MARKS_EVERY records. The
 * verifier keeps only the edge while it streams (O(log n) memory, where
 * every leaf was 32 MB at a million records); the bisection that finds the
 * first bad signature after a failure asks for the root and signature line
 * at any size, re-read from the nearest mark (at most that many pairs). */

#define IR_AUDIT_MARKS_EVERY 4096

typedef struct _IrAuditMarks IrAuditMarks;

IrAuditMarks *ir_audit_marks_new (void);
void ir_audit_marks_free (IrAuditMarks *self);

/* Before the record at file offset @offset joins @edge: kept when
 * @edge's size is a multiple of IR_AUDIT_MARKS_EVERY. */
void ir_audit_marks_add (IrAuditMarks *self, const IrMerkleEdge *edge, guint64 offset);

/* The root at @size (>= 1) and the signature line of record @size
 * (without its newline) into @sig, re-read from @fp; FALSE when no mark
 * covers @size or the file no longer holds those pairs. */
gboolean ir_audit_marks_read (const IrAuditMarks *self,
			      FILE *fp,
			      guint64 size,
			      guint8 root[IR_MERKLE_HASH_LEN],
			      GString *sig);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditMarks, ir_audit_marks_free)

G_END_DECLS
