/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ir-error.h"
#include "ir-log-json-writer.h"
#include "ir-log-record.h"

/* The record parser and formatter of docs/migration-log.md, from tables:
 * good rows and malformed rows side by side. */

#define COMMON(seq, type)                                                                          \
	"{\"schema\":1,\"seq\":" #seq ",\"type\":\"" type "\",\"time\":\"2026-11-29T08:00:00Z\""
#define PHONE                                                                                      \
	"\"phone\":{\"port\":\"/dev/ttyUSB0\",\"manufacturer\":\"MediaTek\",\"model\":\"MT6765\"," \
	"\"serial\":\"SN1\",\"hardware_id\":null,\"family\":\"mediatek\"}"
#define SHA                                                                                        \
	"\"token_sha256\":\""                                                                      \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                         \
	"\""
#define INTENT_BODY                                                                                \
	"\"intent_id\":\"a1b2\",\"technician\":\"tech-1\",\"centre\":\"DEL01\","                   \
	"\"workstation\":\"ws1\"," PHONE ",\"imeis_before\":[\"000000000000000\",null],"           \
	"\"imeis_target\":[\"490154203237518\",null],\"token_id\":\"a1b2\"," SHA                   \
	",\"phase\":\"phase-1\""
#define RESULT_BODY                                                                                \
	"\"intent_id\":\"a1b2\",\"outcome\":\"success\",\"imeis_read_back\":[\"490154203237518\"," \
	"null]"

typedef struct {
	const char *name;
	const char *line;
	IrLogRecordType type; /* when it parses */
	guint64 seq;
	const char *error; /* NULL: parses; else a part of the message */
} ParseRow;

