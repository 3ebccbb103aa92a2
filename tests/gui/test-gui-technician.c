/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ir-audit.h"
#include "ir-gui-test.h"
#include "test-restore-env.h"

/* The technician's side of the real app against the real imei-brandd on
 * 127.0.0.1 and imei-sim phones, driven through the window's actions and
 * the widgets' own buttons: sign-in failures (wrong passphrase, server
 * down), two phones restored at once with "Restore all eligible", a
 * scanned IMEI, then the failure paths (token refused, phone unplugged in
 * the middle of the write, server gone), each ending with the right words
 * on the done page and a complete migration log. A PNG of each step goes
 * to tests/gui/screenshots/ in the build folder. */

#define ZERO	      "000000000000000"
#define MTK_WIPED     "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO
#define MTK2_WIPED    "--family mediatek --serial " RT_MTK2_SERIAL " --imei " ZERO " --imei " ZERO
#define QCT_WIPED     "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define UNKNOWN_WIPED "--family mediatek --serial SN-NOT-REGISTERED --imei " ZERO
#define SIM_WIPED     "--family simcom --serial " RT_SIM_SERIAL " --imei " ZERO
/* each answer takes this long, so that the write and verify pages are on
 * screen long enough to be seen (and photographed) */
#define SLOW " --latency 150"

typedef struct {
	RtServer *server;
	char *tmp;
	char *state_dir;
	char *passphrase;
	IrGuiApp *gui;
	IrWorkbench *bench;
	GPtrArray *sims; /* IrTestSim, stopped at the end */
	/* what the phones' "changed" handler saw */
	gboolean saw_inhibited;
	gboolean saw_unplug_warning;
	GHashTable *shot; /* pages already photographed */
} Env;

static GSettings *
test_gui_technician_settings (Env *env)
{
	return ir_app_get_settings (env->gui->app);
}

/* The brand's rollout policy: phase p1 open now for the MediaTek and
 * Quectel phones of these tests, phase p2 for SIMCom phones opening in two
 * days; alice's centre DL-0001 is in circle DL. */
static void
test_gui_technician_publish_policy (RtServer *server)
{
	g_autofree char *yesterday = test_restore_env_policy_day (-1);
	g_autofree char *tomorrow = test_restore_env_policy_day (1);
	g_autofree char *later = test_restore_env_policy_day (2);
	g_autofree char *end = test_restore_env_policy_day (20);
	g_autofree char *json = g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 1,"
	    " \"issued\": \"2025-12-01T00:00:00+05:30\", \"expires\": \"%sT00:00:00+05:30\","
	    " \"centres\": {\"DL-0001\": \"DL\"},"
	    " \"phases\": [{\"id\": \"p1\", \"title\": \"Delhi MediaTek\", \"state\": \"active\","
	    "  \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    "  \"eligibility\": {\"models\": [\"MT6765\", \"EC25\"], \"circles\": [\"DL\"]},"
	    "  \"centre_daily_cap\": 10, \"national_daily_cap\": 100},"
	    " {\"id\": \"p2\", \"title\": \"Delhi SIMCom\", \"state\": \"active\","
	    "  \"window\": {\"start\": \"%s\", \"end\": \"%s\"},"
	    "  \"eligibility\": {\"models\": [\"SIMCOM_SIM7600E-H\"], \"circles\": [\"DL\"]},"
	    "  \"centre_daily_cap\": 5, \"national_daily_cap\": 50}]}\n",
	    end,
	    yesterday,
	    tomorrow,
	    later,
	    end);

	test_restore_env_policy_publish (server, json);
}

