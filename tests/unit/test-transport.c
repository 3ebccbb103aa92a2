/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-port.h"
#include "ir-transport-replay.h"
#include "ir-transport-serialport.h"
#include "ir-transport-termios.h"
#include "ir-test-holder.h"

/* A real pseudo-terminal pair: the test plays the phone on the master, the
 * transport under test opens the slave by path, as it opens imei-sim's. */
typedef struct {
	int master;
	char *slave_path;
	IrTransport *transport;
	char *tmpdir;
} PtyFixture;

static int
test_transport_pty_setup (void **state)
{
	PtyFixture *fx = g_new0 (PtyFixture, 1);
	int slave = -1;
	char name[256] = {0};
	g_autoptr (GError) error = NULL;

	assert_int_equal (openpty (&fx->master, &slave, name, NULL, NULL), 0);
	/* keep only the master: the slave must be opened by the transport */
	close (slave);
	fx->slave_path = g_strdup (name);
	fx->transport = ir_transport_termios_new (fx->slave_path);
	fx->tmpdir = g_dir_make_tmp ("ir-test-transport-XXXXXX", &error);
	assert_non_null (fx->tmpdir);
	*state = fx;
	return 0;
}

static int
test_transport_pty_teardown (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GDir) dir = g_dir_open (fx->tmpdir, 0, NULL);
	const char *name;

	g_clear_object (&fx->transport);
	if (fx->master >= 0)
		close (fx->master);
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *path = g_build_filename (fx->tmpdir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (fx->tmpdir);
	g_free (fx->tmpdir);
	g_free (fx->slave_path);
	g_free (fx);
	return 0;
}

static void
test_transport_master_write (PtyFixture *fx, const char *text)
{
	assert_int_equal (write (fx->master, text, strlen (text)), (ssize_t)strlen (text));
}

static char *
test_transport_master_read_all (PtyFixture *fx, gsize want)
{
	GString *got = g_string_new (NULL);
	gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

	while (got->len < want && g_get_monotonic_time () < deadline) {
		char buf[256];
		GPollFD pfd = {.fd = fx->master, .events = G_IO_IN};
		ssize_t n;

		if (g_poll (&pfd, 1, 100) <= 0)
			continue;
		n = read (fx->master, buf, sizeof (buf));
		if (n > 0)
			g_string_append_len (got, buf, n);
	}
	return g_string_free (got, FALSE);
}

static void
test_transport_termios_write_read (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *got = NULL;
	guint8 buf[64] = {0};
	gssize n;

	assert_true (ir_transport_open (fx->transport, &error));
	assert_null (error);
	assert_true (ir_transport_is_open (fx->transport));
	assert_string_equal (ir_transport_get_path (fx->transport), fx->slave_path);

	/* raw mode: "\r" must arrive as "\r", not translated to "\n" */
	assert_true (ir_transport_write (fx->transport, (const guint8 *)"AT+CGMI\r", 8, &error));
	got = test_transport_master_read_all (fx, 8);
	assert_string_equal (got, "AT+CGMI\r");

	test_transport_master_write (fx, "\r\nMediaTek\r\n\r\nOK\r\n");
	n = ir_transport_read (fx->transport, buf, sizeof (buf) - 1, 2000, NULL, &error);
	assert_null (error);
	assert_true (n > 0);
	/* a pty may deliver in pieces: collect the rest */
	while (n < 18) {
		gssize more = ir_transport_read (
		    fx->transport, buf + n, sizeof (buf) - 1 - n, 2000, NULL, &error);
		assert_true (more > 0);
		n += more;
	}
	assert_int_equal (n, 18);
	assert_memory_equal (buf, "\r\nMediaTek\r\n\r\nOK\r\n", 18);
}

static void
test_transport_termios_timeout (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	guint8 buf[16];
	gint64 start;
	gint64 elapsed_ms;

	assert_true (ir_transport_open (fx->transport, &error));
	start = g_get_monotonic_time ();
	assert_int_equal (ir_transport_read (fx->transport, buf, sizeof (buf), 150, NULL, &error),
			  0);
	elapsed_ms = (g_get_monotonic_time () - start) / 1000;
	assert_null (error);
	assert_true (elapsed_ms >= 140);
	assert_true (elapsed_ms < 2000);
}

static gboolean
test_transport_cancel_cb (gpointer user_data)
{
	g_cancellable_cancel (G_CANCELLABLE (user_data));
	return G_SOURCE_REMOVE;
}

static gpointer
test_transport_cancel_thread (gpointer user_data)
{
	g_usleep (100 * 1000);
	test_transport_cancel_cb (user_data);
	return NULL;
}

