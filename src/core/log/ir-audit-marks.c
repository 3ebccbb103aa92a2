/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <sys/types.h>

#include "ir-audit-marks.h"

typedef struct {
	guint64 size;	/* records before the mark */
	guint64 offset; /* where record size + 1 starts */
	GBytes *edge;	/* ir_merkle_edge_to_bytes at size */
} IrAuditMark;

struct _IrAuditMarks {
	GArray *marks; /* IrAuditMark, mark i at size i * IR_AUDIT_MARKS_EVERY */
};

static void
ir_audit_marks_clear (gpointer data)
{
	IrAuditMark *mark = data;

	g_bytes_unref (mark->edge);
}

IrAuditMarks *
ir_audit_marks_new (void)
{
	IrAuditMarks *self = g_new0 (IrAuditMarks, 1);

	self->marks = g_array_new (FALSE, FALSE, sizeof (IrAuditMark));
	g_array_set_clear_func (self->marks, ir_audit_marks_clear);
	return self;
}

void
ir_audit_marks_free (IrAuditMarks *self)
{
	if (self == NULL)
		return;
	g_array_unref (self->marks);
	g_free (self);
}

void
ir_audit_marks_add (IrAuditMarks *self, const IrMerkleEdge *edge, guint64 offset)
{
	guint64 size = ir_merkle_edge_get_size (edge);
	IrAuditMark mark = {size, offset, NULL};

	if (size % IR_AUDIT_MARKS_EVERY != 0 || size / IR_AUDIT_MARKS_EVERY != self->marks->len)
		return;
	mark.edge = ir_merkle_edge_to_bytes (edge);
	g_array_append_val (self->marks, mark);
}

/* one line into @line without its newline; FALSE at the end or a torn one */
static gboolean
ir_audit_marks_getline (FILE *fp, char **buf, size_t *cap, GString *line)
{
	ssize_t n = getline (buf, cap, fp);

	if (n <= 0 || (*buf)[n - 1] != '\n')
		return FALSE;
	g_string_truncate (line, 0);
	g_string_append_len (line, *buf, n - 1);
	return TRUE;
}

gboolean
ir_audit_marks_read (
    const IrAuditMarks *self, FILE *fp, guint64 size, guint8 root[IR_MERKLE_HASH_LEN], GString *sig)
{
	guint64 i = size > 0 ? (size - 1) / IR_AUDIT_MARKS_EVERY : G_MAXUINT64;
	const IrAuditMark *mark;
	g_autoptr (IrMerkleEdge) edge = NULL;
	g_autoptr (GString) rec = g_string_new (NULL);
	char *buf = NULL;
	size_t cap = 0;
	gboolean ok = TRUE;

	if (i >= self->marks->len)
		return FALSE;
	mark = &g_array_index (self->marks, IrAuditMark, i);
	edge = ir_merkle_edge_new_from_bytes (mark->size, mark->edge, NULL);
	if (edge == NULL || fseeko (fp, (off_t)mark->offset, SEEK_SET) != 0)
		return FALSE;
	while (ok && ir_merkle_edge_get_size (edge) < size) {
		guint8 leaf[IR_MERKLE_HASH_LEN];

		ok = ir_audit_marks_getline (fp, &buf, &cap, rec) &&
		     ir_audit_marks_getline (fp, &buf, &cap, sig);
		if (!ok)
			break;
		ir_merkle_leaf_hash ((const guint8 *)rec->str, rec->len, leaf);
		ir_merkle_edge_append_hash (edge, leaf);
	}
	free (buf);
	if (ok)
		ir_merkle_edge_root (edge, root);
	return ok;
}
