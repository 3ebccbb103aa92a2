/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-qc-hdlc.h"

/* CRC-16/X.25 bit by bit: 2 kB frames at most, a table would buy nothing
 * a phone's serial line could notice (bench/ measures the whole identify). */
#define IR_QC_HDLC_CRC_POLY 0x8408 /* 0x1021 reflected */
#define IR_QC_HDLC_CRC_LEN  2

struct _IrQcHdlcReader {
	GByteArray *buf;
	gboolean overflow; /* skipping an oversize frame up to its terminator */
};

guint16
ir_qc_hdlc_crc16 (const guint8 *data, gsize len)
{
	guint16 crc = 0xFFFF;

	for (gsize i = 0; i < len; i++) {
		crc ^= data[i];
		for (guint bit = 0; bit < 8; bit++)
			crc = (crc & 1) != 0 ? (guint16)((crc >> 1) ^ IR_QC_HDLC_CRC_POLY)
					     : (guint16)(crc >> 1);
	}
	return (guint16)~crc;
}

static void
ir_qc_hdlc_append_escaped (GByteArray *out, guint8 byte)
{
	if (byte == IR_QC_HDLC_FLAG || byte == IR_QC_HDLC_ESCAPE) {
		guint8 pair[2] = {IR_QC_HDLC_ESCAPE, byte ^ IR_QC_HDLC_ESCAPE_XOR};
		g_byte_array_append (out, pair, 2);
		return;
	}
	g_byte_array_append (out, &byte, 1);
}

GBytes *
ir_qc_hdlc_encode (const guint8 *payload, gsize len)
{
	GByteArray *out;
	guint16 crc;
	guint8 flag = IR_QC_HDLC_FLAG;

	g_return_val_if_fail (payload != NULL, NULL);
	g_return_val_if_fail (len > 0 && len <= IR_QC_HDLC_MAX_PAYLOAD, NULL);

	out = g_byte_array_sized_new ((guint)(len + 4));
	crc = ir_qc_hdlc_crc16 (payload, len);
	for (gsize i = 0; i < len; i++)
		ir_qc_hdlc_append_escaped (out, payload[i]);
	ir_qc_hdlc_append_escaped (out, (guint8)(crc & 0xFF));
	ir_qc_hdlc_append_escaped (out, (guint8)(crc >> 8));
	g_byte_array_append (out, &flag, 1);
	return g_byte_array_free_to_bytes (out);
}

/* Undoes the escapes of @frame (no terminator in it). */
static GByteArray *
ir_qc_hdlc_unescape (const guint8 *frame, gsize len, GError **error)
{
	g_autoptr (GByteArray) out = g_byte_array_sized_new ((guint)len);

	for (gsize i = 0; i < len; i++) {
		guint8 byte = frame[i];
		if (byte == IR_QC_HDLC_FLAG) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "DIAG frame has a terminator at byte %" G_GSIZE_FORMAT
				     " of %" G_GSIZE_FORMAT,
				     i,
				     len);
			return NULL;
		}
		if (byte == IR_QC_HDLC_ESCAPE) {
			if (i + 1 >= len) {
				g_set_error_literal (error,
						     IR_ERROR,
						     IR_ERROR_PROTOCOL,
						     "DIAG frame ends inside an escape (0x7D)");
				return NULL;
			}
			byte = frame[++i] ^ IR_QC_HDLC_ESCAPE_XOR;
			/* only the two special bytes are ever escaped */
			if (byte != IR_QC_HDLC_FLAG && byte != IR_QC_HDLC_ESCAPE) {
				g_set_error (error,
					     IR_ERROR,
					     IR_ERROR_PROTOCOL,
					     "DIAG frame escapes 0x%02x at byte %" G_GSIZE_FORMAT
					     ", which is never escaped",
					     byte,
					     i - 1);
				return NULL;
			}
		}
		g_byte_array_append (out, &byte, 1);
	}
	return g_steal_pointer (&out);
}