static int
test_gui_technician_setup (void **state)
{
	Env *env = g_new0 (Env, 1);
	g_autofree char *pass_file =
	    g_build_filename (test_restore_env_pki (), "pkcs12-passphrase.txt", NULL);
	g_autofree char *p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	g_autofree char *trust =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);

	assert_true (g_file_get_contents (pass_file, &env->passphrase, NULL, NULL));
	g_strstrip (env->passphrase);
	env->server = test_restore_env_server_start (NULL);
	test_gui_technician_publish_policy (env->server);
	env->tmp = ir_test_harness_mkdtemp ();
	env->state_dir = g_build_filename (env->tmp, "state", NULL);
	env->sims = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_test_harness_sim_free);
	env->shot = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	env->gui = ir_gui_app_start ();
	env->bench = ir_app_window_get_workbench (env->gui->window);
	g_settings_set_string (test_gui_technician_settings (env), "credential", p12);
	g_settings_set_string (test_gui_technician_settings (env), "trust-store", trust);
	g_settings_set_string (test_gui_technician_settings (env), "state-dir", env->state_dir);
	g_settings_set_string (test_gui_technician_settings (env), "server-url", env->server->url);
	*state = env;
	return 0;
}

static int
test_gui_technician_teardown (void **state)
{
	Env *env = *state;

	ir_gui_app_free (env->gui);
	g_ptr_array_unref (env->sims);
	g_hash_table_unref (env->shot);
	test_restore_env_server_free (env->server);
	ir_test_harness_rmdir (env->tmp);
	g_free (env->tmp);
	g_free (env->state_dir);
	g_free (env->passphrase);
	g_free (env);
	return 0;
}

/* Types @passphrase and presses Sign In; returns the error shown, if any. */
static char *
test_gui_technician_sign_in (Env *env, const char *passphrase)
{
	return ir_gui_test_sign_in (env->gui, passphrase);
}

static char *
test_gui_technician_log_path (Env *env)
{
	return g_build_filename (env->state_dir, "migration-log.jsonl", NULL);
}

static IrAuditReport *
test_gui_technician_verify_log (Env *env)
{
	g_autofree char *path = test_gui_technician_log_path (env);
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (path, NULL);
	IrAuditVerifyOptions options = {0};
	g_autoptr (GError) error = NULL;
	IrAuditReport *report;

	assert_non_null (paths);
	report = ir_audit_verify (paths, &options, NULL, &error);
	if (report == NULL)
		fail_msg ("cannot verify the log: %s", error->message);
	if (report->error != NULL)
		fail_msg ("the log does not verify: %s", report->error->message);
	return report;
}

/* A wrong passphrase: said in words; nothing is created on disk. */
static void
test_gui_technician_wrong_passphrase (void **state)
{
	Env *env = *state;
	g_autofree char *error = test_gui_technician_sign_in (env, "not-the-passphrase");
	g_autofree char *log = test_gui_technician_log_path (env);

	assert_non_null (error);
	assert_non_null (strstr (error, "Wrong passphrase"));
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "signin");
	assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-wrong-passphrase");
}

/* Signs in with the PKI's certificate @name (PKCS#12, the run's
 * passphrase); the error shown. Alice's is set again after. */
static char *
test_gui_technician_sign_in_as (Env *env, const char *name)
{
	g_autofree char *p12 = g_strdup_printf ("%s/%s.p12", test_restore_env_pki (), name);
	g_autofree char *alice =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	char *error;

	g_settings_set_string (test_gui_technician_settings (env), "credential", p12);
	error = test_gui_technician_sign_in (env, env->passphrase);
	g_settings_set_string (test_gui_technician_settings (env), "credential", alice);
	return error;
}

/* An expired certificate: said before the server is asked. */
static void
test_gui_technician_expired (void **state)
{
	Env *env = *state;
	g_autofree char *error = test_gui_technician_sign_in_as (env, "technician-expired");

	assert_non_null (error);
	if (strstr (error, "This certificate cannot be used") == NULL ||
	    strstr (error, "expired") == NULL)
		fail_msg ("the info bar says: %s", error);
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "signin");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-expired");
}

/* A certificate the brand revoked (imei-brandd cert revoke): the server
 * refuses it, and the info bar says to ask the centre's administrator. */
