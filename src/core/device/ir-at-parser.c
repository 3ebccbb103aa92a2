/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-at-parser.h"
#include "ir-error.h"

/* Pure AT response parsing, in the manner of ModemManager's
 * mm-serial-parsers.c and mm-modem-helpers.c: bytes in, lines out, no I/O,
 * no clock. Everything is decided per byte or per completed line, so the
 * result does not depend on how the bytes were split into reads. */

struct _IrAtParser {
	char *command; /* trimmed command, NULL when draining */
	gsize command_len;
	char *expected_prefix; /* "+CGSN" for "AT+CGSN=1", NULL for basic commands */
	GString *line;	       /* the line being assembled, control bytes dropped */
	gsize response_bytes;  /* every byte fed before the final line */
	gboolean echo_checked; /* an information line came: no more echo removal */
	gboolean numeric_ok;   /* a basic setting command: "0" may be its OK (V0) */
	gboolean done;
	gboolean failed;
	IrAtResponse *resp;
	GPtrArray *urcs;
	GByteArray *leftover;
};

/* ---- result codes ---- */

typedef struct {
	const char *text;
	IrAtFinal final;
} IrAtFinalWord;

/* V.250 §5.7.1 verbose result codes that end a command, plus the two
 * plain-text refusals some Huawei and ZTE firmwares send instead of ERROR
 * (ModemManager treats them the same way). Case-sensitive, as V.250 is. */
static const IrAtFinalWord final_words[] = {
    {"OK", IR_AT_FINAL_OK},
    {"ERROR", IR_AT_FINAL_ERROR},
    {"COMMAND NOT SUPPORT", IR_AT_FINAL_ERROR},
    {"TOO MANY PARAMETERS", IR_AT_FINAL_ERROR},
    /* "not available": Samsung Z810 (ModemManager commit 3b6b049e) */
    {"NA", IR_AT_FINAL_ERROR},
    {"NO CARRIER", IR_AT_FINAL_NO_CARRIER},
    {"BUSY", IR_AT_FINAL_BUSY},
    {"NO ANSWER", IR_AT_FINAL_NO_ANSWER},
    {"NO DIALTONE", IR_AT_FINAL_NO_DIALTONE},
    {"NO DIAL TONE", IR_AT_FINAL_NO_DIALTONE},
};

/* "<n>" -> n, anything else (verbose text, empty, absurd numbers) -> -1 */
static int
ir_at_parser_parse_error_number (const char *text)
{
	guint64 value = 0;

	if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
		return -1;
	return (int)value;
}

/* "+CME ERROR: 10", "+CME ERROR:SIM failure", "+CME ERROR 10" -> the text
 * after the keyword; NULL when @line is not that error */
static const char *
ir_at_parser_match_error_keyword (const char *line, const char *keyword)
{
	gsize len = strlen (keyword);

	if (strncmp (line, keyword, len) != 0)
		return NULL;
	if (line[len] == ':' || line[len] == ' ')
		return line + len + 1;
	if (line[len] == '\0')
		return line + len;
	return NULL;
}

gboolean
ir_at_parser_parse_final (const char *line, IrAtFinal *final, int *code)
{
	g_autofree char *text = NULL;
	const char *rest;
	IrAtFinal found = IR_AT_FINAL_NONE;
	int number = -1;

	if (final != NULL)
		*final = IR_AT_FINAL_NONE;
	if (code != NULL)
		*code = -1;
	if (line == NULL)
		return FALSE;

	text = g_strstrip (g_strdup (line));
	for (guint i = 0; i < G_N_ELEMENTS (final_words); i++) {
		if (g_strcmp0 (text, final_words[i].text) == 0)
			found = final_words[i].final;
	}
	if (g_strcmp0 (text, "CONNECT") == 0 || g_str_has_prefix (text, "CONNECT "))
		found = IR_AT_FINAL_CONNECT;
	if ((rest = ir_at_parser_match_error_keyword (text, "+CME ERROR")) != NULL) {
		found = IR_AT_FINAL_CME_ERROR;
		number = ir_at_parser_parse_error_number (g_strstrip ((char *)rest));
	} else if ((rest = ir_at_parser_match_error_keyword (text, "+CMS ERROR")) != NULL) {
		found = IR_AT_FINAL_CMS_ERROR;
		number = ir_at_parser_parse_error_number (g_strstrip ((char *)rest));
	} else if ((rest = ir_at_parser_match_error_keyword (text, "MODEM ERROR")) != NULL) {
		/* Motorola EZX phones: "MODEM ERROR: 4" (ModemManager commit 319424cc) */
		found = IR_AT_FINAL_ERROR;
		number = ir_at_parser_parse_error_number (g_strstrip ((char *)rest));
	}
	if (found == IR_AT_FINAL_NONE)
		return FALSE;
	if (final != NULL)
		*final = found;
	if (code != NULL)
		*code = number;
	return TRUE;
}

