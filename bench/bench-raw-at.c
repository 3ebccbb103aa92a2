/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>

#include "bench-raw-at.h"

int
bench_raw_at_open (const char *port, GError **error)
{
	struct termios tio;
	int fd = open (port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || tcgetattr (fd, &tio) != 0) {
		int saved = errno;
		g_set_error (error,
			     G_IO_ERROR,
			     g_io_error_from_errno (saved),
			     "cannot open %s: %s",
			     port,
			     g_strerror (saved));
		if (fd >= 0)
			close (fd);
		return -1;
	}
	cfmakeraw (&tio);
	tcsetattr (fd, TCSANOW, &tio);
	return fd;
}

static gboolean
bench_raw_at_final (const GString *buf)
{
	return g_str_has_suffix (buf->str, "OK\r\n") || g_str_has_suffix (buf->str, "ERROR\r\n") ||
	       strstr (buf->str, "+CME ERROR") != NULL;
}

gboolean
bench_raw_at_command (int fd, const char *command, guint timeout_ms, GError **error)
{
	g_autofree char *line = g_strdup_printf ("%s\r", command);
	g_autoptr (GString) buf = g_string_new (NULL);

	if (write (fd, line, strlen (line)) != (ssize_t)strlen (line)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "write %s failed", command);
		return FALSE;
	}
	while (!bench_raw_at_final (buf)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char chunk[512];
		ssize_t n;

		if (poll (&pfd, 1, (int)timeout_ms) <= 0) {
			g_set_error (error,
				     G_IO_ERROR,
				     G_IO_ERROR_TIMED_OUT,
				     "%s: no final result code from the simulator",
				     command);
			return FALSE;
		}
		n = read (fd, chunk, sizeof (chunk));
		if (n > 0)
			g_string_append_len (buf, chunk, n);
		else if (n == 0 || errno != EAGAIN) {
			g_set_error (
			    error, G_IO_ERROR, G_IO_ERROR_FAILED, "read after %s failed", command);
			return FALSE;
		}
	}
	return TRUE;
}

GStrv
bench_raw_at_commands (IrRecording *recording)
{
	g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

	for (guint i = 0; i < ir_recording_get_n_events (recording); i++) {
		const IrRecordingEvent *ev = ir_recording_get_event (recording, i);
		gsize len = 0;
		const char *data;
		g_autofree char *text = NULL;

		if (ev->direction != IR_RECORDING_WRITE)
			continue;
		data = g_bytes_get_data (ev->data, &len);
		text = g_strndup (data, len);
		g_strv_builder_add (b, g_strstrip (g_strdelimit (text, "\r\n", ' ')));
	}
	return g_strv_builder_end (b);
}
