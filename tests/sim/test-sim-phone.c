/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-sim-config.h"
#include "sim-test-host.h"
#include "sim-test-phone.h"

#define CMD_TIMEOUT_MS 3000
/* how long silence must last to count as "no answer" */
#define QUIET_MS 300

#define IMEI_NEW "490154203237518"

static GString *
test_sim_phone_command (IrSimPhone *phone, const char *cmd)
{
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	GString *answer = sim_test_host_command (fd, cmd, CMD_TIMEOUT_MS);
	close (fd);
	return answer;
}

static guint
test_sim_phone_count_substr (const char *haystack, const char *needle)
{
	guint n = 0;
	for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
		n++;
	return n;
}

/* ---- echo and line assembly ---- */

static void
test_sim_phone_echo (void **state)
{
	const struct {
		const char *echo;
		gboolean echoed;
	} rows[] = {
	    {"true", TRUE},
	    {"false", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhone) phone =
		    sim_test_phone_new ("test", "family", "3gpp", "echo", rows[i].echo, NULL);
		g_autoptr (GString) answer = test_sim_phone_command (phone, "AT+CGMI");
		assert_true (sim_test_host_has_final (answer->str));
		assert_int_equal (g_str_has_prefix (answer->str, "AT+CGMI\r"), rows[i].echoed);
		assert_non_null (strstr (answer->str, "Telit"));
	}
}

/* Echo goes line by line, before each answer: ATE0 silences what follows
 * it in the same write, and ATE1 brings echo back. */
static void
test_sim_phone_echo_switch (void **state)
{
	const struct {
		const char *input;
		const char *expected;
	} rows[] = {
	    {"ATE0\rAT+CGMI\r", "ATE0\r\r\nOK\r\n\r\nTelit\r\n\r\nOK\r\n"},
	    {"AT+CGMI\rAT+CGMM\r",
	     "AT+CGMI\r\r\nTelit\r\n\r\nOK\r\nAT+CGMM\r\r\nLE910C1-EU\r\n\r\nOK\r\n"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhone) phone = sim_test_phone_new ("test", "family", "3gpp", NULL);
		int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
		g_autoptr (GString) answer = NULL;
		sim_test_host_write (fd, rows[i].input);
		answer = sim_test_host_read_settled (fd, CMD_TIMEOUT_MS, QUIET_MS);
		close (fd);
		assert_string_equal (answer->str, rows[i].expected);
	}
	/* ATE1 after ATE0: the ATE1 line itself is not echoed, what follows is */
	{
		g_autoptr (IrSimPhone) phone =
		    sim_test_phone_new ("test", "family", "3gpp", "echo", "false", NULL);
		int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
		g_autoptr (GString) answer = NULL;
		sim_test_host_write (fd, "ATE1\rAT\r");
		answer = sim_test_host_read_settled (fd, CMD_TIMEOUT_MS, QUIET_MS);
		close (fd);
		assert_string_equal (answer->str, "\r\nOK\r\nAT\r\r\nOK\r\n");
	}
}

static void
test_sim_phone_line_assembly (void **state)
{
	g_autofree char *overlong = g_strnfill (600, 'A');
	g_autofree char *overlong_then_cmd = g_strdup_printf ("%s\rAT+CGMI\r", overlong);
	g_autofree char *overlong_cr = g_strdup_printf ("%s\r", overlong);
	const struct {
		const char *input;
		gssize len; /* -1: up to the NUL */
		guint n_ok;
		guint n_error;
		const char *contains;
	} rows[] = {
	    {"AT+CGMI\r", -1, 1, 0, "Telit"},
	    {"AT+CGMI\n", -1, 1, 0, "Telit"},
	    {"AT+CGMI\r\n", -1, 1, 0, "Telit"},
	    {"AT+CGMI\r\nAT+CGMM\r\n", -1, 2, 0, "LE910C1-EU"},
	    {"\r\n\r\n\r", -1, 0, 0, NULL},
	    {"AT+CGMX\bI\r", -1, 1, 0, "Telit"},
	    {"AT+CG\0MI\r", 9, 1, 0, "Telit"},
	    {overlong_cr, -1, 0, 1, NULL},
	    {overlong_then_cmd, -1, 1, 1, "Telit"},
	};
	g_autoptr (IrSimPhone) phone =
	    sim_test_phone_new ("test", "family", "3gpp", "echo", "false", NULL);

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
		g_autoptr (GString) answer = NULL;
		gsize len = rows[i].len >= 0 ? (gsize)rows[i].len : strlen (rows[i].input);
		assert_int_equal (write (fd, rows[i].input, len), (gssize)len);
		answer = sim_test_host_read_settled (
		    fd, rows[i].n_ok + rows[i].n_error > 0 ? CMD_TIMEOUT_MS : QUIET_MS, QUIET_MS);
		close (fd);
		assert_int_equal (test_sim_phone_count_substr (answer->str, "\r\nOK\r\n"),
				  rows[i].n_ok);
		assert_int_equal (test_sim_phone_count_substr (answer->str, "ERROR"),
				  rows[i].n_error);
		if (rows[i].contains != NULL)
			assert_non_null (strstr (answer->str, rows[i].contains));
	}
}

