/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include "ir-protocols.h"
#include "ir-session.h"
#include "bench-stats.h"

/* How long an identify of a Qualcomm phone over DIAG takes against
 * imei-sim, through the core API in-process (probe, version info, build id,
 * ESN, NV 550 of both slots), beside a minimal raw termios loop that writes
 * the very same frames (learnt from a recording of one identify) and reads
 * until each answer's 0x7E: the ratio is what our layers (session, DIAG
 * channel, HDLC codec, parsers, driver, profile) cost over bytes on the
 * pseudo-terminal. Prints figures; never fails on a time. */

#define BENCH_DEFAULT_N	  200
#define BENCH_RAW_TIMEOUT 5000 /* ms: only to stop on a broken simulator */

static void
bench_diag_identify_child_setup (gpointer user_data)
{
	/* the simulator must not outlive the benchmark */
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* imei-sim with a dual-IMEI DIAG phone; its pty path in *@pty. */
static GSubprocess *
bench_diag_identify_start_sim (const char *sim_path, char **pty, GError **error)
{
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GSubprocess) proc = NULL;
	g_autoptr (GDataInputStream) stream = NULL;

	g_subprocess_launcher_set_child_setup (
	    launcher, bench_diag_identify_child_setup, NULL, NULL);
	proc = g_subprocess_launcher_spawn (launcher,
					    error,
					    sim_path,
					    "--family",
					    "qualcomm",
					    "--imei",
					    "358476312345671",
					    "--imei",
					    "000000000000000",
					    NULL);
	if (proc == NULL)
		return NULL;
	stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	for (;;) {
		g_autoptr (GError) error_local = NULL;
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error_local);
		if (line == NULL) {
			g_set_error (error,
				     G_IO_ERROR,
				     G_IO_ERROR_FAILED,
				     "%s exited before \"ready\"",
				     sim_path);
			return NULL;
		}
		if (g_strcmp0 (line, "ready") == 0)
			break;
		if (*pty == NULL && strchr (line, ' ') != NULL)
			*pty = g_strdup (strchr (line, ' ') + 1);
	}
	return g_steal_pointer (&proc);
}

static IrDeviceInfo *
bench_diag_identify_once (const char *pty, IrRecording *recording, GError **error)
{
	g_autoptr (IrSession) session = ir_session_open (pty, error);

	if (session == NULL)
		return NULL;
	ir_session_set_protocol (session, IR_SESSION_PROTOCOL_DIAG);
	if (recording != NULL)
		ir_session_set_recording (session, recording);
	return ir_session_identify (session, NULL, NULL, error);
}

/* The frames one identify writes, in order (GBytes each). */
static gboolean
bench_diag_identify_learn (const char *pty, GPtrArray *requests, GError **error)
{
	g_autoptr (IrRecording) recording = ir_recording_new (pty);
	g_autoptr (IrDeviceInfo) info = bench_diag_identify_once (pty, recording, error);

	if (info == NULL)
		return FALSE;
	if (info->slots->len != 2) {
		g_set_error (error,
			     G_IO_ERROR,
			     G_IO_ERROR_FAILED,
			     "the phone read as %u slots",
			     info->slots->len);
		return FALSE;
	}
	for (guint i = 0; i < ir_recording_get_n_events (recording); i++) {
		const IrRecordingEvent *ev = ir_recording_get_event (recording, i);
		if (ev->direction == IR_RECORDING_WRITE)
			g_ptr_array_add (requests, g_bytes_ref (ev->data));
	}
	return TRUE;
}

static gboolean
bench_diag_identify_ours (const char *pty, guint n, GArray *samples, GError **error)
{
	for (guint i = 0; i < n; i++) {
		gint64 t0 = g_get_monotonic_time ();
		g_autoptr (IrDeviceInfo) info = bench_diag_identify_once (pty, NULL, error);
		gdouble ms = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;

		if (info == NULL)
			return FALSE;
		g_array_append_val (samples, ms);
	}
	return TRUE;
}

static int
bench_diag_identify_raw_open (const char *pty, GError **error)
{
	struct termios tio;
	int fd = open (pty, O_RDWR | O_NOCTTY | O_NONBLOCK);

	if (fd < 0 || tcgetattr (fd, &tio) != 0) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s", pty);
		if (fd >= 0)
			close (fd);
		return -1;
	}
	cfmakeraw (&tio);
	tcsetattr (fd, TCSANOW, &tio);
	return fd;
}

