/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-duplicate-list.h" /* ir_imei_classify_full () */

G_BEGIN_DECLS

/* IMEI and IMEISV per 3GPP TS 23.003 §6.2: TAC (8) + SNR (6) + CD (1), or
 * TAC + SNR + SVN (2). Identities compare on the 14 TAC+SNR digits. */

#define IR_IMEI_LEN	15
#define IR_IMEISV_LEN	16
#define IR_IMEI_ID_LEN	14
#define IR_IMEI_TAC_LEN 8

/* The IMEI slots a phone has at most (dual SIM): the one bound every table
 * of slots is sized by (tokens, profiles, the simulator, the brand's
 * registry, log records); each such table asserts it at build time. */
#define IR_IMEI_MAX_SLOTS 2

typedef enum {
	IR_IMEI_STATUS_VALID,
	IR_IMEI_STATUS_FACTORY_DEFAULT, /* all zeros: wiped by flashing */
	IR_IMEI_STATUS_BAD_CHECK_DIGIT, /* 15 digits, Luhn check fails */
	IR_IMEI_STATUS_MALFORMED,	/* wrong length or not digits */
	IR_IMEI_STATUS_DUPLICATE,	/* on the brand's known-duplicate list */
	IR_IMEI_STATUS_EMPTY,		/* the slot holds nothing */
} IrImeiStatus;

/* Luhn check digit ('0'..'9') over the first 14 digits of @digits;
 * returns 0 when @digits does not start with 14 decimal digits. */
char ir_imei_check_digit (const char *digits);

/* Strict parse of a 15-digit IMEI; names what is wrong otherwise. */
gboolean ir_imei_validate (const char *imei, GError **error);

/* Strict parse of a 16-digit IMEISV (no check digit; SVN 99 is reserved). */
gboolean ir_imei_validate_imeisv (const char *imeisv, GError **error);

/* TRUE when both start with the same 14 identity digits. */
gboolean ir_imei_same_identity (const char *a, const char *b);

/* Classification of what a slot read back, without a duplicate list. */
IrImeiStatus ir_imei_classify (const char *imei);

const char *ir_imei_status_to_string (IrImeiStatus status);

/* One line of human explanation, e.g. "check digit is 4, should be 7". */
char *ir_imei_describe (const char *imei, IrImeiStatus status);

/* ir_imei_classify() plus the duplicate list (may be NULL). */
IrImeiStatus ir_imei_classify_full (const char *imei, const IrDuplicateList *dups);

G_END_DECLS
