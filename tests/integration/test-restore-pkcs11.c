/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

#include "ir-brand-client.h"
#include "ir-brand-credential-pkcs11.h"
#include "test-restore-env.h"

/* The technician's key on a SoftHSM token made for the run (gen-dev-pki.sh
 * --pkcs11), against the real imei-brandd over mutual TLS 1.3: a restore
 * end to end, the PIN typed on a terminal without echo, a wrong PIN, a
 * locked PIN, a token without the key, no token, a missing module, the
 * listing, and the key generated on the token and never extractable.
 * restore-faults-pkcs11 runs the server's refusals with the token. */

#define ZERO	      IR_TEST_IMEI_ZERO
#define QUECTEL_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define TOKEN	      "imeirestore-dev"
#define TECHNICIAN    "pkcs11:token=" TOKEN ";object=technician"

static char *
test_restore_pkcs11_module_path (void)
{
	return test_restore_env_pki_text ("pkcs11-module.txt");
}

static IrTestRun *
test_restore_pkcs11_restore_with (RtServer *server, const char *port, const char *const *words)
{
	return test_restore_env_restore (server, port, TRUE, words);
}

static char *
test_restore_pkcs11_pin_file_with (const char *pin)
{
	g_autofree char *text = g_strdup_printf ("%s\n", pin);
	return ir_test_harness_write_file (test_restore_env_pki (), "pin-other.txt", text);
}

/* ---- a restore with the key on the token ---- */

static void
test_restore_pkcs11_restore_with_token (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autoptr (IrTestRun) run = test_restore_pkcs11_restore_with (server, sim->path, NULL);
	g_autofree char *after = test_restore_env_sim_imeis (sim);
	g_autofree char *cmd =
	    g_strdup_printf ("grep -rl 'alice-token' '%s' >/dev/null", server->state_dir);

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (test_restore_env_json_path (run, "outcome"), "restored");
	assert_string_equal (test_restore_env_json_path (run, "report.outcome"), "success");
	assert_string_equal (after, RT_QCT_IMEI1 ";");
	/* the migration log names the token's certificate as the technician */
	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
}

/* Two phones at once: the workers share the token's key. */
static void
test_restore_pkcs11_restore_all_with_token (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) a = test_restore_env_sim_start (
	    "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO);
	g_autoptr (IrTestSim) b = test_restore_env_sim_start (QUECTEL_WIPED);
	const char *words[] = {"--all", b->path, NULL};
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, a->path, TRUE, words);
	g_autofree char *after_a = test_restore_env_sim_imeis (a);
	g_autofree char *after_b = test_restore_env_sim_imeis (b);

	assert_int_equal (run->exit_code, 0);
	assert_string_equal (after_a, RT_MTK_IMEI1 ";" RT_MTK_IMEI2 ";");
	assert_string_equal (after_b, RT_QCT_IMEI1 ";");
}

/* ---- the PIN typed on a terminal ---- */

static GString *
test_restore_pkcs11_read_until (int fd, const char *needle, GString *seen)
{
	char buf[512];

	while (needle == NULL || strstr (seen->str, needle) == NULL) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll (&pfd, 1, 60000) <= 0)
			fail_msg ("nothing from imeictl on its terminal; so far: %s", seen->str);
		n = read (fd, buf, sizeof (buf));
		if (n <= 0)
			break; /* EIO: the last holder of the terminal closed it */
		g_string_append_len (seen, buf, n);
	}
	return seen;
}

