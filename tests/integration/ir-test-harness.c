/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <grp.h>
#include <sys/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-test-harness.h"

static const char *
ir_test_harness_getenv (const char *name)
{
	const char *value = g_getenv (name);

	/* set by tests/meson.build: run these through `meson test` */
	if (value == NULL || value[0] == '\0')
		fail_msg ("%s is not set: run the integration tests with meson test", name);
	return value;
}

char *
ir_test_harness_mkdtemp (void)
{
	g_autoptr (GError) error = NULL;
	char *dir = g_dir_make_tmp ("imeictl-it-XXXXXX", &error);

	if (dir == NULL)
		fail_msg ("cannot make a temporary directory: %s", error->message);
	/* a test may run imeictl as nobody, who must reach files in here */
	g_chmod (dir, 0755);
	return dir;
}

void
ir_test_harness_rmdir (const char *dir)
{
	g_autoptr (GDir) d = NULL;
	const char *name;

	if (dir == NULL)
		return;
	d = g_dir_open (dir, 0, NULL);
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

char *
ir_test_harness_write_file (const char *dir, const char *name, const char *contents)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autoptr (GError) error = NULL;

	if (!g_file_set_contents (path, contents, -1, &error))
		fail_msg ("cannot write %s: %s", path, error->message);
	g_chmod (path, 0644);
	return g_steal_pointer (&path);
}

static void
ir_test_harness_child_die_with_parent (gpointer user_data)
{
	/* a failed assertion longjmps past ir_test_harness_sim_free(): the simulator
	 * must not outlive the test and keep meson waiting on its stderr */
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

IrTestSim *
ir_test_harness_sim_start_in (const char *tmpdir, const char *args)
{
	g_autoptr (IrTestSim) sim = g_new0 (IrTestSim, 1);
	g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
	g_auto (GStrv) words = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) seen = g_string_new (NULL);
	g_autoptr (GSubprocessLauncher) launcher = NULL;

	sim->tmpdir = g_strdup (tmpdir);
	if (!g_shell_parse_argv (args, NULL, &words, &error))
		fail_msg ("bad simulator arguments \"%s\": %s", args, error->message);
	g_ptr_array_add (argv, g_strdup (ir_test_harness_getenv ("IMEI_SIM")));
	for (guint i = 0; words[i] != NULL; i++) {
		g_autoptr (GString) word = g_string_new (words[i]);
		g_string_replace (word, "@TMP@", tmpdir, 0);
		g_ptr_array_add (argv, g_string_free (g_steal_pointer (&word), FALSE));
	}
	g_ptr_array_add (argv, NULL);

	/* stderr goes to the test log: the simulator's own complaints */
	launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_set_child_setup (
	    launcher, ir_test_harness_child_die_with_parent, NULL, NULL);
	sim->proc =
	    g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
	if (sim->proc == NULL)
		fail_msg ("cannot start imei-sim: %s", error->message);
	sim->stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
	for (;;) {
		g_autofree char *line =
		    g_data_input_stream_read_line_utf8 (sim->stdout_stream, NULL, NULL, &error);
		const char *space;

		if (line == NULL)
			fail_msg (
			    "imei-sim %s exited before \"ready\"; it printed: %s", args, seen->str);
		g_string_append_printf (seen, "%s\n", line);
		if (g_strcmp0 (line, "ready") == 0)
			break;
		space = strchr (line, ' ');
		if (space != NULL && sim->path == NULL)
			sim->path = g_strdup (space + 1);
	}
	if (sim->path == NULL)
		fail_msg ("imei-sim %s printed no \"NAME PATH\" line: %s", args, seen->str);
	return g_steal_pointer (&sim);
}

IrTestSim *
ir_test_harness_sim_start (const char *args)
{
	g_autofree char *tmpdir = ir_test_harness_mkdtemp ();
	IrTestSim *sim = ir_test_harness_sim_start_in (tmpdir, args);

	sim->owns_tmpdir = TRUE;
	return sim;
}

void
ir_test_harness_sim_free (IrTestSim *sim)
{
	if (sim == NULL)
		return;
	if (sim->proc != NULL) {
		g_subprocess_send_signal (sim->proc, SIGTERM);
		g_subprocess_wait (sim->proc, NULL, NULL);
	}
	g_clear_object (&sim->stdout_stream);
	g_clear_object (&sim->proc);
	if (sim->owns_tmpdir)
		ir_test_harness_rmdir (sim->tmpdir);
	g_free (sim->path);
	g_free (sim->tmpdir);
	g_free (sim);
}