static void
test_transport_termios_cancel (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	g_autoptr (GThread) thread = NULL;
	guint8 buf[16];
	gint64 start;

	assert_true (ir_transport_open (fx->transport, &error));
	thread = g_thread_new ("cancel", test_transport_cancel_thread, cancellable);
	start = g_get_monotonic_time ();
	assert_int_equal (
	    ir_transport_read (fx->transport, buf, sizeof (buf), 10000, cancellable, &error), -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED));
	/* well before the 10 s timeout */
	assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
	g_thread_join (g_steal_pointer (&thread));
}

static void
test_transport_termios_hangup (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrRecording) recording = ir_recording_new (fx->slave_path);
	guint8 buf[16];
	const IrRecordingEvent *last;

	assert_true (ir_transport_open (fx->transport, &error));
	ir_transport_set_recording (fx->transport, recording);
	close (fx->master);
	fx->master = -1;
	assert_int_equal (ir_transport_read (fx->transport, buf, sizeof (buf), 2000, NULL, &error),
			  -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED));
	assert_non_null (strstr (error->message, fx->slave_path));
	assert_non_null (strstr (error->message, "went away"));
	/* the hangup is part of the recorded session */
	assert_int_equal (ir_recording_get_n_events (recording), 1);
	last = ir_recording_get_event (recording, 0);
	assert_int_equal (last->direction, IR_RECORDING_HANGUP);
}

static void
test_transport_termios_busy (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTransport) second = ir_transport_termios_new (fx->slave_path);
	g_autofree char *pid = g_strdup_printf ("(pid %d)", (int)getpid ());

	assert_true (ir_transport_open (fx->transport, &error));
	assert_false (ir_transport_open (second, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_BUSY));
	assert_non_null (strstr (error->message, fx->slave_path));
	/* the holder is this very process, found through /proc */
	assert_non_null (strstr (error->message, pid));
	assert_non_null (strstr (error->message, "70-imeirestore.rules"));
	assert_false (ir_transport_is_open (second));

	/* once the first lets go, the second gets the port */
	ir_transport_close (fx->transport);
	g_clear_error (&error);
	assert_true (ir_transport_open (second, &error));
	assert_null (error);
}

/* A program that takes no lock (screen, cat) and has the port open would
 * steal the phone's answers: the port is refused, naming it, before a
 * byte is sent; once it is gone the port opens. */
static void
test_transport_termios_held_without_lock (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocess) holder = NULL;
	g_autofree char *pid = NULL;

	holder = ir_test_holder_spawn (fx->slave_path);
	pid = ir_test_holder_describe (holder);
	assert_false (ir_transport_open (fx->transport, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_BUSY));
	assert_non_null (strstr (error->message, fx->slave_path));
	assert_non_null (strstr (error->message, pid));
	assert_false (ir_transport_is_open (fx->transport));

	g_subprocess_force_exit (holder);
	assert_true (g_subprocess_wait (holder, NULL, NULL));
	g_clear_error (&error);
	assert_true (ir_transport_open (fx->transport, &error));
}

/* The restore flow's open: the port is taken at once and the rival scan
 * runs on a thread of its own until the caller finishes it, before it
 * writes anything. A rival found then is named with the text of a
 * refusal at open; without one the check passes, and it is finished once. */
static void
test_transport_termios_held_check_later (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocess) holder = NULL;
	g_autoptr (IrTransport) later = ir_transport_termios_new (fx->slave_path);
	g_autofree char *pid = NULL;

	holder = ir_test_holder_spawn (fx->slave_path);
	pid = ir_test_holder_describe (holder);
	/* the text a refusal at open has */
	assert_false (ir_transport_open (fx->transport, &error));
	assert_non_null (strstr (error->message, "would take the phone's answers"));
	g_clear_error (&error);

	ir_transport_termios_set_check_later (IR_TRANSPORT_TERMIOS (fx->transport), TRUE);
	assert_true (ir_transport_open (fx->transport, &error));
	assert_true (ir_transport_is_open (fx->transport));
	assert_false (
	    ir_transport_termios_check_finish (IR_TRANSPORT_TERMIOS (fx->transport), &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_BUSY));
	assert_non_null (strstr (error->message, fx->slave_path));
	assert_non_null (strstr (error->message, pid));
	assert_non_null (strstr (error->message, "would take the phone's answers"));
	g_clear_error (&error);
	/* finished: not asked again */
	assert_true (
	    ir_transport_termios_check_finish (IR_TRANSPORT_TERMIOS (fx->transport), &error));
	ir_transport_close (fx->transport);

	/* a check never finished is waited for at close */
	ir_transport_termios_set_check_later (IR_TRANSPORT_TERMIOS (later), TRUE);
	assert_true (ir_transport_open (later, &error));
	ir_transport_close (later);

	g_subprocess_force_exit (holder);
	assert_true (g_subprocess_wait (holder, NULL, NULL));
	assert_true (ir_transport_open (fx->transport, &error));
	assert_true (
	    ir_transport_termios_check_finish (IR_TRANSPORT_TERMIOS (fx->transport), &error));
	assert_null (error);
}

