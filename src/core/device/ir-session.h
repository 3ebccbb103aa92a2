/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-at-channel.h"
#include "ir-family.h"
#include "ir-imei.h"
#include "ir-port.h"

G_BEGIN_DECLS

/* One phone on one port: identify it (27.007 identity reads, profile match,
 * every IMEI slot, classification) and write a slot through its family. */

typedef struct _IrImeiSlot IrImeiSlot;
struct _IrImeiSlot {
	guint index; /* 0-based slot */
	char *imei;  /* as read; NULL when the slot is empty */
	IrImeiStatus status;
	char *detail; /* human explanation of the status */
};

typedef struct _IrDeviceInfo IrDeviceInfo;
struct _IrDeviceInfo {
	char *port;
	char *manufacturer;
	char *model;
	char *revision;
	char *serial;	 /* +CGSN=0 when the phone has it, else USB serial, else NULL */
	char *imeisv;	 /* +CGSN=2: 16 digits (TAC, SNR, SVN), or NULL (said in notes) */
	guint16 usb_vid; /* 0 when unknown */
	guint16 usb_pid;
	const IrProfile *profile;
	const IrFamily *family;	     /* the profile's family: what writes */
	const IrFamily *read_family; /* what read the IMEIs: the profile's family, or
					3gpp when the vendor read failed */
	char *read_command;	     /* the command(s) whose answer gave the IMEIs
					("AT+CGSN" when +CGSN=1 gave nothing) */
	gboolean can_write;	     /* a write command is there and worked for reads */
	char *write_support;	     /* why (not), in words */
	GPtrArray *slots;	     /* IrImeiSlot */
	GPtrArray *notes;	     /* char *: reads that failed, fallbacks taken */
};

void ir_device_info_free (IrDeviceInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrDeviceInfo, ir_device_info_free)

/* Which protocol a port is asked in (DESIGN.md §5): AUTO probes AT first
 * and takes a port silent to "AT" that answers a binary family's probe
 * (DIAG's version info) as that family's, trying the binary family first
 * when the port's USB id is one of its profiles'; AT and DIAG force one. */
typedef enum {
	IR_SESSION_PROTOCOL_AUTO,
	IR_SESSION_PROTOCOL_AT,
	IR_SESSION_PROTOCOL_DIAG,
} IrSessionProtocol;

/* "auto", "at", "diag" (what --protocol takes); FALSE for anything else. */
gboolean ir_session_protocol_from_string (const char *text, IrSessionProtocol *protocol);

#define IR_TYPE_SESSION (ir_session_get_type ())
G_DECLARE_FINAL_TYPE (IrSession, ir_session, IR, SESSION, GObject)

/* Opens @port (see ir_port_transport_new()); errors name the port and what
 * to do (NOT_FOUND, BUSY with the ModemManager hint, PERMISSION_DENIED with
 * the group / udev rule). */
IrSession *ir_session_open (const char *port, GError **error);
/* As ir_session_open(), but the check for a rival that holds the port
 * without a lock (screen, cat) runs on a thread of its own while the
 * caller asks the phone its questions (ir_transport_termios_set_check_later()):
 * the caller must call ir_session_check_port() before it writes anything
 * to the phone, the migration log or the used-token store. */
IrSession *ir_session_open_check_later (const char *port, GError **error);
/* Waits for the check of ir_session_open_check_later(): BUSY naming the
 * rival, with ir_session_open()'s text. TRUE when none is pending. */
gboolean ir_session_check_port (IrSession *self, GError **error);
/* Wraps an already open transport. */
IrSession *ir_session_new (IrTransport *transport);

IrAtChannel *ir_session_get_channel (IrSession *self);

/* Caps every command's timeout, the "AT" probe's included (0: no cap). */
void ir_session_set_timeout_limit (IrSession *self, guint limit_ms);

void ir_session_set_protocol (IrSession *self, IrSessionProtocol protocol);

/* Records the device session from now on (see IrRecording). */
void ir_session_set_recording (IrSession *self, IrRecording *recording);

/* @dups may be NULL. Sends "AT", then normalises the V.250 settings
 * (ATE0 V1 Q0) and asks for numeric +CME errors, reads the identity (each
 * 27.007 read with its V.250 fallback: +CGMI/+GMI, +CGMM/+GMM,
 * +CGMR/+GMR; +CGSN=0; the IMEISV with +CGSN=2), matches a profile and reads every IMEI slot with
 * its family, falling back to the 27.007 reads when the vendor command is
 * refused or unanswered (identify is a read: the vendor command decides
 * only what can be written, info->can_write). Reads that failed are in
 * info->notes. IR_ERROR_NOT_A_PHONE when the port answers but not to AT;
 * IR_ERROR_TIMEOUT when it is silent (to DIAG too, unless AT is forced); IR_ERROR_NOT_SUPPORTED
 * when the phone consistently answers something that is not an IMEI (ESN, MEID, text), quoting it.
 */
IrDeviceInfo *ir_session_identify (IrSession *self,
				   const IrDuplicateList *dups,
				   GCancellable *cancellable,
				   GError **error);

/* Validates @imei (strict, never "fixed"), then writes it via the family of
 * the last identify. Never retried. */
gboolean ir_session_write_imei (
    IrSession *self, guint slot, const char *imei, GCancellable *cancellable, GError **error);

G_END_DECLS
