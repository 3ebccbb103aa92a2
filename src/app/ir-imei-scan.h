/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A scanned IMEI (barcode scanners type the digits and Enter) checked the
 * way DESIGN.md §5 asks: Luhn over the 14 identity digits, the computed
 * check digit always shown, compared on the 14 identity digits with what
 * the brand registry says the phone's slots hold, and never "fixed". */
typedef enum {
	IR_IMEI_SCAN_MATCH,	      /* the registry's IMEI of a slot */
	IR_IMEI_SCAN_MISMATCH,	      /* a valid IMEI, but not this phone's */
	IR_IMEI_SCAN_BAD_CHECK_DIGIT, /* 15 digits, Luhn fails */
	IR_IMEI_SCAN_MALFORMED,	      /* not 14 or 15 digits */
} IrImeiScanVerdict;

/* @registry: the IMEIs the brand holds for the phone's slots (NULL for a
 * slot left alone), @n_slots of them. *@message (free it): what the
 * technician reads. */
IrImeiScanVerdict ir_imei_scan_check (const char *scanned,
				      const char *const *registry,
				      guint n_slots,
				      char **message);

G_END_DECLS
