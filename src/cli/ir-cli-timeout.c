/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-timeout.h"
#include "ir-error.h"

struct _IrCliTimeoutTransport {
	IrTransport parent_instance;
	IrTransport *inner;
	guint timeout_ms;
	gint64 deadline_us; /* monotonic; 0 when no command is waiting */
	char *command;	    /* the last line written, for the message */
};

G_DEFINE_TYPE (IrCliTimeoutTransport, ir_cli_timeout_transport, IR_TYPE_TRANSPORT)

static gboolean
ir_cli_timeout_transport_open (IrTransport *transport, GError **error)
{
	IrCliTimeoutTransport *self = IR_CLI_TIMEOUT_TRANSPORT (transport);
	return ir_transport_open (self->inner, error);
}

static void
ir_cli_timeout_transport_close (IrTransport *transport)
{
	IrCliTimeoutTransport *self = IR_CLI_TIMEOUT_TRANSPORT (transport);
	ir_transport_close (self->inner);
}

static gboolean
ir_cli_timeout_transport_write (IrTransport *transport,
				const guint8 *data,
				gsize len,
				GError **error)
{
	IrCliTimeoutTransport *self = IR_CLI_TIMEOUT_TRANSPORT (transport);
	g_autofree char *text = g_strndup ((const char *)data, len);

	/* "AT+CGMM\r" -> "AT+CGMM": the name the user will see */
	g_free (self->command);
	self->command = g_strdup (g_strstrip (g_strdelimit (text, "\r\n", ' ')));
	self->deadline_us = g_get_monotonic_time () + (gint64)self->timeout_ms * 1000;
	return ir_transport_write (self->inner, data, len, error);
}

static gssize
ir_cli_timeout_transport_read (IrTransport *transport,
			       guint8 *buf,
			       gsize size,
			       guint timeout_ms,
			       GCancellable *cancellable,
			       GError **error)
{
	IrCliTimeoutTransport *self = IR_CLI_TIMEOUT_TRANSPORT (transport);
	gint64 left_ms;

	/* a zero-timeout read only drains what is already there */
	if (timeout_ms == 0 || self->deadline_us == 0)
		return ir_transport_read (self->inner, buf, size, timeout_ms, cancellable, error);
	left_ms = (self->deadline_us - g_get_monotonic_time () + 999) / 1000;
	if (left_ms <= 0) {
		self->deadline_us = 0;
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_TIMEOUT,
		    "%s got no answer from %s within %u ms (--timeout): check that the "
		    "phone is on and in AT/diagnostic mode, or allow more time with --timeout",
		    self->command != NULL && self->command[0] != '\0' ? self->command
								      : "the command",
		    ir_transport_get_path (transport),
		    self->timeout_ms);
		return -1;
	}
	return ir_transport_read (
	    self->inner, buf, size, (guint)MIN ((gint64)timeout_ms, left_ms), cancellable, error);
}

static void
ir_cli_timeout_transport_finalize (GObject *object)
{
	IrCliTimeoutTransport *self = IR_CLI_TIMEOUT_TRANSPORT (object);

	g_clear_object (&self->inner);
	g_free (self->command);
	G_OBJECT_CLASS (ir_cli_timeout_transport_parent_class)->finalize (object);
}

static void
ir_cli_timeout_transport_class_init (IrCliTimeoutTransportClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	object_class->finalize = ir_cli_timeout_transport_finalize;
	transport_class->open = ir_cli_timeout_transport_open;
	transport_class->close = ir_cli_timeout_transport_close;
	transport_class->write = ir_cli_timeout_transport_write;
	transport_class->read = ir_cli_timeout_transport_read;
}

static void
ir_cli_timeout_transport_init (IrCliTimeoutTransport *self)
{
}

IrTransport *
ir_cli_timeout_transport_new (IrTransport *inner, guint timeout_ms)
{
	IrCliTimeoutTransport *self;

	g_return_val_if_fail (IR_IS_TRANSPORT (inner), NULL);
	g_return_val_if_fail (timeout_ms > 0, NULL);

	self = g_object_new (
	    IR_TYPE_CLI_TIMEOUT_TRANSPORT, "path", ir_transport_get_path (inner), NULL);
	self->inner = g_object_ref (inner);
	self->timeout_ms = timeout_ms;
	return IR_TRANSPORT (self);
}
