/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-answer-script.h"
#include "ir-protocol-test.h"
#include "ir-protocols.h"
#include "ir-transport-script.h"

/* The classes of issue 10 (phones that answer sensibly, not as our own
 * simulator does) as session table rows: each row is a phone written as
 * an answer script (docs/answer-script.md) and played in process through
 * ir_session_identify(), with what identify must make of it. Commands a
 * row does not list are answered ERROR. The corpus of real devices
 * (tests/data/real/, integration-real-corpus) covers the same ground
 * through imeictl; these rows pin each class on its own. */

#define A IR_TEST_IMEI_A
/* A in +CSCS="UCS2" and in +CSCS="HEX" (27.007 §5.5) */
#define A_UCS2 "003400390030003100350034003200300033003200330037003500310038"
#define A_HEX  "343930313534323033323337353138"

#define HEAD	 "# source: test row\n# device: test row\n> AT\n< OK\n"
#define MEDIATEK "> AT+CGMI\n< MediaTek Inc.\n< OK\n> AT+CGMM\n< MT6765\n< OK\n"
#define TELIT	 "> AT+CGMI\n< Telit\n< OK\n> AT+CGMM\n< LE910C1-EU\n< OK\n"
#define CGSN1_A	 "> AT+CGSN=1\n< +CGSN: \"" A "\"\n< OK\n"

/* A silent command waits this long: the rows stay fast under ASan too. */
#define TEST_SESSION_QUIRKS_TIMEOUT_MS 100

typedef struct {
	const char *name;
	const char *script; /* after HEAD */
	/* success: */
	const char *family;    /* the profile's family */
	const char *read_with; /* the family that read the IMEIs */
	gboolean can_write;
	guint n_slots;
	const char *imei;    /* slot 1 */
	IrImeiStatus status; /* slot 1 */
	const char *detail;  /* slot 1's detail contains it, or NULL */
	const char *note;    /* one note contains it, or NULL */
	/* failure (error_code != 0): */
	int error_code;
	const char *error; /* the message contains it */
	/* how often a command was sent (0 and NULL: not checked) */
	const char *asked;
	guint asked_times;
	/* the command(s) whose answer gave the IMEIs, or NULL: not checked */
	const char *read_command;
} TestSessionQuirksRow;

