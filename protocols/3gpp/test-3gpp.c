/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

#define CGSN(value) IR_LINE ("+CGSN: \"" value "\"") IR_OK

static IrSimState *
test_3gpp_state (void)
{
	return ir_protocol_test_state_new ("3gpp", "Acme Phones", "A100", 1, IR_TEST_IMEI_A, NULL);
}

/* In order, on one phone holding IMEI_A, serial SN0001. */
static const IrTestModelRow ir_test_3gpp_rows[] = {
    {"AT", IR_OK},
    {"at", IR_OK},
    {"ATZ", IR_OK},
    {"ATI", IR_LINE ("Acme Phones") IR_LINE ("A100") IR_LINE ("Revision: REV1.0") IR_OK},
    {"AT+CGMI", IR_LINE ("Acme Phones") IR_OK},
    {"AT+GMI", IR_LINE ("Acme Phones") IR_OK},
    {"at+cgmi", IR_LINE ("Acme Phones") IR_OK},
    {"AT + CGMI", IR_LINE ("Acme Phones") IR_OK},
    {"AT+CGMI=?", IR_OK},
    {"AT+CGMM", IR_LINE ("A100") IR_OK},
    {"AT+GMM", IR_LINE ("A100") IR_OK},
    {"AT+CGMR", IR_LINE ("REV1.0") IR_OK},
    {"AT+GMR", IR_LINE ("REV1.0") IR_OK},
    {"AT+CGSN", IR_LINE (IR_TEST_IMEI_A) IR_OK},
    {"AT+CGSN=0", CGSN ("SN0001")},
    {"AT+CGSN=1", CGSN (IR_TEST_IMEI_A)},
    {"AT+CGSN=2", CGSN ("4901542032375101")},
    {"AT+CGSN=3", CGSN ("01")},
    {"AT+CGSN=?", IR_LINE ("+CGSN: (0-3)") IR_OK},
    {"AT+GSN", IR_LINE (IR_TEST_IMEI_A) IR_OK},
    {"AT+GSN=?", IR_OK},
    {"AT+CMEE?", IR_LINE ("+CMEE: 0") IR_OK},
    {"AT+CMEE=?", IR_LINE ("+CMEE: (0-2)") IR_OK},
    {"AT+CMEE=1", IR_OK},
    {"AT+CMEE?", IR_LINE ("+CMEE: 1") IR_OK},
    /* malformed: syntax errors are a plain ERROR whatever +CMEE says */
    {"AT+CGMI?", IR_ERROR_LINE},
    {"AT+CGMI=1", IR_ERROR_LINE},
    {"AT+CGMM?", IR_ERROR_LINE},
    {"AT+CGSN?", IR_ERROR_LINE},
    {"AT+CGSN=4", IR_ERROR_LINE},
    {"AT+CGSN=\"1\"", IR_ERROR_LINE},
    {"AT+CGSN=1,1", IR_ERROR_LINE},
    {"AT+CGSN=", IR_ERROR_LINE},
    {"AT+CGSN=-1", IR_ERROR_LINE},
    {"AT+CGSNX", IR_ERROR_LINE},
    {"AT+CMEE=3", IR_ERROR_LINE},
    {"AT+CMEE=a", IR_ERROR_LINE},
    {"AT+EGMR=0,7", IR_ERROR_LINE},
    {"AT+SIMEI?", IR_ERROR_LINE},
    {"AT+FOO", IR_ERROR_LINE},
    {"ATX9", IR_ERROR_LINE},
    {"XYZ", IR_ERROR_LINE},
    {"\x01\x7f", IR_ERROR_LINE},
    {"", NULL},
    {"   ", NULL},
    /* echo switches */
    {"ATE0", IR_OK},
    {"ATE1", IR_OK},
    {"AT+CMEE=", IR_OK},
    {"AT+CMEE?", IR_LINE ("+CMEE: 0") IR_OK},
};

static void
test_3gpp_model_rows (void **cstate)
{
	IrSimState *state = test_3gpp_state ();

	ir_protocol_test_model_rows (state, ir_test_3gpp_rows, G_N_ELEMENTS (ir_test_3gpp_rows));
	assert_true (state->echo);
	assert_false (state->dirty);
	ir_protocol_test_state_free (state);
}

