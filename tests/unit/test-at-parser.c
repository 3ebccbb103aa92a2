/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-at-parser.h"
#include "ir-error.h"

/* Tables in the manner of ModemManager's src/tests/test-modem-helpers.c:
 * real answers and malformed ones side by side. Every parser row is run
 * twice, fed whole and fed one byte at a time, and both runs must agree
 * with the row and with each other. */

#define MAX_ITEMS 8

/* raw bytes, NULs included */
#define BYTES(s) .input = (s), .input_len = sizeof (s) - 1

typedef enum {
	GEN_NONE,
	GEN_LINE_AT_LIMIT,   /* one line of exactly IR_AT_MAX_LINE bytes, then OK */
	GEN_LINE_OVER_LIMIT, /* one line of IR_AT_MAX_LINE + 1 bytes */
	GEN_RESPONSE_OVER,   /* short lines adding up to more than IR_AT_MAX_RESPONSE */
	GEN_NOISE_FLOOD,     /* control bytes only, never a line, over the response limit */
} Generator;

/* What a finished response's noisy flag must be. */
typedef enum {
	NOISE_UNCHECKED,
	NOISE_CLEAN,
	NOISE_NOISY,
} Noise;

typedef struct {
	const char *name;
	const char *command; /* NULL: draining unsolicited data */
	const char *input;
	gsize input_len;
	Generator gen;
	gboolean done;
	const char *lines[MAX_ITEMS];
	IrAtFinal final;
	int code;
	const char *final_line; /* checked when set */
	const char *urcs[MAX_ITEMS];
	const char *leftover; /* checked always; NULL means empty */
	const char *error;    /* IR_ERROR_PROTOCOL whose message contains this */
	Noise noise;	      /* IrAtResponse.noisy, when checked */
} ParserRow;

