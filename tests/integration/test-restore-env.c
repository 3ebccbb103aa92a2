/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>

#include <cmocka.h>

#include "test-restore-env.h"

static char *pki_dir = NULL;

int
test_restore_env_sh (const char *cmdline, char **out)
{
	const char *argv[] = {"/bin/sh", "-c", cmdline, NULL};
	g_autoptr (GError) error = NULL;
	g_autofree char *err = NULL;
	int status = 0;

	if (!g_spawn_sync (
		NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status, &error))
		fail_msg ("cannot run %s: %s", cmdline, error->message);
	if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
		print_message ("%s: %s\n", cmdline, err);
	return WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status);
}

static const char *
test_restore_env_getenv (const char *name)
{
	const char *value = g_getenv (name);

	if (value == NULL || value[0] == '\0')
		fail_msg ("%s is not set: run the restore tests with meson test", name);
	return value;
}

static void
test_restore_env_remove_pki (void)
{
	g_autofree char *cmd = NULL;

	if (pki_dir == NULL)
		return;
	cmd = g_strdup_printf ("rm -rf '%s'", pki_dir);
	test_restore_env_sh (cmd, NULL);
	g_clear_pointer (&pki_dir, g_free);
}

const char *
test_restore_env_pki (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *cmd = NULL;

	if (pki_dir != NULL)
		return pki_dir;
	pki_dir = g_dir_make_tmp ("restore-pki-XXXXXX", &error);
	if (pki_dir == NULL)
		fail_msg ("cannot make a temporary folder: %s", error->message);
	atexit (test_restore_env_remove_pki);
	cmd = g_strdup_printf ("'%s/certs/gen-dev-pki.sh' %s '%s' >/dev/null",
			       test_restore_env_getenv ("IR_SRCDIR"),
			       test_restore_env_pkcs11 () ? "--pkcs11" : "",
			       pki_dir);
	if (test_restore_env_sh (cmd, NULL) != 0)
		fail_msg ("gen-dev-pki.sh failed");
	if (test_restore_env_pkcs11 ()) {
		/* every imeictl of the run sees the run's tokens */
		g_autofree char *conf = g_build_filename (pki_dir, "softhsm2.conf", NULL);
		g_setenv ("SOFTHSM2_CONF", conf, TRUE);
	}
	return pki_dir;
}

gboolean
test_restore_env_pkcs11 (void)
{
	return g_strcmp0 (g_getenv ("RT_PKCS11"), "1") == 0;
}

char *
test_restore_env_pki_text (const char *name)
{
	g_autofree char *path = g_build_filename (test_restore_env_pki (), name, NULL);
	g_autoptr (GError) error = NULL;
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, &error))
		fail_msg ("cannot read %s: %s", path, error->message);
	g_strchomp (text);
	return text;
}

/* --credential for @object on the run's token, with its module and PIN. */
static void
test_restore_env_add_token_words (GPtrArray *argv, const char *object)
{
	g_autofree char *module = test_restore_env_pki_text ("pkcs11-module.txt");

	g_ptr_array_add (argv, g_strdup ("--credential"));
	g_ptr_array_add (argv, g_strdup_printf ("pkcs11:token=imeirestore-dev;object=%s", object));
	g_ptr_array_add (argv, g_strdup ("--module"));
	g_ptr_array_add (argv, g_steal_pointer (&module));
	g_ptr_array_add (argv, g_strdup ("--pin-file"));
	g_ptr_array_add (argv, g_build_filename (test_restore_env_pki (), "pkcs11-pin.txt", NULL));
}

/* Under RT_PKCS11, a PEM or PKCS#12 credential a test names is the same
 * certificate's object on the token (gen-dev-pki-pkcs11.sh). */
static const char *
test_restore_env_token_object (const char *file)
{
	static const struct {
		const char *file;
		const char *object;
	} objects[] = {
	    {"technician-alice.p12", "technician"},
	    {"technician-alice.pem", "technician"},
	    {"technician-expired.pem", "technician-expired"},
	    {"technician-foreign.pem", "technician-foreign"},
	    {"auditor-carol.p12", "auditor"},
	};
	g_autofree char *base = g_path_get_basename (file);

	for (guint i = 0; i < G_N_ELEMENTS (objects); i++) {
		if (g_strcmp0 (objects[i].file, base) == 0)
			return objects[i].object;
	}
	fail_msg ("no token object for %s: add it to rt_token_object", file);
	return NULL;
}