/* V.250 §5.7.1 Table 1: the numeric form of the verbose codes above */
static const IrAtFinal numeric_finals[] = {
    IR_AT_FINAL_OK,
    IR_AT_FINAL_CONNECT,
    IR_AT_FINAL_NONE, /* 2: RING */
    IR_AT_FINAL_NO_CARRIER,
    IR_AT_FINAL_ERROR,
    IR_AT_FINAL_NONE, /* 5: not a V.250 code */
    IR_AT_FINAL_NO_DIALTONE,
    IR_AT_FINAL_BUSY,
    IR_AT_FINAL_NO_ANSWER,
};

gboolean
ir_at_parser_parse_numeric_final (const char *line, IrAtFinal *final)
{
	g_autofree char *text = g_strstrip (g_strdup (line != NULL ? line : ""));
	guint digit;

	if (strlen (text) != 1 || !g_ascii_isdigit (text[0]))
		return FALSE;
	digit = (guint)(text[0] - '0');
	if (digit >= G_N_ELEMENTS (numeric_finals) || numeric_finals[digit] == IR_AT_FINAL_NONE)
		return FALSE;
	if (final != NULL)
		*final = numeric_finals[digit];
	return TRUE;
}

gboolean
ir_at_final_is_call_progress (IrAtFinal final)
{
	return final == IR_AT_FINAL_NO_CARRIER || final == IR_AT_FINAL_BUSY ||
	       final == IR_AT_FINAL_NO_ANSWER || final == IR_AT_FINAL_NO_DIALTONE;
}

/* ---- unsolicited result codes ---- */

/* Known unsolicited result codes: 27.007 / 27.005 ones and the vendor ones
 * the families we support send at boot or while idle. An entry ending in
 * ':' matches as a prefix, any other entry matches the whole line. */
static const char *const urc_table[] = {
    /* 27.007 / 27.005 */
    "RING",
    "+CRING:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+C5GREG:",
    "+CMTI:",
    "+CMT:",
    "+CDS:",
    "+CDSI:",
    "+CBM:",
    "+CBMI:",
    "+CLIP:",
    "+CCWA:",
    "+CUSD:",
    "+CIEV:",
    "+CGEV:",
    "+CSSI:",
    "+CSSU:",
    "+CTZV:",
    "+CTZE:",
    "+CTZEU:",
    "+CPIN:",
    "+CFUN:",
    "+CUSATP:",
    "+CUSATEND",
    "+STIN:",
    "+PBREADY",
    /* Huawei-style (also on many Unisoc and ZTE firmwares) */
    "^MODE:",
    "^RSSI:",
    "^BOOT:",
    "^SRVST:",
    "^SIMST:",
    "^HCSQ:",
    "^DSFLOWRPT:",
    "^NDISSTAT:",
    "^SYSSTART",
    /* Quectel */
    "RDY",
    "+QIND:",
    "+QUSIM:",
    "+QIURC:",
    "POWERED DOWN",
    "NORMAL POWER DOWN",
    /* SIMCom */
    "SMS Ready",
    "Call Ready",
    "PB DONE",
    "+SIMCARD:",
    "*PSNWID:",
    "*PSUTTZ:",
    "DST:",
    /* MediaTek */
    "+EIND:",
    "+ECSQ:",
    "+EUSIM:",
    "+ESIMS:",
    /* Unisoc */
    "+SPREADY:",
    "+ECIND:",
    NULL,
};