/* A phone with nothing to say answers "not supported" in its +CMEE mode. */
static const IrTestModelRow ir_test_3gpp_empty_rows[] = {
    {"AT+CGMR", IR_ERROR_LINE},
    {"AT+CMEE=1", IR_OK},
    {"AT+CGMR", IR_CME (4)},
    {"AT+CGSN", IR_CME (4)},
    {"AT+GSN", IR_CME (4)},
    {"AT+CGSN=0", IR_CME (4)},
    {"AT+CGSN=1", CGSN ("")},
    {"AT+CGSN=2", IR_CME (4)},
    {"AT+CMEE=2", IR_OK},
    {"AT+CGSN=0", IR_LINE ("+CME ERROR: operation not supported")},
    {"ATE", IR_OK},
};

static void
test_3gpp_model_empty (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("3gpp", "Acme Phones", "A100", 1, NULL, NULL);

	g_clear_pointer (&state->revision, g_free);
	g_clear_pointer (&state->serial, g_free);
	state->echo = TRUE;
	ir_protocol_test_model_rows (
	    state, ir_test_3gpp_empty_rows, G_N_ELEMENTS (ir_test_3gpp_empty_rows));
	assert_false (state->echo);
	ir_protocol_test_state_free (state);
}

/* An unknown family is answered by the 3gpp base alone. */
static void
test_3gpp_model_unknown_family (void **cstate)
{
	static const IrTestModelRow rows[] = {
	    {"AT+CGSN=1", CGSN (IR_TEST_IMEI_A)},
	    {"AT+EGMR=0,7", IR_ERROR_LINE},
	};
	IrSimState *state =
	    ir_protocol_test_state_new ("nokia-fbus", "Acme", "A1", 1, IR_TEST_IMEI_A, NULL);

	ir_protocol_test_model_rows (state, rows, G_N_ELEMENTS (rows));
	ir_protocol_test_state_free (state);
	assert_null (ir_device_model_lookup ("nokia-fbus"));
	assert_non_null (ir_device_model_lookup ("unisoc"));
}

static void
test_3gpp_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	const IrImeiSlot *slot = g_ptr_array_index (info->slots, 0);

	assert_string_equal (info->manufacturer, "Acme Phones");
	assert_string_equal (info->model, "A100");
	assert_string_equal (info->revision, "REV1.0");
	assert_string_equal (info->serial, "SN0001");
	assert_string_equal (info->family->id, "3gpp");
	assert_string_equal (info->profile->id, "3gpp");
	assert_int_equal (info->usb_vid, 0);
	assert_int_equal (info->slots->len, 1);
	assert_string_equal (slot->imei, IR_TEST_IMEI_A);
	assert_int_equal (slot->status, IR_IMEI_STATUS_VALID);
	assert_true (ir_model_transport_saw (phone->transport, "AT+CGSN=1"));
	assert_false (ir_model_transport_saw (phone->transport, "AT+GSN"));
}

static void
test_3gpp_identify_duplicate (void **cstate)
{
	static const char list[] = "# brand list\n" IR_TEST_IMEI_A "\n";
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
	g_autoptr (IrDuplicateList) dups = ir_duplicate_list_new ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;
	const IrImeiSlot *slot;

	assert_true (ir_duplicate_list_parse (dups, list, sizeof (list) - 1, "test", &error));
	info = ir_session_identify (phone->session, dups, NULL, &error);
	assert_non_null (info);
	slot = g_ptr_array_index (info->slots, 0);
	assert_int_equal (slot->status, IR_IMEI_STATUS_DUPLICATE);
	assert_non_null (strstr (slot->detail, "duplicate"));
}

/* +CGSN=1 refused -> +CGSN; that refused too -> +GSN; all refused ->
 * the last refusal, naming its command. */
