/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-device-model.h"
#include "ir-recording.h"
#include "ir-sim-quirks.h"

G_BEGIN_DECLS

/* Transport-level faults, applied by the phone server to every answer.
 * Random faults draw from a GRand seeded with @seed so a run reproduces. */
typedef struct {
	guint latency_ms;	/* delay before each answer */
	double drop_rate;	/* probability that an answer byte is lost */
	double garble_rate;	/* probability that an answer byte is flipped */
	guint disconnect_after; /* hang up after N commands; 0 = never */
	guint32 seed;
	/* DIAG framing faults on the first answer to a command, kept as the
	 * command code + 1 (0: none): a bad CRC, or no 0x7E terminator */
	guint bad_crc_command;
	guint no_flag_command;
} IrSimFaults;

/* One simulated phone on its own pseudo-terminal (docs/imei-sim.md).
 * Signal "hangup" (no arguments): the phone hung up (disconnect_after, a
 * replayed hangup); emitted on the serving context before the pty closes. */
#define IR_TYPE_SIM_PHONE (ir_sim_phone_get_type ())
G_DECLARE_FINAL_TYPE (IrSimPhone, ir_sim_phone, IR, SIM_PHONE, GObject)

/* Takes @state (freed with ir_sim_state_free(), ir-sim-config.h), also on
 * failure. Opens the pseudo-terminal; its slave path is the port the
 * host opens. @faults may be NULL. */
IrSimPhone *ir_sim_phone_new (IrSimState *state, const IrSimFaults *faults, GError **error);
/* Plays @recording as the device instead of a model (imei-sim --replay). */
IrSimPhone *ir_sim_phone_new_replay (IrRecording *recording, GError **error);

/* The real-phone quirks it shows from now on (copied; a model phone only). */
void ir_sim_phone_set_quirks (IrSimPhone *self, const IrSimQuirks *quirks);

const char *ir_sim_phone_get_path (IrSimPhone *self);
IrSimState *ir_sim_phone_get_state (IrSimPhone *self);
/* A stable symlink to the pty path, removed when the phone is finalized. */
gboolean ir_sim_phone_set_link (IrSimPhone *self, const char *link, GError **error);
/* Loads the state from @path when it exists (a "reboot" keeps written IMEIs)
 * and saves it there after every change. */
gboolean ir_sim_phone_set_state_file (IrSimPhone *self, const char *path, GError **error);

/* Serves on @context (NULL: the thread-default one) until stopped. */
void ir_sim_phone_start (IrSimPhone *self, GMainContext *context);
/* Serves on a thread of its own (for in-process tests). */
void ir_sim_phone_start_thread (IrSimPhone *self);
void ir_sim_phone_stop (IrSimPhone *self);
/* Commands answered so far. */
guint ir_sim_phone_get_n_commands (IrSimPhone *self);

G_END_DECLS
