/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ir-error.h"

G_DEFINE_QUARK (ir - error - quark, ir_error)

IrError
ir_error_from_errno (int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return IR_ERROR_NOT_FOUND;
	case EBUSY:
	case EWOULDBLOCK:
		return IR_ERROR_BUSY;
	case EACCES:
	case EPERM:
		return IR_ERROR_PERMISSION_DENIED;
	case EIO:
	case EPIPE:
	case ECONNRESET:
		return IR_ERROR_DISCONNECTED;
	case ETIMEDOUT:
		return IR_ERROR_TIMEOUT;
	default:
		return IR_ERROR_FAILED;
	}
}

int
ir_error_exit_code (const GError *error)
{
	if (error == NULL)
		return 0;
	if (error->domain != IR_ERROR)
		return 1;
	switch ((IrError)error->code) {
	case IR_ERROR_INVALID_INPUT:
		return 2;
	case IR_ERROR_NOT_FOUND:
	case IR_ERROR_BUSY:
	case IR_ERROR_PERMISSION_DENIED:
		return 3;
	case IR_ERROR_TIMEOUT:
	case IR_ERROR_DISCONNECTED:
	case IR_ERROR_NOT_A_PHONE:
		return 4;
	case IR_ERROR_PROTOCOL:
	case IR_ERROR_AT_REFUSED:
	case IR_ERROR_READ_ONLY:
	case IR_ERROR_NOT_SUPPORTED:
	case IR_ERROR_NOT_STICKING:
	case IR_ERROR_REPLAY_MISMATCH:
	case IR_ERROR_SPC_LOCKED:
	case IR_ERROR_SPC_REFUSED:
		return 5;
	case IR_ERROR_TOKEN_REFUSED:
		return 6;
	/* 7 to 10 are restore's (brand server, outcome unknown, declined) */
	case IR_ERROR_TAMPERED:
	case IR_ERROR_READ_ONLY_LOG:
		return 11;
	case IR_ERROR_IO:
		return 12;
	case IR_ERROR_CANCELLED:
		return 130;
	case IR_ERROR_FAILED:
	default:
		return 1;
	}
}
