/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-transport.h"

G_BEGIN_DECLS

/* Discovery and opening of ports. libserialport enumerates real serial
 * ports with their USB identity; anything else (pseudo-terminals from
 * imei-sim, which libserialport cannot open) goes through termios; a path
 * of the form "replay:FILE" plays a recorded session back. */
typedef struct {
	char *path;	   /* /dev/ttyUSB0 */
	char *description; /* libserialport's description */
	char *kind;	   /* "usb", "native", "bluetooth", "pty", "replay" */
	guint16 usb_vid;   /* 0 when not USB */
	guint16 usb_pid;
	int usb_bus; /* -1 when unknown */
	int usb_address;
	char *usb_serial; /* NULL when unknown */
	char *usb_manufacturer;
	char *usb_product;
} IrPortInfo;

void ir_port_info_free (IrPortInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPortInfo, ir_port_info_free)

/* Every serial port the system has, in path order (array of IrPortInfo). */
GPtrArray *ir_port_list (GError **error);

/* What we know of one path without opening it (USB identity when libserialport
 * knows the port, kind "pty" for pseudo-terminals). */
IrPortInfo *ir_port_query (const char *path, GError **error);

/* A closed transport of the right kind for @path. Checks the path exists;
 * NOT_FOUND otherwise with a hint to run `imeictl list`. */
IrTransport *ir_port_transport_new (const char *path, GError **error);

G_END_DECLS
