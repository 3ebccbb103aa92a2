/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-transport.h"

/* The base class owns what every transport shares: the path, the open
 * state and session recording. Subclasses only move bytes; recording lives
 * here so that no subclass can forget it. */
typedef struct {
	char *path;
	gboolean is_open;
	IrRecording *recording;
} IrTransportPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (IrTransport, ir_transport, G_TYPE_OBJECT)

#define GET_PRIVATE(o) (ir_transport_get_instance_private (o))

enum {
	PROP_0,
	PROP_PATH,
	PROP_LAST,
};

static GParamSpec *obj_props[PROP_LAST] = {NULL};

const char *
ir_transport_get_path (IrTransport *self)
{
	IrTransportPrivate *priv;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), NULL);
	priv = GET_PRIVATE (self);
	return priv->path;
}

gboolean
ir_transport_is_open (IrTransport *self)
{
	IrTransportPrivate *priv;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), FALSE);
	priv = GET_PRIVATE (self);
	return priv->is_open;
}

gboolean
ir_transport_open (IrTransport *self, GError **error)
{
	IrTransportPrivate *priv;
	IrTransportClass *klass;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	priv = GET_PRIVATE (self);
	if (priv->is_open)
		return TRUE;
	klass = IR_TRANSPORT_GET_CLASS (self);
	if (klass->open != NULL && !klass->open (self, error))
		return FALSE;
	priv->is_open = TRUE;
	return TRUE;
}

void
ir_transport_close (IrTransport *self)
{
	IrTransportPrivate *priv;
	IrTransportClass *klass;

	g_return_if_fail (IR_IS_TRANSPORT (self));

	priv = GET_PRIVATE (self);
	if (!priv->is_open)
		return;
	klass = IR_TRANSPORT_GET_CLASS (self);
	if (klass->close != NULL)
		klass->close (self);
	priv->is_open = FALSE;
}

static gboolean
ir_transport_check_open (IrTransport *self, GError **error)
{
	IrTransportPrivate *priv = GET_PRIVATE (self);

	if (priv->is_open)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "port %s is not open: open it before talking to the phone",
		     priv->path != NULL ? priv->path : "(unnamed)");
	return FALSE;
}

gboolean
ir_transport_write (IrTransport *self, const guint8 *data, gsize len, GError **error)
{
	IrTransportPrivate *priv;
	IrTransportClass *klass;
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), FALSE);
	g_return_val_if_fail (data != NULL || len == 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	priv = GET_PRIVATE (self);
	if (!ir_transport_check_open (self, error))
		return FALSE;
	if (len == 0)
		return TRUE;
	klass = IR_TRANSPORT_GET_CLASS (self);
	if (!klass->write (self, data, len, &error_local)) {
		if (priv->recording != NULL &&
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED))
			ir_recording_add (priv->recording, IR_RECORDING_HANGUP, NULL, 0);
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (priv->recording != NULL)
		ir_recording_add (priv->recording, IR_RECORDING_WRITE, data, len);
	return TRUE;
}

gssize
ir_transport_read (IrTransport *self,
		   guint8 *buf,
		   gsize size,
		   guint timeout_ms,
		   GCancellable *cancellable,
		   GError **error)
{
	IrTransportPrivate *priv;
	IrTransportClass *klass;
	gssize n;
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), -1);
	g_return_val_if_fail (buf != NULL, -1);
	g_return_val_if_fail (size > 0, -1);
	g_return_val_if_fail (error == NULL || *error == NULL, -1);

	priv = GET_PRIVATE (self);
	if (!ir_transport_check_open (self, error))
		return -1;
	klass = IR_TRANSPORT_GET_CLASS (self);
	n = klass->read (self, buf, size, timeout_ms, cancellable, &error_local);
	if (n < 0) {
		/* a hangup is part of the session: replay must reproduce it */
		if (priv->recording != NULL &&
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED))
			ir_recording_add (priv->recording, IR_RECORDING_HANGUP, NULL, 0);
		g_propagate_error (error, g_steal_pointer (&error_local));
		return -1;
	}
	if (n > 0 && priv->recording != NULL)
		ir_recording_add (priv->recording, IR_RECORDING_READ, buf, (gsize)n);
	return n;
}

void
ir_transport_set_recording (IrTransport *self, IrRecording *recording)
{
	IrTransportPrivate *priv;

	g_return_if_fail (IR_IS_TRANSPORT (self));
	g_return_if_fail (recording == NULL || IR_IS_RECORDING (recording));
	priv = GET_PRIVATE (self);
	g_set_object (&priv->recording, recording);
}

IrRecording *
ir_transport_get_recording (IrTransport *self)
{
	IrTransportPrivate *priv;

	g_return_val_if_fail (IR_IS_TRANSPORT (self), NULL);
	priv = GET_PRIVATE (self);
	return priv->recording;
}

static void
ir_transport_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	IrTransport *self = IR_TRANSPORT (object);
	IrTransportPrivate *priv = GET_PRIVATE (self);

	switch (prop_id) {
	case PROP_PATH:
		g_value_set_string (value, priv->path);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
ir_transport_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	IrTransport *self = IR_TRANSPORT (object);
	IrTransportPrivate *priv = GET_PRIVATE (self);

	switch (prop_id) {
	case PROP_PATH:
		g_free (priv->path);
		priv->path = g_value_dup_string (value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
ir_transport_dispose (GObject *object)
{
	IrTransport *self = IR_TRANSPORT (object);
	IrTransportPrivate *priv = GET_PRIVATE (self);

	/* subclasses release their resources in close(), which still works
	 * here because their instance is intact during dispose */
	ir_transport_close (self);
	g_clear_object (&priv->recording);
	G_OBJECT_CLASS (ir_transport_parent_class)->dispose (object);
}

static void
ir_transport_finalize (GObject *object)
{
	IrTransport *self = IR_TRANSPORT (object);
	IrTransportPrivate *priv = GET_PRIVATE (self);

	g_free (priv->path);
	G_OBJECT_CLASS (ir_transport_parent_class)->finalize (object);
}

static void
ir_transport_init (IrTransport *self)
{
}

static void
ir_transport_class_init (IrTransportClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->get_property = ir_transport_get_property;
	object_class->set_property = ir_transport_set_property;
	object_class->dispose = ir_transport_dispose;
	object_class->finalize = ir_transport_finalize;

	obj_props[PROP_PATH] = g_param_spec_string (
	    "path",
	    NULL,
	    "The port as the user named it, e.g. /dev/ttyUSB0",
	    NULL,
	    G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties (object_class, PROP_LAST, obj_props);
}