#define TEST_TRANSPORT_CONCURRENT_PORTS 8

typedef struct {
	IrTransport *transport;
	GError *error;
	gboolean opened;
} TestTransportConcurrentOpen;

static gpointer
test_transport_concurrent_open (gpointer data)
{
	TestTransportConcurrentOpen *job = data;

	job->opened = ir_transport_open (job->transport, &job->error);
	return NULL;
}

/* Ports opened at once from several threads (restore --all) share the
 * /proc scans for rivals, and each still sees the rival that held its port
 * before it asked: the held one is refused, naming the holder; the
 * others open. */
static void
test_transport_termios_held_concurrent (void **state)
{
	TestTransportConcurrentOpen jobs[TEST_TRANSPORT_CONCURRENT_PORTS] = {{NULL}};
	GThread *threads[TEST_TRANSPORT_CONCURRENT_PORTS];
	int masters[TEST_TRANSPORT_CONCURRENT_PORTS];
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
	g_autoptr (GSubprocess) holder = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *held_by = NULL;
	const guint held = 3;

	for (guint i = 0; i < TEST_TRANSPORT_CONCURRENT_PORTS; i++) {
		char name[256] = {0};
		int slave = -1;

		assert_int_equal (openpty (&masters[i], &slave, name, NULL, NULL), 0);
		if (i == held)
			g_subprocess_launcher_take_stdin_fd (launcher, slave);
		else
			close (slave);
		jobs[i].transport = ir_transport_termios_new (name);
	}
	/* a scan from before the holder was there: it must not be reused */
	assert_true (ir_transport_open (jobs[held].transport, &error));
	ir_transport_close (jobs[held].transport);
	holder = g_subprocess_launcher_spawn (launcher, &error, "sleep", "30", NULL);
	assert_non_null (holder);
	held_by = g_strdup_printf ("(pid %s)", g_subprocess_get_identifier (holder));
	for (guint i = 0; i < TEST_TRANSPORT_CONCURRENT_PORTS; i++)
		threads[i] = g_thread_new ("open", test_transport_concurrent_open, &jobs[i]);
	for (guint i = 0; i < TEST_TRANSPORT_CONCURRENT_PORTS; i++)
		g_thread_join (threads[i]);
	for (guint i = 0; i < TEST_TRANSPORT_CONCURRENT_PORTS; i++) {
		if (i == held) {
			assert_false (jobs[i].opened);
			assert_true (g_error_matches (jobs[i].error, IR_ERROR, IR_ERROR_BUSY));
			assert_non_null (strstr (jobs[i].error->message, held_by));
		} else {
			assert_true (jobs[i].opened);
			assert_null (jobs[i].error);
		}
		g_clear_error (&jobs[i].error);
		g_object_unref (jobs[i].transport);
		close (masters[i]);
	}
	g_subprocess_force_exit (holder);
	assert_true (g_subprocess_wait (holder, NULL, NULL));
}

/* Open, the port is exclusive (TIOCEXCL: ModemManager's open() then fails
 * with EBUSY); closed, it is not, so the next session can open it. */
