/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-answer-script.h"
#include "ir-test-harness.h"

/* Every phone of tests/data/real/ (answers real devices gave, each file
 * naming its source and device) identified by the real imeictl through
 * the answer-script transport ("script:FILE"), and the outcome checked
 * against the file's "= key value" expectations:
 *
 *   = exit N             imeictl's exit code (0 unless said)
 *   = manufacturer TEXT  = model TEXT    = revision TEXT   (or "-": none)
 *   = slots N            how many IMEI slots are reported
 *   = slot1 IMEI STATUS  a slot's IMEI and classification id
 *   = family ID          = read_with ID  = can_write true|false
 *   = note TEXT          one of the notes contains TEXT
 *   = write TEXT         the write support's words contain TEXT
 *   = error TEXT         the error message contains TEXT (exit != 0) */

#define CORPUS_MIN_DEVICES 25
#define CORPUS_TIMEOUT_MS  "300"

static const char *const test_real_corpus_vendors[] = {
    "Huawei",
    "ZTE",
    "Sierra",
    "Telit",
    "u-blox",
    "Quectel",
    "SIMCom",
    "Fibocom",
    "Nordic",
    "MediaTek handset",
    "Unisoc handset",
    NULL,
};

typedef struct {
	char *path;
	IrAnswerScript *script;
} CorpusFile;

static char *
test_real_corpus_dir (void)
{
	return g_build_filename (g_getenv ("IR_SRCDIR"), "tests", "data", "real", NULL);
}

static GPtrArray *
test_real_corpus_list (void)
{
	g_autofree char *dir = test_real_corpus_dir ();
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
	const char *name;

	assert_non_null (d);
	while ((name = g_dir_read_name (d)) != NULL) {
		if (g_str_has_suffix (name, ".script"))
			g_ptr_array_add (files, g_build_filename (dir, name, NULL));
	}
	g_ptr_array_sort (files, (GCompareFunc)g_strcmp0);
	return files;
}

static const char *
test_real_corpus_notes_contain (JsonNode *json, const char *text)
{
	JsonArray *notes = json_object_get_array_member (json_node_get_object (json), "notes");

	for (guint i = 0; i < json_array_get_length (notes); i++) {
		const char *note = json_array_get_string_element (notes, i);
		if (strstr (note, text) != NULL)
			return note;
	}
	return NULL;
}

static const char *
test_real_corpus_error_message (JsonNode *json)
{
	JsonObject *root = json_node_get_object (json);

	if (!json_object_has_member (root, "error"))
		return NULL;
	return json_object_get_string_member (json_object_get_object_member (root, "error"),
					      "message");
}

static void
test_real_corpus_check_string (const char *file, const char *key, const char *got, const char *want)
{
	if (g_strcmp0 (want, "-") == 0)
		want = NULL;
	if (g_strcmp0 (got, want) != 0)
		print_error ("%s: %s is \"%s\", expected \"%s\"\n", file, key, got, want);
	assert_true (g_strcmp0 (got, want) == 0);
}

static void
test_real_corpus_check_slot (const char *file, JsonNode *json, const char *key, const char *value)
{
	guint index = (guint)g_ascii_strtoull (key + strlen ("slot"), NULL, 10) - 1;
	g_auto (GStrv) words = g_strsplit (value, " ", 2);

	assert_int_equal (g_strv_length (words), 2);
	assert_true (index < json_array_get_length (ir_test_harness_json_slots (json)));
	test_real_corpus_check_string (
	    file, key, ir_test_harness_slot_string (json, index, "imei"), words[0]);
	test_real_corpus_check_string (
	    file, key, ir_test_harness_slot_string (json, index, "status"), words[1]);
}

static void
test_real_corpus_check_bool (const char *file, JsonNode *json, const char *key, const char *value)
{
	gboolean got = json_object_get_boolean_member (json_node_get_object (json), key);

	test_real_corpus_check_string (file, key, got ? "true" : "false", value);
}

static void
test_real_corpus_check (const char *file, const IrTestRun *run, const IrAnswerScriptPair *e)
{
	if (g_strcmp0 (e->key, "exit") == 0) {
		assert_int_equal (run->exit_code, (int)g_ascii_strtoll (e->value, NULL, 10));
	} else if (g_strcmp0 (e->key, "error") == 0) {
		const char *message = test_real_corpus_error_message (run->json);
		if (message == NULL || strstr (message, e->value) == NULL)
			print_error ("%s: error \"%s\" lacks \"%s\"\n", file, message, e->value);
		assert_non_null (message);
		assert_non_null (strstr (message, e->value));
	} else if (g_strcmp0 (e->key, "note") == 0) {
		if (test_real_corpus_notes_contain (run->json, e->value) == NULL)
			print_error ("%s: no note contains \"%s\": %s\n", file, e->value, run->out);
		assert_non_null (test_real_corpus_notes_contain (run->json, e->value));
	} else if (g_strcmp0 (e->key, "write") == 0) {
		const char *words = ir_test_harness_json_string (run->json, "write_support");
		if (words == NULL || strstr (words, e->value) == NULL)
			print_error (
			    "%s: write support \"%s\" lacks \"%s\"\n", file, words, e->value);
		assert_non_null (words);
		assert_non_null (strstr (words, e->value));
	} else if (g_strcmp0 (e->key, "slots") == 0) {
		assert_int_equal (json_array_get_length (ir_test_harness_json_slots (run->json)),
				  (guint)g_ascii_strtoull (e->value, NULL, 10));
	} else if (g_str_has_prefix (e->key, "slot")) {
		test_real_corpus_check_slot (file, run->json, e->key, e->value);
	} else if (g_strcmp0 (e->key, "can_write") == 0) {
		test_real_corpus_check_bool (file, run->json, e->key, e->value);
	} else {
		test_real_corpus_check_string (
		    file, e->key, ir_test_harness_json_string (run->json, e->key), e->value);
	}
}