/* @extra with its file credential (--cert/--key, --p12 and its passphrase
 * file) replaced by the token's. */
static void
test_restore_env_add_extra_on_token (GPtrArray *argv, const char *const *extra)
{
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (g_strcmp0 (extra[i], "--cert") == 0 || g_strcmp0 (extra[i], "--p12") == 0) {
			test_restore_env_add_token_words (
			    argv, test_restore_env_token_object (extra[++i]));
		} else if (g_strcmp0 (extra[i], "--key") == 0 ||
			   g_strcmp0 (extra[i], "--p12-passphrase-file") == 0) {
			i++;
		} else {
			g_ptr_array_add (argv, g_strdup (extra[i]));
		}
	}
}

char *
test_restore_env_trust_store_variant (const char *name, const char *brand_ca, const char *pin)
{
	const char *pki = test_restore_env_pki ();
	g_autofree char *orig = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *text = NULL;
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GError) error = NULL;
	char *path = g_build_filename (pki, name, NULL);

	if (!g_key_file_load_from_file (kf, orig, G_KEY_FILE_KEEP_COMMENTS, &error))
		fail_msg ("cannot read %s: %s", orig, error->message);
	if (brand_ca != NULL)
		g_key_file_set_string (kf, "trust-store", "brand-ca", brand_ca);
	if (pin != NULL)
		g_key_file_set_string (kf, "trust-store", "server-pin", pin);
	text = g_key_file_to_data (kf, NULL, NULL);
	if (!g_file_set_contents (path, text, -1, &error))
		fail_msg ("cannot write %s: %s", path, error->message);
	return path;
}

static const char devices_csv[] =
    "serial,hardware_id,manufacturer,model,tac,imei1,imei2\n" RT_MTK_SERIAL
    ",,MediaTek Inc.,MT6765,49015420," RT_MTK_IMEI1 "," RT_MTK_IMEI2 "\n" RT_MTK2_SERIAL
    ",,MediaTek Inc.,MT6765,26053179," RT_MTK2_IMEI1 "," RT_MTK2_IMEI2 "\n" RT_QCT_SERIAL
    ",,Quectel,EC25,86779804," RT_QCT_IMEI1 ",\n" RT_SIM_SERIAL
    ",,SIMCOM INCORPORATED,SIMCOM_SIM7600E-H,86891503," RT_SIM_IMEI1 ",\n" RT_UNI_SERIAL
    ",,UNISOC,SC9863A,86401203," RT_UNI_IMEI1 "," RT_UNI_IMEI2 "\n" RT_SR_SERIAL "," RT_SR_HWID
    ",imeirestore reference phone,SR1,35209900," RT_SR_IMEI1 "," RT_SR_IMEI2 "\n" RT_INUSE_SERIAL
    ",,Quectel,EC25,86723003," RT_INUSE_IMEI1 ",\n" RT_OTHER_SERIAL
    ",,Quectel,EC25,35209900," RT_OTHER_IMEI1 ",\n";

/* imported on their own: the registry's optional spc column */
static const char devices_qualcomm_csv[] =
    "serial,hardware_id,manufacturer,model,tac,imei1,imei2,spc\n" RT_QC1_SERIAL
    ",,Qualcomm,IRQC-X55,35847631," RT_QC1_IMEI1 ",,\n" RT_QC2_SERIAL
    ",,Qualcomm,IRQC-X55,35847631," RT_QC2_IMEI1 "," RT_QC2_IMEI2 ",\n" RT_QCSPC_SERIAL
    ",,Qualcomm,IRQC-X55,35847631," RT_QCSPC_IMEI1 ",," RT_QCSPC_SPC "\n";

