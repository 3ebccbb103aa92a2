/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-device-model.h"
#include "ir-transport.h"

G_BEGIN_DECLS

/* Test only: a transport whose far end is a device model, in process. Each
 * line the host writes goes to ir_device_model_dispatch() (echoed first when
 * the phone's echo is on, as imei-sim's phone server does) and the answer
 * is what the next reads return. No pseudo-terminal: the integration tests
 * cover that path. */
#define IR_TYPE_MODEL_TRANSPORT (ir_model_transport_get_type ())
G_DECLARE_FINAL_TYPE (IrModelTransport, ir_model_transport, IR, MODEL_TRANSPORT, IrTransport)

typedef enum {
	IR_MODEL_TRANSPORT_PHONE,   /* answers as the model says */
	IR_MODEL_TRANSPORT_SILENT,  /* never answers */
	IR_MODEL_TRANSPORT_GARBAGE, /* answers every line with bytes that are no AT */
} IrModelTransportMode;

/* @state is borrowed: it must outlive the transport. Path "model:FAMILY". */
IrModelTransport *ir_model_transport_new (IrSimState *state);
void ir_model_transport_set_mode (IrModelTransport *self, IrModelTransportMode mode);
/* The next @n answers lose their digits to '?' (a garbled line). */
void ir_model_transport_garble_next (IrModelTransport *self, guint n);
/* The next @n answers have one IMEI digit changed, by one more each time
 * (5 -> 6, then 5 -> 7, ...): a garble that still looks like digits. */
void ir_model_transport_flip_next (IrModelTransport *self, guint n);
/* The next @n answers are lost altogether. */
void ir_model_transport_drop_next (IrModelTransport *self, guint n);
/* One more answer to @command (exactly as sent) gets its first letter
 * changed, differently each time: a garble that still looks like text. */
void ir_model_transport_corrupt_once (IrModelTransport *self, const char *command);
/* @command (exactly as sent) is always answered @answer (framing included),
 * bypassing the model: for answers no model gives. */
void ir_model_transport_answer (IrModelTransport *self, const char *command, const char *answer);
/* @command (exactly as sent) is answered ERROR, as by a phone without it. */
void ir_model_transport_refuse (IrModelTransport *self, const char *command);
/* Every command line received, without CR (char *). */
GPtrArray *ir_model_transport_get_commands (IrModelTransport *self);
/* TRUE when a received line starts with @prefix (case-insensitive). */
gboolean ir_model_transport_saw (IrModelTransport *self, const char *prefix);

/* How many received lines start with @prefix (case-insensitive). */
guint ir_model_transport_count (IrModelTransport *self, const char *prefix);

G_END_DECLS
