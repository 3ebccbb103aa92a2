/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-transport.h"

G_BEGIN_DECLS

/* One DIAG request and its answer over a transport (qualcomm's AT-less
 * port): the request framed (ir-qc-hdlc.h) after a lone 0x7E that
 * flushes whatever the phone's receiver holds (an "AT" from the probe, a
 * half frame), then the first good answer frame within @timeout_ms.
 * Unsolicited frames (log, event and message reports) are skipped. A
 * frame that does not decode (bad CRC, bad escape, oversize) is
 * IR_ERROR_PROTOCOL at once; none in time IR_ERROR_TIMEOUT; a hangup
 * IR_ERROR_DISCONNECTED. Nothing is retried here: reads are retried by the
 * driver, writes never. */
GBytes *ir_qc_channel_exchange (IrTransport *transport,
				GBytes *request,
				guint timeout_ms,
				GCancellable *cancellable,
				GError **error);

G_END_DECLS
