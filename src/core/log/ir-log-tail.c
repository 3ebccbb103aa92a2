/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-log-sigline.h"
#include "ir-log-tail.h"

/* One append writes the record line (and fdatasyncs it), then the note for
 * the tree that now ends with it (and syncs that); only then is the record
 * acknowledged. So a crash leaves, past the last complete note, one of:
 *
 *   nothing;
 *   a prefix of the record line (no "\n" yet), and no note bytes;
 *   the whole record line, and a prefix of its note (0 bytes up to all but
 *   the signature line's "\n").
 *
 * Each of those is an append nobody was told was kept: it is cut. Anything
 * else is not a crash. A record a witness cosigned was acknowledged long
 * before (uploads follow acknowledged appends), so a tail that would cut
 * one is tampering, not a crash. */

#define IR_LOG_TAIL_RECORDS_FILE     "migration-log.jsonl"
#define IR_LOG_TAIL_CHECKPOINTS_FILE "migration-log.checkpoints"
#define IR_LOG_TAIL_EM_DASH	     "\xe2\x80\x94 "
/* base64 of key id (4 bytes) + Ed25519 signature (64 bytes) */
#define IR_LOG_TAIL_SIGNATURE_B64 92

IrLogTailNote
ir_log_tail_next_note (
    const char *buf, gsize len, gboolean at_eof, gsize *note_len, gsize *consumed)
{
	const char *body_end = len > 0 ? g_strstr_len (buf, (gssize)len, "\n\n") : NULL;
	const char *sig_start;
	const char *sig_end;
	gsize n;

	if (body_end == NULL)
		return IR_LOG_TAIL_NOTE_INCOMPLETE;
	sig_start = body_end + 2;
	sig_end = memchr (sig_start, '\n', (gsize)(buf + len - sig_start));
	if (sig_end == NULL)
		return IR_LOG_TAIL_NOTE_INCOMPLETE;
	n = (gsize)(sig_end + 1 - buf);
	if (n == len && !at_eof)
		return IR_LOG_TAIL_NOTE_INCOMPLETE; /* is the empty line next? read on */
	*note_len = n;
	*consumed = n;
	if (n == len)
		return IR_LOG_TAIL_NOTE_COMPLETE;
	if (buf[n] != '\n')
		return IR_LOG_TAIL_NOTE_UNSEPARATED;
	*consumed = n + 1;
	return IR_LOG_TAIL_NOTE_COMPLETE;
}

void
ir_log_tail_finding_clear (IrLogTailFinding *finding)
{
	g_clear_pointer (&finding->what, g_free);
}

const char *
ir_log_tail_verdict_to_string (IrLogTailVerdict verdict)
{
	switch (verdict) {
	case IR_LOG_TAIL_CLEAN:
		return "clean";
	case IR_LOG_TAIL_TORN:
		return "torn";
	case IR_LOG_TAIL_TAMPERED:
	default:
		return "tampered";
	}
}

static void G_GNUC_PRINTF (3, 4)
    ir_log_tail_tampered (IrLogTailFinding *finding, guint64 line, const char *format, ...)
{
	va_list args;

	va_start (args, format);
	finding->verdict = IR_LOG_TAIL_TAMPERED;
	finding->bad_line = line;
	finding->what = g_strdup_vprintf (format, args);
	va_end (args);
}

static gboolean
ir_log_tail_is_base64 (const char *text, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' &&
		    text[i] != '=')
			return FALSE;
	}
	return TRUE;
}

/* The writer's note for the whole line, up to its signature: origin, size,
 * root and the signature line's key name are all known; only the
 * signature's 92 base64 characters are not (verify may have no key). */
static gboolean
ir_log_tail_note_prefix_matches (const IrLogTail *tail)
{
	g_autofree char *root = g_base64_encode (tail->next_root, IR_MERKLE_HASH_LEN);
	const char *origin = tail->origin;
	g_autofree char *guessed = NULL;
	g_autofree char *known = NULL;
	gsize known_len;
	gsize n = tail->checkpoints_len;

	if (origin == NULL) {
		/* nothing says the origin: take the torn note's first line */
		guessed = g_strndup (tail->checkpoints, strcspn (tail->checkpoints, "\n"));
		if (strlen (guessed) == n || strpbrk (guessed, " +/") != NULL)
			return FALSE;
		origin = guessed;
	}
	known = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT "\n%s\n\n" IR_LOG_TAIL_EM_DASH "%s ",
				 origin,
				 tail->size + 1,
				 root,
				 origin);
	known_len = strlen (known);
	if (memcmp (tail->checkpoints, known, MIN (n, known_len)) != 0)
		return FALSE;
	if (n <= known_len)
		return TRUE;
	return n - known_len <= IR_LOG_TAIL_SIGNATURE_B64 &&
	       ir_log_tail_is_base64 (tail->checkpoints + known_len, n - known_len);
}