static void
test_restore_pkcs11_pin_prompt_no_echo (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autofree char *pin = test_restore_env_pki_text ("pkcs11-pin.txt");
	g_autofree char *ts = g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	g_autofree char *line = g_strdup_printf ("%s\n", pin);
	g_autoptr (GString) seen = g_string_new (NULL);
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
	g_autoptr (GSubprocess) proc = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *after = NULL;
	int master = -1;
	int slave = -1;

	assert_int_equal (openpty (&master, &slave, NULL, NULL, NULL), 0);
	g_subprocess_launcher_take_stdin_fd (launcher, slave);
	g_subprocess_launcher_take_stdout_fd (launcher, dup (slave));
	g_subprocess_launcher_take_stderr_fd (launcher, dup (slave));
	proc = g_subprocess_launcher_spawn (launcher,
					    &error,
					    g_getenv ("IMEICTL"),
					    "--json",
					    "restore",
					    sim->path,
					    "--yes",
					    "--server",
					    server->url,
					    "--trust-store",
					    ts,
					    "--credential",
					    TECHNICIAN,
					    "--module",
					    module,
					    "--state-dir",
					    server->state_dir,
					    NULL);
	assert_non_null (proc);
	g_clear_object (&launcher); /* closes our copies of the terminal's side */
	test_restore_pkcs11_read_until (master, "PIN of token " TOKEN, seen);
	assert_non_null (strstr (seen->str, "alice-token"));
	assert_int_equal (write (master, line, strlen (line)), (ssize_t)strlen (line));
	test_restore_pkcs11_read_until (master, NULL, seen);
	assert_true (g_subprocess_wait (proc, NULL, &error));
	close (master);
	assert_int_equal (g_subprocess_get_exit_status (proc), 0);
	/* echo was off: the PIN never came back on the terminal */
	assert_null (strstr (seen->str, pin));
	assert_non_null (strstr (seen->str, "\"restored\""));
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, RT_QCT_IMEI1 ";");
}

/* ---- what goes wrong with a token ---- */

static void
test_restore_pkcs11_wrong_pin (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autofree char *wrong = test_restore_pkcs11_pin_file_with ("00000000");
	const char *words[] = {
	    "--credential", TECHNICIAN, "--module", module, "--pin-file", wrong, NULL};
	g_autoptr (IrTestRun) first = test_restore_pkcs11_restore_with (server, sim->path, words);
	g_autoptr (IrTestRun) second = NULL;
	g_autoptr (IrTestRun) right = NULL;
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	ir_test_harness_assert_error (
	    first, 2, "invalid_input", "wrong PIN for token " TOKEN, NULL);
	assert_string_equal (after, ZERO ";");
	assert_null (test_restore_env_json_path (first, "token.id"));
	/* the token now says a wrong PIN was given: the next message says so */
	second = test_restore_pkcs11_restore_with (server, sim->path, words);
	ir_test_harness_assert_error (
	    second, 2, "invalid_input", "wrong PIN for token " TOKEN, "few tries are left", NULL);
	/* and the right PIN still works: nothing was spent on the server */
	right = test_restore_pkcs11_restore_with (server, sim->path, NULL);
	assert_int_equal (right->exit_code, 0);
}

static void
test_restore_pkcs11_locked_pin (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *copy = ir_test_harness_mkdtemp ();
	g_autofree char *cmd =
	    g_strdup_printf ("cp -r '%s/tokens' '%s/'", test_restore_env_pki (), copy);
	g_autofree char *conf_text = g_strdup_printf (
	    "directories.tokendir = %s/tokens\nobjectstore.backend = file\n", copy);
	g_autofree char *conf = ir_test_harness_write_file (copy, "softhsm2.conf", conf_text);
	g_autofree char *saved = g_strdup (g_getenv ("SOFTHSM2_CONF"));
	g_autofree char *module = test_restore_pkcs11_module_path ();
	/* no --pin-file and no terminal: had the PIN been asked, the message
	 * would say that standard input is not a terminal */
	const char *words[] = {"--credential", TECHNICIAN, "--module", module, NULL};
	const char *list_argv[] = {"--json", "credential", "list", "--module", module, NULL};
	g_autoptr (IrTestRun) run = NULL;
	g_autoptr (IrTestRun) list = NULL;
	g_autofree char *after = NULL;

	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
	test_restore_env_pkcs11_lock_pin (copy, TOKEN);
	g_setenv ("SOFTHSM2_CONF", conf, TRUE);
	run = test_restore_env_restore (server, sim->path, TRUE, words);
	list = ir_test_harness_imeictl_full (list_argv, NULL);
	g_setenv ("SOFTHSM2_CONF", saved, TRUE);
	ir_test_harness_assert_error (
	    run, 2, "invalid_input", "PIN of token " TOKEN " is locked", "security officer", NULL);
	assert_int_equal (list->exit_code, 0);
	assert_non_null (strstr (list->out, "\"pin\" : \"locked\""));
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, ZERO ";");
	g_free (cmd);
	cmd = g_strdup_printf ("rm -rf '%s'", copy);
	test_restore_env_sh (cmd, NULL);
}

