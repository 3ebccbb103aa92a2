/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-imei.h"

/* ---- check digit: 3GPP TS 23.003 Annex B and known-good IMEIs ---- */

typedef struct {
	const char *digits;
	char cd; /* 0: not computable */
} CheckDigitRow;

static const CheckDigitRow check_digit_rows[] = {
    {"26053179311383", '7'}, /* the spec's own example */
    {"49015420323751", '8'},
    {"35209900176148", '1'},
    {"00000000000000", '0'},
    {"99999999999999", '4'},
    {"260531793113837", '7'}, /* a 15th digit is ignored */
    {"2605317931138", 0},     /* 13 digits */
    {"2605317931138a", 0},
    {"", 0},
    {"26053179 11383", 0},
    {NULL, 0},
};

static void
test_imei_check_digit (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (check_digit_rows); i++) {
		const CheckDigitRow *row = &check_digit_rows[i];
		char got = ir_imei_check_digit (row->digits);
		if (got != row->cd)
			fail_msg ("row %u (%s): got %c, want %c",
				  i,
				  row->digits,
				  got ? got : '-',
				  row->cd ? row->cd : '-');
	}
}

/* ---- validate and classify: malformed input in the same table ---- */

typedef struct {
	const char *imei;
	gboolean valid;
	IrImeiStatus status;
	const char *error_part; /* expected substring of the validate error */
} ImeiRow;

static const ImeiRow imei_rows[] = {
    {"260531793113837", TRUE, IR_IMEI_STATUS_VALID, NULL},
    {"490154203237518", TRUE, IR_IMEI_STATUS_VALID, NULL},
    {"352099001761481", TRUE, IR_IMEI_STATUS_VALID, NULL},
    {"000000000000000", TRUE, IR_IMEI_STATUS_FACTORY_DEFAULT, NULL},
    {"260531793113838", FALSE, IR_IMEI_STATUS_BAD_CHECK_DIGIT, "give 7"},
    {"490154203237510", FALSE, IR_IMEI_STATUS_BAD_CHECK_DIGIT, "check digit 0"},
    {"26053179311383", FALSE, IR_IMEI_STATUS_MALFORMED, "14 digits, not 15"},
    {"2605317931138370", FALSE, IR_IMEI_STATUS_MALFORMED, "16 digits, not 15"},
    {"26053179311383O", FALSE, IR_IMEI_STATUS_MALFORMED, "character 15 is not a digit"},
    {" 260531793113837", FALSE, IR_IMEI_STATUS_MALFORMED, "character 1"},
    {"26053179-311383", FALSE, IR_IMEI_STATUS_MALFORMED, "character 9"},
    {"\"260531793113837\"", FALSE, IR_IMEI_STATUS_MALFORMED, "character 1"},
    {"", FALSE, IR_IMEI_STATUS_EMPTY, "empty"},
};

static void
test_imei_validate_classify (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (imei_rows); i++) {
		const ImeiRow *row = &imei_rows[i];
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_imei_validate (row->imei, &error);

		if (ok != row->valid)
			fail_msg ("row %u (%s): validate gave %d", i, row->imei, ok);
		if (row->error_part != NULL) {
			assert_non_null (error);
			assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
			if (strstr (error->message, row->error_part) == NULL)
				fail_msg ("row %u: \"%s\" lacks \"%s\"",
					  i,
					  error->message,
					  row->error_part);
		}
		if (ir_imei_classify (row->imei) != row->status)
			fail_msg ("row %u (%s): classified %s",
				  i,
				  row->imei,
				  ir_imei_status_to_string (ir_imei_classify (row->imei)));
	}
	assert_int_equal (ir_imei_classify (NULL), IR_IMEI_STATUS_EMPTY);
}

static void
test_imei_describe (void **state)
{
	g_autofree char *bad = ir_imei_describe ("260531793113838", IR_IMEI_STATUS_BAD_CHECK_DIGIT);
	g_autofree char *zero =
	    ir_imei_describe ("000000000000000", IR_IMEI_STATUS_FACTORY_DEFAULT);
	g_autofree char *mal = ir_imei_describe ("1234", IR_IMEI_STATUS_MALFORMED);

	assert_string_equal (bad, "check digit is 8, should be 7 for these 14 digits");
	assert_non_null (strstr (zero, "factory default"));
	assert_non_null (strstr (mal, "4 digits, not 15"));
}

typedef struct {
	const char *imeisv;
	gboolean valid;
} ImeisvRow;

static const ImeisvRow imeisv_rows[] = {
    {"2605317931138301", TRUE},
    {"4901542032375100", TRUE},
    {"2605317931138399", FALSE}, /* SVN 99 reserved */
    {"260531793113837", FALSE},
    {"26053179311383012", FALSE},
    {"26053179311383x1", FALSE},
    {"", FALSE},
};

