/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-transport-holder.h"
#include "ir-transport-termios.h"

/* how long a write may wait for the tty to take more bytes */
#define IR_TRANSPORT_WRITE_STALL_MS 5000

#define IR_UDEV_HINT "install data/udev/70-imeirestore.rules (see README) and replug the phone"

typedef struct {
	int fd;
	gboolean owns_fd;
	gboolean check_later;	       /* see ir_transport_termios_set_check_later() */
	IrTransportHolderCheck *check; /* started at open, not finished yet */
} IrTransportTermiosPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (IrTransportTermios, ir_transport_termios, IR_TYPE_TRANSPORT)

#define GET_PRIVATE(o) (ir_transport_termios_get_instance_private (o))

/* enough for any sane chain, and ELOOP-like chains stop */
#define IR_TRANSPORT_MAX_LINKS 40

char *
ir_transport_termios_resolve_path (const char *path)
{
	g_autofree char *cur = g_canonicalize_filename (path, NULL);

	for (guint i = 0; i < IR_TRANSPORT_MAX_LINKS; i++) {
		g_autofree char *target = g_file_read_link (cur, NULL);
		g_autofree char *dir = NULL;

		if (target == NULL)
			break;
		dir = g_path_get_dirname (cur);
		g_free (cur);
		cur = g_canonicalize_filename (target, dir);
	}
	return g_steal_pointer (&cur);
}

static void
ir_transport_termios_set_error_busy (GError **error, const char *path, int ignore_fd)
{
	g_autofree char *holder = ir_transport_holder_find (path, ignore_fd, TRUE);

	if (holder != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_BUSY,
			     "port %s is in use by %s: if ModemManager holds it, " IR_UDEV_HINT,
			     path,
			     holder);
		return;
	}
	g_set_error (
	    error,
	    IR_ERROR,
	    IR_ERROR_BUSY,
	    "port %s is in use by another program: if ModemManager holds it, " IR_UDEV_HINT,
	    path);
}

void
ir_transport_termios_set_error_errno (
    GError **error, int errnum, const char *action, const char *path, gboolean opening)
{
	switch (errnum) {
	case ENOENT:
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "failed to %s %s: no such port: run `imeictl list` to see the ports",
			     action,
			     path);
		return;
	case ENODEV:
	case ENXIO:
		if (opening) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_NOT_FOUND,
				     "failed to %s %s: no device behind it: "
				     "run `imeictl list` to see the ports",
				     action,
				     path);
			return;
		}
		break;
	case EBUSY:
	case EWOULDBLOCK:
		ir_transport_termios_set_error_busy (error, path, -1);
		return;
	case EACCES:
	case EPERM:
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_PERMISSION_DENIED,
		    "failed to %s %s: permission denied: add yourself to the 'dialout' group "
		    "(`sudo usermod -aG dialout $USER`, then log in again) or " IR_UDEV_HINT,
		    action,
		    path);
		return;
	default:
		break;
	}
	if (ir_error_from_errno (errnum) == IR_ERROR_DISCONNECTED || errnum == ENODEV ||
	    errnum == ENXIO) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_DISCONNECTED,
			     "the phone on %s went away: it was unplugged or rebooted",
			     path);
		return;
	}
	g_set_error (error,
		     IR_ERROR,
		     ir_error_from_errno (errnum),
		     "failed to %s %s: %s",
		     action,
		     path,
		     g_strerror (errnum));
}

int
ir_transport_termios_get_fd (IrTransportTermios *self)
{
	IrTransportTermiosPrivate *priv;

	g_return_val_if_fail (IR_IS_TRANSPORT_TERMIOS (self), -1);
	priv = GET_PRIVATE (self);
	return priv->fd;
}

/* One text for a rival found at open and one found by a check that ran
 * in the background: the technician's next step is the same. */
static void
ir_transport_termios_set_error_held (GError **error, const char *path, const char *holder)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_BUSY,
		     "port %s is in use by %s, which would take the phone's answers: close "
		     "that program (or, if it is ModemManager, " IR_UDEV_HINT ") and try again",
		     path,
		     holder);
}

