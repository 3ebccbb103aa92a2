/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-at-channel.h"
#include "ir-profile.h"

G_BEGIN_DECLS

/* What a secure family's phone answers to its challenge command
 * (protocols/secure-restore-v1/README.md): who it is, a fresh single-use
 * nonce, and a counter that only goes up. */
typedef struct {
	char *hardware_id;
	GBytes *nonce;
	guint64 counter;
} IrChallenge;

void ir_challenge_free (IrChallenge *challenge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrChallenge, ir_challenge_free)

/* Who a phone says it is, over a family's own protocol (binary families:
 * the 27.007 reads of an AT port give the same for the others). NULL
 * members are unknown. */
typedef struct {
	char *manufacturer;
	char *model;
	char *revision;
	char *serial;
} IrFamilyIdentity;

void ir_family_identity_clear (IrFamilyIdentity *identity);

/* How a family's IMEI read went, for identify's output: the command(s)
 * whose answer gave the IMEIs ("AT+CGSN", "AT+EGMR=0,7, AT+EGMR=0,10"),
 * and, for a read with several forms (3gpp: +CGSN=1, +CGSN, +GSN), why
 * the forms tried before it gave nothing. NULL members: not known, or
 * nothing was passed over. */
typedef struct {
	char *command;
	char *passed_over; /* "AT+CGSN=1 on /dev/ttyUSB2 did not answer" */
} IrFamilyReadReport;

void ir_family_read_report_clear (IrFamilyReadReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrFamilyReadReport, ir_family_read_report_clear)
/* Adds @command to @report's commands (@report may be NULL). */
void ir_family_read_report_add_command (IrFamilyReadReport *report, const char *command);

/* The host side of one protocol family (protocols/<family>/<family>-host.c).
 * Reads are idempotent and may be retried by the driver on a garbled or
 * lost answer; writes are never retried. A slot that refuses writes for
 * good (OTP, read-only NV) is IR_ERROR_READ_ONLY. */
typedef struct {
	const char *id;	   /* "mediatek" — the folder name */
	const char *title; /* "MediaTek (AT+EGMR)" */
	/* Reads every IMEI slot the profile has; returns char * per slot (NULL
	 * for an empty slot), in slot order. Fewer when the phone says it has
	 * fewer (a single-IMEI phone matched by a dual-IMEI profile).
	 * @report (may be NULL, else zeroed by the caller) says how. */
	GPtrArray *(*read_imeis) (IrAtChannel *channel,
				  const IrProfile *profile,
				  IrFamilyReadReport *report,
				  GCancellable *cancellable,
				  GError **error);
	/* Writes @imei (already validated) to 0-based @slot. NULL when the
	 * family cannot write (3gpp): callers get IR_ERROR_NOT_SUPPORTED. */
	gboolean (*write_imei) (IrAtChannel *channel,
				const IrProfile *profile,
				guint slot,
				const char *imei,
				GCancellable *cancellable,
				GError **error);
	/* Secure families only, NULL for legacy ones: the phone verifies the
	 * brand's token itself. challenge() asks for a fresh nonce; restore()
	 * hands the phone the token (base64url), and the phone writes the
	 * slots the token names. A refusal by the phone is
	 * IR_ERROR_TOKEN_REFUSED naming its reason. Never retried. */
	IrChallenge *(*challenge) (IrAtChannel *channel,
				   const IrProfile *profile,
				   GCancellable *cancellable,
				   GError **error);
	gboolean (*restore) (IrAtChannel *channel,
			     const IrProfile *profile,
			     const char *token_base64url,
			     GCancellable *cancellable,
			     GError **error);
	/* Binary families only (qualcomm's DIAG), NULL for AT ones: their
	 * port does not speak AT, so every hook of theirs talks straight to
	 * ir_at_channel_get_transport (@channel) and never sends AT. probe()
	 * says whether the port answers the family's protocol within
	 * @timeout_ms; identify() reads who the phone is over it. */
	gboolean (*probe) (IrAtChannel *channel,
			   guint timeout_ms,
			   GCancellable *cancellable,
			   GError **error);
	gboolean (*identify) (IrAtChannel *channel,
			      IrFamilyIdentity *identity,
			      GCancellable *cancellable,
			      GError **error);
	/* Optional, for any family: called once after the INTENT is durable
	 * and before the first write_imei() (DIAG: the mode change to offline,
	 * then the SPC when @spc is not NULL). A refusal stops the restore
	 * with nothing written. */
	gboolean (*prepare_write) (IrAtChannel *channel,
				   const IrProfile *profile,
				   const char *spc,
				   GCancellable *cancellable,
				   GError **error);
	/* What the technician must do once the IMEIs are written and read
	 * back (DIAG: the phone stays offline until it is restarted); NULL:
	 * nothing. */
	const char *after_write;
} IrFamily;

/* The registry of families (ir-family.c). Core never includes a
 * driver's header: the drivers of protocols/ add themselves here
 * (ir_protocols_register(), protocols/ir-protocols.h) and the session and
 * the profiles find them by id. Registering the same id twice keeps the
 * first. Thread-safe. */
void ir_family_register (const IrFamily *family);
/* Every registered family, in registration order (a new array of
 * const IrFamily *, owned by the caller). */
GPtrArray *ir_family_get_all (void);
const IrFamily *ir_family_lookup (const char *id);

/* TRUE for a family whose port does not speak AT (it has a probe()). */
gboolean ir_family_is_binary (const IrFamily *family);

G_END_DECLS