/* clang-format off */
static const TestSessionQuirksRow test_session_quirks_rows[] = {
    /* 1. the vendor read refused: 27.007 reads, the write said impossible */
    {"vendor-refused", MEDIATEK "> AT+EGMR=0,7\n< +CME ERROR: 4\n" CGSN1_A,
     "mediatek", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, "IMEI slot 2 not read"},
    {"vendor-silent", MEDIATEK "> AT+EGMR=0,7\n! silent\n" CGSN1_A,
     "mediatek", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, "IMEI slot 2 not read"},
    /* 2. character sets: the IMEI decoded, never 60 "malformed" digits */
    {"charset-ucs2", TELIT "> AT+CSCS?\n< +CSCS: \"UCS2\"\n< OK\n"
     "> AT+CGSN=1\n< +CGSN: \"" A_UCS2 "\"\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL},
    {"charset-hex", TELIT "> AT+CSCS?\n< +CSCS: \"HEX\"\n< OK\n"
     "> AT+CGSN=1\n< +CGSN: \"" A_HEX "\"\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL},
    /* a run of digits of the wrong length: shown with the phone's answer */
    {"wrong-length", TELIT "> AT+CGSN=1\n< +CGSN: \"49015420323751\"\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, "49015420323751", IR_IMEI_STATUS_MALFORMED,
     "the phone answered \"49015420323751\"", NULL},
    /* 3. V.250: left in ATV0 (numeric codes) until ATE0V1Q0 */
    {"v0-numeric", "> AT\n<< 0\\r\n> ATE0V1Q0\n<< 0\\r\n" MEDIATEK
     "> AT+EGMR=0,7\n< +EGMR: \"" A "\"\n< OK\n"
     "> AT+EGMR=0,10\n< +EGMR: \"" A "\"\n< OK\n",
     "mediatek", "mediatek", TRUE, 2, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL, NULL, 0,
     "AT+EGMR=0,7, AT+EGMR=0,10"},
    /* call progress in the middle of a read: asked again, not "refused" */
    {"ring-no-carrier", TELIT "> AT+CGSN=1\n< RING\n< NO CARRIER\n" CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 2},
    {"clip-error", TELIT "> AT+CGSN=1\n< RING\n< +CLIP: \"+15551234567\",145\n< ERROR\n" CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 2},
    {"busy", TELIT "> AT+CGSN=1\n< BUSY\n" CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 2},
    {"no-answer", TELIT "> AT+CGSN=1\n< NO ANSWER\n" CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 2},
    /* non-standard finals are refusals: the next form, not asked again */
    {"modem-error", TELIT "> AT+CGSN=1\n< MODEM ERROR: 4\n> AT+CGSN\n< " A "\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 1},
    {"na", TELIT "> AT+CGSN=1\n< NA\n> AT+CGSN\n< " A "\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 1},
    /* a timeout on one form moves on to the next, at once (the next form
     * is the retry); it never ends the chain, and which form answered is
     * said */
    {"silent-cgsn1", TELIT "> AT+CGSN=1\n! silent\n> AT+CGSN\n< " A "\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL,
     "IMEI read with AT+CGSN: AT+CGSN=1 on ", 0, NULL, "AT+CGSN=1", 1, "AT+CGSN"},
    {"silent-to-gsn", TELIT "> AT+CGSN=1\n! silent\n> AT+CGSN\n! silent\n"
     "> AT+GSN\n< " A "\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, "AT+CGSN on ", 0, NULL,
     "AT+CGSN", 1, "AT+GSN"},
    /* the last form has no fallback: silence there is asked again */
    {"silent-gsn-retried", TELIT "> AT+CGSN=1\n! silent\n> AT+CGSN\n! silent\n"
     "> AT+GSN\n! silent\n> AT+GSN\n< " A "\n< OK\n",
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+GSN", 2, "AT+GSN"},
    /* the first form answered: nothing passed over, no note */
    {"cgsn1-answers", TELIT CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL, NULL, 0, NULL,
     "AT+CGSN=1", 1, "AT+CGSN=1"},
    /* each identity read has its V.250 fallback, whatever the refusal */
    {"cgmi-modem-error-gmi", "> AT+CGMI\n< MODEM ERROR: 4\n> AT+GMI\n< MediaTek Inc.\n< OK\n"
     "> AT+CGMM\n< MT6765\n< OK\n"
     "> AT+EGMR=0,7\n< +EGMR: \"" A "\"\n< OK\n"
     "> AT+EGMR=0,10\n< +EGMR: \"" A "\"\n< OK\n",
     "mediatek", "mediatek", TRUE, 2, A, IR_IMEI_STATUS_VALID, NULL, NULL},
    /* no manufacturer: one IMEI, and the second slot is not dropped unsaid */
    {"unknown-manufacturer", CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL,
     "only one IMEI can be read over 27.007"},
    /* 4. honest diagnoses: a consistent answer that is no IMEI */
    {"esn-no-imei", TELIT "> AT+CGSN\n< 0x3B0C4B98\n< OK\n",
     NULL, NULL, FALSE, 0, NULL, 0, NULL, NULL,
     IR_ERROR_NOT_SUPPORTED, "this phone reports no IMEI over AT: the IMEI read answered "
     "\"0x3B0C4B98\""},
    /* a call that cuts off every answer is said so, not "check the cable" */
    {"ring-every-time", TELIT "> AT+CGSN=1\n< RING\n< NO CARRIER\n"
     "> AT+CGSN\n< RING\n< NO CARRIER\n> AT+GSN\n< RING\n< NO CARRIER\n",
     NULL, NULL, FALSE, 0, NULL, 0, NULL, NULL,
     IR_ERROR_PROTOCOL, "no form of the 27.007 IMEI read worked: after 3 attempts, a call "
     "interrupted every answer (reject the incoming call"},
    {"ring-identity-note", "> AT+CGMI\n< Telit\n< OK\n> AT+CGMM\n< RING\n< BUSY\n"
     "> AT+GMM\n< RING\n< BUSY\n" CGSN1_A,
     "3gpp", "3gpp", FALSE, 1, A, IR_IMEI_STATUS_VALID, NULL,
     "a call interrupted every answer"},
    /* every form answered OK with no IMEI in it, the same every time: the
     * phone answers so; neither "garbled" nor "switched on" */
    {"imei-ok-only", TELIT "> AT+CGSN=1\n< OK\n> AT+CGSN\n< OK\n> AT+GSN\n< OK\n",
     NULL, NULL, FALSE, 0, NULL, 0, NULL, NULL,
     IR_ERROR_PROTOCOL, "after 3 attempts, the same answer every time (the phone answers so"},
    /* unreadable answers that differ: that is a garbling line */
    {"imei-unreadable-differs", TELIT "> AT+CGSN=1\n< OK\n"
     "> AT+CGSN=1\n< +CGSN: \"0000000000000\"\n< OK\n",
     NULL, NULL, FALSE, 0, NULL, 0, NULL, NULL,
     IR_ERROR_PROTOCOL, "the answers still arrive garbled or interrupted (check the cable"},
    /* every form refused: each named, no "garbled", no "switched on" */
    {"imei-refused", TELIT,
     NULL, NULL, FALSE, 0, NULL, 0, NULL, NULL,
     IR_ERROR_AT_REFUSED, "no form of the 27.007 IMEI read worked: AT+CGSN=1 on "},
};
/* clang-format on */

static void
test_session_quirks_check_info (const TestSessionQuirksRow *row, const IrDeviceInfo *info)
{
	g_autofree char *notes = ir_protocol_test_info_notes (info);
	const IrImeiSlot *slot;

	if (g_strcmp0 (info->family->id, row->family) != 0 ||
	    g_strcmp0 (info->read_family->id, row->read_with) != 0 ||
	    info->slots->len != row->n_slots)
		fail_msg ("%s: family %s, read with %s, %u slots; notes: %s",
			  row->name,
			  info->family->id,
			  info->read_family->id,
			  info->slots->len,
			  notes);
	assert_int_equal (info->can_write, row->can_write);
	slot = g_ptr_array_index (info->slots, 0);
	if (g_strcmp0 (slot->imei, row->imei) != 0 || slot->status != row->status)
		fail_msg ("%s: slot 1 is %s (%s)", row->name, slot->imei, slot->detail);
	if (row->detail != NULL && strstr (slot->detail, row->detail) == NULL)
		fail_msg ("%s: slot 1's detail \"%s\" lacks \"%s\"",
			  row->name,
			  slot->detail,
			  row->detail);
	if (row->note != NULL && strstr (notes, row->note) == NULL)
		fail_msg ("%s: no note says \"%s\": %s", row->name, row->note, notes);
	if (row->read_command != NULL && g_strcmp0 (info->read_command, row->read_command) != 0)
		fail_msg ("%s: read with %s, expected %s",
			  row->name,
			  info->read_command,
			  row->read_command);
}

static void
test_session_quirks_row (const TestSessionQuirksRow *row)
{
	g_autofree char *text = g_strconcat (HEAD, row->script, NULL);
	g_autoptr (GError) error = NULL;
	IrAnswerScript *script = ir_answer_script_parse (text, row->name, &error);
	g_autoptr (IrTransport) transport = NULL;
	g_autoptr (IrSession) session = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;

	if (script == NULL)
		fail_msg ("%s: %s", row->name, error->message);
	transport = ir_transport_script_new_for_script (script, row->name);
	assert_true (ir_transport_open (transport, &error));
	session = ir_session_new (transport);
	ir_session_set_protocol (session, IR_SESSION_PROTOCOL_AT);
	ir_session_set_timeout_limit (session, TEST_SESSION_QUIRKS_TIMEOUT_MS);
	info = ir_session_identify (session, NULL, NULL, &error);
	if (row->error_code != 0) {
		if (info != NULL)
			fail_msg ("%s: identified, expected an error", row->name);
		ir_protocol_test_assert_error (error, row->error_code, row->error);
		/* "garbled" only where the row expects it (answers that differ) */
		if (strstr (row->error, "garbled") == NULL)
			assert_null (strstr (error->message, "garbled"));
		assert_null (strstr (error->message, "switched on"));
	} else {
		if (info == NULL)
			fail_msg ("%s: %s", row->name, error->message);
		test_session_quirks_check_info (row, info);
	}
	if (row->asked != NULL) {
		guint asked =
		    ir_transport_script_get_asked (IR_TRANSPORT_SCRIPT (transport), row->asked);
		if (asked != row->asked_times)
			fail_msg ("%s: %s sent %u times, expected %u",
				  row->name,
				  row->asked,
				  asked,
				  row->asked_times);
	}
}

static void
test_session_quirks_table (void **cstate)
{
	for (guint i = 0; i < G_N_ELEMENTS (test_session_quirks_rows); i++)
		test_session_quirks_row (&test_session_quirks_rows[i]);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_session_quirks_table),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("session-quirks", tests, NULL, NULL);
}
