/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-transport.h"

G_BEGIN_DECLS

/* imeictl --timeout: wraps the transport of a port and gives up on a
 * command the device has not finished answering within the limit. The
 * session API has no per-command timeout setting, and the AT channel reads
 * through the transport with the time it has left, so the limit is applied
 * here: each write starts a deadline, and a waiting read past it fails with
 * IR_ERROR_TIMEOUT naming the command and the port. It can only shorten the
 * channel's own time-outs, never lengthen them. */
#define IR_TYPE_CLI_TIMEOUT_TRANSPORT (ir_cli_timeout_transport_get_type ())
G_DECLARE_FINAL_TYPE (
    IrCliTimeoutTransport, ir_cli_timeout_transport, IR, CLI_TIMEOUT_TRANSPORT, IrTransport)

/* Takes a reference on @inner (closed or open). */
IrTransport *ir_cli_timeout_transport_new (IrTransport *inner, guint timeout_ms);

G_END_DECLS