static void
test_gui_technician_revoked (void **state)
{
	Env *env = *state;
	g_autofree char *cmd = g_strdup_printf (
	    "serial=$(openssl x509 -noout -serial -in '%s/technician-revoked.pem' | cut -d= -f2) "
	    "&& "
	    "'%s' cert revoke \"$serial\" --reason 'laptop stolen' --db '%s' >/dev/null",
	    test_restore_env_pki (),
	    g_getenv ("IMEI_BRANDD"),
	    env->server->db);
	g_autofree char *error = NULL;

	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	error = test_gui_technician_sign_in_as (env, "technician-revoked");
	assert_non_null (error);
	if (strstr (error, "Your certificate was revoked") == NULL)
		fail_msg ("the info bar says: %s", error);
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "signin");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-revoked");
}

/* A port of 127.0.0.1 where nothing listens, for as long as @socket (the
 * caller's) stays open: bound without listening, so that a connection is
 * refused, and bound without SO_REUSEADDR, so that no other process (a
 * test running beside this one) can start a server on it meanwhile. */
static char *
test_gui_technician_dead_url (GSocket **socket)
{
	g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
	g_autoptr (GSocketAddress) bound = NULL;
	guint16 port;

	*socket =
	    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	assert_true (g_socket_bind (*socket, any, FALSE, NULL));
	bound = g_socket_get_local_address (*socket, NULL);
	port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
	return g_strdup_printf ("https://127.0.0.1:%u", port);
}

/* The server down at sign-in: said in words, the workbench stays closed. */
static void
test_gui_technician_server_down_at_signin (void **state)
{
	Env *env = *state;
	g_autoptr (GSocket) socket = NULL;
	g_autofree char *dead = test_gui_technician_dead_url (&socket);
	g_autofree char *error = NULL;

	g_settings_set_string (test_gui_technician_settings (env), "server-url", dead);
	error = test_gui_technician_sign_in (env, env->passphrase);
	assert_non_null (error);
	assert_non_null (strstr (error, "cannot be reached"));
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "signin");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-server-down");
	g_settings_set_string (test_gui_technician_settings (env), "server-url", env->server->url);
}

static void
test_gui_technician_signed_in (void **state)
{
	Env *env = *state;
	g_autofree char *error = NULL;
	const char *identity;

	ir_signin_page_set_passphrase (ir_app_window_get_signin_page (env->gui->window), "••••");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "step-0-signin");
	error = test_gui_technician_sign_in (env, env->passphrase);
	assert_null (error);
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "workbench");
	/* who, in which role, for which centre: from the certificate
	 * (gen-dev-pki.sh: alice of DL-0001) */
	identity = ir_workbench_get_identity (env->bench);
	if (strstr (identity, "alice") == NULL ||
	    strstr (identity, " · technician at DL-0001") == NULL)
		fail_msg ("the workbench shows \"%s\" as who is signed in", identity);
	/* the technician actions are on now */
	assert_true (
	    g_action_group_get_action_enabled (G_ACTION_GROUP (env->gui->window), "restore-all"));
}

typedef struct {
	IrWorkbench *bench;
	const char *port;
	IrPhoneState state;
} IrGuiPhoneWait;

static gboolean
test_gui_technician_phone_in (gpointer data)
{
	IrGuiPhoneWait *wait = data;
	IrPhone *phone = ir_workbench_get_phone (wait->bench, wait->port);

	return phone != NULL && ir_phone_get_state (phone) == wait->state;
}

static void
test_gui_technician_wait_state (Env *env, const char *port, IrPhoneState state, const char *what)
{
	IrGuiPhoneWait wait = {env->bench, port, state};

	ir_gui_test_wait (test_gui_technician_phone_in, &wait, what);
}

/* Every change of a phone: whether suspend was inhibited and "Do not
 * unplug" shown while it was written, and a picture of each step the
 * first time it is on screen. */
