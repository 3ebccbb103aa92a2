/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-at-parser.h"

/* Input layout: byte 0 picks the command, byte 1 seeds the chunk sizes,
 * the rest is what the device sent. The same bytes are fed once in chunks
 * and once whole; the two results must be identical (the parser promises
 * not to depend on how reads split the stream), and every line it hands
 * out must be clean. Any broken promise aborts, which libFuzzer reports. */

static const char *const commands[] = {
    NULL, /* draining unsolicited data */
    "AT",
    "ATI",
    "AT+CGSN",
    "AT+CGSN=1",
    "AT+CGSN=2",
    "AT+GSN",
    "AT+CGMI",
    "AT+EGMR=0,7",
    "AT+EGMR=1,10,\"490154203237518\"",
    "AT+SIMEI?",
    "AT+SPIMEI?",
    "AT+CPIN?",
    "AT+CREG?",
    "ATD*99#",
    "at+cgsn",
};

/* prefixes the helpers are asked for, whatever the command was */
static const char *const prefixes[] = {
    NULL,
    "+CGSN",
    "+GSN",
    "+EGMR",
    "+SIMEI",
    "+SPIMEI:",
    "+CPIN",
    "IMEI",
    "",
};

typedef struct {
	gboolean ok;
	gboolean done;
	char *error;
	IrAtResponse *resp;
	GPtrArray *urcs;
	GBytes *leftover;
} Run;

static void
run_clear (Run *run)
{
	g_free (run->error);
	ir_at_response_free (run->resp);
	g_ptr_array_unref (run->urcs);
	g_bytes_unref (run->leftover);
}

static void
fuzz_at_parser_check (gboolean condition)
{
	if (!condition)
		abort ();
}

/* chunk sizes 1..64 from a small LCG seeded by the input itself */
static gsize
fuzz_at_parser_next_chunk (guint32 *state)
{
	*state = *state * 1103515245u + 12345u;
	return 1 + ((*state >> 16) % 64);
}

static void
run_parser (Run *run, const char *command, const guint8 *data, gsize len, guint seed)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new (command);
	g_autoptr (GError) error = NULL;
	guint32 state = seed;
	const guint8 *rest;
	gsize rest_len = 0;
	gsize off = 0;

	run->ok = TRUE;
	while (run->ok && off < len) {
		gsize chunk = seed == G_MAXUINT ? len : fuzz_at_parser_next_chunk (&state);

		chunk = MIN (chunk, len - off);

		run->ok = ir_at_parser_feed (parser, data + off, chunk, &run->done, &error);
		off += chunk;
	}
	if (!run->ok) {
		fuzz_at_parser_check (error != NULL && error->message != NULL);
		run->error = g_strdup (error->message);
		/* a failed parser stays failed */
		fuzz_at_parser_check (
		    !ir_at_parser_feed (parser, (const guint8 *)"\r\nOK\r\n", 6, NULL, NULL));
	}
	run->resp = ir_at_parser_steal_response (parser);
	fuzz_at_parser_check (ir_at_parser_steal_response (parser) == NULL);
	run->urcs = ir_at_parser_steal_urcs (parser);
	rest = ir_at_parser_get_leftover (parser, &rest_len);
	run->leftover = g_bytes_new (rest, rest_len);
}

static void
fuzz_at_parser_check_same_strv (GPtrArray *a, GPtrArray *b)
{
	fuzz_at_parser_check (a->len == b->len);
	for (guint i = 0; i < a->len; i++)
		fuzz_at_parser_check (
		    g_strcmp0 (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) == 0);
}

static void
fuzz_at_parser_check_same (const Run *a, const Run *b)
{
	fuzz_at_parser_check (a->ok == b->ok);
	fuzz_at_parser_check (g_strcmp0 (a->error, b->error) == 0);
	fuzz_at_parser_check (a->ok == FALSE || a->done == b->done);
	fuzz_at_parser_check (g_bytes_equal (a->leftover, b->leftover));
	fuzz_at_parser_check_same_strv (a->urcs, b->urcs);
	fuzz_at_parser_check ((a->resp == NULL) == (b->resp == NULL));
	if (a->resp == NULL)
		return;
	fuzz_at_parser_check (a->resp->final == b->resp->final);
	fuzz_at_parser_check (a->resp->code == b->resp->code);
	fuzz_at_parser_check (g_strcmp0 (a->resp->final_line, b->resp->final_line) == 0);
	fuzz_at_parser_check_same_strv (a->resp->lines, b->resp->lines);
	fuzz_at_parser_check_same_strv (a->resp->urcs, b->resp->urcs);
}

/* non-empty, trimmed, bounded, valid UTF-8, no control bytes */
static void
fuzz_at_parser_check_clean_line (const char *line)
{
	gsize len = strlen (line);

	fuzz_at_parser_check (len > 0 && len <= IR_AT_MAX_LINE * 3); /* U+FFFD may triple a byte */
	fuzz_at_parser_check (g_utf8_validate (line, -1, NULL));
	fuzz_at_parser_check (!g_ascii_isspace (line[0]) && !g_ascii_isspace (line[len - 1]));
	for (gsize i = 0; i < len; i++)
		fuzz_at_parser_check ((guint8)line[i] >= 0x20 && line[i] != 0x7f);
}