static const ParseRow parse_rows[] = {
    /* good */
    {"start",
     COMMON (0, "START") ",\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}",
     IR_LOG_RECORD_START,
     0},
    {"intent", COMMON (1, "INTENT") "," INTENT_BODY "}", IR_LOG_RECORD_INTENT, 1},
    {"result", COMMON (2, "RESULT") "," RESULT_BODY "}", IR_LOG_RECORD_RESULT, 2},
    {"result with reason",
     COMMON (3,
	     "RESULT") ",\"intent_id\":\"a1\",\"outcome\":\"failed\",\"reason\":\"+CME ERROR: 3\","
		       "\"imeis_read_back\":[null]}",
     IR_LOG_RECORD_RESULT,
     3},
    {"intent under a rollout policy",
     COMMON (1, "INTENT") "," INTENT_BODY ",\"policy_version\":7}",
     IR_LOG_RECORD_INTENT,
     1},
    {"result under a rollout policy",
     COMMON (2, "RESULT") "," RESULT_BODY ",\"phase\":\"phase-1\",\"policy_version\":7}",
     IR_LOG_RECORD_RESULT,
     2},
    {"recovery",
     COMMON (4, "RECOVERY") ",\"cut_bytes\":17,\"reason\":\"torn\"}",
     IR_LOG_RECORD_RECOVERY,
     4},
    {"key rotation",
     COMMON (5,
	     "KEY_ROTATION") ",\"old_key_name\":\"imeirestore/DEL01/ws1\",\"new_key_name\":"
			     "\"imeirestore/DEL01/ws1b\",\"new_public_key\":\"MCowBQYDK2VwAyEA\"}",
     IR_LOG_RECORD_KEY_ROTATION,
     5},
    {"big seq",
     COMMON (9007199254740993, "RECOVERY") ",\"cut_bytes\":0,\"reason\":\"\"}",
     IR_LOG_RECORD_RECOVERY,
     9007199254740993ull},
    {"members in any order",
     "{\"reason\":\"x\",\"cut_bytes\":1,\"time\":\"2026-02-28T23:59:59Z\",\"type\":\"RECOVERY\","
     "\"seq\":0,\"schema\":1}",
     IR_LOG_RECORD_RECOVERY,
     0},

    /* not a record at all */
    {"empty", "", 0, 0, "empty line"},
    {"array", "[1,2]", 0, 0, "one JSON object"},
    {"number", "1", 0, 0, "one JSON object"},
    {"garbage", "{\"schema\":1", 0, 0, "not JSON"},
    {"trailing",
     COMMON (0, "RECOVERY") ",\"cut_bytes\":1,\"reason\":\"x\"} {}",
     0,
     0,
     "nothing else"},
    {"leading space", " {}", 0, 0, "nothing else"},
    {"brace in string",
     COMMON (0, "RECOVERY") ",\"cut_bytes\":1,\"reason\":\"}\\\"{\"}",
     IR_LOG_RECORD_RECOVERY,
     0},
    {"tab", "{\t\"schema\":1}", 0, 0, "control byte 0x09"},
    {"carriage return",
     COMMON (0, "RECOVERY") ",\"cut_bytes\":1,\"reason\":\"x\"}\r",
     0,
     0,
     "control byte 0x0d"},
    {"bad utf-8",
     COMMON (0, "RECOVERY") ",\"cut_bytes\":1,\"reason\":\"\xc3\x28\"}",
     0,
     0,
     "UTF-8"},

    /* common members */
    {"no schema",
     "{\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "no \"schema\""},
    {"schema 2",
     "{\"schema\":2,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"schema\" must be the integer 1"},
    {"schema string",
     "{\"schema\":\"1\",\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"schema\" must be"},
    {"schema float",
     "{\"schema\":1.0,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"schema\" must be"},
    {"no seq",
     "{\"schema\":1,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"seq\" must be"},
    {"negative seq",
     "{\"schema\":1,\"seq\":-1,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"seq\" must be"},
    {"seq string",
     "{\"schema\":1,\"seq\":\"0\",\"type\":\"START\",\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"seq\" must be"},
    {"no type",
     "{\"schema\":1,\"seq\":0,\"time\":\"2026-11-29T08:00:00Z\"}",
     0,
     0,
     "\"type\" must be"},
    {"unknown type", COMMON (0, "REPORTED") "}", 0, 0, "\"type\" must be"},
    {"lower-case type", COMMON (0, "start") "}", 0, 0, "\"type\" must be"},
    {"no time", "{\"schema\":1,\"seq\":0,\"type\":\"START\"}", 0, 0, "\"time\" must be"},
    {"time with offset",
     "{\"schema\":1,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00+05:30\"}",
     0,
     0,
     "\"time\" must be"},
    {"time with fraction",
     "{\"schema\":1,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00.5Z\"}",
     0,
     0,
     "\"time\" must be"},
    {"time 30 February",
     "{\"schema\":1,\"seq\":0,\"type\":\"START\",\"time\":\"2026-02-30T08:00:00Z\"}",
     0,
     0,
     "\"time\" must be"},
    {"time 24:00",
     "{\"schema\":1,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T24:00:00Z\"}",
     0,
     0,
     "\"time\" must be"},
    {"time lower-case z",
     "{\"schema\":1,\"seq\":0,\"type\":\"START\",\"time\":\"2026-11-29T08:00:00z\"}",
     0,
     0,
     "\"time\" must be"},

    /* fields per type */
    {"start without software",
     COMMON (0, "START") ",\"workstation\":\"ws1\"}",
     0,
     0,
     "START record has no \"software\""},
    {"start empty software",
     COMMON (0, "START") ",\"software\":\"\",\"workstation\":\"ws1\"}",
     0,
     0,
     "\"software\" must be a non-empty string"},
    {"start unknown member",
     COMMON (0, "START") ",\"software\":\"s\",\"workstation\":\"ws1\",\"extra\":1}",
     0,
     0,
     "unknown member \"extra\""},
    {"intent member of another type",
     COMMON (1, "INTENT") "," INTENT_BODY ",\"outcome\":\"success\"}",
     0,
     0,
     "INTENT record has an unknown member \"outcome\""},
    {"intent upper-case hex",
     COMMON (1, "INTENT") ",\"intent_id\":\"A1B2\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[null],"
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA ",\"phase\":\"p\"}",
     0,
     0,
     "\"intent_id\" must be lower-case hex"},
    {"intent odd hex",
     COMMON (1, "INTENT") ",\"intent_id\":\"abc\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[null],"
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA ",\"phase\":\"p\"}",
     0,
     0,
     "\"intent_id\" must be lower-case hex"},
    {"intent short sha",
     COMMON (1, "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[null],"
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\",\"token_sha256\":\"00\","
			  "\"phase\":\"p\"}",
     0,
     0,
     "\"token_sha256\" must be 64"},
    {"intent phone not object",
     COMMON (1,
	     "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
		       "\"workstation\":\"w\",\"phone\":\"/dev/ttyUSB0\",\"imeis_before\":[null],"
		       "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA ",\"phase\":\"p\"}",
     0,
     0,
     "\"phone\" must be an object"},
    {"intent phone unknown member",
     COMMON (1,
	     "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
		       "\"workstation\":\"w\",\"phone\":{\"port\":\"p\",\"imei\":\"1\"},"
		       "\"imeis_before\":[null],\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA
		       ",\"phase\":\"p\"}",
     0,
     0,
     "\"phone\" has an unknown member \"imei\""},
    {"intent phone without port",
     COMMON (1,
	     "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
		       "\"workstation\":\"w\",\"phone\":{\"model\":\"m\"},"
		       "\"imeis_before\":[null],\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA
		       ",\"phase\":\"p\"}",
     0,
     0,
     "\"phone\" has no \"port\""},
    {"intent phone number",
     COMMON (1,
	     "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
		       "\"workstation\":\"w\",\"phone\":{\"port\":\"p\",\"serial\":7},"
		       "\"imeis_before\":[null],\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA
		       ",\"phase\":\"p\"}",
     0,
     0,
     "\"phone\".\"serial\" must be a string or null"},
    {"intent no slots",
     COMMON (1, "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[],"
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA ",\"phase\":\"p\"}",
     0,
     0,
     "\"imeis_before\" has 0 slots"},
    {"intent slot number",
     COMMON (1, "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[null],"
			  "\"imeis_target\":[490154203237518],\"token_id\":\"a1b2\"," SHA
			  ",\"phase\":\"p\"}",
     0,
     0,
     "\"imeis_target\" slot 1 must be a string or null"},
    {"intent slots not array",
     COMMON (1, "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":\"x\","
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA ",\"phase\":\"p\"}",
     0,
     0,
     "\"imeis_before\" must be an array"},
    {"intent no phase",
     COMMON (1, "INTENT") ",\"intent_id\":\"ab\",\"technician\":\"t\",\"centre\":\"c\","
			  "\"workstation\":\"w\"," PHONE ",\"imeis_before\":[null],"
			  "\"imeis_target\":[null],\"token_id\":\"a1b2\"," SHA "}",
     0,
     0,
     "INTENT record has no \"phase\""},
    {"result bad outcome",
     COMMON (2, "RESULT") ",\"intent_id\":\"ab\",\"outcome\":\"ok\",\"imeis_read_back\":[null]}",
     0,
     0,
     "\"outcome\" must be one of"},
    {"result reason number",
     COMMON (2, "RESULT") ",\"intent_id\":\"ab\",\"outcome\":\"failed\",\"reason\":3,"
			  "\"imeis_read_back\":[null]}",
     0,
     0,
     "\"reason\" must be a string"},
    {"result empty phase",
     COMMON (2, "RESULT") "," RESULT_BODY ",\"phase\":\"\"}",
     0,
     0,
     "\"phase\" must be a non-empty string"},
    {"result policy version text",
     COMMON (2, "RESULT") "," RESULT_BODY ",\"policy_version\":\"7\"}",
     0,
     0,
     "\"policy_version\" must be an integer >= 0"},
    {"result unknown member",
     COMMON (2, "RESULT") "," RESULT_BODY ",\"circle\":\"DL\"}",
     0,
     0,
     "RESULT record has an unknown member \"circle\""},
    {"result no read back",
     COMMON (2, "RESULT") ",\"intent_id\":\"ab\",\"outcome\":\"success\"}",
     0,
     0,
     "RESULT record has no \"imeis_read_back\""},
    {"result nine slots",
     COMMON (2, "RESULT") ",\"intent_id\":\"ab\",\"outcome\":\"success\","
			  "\"imeis_read_back\":[null,null,null,null,null,null,null,null,null]}",
     0,
     0,
     "has 9 slots"},
    {"recovery negative",
     COMMON (4, "RECOVERY") ",\"cut_bytes\":-3,\"reason\":\"x\"}",
     0,
     0,
     "\"cut_bytes\" must be an integer >= 0"},
    {"recovery no reason",
     COMMON (4, "RECOVERY") ",\"cut_bytes\":3}",
     0,
     0,
     "RECOVERY record has no \"reason\""},
    {"rotation bad base64",
     COMMON (5, "KEY_ROTATION") ",\"old_key_name\":\"a\",\"new_key_name\":\"b\","
				"\"new_public_key\":\"MCow=BQ\"}",
     0,
     0,
     "\"new_public_key\" must be padded base64"},
};

static void
test_log_record_parse_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++) {
		const ParseRow *row = &parse_rows[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrLogRecord) record =
		    ir_log_record_parse (row->line, strlen (row->line), &error);

		if (row->error == NULL) {
			if (record == NULL)
				fail_msg ("%s: %s", row->name, error->message);
			assert_int_equal (record->type, row->type);
			assert_true (record->seq == row->seq);
			assert_non_null (record->time);
			continue;
		}
		if (record != NULL)
			fail_msg ("%s: parsed, expected \"%s\"", row->name, row->error);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		if (strstr (error->message, row->error) == NULL)
			fail_msg ("%s: \"%s\" does not say \"%s\"",
				  row->name,
				  error->message,
				  row->error);
	}
}

/* a NUL inside the given length is refused, not read as the end */
static void
test_log_record_parse_nul (void **state)
{
	static const char line[] = "{\"schema\":1}\0garbage";
	g_autoptr (GError) error = NULL;
	g_autoptr (IrLogRecord) record = ir_log_record_parse (line, sizeof (line) - 1, &error);

	assert_null (record);
	assert_non_null (strstr (error->message, "control byte 0x00"));
}

static void
test_log_record_type_names (void **state)
{
	IrLogRecordType type = IR_LOG_RECORD_START;

	for (guint i = IR_LOG_RECORD_START; i <= IR_LOG_RECORD_KEY_ROTATION; i++) {
		assert_true (
		    ir_log_record_type_from_string (ir_log_record_type_to_string (i), &type));
		assert_int_equal (type, i);
	}
	assert_null (ir_log_record_type_to_string (IR_LOG_RECORD_KEY_ROTATION + 1));
	assert_false (ir_log_record_type_from_string ("Start", &type));
	assert_false (ir_log_record_type_from_string (NULL, &type));
}

static JsonObject *
test_log_record_object_from (const char *json)
{
	g_autoptr (JsonParser) parser = json_parser_new ();

	assert_true (json_parser_load_from_data (parser, json, -1, NULL));
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

typedef struct {
	const char *name;
	IrLogRecordType type;
	const char *fields;
	const char *line;  /* what format gives, or NULL */
	const char *error; /* when it refuses */
} FormatRow;

static const FormatRow format_rows[] = {
    {"start",
     IR_LOG_RECORD_START,
     "{\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}",
     "{\"schema\":1,\"seq\":7,\"type\":\"START\",\"time\":\"2026-11-29T13:30:05Z\","
     "\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}"},
    {"text escaped",
     IR_LOG_RECORD_RECOVERY,
     "{\"cut_bytes\":3,\"reason\":\"a\\nb\\\"c\"}",
     "{\"schema\":1,\"seq\":7,\"type\":\"RECOVERY\",\"time\":\"2026-11-29T13:30:05Z\","
     "\"cut_bytes\":3,\"reason\":\"a\\nb\\\"c\"}"},
    {"sets seq",
     IR_LOG_RECORD_RECOVERY,
     "{\"seq\":1,\"cut_bytes\":3,\"reason\":\"x\"}",
     NULL,
     "must not set \"seq\""},
    {"sets time",
     IR_LOG_RECORD_RECOVERY,
     "{\"time\":\"x\",\"cut_bytes\":3,\"reason\":\"x\"}",
     NULL,
     "must not set \"time\""},
    {"missing field",
     IR_LOG_RECORD_START,
     "{\"software\":\"s\"}",
     NULL,
     "START record has no \"workstation\""},
    {"field of another type",
     IR_LOG_RECORD_START,
     "{\"software\":\"s\",\"workstation\":\"w\",\"cut_bytes\":1}",
     NULL,
     "unknown member \"cut_bytes\""},
};

static void
test_log_record_format_table (void **state)
{
	/* 19:00:05 at +05:30 is 13:30:05 UTC */
	g_autoptr (GTimeZone) ist = g_time_zone_new_identifier ("+05:30");
	g_autoptr (GDateTime) time = g_date_time_new (ist, 2026, 11, 29, 19, 0, 5.75);

	for (guint i = 0; i < G_N_ELEMENTS (format_rows); i++) {
		const FormatRow *row = &format_rows[i];
		g_autoptr (JsonObject) fields = test_log_record_object_from (row->fields);
		g_autoptr (GError) error = NULL;
		g_autofree char *line = ir_log_record_format (row->type, 7, time, fields, &error);

		if (row->line != NULL) {
			if (line == NULL)
				fail_msg ("%s: %s", row->name, error->message);
			assert_string_equal (line, row->line);
			continue;
		}
		if (line != NULL)
			fail_msg ("%s: formatted \"%s\"", row->name, line);
		if (strstr (error->message, row->error) == NULL)
			fail_msg ("%s: \"%s\" does not say \"%s\"",
				  row->name,
				  error->message,
				  row->error);
	}
}

/* every good parse row formats back to the same bytes */
static void
test_log_record_round_trip (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++) {
		const ParseRow *row = &parse_rows[i];
		g_autoptr (IrLogRecord) record = NULL;
		g_autoptr (JsonObject) fields = json_object_new ();
		g_autoptr (GDateTime) time = NULL;
		g_autoptr (GList) members = NULL;
		g_autofree char *line = NULL;

		if (row->error != NULL || strncmp (row->line, "{\"schema\"", 9) != 0)
			continue;
		record = ir_log_record_parse (row->line, strlen (row->line), NULL);
		assert_non_null (record);
		members = json_object_get_members (record->object);
		for (GList *l = members; l != NULL; l = l->next) {
			if (g_strv_contains (
				(const char *const[]){"schema", "seq", "type", "time", NULL},
				l->data))
				continue;
			json_object_set_member (
			    fields,
			    l->data,
			    json_node_copy (json_object_get_member (record->object, l->data)));
		}
		time = g_date_time_new_from_iso8601 (record->time, NULL);
		line = ir_log_record_format (record->type, record->seq, time, fields, NULL);
		assert_non_null (line);
		assert_string_equal (line, row->line);
	}
}

/* the record writer's bytes are json-glib's generator's (the line is
 * hashed into the tree: canonical), compared on @node */
static void
test_log_record_assert_as_generator (JsonNode *node, const char *what)
{
	g_autofree char *want = json_to_string (node, FALSE);
	g_autoptr (GString) got = g_string_new (NULL);

	ir_log_json_writer_append_node (got, node);
	if (strcmp (got->str, want) != 0)
		fail_msg ("%s: writer \"%s\", generator \"%s\"", what, got->str, want);
}

/* every byte in a string (escapes, 0x1f and DEL where json-glib is
 * uneven, bytes from 0x80 raw), every value type, nesting, and every
 * parse row json-glib reads (good and refused records alike) */
static void
test_log_record_writer_as_generator (void **state)
{
	static const char *const corpus[] = {
	    "{\"a\":null,\"b\":true,\"c\":false,\"d\":-9223372036854775807,\"e\":0}",
	    "{\"x\":[null,\"s\",[],{}],\"y\":{\"z\":{\"w\":[1,2,-3]}},\"\":\"\"}",
	    "{\"min\":-9223372036854775808,\"max\":9223372036854775807,\"n\":[-1,10,99]}",
	    "{\"d\":1.5,\"e\":1e300,\"f\":[0.1]}",
	    "{\"u\":\"\\u00e9\\u20ac\\ud83d\\ude00 \\\" \\\\ \\/ end\"}",
	    "[\"a\",{\"b\\\"\\n\":1}]",
	};

	for (guint c = 1; c < 256; c++) {
		char text[] = {'<', (char)c, '>', '\0'};
		g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
		g_autofree char *what = g_strdup_printf ("byte 0x%02x", c);

		json_node_set_string (node, text);
		test_log_record_assert_as_generator (node, what);
	}
	for (guint i = 0; i < G_N_ELEMENTS (corpus); i++) {
		g_autoptr (JsonNode) node = json_from_string (corpus[i], NULL);

		assert_non_null (node);
		test_log_record_assert_as_generator (node, corpus[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++) {
		g_autoptr (JsonNode) node = json_from_string (parse_rows[i].line, NULL);

		if (node != NULL)
			test_log_record_assert_as_generator (node, parse_rows[i].name);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_log_record_parse_table),
	    cmocka_unit_test (test_log_record_parse_nul),
	    cmocka_unit_test (test_log_record_type_names),
	    cmocka_unit_test (test_log_record_format_table),
	    cmocka_unit_test (test_log_record_round_trip),
	    cmocka_unit_test (test_log_record_writer_as_generator),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