GBytes *
ir_qc_hdlc_decode (const guint8 *frame, gsize len, GError **error)
{
	g_autoptr (GByteArray) raw = NULL;
	guint16 got;
	guint16 want;
	gsize payload_len;

	g_return_val_if_fail (frame != NULL || len == 0, NULL);

	if (len > 0 && frame[len - 1] == IR_QC_HDLC_FLAG)
		len--;
	if (len == 0) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_PROTOCOL, "empty DIAG frame");
		return NULL;
	}
	if (len > IR_QC_HDLC_MAX_FRAME) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG frame of %" G_GSIZE_FORMAT " bytes is oversize (at most %d)",
			     len,
			     IR_QC_HDLC_MAX_FRAME);
		return NULL;
	}
	raw = ir_qc_hdlc_unescape (frame, len, error);
	if (raw == NULL)
		return NULL;
	if (raw->len <= IR_QC_HDLC_CRC_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG frame of %u bytes is too short for a payload and its CRC",
			     raw->len);
		return NULL;
	}
	payload_len = raw->len - IR_QC_HDLC_CRC_LEN;
	if (payload_len > IR_QC_HDLC_MAX_PAYLOAD) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG payload of %" G_GSIZE_FORMAT " bytes is oversize (at most %d)",
			     payload_len,
			     IR_QC_HDLC_MAX_PAYLOAD);
		return NULL;
	}
	got = (guint16)(raw->data[payload_len] | (raw->data[payload_len + 1] << 8));
	want = ir_qc_hdlc_crc16 (raw->data, payload_len);
	if (got != want) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG frame has a bad CRC (0x%04x, computed 0x%04x): the answer was "
			     "garbled on the line",
			     got,
			     want);
		return NULL;
	}
	g_byte_array_set_size (raw, (guint)payload_len);
	return g_byte_array_free_to_bytes (g_steal_pointer (&raw));
}

IrQcHdlcReader *
ir_qc_hdlc_reader_new (void)
{
	IrQcHdlcReader *reader = g_new0 (IrQcHdlcReader, 1);

	reader->buf = g_byte_array_new ();
	return reader;
}

void
ir_qc_hdlc_reader_free (IrQcHdlcReader *reader)
{
	if (reader == NULL)
		return;
	g_byte_array_unref (reader->buf);
	g_free (reader);
}

void
ir_qc_hdlc_reader_reset (IrQcHdlcReader *reader)
{
	g_return_if_fail (reader != NULL);
	g_byte_array_set_size (reader->buf, 0);
	reader->overflow = FALSE;
}

gsize
ir_qc_hdlc_reader_get_pending (IrQcHdlcReader *reader)
{
	g_return_val_if_fail (reader != NULL, 0);
	return reader->buf->len;
}

/* Keeps what fits; past IR_QC_HDLC_MAX_FRAME the frame is oversize. */
static void
ir_qc_hdlc_reader_keep (IrQcHdlcReader *reader, const guint8 *data, gsize len)
{
	if (reader->overflow)
		return;
	if (reader->buf->len + len > IR_QC_HDLC_MAX_FRAME) {
		reader->overflow = TRUE;
		g_byte_array_set_size (reader->buf, 0);
		return;
	}
	g_byte_array_append (reader->buf, data, (guint)len);
}

/* The frame that ended at a terminator: NULL and no error for an empty one. */
static GBytes *
ir_qc_hdlc_reader_finish (IrQcHdlcReader *reader, GError **error)
{
	GBytes *payload = NULL;

	if (reader->overflow) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG frame longer than %d bytes is oversize: skipped",
			     IR_QC_HDLC_MAX_FRAME);
	} else if (reader->buf->len > 0) {
		payload = ir_qc_hdlc_decode (reader->buf->data, reader->buf->len, error);
	}
	ir_qc_hdlc_reader_reset (reader);
	return payload;
}

GBytes *
ir_qc_hdlc_reader_push (
    IrQcHdlcReader *reader, const guint8 *data, gsize len, gsize *used, GError **error)
{
	g_return_val_if_fail (reader != NULL, NULL);
	g_return_val_if_fail (data != NULL || len == 0, NULL);
	g_return_val_if_fail (used != NULL, NULL);

	for (gsize start = 0; start < len;) {
		const guint8 *flag = memchr (data + start, IR_QC_HDLC_FLAG, len - start);
		gsize end;
		gboolean was_empty;
		GBytes *payload;

		if (flag == NULL) {
			ir_qc_hdlc_reader_keep (reader, data + start, len - start);
			break;
		}
		end = (gsize)(flag - data);
		ir_qc_hdlc_reader_keep (reader, data + start, end - start);
		was_empty = reader->buf->len == 0 && !reader->overflow;
		start = end + 1;
		if (was_empty)
			continue;
		payload = ir_qc_hdlc_reader_finish (reader, error);
		*used = start;
		return payload;
	}
	*used = len;
	return NULL;
}
