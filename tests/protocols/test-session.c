/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"

static IrTestPhone *
ir_test_session_phone (void)
{
	return ir_test_phone_new (ir_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6765", 2, IR_TEST_IMEI_A, IR_TEST_IMEI_ZERO));
}

/* Nothing comes back: a timeout that says what to check. */
static void
test_session_silent (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_set_mode (phone->transport, IR_MODEL_TRANSPORT_SILENT);
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_test_assert_error (
	    error, IR_ERROR_TIMEOUT, "no answer on model:mediatek: is it a phone's AT port?");
	/* only "AT" was tried, and DIAG's version-info request once after
	 * the first silence (DESIGN.md §5): nothing else is sent to a silent
	 * port */
	assert_int_equal (ir_model_transport_get_commands (phone->transport)->len,
			  ir_model_transport_count (phone->transport, "AT") + 1);
	assert_false (ir_model_transport_saw (phone->transport, "AT+"));
}

/* Bytes, but never OK or ERROR: something else sits on that port. */
static void
test_session_not_a_phone (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_set_mode (phone->transport, IR_MODEL_TRANSPORT_GARBAGE);
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_test_assert_error (
	    error, IR_ERROR_NOT_A_PHONE, "model:mediatek answers but not as an AT modem");
	/* quotes what it sent, escaped */
	assert_non_null (strstr (error->message, "$GPGGA"));
	assert_false (ir_model_transport_saw (phone->transport, "AT+"));
}

/* A lost first answer is asked again. */
static void
test_session_probe_retried (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_drop_next (phone->transport, 1);
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->family->id, "mediatek");
	/* the silence led to one DIAG version-info probe (0x7E first); the
	 * AT phone's refusal of it is no DIAG answer, and AT goes on */
	assert_int_equal (
	    g_strcmp0 (g_ptr_array_index (ir_model_transport_get_commands (phone->transport), 0),
		       "AT"),
	    0);
	assert_true (g_str_has_prefix (
	    g_ptr_array_index (ir_model_transport_get_commands (phone->transport), 1), "~"));
}

/* Identity reads a phone refuses are left out, not fatal. */
static void
test_session_identity_refused (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	const IrImeiSlot *slot;

	ir_model_transport_refuse (phone->transport, "AT+CMEE=1");
	ir_model_transport_refuse (phone->transport, "AT+CGMR");
	ir_model_transport_refuse (phone->transport, "AT+CGSN=0");
	info = ir_test_phone_identify (phone);
	assert_null (info->revision);
	assert_null (info->serial);
	assert_string_equal (info->manufacturer, "MediaTek Inc.");
	assert_string_equal (info->profile->id, "mediatek");
	slot = g_ptr_array_index (info->slots, 1);
	assert_int_equal (slot->status, IR_IMEI_STATUS_FACTORY_DEFAULT);
	assert_int_equal (phone->state->cmee, 0);
}

/* Without +CGMI the manufacturer globs cannot match: 3gpp reads it. */
static void
test_session_unknown_manufacturer (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CGMI");
	info = ir_test_phone_identify (phone);
	assert_null (info->manufacturer);
	assert_string_equal (info->profile->id, "3gpp");
	assert_int_equal (info->slots->len, 1);
	assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
			     IR_TEST_IMEI_A);
}

/* Identity reads are confirmed: a garbled +CGMI that still reads as text
 * would otherwise pick the 3gpp fallback. */
static void
test_session_identity_confirmed (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_corrupt_once (phone->transport, "AT+CGMI");
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->manufacturer, "MediaTek Inc.");
	assert_string_equal (info->profile->id, "mediatek");
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMI"), 4);
	/* when nothing is garbled, three times */
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMM"), 3);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMR"), 3);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGSN=0"), 3);
}

/* Broken UTF-8 in an identity string is garble (the AT parser already
 * drops control bytes): asked again. */
static void
test_session_identity_garbled (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	g_free (phone->state->revision);
	phone->state->revision = g_strdup ("REV\xff");
	info = ir_test_phone_identify (phone);
	/* the phone always says so: after three tries it is left out */
	assert_null (info->revision);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMR"), 3);
	assert_string_equal (info->family->id, "mediatek");
}

/* A +CGMI that never arrives clean fails the identify: no driver is
 * chosen on a guess. */
static void
test_session_manufacturer_garbled (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;

	g_free (phone->state->manufacturer);
	phone->state->manufacturer = g_strdup ("Media\xffTek");
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_test_assert_error (
	    error, IR_ERROR_PROTOCOL, "after 3 attempts: garbled answer to AT+CGMI");
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR"));
}

