/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

static IrTestPhone *
test_session_phone (void)
{
	return ir_test_phone_new (ir_protocol_test_state_new (
	    "mediatek", "MediaTek Inc.", "MT6765", 2, IR_TEST_IMEI_A, IR_TEST_IMEI_ZERO));
}

/* Nothing comes back: a timeout that says what to check. */
static void
test_session_silent (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_set_mode (phone->transport, IR_MODEL_TRANSPORT_SILENT);
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_protocol_test_assert_error (
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
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_set_mode (phone->transport, IR_MODEL_TRANSPORT_GARBAGE);
	info = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info);
	ir_protocol_test_assert_error (
	    error, IR_ERROR_NOT_A_PHONE, "model:mediatek answers but not as an AT modem");
	/* quotes what it sent, escaped */
	assert_non_null (strstr (error->message, "$GPGGA"));
	assert_false (ir_model_transport_saw (phone->transport, "AT+"));
}

/* A lost first answer is asked again. */
static void
test_session_probe_retried (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
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

/* Identity reads a phone refuses in both forms are left out, not fatal,
 * and said so in the notes. */
static void
test_session_identity_refused (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autofree char *notes = NULL;
	const IrImeiSlot *slot;

	ir_model_transport_refuse (phone->transport, "AT+CMEE=1");
	ir_model_transport_refuse (phone->transport, "AT+CGMR");
	ir_model_transport_refuse (phone->transport, "AT+GMR");
	ir_model_transport_refuse (phone->transport, "AT+CGSN=0");
	info = ir_test_phone_identify (phone);
	assert_null (info->revision);
	assert_null (info->serial);
	notes = ir_protocol_test_info_notes (info);
	assert_non_null (
	    strstr (notes, "revision not read: AT+CGMR on model:mediatek was refused"));
	assert_non_null (strstr (notes, "AT+GMR on model:mediatek was refused"));
	assert_non_null (strstr (notes, "serial number not read: AT+CGSN=0"));
	assert_string_equal (info->manufacturer, "MediaTek Inc.");
	assert_string_equal (info->profile->id, "mediatek");
	slot = g_ptr_array_index (info->slots, 1);
	assert_int_equal (slot->status, IR_IMEI_STATUS_FACTORY_DEFAULT);
	assert_int_equal (phone->state->cmee, 0);
}

/* Each 27.007 identity read falls back to its V.250 form. */
static void
test_session_identity_v250_fallback (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CGMI");
	ir_model_transport_refuse (phone->transport, "AT+CGMM");
	ir_model_transport_refuse (phone->transport, "AT+CGMR");
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->manufacturer, "MediaTek Inc.");
	assert_string_equal (info->model, "MT6765");
	assert_non_null (info->revision);
	assert_string_equal (info->profile->id, "mediatek");
	assert_int_equal (info->notes->len, 0);
}

/* Without a manufacturer the globs cannot match: 3gpp reads it, and the
 * second slot a dual-SIM phone may have is not dropped without a word. */
static void
test_session_unknown_manufacturer (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autofree char *notes = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CGMI");
	ir_model_transport_refuse (phone->transport, "AT+GMI");
	info = ir_test_phone_identify (phone);
	assert_null (info->manufacturer);
	assert_string_equal (info->profile->id, "3gpp");
	assert_int_equal (info->slots->len, 1);
	assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
			     IR_TEST_IMEI_A);
	notes = ir_protocol_test_info_notes (info);
	assert_non_null (strstr (notes, "manufacturer not read"));
	assert_non_null (strstr (notes, "if this is a dual-SIM phone, its second IMEI"));
	assert_false (info->can_write);
}

/* On a clean line every identity value is read once: the whole identify
 * of a two-slot MediaTek phone is the minimal sequence, and its IMEISV
 * (16 hex-looking digits) costs no +CSCS? question. */
static void
test_session_clean_line_reads_once (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	const char *const expected[] = {"AT",
					"ATE0V1Q0",
					"AT+CMEE=1",
					"AT+CGMI",
					"AT+CGMM",
					"AT+CGMR",
					"AT+CGSN=0",
					"AT+CGSN=2",
					"AT+EGMR=0,7",
					"AT+EGMR=0,10"};
	GPtrArray *sent = ir_model_transport_get_commands (phone->transport);

	assert_int_equal (sent->len, G_N_ELEMENTS (expected));
	for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
		assert_string_equal (g_ptr_array_index (sent, i), expected[i]);
	assert_true (info->can_write);
	assert_int_equal (info->notes->len, 0);
}

/* A +CGMI garbled into another name that matches no profile is confirmed
 * before the phone is taken for one no driver knows. */
static void
test_session_identity_confirmed (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	ir_model_transport_corrupt_once (phone->transport, "AT+CGMI");
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->manufacturer, "MediaTek Inc.");
	assert_string_equal (info->profile->id, "mediatek");
	/* "NediaTek Inc.", then "MediaTek Inc." twice */
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMI"), 3);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMM"), 1);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMR"), 1);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGSN=0"), 1);
}

/* Broken UTF-8 in an identity string is garble (the AT parser already
 * drops control bytes): asked again. */
static void
test_session_identity_garbled (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;

	g_free (phone->state->revision);
	phone->state->revision = g_strdup ("REV\xff");
	info = ir_test_phone_identify (phone);
	/* the phone always says so: after three tries of each form it is left out */
	assert_null (info->revision);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMR"), 3);
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+GMR"), 3);
	assert_string_equal (info->family->id, "mediatek");
}