static void
test_transport_termios_exclusive (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	int other = open (fx->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	int excl = 0;

	assert_true (other >= 0);
	assert_true (ir_transport_open (fx->transport, &error));
	assert_int_equal (ioctl (other, TIOCGEXCL, &excl), 0);
	assert_int_equal (excl, 1);
	ir_transport_close (fx->transport);
	assert_int_equal (ioctl (other, TIOCGEXCL, &excl), 0);
	assert_int_equal (excl, 0);
	close (other);
}

/* A termios transport over any descriptor the test opens: poll() and
 * read() are the transport's own, only the descriptor differs. */
#define TEST_TYPE_FD_TRANSPORT (test_fd_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestFdTransport, test_fd_transport, TEST, FD_TRANSPORT, IrTransportTermios)

struct _TestFdTransport {
	IrTransportTermios parent_instance;
	int fd;
};

G_DEFINE_TYPE (TestFdTransport, test_fd_transport, IR_TYPE_TRANSPORT_TERMIOS)

static gboolean
test_fd_transport_open (IrTransport *transport, GError **error)
{
	TestFdTransport *self = TEST_FD_TRANSPORT (transport);

	return ir_transport_termios_adopt_fd (IR_TRANSPORT_TERMIOS (self), self->fd, TRUE, error);
}

static void
test_fd_transport_class_init (TestFdTransportClass *klass)
{
	IR_TRANSPORT_CLASS (klass)->open = test_fd_transport_open;
}

static void
test_fd_transport_init (TestFdTransport *self)
{
}

static IrTransport *
test_fd_transport_new (const char *path, int fd)
{
	TestFdTransport *self = g_object_new (TEST_TYPE_FD_TRANSPORT, "path", path, NULL);

	self->fd = fd;
	return IR_TRANSPORT (self);
}

/* A descriptor that poll() calls readable and read() answers with zero
 * bytes, the line still up: what a tty shows when another reader took the
 * bytes poll() saw (screen, cat on the same port). An empty file does it
 * every time. That is no hang-up: the read waits out its time and says
 * "nothing yet". */
static void
test_transport_termios_zero_read_is_not_hangup (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = g_build_filename (fx->tmpdir, "empty", NULL);
	g_autoptr (IrTransport) transport = NULL;
	guint8 buf[8];

	assert_true (g_file_set_contents (path, "", 0, NULL));
	transport = test_fd_transport_new (path, open (path, O_RDONLY | O_NONBLOCK));
	assert_true (ir_transport_open (transport, &error));
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 100, NULL, &error), 0);
	assert_null (error);
}

/* Zero bytes with POLLHUP is the real hang-up: a pipe whose writer is
 * gone, as a USB port that was unplugged. */
static void
test_transport_termios_zero_read_with_hup_is_hangup (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTransport) transport = NULL;
	int fds[2];
	guint8 buf[8];

	assert_int_equal (pipe (fds), 0);
	transport = test_fd_transport_new ("pipe", fds[0]);
	assert_true (ir_transport_open (transport, &error));
	close (fds[1]);
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 2000, NULL, &error), -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED));
}

static void
test_transport_termios_not_a_tty (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = g_build_filename (fx->tmpdir, "plain-file", NULL);
	g_autoptr (IrTransport) transport = NULL;

	assert_true (g_file_set_contents (path, "hello", -1, NULL));
	transport = ir_transport_termios_new (path);
	assert_false (ir_transport_open (transport, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_A_PHONE));
	assert_non_null (strstr (error->message, "is not a serial port"));
}

static void
test_transport_termios_missing (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = g_build_filename (fx->tmpdir, "ttyNOPE", NULL);
	g_autoptr (IrTransport) transport = ir_transport_termios_new (path);

	assert_false (ir_transport_open (transport, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
	assert_non_null (strstr (error->message, "imeictl list"));
}

static void
test_transport_termios_not_open (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	guint8 buf[4];

	assert_false (ir_transport_write (fx->transport, (const guint8 *)"AT\r", 3, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_FAILED));
	g_clear_error (&error);
	assert_int_equal (ir_transport_read (fx->transport, buf, sizeof (buf), 10, NULL, &error),
			  -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_FAILED));
}

static void
test_transport_recording_captures_both_directions (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrRecording) recording = ir_recording_new (fx->slave_path);
	g_autofree char *got = NULL;
	g_autoptr (GString) read_back = g_string_new (NULL);
	guint8 buf[64];
	guint n_events;
	const IrRecordingEvent *ev;

	assert_true (ir_transport_open (fx->transport, &error));
	ir_transport_set_recording (fx->transport, recording);
	assert_ptr_equal (ir_transport_get_recording (fx->transport), recording);

	assert_true (ir_transport_write (fx->transport, (const guint8 *)"AT\r", 3, &error));
	got = test_transport_master_read_all (fx, 3);
	assert_string_equal (got, "AT\r");
	test_transport_master_write (fx, "OK\r\n");
	while (read_back->len < 4) {
		gssize n = ir_transport_read (fx->transport, buf, sizeof (buf), 2000, NULL, &error);
		assert_true (n > 0);
		g_string_append_len (read_back, (const char *)buf, n);
	}
	/* a timeout adds nothing */
	n_events = ir_recording_get_n_events (recording);
	assert_int_equal (ir_transport_read (fx->transport, buf, sizeof (buf), 100, NULL, &error),
			  0);
	assert_int_equal (ir_recording_get_n_events (recording), n_events);

	assert_true (n_events >= 2);
	ev = ir_recording_get_event (recording, 0);
	assert_int_equal (ev->direction, IR_RECORDING_WRITE);
	assert_int_equal (g_bytes_get_size (ev->data), 3);
	assert_memory_equal (g_bytes_get_data (ev->data, NULL), "AT\r", 3);
	g_string_truncate (read_back, 0);
	for (guint i = 1; i < n_events; i++) {
		ev = ir_recording_get_event (recording, i);
		assert_int_equal (ev->direction, IR_RECORDING_READ);
		assert_true (ev->time_us >= ir_recording_get_event (recording, i - 1)->time_us);
		g_string_append_len (
		    read_back, g_bytes_get_data (ev->data, NULL), g_bytes_get_size (ev->data));
	}
	assert_string_equal (read_back->str, "OK\r\n");

	/* detached: nothing more is recorded */
	ir_transport_set_recording (fx->transport, NULL);
	assert_true (ir_transport_write (fx->transport, (const guint8 *)"AT\r", 3, &error));
	assert_int_equal (ir_recording_get_n_events (recording), n_events);
}