static void
test_gui_technician_phone_changed (IrPhone *phone, gpointer user_data)
{
	Env *env = user_data;
	IrPhoneView *view = ir_workbench_get_view (env->bench, ir_phone_get_port (phone));
	const char *step = ir_phone_view_get_step (view);
	g_autofree char *name = g_strdup_printf ("step-%s", step);

	if (ir_phone_get_writing (phone)) {
		env->saw_inhibited = env->saw_inhibited || ir_workbench_get_inhibited (env->bench);
		env->saw_unplug_warning = TRUE;
	}
	ir_workbench_select (env->bench, ir_phone_get_port (phone));
	if ((g_strcmp0 (step, "write") == 0 || g_strcmp0 (step, "verify") == 0 ||
	     g_strcmp0 (step, "authorise") == 0) &&
	    !g_hash_table_contains (env->shot, name)) {
		g_hash_table_add (env->shot, g_strdup (name));
		ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), name);
	}
}

/* Starts a phone and adds it by @port (NULL: its pseudo-terminal). */
static IrTestSim *
test_gui_technician_add_phone_at (Env *env, const char *args, const char *port)
{
	IrTestSim *sim = test_restore_env_sim_start (args);
	g_autoptr (GError) error = NULL;

	if (port != NULL) {
		g_free (sim->path);
		sim->path = g_strdup (port);
	}
	g_ptr_array_add (env->sims, sim);
	if (!ir_workbench_add_port (env->bench, sim->path, &error))
		fail_msg ("cannot add %s: %s", sim->path, error->message);
	g_signal_connect (ir_workbench_get_phone (env->bench, sim->path),
			  "changed",
			  G_CALLBACK (test_gui_technician_phone_changed),
			  env);
	return sim;
}

static IrTestSim *
test_gui_technician_add_phone (Env *env, const char *args)
{
	return test_gui_technician_add_phone_at (env, args, NULL);
}

/* The policy in force is shown after sign-in; a phone whose phase opens
 * in two days is listed as not eligible, with the phase and when it
 * opens in the policy's local time, and is left out of "Restore all". */
static void
test_gui_technician_policy (void **state)
{
	Env *env = *state;
	g_autofree char *shown = ir_workbench_get_policy_text (env->bench);
	g_autofree char *opens = test_restore_env_policy_day (2);
	g_autofree char *when = g_strdup_printf ("opens %s 00:00 IST (Asia/Kolkata)", opens);
	IrTestSim *sim = test_gui_technician_add_phone (env, SIM_WIPED);
	IrPhoneRow *row;
	const IrEligibility *elig;

	assert_non_null (strstr (shown, "Rollout policy version 1, expires"));
	assert_non_null (strstr (shown, "p1 “Delhi MediaTek”: active"));
	assert_non_null (strstr (shown, "p2 “Delhi SIMCom”: active"));
	test_gui_technician_wait_state (
	    env, sim->path, IR_PHONE_STATE_IDENTIFIED, "the SIMCom is read");
	elig = ir_phone_get_rollout (ir_workbench_get_phone (env->bench, sim->path));
	assert_non_null (elig);
	assert_int_equal (elig->reason, IR_NOT_ELIGIBLE_NOT_OPEN);
	assert_false (ir_phone_get_eligible (ir_workbench_get_phone (env->bench, sim->path)));
	row = ir_workbench_get_row (env->bench, sim->path);
	assert_string_equal (ir_phone_row_get_stage_text (row),
			     "Not eligible under the rollout policy");
	if (strstr (ir_phone_row_get_rollout_text (row), when) == NULL ||
	    strstr (ir_phone_row_get_rollout_text (row), "Phase p2 “Delhi SIMCom”") == NULL)
		fail_msg ("the row says: %s", ir_phone_row_get_rollout_text (row));
	assert_int_equal (ir_workbench_get_n_eligible (env->bench), 0);
	ir_workbench_select (env->bench, sim->path);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "step-1-not-eligible");
}

/* Two wiped phones at once through "Restore all eligible": each confirmed
 * on its own confirm page, written, read back, reported, in the log. */
