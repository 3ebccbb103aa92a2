/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-at-channel.h"
#include "ir-error.h"

/* One AT command at a time, as ModemManager's AT port queue does, but
 * blocking: the caller's thread waits on the transport. Threads: commands
 * from several threads are serialised by a lock (one command in flight per
 * channel); ir_at_channel_take_urcs() may be called from any thread at any
 * time. A channel is meant to be driven by one worker thread per phone. */

/* Longest wait of one read, so that cancellation is seen within a slice
 * even by a transport that cannot wake up on the cancellable's fd. */
#define IR_AT_POLL_SLICE_MS 100
/* Reads while draining before a command: bounds a device that never stops
 * talking; what is still unread is then parsed with the command's answer. */
#define IR_AT_DRAIN_MAX_READS 16

struct _IrAtChannel {
	GObject parent_instance;
	IrTransport *transport;
	GMutex command_lock;	/* one command in flight */
	GMutex urcs_lock;	/* guards urcs */
	GPtrArray *urcs;	/* (char *) collected between take_urcs() calls */
	GByteArray *pending;	/* bytes after the last final line, not yet parsed */
	guint timeout_limit_ms; /* 0: none */
	char *charset;		/* +CSCS; NULL: not asked yet */
	IrAtChannelWaitFunc wait_func;
	gpointer wait_data;
};

enum { PROP_0, PROP_TRANSPORT, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (IrAtChannel, ir_at_channel, G_TYPE_OBJECT)

IrTransport *
ir_at_channel_get_transport (IrAtChannel *self)
{
	g_return_val_if_fail (IR_IS_AT_CHANNEL (self), NULL);
	return self->transport;
}

static const char *
ir_at_channel_port (IrAtChannel *self)
{
	const char *path = ir_transport_get_path (self->transport);

	return path != NULL ? path : "(unnamed port)";
}

static void
ir_at_channel_add_urcs (IrAtChannel *self, GPtrArray *urcs)
{
	g_mutex_lock (&self->urcs_lock);
	for (guint i = 0; urcs != NULL && i < urcs->len; i++)
		g_ptr_array_add (self->urcs, g_strdup (g_ptr_array_index (urcs, i)));
	g_mutex_unlock (&self->urcs_lock);
}

GPtrArray *
ir_at_channel_take_urcs (IrAtChannel *self)
{
	g_autoptr (GMutexLocker) locker = NULL;
	GPtrArray *urcs;

	g_return_val_if_fail (IR_IS_AT_CHANNEL (self), NULL);
	locker = g_mutex_locker_new (&self->urcs_lock);
	urcs = g_steal_pointer (&self->urcs);
	self->urcs = g_ptr_array_new_with_free_func (g_free);
	return urcs;
}

/* GIO's cancellation error and ours become IR_ERROR_CANCELLED, with the
 * command named; anything else keeps its code, prefixed the same way. */
static void
ir_at_channel_propagate (IrAtChannel *self,
			 GError **error,
			 GError *error_local,
			 const char *command)
{
	if (g_error_matches (error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_CANCELLED,
			     "%s on %s was cancelled",
			     command,
			     ir_at_channel_port (self));
		g_error_free (error_local);
		return;
	}
	g_propagate_prefixed_error (error, error_local, "%s: ", command);
}

/* Reads what the device sent before the command (URCs, or the late answer
 * to a command that timed out) so that it cannot be taken for the answer
 * to this one. Complete lines become URCs; an unfinished line is returned
 * in @carry to be parsed with the answer. */
static gboolean
ir_at_channel_drain (IrAtChannel *self, const char *command, GByteArray *carry, GError **error)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new (NULL);
	g_autoptr (GPtrArray) urcs = NULL;
	const guint8 *rest;
	gsize rest_len = 0;
	guint8 buf[512];

	if (!ir_at_parser_feed (parser, self->pending->data, self->pending->len, NULL, NULL))
		return TRUE; /* only possible on a flood: start the command afresh */
	g_byte_array_set_size (self->pending, 0);
	for (guint i = 0; i < IR_AT_DRAIN_MAX_READS; i++) {
		g_autoptr (GError) error_local = NULL;
		gssize n =
		    ir_transport_read (self->transport, buf, sizeof (buf), 0, NULL, &error_local);

		if (n < 0) {
			ir_at_channel_propagate (
			    self, error, g_steal_pointer (&error_local), command);
			return FALSE;
		}
		if (n == 0)
			break;
		if (!ir_at_parser_feed (parser, buf, (gsize)n, NULL, NULL)) {
			g_debug ("dropped a flood of unsolicited data on %s",
				 ir_at_channel_port (self));
			return TRUE;
		}
	}
	urcs = ir_at_parser_steal_urcs (parser);
	ir_at_channel_add_urcs (self, urcs);
	rest = ir_at_parser_get_leftover (parser, &rest_len);
	g_byte_array_append (carry, rest, rest_len);
	return TRUE;
}

