/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

static const IrTestFamily ir_test_simcom = {
    .family = "simcom",
    .manufacturer = "SIMCOM INCORPORATED",
    .model = "SIMCOM_SIM7600G-H",
    .n_slots = 1,
    .write_prefix = "AT+SIMEI=",
    .read_prefix = "AT+SIMEI?",
    .n_reads = 1,
};

#define SIMEI(imei) IR_LINE ("+SIMEI: " imei) IR_OK

static const IrTestModelRow ir_test_simcom_rows[] = {
    {"AT+SIMEI=123", IR_ERROR_LINE},
    {"AT+CMEE=1", IR_OK},
    {"AT+SIMEI?", SIMEI (IR_TEST_IMEI_A)},
    {"at+simei?", SIMEI (IR_TEST_IMEI_A)},
    {"AT+SIMEI=?", IR_OK},
    /* malformed */
    {"AT+SIMEI", IR_ERROR_LINE},
    {"AT+SIMEIX", IR_ERROR_LINE},
    {"AT+SIMEI=", IR_CME (50)},
    {"AT+SIMEI=123", IR_CME (50)},
    {"AT+SIMEI=" IR_TEST_IMEI_C "0", IR_CME (50)},
    {"AT+SIMEI=" IR_TEST_IMEI_C "," IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+SIMEI=\"" IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+SIMEI=49015420323751A", IR_CME (50)},
    /* unquoted as SIMCom writes it, or quoted */
    {"AT+SIMEI=" IR_TEST_IMEI_C, IR_OK},
    {"AT+SIMEI?", SIMEI (IR_TEST_IMEI_C)},
    {"AT+SIMEI=\"" IR_TEST_IMEI_B "\"", IR_OK},
    {"AT+SIMEI?", SIMEI (IR_TEST_IMEI_B)},
    {"AT+CGSN", IR_LINE (IR_TEST_IMEI_B) IR_OK},
    {"AT+CMEE=0", IR_OK},
    {"AT+SIMEI=1", IR_ERROR_LINE},
};

static void
test_simcom_model_rows (void **cstate)
{
	IrSimState *state = ir_protocol_test_state_new (
	    "simcom", "SIMCOM INCORPORATED", "SIM7600", 1, IR_TEST_IMEI_A, NULL);

	ir_protocol_test_model_rows (
	    state, ir_test_simcom_rows, G_N_ELEMENTS (ir_test_simcom_rows));
	assert_true (state->dirty);
	ir_protocol_test_state_free (state);
}

static const IrTestModelRow ir_test_simcom_fault_rows[] = {
    {"AT+CMEE=1", IR_OK},
    {"AT+SIMEI=" IR_TEST_IMEI_C, IR_CME (603)},
    {"AT+SIMEI?", SIMEI ("")},
};

static void
test_simcom_model_faults (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("simcom", "SIMCOM INCORPORATED", "SIM7600", 1, NULL, NULL);

	state->read_only[0] = TRUE;
	ir_protocol_test_model_rows (
	    state, ir_test_simcom_fault_rows, G_N_ELEMENTS (ir_test_simcom_fault_rows));
	assert_false (state->dirty);
	ir_protocol_test_state_free (state);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    IR_TEST_FAMILY_TESTS (ir_test_simcom),
	    cmocka_unit_test (test_simcom_model_rows),
	    cmocka_unit_test (test_simcom_model_faults),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("simcom", tests, NULL, NULL);
}
