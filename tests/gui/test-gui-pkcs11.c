/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "ir-audit.h"
#include "ir-gui-test.h"
#include "ir-pin-dialog.h"
#include "test-restore-env.h"

/* The technician's sign-in with a key on a SoftHSM token made for the run
 * (gen-dev-pki.sh --pkcs11), in the real app against the real imei-brandd
 * on 127.0.0.1: the token picker lists the certificates on the tokens; a
 * wrong PIN is asked again in the PIN dialog, which then says what the
 * token says of the tries left; the right PIN signs in and a phone is
 * restored with the key on the token; an expired certificate, a locked PIN
 * and no token inserted each end at the info bar with what to do, before
 * any PIN is asked. */

#define TOKEN	   "imeirestore-dev"
#define TECHNICIAN "pkcs11:token=" TOKEN ";object=technician"
#define EXPIRED	   "pkcs11:token=" TOKEN ";object=technician-expired"
#define QCT_WIPED  "--family quectel --serial " RT_QCT_SERIAL " --imei " IR_TEST_IMEI_ZERO

typedef struct {
	RtServer *server;
	char *tmp;
	char *state_dir;
	char *pin;
	char *softhsm_conf; /* the run's tokens */
	IrGuiApp *gui;
	IrSigninPage *page;
	IrTokenPicker *picker;
	GPtrArray *sims;
} Env;

static GSettings *
test_gui_pkcs11_settings (Env *env)
{
	return ir_app_get_settings (env->gui->app);
}

static int
test_gui_pkcs11_setup (void **state)
{
	Env *env = g_new0 (Env, 1);
	g_autofree char *trust = NULL;
	g_autofree char *module = NULL;

	/* the PKI with its SoftHSM tokens; SOFTHSM2_CONF set for this process */
	g_setenv ("RT_PKCS11", "1", TRUE);
	trust = g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	module = test_restore_env_pki_text ("pkcs11-module.txt");
	env->pin = test_restore_env_pki_text ("pkcs11-pin.txt");
	env->softhsm_conf = g_strdup (g_getenv ("SOFTHSM2_CONF"));
	env->server = test_restore_env_server_start (NULL);
	env->tmp = ir_test_harness_mkdtemp ();
	env->state_dir = g_build_filename (env->tmp, "state", NULL);
	env->sims = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_test_harness_sim_free);
	env->gui = ir_gui_app_start ();
	env->page = ir_app_window_get_signin_page (env->gui->window);
	env->picker = ir_signin_page_get_token_picker (env->page);
	g_settings_set_string (test_gui_pkcs11_settings (env), "pkcs11-module", module);
	g_settings_set_string (test_gui_pkcs11_settings (env), "credential", TECHNICIAN);
	g_settings_set_string (test_gui_pkcs11_settings (env), "trust-store", trust);
	g_settings_set_string (test_gui_pkcs11_settings (env), "state-dir", env->state_dir);
	g_settings_set_string (test_gui_pkcs11_settings (env), "server-url", env->server->url);
	*state = env;
	return 0;
}

static int
test_gui_pkcs11_teardown (void **state)
{
	Env *env = *state;

	ir_gui_app_free (env->gui);
	g_ptr_array_unref (env->sims);
	test_restore_env_server_free (env->server);
	ir_test_harness_rmdir (env->tmp);
	g_free (env->tmp);
	g_free (env->state_dir);
	g_free (env->pin);
	g_free (env->softhsm_conf);
	g_free (env);
	return 0;
}

static gboolean
test_gui_pkcs11_listed (gpointer data)
{
	return !ir_token_picker_get_busy (IR_TOKEN_PICKER (data));
}

static void
test_gui_pkcs11_refresh (Env *env)
{
	ir_token_picker_refresh (env->picker);
	ir_gui_test_wait (test_gui_pkcs11_listed, env->picker, "the tokens are listed");
}

/* The dialog on screen now, if any. */
static IrPinDialog *
test_gui_pkcs11_find_dialog (void)
{
	g_autoptr (GList) windows = gtk_window_list_toplevels ();

	for (GList *l = windows; l != NULL; l = l->next) {
		if (IR_IS_PIN_DIALOG (l->data) && gtk_widget_get_visible (GTK_WIDGET (l->data)))
			return IR_PIN_DIALOG (l->data);
	}
	return NULL;
}

typedef struct {
	IrSigninPage *page;
	IrPinDialog *dialog;
} TestGuiPkcs11Wait;

/* The PIN dialog is asked, or the sign-in ended without one. */
static gboolean
test_gui_pkcs11_asked_or_done (gpointer data)
{
	TestGuiPkcs11Wait *wait = data;

	wait->dialog = test_gui_pkcs11_find_dialog ();
	return wait->dialog != NULL || !ir_signin_page_get_busy (wait->page);
}

/* Presses Sign In (or Unlock, with @dialog) and waits for the next PIN
 * dialog or the end of the sign-in; the dialog shown then, or NULL. */
