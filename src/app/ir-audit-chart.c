/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>

#include "ir-audit-chart.h"
#include "ir-audit.h"
#include "ir-error.h"

struct _IrAuditChart {
	GtkDrawingArea parent_instance;
	GPtrArray *groups; /* IrAuditGroup */
};

G_DEFINE_TYPE (IrAuditChart, ir_audit_chart, GTK_TYPE_DRAWING_AREA)

#define IR_AUDIT_CHART_EXPORT_W 800.0
#define IR_AUDIT_CHART_EXPORT_H 420.0
#define IR_AUDIT_CHART_MARGIN	16.0
#define IR_AUDIT_CHART_AXIS	44.0 /* room for the y labels */
#define IR_AUDIT_CHART_LEGEND	28.0
#define IR_AUDIT_CHART_XLABELS	24.0

/* One calm colour per outcome, in ir_audit_outcomes[] order: success,
 * failed, aborted, unknown, recovered, open. Distinct in lightness too,
 * so that a grey-scale print still tells them apart. */
static const double ir_audit_chart_colours[IR_AUDIT_N_OUTCOMES][3] = {
    {0.18, 0.55, 0.34}, /* success: green */
    {0.75, 0.22, 0.17}, /* failed: red */
    {0.60, 0.60, 0.60}, /* aborted: grey */
    {0.85, 0.55, 0.10}, /* unknown: amber */
    {0.25, 0.45, 0.75}, /* recovered: blue */
    {0.55, 0.35, 0.65}, /* open: violet */
};

void
ir_audit_chart_get_colour (guint outcome, double rgb[3])
{
	g_return_if_fail (outcome < IR_AUDIT_N_OUTCOMES);
	for (guint c = 0; c < 3; c++)
		rgb[c] = ir_audit_chart_colours[outcome][c];
}

static const char *
ir_audit_chart_outcome_label (guint i)
{
	const char *labels[IR_AUDIT_N_OUTCOMES] = {
	    N_ ("success"),
	    N_ ("failed"),
	    N_ ("aborted"),
	    N_ ("unknown"),
	    N_ ("recovered"),
	    N_ ("open"),
	};
	return _ (labels[i]);
}

static void
ir_audit_chart_text (cairo_t *cr, double x, double y, const char *text, double align, gboolean bold)
{
	PangoLayout *layout = pango_cairo_create_layout (cr);
	PangoFontDescription *font =
	    pango_font_description_from_string (bold ? "Sans Bold 9" : "Sans 9");
	int w = 0, h = 0;

	pango_layout_set_font_description (layout, font);
	pango_layout_set_text (layout, text, -1);
	pango_layout_get_pixel_size (layout, &w, &h);
	cairo_move_to (cr, x - align * w, y - h / 2.0);
	pango_cairo_show_layout (cr, layout);
	pango_font_description_free (font);
	g_object_unref (layout);
}

static guint64
ir_audit_chart_max_total (GPtrArray *groups)
{
	guint64 max = 0;

	for (guint i = 0; groups != NULL && i < groups->len; i++) {
		const IrAuditGroup *group = g_ptr_array_index (groups, i);
		max = MAX (max, group->total);
	}
	return max;
}

/* A round step for the y axis: 1, 2 or 5 times a power of ten, giving at
 * most five grid lines. */
static guint64
ir_audit_chart_step (guint64 max)
{
	guint64 step = 1;

	while (max / step > 5) {
		if (max / (step * 2) <= 5)
			return step * 2;
		if (max / (step * 5) <= 5)
			return step * 5;
		step *= 10;
	}
	return step;
}

static void
ir_audit_chart_legend (cairo_t *cr, double x, double y)
{
	for (guint i = 0; i < IR_AUDIT_N_OUTCOMES; i++) {
		const char *label = ir_audit_chart_outcome_label (i);
		cairo_set_source_rgb (cr,
				      ir_audit_chart_colours[i][0],
				      ir_audit_chart_colours[i][1],
				      ir_audit_chart_colours[i][2]);
		cairo_rectangle (cr, x, y - 5, 10, 10);
		cairo_fill (cr);
		cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
		ir_audit_chart_text (cr, x + 14, y, label, 0.0, FALSE);
		x += 26 + 8 * (double)g_utf8_strlen (label, -1);
	}
}

static void
ir_audit_chart_axis (cairo_t *cr, double x0, double y0, double w, double h, guint64 max)
{
	guint64 step = ir_audit_chart_step (max);

	cairo_set_line_width (cr, 1.0);
	for (guint64 v = 0; v <= max; v += step) {
		double y = y0 + h - h * (double)v / (double)max;
		g_autofree char *label = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
		cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
		cairo_move_to (cr, x0, y + 0.5);
		cairo_line_to (cr, x0 + w, y + 0.5);
		cairo_stroke (cr);
		cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
		ir_audit_chart_text (cr, x0 - 6, y, label, 1.0, FALSE);
	}
}

static void
ir_audit_chart_bar (cairo_t *cr,
		    const IrAuditGroup *group,
		    double x,
		    double bar_w,
		    double base,
		    double h,
		    guint64 max)
{
	double y = base;

	for (guint k = 0; k < IR_AUDIT_N_OUTCOMES; k++) {
		double seg = h * (double)group->outcomes[k] / (double)max;
		if (group->outcomes[k] == 0)
			continue;
		cairo_set_source_rgb (cr,
				      ir_audit_chart_colours[k][0],
				      ir_audit_chart_colours[k][1],
				      ir_audit_chart_colours[k][2]);
		cairo_rectangle (cr, x, y - seg, bar_w, seg);
		cairo_fill (cr);
		y -= seg;
	}
}

