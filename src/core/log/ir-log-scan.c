/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-log-scan.h"
#include "ir-log-schema.h"

/* Two steps, as the JsonObject path does them: the JSON text (one object,
 * its members with their values' kinds and spans), then the schema over
 * those members. Strings are not decoded: the members whose value has a
 * fixed alphabet (hex, base64, type, time, outcome) never need an escape,
 * so one there is refused like any other wrong character, and the free
 * text members only need "is a string" (and "not empty", which an escape
 * cannot change). */

#define IR_LOG_SCAN_MAX_MEMBERS 24
#define IR_LOG_SCAN_MAX_DEPTH	8

typedef enum {
	IR_LOG_SCAN_STRING,
	IR_LOG_SCAN_INT, /* an integer >= 0 that fits 63 bits */
	IR_LOG_SCAN_NUMBER,
	IR_LOG_SCAN_NULL,
	IR_LOG_SCAN_BOOL,
	IR_LOG_SCAN_OBJECT,
	IR_LOG_SCAN_ARRAY,
} IrLogScanKind;

typedef struct {
	IrLogScanSpan name;
	IrLogScanKind kind;
	IrLogScanSpan value; /* a string's content; an object's or array's whole text */
	guint64 number;	     /* IR_LOG_SCAN_INT */
} IrLogScanMember;

typedef struct {
	const char *start;
	const char *p;
	const char *end;
	GError **error;
	gboolean failed;
} IrLogScanner;

static gboolean G_GNUC_PRINTF (2, 3) ir_log_scan_refuse (GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, format);
	msg = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, msg);
	return FALSE;
}

static gboolean
ir_log_scan_span_is (IrLogScanSpan span, const char *text)
{
	/* no strncmp: called for every member against schema names, and the
	 * call was the verifier's largest cost (perf). A span holds no NUL
	 * (control bytes are refused), so a @text shorter than the span
	 * differs at its NUL and the loop stops there */
	if (span.text == NULL)
		return FALSE;
	for (gsize i = 0; i < span.len; i++) {
		if (span.text[i] != text[i])
			return FALSE;
	}
	return text[span.len] == '\0';
}

/* ---- step 1: the JSON text ---- */

static gboolean
ir_log_scan_syntax (IrLogScanner *s, const char *what)
{
	if (!s->failed)
		ir_log_scan_refuse (s->error,
				    "not JSON: %s at column %" G_GSIZE_FORMAT,
				    what,
				    (gsize)(s->p - s->start) + 1);
	s->failed = TRUE;
	return FALSE;
}

/* Control bytes anywhere (a JSON string escapes them), and valid UTF-8:
 * checked first, as they were before this parser, so the messages stay. */
static gboolean
ir_log_scan_bytes (const char *line, gsize len, GError **error)
{
	gboolean ascii = TRUE;
	gsize i = 0;

	/* the hot path of audit verify: eight bytes at a time while they are
	 * all printable ASCII (no byte < 0x20, none >= 0x80); the first word
	 * that is not goes through the loop below, which names the column */
	for (; i + 8 <= len; i += 8) {
		guint64 w;

		memcpy (&w, line + i, sizeof (w));
		if ((w & 0x8080808080808080ULL) != 0 ||
		    ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL) != 0)
			break;
	}
	for (; i < len; i++) {
		guint8 c = (guint8)line[i];

		if (c < 0x20)
			return ir_log_scan_refuse (
			    error, "control byte 0x%02x at column %" G_GSIZE_FORMAT, c, i + 1);
		ascii = ascii && c < 0x80;
	}
	if (!ascii && !g_utf8_validate_len (line, len, NULL))
		return ir_log_scan_refuse (error, "the line is not valid UTF-8");
	return TRUE;
}

static void
ir_log_scan_spaces (IrLogScanner *s)
{
	while (s->p < s->end && *s->p == ' ')
		s->p++;
}

static gboolean
ir_log_scan_hex4 (const char *p, guint *out)
{
	*out = 0;
	for (guint i = 0; i < 4; i++) {
		if (!g_ascii_isxdigit (p[i]))
			return FALSE;
		*out = *out * 16 + (guint)g_ascii_xdigit_value (p[i]);
	}
	return TRUE;
}