static IrPinDialog *
test_gui_pkcs11_next (Env *env, IrPinDialog *dialog, const char *pin)
{
	TestGuiPkcs11Wait wait = {env->page, NULL};

	if (dialog == NULL) {
		ir_signin_page_sign_in (env->page);
	} else {
		ir_pin_dialog_set_pin (dialog, pin);
		gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
	}
	ir_gui_test_wait (
	    test_gui_pkcs11_asked_or_done, &wait, "a PIN dialog or the sign-in's end");
	return wait.dialog;
}

/* The picker's row chosen now says @text. */
static void
test_gui_pkcs11_assert_chosen (Env *env, const char *text)
{
	GtkComboBoxText *combo = GTK_COMBO_BOX_TEXT (ir_token_picker_get_combo (env->picker));
	g_autofree char *shown = gtk_combo_box_text_get_active_text (combo);

	if (shown == NULL || strstr (shown, text) == NULL)
		fail_msg ("the picker shows %s, not %s", shown, text);
}

/* Every certificate on both tokens, the one of the setting chosen. */
static void
test_gui_pkcs11_picker (void **state)
{
	Env *env = *state;

	ir_gui_test_wait (test_gui_pkcs11_listed, env->picker, "the tokens are listed");
	/* imeirestore-dev: technician, auditor, expired, foreign; -nokey: one */
	assert_int_equal (ir_token_picker_get_n_certificates (env->picker), 5);
	test_gui_pkcs11_assert_chosen (env, "alice-token · technician at DL-0001");
	assert_string_equal (ir_token_picker_get_status (env->picker), "");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-token-picker");
}

/* An expired certificate is refused before any PIN is asked. */
static void
test_gui_pkcs11_expired (void **state)
{
	Env *env = *state;
	g_autofree char *error = NULL;

	ir_token_picker_set_uri (env->picker, EXPIRED);
	test_gui_pkcs11_assert_chosen (env, "expired-token");
	assert_null (test_gui_pkcs11_next (env, NULL, NULL));
	error = ir_signin_page_get_error_text (env->page);
	assert_non_null (error);
	if (strstr (error, "This certificate cannot be used") == NULL ||
	    strstr (error, "expired") == NULL)
		fail_msg ("the info bar says: %s", error);
	ir_token_picker_set_uri (env->picker, TECHNICIAN);
}

/* A wrong PIN: asked again, the dialog saying so and what the token says
 * of the tries left; then the right PIN signs in. */
static void
test_gui_pkcs11_wrong_then_right (void **state)
{
	Env *env = *state;
	IrPinDialog *dialog = test_gui_pkcs11_next (env, NULL, NULL);
	g_autofree char *error = NULL;

	assert_non_null (dialog);
	assert_string_equal (ir_pin_dialog_get_warning (dialog), "");
	dialog = test_gui_pkcs11_next (env, dialog, "00000000");
	assert_non_null (dialog);
	if (strstr (ir_pin_dialog_get_warning (dialog), "Wrong PIN") == NULL ||
	    strstr (ir_pin_dialog_get_warning (dialog), "few tries are left") == NULL)
		fail_msg ("the PIN dialog says: %s", ir_pin_dialog_get_warning (dialog));
	ir_gui_test_snapshot (GTK_WIDGET (dialog), "signin-token-wrong-pin");
	assert_null (test_gui_pkcs11_next (env, dialog, env->pin));
	error = ir_signin_page_get_error_text (env->page);
	if (error != NULL)
		fail_msg ("the sign-in failed: %s", error);
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "workbench");
}

typedef struct {
	IrWorkbench *bench;
	const char *port;
	IrPhoneState state;
} TestGuiPkcs11PhoneWait;

static gboolean
test_gui_pkcs11_phone_in (gpointer data)
{
	TestGuiPkcs11PhoneWait *wait = data;
	IrPhone *phone = ir_workbench_get_phone (wait->bench, wait->port);

	return phone != NULL && ir_phone_get_state (phone) == wait->state;
}

static void
test_gui_pkcs11_wait_state (IrWorkbench *bench, const char *port, IrPhoneState state)
{
	TestGuiPkcs11PhoneWait wait = {bench, port, state};

	ir_gui_test_wait (test_gui_pkcs11_phone_in, &wait, "the phone's next state");
}

/* A phone restored with the key on the token: confirmed, written, read
 * back, in the log under the token's certificate. */
