/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

static const IrTestFamily ir_test_mediatek = {
    .family = "mediatek",
    .manufacturer = "MediaTek Inc.",
    .model = "MT6765",
    .n_slots = 2,
    .write_prefix = "AT+EGMR=1,",
    .read_prefix = "AT+EGMR=0,",
    .n_reads = 2,
};

#define EGMR(imei) IR_LINE ("+EGMR: \"" imei "\"") IR_OK

/* In order, on one dual-IMEI phone holding IMEI_A and IMEI_B. */
static const IrTestModelRow ir_test_mediatek_rows[] = {
    /* power-up +CMEE=0: refusals are a plain ERROR */
    {"AT+EGMR=0,8", IR_ERROR_LINE},
    {"AT+CMEE=1", IR_OK},
    {"AT+EGMR=0,7", EGMR (IR_TEST_IMEI_A)},
    {"AT+EGMR=0,10", EGMR (IR_TEST_IMEI_B)},
    {"at+egmr=0,7", EGMR (IR_TEST_IMEI_A)},
    {"AT+EGMR = 0, 10", EGMR (IR_TEST_IMEI_B)},
    {"AT+EGMR=?", IR_LINE ("+EGMR: (0,1),(7,10)") IR_OK},
    /* malformed */
    {"AT+EGMR?", IR_ERROR_LINE},
    {"AT+EGMR", IR_ERROR_LINE},
    {"AT+EGMR=", IR_CME (50)},
    {"AT+EGMR=0", IR_CME (50)},
    {"AT+EGMR=0,8", IR_CME (50)},
    {"AT+EGMR=0,7,", IR_CME (50)},
    {"AT+EGMR=2,7", IR_CME (50)},
    {"AT+EGMR=-1,7", IR_CME (50)},
    {"AT+EGMR=\"0\",7", IR_CME (50)},
    {"AT+EGMR=0,7,\"" IR_TEST_IMEI_C "\"", IR_CME (50)},
    {"AT+EGMR=1,7", IR_CME (50)},
    {"AT+EGMR=1,7," IR_TEST_IMEI_C, IR_CME (50)},
    {"AT+EGMR=1,7,\"12345\"", IR_CME (50)},
    {"AT+EGMR=1,7,\"49015420323751X\"", IR_CME (50)},
    {"AT+EGMR=1,7,\"4901542032375", IR_CME (50)},
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C "\"x", IR_CME (50)},
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C "\",1", IR_CME (50)},
    /* a write, then its read back; the other slot untouched */
    {"AT+EGMR=1,10,\"" IR_TEST_IMEI_C "\"", IR_OK},
    {"AT+EGMR=0,10", EGMR (IR_TEST_IMEI_C)},
    {"AT+EGMR=0,7", EGMR (IR_TEST_IMEI_A)},
    /* the 3gpp base answers what the family does not know */
    {"AT+CGSN=1", IR_LINE ("+CGSN: \"" IR_TEST_IMEI_A "\"") IR_OK},
    {"AT+CGMI", IR_LINE ("MediaTek Inc.") IR_OK},
    {"AT+EGMX=0,7", IR_ERROR_LINE},
    {"AT+CMEE=2", IR_OK},
    {"AT+EGMR=0,8", IR_LINE ("+CME ERROR: incorrect parameters")},
    {"", NULL},
    {"EGMR=0,7", IR_ERROR_LINE},
};

static void
test_mediatek_model_rows (void **cstate)
{
	IrSimState *state = ir_protocol_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6765", 2, IR_TEST_IMEI_A, IR_TEST_IMEI_B);

	ir_protocol_test_model_rows (
	    state, ir_test_mediatek_rows, G_N_ELEMENTS (ir_test_mediatek_rows));
	assert_true (state->dirty);
	ir_protocol_test_state_free (state);
}

/* Faults and shapes the write path answers, numeric codes on. */
static const IrTestModelRow ir_test_mediatek_fault_rows[] = {
    {"AT+CMEE=1", IR_OK},
    /* slot 1 is write-once: the family's code, 601 */
    {"AT+EGMR=1,7,\"" IR_TEST_IMEI_C "\"", IR_CME (601)},
    /* a bad IMEI is refused before the read-only check */
    {"AT+EGMR=1,7,\"123\"", IR_CME (50)},
    /* the phone has one slot only */
    {"AT+EGMR=0,10", IR_CME (21)},
    {"AT+EGMR=1,10,\"" IR_TEST_IMEI_C "\"", IR_CME (21)},
    {"AT+EGMR=0,7", EGMR (IR_TEST_IMEI_A)},
};

static void
test_mediatek_model_faults (void **cstate)
{
	IrSimState *state = ir_protocol_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6261", 1, IR_TEST_IMEI_A, NULL);

	state->read_only[0] = TRUE;
	ir_protocol_test_model_rows (
	    state, ir_test_mediatek_fault_rows, G_N_ELEMENTS (ir_test_mediatek_fault_rows));
	assert_false (state->dirty);
	ir_protocol_test_state_free (state);
}

/* The profile has two slots; a single-IMEI phone refuses record 10: it
 * has one slot then. That refusal is an answer, not a lost line: asked once. */
static void
test_mediatek_single_imei_phone (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (ir_protocol_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6261", 1, IR_TEST_IMEI_A, NULL));
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	g_autoptr (GError) error = NULL;

	assert_string_equal (info->profile->id, "mediatek");
	assert_int_equal (info->slots->len, 1);
	assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
			     IR_TEST_IMEI_A);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+EGMR=0,10"), 1);

	/* and slot 2 is refused before the phone is asked */
	assert_false (ir_session_write_imei (phone->session, 1, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_INVALID_INPUT, "has 1 IMEI slot(s)");
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR=1"));
}

/* A refused read of slot 1: the firmware has no +EGMR. The phone is
 * still identified, by its 27.007 read, and shown as not writable. */
static void
test_mediatek_refused_read (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_phone_new (ir_protocol_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6765", 2, IR_TEST_IMEI_A, NULL));
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_refuse (phone->transport, "AT+EGMR=0,7");
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->read_family->id, "3gpp");
	assert_false (info->can_write);
	assert_non_null (strstr (info->write_support, "AT+EGMR=0,7"));
	assert_non_null (strstr (info->write_support, "slot 1"));
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+EGMR=0,7"), 1);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGSN=1"), 1);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    IR_TEST_FAMILY_TESTS (ir_test_mediatek),
	    cmocka_unit_test (test_mediatek_model_rows),
	    cmocka_unit_test (test_mediatek_model_faults),
	    cmocka_unit_test (test_mediatek_single_imei_phone),
	    cmocka_unit_test (test_mediatek_refused_read),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("mediatek", tests, NULL, NULL);
}
