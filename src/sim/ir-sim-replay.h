/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-recording.h"

G_BEGIN_DECLS

/* The device side of a recorded session: the host's bytes are matched
 * against the recorded "w" events, and each complete match releases the
 * "r" (and "hangup") events that follow it, with their recorded spacing.
 * Pure logic, no I/O: IrSimPhone moves the bytes and keeps the time. */
typedef struct _IrSimReplay IrSimReplay;

typedef struct {
	GBytes *data;	 /* NULL: hang up */
	gint64 delay_us; /* after the previous output (the first: after the match) */
} IrSimReplayOutput;

void ir_sim_replay_output_free (IrSimReplayOutput *output);

IrSimReplay *ir_sim_replay_new (IrRecording *recording);
void ir_sim_replay_free (IrSimReplay *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSimReplay, ir_sim_replay_free)

/* What the device sends before the host writes anything (a banner, URCs):
 * appends IrSimReplayOutput to @outputs. Call once, first. */
void ir_sim_replay_start (IrSimReplay *self, GPtrArray *outputs);

/* Matches @data written by the host; appends what the device answers to
 * @outputs. On a divergence returns FALSE with IR_ERROR_REPLAY_MISMATCH
 * naming the event index, what it expected and what it got; from then on
 * everything is ignored (returns TRUE, adds nothing). */
gboolean ir_sim_replay_feed (
    IrSimReplay *self, const guint8 *data, gsize len, GPtrArray *outputs, GError **error);

gboolean ir_sim_replay_has_diverged (IrSimReplay *self);
/* Every event played: the whole recording was matched. */
gboolean ir_sim_replay_is_done (IrSimReplay *self);

G_END_DECLS