/* A host may open and close the port many times: the phone stays. */
static void
test_sim_phone_reconnect (void **state)
{
	g_autoptr (IrSimPhone) phone = sim_test_phone_new ("test", "family", "quectel", NULL);

	for (guint i = 0; i < 20; i++) {
		g_autoptr (GString) answer = test_sim_phone_command (phone, "AT+CGMM");
		assert_non_null (strstr (answer->str, "EC25"));
	}
	assert_int_equal (ir_sim_phone_get_n_commands (phone), 20);
}

/* A host that writes a lot before it reads: the pty fills up (more than
 * the kernel buffers), the phone waits for room and loses nothing. */
static void
test_sim_phone_slow_reader (void **state)
{
	g_autoptr (IrSimPhone) phone = sim_test_phone_new ("test", "family", "3gpp", NULL);
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	g_autoptr (GString) commands = g_string_new (NULL);
	g_autoptr (GString) answers = NULL;
	const guint n = 3000;

	for (guint i = 0; i < n; i++)
		g_string_append (commands, "AT+CGMI\r");
	sim_test_host_write (fd, commands->str);
	/* let the phone run into a full pty before anything is read */
	g_usleep (200 * 1000);
	answers = sim_test_host_read_settled (fd, CMD_TIMEOUT_MS, QUIET_MS);
	close (fd);
	/* echo and answer of every command, in order */
	assert_int_equal (
	    test_sim_phone_count_substr (answers->str, "AT+CGMI\r\r\nTelit\r\n\r\nOK\r\n"), n);
	assert_int_equal (ir_sim_phone_get_n_commands (phone), n);
}

/* ---- families ---- */

static void
test_sim_phone_family_reads (void **state)
{
	const struct {
		const char *family;
		const char *command;
		const char *expected;
	} rows[] = {
	    {"3gpp", "AT+CGSN", "356923051234568"},
	    {"3gpp", "AT+CGMR", "25.30.226"},
	    {"mediatek", "AT+EGMR=0,7", "352099001761481"},
	    {"mediatek", "AT+EGMR=0,10", "352099001761499"},
	    {"mediatek", "AT+CGMI", "MediaTek"},
	    {"quectel", "AT+EGMR=0,7", "867798045678902"},
	    {"quectel", "AT+CGMI", "Quectel"},
	    {"simcom", "AT+SIMEI?", "868915031234560"},
	    {"simcom", "AT+CGMI", "SIMCOM"},
	    {"unisoc", "AT+SPIMEI?", "864012039876545"},
	    {"unisoc", "AT+CGMI", "UNISOC"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhone) phone =
		    sim_test_phone_new ("test", "family", rows[i].family, "echo", "false", NULL);
		g_autoptr (GString) answer = test_sim_phone_command (phone, rows[i].command);
		if (strstr (answer->str, rows[i].expected) == NULL ||
		    !g_str_has_suffix (answer->str, "\r\nOK\r\n"))
			fail_msg ("%s %s answered \"%s\", expected %s and OK",
				  rows[i].family,
				  rows[i].command,
				  g_strescape (answer->str, NULL),
				  rows[i].expected);
	}
}

/* What each writable family writes and reads slot 1 with. */
typedef struct {
	const char *family;
	const char *write_prefix; /* the new IMEI goes between these */
	const char *write_suffix;
	const char *read;
	const char *old_imei;
} WriteRow;