/* --- replay --- */

static IrRecording *
test_transport_replay_session (void)
{
	IrRecording *rec = ir_recording_new ("/dev/ttyUSB0");

	ir_recording_add_at (rec, IR_RECORDING_WRITE, 0, (const guint8 *)"AT+CGMI\r", 8);
	ir_recording_add_at (rec, IR_RECORDING_READ, 100, (const guint8 *)"\r\nMediaTek\r\n", 12);
	ir_recording_add_at (rec, IR_RECORDING_READ, 200, (const guint8 *)"\r\nOK\r\n", 6);
	ir_recording_add_at (rec, IR_RECORDING_WRITE, 300, (const guint8 *)"AT+CGMM\r", 8);
	ir_recording_add_at (
	    rec, IR_RECORDING_READ, 400, (const guint8 *)"\r\nMT6765\r\n\r\nOK\r\n", 16);
	return rec;
}

/* everything that can be read right now, as a string */
static char *
test_transport_replay_read_available (IrTransport *transport)
{
	GString *got = g_string_new (NULL);

	for (;;) {
		g_autoptr (GError) error = NULL;
		guint8 buf[5]; /* small on purpose: remainders must be kept */
		gssize n = ir_transport_read (transport, buf, sizeof (buf), 10, NULL, &error);

		assert_null (error);
		if (n == 0)
			break;
		g_string_append_len (got, (const char *)buf, n);
	}
	return g_string_free (got, FALSE);
}

static void
test_transport_replay_matching (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;
	g_autofree char *before = NULL;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;

	assert_string_equal (ir_transport_get_path (transport), "replay:s.json");
	assert_true (ir_transport_open (transport, &error));
	/* the phone does not answer a command it has not been sent */
	before = test_transport_replay_read_available (transport);
	assert_string_equal (before, "");
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+CGMI\r", 8, &error));
	first = test_transport_replay_read_available (transport);
	assert_string_equal (first, "\r\nMediaTek\r\n\r\nOK\r\n");
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+CGMM\r", 8, &error));
	second = test_transport_replay_read_available (transport);
	assert_string_equal (second, "\r\nMT6765\r\n\r\nOK\r\n");
}

static void
test_transport_replay_split_and_joined_writes (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;
	g_autofree char *partial = NULL;
	g_autofree char *all = NULL;

	assert_true (ir_transport_open (transport, &error));
	/* split: the answer comes only once the whole command is in */
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+", 3, &error));
	partial = test_transport_replay_read_available (transport);
	assert_string_equal (partial, "");
	/* joined: the rest of one command and all of the next at once */
	assert_true (ir_transport_write (transport, (const guint8 *)"CGMI\rAT+CGMM\r", 13, &error));
	assert_null (error);
	all = test_transport_replay_read_available (transport);
	assert_string_equal (all, "\r\nMediaTek\r\n\r\nOK\r\n\r\nMT6765\r\n\r\nOK\r\n");
}

static void
test_transport_replay_mismatch (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;
	g_autofree char *first = NULL;

	assert_true (ir_transport_open (transport, &error));
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+CGMI\r", 8, &error));
	first = test_transport_replay_read_available (transport);
	assert_false (ir_transport_write (transport, (const guint8 *)"AT+CGSN\r", 8, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_REPLAY_MISMATCH));
	assert_non_null (strstr (error->message, "s.json"));
	assert_non_null (strstr (error->message, "event 3"));
	assert_non_null (strstr (error->message, "expected \"AT+CGMM\\r\""));
	assert_non_null (strstr (error->message, "got \"AT+CGSN\\r\""));
}

