/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-engine.h"
#include "ir-error.h"
#include "test-restore-log-env.h"
#include "ir-protocols.h"

/* IrEngine alone, driven from a plain GMainLoop on the main thread as a
 * front end drives it: real imei-sim phones on pseudo-terminals, the real
 * imei-brandd on loopback with a PKI generated for the run. Progress
 * arrives in order on the caller's context; a cancel before the commit
 * point and a "no" both write nothing; eight phones restore at once with
 * a progress each; a pending INTENT is recovered before the new restore
 * touches the phone. */

#define ZERO	    IR_TEST_IMEI_ZERO
#define QCT_WIPED   "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define ENG_TAC	    "35209901"
#define ENG_PHONES  8
#define ENG_TIMEOUT 60

typedef enum {
	ANSWER_YES,
	ANSWER_NO_LATER, /* from an idle, after the callback returned */
	ANSWER_CANCEL,	 /* cancel the operation instead of answering */
} Answer;

/* What one test run collects on the main context. */
typedef struct {
	GMainLoop *loop;
	GMainContext *context;
	GThread *main_thread;
	GCancellable *cancellable;
	Answer answer;
	GArray *stages; /* IrRestoreStage, as "changed" delivered them */
	guint n_wrong_thread;
	guint n_confirms;
	gboolean confirm_after_confirm_stage;
	gboolean write_in_flight_seen;
	gboolean write_in_flight_outside_write;
	gboolean done;
	gboolean progress_after_done;
	GPtrArray *children;	  /* IrProgress of a batch */
	GHashTable *child_stages; /* IrProgress → GArray of stages */
	IrRestoreResult *result;
	GPtrArray *results;
	GError *error;
} TestEngineRun;

static void
test_engine_run_clear (TestEngineRun *run)
{
	g_main_loop_unref (run->loop);
	g_object_unref (run->cancellable);
	g_array_unref (run->stages);
	g_ptr_array_unref (run->children);
	g_hash_table_unref (run->child_stages);
	ir_restore_result_free (run->result);
	if (run->results != NULL)
		g_ptr_array_unref (run->results);
	g_clear_error (&run->error);
}

static void
test_engine_run_init (TestEngineRun *run, Answer answer)
{
	memset (run, 0, sizeof (*run));
	run->context = g_main_context_default ();
	run->loop = g_main_loop_new (run->context, FALSE);
	run->main_thread = g_thread_self ();
	run->cancellable = g_cancellable_new ();
	run->answer = answer;
	run->stages = g_array_new (FALSE, FALSE, sizeof (IrRestoreStage));
	run->children = g_ptr_array_new_with_free_func (g_object_unref);
	run->child_stages = g_hash_table_new_full (
	    g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_array_unref);
}

static void
test_engine_check_thread (TestEngineRun *run)
{
	if (g_thread_self () != run->main_thread || !g_main_context_is_owner (run->context))
		run->n_wrong_thread++;
}

static void
test_engine_on_changed (IrProgress *progress, TestEngineRun *run)
{
	IrRestoreStage stage = ir_progress_get_stage (progress);
	GArray *stages = g_hash_table_lookup (run->child_stages, progress);

	test_engine_check_thread (run);
	if (run->done)
		run->progress_after_done = TRUE;
	if (stages == NULL)
		stages = run->stages;
	/* a batch's own "changed" repeats its stage when a child moves */
	if (stages->len == 0 || g_array_index (stages, IrRestoreStage, stages->len - 1) != stage)
		g_array_append_val (stages, stage);
	if (ir_progress_get_write_in_flight (progress)) {
		run->write_in_flight_seen = TRUE;
		if (stage != IR_RESTORE_STAGE_WRITE && stage != IR_RESTORE_STAGE_READ_BACK)
			run->write_in_flight_outside_write = TRUE;
	}
}

static void
test_engine_on_child_added (IrProgress *progress, IrProgress *child, TestEngineRun *run)
{
	test_engine_check_thread (run);
	g_ptr_array_add (run->children, g_object_ref (child));
	g_hash_table_insert (
	    run->child_stages, child, g_array_new (FALSE, FALSE, sizeof (IrRestoreStage)));
	g_signal_connect (child, "changed", G_CALLBACK (test_engine_on_changed), run);
}

static gboolean
test_engine_answer_no (gpointer data)
{
	ir_restore_plan_answer (data, FALSE);
	return G_SOURCE_REMOVE;
}

