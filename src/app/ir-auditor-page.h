/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The auditor's view of one migration log (src/core/ir-audit.h does the
 * work): the verify verdict first, then the restorations in a table with
 * filters, the per-day chart, and exports of what is shown. Verification
 * and the query run in a thread; "loaded" is emitted on the main context
 * when the verdict and the rows are in place. */
#define IR_TYPE_AUDITOR_PAGE (ir_auditor_page_get_type ())
G_DECLARE_FINAL_TYPE (IrAuditorPage, ir_auditor_page, IR, AUDITOR_PAGE, GtkBox)

typedef enum {
	IR_AUDITOR_VERDICT_NONE,     /* no log open */
	IR_AUDITOR_VERDICT_VERIFIED, /* every signature checked with the given key */
	IR_AUDITOR_VERDICT_LOG_ONLY, /* consistent, signed only by keys the log announces */
	IR_AUDITOR_VERDICT_UNSIGNED, /* no checkpoint, or no key to check one with */
	IR_AUDITOR_VERDICT_TAMPERED, /* a record or checkpoint does not verify */
	IR_AUDITOR_VERDICT_ERROR,    /* not a migration log, unreadable */
} IrAuditorVerdict;

GtkWidget *ir_auditor_page_new (void);

/* Opens the log at @path (a log folder or its .jsonl file). */
void ir_auditor_page_open (IrAuditorPage *self, const char *path);
/* The workstation's public key (PEM) for the next verification; NULL: none. */
void ir_auditor_page_set_key (IrAuditorPage *self, const char *path);

IrAuditorVerdict ir_auditor_page_get_verdict (IrAuditorPage *self);
/* The verdict's two lines as shown, "title\ndetail". */
char *ir_auditor_page_get_verdict_text (IrAuditorPage *self);
guint ir_auditor_page_get_n_shown (IrAuditorPage *self);
/* Why the filters were not applied (a bad date or IMEI), NULL when they were. */
char *ir_auditor_page_get_filter_error (IrAuditorPage *self);
/* Whether a log is being verified now. */
gboolean ir_auditor_page_get_busy (IrAuditorPage *self);

/* Sets the filter fields as a user would type them. */
void ir_auditor_page_set_filter (IrAuditorPage *self, const char *field, const char *text);

/* Writes what is shown: "csv", "json" (records) or "pdf", "svg", "png"
 * (chart) to @path. */
gboolean
ir_auditor_page_export (IrAuditorPage *self, const char *format, const char *path, GError **error);

G_END_DECLS