static void
fuzz_at_parser_exercise_helpers (const IrAtResponse *resp, const char *command)
{
	g_autoptr (GError) error = NULL;
	IrAtFinal final = IR_AT_FINAL_NONE;
	int code = 0;

	fuzz_at_parser_check (resp->final != IR_AT_FINAL_NONE && resp->final_line != NULL);
	/* a basic setting command ("AT") may end in a V.250 numeric code:
	 * the phone is in ATV0 until the parser's caller sends ATV1 */
	if (!ir_at_parser_parse_final (resp->final_line, &final, &code)) {
		fuzz_at_parser_check (ir_at_parser_parse_numeric_final (resp->final_line, &final));
		fuzz_at_parser_check (resp->code == -1);
		code = -1;
	}
	fuzz_at_parser_check (final == resp->final && code == resp->code);
	fuzz_at_parser_check (ir_at_response_check (resp, command, "/dev/fuzz", &error) ==
			      (resp->final == IR_AT_FINAL_OK));
	fuzz_at_parser_check ((error == NULL) == (resp->final == IR_AT_FINAL_OK));
	fuzz_at_parser_check (ir_at_cme_error_to_string (resp->code) != NULL);

	for (guint i = 0; i < resp->lines->len; i++) {
		const char *line = g_ptr_array_index (resp->lines, i);

		fuzz_at_parser_check_clean_line (line);
		fuzz_at_parser_check (!ir_at_parser_parse_final (line, NULL, NULL));
		ir_at_parser_line_is_urc (line, NULL);
	}
	for (guint i = 0; i < resp->urcs->len; i++)
		fuzz_at_parser_check_clean_line (g_ptr_array_index (resp->urcs, i));

	for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++) {
		g_autoptr (GError) value_error = NULL;
		g_autoptr (GError) imei_error = NULL;
		g_autofree char *value = ir_at_response_get_value (resp, prefixes[i], &value_error);
		g_autofree char *imei = ir_at_parser_parse_imei (resp, prefixes[i], &imei_error);

		fuzz_at_parser_check ((value == NULL) == (value_error != NULL));
		fuzz_at_parser_check ((value == NULL) == (resp->lines->len == 0));
		fuzz_at_parser_check ((imei == NULL) == (imei_error != NULL));
		if (imei != NULL) {
			gsize len = strlen (imei);

			fuzz_at_parser_check (len >= 14 && len <= 17);
			for (gsize j = 0; j < len; j++)
				fuzz_at_parser_check (g_ascii_isdigit (imei[j]));
		}
	}
}

/* The bytes after the answer go to the next parser, as the channel does */
static void
fuzz_at_parser_drain_leftover (GBytes *leftover)
{
	g_autoptr (IrAtParser) drain = ir_at_parser_new (NULL);
	g_autoptr (GPtrArray) urcs = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (leftover, &len);
	gboolean done = TRUE;

	if (ir_at_parser_feed (drain, data, len, &done, NULL))
		fuzz_at_parser_check (!done);
	fuzz_at_parser_check (ir_at_parser_steal_response (drain) == NULL);
	urcs = ir_at_parser_steal_urcs (drain);
	for (guint i = 0; i < urcs->len; i++)
		fuzz_at_parser_check_clean_line (g_ptr_array_index (urcs, i));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	Run chunked = {0};
	Run whole = {0};
	const char *command;
	g_autofree char *text = NULL;

	if (size < 2)
		return 0;
	command = commands[data[0] % G_N_ELEMENTS (commands)];
	run_parser (&chunked, command, data + 2, size - 2, data[1]);
	run_parser (&whole, command, data + 2, size - 2, G_MAXUINT);
	fuzz_at_parser_check_same (&chunked, &whole);

	if (whole.resp != NULL) {
		/* a complete answer followed by a flood past IR_AT_MAX_RESPONSE:
		 * the answer stands, the feed still fails on the flood */
		fuzz_at_parser_check (whole.ok ? whole.done : whole.error != NULL);
		fuzz_at_parser_exercise_helpers (whole.resp, command);
		fuzz_at_parser_check (chunked.urcs->len == 0);
	} else if (whole.ok) {
		fuzz_at_parser_check (!whole.done);
	}
	for (guint i = 0; i < whole.urcs->len; i++)
		fuzz_at_parser_check_clean_line (g_ptr_array_index (whole.urcs, i));
	fuzz_at_parser_drain_leftover (whole.leftover);

	/* the line-level functions on raw text too, as a caller might */
	text = g_strndup ((const char *)data + 2, MIN (size - 2, 512));
	ir_at_parser_parse_final (text, NULL, NULL);
	ir_at_parser_line_is_urc (text, commands[data[1] % G_N_ELEMENTS (commands)]);

	run_clear (&chunked);
	run_clear (&whole);
	return 0;
}
