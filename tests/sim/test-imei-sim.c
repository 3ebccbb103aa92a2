/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ir-at-parser.h"
#include "ir-recording.h"
#include "ir-token.h"
#include "secure-restore-v1/secure-restore-v1-host.h"
#include "sim-test-host.h"
#include "sim-test-phone.h"

#define CMD_TIMEOUT_MS 3000
#define QUIET_MS       300

/* imei-sim as a QA script runs it: a subprocess whose stdout announces the
 * phones and "ready". */
typedef struct {
	GSubprocess *process;
	GDataInputStream *out;
	GPtrArray *names; /* char * */
	GPtrArray *paths; /* char * */
} Sim;

static void
sim_free (Sim *sim)
{
	if (sim->process != NULL && g_subprocess_get_identifier (sim->process) != NULL)
		g_subprocess_force_exit (sim->process);
	g_clear_object (&sim->process);
	g_clear_object (&sim->out);
	g_ptr_array_unref (sim->names);
	g_ptr_array_unref (sim->paths);
	g_free (sim);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sim, sim_free)

static const char *
test_imei_sim_binary (void)
{
	const char *path = g_getenv ("IMEI_SIM");
	if (path == NULL)
		fail_msg ("IMEI_SIM is not set: run this test through meson test");
	return path;
}

static GSubprocess *
test_imei_sim_spawn (const char *const *args)
{
	g_autoptr (GPtrArray) argv = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;
	GSubprocess *process;

	g_ptr_array_add (argv, (gpointer)test_imei_sim_binary ());
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add (argv, (gpointer)args[i]);
	g_ptr_array_add (argv, NULL);
	process =
	    g_subprocess_newv ((const char *const *)argv->pdata,
			       G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			       &error);
	if (process == NULL)
		fail_msg ("failed to start imei-sim: %s", error->message);
	return process;
}

/* Starts imei-sim and reads "NAME PATH" lines up to "ready". */
static Sim *
sim_start (const char *const *args)
{
	Sim *sim = g_new0 (Sim, 1);

	sim->names = g_ptr_array_new_with_free_func (g_free);
	sim->paths = g_ptr_array_new_with_free_func (g_free);
	sim->process = test_imei_sim_spawn (args);
	sim->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->process));
	for (;;) {
		g_autoptr (GError) error = NULL;
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (sim->out, NULL, NULL, &error);
		g_auto (GStrv) words = NULL;
		if (line == NULL)
			fail_msg ("imei-sim ended before \"ready\"");
		if (g_strcmp0 (line, "ready") == 0)
			return sim;
		words = g_strsplit (line, " ", -1);
		assert_int_equal (g_strv_length (words), 2);
		assert_true (g_str_has_prefix (words[1], "/dev/pts/"));
		g_ptr_array_add (sim->names, g_strdup (words[0]));
		g_ptr_array_add (sim->paths, g_strdup (words[1]));
	}
}

static char *
test_imei_sim_read_all (GInputStream *stream)
{
	g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
	g_autoptr (GError) error = NULL;

	assert_true (g_output_stream_splice (
			 mem, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) >= 0);
	g_output_stream_write (mem, "", 1, NULL, NULL);
	return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
}

/* Signals imei-sim, waits, returns its stderr; asserts exit status 0. */
static char *
sim_stop (Sim *sim, int signum)
{
	g_autoptr (GError) error = NULL;
	char *err;

	if (signum != 0)
		g_subprocess_send_signal (sim->process, signum);
	err = test_imei_sim_read_all (g_subprocess_get_stderr_pipe (sim->process));
	assert_true (g_subprocess_wait (sim->process, NULL, &error));
	assert_true (g_subprocess_get_if_exited (sim->process));
	if (g_subprocess_get_exit_status (sim->process) != 0)
		fail_msg (
		    "imei-sim exited %d: %s", g_subprocess_get_exit_status (sim->process), err);
	return err;
}

static GString *
test_imei_sim_ask (const char *path, const char *cmd)
{
	int fd = sim_test_host_open (path);
	GString *answer = sim_test_host_command (fd, cmd, CMD_TIMEOUT_MS);
	close (fd);
	return answer;
}