static void
test_restore_pkcs11_token_without_key (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autofree char *pin = g_build_filename (test_restore_env_pki (), "pkcs11-pin.txt", NULL);
	const char *words[] = {"--credential",
			       "pkcs11:token=imeirestore-nokey;object=technician",
			       "--module",
			       module,
			       "--pin-file",
			       pin,
			       NULL};
	g_autoptr (IrTestRun) run = test_restore_pkcs11_restore_with (server, sim->path, words);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	ir_test_harness_assert_error (run,
				      2,
				      "invalid_input",
				      "imeirestore-nokey holds the certificate",
				      "not its private key",
				      NULL);
	assert_string_equal (after, ZERO ";");
}

/* Bad input about the token: each refused before a phone or the server is
 * touched, with what to do. */
typedef struct {
	const char *name;
	const char *credential;
	const char *module; /* NULL: the run's SoftHSM */
	const char *needle1;
	const char *needle2;
} TokenInputRow;

static const TokenInputRow token_input_rows[] = {
    {"token not inserted",
     "pkcs11:token=nobody-s-token;object=technician",
     NULL,
     "the token nobody-s-token is not inserted",
     "insert your token"},
    {"module missing",
     TECHNICIAN,
     "/nonexistent/libvendor-pkcs11.so",
     "the PKCS#11 module /nonexistent/libvendor-pkcs11.so is not installed",
     "--module"},
    {"not a PKCS#11 module",
     TECHNICIAN,
     "/bin/sh",
     "cannot be loaded as a PKCS#11 module",
     "driver"},
    {"no such certificate",
     "pkcs11:token=" TOKEN ";object=nobody",
     NULL,
     "has no certificate that",
     "credential list"},
    {"PIN in the URI", TECHNICIAN "?pin-value=1234", NULL, "carries a PIN", "--pin-file"},
    {"not a pkcs11 URI", "/home/alice/alice.p12", NULL, "is not a PKCS#11 URI", "pkcs11:"},
    {"malformed URI", "pkcs11:token=%zz", NULL, "cannot be read", "credential list"},
    {"public key type", "pkcs11:token=" TOKEN ";type=public", NULL, "type=private", "cert"},
    {"expired certificate on the token",
     "pkcs11:token=" TOKEN ";object=technician-expired",
     NULL,
     "expired on",
     "new one"},
    {"auditor certificate on the token",
     "pkcs11:token=" TOKEN ";object=auditor",
     NULL,
     "role auditor",
     "technician"},
};

static void
test_restore_pkcs11_token_input (void **state)
{
	const TokenInputRow *row = *state;
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTestSim) sim = test_restore_env_sim_start (QUECTEL_WIPED);
	g_autofree char *module =
	    row->module != NULL ? g_strdup (row->module) : test_restore_pkcs11_module_path ();
	/* no --pin-file: every row must stop before a PIN is asked */
	const char *words[] = {"--credential", row->credential, "--module", module, NULL};
	g_autoptr (IrTestRun) run = test_restore_pkcs11_restore_with (server, sim->path, words);
	g_autofree char *after = test_restore_env_sim_imeis (sim);

	ir_test_harness_assert_error (run, 2, "invalid_input", row->needle1, row->needle2, NULL);
	assert_string_equal (after, ZERO ";");
}

/* ---- imeictl credential list ---- */

