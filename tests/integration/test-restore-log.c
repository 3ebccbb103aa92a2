/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-test-holder.h"
#include "test-restore-log-env.h"

/* imeictl restore writes the migration log: START, then INTENT before the
 * phone is touched and RESULT after; a tampered log refuses restores;
 * INTENTs left open by a crash are recovered when the phone is next seen
 * (by restore, or by recover PORT), before anything else is done to it. */

#define ZERO	  IR_TEST_IMEI_ZERO
#define QCT_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define MTK_WIPED "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO
#define SECURE_WIPED                                                                               \
	"--family secure-restore-v1 --trust-store @PKI@/trust-store.conf --imei " ZERO             \
	" --imei " ZERO

static char *
test_restore_log_sim_args (const char *args)
{
	g_autoptr (GString) s = g_string_new (args);
	g_string_replace (s, "@PKI@", test_restore_env_pki (), 0);
	return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
test_restore_log_state_dir (RtServer *server, const char *name)
{
	return g_build_filename (server->dir, name, NULL);
}

/* ---- what one restore writes ---- */

typedef struct {
	const char *name;
	const char *sim_args;
	int exit_code;
	const char *result; /* the RESULT's outcome; NULL: no INTENT at all */
	const char *target; /* slot 1 of imeis_target */
	const char *read_back;
	const char *state_after;
} LogRow;

static const LogRow rows[] = {
    {"quectel restored: INTENT then RESULT success",
     QCT_WIPED,
     0,
     "success",
     RT_QCT_IMEI1,
     RT_QCT_IMEI1,
     RT_QCT_IMEI1 ";"},
    {"secure-restore-v1 restored: the INTENT names the hardware id",
     SECURE_WIPED,
     0,
     "success",
     RT_SR_IMEI1,
     RT_SR_IMEI1,
     RT_SR_IMEI1 ";" RT_SR_IMEI2 ";"},
    {"mediatek write refused: RESULT failed with the reason",
     MTK_WIPED " --write-error CME:3",
     5,
     "failed",
     RT_MTK_IMEI1,
     ZERO,
     ZERO ";" ZERO ";"},
    {"unknown device: no token, so no INTENT",
     "--family quectel --serial SN-NOBODY --imei " ZERO,
     8,
     NULL,
     NULL,
     NULL,
     ZERO ";"},
};

static void
test_restore_log_log_row (void **state)
{
	const LogRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = test_restore_log_state_dir (server, "ws");
	g_autofree char *args = test_restore_log_sim_args (row->sim_args);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (args);
	g_autoptr (IrTestRun) run = test_restore_log_env_restore (server, dir, sim->path, NULL);
	g_autoptr (GPtrArray) records = test_restore_log_env_records (dir);
	g_autofree char *after = test_restore_env_sim_imeis (sim);
	g_autofree char *text = test_restore_log_env_log_text (dir);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	JsonObject *intent, *result, *phone;
	int i_intent, i_result;

	assert_int_equal (run->exit_code, row->exit_code);
	assert_string_equal (after, row->state_after);
	assert_true (records->len >= 1);
	assert_string_equal (test_restore_log_env_type (g_ptr_array_index (records, 0)), "START");
	assert_string_equal (
	    test_restore_log_env_string (g_ptr_array_index (records, 0), "workstation"),
	    "ws-test-1");
	/* a checkpoint after every record: its signature line follows the
	 * record (inline layout), signed by the origin's key name */
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
		assert_int_equal (
		    g_str_has_prefix (lines[i], "\xe2\x80\x94 imeirestore/DL-0001/ws-test-1 "),
		    i % 2 == 1);
	i_intent = test_restore_log_env_find (records, 0, "INTENT", NULL);
	if (row->result == NULL) {
		assert_int_equal (i_intent, -1);
		assert_int_equal (records->len, 1);
		return;
	}
	assert_int_equal (i_intent, 1);
	intent = g_ptr_array_index (records, i_intent);
	assert_string_equal (test_restore_log_env_string (intent, "intent_id"),
			     test_restore_env_json_path (run, "token.id"));
	assert_string_equal (test_restore_log_env_string (intent, "token_id"),
			     test_restore_env_json_path (run, "token.id"));
	assert_string_equal (test_restore_log_env_string (intent, "centre"), "DL-0001");
	assert_string_equal (test_restore_log_env_string (intent, "workstation"), "ws-test-1");
	assert_non_null (test_restore_log_env_string (intent, "technician"));
	assert_int_equal (strlen (test_restore_log_env_string (intent, "token_sha256")), 64);
	assert_string_equal (json_array_get_string_element (
				 json_object_get_array_member (intent, "imeis_target"), 0),
			     row->target);
	assert_string_equal (json_array_get_string_element (
				 json_object_get_array_member (intent, "imeis_before"), 0),
			     ZERO);
	phone = json_object_get_object_member (intent, "phone");
	assert_string_equal (json_object_get_string_member (phone, "port"), sim->path);
	if (g_str_has_prefix (row->sim_args, "--family secure"))
		assert_string_equal (json_object_get_string_member (phone, "hardware_id"),
				     RT_SR_HWID);
	i_result = test_restore_log_env_find (
	    records, i_intent + 1, "RESULT", test_restore_log_env_string (intent, "intent_id"));
	assert_int_equal (i_result, i_intent + 1);
	assert_int_equal (records->len, i_result + 1);
	result = g_ptr_array_index (records, i_result);
	assert_string_equal (test_restore_log_env_string (result, "outcome"), row->result);
	assert_string_equal (json_array_get_string_element (
				 json_object_get_array_member (result, "imeis_read_back"), 0),
			     row->read_back);
	if (g_strcmp0 (row->result, "success") != 0)
		assert_non_null (test_restore_log_env_string (result, "reason"));
	test_restore_log_env_assert_all_resolved (records);
}

/* ---- a port another program holds ---- */

static guint
test_restore_log_count (GPtrArray *records, const char *type)
{
	guint n = 0;

	for (guint i = 0; i < records->len; i++)
		n += g_strcmp0 (test_restore_log_env_type (g_ptr_array_index (records, i)), type) ==
		     0;
	return n;
}

/* The rival scan runs in the background while the phone is identified:
 * a port held without a lock is still refused, with the text of a refusal
 * at open, before a token is asked for (no token, so no report) and before
 * anything is written (no INTENT, no line in the used-token store, the
 * phone as it was). Once the rival is gone, it restores. */
static void
test_restore_log_held_port_refused (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = test_restore_log_state_dir (server, "ws");
	g_autofree char *seen_path = g_build_filename (dir, "token-seen", NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestSim) other = test_restore_env_sim_start (MTK_WIPED);
	g_autoptr (IrTestRun) ok = test_restore_log_env_restore (server, dir, other->path, NULL);
	g_autoptr (IrTestRun) refused = NULL;
	g_autoptr (IrTestRun) again = NULL;
	g_autoptr (GSubprocess) holder = NULL;
	g_autoptr (GPtrArray) records = NULL;
	g_autofree char *holder_name = NULL;
	g_autofree char *held_by = NULL;
	g_autofree char *seen_before = NULL;
	g_autofree char *seen_after = NULL;
	g_autofree char *after = NULL;

	assert_int_equal (ok->exit_code, 0);
	assert_true (g_file_get_contents (seen_path, &seen_before, NULL, NULL));
	holder = ir_test_holder_spawn (sim->path);
	holder_name = ir_test_holder_describe (holder);
	held_by = g_strdup_printf ("in use by %s", holder_name);

	refused = test_restore_log_env_restore (server, dir, sim->path, NULL);
	ir_test_harness_assert_error (
	    refused, 3, "busy", held_by, "would take the phone's answers", NULL);
	assert_null (test_restore_env_json_path (refused, "token.id"));
	assert_null (test_restore_env_json_path (refused, "report.outcome"));
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, ZERO ";");
	assert_true (g_file_get_contents (seen_path, &seen_after, NULL, NULL));
	assert_string_equal (seen_after, seen_before);
	records = test_restore_log_env_records (dir);
	assert_int_equal (test_restore_log_count (records, "INTENT"), 1);

	g_subprocess_force_exit (holder);
	assert_true (g_subprocess_wait (holder, NULL, NULL));
	again = test_restore_log_env_restore (server, dir, sim->path, NULL);
	assert_int_equal (again->exit_code, 0);
	g_free (after);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, RT_QCT_IMEI1 ";");
}

