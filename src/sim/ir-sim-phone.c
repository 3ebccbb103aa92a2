/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ir-error.h"
#include "ir-sim-phone.h"
#include "ir-sim-replay.h"
#include "ir-sim-state.h"
#include "qualcomm/ir-qc-hdlc.h"

#define IR_SIM_READ_CHUNK	4096
#define IR_SIM_HANGUP_GRACE_MS	2000
#define IR_SIM_HANGUP_POLL_MS	10
#define IR_SIM_HANGUP_SETTLE_MS 100

/* One piece of device output, sent once its time has come. */
typedef struct {
	GBytes *data;  /* NULL: hang up here */
	gsize offset;  /* bytes already written */
	gint64 due_us; /* g_get_monotonic_time() */
} IrSimChunk;

struct _IrSimPhone {
	GObject parent_instance;
	IrSimState *state;   /* NULL when replaying */
	IrSimReplay *replay; /* NULL when playing a model */
	IrSimFaults faults;
	IrSimQuirks quirks;
	GRand *rand;
	int master_fd;
	int slave_fd;
	char *path;
	char *link;
	char *state_file;
	GString *line;
	IrQcHdlcReader *frames; /* DIAG input, once state->diag_mode is set */
	guint max_line;		/* the family's (ir_device_model_get_max_line()); longer: ERROR */
	gboolean line_overflow;
	gboolean closing; /* a hangup is queued: input is ignored */
	gboolean hung_up;
	guint n_commands; /* atomic: read from other threads */
	GQueue chunks;	  /* IrSimChunk, in sending order */
	gint64 last_due_us;
	GMainContext *context;
	GSource *read_source;
	GSource *write_source;
	GSource *timer_source;
	GThread *thread;
	GMainLoop *loop;
};

