/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ir-audit-lines.h"

/* 1 MiB a read(): few system calls on a log of half a gigabyte, and well
 * inside the verifier's memory budget */
#define IR_AUDIT_LINES_BLOCK (1024 * 1024)

void
ir_audit_lines_init (IrAuditLines *self, int fd)
{
	memset (self, 0, sizeof (*self));
	self->fd = fd;
	self->cap = IR_AUDIT_LINES_BLOCK;
	self->buf = g_malloc (self->cap);
}

void
ir_audit_lines_clear (IrAuditLines *self)
{
	g_clear_pointer (&self->buf, g_free);
}

/* More bytes after self->end: the held lines move to the front first,
 * and the buffer grows only for a line longer than the block. FALSE on
 * a read error. */
static gboolean
ir_audit_lines_fill (IrAuditLines *self)
{
	ssize_t n;

	if (self->held > 0) {
		memmove (self->buf, self->buf + self->held, self->end - self->held);
		self->next -= self->held;
		self->end -= self->held;
		self->held = 0;
	}
	if (self->cap - self->end < IR_AUDIT_LINES_BLOCK / 2) {
		self->cap = MAX (self->cap * 2, self->end + IR_AUDIT_LINES_BLOCK);
		self->buf = g_realloc (self->buf, self->cap);
	}
	do
		n = read (self->fd, self->buf + self->end, self->cap - self->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		self->errnum = errno;
		return FALSE;
	}
	self->eof = n == 0;
	self->end += (gsize)n;
	return TRUE;
}

gssize
ir_audit_lines_next (IrAuditLines *self)
{
	gsize scanned = self->next;
	const char *nl;
	gsize len;

	g_return_val_if_fail (self->n_held < IR_AUDIT_LINES_MAX_HELD, -1);
	if (self->n_held == 0)
		self->held = self->next;
	for (;;) {
		nl = memchr (self->buf + scanned, '\n', self->end - scanned);
		if (nl != NULL || self->eof)
			break;
		/* only the new bytes are searched again; fill may move them */
		scanned = self->end - self->held;
		if (!ir_audit_lines_fill (self))
			return -1;
		scanned += self->held;
	}
	len = nl != NULL ? (gsize)(nl + 1 - (self->buf + self->next)) : self->end - self->next;
	if (len == 0)
		return 0;
	self->line[self->n_held] = self->next - self->held;
	self->len[self->n_held] = len;
	self->n_held++;
	self->next += len;
	return (gssize)len;
}

const char *
ir_audit_lines_get (const IrAuditLines *self, guint i)
{
	g_return_val_if_fail (i < self->n_held, NULL);
	return self->buf + self->held + self->line[i];
}

void
ir_audit_lines_release (IrAuditLines *self)
{
	self->n_held = 0;
	self->held = self->next;
}
