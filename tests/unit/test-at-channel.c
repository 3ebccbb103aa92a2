/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include "ir-at-channel.h"
#include "ir-error.h"
#include "ir-transport-termios.h"

/* The AT channel over a real pseudo-terminal: the termios transport opens
 * the slave side, a peer thread plays a scripted phone on the master side,
 * answering in chunks with pauses, with echo, garbage and URCs. */

#define PEER_WAIT_MS 5000 /* how long the peer waits for a command */

typedef struct {
	const char *data;
	gsize len;
} Chunk;

#define CHUNK(s)                                                                                   \
	{                                                                                          \
		(s), sizeof (s) - 1                                                                \
	}
#define MAX_CHUNKS 6

typedef struct {
	const char *expect; /* the peer first waits for this, NULL: no wait */
	guint delay_ms;	    /* pause before each chunk */
	Chunk chunks[MAX_CHUNKS];
	gboolean hangup; /* close the master side after the chunks */
} PeerStep;

typedef struct {
	int master;
	int slave; /* kept open so that the pty lives while the transport reopens it */
	char *path;
	IrTransport *transport;
	IrAtChannel *channel;
	GThread *peer;
	const PeerStep *script;
	gsize n_steps;
} Fixture;

/* ---- the scripted peer ---- */

static gboolean
test_at_channel_peer_write (int fd, const Chunk *chunk)
{
	gsize done = 0;

	while (done < chunk->len) {
		gssize n = write (fd, chunk->data + done, chunk->len - done);

		if (n <= 0)
			return FALSE;
		done += (gsize)n;
	}
	return TRUE;
}

/* Reads from the master until @expect went by */
static gboolean
test_at_channel_peer_expect (int fd, const char *expect)
{
	g_autoptr (GString) seen = g_string_new (NULL);
	gint64 deadline = g_get_monotonic_time () + PEER_WAIT_MS * 1000;

	while (strstr (seen->str, expect) == NULL) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char buf[256];
		gssize n;

		if (g_get_monotonic_time () > deadline)
			return FALSE;
		if (poll (&pfd, 1, 100) <= 0)
			continue;
		n = read (fd, buf, sizeof (buf));
		if (n <= 0)
			return FALSE;
		g_string_append_len (seen, buf, n);
	}
	return TRUE;
}

static gpointer
test_at_channel_peer_thread (gpointer data)
{
	Fixture *fx = data;

	for (gsize i = 0; i < fx->n_steps; i++) {
		const PeerStep *step = &fx->script[i];

		if (step->expect != NULL &&
		    !test_at_channel_peer_expect (fx->master, step->expect)) {
			g_printerr ("peer: never received %s\n", step->expect);
			return GINT_TO_POINTER (FALSE);
		}
		for (guint c = 0; c < MAX_CHUNKS && step->chunks[c].data != NULL; c++) {
			g_usleep (step->delay_ms * 1000);
			if (!test_at_channel_peer_write (fx->master, &step->chunks[c]))
				return GINT_TO_POINTER (FALSE);
		}
		if (step->hangup) {
			close (fx->master);
			fx->master = -1;
			return GINT_TO_POINTER (TRUE);
		}
	}
	return GINT_TO_POINTER (TRUE);
}

static void
test_at_channel_start_peer (Fixture *fx, const PeerStep *script, gsize n_steps)
{
	fx->script = script;
	fx->n_steps = n_steps;
	fx->peer = g_thread_new ("peer", test_at_channel_peer_thread, fx);
}

/* TRUE once the peer's bytes wait in the pty, so that a test knows they
 * will be drained before its next command rather than race with it */
static gboolean
test_at_channel_wait_for_input (Fixture *fx, int timeout_ms)
{
	struct pollfd pfd = {.fd = fx->slave, .events = POLLIN};

	return poll (&pfd, 1, timeout_ms) == 1;
}

/* ---- fixture ---- */

static int
test_at_channel_setup (void **state)
{
	Fixture *fx = g_new0 (Fixture, 1);
	g_autoptr (GError) error = NULL;
	char name[128];

	assert_int_equal (openpty (&fx->master, &fx->slave, name, NULL, NULL), 0);
	fx->path = g_strdup (name);
	fx->transport = ir_transport_termios_new (fx->path);
	if (!ir_transport_open (fx->transport, &error))
		print_error ("cannot open %s: %s\n", fx->path, error->message);
	assert_null (error);
	fx->channel = ir_at_channel_new (fx->transport);
	*state = fx;
	return 0;
}