/* A +CGMI that never reads the same twice fails the identify rather than
 * choosing a driver on a garbled name. */
static void
test_session_identity_never_agrees (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;

	/* the transport changes the first letter of every answer to AT+CGMI,
	 * differently each time: N, O, P, ... */
	for (guint i = 0; i < IR_FAMILY_CONFIRM_ATTEMPTS; i++)
		ir_model_transport_corrupt_once (phone->transport, "AT+CGMI");
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_test_assert_error (
	    error, IR_ERROR_PROTOCOL, "AT+CGMI on model:mediatek answered differently 8 times");
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMI"),
			  IR_FAMILY_CONFIRM_ATTEMPTS);
}

static void
test_session_write_before_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (GError) error = NULL;

	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error));
	ir_test_assert_error (error, IR_ERROR_FAILED, "identify the phone before writing");
	assert_int_equal (ir_model_transport_get_commands (phone->transport)->len, 0);
}

/* A failed identify forgets the family: no write on a guess. */
static void
test_session_write_after_failed_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	g_autoptr (IrDeviceInfo) info2 = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;

	assert_string_equal (info->family->id, "mediatek");

	ir_model_transport_refuse (phone->transport, "AT+EGMR=0,7");
	info2 = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info2);
	ir_test_assert_error (
	    error, IR_ERROR_AT_REFUSED, "failed to read the IMEIs of model:mediatek");
	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error2));
	ir_test_assert_error (error2, IR_ERROR_FAILED, "identify the phone before writing");
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR=1"));
}

/* Without numeric codes a write-once slot cannot be told apart: it is an
 * ordinary refusal then, still not retried. */
static void
test_session_read_only_without_cmee (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CMEE=1");
	phone->state->read_only[1] = TRUE;
	info = ir_test_phone_identify (phone);
	assert_false (ir_session_write_imei (phone->session, 1, IR_TEST_IMEI_C, NULL, &error));
	ir_test_assert_error (error, IR_ERROR_AT_REFUSED, "AT+EGMR=1,10");
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+EGMR=1"), 1);
	assert_string_equal (phone->state->imei[1], IR_TEST_IMEI_ZERO);
}

static void
test_session_open_missing_port (void **cstate)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSession) session = ir_session_open ("/dev/imeirestore-no-such-port", &error);

	assert_null (session);
	ir_test_assert_error (error, IR_ERROR_NOT_FOUND, "/dev/imeirestore-no-such-port");
}

/* Opening errors come from the transport, which names the port: once. */
static void
test_session_open_not_a_tty (void **cstate)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSession) session = ir_session_open ("/dev/null", &error);
	const char *first;

	assert_null (session);
	assert_non_null (error);
	first = strstr (error->message, "/dev/null");
	assert_non_null (first);
	assert_null (strstr (first + 1, "/dev/null"));
}

static void
test_session_recording (void **cstate)
{
	g_autoptr (IrTestPhone) phone = ir_test_session_phone ();
	g_autoptr (IrRecording) recording = ir_recording_new ("model:mediatek");
	g_autoptr (IrDeviceInfo) info = NULL;
	const IrRecordingEvent *first;

	ir_session_set_recording (phone->session, recording);
	info = ir_test_phone_identify (phone);
	assert_true (ir_recording_get_n_events (recording) > 10);
	first = ir_recording_get_event (recording, 0);
	assert_int_equal (first->direction, IR_RECORDING_WRITE);
	assert_int_equal (g_bytes_get_size (first->data), 3);
	assert_memory_equal (g_bytes_get_data (first->data, NULL), "AT\r", 3);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_session_silent),
	    cmocka_unit_test (test_session_not_a_phone),
	    cmocka_unit_test (test_session_probe_retried),
	    cmocka_unit_test (test_session_identity_refused),
	    cmocka_unit_test (test_session_unknown_manufacturer),
	    cmocka_unit_test (test_session_identity_confirmed),
	    cmocka_unit_test (test_session_identity_garbled),
	    cmocka_unit_test (test_session_identity_never_agrees),
	    cmocka_unit_test (test_session_manufacturer_garbled),
	    cmocka_unit_test (test_session_write_before_identify),
	    cmocka_unit_test (test_session_write_after_failed_identify),
	    cmocka_unit_test (test_session_read_only_without_cmee),
	    cmocka_unit_test (test_session_open_missing_port),
	    cmocka_unit_test (test_session_open_not_a_tty),
	    cmocka_unit_test (test_session_recording),
	};
	return cmocka_run_group_tests_name ("session", tests, NULL, NULL);
}
