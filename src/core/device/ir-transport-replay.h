/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-transport.h"

G_BEGIN_DECLS

/* Plays a recorded session (IrRecording) back as if it were the phone:
 * what the host writes must match the recorded writes as one byte stream
 * (the host may split or join writes differently), reads return the
 * recorded answers in order, a recorded hangup disconnects, and after the
 * last answer the device stays silent. Selected by "replay:FILE" paths. */
#define IR_TYPE_TRANSPORT_REPLAY (ir_transport_replay_get_type ())
G_DECLARE_FINAL_TYPE (IrTransportReplay, ir_transport_replay, IR, TRANSPORT_REPLAY, IrTransport)

/* Loads @path (a recording file); the transport's path is "replay:@path". */
IrTransport *ir_transport_replay_new (const char *path, GError **error);
/* @name is used in messages (usually the file the recording came from). */
IrTransport *ir_transport_replay_new_from_recording (IrRecording *recording, const char *name);

G_END_DECLS
