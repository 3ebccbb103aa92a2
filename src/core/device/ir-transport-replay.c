/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-transport-replay.h"

/* The recording is two byte streams with an order between them: the host's
 * writes, matched as one stream however the host splits them, and the
 * phone's answers, each available only once every write recorded before it
 * has been made (a phone answers a command after receiving it). */

/* how much of "expected" and "got" a mismatch message shows */
#define IR_REPLAY_SHOW_MAX 48

struct _IrTransportReplay {
	IrTransport parent_instance;
	IrRecording *recording;
	char *name;
	guint w_idx; /* event holding the next byte to be written */
	gsize w_pos;
	guint r_idx; /* event holding the next byte to be read */
	gsize r_pos;
};

G_DEFINE_TYPE (IrTransportReplay, ir_transport_replay, IR_TYPE_TRANSPORT)

static const IrRecordingEvent *
ir_transport_replay_event (IrTransportReplay *self, guint idx)
{
	return ir_recording_get_event (self->recording, idx);
}

static gsize
ir_transport_replay_event_size (const IrRecordingEvent *ev)
{
	return ev->data != NULL ? g_bytes_get_size (ev->data) : 0;
}

/* first event at or after @idx that is not of @skip direction */
static guint
ir_transport_replay_skip (IrTransportReplay *self, guint idx, IrRecordingDirection skip)
{
	guint n = ir_recording_get_n_events (self->recording);

	while (idx < n && ir_transport_replay_event (self, idx)->direction == skip)
		idx++;
	return idx;
}

/* index of the next write event with bytes still to be matched */
static guint
ir_transport_replay_next_write (IrTransportReplay *self)
{
	guint n = ir_recording_get_n_events (self->recording);

	for (guint i = self->w_idx; i < n; i++) {
		const IrRecordingEvent *ev = ir_transport_replay_event (self, i);

		if (ev->direction != IR_RECORDING_WRITE)
			continue;
		if (i == self->w_idx && self->w_pos >= ir_transport_replay_event_size (ev))
			continue;
		return i;
	}
	return n;
}

static char *
ir_transport_replay_escape (const guint8 *data, gsize len)
{
	g_autoptr (GString) str = g_string_new (NULL);

	/* byte by byte: g_strescape() would stop at a NUL */
	for (gsize i = 0; i < MIN (len, IR_REPLAY_SHOW_MAX); i++) {
		if (data[i] == '\\')
			g_string_append (str, "\\\\");
		else if (data[i] == '"')
			g_string_append (str, "\\\"");
		else if (data[i] == '\r')
			g_string_append (str, "\\r");
		else if (data[i] == '\n')
			g_string_append (str, "\\n");
		else if (data[i] < 0x20 || data[i] >= 0x7f)
			g_string_append_printf (str, "\\x%02x", data[i]);
		else
			g_string_append_c (str, (char)data[i]);
	}
	if (len > IR_REPLAY_SHOW_MAX)
		g_string_append (str, "...");
	return g_string_free (g_steal_pointer (&str), FALSE);
}

static void
ir_transport_replay_set_error_mismatch (IrTransportReplay *self,
					GError **error,
					guint idx,
					const guint8 *expected,
					gsize expected_len,
					const guint8 *got,
					gsize got_len)
{
	g_autofree char *exp_str = ir_transport_replay_escape (expected, expected_len);
	g_autofree char *got_str = ir_transport_replay_escape (got, got_len);

	if (expected_len == 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_REPLAY_MISMATCH,
			     "replay of %s diverged after event %u: the recording has no more "
			     "writes, got \"%s\": record the session again with this version",
			     self->name,
			     idx,
			     got_str);
		return;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_REPLAY_MISMATCH,
		     "replay of %s diverged at event %u: expected \"%s\", got \"%s\": "
		     "record the session again with this version",
		     self->name,
		     idx,
		     exp_str,
		     got_str);
}

static void
ir_transport_replay_set_error_hangup (IrTransportReplay *self, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_DISCONNECTED,
		     "the phone on %s went away: it was unplugged or rebooted (recorded hangup)",
		     ir_transport_get_path (IR_TRANSPORT (self)));
}

/* TRUE when a recorded hangup comes before event @idx, from the write
 * cursor on: the phone is gone by the time the host writes that */
