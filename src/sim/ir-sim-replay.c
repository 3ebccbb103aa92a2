/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-sim-replay.h"

/* How much of the host's diverging bytes a mismatch message shows. */
#define IR_SIM_REPLAY_MAX_SHOWN 80

struct _IrSimReplay {
	IrRecording *recording;
	guint idx;     /* the next event to play or match */
	gsize matched; /* bytes of event @idx (a write) the host has sent */
	gboolean diverged;
};

void
ir_sim_replay_output_free (IrSimReplayOutput *output)
{
	if (output == NULL)
		return;
	if (output->data != NULL)
		g_bytes_unref (output->data);
	g_free (output);
}

IrSimReplay *
ir_sim_replay_new (IrRecording *recording)
{
	IrSimReplay *self = g_new0 (IrSimReplay, 1);
	self->recording = g_object_ref (recording);
	return self;
}

void
ir_sim_replay_free (IrSimReplay *self)
{
	if (self == NULL)
		return;
	g_object_unref (self->recording);
	g_free (self);
}

gboolean
ir_sim_replay_has_diverged (IrSimReplay *self)
{
	return self->diverged;
}

gboolean
ir_sim_replay_is_done (IrSimReplay *self)
{
	return self->idx >= ir_recording_get_n_events (self->recording);
}

/* Releases the reads and hangups from @idx up to the next write. @since_us
 * is the recorded time the first one is measured from. */
static void
ir_sim_replay_release (IrSimReplay *self, gint64 since_us, GPtrArray *outputs)
{
	guint n_events = ir_recording_get_n_events (self->recording);

	while (self->idx < n_events) {
		const IrRecordingEvent *event = ir_recording_get_event (self->recording, self->idx);
		IrSimReplayOutput *output;

		if (event->direction == IR_RECORDING_WRITE)
			return;
		output = g_new0 (IrSimReplayOutput, 1);
		/* a recording with clocks going backwards is replayed without delay */
		output->delay_us = MAX (event->time_us - since_us, 0);
		if (event->direction == IR_RECORDING_READ && event->data != NULL)
			output->data = g_bytes_ref (event->data);
		g_ptr_array_add (outputs, output);
		since_us = event->time_us;
		self->idx++;
		/* nothing is played after the device went away */
		if (event->direction == IR_RECORDING_HANGUP) {
			self->idx = n_events;
			return;
		}
	}
}

void
ir_sim_replay_start (IrSimReplay *self, GPtrArray *outputs)
{
	ir_sim_replay_release (self, 0, outputs);
}

static char *
ir_sim_replay_escape (const guint8 *data, gsize len)
{
	g_autofree char *str =
	    g_strndup (data != NULL ? (const char *)data : "", MIN (len, IR_SIM_REPLAY_MAX_SHOWN));
	g_autofree char *escaped = g_strescape (str, NULL);
	return g_strdup_printf ("\"%s\"%s", escaped, len > IR_SIM_REPLAY_MAX_SHOWN ? "..." : "");
}

static gboolean
ir_sim_replay_diverge (IrSimReplay *self, const guint8 *got, gsize got_len, GError **error)
{
	guint n_events = ir_recording_get_n_events (self->recording);
	g_autofree char *got_str = ir_sim_replay_escape (got, got_len);

	self->diverged = TRUE;
	if (self->idx >= n_events) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_REPLAY_MISMATCH,
			     "replay diverged after the last event (%u): expected nothing more, "
			     "got %s; answering nothing more",
			     n_events,
			     got_str);
	} else {
		const IrRecordingEvent *event = ir_recording_get_event (self->recording, self->idx);
		gsize expected_len = 0;
		const guint8 *expected =
		    event->data != NULL ? g_bytes_get_data (event->data, &expected_len) : NULL;
		g_autofree char *expected_str = ir_sim_replay_escape (expected, expected_len);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_REPLAY_MISMATCH,
			     "replay diverged at event %u (w): expected %s, got %s; answering "
			     "nothing more",
			     self->idx,
			     expected_str,
			     got_str);
	}
	return FALSE;
}

gboolean
ir_sim_replay_feed (
    IrSimReplay *self, const guint8 *data, gsize len, GPtrArray *outputs, GError **error)
{
	guint n_events = ir_recording_get_n_events (self->recording);
	gsize pos = 0;

	if (self->diverged)
		return TRUE;
	while (pos < len) {
		const IrRecordingEvent *event;
		gsize expected_len = 0;
		const guint8 *expected;

		if (self->idx >= n_events)
			return ir_sim_replay_diverge (self, data + pos, len - pos, error);
		event = ir_recording_get_event (self->recording, self->idx);
		expected =
		    event->data != NULL ? g_bytes_get_data (event->data, &expected_len) : NULL;
		/* the host may split or join its writes differently than when
		 * recorded: match byte by byte across event boundaries */
		while (pos < len && self->matched < expected_len) {
			if (data[pos] != expected[self->matched]) {
				/* show what the host sent for this event, bad byte included */
				g_autoptr (GByteArray) got = g_byte_array_new ();
				g_byte_array_append (got, expected, self->matched);
				g_byte_array_append (got, data + pos, len - pos);
				return ir_sim_replay_diverge (self, got->data, got->len, error);
			}
			pos++;
			self->matched++;
		}
		if (self->matched < expected_len)
			return TRUE;
		self->matched = 0;
		self->idx++;
		ir_sim_replay_release (self, event->time_us, outputs);
	}
	return TRUE;
}
