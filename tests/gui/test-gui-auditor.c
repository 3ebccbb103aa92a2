/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-audit.h"
#include "ir-gui-test.h"
#include "ir-test-harness.h"
#include "test-audit-common.h"

/* The auditor's view in the real app: a log written by the real writer
 * opened with its workstation key (verified, the records and the chart),
 * filters, exports read back and compared with what the core computes for
 * the same filter, then the same log with line 3 altered (the verdict names
 * the line) and a file that is no log at all. */

typedef struct {
	char *tmp;
	char *log;
	char *bad;
	char *key;
	IrGuiApp *gui;
	IrAuditorPage *page;
} Env;

static gboolean
ir_gui_auditor_idle (gpointer data)
{
	return !ir_auditor_page_get_busy (IR_AUDITOR_PAGE (data));
}

static void
ir_gui_auditor_open (Env *env, const char *path)
{
	const char *fields[] = {"from", "to", "technician", "centre", "imei"};

	for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
		ir_auditor_page_set_filter (env->page, fields[i], "");
	ir_auditor_page_set_filter (env->page, "outcome", "");
	ir_auditor_page_open (env->page, path);
	assert_true (ir_auditor_page_get_busy (env->page));
	ir_gui_wait (ir_gui_auditor_idle, env->page, "the log is verified and loaded");
}

static void
ir_gui_auditor_copy_log (const char *from, const char *to)
{
	const char *names[] = {"migration-log.jsonl", "migration-log.checkpoints"};

	g_mkdir (to, 0700);
	for (gsize i = 0; i < G_N_ELEMENTS (names); i++) {
		g_autofree char *a = g_build_filename (from, names[i], NULL);
		g_autofree char *b = g_build_filename (to, names[i], NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		/* a log of the inline layout has no checkpoint file */
		if (!g_file_get_contents (a, &data, &len, NULL))
			continue;
		assert_true (g_file_set_contents (b, data, (gssize)len, NULL));
	}
}

static int
ir_gui_auditor_setup (void **state)
{
	Env *env = g_new0 (Env, 1);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	EVP_PKEY *key = ir_test_audit_keygen ();
	char *p;

	env->tmp = ir_test_mkdtemp ();
	env->log = g_build_filename (env->tmp, "good", NULL);
	env->bad = g_build_filename (env->tmp, "bad", NULL);
	env->key = g_build_filename (env->tmp, "ws.pub.pem", NULL);
	g_mkdir (env->log, 0700);
	if (!ir_test_audit_write_log (env->log, key, &error))
		fail_msg ("cannot write the log: %s", error->message);
	assert_true (ir_test_audit_write_public_key (key, env->key, NULL));
	EVP_PKEY_free (key);
	/* the bad log: a target IMEI of line 3 quietly changed */
	ir_gui_auditor_copy_log (env->log, env->bad);
	lines = ir_test_audit_read_lines (env->bad);
	p = strstr (g_ptr_array_index (lines, 2), "490154203237518");
	assert_non_null (p);
	p[3] = '2';
	ir_test_audit_write_lines (env->bad, lines);

	env->gui = ir_gui_app_start ();
	env->page = ir_app_window_get_auditor_page (env->gui->window);
	g_action_group_activate_action (
	    G_ACTION_GROUP (env->gui->window), "view", g_variant_new_string ("auditor"));
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "auditor");
	*state = env;
	return 0;
}

static int
ir_gui_auditor_teardown (void **state)
{
	Env *env = *state;

	ir_gui_app_free (env->gui);
	ir_test_rmdir (env->tmp);
	g_free (env->tmp);
	g_free (env->log);
	g_free (env->bad);
	g_free (env->key);
	g_free (env);
	return 0;
}

static char *
ir_gui_auditor_read (const char *path)
{
	char *data = NULL;

	assert_true (g_file_get_contents (path, &data, NULL, NULL));
	return data;
}

/* The good log with its key: verified, every row, the chart. */
static void
ir_gui_auditor_verified (void **state)
{
	Env *env = *state;
	g_autofree char *text = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	ir_gui_auditor_open (env, env->log);
	text = ir_auditor_page_get_verdict_text (env->page);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_VERIFIED);
	assert_non_null (strstr (text, "Verified"));
	assert_non_null (strstr (text, "Records: 8."));
	/* START + four restorations (INTENT joined with its RESULT) */
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 5);
	ir_gui_snapshot (GTK_WIDGET (env->gui->window), "auditor-verified");
}

/* Filters narrow the table; exports hold exactly what the core gives for
 * the same filter. */