enum { SIGNAL_HANGUP, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_TYPE (IrSimPhone, ir_sim_phone, G_TYPE_OBJECT)

static void ir_sim_phone_flush (IrSimPhone *self);
static void ir_sim_phone_wait_until (IrSimPhone *self, gint64 due_us);

static void
ir_sim_phone_chunk_free (IrSimChunk *chunk)
{
	if (chunk->data != NULL)
		g_bytes_unref (chunk->data);
	g_free (chunk);
}

static void
ir_sim_phone_destroy_source (GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy (*source);
	g_clear_pointer (source, g_source_unref);
}

static void
ir_sim_phone_remove_link (IrSimPhone *self)
{
	g_autofree char *target = NULL;

	if (self->link == NULL)
		return;
	/* only our own link: another simulator may have taken the name since */
	target = g_file_read_link (self->link, NULL);
	if (g_strcmp0 (target, self->path) == 0)
		(void)unlink (self->link);
	g_clear_pointer (&self->link, g_free);
}

static void
ir_sim_phone_save_state (IrSimPhone *self)
{
	g_autoptr (GError) error = NULL;

	if (self->state_file == NULL || self->state == NULL)
		return;
	if (!ir_sim_state_save_file (self->state, self->state_file, &error))
		g_printerr ("imei-sim: %s\n", error->message);
}

/* The host sees a hangup (EIO, POLLHUP) once both ends are closed here;
 * the link is gone and "hangup" emitted before that, so that whoever saw
 * the hangup also finds the rest done. */
static void
ir_sim_phone_hangup (IrSimPhone *self)
{
	ir_sim_phone_destroy_source (&self->read_source);
	ir_sim_phone_destroy_source (&self->write_source);
	ir_sim_phone_destroy_source (&self->timer_source);
	g_queue_clear_full (&self->chunks, (GDestroyNotify)ir_sim_phone_chunk_free);
	ir_sim_phone_remove_link (self);
	self->hung_up = TRUE;
	g_signal_emit (self, signals[SIGNAL_HANGUP], 0);
	if (self->master_fd >= 0) {
		close (self->master_fd);
		self->master_fd = -1;
	}
	if (self->slave_fd >= 0) {
		close (self->slave_fd);
		self->slave_fd = -1;
	}
}

/* Closing a pty master discards what the host has not read yet: hang up
 * once the host has read the last answer, or after a grace period when
 * nobody reads (no host connected). The kernel moves written bytes to the
 * slave's read queue from a work queue, so an empty queue right after the
 * write proves nothing: look only after a short settling time. */
static void
ir_sim_phone_hangup_when_read (IrSimPhone *self, gint64 due_us)
{
	int pending = 0;
	gint64 now = g_get_monotonic_time ();

	if (now < due_us + IR_SIM_HANGUP_SETTLE_MS * 1000) {
		ir_sim_phone_wait_until (self, due_us + IR_SIM_HANGUP_SETTLE_MS * 1000);
		return;
	}
	if (ioctl (self->slave_fd, FIONREAD, &pending) == 0 && pending > 0 &&
	    now < due_us + IR_SIM_HANGUP_GRACE_MS * 1000) {
		ir_sim_phone_wait_until (self, now + IR_SIM_HANGUP_POLL_MS * 1000);
		return;
	}
	ir_sim_phone_hangup (self);
}

static gboolean
ir_sim_phone_timer_cb (gpointer user_data)
{
	IrSimPhone *self = IR_SIM_PHONE (user_data);
	g_clear_pointer (&self->timer_source, g_source_unref);
	ir_sim_phone_flush (self);
	return G_SOURCE_REMOVE;
}

static gboolean
ir_sim_phone_writable_cb (int fd, GIOCondition condition, gpointer user_data)
{
	IrSimPhone *self = IR_SIM_PHONE (user_data);
	g_clear_pointer (&self->write_source, g_source_unref);
	ir_sim_phone_flush (self);
	return G_SOURCE_REMOVE;
}

static void
ir_sim_phone_wait_writable (IrSimPhone *self)
{
	self->write_source = g_unix_fd_source_new (self->master_fd, G_IO_OUT);
	g_source_set_callback (
	    self->write_source, G_SOURCE_FUNC (ir_sim_phone_writable_cb), self, NULL);
	g_source_attach (self->write_source, self->context);
}

static void
ir_sim_phone_wait_until (IrSimPhone *self, gint64 due_us)
{
	gint64 wait_ms = (due_us - g_get_monotonic_time () + 999) / 1000;

	if (self->timer_source != NULL)
		return;
	self->timer_source = g_timeout_source_new ((guint)MAX (wait_ms, 0));
	g_source_set_callback (self->timer_source, ir_sim_phone_timer_cb, self, NULL);
	g_source_attach (self->timer_source, self->context);
}

/* Writes what is due; waits for the pty when it is full (a host that does
 * not read) or for the next chunk's time. */
static void
ir_sim_phone_flush (IrSimPhone *self)
{
	while (!g_queue_is_empty (&self->chunks) && self->write_source == NULL) {
		IrSimChunk *chunk = g_queue_peek_head (&self->chunks);
		gsize len = 0;
		const guint8 *data;
		gssize n;

		if (chunk->due_us > g_get_monotonic_time ()) {
			ir_sim_phone_wait_until (self, chunk->due_us);
			return;
		}
		if (chunk->data == NULL) {
			ir_sim_phone_hangup_when_read (self, chunk->due_us);
			return;
		}
		data = g_bytes_get_data (chunk->data, &len);
		n = len > chunk->offset
			? write (self->master_fd, data + chunk->offset, len - chunk->offset)
			: 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ir_sim_phone_wait_writable (self);
			return;
		}
		if (n < 0) {
			g_printerr ("imei-sim: failed to write to %s: %s\n",
				    self->path,
				    g_strerror (errno));
			ir_sim_phone_hangup (self);
			return;
		}
		chunk->offset += (gsize)n;
		if (chunk->offset >= len)
			ir_sim_phone_chunk_free (g_queue_pop_head (&self->chunks));
	}
}

/* Puts @chunk after every chunk due no later than it: first-in first-out
 * among equal times, and never before a chunk already being written (due
 * before now). A chunk that becomes the first one cancels the wait for the
 * one it overtook. */