static void
ir_at_channel_set_timeout_error (IrAtChannel *self,
				 GError **error,
				 const char *command,
				 guint timeout_ms)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TIMEOUT,
		     "no answer to %s on %s within %u ms: check that the phone is switched on and "
		     "that this is its AT port (`imeictl list`)",
		     command,
		     ir_at_channel_port (self),
		     timeout_ms);
}

/* Tells the wait func once the command has waited long enough; TRUE when
 * it has been told (or there is no one to tell). */
static gboolean
ir_at_channel_tell_wait (IrAtChannel *self, const char *command, gint64 start)
{
	gint64 waited_ms = (g_get_monotonic_time () - start) / 1000;

	if (self->wait_func == NULL)
		return TRUE;
	if (waited_ms < IR_AT_CHANNEL_SLOW_MS)
		return FALSE;
	self->wait_func (command, ir_at_channel_port (self), (guint)waited_ms, self->wait_data);
	return TRUE;
}

/* Reads and parses until the final result code or the deadline */
static IrAtResponse *
ir_at_channel_collect (IrAtChannel *self,
		       IrAtParser *parser,
		       const char *command,
		       guint timeout_ms,
		       GCancellable *cancellable,
		       GError **error)
{
	gint64 start = g_get_monotonic_time ();
	gint64 deadline = start + (gint64)timeout_ms * 1000;
	gboolean told = FALSE;
	guint8 buf[1024];

	for (;;) {
		g_autoptr (GError) error_local = NULL;
		gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
		gboolean done = FALSE;
		gssize n;

		if (g_cancellable_set_error_if_cancelled (cancellable, &error_local)) {
			ir_at_channel_propagate (
			    self, error, g_steal_pointer (&error_local), command);
			return NULL;
		}
		if (remaining_ms <= 0) {
			ir_at_channel_set_timeout_error (self, error, command, timeout_ms);
			return NULL;
		}
		if (!told)
			told = ir_at_channel_tell_wait (self, command, start);
		n = ir_transport_read (self->transport,
				       buf,
				       sizeof (buf),
				       (guint)MIN (remaining_ms, IR_AT_POLL_SLICE_MS),
				       cancellable,
				       &error_local);
		if (n < 0) {
			ir_at_channel_propagate (
			    self, error, g_steal_pointer (&error_local), command);
			return NULL;
		}
		if (!ir_at_parser_feed (parser, buf, (gsize)n, &done, &error_local)) {
			g_propagate_prefixed_error (error,
						    g_steal_pointer (&error_local),
						    "%s: ",
						    ir_at_channel_port (self));
			return NULL;
		}
		if (done)
			return ir_at_parser_steal_response (parser);
	}
}

static IrAtResponse *
ir_at_channel_command_locked (IrAtChannel *self,
			      const char *command,
			      guint timeout_ms,
			      GCancellable *cancellable,
			      GError **error)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new (command);
	g_autoptr (GByteArray) carry = g_byte_array_new ();
	g_autoptr (GPtrArray) urcs = NULL;
	g_autoptr (GError) error_local = NULL;
	g_autofree char *line = g_strdup_printf ("%s\r", command);
	IrAtResponse *resp;
	const guint8 *rest;
	gsize rest_len = 0;

	/* a cancelled command is never sent */
	if (g_cancellable_set_error_if_cancelled (cancellable, &error_local)) {
		ir_at_channel_propagate (self, error, g_steal_pointer (&error_local), command);
		return NULL;
	}
	if (!ir_at_channel_drain (self, command, carry, error))
		return NULL;
	if (!ir_at_parser_feed (parser, carry->data, carry->len, NULL, error))
		return NULL;
	if (!ir_transport_write (
		self->transport, (const guint8 *)line, strlen (line), &error_local)) {
		g_propagate_prefixed_error (
		    error, g_steal_pointer (&error_local), "failed to send %s: ", command);
		return NULL;
	}
	resp = ir_at_channel_collect (self, parser, command, timeout_ms, cancellable, error);

	/* URCs seen while waiting in vain are still URCs; bytes after the
	 * final line belong to whatever comes next */
	urcs = ir_at_parser_steal_urcs (parser);
	ir_at_channel_add_urcs (self, urcs);
	if (resp != NULL) {
		/* the channel's list is the complete log of URCs, so that a
		 * caller watching it (for "RDY" after a reboot, say) misses none;
		 * resp->urcs keeps those that came during this command */
		ir_at_channel_add_urcs (self, resp->urcs);
		rest = ir_at_parser_get_leftover (parser, &rest_len);
		g_byte_array_append (self->pending, rest, rest_len);
	}
	return resp;
}