/* The first '"' or '\\' from @p on (@end if none): eight bytes at a
 * time, as most strings of a record are ids and hashes of 32 to 64 bytes
 * with neither (the byte loop was a hot spot of audit verify). */
static const char *
ir_log_scan_string_skip (const char *p, const char *end)
{
	for (; end - p >= 8; p += 8) {
		guint64 w, q, b;

		memcpy (&w, p, sizeof (w));
		q = w ^ 0x2222222222222222ULL; /* '"' bytes become 0 */
		b = w ^ 0x5c5c5c5c5c5c5c5cULL; /* '\\' bytes become 0 */
		if ((((q - 0x0101010101010101ULL) & ~q) | ((b - 0x0101010101010101ULL) & ~b)) &
		    0x8080808080808080ULL)
			break;
	}
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* After the opening quote; leaves s->p after the closing one. */
static gboolean
ir_log_scan_string (IrLogScanner *s, IrLogScanSpan *out, gboolean *escaped)
{
	const char *from = s->p;

	*escaped = FALSE;
	while (s->p < s->end && *s->p != '"') {
		guint u;

		if (*s->p != '\\') {
			s->p = ir_log_scan_string_skip (s->p + 1, s->end);
			continue;
		}
		*escaped = TRUE;
		if (s->p + 1 >= s->end || strchr ("\"\\/bfnrtu", s->p[1]) == NULL ||
		    s->p[1] == '\0')
			return ir_log_scan_syntax (s, "not a JSON escape");
		if (s->p[1] != 'u') {
			s->p += 2;
			continue;
		}
		if (s->end - s->p < 6 || !ir_log_scan_hex4 (s->p + 2, &u))
			return ir_log_scan_syntax (s, "a \\u escape needs four hex digits");
		if (u == 0 || (u >= 0xd800 && u <= 0xdfff))
			return ir_log_scan_syntax (s, "a \\u escape of NUL or of a surrogate");
		s->p += 6;
	}
	if (s->p >= s->end)
		return ir_log_scan_syntax (s, "a string does not end");
	out->text = from;
	out->len = (gsize)(s->p - from);
	s->p++;
	return TRUE;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
ir_log_scan_number (IrLogScanner *s, IrLogScanMember *m)
{
	const char *from = s->p;
	gboolean negative = *s->p == '-';
	gboolean fits = TRUE;
	guint64 v = 0;

	if (negative)
		s->p++;
	if (s->p >= s->end || !g_ascii_isdigit (*s->p))
		return ir_log_scan_syntax (s, "a number needs a digit");
	if (*s->p == '0' && s->p + 1 < s->end && g_ascii_isdigit (s->p[1]))
		return ir_log_scan_syntax (s, "a number does not start with 0");
	for (; s->p < s->end && g_ascii_isdigit (*s->p); s->p++) {
		guint d = (guint)(*s->p - '0');

		fits = fits && v <= ((guint64)G_MAXINT64 - d) / 10;
		v = v * 10 + d;
	}
	m->kind = negative || !fits ? IR_LOG_SCAN_NUMBER : IR_LOG_SCAN_INT;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (s->p >= s->end || !g_ascii_isdigit (*s->p))
			return ir_log_scan_syntax (s, "a fraction needs a digit");
		while (s->p < s->end && g_ascii_isdigit (*s->p))
			s->p++;
		m->kind = IR_LOG_SCAN_NUMBER;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || !g_ascii_isdigit (*s->p))
			return ir_log_scan_syntax (s, "an exponent needs a digit");
		while (s->p < s->end && g_ascii_isdigit (*s->p))
			s->p++;
		m->kind = IR_LOG_SCAN_NUMBER;
	}
	m->number = v;
	m->value.text = from;
	m->value.len = (gsize)(s->p - from);
	return TRUE;
}

