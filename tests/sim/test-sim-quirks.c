/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-sim-config.h"
#include "sim-test-host.h"
#include "sim-test-phone.h"

/* The real phones' quirks of imei-sim (src/sim/ir-sim-quirks.c), byte for
 * byte on a real pseudo-terminal: each row is a phone's settings, the
 * commands a host sends, and the exact answer to the last one. */

#define TEST_SIM_QUIRKS_FIRST_MS 3000
#define TEST_SIM_QUIRKS_QUIET_MS 100
#define TEST_SIM_QUIRKS_IMEI	 "490154203237518"
/* "490154203237518" in UCS2 (27.007 §5.5: four hex digits a character) */
#define TEST_SIM_QUIRKS_IMEI_UCS2 "003400390030003100350034003200300033003200330037003500310038"
#define TEST_SIM_QUIRKS_CLIP	  "\r\nRING\r\n\r\n+CLIP: \"+919876543210\",145,,,,0\r\n"

typedef struct {
	const char *name;
	const char *settings[12]; /* key, value, ...; NULL-terminated */
	const char *commands[4];  /* sent in order; the last one's answer is checked */
	const char *answer;
} TestSimQuirksRow;

/* clang-format off */
static const TestSimQuirksRow test_sim_quirks_rows[] = {
    /* ATV0: numeric result codes, information text without a leading CR LF */
    {"v0-ok", {"family", "3gpp", "echo", "false", "result-codes", "numeric", NULL},
     {"AT"}, "0\r"},
    {"v0-text", {"family", "3gpp", "echo", "false", "result-codes", "numeric", NULL},
     {"AT+CGMI"}, "Telit\r\n0\r"},
    {"v0-error", {"family", "3gpp", "echo", "false", "result-codes", "numeric", NULL},
     {"AT+NOSUCH"}, "4\r"},
    /* ATV1 among others on one line (ModemManager's ATE0V1Q0) */
    {"v0-then-v1", {"family", "3gpp", "echo", "false", "result-codes", "numeric", NULL},
     {"ATE0V1Q0", "AT"}, "\r\nOK\r\n"},
    {"compound-basic-echo-off", {"family", "3gpp", NULL},
     {"ATE0V1Q0", "AT"}, "\r\nOK\r\n"},
    /* left in UCS2 / HEX by another program */
    {"ucs2-text", {"family", "3gpp", "echo", "false", "charset", "UCS2", NULL},
     {"AT+CGMI"}, "\r\n00540065006C00690074\r\n\r\nOK\r\n"},
    {"ucs2-imei", {"family", "3gpp", "echo", "false", "charset", "UCS2",
		   "imei", TEST_SIM_QUIRKS_IMEI, NULL},
     {"AT+CGSN=1"}, "\r\n+CGSN: \"" TEST_SIM_QUIRKS_IMEI_UCS2 "\"\r\n\r\nOK\r\n"},
    {"ucs2-cscs-read", {"family", "3gpp", "echo", "false", "charset", "UCS2", NULL},
     {"AT+CSCS?"}, "\r\n+CSCS: \"UCS2\"\r\n\r\nOK\r\n"},
    {"ucs2-then-ira", {"family", "3gpp", "echo", "false", "charset", "UCS2", NULL},
     {"AT+CSCS=\"IRA\"", "AT+CGMI"}, "\r\nTelit\r\n\r\nOK\r\n"},
    {"hex-text", {"family", "3gpp", "echo", "false", "charset", "HEX", NULL},
     {"AT+CGMI"}, "\r\n54656C6974\r\n\r\nOK\r\n"},
    {"hex-numbers-stay", {"family", "3gpp", "echo", "false", "charset", "HEX", NULL},
     {"AT+CMEE?"}, "\r\n+CMEE: 0\r\n\r\nOK\r\n"},
    {"cscs-unknown", {"family", "3gpp", "echo", "false", NULL},
     {"AT+CSCS=\"UTF-8\""}, "\r\nERROR\r\n"},
    /* a call during a read, then the same read again */
    {"ring-no-carrier", {"family", "3gpp", "echo", "false", "ring-during", "AT+CGSN", NULL},
     {"AT+CGSN=1"}, TEST_SIM_QUIRKS_CLIP "\r\nNO CARRIER\r\n"},
    {"ring-busy", {"family", "3gpp", "echo", "false", "ring-during", "AT+CGSN",
		   "ring-final", "BUSY", NULL},
     {"AT+CGSN=1"}, TEST_SIM_QUIRKS_CLIP "\r\nBUSY\r\n"},
    {"ring-in-the-middle", {"family", "3gpp", "echo", "false", "imei", TEST_SIM_QUIRKS_IMEI,
			    "ring-during", "AT+CGSN", "ring-final", "OK", NULL},
     {"AT+CGSN=1"},
     "\r\n+CGSN: \"" TEST_SIM_QUIRKS_IMEI "\"\r\n" TEST_SIM_QUIRKS_CLIP "\r\nOK\r\n"},
    {"ring-once", {"family", "3gpp", "echo", "false", "imei", TEST_SIM_QUIRKS_IMEI,
		   "ring-during", "AT+CGSN", NULL},
     {"AT+CGSN=1", "AT+CGSN=1"}, "\r\n+CGSN: \"" TEST_SIM_QUIRKS_IMEI "\"\r\n\r\nOK\r\n"},
    /* firmware without the family's engineering commands */
    {"vendor-disabled-read", {"family", "mediatek", "echo", "false",
			      "vendor-disabled", "ERROR", NULL},
     {"AT+EGMR=0,7"}, "\r\nERROR\r\n"},
    {"vendor-disabled-write", {"family", "mediatek", "echo", "false",
			       "imei", TEST_SIM_QUIRKS_IMEI, "imei", TEST_SIM_QUIRKS_IMEI,
			       "vendor-disabled", "ERROR", NULL},
     {"AT+EGMR=1,7,\"260531793113837\"", "AT+CGSN=1"},
     "\r\n+CGSN: \"" TEST_SIM_QUIRKS_IMEI "\"\r\n\r\nOK\r\n"},
    {"vendor-disabled-cme", {"family", "simcom", "echo", "false",
			     "vendor-disabled", "CME:4", NULL},
     {"AT+SIMEI?"}, "\r\n+CME ERROR: 4\r\n"},
    {"vendor-disabled-modem-error", {"family", "mediatek", "echo", "false",
				     "vendor-disabled", "MODEM:4", NULL},
     {"AT+EGMR=0,7"}, "\r\nMODEM ERROR: 4\r\n"},
    {"vendor-disabled-na", {"family", "unisoc", "echo", "false",
			    "vendor-disabled", "NA", NULL},
     {"AT+SPIMEI?"}, "\r\nNA\r\n"},
    {"vendor-disabled-3gpp-reads", {"family", "quectel", "echo", "false",
				    "imei", TEST_SIM_QUIRKS_IMEI, "vendor-disabled", "ERROR", NULL},
     {"AT+GSN"}, "\r\n" TEST_SIM_QUIRKS_IMEI "\r\n\r\nOK\r\n"},
};
/* clang-format on */

