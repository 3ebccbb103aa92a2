/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "test-restore-log-env.h"

/* imeictl restore and the brand server's witness (docs/brand-api.md):
 * after a restore the server has cosigned the log's checkpoint, a later
 * token request proves the log grew from what was witnessed, a log
 * replaced by another is refused its next token, and the duplicate list
 * comes from $IMEIRESTORE_DUPLICATES as with identify. */

#define ZERO	  IR_TEST_IMEI_ZERO
#define QCT_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define QCT_VALID "--family quectel --serial " RT_QCT_SERIAL " --imei " RT_QCT_IMEI1
#define MTK_WIPED "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO

static guint64
test_restore_witness_witnessed_size (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.witnessed", NULL);
	g_autofree char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		fail_msg ("%s was not written: nothing was witnessed", path);
	return g_ascii_strtoull (text, NULL, 10);
}

/* imeictl audit verify with the server's witness public key */
static int
test_restore_witness_audit_witness (const char *dir, const char *witness_pub)
{
	g_autofree char *log = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *note = g_build_filename (dir, "migration-log.cosigned", NULL);
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl (
	    "audit", "verify", log, "--witness-key", witness_pub, "--cosigned", note, NULL);

	if (run->exit_code != 0)
		print_message ("audit verify: %s\n", run->err);
	return run->exit_code;
}

/* Two restores: each uploads, the second's token request carries the
 * consistency proof from the first's witnessed size, and the cosigned
 * note verifies with the witness key and not with another key. */
static void
test_restore_witness_witnessed_after_restore (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *wpub = g_build_filename (test_restore_env_pki (), "witness.pub.pem", NULL);
	g_autofree char *other_pub = g_build_filename (server->dir, "other.pub.pem", NULL);
	g_autofree char *cmd = NULL;
	g_autoptr (IrTestSim) first = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestSim) second = test_restore_env_sim_start (MTK_WIPED);
	g_autoptr (IrTestRun) run1 = test_restore_log_env_restore (server, dir, first->path, NULL);
	g_autoptr (IrTestRun) run2 = NULL;
	g_autoptr (GPtrArray) records = NULL;
	guint64 size1;

	assert_int_equal (run1->exit_code, 0);
	assert_null (test_restore_env_json_path (run1, "witness_warning"));
	size1 = test_restore_witness_witnessed_size (dir);
	records = test_restore_log_env_records (dir);
	assert_int_equal (size1, records->len);
	assert_int_equal (test_restore_witness_audit_witness (dir, wpub), 0);

	run2 = test_restore_log_env_restore (server, dir, second->path, NULL);
	assert_int_equal (run2->exit_code, 0);
	assert_null (test_restore_env_json_path (run2, "witness_warning"));
	g_clear_pointer (&records, g_ptr_array_unref);
	records = test_restore_log_env_records (dir);
	assert_true (test_restore_witness_witnessed_size (dir) > size1);
	assert_int_equal (test_restore_witness_witnessed_size (dir), records->len);
	assert_int_equal (test_restore_witness_audit_witness (dir, wpub), 0);

	/* a key that is not the witness's does not verify the note */
	cmd = g_strdup_printf ("openssl genpkey -algorithm ed25519 2>/dev/null | "
			       "openssl pkey -pubout -out '%s'",
			       other_pub);
	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	assert_int_equal (test_restore_witness_audit_witness (dir, other_pub), 11);
}

/* A server that does not witness refuses the upload (witness_disabled):
 * the restore succeeded, so exit 0, with a warning on stderr and in the
 * JSON, and nothing recorded as witnessed. */
static void
test_restore_witness_upload_refused_is_warning (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start ("[witness]\n");
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *size_file = g_build_filename (dir, "migration-log.witnessed", NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestRun) run = test_restore_log_env_restore (server, dir, sim->path, NULL);
	g_autofree char *after = test_restore_env_sim_imeis (sim);
	const char *warning;

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (test_restore_env_json_path (run, "outcome"), "restored");
	warning = test_restore_env_json_path (run, "witness_warning");
	assert_non_null (warning);
	assert_non_null (strstr (warning, "next run sends it again"));
	assert_non_null (strstr (run->err, "imeictl: warning: "));
	assert_non_null (strstr (run->err, "witness"));
	assert_false (g_file_test (size_file, G_FILE_TEST_EXISTS));
	assert_string_equal (after, RT_QCT_IMEI1 ";");
}

/* A log replaced by another one (same workstation and key, other records,
 * at least the witnessed size): the next token is refused as log_forked,
 * nothing is written, and the message says what to do. */