static void
test_engine_confirm (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	TestEngineRun *run = user_data;

	test_engine_check_thread (run);
	run->n_confirms++;
	run->confirm_after_confirm_stage =
	    run->stages->len > 0 &&
	    g_array_index (run->stages, IrRestoreStage, run->stages->len - 1) ==
		IR_RESTORE_STAGE_CONFIRM;
	assert_non_null (ir_restore_plan_get_token_id (plan));
	assert_non_null (ir_restore_plan_get_slots (plan));
	switch (run->answer) {
	case ANSWER_YES:
		ir_restore_plan_answer (plan, TRUE);
		break;
	case ANSWER_NO_LATER:
		g_idle_add_full (
		    G_PRIORITY_DEFAULT, test_engine_answer_no, g_object_ref (plan), g_object_unref);
		break;
	case ANSWER_CANCEL:
	default:
		g_cancellable_cancel (run->cancellable);
		break;
	}
}

static void
test_engine_restore_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	TestEngineRun *run = user_data;

	test_engine_check_thread (run);
	run->result = ir_engine_restore_finish (IR_ENGINE (source), res, &run->error);
	run->done = TRUE;
	g_main_loop_quit (run->loop);
}

static void
test_engine_many_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	TestEngineRun *run = user_data;

	test_engine_check_thread (run);
	run->results = ir_engine_restore_many_finish (IR_ENGINE (source), res, &run->error);
	run->done = TRUE;
	g_main_loop_quit (run->loop);
}

static gboolean
test_engine_timeout (gpointer user_data)
{
	fail_msg ("the engine did not finish in %u s", ENG_TIMEOUT);
	return G_SOURCE_REMOVE;
}

static void
test_engine_run_loop (TestEngineRun *run)
{
	guint id = g_timeout_add_seconds (ENG_TIMEOUT, test_engine_timeout, run);

	g_main_loop_run (run->loop);
	g_source_remove (id);
	/* anything still queued would show up now */
	while (g_main_context_iteration (run->context, FALSE))
		;
}

static IrEngine *
test_engine_open (RtServer *server, const char *state_dir)
{
	const char *pki = test_restore_env_pki ();
	g_autofree char *ts = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *cert = g_build_filename (pki, "technician-alice.pem", NULL);
	g_autofree char *key = g_build_filename (pki, "technician-alice.key", NULL);
	IrEngineConfig cfg = {
	    .server_url = server->url,
	    .trust_store_path = ts,
	    .cert_path = cert,
	    .key_path = key,
	    .state_dir = state_dir,
	    .workstation = "ws-test-1", /* as test_restore_log_env_restore() */
	};
	g_autoptr (IrEngine) engine = ir_engine_new ();
	g_autoptr (GError) error = NULL;

	if (!ir_engine_open (engine, &cfg, &error))
		fail_msg ("ir_engine_open: %s", error->message);
	return g_steal_pointer (&engine);
}

static void
test_engine_restore (IrEngine *engine, const char *port, TestEngineRun *run)
{
	g_autoptr (IrProgress) progress = ir_progress_new ();

	g_signal_connect (progress, "changed", G_CALLBACK (test_engine_on_changed), run);
	ir_engine_restore_async (engine,
				 port,
				 progress,
				 test_engine_confirm,
				 run,
				 run->cancellable,
				 test_engine_restore_done,
				 run);
	test_engine_run_loop (run);
	assert_null (run->error);
	assert_non_null (run->result);
	assert_int_equal (run->n_wrong_thread, 0);
	assert_false (run->progress_after_done);
}

static void
test_engine_assert_stages (GArray *got, const IrRestoreStage *want, guint n_want)
{
	g_autoptr (GString) text = g_string_new (NULL);

	for (guint i = 0; i < got->len; i++)
		g_string_append_printf (
		    text,
		    "%s ",
		    ir_restore_stage_to_string (g_array_index (got, IrRestoreStage, i)));
	if (got->len != n_want)
		fail_msg ("stages: %s(%u, not %u)", text->str, got->len, n_want);
	for (guint i = 0; i < n_want; i++) {
		if (g_array_index (got, IrRestoreStage, i) != want[i])
			fail_msg ("stages: %s(stage %u is not %s)",
				  text->str,
				  i,
				  ir_restore_stage_to_string (want[i]));
	}
}

static guint
test_engine_count (GPtrArray *records, const char *type)
{
	guint n = 0;

	for (guint i = 0; i < records->len; i++)
		n += g_strcmp0 (test_restore_log_env_type (g_ptr_array_index (records, i)), type) ==
			     0
			 ? 1
			 : 0;
	return n;
}

