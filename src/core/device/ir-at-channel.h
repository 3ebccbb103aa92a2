/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-at-parser.h"
#include "ir-transport.h"

G_BEGIN_DECLS

/* Sends one AT command at a time over a transport and collects its
 * response with a per-command timeout. Blocking: run it in a worker thread
 * (GTask) from a UI; a GCancellable stops a command within one poll slice. */
#define IR_TYPE_AT_CHANNEL (ir_at_channel_get_type ())
G_DECLARE_FINAL_TYPE (IrAtChannel, ir_at_channel, IR, AT_CHANNEL, GObject)

#define IR_AT_DEFAULT_TIMEOUT_MS 3000

IrAtChannel *ir_at_channel_new (IrTransport *transport);
IrTransport *ir_at_channel_get_transport (IrAtChannel *self);

/* Sends "@command\r" and waits for a final result code. Returns the
 * response for any final result (OK and errors alike); a GError only when
 * no response came: IR_ERROR_TIMEOUT naming the command, the port and the
 * timeout; IR_ERROR_DISCONNECTED; IR_ERROR_PROTOCOL; IR_ERROR_CANCELLED.
 * Bytes pending before the command are drained and kept as URCs. */
IrAtResponse *ir_at_channel_command (IrAtChannel *self,
				     const char *command,
				     guint timeout_ms,
				     GCancellable *cancellable,
				     GError **error);

/* ir_at_channel_command() + ir_at_response_check(): only OK responses. */
IrAtResponse *ir_at_channel_command_ok (IrAtChannel *self,
					const char *command,
					guint timeout_ms,
					GCancellable *cancellable,
					GError **error);

/* Caps the timeout of every command from now on (0: no cap): a user who
 * asks for a quicker verdict (imeictl --timeout) gets it from every
 * command, whatever a profile allows. */
void ir_at_channel_set_timeout_limit (IrAtChannel *self, guint limit_ms);

/* The phone's character set (+CSCS) as far as this channel knows it:
 * NULL until someone asked, "" when the phone would not say. Set by
 * ir_at_read_confirmed() the first time an answer looks hex-encoded. */
const char *ir_at_channel_get_charset (IrAtChannel *self);
void ir_at_channel_set_charset (IrAtChannel *self, const char *charset);

/* How long a command may go unanswered before the user is told what we
 * wait for: a real phone answers in tens of milliseconds, so two seconds
 * of silence is worth a word (imeictl prints it on stderr, the app shows
 * it as its heartbeat). */
#define IR_AT_CHANNEL_SLOW_MS 2000

/* Called (in the thread running the command) once per command that has
 * waited IR_AT_CHANNEL_SLOW_MS without its final result code, with the
 * command ("AT+CGSN=1"), the port and the time waited so far. */
typedef void (*IrAtChannelWaitFunc) (const char *command,
				     const char *port,
				     guint waited_ms,
				     gpointer user_data);
/* @func may be NULL to stop; @user_data must outlive the channel's use. */
void ir_at_channel_set_wait_func (IrAtChannel *self, IrAtChannelWaitFunc func, gpointer user_data);

/* URCs collected so far (array of char *), emptied by the call. */
GPtrArray *ir_at_channel_take_urcs (IrAtChannel *self);

G_END_DECLS