static int
test_at_channel_teardown (void **state)
{
	Fixture *fx = *state;

	if (fx->peer != NULL)
		assert_true (GPOINTER_TO_INT (g_thread_join (fx->peer)));
	g_object_unref (fx->channel);
	ir_transport_close (fx->transport);
	g_object_unref (fx->transport);
	if (fx->master >= 0)
		close (fx->master);
	close (fx->slave);
	g_free (fx->path);
	g_free (fx);
	return 0;
}

static void
test_at_channel_assert_lines (GPtrArray *got, const char *const *expected)
{
	guint n = g_strv_length ((char **)expected);

	if (got->len != n) {
		for (guint i = 0; i < got->len; i++)
			print_error ("  got \"%s\"\n", (const char *)g_ptr_array_index (got, i));
	}
	assert_int_equal (got->len, n);
	for (guint i = 0; i < n; i++)
		assert_string_equal (g_ptr_array_index (got, i), expected[i]);
}

static void
test_at_channel_assert_error_contains (const GError *error, int code, const char *text)
{
	assert_non_null (error);
	if (!g_error_matches (error, IR_ERROR, code) || strstr (error->message, text) == NULL)
		print_error ("error \"%s\" (code %d) lacks \"%s\" (code %d)\n",
			     error->message,
			     error->code,
			     text,
			     code);
	assert_true (g_error_matches (error, IR_ERROR, code));
	assert_non_null (strstr (error->message, text));
}

/* ---- OK answers: split, echoed, glued to garbage, URCs around ---- */

static const PeerStep script_ok[] = {
    {"AT+CGMI\r",
     20,
     {CHUNK ("AT+CGMI\r"), CHUNK ("\r\n+CGMI: Qu"), CHUNK ("ectel\r\n"), CHUNK ("\r\nOK\r\n")}},
    {"AT+CGSN=1\r",
     10,
     {CHUNK ("\r\n+CGSN: \"490154"),
      CHUNK ("203237518\"\r\n\r\n+CREG: 1,5\r\n"),
      CHUNK ("\r\nOK\r\n\r\nRING\r\n")}},
    {"AT+CGMM\r",
     0,
     {CHUNK ("\xff\x01\x02"
	     "AT+CGMM\r\r\n"),
      CHUNK ("EC25\r"),
      CHUNK ("\nOK\r"),
      CHUNK ("\n")}},
};

