/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-restore-log-env.h"

IrTestRun *
test_restore_log_env_restore (RtServer *server,
			      const char *state_dir,
			      const char *port,
			      const char *const *env)
{
	const char *pki = test_restore_env_pki ();
	g_autofree char *p12 = g_build_filename (pki, "technician-alice.p12", NULL);
	g_autofree char *ts = g_build_filename (pki, "trust-store.conf", NULL);
	g_autofree char *pass = g_build_filename (pki, "pkcs12-passphrase.txt", NULL);
	const char *argv[] = {"restore",
			      port,
			      "--json",
			      "--yes",
			      "--server",
			      server->url,
			      "--trust-store",
			      ts,
			      "--p12",
			      p12,
			      "--p12-passphrase-file",
			      pass,
			      "--state-dir",
			      state_dir,
			      "--workstation",
			      "ws-test-1",
			      NULL};
	IrTestRunOptions opts = {.env = env};

	return ir_test_harness_imeictl_full (argv, &opts);
}

IrTestRun *
test_restore_log_env_recover (const char *state_dir, const char *port, gboolean json)
{
	const char *argv[6] = {"recover", "--state-dir", state_dir, NULL, NULL, NULL};
	guint n = 3;

	if (json)
		argv[n++] = "--json";
	if (port != NULL)
		argv[n++] = port;
	return ir_test_harness_imeictl_full (argv, NULL);
}

char *
test_restore_log_env_log_text (const char *state_dir)
{
	g_autofree char *path = g_build_filename (state_dir, "migration-log.jsonl", NULL);
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return g_strdup ("");
	return text;
}

GPtrArray *
test_restore_log_env_records (const char *state_dir)
{
	g_autofree char *text = test_restore_log_env_log_text (state_dir);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	guint n = g_strv_length (lines);

	/* a complete log ends with a newline: the last piece is empty */
	if (n > 0 && lines[n - 1][0] != '\0')
		fail_msg (
		    "the migration log in %s ends in a torn line: %s", state_dir, lines[n - 1]);
	for (guint i = 0; i + 1 < n; i++) {
		g_autoptr (JsonParser) parser = json_parser_new ();
		g_autoptr (GError) error = NULL;
		JsonObject *obj;

		/* the inline layout: each record's checkpoint signature line */
		if (g_str_has_prefix (lines[i], "\xe2\x80\x94 "))
			continue;

		if (!json_parser_load_from_data (parser, lines[i], -1, &error) ||
		    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
			fail_msg ("line %u of the migration log is not a JSON object: %s",
				  i + 1,
				  lines[i]);
		obj = json_node_get_object (json_parser_get_root (parser));
		assert_int_equal (json_object_get_int_member_with_default (obj, "schema", -1), 1);
		assert_int_equal (json_object_get_int_member_with_default (obj, "seq", -1),
				  records->len);
		g_ptr_array_add (records, json_object_ref (obj));
	}
	return records;
}

const char *
test_restore_log_env_string (JsonObject *record, const char *name)
{
	JsonNode *node = json_object_get_member (record, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

const char *
test_restore_log_env_type (JsonObject *record)
{
	return test_restore_log_env_string (record, "type");
}

int
test_restore_log_env_find (GPtrArray *records, guint from, const char *type, const char *intent_id)
{
	for (guint i = from; i < records->len; i++) {
		JsonObject *rec = g_ptr_array_index (records, i);
		if (g_strcmp0 (test_restore_log_env_type (rec), type) != 0)
			continue;
		if (intent_id == NULL ||
		    g_strcmp0 (test_restore_log_env_string (rec, "intent_id"), intent_id) == 0)
			return (int)i;
	}
	return -1;
}

void
test_restore_log_env_assert_all_resolved (GPtrArray *records)
{
	for (guint i = 0; i < records->len; i++) {
		JsonObject *rec = g_ptr_array_index (records, i);
		const char *id = test_restore_log_env_string (rec, "intent_id");
		const char *outcome = NULL;

		if (g_strcmp0 (test_restore_log_env_type (rec), "INTENT") != 0)
			continue;
		/* the last RESULT of this INTENT counts */
		for (int at = test_restore_log_env_find (records, i + 1, "RESULT", id); at >= 0;
		     at = test_restore_log_env_find (records, (guint)at + 1, "RESULT", id))
			outcome = test_restore_log_env_string (g_ptr_array_index (records, at),
							       "outcome");
		if (outcome == NULL || g_strcmp0 (outcome, "unknown") == 0)
			fail_msg ("INTENT %s (record %u) is not resolved: last outcome %s",
				  id,
				  i,
				  outcome != NULL ? outcome : "none");
	}
}
