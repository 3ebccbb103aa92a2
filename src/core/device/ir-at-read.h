/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-at-channel.h"

G_BEGIN_DECLS

/* The one "read until the answer can be believed" loop, used by the
 * session's identity reads (+CGMI...) and by every family's IMEI reads.
 *
 * An answer is taken after ONE command when it arrived clean (no stray
 * bytes on the line, final OK; IrAtResponse.noisy is FALSE) and its values
 * are well-formed (a valid or all-zero IMEI, a text without control
 * characters): on a clean line the number of commands is the minimum.
 * Otherwise the command is asked again until the same values came
 * IR_AT_READ_CONFIRM_AGREE times (IR_AT_READ_CONFIRM_AGREE_WELL_FORMED for
 * well-formed values that came with noise): a garbled or lost digit shows
 * as a disagreement, while a phone that really holds a bad IMEI says the
 * same every time, and byte loss alone never turns a valid IMEI into
 * another valid one (a lost digit breaks the length or the check digit). */

/* Lost (timeout), unreadable (parse failure), or interrupted (RING, a
 * call-progress final) answers: the command is sent at most this often. */
#define IR_AT_READ_ATTEMPTS 3
/* Answers that must be confirmed: at most this many commands. */
#define IR_AT_READ_CONFIRM_ATTEMPTS 8
/* Identical answers needed to believe one that is not well-formed ... */
#define IR_AT_READ_CONFIRM_AGREE 3
/* ... and one that is well-formed but came with noise on the line. */
#define IR_AT_READ_CONFIRM_AGREE_WELL_FORMED 2

/* Turns an OK answer into values (char *, NULL allowed for an empty slot);
 * IR_ERROR_PROTOCOL when the answer cannot be read. */
typedef GPtrArray *(*IrAtReadParseFunc) (const IrAtResponse *resp,
					 gpointer user_data,
					 GError **error);
/* TRUE when @values need no second opinion if they arrived clean. */
typedef gboolean (*IrAtReadCheckFunc) (GPtrArray *values, gpointer user_data);

typedef struct {
	const char *command;
	guint timeout_ms;
	IrAtReadParseFunc parse;
	IrAtReadCheckFunc well_formed;
	gpointer user_data;
	/* confirm even a clean, well-formed answer (a value read once that
	 * matters more than it first seemed) */
	gboolean confirm;
	/* a lost answer (timeout) ends the read at once, never asked again:
	 * for a form of a read that has another form to fall back on, which
	 * is the better next try (a phone silent to one form stays silent to
	 * it). Garbled and interrupted answers are still asked again. */
	gboolean silence_ends;
} IrAtRead;

/* Reads @read->command as described above; values encoded in the phone's
 * character set (+CSCS "UCS2" or "HEX") are decoded first. Errors:
 * IR_ERROR_AT_REFUSED (a real refusal: never retried), IR_ERROR_TIMEOUT
 * (silent every time), IR_ERROR_PROTOCOL (answers that never agree, or
 * never readable), IR_ERROR_DISCONNECTED and IR_ERROR_CANCELLED. */
GPtrArray *ir_at_read_confirmed (IrAtChannel *channel,
				 const IrAtRead *read,
				 GCancellable *cancellable,
				 GError **error);

/* One command until it gets an OK answer, retried as ir_at_read_confirmed() retries
 * lost or interrupted answers; for reads whose values are not confirmed. */
IrAtResponse *ir_at_read_command (IrAtChannel *channel,
				  const char *command,
				  guint timeout_ms,
				  GCancellable *cancellable,
				  GError **error);

/* A lost or garbled answer (timeout, protocol error) is worth asking
 * again; a refusal, a vanished device or the caller's cancel are not. */
gboolean ir_at_read_error_is_retryable (const GError *error);
/* The phone is gone or we were told to stop: ask nothing else. */
gboolean ir_at_read_error_is_fatal (const GError *error);

/* The port a channel talks to, for messages. */
const char *ir_at_read_port (IrAtChannel *channel);

G_END_DECLS
