/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The host side of a simulated phone in tests: plain open() and termios on
 * the pty path, as any program talking to a serial port would. */

/* Opens @path raw; asserts on failure. */
int sim_test_host_open (const char *path);
void sim_test_host_write (int fd, const char *data);
/* Reads until @until appears in what was read (NULL: until @timeout_ms
 * passes), the port hangs up, or @timeout_ms passes. Sets @hangup when the
 * port hung up (POLLHUP, EOF or EIO). */
GString *sim_test_host_read_until (int fd, const char *until, guint timeout_ms, gboolean *hangup);
/* Waits up to @first_ms for a first byte, then reads until nothing more
 * arrives for @quiet_ms (or the port hangs up): what a phone answers to
 * input whose answer is not a single final result. */
GString *sim_test_host_read_settled (int fd, guint first_ms, guint quiet_ms);
/* Writes @command + CR and reads until a final result code (OK, ERROR,
 * +CME ERROR: ...) or @timeout_ms. */
GString *sim_test_host_command (int fd, const char *command, guint timeout_ms);
/* Whether @answer ends in a final result code line. */
gboolean sim_test_host_has_final (const char *answer);

G_END_DECLS
