/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-audit-chart.h"
#include "ir-audit.h"
#include "ir-gui-test.h"
#include "ir-test-harness.h"
#include "test-audit-common.h"

/* The auditor's view in the real app: a log written by the real writer
 * opened with its workstation key (verified, the records and the chart),
 * filters, exports read back and compared with what the core computes for
 * the same filter (the chart's PNG, SVG and PDF drawn again and read bar
 * by bar), then the same log with line 3 altered (the verdict names
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
test_gui_auditor_idle (gpointer data)
{
	return !ir_auditor_page_get_busy (IR_AUDITOR_PAGE (data));
}

static void
test_gui_auditor_open (Env *env, const char *path)
{
	const char *fields[] = {"from", "to", "technician", "centre", "imei"};

	for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
		ir_auditor_page_set_filter (env->page, fields[i], "");
	ir_auditor_page_set_filter (env->page, "outcome", "");
	ir_auditor_page_open (env->page, path);
	assert_true (ir_auditor_page_get_busy (env->page));
	ir_gui_test_wait (test_gui_auditor_idle, env->page, "the log is verified and loaded");
}

static void
test_gui_auditor_copy_log (const char *from, const char *to)
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
test_gui_auditor_setup (void **state)
{
	Env *env = g_new0 (Env, 1);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	EVP_PKEY *key = test_audit_common_keygen ();
	char *p;

	env->tmp = ir_test_harness_mkdtemp ();
	env->log = g_build_filename (env->tmp, "good", NULL);
	env->bad = g_build_filename (env->tmp, "bad", NULL);
	env->key = g_build_filename (env->tmp, "ws.pub.pem", NULL);
	g_mkdir (env->log, 0700);
	if (!test_audit_common_write_log (env->log, key, &error))
		fail_msg ("cannot write the log: %s", error->message);
	assert_true (test_audit_common_write_public_key (key, env->key, NULL));
	EVP_PKEY_free (key);
	/* the bad log: a target IMEI of line 3 quietly changed */
	test_gui_auditor_copy_log (env->log, env->bad);
	lines = test_audit_common_read_lines (env->bad);
	p = strstr (g_ptr_array_index (lines, 2), "490154203237518");
	assert_non_null (p);
	p[3] = '2';
	test_audit_common_write_lines (env->bad, lines);

	env->gui = ir_gui_app_start ();
	env->page = ir_app_window_get_auditor_page (env->gui->window);
	g_action_group_activate_action (
	    G_ACTION_GROUP (env->gui->window), "view", g_variant_new_string ("auditor"));
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "auditor");
	*state = env;
	return 0;
}

static int
test_gui_auditor_teardown (void **state)
{
	Env *env = *state;

	ir_gui_app_free (env->gui);
	ir_test_harness_rmdir (env->tmp);
	g_free (env->tmp);
	g_free (env->log);
	g_free (env->bad);
	g_free (env->key);
	g_free (env);
	return 0;
}

static char *
test_gui_auditor_read (const char *path)
{
	char *data = NULL;

	assert_true (g_file_get_contents (path, &data, NULL, NULL));
	return data;
}

/* The good log with its key: verified, every row, the chart. */
static void
test_gui_auditor_verified (void **state)
{
	Env *env = *state;
	g_autofree char *text = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	test_gui_auditor_open (env, env->log);
	text = ir_auditor_page_get_verdict_text (env->page);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_VERIFIED);
	assert_non_null (strstr (text, "Verified"));
	assert_non_null (strstr (text, "Records: 8."));
	/* START + four restorations (INTENT joined with its RESULT) */
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 5);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "auditor-verified");
}

/* Filters narrow the table; exports hold exactly what the core gives for
 * the same filter. */
