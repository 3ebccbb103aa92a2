/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-merkle.h"

G_BEGIN_DECLS

/* The one rule for what a crash during the last append can leave behind
 * (docs/migration-log.md, "The tail"), applied by the writer at open (and
 * so by imeictl recover and restore) and by imeictl audit verify, so the
 * three always agree. Pure: the callers read the files, this only looks at
 * bytes.
 *
 * The checkpoint file is a sequence of notes, each
 *   body (origin, size, root) "\n" + "\n" + one signature line + "\n"
 * followed by one empty line ("\n") that separates it from the next. A note
 * is complete once its signature line has its "\n": the empty line after
 * the last note may be missing (a crash between the two bytes), and the
 * writer puts it back before its next note. */

typedef enum {
	IR_LOG_TAIL_CLEAN,    /* nothing past the last complete note */
	IR_LOG_TAIL_TORN,     /* one unacknowledged append: cut it */
	IR_LOG_TAIL_TAMPERED, /* no crash leaves this: change nothing */
} IrLogTailVerdict;

typedef enum {
	IR_LOG_TAIL_NOTE_INCOMPLETE,  /* the bytes end before the note's signature line does */
	IR_LOG_TAIL_NOTE_COMPLETE,    /* a note, and its empty line or the end of the file */
	IR_LOG_TAIL_NOTE_UNSEPARATED, /* a note followed by something else than an empty line */
} IrLogTailNote;

/* The note at the start of @buf (@len bytes; @at_eof: nothing follows in
 * the file). COMPLETE sets @note_len (through the signature line's "\n")
 * and @consumed (the empty line after it included when present). Without
 * @at_eof, INCOMPLETE means "read more". */
IrLogTailNote ir_log_tail_next_note (
    const char *buf, gsize len, gboolean at_eof, gsize *note_len, gsize *consumed);

typedef struct {
	/* the log's origin and key name (they are the same); NULL when no
	 * note and no key says it (audit verify of a log of one torn record) */
	const char *origin;
	guint64 size;	     /* records the last complete note covers */
	const char *records; /* the record file past record @size */
	gsize records_len;
	const guint8 *next_root; /* root at @size + 1 when @records is one whole line */
	const char *checkpoints; /* the checkpoint file past the last complete note */
	gsize checkpoints_len;
	guint64 checkpoints_line; /* 1-based line where @checkpoints starts */
	guint64 witnessed;	  /* the size a witness cosigned, 0 if none */
} IrLogTail;

typedef struct {
	IrLogTailVerdict verdict;
	gsize cut_records;     /* TORN: bytes to cut from the end of the record file */
	gsize cut_checkpoints; /* TORN: bytes to cut from the end of the checkpoint file */
	guint64 bad_line;      /* TAMPERED: 1-based record line it names, 0 for none */
	char *what;	       /* TORN or TAMPERED: what was found, one sentence */
} IrLogTailFinding;

void ir_log_tail_finding_clear (IrLogTailFinding *finding);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrLogTailFinding, ir_log_tail_finding_clear)

void ir_log_tail_classify (const IrLogTail *tail, IrLogTailFinding *finding);

const char *ir_log_tail_verdict_to_string (IrLogTailVerdict verdict);

/* The inline layout (ir-log-sigline.h): one file, each record line
 * followed by its signature line, both in one write(). */

/* TRUE when @buf starts with two whole lines (a record and, if the file
 * is not damaged, its signature line): @first_len is the first without
 * its "\n", @consumed both with theirs. FALSE: what is left is the tail. */
gboolean ir_log_tail_next_pair (const char *buf, gsize len, gsize *first_len, gsize *consumed);

typedef struct {
	const char *origin; /* the key name of the signature lines; NULL if none yet */
	guint64 size;	    /* records followed by a whole signature line */
	const char *tail;   /* the file past the last whole signature line */
	gsize tail_len;
	guint64 witnessed; /* the size a witness cosigned, 0 if none */
} IrLogTailInline;

void ir_log_tail_classify_inline (const IrLogTailInline *tail, IrLogTailFinding *finding);

G_END_DECLS
