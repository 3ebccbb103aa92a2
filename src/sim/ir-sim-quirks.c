/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-sim-quirks.h"

#define IR_SIM_QUIRKS_MAX_SLOW_MS 60000
/* The caller a ringing phone announces (+CLIP, 27.007 §7.18: number,
 * type 145 = international). */
#define IR_SIM_QUIRKS_CLIP "+CLIP: \"+919876543210\",145,,,,0"

static const char *const ir_sim_quirks_keys[] = {
    "charset",
    "result-codes",
    "ring-during",
    "ring-final",
    "vendor-disabled",
    "slow-command",
    NULL,
};

static const char *const ir_sim_quirks_charsets[] = {"IRA", "GSM", "UCS2", "HEX", NULL};
static const char *const ir_sim_quirks_ring_finals[] = {
    "NO CARRIER", "BUSY", "NO ANSWER", "ERROR", "OK", NULL};

/* V.250 §5.7.1 numeric result codes, for a phone in ATV0. */
static const struct {
	const char *text;
	const char *code;
} ir_sim_quirks_numeric_codes[] = {
    {"OK", "0"},
    {"CONNECT", "1"},
    {"RING", "2"},
    {"NO CARRIER", "3"},
    {"ERROR", "4"},
    {"NO DIALTONE", "6"},
    {"BUSY", "7"},
    {"NO ANSWER", "8"},
};

const char *const *
ir_sim_quirks_get_keys (void)
{
	return ir_sim_quirks_keys;
}

gboolean
ir_sim_quirks_has_key (const char *key)
{
	return g_strv_contains (ir_sim_quirks_keys, key);
}

void
ir_sim_quirks_init (IrSimQuirks *self)
{
	memset (self, 0, sizeof (*self));
	self->charset = g_strdup ("IRA");
	self->ring_final = g_strdup ("NO CARRIER");
	self->cur_charset = g_strdup ("IRA");
}

void
ir_sim_quirks_clear (IrSimQuirks *self)
{
	g_free (self->charset);
	g_free (self->ring_during);
	g_free (self->ring_final);
	g_free (self->vendor_final);
	g_free (self->slow_command);
	g_free (self->cur_charset);
	memset (self, 0, sizeof (*self));
}

void
ir_sim_quirks_copy (IrSimQuirks *dest, const IrSimQuirks *src)
{
	memset (dest, 0, sizeof (*dest));
	dest->charset = g_strdup (src->charset);
	dest->numeric = src->numeric;
	dest->ring_during = g_strdup (src->ring_during);
	dest->ring_final = g_strdup (src->ring_final);
	dest->vendor_final = g_strdup (src->vendor_final);
	dest->slow_command = g_strdup (src->slow_command);
	dest->slow_ms = src->slow_ms;
	/* a phone starts in its configured state */
	dest->cur_charset = g_strdup (src->charset);
	dest->cur_numeric = src->numeric;
}

static gboolean
ir_sim_quirks_one_of (const char *value, const char *const *allowed, char **out, GError **error)
{
	g_autofree char *known = NULL;

	if (g_strv_contains (allowed, value)) {
		g_free (*out);
		*out = g_strdup (value);
		return TRUE;
	}
	known = g_strjoinv (", ", (char **)allowed);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "\"%s\" is not allowed: allowed are %s",
		     value,
		     known);
	return FALSE;
}

/* A command the quirk is aimed at: "AT" and something, no line break. */
static gboolean
ir_sim_quirks_set_command (const char *value, char **out, GError **error)
{
	if (g_ascii_strncasecmp (value, "AT", 2) != 0 || strpbrk (value, "\r\n") != NULL ||
	    strlen (value) > 64) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not a command: give the start of an AT command as the "
			     "host sends it, e.g. AT+CGSN",
			     value);
		return FALSE;
	}
	g_free (*out);
	*out = g_ascii_strup (value, -1);
	return TRUE;
}

/* "ERROR" or "CME:N", as write-error takes it, or a refusal in a
 * firmware's own words that ModemManager's parser knows from real phones
 * (src/mm-serial-parsers.c): "MODEM:N" for Motorola EZX's "MODEM ERROR: N"
 * (its commit 319424cc), "NA" for the Samsung Z810's "not available"
 * (its commit 3b6b049e). */