static void
test_gui_technician_two_phones (void **state)
{
	Env *env = *state;
	IrTestSim *a = test_gui_technician_add_phone (env, MTK_WIPED SLOW);
	IrTestSim *b = test_gui_technician_add_phone (env, MTK2_WIPED SLOW);
	IrTestSim *sims[] = {a, b};
	g_autoptr (IrAuditReport) report = NULL;
	g_autofree char *imeis_a = NULL;
	g_autofree char *imeis_b = NULL;

	test_gui_technician_wait_state (env, a->path, IR_PHONE_STATE_IDENTIFIED, "phone A is read");
	test_gui_technician_wait_state (env, b->path, IR_PHONE_STATE_IDENTIFIED, "phone B is read");
	assert_int_equal (ir_workbench_get_n_eligible (env->bench), 2);
	ir_workbench_select (env->bench, a->path);
	assert_string_equal (ir_phone_view_get_step (ir_workbench_get_view (env->bench, a->path)),
			     "diagnose");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "step-1-diagnose");

	g_action_group_activate_action (G_ACTION_GROUP (env->gui->window), "restore-all", NULL);
	test_gui_technician_wait_state (
	    env, a->path, IR_PHONE_STATE_CONFIRM, "phone A asks to confirm");
	test_gui_technician_wait_state (
	    env, b->path, IR_PHONE_STATE_CONFIRM, "phone B asks to confirm");
	for (gsize i = 0; i < G_N_ELEMENTS (sims); i++) {
		IrPhoneView *view = ir_workbench_get_view (env->bench, sims[i]->path);
		GtkWidget *write = ir_phone_view_get_write_button (view);
		ir_workbench_select (env->bench, sims[i]->path);
		assert_string_equal (ir_phone_view_get_step (view), "confirm");
		/* destructive, and never what Enter presses */
		assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (write),
							  "destructive-action"));
		assert_false (gtk_widget_has_default (write));
		assert_false (gtk_widget_has_focus (write));
		if (i == 0) {
			ir_phone_view_scan (view, "490154203237519");
			assert_non_null (
			    strstr (ir_phone_view_get_scan_text (view), "should be 8"));
			ir_phone_view_scan (view, "352099001761481");
			assert_non_null (strstr (ir_phone_view_get_scan_text (view), "slot 2"));
			ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "step-2-confirm");
			ir_phone_view_scan (view, "356938035643809");
			assert_non_null (
			    strstr (ir_phone_view_get_scan_text (view), "does not hold"));
		}
		gtk_button_clicked (GTK_BUTTON (write));
	}
	test_gui_technician_wait_state (env, a->path, IR_PHONE_STATE_DONE, "phone A is restored");
	test_gui_technician_wait_state (env, b->path, IR_PHONE_STATE_DONE, "phone B is restored");
	ir_workbench_select (env->bench, a->path);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "step-3-done");
	/* both phones' rows and every step page of their views */
	ir_gui_test_assert_named (GTK_WIDGET (env->gui->window), "workbench with two phones");
	assert_true (env->saw_unplug_warning);
	assert_true (env->saw_inhibited);
	assert_false (ir_workbench_get_inhibited (env->bench));
	for (gsize i = 0; i < G_N_ELEMENTS (sims); i++) {
		IrPhone *phone = ir_workbench_get_phone (env->bench, sims[i]->path);
		g_autofree char *text =
		    ir_phone_view_get_done_text (ir_workbench_get_view (env->bench, sims[i]->path));
		assert_int_equal (ir_phone_get_result (phone)->outcome, IR_RESTORE_RESTORED);
		assert_non_null (strstr (text, "IMEI restored"));
	}
	imeis_a = test_restore_env_sim_imeis (a);
	imeis_b = test_restore_env_sim_imeis (b);
	assert_string_equal (imeis_a, RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";");
	assert_string_equal (imeis_b, RT_MTK2_IMEI1 ";" RT_MTK2_IMEI2 ";");
	report = test_gui_technician_verify_log (env);
	assert_int_equal (report->n_intents, 2);
	assert_int_equal (report->n_open_intents, 0);
}

/* Adds a fresh phone (at @port, NULL: its pseudo-terminal) and runs
 * "restore the selected phone" on it. */