static void
test_gui_auditor_exports (void **state)
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
	test_gui_auditor_open (env, env->log);
	ir_auditor_page_set_filter (env->page, "technician", "tech-anita");
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 2);
	ir_auditor_page_set_filter (env->page, "outcome", "success");
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 2);
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "auditor-filtered");

	ir_audit_filter_init (&filter);
	filter.technician = g_strdup ("tech-anita");
	assert_true (ir_audit_filter_set_outcome (&filter, "success", NULL));
	rows = ir_audit_query (paths, &filter, NULL, &error);
	assert_non_null (rows);
	assert_true (ir_auditor_page_export (env->page, "csv", csv_path, &error));
	csv = test_gui_auditor_read (csv_path);
	expected_csv = ir_audit_export_rows_to_csv (rows);
	assert_string_equal (csv, expected_csv);
	assert_non_null (strstr (csv, "tech-anita"));
	assert_null (strstr (csv, "tech-bala"));

	assert_true (ir_auditor_page_export (env->page, "json", json_path, &error));
	assert_true (json_parser_load_from_file (parser, json_path, &error));
	expected_json = ir_audit_export_rows_to_json (rows);
	assert_true (json_node_equal (json_parser_get_root (parser), expected_json));
}

/* The bars start below the title and the legend (the top 40 px of the
 * 420 px export); everything else a bar could be confused with (text,
 * axes, grid lines) is grey. */
#define IR_GUI_AUDITOR_PLOT_TOP 40

typedef struct {
	guint outcome;
	guint height;
} IrGuiAuditorSegment;

/* The outcome whose colour a pixel has, with a little slack for the
 * rasterisers of SVG and PDF; -1 for any other colour. */
static int
test_gui_auditor_pixel_outcome (const guint8 *pixel)
{
	for (guint k = 0; k < IR_AUDIT_N_OUTCOMES; k++) {
		double rgb[3];
		gboolean same = TRUE;
		ir_audit_chart_get_colour (k, rgb);
		for (guint c = 0; c < 3; c++)
			same = same && ABS ((int)pixel[c] - (int)(rgb[c] * 255.0 + 0.5)) <= 3;
		if (same)
			return (int)k;
	}
	return -1;
}

static const guint8 *
test_gui_auditor_pixel (GdkPixbuf *pixbuf, int x, int y)
{
	return gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
	       x * gdk_pixbuf_get_n_channels (pixbuf);
}

/* A bar's column has a run of one outcome's colour; text (axis labels,
 * the day under each bar) may have coloured fringes where it is smoothed,
 * never such a run. */
#define IR_GUI_AUDITOR_MIN_RUN 4

static gboolean
test_gui_auditor_column_coloured (GdkPixbuf *pixbuf, int x)
{
	int run = 0, last = -1;

	for (int y = IR_GUI_AUDITOR_PLOT_TOP; y < gdk_pixbuf_get_height (pixbuf); y++) {
		int k = test_gui_auditor_pixel_outcome (test_gui_auditor_pixel (pixbuf, x, y));
		run = k >= 0 && k == last ? run + 1 : 1;
		last = k;
		if (k >= 0 && run >= IR_GUI_AUDITOR_MIN_RUN)
			return TRUE;
	}
	return FALSE;
}

/* One bar's segments bottom up, read in column @x; a blended pixel where
 * two segments meet belongs to neither, and a run too short to be a
 * segment is a text's fringe. */
static GArray *
test_gui_auditor_read_bar (GdkPixbuf *pixbuf, int x)
{
	GArray *segments = g_array_new (FALSE, FALSE, sizeof (IrGuiAuditorSegment));
	IrGuiAuditorSegment run = {0, 0};

	for (int y = gdk_pixbuf_get_height (pixbuf) - 1; y >= IR_GUI_AUDITOR_PLOT_TOP - 1; y--) {
		int k = y >= IR_GUI_AUDITOR_PLOT_TOP
			    ? test_gui_auditor_pixel_outcome (test_gui_auditor_pixel (pixbuf, x, y))
			    : -1;
		if (k >= 0 && run.height > 0 && (guint)k == run.outcome) {
			run.height++;
			continue;
		}
		if (run.height >= IR_GUI_AUDITOR_MIN_RUN) {
			IrGuiAuditorSegment *last =
			    segments->len > 0
				? &g_array_index (segments, IrGuiAuditorSegment, segments->len - 1)
				: NULL;
			if (last != NULL && last->outcome == run.outcome)
				last->height += run.height;
			else
				g_array_append_val (segments, run);
		}
		run.outcome = (guint)MAX (k, 0);
		run.height = k >= 0 ? 1 : 0;
	}
	return segments;
}

