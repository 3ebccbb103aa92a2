/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "ir-protocols.h"

#define HEAD "[Profile]\nName=Test\nFamily=mediatek\n"

/* Good and bad profiles in one table: NULL @error means it parses. */
static const struct {
	const char *data;
	const char *error;
} ir_test_parse_rows[] = {
    {HEAD "UsbIds=0e8d:2000;\nSlots=2\n", NULL},
    {HEAD "Manufacturer=*MediaTek*\nSlots=1\n", NULL},
    {HEAD "UsbIds=0e8d:*;\nSlots=2\nCommandTimeoutMs=100\nWriteTimeoutMs=120000\nPriority=-5\n",
     NULL},
    {"# only a comment\n", "no [Profile] group"},
    {"", "no [Profile] group"},
    {"Name=x\n", "not a key file"},
    {"[Profile\nName=x\n", "not a key file"},
    {"\xff\xfe[Profile]\n", "not a key file"},
    {HEAD "Slots=1\nUsbIds=0e8d:*\n[Extra]\nA=b\n", "unknown group [Extra]"},
    {HEAD "Slots=1\nUsbIds=0e8d:*\nSlot=1\n", "unknown key Slot"},
    /* a translated name is fine (po/ has hi) */
    {HEAD "Slots=1\nUsbIds=0e8d:*\nName[hi]="
	  "\xe0\xa4\x9f\xe0\xa5\x87\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\x9f\n",
     NULL},
    {"[Profile]\nFamily=mediatek\nSlots=1\nUsbIds=0e8d:*\n", "Name is missing"},
    {"[Profile]\nName=\nFamily=mediatek\nSlots=1\nUsbIds=0e8d:*\n", "Name is missing"},
    {"[Profile]\nName=x\nSlots=1\nUsbIds=0e8d:*\n", "Family is missing"},
    {"[Profile]\nName=x\nFamily=nokia\nSlots=1\nUsbIds=0e8d:*\n",
     "Family=nokia is not a protocol family (known: 3gpp, mediatek"},
    {"[Profile]\nName=x\nFamily=MediaTek\nSlots=1\nUsbIds=0e8d:*\n", "Family=MediaTek is not"},
    {HEAD "Slots=1\nUsbIds=0e8d\n", "'0e8d' is not VVVV:PPPP"},
    {HEAD "Slots=1\nUsbIds=0e8d:20000\n", "'0e8d:20000' is not"},
    {HEAD "Slots=1\nUsbIds=e8d:2000\n", "'e8d:2000' is not"},
    {HEAD "Slots=1\nUsbIds=zzzz:2000\n", "'zzzz:2000' is not"},
    {HEAD "Slots=1\nUsbIds=0e8d:+200\n", "'0e8d:+200' is not"},
    {HEAD "Slots=1\nUsbIds=0e8d:2000:1\n", "is not VVVV:PPPP"},
    {HEAD "Slots=1\nUsbIds=0e8d:**\n", "'0e8d:**' is not"},
    {HEAD "Slots=1\nUsbIds=0000:2000\n", "vendor id 0000"},
    {HEAD "Slots=1\nUsbIds=0e8d:0000\n", "write 0e8d:* for any product"},
    {HEAD "Slots=1\n", "neither UsbIds nor Manufacturer"},
    {HEAD "Slots=1\nUsbIds=\n", "neither UsbIds nor Manufacturer"},
    {HEAD "Slots=1\nManufacturer=\n", "Manufacturer has no pattern"},
    {HEAD "Slots=1\nManufacturer=a;;b\n", "Manufacturer has an empty pattern"},
    {HEAD "Slots=1\nManufacturer=a\nModel=;\n", "Model has an empty pattern"},
    {HEAD "UsbIds=0e8d:*\n", "Slots is missing"},
    {HEAD "UsbIds=0e8d:*\nSlots=0\n", "Slots=0: not a whole number from 1 to 2"},
    {HEAD "UsbIds=0e8d:*\nSlots=3\n", "Slots=3"},
    {HEAD "UsbIds=0e8d:*\nSlots=2x\n", "Slots=2x"},
    {HEAD "UsbIds=0e8d:*\nSlots=\n", "Slots="},
    {HEAD "UsbIds=0e8d:*\nSlots=1\nCommandTimeoutMs=99\n",
     "CommandTimeoutMs=99: not a whole number from 100 to 120000"},
    {HEAD "UsbIds=0e8d:*\nSlots=1\nWriteTimeoutMs=1e4\n", "WriteTimeoutMs=1e4"},
    {HEAD "UsbIds=0e8d:*\nSlots=1\nPriority=high\n", "Priority=high"},
    {HEAD "UsbIds=0e8d:*\nSlots=1\nPriority=1001\n", "Priority=1001"},
};