/* A +CGMI that never arrives clean chooses no driver on a guess: the
 * IMEI is read the 27.007 way, nothing can be written, and the notes say
 * the manufacturer could not be read. The phone says the same bad bytes
 * every time, so the notes do not blame the cable (issue 10: "garbled"
 * only when the answers differ; the next test has them differ). */
static void
test_session_manufacturer_garbled (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autofree char *notes = NULL;

	g_free (phone->state->manufacturer);
	phone->state->manufacturer = g_strdup ("Media\xffTek");
	info = ir_test_phone_identify (phone);
	assert_null (info->manufacturer);
	assert_string_equal (info->profile->id, "3gpp");
	assert_false (info->can_write);
	notes = ir_protocol_test_info_notes (info);
	assert_non_null (strstr (notes, "the same answer every time"));
	assert_null (strstr (notes, "garbled or"));
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR"));
}

/* A +CGMI that never reads the same twice chooses no driver: "garbled"
 * is said because the answers differed. */
static void
test_session_identity_never_agrees (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autofree char *notes = NULL;

	/* the transport changes the first letter of every answer to AT+CGMI,
	 * differently each time: N, O, P, ... */
	for (guint i = 0; i < 2 * IR_AT_READ_CONFIRM_ATTEMPTS + 1; i++)
		ir_model_transport_corrupt_once (phone->transport, "AT+CGMI");
	ir_model_transport_refuse (phone->transport, "AT+GMI");
	info = ir_test_phone_identify (phone);
	assert_null (info->manufacturer);
	assert_string_equal (info->profile->id, "3gpp");
	notes = ir_protocol_test_info_notes (info);
	assert_non_null (strstr (notes, "AT+CGMI on model:mediatek answered differently 8 times"));
	/* once, then 8 tries to confirm */
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+CGMI"),
			  1 + IR_AT_READ_CONFIRM_ATTEMPTS);
}

static void
test_session_write_before_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (GError) error = NULL;

	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_FAILED, "identify the phone before writing");
	assert_int_equal (ir_model_transport_get_commands (phone->transport)->len, 0);
}

/* A failed identify forgets the family: no write on a guess. */
static void
test_session_write_after_failed_identify (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);
	g_autoptr (IrDeviceInfo) info2 = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;

	assert_string_equal (info->family->id, "mediatek");

	ir_model_transport_set_mode (phone->transport, IR_MODEL_TRANSPORT_SILENT);
	info2 = ir_session_identify (phone->session, NULL, NULL, &error);
	assert_null (info2);
	ir_protocol_test_assert_error (error, IR_ERROR_TIMEOUT, "no answer on model:mediatek");
	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error2));
	ir_protocol_test_assert_error (
	    error2, IR_ERROR_FAILED, "identify the phone before writing");
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR=1"));
}

/* A vendor read the firmware refuses does not fail the identify: the
 * 27.007 read gives the IMEI, and the write is shown as not available. */
static void
test_session_vendor_refused_falls_back (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *notes = NULL;

	ir_model_transport_refuse (phone->transport, "AT+EGMR=0,7");
	info = ir_test_phone_identify (phone);
	assert_string_equal (info->family->id, "mediatek");
	assert_string_equal (info->read_family->id, "3gpp");
	assert_int_equal (info->slots->len, 1);
	assert_string_equal (((IrImeiSlot *)g_ptr_array_index (info->slots, 0))->imei,
			     IR_TEST_IMEI_A);
	assert_false (info->can_write);
	assert_non_null (strstr (info->write_support, "disabled in this firmware"));
	notes = ir_protocol_test_info_notes (info);
	assert_non_null (strstr (notes, "AT+EGMR=0,7 on model:mediatek was refused"));
	assert_non_null (strstr (notes, "IMEI slot 2 not read"));
	assert_false (ir_session_write_imei (phone->session, 0, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_NOT_SUPPORTED, "disabled in this firmware");
	assert_false (ir_model_transport_saw (phone->transport, "AT+EGMR=1"));
}

/* Without numeric codes a write-once slot cannot be told apart: it is an
 * ordinary refusal then, still not retried. */
static void
test_session_read_only_without_cmee (void **cstate)
{
	g_autoptr (IrTestPhone) phone = test_session_phone ();
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;

	ir_model_transport_refuse (phone->transport, "AT+CMEE=1");
	phone->state->read_only[1] = TRUE;
	info = ir_test_phone_identify (phone);
	assert_false (ir_session_write_imei (phone->session, 1, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_AT_REFUSED, "AT+EGMR=1,10");
	assert_int_equal (ir_model_transport_count (phone->transport, "AT+EGMR=1"), 1);
	assert_string_equal (phone->state->imei[1], IR_TEST_IMEI_ZERO);
}

static void
test_session_open_missing_port (void **cstate)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSession) session = ir_session_open ("/dev/imeirestore-no-such-port", &error);

	assert_null (session);
	ir_protocol_test_assert_error (error, IR_ERROR_NOT_FOUND, "/dev/imeirestore-no-such-port");
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
	g_autoptr (IrTestPhone) phone = test_session_phone ();
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
	    cmocka_unit_test (test_session_identity_v250_fallback),
	    cmocka_unit_test (test_session_clean_line_reads_once),
	    cmocka_unit_test (test_session_vendor_refused_falls_back),
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
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("session", tests, NULL, NULL);
}
