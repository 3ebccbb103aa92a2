/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-recording.h"

G_BEGIN_DECLS

/* The lowest I/O layer: moves bytes to and from one port, nothing else.
 * Every subclass gets session recording for free: the public wrappers
 * below log each write and read into an attached IrRecording, which the
 * replay transport and imei-sim can later play back (as fwupd does in its
 * device emulation). */
#define IR_TYPE_TRANSPORT (ir_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (IrTransport, ir_transport, IR, TRANSPORT, GObject)

struct _IrTransportClass {
	GObjectClass parent_class;
	gboolean (*open) (IrTransport *self, GError **error);
	void (*close) (IrTransport *self);
	/* writes all of @data or fails */
	gboolean (*write) (IrTransport *self, const guint8 *data, gsize len, GError **error);
	/* waits up to @timeout_ms for data; returns the count read (> 0), 0 on
	 * timeout (no error set), -1 with @error set on failure or cancel */
	gssize (*read) (IrTransport *self,
			guint8 *buf,
			gsize size,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error);
	gpointer padding[8];
};

/* "path" construct-only property: what the user named, e.g. /dev/ttyUSB0 */
const char *ir_transport_get_path (IrTransport *self);
gboolean ir_transport_open (IrTransport *self, GError **error);
void ir_transport_close (IrTransport *self);
gboolean ir_transport_is_open (IrTransport *self);
gboolean ir_transport_write (IrTransport *self, const guint8 *data, gsize len, GError **error);
gssize ir_transport_read (IrTransport *self,
			  guint8 *buf,
			  gsize size,
			  guint timeout_ms,
			  GCancellable *cancellable,
			  GError **error);

/* Attach a recording (or NULL to stop recording). */
void ir_transport_set_recording (IrTransport *self, IrRecording *recording);
IrRecording *ir_transport_get_recording (IrTransport *self);

G_END_DECLS
