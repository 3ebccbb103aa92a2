/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-recording.h"

/* The bare minimum against a phone's AT port, the baseline the benches
 * hold our layers against: open() and cfmakeraw(), then per command one
 * write() and read()s until a final result code. No parsing beyond that. */

/* The port opened raw (O_NONBLOCK, cfmakeraw); -1 with @error. */
int bench_raw_at_open (const char *port, GError **error);

/* @command + "\r" written, then read until OK, ERROR or +CME ERROR ends
 * the answer (@timeout_ms only stops a broken simulator). */
gboolean bench_raw_at_command (int fd, const char *command, guint timeout_ms, GError **error);

/* The commands a recorded session wrote, in order ("AT+CGMI", no line
 * ending), as a NULL-terminated array. */
GStrv bench_raw_at_commands (IrRecording *recording);
