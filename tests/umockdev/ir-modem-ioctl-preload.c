/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test-only LD_PRELOAD library. umockdev backs a fake /dev/ttyUSB0 with a
 * pseudo-terminal, and the pty driver has no modem lines: TIOCMGET and
 * friends fail with ENOTTY, so libserialport's sp_open() (which reads the
 * RTS/DTR state in get_config()) would refuse the port. Where the real
 * ioctl fails that way on a terminal, answer the modem-line requests from
 * one emulated register; everything else passes through untouched. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

typedef int (*IrIoctlFunc) (int fd, unsigned long request, ...);

/* what a USB modem with its lines up reports */
static int ir_modem_bits = TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;

/* exported for the test program: how many requests were emulated */
unsigned int ir_modem_ioctl_emulated = 0;

static IrIoctlFunc
ir_modem_ioctl_preload_real_ioctl (void)
{
	static IrIoctlFunc real = NULL;

	if (real == NULL) {
		real = (IrIoctlFunc)dlsym (RTLD_NEXT, "ioctl");
		if (real == NULL) {
			fprintf (stderr, "ir-modem-ioctl-preload: no next ioctl: %s\n", dlerror ());
			abort ();
		}
	}
	return real;
}

static int
ir_modem_ioctl_preload_is_modem_request (unsigned long request)
{
	return request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS ||
	       request == TIOCMBIC;
}

static void
ir_modem_ioctl_preload_emulate (unsigned long request, int *arg)
{
	switch (request) {
	case TIOCMGET:
		*arg = ir_modem_bits;
		break;
	case TIOCMSET:
		ir_modem_bits = *arg;
		break;
	case TIOCMBIS:
		ir_modem_bits |= *arg;
		break;
	case TIOCMBIC:
		ir_modem_bits &= ~*arg;
		break;
	default:
		break;
	}
	ir_modem_ioctl_emulated++;
}

/* declared by <sys/ioctl.h>; this definition takes its place */
int
ioctl (int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int rc;
	int errsv;
	struct termios tio;

	va_start (ap, request);
	arg = va_arg (ap, void *);
	va_end (ap);

	rc = ir_modem_ioctl_preload_real_ioctl () (fd, request, arg);
	if (rc == 0 || !ir_modem_ioctl_preload_is_modem_request (request) || arg == NULL)
		return rc;
	errsv = errno;
	/* only terminals without modem lines; tcgetattr() asks the real
	 * ioctl (TCGETS), not this one */
	if ((errsv != ENOTTY && errsv != EINVAL) || tcgetattr (fd, &tio) != 0) {
		errno = errsv;
		return rc;
	}
	ir_modem_ioctl_preload_emulate (request, arg);
	return 0;
}
