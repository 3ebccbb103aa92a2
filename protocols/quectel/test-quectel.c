/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

static const IrTestFamily ir_test_quectel = {
    .family = "quectel",
    .manufacturer = "Quectel",
    .model = "EC25",
    .n_slots = 1,
    .write_prefix = "AT+EGMR=1,",
    .read_prefix = "AT+EGMR=0,7",
    .n_reads = 1,
};

#define EGMR(imei) IR_LINE ("+EGMR: \"" imei "\"") IR_OK

static const IrTestModelRow ir_test_quectel_rows[] = {
    {"AT+EGMR=0,10", IR_ERROR_LINE},
    {"AT+CMEE=1", IR_OK},
    {"AT+EGMR=0,7", EGMR (IR_TEST_IMEI_A)},
    {"at+egmr=0,7", EGMR (IR_TEST_IMEI_A)},
    {"AT+EGMR=?", IR_LINE ("+EGMR: (0,1),(7)") IR_OK},
    /* one IMEI only: record 10 is no parameter here */
    {"AT+EGMR=0,10", IR_CME (50)},
    {"AT+EGMR=1,10,\"" IR_TEST_IMEI_C "\"", IR_CME (50)},
    /* malformed */
    {"AT+EGMR?", IR_ERROR_LINE},
    {"AT+EGMR", IR_ERROR_LINE},
    {"AT+EGMR=", IR_CME (50)},
    {"AT+EGMR=0", IR_CME (50)},
    {"AT+EGMR=3,7", IR_CME (50)},
    {"AT+EGMR=1,7", IR_CME (50)},
    {"AT+EGMR=1,7," IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+EGMR=1,7,\"1234567890123456\"", IR_CME (50)},
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C, IR_CME (50)},
    /* a write and its read back */
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C "\"", IR_OK},
    {"AT+EGMR=0,7", EGMR (IR_TEST_IMEI_C)},
    {"AT+GSN", IR_LINE (IR_TEST_IMEI_C) IR_OK},
    {"AT+CMEE=2", IR_OK},
    {"AT+EGMR=0,10", IR_LINE ("+CME ERROR: incorrect parameters")},
    {"AT+QFOO", IR_ERROR_LINE},
};

static void
test_quectel_model_rows (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("quectel", "Quectel", "EC25", 1, IR_TEST_IMEI_A, NULL);

	ir_protocol_test_model_rows (
	    state, ir_test_quectel_rows, G_N_ELEMENTS (ir_test_quectel_rows));
	assert_true (state->dirty);
	ir_protocol_test_state_free (state);
}

static const IrTestModelRow ir_test_quectel_fault_rows[] = {
    {"AT+CMEE=1", IR_OK},
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C "\"", IR_CME (602)},
    {"AT+EGMR=0,7", EGMR ("")},
};

static void
test_quectel_model_faults (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("quectel", "Quectel", "EC25", 1, NULL, NULL);

	state->read_only[0] = TRUE;
	ir_protocol_test_model_rows (
	    state, ir_test_quectel_fault_rows, G_N_ELEMENTS (ir_test_quectel_fault_rows));
	assert_false (state->dirty);
	ir_protocol_test_state_free (state);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    IR_TEST_FAMILY_TESTS (ir_test_quectel),
	    cmocka_unit_test (test_quectel_model_rows),
	    cmocka_unit_test (test_quectel_model_faults),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("quectel", tests, NULL, NULL);
}
