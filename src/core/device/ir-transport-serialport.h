/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libserialport.h>

#include "ir-transport-termios.h"

G_BEGIN_DECLS

/* A port that libserialport knows (USB serial, native UARTs): libserialport
 * opens and configures it, then the termios transport's polling, locking
 * and error mapping take over its descriptor. */
#define IR_TYPE_TRANSPORT_SERIALPORT (ir_transport_serialport_get_type ())
G_DECLARE_FINAL_TYPE (
    IrTransportSerialport, ir_transport_serialport, IR, TRANSPORT_SERIALPORT, IrTransportTermios)

/* @path is what the user named (messages use it); @device is the port
 * libserialport knows, e.g. /dev/ttyUSB0 behind a /dev/serial/by-id link. */
IrTransport *ir_transport_serialport_new (const char *path, const char *device);

/* Maps a libserialport failure (@rc from the last call, with
 * sp_last_error_code() for SP_ERR_FAIL) onto the transports' errors. */
void ir_transport_serialport_set_error (
    GError **error, enum sp_return rc, const char *action, const char *path, gboolean opening);

G_END_DECLS
