/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* USB hotplug: "arrived" and "left" signals carry (guint vid, guint pid,
 * int bus, int address) as they happen. Events are dispatched from the
 * thread-default main context that was current at ir_port_monitor_new(). */
#define IR_TYPE_PORT_MONITOR (ir_port_monitor_get_type ())
G_DECLARE_FINAL_TYPE (IrPortMonitor, ir_port_monitor, IR, PORT_MONITOR, GObject)

/* NOT_SUPPORTED with a clear message where libusb has no hotplug. */
IrPortMonitor *ir_port_monitor_new (GError **error);

G_END_DECLS