static void
test_transport_replay_write_past_end (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;

	assert_true (ir_transport_open (transport, &error));
	assert_true (
	    ir_transport_write (transport, (const guint8 *)"AT+CGMI\rAT+CGMM\r", 16, &error));
	assert_false (ir_transport_write (transport, (const guint8 *)"\x01", 1, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_REPLAY_MISMATCH));
	assert_non_null (strstr (error->message, "no more writes"));
	assert_non_null (strstr (error->message, "\\x01"));
}

static void
test_transport_replay_silent_tail (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	g_autoptr (GThread) thread = NULL;
	g_autofree char *all = NULL;
	guint8 buf[8];
	gint64 start;

	assert_true (ir_transport_open (transport, &error));
	assert_true (
	    ir_transport_write (transport, (const guint8 *)"AT+CGMI\rAT+CGMM\r", 16, &error));
	all = test_transport_replay_read_available (transport);
	assert_string_equal (all, "\r\nMediaTek\r\n\r\nOK\r\n\r\nMT6765\r\n\r\nOK\r\n");
	/* past the end the phone is silent for the whole timeout */
	start = g_get_monotonic_time ();
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 150, NULL, &error), 0);
	assert_null (error);
	assert_true (g_get_monotonic_time () - start >= 140 * 1000);
	/* and that wait can be cancelled */
	thread = g_thread_new ("cancel", test_transport_cancel_thread, cancellable);
	start = g_get_monotonic_time ();
	assert_int_equal (
	    ir_transport_read (transport, buf, sizeof (buf), 10000, cancellable, &error), -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED));
	assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
	g_thread_join (g_steal_pointer (&thread));
}

static void
test_transport_replay_hangup (void **state)
{
	g_autoptr (IrRecording) rec = ir_recording_new ("/dev/ttyUSB0");
	g_autoptr (IrTransport) transport = NULL;
	g_autoptr (GError) error = NULL;
	guint8 buf[8];

	ir_recording_add_at (rec, IR_RECORDING_WRITE, 0, (const guint8 *)"AT\r", 3);
	ir_recording_add_at (rec, IR_RECORDING_READ, 10, (const guint8 *)"OK\r\n", 4);
	ir_recording_add_at (rec, IR_RECORDING_HANGUP, 20, NULL, 0);
	transport = ir_transport_replay_new_from_recording (rec, "h.json");
	assert_true (ir_transport_open (transport, &error));
	assert_true (ir_transport_write (transport, (const guint8 *)"AT\r", 3, &error));
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 10, NULL, &error), 4);
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 10, NULL, &error), -1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED));
	g_clear_error (&error);
	assert_false (ir_transport_write (transport, (const guint8 *)"AT\r", 3, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED));
}

static void
test_transport_replay_from_file (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autofree char *path = g_build_filename (fx->tmpdir, "session.json", NULL);
	g_autofree char *expected_path = g_strdup_printf ("replay:%s", path);
	g_autofree char *bad = g_build_filename (fx->tmpdir, "bad.json", NULL);
	g_autoptr (IrTransport) transport = NULL;
	g_autoptr (IrTransport) missing = NULL;
	g_autoptr (IrTransport) invalid = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *first = NULL;

	assert_true (ir_recording_save (rec, path, &error));
	transport = ir_transport_replay_new (path, &error);
	assert_non_null (transport);
	assert_string_equal (ir_transport_get_path (transport), expected_path);
	assert_true (ir_transport_open (transport, &error));
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+CGMI\r", 8, &error));
	first = test_transport_replay_read_available (transport);
	assert_string_equal (first, "\r\nMediaTek\r\n\r\nOK\r\n");

	missing = ir_transport_replay_new ("/nonexistent.json", &error);
	assert_null (missing);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
	g_clear_error (&error);
	assert_true (g_file_set_contents (bad, "{}", -1, NULL));
	invalid = ir_transport_replay_new (bad, &error);
	assert_null (invalid);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
}

static void
test_transport_replay_records (void **state)
{
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrRecording) capture = ir_recording_new ("again");
	g_autoptr (IrTransport) transport = ir_transport_replay_new_from_recording (rec, "s.json");
	g_autoptr (GError) error = NULL;
	g_autofree char *first = NULL;

	/* recording is the base class's job, so replay sessions record too */
	ir_transport_set_recording (transport, capture);
	assert_true (ir_transport_open (transport, &error));
	assert_true (ir_transport_write (transport, (const guint8 *)"AT+CGMI\r", 8, &error));
	first = test_transport_replay_read_available (transport);
	assert_true (ir_recording_get_n_events (capture) >= 2);
	assert_int_equal (ir_recording_get_event (capture, 0)->direction, IR_RECORDING_WRITE);
	assert_int_equal (ir_recording_get_event (capture, 1)->direction, IR_RECORDING_READ);
}