static void
ir_sim_phone_insert (IrSimPhone *self, IrSimChunk *chunk)
{
	GList *l = self->chunks.tail;

	while (l != NULL && ((IrSimChunk *)l->data)->due_us > chunk->due_us)
		l = l->prev;
	if (l == NULL)
		g_queue_push_head (&self->chunks, chunk);
	else
		g_queue_insert_after (&self->chunks, l, chunk);
	if (g_queue_peek_head (&self->chunks) == chunk)
		ir_sim_phone_destroy_source (&self->timer_source);
	if (self->context != NULL && self->timer_source == NULL)
		ir_sim_phone_flush (self);
}

/* Queues output @delay_us after now, never before what is already queued. */
static void
ir_sim_phone_queue (IrSimPhone *self, GBytes *data, gint64 delay_us)
{
	IrSimChunk *chunk = g_new0 (IrSimChunk, 1);

	chunk->data = data;
	chunk->due_us = MAX (g_get_monotonic_time () + delay_us, self->last_due_us);
	self->last_due_us = chunk->due_us;
	ir_sim_phone_insert (self, chunk);
}

/* Queues a late answer (slow-command) @delay_us after now: it holds back
 * nothing queued after it, as a firmware that works on one command in a
 * task of its own answers the next ones meanwhile. A delay longer than
 * the host waits is a command the phone is silent to. */
static void
ir_sim_phone_queue_late (IrSimPhone *self, GBytes *data, gint64 delay_us)
{
	IrSimChunk *chunk = g_new0 (IrSimChunk, 1);

	chunk->data = data;
	chunk->due_us = MAX (g_get_monotonic_time () + delay_us, self->last_due_us);
	ir_sim_phone_insert (self, chunk);
}

/* Drops and garbles answer bytes; draws from the GRand only for a fault
 * that is on, so a run with the same seed and faults repeats exactly. */
static GBytes *
ir_sim_phone_apply_faults (IrSimPhone *self, GString *reply)
{
	GByteArray *out = g_byte_array_sized_new (reply->len);

	for (gsize i = 0; i < reply->len; i++) {
		guint8 byte = (guint8)reply->str[i];
		if (self->faults.drop_rate > 0 &&
		    g_rand_double (self->rand) < self->faults.drop_rate)
			continue;
		if (self->faults.garble_rate > 0 &&
		    g_rand_double (self->rand) < self->faults.garble_rate)
			byte ^= (guint8)g_rand_int_range (self->rand, 1, 256);
		g_byte_array_append (out, &byte, 1);
	}
	return g_byte_array_free_to_bytes (out);
}

/* @reply's bytes go out with the transport faults; the phone hangs up
 * after them when told to (disconnect_after, a model's hangup_now). */
static void
ir_sim_phone_answer_bytes (IrSimPhone *self, const guint8 *data, gsize len, guint extra_ms)
{
	guint n_commands = (guint)g_atomic_int_add (&self->n_commands, 1) + 1;
	g_autoptr (GString) reply = g_string_new_len ((const char *)data, (gssize)len);
	gboolean hangup = self->state != NULL && self->state->hangup_now;

	GBytes *bytes = ir_sim_phone_apply_faults (self, reply);
	gint64 delay_us = ((gint64)self->faults.latency_ms + extra_ms) * 1000;

	if (extra_ms > 0)
		ir_sim_phone_queue_late (self, bytes, delay_us);
	else
		ir_sim_phone_queue (self, bytes, delay_us);
	if (self->state != NULL)
		self->state->hangup_now = FALSE;
	if (hangup ||
	    (self->faults.disconnect_after > 0 && n_commands >= self->faults.disconnect_after)) {
		self->closing = TRUE;
		ir_sim_phone_queue (self, NULL, 0);
	}
}

static void
ir_sim_phone_answer (IrSimPhone *self, GString *reply, guint extra_ms)
{
	ir_sim_phone_answer_bytes (self, (const guint8 *)reply->str, reply->len, extra_ms);
}

/* Frames a DIAG answer, with the framing faults aimed at its command:
 * the first answer to that command only, so that a retry gets through. */