static IrPhone *
test_gui_technician_restore_one (Env *env, const char *args, const char *port, IrTestSim **out)
{
	IrTestSim *sim = test_gui_technician_add_phone_at (env, args, port);
	IrPhone *phone = ir_workbench_get_phone (env->bench, sim->path);

	*out = sim;
	test_gui_technician_wait_state (
	    env, sim->path, IR_PHONE_STATE_IDENTIFIED, "the phone is read");
	ir_workbench_select (env->bench, sim->path);
	g_action_group_activate_action (
	    G_ACTION_GROUP (env->gui->window), "restore-selected", NULL);
	assert_int_equal (ir_phone_get_state (phone), IR_PHONE_STATE_BUSY);
	return phone;
}

typedef struct {
	IrPhone *phone;
} IrGuiSettled;

static gboolean
test_gui_technician_settled (gpointer data)
{
	IrPhoneState state = ir_phone_get_state (IR_PHONE (data));

	return state == IR_PHONE_STATE_DONE || state == IR_PHONE_STATE_CONFIRM;
}

static char *
test_gui_technician_done_text (Env *env, IrPhone *phone)
{
	return ir_phone_view_get_done_text (
	    ir_workbench_get_view (env->bench, ir_phone_get_port (phone)));
}

/* A phone the brand does not know: refused, nothing written, no INTENT. */
static void
test_gui_technician_token_refused (void **state)
{
	Env *env = *state;
	g_autoptr (IrAuditReport) before = test_gui_technician_verify_log (env);
	g_autoptr (IrAuditReport) after = NULL;
	IrTestSim *sim = NULL;
	IrPhone *phone = test_gui_technician_restore_one (env, UNKNOWN_WIPED, NULL, &sim);
	g_autofree char *text = NULL;
	g_autofree char *imeis = NULL;

	ir_gui_test_wait (test_gui_technician_settled, phone, "the refused restore ends");
	assert_int_equal (ir_phone_get_state (phone), IR_PHONE_STATE_DONE);
	assert_int_equal (ir_phone_get_result (phone)->outcome, IR_RESTORE_NOT_STARTED);
	text = test_gui_technician_done_text (env, phone);
	assert_non_null (strstr (text, "refused a token"));
	assert_non_null (strstr (text, "Nothing was written"));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "failure-token-refused");
	imeis = test_restore_env_sim_imeis (sim);
	assert_int_equal (strspn (imeis, "0;"), strlen (imeis));
	after = test_gui_technician_verify_log (env);
	assert_int_equal (after->n_intents, before->n_intents);
	assert_int_equal (after->n_open_intents, 0);
}

/* The phone hangs up right after the write command (the simulator's
 * disconnect fault): outcome unknown, the INTENT pending in the log; on
 * the next sign-in the recovery dialog lists it and, with the phone back,
 * recovers it. */
static void
test_gui_technician_unplugged (void **state)
{
	Env *env = *state;
	g_autofree char *link = g_build_filename (env->tmp, "ttyQCT", NULL);
	/* the hang-up follows the write itself, however many commands the
	 * identify before it needed on a loaded machine */
	g_autofree char *args =
	    g_strdup_printf (QCT_WIPED " --link %s --disconnect-after-write", link);
	g_autofree char *back = g_strdup_printf (QCT_WIPED " --link %s", link);
	g_autoptr (IrAuditReport) report = NULL;
	IrTestSim *sim = NULL;
	IrPhone *phone = test_gui_technician_restore_one (env, args, link, &sim);
	g_autofree char *text = NULL;
	IrRecoverDialog *dialog;

	ir_gui_test_wait (test_gui_technician_settled, phone, "the restore asks to confirm");
	assert_int_equal (ir_phone_get_state (phone), IR_PHONE_STATE_CONFIRM);
	ir_phone_answer (phone, TRUE);
	test_gui_technician_wait_state (env, sim->path, IR_PHONE_STATE_DONE, "the write ends");
	assert_int_equal (ir_phone_get_result (phone)->outcome, IR_RESTORE_UNKNOWN);
	text = test_gui_technician_done_text (env, phone);
	assert_non_null (strstr (text, "Outcome unknown"));
	assert_non_null (strstr (text, "Plug the same phone in again"));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "failure-unplugged");
	report = test_gui_technician_verify_log (env);
	assert_int_equal (report->n_open_intents, 1);

	/* the next sign-in: the dialog first; the phone back on its port (the
	 * hung-up simulator stopped first: it removes its link as it exits) */
	g_action_group_activate_action (G_ACTION_GROUP (env->gui->window), "sign-out", NULL);
	g_ptr_array_remove (env->sims, sim);
	g_ptr_array_add (env->sims, test_restore_env_sim_start (back));
	g_free (test_gui_technician_sign_in (env, env->passphrase));
	dialog = ir_workbench_get_recover_dialog (env->bench);
	assert_non_null (dialog);
	ir_gui_test_snapshot (GTK_WIDGET (dialog), "recover-dialog");
	ir_gui_test_assert_named (GTK_WIDGET (dialog), "recovery dialog");
	gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
	while (ir_recover_dialog_get_running (dialog) > 0)
		g_main_context_iteration (NULL, TRUE);
	if (strstr (ir_recover_dialog_get_status (dialog), "Recovered: 1.") == NULL)
		fail_msg ("recovery: %s", ir_recover_dialog_get_status (dialog));
	gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
	g_clear_pointer (&report, ir_audit_verify_report_free);
	report = test_gui_technician_verify_log (env);
	assert_int_equal (report->n_open_intents, 0);
}

