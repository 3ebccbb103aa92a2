/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The lines of a file, read in big blocks into one buffer and handed out
 * in place: `audit verify` of a million records spent its time copying
 * lines out of stdio's buffer (getline) as much as reading them. A line
 * stays where it is until ir_audit_lines_release, so a caller can hold
 * up to IR_AUDIT_LINES_MAX_HELD of them at once (a record and its
 * signature line); memory is the block plus the longest held lines. */

#define IR_AUDIT_LINES_MAX_HELD 2

typedef struct {
	int fd;
	char *buf;
	gsize cap;
	gsize held; /* where the first held line starts in buf */
	gsize next; /* where the next line starts */
	gsize end;  /* bytes read into buf */
	gboolean eof;
	int errnum; /* of a failed read(), 0 if none */
	guint n_held;
	gsize line[IR_AUDIT_LINES_MAX_HELD]; /* offsets from held */
	gsize len[IR_AUDIT_LINES_MAX_HELD];
} IrAuditLines;

/* Reads @fd (not closed here) from its current offset. */
void ir_audit_lines_init (IrAuditLines *self, int fd);
void ir_audit_lines_clear (IrAuditLines *self);

/* Holds the next line; its length with its newline, if it has one (only
 * the file's last line may not), 0 at the end of the file, -1 on a read
 * error (self->errnum). Never more than IR_AUDIT_LINES_MAX_HELD held. */
gssize ir_audit_lines_next (IrAuditLines *self);

/* The held line @i (0 = the first held), valid until the next
 * ir_audit_lines_next or ir_audit_lines_release. */
const char *ir_audit_lines_get (const IrAuditLines *self, guint i);

/* The held lines are done with. */
void ir_audit_lines_release (IrAuditLines *self);

G_END_DECLS