static void
test_sim_quirks_row (void **state)
{
	const TestSimQuirksRow *row = *state;
	g_autoptr (IrSimPhone) phone = sim_test_phone_new_strv ("quirky", row->settings);
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	g_autoptr (GString) answer = NULL;

	for (guint i = 0; i < G_N_ELEMENTS (row->commands) && row->commands[i] != NULL; i++) {
		g_autofree char *line = g_strdup_printf ("%s\r", row->commands[i]);
		if (answer != NULL)
			g_string_free (answer, TRUE);
		sim_test_host_write (fd, line);
		answer = sim_test_host_read_settled (
		    fd, TEST_SIM_QUIRKS_FIRST_MS, TEST_SIM_QUIRKS_QUIET_MS);
	}
	close (fd);
	ir_sim_phone_stop (phone);
	if (g_strcmp0 (answer->str, row->answer) != 0) {
		g_autofree char *got = g_strescape (answer->str, NULL);
		g_autofree char *want = g_strescape (row->answer, NULL);
		fail_msg ("%s: answered \"%s\", expected \"%s\"", row->name, got, want);
	}
}

/* A 27.007-only phone has no vendor command to refuse: said, not ignored. */
static void
test_sim_quirks_vendor_needs_vendor (void **state)
{
	g_autoptr (IrSimPhoneConfig) config = ir_sim_phone_config_new ("p");
	g_autoptr (GError) error = NULL;

	assert_true (ir_sim_phone_config_set (config, "family", "3gpp", &error));
	assert_true (ir_sim_phone_config_set (config, "vendor-disabled", "ERROR", &error));
	assert_false (ir_sim_phone_config_validate (config, &error));
	assert_non_null (strstr (error->message, "vendor-disabled"));
}

int
main (void)
{
	g_autofree struct CMUnitTest *tests =
	    g_new0 (struct CMUnitTest, G_N_ELEMENTS (test_sim_quirks_rows) + 1);
	guint n = 0;

	for (guint i = 0; i < G_N_ELEMENTS (test_sim_quirks_rows); i++) {
		tests[n].name = test_sim_quirks_rows[i].name;
		tests[n].test_func = test_sim_quirks_row;
		tests[n].initial_state = (void *)&test_sim_quirks_rows[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test (test_sim_quirks_vendor_needs_vendor);
	return _cmocka_run_group_tests ("sim-quirks", tests, n, NULL, NULL);
}
