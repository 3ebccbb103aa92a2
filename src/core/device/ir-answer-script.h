/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An answer script: what a phone answers to each AT command, as a text
 * file a person can write from a manual or a bug report (docs/answer-
 * script.md). Where a session recording (IrRecording) fixes the exact
 * order of commands, a script answers whatever the host asks in whatever
 * order, so a recorded answer survives changes to the order identify
 * asks in. tests/data/real/ keeps real phones' answers in this form.
 * Pure: parsing does no I/O beyond the text given. */

typedef struct {
	char *command;	/* as the host sends it, without CR */
	GBytes *answer; /* the bytes sent back; NULL: silent (the host times out) */
} IrAnswerScriptEntry;

typedef struct _IrAnswerScript IrAnswerScript;

/* Parses @text; @name (the file) goes into error messages, which name the
 * line. IR_ERROR_INVALID_INPUT on anything the format does not have. */
IrAnswerScript *ir_answer_script_parse (const char *text, const char *name, GError **error);
IrAnswerScript *ir_answer_script_load (const char *path, GError **error);
void ir_answer_script_free (IrAnswerScript *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAnswerScript, ir_answer_script_free)

/* The answer to the @n-th time (counting from 0) the host sends
 * @command: the @n-th entry for it, the last one once they run out, or
 * the default answer for commands the script does not list. NULL: silent.
 * Commands compare without regard to case or blanks outside quotes. */
GBytes *ir_answer_script_answer (const IrAnswerScript *self, const char *command, guint n);

/* "# KEY: value" header lines (source, device, transcribed), and
 * "= KEY value" expectation lines in file order, for the tests that
 * replay the corpus: each a (key, value) pair of strings. */
const char *ir_answer_script_get_header (const IrAnswerScript *self, const char *key);
GPtrArray *ir_answer_script_get_expectations (const IrAnswerScript *self);

typedef struct {
	char *key;
	char *value;
} IrAnswerScriptPair;

G_END_DECLS