static gboolean
ir_log_scan_word (IrLogScanner *s, const char *word)
{
	gsize n = strlen (word);

	if ((gsize)(s->end - s->p) < n || memcmp (s->p, word, n) != 0)
		return ir_log_scan_syntax (s, "an unknown word");
	s->p += n;
	return TRUE;
}

static gboolean ir_log_scan_value (IrLogScanner *s, IrLogScanMember *m, guint depth);

/* An object or array inside the record, checked as JSON: the schema
 * looks into it again (ir_log_scan_phone, ir_log_scan_slots). */
static gboolean
ir_log_scan_container (IrLogScanner *s, IrLogScanMember *m, guint depth)
{
	char close = *s->p == '{' ? '}' : ']';
	gboolean object = close == '}';
	const char *from = s->p;
	gboolean first = TRUE;

	if (depth >= IR_LOG_SCAN_MAX_DEPTH)
		return ir_log_scan_syntax (s, "nested too deep");
	s->p++;
	ir_log_scan_spaces (s);
	while (s->p < s->end && *s->p != close) {
		IrLogScanMember inner = {0};
		gboolean escaped;

		if (!first) {
			if (*s->p != ',')
				return ir_log_scan_syntax (s, "',' expected");
			s->p++;
			ir_log_scan_spaces (s);
		}
		first = FALSE;
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return ir_log_scan_syntax (s, "a member name expected");
			s->p++;
			if (!ir_log_scan_string (s, &inner.name, &escaped))
				return FALSE;
			ir_log_scan_spaces (s);
			if (s->p >= s->end || *s->p != ':')
				return ir_log_scan_syntax (s, "':' expected");
			s->p++;
			ir_log_scan_spaces (s);
		}
		if (!ir_log_scan_value (s, &inner, depth + 1))
			return FALSE;
		ir_log_scan_spaces (s);
	}
	if (s->p >= s->end)
		return ir_log_scan_syntax (
		    s, object ? "an object does not end" : "an array does not end");
	s->p++;
	m->kind = object ? IR_LOG_SCAN_OBJECT : IR_LOG_SCAN_ARRAY;
	m->value.text = from;
	m->value.len = (gsize)(s->p - from);
	return TRUE;
}

static gboolean
ir_log_scan_value (IrLogScanner *s, IrLogScanMember *m, guint depth)
{
	gboolean escaped;

	if (s->p >= s->end)
		return ir_log_scan_syntax (s, "a value expected");
	switch (*s->p) {
	case '"':
		s->p++;
		m->kind = IR_LOG_SCAN_STRING;
		return ir_log_scan_string (s, &m->value, &escaped);
	case '{':
	case '[':
		return ir_log_scan_container (s, m, depth);
	case 'n':
		m->kind = IR_LOG_SCAN_NULL;
		return ir_log_scan_word (s, "null");
	case 't':
		m->kind = IR_LOG_SCAN_BOOL;
		return ir_log_scan_word (s, "true");
	case 'f':
		m->kind = IR_LOG_SCAN_BOOL;
		return ir_log_scan_word (s, "false");
	default:
		if (*s->p == '-' || g_ascii_isdigit (*s->p))
			return ir_log_scan_number (s, m);
		return ir_log_scan_syntax (s, "a value expected");
	}
}