static void
test_restore_witness_forked_log_refused (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *log = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *cps = g_build_filename (dir, "migration-log.checkpoints", NULL);
	g_autofree char *cosigned = g_build_filename (dir, "migration-log.cosigned", NULL);
	g_autoptr (IrTestSim) first = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestSim) valid = test_restore_env_sim_start (QCT_VALID);
	g_autoptr (IrTestSim) victim = test_restore_env_sim_start (MTK_WIPED);
	g_autoptr (IrTestRun) run1 = test_restore_log_env_restore (server, dir, first->path, NULL);
	g_autoptr (IrTestRun) refused = NULL;
	g_autofree char *after = NULL;
	guint64 witnessed;

	assert_int_equal (run1->exit_code, 0);
	witnessed = test_restore_witness_witnessed_size (dir);
	assert_true (witnessed >= 2);
	assert_int_equal (g_unlink (log), 0);
	/* a new log has none (inline layout); remove one all the same */
	g_unlink (cps);
	/* and the workstation's copy of the cosignature: with it, the log
	 * itself refuses to open a log shorter than what was witnessed
	 * (exit 11); here it is the server that must notice */
	assert_int_equal (g_unlink (cosigned), 0);
	/* each run on a phone with nothing to do writes one START: grow the
	 * new log to witnessed - 1, the refused run's START makes it witnessed */
	for (guint64 i = 0; i + 1 < witnessed; i++) {
		g_autoptr (IrTestRun) run =
		    test_restore_log_env_restore (server, dir, valid->path, NULL);
		assert_int_equal (run->exit_code, 0);
		assert_string_equal (test_restore_env_json_path (run, "outcome"), "nothing_to_do");
	}
	refused = test_restore_log_env_restore (server, dir, victim->path, NULL);
	ir_test_harness_assert_error (refused,
				      8,
				      "log_forked",
				      "no longer trusts this workstation's migration log",
				      "audit verify",
				      NULL);
	assert_string_equal (test_restore_env_json_path (refused, "outcome"), "not_started");
	after = test_restore_env_sim_imeis (victim);
	assert_string_equal (after, ZERO ";" ZERO ";");
}

/* ---- the duplicate list from the environment ---- */

typedef struct {
	const char *name;
	const char *list; /* the file's text; NULL: $IMEIRESTORE_DUPLICATES names no file */
	int exit_code;
	const char *code;    /* error code; NULL: none */
	const char *outcome; /* NULL: no result object (bad input) */
} DupRow;

static const DupRow dup_rows[] = {
    {"3gpp phone whose IMEI is on the list: not_supported, not nothing_to_do",
     "# brand list\n" RT_QCT_IMEI1 "\n",
     5,
     "not_supported",
     "not_started"},
    {"3gpp phone whose IMEI is not on the list: nothing to do",
     RT_MTK_IMEI1 "\n",
     0,
     NULL,
     "nothing_to_do"},
    {"the list is missing: bad input, no state folder made", NULL, 2, "invalid_input", NULL},
    {"the list is malformed: bad input, no state folder made",
     "not an imei\n",
     2,
     "invalid_input",
     NULL},
};

static void
test_restore_witness_duplicates_env_row (void **state)
{
	const DupRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "ws", NULL);
	g_autofree char *list = g_build_filename (server->dir, "duplicates.txt", NULL);
	g_autofree char *env_dup = g_strdup_printf ("IMEIRESTORE_DUPLICATES=%s", list);
	const char *env[] = {env_dup, NULL};
	g_autoptr (IrTestSim) sim =
	    test_restore_env_sim_start ("--family 3gpp --serial SN-TELIT --imei " RT_QCT_IMEI1);
	g_autoptr (IrTestRun) run = NULL;
	g_autofree char *after = NULL;

	if (row->list != NULL)
		assert_true (g_file_set_contents (list, row->list, -1, NULL));
	run = test_restore_log_env_restore (server, dir, sim->path, env);
	if (run->exit_code != row->exit_code)
		print_message ("stderr: %s\n", run->err);
	assert_int_equal (run->exit_code, row->exit_code);
	if (g_strcmp0 (test_restore_env_error_code (run), row->code) != 0)
		fail_msg (
		    "error code %s, expected %s", test_restore_env_error_code (run), row->code);
	if (row->outcome != NULL) {
		assert_string_equal (test_restore_env_json_path (run, "outcome"), row->outcome);
	} else {
		assert_non_null (strstr (run->err, "$IMEIRESTORE_DUPLICATES"));
		assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
	}
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, RT_QCT_IMEI1 ";");
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_restore_witness_witnessed_after_restore),
	    cmocka_unit_test (test_restore_witness_forked_log_refused),
	    cmocka_unit_test (test_restore_witness_upload_refused_is_warning),
	};

	return ir_test_harness_run_table ("restore-witness",
					  test_restore_witness_duplicates_env_row,
					  dup_rows,
					  sizeof (dup_rows[0]),
					  G_N_ELEMENTS (dup_rows),
					  extra,
					  G_N_ELEMENTS (extra));
}