static const WriteRow write_rows[] = {
    {"mediatek", "AT+EGMR=1,7,\"", "\"", "AT+EGMR=0,7", "352099001761481"},
    {"quectel", "AT+EGMR=1,7,\"", "\"", "AT+EGMR=0,7", "867798045678902"},
    {"simcom", "AT+SIMEI=", "", "AT+SIMEI?", "868915031234560"},
    {"unisoc", "AT+SPIMEI=0,\"", "\"", "AT+SPIMEI?", "864012039876545"},
};

static void
test_sim_phone_write_survives_reboot (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (write_rows); i++) {
		const WriteRow *row = &write_rows[i];
		g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-test-XXXXXX");
		g_autofree char *state_file = g_build_filename (dir, "phone.state", NULL);
		g_autofree char *write_cmd =
		    g_strconcat (row->write_prefix, IMEI_NEW, row->write_suffix, NULL);
		g_autofree char *saved = NULL;

		{
			g_autoptr (IrSimPhone) phone = sim_test_phone_new (
			    "test", "family", row->family, "state", state_file, NULL);
			g_autoptr (GString) wrote = test_sim_phone_command (phone, write_cmd);
			g_autoptr (GString) read = test_sim_phone_command (phone, row->read);
			assert_true (g_str_has_suffix (wrote->str, "\r\nOK\r\n"));
			assert_non_null (strstr (read->str, IMEI_NEW));
			ir_sim_phone_stop (phone);
		}
		assert_true (g_file_get_contents (state_file, &saved, NULL, NULL));
		assert_non_null (strstr (saved, IMEI_NEW));
		/* "reboot": a new phone, defaults from the family, IMEIs from
		 * the state file */
		{
			g_autoptr (IrSimPhone) phone = sim_test_phone_new (
			    "test", "family", row->family, "state", state_file, NULL);
			g_autoptr (GString) read = test_sim_phone_command (phone, row->read);
			if (strstr (read->str, IMEI_NEW) == NULL)
				fail_msg ("%s after reboot: %s", row->family, read->str);
			assert_null (strstr (read->str, row->old_imei));
		}
		sim_test_phone_dir_remove (dir);
	}
}

/* A state file of another phone is refused, not silently used. */
static void
test_sim_phone_state_file_mismatch (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-test-XXXXXX");
	g_autofree char *state_file = g_build_filename (dir, "phone.state", NULL);
	const struct {
		const char *family;
		const char *n_imeis; /* "1" or "2" */
		const char *contents;
		const char *error;
	} rows[] = {
	    {"simcom", "1", "[state]\nfamily=mediatek\nimei=1;2;\n", "belongs to a mediatek phone"},
	    {"mediatek", "2", "[state]\nfamily=mediatek\nimei=1;\n", "holds 1 IMEI slots"},
	    {"mediatek", "2", "[state]\nfamily=mediatek\n", "holds 0 IMEI slots"},
	    {"mediatek", "2", "not a key file\n", "failed to load state file"},
	    {"mediatek", "2", "[other]\nx=1\n", "belongs to a (unknown) phone"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhoneConfig) config = ir_sim_phone_config_new ("test");
		g_autoptr (GError) error = NULL;
		g_autoptr (IrSimPhone) phone = NULL;

		assert_true (g_file_set_contents (state_file, rows[i].contents, -1, NULL));
		assert_true (ir_sim_phone_config_set (config, "family", rows[i].family, NULL));
		assert_true (ir_sim_phone_config_set (config, "state", state_file, NULL));
		assert_true (ir_sim_phone_config_validate (config, NULL));
		phone = ir_sim_phone_config_create_phone (config, &error);
		assert_null (phone);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		if (strstr (error->message, rows[i].error) == NULL)
			fail_msg ("row %u: \"%s\" lacks \"%s\"", i, error->message, rows[i].error);
	}
	sim_test_phone_dir_remove (dir);
}

/* ---- faults ---- */

static void
test_sim_phone_fault_latency (void **state)
{
	g_autoptr (IrSimPhone) phone =
	    sim_test_phone_new ("test", "family", "3gpp", "latency", "150", NULL);
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));

	for (guint i = 0; i < 3; i++) {
		gint64 start = g_get_monotonic_time ();
		g_autoptr (GString) answer = sim_test_host_command (fd, "AT+CGMI", CMD_TIMEOUT_MS);
		gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;
		assert_true (sim_test_host_has_final (answer->str));
		/* at least the latency; no upper bound: the machine may be slow */
		assert_true (elapsed_ms >= 150);
	}
	close (fd);
}