/* BUSY naming the other process that has @path open, if there is one. */
static gboolean
ir_transport_termios_check_holders (const char *path, int fd, gboolean owns_fd, GError **error)
{
	g_autofree char *holder = ir_transport_holder_find (path, fd, FALSE);

	if (holder == NULL)
		return TRUE;
	ir_transport_termios_set_error_held (error, path, holder);
	if (owns_fd)
		close (fd);
	return FALSE;
}

void
ir_transport_termios_set_check_later (IrTransportTermios *self, gboolean later)
{
	IrTransportTermiosPrivate *priv;

	g_return_if_fail (IR_IS_TRANSPORT_TERMIOS (self));
	priv = GET_PRIVATE (self);
	priv->check_later = later;
}

gboolean
ir_transport_termios_check_finish (IrTransportTermios *self, GError **error)
{
	IrTransportTermiosPrivate *priv;
	g_autofree char *holder = NULL;

	g_return_val_if_fail (IR_IS_TRANSPORT_TERMIOS (self), FALSE);
	priv = GET_PRIVATE (self);
	if (priv->check == NULL)
		return TRUE;
	holder = ir_transport_holder_check_finish (g_steal_pointer (&priv->check));
	if (holder == NULL)
		return TRUE;
	ir_transport_termios_set_error_held (
	    error, ir_transport_get_path (IR_TRANSPORT (self)), holder);
	return FALSE;
}

gboolean
ir_transport_termios_adopt_fd (IrTransportTermios *self, int fd, gboolean owns_fd, GError **error)
{
	IrTransportTermiosPrivate *priv;
	const char *path;

	g_return_val_if_fail (IR_IS_TRANSPORT_TERMIOS (self), FALSE);
	g_return_val_if_fail (fd >= 0, FALSE);

	priv = GET_PRIVATE (self);
	path = ir_transport_get_path (IR_TRANSPORT (self));
	/* a program that takes no lock (screen, cat, a vendor tool) would
	 * steal the phone's answers: refuse the port, naming it (now, or
	 * when the caller finishes the check it asked to run later) */
	if (!priv->check_later && !ir_transport_termios_check_holders (path, fd, owns_fd, error))
		return FALSE;
	/* advisory, but every well-behaved program (ModemManager, minicom,
	 * another imeictl) takes it: two programs on one phone corrupt both
	 * sessions */
	if (flock (fd, LOCK_EX | LOCK_NB) < 0) {
		int errsv = errno;

		if (errsv == EWOULDBLOCK) {
			/* our own descriptor must not be named as the holder */
			ir_transport_termios_set_error_busy (error, path, fd);
		} else {
			ir_transport_termios_set_error_errno (error, errsv, "lock", path, TRUE);
		}
		if (owns_fd)
			close (fd);
		return FALSE;
	}
	/* and no open() after ours succeeds (EBUSY), as ModemManager does;
	 * root may still open it, which the holder check above catches next
	 * time. A port that is no tty (a test's pipe) has no such mode. */
	if (ioctl (fd, TIOCEXCL) < 0)
		g_debug ("TIOCEXCL on %s: %s", path, g_strerror (errno));
	priv->fd = fd;
	priv->owns_fd = owns_fd;
	/* after the flock: a rival that locks is refused above, at once */
	if (priv->check_later)
		priv->check = ir_transport_holder_check_start (path, fd);
	return TRUE;
}

void
ir_transport_termios_release_fd (IrTransportTermios *self)
{
	IrTransportTermiosPrivate *priv;

	g_return_if_fail (IR_IS_TRANSPORT_TERMIOS (self));
	priv = GET_PRIVATE (self);
	if (priv->fd < 0)
		return;
	/* the scan ignores our descriptor by its number: not reused before */
	if (priv->check != NULL)
		g_free (ir_transport_holder_check_finish (g_steal_pointer (&priv->check)));
	/* a pseudo-terminal outlives our descriptor while its master is
	 * open: left exclusive, it would refuse the next open (EBUSY) */
	(void)ioctl (priv->fd, TIOCNXCL);
	if (priv->owns_fd)
		close (priv->fd);
	priv->fd = -1;
}

