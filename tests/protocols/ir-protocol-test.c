/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"

#define IR_TEST_FAST_TIMEOUT_MS 200

IrSimState *
ir_protocol_test_state_new (const char *family,
			    const char *manufacturer,
			    const char *model,
			    guint n_slots,
			    const char *imei0,
			    const char *imei1)
{
	IrSimState *state = g_new0 (IrSimState, 1);

	state->family = g_strdup (family);
	state->manufacturer = g_strdup (manufacturer);
	state->model = g_strdup (model);
	state->revision = g_strdup ("REV1.0");
	state->serial = g_strdup ("SN0001");
	state->n_slots = n_slots;
	state->imei[0] = g_strdup (imei0);
	state->imei[1] = n_slots > 1 ? g_strdup (imei1) : NULL;
	return state;
}

void
ir_protocol_test_state_free (IrSimState *state)
{
	if (state == NULL)
		return;
	g_free (state->family);
	g_free (state->manufacturer);
	g_free (state->model);
	g_free (state->revision);
	g_free (state->serial);
	g_free (state->hwid);
	for (guint i = 0; i < IR_SIM_MAX_SLOTS; i++)
		g_free (state->imei[i]);
	g_free (state->write_error);
	g_free (state->spc);
	g_clear_pointer (&state->trust_store, ir_trust_store_unref);
	g_clear_pointer (&state->nonce, g_bytes_unref);
	g_free (state);
}

IrTestPhone *
ir_test_phone_new (IrSimState *state)
{
	IrTestPhone *phone = g_new0 (IrTestPhone, 1);
	g_autoptr (GError) error = NULL;

	phone->state = state;
	phone->transport = ir_model_transport_new (state);
	assert_true (ir_transport_open (IR_TRANSPORT (phone->transport), &error));
	phone->session = ir_session_new (IR_TRANSPORT (phone->transport));
	return phone;
}

void
ir_test_phone_free (IrTestPhone *phone)
{
	if (phone == NULL)
		return;
	g_clear_object (&phone->session);
	g_clear_object (&phone->transport);
	ir_protocol_test_state_free (phone->state);
	g_free (phone);
}

char *
ir_protocol_test_info_notes (const IrDeviceInfo *info)
{
	g_autoptr (GString) all = g_string_new (NULL);

	for (guint i = 0; i < info->notes->len; i++)
		g_string_append_printf (
		    all, "%s\n", (const char *)g_ptr_array_index (info->notes, i));
	return g_string_free (g_steal_pointer (&all), FALSE);
}

IrDeviceInfo *
ir_test_phone_identify (IrTestPhone *phone)
{
	g_autoptr (GError) error = NULL;
	IrDeviceInfo *info = ir_session_identify (phone->session, NULL, NULL, &error);

	if (info == NULL)
		fail_msg ("identify failed: %s", error->message);
	return info;
}

IrProfile *
ir_protocol_test_fast_profile (const char *id)
{
	const IrProfile *builtin = ir_profile_lookup (id);
	IrProfile *profile = g_new (IrProfile, 1);

	assert_non_null (builtin);
	*profile = *builtin;
	profile->command_timeout_ms = IR_TEST_FAST_TIMEOUT_MS;
	profile->write_timeout_ms = IR_TEST_FAST_TIMEOUT_MS;
	return profile;
}

void
ir_protocol_test_model_rows (IrSimState *state, const IrTestModelRow *rows, gsize n_rows)
{
	for (gsize i = 0; i < n_rows; i++) {
		g_autoptr (GString) reply = g_string_new (NULL);
		const char *want = rows[i].answer != NULL ? rows[i].answer : "";
		ir_device_model_dispatch (state, rows[i].command, reply);
		if (g_strcmp0 (reply->str, want) != 0) {
			g_autofree char *cmd = g_strescape (rows[i].command, NULL);
			g_autofree char *got = g_strescape (reply->str, NULL);
			g_autofree char *exp = g_strescape (want, NULL);
			fail_msg ("row %" G_GSIZE_FORMAT " \"%s\": got \"%s\", want \"%s\"",
				  i,
				  cmd,
				  got,
				  exp);
		}
	}
}