/* A whole record line past the last note, and @checkpoints a torn note. */
static void
ir_log_tail_classify_whole (const IrLogTail *tail, IrLogTailFinding *finding)
{
	if (tail->checkpoints_len > 0 && !ir_log_tail_note_prefix_matches (tail)) {
		ir_log_tail_tampered (finding,
				      tail->size + 1,
				      "%s line %" G_GUINT64_FORMAT
				      ": the file ends with a partial checkpoint that is not the "
				      "one for %s line %" G_GUINT64_FORMAT,
				      IR_LOG_TAIL_CHECKPOINTS_FILE,
				      tail->checkpoints_line,
				      IR_LOG_TAIL_RECORDS_FILE,
				      tail->size + 1);
		return;
	}
	finding->verdict = IR_LOG_TAIL_TORN;
	finding->cut_records = tail->records_len;
	finding->cut_checkpoints = tail->checkpoints_len;
	finding->what = g_strdup_printf (
	    "%s line %" G_GUINT64_FORMAT " (%" G_GSIZE_FORMAT " bytes) has %s: its append was "
	    "never acknowledged (crash or failed sync)",
	    IR_LOG_TAIL_RECORDS_FILE,
	    tail->size + 1,
	    tail->records_len,
	    tail->checkpoints_len > 0 ? "only part of its checkpoint" : "no checkpoint");
}

void
ir_log_tail_classify (const IrLogTail *tail, IrLogTailFinding *finding)
{
	const char *nl =
	    tail->records_len > 0 ? memchr (tail->records, '\n', tail->records_len) : NULL;
	gboolean whole = nl != NULL && nl == tail->records + tail->records_len - 1;

	memset (finding, 0, sizeof (*finding));
	if (tail->witnessed > tail->size) {
		ir_log_tail_tampered (finding,
				      tail->size + 1,
				      "the witness cosigned %" G_GUINT64_FORMAT
				      " records but the last checkpoint covers %" G_GUINT64_FORMAT
				      ": records from %s line %" G_GUINT64_FORMAT
				      " on were removed or their checkpoints cut after they "
				      "were witnessed",
				      tail->witnessed,
				      tail->size,
				      IR_LOG_TAIL_RECORDS_FILE,
				      tail->size + 1);
		return;
	}
	if (nl != NULL && !whole) {
		ir_log_tail_tampered (
		    finding,
		    tail->size + 2,
		    "%s line %" G_GUINT64_FORMAT
		    ": more than one record past the last checkpoint (size %" G_GUINT64_FORMAT
		    "): a crash leaves at most one (checkpoints removed?)",
		    IR_LOG_TAIL_RECORDS_FILE,
		    tail->size + 2,
		    tail->size);
		return;
	}
	if (whole) {
		ir_log_tail_classify_whole (tail, finding);
		return;
	}
	if (tail->checkpoints_len > 0) {
		ir_log_tail_tampered (
		    finding,
		    0,
		    "%s line %" G_GUINT64_FORMAT
		    ": the file ends in the middle of checkpoint %" G_GUINT64_FORMAT
		    ", with no whole record for it to cover (checkpoint file "
		    "damaged, or records cut)",
		    IR_LOG_TAIL_CHECKPOINTS_FILE,
		    tail->checkpoints_line,
		    tail->size + 1);
		return;
	}
	if (tail->records_len == 0) {
		finding->verdict = IR_LOG_TAIL_CLEAN;
		return;
	}
	finding->verdict = IR_LOG_TAIL_TORN;
	finding->cut_records = tail->records_len;
	finding->what =
	    g_strdup_printf ("%s line %" G_GUINT64_FORMAT " is cut short (%" G_GSIZE_FORMAT
			     " bytes, no newline): its append was never acknowledged "
			     "(crash or failed write)",
			     IR_LOG_TAIL_RECORDS_FILE,
			     tail->size + 1,
			     tail->records_len);
}