static gboolean
ir_transport_termios_configure (int fd, const char *path, GError **error)
{
	struct termios tio;

	if (tcgetattr (fd, &tio) < 0) {
		ir_transport_termios_set_error_errno (
		    error, errno, "read the settings of", path, TRUE);
		return FALSE;
	}
	/* raw bytes: no echo, no line editing, no CR/LF translation, which
	 * would corrupt AT responses and binary protocols alike */
	cfmakeraw (&tio);
	cfsetispeed (&tio, B115200);
	cfsetospeed (&tio, B115200);
	tio.c_cflag &= ~(CSIZE | CSTOPB | PARENB | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr (fd, TCSANOW, &tio) < 0) {
		ir_transport_termios_set_error_errno (error, errno, "configure", path, TRUE);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_transport_termios_open (IrTransport *transport, GError **error)
{
	IrTransportTermios *self = IR_TRANSPORT_TERMIOS (transport);
	const char *path = ir_transport_get_path (transport);
	int fd;

	fd = g_open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd < 0) {
		ir_transport_termios_set_error_errno (error, errno, "open", path, TRUE);
		return FALSE;
	}
	if (!isatty (fd)) {
		close (fd);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_A_PHONE,
			     "%s is not a serial port: give the phone's port, "
			     "run `imeictl list` to see the ports",
			     path);
		return FALSE;
	}
	if (!ir_transport_termios_adopt_fd (self, fd, TRUE, error))
		return FALSE;
	if (!ir_transport_termios_configure (fd, path, error)) {
		ir_transport_termios_release_fd (self);
		return FALSE;
	}
	return TRUE;
}

static void
ir_transport_termios_close (IrTransport *transport)
{
	ir_transport_termios_release_fd (IR_TRANSPORT_TERMIOS (transport));
}

static void
ir_transport_termios_set_error_cancelled (GError **error, const char *what, const char *path)
{
	g_set_error (error, IR_ERROR, IR_ERROR_CANCELLED, "%s %s was cancelled", what, path);
}

/* Waits for @events on @fd until @deadline_us (monotonic), or for
 * @cancellable. Returns the revents, 0 on timeout, -1 with @error set. */
static gint
ir_transport_termios_wait (IrTransportTermios *self,
			   gushort events,
			   gint64 deadline_us,
			   GCancellable *cancellable,
			   const char *what,
			   GError **error)
{
	IrTransportTermiosPrivate *priv = GET_PRIVATE (self);
	const char *path = ir_transport_get_path (IR_TRANSPORT (self));

	for (;;) {
		GPollFD pfds[2] = {{.fd = priv->fd, .events = events}};
		guint npfds = 1;
		gint64 remaining_us = deadline_us - g_get_monotonic_time ();
		gint timeout_ms;
		gint rc;

		if (g_cancellable_is_cancelled (cancellable)) {
			ir_transport_termios_set_error_cancelled (error, what, path);
			return -1;
		}
		if (remaining_us <= 0)
			timeout_ms = 0;
		else
			timeout_ms = (gint)MIN ((remaining_us + 999) / 1000, G_MAXINT);
		if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfds[1]))
			npfds = 2;
		rc = g_poll (pfds, npfds, timeout_ms);
		if (npfds == 2)
			g_cancellable_release_fd (cancellable);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			ir_transport_termios_set_error_errno (
			    error, errno, "wait for", path, FALSE);
			return -1;
		}
		if (g_cancellable_is_cancelled (cancellable)) {
			ir_transport_termios_set_error_cancelled (error, what, path);
			return -1;
		}
		if (rc == 0 || pfds[0].revents == 0) {
			if (g_get_monotonic_time () >= deadline_us)
				return 0;
			continue;
		}
		return pfds[0].revents;
	}
}

