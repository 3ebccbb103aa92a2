/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-family.h"
#include "ir-protocols.h"
#include "ir-restore-eligible.h"

/* ir_restore_eligible_check(): the diagnosis the restore flow makes before
 * a token is asked for, and that the app's phone list shows. One row per
 * case, the refusals beside the good ones. */

typedef enum { ELIGIBLE, NOTHING_TO_DO, NOT_SUPPORTED } Expect;

typedef struct {
	const char *name;
	const char *family;
	const char *serial;
	IrImeiStatus slots[3];
	guint n_slots;
	Expect expect;
	const char *needle; /* in the error message */
} Row;

static const Row rows[] = {
    {"mediatek wiped", "mediatek", "SN1", {IR_IMEI_STATUS_FACTORY_DEFAULT}, 1, ELIGIBLE, NULL},
    {"mediatek one slot wiped",
     "mediatek",
     "SN1",
     {IR_IMEI_STATUS_VALID, IR_IMEI_STATUS_FACTORY_DEFAULT},
     2,
     ELIGIBLE,
     NULL},
    {"simcom duplicate", "simcom", "SN1", {IR_IMEI_STATUS_DUPLICATE}, 1, ELIGIBLE, NULL},
    {"unisoc bad check digit",
     "unisoc",
     "SN1",
     {IR_IMEI_STATUS_BAD_CHECK_DIGIT},
     1,
     ELIGIBLE,
     NULL},
    {"quectel malformed", "quectel", "SN1", {IR_IMEI_STATUS_MALFORMED}, 1, ELIGIBLE, NULL},
    {"secure without serial",
     "secure-restore-v1",
     NULL,
     {IR_IMEI_STATUS_FACTORY_DEFAULT},
     1,
     ELIGIBLE,
     NULL},
    {"all valid",
     "mediatek",
     "SN1",
     {IR_IMEI_STATUS_VALID, IR_IMEI_STATUS_VALID},
     2,
     NOTHING_TO_DO,
     NULL},
    {"valid and empty",
     "mediatek",
     "SN1",
     {IR_IMEI_STATUS_VALID, IR_IMEI_STATUS_EMPTY},
     2,
     NOTHING_TO_DO,
     NULL},
    {"3gpp duplicate: no write command",
     "3gpp",
     "SN1",
     {IR_IMEI_STATUS_DUPLICATE},
     1,
     NOT_SUPPORTED,
     "no IMEI write command"},
    {"legacy without serial",
     "mediatek",
     NULL,
     {IR_IMEI_STATUS_FACTORY_DEFAULT},
     1,
     NOT_SUPPORTED,
     "no serial number"},
    {"no slot", "mediatek", "SN1", {0}, 0, NOT_SUPPORTED, "0 IMEI slots"},
    {"three slots",
     "mediatek",
     "SN1",
     {IR_IMEI_STATUS_FACTORY_DEFAULT, IR_IMEI_STATUS_VALID, IR_IMEI_STATUS_VALID},
     3,
     NOT_SUPPORTED,
     "3 IMEI slots"},
};

static void
test_restore_eligible_row (void **state)
{
	const Row *row = *state;
	IrDeviceInfo info = {.port = (char *)"/dev/ttyTEST", .serial = (char *)row->serial};
	g_autoptr (GPtrArray) slots = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	gboolean ok;

	info.family = ir_family_lookup (row->family);
	assert_non_null (info.family);
	for (guint i = 0; i < row->n_slots; i++) {
		IrImeiSlot *slot = g_new0 (IrImeiSlot, 1);
		slot->index = i;
		slot->status = row->slots[i];
		g_ptr_array_add (slots, slot);
	}
	info.slots = slots;
	ok = ir_restore_eligible_check (&info, &error);
	switch (row->expect) {
	case ELIGIBLE:
		assert_true (ok);
		assert_null (error);
		break;
	case NOTHING_TO_DO:
		assert_false (ok);
		assert_null (error);
		break;
	case NOT_SUPPORTED:
		assert_false (ok);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_NOT_SUPPORTED));
		assert_non_null (strstr (error->message, row->needle));
		assert_non_null (strstr (error->message, "/dev/ttyTEST"));
		break;
	}
}

int
main (void)
{
	struct CMUnitTest tests[G_N_ELEMENTS (rows)];

	for (gsize i = 0; i < G_N_ELEMENTS (rows); i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate (test_restore_eligible_row,
									 (void *)&rows[i]);
		tests[i].name = rows[i].name;
	}
	ir_protocols_register ();
	return cmocka_run_group_tests_name ("restore-eligible", tests, NULL, NULL);
}
