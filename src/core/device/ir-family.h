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

/* The host side of one protocol family (protocols/<family>/<family>-host.c).
 * Reads are idempotent and may be retried by the driver on a garbled or
 * lost answer; writes are never retried. A slot that refuses writes for
 * good (OTP, read-only NV) is IR_ERROR_READ_ONLY. */
typedef struct {
	const char *id;	   /* "mediatek" — the folder name */
	const char *title; /* "MediaTek (AT+EGMR)" */
	/* Reads every IMEI slot the profile has; returns char * per slot (NULL
	 * for an empty slot), in slot order. Fewer when the phone says it has
	 * fewer (a single-IMEI phone matched by a dual-IMEI profile). */
	GPtrArray *(*read_imeis) (IrAtChannel *channel,
				  const IrProfile *profile,
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
} IrFamily;

/* Every family, in protocols/ order; NULL-terminated. */
const IrFamily *const *ir_family_get_all (void);
const IrFamily *ir_family_lookup (const char *id);

G_END_DECLS