/* ---- the tamper alarm ---- */

/* A byte changed inside the checkpointed part: restores stop before
 * any phone, naming the log, and the log is left as found. */
static void
test_restore_log_log_tampered_refuses (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = test_restore_log_state_dir (server, "ws");
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autoptr (IrTestSim) first = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestSim) second = test_restore_env_sim_start (MTK_WIPED);
	g_autoptr (IrTestRun) ok = test_restore_log_env_restore (server, dir, first->path, NULL);
	g_autoptr (IrTestRun) refused = NULL;
	g_autofree char *text = test_restore_log_env_log_text (dir);
	g_autofree char *after_text = NULL;
	g_autofree char *after = NULL;
	char *at;

	assert_int_equal (ok->exit_code, 0);
	/* the restored IMEI in the RESULT, one digit changed */
	at = strstr (strstr (text, "\"RESULT\""), RT_QCT_IMEI1);
	assert_non_null (at);
	at[3] = at[3] == '9' ? '8' : '9';
	assert_true (g_file_set_contents (path, text, -1, NULL));

	refused = test_restore_log_env_restore (server, dir, second->path, NULL);
	ir_test_harness_assert_error (
	    refused, 11, "read_only_log", "read-only", "migration-log.jsonl", "audit verify", NULL);
	after = test_restore_env_sim_imeis (second);
	assert_string_equal (after, ZERO ";" ZERO ";");
	after_text = test_restore_log_env_log_text (dir);
	assert_string_equal (after_text, text);
}