static void
test_restore_pkcs11_credential_list (void **state)
{
	g_autofree char *module = test_restore_pkcs11_module_path ();
	const char *argv[] = {"--json", "credential", "list", "--module", module, NULL};
	const char *text_argv[] = {"credential", "list", "--module", module, NULL};
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl_full (argv, NULL);
	g_autoptr (IrTestRun) text = ir_test_harness_imeictl_full (text_argv, NULL);
	JsonArray *tokens;
	guint n_certs = 0;
	gboolean seen_technician = FALSE;

	test_restore_env_pki ();
	assert_int_equal (run->exit_code, 0);
	tokens = json_object_get_array_member (json_node_get_object (run->json), "tokens");
	assert_int_equal (json_array_get_length (tokens), 2);
	for (guint i = 0; i < json_array_get_length (tokens); i++) {
		JsonObject *t = json_array_get_object_element (tokens, i);
		JsonArray *certs = json_object_get_array_member (t, "certificates");
		for (guint j = 0; j < json_array_get_length (certs); j++) {
			JsonObject *c = json_array_get_object_element (certs, j);
			const char *uri = json_object_get_string_member (c, "uri");
			n_certs++;
			if (strstr (uri, "token=" TOKEN) == NULL || strstr (uri, "id=%01") == NULL)
				continue;
			seen_technician = TRUE;
			assert_string_equal (json_object_get_string_member (c, "role"),
					     "technician");
			assert_string_equal (json_object_get_string_member (c, "centre"),
					     "DL-0001");
			assert_non_null (
			    strstr (json_object_get_string_member (c, "subject"), "alice-token"));
			assert_false (json_object_get_boolean_member (c, "expired"));
		}
	}
	/* four on the dev token, the technician's alone on the one without keys */
	assert_int_equal (n_certs, 5);
	assert_true (seen_technician);
	assert_int_equal (text->exit_code, 0);
	assert_non_null (strstr (text->out, "imeirestore-nokey"));
	assert_non_null (strstr (text->out, "auditor"));
}

/* Without --module: the modules p11-kit is configured with, among them the
 * softhsm2 package's (its module file is installed with it). */
static void
test_restore_pkcs11_credential_list_p11kit (void **state)
{
	const char *argv[] = {"--json", "credential", "list", NULL};
	g_autoptr (IrTestRun) run = NULL;

	test_restore_env_pki ();
	run = ir_test_harness_imeictl_full (argv, NULL);
	assert_int_equal (run->exit_code, 0);
	assert_non_null (strstr (run->out, "token=" TOKEN));
	assert_non_null (strstr (run->out, "libsofthsm2.so"));
}

/* ---- the key was made on the token and cannot leave it ---- */

static CK_SLOT_ID
test_restore_pkcs11_find_slot (CK_FUNCTION_LIST *p11, const char *label)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = G_N_ELEMENTS (slots);

	assert_int_equal (p11->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		assert_int_equal (p11->C_GetTokenInfo (slots[i], &info), CKR_OK);
		if (strncmp ((const char *)info.label, label, strlen (label)) == 0 &&
		    info.label[strlen (label)] == ' ')
			return slots[i];
	}
	fail_msg ("no token %s", label);
	return 0;
}

