/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-answer-script.h"
#include "ir-error.h"

/* Answer scripts (docs/answer-script.md): good scripts answered as written,
 * malformed ones refused naming the line. */

typedef struct {
	const char *name;
	const char *text;
	const char *error; /* NULL: parses; else the message contains this */
	const char *command;
	guint nth;
	const char *answer; /* NULL: silent */
} ScriptRow;

#define HEAD "# source: s\n# device: d\n"

/* clang-format off */
static const ScriptRow script_rows[] = {
    {"framed-lines", HEAD "> AT+CGMI\n< Quectel\n< OK\n", NULL, "AT+CGMI", 0,
     "\r\nQuectel\r\n\r\nOK\r\n"},
    {"command-case-and-blanks", HEAD "> at+cgmi\n< X\n", NULL, "AT + CGMI", 0, "\r\nX\r\n"},
    {"quoted-case-kept", HEAD "> AT+X=\"a b\"\n< OK\n", NULL, "AT+X=\"a b\"", 0, "\r\nOK\r\n"},
    {"quoted-case-differs", HEAD "> AT+X=\"a b\"\n< OK\n", NULL, "AT+X=\"A B\"", 0,
     "\r\nERROR\r\n"},
    {"raw-bytes", HEAD "> AT\n<< 0\\r\n", NULL, "AT", 0, "0\r"},
    {"raw-octal-escape", HEAD "> AT\n<< \\r\\nO\\113\\r\\n\n", NULL, "AT", 0, "\r\nOK\r\n"},
    {"silent", HEAD "> AT+EGMR=0,7\n! silent\n", NULL, "AT+EGMR=0,7", 0, NULL},
    {"in-order-then-last", HEAD "> AT\n< RING\n> AT\n< OK\n", NULL, "AT", 5, "\r\nOK\r\n"},
    {"first-of-two", HEAD "> AT\n< NO CARRIER\n> AT\n< OK\n", NULL, "AT", 0,
     "\r\nNO CARRIER\r\n"},
    {"unlisted-error", HEAD "> AT\n< OK\n", NULL, "AT+CGSN", 0, "\r\nERROR\r\n"},
    {"unlisted-silent", HEAD "@default silent\n> AT\n< OK\n", NULL, "AT+CGSN", 0, NULL},
    {"expectations-ignored", HEAD "> AT\n< OK\n= exit 0\n", NULL, "AT", 0, "\r\nOK\r\n"},
    {"crlf-file", HEAD "> AT\r\n< OK\r\n", NULL, "AT", 0, "\r\nOK\r\n"},
    /* malformed */
    {"answer-before-command", HEAD "< OK\n", "line 3: an answer before any", NULL, 0, NULL},
    {"empty-command", HEAD ">   \n< OK\n", "line 3: \">\" without a command", NULL, 0, NULL},
    {"bad-bang", HEAD "> AT\n! quiet\n", "line 4: \"!\" takes only", NULL, 0, NULL},
    {"bad-directive", HEAD "@default OK\n", "line 3: unknown directive", NULL, 0, NULL},
    {"stray-text", HEAD "AT+CGMI\n", "line 3: a line must start with", NULL, 0, NULL},
};
/* clang-format on */

static void
test_answer_script_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (script_rows); i++) {
		const ScriptRow *row = &script_rows[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrAnswerScript) script = ir_answer_script_parse (row->text, "t", &error);
		GBytes *answer;

		if (row->error != NULL) {
			if (script != NULL || strstr (error->message, row->error) == NULL)
				print_error ("row %s: %s\n",
					     row->name,
					     error != NULL ? error->message : "parsed");
			assert_null (script);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
			assert_non_null (strstr (error->message, row->error));
			continue;
		}
		if (script == NULL)
			print_error ("row %s: %s\n", row->name, error->message);
		assert_non_null (script);
		answer = ir_answer_script_answer (script, row->command, row->nth);
		if (row->answer == NULL) {
			assert_null (answer);
			continue;
		}
		assert_non_null (answer);
		assert_int_equal (g_bytes_get_size (answer), strlen (row->answer));
		assert_memory_equal (
		    g_bytes_get_data (answer, NULL), row->answer, strlen (row->answer));
	}
}

static void
test_answer_script_headers (void **state)
{
	g_autoptr (IrAnswerScript) script = ir_answer_script_parse (
	    "# source: ModemManager\n# device: E1550\n# a comment: with words\n"
	    "> AT\n< OK\n= slot1 490154203237518 valid\n= exit 0\n",
	    "t",
	    NULL);
	GPtrArray *expect;
	const IrAnswerScriptPair *pair;

	assert_non_null (script);
	assert_string_equal (ir_answer_script_get_header (script, "source"), "ModemManager");
	assert_string_equal (ir_answer_script_get_header (script, "DEVICE"), "E1550");
	assert_null (ir_answer_script_get_header (script, "a comment"));
	assert_null (ir_answer_script_get_header (script, "vendor"));
	expect = ir_answer_script_get_expectations (script);
	assert_int_equal (expect->len, 2);
	pair = g_ptr_array_index (expect, 0);
	assert_string_equal (pair->key, "slot1");
	assert_string_equal (pair->value, "490154203237518 valid");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_answer_script_table),
	    cmocka_unit_test (test_answer_script_headers),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
