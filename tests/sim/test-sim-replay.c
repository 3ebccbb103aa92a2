/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-sim-phone.h"
#include "ir-sim-replay.h"
#include "sim-test-host.h"

#define CMD_TIMEOUT_MS 3000
#define QUIET_MS       300

typedef struct {
	char dir; /* 'w', 'r', 'h' (hangup); 0 ends */
	gint64 t_us;
	const char *text;
} Ev;

static IrRecording *
test_sim_replay_recording_new (const Ev *events)
{
	IrRecording *recording = ir_recording_new ("/dev/ttyTEST");

	for (guint i = 0; events[i].dir != 0; i++) {
		IrRecordingDirection dir = events[i].dir == 'w'	  ? IR_RECORDING_WRITE
					   : events[i].dir == 'r' ? IR_RECORDING_READ
								  : IR_RECORDING_HANGUP;
		const char *text = events[i].text != NULL ? events[i].text : "";
		ir_recording_add_at (recording,
				     dir,
				     events[i].t_us,
				     dir == IR_RECORDING_HANGUP ? NULL : (const guint8 *)text,
				     dir == IR_RECORDING_HANGUP ? 0 : strlen (text));
	}
	return recording;
}

static const Ev session[] = {
    {'r', 0, "\r\nRDY\r\n"},
    {'w', 1000, "AT+CGMI\r"},
    {'r', 3000, "\r\nAcme\r\n"},
    {'r', 5000, "\r\nOK\r\n"},
    {'w', 9000, "AT+CGSN\r"},
    {'r', 9500, "\r\n490154203237518\r\n\r\nOK\r\n"},
    {0},
};

static const Ev session_hangup[] = {
    {'w', 0, "AT\r"},
    {'r', 100, "\r\nOK\r\n"},
    {'h', 200, NULL},
    {'r', 300, "never sent\r\n"},
    {0},
};

/* Pure matching: host writes in, device outputs (and their delays) out. */
static void
test_sim_replay_replay_feed (void **state)
{
	const struct {
		const Ev *events;
		const char *writes[4]; /* each one host write */
		const char *output;    /* every output, joined; "|" for a hangup */
		gint64 first_delay_us; /* of the first output after the writes; -1: none */
		const char *error;     /* NULL: no divergence */
	} rows[] = {
	    /* the banner is sent at start, not here */
	    {session, {"AT+CGMI\r"}, "\r\nAcme\r\n\r\nOK\r\n", 2000, NULL},
	    {session, {"AT+C", "GMI", "\r"}, "\r\nAcme\r\n\r\nOK\r\n", 2000, NULL},
	    {session,
	     {"AT+CGMI\rAT+CGSN\r"},
	     "\r\nAcme\r\n\r\nOK\r\n\r\n490154203237518\r\n\r\nOK\r\n",
	     2000,
	     NULL},
	    {session, {"AT+CG"}, "", -1, NULL},
	    {session,
	     {"AT+CGMM\r"},
	     "",
	     -1,
	     "event 1 (w): expected \"AT+CGMI\\r\", got \"AT+CGMM\\r\""},
	    {session, {"AT+CGMI\r", "AT+CGMM\r"}, "\r\nAcme\r\n\r\nOK\r\n", 2000, "event 4 (w)"},
	    {session, {"XT+CGMI\r", "AT+CGMI\r"}, "", -1, "got \"XT+CGMI\\r\""},
	    {session, {"AT+CGMI\rAT+CGSN\r", "AT\r"}, NULL, 2000, "after the last event (6)"},
	    {session_hangup, {"AT\r"}, "\r\nOK\r\n|", 100, NULL},
	    {session_hangup, {"AT\r", "AT\r"}, "\r\nOK\r\n|", 100, "after the last event"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrRecording) recording = test_sim_replay_recording_new (rows[i].events);
		g_autoptr (IrSimReplay) replay = ir_sim_replay_new (recording);
		g_autoptr (GPtrArray) start =
		    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_replay_output_free);
		g_autoptr (GPtrArray) outputs =
		    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_replay_output_free);
		g_autoptr (GString) joined = g_string_new (NULL);
		g_autoptr (GError) error = NULL;
		gboolean ok = TRUE;

		ir_sim_replay_start (replay, start);
		for (guint j = 0; j < G_N_ELEMENTS (rows[i].writes) && rows[i].writes[j] != NULL;
		     j++) {
			const char *w = rows[i].writes[j];
			if (error == NULL)
				ok = ir_sim_replay_feed (
				    replay, (const guint8 *)w, strlen (w), outputs, &error);
			else
				/* after a divergence everything is ignored */
				assert_true (ir_sim_replay_feed (
				    replay, (const guint8 *)w, strlen (w), outputs, NULL));
		}
		for (guint j = 0; j < outputs->len; j++) {
			IrSimReplayOutput *output = g_ptr_array_index (outputs, j);
			if (output->data == NULL)
				g_string_append_c (joined, '|');
			else
				g_string_append_len (joined,
						     g_bytes_get_data (output->data, NULL),
						     (gssize)g_bytes_get_size (output->data));
		}
		if (rows[i].output != NULL)
			assert_string_equal (joined->str, rows[i].output);
		if (rows[i].first_delay_us >= 0) {
			IrSimReplayOutput *first = g_ptr_array_index (outputs, 0);
			assert_true (outputs->len > 0);
			assert_int_equal (first->delay_us, rows[i].first_delay_us);
		} else {
			assert_int_equal (outputs->len, 0);
		}
		if (rows[i].error == NULL) {
			assert_true (ok);
			assert_null (error);
			assert_false (ir_sim_replay_has_diverged (replay));
		} else {
			assert_false (ok);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_REPLAY_MISMATCH));
			if (strstr (error->message, rows[i].error) == NULL)
				fail_msg ("row %u: \"%s\" lacks \"%s\"",
					  i,
					  error->message,
					  rows[i].error);
			assert_true (ir_sim_replay_has_diverged (replay));
		}
		/* the banner of @session */
		if (rows[i].events == session) {
			IrSimReplayOutput *banner = g_ptr_array_index (start, 0);
			assert_int_equal (start->len, 1);
			assert_int_equal (banner->delay_us, 0);
		} else {
			assert_int_equal (start->len, 0);
		}
	}
}