static void
test_restore_pkcs11_key_not_extractable (void **state)
{
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autofree char *pin = test_restore_env_pki_text ("pkcs11-pin.txt");
	CK_FUNCTION_LIST *p11 = p11_kit_module_load (module, P11_KIT_MODULE_UNMANAGED);
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE find[] = {{CKA_CLASS, &klass, sizeof (klass)}};
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE keys[8];
	CK_ULONG n_keys = 0;

	assert_non_null (p11);
	assert_int_equal (p11->C_Initialize (NULL), CKR_OK);
	assert_int_equal (p11->C_OpenSession (test_restore_pkcs11_find_slot (p11, TOKEN),
					      CKF_SERIAL_SESSION,
					      NULL,
					      NULL,
					      &session),
			  CKR_OK);
	assert_int_equal (p11->C_Login (session, CKU_USER, (CK_UTF8CHAR *)pin, strlen (pin)),
			  CKR_OK);
	assert_int_equal (p11->C_FindObjectsInit (session, find, 1), CKR_OK);
	assert_int_equal (p11->C_FindObjects (session, keys, G_N_ELEMENTS (keys), &n_keys), CKR_OK);
	p11->C_FindObjectsFinal (session);
	assert_int_equal (n_keys, 4);
	for (CK_ULONG i = 0; i < n_keys; i++) {
		CK_BBOOL extractable = CK_TRUE;
		CK_BBOOL never_extractable = CK_FALSE;
		CK_BBOOL local = CK_FALSE;
		CK_KEY_TYPE type = 0;
		CK_ATTRIBUTE attrs[] = {
		    {CKA_EXTRACTABLE, &extractable, sizeof (extractable)},
		    {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof (never_extractable)},
		    {CKA_LOCAL, &local, sizeof (local)},
		    {CKA_KEY_TYPE, &type, sizeof (type)},
		};
		guint8 value[64];
		CK_ATTRIBUTE secret = {CKA_VALUE, value, sizeof (value)};

		assert_int_equal (p11->C_GetAttributeValue (session, keys[i], attrs, 4), CKR_OK);
		assert_int_equal (extractable, CK_FALSE);
		assert_int_equal (never_extractable, CK_TRUE);
		assert_int_equal (local, CK_TRUE); /* generated on the token */
		assert_int_equal (type, CKK_EC);
		assert_int_equal (p11->C_GetAttributeValue (session, keys[i], &secret, 1),
				  CKR_ATTRIBUTE_SENSITIVE);
	}
	p11->C_Logout (session);
	p11->C_CloseSession (session);
	p11->C_Finalize (NULL);
	p11_kit_module_release (p11);
}

/* ---- the core API the GTK sign-in will use, in-process ---- */

static char *
test_restore_pkcs11_pin_from_file (const IrBrandPinRequest *request,
				   gpointer user_data,
				   GError **error)
{
	guint *calls = user_data;

	(*calls)++;
	assert_string_equal (request->token_label, TOKEN);
	assert_false (request->protected_auth);
	return test_restore_env_pki_text ("pkcs11-pin.txt");
}

static IrTrustStore *
test_restore_pkcs11_load_trust (void)
{
	g_autofree char *path =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	g_autoptr (GError) error = NULL;
	IrTrustStore *trust = ir_trust_store_load (path, &error);

	if (trust == NULL)
		fail_msg ("%s", error->message);
	return trust;
}

/* The server's own view of a token certificate (local checks off): an
 * auditor's may connect but gets no token. */
static void
test_restore_pkcs11_api_server_refuses_auditor (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_pkcs11_load_trust ();
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBrandCredential) cred = ir_brand_credential_pkcs11_find (
	    "pkcs11:token=" TOKEN ";object=auditor", module, &error);
	IrBrandClientConfig cfg = {
	    .server_url = server->url, .trust = trust, .no_local_checks = TRUE};
	IrBrandTokenRequest req = {.serial = RT_QCT_SERIAL, .n_slots = 1, .current_imei = {ZERO}};
	g_autoptr (IrBrandClient) client = NULL;
	g_autoptr (IrBrandTokenAnswer) answer = NULL;
	g_auto (IrBrandStatus) status = {0};
	guint calls = 0;

	assert_non_null (cred);
	assert_string_equal (cred->role, "auditor");
	assert_null (cred->key);
	assert_true (ir_brand_credential_pkcs11_unlock (
	    cred, test_restore_pkcs11_pin_from_file, &calls, &error));
	assert_int_equal (calls, 1);
	cfg.credential = cred;
	client = ir_brand_client_new (&cfg, NULL, &error);
	assert_non_null (client);
	assert_true (ir_brand_client_health (client, NULL, NULL, &error));
	answer = ir_brand_client_request_token (client, &req, &status, NULL, &error);
	assert_null (answer);
	assert_string_equal (status.server_code, "role_not_allowed");
}