static GString *
test_sim_phone_faulty_answer (const char *key, const char *rate, const char *seed)
{
	g_autoptr (IrSimPhone) phone = NULL;
	int fd;
	GString *answer;

	if (key != NULL)
		phone = sim_test_phone_new (
		    "test", "family", "mediatek", "echo", "false", key, rate, "seed", seed, NULL);
	else
		phone = sim_test_phone_new ("test", "family", "mediatek", "echo", "false", NULL);
	fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	sim_test_host_write (fd, "AT+EGMR=0,7\r");
	/* the final line may be lost: read what comes in a while (with every
	 * byte dropped nothing comes: do not wait the full command timeout) */
	answer = sim_test_host_read_settled (fd, 1000, QUIET_MS);
	close (fd);
	return answer;
}

static void
test_sim_phone_fault_drop_garble (void **state)
{
	g_autoptr (GString) clean = test_sim_phone_faulty_answer (NULL, NULL, NULL);
	const struct {
		const char *key;
		const char *rate;
	} rows[] = {
	    {"drop-rate", "0.3"},
	    {"garble-rate", "0.3"},
	    {"drop-rate", "1"},
	};

	assert_true (g_str_has_suffix (clean->str, "\r\nOK\r\n"));
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GString) a =
		    test_sim_phone_faulty_answer (rows[i].key, rows[i].rate, "42");
		g_autoptr (GString) b =
		    test_sim_phone_faulty_answer (rows[i].key, rows[i].rate, "42");
		g_autoptr (GString) other_seed =
		    test_sim_phone_faulty_answer (rows[i].key, rows[i].rate, "43");

		/* the same seed gives the same damage, the damage is real */
		assert_true (g_string_equal (a, b));
		assert_false (g_string_equal (a, clean));
		if (g_strcmp0 (rows[i].key, "garble-rate") == 0) {
			/* garbling flips bytes but keeps every one */
			assert_int_equal (a->len, clean->len);
			assert_false (g_string_equal (a, other_seed));
		} else if (g_strcmp0 (rows[i].rate, "1") == 0) {
			assert_int_equal (a->len, 0);
		} else {
			assert_true (a->len < clean->len);
		}
	}
}

static void
test_sim_phone_hangup_cb (IrSimPhone *phone, gpointer user_data)
{
	g_atomic_int_set ((gint *)user_data, 1);
}

static void
test_sim_phone_fault_disconnect (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-test-XXXXXX");
	g_autofree char *link = g_build_filename (dir, "phone", NULL);
	g_autoptr (IrSimPhone) phone = sim_test_phone_new ("test",
							   "family",
							   "simcom",
							   "disconnect-after",
							   "2",
							   "echo",
							   "false",
							   "link",
							   link,
							   NULL);
	g_autofree char *path = g_strdup (ir_sim_phone_get_path (phone));
	gint hung_up = 0;
	gboolean hangup = FALSE;
	int fd;

	g_signal_connect (phone, "hangup", G_CALLBACK (test_sim_phone_hangup_cb), &hung_up);
	fd = sim_test_host_open (path);
	{
		g_autoptr (GString) first = sim_test_host_command (fd, "AT+CGMI", CMD_TIMEOUT_MS);
		g_autoptr (GString) second = NULL;
		g_autoptr (GString) after = NULL;
		assert_true (g_str_has_suffix (first->str, "\r\nOK\r\n"));
		/* the second answer arrives whole, then the line drops */
		sim_test_host_write (fd, "AT+CGMM\r");
		second = sim_test_host_read_until (fd, "\r\nOK\r\n", CMD_TIMEOUT_MS, NULL);
		assert_non_null (strstr (second->str, "SIM7600"));
		after = sim_test_host_read_until (fd, NULL, CMD_TIMEOUT_MS, &hangup);
		assert_true (hangup);
		assert_int_equal (after->len, 0);
	}
	close (fd);
	assert_int_equal (ir_sim_phone_get_n_commands (phone), 2);
	assert_int_equal (g_atomic_int_get (&hung_up), 1);
	/* the phone is gone: its link too, and nothing answers at its path */
	assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
	fd = open (path, O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		g_autoptr (GString) none = sim_test_host_command (fd, "AT", QUIET_MS);
		assert_int_equal (none->len, 0);
		close (fd);
	}
	sim_test_phone_dir_remove (dir);
}