static gssize
ir_transport_termios_read (IrTransport *transport,
			   guint8 *buf,
			   gsize size,
			   guint timeout_ms,
			   GCancellable *cancellable,
			   GError **error)
{
	IrTransportTermios *self = IR_TRANSPORT_TERMIOS (transport);
	IrTransportTermiosPrivate *priv = GET_PRIVATE (self);
	const char *path = ir_transport_get_path (transport);
	gint64 deadline_us = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

	for (;;) {
		gssize n;
		gint revents = ir_transport_termios_wait (
		    self, G_IO_IN, deadline_us, cancellable, "reading from", error);
		if (revents <= 0)
			return revents;
		/* read even on HUP: bytes the phone sent before it went away
		 * still belong to the session */
		n = read (priv->fd, buf, size);
		if (n > 0)
			return n;
		if (n < 0 && errno == EINTR)
			continue;
		/* nothing to read and the line is down: spinning until the
		 * deadline would only hide the hangup */
		if (n < 0 && errno == EAGAIN && (revents & (G_IO_HUP | G_IO_ERR)) != 0) {
			ir_transport_termios_set_error_errno (error, EIO, "read from", path, FALSE);
			return -1;
		}
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0) {
			ir_transport_termios_set_error_errno (
			    error, errno, "read from", path, FALSE);
			return -1;
		}
		/* zero bytes with VMIN 0: nothing to read. That is a hang-up
		 * only when the line says so (a USB port that went away reads
		 * 0 with POLLHUP); otherwise another reader of the port took
		 * the bytes poll() saw, and the phone is still there */
		if ((revents & (G_IO_HUP | G_IO_ERR)) != 0) {
			ir_transport_termios_set_error_errno (error, EIO, "read from", path, FALSE);
			return -1;
		}
		g_debug ("%s: poll() saw bytes that another reader took", path);
		if (g_get_monotonic_time () >= deadline_us)
			return 0;
	}
}

static gboolean
ir_transport_termios_write (IrTransport *transport, const guint8 *data, gsize len, GError **error)
{
	IrTransportTermios *self = IR_TRANSPORT_TERMIOS (transport);
	IrTransportTermiosPrivate *priv = GET_PRIVATE (self);
	const char *path = ir_transport_get_path (transport);
	gsize done = 0;

	while (done < len) {
		gssize n = write (priv->fd, data + done, len - done);
		gint revents;

		if (n > 0) {
			done += (gsize)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			ir_transport_termios_set_error_errno (
			    error, errno, "write to", path, FALSE);
			return FALSE;
		}
		revents = ir_transport_termios_wait (self,
						     G_IO_OUT,
						     g_get_monotonic_time () +
							 IR_TRANSPORT_WRITE_STALL_MS * 1000,
						     NULL,
						     "writing to",
						     error);
		if (revents < 0)
			return FALSE;
		if (revents == 0) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_TIMEOUT,
				     "failed to write to %s: the port took no data for %u ms: "
				     "check the cable and replug the phone",
				     path,
				     (guint)IR_TRANSPORT_WRITE_STALL_MS);
			return FALSE;
		}
		if ((revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) != 0 &&
		    (revents & G_IO_OUT) == 0) {
			ir_transport_termios_set_error_errno (error, EIO, "write to", path, FALSE);
			return FALSE;
		}
	}
	return TRUE;
}

static void
ir_transport_termios_init (IrTransportTermios *self)
{
	IrTransportTermiosPrivate *priv = GET_PRIVATE (self);

	priv->fd = -1;
}

static void
ir_transport_termios_class_init (IrTransportTermiosClass *klass)
{
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	transport_class->open = ir_transport_termios_open;
	transport_class->close = ir_transport_termios_close;
	transport_class->read = ir_transport_termios_read;
	transport_class->write = ir_transport_termios_write;
}

IrTransport *
ir_transport_termios_new (const char *path)
{
	g_return_val_if_fail (path != NULL, NULL);
	return g_object_new (IR_TYPE_TRANSPORT_TERMIOS, "path", path, NULL);
}