static guint
test_imei_sim_count_lines (const char *text)
{
	guint n = 0;
	for (const char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

/* Flags, link, state, SIGTERM; then a restart keeps the written IMEI. */
static void
test_imei_sim_flags (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-bin-XXXXXX");
	g_autofree char *link = g_build_filename (dir, "ttySIM0", NULL);
	g_autofree char *state_file = g_build_filename (dir, "m1.state", NULL);
	const char *args[] = {"--name",
			      "m1",
			      "--family",
			      "mediatek",
			      "--imei",
			      "000000000000000",
			      "--imei",
			      "000000000000000",
			      "--no-echo",
			      "--link",
			      link,
			      "--state",
			      state_file,
			      NULL};

	{
		g_autoptr (Sim) sim = sim_start (args);
		g_autoptr (GString) before = NULL;
		g_autoptr (GString) wrote = NULL;
		g_autofree char *target = g_file_read_link (link, NULL);

		assert_int_equal (sim->names->len, 1);
		assert_string_equal (g_ptr_array_index (sim->names, 0), "m1");
		assert_string_equal (target, g_ptr_array_index (sim->paths, 0));
		before = test_imei_sim_ask (link, "AT+EGMR=0,10");
		assert_non_null (strstr (before->str, "000000000000000"));
		wrote = test_imei_sim_ask (link, "AT+EGMR=1,10,\"490154203237518\"");
		assert_true (g_str_has_suffix (wrote->str, "\r\nOK\r\n"));
		g_free (sim_stop (sim, SIGTERM));
		assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
	}
	{
		g_autoptr (Sim) sim = sim_start (args);
		g_autoptr (GString) after = test_imei_sim_ask (link, "AT+EGMR=0,10");
		assert_non_null (strstr (after->str, "490154203237518"));
		g_free (sim_stop (sim, SIGINT));
		assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
	}
	sim_test_phone_dir_remove (dir);
}

static void
test_imei_sim_config (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-bin-XXXXXX");
	g_autofree char *ini = g_build_filename (dir, "phones.ini", NULL);
	const char *contents = "[phone first]\nfamily=simcom\necho=false\n"
			       "[phone second]\nfamily=unisoc\nmanufacturer=Spreadtrum\n"
			       "imei=864012039876545\n";
	const char *args[] = {"--config", ini, NULL};

	assert_true (g_file_set_contents (ini, contents, -1, NULL));
	{
		g_autoptr (Sim) sim = sim_start (args);
		g_autoptr (GString) a = NULL;
		g_autoptr (GString) b = NULL;

		assert_int_equal (sim->names->len, 2);
		assert_string_equal (g_ptr_array_index (sim->names, 0), "first");
		assert_string_equal (g_ptr_array_index (sim->names, 1), "second");
		a = test_imei_sim_ask (g_ptr_array_index (sim->paths, 0), "AT+CGMI");
		b = test_imei_sim_ask (g_ptr_array_index (sim->paths, 1), "AT+CGMI");
		assert_non_null (strstr (a->str, "SIMCOM"));
		assert_non_null (strstr (b->str, "Spreadtrum"));
		g_free (sim_stop (sim, SIGTERM));
	}
	sim_test_phone_dir_remove (dir);
}

/* The last phone hanging up ends imei-sim, exit 0. */
static void
test_imei_sim_disconnect (void **state)
{
	const char *args[] = {"--family", "3gpp", "--disconnect-after", "1", NULL};
	g_autoptr (Sim) sim = sim_start (args);
	int fd = sim_test_host_open (g_ptr_array_index (sim->paths, 0));
	g_autoptr (GString) answer = sim_test_host_command (fd, "AT+CGMI", CMD_TIMEOUT_MS);
	gboolean hangup = FALSE;
	g_autoptr (GString) after = sim_test_host_read_until (fd, NULL, CMD_TIMEOUT_MS, &hangup);
	g_autofree char *err = NULL;

	if (!g_str_has_suffix (answer->str, "\r\nOK\r\n"))
		fail_msg ("answer \"%s\"", g_strescape (answer->str, NULL));
	assert_true (hangup);
	assert_int_equal (after->len, 0);
	close (fd);
	err = sim_stop (sim, 0);
	assert_non_null (strstr (err, "hung up after 1 commands"));
}

static void
test_imei_sim_replay_divergence (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-bin-XXXXXX");
	g_autofree char *file = g_build_filename (dir, "session.json", NULL);
	g_autoptr (IrRecording) recording = ir_recording_new ("/dev/ttyUSB0");
	g_autoptr (GError) error = NULL;
	const char *args[] = {"--replay", file, NULL};

	ir_recording_add_at (recording, IR_RECORDING_WRITE, 0, (const guint8 *)"AT+CGMI\r", 8);
	ir_recording_add_at (recording, IR_RECORDING_READ, 500, (const guint8 *)"\r\nOK\r\n", 6);
	assert_true (ir_recording_save (recording, file, &error));
	{
		g_autoptr (Sim) sim = sim_start (args);
		g_autoptr (GString) right =
		    test_imei_sim_ask (g_ptr_array_index (sim->paths, 0), "AT+CGMI");
		g_autoptr (GString) wrong =
		    test_imei_sim_ask (g_ptr_array_index (sim->paths, 0), "AT+CGMM");
		g_autofree char *err = NULL;

		assert_string_equal (right->str, "\r\nOK\r\n");
		assert_int_equal (wrong->len, 0);
		err = sim_stop (sim, SIGTERM);
		if (strstr (err,
			    "replay diverged after the last event (2): expected nothing more, "
			    "got \"AT+CGMM\\r\"") == NULL)
			fail_msg ("stderr: %s", err);
	}
	sim_test_phone_dir_remove (dir);
}

/* ---- a secure-restore-v1 phone, with a development PKI ---- */

/* certs/gen-dev-pki.sh into @dir. */
static void
test_imei_sim_make_pki (const char *dir)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");
	g_autofree char *script = NULL;
	g_autofree char *err = NULL;
	g_autoptr (GError) error = NULL;
	int status = 0;

	if (srcdir == NULL)
		fail_msg ("IR_SRCDIR is not set: run this test through meson test");
	script = g_build_filename (srcdir, "certs", "gen-dev-pki.sh", NULL);
	{
		const char *argv[] = {script, dir, NULL};
		if (!g_spawn_sync (NULL,
				   (char **)argv,
				   NULL,
				   G_SPAWN_STDOUT_TO_DEV_NULL,
				   NULL,
				   NULL,
				   NULL,
				   &err,
				   &status,
				   &error))
			fail_msg ("cannot run %s: %s", script, error->message);
	}
	if (!g_spawn_check_wait_status (status, NULL))
		fail_msg ("gen-dev-pki.sh failed: %s", err);
}

/* AT+IRCHAL over the port, read with the host driver's parser. */
static IrChallenge *
test_imei_sim_secure_challenge (int fd)
{
	g_autoptr (GString) answer = sim_test_host_command (fd, "AT+IRCHAL", CMD_TIMEOUT_MS);
	g_autoptr (IrAtParser) parser = ir_at_parser_new ("AT+IRCHAL");
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error = NULL;
	gboolean done = FALSE;
	IrChallenge *chal;

	assert_true (
	    ir_at_parser_feed (parser, (const guint8 *)answer->str, answer->len, &done, &error));
	assert_true (done);
	resp = ir_at_parser_steal_response (parser);
	chal = secure_restore_v1_parse_challenge (resp, &error);
	if (chal == NULL)
		fail_msg ("AT+IRCHAL: %s", error->message);
	return chal;
}

/* A token for @chal that restores the family's default IMEIs. */
static char *
test_imei_sim_secure_token (const char *pki, const IrChallenge *chal)
{
	g_autofree char *key_path = g_build_filename (pki, "token-ed25519.key", NULL);
	g_autoptr (GError) error = NULL;
	g_auto (IrTokenClaims) c = {0};
	g_autoptr (GBytes) token = NULL;
	IrTokenAlg alg;
	EVP_PKEY *key = ir_token_signing_key_load (key_path, &alg, &error);

	assert_non_null (key);
	c.iss = g_strdup ("imei-brandd.dev");
	c.aud = g_strdup ("imeirestore");
	c.iat = c.nbf = g_get_real_time () / G_USEC_PER_SEC - 5;
	c.exp = c.iat + 600;
	c.cti = g_bytes_new ("0123456789abcdef", 16);
	c.hardware_id = g_strdup (chal->hardware_id);
	c.serial = g_strdup ("SR1000001");
	c.nonce = g_bytes_ref (chal->nonce);
	c.has_counter = TRUE;
	c.counter = chal->counter;
	c.imei[0] = g_strdup ("352099002000012");
	c.imei[1] = g_strdup ("352099002000020");
	c.phase = g_strdup ("phase-1");
	c.centre = g_strdup ("DL-0001");
	token = ir_token_encode (&c, IR_TOKEN_ALG_EDDSA, "dev-ed25519-1", key, &error);
	EVP_PKEY_free (key);
	if (token == NULL)
		fail_msg ("cannot sign: %s", error->message);
	return ir_token_to_base64url (token);
}

static GString *
test_imei_sim_secure_restore (int fd, const char *text)
{
	g_autofree char *line = g_strdup_printf ("AT+IRRESTORE=\"%s\"", text);
	return sim_test_host_command (fd, line, CMD_TIMEOUT_MS);
}

/* The phone over its real pty, echo on: a challenge, a restore, a line as
 * long as the largest token (it arrives whole), one longer (the buffer
 * refuses it); then a restart keeps the IMEIs and the counter. */
static void
test_imei_sim_secure (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-bin-XXXXXX");
	g_autofree char *pki = g_build_filename (dir, "pki", NULL);
	g_autofree char *store = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *state_file = g_build_filename (dir, "secure.state", NULL);
	g_autofree char *saved = NULL;
	g_autofree char *rm = NULL;
	const char *args[] = {"--family",
			      "secure-restore-v1",
			      "--trust-store",
			      store,
			      "--state",
			      state_file,
			      "--imei",
			      "000000000000000",
			      "--imei",
			      "000000000000000",
			      NULL};

	test_imei_sim_make_pki (pki);
	{
		g_autoptr (Sim) sim = sim_start (args);
		int fd = sim_test_host_open (g_ptr_array_index (sim->paths, 0));
		g_autoptr (GString) cmee = sim_test_host_command (fd, "AT+CMEE=1", CMD_TIMEOUT_MS);
		g_autoptr (IrChallenge) chal = test_imei_sim_secure_challenge (fd);
		g_autofree char *text = test_imei_sim_secure_token (pki, chal);
		g_autoptr (GString) ok = test_imei_sim_secure_restore (fd, text);
		g_autoptr (IrChallenge) chal2 = test_imei_sim_secure_challenge (fd);
		g_autoptr (GString) big = NULL;
		g_autoptr (GString) huge = NULL;
		g_autoptr (GString) imeis = NULL;
		GString *text_big = g_string_new (NULL);

		assert_true (g_str_has_suffix (cmee->str, "\r\nOK\r\n"));
		assert_string_equal (chal->hardware_id, "sr1-hw-000001");
		assert_true (chal->counter == 1);
		if (!g_str_has_suffix (ok->str, "\r\nOK\r\n"))
			fail_msg ("restore answered \"%s\"", g_strescape (ok->str, NULL));
		assert_true (chal2->counter == 2);
		/* 5468 characters: through the pty whole, refused as too large */
		for (guint i = 0; i < 5468; i++)
			g_string_append_c (text_big, 'A');
		big = test_imei_sim_secure_restore (fd, text_big->str);
		assert_true (g_str_has_suffix (big->str, "\r\n+CME ERROR: 702\r\n"));
		/* past the phone's 6144-character line buffer */
		g_string_append (text_big, text_big->str);
		huge = test_imei_sim_secure_restore (fd, text_big->str);
		assert_true (g_str_has_suffix (huge->str, "\r\nERROR\r\n"));
		g_string_free (text_big, TRUE);
		imeis = sim_test_host_command (fd, "AT+IRIMEI?", CMD_TIMEOUT_MS);
		assert_non_null (strstr (imeis->str, "+IRIMEI: 0,\"352099002000012\""));
		assert_non_null (strstr (imeis->str, "+IRIMEI: 1,\"352099002000020\""));
		close (fd);
		g_free (sim_stop (sim, SIGTERM));
	}
	assert_true (g_file_get_contents (state_file, &saved, NULL, NULL));
	assert_non_null (strstr (saved, "counter=2"));
	{
		g_autoptr (Sim) sim = sim_start (args);
		int fd = sim_test_host_open (g_ptr_array_index (sim->paths, 0));
		g_autoptr (GString) imeis =
		    sim_test_host_command (fd, "AT+IRIMEI?", CMD_TIMEOUT_MS);
		g_autoptr (IrChallenge) chal = test_imei_sim_secure_challenge (fd);

		assert_non_null (strstr (imeis->str, "+IRIMEI: 0,\"352099002000012\""));
		/* the counter never goes back, across restarts */
		assert_true (chal->counter == 3);
		close (fd);
		g_free (sim_stop (sim, SIGTERM));
	}
	rm = g_strdup_printf ("rm -rf '%s'", pki);
	assert_int_equal (system (rm), 0);
	sim_test_phone_dir_remove (dir);
}

/* Bad input: one line naming the flag, exit 2, no phone announced. */
static void
test_imei_sim_bad_input (void **state)
{
	g_autofree char *dir = sim_test_phone_dir_new ("imei-sim-bin-XXXXXX");
	g_autofree char *ini = g_build_filename (dir, "ok.ini", NULL);
	g_autofree char *simcom_state = g_build_filename (dir, "simcom.state", NULL);
	g_autofree char *regular = g_build_filename (dir, "regular", NULL);
	const struct {
		const char *args[8];
		const char *error;
	} rows[] = {
	    {{NULL}, "imei-sim: --family: no family given"},
	    {{"--family", "nokia"},
	     "imei-sim: --family: unknown family \"nokia\": allowed are 3gpp"},
	    {{"--family", "simcom", "--imei", "1", "--imei", "2", "--imei", "3"},
	     "--imei: a phone has at most 2 IMEI slots"},
	    {{"--family", "simcom", "--latency", "soon"}, "--latency: \"soon\" is not a latency"},
	    {{"--family", "simcom", "--drop-rate", "2"}, "--drop-rate: \"2\" is not a probability"},
	    {{"--family", "simcom", "--garble-rate"}, "Missing argument for --garble-rate"},
	    {{"--family", "simcom", "--seed", "x"}, "--seed: \"x\" is not a seed"},
	    {{"--family", "simcom", "--disconnect-after", "-1"}, "--disconnect-after:"},
	    {{"--family", "simcom", "--write-error", "OOPS"}, "--write-error: \"OOPS\" is not a"},
	    {{"--family", "simcom", "--read-only-slot", "2"},
	     "--read-only-slot: slot 2 does not exist"},
	    {{"--family", "simcom", "--read-only-slot", "9"},
	     "--read-only-slot: \"9\" is not a slot"},
	    {{"--family", "simcom", "--bogus"}, "Unknown option --bogus"},
	    {{"--family", "simcom", "extra"}, "unexpected argument \"extra\""},
	    {{"--config", "/nonexistent/phones.ini"}, "failed to read config file"},
	    {{"--config", ini, "--model", "X"}, "--model: cannot be combined with --config"},
	    {{"--replay", "/nonexistent/session.json"}, "failed to load the recording"},
	    {{"--replay", "/tmp/x.json", "--imei", "1"}, "--imei: cannot be combined with replay"},
	    {{"--family", "mediatek", "--state", simcom_state}, "belongs to a simcom phone"},
	    {{"--family", "simcom", "--link", regular}, "is not a symlink"},
	    {{"--family", "secure-restore-v1"},
	     "imei-sim: --trust-store: a secure-restore-v1 phone verifies restore tokens"},
	    {{"--family", "secure-restore-v1", "--trust-store", "/nonexistent/ts.conf"},
	     "--trust-store: failed to load the phone's trust store"},
	    {{"--family", "simcom", "--trust-store", ""}, "--trust-store: empty path"},
	};

	assert_true (g_file_set_contents (ini, "[phone a]\nfamily=simcom\n", -1, NULL));
	assert_true (
	    g_file_set_contents (simcom_state, "[state]\nfamily=simcom\nimei=1;\n", -1, NULL));
	assert_true (g_file_set_contents (regular, "keep", -1, NULL));
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GSubprocess) process = test_imei_sim_spawn (rows[i].args);
		g_autofree char *out = NULL;
		g_autofree char *err = NULL;
		g_autoptr (GError) error = NULL;

		assert_true (
		    g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
		assert_true (g_subprocess_get_if_exited (process));
		if (g_subprocess_get_exit_status (process) != 2 ||
		    strstr (err, rows[i].error) == NULL)
			fail_msg ("row %u: exit %d, stderr \"%s\", expected \"%s\"",
				  i,
				  g_subprocess_get_exit_status (process),
				  err,
				  rows[i].error);
		/* one line, nothing announced */
		assert_int_equal (test_imei_sim_count_lines (err), 1);
		assert_string_equal (out, "");
	}
	assert_true (g_file_test (regular, G_FILE_TEST_IS_REGULAR));
	sim_test_phone_dir_remove (dir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_imei_sim_flags),
	    cmocka_unit_test (test_imei_sim_config),
	    cmocka_unit_test (test_imei_sim_disconnect),
	    cmocka_unit_test (test_imei_sim_replay_divergence),
	    cmocka_unit_test (test_imei_sim_bad_input),
	    cmocka_unit_test (test_imei_sim_secure),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
