/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The server's idea of now, in seconds since the epoch: the real time,
 * unless $IMEI_BRANDD_TEST_NOW holds a time (seconds since the epoch) for
 * tests that simulate days of rollout (tests/server/test-brandd-report.c).
 * The override only moves the rollout's days and the tokens' times; TLS
 * checks certificates against the real clock, and `serve` warns at start
 * that the clock is fixed. An unparsable value is refused at start. */

/* FALSE with IR_ERROR_INVALID_INPUT when $IMEI_BRANDD_TEST_NOW is set but
 * is not a whole number of seconds; *fixed says whether it is in force. */
gboolean ir_brandd_clock_check (gboolean *fixed, GError **error);

gint64 ir_brandd_clock_now (void);

G_END_DECLS