void
ir_test_harness_run_free (IrTestRun *run)
{
	if (run == NULL)
		return;
	g_free (run->out);
	g_free (run->err);
	if (run->json != NULL)
		json_node_unref (run->json);
	g_free (run);
}

static void
ir_test_harness_child_drop_privileges (gpointer user_data)
{
	/* async-signal-safe calls only: this runs between fork and exec */
	gid_t nogroup = 65534;
	if (setgroups (1, &nogroup) != 0 || setgid (65534) != 0 || setuid (65534) != 0)
		_exit (99);
}

static JsonNode *
ir_test_harness_parse_json (const char *text)
{
	g_autoptr (JsonParser) parser = json_parser_new ();

	if (text == NULL || text[0] == '\0')
		return NULL;
	if (!json_parser_load_from_data (parser, text, -1, NULL))
		return NULL;
	return json_node_copy (json_parser_get_root (parser));
}

IrTestRun *
ir_test_harness_imeictl_full (const char *const *argv, const IrTestRunOptions *opts)
{
	g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr (GPtrArray) args = g_ptr_array_new ();
	g_autoptr (GSubprocess) proc = NULL;
	g_autoptr (GError) error = NULL;
	IrTestRun *run = g_new0 (IrTestRun, 1);

	g_subprocess_launcher_unsetenv (launcher, "IMEIRESTORE_DUPLICATES");
	g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
	for (guint i = 0; opts != NULL && opts->env != NULL && opts->env[i] != NULL; i++) {
		g_auto (GStrv) kv = g_strsplit (opts->env[i], "=", 2);
		g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
	}
	if (opts != NULL && opts->as_nobody && geteuid () == 0)
		g_subprocess_launcher_set_child_setup (
		    launcher, ir_test_harness_child_drop_privileges, NULL, NULL);
	g_ptr_array_add (args, (gpointer)ir_test_harness_getenv ("IMEICTL"));
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add (args, (gpointer)argv[i]);
	g_ptr_array_add (args, NULL);

	proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)args->pdata, &error);
	if (proc == NULL)
		fail_msg ("cannot start imeictl: %s", error->message);
	if (opts != NULL && opts->sigint_after_ms > 0) {
		g_usleep ((gulong)opts->sigint_after_ms * 1000);
		g_subprocess_send_signal (proc, SIGINT);
	}
	if (!g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error))
		fail_msg ("cannot read imeictl's output: %s", error->message);
	if (g_subprocess_get_if_exited (proc))
		run->exit_code = g_subprocess_get_exit_status (proc);
	else
		run->exit_code = -g_subprocess_get_term_sig (proc);
	run->json = ir_test_harness_parse_json (run->out);
	/* the test log shows what imeictl said, whatever the assertion */
	print_message ("imeictl exit %d; stderr: %s", run->exit_code, run->err);
	if (run->exit_code == 99 && opts != NULL && opts->as_nobody)
		fail_msg ("could not drop privileges to nobody for the test");
	return run;
}

IrTestRun *
ir_test_harness_imeictl (const char *first, ...)
{
	g_autoptr (GPtrArray) argv = g_ptr_array_new ();
	va_list ap;

	va_start (ap, first);
	for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
		g_ptr_array_add (argv, (gpointer)arg);
	va_end (ap);
	g_ptr_array_add (argv, NULL);
	return ir_test_harness_imeictl_full ((const char *const *)argv->pdata, NULL);
}

void
ir_test_harness_assert_error (const IrTestRun *run, int exit_code, const char *code, ...)
{
	const char *newline;
	va_list ap;

	assert_int_equal (run->exit_code, exit_code);
	assert_non_null (run->err);
	assert_true (g_str_has_prefix (run->err, "imeictl: "));
	newline = strchr (run->err, '\n');
	assert_non_null (newline);
	assert_string_equal (newline, "\n"); /* exactly one line */
	va_start (ap, code);
	for (const char *needle = va_arg (ap, const char *); needle != NULL;
	     needle = va_arg (ap, const char *)) {
		if (strstr (run->err, needle) == NULL)
			fail_msg ("stderr \"%s\" does not mention \"%s\"", run->err, needle);
	}
	va_end (ap);
	if (code != NULL) {
		JsonObject *err;
		assert_non_null (run->json);
		assert_true (JSON_NODE_HOLDS_OBJECT (run->json));
		err = json_object_get_object_member (json_node_get_object (run->json), "error");
		assert_non_null (err);
		assert_string_equal (json_object_get_string_member (err, "code"), code);
		assert_int_equal (json_object_get_int_member (err, "exit_code"), exit_code);
		assert_non_null (json_object_get_string_member (err, "message"));
	}
}