/* --- choosing a transport for a path --- */

static void
test_transport_port_transport_kinds (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *link = g_build_filename (fx->tmpdir, "phone0", NULL);
	g_autofree char *missing = g_build_filename (fx->tmpdir, "ttyGONE", NULL);
	g_autofree char *session = g_build_filename (fx->tmpdir, "s.json", NULL);
	g_autofree char *replay_path = g_strdup_printf ("replay:%s", session);
	g_autoptr (IrRecording) rec = test_transport_replay_session ();
	g_autoptr (IrTransport) pty = NULL;
	g_autoptr (IrTransport) via_link = NULL;
	g_autoptr (IrTransport) replay = NULL;
	g_autoptr (IrTransport) none = NULL;
	g_autoptr (IrTransport) no_replay = NULL;

	/* a pseudo-terminal goes to termios, also behind imei-sim's symlink */
	pty = ir_port_transport_new (fx->slave_path, &error);
	assert_non_null (pty);
	assert_true (G_TYPE_CHECK_INSTANCE_TYPE (pty, IR_TYPE_TRANSPORT_TERMIOS));
	assert_false (G_TYPE_CHECK_INSTANCE_TYPE (pty, IR_TYPE_TRANSPORT_SERIALPORT));
	assert_int_equal (symlink (fx->slave_path, link), 0);
	via_link = ir_port_transport_new (link, &error);
	assert_non_null (via_link);
	assert_false (G_TYPE_CHECK_INSTANCE_TYPE (via_link, IR_TYPE_TRANSPORT_SERIALPORT));
	assert_string_equal (ir_transport_get_path (via_link), link);
	assert_true (ir_transport_open (via_link, &error));
	assert_null (error);

	/* replay:FILE */
	assert_true (ir_recording_save (rec, session, &error));
	replay = ir_port_transport_new (replay_path, &error);
	assert_non_null (replay);
	assert_true (IR_IS_TRANSPORT_REPLAY (replay));
	assert_string_equal (ir_transport_get_path (replay), replay_path);

	/* what does not exist is NOT_FOUND, with the way out */
	none = ir_port_transport_new (missing, &error);
	assert_null (none);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
	assert_non_null (strstr (error->message, missing));
	assert_non_null (strstr (error->message, "imeictl list"));
	g_clear_error (&error);
	no_replay = ir_port_transport_new ("replay:/nonexistent.json", &error);
	assert_null (no_replay);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
}

static void
test_transport_port_query (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPortInfo) pty = NULL;
	g_autoptr (IrPortInfo) missing = NULL;

	pty = ir_port_query (fx->slave_path, &error);
	assert_non_null (pty);
	assert_string_equal (pty->kind, "pty");
	assert_string_equal (pty->path, fx->slave_path);
	assert_int_equal (pty->usb_vid, 0);
	assert_int_equal (pty->usb_bus, -1);
	assert_null (pty->usb_serial);

	missing = ir_port_query ("/dev/ttyIMEIRESTORE-NONE", &error);
	assert_null (missing);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_FOUND));
}

static void
test_transport_port_list_sorted (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) ports = ir_port_list (&error);

	/* the machine's own ports vary: check only what always holds */
	assert_non_null (ports);
	assert_null (error);
	for (guint i = 0; i < ports->len; i++) {
		IrPortInfo *info = g_ptr_array_index (ports, i);

		assert_true (g_str_has_prefix (info->path, "/dev/"));
		assert_non_null (info->kind);
		if (i > 0) {
			IrPortInfo *prev = g_ptr_array_index (ports, i - 1);
			assert_true (g_strcmp0 (prev->path, info->path) <= 0);
		}
	}
}

/* --- the one errno mapping --- */

typedef struct {
	int errnum;
	gboolean opening;
	IrError code;
	const char *message; /* a part of the message */
} ErrnoCase;

static const ErrnoCase errno_cases[] = {
    {ENOENT, TRUE, IR_ERROR_NOT_FOUND, "imeictl list"},
    {ENODEV, TRUE, IR_ERROR_NOT_FOUND, "imeictl list"},
    {ENXIO, TRUE, IR_ERROR_NOT_FOUND, "imeictl list"},
    {EACCES, TRUE, IR_ERROR_PERMISSION_DENIED, "'dialout' group"},
    {EPERM, TRUE, IR_ERROR_PERMISSION_DENIED, "sudo usermod -aG dialout $USER"},
    {EACCES, TRUE, IR_ERROR_PERMISSION_DENIED, "70-imeirestore.rules"},
    {EBUSY, TRUE, IR_ERROR_BUSY, "is in use by"},
    {EWOULDBLOCK, TRUE, IR_ERROR_BUSY, "ModemManager"},
    {EIO, FALSE, IR_ERROR_DISCONNECTED, "went away: it was unplugged or rebooted"},
    {ENODEV, FALSE, IR_ERROR_DISCONNECTED, "went away"},
    {ENXIO, FALSE, IR_ERROR_DISCONNECTED, "went away"},
    {EPIPE, FALSE, IR_ERROR_DISCONNECTED, "went away"},
    {ETIMEDOUT, FALSE, IR_ERROR_TIMEOUT, "failed to read from"},
    {EINVAL, FALSE, IR_ERROR_FAILED, "Invalid argument"},
};

