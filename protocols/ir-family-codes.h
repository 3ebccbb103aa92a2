/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the host driver and the device model of each family agree on. The
 * write-once refusal codes are this project's convention (each family's
 * README says why): numbers outside the 3GPP TS 27.007 §9.2 list, so that no
 * standard refusal ("operation not allowed", 3) is ever mistaken for a slot
 * that can never be written again. */

/* +CME ERROR code a slot answers when it is write-once and already written. */
#define IR_MEDIATEK_READ_ONLY_CME 601
#define IR_QUECTEL_READ_ONLY_CME  602
#define IR_SIMCOM_READ_ONLY_CME	  603
#define IR_UNISOC_READ_ONLY_CME	  604

/* MediaTek +EGMR record types of IMEI 1 and IMEI 2; Quectel has only 7. */
#define IR_EGMR_TYPE_IMEI1 7
#define IR_EGMR_TYPE_IMEI2 10

/* secure-restore-v1 (secure-restore-v1/README.md, "Device commands"). The
 * write-once code follows the 60x series above. A refused token answers
 * IR_SECURE_CME_TOKEN_BASE + its IrTokenRefusal (ir-token.h): 701 malformed
 * ... 719 imei; the numbers are fixed by the README's table, which the
 * family's tests check against the enum, so reordering IrTokenRefusal
 * cannot silently change the wire. 7xx rather than 6xx so that no refusal
 * reads like another family's write-once code. */
#define IR_SECURE_READ_ONLY_CME	 605
#define IR_SECURE_CME_TOKEN_BASE 700
/* the token names an IMEI slot the phone does not have */
#define IR_SECURE_CME_NO_SLOT 730
/* The longest token text ir_token_from_base64url() takes (IR_TOKEN_MAX_SIZE
 * bytes, ir-token.h), and the longest command line the phone takes:
 * AT+IRRESTORE="<token>" with room to spare. */
#define IR_SECURE_TOKEN_TEXT_MAX ((IR_TOKEN_MAX_SIZE + 2) / 3 * 4)
#define IR_SECURE_MAX_LINE	 6144
/* The nonce of a challenge: the reference phone makes 16 random bytes;
 * hosts take 16 to 64 (the token carries at most 64). */
#define IR_SECURE_NONCE_LEN	16
#define IR_SECURE_NONCE_MIN_LEN 16
