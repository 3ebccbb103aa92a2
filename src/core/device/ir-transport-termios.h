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
/* With @later, the next open takes the lock and the port at once and
 * looks for rivals that hold the port without a lock (the /proc scan of
 * ir-transport-holder.h, most of a restore's CPU) on a thread of its own,
 * until ir_transport_termios_check_finish(): the caller may talk to the
 * phone meanwhile (read-only questions; a rival may take their answers),
 * but must finish the check before it writes anything anywhere. */
void ir_transport_termios_set_check_later (IrTransportTermios *self, gboolean later);
/* Waits for the check of ir_transport_termios_set_check_later(): BUSY
 * naming the rival, with the text an open refused at once has. TRUE when
 * no check is pending (it was finished, or never asked for). */
gboolean ir_transport_termios_check_finish (IrTransportTermios *self, GError **error);
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
