/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-transport.h"

G_BEGIN_DECLS

/* A transport over a POSIX terminal file descriptor: any tty path that
 * libserialport cannot open (imei-sim's pseudo-terminals), and the base of
 * the libserialport transport, which hands its descriptor over so that
 * locking, polling and error messages exist once. */
#define IR_TYPE_TRANSPORT_TERMIOS (ir_transport_termios_get_type ())
G_DECLARE_DERIVABLE_TYPE (
    IrTransportTermios, ir_transport_termios, IR, TRANSPORT_TERMIOS, IrTransport)

struct _IrTransportTermiosClass {
	IrTransportClass parent_class;
	gpointer padding[4];
};

IrTransport *ir_transport_termios_new (const char *path);

/* For subclasses: takes over @fd (opened O_NONBLOCK by the subclass) after
 * checking that no other process has the port open (ir-transport-holder.h)
 * and taking an exclusive flock on it, then makes it exclusive (TIOCEXCL);
 * BUSY naming the holder when another program has the port. With @owns_fd the transport closes @fd
 * itself, otherwise the subclass does. */
gboolean
ir_transport_termios_adopt_fd (IrTransportTermios *self, int fd, gboolean owns_fd, GError **error);
/* For subclasses: forgets the descriptor (closing it if owned). */
void ir_transport_termios_release_fd (IrTransportTermios *self);
int ir_transport_termios_get_fd (IrTransportTermios *self);

/* The one errno -> GError mapping of every transport: @action is what
 * failed ("open", "read from"...), the message names @path and what to do
 * (the dialout group, the udev rule, `imeictl list`, replugging). @opening
 * says whether the port was being opened: ENODEV then means "no such port",
 * afterwards "the phone went away". */
void ir_transport_termios_set_error_errno (
    GError **error, int errnum, const char *action, const char *path, gboolean opening);

/* @path with every symlink followed (imei-sim's stable links,
 * /dev/serial/by-id), or a copy of @path when it is not a link. Follows
 * links one by one with readlink() rather than realpath(), which
 * umockdev's preload mishandles. */
char *ir_transport_termios_resolve_path (const char *path);

G_END_DECLS
