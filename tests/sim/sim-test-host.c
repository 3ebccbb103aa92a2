/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim-test-host.h"

int
sim_test_host_open (const char *path)
{
	struct termios tio;
	int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		fail_msg ("failed to open %s: %s", path, g_strerror (errno));
	assert_int_equal (tcgetattr (fd, &tio), 0);
	cfmakeraw (&tio);
	assert_int_equal (tcsetattr (fd, TCSANOW, &tio), 0);
	/* what an earlier host left unread is not this host's answer */
	(void)tcflush (fd, TCIOFLUSH);
	return fd;
}

void
sim_test_host_write (int fd, const char *data)
{
	gsize len = strlen (data);
	gsize done = 0;

	while (done < len) {
		gssize n = write (fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg ("failed to write to the phone: %s", g_strerror (errno));
		done += (gsize)n;
	}
}

gboolean
sim_test_host_has_final (const char *answer)
{
	const char *finals[] = {"\r\nOK\r\n", "\r\nERROR\r\n", "OK\r\n", "ERROR\r\n"};

	for (guint i = 0; i < G_N_ELEMENTS (finals); i++) {
		if (g_str_has_suffix (answer, finals[i]))
			return TRUE;
	}
	/* "+CME ERROR: 100\r\n" */
	{
		const char *cme = g_strrstr (answer, "+CME ERROR:");
		return cme != NULL && g_str_has_suffix (cme, "\r\n");
	}
}

GString *
sim_test_host_read_until (int fd, const char *until, guint timeout_ms, gboolean *hangup)
{
	GString *got = g_string_new (NULL);
	gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

	if (hangup != NULL)
		*hangup = FALSE;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
		char buf[256];
		gssize n;
		int rc;

		if (until != NULL && strstr (got->str, until) != NULL)
			return got;
		if (left_ms <= 0)
			return got;
		rc = poll (&pfd, 1, (int)left_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return got;
		if ((pfd.revents & POLLIN) == 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0) {
			if (hangup != NULL)
				*hangup = TRUE;
			return got;
		}
		n = read (fd, buf, sizeof (buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (hangup != NULL)
				*hangup = TRUE;
			return got;
		}
		g_string_append_len (got, buf, n);
	}
}

GString *
sim_test_host_read_settled (int fd, guint first_ms, guint quiet_ms)
{
	GString *got = g_string_new (NULL);
	guint wait_ms = first_ms;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char buf[4096];
		gssize n;
		int rc = poll (&pfd, 1, (int)wait_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return got;
		n = read (fd, buf, sizeof (buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return got;
		g_string_append_len (got, buf, n);
		wait_ms = quiet_ms;
	}
}

GString *
sim_test_host_command (int fd, const char *command, guint timeout_ms)
{
	g_autofree char *line = g_strdup_printf ("%s\r", command);
	GString *got = g_string_new (NULL);
	gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

	sim_test_host_write (fd, line);
	while (!sim_test_host_has_final (got->str)) {
		gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
		gboolean hangup = FALSE;
		g_autoptr (GString) more = NULL;
		if (left_ms <= 0)
			break;
		/* one byte more at a time is enough to see the final line */
		more = sim_test_host_read_until (fd, "\n", (guint)left_ms, &hangup);
		g_string_append_len (got, more->str, more->len);
		if (hangup || more->len == 0)
			break;
	}
	return got;
}