/* ---- the tests ---- */

static void
test_engine_progress_in_order (void **state)
{
	static const IrRestoreStage want[] = {
	    IR_RESTORE_STAGE_OPEN,
	    IR_RESTORE_STAGE_IDENTIFY,
	    IR_RESTORE_STAGE_DIAGNOSE,
	    IR_RESTORE_STAGE_TOKEN,
	    IR_RESTORE_STAGE_VERIFY,
	    IR_RESTORE_STAGE_CONFIRM,
	    IR_RESTORE_STAGE_INTENT,
	    IR_RESTORE_STAGE_WRITE,
	    IR_RESTORE_STAGE_READ_BACK,
	    IR_RESTORE_STAGE_REPORT,
	    IR_RESTORE_STAGE_DONE,
	};
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *dir = g_build_filename (server->dir, "eng-progress", NULL);
	g_autoptr (IrEngine) engine = test_engine_open (server, dir);
	g_autofree char *imeis = NULL;
	TestEngineRun run;

	test_engine_run_init (&run, ANSWER_YES);
	test_engine_restore (engine, sim->path, &run);
	assert_int_equal (run.result->outcome, IR_RESTORE_RESTORED);
	test_engine_assert_stages (run.stages, want, G_N_ELEMENTS (want));
	assert_int_equal (run.n_confirms, 1);
	assert_true (run.confirm_after_confirm_stage);
	assert_true (run.write_in_flight_seen);
	assert_false (run.write_in_flight_outside_write);
	imeis = test_restore_env_sim_imeis (sim);
	assert_string_equal (imeis, RT_QCT_IMEI1 ";");
	test_engine_run_clear (&run);
}

/* Cancelled while the plan waits (the last step before the commit
 * point): nothing written, the token reported aborted, no INTENT. */
static void
test_engine_cancel_before_commit (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *dir = g_build_filename (server->dir, "eng-cancel", NULL);
	g_autoptr (IrEngine) engine = test_engine_open (server, dir);
	g_autoptr (GPtrArray) records = NULL;
	g_autoptr (GPtrArray) pending = NULL;
	g_autofree char *imeis = NULL;
	g_autoptr (GError) error = NULL;
	TestEngineRun run;

	test_engine_run_init (&run, ANSWER_CANCEL);
	test_engine_restore (engine, sim->path, &run);
	assert_int_equal (run.result->outcome, IR_RESTORE_NOT_STARTED);
	assert_int_equal (run.result->stage, IR_RESTORE_STAGE_CONFIRM);
	assert_true (g_error_matches (run.result->error, IR_ERROR, IR_ERROR_CANCELLED));
	assert_false (run.write_in_flight_seen);
	assert_string_equal (run.result->report_outcome, "aborted");
	imeis = test_restore_env_sim_imeis (sim);
	assert_string_equal (imeis, ZERO ";");
	records = test_restore_log_env_records (dir);
	assert_int_equal (test_engine_count (records, "INTENT"), 0);
	assert_int_equal (test_engine_count (records, "START"), 1);
	pending = ir_engine_get_pending (engine, &error);
	assert_non_null (pending);
	assert_int_equal (pending->len, 0);
	test_engine_run_clear (&run);
}

/* The technician says no, later than the question (as a dialog does). */
static void
test_engine_confirm_no (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *dir = g_build_filename (server->dir, "eng-no", NULL);
	g_autoptr (IrEngine) engine = test_engine_open (server, dir);
	g_autoptr (GPtrArray) records = NULL;
	g_autofree char *imeis = NULL;
	TestEngineRun run;

	test_engine_run_init (&run, ANSWER_NO_LATER);
	test_engine_restore (engine, sim->path, &run);
	assert_int_equal (run.result->outcome, IR_RESTORE_DECLINED);
	assert_int_equal (run.n_confirms, 1);
	assert_false (run.write_in_flight_seen);
	assert_string_equal (run.result->report_outcome, "aborted");
	assert_true (run.result->reported);
	imeis = test_restore_env_sim_imeis (sim);
	assert_string_equal (imeis, ZERO ";");
	records = test_restore_log_env_records (dir);
	assert_int_equal (test_engine_count (records, "INTENT"), 0);
	test_engine_run_clear (&run);
}