static void
test_restore_env_child_die_with_parent (gpointer data)
{
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
test_restore_env_brandd (const char *const *args)
{
	g_autoptr (GPtrArray) argv = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;
	g_autofree char *err = NULL;
	int status = 0;

	g_ptr_array_add (argv, (gpointer)test_restore_env_getenv ("IMEI_BRANDD"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add (argv, (gpointer)args[i]);
	g_ptr_array_add (argv, NULL);
	if (!g_spawn_sync (NULL,
			   (char **)argv->pdata,
			   NULL,
			   G_SPAWN_STDOUT_TO_DEV_NULL,
			   NULL,
			   NULL,
			   NULL,
			   &err,
			   &status,
			   &error) ||
	    !WIFEXITED (status) || WEXITSTATUS (status) != 0)
		fail_msg (
		    "imei-brandd %s failed: %s", args[0], error != NULL ? error->message : err);
}

/* imei-brandd serve --config @conf, with @env (NULL-terminated
 * NAME=VALUE, may be NULL) added; s->proc and s->url set once it
 * listens. */
static void
test_restore_env_serve (RtServer *s, const char *conf, const char *const *env)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr (GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	const char *prefix = "listening on ";

	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto (GStrv) kv = g_strsplit (env[i], "=", 2);
		g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
	}
	g_subprocess_launcher_set_child_setup (
	    launcher, test_restore_env_child_die_with_parent, NULL, NULL);
	s->proc = g_subprocess_launcher_spawn (launcher,
					       &error,
					       test_restore_env_getenv ("IMEI_BRANDD"),
					       "serve",
					       "--config",
					       conf,
					       NULL);
	if (s->proc == NULL)
		fail_msg ("cannot start imei-brandd: %s", error->message);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
	line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
	if (line == NULL || !g_str_has_prefix (line, prefix))
		fail_msg ("imei-brandd did not say where it listens: %s",
			  line != NULL ? line : "EOF");
	s->url = g_strdup (line + strlen (prefix));
}

RtServer *
test_restore_env_server_start (const char *extra_config)
{
	g_autoptr (RtServer) s = g_new0 (RtServer, 1);
	g_autofree char *conf = NULL;
	g_autofree char *csv = NULL;
	g_autofree char *qc_csv = NULL;
	const char *pki = test_restore_env_pki ();
	/* the witness key unless the test configures the witness itself */
	gboolean own_witness = extra_config != NULL && strstr (extra_config, "[witness]") != NULL;

	s->dir = ir_test_harness_mkdtemp ();
	s->db = g_build_filename (s->dir, "brandd.db", NULL);
	s->state_dir = g_build_filename (s->dir, "state", NULL);
	conf = g_strdup_printf ("[server]\nlisten=127.0.0.1:0\ndatabase=%s\n"
				"[tls]\ncertificate=%s/server.pem\nprivate-key=%s/server.key\n"
				"client-ca=%s/ca.pem\n"
				"[tokens]\nsigning-key=%s/token-ed25519.key\nalgorithm=EdDSA\n"
				"key-id=dev-ed25519-1\nphase=IN-2026-P1\n"
				"%s%s%s\n%s\n",
				s->db,
				pki,
				pki,
				pki,
				pki,
				own_witness ? "" : "[witness]\nkey=",
				own_witness ? "" : pki,
				own_witness ? "" : "/witness.key",
				extra_config != NULL ? extra_config : "");
	s->conf = ir_test_harness_write_file (s->dir, "brandd.conf", conf);
	csv = ir_test_harness_write_file (s->dir, "devices.csv", devices_csv);
	qc_csv = ir_test_harness_write_file (s->dir, "devices-qualcomm.csv", devices_qualcomm_csv);
	{
		const char *init[] = {"init-db", "--db", s->db, NULL};
		const char *import[] = {"import", "--db", s->db, csv, NULL};
		const char *import_qc[] = {"import", "--db", s->db, qc_csv, NULL};
		test_restore_env_brandd (init);
		test_restore_env_brandd (import);
		test_restore_env_brandd (import_qc);
	}
	test_restore_env_serve (s, s->conf, NULL);
	return g_steal_pointer (&s);
}

RtServer *
test_restore_env_server_node (RtServer *first, const char *conf, const char *const *env)
{
	g_autoptr (RtServer) s = g_new0 (RtServer, 1);

	/* the first's folder, database and state: freed with the first */
	s->db = g_strdup (first->db);
	s->state_dir = g_strdup (first->state_dir);
	test_restore_env_serve (s, conf != NULL ? conf : first->conf, env);
	return g_steal_pointer (&s);
}

char *
test_restore_env_dead_url (void)
{
	GSocketAddress *any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
	g_autoptr (GSocket) sock =
	    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr (GSocketAddress) bound = NULL;
	g_autoptr (GError) error = NULL;
	guint16 port;

	/* a port the kernel just gave out, closed again: nothing listens
	 * there, and a connection is refused at once */
	if (sock == NULL || !g_socket_bind (sock, any, FALSE, &error))
		fail_msg ("cannot bind a loopback port: %s", error != NULL ? error->message : "");
	g_object_unref (any);
	bound = g_socket_get_local_address (sock, &error);
	if (bound == NULL)
		fail_msg ("cannot read the bound port: %s", error->message);
	port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
	g_socket_close (sock, NULL);
	return g_strdup_printf ("https://127.0.0.1:%u", port);
}

void
test_restore_env_server_free (RtServer *s)
{
	g_autofree char *cmd = NULL;

	if (s == NULL)
		return;
	if (s->proc != NULL) {
		g_subprocess_send_signal (s->proc, SIGTERM);
		g_subprocess_wait (s->proc, NULL, NULL);
		g_object_unref (s->proc);
	}
	/* a second node's folder is the first's */
	if (s->dir != NULL) {
		cmd = g_strdup_printf ("rm -rf '%s'", s->dir);
		test_restore_env_sh (cmd, NULL);
	}
	g_free (s->dir);
	g_free (s->conf);
	g_free (s->db);
	g_free (s->url);
	g_free (s->state_dir);
	g_free (s);
}

static gboolean
test_restore_env_has_word (const char *const *words, const char *word)
{
	for (guint i = 0; words != NULL && words[i] != NULL; i++) {
		if (g_strcmp0 (words[i], word) == 0)
			return TRUE;
	}
	return FALSE;
}

IrTestRun *
test_restore_env_restore (RtServer *server,
			  const char *port,
			  gboolean yes,
			  const char *const *extra)
{
	const char *pki = test_restore_env_pki ();
	g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *pass_file = g_build_filename (pki, "pkcs12-passphrase.txt", NULL);

	g_ptr_array_add (argv, g_strdup ("restore"));
	if (port != NULL)
		g_ptr_array_add (argv, g_strdup (port));
	g_ptr_array_add (argv, g_strdup ("--json"));
	if (yes)
		g_ptr_array_add (argv, g_strdup ("--yes"));
	/* --server in @extra replaces this server's URL (and may be given
	 * several times: the nodes, in order) */
	if (!test_restore_env_has_word (extra, "--server")) {
		g_ptr_array_add (argv, g_strdup ("--server"));
		g_ptr_array_add (argv, g_strdup (server->url));
	}
	if (!test_restore_env_has_word (extra, "--trust-store")) {
		g_ptr_array_add (argv, g_strdup ("--trust-store"));
		g_ptr_array_add (argv, g_build_filename (pki, "trust-store.conf", NULL));
	}
	if (test_restore_env_pkcs11 ()) {
		if (!test_restore_env_has_word (extra, "--cert") &&
		    !test_restore_env_has_word (extra, "--p12") &&
		    !test_restore_env_has_word (extra, "--credential"))
			test_restore_env_add_token_words (argv, "technician");
	} else if (!test_restore_env_has_word (extra, "--cert") &&
		   !test_restore_env_has_word (extra, "--p12") &&
		   !test_restore_env_has_word (extra, "--credential")) {
		g_ptr_array_add (argv, g_strdup ("--p12"));
		g_ptr_array_add (argv, g_build_filename (pki, "technician-alice.p12", NULL));
		g_ptr_array_add (argv, g_strdup ("--p12-passphrase-file"));
		g_ptr_array_add (argv, g_strdup (pass_file));
	}
	g_ptr_array_add (argv, g_strdup ("--state-dir"));
	g_ptr_array_add (argv, g_strdup (server->state_dir));
	if (test_restore_env_pkcs11 ()) {
		test_restore_env_add_extra_on_token (argv, extra);
	} else {
		for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
			g_ptr_array_add (argv, g_strdup (extra[i]));
	}
	g_ptr_array_add (argv, NULL);
	return ir_test_harness_imeictl_full ((const char *const *)argv->pdata, NULL);
}

IrTestSim *
test_restore_env_sim_start (const char *args)
{
	g_autofree char *full = g_strdup_printf ("%s --state @TMP@/phone.state", args);
	return ir_test_harness_sim_start (full);
}

char *
test_restore_env_sim_imeis (IrTestSim *sim)
{
	g_autofree char *path = g_build_filename (sim->tmpdir, "phone.state", NULL);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GError) error = NULL;

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
		fail_msg ("cannot read the phone's state %s: %s", path, error->message);
	return g_key_file_get_value (kf, "state", "imei", NULL);
}

const char *
test_restore_env_json_path (const IrTestRun *run, const char *path)
{
	g_auto (GStrv) parts = g_strsplit (path, ".", 2);
	JsonObject *obj;
	JsonNode *node;

	if (run->json == NULL || !JSON_NODE_HOLDS_OBJECT (run->json))
		return NULL;
	obj = json_node_get_object (run->json);
	if (parts[1] != NULL) {
		node = json_object_get_member (obj, parts[0]);
		if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
			return NULL;
		obj = json_node_get_object (node);
	}
	node = json_object_get_member (obj, parts[1] != NULL ? parts[1] : parts[0]);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

const char *
test_restore_env_error_code (const IrTestRun *run)
{
	return test_restore_env_json_path (run, "error.code");
}

char *
test_restore_env_policy_day (int offset)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) now = g_date_time_new_now (tz);
	g_autoptr (GDateTime) day = g_date_time_add_days (now, offset);

	return g_date_time_format (day, "%Y-%m-%d");
}