static void
ir_gui_auditor_exports (void **state)
{
	Env *env = *state;
	g_autofree char *csv_path = g_build_filename (env->tmp, "out.csv", NULL);
	g_autofree char *json_path = g_build_filename (env->tmp, "out.json", NULL);
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (env->log, NULL);
	g_auto (IrAuditFilter) filter;
	g_autoptr (GPtrArray) rows = NULL;
	g_autoptr (JsonNode) expected_json = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autofree char *csv = NULL;
	g_autofree char *expected_csv = NULL;
	g_autoptr (GError) error = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	ir_gui_auditor_open (env, env->log);
	ir_auditor_page_set_filter (env->page, "technician", "tech-anita");
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 2);
	ir_auditor_page_set_filter (env->page, "outcome", "success");
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 2);
	ir_gui_snapshot (GTK_WIDGET (env->gui->window), "auditor-filtered");

	ir_audit_filter_init (&filter);
	filter.technician = g_strdup ("tech-anita");
	assert_true (ir_audit_filter_set_outcome (&filter, "success", NULL));
	rows = ir_audit_query (paths, &filter, NULL, &error);
	assert_non_null (rows);
	assert_true (ir_auditor_page_export (env->page, "csv", csv_path, &error));
	csv = ir_gui_auditor_read (csv_path);
	expected_csv = ir_audit_export_rows_to_csv (rows);
	assert_string_equal (csv, expected_csv);
	assert_non_null (strstr (csv, "tech-anita"));
	assert_null (strstr (csv, "tech-bala"));

	assert_true (ir_auditor_page_export (env->page, "json", json_path, &error));
	assert_true (json_parser_load_from_file (parser, json_path, &error));
	expected_json = ir_audit_export_rows_to_json (rows);
	assert_true (json_node_equal (json_parser_get_root (parser), expected_json));
}

static void
ir_gui_auditor_chart_file (Env *env, const char *format, const char *magic)
{
	g_autofree char *name = g_strdup_printf ("chart.%s", format);
	g_autofree char *path = g_build_filename (env->tmp, name, NULL);
	g_autofree char *data = NULL;
	g_autoptr (GError) error = NULL;

	assert_true (ir_auditor_page_export (env->page, format, path, &error));
	data = ir_gui_auditor_read (path);
	assert_non_null (strstr (data, magic));
}

/* The chart's exports: a PDF, an SVG, a PNG that decodes at its size. */
static void
ir_gui_auditor_chart (void **state)
{
	Env *env = *state;
	g_autofree char *png = g_build_filename (env->tmp, "chart.png", NULL);
	g_autofree char *bad = g_build_filename (env->tmp, "chart.gif", NULL);
	g_autoptr (GdkPixbuf) pixbuf = NULL;
	g_autoptr (GError) error = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	ir_gui_auditor_open (env, env->log);
	ir_gui_auditor_chart_file (env, "pdf", "%PDF-");
	ir_gui_auditor_chart_file (env, "svg", "<svg");
	assert_true (ir_auditor_page_export (env->page, "png", png, &error));
	pixbuf = gdk_pixbuf_new_from_file (png, &error);
	assert_non_null (pixbuf);
	assert_int_equal (gdk_pixbuf_get_width (pixbuf), 800);
	assert_int_equal (gdk_pixbuf_get_height (pixbuf), 420);
	assert_false (ir_auditor_page_export (env->page, "gif", bad, &error));
	assert_non_null (strstr (error->message, "PDF, SVG or PNG"));
	assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
}

/* A tampered log: the verdict comes first and names line 3. */
static void
ir_gui_auditor_tampered (void **state)
{
	Env *env = *state;
	g_autofree char *text = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	ir_gui_auditor_open (env, env->bad);
	text = ir_auditor_page_get_verdict_text (env->page);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_TAMPERED);
	assert_non_null (strstr (text, "Tampered: line 3 "));
	ir_gui_snapshot (GTK_WIDGET (env->gui->window), "auditor-tampered");
}

/* Without the key: consistent, but only as far as the log vouches for itself. */
static void
ir_gui_auditor_no_key (void **state)
{
	Env *env = *state;

	ir_auditor_page_set_key (env->page, NULL);
	ir_gui_auditor_open (env, env->log);
	assert_int_not_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_VERIFIED);
	assert_int_not_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_TAMPERED);
}

/* Bad input: a file that is no log, a date that is no date. */
static void
ir_gui_auditor_bad_input (void **state)
{
	Env *env = *state;
	g_autofree char *passwd =
	    ir_test_write_file (env->tmp, "passwd", "root:x:0:0::/:/bin/sh\n");
	g_autofree char *text = NULL;

	ir_gui_auditor_open (env, passwd);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_ERROR);
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 0);

	ir_auditor_page_set_key (env->page, env->key);
	ir_gui_auditor_open (env, env->log);
	ir_auditor_page_set_filter (env->page, "from", "2026-13-45");
	/* the table stays as it was and the field is named */
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 5);
	text = ir_auditor_page_get_filter_error (env->page);
	assert_non_null (text);
	assert_non_null (strstr (text, "From"));
}

int
main (void)
{
	/* one app for the group (a GApplication registers once per process);
	 * each test opens the log it needs */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (ir_gui_auditor_verified),
	    cmocka_unit_test (ir_gui_auditor_exports),
	    cmocka_unit_test (ir_gui_auditor_chart),
	    cmocka_unit_test (ir_gui_auditor_tampered),
	    cmocka_unit_test (ir_gui_auditor_no_key),
	    cmocka_unit_test (ir_gui_auditor_bad_input),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-auditor", tests, ir_gui_auditor_setup, ir_gui_auditor_teardown);
}