/* No confirm at all is not "go on". */
static void
test_engine_null_confirm (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *dir = g_build_filename (server->dir, "eng-null", NULL);
	g_autoptr (IrEngine) engine = test_engine_open (server, dir);
	g_autofree char *imeis = NULL;
	TestEngineRun run;

	test_engine_run_init (&run, ANSWER_YES);
	ir_engine_restore_async (
	    engine, sim->path, NULL, NULL, NULL, run.cancellable, test_engine_restore_done, &run);
	test_engine_run_loop (&run);
	assert_non_null (run.result);
	assert_int_equal (run.result->outcome, IR_RESTORE_NOT_STARTED);
	assert_int_equal (run.result->stage, IR_RESTORE_STAGE_CONFIRM);
	imeis = test_restore_env_sim_imeis (sim);
	assert_string_equal (imeis, ZERO ";");
	test_engine_run_clear (&run);
}

/* ENG_PHONES Quectel phones ENG-00.. registered with the server, wiped,
 * in one imei-sim; their paths. */
static GPtrArray *
test_engine_start_phones (RtServer *server, GSubprocess **proc)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1\n");
	g_autoptr (GString) ini = g_string_new (NULL);
	g_autofree char *csv_path = NULL;
	g_autofree char *ini_path = NULL;
	g_autofree char *cmd = NULL;
	g_autoptr (GDataInputStream) out = NULL;
	g_autoptr (GError) error = NULL;
	GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i < ENG_PHONES; i++) {
		g_autofree char *id = g_strdup_printf (ENG_TAC "%06u", i + 1);
		g_string_append_printf (csv,
					"ENG-%02u,,Quectel,EC25," ENG_TAC ",%s%c\n",
					i,
					id,
					ir_imei_check_digit (id));
		g_string_append_printf (ini,
					"[phone p%u]\nfamily=quectel\nserial=ENG-%02u\nimei=" ZERO
					"\nlatency=20\n",
					i,
					i);
	}
	csv_path = ir_test_harness_write_file (server->dir, "engine-devices.csv", csv->str);
	ini_path = ir_test_harness_write_file (server->dir, "engine-phones.ini", ini->str);
	cmd = g_strdup_printf ("'%s' import --db '%s' '%s' >/dev/null",
			       g_getenv ("IMEI_BRANDD"),
			       server->db,
			       csv_path);
	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	*proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				  &error,
				  g_getenv ("IMEI_SIM"),
				  "--config",
				  ini_path,
				  NULL);
	if (*proc == NULL)
		fail_msg ("cannot start imei-sim: %s", error->message);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
	for (;;) {
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
		const char *space;
		if (line == NULL)
			fail_msg ("imei-sim exited before ready");
		if (g_strcmp0 (line, "ready") == 0)
			break;
		space = strchr (line, ' ');
		if (space != NULL)
			g_ptr_array_add (paths, g_strdup (space + 1));
	}
	assert_int_equal (paths->len, ENG_PHONES);
	return paths;
}

static void
test_engine_many (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *dir = g_build_filename (server->dir, "eng-many", NULL);
	g_autoptr (IrEngine) engine = test_engine_open (server, dir);
	g_autoptr (IrProgress) progress = ir_progress_new ();
	g_autoptr (GSubprocess) sim = NULL;
	g_autoptr (GPtrArray) paths = test_engine_start_phones (server, &sim);
	g_autoptr (GPtrArray) records = NULL;
	TestEngineRun run;

	test_engine_run_init (&run, ANSWER_YES);
	g_ptr_array_add (paths, NULL);
	g_signal_connect (progress, "child-added", G_CALLBACK (test_engine_on_child_added), &run);
	g_signal_connect (progress, "changed", G_CALLBACK (test_engine_on_changed), &run);
	ir_engine_restore_many_async (engine,
				      (const char *const *)paths->pdata,
				      progress,
				      test_engine_confirm,
				      &run,
				      run.cancellable,
				      test_engine_many_done,
				      &run);
	test_engine_run_loop (&run);
	g_ptr_array_remove_index (paths, paths->len - 1);
	assert_null (run.error);
	assert_int_equal (run.n_wrong_thread, 0);
	assert_false (run.progress_after_done);
	assert_int_equal (run.results->len, ENG_PHONES);
	assert_int_equal (run.children->len, ENG_PHONES);
	assert_int_equal (run.n_confirms, ENG_PHONES);
	assert_int_equal (ir_progress_get_percentage (progress), 100);
	for (guint i = 0; i < ENG_PHONES; i++) {
		IrRestoreResult *r = g_ptr_array_index (run.results, i);
		IrProgress *child = g_ptr_array_index (run.children, i);
		GArray *stages = g_hash_table_lookup (run.child_stages, child);
		/* children come in port order, each with its own stages */
		assert_string_equal (ir_progress_get_port (child), g_ptr_array_index (paths, i));
		assert_string_equal (r->port, g_ptr_array_index (paths, i));
		assert_int_equal (r->outcome, IR_RESTORE_RESTORED);
		assert_int_equal (g_array_index (stages, IrRestoreStage, 0), IR_RESTORE_STAGE_OPEN);
		assert_int_equal (g_array_index (stages, IrRestoreStage, stages->len - 1),
				  IR_RESTORE_STAGE_DONE);
		assert_int_equal (stages->len, 11);
		assert_int_equal (ir_progress_get_percentage (child), 100);
	}
	records = test_restore_log_env_records (dir);
	assert_int_equal (test_engine_count (records, "INTENT"), ENG_PHONES);
	test_restore_log_env_assert_all_resolved (records);
	g_subprocess_send_signal (sim, SIGTERM);
	g_subprocess_wait (sim, NULL, NULL);
	test_engine_run_clear (&run);
}

