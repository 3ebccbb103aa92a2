/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-brandd-request.h"

/* Pure parsing of the request bodies: good and malformed input in the same
 * tables; a refusal names the member that is wrong. */

typedef struct {
	const char *name;
	const char *body;
	const char *error_path; /* NULL: accepted */
} Row;

static const Row token_rows[] = {
    {"full",
     "{\"device\": {\"manufacturer\": \"MediaTek\", \"model\": \"MT6765\", \"revision\": \"r\","
     " \"serial\": \"SN1\", \"hardware_id\": \"HW1\", \"family\": \"mediatek\"},"
     " \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ\", \"counter\": 7},"
     " \"current_imeis\": [\"000000000000000\", null]}",
     NULL},
    {"serial only, no challenge",
     "{\"device\": {\"serial\": \"SN1\"}, \"current_imeis\": [null]}",
     NULL},
    {"unknown members ignored",
     "{\"device\": {\"serial\": \"SN1\", \"colour\": 1}, \"current_imeis\": [null], \"x\": [1]}",
     NULL},
    {"challenge null",
     "{\"device\": {\"serial\": \"SN1\"}, \"challenge\": null, \"current_imeis\": [null]}",
     NULL},
    {"empty", "", "body"},
    {"not JSON", "{device", "body"},
    {"trailing garbage", "{\"device\": {}} x", "body"},
    {"not an object", "\"device\"", "body"},
    {"no device", "{\"current_imeis\": [null]}", "device"},
    {"device array", "{\"device\": [], \"current_imeis\": [null]}", "device"},
    {"no identity", "{\"device\": {\"model\": \"M\"}, \"current_imeis\": [null]}", "device.serial"},
    {"serial bool", "{\"device\": {\"serial\": true}, \"current_imeis\": [null]}", "device.serial"},
    {"serial empty",
     "{\"device\": {\"serial\": \"\"}, \"current_imeis\": [null]}",
     "device.serial"},
    {"serial control char",
     "{\"device\": {\"serial\": \"S\\u0001\"}, \"current_imeis\": [null]}",
     "device.serial"},
    {"hardware_id number",
     "{\"device\": {\"hardware_id\": 5}, \"current_imeis\": [null]}",
     "device.hardware_id"},
    {"model too long",
     "{\"device\": {\"serial\": \"S\", \"model\": "
     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},"
     " \"current_imeis\": [null]}",
     "device.model"},
    {"challenge string",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": \"x\", \"current_imeis\": [null]}",
     "challenge"},
    {"nonce missing",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": {\"counter\": 1}, \"current_imeis\": "
     "[null]}",
     "challenge.nonce"},
    {"nonce padded",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ==\", "
     "\"counter\": 1},"
     " \"current_imeis\": [null]}",
     "challenge.nonce"},
    {"nonce too long",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": {\"nonce\": "
     "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"counter\": 1}, \"current_imeis\": [null]}",
     "challenge.nonce"},
    {"counter string",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ\", "
     "\"counter\": \"7\"},"
     " \"current_imeis\": [null]}",
     "challenge.counter"},
    {"current_imeis missing", "{\"device\": {\"serial\": \"S\"}}", "current_imeis"},
    {"current_imeis object",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": {}}",
     "current_imeis"},
    {"current_imeis empty",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": []}",
     "current_imeis"},
    {"current slot too long",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": "
     "[\"0000000000000000000000000000000000\"]}",
     "current_imeis[0]"},
    {"current slot object",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null, {}]}",
     "current_imeis[1]"},
    /* strict JSON (issue 7): json-glib alone accepted every one of these */
    {"escaped text",
     "{\"device\": {\"serial\": \"S\\u00e9\\ud83d\\ude00\"}, \"current_imeis\": [null]}",
     NULL},
    {"two objects", "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null]}{}", "body"},
    {"two objects, space",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null]} {\"x\": 1}",
     "body"},
    {"block comment",
     "/* c */ {\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null]}",
     "body"},
    {"comment inside",
     "{\"device\": {\"serial\": \"S\"} /* c */, \"current_imeis\": [null]}",
     "body"},
    {"line comment", "{\"device\": {\"serial\": \"S\"}, // c\n \"current_imeis\": [null]}", "body"},
    {"infinite number",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null], \"x\": 1e999999}",
     "body"},
    {"infinite counter",
     "{\"device\": {\"serial\": \"S\"}, \"challenge\": {\"nonce\": \"AAECAwQFBgcICQ\", "
     "\"counter\": 1e999999}, \"current_imeis\": [null]}",
     "body"},
    {"integer past 64 bits",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null], \"x\": 99999999999999999999}",
     "body"},
    {"NaN", "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null], \"x\": NaN}", "body"},
    {"C octal escape", "{\"device\": {\"serial\": \"S\\765\"}, \"current_imeis\": [null]}", "body"},
    {"lone surrogate",
     "{\"device\": {\"serial\": \"S\\ud800\"}, \"current_imeis\": [null]}",
     "body"},
    {"escaped NUL", "{\"device\": {\"serial\": \"S\\u0000T\"}, \"current_imeis\": [null]}", "body"},
    {"duplicate member",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null], \"current_imeis\": [null]}",
     "body"},
    {"duplicate nested member",
     "{\"device\": {\"serial\": \"S\", \"serial\": \"T\"}, \"current_imeis\": [null]}",
     "body"},
    {"duplicate by escape",
     "{\"device\": {\"serial\": \"S\", \"\\u0073erial\": \"T\"}, \"current_imeis\": [null]}",
     "body"},
    {"trailing comma", "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null],}", "body"},
    {"single quotes", "{'device': {'serial': 'S'}, 'current_imeis': [null]}", "body"},
    {"raw control byte", "{\"device\": {\"serial\": \"S\tT\"}, \"current_imeis\": [null]}", "body"},
    {"invalid UTF-8", "{\"device\": {\"serial\": \"S\xff\"}, \"current_imeis\": [null]}", "body"},
    {"nested too deeply",
     "{\"device\": {\"serial\": \"S\"}, \"current_imeis\": [null], \"x\": "
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     "body"},
};

