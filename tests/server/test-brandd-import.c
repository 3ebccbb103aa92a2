/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "ir-brandd-import.h"
#include "ir-brandd-store.h"

/* `imei-brandd import`: every row checked, reasons with line numbers, and
 * never a half import. */

#define HEADER "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n"
#define GOOD1  "SN1,HW1,MediaTek,MT6765,49015420,490154203237518,352099001761481\n"
#define GOOD2  "SN2,,Quectel,EC25,49015420,490154203237526,\n"

typedef struct {
	const char *name;
	const char *csv;
	const char *file_error; /* whole file refused; NULL: rows parsed */
	guint n_rows;
	guint bad_line; /* 0: every row accepted */
	const char *reason;
} Row;

static const Row rows[] = {
    {"good", HEADER GOOD1 GOOD2, NULL, 2, 0, NULL},
    {"comments, blank lines, CRLF, other column order",
     "# factory batch 7\r\n\r\nimei1,tac,model,manufacturer,hardware_id,serial\r\n"
     "490154203237518,49015420,MT6765,MediaTek,HW1,SN1\r\n",
     NULL,
     1,
     0,
     NULL},
    {"no header", "# nothing\n", "no header", 0, 0, NULL},
    {"unknown column",
     "serial,hardware_id,manufacturer,model,tac,imei1,colour\n",
     "colour",
     0,
     0,
     NULL},
    {"missing column", "serial,hardware_id,manufacturer,model,imei1\n", "tac", 0, 0, NULL},
    {"repeated column",
     "serial,serial,hardware_id,manufacturer,model,tac,imei1\n",
     "repeated",
     0,
     0,
     NULL},
    {"too few fields", HEADER GOOD1 "SN3,HW3,MediaTek\n", NULL, 2, 3, "3 fields"},
    {"bad check digit",
     HEADER GOOD1 "SN3,,MediaTek,M,49015420,490154203237519,\n",
     NULL,
     2,
     3,
     "imei1"},
    {"all zeros",
     HEADER "SN3,,MediaTek,M,00000000,000000000000000,\n",
     NULL,
     1,
     2,
     "not an original"},
    {"short IMEI", HEADER "SN3,,MediaTek,M,49015420,49015420323751,\n", NULL, 1, 2, "imei1"},
    {"TAC mismatch",
     HEADER "SN3,,MediaTek,M,35209900,490154203237518,\n",
     NULL,
     1,
     2,
     "TAC 35209900"},
    {"TAC letters", HEADER "SN3,,MediaTek,M,4901542x,490154203237518,\n", NULL, 1, 2, "tac"},
    {"imei2 bad",
     HEADER "SN3,,MediaTek,M,49015420,490154203237518,352099001761482\n",
     NULL,
     1,
     2,
     "imei2"},
    {"same IMEI twice",
     HEADER "SN3,,MediaTek,M,49015420,490154203237518,490154203237518\n",
     NULL,
     1,
     2,
     "same IMEI"},
    {"no identity", HEADER ",,MediaTek,M,49015420,490154203237518,\n", NULL, 1, 2, "at least one"},
    {"no model", HEADER "SN3,,MediaTek,,49015420,490154203237518,\n", NULL, 1, 2, "model"},
    {"quoted", HEADER "\"SN3\",,MediaTek,M,49015420,490154203237518,\n", NULL, 1, 2, "quot"},
    {"duplicate serial",
     HEADER GOOD1 "SN1,HW9,MediaTek,M,49015420,490154203237534,\n",
     NULL,
     2,
     3,
     "also on line 2"},
    {"serials differing only in case",
     HEADER GOOD1 "sn1,HW9,MediaTek,M,49015420,490154203237534,\n",
     NULL,
     2,
     3,
     "serial sn1 is also on line 2"},
    {"UTF-8 byte order mark", "\xef\xbb\xbf" HEADER GOOD1, NULL, 1, 0, NULL},
    {"byte order mark before a comment", "\xef\xbb\xbf# batch\n" HEADER GOOD1, NULL, 1, 0, NULL},
    {"byte order mark twice", "\xef\xbb\xbf\xef\xbb\xbf" HEADER, "unknown column", 0, 0, NULL},
    {"duplicate hardware id",
     HEADER GOOD1 "SN9,HW1,MediaTek,M,49015420,490154203237534,\n",
     NULL,
     2,
     3,
     "hardware id"},
    {"duplicate IMEI identity (other check digit ignored)",
     HEADER GOOD1 GOOD2 "SN9,,MediaTek,M,35209900,352099001761481,\n",
     NULL,
     3,
     4,
     "also on line 2"},
};