/* TRUE when @line starts with @prefix followed by ':' (blanks allowed) */
static gboolean
ir_at_parser_line_has_prefix (const char *line, const char *prefix)
{
	gsize len;

	if (prefix == NULL || prefix[0] == '\0')
		return FALSE;
	len = strlen (prefix);
	/* accept "+CGSN" and "+CGSN:" alike */
	if (prefix[len - 1] == ':')
		len--;
	if (len == 0 || g_ascii_strncasecmp (line, prefix, len) != 0)
		return FALSE;
	line += len;
	while (*line == ' ')
		line++;
	return *line == ':';
}

gboolean
ir_at_parser_line_is_urc (const char *line, const char *expected_prefix)
{
	g_autofree char *text = NULL;

	if (line == NULL)
		return FALSE;
	text = g_strstrip (g_strdup (line));

	/* the command's own information lines are answers, even when the
	 * same prefix also comes unsolicited (+CPIN: READY, +CREG: ...) */
	if (ir_at_parser_line_has_prefix (text, expected_prefix))
		return FALSE;

	for (guint i = 0; urc_table[i] != NULL; i++) {
		const char *entry = urc_table[i];
		gsize len = strlen (entry);

		if (entry[len - 1] == ':') {
			if (ir_at_parser_line_has_prefix (text, entry))
				return TRUE;
		} else if (g_ascii_strcasecmp (text, entry) == 0) {
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- +CME ERROR texts ---- */

typedef struct {
	int code;
	const char *text;
} IrAtCmeError;

/* 3GPP TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS) */
static const IrAtCmeError cme_errors[] = {
    {0, "phone failure"},
    {1, "no connection to phone"},
    {2, "phone-adaptor link reserved"},
    {3, "operation not allowed"},
    {4, "operation not supported"},
    {5, "PH-SIM PIN required"},
    {6, "PH-FSIM PIN required"},
    {7, "PH-FSIM PUK required"},
    {10, "SIM not inserted"},
    {11, "SIM PIN required"},
    {12, "SIM PUK required"},
    {13, "SIM failure"},
    {14, "SIM busy"},
    {15, "SIM wrong"},
    {16, "incorrect password"},
    {17, "SIM PIN2 required"},
    {18, "SIM PUK2 required"},
    {20, "memory full"},
    {21, "invalid index"},
    {22, "not found"},
    {23, "memory failure"},
    {24, "text string too long"},
    {25, "invalid characters in text string"},
    {26, "dial string too long"},
    {27, "invalid characters in dial string"},
    {30, "no network service"},
    {31, "network timeout"},
    {32, "network not allowed - emergency calls only"},
    {40, "network personalisation PIN required"},
    {41, "network personalisation PUK required"},
    {42, "network subset personalisation PIN required"},
    {43, "network subset personalisation PUK required"},
    {44, "service provider personalisation PIN required"},
    {45, "service provider personalisation PUK required"},
    {46, "corporate personalisation PIN required"},
    {47, "corporate personalisation PUK required"},
    {48, "hidden key required"},
    {49, "EAP method not supported"},
    {50, "incorrect parameters"},
    {100, "unknown"},
    {103, "illegal MS"},
    {106, "illegal ME"},
    {107, "GPRS services not allowed"},
    {108, "GPRS services and non-GPRS services not allowed"},
    {111, "PLMN not allowed"},
    {112, "location area not allowed"},
    {113, "roaming not allowed in this location area"},
    {114, "GPRS services not allowed in this PLMN"},
    {115, "no suitable cells in location area"},
    {122, "congestion"},
    {126, "insufficient resources"},
    {127, "missing or unknown APN"},
    {128, "unknown PDP address or PDP type"},
    {129, "user authentication failed"},
    {130, "activation rejected by GGSN, Serving GW or PDN GW"},
    {131, "activation rejected, unspecified"},
    {132, "service option not supported"},
    {133, "requested service option not subscribed"},
    {134, "service option temporarily out of order"},
    {140, "feature not supported"},
    {141, "semantic errors in the TFT operation"},
    {142, "syntactical errors in the TFT operation"},
    {143, "unknown PDP context"},
    {144, "semantic errors in packet filter(s)"},
    {145, "syntactical errors in packet filter(s)"},
    {146, "PDP context without TFT already activated"},
    {148, "unspecified GPRS error"},
    {149, "PDP authentication failure"},
    {150, "invalid mobile class"},
};

const char *
ir_at_cme_error_to_string (int code)
{
	for (guint i = 0; i < G_N_ELEMENTS (cme_errors); i++) {
		if (cme_errors[i].code == code)
			return cme_errors[i].text;
	}
	return "unknown";
}

/* ---- responses ---- */

static IrAtResponse *
ir_at_response_new (void)
{
	IrAtResponse *resp = g_new0 (IrAtResponse, 1);

	resp->final = IR_AT_FINAL_NONE;
	resp->code = -1;
	resp->lines = g_ptr_array_new_with_free_func (g_free);
	resp->urcs = g_ptr_array_new_with_free_func (g_free);
	return resp;
}

void
ir_at_response_free (IrAtResponse *resp)
{
	if (resp == NULL)
		return;
	g_free (resp->final_line);
	g_clear_pointer (&resp->lines, g_ptr_array_unref);
	g_clear_pointer (&resp->urcs, g_ptr_array_unref);
	g_free (resp);
}

/* What the device's words mean and what the technician can do about them */
static char *
ir_at_parser_describe_refusal (const IrAtResponse *resp)
{
	const char *line = resp->final_line != NULL ? resp->final_line : "";

	switch (resp->final) {
	case IR_AT_FINAL_ERROR:
		return g_strdup_printf (
		    "%s; the device does not accept this command or its arguments", line);
	case IR_AT_FINAL_CME_ERROR:
		if (resp->code >= 0) {
			return g_strdup_printf (
			    "%s (%s)", line, ir_at_cme_error_to_string (resp->code));
		}
		return g_strdup (line);
	case IR_AT_FINAL_CMS_ERROR:
		return g_strdup_printf ("%s (a messaging error)", line);
	case IR_AT_FINAL_CONNECT:
		return g_strdup_printf ("%s: the port switched to data mode; unplug and replug "
					"the phone, then pick its AT port",
					line);
	case IR_AT_FINAL_NO_CARRIER:
	case IR_AT_FINAL_BUSY:
	case IR_AT_FINAL_NO_ANSWER:
	case IR_AT_FINAL_NO_DIALTONE:
		return g_strdup_printf ("%s instead of OK: this is a call result, not an answer "
					"to this command",
					line);
	case IR_AT_FINAL_OK:
	case IR_AT_FINAL_NONE:
	default:
		return g_strdup (line);
	}
}

gboolean
ir_at_response_check (const IrAtResponse *resp,
		      const char *command,
		      const char *port,
		      GError **error)
{
	g_autofree char *what = NULL;

	g_return_val_if_fail (resp != NULL, FALSE);

	if (command == NULL)
		command = "the command";
	if (port == NULL)
		port = "the device";
	if (resp->final == IR_AT_FINAL_OK)
		return TRUE;
	if (resp->final == IR_AT_FINAL_NONE) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "%s on %s has no final result code yet: the answer is incomplete",
			     command,
			     port);
		return FALSE;
	}
	what = ir_at_parser_describe_refusal (resp);
	g_set_error (
	    error, IR_ERROR, IR_ERROR_AT_REFUSED, "%s on %s was refused: %s", command, port, what);
	return FALSE;
}

/* ---- information-line helpers ---- */

/* @text with blanks around it and one pair of surrounding quotes removed */
static char *
ir_at_parser_unquote_value (const char *text)
{
	g_autofree char *value = g_strstrip (g_strdup (text));
	gsize len = strlen (value);

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
		return g_strndup (value + 1, len - 2);
	return g_steal_pointer (&value);
}

char *
ir_at_response_get_value (const IrAtResponse *resp, const char *prefix, GError **error)
{
	g_return_val_if_fail (resp != NULL, NULL);

	if (resp->lines == NULL || resp->lines->len == 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the answer has no information line%s%s: the device said only \"%s\"",
			     prefix != NULL ? " for " : "",
			     prefix != NULL ? prefix : "",
			     resp->final_line != NULL ? resp->final_line : "");
		return NULL;
	}
	for (guint i = 0; prefix != NULL && i < resp->lines->len; i++) {
		const char *line = g_ptr_array_index (resp->lines, i);

		if (ir_at_parser_line_has_prefix (line, prefix))
			return ir_at_parser_unquote_value (strchr (line, ':') + 1);
	}
	return ir_at_parser_unquote_value (g_ptr_array_index (resp->lines, 0));
}