static const ParserRow parser_rows[] = {
    /* ---- identity reads ---- */
    {"cgsn-plain",
     "AT+CGSN",
     BYTES ("\r\n490154203237518\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .final_line = "OK",
     .noise = NOISE_CLEAN},
    {"cgsn-echo",
     "AT+CGSN",
     BYTES ("AT+CGSN\r\r\n490154203237518\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-echo-lowercase-command",
     "at+cgsn",
     BYTES ("AT+CGSN\r\r\n490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-echo-glued-to-garbage",
     "AT+CGSN",
     BYTES ("\xff\xfe\x00~AT+CGSN\r\r\n490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .noise = NOISE_NOISY},
    {"cgsn-quoted",
     "AT+CGSN",
     BYTES ("\r\n+CGSN: \"490154203237518\"\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: \"490154203237518\""},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-prefixed-unquoted",
     "AT+CGSN",
     BYTES ("\r\n+CGSN: 490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: 490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-imei-word",
     "AT+CGSN",
     BYTES ("\r\n+CGSN: IMEI 490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: IMEI 490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-imei-colon",
     "AT+CGSN",
     BYTES ("\r\nIMEI: 490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"IMEI: 490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-1-imei",
     "AT+CGSN=1",
     BYTES ("AT+CGSN=1\r\r\n+CGSN: \"490154203237518\"\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: \"490154203237518\""},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-2-imeisv",
     "AT+CGSN=2",
     BYTES ("\r\n+CGSN: \"4901542032375101\"\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: \"4901542032375101\""},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-0-serial",
     "AT+CGSN=0",
     BYTES ("\r\n+CGSN: \"R58M12ABCDE\"\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGSN: \"R58M12ABCDE\""},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cgsn-1-not-supported",
     "AT+CGSN=1",
     BYTES ("\r\n+CME ERROR: 4\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = 4,
     .final_line = "+CME ERROR: 4"},
    {"gsn",
     "AT+GSN",
     BYTES ("AT+GSN\r\r\n490154203237518\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"egmr-slot-2",
     "AT+EGMR=0,10",
     BYTES ("\r\n+EGMR: \"000000000000000\"\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+EGMR: \"000000000000000\""},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"ati-multiline",
     "ATI",
     BYTES ("ATI\r\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A03M4G\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"Quectel", "EC25", "Revision: EC25EFAR06A03M4G"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"bare-at", "AT", BYTES ("\r\nOK\r\n"), .done = TRUE, .final = IR_AT_FINAL_OK, .code = -1},
    {"bare-at-echo",
     "AT",
     BYTES ("AT\r\r\nOK\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_OK,
     .code = -1},
    /* ---- blank lines and line ends ---- */
    {"blank-lines-everywhere",
     "AT+CGMI",
     BYTES ("\r\n\r\n\n\r\r+CGMI: MediaTek\r\n\r\n\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGMI: MediaTek"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"cr-only",
     "AT+CGMM",
     BYTES ("AT+CGMM\r+CGMM: SIM7600E\rOK\r"),
     .done = TRUE,
     .lines = {"+CGMM: SIM7600E"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"lf-only",
     "AT+CGMM",
     BYTES ("\n+CGMM: SIM7600E\nOK\n"),
     .done = TRUE,
     .lines = {"+CGMM: SIM7600E"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"lf-cr-swapped",
     "AT+CGMR",
     BYTES ("\n\r+CGMR: V1.0\n\rOK\n\r"),
     .done = TRUE,
     .lines = {"+CGMR: V1.0"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"blanks-around-lines-trimmed",
     "AT+CGMI",
     BYTES ("\r\n   +CGMI: SIMCOM INCORPORATED  \r\n  OK \r\n"),
     .done = TRUE,
     .lines = {"+CGMI: SIMCOM INCORPORATED"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .final_line = "OK"},
    {"tab-is-a-blank",
     "AT+CGMI",
     BYTES ("\r\n+CGMI:\tQuectel\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGMI: Quectel"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    /* ---- noise ---- */
    {"nul-and-control-bytes-dropped",
     "AT+CGSN",
     BYTES ("\r\n49015\x00"
	    "42032\x01"
	    "375\x7f"
	    "18\r\nO\x00K\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .noise = NOISE_NOISY},
    {"high-bytes-valid-utf8-kept",
     "AT+CGMI",
     BYTES ("\r\n+CGMI: Caf\xc3\xa9 Mobile\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CGMI: Caf\xc3\xa9 Mobile"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .noise = NOISE_CLEAN},
    {"high-bytes-invalid-utf8-replaced",
     "AT+CGSN",
     BYTES ("\r\n4901542\xff"
	    "03237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"4901542\xef\xbf\xbd"
	       "03237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .noise = NOISE_NOISY},
    {"garbage-line-before-answer",
     "AT+CGMI",
     BYTES ("\x80\x81\r\n+CGMI: ZTE\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"\xef\xbf\xbd\xef\xbf\xbd", "+CGMI: ZTE"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"echo-only-once",
     "AT+CGSN",
     BYTES ("AT+CGSN\r\r\nAT+CGSN\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"AT+CGSN"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"echo-after-information-is-information",
     "AT+CGSN",
     BYTES ("\r\n490154203237518\r\nAT+CGSN\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518", "AT+CGSN"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"ok-as-part-of-a-word-is-not-final",
     "AT+CGMM",
     BYTES ("\r\nOKAY\r\nok\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"OKAY", "ok"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    /* ---- URCs ---- */
    {"urcs-before-echo",
     "AT+CGSN",
     BYTES ("\r\nRING\r\n\r\n+CREG: 1,5\r\nAT+CGSN\r\r\n490154203237518\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .urcs = {"RING", "+CREG: 1,5"}},
    {"urcs-in-the-middle",
     "AT+CGSN",
     BYTES ("\r\n+CMTI: \"SM\",3\r\n490154203237518\r\n^RSSI: 17\r\n+CPIN: READY\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .urcs = {"+CMTI: \"SM\",3", "^RSSI: 17", "+CPIN: READY"}},
    {"urcs-after-final-are-leftover",
     "AT+CGSN",
     BYTES ("\r\n490154203237518\r\nOK\r\n\r\nRING\r\n+QIND: SMS DONE\r\n"),
     .done = TRUE,
     .lines = {"490154203237518"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .leftover = "RING\r\n+QIND: SMS DONE\r\n"},
    {"boot-urcs",
     "AT",
     BYTES ("\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\nSMS Ready\r\nCall Ready\r\n+STIN: 25\r\n"
	    "^BOOT: 123,0,0,0,0\r\nAT\r\r\nOK\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .urcs = {"RDY", "+CFUN: 1", "SMS Ready", "Call Ready", "+STIN: 25", "^BOOT: 123,0,0,0,0"}},
    {"cpin-is-the-answer-to-cpin",
     "AT+CPIN?",
     BYTES ("AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CPIN: READY"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"own-prefix-wins-over-urc-table",
     "AT+CREG?",
     BYTES ("\r\n+CGREG: 1\r\n+CREG: 0,1\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+CREG: 0,1"},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .urcs = {"+CGREG: 1"}},
    {"ring-in-the-middle-of-imei-read",
     "AT+EGMR=0,7",
     BYTES ("AT+EGMR=0,7\r\r\nRING\r\n\r\n+CLIP: \"+911234\",145\r\n+EGMR: "
	    "\"490154203237518\"\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"+EGMR: \"490154203237518\""},
     .final = IR_AT_FINAL_OK,
     .code = -1,
     .urcs = {"RING", "+CLIP: \"+911234\",145"}},
    /* ---- truncated: no final result code yet ---- */
    {"truncated-mid-line", "AT+CGSN", BYTES ("\r\n4901542032"), .done = FALSE},
    {"truncated-final-without-line-end",
     "AT+CGSN",
     BYTES ("\r\n490154203237518\r\nOK"),
     .done = FALSE},
    {"truncated-after-echo", "AT+CGSN", BYTES ("AT+CGSN\r"), .done = FALSE},
    {"truncated-keeps-urcs",
     "AT+CGSN",
     BYTES ("\r\nRING\r\n4901"),
     .done = FALSE,
     .urcs = {"RING"}},
    {"nothing", "AT+CGSN", BYTES (""), .done = FALSE},
    /* ---- V.250 numeric result codes (ATV0): only for basic commands ---- */
    {"v0-ok-to-at", "AT", BYTES ("0\r"), .done = TRUE, .final = IR_AT_FINAL_OK, .code = -1},
    {"v0-echo-then-ok", "AT", BYTES ("AT\r0\r"), .done = TRUE, .final = IR_AT_FINAL_OK, .code = -1},
    {"v0-error-to-settings",
     "ATE0V1Q0",
     BYTES ("4\r"),
     .done = TRUE,
     .final = IR_AT_FINAL_ERROR,
     .code = -1},
    {"v0-no-carrier",
     "AT",
     BYTES ("3\r"),
     .done = TRUE,
     .final = IR_AT_FINAL_NO_CARRIER,
     .code = -1},
    {"v0-ring-is-not-final", "AT", BYTES ("2\r"), .done = FALSE},
    {"v0-digit-answer-to-extended-is-information",
     "AT+CGMR",
     BYTES ("\r\n0\r\n\r\nOK\r\n"),
     .done = TRUE,
     .lines = {"0"},
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"v0-digit-answer-to-ati-is-information", "ATI", BYTES ("0\r"), .done = FALSE},
    /* ---- firmwares' own refusals ---- */
    {"modem-error-n",
     "AT+CGSN",
     BYTES ("\r\nMODEM ERROR: 4\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_ERROR,
     .code = 4,
     .final_line = "MODEM ERROR: 4"},
    {"na-is-a-refusal",
     "AT+SIMEI?",
     BYTES ("\r\nNA\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_ERROR,
     .code = -1,
     .final_line = "NA"},
    {"only-line-ends", "AT+CGSN", BYTES ("\r\n\r\n\n\r"), .done = FALSE},
    {"lowercase-ok-is-not-final", "AT+CGMI", BYTES ("\r\nok\r\n"), .done = FALSE},
    /* ---- every final and error form ---- */
    {"error",
     "AT+SIMEI?",
     BYTES ("AT+SIMEI?\r\r\nERROR\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_ERROR,
     .code = -1,
     .final_line = "ERROR"},
    {"cme-numeric",
     "AT+EGMR=1,7,\"490154203237518\"",
     BYTES ("\r\n+CME ERROR: 3\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = 3,
     .final_line = "+CME ERROR: 3"},
    {"cme-numeric-no-blank",
     "AT+CGSN",
     BYTES ("\r\n+CME ERROR:10\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = 10},
    {"cme-verbose",
     "AT+CPIN?",
     BYTES ("\r\n+CME ERROR: SIM not inserted\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = -1,
     .final_line = "+CME ERROR: SIM not inserted"},
    {"cme-verbose-after-information",
     "AT+SPIMEI=0,\"490154203237518\"",
     BYTES ("\r\n+SPIMEI: busy\r\n+CME ERROR: operation not allowed\r\n"),
     .done = TRUE,
     .lines = {"+SPIMEI: busy"},
     .final = IR_AT_FINAL_CME_ERROR,
     .code = -1},
    {"cme-absurd-number-is-verbose",
     "AT+CGSN",
     BYTES ("\r\n+CME ERROR: 99999999999\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = -1},
    {"cme-empty",
     "AT+CGSN",
     BYTES ("\r\n+CME ERROR:\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CME_ERROR,
     .code = -1},
    {"cms-numeric",
     "AT+CMGS=20",
     BYTES ("\r\n+CMS ERROR: 500\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CMS_ERROR,
     .code = 500},
    {"cms-verbose",
     "AT+CMGR=1",
     BYTES ("\r\n+CMS ERROR: invalid memory index\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CMS_ERROR,
     .code = -1},
    {"no-carrier",
     "ATD*99#",
     BYTES ("\r\nNO CARRIER\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_NO_CARRIER,
     .code = -1},
    {"busy",
     "ATD123;",
     BYTES ("\r\nBUSY\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_BUSY,
     .code = -1},
    {"no-answer",
     "ATD123;",
     BYTES ("\r\nNO ANSWER\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_NO_ANSWER,
     .code = -1},
    {"no-dialtone",
     "ATD123;",
     BYTES ("\r\nNO DIALTONE\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_NO_DIALTONE,
     .code = -1},
    {"connect",
     "ATD*99#",
     BYTES ("\r\nCONNECT\r\n~\x7e\xff"),
     .done = TRUE,
     .final = IR_AT_FINAL_CONNECT,
     .code = -1,
     .leftover = "~\x7e\xff"},
    {"connect-with-speed",
     "ATD*99#",
     BYTES ("\r\nCONNECT 150000000\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_CONNECT,
     .code = -1,
     .final_line = "CONNECT 150000000"},
    {"command-not-support",
     "AT+SPIMEI?",
     BYTES ("\r\nCOMMAND NOT SUPPORT\r\n"),
     .done = TRUE,
     .final = IR_AT_FINAL_ERROR,
     .code = -1},
    /* ---- draining: no command, every line kept ---- */
    {"drain-keeps-every-line-and-the-unfinished-one",
     NULL,
     BYTES ("\r\nRING\r\n+CREG: 1\r\nOK\r\n+CRE"),
     .done = FALSE,
     .urcs = {"RING", "+CREG: 1", "OK"},
     .leftover = "+CRE"},
    /* ---- limits ---- */
    {"line-at-limit",
     "AT+CGMR",
     .gen = GEN_LINE_AT_LIMIT,
     .done = TRUE,
     .final = IR_AT_FINAL_OK,
     .code = -1},
    {"line-over-limit", "AT+CGMR", .gen = GEN_LINE_OVER_LIMIT, .error = "IR_AT_MAX_LINE"},
    {"response-over-limit", "AT+COPS=?", .gen = GEN_RESPONSE_OVER, .error = "IR_AT_MAX_RESPONSE"},
    {"noise-flood-over-limit", "AT+CGSN", .gen = GEN_NOISE_FLOOD, .error = "IR_AT_MAX_RESPONSE"},
};

/* ---- running a row ---- */

typedef struct {
	gboolean done;
	IrAtResponse *resp;
	GPtrArray *urcs; /* from ir_at_parser_steal_urcs() */
	GByteArray *leftover;
	GError *error;
} ParserResult;

static void
parser_result_free (ParserResult *result)
{
	ir_at_response_free (result->resp);
	g_ptr_array_unref (result->urcs);
	g_byte_array_unref (result->leftover);
	g_clear_error (&result->error);
	g_free (result);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParserResult, parser_result_free)

static GByteArray *
test_at_parser_row_input (const ParserRow *row)
{
	GByteArray *input = g_byte_array_new ();
	g_autoptr (GString) text = g_string_new (NULL);

	switch (row->gen) {
	case GEN_LINE_AT_LIMIT:
		g_string_append (text, "\r\n");
		for (guint i = 0; i < IR_AT_MAX_LINE; i++)
			g_string_append_c (text, 'A' + (i % 26));
		g_string_append (text, "\r\nOK\r\n");
		break;
	case GEN_LINE_OVER_LIMIT:
		g_string_append (text, "\r\n");
		for (guint i = 0; i < IR_AT_MAX_LINE + 1; i++)
			g_string_append_c (text, 'x');
		g_string_append (text, "\r\nOK\r\n");
		break;
	case GEN_RESPONSE_OVER:
		while (text->len <= IR_AT_MAX_RESPONSE)
			g_string_append (text, "+COPS: (2,\"Airtel\",\"Airtel\",\"40410\",7)\r\n");
		g_string_append (text, "OK\r\n");
		break;
	case GEN_NOISE_FLOOD:
		for (guint i = 0; i < IR_AT_MAX_RESPONSE + 10; i++)
			g_string_append_c (text, (char)(i % 2 ? 0x01 : 0x1b));
		g_string_append (text, "\r\nOK\r\n");
		break;
	case GEN_NONE:
	default:
		g_byte_array_append (input, (const guint8 *)row->input, row->input_len);
		return input;
	}
	g_byte_array_append (input, (const guint8 *)text->str, text->len);
	return input;
}

/* Feeds @input in chunks of @chunk bytes (0: all at once) */
static ParserResult *
test_at_parser_run_parser (const char *command, const GByteArray *input, gsize chunk)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new (command);
	ParserResult *result = g_new0 (ParserResult, 1);
	const guint8 *leftover;
	gsize leftover_len = 0;

	if (chunk == 0)
		chunk = MAX (input->len, 1);
	for (gsize off = 0; off < input->len; off += chunk) {
		gsize len = MIN (chunk, input->len - off);

		if (!ir_at_parser_feed (
			parser, input->data + off, len, &result->done, &result->error))
			break;
	}
	if (input->len == 0)
		assert_true (ir_at_parser_feed (parser, NULL, 0, &result->done, NULL));
	result->resp = ir_at_parser_steal_response (parser);
	result->urcs = ir_at_parser_steal_urcs (parser);
	leftover = ir_at_parser_get_leftover (parser, &leftover_len);
	result->leftover = g_byte_array_new ();
	g_byte_array_append (result->leftover, leftover, leftover_len);
	return result;
}

static void
test_at_parser_check_strv (const char *row,
			   const char *what,
			   const char *const *expected,
			   GPtrArray *got)
{
	guint n = 0;

	while (n < MAX_ITEMS && expected[n] != NULL)
		n++;
	if (got->len != n)
		print_error ("row %s: %u %s expected, got %u\n", row, n, what, got->len);
	assert_int_equal (got->len, n);
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0 (expected[i], g_ptr_array_index (got, i)) != 0)
			print_error ("row %s: %s[%u] is \"%s\", expected \"%s\"\n",
				     row,
				     what,
				     i,
				     (const char *)g_ptr_array_index (got, i),
				     expected[i]);
		assert_string_equal (g_ptr_array_index (got, i), expected[i]);
	}
}

static void
test_at_parser_check_row (const ParserRow *row, ParserResult *result)
{
	const char *leftover = row->leftover != NULL ? row->leftover : "";
	const char *none[] = {NULL};

	if (row->error != NULL) {
		if (result->error == NULL)
			print_error ("row %s: expected an error about %s\n", row->name, row->error);
		assert_non_null (result->error);
		assert_true (g_error_matches (result->error, IR_ERROR, IR_ERROR_PROTOCOL));
		assert_non_null (strstr (result->error->message, row->error));
		assert_false (result->done);
		assert_null (result->resp);
		return;
	}
	if (result->error != NULL)
		print_error ("row %s: unexpected error: %s\n", row->name, result->error->message);
	assert_null (result->error);
	if (result->done != row->done)
		print_error (
		    "row %s: done is %d, expected %d\n", row->name, result->done, row->done);
	assert_int_equal (result->done, row->done);
	assert_int_equal (result->leftover->len, strlen (leftover));
	assert_memory_equal (result->leftover->data, leftover, strlen (leftover));
	if (!row->done) {
		assert_null (result->resp);
		test_at_parser_check_strv (row->name, "stray URCs", row->urcs, result->urcs);
		return;
	}
	assert_non_null (result->resp);
	if (row->gen == GEN_LINE_AT_LIMIT) {
		/* the generated line itself, kept whole */
		assert_int_equal (result->resp->lines->len, 1);
		assert_int_equal (strlen (g_ptr_array_index (result->resp->lines, 0)),
				  IR_AT_MAX_LINE);
	} else {
		test_at_parser_check_strv (row->name, "lines", row->lines, result->resp->lines);
	}
	test_at_parser_check_strv (row->name, "URCs", row->urcs, result->resp->urcs);
	test_at_parser_check_strv (row->name, "stray URCs", none, result->urcs);
	if (result->resp->final != row->final)
		print_error (
		    "row %s: final %d, expected %d\n", row->name, result->resp->final, row->final);
	assert_int_equal (result->resp->final, row->final);
	assert_int_equal (result->resp->code, row->code);
	assert_non_null (result->resp->final_line);
	if (row->final_line != NULL)
		assert_string_equal (result->resp->final_line, row->final_line);
	if (row->noise != NOISE_UNCHECKED) {
		if (result->resp->noisy != (row->noise == NOISE_NOISY))
			print_error ("row %s: noisy is %d\n", row->name, result->resp->noisy);
		assert_int_equal (result->resp->noisy, row->noise == NOISE_NOISY);
	}
}

static void
test_at_parser_check_same (const char *row, ParserResult *a, ParserResult *b)
{
	assert_int_equal (a->done, b->done);
	assert_int_equal (a->error != NULL, b->error != NULL);
	if (a->error != NULL) {
		assert_int_equal (a->error->code, b->error->code);
		assert_string_equal (a->error->message, b->error->message);
	}
	assert_int_equal (a->leftover->len, b->leftover->len);
	assert_memory_equal (a->leftover->data, b->leftover->data, a->leftover->len);
	assert_int_equal (a->resp != NULL, b->resp != NULL);
	if (a->resp == NULL)
		return;
	assert_string_equal (a->resp->final_line, b->resp->final_line);
	assert_int_equal (a->resp->lines->len, b->resp->lines->len);
	for (guint i = 0; i < a->resp->lines->len; i++)
		assert_string_equal (g_ptr_array_index (a->resp->lines, i),
				     g_ptr_array_index (b->resp->lines, i));
	assert_int_equal (a->resp->urcs->len, b->resp->urcs->len);
	for (guint i = 0; i < a->resp->urcs->len; i++)
		assert_string_equal (g_ptr_array_index (a->resp->urcs, i),
				     g_ptr_array_index (b->resp->urcs, i));
	(void)row;
}

static void
test_at_parser_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parser_rows); i++) {
		const ParserRow *row = &parser_rows[i];
		g_autoptr (GByteArray) input = test_at_parser_row_input (row);
		g_autoptr (ParserResult) whole = test_at_parser_run_parser (row->command, input, 0);
		g_autoptr (ParserResult) bytewise =
		    test_at_parser_run_parser (row->command, input, 1);
		g_autoptr (ParserResult) chunked =
		    test_at_parser_run_parser (row->command, input, 7);

		test_at_parser_check_row (row, whole);
		test_at_parser_check_row (row, bytewise);
		test_at_parser_check_row (row, chunked);
		test_at_parser_check_same (row->name, whole, bytewise);
		test_at_parser_check_same (row->name, whole, chunked);
	}
}

/* After an error the parser stays failed; before the final it has no response */
static void
test_at_parser_states (void **state)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new ("AT+CGMR");
	g_autoptr (GString) longline = g_string_new (NULL);
	g_autoptr (GError) error = NULL;
	gboolean done = TRUE;

	assert_true (ir_at_parser_feed (parser, (const guint8 *)"\r\nV1", 4, &done, NULL));
	assert_false (done);
	assert_null (ir_at_parser_steal_response (parser));

	for (guint i = 0; i < IR_AT_MAX_LINE + 1; i++)
		g_string_append_c (longline, '9');
	assert_false (ir_at_parser_feed (
	    parser, (const guint8 *)longline->str, longline->len, &done, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
	assert_non_null (strstr (error->message, "AT+CGMR"));
	g_clear_error (&error);
	assert_false (ir_at_parser_feed (parser, (const guint8 *)"\r\nOK\r\n", 6, &done, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
	assert_null (ir_at_parser_steal_response (parser));
}

/* The echo of a command longer than an answer line (AT+IRRESTORE carries a
 * token of up to 5464 characters) is removed, not refused; once it came,
 * answer lines have the ordinary limit again. */
static void
test_at_parser_long_echo (void **state)
{
	g_autoptr (GString) command = g_string_new ("AT+IRRESTORE=\"");
	g_autoptr (GString) input = NULL;
	g_autoptr (IrAtParser) parser = NULL;
	g_autoptr (IrAtParser) parser2 = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error = NULL;
	gboolean done = FALSE;

	for (guint i = 0; i < 5464; i++)
		g_string_append_c (command, "AZaz09-_"[i % 8]);
	g_string_append_c (command, '"');
	parser = ir_at_parser_new (command->str);
	/* noise glued in front of the echo, then the echo, then the answer */
	input = g_string_new ("\x01~");
	g_string_append_printf (input, "%s\r\r\n+CME ERROR: 716\r\n", command->str);
	assert_true (
	    ir_at_parser_feed (parser, (const guint8 *)input->str, input->len, &done, &error));
	assert_true (done);
	resp = ir_at_parser_steal_response (parser);
	assert_int_equal (resp->final, IR_AT_FINAL_CME_ERROR);
	assert_int_equal (resp->code, 716);
	assert_int_equal (resp->lines->len, 0);

	/* after the echo, a line as long as the command is garbage again */
	parser2 = ir_at_parser_new (command->str);
	g_string_printf (input, "%s\r\n%s\r\nOK\r\n", command->str, command->str);
	assert_false (
	    ir_at_parser_feed (parser2, (const guint8 *)input->str, input->len, &done, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
	assert_non_null (strstr (error->message, "IR_AT_MAX_LINE"));
}

/* A response can be stolen once; bytes fed after it become leftover */
static void
test_at_parser_steal_once (void **state)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new ("AT");
	g_autoptr (IrAtResponse) resp = NULL;
	const guint8 *leftover;
	gsize len = 0;
	gboolean done = FALSE;

	assert_true (ir_at_parser_feed (parser, (const guint8 *)"OK\r\n", 4, &done, NULL));
	assert_true (done);
	assert_true (ir_at_parser_feed (parser, (const guint8 *)"RING\r\n", 6, &done, NULL));
	resp = ir_at_parser_steal_response (parser);
	assert_non_null (resp);
	assert_null (ir_at_parser_steal_response (parser));
	leftover = ir_at_parser_get_leftover (parser, &len);
	assert_int_equal (len, 6);
	assert_memory_equal (leftover, "RING\r\n", 6);
}

/* ---- ir_at_parser_parse_final ---- */

typedef struct {
	const char *line;
	gboolean is_final;
	IrAtFinal final;
	int code;
} FinalRow;

static const FinalRow final_rows[] = {
    {"OK", TRUE, IR_AT_FINAL_OK, -1},
    {"  OK  ", TRUE, IR_AT_FINAL_OK, -1},
    {"ERROR", TRUE, IR_AT_FINAL_ERROR, -1},
    {"+CME ERROR: 0", TRUE, IR_AT_FINAL_CME_ERROR, 0},
    {"+CME ERROR: 10", TRUE, IR_AT_FINAL_CME_ERROR, 10},
    {"+CME ERROR:148", TRUE, IR_AT_FINAL_CME_ERROR, 148},
    {"+CME ERROR 3", TRUE, IR_AT_FINAL_CME_ERROR, 3},
    {"+CME ERROR: SIM PIN required", TRUE, IR_AT_FINAL_CME_ERROR, -1},
    {"+CME ERROR: ", TRUE, IR_AT_FINAL_CME_ERROR, -1},
    {"+CME ERROR: -5", TRUE, IR_AT_FINAL_CME_ERROR, -1},
    {"+CME ERROR: 10abc", TRUE, IR_AT_FINAL_CME_ERROR, -1},
    {"+CME ERROR: 65536", TRUE, IR_AT_FINAL_CME_ERROR, -1},
    {"+CMS ERROR: 302", TRUE, IR_AT_FINAL_CMS_ERROR, 302},
    {"+CMS ERROR: operation not allowed", TRUE, IR_AT_FINAL_CMS_ERROR, -1},
    {"NO CARRIER", TRUE, IR_AT_FINAL_NO_CARRIER, -1},
    {"BUSY", TRUE, IR_AT_FINAL_BUSY, -1},
    {"NO ANSWER", TRUE, IR_AT_FINAL_NO_ANSWER, -1},
    {"NO DIALTONE", TRUE, IR_AT_FINAL_NO_DIALTONE, -1},
    {"NO DIAL TONE", TRUE, IR_AT_FINAL_NO_DIALTONE, -1},
    {"CONNECT", TRUE, IR_AT_FINAL_CONNECT, -1},
    {"CONNECT 9600", TRUE, IR_AT_FINAL_CONNECT, -1},
    {"COMMAND NOT SUPPORT", TRUE, IR_AT_FINAL_ERROR, -1},
    {"NA", TRUE, IR_AT_FINAL_ERROR, -1},
    {"MODEM ERROR: 4", TRUE, IR_AT_FINAL_ERROR, 4},
    {"MODEM ERROR", TRUE, IR_AT_FINAL_ERROR, -1},
    {"MODEM ERRORS", FALSE, IR_AT_FINAL_NONE, -1},
    {"NAK", FALSE, IR_AT_FINAL_NONE, -1},
    {"0", FALSE, IR_AT_FINAL_NONE, -1},
    /* malformed and near misses */
    {"", FALSE, IR_AT_FINAL_NONE, -1},
    {NULL, FALSE, IR_AT_FINAL_NONE, -1},
    {"ok", FALSE, IR_AT_FINAL_NONE, -1},
    {"OKAY", FALSE, IR_AT_FINAL_NONE, -1},
    {"OK OK", FALSE, IR_AT_FINAL_NONE, -1},
    {"ERRORS", FALSE, IR_AT_FINAL_NONE, -1},
    {"+CME ERRORS: 3", FALSE, IR_AT_FINAL_NONE, -1},
    {"+CME: 3", FALSE, IR_AT_FINAL_NONE, -1},
    {"CONNECTED", FALSE, IR_AT_FINAL_NONE, -1},
    {"RING", FALSE, IR_AT_FINAL_NONE, -1},
    {"+CGSN: OK", FALSE, IR_AT_FINAL_NONE, -1},
};

static void
test_at_parser_parse_final_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (final_rows); i++) {
		const FinalRow *row = &final_rows[i];
		IrAtFinal final = IR_AT_FINAL_CONNECT;
		int code = 42;

		if (ir_at_parser_parse_final (row->line, &final, &code) != row->is_final)
			print_error ("final row \"%s\"\n", row->line);
		assert_int_equal (ir_at_parser_parse_final (row->line, &final, &code),
				  row->is_final);
		assert_int_equal (final, row->final);
		assert_int_equal (code, row->code);
	}
	/* the out-parameters are optional */
	assert_true (ir_at_parser_parse_final ("OK", NULL, NULL));
}

/* ---- ir_at_parser_line_is_urc ---- */

typedef struct {
	const char *line;
	const char *expected_prefix;
	gboolean is_urc;
} UrcRow;

static const UrcRow urc_rows[] = {
    {"RING", NULL, TRUE},
    {"RING", "+CGSN", TRUE},
    {"+CRING: VOICE", NULL, TRUE},
    {"+CREG: 1", "+CGSN", TRUE},
    {"+CREG: 0,1", "+CREG", FALSE},
    {"+CREG: 0,1", "+CREG:", FALSE},
    {"+creg: 1", NULL, TRUE},
    {"+CGREG: 1", "+CREG", TRUE},
    {"+CEREG: 1", NULL, TRUE},
    {"+CMTI: \"SM\",1", NULL, TRUE},
    {"+CMT: ,24", NULL, TRUE},
    {"+CDS: 6", NULL, TRUE},
    {"+CLIP: \"123\",129", NULL, TRUE},
    {"+CUSD: 0,\"Balance\",15", NULL, TRUE},
    {"+CIEV: 1,5", NULL, TRUE},
    {"^MODE: 5,4", NULL, TRUE},
    {"^RSSI: 20", NULL, TRUE},
    {"^BOOT: 1,0,0,0,0", NULL, TRUE},
    {"+QIND: SMS DONE", NULL, TRUE},
    {"+CPIN: READY", "+CGSN", TRUE},
    {"+CPIN: READY", "+CPIN", FALSE},
    {"+CPIN: SIM PIN", NULL, TRUE},
    {"RDY", NULL, TRUE},
    {"+CFUN: 1", NULL, TRUE},
    {"SMS Ready", NULL, TRUE},
    {"Call Ready", NULL, TRUE},
    {"+STIN: 25", NULL, TRUE},
    {"  RING  ", NULL, TRUE},
    {"+CGSN : 1", "+CGSN", FALSE},
    /* not URCs */
    {"+CGSN: 490154203237518", "+CGSN", FALSE},
    {"+CGSN: 490154203237518", NULL, FALSE},
    {"490154203237518", "+CGSN", FALSE},
    {"RINGING", NULL, FALSE},
    {"RDY2", NULL, FALSE},
    {"+CREGX: 1", NULL, FALSE},
    {"+CRE", NULL, FALSE},
    {"OK", NULL, FALSE},
    {"", NULL, FALSE},
    {NULL, NULL, FALSE},
    {"+EGMR: \"490154203237518\"", "+EGMR", FALSE},
};

static void
test_at_parser_line_is_urc_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (urc_rows); i++) {
		const UrcRow *row = &urc_rows[i];

		if (ir_at_parser_line_is_urc (row->line, row->expected_prefix) != row->is_urc)
			print_error ("URC row \"%s\" / %s\n", row->line, row->expected_prefix);
		assert_int_equal (ir_at_parser_line_is_urc (row->line, row->expected_prefix),
				  row->is_urc);
	}
}

/* ---- helpers over information lines ---- */

static void
test_at_parser_assert_no_error (const GError *error)
{
	if (error != NULL)
		print_error ("unexpected error: %s\n", error->message);
	assert_null (error);
}

static IrAtResponse *
test_at_parser_response_new (IrAtFinal final,
			     int code,
			     const char *final_line,
			     const char *const *lines)
{
	IrAtResponse *resp = g_new0 (IrAtResponse, 1);

	resp->final = final;
	resp->code = code;
	resp->final_line = g_strdup (final_line);
	resp->lines = g_ptr_array_new_with_free_func (g_free);
	resp->urcs = g_ptr_array_new_with_free_func (g_free);
	for (guint i = 0; i < MAX_ITEMS && lines[i] != NULL; i++)
		g_ptr_array_add (resp->lines, g_strdup (lines[i]));
	return resp;
}

typedef struct {
	const char *lines[MAX_ITEMS];
	const char *prefix;
	const char *value; /* NULL: IR_ERROR_PROTOCOL */
} ValueRow;

static const ValueRow value_rows[] = {
    {{"+CGMI: Quectel"}, "+CGMI", "Quectel"},
    {{"+CGMI: Quectel"}, "+CGMI:", "Quectel"},
    {{"+cgmi:   \"MediaTek Inc.\"  "}, "+CGMI", "MediaTek Inc."},
    {{"+CGMM: \"SIM7600E\""}, NULL, "+CGMM: \"SIM7600E\""},
    {{"SIMCOM_Ltd"}, "+CGMI", "SIMCOM_Ltd"},
    {{"\"quoted\""}, NULL, "quoted"},
    {{"\"\"quoted twice\"\""}, NULL, "\"quoted twice\""},
    {{"\""}, NULL, "\""},
    {{"+CGMR: "}, "+CGMR", ""},
    {{"+CGMR: \"\""}, "+CGMR", ""},
    {{"Revision: 1", "+CGMR: V2"}, "+CGMR", "V2"},
    {{"first", "second"}, "+CGMR", "first"},
    {{"+CGSN: 1, \"a:b\""}, "+CGSN", "1, \"a:b\""},
    {{"+CGMI: a", "+CGMI: b"}, "+CGMI", "a"},
    {{"+CGMIX: a", "+CGMI: b"}, "+CGMI", "b"},
    /* malformed: nothing to read */
    {{NULL}, "+CGMI", NULL},
    {{NULL}, NULL, NULL},
};

static void
test_at_parser_get_value_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (value_rows); i++) {
		const ValueRow *row = &value_rows[i];
		g_autoptr (IrAtResponse) resp =
		    test_at_parser_response_new (IR_AT_FINAL_OK, -1, "OK", row->lines);
		g_autoptr (GError) error = NULL;
		g_autofree char *value = ir_at_response_get_value (resp, row->prefix, &error);

		if (row->value == NULL) {
			assert_null (value);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
			continue;
		}
		test_at_parser_assert_no_error (error);
		if (g_strcmp0 (value, row->value) != 0)
			print_error ("value row %u: \"%s\" != \"%s\"\n", i, value, row->value);
		assert_string_equal (value, row->value);
	}
}

typedef struct {
	const char *lines[MAX_ITEMS];
	const char *prefix;
	const char *imei; /* NULL: IR_ERROR_PROTOCOL */
} ImeiRow;

static const ImeiRow imei_rows[] = {
    {{"490154203237518"}, NULL, "490154203237518"},
    {{"490154203237518"}, "+CGSN", "490154203237518"},
    {{"+CGSN: 490154203237518"}, "+CGSN", "490154203237518"},
    {{"+CGSN: \"490154203237518\""}, "+CGSN", "490154203237518"},
    {{"+CGSN: IMEI 490154203237518"}, "+CGSN", "490154203237518"},
    {{"+CGSN: IMEI: 490154203237518"}, "+CGSN", "490154203237518"},
    {{"+CGSN: \"4901542032375101\""}, "+CGSN", "4901542032375101"},
    {{"+GSN: 490154203237518"}, "+GSN", "490154203237518"},
    {{"IMEI: 490154203237518"}, NULL, "490154203237518"},
    {{"+EGMR: \"356938035643809\""}, "+EGMR", "356938035643809"},
    {{"+EGMR: \"000000000000000\""}, "+EGMR", "000000000000000"},
    {{"+SIMEI: 862107040001234"}, "+SIMEI", "862107040001234"},
    {{"+SPIMEI: \"867400020316615\""}, "+SPIMEI", "867400020316615"},
    /* digits are returned as sent, never fixed: bad check digit stays */
    {{"+CGSN: 490154203237519"}, "+CGSN", "490154203237519"},
    /* wrong lengths inside 14..17 are the caller's to classify */
    {{"+CGSN: 49015420323751"}, "+CGSN", "49015420323751"},
    {{"+CGSN: 49015420323751801"}, "+CGSN", "49015420323751801"},
    /* ATI-style text: the IMEI line wins over longer digit runs elsewhere */
    {{"Manufacturer: Foo", "Build: 20201201123456", "IMEI: 490154203237518", "+GCAP: +CGSM"},
     NULL,
     "490154203237518"},
    {{"Quectel EC25 Revision: EC25EFAR06A03M4G IMEI: 490154203237518"}, NULL, "490154203237518"},
    /* the command's prefix wins over other lines */
    {{"+EGMR: \"490154203237518\"", "+SIMEI: 356938035643809"}, "+SIMEI", "356938035643809"},
    {{"SN: 12345678901234567890", "490154203237518"}, NULL, "490154203237518"},
    /* malformed */
    {{"+CGSN: 4901542032"}, "+CGSN", NULL},
    {{"+CGSN: 490154203237518012345"}, "+CGSN", NULL},
    {{"+CGSN: 49-015420-323751-8"}, "+CGSN", NULL},
    {{"+CGSN: \"\""}, "+CGSN", NULL},
    {{"+CGSN: IMEI"}, "+CGSN", NULL},
    {{NULL}, "+CGSN", NULL},
    {{"ERROR"}, NULL, NULL},
};

static void
test_at_parser_parse_imei_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (imei_rows); i++) {
		const ImeiRow *row = &imei_rows[i];
		g_autoptr (IrAtResponse) resp =
		    test_at_parser_response_new (IR_AT_FINAL_OK, -1, "OK", row->lines);
		g_autoptr (GError) error = NULL;
		g_autofree char *imei = ir_at_parser_parse_imei (resp, row->prefix, &error);

		if (row->imei == NULL) {
			if (imei != NULL)
				print_error ("IMEI row %u: got \"%s\", expected none\n", i, imei);
			assert_null (imei);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
			continue;
		}
		test_at_parser_assert_no_error (error);
		if (g_strcmp0 (imei, row->imei) != 0)
			print_error ("IMEI row %u: \"%s\" != \"%s\"\n", i, imei, row->imei);
		assert_string_equal (imei, row->imei);
	}
}

/* ---- ir_at_response_check and the CME texts ---- */

typedef struct {
	IrAtFinal final;
	int code;
	const char *final_line;
	int error_code; /* -1: no error */
	const char *message;
} CheckRow;

static const CheckRow check_rows[] = {
    {IR_AT_FINAL_OK, -1, "OK", -1, NULL},
    {IR_AT_FINAL_ERROR, -1, "ERROR", IR_ERROR_AT_REFUSED, "AT+X on /dev/pts/7 was refused: ERROR"},
    {IR_AT_FINAL_CME_ERROR,
     10,
     "+CME ERROR: 10",
     IR_ERROR_AT_REFUSED,
     "+CME ERROR: 10 (SIM not inserted)"},
    {IR_AT_FINAL_CME_ERROR,
     -1,
     "+CME ERROR: operation not allowed",
     IR_ERROR_AT_REFUSED,
     "refused: +CME ERROR: operation not allowed"},
    {IR_AT_FINAL_CMS_ERROR, 500, "+CMS ERROR: 500", IR_ERROR_AT_REFUSED, "+CMS ERROR: 500"},
    {IR_AT_FINAL_NO_CARRIER, -1, "NO CARRIER", IR_ERROR_AT_REFUSED, "NO CARRIER"},
    {IR_AT_FINAL_BUSY, -1, "BUSY", IR_ERROR_AT_REFUSED, "BUSY"},
    {IR_AT_FINAL_NO_ANSWER, -1, "NO ANSWER", IR_ERROR_AT_REFUSED, "NO ANSWER"},
    {IR_AT_FINAL_NO_DIALTONE, -1, "NO DIALTONE", IR_ERROR_AT_REFUSED, "NO DIALTONE"},
    {IR_AT_FINAL_CONNECT, -1, "CONNECT", IR_ERROR_AT_REFUSED, "data mode"},
    {IR_AT_FINAL_NONE, -1, NULL, IR_ERROR_PROTOCOL, "no final result code"},
};

static void
test_at_parser_response_check_table (void **state)
{
	const char *none[] = {NULL};

	for (guint i = 0; i < G_N_ELEMENTS (check_rows); i++) {
		const CheckRow *row = &check_rows[i];
		g_autoptr (IrAtResponse) resp =
		    test_at_parser_response_new (row->final, row->code, row->final_line, none);
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_at_response_check (resp, "AT+X", "/dev/pts/7", &error);

		if (row->error_code < 0) {
			assert_true (ok);
			assert_null (error);
			continue;
		}
		assert_false (ok);
		assert_true (g_error_matches (error, IR_ERROR, row->error_code));
		if (strstr (error->message, row->message) == NULL)
			print_error (
			    "check row %u: \"%s\" lacks \"%s\"\n", i, error->message, row->message);
		assert_non_null (strstr (error->message, row->message));
		assert_non_null (strstr (error->message, "AT+X"));
		assert_non_null (strstr (error->message, "/dev/pts/7"));
	}
}

static void
test_at_parser_cme_strings (void **state)
{
	assert_string_equal (ir_at_cme_error_to_string (0), "phone failure");
	assert_string_equal (ir_at_cme_error_to_string (3), "operation not allowed");
	assert_string_equal (ir_at_cme_error_to_string (10), "SIM not inserted");
	assert_string_equal (ir_at_cme_error_to_string (50), "incorrect parameters");
	assert_string_equal (ir_at_cme_error_to_string (100), "unknown");
	assert_string_equal (ir_at_cme_error_to_string (148), "unspecified GPRS error");
	assert_string_equal (ir_at_cme_error_to_string (150), "invalid mobile class");
	/* gaps in the table and nonsense */
	assert_string_equal (ir_at_cme_error_to_string (8), "unknown");
	assert_string_equal (ir_at_cme_error_to_string (-1), "unknown");
	assert_string_equal (ir_at_cme_error_to_string (9999), "unknown");
	for (int code = 0; code <= 50; code++)
		assert_non_null (ir_at_cme_error_to_string (code));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_at_parser_table),
	    cmocka_unit_test (test_at_parser_states),
	    cmocka_unit_test (test_at_parser_steal_once),
	    cmocka_unit_test (test_at_parser_long_echo),
	    cmocka_unit_test (test_at_parser_parse_final_table),
	    cmocka_unit_test (test_at_parser_line_is_urc_table),
	    cmocka_unit_test (test_at_parser_get_value_table),
	    cmocka_unit_test (test_at_parser_parse_imei_table),
	    cmocka_unit_test (test_at_parser_response_check_table),
	    cmocka_unit_test (test_at_parser_cme_strings),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