/* The record object's members, each once. */
static gboolean
ir_log_scan_members (IrLogScanner *s, IrLogScanMember *members, guint *n)
{
	gboolean escaped;

	*n = 0;
	s->p++; /* '{' */
	ir_log_scan_spaces (s);
	while (s->p < s->end && *s->p != '}') {
		IrLogScanMember *m = &members[*n];

		if (*n > 0) {
			if (*s->p != ',')
				return ir_log_scan_syntax (s, "',' expected");
			s->p++;
			ir_log_scan_spaces (s);
		}
		if (*n == IR_LOG_SCAN_MAX_MEMBERS)
			return ir_log_scan_refuse (
			    s->error, "a record has at most %d members", IR_LOG_SCAN_MAX_MEMBERS);
		memset (m, 0, sizeof (*m));
		if (s->p >= s->end || *s->p != '"')
			return ir_log_scan_syntax (s, "a member name expected");
		s->p++;
		if (!ir_log_scan_string (s, &m->name, &escaped))
			return FALSE;
		if (escaped)
			return ir_log_scan_refuse (s->error, "a member name with an escape");
		for (guint i = 0; i < *n; i++) {
			if (members[i].name.len == m->name.len &&
			    memcmp (members[i].name.text, m->name.text, m->name.len) == 0)
				return ir_log_scan_refuse (s->error,
							   "the member \"%.*s\" appears twice",
							   (int)m->name.len,
							   m->name.text);
		}
		ir_log_scan_spaces (s);
		if (s->p >= s->end || *s->p != ':')
			return ir_log_scan_syntax (s, "':' expected");
		s->p++;
		ir_log_scan_spaces (s);
		if (!ir_log_scan_value (s, m, 1))
			return FALSE;
		ir_log_scan_spaces (s);
		(*n)++;
	}
	if (s->p >= s->end)
		return ir_log_scan_syntax (s, "the object does not end");
	s->p++;
	if (s->p != s->end)
		return ir_log_scan_refuse (s->error,
					   "a record must be one JSON object and nothing else "
					   "(column %" G_GSIZE_FORMAT ")",
					   (gsize)(s->p - s->start) + 1);
	return TRUE;
}

/* ---- step 2: the schema ---- */

static const IrLogScanMember *
ir_log_scan_find (const IrLogScanMember *members, guint n, const char *name)
{
	for (guint i = 0; i < n; i++) {
		if (ir_log_scan_span_is (members[i].name, name))
			return &members[i];
	}
	return NULL;
}

/* Lower-case hex digits only (ids and hashes are written so). Without a
 * branch a byte: digits and letters mixed at random made the two-range
 * test mispredict, a tenth of audit verify's time (perf). */
static gboolean
ir_log_scan_lower_hex (IrLogScanSpan span)
{
	guint bad = 0;

	for (gsize i = 0; i < span.len; i++) {
		guint c = (guchar)span.text[i];

		bad |= (c - '0' > 9u) & (c - 'a' > 5u);
	}
	return bad == 0;
}