/* The listing and a credential from it: what the picker shows is what
 * signs in, and the token's cnf is its certificate's. */
static void
test_restore_pkcs11_api_list_then_sign_in (void **state)
{
	g_autoptr (RtServer) server = test_restore_env_server_start (NULL);
	g_autoptr (IrTrustStore) trust = test_restore_pkcs11_load_trust ();
	g_autofree char *module = test_restore_pkcs11_module_path ();
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) listings = ir_brand_credential_pkcs11_list (module, &error);
	const IrBrandCredential *picked = NULL;
	g_autoptr (IrBrandCredential) cred = NULL;
	g_autoptr (IrBrandClient) client = NULL;
	IrBrandClientConfig cfg = {.server_url = server->url, .trust = trust};
	guint calls = 0;

	assert_non_null (listings);
	for (guint i = 0; i < listings->len; i++) {
		const IrBrandTokenListing *l = g_ptr_array_index (listings, i);
		for (guint j = 0; l->credentials != NULL && j < l->credentials->len; j++) {
			const IrBrandCredential *c = g_ptr_array_index (l->credentials, j);
			if (g_strcmp0 (l->token->label, TOKEN) == 0 &&
			    g_strcmp0 (c->role, "technician") == 0 &&
			    strstr (c->subject, "alice-token") != NULL)
				picked = c;
		}
	}
	if (picked == NULL)
		fail_msg ("alice-token is not in the listing");
	/* the listing's modules are closed; the credential's stays open */
	cred = ir_brand_credential_pkcs11_find (picked->uri, module, &error);
	assert_non_null (cred);
	assert_memory_equal (cred->cnf, picked->cnf, IR_TOKEN_CNF_LEN);
	assert_true (ir_brand_credential_check (cred, picked->uri, 0, &error));
	g_clear_pointer (&listings, g_ptr_array_unref);
	assert_true (ir_brand_credential_pkcs11_unlock (
	    cred, test_restore_pkcs11_pin_from_file, &calls, &error));
	/* unlocking twice asks no second PIN */
	assert_true (ir_brand_credential_pkcs11_unlock (
	    cred, test_restore_pkcs11_pin_from_file, &calls, &error));
	assert_int_equal (calls, 1);
	cfg.credential = cred;
	client = ir_brand_client_new (&cfg, NULL, &error);
	assert_non_null (client);
	assert_string_equal (ir_brand_client_get_centre (client), "DL-0001");
	assert_true (ir_brand_client_health (client, NULL, NULL, &error));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_restore_pkcs11_restore_with_token),
	    cmocka_unit_test (test_restore_pkcs11_restore_all_with_token),
	    cmocka_unit_test (test_restore_pkcs11_pin_prompt_no_echo),
	    cmocka_unit_test (test_restore_pkcs11_wrong_pin),
	    cmocka_unit_test (test_restore_pkcs11_locked_pin),
	    cmocka_unit_test (test_restore_pkcs11_token_without_key),
	    cmocka_unit_test (test_restore_pkcs11_credential_list),
	    cmocka_unit_test (test_restore_pkcs11_credential_list_p11kit),
	    cmocka_unit_test (test_restore_pkcs11_key_not_extractable),
	    cmocka_unit_test (test_restore_pkcs11_api_server_refuses_auditor),
	    cmocka_unit_test (test_restore_pkcs11_api_list_then_sign_in),
	};

	if (!test_restore_env_pkcs11 ())
		fail_msg ("run with RT_PKCS11=1 (meson test does)");
	return ir_test_harness_run_table ("restore-pkcs11",
					  test_restore_pkcs11_token_input,
					  token_input_rows,
					  sizeof (token_input_rows[0]),
					  G_N_ELEMENTS (token_input_rows),
					  tests,
					  G_N_ELEMENTS (tests));
}