void
ir_audit_chart_render (cairo_t *cr, double width, double height, GPtrArray *groups)
{
	guint n = groups != NULL ? groups->len : 0;
	guint64 max = ir_audit_chart_max_total (groups);
	double x0 = IR_AUDIT_CHART_MARGIN + IR_AUDIT_CHART_AXIS;
	double y0 = IR_AUDIT_CHART_MARGIN + IR_AUDIT_CHART_LEGEND;
	double w = width - x0 - IR_AUDIT_CHART_MARGIN;
	double h = height - y0 - IR_AUDIT_CHART_MARGIN - IR_AUDIT_CHART_XLABELS;
	guint label_every;

	cairo_save (cr);
	cairo_set_source_rgb (cr, 1, 1, 1);
	cairo_rectangle (cr, 0, 0, width, height);
	cairo_fill (cr);
	cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
	ir_audit_chart_text (cr,
			     IR_AUDIT_CHART_MARGIN,
			     IR_AUDIT_CHART_MARGIN,
			     _ ("Restorations per day"),
			     0.0,
			     TRUE);
	ir_audit_chart_legend (cr, IR_AUDIT_CHART_MARGIN + 170, IR_AUDIT_CHART_MARGIN);
	if (n == 0 || max == 0 || w < 20 || h < 20) {
		cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
		ir_audit_chart_text (
		    cr, width / 2, height / 2, _ ("No restorations match the filters"), 0.5, FALSE);
		cairo_restore (cr);
		return;
	}
	ir_audit_chart_axis (cr, x0, y0, w, h, max);
	label_every = MAX (1u, (guint)(n * 80.0 / w) + 1);
	for (guint i = 0; i < n; i++) {
		const IrAuditGroup *group = g_ptr_array_index (groups, i);
		double slot = w / n;
		double bar_w = MIN (slot * 0.7, 48.0);
		double x = x0 + slot * i + (slot - bar_w) / 2;
		ir_audit_chart_bar (cr, group, x, bar_w, y0 + h, h, max);
		if (i % label_every == 0) {
			cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
			ir_audit_chart_text (
			    cr, x + bar_w / 2, y0 + h + 12, group->group, 0.5, FALSE);
		}
	}
	cairo_restore (cr);
}

static gboolean
ir_audit_chart_draw (GtkWidget *widget, cairo_t *cr)
{
	IrAuditChart *self = IR_AUDIT_CHART (widget);

	ir_audit_chart_render (cr,
			       gtk_widget_get_allocated_width (widget),
			       gtk_widget_get_allocated_height (widget),
			       self->groups);
	return FALSE;
}

static cairo_surface_t *
ir_audit_chart_surface (const char *format, const char *path, GError **error)
{
	double w = IR_AUDIT_CHART_EXPORT_W, h = IR_AUDIT_CHART_EXPORT_H;

	if (g_strcmp0 (format, "pdf") == 0)
		return cairo_pdf_surface_create (path, w, h);
	if (g_strcmp0 (format, "svg") == 0)
		return cairo_svg_surface_create (path, w, h);
	if (g_strcmp0 (format, "png") == 0)
		return cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int)w, (int)h);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     _ ("cannot export the chart as “%s”: choose PDF, SVG or PNG"),
		     format);
	return NULL;
}

gboolean
ir_audit_chart_export (GPtrArray *groups, const char *format, const char *path, GError **error)
{
	cairo_surface_t *surface = ir_audit_chart_surface (format, path, error);
	cairo_status_t status;
	cairo_t *cr;

	if (surface == NULL)
		return FALSE;
	cr = cairo_create (surface);
	ir_audit_chart_render (cr, IR_AUDIT_CHART_EXPORT_W, IR_AUDIT_CHART_EXPORT_H, groups);
	cairo_destroy (cr);
	if (g_strcmp0 (format, "png") == 0)
		status = cairo_surface_write_to_png (surface, path);
	else {
		cairo_surface_finish (surface);
		status = cairo_surface_status (surface);
	}
	cairo_surface_destroy (surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_IO,
		    _ ("cannot write the chart to %s: %s; choose a folder you can write to"),
		    path,
		    cairo_status_to_string (status));
		return FALSE;
	}
	return TRUE;
}

static void
ir_audit_chart_finalize (GObject *object)
{
	IrAuditChart *self = IR_AUDIT_CHART (object);

	g_clear_pointer (&self->groups, g_ptr_array_unref);
	G_OBJECT_CLASS (ir_audit_chart_parent_class)->finalize (object);
}

static void
ir_audit_chart_class_init (IrAuditChartClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = ir_audit_chart_finalize;
	GTK_WIDGET_CLASS (klass)->draw = ir_audit_chart_draw;
	gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "auditchart");
}

static void
ir_audit_chart_init (IrAuditChart *self)
{
	gtk_widget_set_size_request (GTK_WIDGET (self), -1, 200);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)),
			     _ ("Restorations per day, stacked by outcome"));
}

GtkWidget *
ir_audit_chart_new (void)
{
	return g_object_new (IR_TYPE_AUDIT_CHART, NULL);
}

void
ir_audit_chart_set_groups (IrAuditChart *self, GPtrArray *groups)
{
	g_return_if_fail (IR_IS_AUDIT_CHART (self));
	g_clear_pointer (&self->groups, g_ptr_array_unref);
	if (groups != NULL)
		self->groups = g_ptr_array_ref (groups);
	gtk_widget_queue_draw (GTK_WIDGET (self));
}