/* The port of @url, bound (not listening) so that a server another test
 * starts beside this one cannot take it over and answer instead: a
 * refused connection is what "the server is gone" means. Connections the
 * stopped server left in TIME_WAIT need SO_REUSEADDR to bind beside. */
static GSocket *
test_gui_technician_hold_port (const char *url)
{
	const char *colon = strrchr (url, ':');
	guint16 port = (guint16)g_ascii_strtoull (colon + 1, NULL, 10);
	g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
	GSocket *socket =
	    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

	if (!g_socket_bind (socket, address, FALSE, NULL))
		g_socket_bind (socket, address, TRUE, NULL);
	return socket;
}

/* The server gone after sign-in: the restore stops before any write. */
static void
test_gui_technician_server_gone (void **state)
{
	Env *env = *state;
	g_autoptr (IrAuditReport) before = test_gui_technician_verify_log (env);
	g_autoptr (IrAuditReport) after = NULL;
	IrTestSim *sim = NULL;
	IrPhone *phone;
	g_autofree char *text = NULL;
	g_autofree char *url = g_strdup (env->server->url);
	g_autoptr (GSocket) hold = NULL;

	g_clear_pointer (&env->server, test_restore_env_server_free);
	hold = test_gui_technician_hold_port (url);
	phone = test_gui_technician_restore_one (env, MTK_WIPED, NULL, &sim);
	ir_gui_test_wait (test_gui_technician_settled, phone, "the restore ends");
	assert_int_equal (ir_phone_get_result (phone)->outcome, IR_RESTORE_NOT_STARTED);
	text = test_gui_technician_done_text (env, phone);
	assert_non_null (strstr (text, "cannot be reached"));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "failure-server-down");
	after = test_gui_technician_verify_log (env);
	assert_int_equal (after->n_intents, before->n_intents);
	assert_int_equal (after->n_open_intents, 0);
}

int
main (void)
{
	/* in order: each test goes on from where the one before left the app */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_gui_technician_wrong_passphrase),
	    cmocka_unit_test (test_gui_technician_server_down_at_signin),
	    cmocka_unit_test (test_gui_technician_expired),
	    cmocka_unit_test (test_gui_technician_revoked),
	    cmocka_unit_test (test_gui_technician_signed_in),
	    cmocka_unit_test (test_gui_technician_policy),
	    cmocka_unit_test (test_gui_technician_two_phones),
	    cmocka_unit_test (test_gui_technician_token_refused),
	    cmocka_unit_test (test_gui_technician_unplugged),
	    cmocka_unit_test (test_gui_technician_server_gone),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-technician", tests, test_gui_technician_setup, test_gui_technician_teardown);
}