/* ---- recovery ---- */

typedef struct {
	const char *name;
	const char *sim_args;
	const char *crash_at;	 /* where the first restore is killed */
	gboolean by_restore;	 /* recovered by restore, else by recover PORT */
	const char *read_back;	 /* slot 1 as the recovery reads it */
	const char *verdict;	 /* words of the RESULT's reason */
	const char *state_after; /* once all is done */
} RecoverRow;

static const RecoverRow recover_rows[] = {
    {"killed after the write (quectel): restore recovers first",
     QCT_WIPED,
     "result",
     TRUE,
     RT_QCT_IMEI1,
     "holds the IMEIs the INTENT meant",
     RT_QCT_IMEI1 ";"},
    {"killed after the write (secure-restore-v1): matched by hardware id",
     SECURE_WIPED,
     "result",
     TRUE,
     RT_SR_IMEI1,
     "holds the IMEIs the INTENT meant",
     RT_SR_IMEI1 ";" RT_SR_IMEI2 ";"},
    {"killed after the INTENT, before the write: recover PORT",
     QCT_WIPED,
     "write",
     FALSE,
     ZERO,
     "nothing was written",
     ZERO ";"},
    {"killed after the write: recover PORT, nothing restored",
     MTK_WIPED,
     "result",
     FALSE,
     RT_MTK_IMEI1,
     "holds the IMEIs the INTENT meant",
     RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";"},
};

