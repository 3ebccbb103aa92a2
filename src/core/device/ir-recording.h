/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A device session as timed writes and reads: what the host wrote, what the
 * device answered, and when. Saved as JSON (docs/recording-format.md), played
 * back by IrTransportReplay (host side) and by imei-sim --replay (device
 * side). */
typedef enum {
	IR_RECORDING_WRITE,  /* host -> device, "w" */
	IR_RECORDING_READ,   /* device -> host, "r" */
	IR_RECORDING_HANGUP, /* the device went away, "hangup" */
} IrRecordingDirection;

typedef struct {
	IrRecordingDirection direction;
	gint64 time_us; /* since the recording started */
	GBytes *data;	/* NULL for HANGUP */
} IrRecordingEvent;

#define IR_TYPE_RECORDING (ir_recording_get_type ())
G_DECLARE_FINAL_TYPE (IrRecording, ir_recording, IR, RECORDING, GObject)

IrRecording *ir_recording_new (const char *port);
IrRecording *ir_recording_load (const char *path, GError **error);
IrRecording *ir_recording_parse (const char *json, gssize len, GError **error);
gboolean ir_recording_save (IrRecording *self, const char *path, GError **error);
char *ir_recording_to_json (IrRecording *self);

const char *ir_recording_get_port (IrRecording *self);
/* Adds an event stamped with the time since the recording was created;
 * consecutive events of the same direction are not merged. */
void
ir_recording_add (IrRecording *self, IrRecordingDirection direction, const guint8 *data, gsize len);
/* Adds an event with an explicit time (for tests and conversion). */
void ir_recording_add_at (IrRecording *self,
			  IrRecordingDirection direction,
			  gint64 time_us,
			  const guint8 *data,
			  gsize len);
guint ir_recording_get_n_events (IrRecording *self);
const IrRecordingEvent *ir_recording_get_event (IrRecording *self, guint idx);

G_END_DECLS