static const Row report_rows[] = {
    {"failed",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\"}",
     NULL},
    {"success",
     "{\"token_id\": \"00112233445566778899AABBCCDDEEFF\", \"outcome\": \"success\","
     " \"imeis_read_back\": [\"490154203237518\", null], \"detail\": \"ok\"}",
     NULL},
    {"no token_id", "{\"outcome\": \"failed\"}", "token_id"},
    {"odd hex",
     "{\"token_id\": \"00112233445566778899aabbccddeef\", \"outcome\": \"failed\"}",
     "token_id"},
    {"short", "{\"token_id\": \"0011\", \"outcome\": \"failed\"}", "token_id"},
    {"not hex",
     "{\"token_id\": \"00112233445566778899aabbccddeegg\", \"outcome\": \"failed\"}",
     "token_id"},
    {"no outcome", "{\"token_id\": \"00112233445566778899aabbccddeeff\"}", "outcome"},
    {"bad outcome",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"SUCCESS\"}",
     "outcome"},
    {"success without read-back",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"success\"}",
     "imeis_read_back"},
    {"read-back not digits",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"success\", "
     "\"imeis_read_back\": [\"abc\"]}",
     "imeis_read_back[0]"},
    {"detail with a carriage return",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\","
     " \"detail\": \"+CME ERROR: 100\\r\\n\\tafter retry\"}",
     "detail"},
    {"detail multi-line",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\","
     " \"detail\": \"write failed\\n\\tread-back: 000000000000000\"}",
     NULL},
    {"detail number",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\", \"detail\": 1}",
     "detail"},
    {"detail with a C escape",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\", \"detail\": "
     "\"\\765\"}",
     "body"},
    {"outcome twice",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\", \"outcome\": "
     "\"success\", \"imeis_read_back\": [\"490154203237518\"]}",
     "body"},
    {"a second report after the first",
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"failed\"}"
     "{\"token_id\": \"00112233445566778899aabbccddeeff\", \"outcome\": \"success\"}",
     "body"},
};

static void
test_brandd_request_check_error (const Row *row, const GError *error)
{
	g_autofree char *prefix = g_strdup_printf ("%s: ", row->error_path);

	if (row->error_path == NULL && error != NULL)
		fail_msg ("%s: refused: %s", row->name, error->message);
	if (row->error_path != NULL && error == NULL)
		fail_msg ("%s: accepted, expected an error on %s", row->name, row->error_path);
	if (error != NULL && !g_str_has_prefix (error->message, prefix))
		fail_msg (
		    "%s: error '%s' does not start with '%s'", row->name, error->message, prefix);
}

static void
test_brandd_request_token_requests (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (token_rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (IrBranddTokenRequest) req = ir_brandd_request_token_request_parse (
		    token_rows[i].body, strlen (token_rows[i].body), &error);
		test_brandd_request_check_error (&token_rows[i], error);
		assert_true ((req != NULL) == (error == NULL));
	}
}

static void
test_brandd_request_token_request_values (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddTokenRequest) req = ir_brandd_request_token_request_parse (
	    token_rows[0].body, strlen (token_rows[0].body), &error);

	assert_non_null (req);
	assert_string_equal (req->serial, "SN1");
	assert_string_equal (req->hardware_id, "HW1");
	assert_string_equal (req->manufacturer, "MediaTek");
	assert_int_equal (g_bytes_get_size (req->nonce), 10);
	assert_int_equal (((const guint8 *)g_bytes_get_data (req->nonce, NULL))[9], 9);
	assert_true (req->has_counter);
	assert_int_equal (req->counter, 7);
	assert_string_equal (req->current_imei[0], "000000000000000");
	assert_null (req->current_imei[1]);
}

static void
test_brandd_request_reports (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (report_rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (IrBranddReport) rep = ir_brandd_request_report_parse (
		    report_rows[i].body, strlen (report_rows[i].body), &error);
		test_brandd_request_check_error (&report_rows[i], error);
		assert_true ((rep != NULL) == (error == NULL));
	}
}

static void
test_brandd_request_report_values (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddReport) rep = ir_brandd_request_report_parse (
	    report_rows[1].body, strlen (report_rows[1].body), &error);
	const guint8 *cti;

	assert_non_null (rep);
	assert_int_equal (rep->outcome, IR_BRANDD_OUTCOME_SUCCESS);
	assert_int_equal (g_bytes_get_size (rep->cti), 16);
	cti = g_bytes_get_data (rep->cti, NULL);
	assert_int_equal (cti[0], 0x00);
	assert_int_equal (cti[15], 0xff);
	assert_true (rep->has_read_back);
	assert_string_equal (rep->read_back[0], "490154203237518");
	assert_null (rep->read_back[1]);
	assert_string_equal (rep->detail, "ok");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_request_token_requests),
	    cmocka_unit_test (test_brandd_request_token_request_values),
	    cmocka_unit_test (test_brandd_request_reports),
	    cmocka_unit_test (test_brandd_request_report_values),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