/* The bars of a chart's picture, left to right, each read in its middle
 * column. */
static GPtrArray *
test_gui_auditor_read_bars (GdkPixbuf *pixbuf)
{
	GPtrArray *bars = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
	int width = gdk_pixbuf_get_width (pixbuf);
	int start = -1;

	for (int x = 0; x <= width; x++) {
		gboolean coloured = x < width && test_gui_auditor_column_coloured (pixbuf, x);
		if (coloured && start < 0)
			start = x;
		else if (!coloured && start >= 0) {
			if (x - start >= IR_GUI_AUDITOR_MIN_RUN)
				g_ptr_array_add (
				    bars, test_gui_auditor_read_bar (pixbuf, (start + x - 1) / 2));
			start = -1;
		}
	}
	return bars;
}

static guint
test_gui_auditor_bar_height (GArray *segments)
{
	guint height = 0;

	for (guint j = 0; j < segments->len; j++)
		height += g_array_index (segments, IrGuiAuditorSegment, j).height;
	return height;
}

/* The picture shows @groups: a bar per day in order, each stacked bottom
 * up in the order of ir_audit_outcomes[] with a segment per outcome that
 * occurred, its height in proportion to its count (to within the pixels
 * two blended edges take). */
static void
test_gui_auditor_assert_bars (GdkPixbuf *pixbuf, GPtrArray *groups, const char *what)
{
	g_autoptr (GPtrArray) bars = test_gui_auditor_read_bars (pixbuf);
	guint64 max = 0;
	guint tallest = 0;
	double scale;

	if (bars->len != groups->len)
		fail_msg ("%s: %u bars for %u days", what, bars->len, groups->len);
	for (guint i = 0; i < groups->len; i++) {
		max = MAX (max, ((IrAuditGroup *)g_ptr_array_index (groups, i))->total);
		tallest = MAX (tallest, test_gui_auditor_bar_height (g_ptr_array_index (bars, i)));
	}
	assert_true (max > 0 && tallest > 0);
	scale = (double)tallest / (double)max;
	for (guint i = 0; i < groups->len; i++) {
		const IrAuditGroup *group = g_ptr_array_index (groups, i);
		GArray *segments = g_ptr_array_index (bars, i);
		guint j = 0;
		for (guint k = 0; k < IR_AUDIT_N_OUTCOMES; k++) {
			const IrGuiAuditorSegment *segment;
			double expected = (double)group->outcomes[k] * scale;
			if (group->outcomes[k] == 0)
				continue;
			if (j >= segments->len)
				fail_msg ("%s: %s has no %s segment",
					  what,
					  group->group,
					  ir_audit_outcomes[k]);
			segment = &g_array_index (segments, IrGuiAuditorSegment, j++);
			if (segment->outcome != k || ABS ((double)segment->height - expected) > 3.0)
				fail_msg ("%s: %s segment %u is %s, %u px; expected %s, %.0f px",
					  what,
					  group->group,
					  j,
					  ir_audit_outcomes[segment->outcome],
					  segment->height,
					  ir_audit_outcomes[k],
					  expected);
		}
		if (j != segments->len)
			fail_msg ("%s: %s has %u segments, %u outcomes occurred",
				  what,
				  group->group,
				  segments->len,
				  j);
	}
}

/* The exported file drawn again at the export's size: the PNG decoded,
 * the SVG by librsvg, the PDF by poppler's pdftoppm at 72 dpi (a point a
 * pixel). */