static gboolean
ir_transport_replay_hangup_before (IrTransportReplay *self, guint idx)
{
	for (guint i = self->w_idx; i < idx; i++) {
		if (ir_transport_replay_event (self, i)->direction == IR_RECORDING_HANGUP)
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_transport_replay_write (IrTransport *transport, const guint8 *data, gsize len, GError **error)
{
	IrTransportReplay *self = IR_TRANSPORT_REPLAY (transport);
	guint n = ir_recording_get_n_events (self->recording);
	gsize done = 0;

	while (done < len) {
		guint idx = ir_transport_replay_next_write (self);
		const IrRecordingEvent *ev;
		const guint8 *expected;
		gsize expected_len;
		gsize chunk;

		if (ir_transport_replay_hangup_before (self, idx)) {
			ir_transport_replay_set_error_hangup (self, error);
			return FALSE;
		}
		if (idx >= n) {
			ir_transport_replay_set_error_mismatch (
			    self, error, n, NULL, 0, data + done, len - done);
			return FALSE;
		}
		if (idx != self->w_idx) {
			self->w_idx = idx;
			self->w_pos = 0;
		}
		ev = ir_transport_replay_event (self, idx);
		expected = g_bytes_get_data (ev->data, &expected_len);
		expected += self->w_pos;
		expected_len -= self->w_pos;
		chunk = MIN (expected_len, len - done);
		if (memcmp (expected, data + done, chunk) != 0) {
			ir_transport_replay_set_error_mismatch (
			    self, error, idx, expected, expected_len, data + done, len - done);
			return FALSE;
		}
		self->w_pos += chunk;
		done += chunk;
	}
	return TRUE;
}

/* a silent phone: nothing arrives before the timeout, unless cancelled */
static gssize
ir_transport_replay_wait_silent (IrTransportReplay *self,
				 guint timeout_ms,
				 GCancellable *cancellable,
				 GError **error)
{
	GPollFD pfd = {0};

	if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfd)) {
		g_poll (&pfd, 1, (gint)MIN (timeout_ms, (guint)G_MAXINT));
		g_cancellable_release_fd (cancellable);
	} else if (!g_cancellable_is_cancelled (cancellable)) {
		g_usleep ((gulong)timeout_ms * 1000);
	}
	if (g_cancellable_is_cancelled (cancellable)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_CANCELLED,
			     "reading from %s was cancelled",
			     ir_transport_get_path (IR_TRANSPORT (self)));
		return -1;
	}
	return 0;
}

static gssize
ir_transport_replay_read (IrTransport *transport,
			  guint8 *buf,
			  gsize size,
			  guint timeout_ms,
			  GCancellable *cancellable,
			  GError **error)
{
	IrTransportReplay *self = IR_TRANSPORT_REPLAY (transport);
	guint n = ir_recording_get_n_events (self->recording);
	const IrRecordingEvent *ev;
	const guint8 *data;
	gsize data_len;
	gsize chunk;

	if (g_cancellable_is_cancelled (cancellable))
		return ir_transport_replay_wait_silent (self, 0, cancellable, error);

	/* consumed reads and writes both lie behind the read cursor */
	for (;;) {
		self->r_idx = ir_transport_replay_skip (self, self->r_idx, IR_RECORDING_WRITE);
		if (self->r_idx >= n)
			return ir_transport_replay_wait_silent (
			    self, timeout_ms, cancellable, error);
		ev = ir_transport_replay_event (self, self->r_idx);
		if (ev->direction == IR_RECORDING_HANGUP ||
		    self->r_pos < ir_transport_replay_event_size (ev))
			break;
		self->r_idx++;
		self->r_pos = 0;
	}

	/* the phone has not been sent the command this answers yet */
	if (ir_transport_replay_next_write (self) < self->r_idx)
		return ir_transport_replay_wait_silent (self, timeout_ms, cancellable, error);
	if (ev->direction == IR_RECORDING_HANGUP) {
		ir_transport_replay_set_error_hangup (self, error);
		return -1;
	}
	data = g_bytes_get_data (ev->data, &data_len);
	chunk = MIN (size, data_len - self->r_pos);
	memcpy (buf, data + self->r_pos, chunk);
	self->r_pos += chunk;
	return (gssize)chunk;
}

static gboolean
ir_transport_replay_open (IrTransport *transport, GError **error)
{
	IrTransportReplay *self = IR_TRANSPORT_REPLAY (transport);

	/* every open plays the session from its start */
	self->w_idx = 0;
	self->w_pos = 0;
	self->r_idx = 0;
	self->r_pos = 0;
	return TRUE;
}

static void
ir_transport_replay_finalize (GObject *object)
{
	IrTransportReplay *self = IR_TRANSPORT_REPLAY (object);

	g_clear_object (&self->recording);
	g_free (self->name);
	G_OBJECT_CLASS (ir_transport_replay_parent_class)->finalize (object);
}

static void
ir_transport_replay_init (IrTransportReplay *self)
{
}

static void
ir_transport_replay_class_init (IrTransportReplayClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	object_class->finalize = ir_transport_replay_finalize;
	transport_class->open = ir_transport_replay_open;
	transport_class->read = ir_transport_replay_read;
	transport_class->write = ir_transport_replay_write;
}

IrTransport *
ir_transport_replay_new_from_recording (IrRecording *recording, const char *name)
{
	IrTransportReplay *self;
	g_autofree char *path = NULL;

	g_return_val_if_fail (IR_IS_RECORDING (recording), NULL);
	g_return_val_if_fail (name != NULL, NULL);

	path = g_strdup_printf ("replay:%s", name);
	self = g_object_new (IR_TYPE_TRANSPORT_REPLAY, "path", path, NULL);
	self->recording = g_object_ref (recording);
	self->name = g_strdup (name);
	return IR_TRANSPORT (self);
}

IrTransport *
ir_transport_replay_new (const char *path, GError **error)
{
	g_autoptr (IrRecording) recording = NULL;

	g_return_val_if_fail (path != NULL, NULL);

	recording = ir_recording_load (path, error);
	if (recording == NULL)
		return NULL;
	return ir_transport_replay_new_from_recording (recording, path);
}