void
ir_protocol_test_assert_error (const GError *error, int code, const char *needle)
{
	if (error == NULL)
		fail_msg ("expected error %d containing \"%s\", got success", code, needle);
	if (error->domain != IR_ERROR || error->code != code ||
	    strstr (error->message, needle) == NULL)
		fail_msg ("expected error %d containing \"%s\", got %d: %s",
			  code,
			  needle,
			  error->code,
			  error->message);
}

static IrTestPhone *
ir_test_family_phone (const IrTestFamily *f, const char *imei0, const char *imei1)
{
	return ir_test_phone_new (ir_protocol_test_state_new (
	    f->family, f->manufacturer, f->model, f->n_slots, imei0, imei1));
}

static void
ir_test_family_check_identity (const IrTestFamily *f, const IrDeviceInfo *info)
{
	g_autofree char *port = g_strdup_printf ("model:%s", f->family);

	assert_string_equal (info->port, port);
	assert_string_equal (info->manufacturer, f->manufacturer);
	assert_string_equal (info->model, f->model);
	assert_string_equal (info->revision, "REV1.0");
	assert_string_equal (info->serial, "SN0001");
	assert_string_equal (info->family->id, f->family);
	assert_string_equal (info->profile->family, f->family);
	assert_int_equal (info->slots->len, f->n_slots);
}

static const IrImeiSlot *
ir_protocol_test_slot (const IrDeviceInfo *info, guint i)
{
	return g_ptr_array_index (info->slots, i);
}

void
ir_test_family_identify (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);

	ir_test_family_check_identity (f, info);
	assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_A);
	assert_int_equal (ir_protocol_test_slot (info, 0)->status, IR_IMEI_STATUS_VALID);
	assert_non_null (ir_protocol_test_slot (info, 0)->detail);
	if (f->n_slots > 1) {
		assert_int_equal (ir_protocol_test_slot (info, 1)->index, 1);
		assert_string_equal (ir_protocol_test_slot (info, 1)->imei, IR_TEST_IMEI_B);
		assert_int_equal (ir_protocol_test_slot (info, 1)->status, IR_IMEI_STATUS_VALID);
	}
	/* numeric error codes were asked for: the only way to see write-once */
	assert_true (ir_model_transport_saw (phone->transport, "AT+CMEE=1"));
	assert_int_equal (phone->state->cmee, 1);
	assert_false (phone->state->dirty);
}

void
ir_test_family_identify_echo (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (IrDeviceInfo) info = NULL;

	phone->state->echo = TRUE;
	info = ir_test_phone_identify (phone);
	ir_test_family_check_identity (f, info);
	assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_A);
}

void
ir_test_family_factory_default (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_ZERO, NULL);
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);

	assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_ZERO);
	assert_int_equal (ir_protocol_test_slot (info, 0)->status, IR_IMEI_STATUS_FACTORY_DEFAULT);
	if (f->n_slots > 1) {
		assert_null (ir_protocol_test_slot (info, 1)->imei);
		assert_int_equal (ir_protocol_test_slot (info, 1)->status, IR_IMEI_STATUS_EMPTY);
	}
}

static void
ir_test_family_write (IrTestPhone *phone, guint slot, const char *imei, GError **error)
{
	ir_device_info_free (ir_test_phone_identify (phone));
	ir_session_write_imei (phone->session, slot, imei, NULL, error);
}

void
ir_test_family_write_read_back (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone =
	    ir_test_family_phone (f, IR_TEST_IMEI_ZERO, IR_TEST_IMEI_ZERO);
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;
	guint last = f->n_slots - 1;

	ir_test_family_write (phone, last, IR_TEST_IMEI_C, &error);
	assert_null (error);
	assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 1);
	assert_string_equal (phone->state->imei[last], IR_TEST_IMEI_C);
	assert_true (phone->state->dirty);

	info = ir_test_phone_identify (phone);
	assert_string_equal (ir_protocol_test_slot (info, last)->imei, IR_TEST_IMEI_C);
	assert_int_equal (ir_protocol_test_slot (info, last)->status, IR_IMEI_STATUS_VALID);
	if (last > 0)
		assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_ZERO);
}