static GBytes *
ir_sim_phone_frame (IrSimPhone *self, GByteArray *payload)
{
	g_autoptr (GBytes) frame = ir_qc_hdlc_encode (payload->data, payload->len);
	gsize len = 0;
	guint8 *out = g_memdup2 (g_bytes_get_data (frame, &len), g_bytes_get_size (frame));
	guint code = (guint)payload->data[0] + 1;

	if (self->faults.bad_crc_command == code) {
		/* the last CRC byte, before the terminator; never into 0x7E */
		out[len - 2] = out[len - 2] == 0x5E ? 0x5F : out[len - 2] ^ 0x01;
		if (out[len - 2] == 0x7E || out[len - 2] == 0x7D)
			out[len - 2] ^= 0x02;
		self->faults.bad_crc_command = 0;
	}
	if (self->faults.no_flag_command == code) {
		len--;
		self->faults.no_flag_command = 0;
	}
	return g_bytes_new_take (out, len);
}

/* DIAG input: every good frame is a request; a bad one (a bad CRC, an
 * "AT" probe flushed by the host's leading 0x7E) is dropped unanswered,
 * as the phone's DIAG task does. */
static void
ir_sim_phone_receive_frames (IrSimPhone *self, const guint8 *data, gsize len)
{
	for (gsize off = 0; off < len && !self->closing;) {
		gsize used = 0;
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) req =
		    ir_qc_hdlc_reader_push (self->frames, data + off, len - off, &used, &error);
		g_autoptr (GByteArray) payload = g_byte_array_new ();
		g_autoptr (GBytes) frame = NULL;

		off += used;
		if (req == NULL ||
		    !ir_device_model_dispatch_frame (self->state,
						     g_bytes_get_data (req, NULL),
						     g_bytes_get_size (req),
						     payload) ||
		    payload->len == 0)
			continue;
		if (self->state->dirty) {
			ir_sim_phone_save_state (self);
			self->state->dirty = FALSE;
		}
		frame = ir_sim_phone_frame (self, payload);
		ir_sim_phone_answer_bytes (
		    self, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), 0);
	}
}

static void
ir_sim_phone_handle_line (IrSimPhone *self)
{
	g_autoptr (GString) reply = g_string_new (NULL);
	guint extra_ms = 0;

	if (self->line_overflow) {
		ir_device_model_reply_error (reply);
	} else {
		ir_sim_quirks_answer (
		    &self->quirks, self->state, self->line->str, reply, &extra_ms);
		/* saved before the answer leaves: a host that reads OK and then
		 * kills the simulator still finds the IMEI after a reboot */
		if (self->state->dirty) {
			ir_sim_phone_save_state (self);
			self->state->dirty = FALSE;
		}
	}
	g_string_truncate (self->line, 0);
	self->line_overflow = FALSE;
	ir_sim_phone_answer (self, reply, extra_ms);
}

/* The device echoes what it receives as it receives it (ATE1); sent
 * before a line's answer, and per line, so that ATE0 silences what
 * follows it. */
static void
ir_sim_phone_flush_echo (IrSimPhone *self, GByteArray *echo)
{
	if (echo->len == 0)
		return;
	ir_sim_phone_queue (self, g_bytes_new (echo->data, echo->len), 0);
	g_byte_array_set_size (echo, 0);
}

/* V.250 line assembly: a command ends at CR; LF alone ends one too (hosts
 * that send "\n" or "\r\n"); empty lines are ignored; BS edits the line. */
static void
ir_sim_phone_receive_model (IrSimPhone *self, const guint8 *data, gsize len)
{
	g_autoptr (GByteArray) echo = g_byte_array_new ();

	for (gsize i = 0; i < len && !self->closing; i++) {
		guint8 c = data[i];
		if (self->state->echo)
			g_byte_array_append (echo, &c, 1);
		if (c == '\r' || c == '\n') {
			ir_sim_phone_flush_echo (self, echo);
			if (self->line->len > 0 || self->line_overflow)
				ir_sim_phone_handle_line (self);
		} else if (c == '\b' || c == 0x7f) {
			if (self->line->len > 0)
				g_string_truncate (self->line, self->line->len - 1);
		} else if (c == '\0') {
			continue;
		} else if (self->line->len >= self->max_line) {
			self->line_overflow = TRUE;
		} else {
			g_string_append_c (self->line, (char)c);
		}
	}
	if (!self->closing)
		ir_sim_phone_flush_echo (self, echo);
}