static void
test_restore_log_recover_row (void **state)
{
	const RecoverRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = test_restore_log_state_dir (server, "ws");
	g_autofree char *args = test_restore_log_sim_args (row->sim_args);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (args);
	g_autofree char *crash = g_strdup_printf ("IMEIRESTORE_TEST_CRASH_AT=%s", row->crash_at);
	const char *env[] = {crash, NULL};
	g_autoptr (IrTestRun) killed = test_restore_log_env_restore (server, dir, sim->path, env);
	g_autoptr (IrTestRun) listed = test_restore_log_env_recover (dir, NULL, TRUE);
	g_autoptr (IrTestRun) second = NULL;
	g_autoptr (IrTestRun) listed_after = NULL;
	g_autoptr (GPtrArray) before = test_restore_log_env_records (dir);
	g_autoptr (GPtrArray) records = NULL;
	g_autofree char *after = NULL;
	JsonArray *pending;
	const char *intent_id;
	JsonObject *recovered;
	int i_recovered;

	assert_int_equal (killed->exit_code, -9);
	assert_int_equal (listed->exit_code, 0);
	pending = json_object_get_array_member (json_node_get_object (listed->json), "pending");
	assert_int_equal (json_array_get_length (pending), 1);
	intent_id =
	    test_restore_log_env_string (json_array_get_object_element (pending, 0), "intent_id");
	assert_non_null (intent_id);
	assert_string_equal (
	    test_restore_log_env_type (g_ptr_array_index (before, before->len - 1)), "INTENT");

	second = row->by_restore ? test_restore_log_env_restore (server, dir, sim->path, NULL)
				 : test_restore_log_env_recover (dir, sim->path, FALSE);
	assert_int_equal (second->exit_code, 0);
	records = test_restore_log_env_records (dir);
	/* restore appends START first; the recovery comes right after, before
	 * anything else is done to the phone */
	i_recovered = test_restore_log_env_find (records, before->len, "RESULT", intent_id);
	assert_int_equal (i_recovered, (int)before->len + (row->by_restore ? 1 : 0));
	recovered = g_ptr_array_index (records, i_recovered);
	assert_string_equal (test_restore_log_env_string (recovered, "outcome"), "recovered");
	assert_non_null (strstr (test_restore_log_env_string (recovered, "reason"), row->verdict));
	assert_string_equal (json_array_get_string_element (
				 json_object_get_array_member (recovered, "imeis_read_back"), 0),
			     row->read_back);
	test_restore_log_env_assert_all_resolved (records);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, row->state_after);
	listed_after = test_restore_log_env_recover (dir, NULL, FALSE);
	assert_int_equal (listed_after->exit_code, 0);
	assert_non_null (strstr (listed_after->out, "No pending INTENT"));
}

/* Another phone is not taken for the one with the pending INTENT. */
static void
test_restore_log_recover_other_phone_untouched (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = test_restore_log_state_dir (server, "ws");
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (IrTestSim) other = test_restore_env_sim_start (MTK_WIPED);
	const char *env[] = {"IMEIRESTORE_TEST_CRASH_AT=result", NULL};
	g_autoptr (IrTestRun) killed = test_restore_log_env_restore (server, dir, sim->path, env);
	g_autoptr (IrTestRun) rec = test_restore_log_env_recover (dir, other->path, TRUE);
	g_autoptr (GPtrArray) records = test_restore_log_env_records (dir);
	JsonArray *pending;

	assert_int_equal (killed->exit_code, -9);
	assert_int_equal (rec->exit_code, 0);
	pending = json_object_get_array_member (json_node_get_object (rec->json), "pending");
	assert_int_equal (json_array_get_length (pending), 1);
	assert_int_equal (test_restore_log_env_find (records, 0, "RESULT", NULL), -1);
}

/* No log yet: recover says so and names the folder. */
static void
test_restore_log_recover_no_log (void **state)
{
	g_autofree char *dir = ir_test_harness_mkdtemp ();
	g_autoptr (IrTestRun) run = test_restore_log_env_recover (dir, NULL, FALSE);

	ir_test_harness_assert_error (run, 3, NULL, "no migration log in", dir, NULL);
	ir_test_harness_rmdir (dir);
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_restore_log_log_tampered_refuses),
	    cmocka_unit_test (test_restore_log_held_port_refused),
	    cmocka_unit_test (test_restore_log_recover_other_phone_untouched),
	    cmocka_unit_test (test_restore_log_recover_no_log),
	};
	int failed = ir_test_harness_run_table ("restore-log",
						test_restore_log_log_row,
						rows,
						sizeof (rows[0]),
						G_N_ELEMENTS (rows),
						extra,
						G_N_ELEMENTS (extra));

	return failed + ir_test_harness_run_table ("restore-log-recover",
						   test_restore_log_recover_row,
						   recover_rows,
						   sizeof (recover_rows[0]),
						   G_N_ELEMENTS (recover_rows),
						   NULL,
						   0);
}