#define IR_AT_IMEI_MIN_DIGITS 14 /* one short of an IMEI: malformed, but shown */
#define IR_AT_IMEI_MAX_DIGITS 17 /* one past an IMEISV: malformed, but shown */

/* The first run of digits of a plausible IMEI length in @line */
static char *
ir_at_parser_find_imei_digits (const char *line)
{
	const char *p = line;

	while (*p != '\0') {
		gsize run = 0;

		while (p[run] != '\0' && g_ascii_isdigit (p[run]))
			run++;
		if (run >= IR_AT_IMEI_MIN_DIGITS && run <= IR_AT_IMEI_MAX_DIGITS)
			return g_strndup (p, run);
		p += run > 0 ? run : 1;
	}
	return NULL;
}

/* Which lines to trust first: the ones with the command's prefix, then
 * the ones that call themselves IMEI (ATI text has firmware dates and
 * serials of similar length), then any line. */
static gboolean
ir_at_parser_imei_line_matches (const char *line, const char *prefix, guint pass)
{
	g_autofree char *upper = NULL;

	switch (pass) {
	case 0:
		return ir_at_parser_line_has_prefix (line, prefix);
	case 1:
		upper = g_ascii_strup (line, -1);
		return strstr (upper, "IMEI") != NULL;
	default:
		return TRUE;
	}
}