static void
test_brandd_import_parse_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		const Row *t = &rows[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (IrBranddImport) imp =
		    ir_brandd_import_parse (t->csv, strlen (t->csv), &error);

		if (t->file_error != NULL) {
			if (imp != NULL || strstr (error->message, t->file_error) == NULL)
				fail_msg (
				    "%s: expected a file error with '%s'", t->name, t->file_error);
			continue;
		}
		if (imp == NULL)
			fail_msg ("%s: %s", t->name, error->message);
		assert_int_equal (imp->rows->len, t->n_rows);
		assert_int_equal (imp->n_rejected, t->bad_line != 0 ? 1 : 0);
		for (guint r = 0; r < imp->rows->len; r++) {
			IrBranddImportRow *row = g_ptr_array_index (imp->rows, r);
			if (row->line == t->bad_line) {
				if (row->reason == NULL || strstr (row->reason, t->reason) == NULL)
					fail_msg ("%s: line %u: reason '%s' lacks '%s'",
						  t->name,
						  row->line,
						  row->reason,
						  t->reason);
			} else if (row->reason != NULL) {
				fail_msg (
				    "%s: line %u rejected: %s", t->name, row->line, row->reason);
			}
		}
	}
}

static gint64
test_brandd_import_count_devices (const char *db)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) store =
	    ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, db, &error);
	gint64 n = -1;

	assert_non_null (store);
	assert_true (ir_brandd_store_count (store, "devices", &n, &error));
	return n;
}

/* Through the real binary: exit codes, reasons printed, nothing written
 * when a row is bad, also when the conflict is with the database. */
static void
test_brandd_import_cli_import (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("brandd-import-XXXXXX", &error);
	g_autofree char *db = g_build_filename (dir, "brandd.db", NULL);
	g_autofree char *good = brandd_test_env_write_file (dir, "good.csv", HEADER GOOD1 GOOD2);
	g_autofree char *bad = brandd_test_env_write_file (
	    dir,
	    "bad.csv",
	    HEADER "SN7,,Quectel,EC25,49015420,490154203237534,\n"
		   "SN8,,Quectel,EC25,49015420,490154203237533,\n" GOOD2);
	g_autofree char *lower = brandd_test_env_write_file (
	    dir, "lower.csv", HEADER "sn2,,Quectel,EC25,49015420,490154203237534,\n");
	g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
	const char *init[] = {"init-db", "--db", db, NULL};
	const char *imp_lower[] = {"import", "--db", db, lower, NULL};
	const char *imp_good[] = {"import", "--db", db, good, NULL};
	const char *imp_bad[] = {"import", "--db", db, bad, NULL};
	const char *imp_missing[] = {"import", "--db", db, NULL};

	assert_int_equal (brandd_test_env_run_brandd (init, NULL, NULL), 0);
	{
		g_autofree char *out = NULL;
		assert_int_equal (brandd_test_env_run_brandd (imp_good, &out, NULL), 0);
		assert_non_null (strstr (out, "2 rows accepted, 0 rejected"));
		assert_int_equal (test_brandd_import_count_devices (db), 2);
	}
	{
		g_autofree char *out = NULL;
		g_autofree char *err = NULL;
		/* line 2 is fine, line 3 has a bad check digit, line 4 is in the
		 * database already: nothing of the file is written */
		assert_int_equal (brandd_test_env_run_brandd (imp_bad, &out, &err), 1);
		assert_null (strstr (out, "line 2:"));
		assert_non_null (strstr (out, "line 3: rejected: imei1 490154203237533"));
		assert_non_null (
		    strstr (out, "line 4: rejected: serial SN2 is already registered"));
		assert_non_null (strstr (out, "1 rows accepted, 2 rejected"));
		assert_non_null (strstr (err, "nothing imported"));
		assert_int_equal (test_brandd_import_count_devices (db), 2);
	}
	{
		g_autofree char *out = NULL;
		/* SN2 is registered: sn2 is the same label to a technician */
		assert_int_equal (brandd_test_env_run_brandd (imp_lower, &out, NULL), 1);
		assert_non_null (
		    strstr (out, "line 2: rejected: serial sn2 is already registered"));
		assert_int_equal (test_brandd_import_count_devices (db), 2);
	}
	assert_int_equal (brandd_test_env_run_brandd (imp_missing, NULL, NULL), 2);
	brandd_test_env_sh (cmd, NULL, NULL);
}

static void
test_brandd_import_init_db_versions (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("brandd-db-XXXXXX", &error);
	g_autofree char *db = g_build_filename (dir, "brandd.db", NULL);
	g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
	sqlite3 *raw = NULL;

	/* a database that was never initialised is refused, not created */
	assert_null (ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, db, &error));
	g_clear_error (&error);
	assert_true (ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, db, &error));
	assert_true (ir_brandd_store_init (IR_BRANDD_BACKEND_SQLITE, db, &error)); /* idempotent */
	{
		g_autoptr (IrBranddStore) store =
		    ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, db, &error);
		assert_non_null (store);
	}
	/* a newer schema is refused with both versions named */
	assert_int_equal (sqlite3_open (db, &raw), SQLITE_OK);
	assert_int_equal (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL),
			  SQLITE_OK);
	sqlite3_close (raw);
	{
		g_autoptr (IrBranddStore) store =
		    ir_brandd_store_open (IR_BRANDD_BACKEND_SQLITE, db, &error);
		assert_null (store);
		assert_non_null (strstr (error->message, "version 99"));
	}
	brandd_test_env_sh (cmd, NULL, NULL);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_import_parse_table),
	    cmocka_unit_test (test_brandd_import_cli_import),
	    cmocka_unit_test (test_brandd_import_init_db_versions),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
