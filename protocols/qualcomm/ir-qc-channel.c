/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-qc-channel.h"
#include "ir-qc-hdlc.h"

#define IR_QC_CHANNEL_READ_CHUNK 512

/* Frames a phone sends on its own (DIAG log 0x10, event 0x60, extended
 * message 0x79 and 0x7D): never the answer to a request. */
static gboolean
ir_qc_channel_is_unsolicited (GBytes *payload)
{
	const guint8 *p = g_bytes_get_data (payload, NULL);

	return p[0] == 0x10 || p[0] == 0x60 || p[0] == 0x79 || p[0] == 0x7D;
}

static gboolean
ir_qc_channel_send (IrTransport *transport, GBytes *request, GError **error)
{
	const guint8 flag = IR_QC_HDLC_FLAG;
	g_autoptr (GBytes) frame = NULL;
	g_autoptr (GByteArray) out = g_byte_array_new ();
	gsize len;
	const guint8 *data = g_bytes_get_data (request, &len);

	frame = ir_qc_hdlc_encode (data, len);
	/* one write: a recording shows one request as one event */
	g_byte_array_append (out, &flag, 1);
	g_byte_array_append (out, g_bytes_get_data (frame, NULL), (guint)g_bytes_get_size (frame));
	return ir_transport_write (transport, out->data, out->len, error);
}

/* Feeds @n bytes to @reader: the first answer frame, else NULL (with
 * @error set when a frame did not decode). */
static GBytes *
ir_qc_channel_feed (IrQcHdlcReader *reader, const guint8 *buf, gsize n, GError **error)
{
	for (gsize off = 0; off < n;) {
		gsize used = 0;
		g_autoptr (GError) error_local = NULL;
		g_autoptr (GBytes) payload =
		    ir_qc_hdlc_reader_push (reader, buf + off, n - off, &used, &error_local);
		off += used;
		if (error_local != NULL) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		if (payload != NULL && !ir_qc_channel_is_unsolicited (payload))
			return g_steal_pointer (&payload);
	}
	return NULL;
}

/* Reads until an answer frame or the deadline. */
static GBytes *
ir_qc_channel_receive (IrTransport *transport,
		       guint timeout_ms,
		       GCancellable *cancellable,
		       GError **error)
{
	g_autoptr (IrQcHdlcReader) reader = ir_qc_hdlc_reader_new ();
	gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;

	for (gint64 now = g_get_monotonic_time (); now < deadline; now = g_get_monotonic_time ()) {
		guint8 buf[IR_QC_CHANNEL_READ_CHUNK];
		guint remaining_ms = (guint)((deadline - now + 999) / 1000);
		g_autoptr (GError) error_local = NULL;
		GBytes *payload;
		gssize n = ir_transport_read (
		    transport, buf, sizeof (buf), remaining_ms, cancellable, &error_local);

		if (n > 0)
			payload = ir_qc_channel_feed (reader, buf, (gsize)n, &error_local);
		else
			payload = NULL;
		if (error_local != NULL) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		if (payload != NULL)
			return payload;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_TIMEOUT,
		     "no DIAG answer on %s in %u ms",
		     ir_transport_get_path (transport),
		     timeout_ms);
	return NULL;
}

/* What arrived since the last answer (the rest of a frame whose terminator
 * was lost, a late answer) belongs to no request: dropped. */
static gboolean
ir_qc_channel_drain (IrTransport *transport, GCancellable *cancellable, GError **error)
{
	for (;;) {
		guint8 buf[IR_QC_CHANNEL_READ_CHUNK];
		gssize n = ir_transport_read (transport, buf, sizeof (buf), 0, cancellable, error);
		if (n < 0)
			return FALSE;
		if (n == 0)
			return TRUE;
	}
}

GBytes *
ir_qc_channel_exchange (IrTransport *transport,
			GBytes *request,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error)
{
	g_return_val_if_fail (IR_IS_TRANSPORT (transport), NULL);
	g_return_val_if_fail (request != NULL && g_bytes_get_size (request) > 0, NULL);

	if (!ir_qc_channel_drain (transport, cancellable, error))
		return NULL;
	if (!ir_qc_channel_send (transport, request, error))
		return NULL;
	return ir_qc_channel_receive (transport, timeout_ms, cancellable, error);
}