static GdkPixbuf *
test_gui_auditor_raster (const char *format, const char *path)
{
	g_autoptr (GError) error = NULL;
	GdkPixbuf *pixbuf = NULL;

	if (g_strcmp0 (format, "pdf") == 0) {
		g_autofree char *prefix = g_strconcat (path, ".raster", NULL);
		g_autofree char *png = g_strconcat (prefix, ".png", NULL);
		const char *argv[] = {
		    g_getenv ("PDFTOPPM"), "-png", "-r", "72", "-singlefile", path, prefix, NULL};
		int status = 0;
		assert_non_null (argv[0]);
		if (!g_spawn_sync (NULL,
				   (char **)argv,
				   NULL,
				   G_SPAWN_DEFAULT,
				   NULL,
				   NULL,
				   NULL,
				   NULL,
				   &status,
				   &error) ||
		    !g_spawn_check_wait_status (status, &error))
			fail_msg ("pdftoppm %s: %s", path, error->message);
		pixbuf = gdk_pixbuf_new_from_file (png, &error);
	} else if (g_strcmp0 (format, "svg") == 0)
		pixbuf = gdk_pixbuf_new_from_file_at_size (path, 800, 420, &error);
	else
		pixbuf = gdk_pixbuf_new_from_file (path, &error);
	if (pixbuf == NULL)
		fail_msg ("cannot read back %s: %s", path, error->message);
	assert_int_equal (gdk_pixbuf_get_width (pixbuf), 800);
	assert_int_equal (gdk_pixbuf_get_height (pixbuf), 420);
	return pixbuf;
}

static void
test_gui_auditor_group_free (gpointer data)
{
	IrAuditGroup *group = data;

	g_free (group->group);
	g_free (group);
}

static IrAuditGroup *
test_gui_auditor_group (const char *day, const guint64 outcomes[IR_AUDIT_N_OUTCOMES])
{
	IrAuditGroup *group = g_new0 (IrAuditGroup, 1);

	group->group = g_strdup (day);
	for (guint k = 0; k < IR_AUDIT_N_OUTCOMES; k++) {
		group->outcomes[k] = outcomes[k];
		group->total += outcomes[k];
	}
	return group;
}

/* The page's chart of the log (two successes, a failure, a
 * restoration left open) in each format, read back bar by bar; a format
 * the chart cannot have is refused and nothing is written. */
static void
test_gui_auditor_chart (void **state)
{
	Env *env = *state;
	const char *formats[] = {"png", "svg", "pdf"};
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (env->log, NULL);
	g_auto (IrAuditFilter) filter;
	g_autoptr (GPtrArray) rows = NULL;
	g_autoptr (GPtrArray) days = NULL;
	g_autofree char *bad = g_build_filename (env->tmp, "chart.gif", NULL);
	g_autoptr (GError) error = NULL;
	guint64 total = 0;

	ir_auditor_page_set_key (env->page, env->key);
	test_gui_auditor_open (env, env->log);
	ir_audit_filter_init (&filter);
	rows = ir_audit_query (paths, &filter, NULL, &error);
	assert_non_null (rows);
	days = ir_audit_stats (rows, IR_AUDIT_BY_DAY);
	/* one day, unless the setup ran across midnight */
	for (guint i = 0; i < days->len; i++)
		total += ((IrAuditGroup *)g_ptr_array_index (days, i))->total;
	assert_int_equal (total, 4);
	for (gsize i = 0; i < G_N_ELEMENTS (formats); i++) {
		g_autofree char *name = g_strdup_printf ("chart.%s", formats[i]);
		g_autofree char *path = g_build_filename (env->tmp, name, NULL);
		g_autoptr (GdkPixbuf) pixbuf = NULL;
		assert_true (ir_auditor_page_export (env->page, formats[i], path, &error));
		pixbuf = test_gui_auditor_raster (formats[i], path);
		test_gui_auditor_assert_bars (pixbuf, days, name);
	}
	assert_false (ir_auditor_page_export (env->page, "gif", bad, &error));
	assert_non_null (strstr (error->message, "PDF, SVG or PNG"));
	assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
}