void
ir_test_family_read_only (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (GError) error = NULL;

	phone->state->read_only[0] = TRUE;
	ir_test_family_write (phone, 0, IR_TEST_IMEI_C, &error);
	ir_protocol_test_assert_error (error, IR_ERROR_READ_ONLY, "write-once");
	assert_non_null (strstr (error->message, "cannot be restored at a service centre"));
	assert_non_null (strstr (error->message, "model:"));
	/* a hard stop: asked once, never again */
	assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 1);
	assert_string_equal (phone->state->imei[0], IR_TEST_IMEI_A);
	assert_false (phone->state->dirty);
}

void
ir_test_family_write_error (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;

	phone->state->write_error = g_strdup ("+CME ERROR: 100");
	ir_test_family_write (phone, 0, IR_TEST_IMEI_C, &error);
	ir_protocol_test_assert_error (error, IR_ERROR_AT_REFUSED, f->write_prefix);
	assert_non_null (strstr (error->message, "model:"));
	assert_string_equal (phone->state->imei[0], IR_TEST_IMEI_A);

	/* plain ERROR too */
	g_free (phone->state->write_error);
	phone->state->write_error = g_strdup ("ERROR");
	ir_test_family_write (phone, 0, IR_TEST_IMEI_C, &error2);
	ir_protocol_test_assert_error (error2, IR_ERROR_AT_REFUSED, f->write_prefix);
	assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 2);
	assert_string_equal (phone->state->imei[0], IR_TEST_IMEI_A);
}

void
ir_test_family_no_stick (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_ZERO, NULL);
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (GError) error = NULL;

	phone->state->no_stick = TRUE;
	ir_test_family_write (phone, 0, IR_TEST_IMEI_C, &error);
	assert_null (error);
	info = ir_test_phone_identify (phone);
	assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_ZERO);
	assert_int_equal (ir_protocol_test_slot (info, 0)->status, IR_IMEI_STATUS_FACTORY_DEFAULT);
}

void
ir_test_family_invalid_imei (void **cstate)
{
	const IrTestFamily *f = *cstate;
	const char *bad[] = {
	    IR_TEST_IMEI_BAD_CD, /* never "fixed" */
	    "49015420323751",	 /* 14 digits */
	    "4901542032375180",	 /* 16 digits */
	    "49015420323751X",
	    "",
	    "490154203237518\"",
	};
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);

	assert_int_equal (info->slots->len, f->n_slots);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr (GError) error = NULL;
		assert_false (ir_session_write_imei (phone->session, 0, bad[i], NULL, &error));
		ir_protocol_test_assert_error (error, IR_ERROR_INVALID_INPUT, "nothing written");
	}
	assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 0);
	assert_string_equal (phone->state->imei[0], IR_TEST_IMEI_A);

	/* a slot the phone does not have: also refused before the phone */
	{
		g_autoptr (GError) error = NULL;
		assert_false (ir_session_write_imei (
		    phone->session, f->n_slots, IR_TEST_IMEI_C, NULL, &error));
		ir_protocol_test_assert_error (error, IR_ERROR_INVALID_INPUT, "no slot");
		assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 0);
	}
}

void
ir_test_family_write_not_retried (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_ZERO, NULL);
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile (f->family);
	const IrFamily *family = ir_family_lookup (f->family);
	IrAtChannel *channel = ir_session_get_channel (phone->session);
	g_autoptr (GError) error = NULL;

	ir_model_transport_drop_next (phone->transport, 1);
	assert_false (family->write_imei (channel, profile, 0, IR_TEST_IMEI_C, NULL, &error));
	ir_protocol_test_assert_error (error, IR_ERROR_TIMEOUT, "did not confirm");
	assert_int_equal (ir_model_transport_count (phone->transport, f->write_prefix), 1);
}