static IrSimPhone *
test_sim_replay_replay_phone_new (const Ev *events)
{
	g_autoptr (IrRecording) recording = test_sim_replay_recording_new (events);
	g_autoptr (GError) error = NULL;
	IrSimPhone *phone = ir_sim_phone_new_replay (recording, &error);

	assert_non_null (phone);
	ir_sim_phone_start_thread (phone);
	return phone;
}

/* Over the pty: right answers with the recorded spacing. */
static void
test_sim_replay_replay_phone (void **state)
{
	g_autoptr (IrSimPhone) phone = test_sim_replay_replay_phone_new (session);
	int fd = open (ir_sim_phone_get_path (phone), O_RDWR | O_NOCTTY);
	g_autoptr (GString) banner = NULL;
	g_autoptr (GString) cgmi = NULL;
	g_autoptr (GString) cgsn = NULL;
	gint64 start;

	/* not sim_test_host_open(): it would flush the banner */
	assert_true (fd >= 0);
	banner = sim_test_host_read_until (fd, "RDY\r\n", CMD_TIMEOUT_MS, NULL);
	assert_string_equal (banner->str, "\r\nRDY\r\n");
	start = g_get_monotonic_time ();
	cgmi = sim_test_host_command (fd, "AT+CGMI", CMD_TIMEOUT_MS);
	assert_string_equal (cgmi->str, "\r\nAcme\r\n\r\nOK\r\n");
	/* 4 ms recorded between the write and the final OK */
	assert_true (g_get_monotonic_time () - start >= 4000);
	cgsn = sim_test_host_command (fd, "AT+CGSN", CMD_TIMEOUT_MS);
	assert_string_equal (cgsn->str, "\r\n490154203237518\r\n\r\nOK\r\n");
	assert_int_equal (ir_sim_phone_get_n_commands (phone), 2);
	close (fd);
}

/* After a divergence the phone says nothing more: the host times out. */
static void
test_sim_replay_replay_phone_diverged (void **state)
{
	g_autoptr (IrSimPhone) phone = test_sim_replay_replay_phone_new (session);
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	g_autoptr (GString) wrong = sim_test_host_command (fd, "AT+CGMM", QUIET_MS);
	g_autoptr (GString) right = sim_test_host_command (fd, "AT+CGMI", QUIET_MS);

	assert_int_equal (wrong->len, 0);
	assert_int_equal (right->len, 0);
	close (fd);
}

static void
test_sim_replay_replay_phone_hangup (void **state)
{
	g_autoptr (IrSimPhone) phone = test_sim_replay_replay_phone_new (session_hangup);
	int fd = sim_test_host_open (ir_sim_phone_get_path (phone));
	g_autoptr (GString) ok = sim_test_host_command (fd, "AT", CMD_TIMEOUT_MS);
	gboolean hangup = FALSE;
	g_autoptr (GString) after = sim_test_host_read_until (fd, NULL, CMD_TIMEOUT_MS, &hangup);

	assert_string_equal (ok->str, "\r\nOK\r\n");
	assert_true (hangup);
	assert_int_equal (after->len, 0);
	close (fd);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_sim_replay_replay_feed),
	    cmocka_unit_test (test_sim_replay_replay_phone),
	    cmocka_unit_test (test_sim_replay_replay_phone_diverged),
	    cmocka_unit_test (test_sim_replay_replay_phone_hangup),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