static void
test_at_channel_ok_answers (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) cgmi = NULL;
	g_autoptr (IrAtResponse) cgsn = NULL;
	g_autoptr (IrAtResponse) cgmm = NULL;
	g_autoptr (GPtrArray) urcs = NULL;
	g_autofree char *imei = NULL;

	test_at_channel_start_peer (fx, script_ok, G_N_ELEMENTS (script_ok));

	cgmi = ir_at_channel_command (fx->channel, "AT+CGMI", 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (cgmi->final, IR_AT_FINAL_OK);
	test_at_channel_assert_lines (cgmi->lines, (const char *[]){"+CGMI: Quectel", NULL});

	cgsn = ir_at_channel_command_ok (fx->channel, "AT+CGSN=1", 3000, NULL, &error);
	assert_null (error);
	test_at_channel_assert_lines (cgsn->lines,
				      (const char *[]){"+CGSN: \"490154203237518\"", NULL});
	test_at_channel_assert_lines (cgsn->urcs, (const char *[]){"+CREG: 1,5", NULL});
	imei = ir_at_parser_parse_imei (cgsn, "+CGSN", &error);
	assert_null (error);
	assert_string_equal (imei, "490154203237518");

	/* "RING" came after the final OK: kept, and reported as a URC */
	cgmm = ir_at_channel_command (fx->channel, "AT+CGMM", 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (cgmm->final, IR_AT_FINAL_OK);
	test_at_channel_assert_lines (cgmm->lines, (const char *[]){"EC25", NULL});

	urcs = ir_at_channel_take_urcs (fx->channel);
	test_at_channel_assert_lines (urcs, (const char *[]){"+CREG: 1,5", "RING", NULL});
	g_ptr_array_unref (g_steal_pointer (&urcs));
	urcs = ir_at_channel_take_urcs (fx->channel);
	assert_int_equal (urcs->len, 0);
}

/* ---- refusals are responses; command_ok turns them into errors ---- */

static const PeerStep script_errors[] = {
    {"AT+EGMR=1,7,\"490154203237518\"\r", 0, {CHUNK ("\r\n+CME ERROR: 3\r\n")}},
    {"AT+EGMR=1,7,\"490154203237518\"\r", 0, {CHUNK ("\r\n+CME ERROR: 3\r\n")}},
    {"AT+SIMEI?\r", 5, {CHUNK ("AT+SIMEI?\r\r\nERR"), CHUNK ("OR\r\n")}},
    {"AT+CPIN?\r", 0, {CHUNK ("\r\n+CME ERROR: SIM not inserted\r\n")}},
};

static void
test_at_channel_error_answers (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (IrAtResponse) refused = NULL;
	g_autoptr (IrAtResponse) simei = NULL;
	g_autoptr (IrAtResponse) cpin = NULL;
	const char *write_cmd = "AT+EGMR=1,7,\"490154203237518\"";

	test_at_channel_start_peer (fx, script_errors, G_N_ELEMENTS (script_errors));

	resp = ir_at_channel_command (fx->channel, write_cmd, 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (resp->final, IR_AT_FINAL_CME_ERROR);
	assert_int_equal (resp->code, 3);

	refused = ir_at_channel_command_ok (fx->channel, write_cmd, 3000, NULL, &error);
	assert_null (refused);
	test_at_channel_assert_error_contains (error, IR_ERROR_AT_REFUSED, "operation not allowed");
	assert_non_null (strstr (error->message, fx->path));
	assert_non_null (strstr (error->message, write_cmd));
	g_clear_error (&error);

	simei = ir_at_channel_command (fx->channel, "AT+SIMEI?", 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (simei->final, IR_AT_FINAL_ERROR);
	assert_int_equal (simei->lines->len, 0);

	cpin = ir_at_channel_command (fx->channel, "AT+CPIN?", 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (cpin->final, IR_AT_FINAL_CME_ERROR);
	assert_int_equal (cpin->code, -1);
	assert_string_equal (cpin->final_line, "+CME ERROR: SIM not inserted");
}

/* ---- a silent device: the timeout names command, port and time ---- */

static const PeerStep script_silent[] = {
    {"AT+CGMI\r", 0, {{NULL}}},
};

static void
test_at_channel_timeout (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	g_autofree char *expected = NULL;
	gint64 start;
	gint64 elapsed_ms;

	test_at_channel_start_peer (fx, script_silent, G_N_ELEMENTS (script_silent));
	start = g_get_monotonic_time ();
	resp = ir_at_channel_command (fx->channel, "AT+CGMI", 300, NULL, &error);
	elapsed_ms = (g_get_monotonic_time () - start) / 1000;

	assert_null (resp);
	expected = g_strdup_printf ("no answer to AT+CGMI on %s within 300 ms", fx->path);
	test_at_channel_assert_error_contains (error, IR_ERROR_TIMEOUT, expected);
	assert_true (elapsed_ms >= 290);
	assert_true (elapsed_ms < 2000);
}

/* ---- a late answer to a timed-out command is not the next answer ---- */

static const PeerStep script_late[] = {
    {"AT+CGMI\r", 400, {CHUNK ("\r\nQuectel\r\nOK\r\n")}},
    {"AT+CGMM\r", 0, {CHUNK ("\r\nEC25\r\nOK\r\n")}},
};

static void
test_at_channel_late_answer_drained (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) cgmi = NULL;
	g_autoptr (IrAtResponse) cgmm = NULL;
	g_autoptr (GPtrArray) urcs = NULL;

	test_at_channel_start_peer (fx, script_late, G_N_ELEMENTS (script_late));
	cgmi = ir_at_channel_command (fx->channel, "AT+CGMI", 150, NULL, &error);
	assert_null (cgmi);
	test_at_channel_assert_error_contains (error, IR_ERROR_TIMEOUT, "AT+CGMI");
	g_clear_error (&error);

	assert_true (test_at_channel_wait_for_input (fx, 3000));
	cgmm = ir_at_channel_command (fx->channel, "AT+CGMM", 3000, NULL, &error);
	assert_null (error);
	test_at_channel_assert_lines (cgmm->lines, (const char *[]){"EC25", NULL});
	urcs = ir_at_channel_take_urcs (fx->channel);
	test_at_channel_assert_lines (urcs, (const char *[]){"Quectel", "OK", NULL});
}

/* ---- cancellation from another thread, within one poll slice ---- */

static gpointer
test_at_channel_cancel_thread (gpointer data)
{
	g_usleep (200 * 1000);
	g_cancellable_cancel (G_CANCELLABLE (data));
	return NULL;
}

static void
test_at_channel_cancel (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	GThread *canceller;
	gint64 start;
	gint64 elapsed_ms;

	test_at_channel_start_peer (fx, script_silent, G_N_ELEMENTS (script_silent));
	canceller = g_thread_new ("cancel", test_at_channel_cancel_thread, cancellable);
	start = g_get_monotonic_time ();
	resp = ir_at_channel_command (fx->channel, "AT+CGMI", 10000, cancellable, &error);
	elapsed_ms = (g_get_monotonic_time () - start) / 1000;
	g_thread_join (canceller);

	assert_null (resp);
	test_at_channel_assert_error_contains (error, IR_ERROR_CANCELLED, "AT+CGMI");
	assert_true (elapsed_ms >= 190);
	assert_true (elapsed_ms < 1000);
}

static void
test_at_channel_cancel_before_start (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) resp = NULL;

	struct pollfd pfd = {.fd = fx->master, .events = POLLIN};

	g_cancellable_cancel (cancellable);
	resp = ir_at_channel_command (fx->channel, "AT+CGMI", 3000, cancellable, &error);
	assert_null (resp);
	test_at_channel_assert_error_contains (error, IR_ERROR_CANCELLED, "AT+CGMI");
	/* and it was never sent */
	assert_int_equal (poll (&pfd, 1, 50), 0);
}

/* ---- the phone goes away mid-answer ---- */

static const PeerStep script_hangup[] = {
    {"AT+CGMI\r", 20, {CHUNK ("AT+CGMI\r\r\n+CGMI: Medi")}, TRUE},
};

static void
test_at_channel_hangup (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) resp = NULL;

	test_at_channel_start_peer (fx, script_hangup, G_N_ELEMENTS (script_hangup));
	resp = ir_at_channel_command (fx->channel, "AT+CGMI", 3000, NULL, &error);
	assert_null (resp);
	test_at_channel_assert_error_contains (error, IR_ERROR_DISCONNECTED, "AT+CGMI: ");
	assert_true (g_str_has_prefix (error->message, "AT+CGMI: "));
}

/* ---- URCs before, during and after commands ---- */

static const PeerStep script_urcs[] = {
    {NULL, 0, {CHUNK ("\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n")}},
    {"AT\r", 10, {CHUNK ("AT\r\r\n^RSSI: 17\r\n"), CHUNK ("\r\nOK\r\n\r\nSMS Ready\r\n")}},
    {"AT+CPIN?\r", 0, {CHUNK ("\r\n+CPIN: READY\r\n\r\nOK\r\n")}},
};

static void
test_at_channel_urcs (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAtResponse) at = NULL;
	g_autoptr (IrAtResponse) cpin = NULL;
	g_autoptr (GPtrArray) before = NULL;
	g_autoptr (GPtrArray) after = NULL;

	test_at_channel_start_peer (fx, script_urcs, G_N_ELEMENTS (script_urcs));
	assert_true (test_at_channel_wait_for_input (fx, 3000));
	g_usleep (50 * 1000); /* the boot URCs are one write; let it land whole */

	at = ir_at_channel_command_ok (fx->channel, "AT", 3000, NULL, &error);
	assert_null (error);
	assert_int_equal (at->lines->len, 0);
	test_at_channel_assert_lines (at->urcs, (const char *[]){"^RSSI: 17", NULL});
	before = ir_at_channel_take_urcs (fx->channel);
	test_at_channel_assert_lines (
	    before, (const char *[]){"RDY", "+CFUN: 1", "+CPIN: READY", "^RSSI: 17", NULL});

	/* "+CPIN: READY" answers AT+CPIN?, it is no URC there */
	cpin = ir_at_channel_command_ok (fx->channel, "AT+CPIN?", 3000, NULL, &error);
	assert_null (error);
	test_at_channel_assert_lines (cpin->lines, (const char *[]){"+CPIN: READY", NULL});
	after = ir_at_channel_take_urcs (fx->channel);
	test_at_channel_assert_lines (after, (const char *[]){"SMS Ready", NULL});
}

/* ---- bad commands never reach the device ---- */

static void
test_at_channel_invalid_command (void **state)
{
	Fixture *fx = *state;
	const char *bad[] = {"", "AT\r", "AT+CGMI\nAT+CGMM"};

	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (IrAtResponse) resp =
		    ir_at_channel_command (fx->channel, bad[i], 100, NULL, &error);

		assert_null (resp);
		test_at_channel_assert_error_contains (error, IR_ERROR_INVALID_INPUT, "AT command");
	}
	/* nothing was written to the phone */
	{
		struct pollfd pfd = {.fd = fx->master, .events = POLLIN};

		assert_int_equal (poll (&pfd, 1, 50), 0);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (
		test_at_channel_ok_answers, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_error_answers, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_timeout, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (test_at_channel_late_answer_drained,
					     test_at_channel_setup,
					     test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_cancel, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (test_at_channel_cancel_before_start,
					     test_at_channel_setup,
					     test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_hangup, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_urcs, test_at_channel_setup, test_at_channel_teardown),
	    cmocka_unit_test_setup_teardown (
		test_at_channel_invalid_command, test_at_channel_setup, test_at_channel_teardown),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