static GPtrArray *
ir_test_family_read (IrTestPhone *phone, const IrTestFamily *f, GError **error)
{
	g_autofree IrProfile *profile = ir_protocol_test_fast_profile (f->family);
	const IrFamily *family = ir_family_lookup (f->family);

	return family->read_imeis (
	    ir_session_get_channel (phone->session), profile, NULL, NULL, error);
}

void
ir_test_family_read_retried (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	struct {
		void (*mangle) (IrModelTransport *self, guint n);
		const char *what;
	} faults[] = {
	    {ir_model_transport_garble_next, "garbled"},
	    {ir_model_transport_drop_next, "lost"},
	    {ir_model_transport_flip_next, "one digit changed"},
	};
	guint sent = 0;

	for (guint i = 0; i < G_N_ELEMENTS (faults); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (GPtrArray) imeis = NULL;
		faults[i].mangle (phone->transport, 1);
		imeis = ir_test_family_read (phone, f, &error);
		if (imeis == NULL)
			fail_msg ("%s answer: %s", faults[i].what, error->message);
		assert_int_equal (imeis->len, f->n_slots);
		assert_string_equal (g_ptr_array_index (imeis, 0), IR_TEST_IMEI_A);
		/* the mangled answer's command was asked twice, every other once */
		sent += f->n_reads + 1;
		assert_int_equal (ir_model_transport_count (phone->transport, f->read_prefix),
				  sent);
	}
}

void
ir_test_family_read_gives_up (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) imeis = NULL;

	/* answers that never arrive (and a phone gone quiet) end the read
	 * after IR_AT_READ_ATTEMPTS commands, naming the timeout */
	ir_model_transport_drop_next (phone->transport, IR_AT_READ_ATTEMPTS);
	imeis = ir_test_family_read (phone, f, &error);
	assert_null (imeis);
	ir_protocol_test_assert_error (error, IR_ERROR_TIMEOUT, "after 3 attempts");
	assert_int_equal (ir_model_transport_count (phone->transport, f->read_prefix), 3);
}

void
ir_test_family_read_never_agrees (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, IR_TEST_IMEI_A, IR_TEST_IMEI_B);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) imeis = NULL;

	ir_model_transport_flip_next (phone->transport, IR_AT_READ_CONFIRM_ATTEMPTS);
	imeis = ir_test_family_read (phone, f, &error);
	assert_null (imeis);
	ir_protocol_test_assert_error (error, IR_ERROR_PROTOCOL, "answered differently 8 times");
	assert_int_equal (ir_model_transport_count (phone->transport, f->read_prefix),
			  IR_AT_READ_CONFIRM_ATTEMPTS);
}

void
ir_test_family_bad_imei_read_thrice (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone =
	    ir_test_family_phone (f, IR_TEST_IMEI_BAD_CD, IR_TEST_IMEI_B);
	g_autoptr (IrDeviceInfo) info = ir_test_phone_identify (phone);

	/* the phone really holds it: said three times, reported as it is */
	assert_string_equal (ir_protocol_test_slot (info, 0)->imei, IR_TEST_IMEI_BAD_CD);
	assert_int_equal (ir_protocol_test_slot (info, 0)->status, IR_IMEI_STATUS_BAD_CHECK_DIGIT);
	assert_int_equal (ir_model_transport_count (phone->transport, f->read_prefix),
			  f->n_reads + 2);
}

void
ir_test_family_shortened_zeros (void **cstate)
{
	const IrTestFamily *f = *cstate;
	g_autoptr (IrTestPhone) phone = ir_test_family_phone (f, "0000000000000", IR_TEST_IMEI_B);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) imeis = ir_test_family_read (phone, f, &error);

	/* what a lossy line makes of the factory default: never taken */
	assert_null (imeis);
	ir_protocol_test_assert_error (error, IR_ERROR_PROTOCOL, "bytes were lost on the way");
	assert_int_equal (ir_model_transport_count (phone->transport, f->read_prefix), 3);
}