static void
test_transport_errno_mapping (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (errno_cases); i++) {
		const ErrnoCase *c = &errno_cases[i];
		g_autoptr (GError) error = NULL;

		ir_transport_termios_set_error_errno (&error,
						      c->errnum,
						      c->opening ? "open" : "read from",
						      "/dev/ttyTEST9",
						      c->opening);
		assert_non_null (error);
		if (!g_error_matches (error, IR_ERROR, c->code))
			fail_msg ("case %u: code %d, expected %d: %s",
				  i,
				  error->code,
				  c->code,
				  error->message);
		if (strstr (error->message, "/dev/ttyTEST9") == NULL ||
		    strstr (error->message, c->message) == NULL)
			fail_msg ("case %u: \"%s\" lacks the port or \"%s\"",
				  i,
				  error->message,
				  c->message);
	}
}

/* the phone reads slowly: write() must still deliver everything */
typedef struct {
	int master;
	gsize want;
	gsize got;
} SlowReader;

static gpointer
slow_reader_thread (gpointer user_data)
{
	SlowReader *r = user_data;
	gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

	while (r->got < r->want && g_get_monotonic_time () < deadline) {
		char buf[512];
		GPollFD pfd = {.fd = r->master, .events = G_IO_IN};
		ssize_t n;

		if (g_poll (&pfd, 1, 100) <= 0)
			continue;
		n = read (r->master, buf, sizeof (buf));
		if (n > 0)
			r->got += (gsize)n;
		g_usleep (200);
	}
	return NULL;
}

static void
test_transport_termios_large_write (void **state)
{
	PtyFixture *fx = *state;
	g_autoptr (GError) error = NULL;
	g_autofree guint8 *data = g_malloc (256 * 1024);
	SlowReader reader = {.master = fx->master, .want = 256 * 1024};
	GThread *thread;

	memset (data, 'A', 256 * 1024);
	assert_true (ir_transport_open (fx->transport, &error));
	/* opening twice is harmless */
	assert_true (ir_transport_open (fx->transport, &error));
	thread = g_thread_new ("slow-reader", slow_reader_thread, &reader);
	/* far more than the pty buffers: the write must wait for room */
	assert_true (ir_transport_write (fx->transport, data, 256 * 1024, &error));
	assert_null (error);
	g_thread_join (thread);
	assert_int_equal (reader.got, 256 * 1024);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (test_transport_termios_write_read,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_timeout,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_cancel,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_hangup,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (
		test_transport_termios_busy, test_transport_pty_setup, test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_held_without_lock,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_held_check_later,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test (test_transport_termios_held_concurrent),
	    cmocka_unit_test_setup_teardown (test_transport_termios_exclusive,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_zero_read_is_not_hangup,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test (test_transport_termios_zero_read_with_hup_is_hangup),
	    cmocka_unit_test_setup_teardown (test_transport_termios_not_a_tty,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_missing,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_termios_not_open,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (test_transport_recording_captures_both_directions,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test (test_transport_replay_matching),
	    cmocka_unit_test (test_transport_replay_split_and_joined_writes),
	    cmocka_unit_test (test_transport_replay_mismatch),
	    cmocka_unit_test (test_transport_replay_write_past_end),
	    cmocka_unit_test (test_transport_replay_silent_tail),
	    cmocka_unit_test (test_transport_replay_hangup),
	    cmocka_unit_test_setup_teardown (test_transport_replay_from_file,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test (test_transport_replay_records),
	    cmocka_unit_test_setup_teardown (test_transport_port_transport_kinds,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	    cmocka_unit_test_setup_teardown (
		test_transport_port_query, test_transport_pty_setup, test_transport_pty_teardown),
	    cmocka_unit_test (test_transport_port_list_sorted),
	    cmocka_unit_test (test_transport_errno_mapping),
	    cmocka_unit_test_setup_teardown (test_transport_termios_large_write,
					     test_transport_pty_setup,
					     test_transport_pty_teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