/* Several days, every outcome: the stacking order and the proportions
 * survive each format. */
static void
test_gui_auditor_chart_days (void **state)
{
	Env *env = *state;
	const char *formats[] = {"png", "svg", "pdf"};
	const guint64 d1[IR_AUDIT_N_OUTCOMES] = {3, 2, 0, 0, 0, 0};
	const guint64 d2[IR_AUDIT_N_OUTCOMES] = {1, 0, 1, 1, 1, 1};
	const guint64 d3[IR_AUDIT_N_OUTCOMES] = {0, 0, 0, 0, 0, 2};
	g_autoptr (GPtrArray) days = g_ptr_array_new_with_free_func (test_gui_auditor_group_free);

	g_ptr_array_add (days, test_gui_auditor_group ("2026-12-01", d1));
	g_ptr_array_add (days, test_gui_auditor_group ("2026-12-02", d2));
	g_ptr_array_add (days, test_gui_auditor_group ("2026-12-04", d3));
	for (gsize i = 0; i < G_N_ELEMENTS (formats); i++) {
		g_autofree char *name = g_strdup_printf ("days.%s", formats[i]);
		g_autofree char *path = g_build_filename (env->tmp, name, NULL);
		g_autoptr (GdkPixbuf) pixbuf = NULL;
		g_autoptr (GError) error = NULL;
		if (!ir_audit_chart_export (days, formats[i], path, &error))
			fail_msg ("%s: %s", name, error->message);
		pixbuf = test_gui_auditor_raster (formats[i], path);
		test_gui_auditor_assert_bars (pixbuf, days, name);
	}
}

/* A tampered log: the verdict comes first and names line 3. */
static void
test_gui_auditor_tampered (void **state)
{
	Env *env = *state;
	g_autofree char *text = NULL;

	ir_auditor_page_set_key (env->page, env->key);
	test_gui_auditor_open (env, env->bad);
	text = ir_auditor_page_get_verdict_text (env->page);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_TAMPERED);
	assert_non_null (strstr (text, "Tampered: line 3 "));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "auditor-tampered");
}

/* Without the key: consistent, but only as far as the log vouches for itself. */
static void
test_gui_auditor_no_key (void **state)
{
	Env *env = *state;

	ir_auditor_page_set_key (env->page, NULL);
	test_gui_auditor_open (env, env->log);
	assert_int_not_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_VERIFIED);
	assert_int_not_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_TAMPERED);
}

/* Bad input: a file that is no log, a date that is no date. */
static void
test_gui_auditor_bad_input (void **state)
{
	Env *env = *state;
	g_autofree char *passwd =
	    ir_test_harness_write_file (env->tmp, "passwd", "root:x:0:0::/:/bin/sh\n");
	g_autofree char *text = NULL;

	test_gui_auditor_open (env, passwd);
	assert_int_equal (ir_auditor_page_get_verdict (env->page), IR_AUDITOR_VERDICT_ERROR);
	assert_int_equal (ir_auditor_page_get_n_shown (env->page), 0);

	ir_auditor_page_set_key (env->page, env->key);
	test_gui_auditor_open (env, env->log);
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
	    cmocka_unit_test (test_gui_auditor_verified),
	    cmocka_unit_test (test_gui_auditor_exports),
	    cmocka_unit_test (test_gui_auditor_chart),
	    cmocka_unit_test (test_gui_auditor_chart_days),
	    cmocka_unit_test (test_gui_auditor_tampered),
	    cmocka_unit_test (test_gui_auditor_no_key),
	    cmocka_unit_test (test_gui_auditor_bad_input),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-auditor", tests, test_gui_auditor_setup, test_gui_auditor_teardown);
}