char *
ir_at_parser_parse_imei (const IrAtResponse *resp, const char *prefix, GError **error)
{
	g_return_val_if_fail (resp != NULL, NULL);

	for (guint pass = 0; resp->lines != NULL && pass < 3; pass++) {
		for (guint i = 0; i < resp->lines->len; i++) {
			const char *line = g_ptr_array_index (resp->lines, i);
			char *digits;

			if (!ir_at_parser_imei_line_matches (line, prefix, pass))
				continue;
			digits = ir_at_parser_find_imei_digits (line);
			if (digits != NULL)
				return digits;
		}
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "no IMEI (a run of %d to %d digits) in the answer \"%s\": the device may "
		     "not support this read; try another IMEI command of its family",
		     IR_AT_IMEI_MIN_DIGITS,
		     IR_AT_IMEI_MAX_DIGITS,
		     resp->lines != NULL && resp->lines->len > 0
			 ? (const char *)g_ptr_array_index (resp->lines, 0)
			 : "");
	return NULL;
}

/* ---- the incremental parser ---- */

/* "AT+CGSN=1" -> "+CGSN", "AT^SYSINFO" -> "^SYSINFO"; NULL for basic
 * commands (ATI, ATE0) whose answers carry no prefix */
static char *
ir_at_parser_command_expected_prefix (const char *command)
{
	gsize len = 1;

	if (g_ascii_strncasecmp (command, "AT", 2) != 0)
		return NULL;
	command += 2;
	if (strchr ("+^$%*#!@&", command[0]) == NULL || command[0] == '\0')
		return NULL;
	while (g_ascii_isalnum (command[len]) || command[len] == '_' || command[len] == '-')
		len++;
	if (len == 1)
		return NULL;
	return g_ascii_strup (command, len);
}

/* "AT", "ATE0V1Q0", "AT&F": letters, digits and '&' only, never I (ATI
 * answers free text). */
static gboolean
ir_at_parser_command_is_basic_setting (const char *command)
{
	if (g_ascii_strncasecmp (command, "AT", 2) != 0)
		return FALSE;
	for (const char *p = command + 2; *p != '\0'; p++) {
		if (!(g_ascii_isalnum (*p) || *p == '&') || g_ascii_toupper (*p) == 'I')
			return FALSE;
	}
	return TRUE;
}