static void
test_sim_phone_fault_writes (void **state)
{
	g_autofree char *write1 = g_strdup_printf ("AT+EGMR=1,7,\"%s\"", IMEI_NEW);
	g_autofree char *write2 = g_strdup_printf ("AT+EGMR=1,10,\"%s\"", IMEI_NEW);
	const struct {
		const char *key;
		const char *value;
		const char *write;
		const char *final;
		const char *read;
		const char *read_expected;
	} rows[] = {
	    {"write-error", "ERROR", write1, "\r\nERROR\r\n", "AT+EGMR=0,7", "352099001761481"},
	    {"write-error",
	     "CME:100",
	     write1,
	     "+CME ERROR: 100\r\n",
	     "AT+EGMR=0,7",
	     "352099001761481"},
	    {"read-only-slot", "2", write2, "+CME ERROR:", "AT+EGMR=0,10", "352099001761499"},
	    {"read-only-slot", "2", write1, "\r\nOK\r\n", "AT+EGMR=0,7", IMEI_NEW},
	    {"no-stick", "true", write1, "\r\nOK\r\n", "AT+EGMR=0,7", "352099001761481"},
	    {"no-stick", "false", write1, "\r\nOK\r\n", "AT+EGMR=0,7", IMEI_NEW},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhone) phone = sim_test_phone_new ("test",
								   "family",
								   "mediatek",
								   "echo",
								   "false",
								   rows[i].key,
								   rows[i].value,
								   NULL);
		/* numeric +CME ERROR codes: the power-up default answers ERROR */
		g_autoptr (GString) cmee = test_sim_phone_command (phone, "AT+CMEE=1");
		g_autoptr (GString) wrote = test_sim_phone_command (phone, rows[i].write);
		g_autoptr (GString) read = test_sim_phone_command (phone, rows[i].read);
		assert_true (g_str_has_suffix (cmee->str, "\r\nOK\r\n"));
		if (strstr (wrote->str, rows[i].final) == NULL)
			fail_msg (
			    "row %u: write answered \"%s\"", i, g_strescape (wrote->str, NULL));
		if (strstr (read->str, rows[i].read_expected) == NULL)
			fail_msg ("row %u: read answered \"%s\"", i, g_strescape (read->str, NULL));
	}
}

/* ---- link ---- */

static void
test_sim_phone_link (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-test-XXXXXX");
	g_autofree char *link = g_build_filename (dir, "phone", NULL);
	g_autofree char *file = g_build_filename (dir, "file", NULL);
	g_autoptr (GError) error = NULL;

	{
		g_autoptr (IrSimPhone) phone =
		    sim_test_phone_new ("test", "family", "unisoc", NULL);
		g_autofree char *target = NULL;
		/* a stale link from an earlier run is replaced */
		assert_int_equal (symlink ("/nonexistent", link), 0);
		assert_true (ir_sim_phone_set_link (phone, link, &error));
		target = g_file_read_link (link, NULL);
		assert_string_equal (target, ir_sim_phone_get_path (phone));
		{
			g_autoptr (GString) answer = NULL;
			int fd = sim_test_host_open (link);
			answer = sim_test_host_command (fd, "AT+CGMI", CMD_TIMEOUT_MS);
			assert_non_null (strstr (answer->str, "UNISOC"));
			close (fd);
		}
	}
	assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
	/* anything but a symlink is left alone */
	{
		g_autoptr (IrSimPhone) phone =
		    sim_test_phone_new ("test", "family", "unisoc", NULL);
		assert_true (g_file_set_contents (file, "keep", -1, NULL));
		assert_false (ir_sim_phone_set_link (phone, file, &error));
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
	}
	sim_test_phone_dir_remove (dir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_sim_phone_echo),
	    cmocka_unit_test (test_sim_phone_echo_switch),
	    cmocka_unit_test (test_sim_phone_line_assembly),
	    cmocka_unit_test (test_sim_phone_reconnect),
	    cmocka_unit_test (test_sim_phone_slow_reader),
	    cmocka_unit_test (test_sim_phone_family_reads),
	    cmocka_unit_test (test_sim_phone_write_survives_reboot),
	    cmocka_unit_test (test_sim_phone_state_file_mismatch),
	    cmocka_unit_test (test_sim_phone_fault_latency),
	    cmocka_unit_test (test_sim_phone_fault_drop_garble),
	    cmocka_unit_test (test_sim_phone_fault_disconnect),
	    cmocka_unit_test (test_sim_phone_fault_writes),
	    cmocka_unit_test (test_sim_phone_link),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
