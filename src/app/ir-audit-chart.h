/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The auditor's per-day chart: restorations per day as bars stacked by
 * outcome (ir_audit_outcomes[] order), drawn with cairo and pango so that
 * the same code paints the widget and the PDF, SVG and PNG exports. */
#define IR_TYPE_AUDIT_CHART (ir_audit_chart_get_type ())
G_DECLARE_FINAL_TYPE (IrAuditChart, ir_audit_chart, IR, AUDIT_CHART, GtkDrawingArea)

GtkWidget *ir_audit_chart_new (void);

/* @groups: IrAuditGroup from ir_audit_stats (…, IR_AUDIT_BY_DAY); NULL: none. */
void ir_audit_chart_set_groups (IrAuditChart *self, GPtrArray *groups);

/* The colour of @outcome (an index of ir_audit_outcomes[]) in the legend
 * and the bars: what a test reads the bars back by. */
void ir_audit_chart_get_colour (guint outcome, double rgb[3]);

/* Draws @groups into a @width × @height area of @cr. */
void ir_audit_chart_render (cairo_t *cr, double width, double height, GPtrArray *groups);

/* Writes the chart of @groups to @path as @format ("pdf", "svg", "png");
 * IR_ERROR_INVALID_INPUT for another format, IR_ERROR_IO when cairo cannot
 * write the file. */
gboolean
ir_audit_chart_export (GPtrArray *groups, const char *format, const char *path, GError **error);

G_END_DECLS