/* ---- the inline layout ----
 *
 * One append (or one group commit) is one write() of record lines each
 * followed by its signature line, then one fdatasync. A crash leaves a
 * prefix of that write: whole pairs (complete, so kept) and then at most
 * one record cut short, or a whole record with none or part of its
 * signature line. That last record was never acknowledged: it is cut.
 * Anything else past the last whole signature line is not a crash. */

gboolean
ir_log_tail_next_pair (const char *buf, gsize len, gsize *first_len, gsize *consumed)
{
	const char *nl1 = len > 0 ? memchr (buf, '\n', len) : NULL;
	const char *nl2;

	if (nl1 == NULL)
		return FALSE;
	nl2 = memchr (nl1 + 1, '\n', (gsize)(buf + len - (nl1 + 1)));
	if (nl2 == NULL)
		return FALSE;
	*first_len = (gsize)(nl1 - buf);
	*consumed = (gsize)(nl2 + 1 - buf);
	return TRUE;
}

static void
ir_log_tail_torn_inline (const IrLogTailInline *tail, IrLogTailFinding *finding, const char *has)
{
	finding->verdict = IR_LOG_TAIL_TORN;
	finding->cut_records = tail->tail_len;
	finding->what = g_strdup_printf ("%s record %" G_GUINT64_FORMAT " (line %" G_GUINT64_FORMAT
					 ", %" G_GSIZE_FORMAT " bytes) %s: its append was "
					 "never acknowledged (crash or failed write or sync)",
					 IR_LOG_TAIL_RECORDS_FILE,
					 tail->size + 1,
					 2 * tail->size + 1,
					 tail->tail_len,
					 has);
}

void
ir_log_tail_classify_inline (const IrLogTailInline *tail, IrLogTailFinding *finding)
{
	guint64 line = 2 * tail->size + 1;
	const char *nl = tail->tail_len > 0 ? memchr (tail->tail, '\n', tail->tail_len) : NULL;
	const char *rest = nl != NULL ? nl + 1 : NULL;
	gsize rest_len = nl != NULL ? (gsize)(tail->tail + tail->tail_len - rest) : 0;

	memset (finding, 0, sizeof (*finding));
	if (tail->witnessed > tail->size) {
		ir_log_tail_tampered (
		    finding,
		    tail->size + 1,
		    "the witness cosigned %" G_GUINT64_FORMAT " records but only %" G_GUINT64_FORMAT
		    " have their signature line: records from %s line %" G_GUINT64_FORMAT
		    " on were removed or their signatures cut after they were "
		    "witnessed",
		    tail->witnessed,
		    tail->size,
		    IR_LOG_TAIL_RECORDS_FILE,
		    line);
		return;
	}
	if (tail->tail_len == 0) {
		finding->verdict = IR_LOG_TAIL_CLEAN;
		return;
	}
	/* every record line starts with '{'; a signature line never does */
	if (tail->tail[0] != '{') {
		ir_log_tail_tampered (
		    finding,
		    tail->size + 1,
		    "%s line %" G_GUINT64_FORMAT
		    ": the file ends with bytes that are not record %" G_GUINT64_FORMAT
		    " (a signature line with no record before it?)",
		    IR_LOG_TAIL_RECORDS_FILE,
		    line,
		    tail->size + 1);
		return;
	}
	if (nl == NULL) {
		ir_log_tail_torn_inline (tail, finding, "is cut short (no newline)");
		return;
	}
	/* the writer writes whole records: a whole line that does not end
	 * like one (a record and its signature line joined by a changed
	 * newline) is no crash */
	if (nl == tail->tail || nl[-1] != '}') {
		ir_log_tail_tampered (finding,
				      tail->size + 1,
				      "%s line %" G_GUINT64_FORMAT
				      ": the last line is not a whole record (a record and its "
				      "signature line joined?)",
				      IR_LOG_TAIL_RECORDS_FILE,
				      line);
		return;
	}
	if (rest_len == 0) {
		ir_log_tail_torn_inline (tail, finding, "has no signature line");
		return;
	}
	if (!ir_log_sigline_is_prefix (rest, rest_len, tail->origin)) {
		ir_log_tail_tampered (
		    finding,
		    tail->size + 1,
		    "%s line %" G_GUINT64_FORMAT
		    ": the file ends with a partial line that is not the signature "
		    "line of record %" G_GUINT64_FORMAT
		    " (more than one record past the last signature?)",
		    IR_LOG_TAIL_RECORDS_FILE,
		    line + 1,
		    tail->size + 1);
		return;
	}
	ir_log_tail_torn_inline (tail, finding, "has only part of its signature line");
}