IrAtResponse *
ir_at_channel_command (IrAtChannel *self,
		       const char *command,
		       guint timeout_ms,
		       GCancellable *cancellable,
		       GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;

	g_return_val_if_fail (IR_IS_AT_CHANNEL (self), NULL);
	g_return_val_if_fail (command != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (command[0] == '\0' || strpbrk (command, "\r\n") != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "AT command \"%s\" is empty or holds a line break: give one command "
			     "without CR or LF",
			     command);
		return NULL;
	}
	if (timeout_ms == 0)
		timeout_ms = IR_AT_DEFAULT_TIMEOUT_MS;
	if (self->timeout_limit_ms > 0)
		timeout_ms = MIN (timeout_ms, self->timeout_limit_ms);
	locker = g_mutex_locker_new (&self->command_lock);
	return ir_at_channel_command_locked (self, command, timeout_ms, cancellable, error);
}

void
ir_at_channel_set_wait_func (IrAtChannel *self, IrAtChannelWaitFunc func, gpointer user_data)
{
	g_return_if_fail (IR_IS_AT_CHANNEL (self));
	self->wait_func = func;
	self->wait_data = user_data;
}

const char *
ir_at_channel_get_charset (IrAtChannel *self)
{
	g_return_val_if_fail (IR_IS_AT_CHANNEL (self), NULL);
	return self->charset;
}

void
ir_at_channel_set_charset (IrAtChannel *self, const char *charset)
{
	g_return_if_fail (IR_IS_AT_CHANNEL (self));
	g_free (self->charset);
	self->charset = g_strdup (charset);
}

void
ir_at_channel_set_timeout_limit (IrAtChannel *self, guint limit_ms)
{
	g_return_if_fail (IR_IS_AT_CHANNEL (self));
	self->timeout_limit_ms = limit_ms;
}

IrAtResponse *
ir_at_channel_command_ok (IrAtChannel *self,
			  const char *command,
			  guint timeout_ms,
			  GCancellable *cancellable,
			  GError **error)
{
	g_autoptr (IrAtResponse) resp = NULL;

	resp = ir_at_channel_command (self, command, timeout_ms, cancellable, error);
	if (resp == NULL)
		return NULL;
	if (!ir_at_response_check (resp, command, ir_at_channel_port (self), error))
		return NULL;
	return g_steal_pointer (&resp);
}

static void
ir_at_channel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	IrAtChannel *self = IR_AT_CHANNEL (object);

	switch (prop_id) {
	case PROP_TRANSPORT:
		g_value_set_object (value, self->transport);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
ir_at_channel_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	IrAtChannel *self = IR_AT_CHANNEL (object);

	switch (prop_id) {
	case PROP_TRANSPORT:
		g_set_object (&self->transport, g_value_get_object (value));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
ir_at_channel_dispose (GObject *object)
{
	IrAtChannel *self = IR_AT_CHANNEL (object);

	g_clear_object (&self->transport);
	G_OBJECT_CLASS (ir_at_channel_parent_class)->dispose (object);
}

static void
ir_at_channel_finalize (GObject *object)
{
	IrAtChannel *self = IR_AT_CHANNEL (object);

	g_ptr_array_unref (self->urcs);
	g_byte_array_unref (self->pending);
	g_free (self->charset);
	g_mutex_clear (&self->command_lock);
	g_mutex_clear (&self->urcs_lock);
	G_OBJECT_CLASS (ir_at_channel_parent_class)->finalize (object);
}

static void
ir_at_channel_init (IrAtChannel *self)
{
	g_mutex_init (&self->command_lock);
	g_mutex_init (&self->urcs_lock);
	self->urcs = g_ptr_array_new_with_free_func (g_free);
	self->pending = g_byte_array_new ();
}

static void
ir_at_channel_class_init (IrAtChannelClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->get_property = ir_at_channel_get_property;
	object_class->set_property = ir_at_channel_set_property;
	object_class->dispose = ir_at_channel_dispose;
	object_class->finalize = ir_at_channel_finalize;

	props[PROP_TRANSPORT] = g_param_spec_object ("transport",
						     NULL,
						     NULL,
						     IR_TYPE_TRANSPORT,
						     G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
							 G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties (object_class, N_PROPS, props);
}

IrAtChannel *
ir_at_channel_new (IrTransport *transport)
{
	g_return_val_if_fail (IR_IS_TRANSPORT (transport), NULL);
	return g_object_new (IR_TYPE_AT_CHANNEL, "transport", transport, NULL);
}