void
test_restore_env_policy_publish (RtServer *server, const char *json)
{
	g_autofree char *in = g_build_filename (server->dir, "policy.json", NULL);
	g_autofree char *note = g_build_filename (server->dir, "policy.note", NULL);
	g_autofree char *cmd = NULL;

	assert_true (g_file_set_contents (in, json, -1, NULL));
	cmd = g_strdup_printf (
	    "'%s' policy sign --key '%s/policy.key' --out '%s' '%s' >/dev/null && "
	    "'%s' policy publish --db '%s' --key '%s/policy.pub.pem' '%s' >/dev/null",
	    g_getenv ("IMEI_BRANDD"),
	    test_restore_env_pki (),
	    note,
	    in,
	    g_getenv ("IMEI_BRANDD"),
	    server->db,
	    test_restore_env_pki (),
	    note);
	assert_int_equal (test_restore_env_sh (cmd, NULL), 0);
}

/* SoftHSM's token file: the token flags attribute (CKA_VENDOR_DEFINED +
 * 'SH' + 3), stored as big-endian type, kind (2: unsigned long), value. */
#define RT_SOFTHSM_TOKEN_FLAGS 0x8000534bUL
#define RT_SOFTHSM_ULONG_ATTR  2UL

void
test_restore_env_pkcs11_lock_pin (const char *dir, const char *label)
{
	g_autofree char *cmd = g_strdup_printf (
	    "grep -l '%s' '%s'/tokens/*/token.object | head -n 1 | tr -d '\\n'", label, dir);
	g_autofree char *path = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;
	guint8 pattern[16];
	gboolean done = FALSE;

	assert_int_equal (test_restore_env_sh (cmd, &path), 0);
	assert_true (g_file_get_contents (path, &data, &len, NULL));
	for (guint i = 0; i < 8; i++) {
		pattern[i] = (guint8)(RT_SOFTHSM_TOKEN_FLAGS >> (8 * (7 - i)));
		pattern[8 + i] = (guint8)(RT_SOFTHSM_ULONG_ATTR >> (8 * (7 - i)));
	}
	for (gsize at = 0; at + 24 <= len && !done; at++) {
		if (memcmp (data + at, pattern, sizeof (pattern)) != 0)
			continue;
		data[at + 16 + 5] |= 0x04; /* CKF_USER_PIN_LOCKED 0x00040000, big-endian */
		done = TRUE;
	}
	assert_true (done);
	assert_true (g_file_set_contents (path, data, (gssize)len, NULL));
}