static void
test_3gpp_read_fallbacks (void **cstate)
{
	static const struct {
		const char *refused[3];
		const char *read_with;
	} rows[] = {
	    {{NULL}, "AT+CGSN=1"},
	    {{"AT+CGSN=1"}, "AT+CGSN"},
	    {{"AT+CGSN=1", "AT+CGSN"}, "AT+GSN"},
	    {{"AT+CGSN=1", "AT+CGSN", "AT+GSN"}, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
		g_autoptr (GError) error = NULL;
		g_autoptr (IrDeviceInfo) info = NULL;
		for (guint j = 0; j < 3 && rows[i].refused[j] != NULL; j++)
			ir_model_transport_refuse (phone->transport, rows[i].refused[j]);
		info = ir_session_identify (phone->session, NULL, NULL, &error);
		if (rows[i].read_with == NULL) {
			assert_null (info);
			ir_protocol_test_assert_error (error, IR_ERROR_AT_REFUSED, "AT+GSN");
			/* a refusal is an answer: each asked once */
			assert_int_equal (ir_model_transport_count (phone->transport, "AT+GSN"), 1);
			continue;
		}
		assert_non_null (info);
		assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
				     IR_TEST_IMEI_A);
		assert_true (ir_model_transport_saw (phone->transport, rows[i].read_with));
	}
}

static void
test_3gpp_cannot_write (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	g_autoptr (GError) error = NULL;
	guint sent = ir_model_transport_get_commands (phone->transport)->len;

	assert_string_equal (info->family->id, "3gpp");
	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_NOT_SUPPORTED, "no IMEI write command");
	assert_int_equal (ir_model_transport_get_commands (phone->transport)->len, sent);
	assert_null (ir_family_lookup ("3gpp")->write_imei);
}

/* A lost answer to a form that has a next form is not asked again: the
 * next form is the retry, the report says which form answered and why
 * the one before it was passed over, and a lost answer is never taken
 * for a refusal. */
static void
test_3gpp_read_lost_moves_on (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile ("3gpp");
	IrAtChannel *channel = ir_session_get_channel (phone->session);
	g_auto (IrFamilyReadReport) report = {NULL};
	g_autoptr (GPtrArray) imeis = NULL;
	g_autoptr (GError) error = NULL;

	ir_model_transport_drop_next (phone->transport, 1);
	imeis = ir_family_lookup ("3gpp")->read_imeis (channel, profile, &report, NULL, &error);
	assert_non_null (imeis);
	assert_string_equal (g_ptr_array_index (imeis, 0), IR_TEST_IMEI_A);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGSN=1"), 1);
	/* "AT+CGSN" counts AT+CGSN=1 too: one of each */
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGSN"), 2);
	assert_false (ir_model_transport_saw (phone->transport, "AT+GSN"));
	assert_string_equal (report.command, "AT+CGSN");
	assert_non_null (strstr (report.passed_over, "AT+CGSN=1 on "));
	assert_non_null (strstr (report.passed_over, "did not answer"));
}

/* The last form has nothing to fall back on: a lost answer to it is asked
 * again, as every read's is. */
static void
test_3gpp_read_last_form_retried (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (test_3gpp_state ());
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile ("3gpp");
	IrAtChannel *channel = ir_session_get_channel (phone->session);
	g_auto (IrFamilyReadReport) report = {NULL};
	g_autoptr (GPtrArray) imeis = NULL;
	g_autoptr (GError) error = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CGSN=1");
	ir_model_transport_refuse (phone->transport, "AT+CGSN");
	/* refusals bypass the drop: the answer lost is +GSN's */
	ir_model_transport_drop_next (phone->transport, 1);
	imeis = ir_family_lookup ("3gpp")->read_imeis (channel, profile, &report, NULL, &error);
	assert_non_null (imeis);
	assert_string_equal (g_ptr_array_index (imeis, 0), IR_TEST_IMEI_A);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+GSN"), 2);
	assert_string_equal (report.command, "AT+GSN");
	assert_non_null (strstr (report.passed_over, "AT+CGSN=1 on "));
	assert_non_null (strstr (report.passed_over, "was refused"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_3gpp_model_rows),
	    cmocka_unit_test (test_3gpp_model_empty),
	    cmocka_unit_test (test_3gpp_model_unknown_family),
	    cmocka_unit_test (test_3gpp_identify),
	    cmocka_unit_test (test_3gpp_identify_duplicate),
	    cmocka_unit_test (test_3gpp_read_fallbacks),
	    cmocka_unit_test (test_3gpp_cannot_write),
	    cmocka_unit_test (test_3gpp_read_lost_moves_on),
	    cmocka_unit_test (test_3gpp_read_last_form_retried),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("3gpp", tests, NULL, NULL);
}