/* imeictl killed after its INTENT, just before the write, leaves a
 * pending INTENT: the engine's next restore of that phone records what
 * the phone holds first ("recovered", still wiped), before its own
 * identify, token and INTENT. */
static void
test_engine_recovers_first (void **state)
{
	static const IrRestoreStage want[] = {
	    IR_RESTORE_STAGE_OPEN,
	    IR_RESTORE_STAGE_RECOVER,
	    IR_RESTORE_STAGE_IDENTIFY,
	    IR_RESTORE_STAGE_DIAGNOSE,
	    IR_RESTORE_STAGE_TOKEN,
	    IR_RESTORE_STAGE_VERIFY,
	    IR_RESTORE_STAGE_CONFIRM,
	    IR_RESTORE_STAGE_INTENT,
	    IR_RESTORE_STAGE_WRITE,
	    IR_RESTORE_STAGE_READ_BACK,
	    IR_RESTORE_STAGE_REPORT,
	    IR_RESTORE_STAGE_DONE,
	};
	const char *env[] = {"IMEIRESTORE_TEST_CRASH_AT=write", NULL};
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QCT_WIPED);
	g_autofree char *dir = g_build_filename (server->dir, "eng-recover", NULL);
	g_autoptr (IrTestRun) crashed = test_restore_log_env_restore (server, dir, sim->path, env);
	g_autoptr (IrEngine) engine = NULL;
	g_autoptr (GPtrArray) records = NULL;
	const char *intent_id;
	int first, recovered, start2, second;
	TestEngineRun run;

	assert_int_equal (crashed->exit_code, -SIGKILL);
	engine = test_engine_open (server, dir);
	test_engine_run_init (&run, ANSWER_YES);
	test_engine_restore (engine, sim->path, &run);
	assert_int_equal (run.result->outcome, IR_RESTORE_RESTORED);
	test_engine_assert_stages (run.stages, want, G_N_ELEMENTS (want));
	records = test_restore_log_env_records (dir);
	first = test_restore_log_env_find (records, 0, "INTENT", NULL);
	assert_true (first >= 0);
	intent_id = test_restore_log_env_string (g_ptr_array_index (records, first), "intent_id");
	recovered = test_restore_log_env_find (records, 0, "RESULT", intent_id);
	start2 = test_restore_log_env_find (records, 1, "START", NULL);
	second = test_restore_log_env_find (records, (guint)first + 1, "INTENT", NULL);
	/* the engine's START, then the recovery, then the new INTENT */
	assert_true (start2 > first);
	assert_true (recovered > start2);
	assert_true (second > recovered);
	assert_string_equal (
	    test_restore_log_env_string (g_ptr_array_index (records, recovered), "outcome"),
	    "recovered");
	test_restore_log_env_assert_all_resolved (records);
	test_engine_run_clear (&run);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_engine_progress_in_order),
	    cmocka_unit_test (test_engine_cancel_before_commit),
	    cmocka_unit_test (test_engine_confirm_no),
	    cmocka_unit_test (test_engine_null_confirm),
	    cmocka_unit_test (test_engine_many),
	    cmocka_unit_test (test_engine_recovers_first),
	};

	ir_protocols_register ();
	return cmocka_run_group_tests_name ("engine", tests, NULL, NULL);
}
