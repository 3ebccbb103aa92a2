/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-at-read.h"
#include "ir-family.h"

G_BEGIN_DECLS

/* What the host drivers of protocols/<family>/ share (ir-family.c): IMEI
 * reads through the one read/confirm loop of core (ir-at-read.h), one-shot
 * writes and the mapping of a family's write-once refusal. Each family
 * registers itself with core's registry (ir-protocols.c). */

extern const IrFamily ir_family_3gpp;
extern const IrFamily ir_family_mediatek;
extern const IrFamily ir_family_quectel;
extern const IrFamily ir_family_simcom;
extern const IrFamily ir_family_unisoc;
extern const IrFamily ir_family_secure_restore_v1;
extern const IrFamily ir_family_qualcomm;

/* Turns the answer to a read command into one char * per IMEI slot (NULL
 * for an empty slot); IR_ERROR_PROTOCOL when the answer cannot be read. */
typedef GPtrArray *(*IrFamilyParseFunc) (const IrAtResponse *resp,
					 const IrProfile *profile,
					 gpointer user_data,
					 GError **error);

/* Reads IMEI slots with @command through ir_at_read_confirmed(): taken at once when
 * the answer came clean with a well-formed IMEI (valid or all-zero) or an
 * empty slot in each of @n_expected slots; otherwise confirmed as
 * ir-at-read.h says. A run of one digit shorter than an IMEI is lost
 * bytes, never taken. An answer that holds no IMEI at all (an ESN, a MEID,
 * free text) is kept as it came, for the session to report. */
GPtrArray *ir_family_read_imeis (IrAtChannel *channel,
				 const IrProfile *profile,
				 const char *command,
				 IrFamilyParseFunc parse,
				 gpointer user_data,
				 guint n_expected,
				 IrFamilyReadReport *report,
				 GCancellable *cancellable,
				 GError **error);

/* One form of a read that has several (3gpp: +CGSN=1, +CGSN, +GSN). */
typedef struct {
	const char *command;
	IrFamilyParseFunc parse;
	gpointer user_data;
	guint n_expected;
	guint timeout_ms;      /* 0: the profile's command timeout */
	gboolean silence_ends; /* IrAtRead.silence_ends: a form with a fallback */
} IrFamilyReadForm;

/* ir_family_read_imeis() for one form; on success @form->command is added
 * to @report (may be NULL). */
GPtrArray *ir_family_read_form (IrAtChannel *channel,
				const IrProfile *profile,
				const IrFamilyReadForm *form,
				IrFamilyReadReport *report,
				GCancellable *cancellable,
				GError **error);

/* One IMEI value out of an answer such as "+EGMR: \"490154203237518\"":
 * "" (returned as an empty string) is an empty slot; an answer with no run
 * of IMEI digits is returned as it came (the phone's own words). */
char *ir_family_parse_imei_value (const IrAtResponse *resp, const char *prefix, GError **error);

/* IrFamilyParseFunc for answers with a single IMEI; @user_data is the
 * information line prefix ("+EGMR"). */
GPtrArray *ir_family_parse_single (const IrAtResponse *resp,
				   const IrProfile *profile,
				   gpointer user_data,
				   GError **error);

/* Sends a write command exactly once with the profile's write timeout.
 * "+CME ERROR: @read_only_code" is IR_ERROR_READ_ONLY (a hard stop); any
 * other refusal IR_ERROR_AT_REFUSED naming the command and the port; a lost
 * answer says that the outcome is unknown. */
gboolean ir_family_write (IrAtChannel *channel,
			  const IrProfile *profile,
			  guint slot,
			  const char *command,
			  int read_only_code,
			  GCancellable *cancellable,
			  GError **error);

G_END_DECLS