static void
test_profile_parse (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_test_parse_rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (IrProfile) profile =
		    ir_profile_parse ("test",
				      ir_test_parse_rows[i].data,
				      strlen (ir_test_parse_rows[i].data),
				      &error);
		if (ir_test_parse_rows[i].error == NULL) {
			if (profile == NULL)
				fail_msg ("row %u: %s", i, error->message);
			continue;
		}
		if (profile != NULL)
			fail_msg ("row %u parsed, expected \"%s\"", i, ir_test_parse_rows[i].error);
		ir_protocol_test_assert_error (
		    error, IR_ERROR_INVALID_INPUT, ir_test_parse_rows[i].error);
		/* every message names the profile */
		assert_true (g_str_has_prefix (error->message, "profile test"));
	}
}

static void
test_profile_parse_values (void **cstate)
{
	static const char data[] = "[Profile]\nName=Phone\nFamily=unisoc\n"
				   "UsbIds=1782:4d00;1782:*;\nManufacturer=*Unisoc*;*SPRD*;\n"
				   "Slots=2\nCommandTimeoutMs=2500\nPriority=7\n";
	g_autoptr (GError) error = NULL;
	g_autoptr (IrProfile) profile = ir_profile_parse ("phone", data, sizeof (data) - 1, &error);

	assert_non_null (profile);
	assert_string_equal (profile->id, "phone");
	assert_string_equal (profile->name, "Phone");
	assert_string_equal (profile->family, "unisoc");
	assert_int_equal (profile->usb_ids->len, 2);
	assert_int_equal (g_array_index (profile->usb_ids, guint32, 0), 0x17824d00);
	assert_int_equal (g_array_index (profile->usb_ids, guint32, 1),
			  0x17820000 | IR_PROFILE_USB_ANY_PID);
	assert_int_equal (g_strv_length (profile->manufacturer_globs), 2);
	/* Model defaults to anything */
	assert_string_equal (profile->model_globs[0], "*");
	assert_null (profile->model_globs[1]);
	assert_int_equal (profile->slots, 2);
	assert_int_equal (profile->command_timeout_ms, 2500);
	assert_int_equal (profile->write_timeout_ms, 10000);
	assert_int_equal (profile->priority, 7);
}

/* Every built-in profile parses (a broken one would be a critical, fatal
 * here) and names a family this build has. */
static void
test_profile_builtin (void **cstate)
{
	/* in resource name order */
	static const char *ids[] = {
	    "3gpp", "mediatek", "qualcomm", "quectel", "secure-restore-v1", "simcom", "unisoc"};
	GPtrArray *profiles = ir_profile_get_all ();

	assert_int_equal (profiles->len, G_N_ELEMENTS (ids));
	for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
		const IrProfile *profile = ir_profile_lookup (ids[i]);
		assert_non_null (profile);
		assert_ptr_equal (profile, g_ptr_array_index (profiles, i));
		assert_string_equal (profile->family, ids[i]);
		assert_non_null (ir_family_lookup (profile->family));
		assert_true (profile->slots >= 1 && profile->slots <= IR_PROFILE_MAX_SLOTS);
	}
	assert_null (ir_profile_lookup ("nokia"));
	assert_ptr_equal (ir_profile_get_all (), profiles);
	assert_int_equal (ir_profile_lookup ("mediatek")->slots, 2);
	assert_int_equal (ir_profile_lookup ("unisoc")->slots, 2);
	assert_int_equal (ir_profile_lookup ("simcom")->slots, 1);
	assert_int_equal (ir_profile_lookup ("secure-restore-v1")->slots, 2);
	assert_int_equal (ir_profile_lookup ("qualcomm")->slots, 2);
	assert_null (ir_family_lookup ("nokia"));
	/* a DIAG profile only for a port found to speak DIAG: its USB id
	 * never hands an AT port to the DIAG driver */
	assert_string_equal (ir_profile_match (0x05c6, 0x9091, "Qualcomm", "X55")->family, "3gpp");
	assert_string_equal (
	    ir_profile_match_family (0x05c6, 0x9091, "Qualcomm", "X55", "qualcomm")->id,
	    "qualcomm");
	assert_string_equal (ir_profile_guess_binary_family (0x05c6, 0x9091), "qualcomm");
	assert_null (ir_profile_guess_binary_family (0x05c6, 0x1234));
	assert_null (ir_profile_guess_binary_family (0x0e8d, 0x2000));
}

