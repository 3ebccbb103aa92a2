/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

static const IrTestFamily ir_test_unisoc = {
    .family = "unisoc",
    .manufacturer = "UNISOC",
    .model = "T606",
    .n_slots = 2,
    .write_prefix = "AT+SPIMEI=",
    .read_prefix = "AT+SPIMEI?",
    .n_reads = 1,
};

#define SPIMEI(a, b) IR_LINE ("+SPIMEI: 0,\"" a "\"") IR_LINE ("+SPIMEI: 1,\"" b "\"") IR_OK

static const IrTestModelRow ir_test_unisoc_rows[] = {
    {"AT+SPIMEI=2,\"" IR_TEST_IMEI_C "\"", IR_ERROR_LINE},
    {"AT+CMEE=1", IR_OK},
    {"AT+SPIMEI?", SPIMEI (IR_TEST_IMEI_A, IR_TEST_IMEI_B)},
    {"at+spimei?", SPIMEI (IR_TEST_IMEI_A, IR_TEST_IMEI_B)},
    {"AT+SPIMEI=?", IR_LINE ("+SPIMEI: (0-1),\"imei\"") IR_OK},
    /* malformed */
    {"AT+SPIMEI", IR_ERROR_LINE},
    {"AT+SPIMEI=", IR_CME (50)},
    {"AT+SPIMEI=0", IR_CME (50)},
    {"AT+SPIMEI=0," IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+SPIMEI=\"0\",\"" IR_TEST_IMEI_C "\"", IR_CME (50)},
    {"AT+SPIMEI=x,\"" IR_TEST_IMEI_C "\"", IR_CME (50)},
    {"AT+SPIMEI=0,\"12\"", IR_CME (50)},
    {"AT+SPIMEI=0,\"" IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+SPIMEI=0,\"" IR_TEST_IMEI_C "\",0", IR_CME (50)},
    /* slots are 0 and 1 */
    {"AT+SPIMEI=2,\"" IR_TEST_IMEI_C "\"", IR_CME (21)},
    /* the blank V.250 ignores, as seen typed in the field */
    {"AT+SPIMEI=1, \"" IR_TEST_IMEI_C "\"", IR_OK},
    {"AT+SPIMEI?", SPIMEI (IR_TEST_IMEI_A, IR_TEST_IMEI_C)},
    {"AT+SPIMEI=0,\"" IR_TEST_IMEI_ZERO "\"", IR_OK},
    {"AT+SPIMEI?", SPIMEI (IR_TEST_IMEI_ZERO, IR_TEST_IMEI_C)},
    {"AT+CMEE=2", IR_OK},
    {"AT+SPIMEI=2,\"" IR_TEST_IMEI_C "\"", IR_LINE ("+CME ERROR: invalid index")},
};

static void
test_unisoc_model_rows (void **cstate)
{
	IrSimState *state = ir_protocol_test_state_new (
	    "unisoc", "UNISOC", "T606", 2, IR_TEST_IMEI_A, IR_TEST_IMEI_B);

	ir_protocol_test_model_rows (
	    state, ir_test_unisoc_rows, G_N_ELEMENTS (ir_test_unisoc_rows));
	assert_true (state->dirty);
	ir_protocol_test_state_free (state);
}

static const IrTestModelRow ir_test_unisoc_fault_rows[] = {
    {"AT+CMEE=1", IR_OK},
    {"AT+SPIMEI=1,\"" IR_TEST_IMEI_C "\"", IR_CME (604)},
    {"AT+SPIMEI=0,\"" IR_TEST_IMEI_C "\"", IR_OK},
    {"AT+SPIMEI?", SPIMEI (IR_TEST_IMEI_C, "")},
};

static void
test_unisoc_model_faults (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("unisoc", "UNISOC", "T606", 2, IR_TEST_IMEI_A, NULL);

	state->read_only[1] = TRUE;
	ir_protocol_test_model_rows (
	    state, ir_test_unisoc_fault_rows, G_N_ELEMENTS (ir_test_unisoc_fault_rows));
	ir_protocol_test_state_free (state);
}