/* One request the bare way: write it, read until a 0x7E ends the answer. */
static gboolean
bench_diag_identify_raw_request (int fd, GBytes *request, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (request, &len);
	gboolean done = FALSE;

	if (write (fd, data, len) != (ssize_t)len) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "write failed");
		return FALSE;
	}
	while (!done) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		guint8 chunk[512];
		ssize_t n;

		if (poll (&pfd, 1, BENCH_RAW_TIMEOUT) <= 0) {
			g_set_error_literal (error,
					     G_IO_ERROR,
					     G_IO_ERROR_TIMED_OUT,
					     "no answer from the simulator");
			return FALSE;
		}
		n = read (fd, chunk, sizeof (chunk));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "read failed");
			return FALSE;
		}
		done = chunk[n - 1] == 0x7E;
	}
	return TRUE;
}

static gboolean
bench_diag_identify_raw (
    const char *pty, guint n, GPtrArray *requests, GArray *samples, GError **error)
{
	int fd = bench_diag_identify_raw_open (pty, error);

	if (fd < 0)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		gint64 t0 = g_get_monotonic_time ();
		gdouble ms;

		for (guint r = 0; r < requests->len; r++) {
			if (!bench_diag_identify_raw_request (
				fd, g_ptr_array_index (requests, r), error)) {
				g_prefix_error (error, "run %u, request %u: ", i, r);
				close (fd);
				return FALSE;
			}
		}
		ms = (gdouble)(g_get_monotonic_time () - t0) / 1000.0;
		g_array_append_val (samples, ms);
	}
	close (fd);
	return TRUE;
}

static void
bench_diag_identify_report (guint n, guint n_requests, GArray *ours, GArray *raw)
{
	gdouble ours_med = bench_stats_array_median (ours);
	gdouble raw_med = bench_stats_array_median (raw);

	g_print ("DIAG identify against imei-sim (qualcomm, 2 IMEI slots): %u runs, %u DIAG "
		 "requests each\n\n",
		 n,
		 n_requests);
	g_print ("                                           median          p90\n");
	g_print ("  identify (ours, open included)     %9.3f ms %9.3f ms\n",
		 ours_med,
		 bench_stats_array_percentile (ours, 90));
	g_print ("  raw termios loop, same frames      %9.3f ms %9.3f ms\n",
		 raw_med,
		 bench_stats_array_percentile (raw, 90));
	g_print ("\n  ratio ours/raw (medians)           %9.2f\n",
		 raw_med > 0 ? ours_med / raw_med : 0.0);
}

int
main (int argc, char **argv)
{
	const char *sim_path =
	    g_getenv ("IMEI_SIM") != NULL ? g_getenv ("IMEI_SIM") : IR_BENCH_IMEI_SIM;
	guint64 n = BENCH_DEFAULT_N;
	g_autofree char *pty = NULL;
	g_autoptr (GSubprocess) sim = NULL;
	g_autoptr (GArray) ours = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr (GArray) raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr (GPtrArray) requests =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	g_autoptr (GError) error = NULL;

	if (argc > 2 ||
	    (argc == 2 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 100000, &n, NULL))) {
		g_printerr ("usage: %s [RUNS]   (RUNS from 1 to 100000, default %u; "
			    "$IMEI_SIM overrides the simulator)\n",
			    argv[0],
			    BENCH_DEFAULT_N);
		return 2;
	}
	/* the session finds the DIAG driver among the registered families */
	ir_protocols_register ();
	sim = bench_diag_identify_start_sim (sim_path, &pty, &error);
	if (sim == NULL || pty == NULL) {
		g_printerr ("bench-diag-identify: cannot start the simulator %s: %s\n",
			    sim_path,
			    error != NULL ? error->message : "it printed no port");
		return 1;
	}
	if (!bench_diag_identify_learn (pty, requests, &error) ||
	    !bench_diag_identify_ours (pty, (guint)n, ours, &error) ||
	    !bench_diag_identify_raw (pty, (guint)n, requests, raw, &error)) {
		g_printerr ("bench-diag-identify: %s\n", error->message);
		g_subprocess_send_signal (sim, SIGTERM);
		return 1;
	}
	bench_diag_identify_report ((guint)n, requests->len, ours, raw);
	g_subprocess_send_signal (sim, SIGTERM);
	g_subprocess_wait (sim, NULL, NULL);
	return 0;
}