static gboolean
ir_sim_quirks_set_vendor (IrSimQuirks *self, const char *value, GError **error)
{
	guint64 code = 0;

	g_clear_pointer (&self->vendor_final, g_free);
	if (g_strcmp0 (value, "ERROR") == 0 || g_strcmp0 (value, "NA") == 0) {
		self->vendor_final = g_strdup (value);
		return TRUE;
	}
	if (g_str_has_prefix (value, "CME:") &&
	    g_ascii_string_to_unsigned (value + 4, 10, 0, 65535, &code, NULL)) {
		self->vendor_final = g_strdup_printf ("+CME ERROR: %u", (guint)code);
		return TRUE;
	}
	if (g_str_has_prefix (value, "MODEM:") &&
	    g_ascii_string_to_unsigned (value + 6, 10, 0, 65535, &code, NULL)) {
		self->vendor_final = g_strdup_printf ("MODEM ERROR: %u", (guint)code);
		return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "\"%s\" is not how a firmware refuses: allowed are ERROR, CME:N, MODEM:N (N "
		     "from 0 to 65535) and NA",
		     value);
	return FALSE;
}

/* "AT+CGSN=1:2500": the command, then after the last colon milliseconds. */
static gboolean
ir_sim_quirks_set_slow (IrSimQuirks *self, const char *value, GError **error)
{
	const char *colon = strrchr (value, ':');
	g_autofree char *command = colon != NULL ? g_strndup (value, colon - value) : NULL;
	guint64 ms = 0;

	if (colon == NULL ||
	    !g_ascii_string_to_unsigned (colon + 1, 10, 1, IR_SIM_QUIRKS_MAX_SLOW_MS, &ms, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not COMMAND:MS: give the start of a command and the "
			     "milliseconds (1 to %u) its answer comes late, e.g. AT+CGSN=1:2500",
			     value,
			     (guint)IR_SIM_QUIRKS_MAX_SLOW_MS);
		return FALSE;
	}
	if (!ir_sim_quirks_set_command (command, &self->slow_command, error))
		return FALSE;
	self->slow_ms = (guint)ms;
	return TRUE;
}

gboolean
ir_sim_quirks_set (IrSimQuirks *self, const char *key, const char *value, GError **error)
{
	if (g_strcmp0 (key, "charset") == 0)
		return ir_sim_quirks_one_of (value, ir_sim_quirks_charsets, &self->charset, error);
	if (g_strcmp0 (key, "result-codes") == 0) {
		static const char *const modes[] = {"verbose", "numeric", NULL};
		g_autofree char *mode = NULL;
		if (!ir_sim_quirks_one_of (value, modes, &mode, error))
			return FALSE;
		self->numeric = g_strcmp0 (mode, "numeric") == 0;
		return TRUE;
	}
	if (g_strcmp0 (key, "ring-during") == 0)
		return ir_sim_quirks_set_command (value, &self->ring_during, error);
	if (g_strcmp0 (key, "ring-final") == 0)
		return ir_sim_quirks_one_of (
		    value, ir_sim_quirks_ring_finals, &self->ring_final, error);
	if (g_strcmp0 (key, "vendor-disabled") == 0)
		return ir_sim_quirks_set_vendor (self, value, error);
	if (g_strcmp0 (key, "slow-command") == 0)
		return ir_sim_quirks_set_slow (self, value, error);
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s is not a quirk", key);
	return FALSE;
}