/* One phone: every expectation of its file. */
/* A script whose every answer was reconstructed is no recording, and its
 * source says so first, so that nobody takes it for a real phone's words. */
static void
test_real_corpus_check_honest (const char *path, IrAnswerScript *script)
{
	const char *source = ir_answer_script_get_header (script, "source");
	const char *made = ir_answer_script_get_header (script, "reconstructed");
	gboolean all_made = made != NULL && (g_str_has_prefix (made, "all answers") ||
					     g_str_has_prefix (made, "every answer"));

	if (source == NULL || source[0] == '\0')
		print_error ("%s: no source\n", path);
	assert_true (source != NULL && source[0] != '\0');
	if (all_made && !g_str_has_prefix (source, "NOT A RECORDING"))
		print_error ("%s: every answer is reconstructed, but its source does not begin "
			     "with \"NOT A RECORDING\"\n",
			     path);
	assert_true (!all_made || g_str_has_prefix (source, "NOT A RECORDING"));
}

static void
test_real_corpus_file (const char *path)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAnswerScript) script = ir_answer_script_load (path, &error);
	g_autofree char *port = g_strdup_printf ("script:%s", path);
	const char *argv[] = {"identify", port, "--json", "--timeout", CORPUS_TIMEOUT_MS, NULL};
	g_autoptr (IrTestRun) run = NULL;
	GPtrArray *expect;
	gboolean exit_said = FALSE;

	if (script == NULL)
		print_error ("%s\n", error->message);
	assert_non_null (script);
	/* where the answers came from, and what is transcribed */
	assert_non_null (ir_answer_script_get_header (script, "source"));
	assert_non_null (ir_answer_script_get_header (script, "device"));
	assert_non_null (ir_answer_script_get_header (script, "vendor"));
	assert_non_null (ir_answer_script_get_header (script, "transcribed"));
	test_real_corpus_check_honest (path, script);
	expect = ir_answer_script_get_expectations (script);
	assert_true (expect->len > 0);
	run = ir_test_harness_imeictl_full (argv, NULL);
	if (run->json == NULL)
		print_error ("%s: not JSON: %s %s\n", path, run->out, run->err);
	assert_non_null (run->json);
	for (guint i = 0; i < expect->len; i++) {
		const IrAnswerScriptPair *e = g_ptr_array_index (expect, i);
		exit_said = exit_said || g_strcmp0 (e->key, "exit") == 0;
		test_real_corpus_check (path, run, e);
	}
	if (!exit_said) {
		if (run->exit_code != 0)
			print_error ("%s: exit %d: %s\n", path, run->exit_code, run->err);
		assert_int_equal (run->exit_code, 0);
	}
}

static void
test_real_corpus_replays (void **state)
{
	g_autoptr (GPtrArray) files = test_real_corpus_list ();

	for (guint i = 0; i < files->len; i++)
		test_real_corpus_file (g_ptr_array_index (files, i));
}

/* At least CORPUS_MIN_DEVICES devices, every vendor the issue names. */
static void
test_real_corpus_coverage (void **state)
{
	g_autoptr (GPtrArray) files = test_real_corpus_list ();
	g_autoptr (GHashTable) vendors =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	assert_true (files->len >= CORPUS_MIN_DEVICES);
	for (guint i = 0; i < files->len; i++) {
		g_autoptr (IrAnswerScript) script =
		    ir_answer_script_load (g_ptr_array_index (files, i), NULL);
		assert_non_null (script);
		g_hash_table_add (vendors,
				  g_strdup (ir_answer_script_get_header (script, "vendor")));
	}
	for (guint i = 0; test_real_corpus_vendors[i] != NULL; i++) {
		if (!g_hash_table_contains (vendors, test_real_corpus_vendors[i]))
			print_error ("no device of vendor %s in the corpus\n",
				     test_real_corpus_vendors[i]);
		assert_true (g_hash_table_contains (vendors, test_real_corpus_vendors[i]));
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_real_corpus_coverage),
	    cmocka_unit_test (test_real_corpus_replays),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