static void
ir_sim_phone_queue_replay (IrSimPhone *self, GPtrArray *outputs)
{
	gint64 delay_us = 0;

	for (guint i = 0; i < outputs->len; i++) {
		IrSimReplayOutput *output = g_ptr_array_index (outputs, i);
		delay_us += output->delay_us;
		ir_sim_phone_queue (
		    self, output->data != NULL ? g_bytes_ref (output->data) : NULL, delay_us);
		if (output->data == NULL)
			self->closing = TRUE;
	}
}

static void
ir_sim_phone_receive_replay (IrSimPhone *self, const guint8 *data, gsize len)
{
	g_autoptr (GPtrArray) outputs =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_replay_output_free);
	g_autoptr (GError) error = NULL;

	if (!ir_sim_replay_feed (self->replay, data, len, outputs, &error)) {
		/* the host will time out: say here why */
		g_printerr ("imei-sim: %s: %s\n", self->path, error->message);
		return;
	}
	/* a recorded exchange counts as a command once the host completed it */
	if (outputs->len > 0)
		g_atomic_int_inc (&self->n_commands);
	ir_sim_phone_queue_replay (self, outputs);
}

static gboolean
ir_sim_phone_readable_cb (int fd, GIOCondition condition, gpointer user_data)
{
	IrSimPhone *self = IR_SIM_PHONE (user_data);
	guint8 buf[IR_SIM_READ_CHUNK];
	gssize n = read (fd, buf, sizeof (buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		/* cannot happen while we hold the slave open; do not spin */
		g_printerr ("imei-sim: failed to read from %s: %s\n",
			    self->path,
			    n < 0 ? g_strerror (errno) : "end of file");
		g_clear_pointer (&self->read_source, g_source_unref);
		ir_sim_phone_hangup (self);
		return G_SOURCE_REMOVE;
	}
	if (self->closing)
		return G_SOURCE_CONTINUE;
	if (self->replay != NULL)
		ir_sim_phone_receive_replay (self, buf, (gsize)n);
	else if (self->state->diag_mode)
		ir_sim_phone_receive_frames (self, buf, (gsize)n);
	else
		ir_sim_phone_receive_model (self, buf, (gsize)n);
	return G_SOURCE_CONTINUE;
}

/* A pty master reads EIO while no slave is open: holding the slave open
 * ourselves lets hosts open and close the port as often as they like. */
static gboolean
ir_sim_phone_open_pty (IrSimPhone *self, GError **error)
{
	struct termios tio;
	char name[128];
	int rc;

	if (openpty (&self->master_fd, &self->slave_fd, NULL, NULL, NULL) < 0) {
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errno),
			     "failed to open a pseudo-terminal: %s: check /dev/ptmx and "
			     "kernel.pty.max",
			     g_strerror (errno));
		return FALSE;
	}
	rc = ptsname_r (self->master_fd, name, sizeof (name));
	if (rc != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to name the pseudo-terminal: %s",
			     g_strerror (rc));
		return FALSE;
	}
	self->path = g_strdup (name);
	/* raw: no echo, no CR/LF translation by the line discipline: the
	 * phone does its own echo, as a modem does */
	if (tcgetattr (self->slave_fd, &tio) == 0) {
		cfmakeraw (&tio);
		(void)tcsetattr (self->slave_fd, TCSANOW, &tio);
	}
	if (!g_unix_set_fd_nonblocking (self->master_fd, TRUE, error)) {
		g_prefix_error (error, "failed to configure %s: ", self->path);
		return FALSE;
	}
	(void)fcntl (self->master_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl (self->slave_fd, F_SETFD, FD_CLOEXEC);
	return TRUE;
}