/* A single-IMEI phone answers slot 0 only: believed once it said so
 * three times (a lost line looks the same once). */
static void
test_unisoc_single_imei_phone (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (
	    ir_protocol_test_state_new ("unisoc", "UNISOC", "T107", 1, IR_TEST_IMEI_A, NULL));
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);

	assert_int_equal (info->slots->len, 1);
	assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
			     IR_TEST_IMEI_A);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+SPIMEI?"), 3);
}

/* Lines the host cannot use: slot 0 missing, a gap, a bad slot number. */
static void
test_unisoc_parse_rows (void **cstate)
{
	static const struct {
		const char *answer;
		const char *error; /* NULL: parses */
		guint n_slots;
	} rows[] = {
	    {"+SPIMEI: 0,\"" IR_TEST_IMEI_A "\"\r\n+SPIMEI: 1,\"\"", NULL, 2},
	    {"+SPIMEI: 1,\"" IR_TEST_IMEI_A "\"\r\n+SPIMEI: 0,\"" IR_TEST_IMEI_B "\"", NULL, 2},
	    {"+SPIMEI: 0,\"" IR_TEST_IMEI_A "\"", NULL, 1},
	    /* no phone has a slot 5: a garbled line */
	    {"+SPIMEI: 0,\"" IR_TEST_IMEI_A "\"\r\n+SPIMEI: 5,\"" IR_TEST_IMEI_B "\"",
	     "is not +SPIMEI: <slot>",
	     0},
	    {"+SPIMEI: 1,\"" IR_TEST_IMEI_A "\"", "no +SPIMEI: line for slot 0", 0},
	    {"", "no +SPIMEI: line for slot 0", 0},
	    {"+SPIMEI: x,\"" IR_TEST_IMEI_A "\"", "is not +SPIMEI: <slot>", 0},
	    {"+SPIMEI: 0", "is not +SPIMEI: <slot>", 0},
	    {"+SPIMEI: -1,\"" IR_TEST_IMEI_A "\"", "is not +SPIMEI: <slot>", 0},
	    {"+SPIMEI: 0," IR_TEST_IMEI_A, "the IMEI is not quoted", 0},
	    {"+SPIMEI: 0,\"" IR_TEST_IMEI_A, "the IMEI is not quoted", 0},
	    {"+SPIMEI: 0,\"49015420323751X\"", "the IMEI is not digits", 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		IrSimState *state =
		    ir_protocol_test_state_new ("unisoc", "UNISOC", "T606", 2, NULL, NULL);
		g_autoptr (IrTestPhone) phone = ir_test_phone_new (state);
		g_autofree IrProfile *profile = ir_protocol_test_fast_profile ("unisoc");
		g_autoptr (GPtrArray) imeis = NULL;
		g_autoptr (GError) error = NULL;
		g_autofree char *answer = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", rows[i].answer);

		ir_model_transport_answer (phone->transport, "AT+SPIMEI?", answer);
		imeis = ir_family_lookup ("unisoc")->read_imeis (
		    ir_session_get_channel (phone->session), profile, NULL, NULL, &error);
		if (rows[i].error == NULL) {
			if (imeis == NULL)
				fail_msg ("row %u: %s", i, error->message);
			assert_int_equal (imeis->len, rows[i].n_slots);
			continue;
		}
		assert_null (imeis);
		ir_protocol_test_assert_error (error, IR_ERROR_PROTOCOL, rows[i].error);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    IR_TEST_FAMILY_TESTS (ir_test_unisoc),
	    cmocka_unit_test (test_unisoc_model_rows),
	    cmocka_unit_test (test_unisoc_model_faults),
	    cmocka_unit_test (test_unisoc_single_imei_phone),
	    cmocka_unit_test (test_unisoc_parse_rows),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("unisoc", tests, NULL, NULL);
}
