/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pure AT response parsing: no I/O, no clocks. Bytes in, structure out.
 * The AT channel feeds what the transport read; tests feed tables. */

#define IR_AT_MAX_LINE	   1024	       /* longer lines are a protocol error */
#define IR_AT_MAX_RESPONSE (16 * 1024) /* so is a longer response */

typedef enum {
	IR_AT_FINAL_NONE,
	IR_AT_FINAL_OK,
	IR_AT_FINAL_ERROR,
	IR_AT_FINAL_CME_ERROR,
	IR_AT_FINAL_CMS_ERROR,
	IR_AT_FINAL_NO_CARRIER,
	IR_AT_FINAL_BUSY,
	IR_AT_FINAL_NO_ANSWER,
	IR_AT_FINAL_NO_DIALTONE,
	IR_AT_FINAL_CONNECT,
} IrAtFinal;

typedef struct {
	IrAtFinal final;
	int code;	  /* +CME/+CMS ERROR number; -1 if verbose or none */
	char *final_line; /* the final result line as received */
	GPtrArray *lines; /* information lines (char *), echo and URCs removed */
	GPtrArray *urcs;  /* unsolicited result codes seen meanwhile */
	/* stray bytes came with the answer: control characters other than
	 * CR, LF and TAB, bytes that are not UTF-8, or line noise glued to
	 * the echo. An answer that is not noisy needs no second reading when
	 * its values are well-formed (ir-at-read.h). */
	gboolean noisy;
} IrAtResponse;

void ir_at_response_free (IrAtResponse *resp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAtResponse, ir_at_response_free)

/* TRUE when @line is a final result code; fills @final and @code. Besides
 * the V.250 and 27.007 ones, the refusals some firmwares send instead of
 * ERROR: "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS", "NA" (not
 * available) and "MODEM ERROR: <n>" (IR_AT_FINAL_ERROR with @code n). */
gboolean ir_at_parser_parse_final (const char *line, IrAtFinal *final, int *code);

/* TRUE when @line is a V.250 numeric result code (ATV0) that ends a
 * command: "0" OK, "1" CONNECT, "3" NO CARRIER, "4" ERROR, "6" NO
 * DIALTONE, "7" BUSY, "8" NO ANSWER ("2" is RING, unsolicited). The parser
 * takes them only as the answer to a basic setting command such as "AT" or
 * "ATE0V1Q0" (the ones sent before the phone is known to be in V1), where
 * no information line can be a lone digit. */
gboolean ir_at_parser_parse_numeric_final (const char *line, IrAtFinal *final);

/* TRUE for a final that a call or its ringing caused (NO CARRIER, BUSY, NO
 * ANSWER, NO DIALTONE): not an answer to a read, which is asked again. */
gboolean ir_at_final_is_call_progress (IrAtFinal final);

/* TRUE when @line is an unsolicited result code and not an answer to a
 * command whose information lines start with @expected_prefix (may be NULL). */
gboolean ir_at_parser_line_is_urc (const char *line, const char *expected_prefix);

/* The 27.007 §9.2 text of a +CME ERROR number ("unknown" when not listed). */
const char *ir_at_cme_error_to_string (int code);

/* OK -> TRUE. Any other final -> IR_ERROR_AT_REFUSED (IR_ERROR_READ_ONLY is
 * for drivers to decide) naming @command, @port and the device's words. */
gboolean ir_at_response_check (const IrAtResponse *resp,
			       const char *command,
			       const char *port,
			       GError **error);

/* Incremental parser for the answer to one command. */
typedef struct _IrAtParser IrAtParser;

/* @command: what was sent (without CR), for echo removal and to tell its
 * information lines ("+CGSN: ...") from URCs. */
IrAtParser *ir_at_parser_new (const char *command);
void ir_at_parser_free (IrAtParser *self);
/* Feeds bytes; sets *@done when a final result code completed the response.
 * Stray CR/LF, NULs and non-printable bytes are tolerated; over-long lines
 * or responses are IR_ERROR_PROTOCOL. Bytes after the final line are kept
 * for ir_at_parser_get_leftover(). */
gboolean
ir_at_parser_feed (IrAtParser *self, const guint8 *data, gsize len, gboolean *done, GError **error);
/* The finished response (only after *done). */
IrAtResponse *ir_at_parser_steal_response (IrAtParser *self);
/* URC lines that arrived outside any response (set the command to NULL). */
GPtrArray *ir_at_parser_steal_urcs (IrAtParser *self);
/* Bytes fed after the final line (minus its own line end), to be fed to the
 * parser of the next command or drain; with a NULL command, the bytes of the
 * unfinished last line. Owned by the parser; @len is set. */
const guint8 *ir_at_parser_get_leftover (IrAtParser *self, gsize *len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAtParser, ir_at_parser_free)

/* ---- helpers for information lines, used by the protocol drivers ---- */

/* The value after "@prefix:" in the first line that has it (or the first
 * line when @prefix is NULL or no line has it), surrounding blanks and one
 * pair of double quotes removed. NULL + IR_ERROR_PROTOCOL if none. */
char *ir_at_response_get_value (const IrAtResponse *resp, const char *prefix, GError **error);

/* An IMEI (15 digits) or IMEISV (16) out of the answer to +CGSN, +CGSN=1,
 * +GSN, +EGMR=0,x, +SIMEI? and the like: quoted or not, with or without
 * "+CGSN: " or "IMEI: " words before it. The digits are returned as sent;
 * classification is the caller's job. IR_ERROR_PROTOCOL when no run of
 * digits of a plausible length is found. */
char *ir_at_parser_parse_imei (const IrAtResponse *resp, const char *prefix, GError **error);

G_END_DECLS