/* +CSCS (27.007 §5.5): which character set string parameters are in. */
static gboolean
ir_sim_quirks_cscs (IrSimQuirks *self, const char *cmd, GString *reply)
{
	g_autofree char *name = NULL;

	if (g_strcmp0 (cmd, "AT+CSCS?") == 0) {
		ir_device_model_reply_line (reply, "+CSCS: \"%s\"", self->cur_charset);
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (g_strcmp0 (cmd, "AT+CSCS=?") == 0) {
		ir_device_model_reply_line (reply, "+CSCS: (\"IRA\",\"GSM\",\"UCS2\",\"HEX\")");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (!g_str_has_prefix (cmd, "AT+CSCS=\"") || !g_str_has_suffix (cmd, "\"") ||
	    strlen (cmd) < strlen ("AT+CSCS=\"\"")) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	name = g_strndup (cmd + strlen ("AT+CSCS=\""), strlen (cmd) - strlen ("AT+CSCS=\"\""));
	if (!g_strv_contains (ir_sim_quirks_charsets, name)) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	g_free (self->cur_charset);
	self->cur_charset = g_steal_pointer (&name);
	ir_device_model_reply_ok (reply);
	return TRUE;
}

/* A compound basic command line such as "ATE0V1Q0" (V.250 §5.2.1): E, V
 * and Q with their digit, several in a row. Lines with other commands
 * are the models' (which answer ATE0, ATZ, ATI alone). */
static gboolean
ir_sim_quirks_basic (IrSimQuirks *self, IrSimState *state, const char *cmd, GString *reply)
{
	const char *p = cmd + 2;
	guint n = 0;
	gboolean has_vq = FALSE;

	for (const char *q = p; *q != '\0'; n++) {
		if (strchr ("EVQ", *q) == NULL)
			return FALSE;
		has_vq = has_vq || *q != 'E';
		q++;
		if (*q == '0' || *q == '1')
			q++;
	}
	if (n == 0 || (n == 1 && !has_vq))
		return FALSE;
	while (*p != '\0') {
		char letter = *p++;
		gboolean one = *p == '1';
		if (*p == '0' || *p == '1')
			p++;
		if (letter == 'E')
			state->echo = one;
		else if (letter == 'V')
			self->cur_numeric = !one;
	}
	ir_device_model_reply_ok (reply);
	return TRUE;
}

/* Firmware without the family's own commands: what the 27.007 base does
 * not know gets the configured refusal, and never reaches the family
 * model (whose writes would still work). */
static void
ir_sim_quirks_dispatch (IrSimQuirks *self, IrSimState *state, const char *line, GString *reply)
{
	g_autofree char *cmd = ir_device_model_normalize (line);
	const IrDeviceModel *base = ir_device_model_lookup ("3gpp");

	if (cmd[0] == '\0')
		return;
	if (g_str_has_prefix (cmd, "AT+CSCS") && ir_sim_quirks_cscs (self, cmd, reply))
		return;
	if (g_str_has_prefix (cmd, "AT") && ir_sim_quirks_basic (self, state, cmd, reply))
		return;
	if (self->vendor_final == NULL || g_strcmp0 (state->family, "3gpp") == 0) {
		ir_device_model_dispatch (state, line, reply);
		return;
	}
	if (g_str_has_prefix (cmd, "AT") && base->handle (state, cmd, reply))
		return;
	ir_device_model_reply_line (reply, "%s", self->vendor_final);
}

/* The "\r\nTEXT\r\n" lines of a model's answer, in order. */
static GPtrArray *
ir_sim_quirks_split (const GString *reply)
{
	g_auto (GStrv) parts = g_strsplit (reply->str, "\r\n", -1);
	GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_ptr_array_add (lines, g_strdup (parts[i]));
	}
	return lines;
}

static void
ir_sim_quirks_encode_text (const char *charset, const char *text, GString *out)
{
	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if (g_strcmp0 (charset, "UCS2") == 0)
			g_string_append_printf (out, "%04X", *p);
		else
			g_string_append_printf (out, "%02X", *p);
	}
}

/* In UCS2 or HEX, every string parameter goes hex-encoded: the quoted
 * strings after a "+NAME:" prefix, or a whole line of text (+CGMI's
 * answer, a bare IMEI). Numbers stay numbers. */
static char *
ir_sim_quirks_encode_line (const char *charset, const char *line)
{
	GString *out = g_string_new (NULL);
	const char *colon = strchr (line, ':');
	gboolean prefixed = strchr ("+^#$%", line[0]) != NULL && colon != NULL;
	const char *p = line;

	if (!prefixed) {
		ir_sim_quirks_encode_text (charset, line, out);
		return g_string_free (out, FALSE);
	}
	while (*p != '\0') {
		const char *open = strchr (p, '"');
		const char *close = open != NULL ? strchr (open + 1, '"') : NULL;
		g_autofree char *inner = NULL;

		if (close == NULL) {
			g_string_append (out, p);
			break;
		}
		g_string_append_len (out, p, open + 1 - p);
		inner = g_strndup (open + 1, close - open - 1);
		ir_sim_quirks_encode_text (charset, inner, out);
		g_string_append_c (out, '"');
		p = close + 1;
	}
	return g_string_free (out, FALSE);
}

