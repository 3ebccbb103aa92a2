/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one error domain of imeirestore. Every message names what failed,
 * on what, and what to do about it; the code says which kind of failure it
 * was so that callers (and exit codes) can react without parsing text. */
#define IR_ERROR (ir_error_quark ())

typedef enum {
	IR_ERROR_FAILED,	    /* anything not covered below */
	IR_ERROR_INVALID_INPUT,	    /* bad argument, IMEI or file given by the user */
	IR_ERROR_NOT_FOUND,	    /* port or file does not exist */
	IR_ERROR_BUSY,		    /* port held by another program */
	IR_ERROR_PERMISSION_DENIED, /* no access to the port */
	IR_ERROR_TIMEOUT,	    /* the device did not answer in time */
	IR_ERROR_CANCELLED,	    /* the caller cancelled */
	IR_ERROR_DISCONNECTED,	    /* the device went away mid-session */
	IR_ERROR_PROTOCOL,	    /* malformed, garbled or oversized response */
	IR_ERROR_NOT_A_PHONE,	    /* something answers, but not as a phone */
	IR_ERROR_AT_REFUSED,	    /* ERROR, +CME ERROR or +CMS ERROR final result */
	IR_ERROR_READ_ONLY,	    /* write-once / read-only slot: never retried */
	IR_ERROR_NOT_SUPPORTED,	    /* the family cannot do this */
	IR_ERROR_NOT_STICKING,	    /* write said OK, read-back disagrees */
	IR_ERROR_REPLAY_MISMATCH,   /* replayed session diverged from recording */
	IR_ERROR_TOKEN_REFUSED,	    /* a restore token failed verification */
	IR_ERROR_TAMPERED,	    /* the migration log or a proof does not verify */
	IR_ERROR_READ_ONLY_LOG,	    /* the log is read-only after a tamper alarm */
	IR_ERROR_IO,		    /* a file write or sync failed (ENOSPC, EIO, ...) */
	IR_ERROR_SPC_LOCKED,	    /* DIAG: the phone wants its SPC before this write */
	IR_ERROR_SPC_REFUSED,	    /* DIAG: the phone refused the SPC: never retried */
} IrError;

GQuark ir_error_quark (void);

/* Maps an errno from open()/read()/write() on @what to an IrError code. */
IrError ir_error_from_errno (int errnum);

/* Process exit code documented in imeictl(1) for an error. */
int ir_error_exit_code (const GError *error);

G_END_DECLS