IrAtParser *
ir_at_parser_new (const char *command)
{
	IrAtParser *self = g_new0 (IrAtParser, 1);

	if (command != NULL) {
		self->command = g_strstrip (g_strdup (command));
		self->command_len = strlen (self->command);
		self->expected_prefix = ir_at_parser_command_expected_prefix (self->command);
		self->numeric_ok = ir_at_parser_command_is_basic_setting (self->command);
	}
	self->line = g_string_new (NULL);
	self->resp = ir_at_response_new ();
	self->urcs = g_ptr_array_new_with_free_func (g_free);
	self->leftover = g_byte_array_new ();
	return self;
}

void
ir_at_parser_free (IrAtParser *self)
{
	if (self == NULL)
		return;
	g_free (self->command);
	g_free (self->expected_prefix);
	g_string_free (self->line, TRUE);
	ir_at_response_free (self->resp);
	g_ptr_array_unref (self->urcs);
	g_byte_array_unref (self->leftover);
	g_free (self);
}

static const char *
ir_at_parser_subject (IrAtParser *self)
{
	return self->command != NULL ? self->command : "unsolicited data";
}

/* TRUE when @line is the echo of the command, possibly with line noise
 * glued in front of it (bytes left over from before the command). */
static gboolean
ir_at_parser_line_is_echo (IrAtParser *self, const char *line)
{
	gsize line_len = strlen (line);
	gsize cmd_len;

	if (self->command == NULL || self->echo_checked)
		return FALSE;
	cmd_len = strlen (self->command);
	if (cmd_len < 2 || line_len < cmd_len)
		return FALSE;
	return g_ascii_strcasecmp (line + line_len - cmd_len, self->command) == 0;
}

static void
ir_at_parser_finish_response (IrAtParser *self, const char *line, IrAtFinal final, int code)
{
	self->resp->final = final;
	self->resp->code = code;
	self->resp->final_line = g_strdup (line);
	g_ptr_array_extend_and_steal (self->resp->urcs, g_steal_pointer (&self->urcs));
	self->urcs = g_ptr_array_new_with_free_func (g_free);
	self->done = TRUE;
}

/* One completed, non-empty line: a final result, the echo, a URC or an
 * information line, in that order of precedence. */
static void
ir_at_parser_handle_line (IrAtParser *self, char *line)
{
	IrAtFinal final;
	int code;

	/* nothing is an answer while draining: keep every line for the caller */
	if (self->command == NULL) {
		g_ptr_array_add (self->urcs, g_strdup (line));
		return;
	}
	if (ir_at_parser_parse_final (line, &final, &code)) {
		ir_at_parser_finish_response (self, line, final, code);
		return;
	}
	if (self->numeric_ok && ir_at_parser_parse_numeric_final (line, &final)) {
		ir_at_parser_finish_response (self, line, final, -1);
		return;
	}
	if (ir_at_parser_line_is_echo (self, line)) {
		/* bytes glued in front of the echo came from nowhere */
		if (strlen (line) > self->command_len)
			self->resp->noisy = TRUE;
		self->echo_checked = TRUE;
		return;
	}
	if (ir_at_parser_line_is_urc (line, self->expected_prefix)) {
		g_ptr_array_add (self->urcs, g_strdup (line));
		return;
	}
	self->echo_checked = TRUE;
	g_ptr_array_add (self->resp->lines, g_strdup (line));
}

static void
ir_at_parser_complete_line (IrAtParser *self)
{
	g_autofree char *valid = NULL;

	if (self->line->len == 0)
		return;
	/* non-UTF-8 noise becomes U+FFFD, so that callers can print any line
	 * and two digit runs split by noise are never glued together */
	if (!g_utf8_validate (self->line->str, (gssize)self->line->len, NULL) && !self->done)
		self->resp->noisy = TRUE;
	valid = g_utf8_make_valid (self->line->str, self->line->len);
	g_string_truncate (self->line, 0);
	g_strstrip (valid);
	if (valid[0] == '\0')
		return;
	ir_at_parser_handle_line (self, valid);
}