static gboolean
ir_sim_quirks_is_final (const char *line)
{
	return g_str_has_prefix (line, "+CME ERROR") || g_str_has_prefix (line, "+CMS ERROR") ||
	       g_strcmp0 (line, "OK") == 0 || g_strcmp0 (line, "ERROR") == 0 ||
	       g_strcmp0 (line, "NO CARRIER") == 0 || g_strcmp0 (line, "BUSY") == 0 ||
	       g_strcmp0 (line, "NO ANSWER") == 0;
}

static void
ir_sim_quirks_encode (IrSimQuirks *self, const char *cmd, GPtrArray *lines)
{
	if (g_strcmp0 (self->cur_charset, "UCS2") != 0 && g_strcmp0 (self->cur_charset, "HEX") != 0)
		return;
	if (g_str_has_prefix (cmd, "AT+CSCS"))
		return;
	for (guint i = 0; i < lines->len; i++) {
		char *line = g_ptr_array_index (lines, i);
		if (ir_sim_quirks_is_final (line))
			continue;
		g_ptr_array_index (lines, i) = ir_sim_quirks_encode_line (self->cur_charset, line);
		g_free (line);
	}
}

/* A call comes in during the first answer to the command aimed at: RING
 * and +CLIP in the middle of it, and the final the firmware then gives
 * (OK: the answer is whole all the same). */
static void
ir_sim_quirks_ring (IrSimQuirks *self, const char *cmd, GPtrArray *lines)
{
	guint middle;

	if (self->ring_during == NULL || self->rang || !g_str_has_prefix (cmd, self->ring_during) ||
	    lines->len == 0)
		return;
	self->rang = TRUE;
	if (g_strcmp0 (self->ring_final, "OK") != 0) {
		/* the firmware drops the command for the call */
		g_ptr_array_set_size (lines, 0);
		g_ptr_array_add (lines, g_strdup (self->ring_final));
	}
	middle = lines->len / 2;
	g_ptr_array_insert (lines, (gint)middle, g_strdup (IR_SIM_QUIRKS_CLIP));
	g_ptr_array_insert (lines, (gint)middle, g_strdup ("RING"));
}

/* V.250 §5.8: with V0, information text is "TEXT\r\n" and a result code
 * its number and CR; otherwise every line is "\r\nTEXT\r\n". */
static void
ir_sim_quirks_join (IrSimQuirks *self, GPtrArray *lines, GString *reply)
{
	g_string_truncate (reply, 0);
	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);
		const char *code = NULL;

		if (!self->cur_numeric) {
			ir_device_model_reply_line (reply, "%s", line);
			continue;
		}
		for (guint k = 0; k < G_N_ELEMENTS (ir_sim_quirks_numeric_codes); k++) {
			if (g_strcmp0 (line, ir_sim_quirks_numeric_codes[k].text) == 0)
				code = ir_sim_quirks_numeric_codes[k].code;
		}
		if (code != NULL)
			g_string_append_printf (reply, "%s\r", code);
		else
			g_string_append_printf (reply, "%s\r\n", line);
	}
}

void
ir_sim_quirks_answer (
    IrSimQuirks *self, IrSimState *state, const char *line, GString *reply, guint *delay_ms)
{
	g_autofree char *cmd = ir_device_model_normalize (line);
	g_autoptr (GPtrArray) lines = NULL;

	*delay_ms = 0;
	ir_sim_quirks_dispatch (self, state, line, reply);
	if (reply->len == 0)
		return;
	lines = ir_sim_quirks_split (reply);
	ir_sim_quirks_encode (self, cmd, lines);
	ir_sim_quirks_ring (self, cmd, lines);
	ir_sim_quirks_join (self, lines, reply);
	if (self->slow_command != NULL && g_str_has_prefix (cmd, self->slow_command))
		*delay_ms = self->slow_ms;
}
