/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ir-at-charset.h"

/* +CSCS strings: what a phone left in UCS2 or HEX answers, decoded or
 * refused (NULL: the caller keeps the raw answer). */

typedef struct {
	const char *charset;
	const char *text;
	gboolean looks_encoded;
	const char *decoded; /* NULL: not decoded */
} CharsetRow;

/* clang-format off */
static const CharsetRow charset_rows[] = {
    /* the IMEI 490154203237518 as a phone in UCS2 answers +CGSN */
    {"UCS2", "003400390030003100350034003200300033003200330037003500310038", TRUE,
     "490154203237518"},
    /* "Quectel" in UCS2 (+CGMI) */
    {"UCS2", "005100750065006300740065006C", TRUE, "Quectel"},
    {"UCS2", "005100750065006300740065006c", TRUE, "Quectel"},
    /* the IMEI in HEX: 2 hex digits per byte */
    {"HEX", "343930313534323033323337353138", TRUE, "490154203237518"},
    {"HEX", "5A5445", TRUE, "ZTE"},
    /* plain answers that only look encoded: decoded to control characters
     * or nothing sensible, so kept as they came */
    {"UCS2", "4901542032375101", TRUE, NULL},        /* an IMEISV: U+4901... */
    {"HEX", "4901542032375101", TRUE, NULL},         /* 0x01 is a control character */
    {"IRA", "4901542032375101", TRUE, NULL},         /* not an encoded charset */
    {"GSM", "005100750065", TRUE, NULL},
    /* malformed */
    {"UCS2", "490154203237518", FALSE, NULL},       /* odd length */
    {"UCS2", "00510075006", FALSE, NULL},           /* odd length */
    {"UCS2", "005100750065006", FALSE, NULL},
    {"UCS2", "0051007500650", FALSE, NULL},
    {"UCS2", "00510075006G", FALSE, NULL},          /* not hex */
    {"UCS2", "0000", TRUE, NULL},                    /* NUL */
    {"UCS2", "D800", TRUE, NULL},                    /* a lone surrogate */
    {"UCS2", "001B005B", TRUE, NULL},                /* ESC [ : a terminal sequence */
    {"HEX", "1B5B33316D", TRUE, NULL},               /* ESC [31m */
    {"HEX", "00", FALSE, NULL},                      /* too short */
    {"HEX", "4100", TRUE, NULL},                     /* a NUL byte */
    {"UCS2", "", FALSE, NULL},
    {"UCS2", NULL, FALSE, NULL},
};
/* clang-format on */

static void
test_at_charset_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (charset_rows); i++) {
		const CharsetRow *row = &charset_rows[i];
		g_autofree char *decoded = ir_at_charset_decode (row->charset, row->text);

		if (ir_at_charset_looks_encoded (row->text) != row->looks_encoded ||
		    g_strcmp0 (decoded, row->decoded) != 0)
			print_error ("row %u (%s \"%s\"): looks %d, decoded \"%s\"\n",
				     i,
				     row->charset,
				     row->text,
				     ir_at_charset_looks_encoded (row->text),
				     decoded);
		assert_int_equal (ir_at_charset_looks_encoded (row->text), row->looks_encoded);
		if (row->decoded == NULL)
			assert_null (decoded);
		else
			assert_string_equal (decoded, row->decoded);
	}
}

static void
test_at_charset_names (void **state)
{
	const struct {
		const char *name;
		const char *normalised;
		gboolean encoded;
	} rows[] = {
	    {"UCS2", "UCS2", TRUE},
	    {"ucs2", "UCS2", TRUE},
	    {"UCS-2", "UCS2", TRUE},
	    {"HEX", "HEX", TRUE},
	    {"IRA", "IRA", FALSE},
	    {"GSM", "GSM", FALSE},
	    {"UTF-8", "UTF-8", FALSE},
	    {"", "", FALSE},
	    {NULL, "", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autofree char *name = ir_at_charset_normalise (rows[i].name);
		assert_string_equal (name, rows[i].normalised);
		assert_int_equal (ir_at_charset_is_encoded (name), rows[i].encoded);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_at_charset_table),
	    cmocka_unit_test (test_at_charset_names),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