static const struct {
	guint16 vid;
	guint16 pid;
	const char *manufacturer;
	const char *model;
	const char *profile;
} ir_test_match_rows[] = {
    /* USB ids alone */
    {0x0e8d, 0x2000, NULL, NULL, "mediatek"},
    {0x2c7c, 0x0125, NULL, NULL, "quectel"},
    {0x2c7c, 0x9999, NULL, NULL, "quectel"},
    {0x1e0e, 0x9001, NULL, NULL, "simcom"},
    {0x1782, 0x4d00, NULL, NULL, "unisoc"},
    /* USB id beats the manufacturer's words */
    {0x2c7c, 0x0125, "MediaTek Inc.", "MT6765", "quectel"},
    {0x0e8d, 0x2000, "SIMCOM INCORPORATED", "SIM7600", "mediatek"},
    {0x1e0e, 0x9001, "Quectel", "EC25", "simcom"},
    /* globs, case-insensitive */
    {0, 0, "MediaTek Inc.", "MT6765", "mediatek"},
    {0, 0, "MEDIATEK", "x", "mediatek"},
    {0, 0, "mtk", "x", "mediatek"},
    {0, 0, "quectel", "EC25", "quectel"},
    {0, 0, "Quectel_Ltd", "EG95", "quectel"},
    {0, 0, "SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", "simcom"},
    {0, 0, "simcom_ltd", "SIM7070", "simcom"},
    {0, 0, "UNISOC", "T606", "unisoc"},
    {0, 0, "Spreadtrum Communications", "SC9863A", "unisoc"},
    {0, 0, "sprd", "x", "unisoc"},
    /* this project's secure reference phone, and only it */
    {0, 0, "imeirestore reference phone", "SR1", "secure-restore-v1"},
    {0, 0, "IMEIRESTORE REFERENCE PHONE rev B", "x", "secure-restore-v1"},
    {0, 0, "imeirestore", "SR1", "3gpp"},
    {0x0e8d, 0x2000, "imeirestore reference phone", "SR1", "mediatek"},
    /* an unknown USB id falls to the globs */
    {0x1234, 0x5678, "Spreadtrum", "SC9863A", "unisoc"},
    /* anything else: the 3gpp fallback */
    {0, 0, "Acme Phones", "A100", "3gpp"},
    {0, 0, NULL, NULL, "3gpp"},
    {0, 0, "", "", "3gpp"},
    {0x1234, 0x5678, "Acme", "A1", "3gpp"},
    {0, 0, "Media Tek", "x", "3gpp"},
    {0, 0, "\xff\xfe\x80", "\xc3", "3gpp"},
};

static void
test_profile_match (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (ir_test_match_rows); i++) {
		const IrProfile *profile = ir_profile_match (ir_test_match_rows[i].vid,
							     ir_test_match_rows[i].pid,
							     ir_test_match_rows[i].manufacturer,
							     ir_test_match_rows[i].model);
		assert_non_null (profile);
		if (g_strcmp0 (profile->id, ir_test_match_rows[i].profile) != 0)
			fail_msg ("row %u: %04x:%04x \"%s\" matched %s, want %s",
				  i,
				  ir_test_match_rows[i].vid,
				  ir_test_match_rows[i].pid,
				  ir_test_match_rows[i].manufacturer,
				  profile->id,
				  ir_test_match_rows[i].profile);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_profile_parse),
	    cmocka_unit_test (test_profile_parse_values),
	    cmocka_unit_test (test_profile_builtin),
	    cmocka_unit_test (test_profile_match),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("profile", tests, NULL, NULL);
}