static void
test_imei_imeisv (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (imeisv_rows); i++) {
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_imei_validate_imeisv (imeisv_rows[i].imeisv, &error);
		if (ok != imeisv_rows[i].valid)
			fail_msg ("row %u (%s): got %d", i, imeisv_rows[i].imeisv, ok);
		if (!ok)
			assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
	}
}

typedef struct {
	const char *a;
	const char *b;
	gboolean same;
} IdentityRow;

static const IdentityRow identity_rows[] = {
    {"260531793113837", "260531793113837", TRUE},
    {"260531793113837", "260531793113838", TRUE},  /* check digit is not identity */
    {"260531793113837", "2605317931138301", TRUE}, /* IMEI vs IMEISV */
    {"260531793113837", "26053179311383", TRUE},
    {"260531793113837", "260531793113847", FALSE},
    {"260531793113837", "2605317931138", FALSE},
    {"2605317931138a7", "2605317931138a7", FALSE},
    {"260531793113837", NULL, FALSE},
};

static void
test_imei_same_identity (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (identity_rows); i++) {
		const IdentityRow *row = &identity_rows[i];
		if (ir_imei_same_identity (row->a, row->b) != row->same)
			fail_msg ("row %u: %s vs %s", i, row->a, row->b);
	}
}

/* ---- the brand's duplicate list ---- */

typedef struct {
	const char *text;
	const char *error_part; /* NULL: parses */
	guint size;
} DupListRow;

static const DupListRow duplist_rows[] = {
    {"", NULL, 0},
    {"# only a comment\n\n", NULL, 0},
    {"490154203237518\n", NULL, 1},
    {"49015420323751\r\n352099001761481 # two of them\n", NULL, 2},
    {"490154203237518\n490154203237518\n", NULL, 1}, /* same identity once */
    {"  490154203237518  \n", NULL, 1},
    {"490154203237510\n", "line 1: IMEI 490154203237510 has check digit 0", 0},
    {"490154203237518\n4901542032375\n", "line 2: \"4901542032375\" is neither", 0},
    {"490154203237518,352099001761481\n", "line 1", 0},
    {"\xff\xfe", "not UTF-8", 0},
};

static void
test_imei_duplicate_list (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (duplist_rows); i++) {
		const DupListRow *row = &duplist_rows[i];
		g_autoptr (IrDuplicateList) list = ir_duplicate_list_new ();
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_duplicate_list_parse (
		    list, row->text, strlen (row->text), "test.txt", &error);

		if (row->error_part == NULL) {
			if (!ok)
				fail_msg ("row %u: %s", i, error->message);
			assert_int_equal (ir_duplicate_list_size (list), row->size);
			continue;
		}
		if (ok)
			fail_msg ("row %u parsed, expected an error", i);
		if (strstr (error->message, row->error_part) == NULL)
			fail_msg (
			    "row %u: \"%s\" lacks \"%s\"", i, error->message, row->error_part);
		if (strstr (error->message, "test.txt") == NULL)
			fail_msg ("row %u: error does not name the file", i);
		/* a bad file adds nothing */
		assert_int_equal (ir_duplicate_list_size (list), 0);
	}
}

static void
test_imei_classify_duplicate (void **state)
{
	g_autoptr (IrDuplicateList) list = ir_duplicate_list_new ();
	const char *text = "49015420323751\n";

	assert_true (ir_duplicate_list_parse (list, text, strlen (text), "t", NULL));
	assert_int_equal (ir_imei_classify_full ("490154203237518", list),
			  IR_IMEI_STATUS_DUPLICATE);
	assert_int_equal (ir_imei_classify_full ("490154203237518", NULL), IR_IMEI_STATUS_VALID);
	assert_int_equal (ir_imei_classify_full ("352099001761481", list), IR_IMEI_STATUS_VALID);
	/* a wrong check digit stays a wrong check digit, even on the list */
	assert_int_equal (ir_imei_classify_full ("490154203237510", list),
			  IR_IMEI_STATUS_BAD_CHECK_DIGIT);
	assert_int_equal (ir_imei_classify_full ("000000000000000", list),
			  IR_IMEI_STATUS_FACTORY_DEFAULT);
}

static void
test_imei_duplicate_list_load (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrDuplicateList) list = ir_duplicate_list_load ("/nonexistent/dups.txt", &error);

	assert_null (list);
	assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
	assert_non_null (strstr (error->message, "/nonexistent/dups.txt"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_imei_check_digit),
	    cmocka_unit_test (test_imei_validate_classify),
	    cmocka_unit_test (test_imei_describe),
	    cmocka_unit_test (test_imei_imeisv),
	    cmocka_unit_test (test_imei_same_identity),
	    cmocka_unit_test (test_imei_duplicate_list),
	    cmocka_unit_test (test_imei_classify_duplicate),
	    cmocka_unit_test (test_imei_duplicate_list_load),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
