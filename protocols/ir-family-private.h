/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-family.h"

G_BEGIN_DECLS

/* What the host drivers of protocols/<family>/ share (ir-family.c): retried
 * reads, one-shot writes and the mapping of a family's write-once refusal. */

extern const IrFamily ir_family_3gpp;
extern const IrFamily ir_family_mediatek;
extern const IrFamily ir_family_quectel;
extern const IrFamily ir_family_simcom;
extern const IrFamily ir_family_unisoc;
extern const IrFamily ir_family_secure_restore_v1;
extern const IrFamily ir_family_qualcomm;

/* A read whose answer is lost or unreadable is sent at most this many
 * times; one whose answers disagree, at most IR_FAMILY_CONFIRM_ATTEMPTS. */
#define IR_FAMILY_READ_ATTEMPTS	   3
#define IR_FAMILY_CONFIRM_ATTEMPTS 8
/* Identical answers needed to believe one that is not a well-formed IMEI. */
#define IR_FAMILY_CONFIRM_AGREE 3

/* The port a channel talks to, for messages. */
const char *ir_family_channel_port (IrAtChannel *channel);

/* Sends a read command until it gets a final result: retried on
 * IR_ERROR_TIMEOUT and IR_ERROR_PROTOCOL (lost or garbled answer), never on
 * a refusal (IR_ERROR_AT_REFUSED) or a disconnect. Only OK responses. */
IrAtResponse *ir_family_command_read (IrAtChannel *channel,
				      const char *command,
				      guint timeout_ms,
				      GCancellable *cancellable,
				      GError **error);

/* Turns the answer to a read command into one char * per IMEI slot (NULL
 * for an empty slot); IR_ERROR_PROTOCOL when the answer cannot be read. */
typedef GPtrArray *(*IrFamilyParseFunc) (const IrAtResponse *resp,
					 const IrProfile *profile,
					 gpointer user_data,
					 GError **error);

/* Reads IMEI slots with @command: retried as ir_family_command_read(), and
 * also when @parse fails. An answer with a slot that is not a well-formed
 * IMEI is only taken once the same answer came IR_FAMILY_CONFIRM_AGREE
 * times: a garbled or lost digit shows as a disagreement, while a phone
 * that really holds a bad IMEI says the same every time. A run of one digit
 * shorter than an IMEI is lost bytes, never taken. An answer with fewer
 * than @n_expected slots (a single-IMEI phone, or a lost line) is confirmed
 * the same way. Answers that never agree are IR_ERROR_PROTOCOL. */
GPtrArray *ir_family_read_imeis (IrAtChannel *channel,
				 const IrProfile *profile,
				 const char *command,
				 IrFamilyParseFunc parse,
				 gpointer user_data,
				 guint n_expected,
				 GCancellable *cancellable,
				 GError **error);

/* One IMEI value out of an answer such as "+EGMR: \"490154203237518\"":
 * "" (returned as an empty string) is an empty slot. */
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