IrSimPhone *
ir_sim_phone_new (IrSimState *state, const IrSimFaults *faults, GError **error)
{
	g_autoptr (IrSimPhone) self = g_object_new (IR_TYPE_SIM_PHONE, NULL);

	g_return_val_if_fail (state != NULL, NULL);

	self->state = state;
	self->max_line = ir_device_model_get_max_line (state->family);
	if (faults != NULL)
		self->faults = *faults;
	self->rand = g_rand_new_with_seed (self->faults.seed);
	if (!ir_sim_phone_open_pty (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

IrSimPhone *
ir_sim_phone_new_replay (IrRecording *recording, GError **error)
{
	g_autoptr (IrSimPhone) self = g_object_new (IR_TYPE_SIM_PHONE, NULL);

	g_return_val_if_fail (IR_IS_RECORDING (recording), NULL);

	self->replay = ir_sim_replay_new (recording);
	self->rand = g_rand_new_with_seed (0);
	if (!ir_sim_phone_open_pty (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

void
ir_sim_phone_set_quirks (IrSimPhone *self, const IrSimQuirks *quirks)
{
	g_return_if_fail (IR_IS_SIM_PHONE (self));
	g_return_if_fail (quirks != NULL);
	ir_sim_quirks_clear (&self->quirks);
	ir_sim_quirks_copy (&self->quirks, quirks);
}

const char *
ir_sim_phone_get_path (IrSimPhone *self)
{
	g_return_val_if_fail (IR_IS_SIM_PHONE (self), NULL);
	return self->path;
}

IrSimState *
ir_sim_phone_get_state (IrSimPhone *self)
{
	g_return_val_if_fail (IR_IS_SIM_PHONE (self), NULL);
	return self->state;
}

guint
ir_sim_phone_get_n_commands (IrSimPhone *self)
{
	g_return_val_if_fail (IR_IS_SIM_PHONE (self), 0);
	return (guint)g_atomic_int_get (&self->n_commands);
}

gboolean
ir_sim_phone_set_link (IrSimPhone *self, const char *link, GError **error)
{
	struct stat st;
	int errsv;

	g_return_val_if_fail (IR_IS_SIM_PHONE (self), FALSE);
	g_return_val_if_fail (link != NULL, FALSE);

	/* replace a stale link from an earlier run, never anything else */
	if (lstat (link, &st) == 0) {
		if (!S_ISLNK (st.st_mode)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "refusing to replace %s with a link to %s: it is not a "
				     "symlink; choose another --link path",
				     link,
				     self->path);
			return FALSE;
		}
		(void)unlink (link);
	}
	if (symlink (self->path, link) < 0) {
		errsv = errno;
		g_set_error (error,
			     IR_ERROR,
			     ir_error_from_errno (errsv),
			     "failed to link %s to %s: %s: choose a --link path in a writable "
			     "directory",
			     link,
			     self->path,
			     g_strerror (errsv));
		return FALSE;
	}
	ir_sim_phone_remove_link (self);
	self->link = g_strdup (link);
	return TRUE;
}

gboolean
ir_sim_phone_set_state_file (IrSimPhone *self, const char *path, GError **error)
{
	g_return_val_if_fail (IR_IS_SIM_PHONE (self), FALSE);
	g_return_val_if_fail (path != NULL, FALSE);

	if (self->state == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "a replayed phone has no state to keep in %s: drop --state",
			     path);
		return FALSE;
	}
	if (g_file_test (path, G_FILE_TEST_EXISTS)) {
		if (!ir_sim_state_load_file (self->state, path, error))
			return FALSE;
	} else if (!ir_sim_state_save_file (self->state, path, error)) {
		return FALSE;
	}
	g_free (self->state_file);
	self->state_file = g_strdup (path);
	return TRUE;
}

void
ir_sim_phone_start (IrSimPhone *self, GMainContext *context)
{
	g_return_if_fail (IR_IS_SIM_PHONE (self));
	g_return_if_fail (self->context == NULL);

	self->context =
	    context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
	if (self->hung_up)
		return;
	self->read_source = g_unix_fd_source_new (self->master_fd, G_IO_IN);
	g_source_set_callback (
	    self->read_source, G_SOURCE_FUNC (ir_sim_phone_readable_cb), self, NULL);
	g_source_attach (self->read_source, self->context);
	if (self->replay != NULL) {
		g_autoptr (GPtrArray) outputs =
		    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_replay_output_free);
		ir_sim_replay_start (self->replay, outputs);
		ir_sim_phone_queue_replay (self, outputs);
	}
	ir_sim_phone_flush (self);
}

static gpointer
ir_sim_phone_thread_cb (gpointer user_data)
{
	IrSimPhone *self = IR_SIM_PHONE (user_data);

	g_main_context_push_thread_default (self->context);
	g_main_loop_run (self->loop);
	g_main_context_pop_thread_default (self->context);
	return NULL;
}

void
ir_sim_phone_start_thread (IrSimPhone *self)
{
	g_autoptr (GMainContext) context = g_main_context_new ();

	g_return_if_fail (IR_IS_SIM_PHONE (self));
	g_return_if_fail (self->context == NULL);

	self->loop = g_main_loop_new (context, FALSE);
	ir_sim_phone_start (self, context);
	self->thread = g_thread_new ("ir-sim-phone", ir_sim_phone_thread_cb, self);
}

static gboolean
ir_sim_phone_quit_cb (gpointer user_data)
{
	g_main_loop_quit (user_data);
	return G_SOURCE_REMOVE;
}

void
ir_sim_phone_stop (IrSimPhone *self)
{
	g_return_if_fail (IR_IS_SIM_PHONE (self));

	if (self->thread != NULL) {
		/* quit from inside the loop: a g_main_loop_quit() that comes
		 * before the thread entered g_main_loop_run() would be lost */
		g_autoptr (GSource) idle = g_idle_source_new ();
		g_source_set_callback (idle, ir_sim_phone_quit_cb, self->loop, NULL);
		g_source_attach (idle, self->context);
		g_thread_join (g_steal_pointer (&self->thread));
	}
	g_clear_pointer (&self->loop, g_main_loop_unref);
	ir_sim_phone_destroy_source (&self->read_source);
	ir_sim_phone_destroy_source (&self->write_source);
	ir_sim_phone_destroy_source (&self->timer_source);
	g_clear_pointer (&self->context, g_main_context_unref);
	ir_sim_phone_save_state (self);
}

static void
ir_sim_phone_finalize (GObject *object)
{
	IrSimPhone *self = IR_SIM_PHONE (object);

	ir_sim_phone_stop (self);
	g_queue_clear_full (&self->chunks, (GDestroyNotify)ir_sim_phone_chunk_free);
	if (self->master_fd >= 0)
		close (self->master_fd);
	if (self->slave_fd >= 0)
		close (self->slave_fd);
	ir_sim_phone_remove_link (self);
	g_free (self->path);
	g_free (self->state_file);
	g_string_free (self->line, TRUE);
	ir_qc_hdlc_reader_free (self->frames);
	if (self->rand != NULL)
		g_rand_free (self->rand);
	ir_sim_state_free (self->state);
	ir_sim_replay_free (self->replay);
	ir_sim_quirks_clear (&self->quirks);
	G_OBJECT_CLASS (ir_sim_phone_parent_class)->finalize (object);
}

static void
ir_sim_phone_init (IrSimPhone *self)
{
	self->master_fd = -1;
	self->slave_fd = -1;
	self->line = g_string_new (NULL);
	self->frames = ir_qc_hdlc_reader_new ();
	g_queue_init (&self->chunks);
	ir_sim_quirks_init (&self->quirks);
}

static void
ir_sim_phone_class_init (IrSimPhoneClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = ir_sim_phone_finalize;

	/* The phone hung up (--disconnect-after, a replayed hangup, or a pty
	 * error): its path is gone. Emitted on the serving context. */
	signals[SIGNAL_HANGUP] = g_signal_new ("hangup",
					       G_TYPE_FROM_CLASS (object_class),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       0);
}