const char *
ir_test_harness_json_string (JsonNode *root, const char *name)
{
	JsonObject *obj;

	assert_non_null (root);
	assert_true (JSON_NODE_HOLDS_OBJECT (root));
	obj = json_node_get_object (root);
	if (!json_object_has_member (obj, name) || json_object_get_null_member (obj, name))
		return NULL;
	return json_object_get_string_member (obj, name);
}

JsonArray *
ir_test_harness_json_slots (JsonNode *root)
{
	JsonObject *obj;

	assert_non_null (root);
	assert_true (JSON_NODE_HOLDS_OBJECT (root));
	obj = json_node_get_object (root);
	assert_true (json_object_has_member (obj, "slots"));
	return json_object_get_array_member (obj, "slots");
}

const char *
ir_test_harness_slot_string (JsonNode *root, guint idx, const char *name)
{
	JsonArray *slots = ir_test_harness_json_slots (root);
	JsonObject *slot;

	assert_true (idx < json_array_get_length (slots));
	slot = json_array_get_object_element (slots, idx);
	if (!json_object_has_member (slot, name) || json_object_get_null_member (slot, name))
		return NULL;
	return json_object_get_string_member (slot, name);
}

/* @node as JSON text without its "port" member, the port named anywhere
 * else in it (a note: "AT+CGSN=1 on /dev/pts/3 did not answer") as
 * @PORT@. */
static char *
ir_test_harness_json_text_but_port (JsonNode *node)
{
	g_autoptr (JsonNode) copy = json_node_copy (node);
	JsonObject *obj = json_node_get_object (copy);
	g_autofree char *port =
	    g_strdup (json_object_get_string_member_with_default (obj, "port", ""));
	g_autofree char *json = NULL;
	g_autoptr (GString) text = NULL;
	g_autoptr (GRegex) pty_regex = g_regex_new ("/dev/pts/[0-9]+", 0, 0, NULL);

	json_object_remove_member (obj, "port");
	json = json_to_string (copy, FALSE);
	text = g_string_new (json);
	if (port[0] != '\0')
		g_string_replace (text, port, "@PORT@", 0);
	/* the simulator's port is a link to a pty, which a note names */
	return g_regex_replace_literal (pty_regex, text->str, -1, 0, "@PORT@", 0, NULL);
}

gboolean
ir_test_harness_json_equal_but_port (JsonNode *a, JsonNode *b)
{
	g_autofree char *ta = NULL;
	g_autofree char *tb = NULL;

	if (a == NULL || b == NULL || !JSON_NODE_HOLDS_OBJECT (a) || !JSON_NODE_HOLDS_OBJECT (b))
		return FALSE;
	ta = ir_test_harness_json_text_but_port (a);
	tb = ir_test_harness_json_text_but_port (b);
	if (g_strcmp0 (ta, tb) != 0) {
		g_printerr ("JSON differs but for the port:\n%s\n%s\n", ta, tb);
		return FALSE;
	}
	return TRUE;
}

int
ir_test_harness_run_table (const char *group,
			   void (*func) (void **state),
			   const void *rows,
			   gsize row_size,
			   guint n_rows,
			   const void *extra,
			   guint n_extra)
{
	g_autofree struct CMUnitTest *tests = g_new0 (struct CMUnitTest, n_rows + n_extra);

	for (guint i = 0; i < n_rows; i++) {
		const guint8 *row = (const guint8 *)rows + i * row_size;
		const char *name = NULL;

		/* the row's first member is its name */
		memcpy (&name, row, sizeof (name));
		tests[i].name = name;
		tests[i].test_func = func;
		tests[i].initial_state = (void *)row;
	}
	if (n_extra > 0)
		memcpy (tests + n_rows, extra, n_extra * sizeof (struct CMUnitTest));
	return _cmocka_run_group_tests (group, tests, n_rows + n_extra, NULL, NULL);
}