static gboolean
ir_log_scan_base64 (IrLogScanSpan span)
{
	gsize pad = 0;

	if (span.len == 0 || span.len % 4 != 0)
		return FALSE;
	for (gsize i = 0; i < span.len; i++) {
		char c = span.text[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
			return FALSE;
	}
	return pad <= 2;
}

/* The elements of the array @m (already known to be JSON), one call each. */
typedef gboolean (*IrLogScanEach) (const IrLogScanMember *element, guint index, gpointer data);

static gboolean
ir_log_scan_each (const IrLogScanMember *m, gboolean object, IrLogScanEach each, gpointer data)
{
	IrLogScanner s = {m->value.text, m->value.text + 1, m->value.text + m->value.len - 1};
	gboolean escaped;
	guint index = 0;

	ir_log_scan_spaces (&s);
	while (s.p < s.end) {
		IrLogScanMember el = {0};

		if (index > 0) {
			s.p++; /* ',' */
			ir_log_scan_spaces (&s);
		}
		if (object) {
			s.p++; /* '"' */
			ir_log_scan_string (&s, &el.name, &escaped);
			ir_log_scan_spaces (&s);
			s.p++; /* ':' */
			ir_log_scan_spaces (&s);
		}
		ir_log_scan_value (&s, &el, 1);
		ir_log_scan_spaces (&s);
		if (!each (&el, index++, data))
			return FALSE;
	}
	return TRUE;
}

typedef struct {
	const char *name;
	GError **error;
	guint n;
} IrLogScanSlots;

static gboolean
ir_log_scan_slot (const IrLogScanMember *el, guint index, gpointer data)
{
	IrLogScanSlots *slots = data;

	slots->n = index + 1;
	if (el->kind == IR_LOG_SCAN_STRING || el->kind == IR_LOG_SCAN_NULL)
		return TRUE;
	return ir_log_scan_refuse (
	    slots->error, "\"%s\" slot %u must be a string or null", slots->name, index + 1);
}

static gboolean
ir_log_scan_slots (const IrLogScanMember *m, const char *name, GError **error)
{
	IrLogScanSlots slots = {name, error, 0};

	if (m->kind != IR_LOG_SCAN_ARRAY)
		return ir_log_scan_refuse (
		    error, "\"%s\" must be an array of IMEIs (one per slot, null for none)", name);
	if (!ir_log_scan_each (m, FALSE, ir_log_scan_slot, &slots))
		return FALSE;
	if (slots.n == 0 || slots.n > IR_LOG_SCHEMA_MAX_SLOTS)
		return ir_log_scan_refuse (error,
					   "\"%s\" has %u slots, expected 1 to %u",
					   name,
					   slots.n,
					   (guint)IR_LOG_SCHEMA_MAX_SLOTS);
	return TRUE;
}

typedef struct {
	GError **error;
	gboolean has_port;
	guint seen; /* bit per phone member */
} IrLogScanPhone;

static gboolean
ir_log_scan_phone_member (const IrLogScanMember *el, guint index, gpointer data)
{
	IrLogScanPhone *phone = data;

	for (guint i = 0; i < ir_log_schema_n_phone; i++) {
		if (!ir_log_scan_span_is (el->name, ir_log_schema_phone[i]))
			continue;
		if (phone->seen & (1u << i))
			return ir_log_scan_refuse (
			    phone->error, "\"phone\" has \"%s\" twice", ir_log_schema_phone[i]);
		phone->seen |= 1u << i;
		if (el->kind != IR_LOG_SCAN_STRING && el->kind != IR_LOG_SCAN_NULL)
			return ir_log_scan_refuse (phone->error,
						   "\"phone\".\"%s\" must be a string or null",
						   ir_log_schema_phone[i]);
		phone->has_port = phone->has_port || (i == 0 && el->kind == IR_LOG_SCAN_STRING);
		return TRUE;
	}
	return ir_log_scan_refuse (phone->error,
				   "\"phone\" has an unknown member \"%.*s\"",
				   (int)el->name.len,
				   el->name.text);
}

static gboolean
ir_log_scan_phone (const IrLogScanMember *m, GError **error)
{
	IrLogScanPhone phone = {error, FALSE, 0};

	if (m->kind != IR_LOG_SCAN_OBJECT)
		return ir_log_scan_refuse (error, "\"phone\" must be an object");
	if (!ir_log_scan_each (m, TRUE, ir_log_scan_phone_member, &phone))
		return FALSE;
	if (!phone.has_port)
		return ir_log_scan_refuse (error, "\"phone\" has no \"port\" string");
	return TRUE;
}

static const char *
ir_log_scan_field_want (const IrLogScanMember *m, IrLogFieldKind kind)
{
	gboolean str = m->kind == IR_LOG_SCAN_STRING;

	switch (kind) {
	case IR_LOG_FIELD_COUNT:
		return m->kind == IR_LOG_SCAN_INT ? NULL : "an integer >= 0";
	case IR_LOG_FIELD_TEXT:
		return str ? NULL : "a string";
	case IR_LOG_FIELD_NAME:
		return str && m->value.len > 0 ? NULL : "a non-empty string";
	case IR_LOG_FIELD_HEX:
		return str && m->value.len > 0 && m->value.len % 2 == 0 &&
			       ir_log_scan_lower_hex (m->value)
			   ? NULL
			   : "lower-case hex of even length";
	case IR_LOG_FIELD_SHA256:
		return str && m->value.len == 64 && ir_log_scan_lower_hex (m->value)
			   ? NULL
			   : "64 lower-case hex digits (SHA-256)";
	case IR_LOG_FIELD_OUTCOME:
		for (guint i = 0; str && i < ir_log_schema_n_outcomes; i++) {
			if (ir_log_scan_span_is (m->value, ir_log_schema_outcomes[i]))
				return NULL;
		}
		return "one of success, failed, aborted, unknown, recovered";
	case IR_LOG_FIELD_BASE64:
		return str && ir_log_scan_base64 (m->value) ? NULL : "padded base64";
	case IR_LOG_FIELD_SLOTS:
	case IR_LOG_FIELD_PHONE:
	default:
		return NULL;
	}
}

static gboolean
ir_log_scan_field (const IrLogScanMember *m, const IrLogFieldSpec *spec, GError **error)
{
	const char *want;

	if (spec->kind == IR_LOG_FIELD_SLOTS)
		return ir_log_scan_slots (m, spec->name, error);
	if (spec->kind == IR_LOG_FIELD_PHONE)
		return ir_log_scan_phone (m, error);
	want = ir_log_scan_field_want (m, spec->kind);
	if (want == NULL)
		return TRUE;
	return ir_log_scan_refuse (error, "\"%s\" must be %s", spec->name, want);
}

/* "YYYY-MM-DDTHH:MM:SSZ", a real UTC second (no 24:00:00, no 30 February,
 * no leap second: what g_date_time_format writes). */
static gboolean
ir_log_scan_time (const IrLogScanMember *m)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
	static const guint8 days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *t = m->value.text;
	guint y, mo, d, h, mi, sec;

	if (m->kind != IR_LOG_SCAN_STRING || m->value.len != sizeof (pattern) - 1)
		return FALSE;
	for (gsize i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'd' ? !g_ascii_isdigit (t[i]) : t[i] != pattern[i])
			return FALSE;
	}
	y = (guint)((t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0'));
	mo = (guint)((t[5] - '0') * 10 + (t[6] - '0'));
	d = (guint)((t[8] - '0') * 10 + (t[9] - '0'));
	h = (guint)((t[11] - '0') * 10 + (t[12] - '0'));
	mi = (guint)((t[14] - '0') * 10 + (t[15] - '0'));
	sec = (guint)((t[17] - '0') * 10 + (t[18] - '0'));
	/* GLib writes years before 1000 without their leading zeros, so the
	 * writer never wrote one */
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return FALSE;
	if (mo == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[mo - 1];
}

gint64
ir_log_scan_time_to_unix (IrLogScanSpan time)
{
	const char *t = time.text;
	gint64 y, m, d, era, yoe, doy, doe;

	if (t == NULL || time.len != 20)
		return G_MININT64;
	y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
	m = (t[5] - '0') * 10 + (t[6] - '0');
	d = (t[8] - '0') * 10 + (t[9] - '0');
	/* days from 1970-01-01 (H. Hinnant's days_from_civil) */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + ((t[11] - '0') * 10 + (t[12] - '0')) * 3600 +
	       ((t[14] - '0') * 10 + (t[15] - '0')) * 60 + (t[17] - '0') * 10 + (t[18] - '0');
}

static gboolean
ir_log_scan_common (const IrLogScanMember *members, guint n, IrLogScanRecord *out, GError **error)
{
	const IrLogScanMember *schema = ir_log_scan_find (members, n, "schema");
	const IrLogScanMember *seq = ir_log_scan_find (members, n, "seq");
	const IrLogScanMember *type = ir_log_scan_find (members, n, "type");
	const IrLogScanMember *time = ir_log_scan_find (members, n, "time");
	gboolean known = FALSE;

	if (schema == NULL)
		return ir_log_scan_refuse (error, "no \"schema\" member");
	if (schema->kind != IR_LOG_SCAN_INT || schema->number != IR_MIGRATION_LOG_SCHEMA)
		return ir_log_scan_refuse (
		    error,
		    "\"schema\" must be the integer %d (a newer imeirestore may read it)",
		    IR_MIGRATION_LOG_SCHEMA);
	if (seq == NULL || seq->kind != IR_LOG_SCAN_INT)
		return ir_log_scan_refuse (error, "\"seq\" must be an integer >= 0");
	for (guint i = 0;
	     type != NULL && type->kind == IR_LOG_SCAN_STRING && i < ir_log_schema_n_types;
	     i++) {
		if (ir_log_scan_span_is (type->value, ir_log_schema_types[i].name)) {
			out->type = (IrLogRecordType)i;
			known = TRUE;
		}
	}
	if (!known)
		return ir_log_scan_refuse (
		    error, "\"type\" must be START, INTENT, RESULT, RECOVERY or KEY_ROTATION");
	if (time == NULL || !ir_log_scan_time (time))
		return ir_log_scan_refuse (error,
					   "\"time\" must be RFC 3339 UTC as YYYY-MM-DDTHH:MM:SSZ");
	out->seq = seq->number;
	out->time = time->value;
	return TRUE;
}

static gboolean
ir_log_scan_is_common (IrLogScanSpan name)
{
	for (guint i = 0; i < ir_log_schema_n_common; i++) {
		if (ir_log_scan_span_is (name, ir_log_schema_common[i]))
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_log_scan_schema (const IrLogScanMember *members, guint n, IrLogScanRecord *out, GError **error)
{
	const IrLogTypeSpec *spec;
	const IrLogScanMember *by_field[IR_LOG_SCAN_MAX_MEMBERS] = {NULL};
	g_autoptr (GError) field_error = NULL;

	if (!ir_log_scan_common (members, n, out, error))
		return FALSE;
	spec = &ir_log_schema_types[out->type];
	g_assert (spec->n_fields <= IR_LOG_SCAN_MAX_MEMBERS);
	/* one pass matches each member to its field (names are unique) */
	for (guint i = 0; i < n; i++) {
		gboolean known = ir_log_scan_is_common (members[i].name);

		for (guint f = 0; !known && f < spec->n_fields; f++) {
			known = ir_log_scan_span_is (members[i].name, spec->fields[f].name);
			if (known)
				by_field[f] = &members[i];
		}
		if (!known)
			return ir_log_scan_refuse (error,
						   "%s record has an unknown member \"%.*s\"",
						   spec->name,
						   (int)members[i].name.len,
						   members[i].name.text);
	}
	for (guint f = 0; f < spec->n_fields; f++) {
		const IrLogScanMember *m = by_field[f];

		if (m == NULL && spec->fields[f].optional)
			continue;
		if (m == NULL)
			return ir_log_scan_refuse (
			    error, "%s record has no \"%s\"", spec->name, spec->fields[f].name);
		if (!ir_log_scan_field (m, &spec->fields[f], &field_error))
			return ir_log_scan_refuse (
			    error, "%s record: %s", spec->name, field_error->message);
	}
	return TRUE;
}

static void
ir_log_scan_extract (const IrLogScanMember *members, guint n, IrLogScanRecord *out)
{
	const IrLogScanMember *m;

	m = ir_log_scan_find (members, n, "intent_id");
	if (m != NULL)
		out->intent_id = m->value;
	m = ir_log_scan_find (members, n, "outcome");
	if (m != NULL)
		out->outcome = m->value;
	m = ir_log_scan_find (
	    members, n, out->type == IR_LOG_RECORD_KEY_ROTATION ? "new_public_key" : "public_key");
	if (m != NULL)
		out->public_key = m->value;
	m = ir_log_scan_find (members, n, "new_key_name");
	if (m != NULL)
		out->new_key_name = m->value;
}

gboolean
ir_log_scan_record (const char *line, gsize len, IrLogScanRecord *out, GError **error)
{
	IrLogScanMember members[IR_LOG_SCAN_MAX_MEMBERS];
	IrLogScanner s = {line, line, line + len, error, FALSE};
	guint n = 0;

	memset (out, 0, sizeof (*out));
	if (len == 0)
		return ir_log_scan_refuse (error, "empty line: a record is one JSON object");
	if (!ir_log_scan_bytes (line, len, error))
		return FALSE;
	if (*line != '{')
		return ir_log_scan_refuse (
		    error, "a record must be one JSON object and nothing else (column 1)");
	if (!ir_log_scan_members (&s, members, &n))
		return FALSE;
	if (!ir_log_scan_schema (members, n, out, error))
		return FALSE;
	ir_log_scan_extract (members, n, out);
	return TRUE;
}