static gboolean ir_at_parser_fail (IrAtParser *self, GError **error, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
ir_at_parser_fail (IrAtParser *self, GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	self->failed = TRUE;
	g_set_error_literal (error, IR_ERROR, IR_ERROR_PROTOCOL, msg);
	return FALSE;
}

/* After the final line: keep bytes for the next command, minus the line
 * end that belongs to the final line itself */
static gboolean
ir_at_parser_feed_leftover (IrAtParser *self, guint8 byte, GError **error)
{
	if (self->leftover->len == 0 && (byte == '\r' || byte == '\n'))
		return TRUE;
	if (self->leftover->len >= IR_AT_MAX_RESPONSE) {
		return ir_at_parser_fail (
		    self,
		    error,
		    "more than %d bytes (IR_AT_MAX_RESPONSE) after the answer to %s: "
		    "the device is flooding the port; unplug and replug it",
		    IR_AT_MAX_RESPONSE,
		    ir_at_parser_subject (self));
	}
	g_byte_array_append (self->leftover, &byte, 1);
	return TRUE;
}

/* Line noise a line may carry in front of the echo and still be the echo. */
#define IR_AT_ECHO_NOISE_MAX 64

/* The limits are for answers: until the echo has been seen, a line may also
 * be the echo of a command longer than an answer line (a restore token is
 * several kilobytes), with some line noise glued in front of it. */
static gsize
ir_at_parser_line_max (IrAtParser *self)
{
	if (self->command != NULL && !self->echo_checked)
		return MAX (IR_AT_MAX_LINE, self->command_len + IR_AT_ECHO_NOISE_MAX);
	return IR_AT_MAX_LINE;
}

static gboolean
ir_at_parser_feed_byte (IrAtParser *self, guint8 byte, GError **error)
{
	if (self->done)
		return ir_at_parser_feed_leftover (self, byte, error);

	if (++self->response_bytes > IR_AT_MAX_RESPONSE + self->command_len) {
		return ir_at_parser_fail (
		    self,
		    error,
		    "the answer to %s is longer than %d bytes (IR_AT_MAX_RESPONSE) "
		    "without a final result code: the port is sending garbage; check that "
		    "it is the phone's AT port",
		    ir_at_parser_subject (self),
		    IR_AT_MAX_RESPONSE);
	}
	if (byte == '\r' || byte == '\n') {
		ir_at_parser_complete_line (self);
		return TRUE;
	}
	/* a tab separates words; other control bytes are line noise */
	if (byte == '\t')
		byte = ' ';
	if (byte < 0x20 || byte == 0x7f) {
		self->resp->noisy = TRUE;
		return TRUE;
	}
	if (self->line->len >= ir_at_parser_line_max (self)) {
		return ir_at_parser_fail (
		    self,
		    error,
		    "a line of the answer to %s is longer than %d bytes (IR_AT_MAX_LINE): "
		    "the port is sending garbage; check that it is the phone's AT port",
		    ir_at_parser_subject (self),
		    IR_AT_MAX_LINE);
	}
	g_string_append_c (self->line, (char)byte);
	return TRUE;
}

gboolean
ir_at_parser_feed (IrAtParser *self, const guint8 *data, gsize len, gboolean *done, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (data != NULL || len == 0, FALSE);

	if (self->failed) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the answer to %s was already rejected as malformed",
			     ir_at_parser_subject (self));
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (!ir_at_parser_feed_byte (self, data[i], error))
			return FALSE;
	}
	if (done != NULL)
		*done = self->done;
	return TRUE;
}

IrAtResponse *
ir_at_parser_steal_response (IrAtParser *self)
{
	g_return_val_if_fail (self != NULL, NULL);

	if (!self->done)
		return NULL;
	return g_steal_pointer (&self->resp);
}

GPtrArray *
ir_at_parser_steal_urcs (IrAtParser *self)
{
	GPtrArray *urcs;

	g_return_val_if_fail (self != NULL, NULL);

	urcs = g_steal_pointer (&self->urcs);
	self->urcs = g_ptr_array_new_with_free_func (g_free);
	return urcs;
}

const guint8 *
ir_at_parser_get_leftover (IrAtParser *self, gsize *len)
{
	g_return_val_if_fail (self != NULL, NULL);
	g_return_val_if_fail (len != NULL, NULL);

	/* while draining, the unfinished last line is what carries over */
	if (self->command == NULL) {
		*len = self->line->len;
		return (const guint8 *)self->line->str;
	}
	*len = self->leftover->len;
	return self->leftover->data;
}
