/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>

#include "ir-error.h"
#include "ir-transport-serialport.h"

struct _IrTransportSerialport {
	IrTransportTermios parent_instance;
	char *device;
	struct sp_port *port; /* non-NULL while open */
};

G_DEFINE_TYPE (IrTransportSerialport, ir_transport_serialport, IR_TYPE_TRANSPORT_TERMIOS)

void
ir_transport_serialport_set_error (
    GError **error, enum sp_return rc, const char *action, const char *path, gboolean opening)
{
	switch (rc) {
	case SP_ERR_FAIL:
		ir_transport_termios_set_error_errno (
		    error, sp_last_error_code (), action, path, opening);
		return;
	case SP_ERR_ARG:
		/* what libserialport says for a name it cannot find in sysfs */
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "failed to %s %s: not a serial port the system knows: "
			     "run `imeictl list` to see the ports",
			     action,
			     path);
		return;
	case SP_ERR_SUPP:
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "failed to %s %s: the serial driver does not support it",
			     action,
			     path);
		return;
	case SP_ERR_MEM:
	default:
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to %s %s: libserialport error %d",
			     action,
			     path,
			     (int)rc);
		return;
	}
}

/* 115200 8N1, no flow control: what the AT ports of every family here use */
static enum sp_return
ir_transport_serialport_configure (struct sp_port *port)
{
	struct sp_port_config *config = NULL;
	enum sp_return rc = sp_new_config (&config);

	if (rc != SP_OK)
		return rc;
	if ((rc = sp_set_config_baudrate (config, 115200)) == SP_OK &&
	    (rc = sp_set_config_bits (config, 8)) == SP_OK &&
	    (rc = sp_set_config_parity (config, SP_PARITY_NONE)) == SP_OK &&
	    (rc = sp_set_config_stopbits (config, 1)) == SP_OK &&
	    (rc = sp_set_config_flowcontrol (config, SP_FLOWCONTROL_NONE)) == SP_OK)
		rc = sp_set_config (port, config);
	sp_free_config (config);
	return rc;
}

static void
ir_transport_serialport_free_port (IrTransportSerialport *self)
{
	if (self->port == NULL)
		return;
	sp_close (self->port);
	sp_free_port (self->port);
	self->port = NULL;
}

static gboolean
ir_transport_serialport_open (IrTransport *transport, GError **error)
{
	IrTransportSerialport *self = IR_TRANSPORT_SERIALPORT (transport);
	IrTransportTermios *termios = IR_TRANSPORT_TERMIOS (transport);
	const char *path = ir_transport_get_path (transport);
	enum sp_return rc;
	int fd = -1;

	rc = sp_get_port_by_name (self->device, &self->port);
	if (rc != SP_OK) {
		ir_transport_serialport_set_error (error, rc, "open", path, TRUE);
		return FALSE;
	}
	rc = sp_open (self->port, SP_MODE_READ_WRITE);
	if (rc != SP_OK) {
		ir_transport_serialport_set_error (error, rc, "open", path, TRUE);
		sp_free_port (g_steal_pointer (&self->port));
		return FALSE;
	}
	rc = sp_get_port_handle (self->port, &fd);
	if (rc != SP_OK) {
		ir_transport_serialport_set_error (error, rc, "open", path, TRUE);
		ir_transport_serialport_free_port (self);
		return FALSE;
	}
	/* the termios code polls a non-blocking descriptor, which must not
	 * leak into programs we spawn */
	fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
	fcntl (fd, F_SETFD, fcntl (fd, F_GETFD) | FD_CLOEXEC);
	/* lock before configuring: a port another program holds keeps its settings */
	if (!ir_transport_termios_adopt_fd (termios, fd, FALSE, error)) {
		ir_transport_serialport_free_port (self);
		return FALSE;
	}
	rc = ir_transport_serialport_configure (self->port);
	if (rc != SP_OK) {
		ir_transport_serialport_set_error (error, rc, "configure", path, TRUE);
		ir_transport_termios_release_fd (termios);
		ir_transport_serialport_free_port (self);
		return FALSE;
	}
	return TRUE;
}

static void
ir_transport_serialport_close (IrTransport *transport)
{
	IrTransportSerialport *self = IR_TRANSPORT_SERIALPORT (transport);

	/* libserialport owns the descriptor: forget it, then let sp_close() close it */
	ir_transport_termios_release_fd (IR_TRANSPORT_TERMIOS (transport));
	ir_transport_serialport_free_port (self);
}

static void
ir_transport_serialport_finalize (GObject *object)
{
	IrTransportSerialport *self = IR_TRANSPORT_SERIALPORT (object);

	g_free (self->device);
	G_OBJECT_CLASS (ir_transport_serialport_parent_class)->finalize (object);
}

static void
ir_transport_serialport_init (IrTransportSerialport *self)
{
}

static void
ir_transport_serialport_class_init (IrTransportSerialportClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	object_class->finalize = ir_transport_serialport_finalize;
	/* read and write are the termios transport's */
	transport_class->open = ir_transport_serialport_open;
	transport_class->close = ir_transport_serialport_close;
}

IrTransport *
ir_transport_serialport_new (const char *path, const char *device)
{
	IrTransportSerialport *self;

	g_return_val_if_fail (path != NULL, NULL);
	g_return_val_if_fail (device != NULL, NULL);

	self = g_object_new (IR_TYPE_TRANSPORT_SERIALPORT, "path", path, NULL);
	self->device = g_strdup (device);
	return IR_TRANSPORT (self);
}
