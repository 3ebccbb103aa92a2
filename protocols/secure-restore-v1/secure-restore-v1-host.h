/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-family.h"

G_BEGIN_DECLS

/* The pure parts of the secure-restore-v1 host driver (README.md, "Device
 * commands"), in secure-restore-v1-parse.c, for the driver, its table
 * tests and its fuzz target: no I/O, answers in, values or errors out. */

#define IR_SECURE_RESTORE_COMMAND "AT+IRRESTORE"

/* The answer to AT+IRCHAL: exactly one
 *   +IRCHAL: "<hardware id>","<nonce base64url>",<counter>
 * line. The hardware id is 1 to 128 printable ASCII characters; the nonce
 * strict base64url (no padding) of IR_SECURE_NONCE_MIN_LEN to
 * IR_TOKEN_NONCE_MAX bytes; the counter a decimal without sign or leading
 * zeros that fits in 64 bits. Anything else is IR_ERROR_PROTOCOL. */
IrChallenge *secure_restore_v1_parse_challenge (const IrAtResponse *resp, GError **error);

/* IrFamilyParseFunc for AT+IRIMEI?: one +IRIMEI: <slot>,"<imei>" line per
 * slot, slots from 0; "" is an empty slot. */
GPtrArray *secure_restore_v1_parse_imeis (const IrAtResponse *resp,
					  const IrProfile *profile,
					  gpointer user_data,
					  GError **error);

/* The answer to AT+IRRESTORE on @port: OK is TRUE; a refused token
 * (+CME ERROR: 701..722, 730, or verbose "+CME ERROR: token <reason>") is
 * IR_ERROR_TOKEN_REFUSED saying why in words and what to do; 605
 * IR_ERROR_READ_ONLY; any other refusal IR_ERROR_AT_REFUSED. */
gboolean
secure_restore_v1_parse_check_restore (const IrAtResponse *resp, const char *port, GError **error);

G_END_DECLS
