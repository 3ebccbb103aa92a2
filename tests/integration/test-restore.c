/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-restore-env.h"

/* imeictl restore end to end: every family against imei-sim and
 * imei-brandd on loopback, --all, and the cases with nothing to write. */

#define ZERO IR_TEST_IMEI_ZERO

typedef struct {
	const char *name;
	const char *sim_args;
	const char *state_after; /* the phone's state file: IMEIs ';'-separated */
	gboolean device_verifies;
} RestoreRow;

static const RestoreRow rows[] = {
    {"mediatek, both slots wiped",
     "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO,
     RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";",
     FALSE},
    {"mediatek, slot 2 a known-bad check digit",
     "--family mediatek --serial " RT_MTK2_SERIAL " --imei " RT_MTK2_IMEI1
     " --imei 356938035643800",
     RT_MTK2_IMEI1 ";" RT_MTK2_IMEI2 ";",
     FALSE},
    {"quectel, wiped",
     "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO,
     RT_QCT_IMEI1 ";",
     FALSE},
    {"simcom, malformed",
     "--family simcom --serial " RT_SIM_SERIAL " --imei 12345",
     RT_SIM_IMEI1 ";",
     FALSE},
    {"unisoc, wiped",
     "--family unisoc --serial " RT_UNI_SERIAL " --imei " ZERO " --imei " ZERO,
     RT_UNI_IMEI1 ";" RT_UNI_IMEI2 ";",
     FALSE},
    {"secure-restore-v1, wiped (the phone verifies)",
     "--family secure-restore-v1 --trust-store @PKI@/trust-store.conf --imei " ZERO " --imei " ZERO,
     RT_SR_IMEI1 ";" RT_SR_IMEI2 ";",
     TRUE},
};

static char *
test_restore_sim_args (const char *args)
{
	g_autoptr (GString) s = g_string_new (args);
	g_string_replace (s, "@PKI@", test_restore_env_pki (), 0);
	return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_restore_family (void **state)
{
	const RestoreRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autofree char *args = test_restore_sim_args (row->sim_args);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (args);
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, NULL);
	g_autofree char *after = NULL;
	JsonObject *root;

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (test_restore_env_json_path (run, "outcome"), "restored");
	assert_string_equal (test_restore_env_json_path (run, "report.outcome"), "success");
	assert_null (test_restore_env_error_code (run));
	root = json_node_get_object (run->json);
	assert_true (json_object_get_boolean_member (json_object_get_object_member (root, "report"),
						     "reported"));
	assert_int_equal (json_object_get_boolean_member (root, "device_verifies_token"),
			  row->device_verifies);
	assert_null (test_restore_env_json_path (run, "recovery_file"));
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, row->state_after);
	/* the same phone again: nothing to do, no token spent */
	{
		g_autoptr (IrTestRun) again =
		    test_restore_env_restore (server, sim->path, TRUE, NULL);
		assert_int_equal (again->exit_code, 0);
		assert_string_equal (test_restore_env_json_path (again, "outcome"),
				     "nothing_to_do");
		assert_null (test_restore_env_json_path (again, "token.id"));
	}
}

/* 3gpp has no write command: stop before any token is asked for. */
static void
test_restore_3gpp_not_supported (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim =
	    test_restore_env_sim_start ("--family 3gpp --serial SN-TELIT --imei " ZERO);
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, sim->path, TRUE, NULL);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	ir_test_harness_assert_error (
	    run, 5, "not_supported", "no IMEI write command", "no token", NULL);
	assert_string_equal (test_restore_env_json_path (run, "outcome"), "not_started");
	assert_null (test_restore_env_json_path (run, "token.id"));
	assert_string_equal (after, ZERO ";");
}

/* A human run prints the table and says a legacy phone cannot verify. */
static void
test_restore_text_output (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim =
	    test_restore_env_sim_start ("--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO);
	g_autofree char *pki_p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	g_autofree char *pki_ts =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	const char *env[] = {"IMEIRESTORE_P12_PASSPHRASE=imeirestore-dev", NULL};
	const char *argv[] = {"restore",
			      sim->path,
			      "--yes",
			      "--server",
			      server->url,
			      "--trust-store",
			      pki_ts,
			      "--p12",
			      pki_p12,
			      "--state-dir",
			      server->state_dir,
			      NULL};
	IrTestRunOptions opts = {.env = env};
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl_full (argv, &opts);

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (run->err, "");
	assert_non_null (strstr (run->out, "Restored the IMEIs on"));
	assert_non_null (strstr (run->out, RT_QCT_IMEI1));
	assert_non_null (strstr (run->out, "reported as success"));
	assert_non_null (strstr (run->out, "cannot verify the token itself"));
}

/* Three phones at once: one line each, exit code of the worst. */
static void
test_restore_all (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) a = test_restore_env_sim_start (
	    "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO);
	g_autoptr (IrTestSim) b =
	    test_restore_env_sim_start ("--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO);
	g_autoptr (IrTestSim) c =
	    test_restore_env_sim_start ("--family quectel --serial SN-NOBODY --imei " ZERO);
	g_autofree char *pki_p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	g_autofree char *pki_ts =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	const char *env[] = {
	    "IMEIRESTORE_P12_PASSPHRASE=imeirestore-dev", "IMEIRESTORE_SERVER=", NULL};
	const char *argv[] = {"restore",
			      "--all",
			      a->path,
			      b->path,
			      c->path,
			      "--yes",
			      "--server",
			      server->url,
			      "--trust-store",
			      pki_ts,
			      "--p12",
			      pki_p12,
			      "--state-dir",
			      server->state_dir,
			      NULL};
	IrTestRunOptions opts = {.env = env};
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl_full (argv, &opts);
	g_auto (GStrv) lines = g_strsplit (run->out, "\n", -1);
	g_autofree char *after_a = test_restore_env_sim_imeis (a);
	g_autofree char *after_c = test_restore_env_sim_imeis (c);

	/* unknown_device for c: the brand refused, exit 8 */
	assert_int_equal (run->exit_code, 8);
	assert_int_equal (g_strv_length (lines), 4); /* 3 lines and the empty tail */
	assert_true (g_str_has_prefix (lines[0], a->path));
	assert_non_null (strstr (lines[0], ": restored"));
	assert_non_null (strstr (lines[1], ": restored"));
	assert_non_null (strstr (lines[2], "not_started (exit 8)"));
	assert_non_null (strstr (lines[2], "unknown_device"));
	assert_string_equal (after_a, RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";");
	assert_string_equal (after_c, ZERO ";");
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_restore_3gpp_not_supported),
	    cmocka_unit_test (test_restore_text_output),
	    cmocka_unit_test (test_restore_all),
	};

	return ir_test_harness_run_table ("restore",
					  test_restore_family,
					  rows,
					  sizeof (rows[0]),
					  G_N_ELEMENTS (rows),
					  extra,
					  G_N_ELEMENTS (extra));
}