static void
test_gui_pkcs11_restore (void **state)
{
	Env *env = *state;
	IrWorkbench *bench = ir_app_window_get_workbench (env->gui->window);
	IrTestSim *sim = test_restore_env_sim_start (QCT_WIPED);
	g_autoptr (GError) error = NULL;
	g_autofree char *imeis = NULL;
	g_autofree char *log = g_build_filename (env->state_dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	IrPhone *phone;

	g_ptr_array_add (env->sims, sim);
	if (!ir_workbench_add_port (bench, sim->path, &error))
		fail_msg ("cannot add %s: %s", sim->path, error->message);
	phone = ir_workbench_get_phone (bench, sim->path);
	test_gui_pkcs11_wait_state (bench, sim->path, IR_PHONE_STATE_IDENTIFIED);
	ir_workbench_select (bench, sim->path);
	g_action_group_activate_action (
	    G_ACTION_GROUP (env->gui->window), "restore-selected", NULL);
	test_gui_pkcs11_wait_state (bench, sim->path, IR_PHONE_STATE_CONFIRM);
	ir_phone_answer (phone, TRUE);
	test_gui_pkcs11_wait_state (bench, sim->path, IR_PHONE_STATE_DONE);
	assert_int_equal (ir_phone_get_result (phone)->outcome, IR_RESTORE_RESTORED);
	imeis = test_restore_env_sim_imeis (sim);
	assert_string_equal (imeis, RT_QCT_IMEI1 ";");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "token-restored");
	assert_true (g_file_get_contents (log, &text, NULL, NULL));
	assert_non_null (strstr (text, "alice-token"));
	g_action_group_activate_action (G_ACTION_GROUP (env->gui->window), "sign-out", NULL);
}

/* The run's tokens copied to @dir, SoftHSM pointed at them; the PIN of
 * imeirestore-dev locked when @locked. */
static void
test_gui_pkcs11_tokens_in (const char *dir, gboolean copy, gboolean locked)
{
	g_autofree char *conf_text =
	    g_strdup_printf ("directories.tokendir = %s/tokens\nobjectstore.backend = file\n", dir);
	g_autofree char *conf = NULL;
	g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
	g_autofree char *cmd =
	    g_strdup_printf ("cp -r '%s/tokens' '%s/'", test_restore_env_pki (), dir);

	assert_int_equal (g_mkdir_with_parents (dir, 0700), 0);
	if (copy)
		assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	else
		assert_int_equal (g_mkdir_with_parents (tokens, 0700), 0);
	if (locked)
		test_restore_env_pkcs11_lock_pin (dir, TOKEN);
	conf = ir_test_harness_write_file (dir, "softhsm2.conf", conf_text);
	g_setenv ("SOFTHSM2_CONF", conf, TRUE);
}

/* A locked PIN: shown in the picker and said at sign-in; no PIN asked. */
static void
test_gui_pkcs11_locked (void **state)
{
	Env *env = *state;
	g_autofree char *dir = g_build_filename (env->tmp, "locked", NULL);
	g_autofree char *error = NULL;

	test_gui_pkcs11_tokens_in (dir, TRUE, TRUE);
	test_gui_pkcs11_refresh (env);
	assert_int_equal (ir_token_picker_get_n_certificates (env->picker), 5);
	ir_token_picker_set_uri (env->picker, TECHNICIAN);
	assert_null (test_gui_pkcs11_next (env, NULL, NULL));
	error = ir_signin_page_get_error_text (env->page);
	assert_non_null (error);
	if (strstr (error, "Your token's PIN is locked") == NULL ||
	    strstr (error, "security officer") == NULL)
		fail_msg ("the info bar says: %s", error);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-token-locked");
	g_setenv ("SOFTHSM2_CONF", env->softhsm_conf, TRUE);
}

/* No token inserted: the picker says so, and so does the sign-in. */
static void
test_gui_pkcs11_no_token (void **state)
{
	Env *env = *state;
	g_autofree char *dir = g_build_filename (env->tmp, "none", NULL);
	g_autofree char *error = NULL;

	test_gui_pkcs11_tokens_in (dir, FALSE, FALSE);
	test_gui_pkcs11_refresh (env);
	assert_int_equal (ir_token_picker_get_n_certificates (env->picker), 0);
	assert_non_null (strstr (ir_token_picker_get_status (env->picker), "No token is inserted"));
	assert_null (test_gui_pkcs11_next (env, NULL, NULL));
	error = ir_signin_page_get_error_text (env->page);
	assert_non_null (error);
	if (strstr (error, "No token is inserted") == NULL)
		fail_msg ("the info bar says: %s", error);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "signin-no-token");
	g_setenv ("SOFTHSM2_CONF", env->softhsm_conf, TRUE);
}

int
main (void)
{
	/* in order: each test goes on from where the one before left the app */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_gui_pkcs11_picker),
	    cmocka_unit_test (test_gui_pkcs11_expired),
	    cmocka_unit_test (test_gui_pkcs11_wrong_then_right),
	    cmocka_unit_test (test_gui_pkcs11_restore),
	    cmocka_unit_test (test_gui_pkcs11_locked),
	    cmocka_unit_test (test_gui_pkcs11_no_token),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-pkcs11", tests, test_gui_pkcs11_setup, test_gui_pkcs11_teardown);
}
