/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-audit-chart.h"
#include "ir-audit.h"
#include "ir-auditor-page.h"
#include "ir-error.h"

struct _IrAuditorPage {
	GtkBox parent_instance;

	GtkLabel *path_label;
	GtkInfoBar *verdict_bar;
	GtkLabel *verdict_title;
	GtkLabel *verdict_detail;
	GtkEntry *from_entry;
	GtkEntry *to_entry;
	GtkEntry *technician_entry;
	GtkEntry *centre_entry;
	GtkComboBoxText *outcome_combo;
	GtkSearchEntry *imei_entry;
	GtkLabel *filter_error;
	GtkTreeView *records_view;
	IrAuditChart *chart;
	GtkLabel *count_label;

	GtkListStore *store;
	GCancellable *cancellable; /* of the load in flight, NULL when none */
	char *key_path;
	IrAuditorVerdict verdict;
	GPtrArray *rows;  /* IrAuditRow: every row of the open log */
	GPtrArray *shown; /* borrowed IrAuditRow *: those matching the filters */
	GPtrArray *days;  /* IrAuditGroup of @shown, by day */
};

G_DEFINE_TYPE (IrAuditorPage, ir_auditor_page, GTK_TYPE_BOX)

enum { IR_AUDITOR_PAGE_SIGNAL_LOADED, IR_AUDITOR_PAGE_N_SIGNALS };
static guint ir_auditor_page_signals[IR_AUDITOR_PAGE_N_SIGNALS];

enum {
	IR_AUDITOR_COL_LINE,
	IR_AUDITOR_COL_TIME,
	IR_AUDITOR_COL_TECHNICIAN,
	IR_AUDITOR_COL_CENTRE,
	IR_AUDITOR_COL_PHONE,
	IR_AUDITOR_COL_IMEIS,
	IR_AUDITOR_COL_OUTCOME,
	IR_AUDITOR_COL_DETAIL,
	IR_AUDITOR_N_COLS,
};

/* What the worker thread hands back. */
typedef struct {
	char *records_path;
	IrAuditReport *report;
	GPtrArray *rows;
} IrAuditorLoaded;

static void
ir_auditor_loaded_free (IrAuditorLoaded *loaded)
{
	g_free (loaded->records_path);
	g_clear_pointer (&loaded->report, ir_audit_verify_report_free);
	g_clear_pointer (&loaded->rows, g_ptr_array_unref);
	g_free (loaded);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditorLoaded, ir_auditor_loaded_free)

typedef struct {
	char *path;
	char *key_path;
} IrAuditorRequest;

static void
ir_auditor_request_free (IrAuditorRequest *request)
{
	g_free (request->path);
	g_free (request->key_path);
	g_free (request);
}

/* Verifies and queries the log; the key (when one was chosen) is the
 * caller's to free. */
static IrAuditorLoaded *
ir_auditor_page_load (const IrAuditorRequest *request,
		      EVP_PKEY *key,
		      GCancellable *cancellable,
		      GError **error)
{
	IrAuditVerifyOptions options = {.key = key};
	g_autoptr (IrAuditorLoaded) loaded = g_new0 (IrAuditorLoaded, 1);
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (request->path, error);

	if (paths == NULL)
		return NULL;
	loaded->records_path = g_strdup (paths->records);
	loaded->report = ir_audit_verify (paths, &options, cancellable, error);
	if (loaded->report == NULL)
		return NULL;
	loaded->rows = ir_audit_query (paths, NULL, cancellable, error);
	if (loaded->rows == NULL)
		return NULL;
	return g_steal_pointer (&loaded);
}

static void
ir_auditor_page_load_thread (GTask *task,
			     gpointer source,
			     gpointer task_data,
			     GCancellable *cancellable)
{
	IrAuditorRequest *request = task_data;
	IrAuditorLoaded *loaded;
	EVP_PKEY *key = NULL;
	GError *error = NULL;

	if (request->key_path != NULL) {
		key = ir_audit_paths_load_public_key (
		    request->key_path, _ ("workstation key"), &error);
		if (key == NULL) {
			g_task_return_error (task, error);
			return;
		}
	}
	loaded = ir_auditor_page_load (request, key, cancellable, &error);
	EVP_PKEY_free (key);
	if (loaded == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, loaded, (GDestroyNotify)ir_auditor_loaded_free);
}

static void
ir_auditor_page_show_verdict (IrAuditorPage *self,
			      IrAuditorVerdict verdict,
			      GtkMessageType type,
			      const char *title,
			      const char *detail)
{
	GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self->verdict_bar));

	self->verdict = verdict;
	gtk_info_bar_set_message_type (self->verdict_bar, type);
	if (verdict == IR_AUDITOR_VERDICT_VERIFIED)
		gtk_style_context_add_class (context, "verified");
	else
		gtk_style_context_remove_class (context, "verified");
	gtk_label_set_text (self->verdict_title, title);
	gtk_label_set_text (self->verdict_detail, detail);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->verdict_bar)), title);
}

/* The key caveat in the auditor's words (the core's names imeictl's
 * options). */
static const char *
ir_auditor_page_trust_text (IrAuditTrust trust)
{
	switch (trust) {
	case IR_AUDIT_TRUST_GIVEN:
		return _ ("Signatures were checked against the workstation key you chose.");
	case IR_AUDIT_TRUST_LOG_ONLY:
		return _ ("Signatures were checked only against keys the log announces itself: "
			  "choose the workstation key the brand registered (Workstation Key…).");
	default:
		return _ ("No signature could be checked: choose the workstation key the brand "
			  "registered (Workstation Key…).");
	}
}

static void
ir_auditor_page_show_report (IrAuditorPage *self, const IrAuditReport *report)
{
	g_autofree char *title = NULL;
	g_autofree char *detail = NULL;

	if (report->error != NULL) {
		if (report->bad_line > 0)
			title = g_strdup_printf (
			    _ ("Tampered: line %llu of the record file does not verify"),
			    (unsigned long long)report->bad_line);
		else if (report->bad_checkpoint > 0)
			title = g_strdup_printf (_ ("Tampered: checkpoint %llu does not verify"),
						 (unsigned long long)report->bad_checkpoint);
		else
			title = g_strdup (_ ("Tampered: this log does not verify"));
		detail = g_strdup_printf (_ ("%s. The records below are what the file says, not "
					     "evidence: report this log to the brand."),
					  report->error->message);
		ir_auditor_page_show_verdict (
		    self, IR_AUDITOR_VERDICT_TAMPERED, GTK_MESSAGE_ERROR, title, detail);
		return;
	}
	detail = g_strdup_printf (_ ("Records: %llu. Checkpoints: %llu. Signatures checked: %llu. "
				     "Restorations still open: %llu. %s"),
				  (unsigned long long)report->n_records,
				  (unsigned long long)report->n_checkpoints,
				  (unsigned long long)report->n_signatures_checked,
				  (unsigned long long)report->n_open_intents,
				  ir_auditor_page_trust_text (report->trust));
	if (report->n_checkpoints == 0 || report->trust == IR_AUDIT_TRUST_NONE)
		ir_auditor_page_show_verdict (self,
					      IR_AUDITOR_VERDICT_UNSIGNED,
					      GTK_MESSAGE_WARNING,
					      _ ("Not signed: no signature could be checked"),
					      detail);
	else if (report->trust == IR_AUDIT_TRUST_LOG_ONLY)
		ir_auditor_page_show_verdict (
		    self,
		    IR_AUDITOR_VERDICT_LOG_ONLY,
		    GTK_MESSAGE_WARNING,
		    _ ("Consistent, but signed only by keys the log announces itself"),
		    detail);
	else
		ir_auditor_page_show_verdict (self,
					      IR_AUDITOR_VERDICT_VERIFIED,
					      GTK_MESSAGE_INFO,
					      _ ("Verified: every record and signature checks out"),
					      detail);
}

/* A date field: empty is "not given"; a bad one is named under the filters
 * and the table stays as it was. */
static gboolean
ir_auditor_page_parse_date (
    GtkEntry *entry, const char *what, gboolean end, gint64 *out, GError **error)
{
	const char *text = gtk_entry_get_text (entry);

	if (*text == '\0')
		return TRUE;
	return ir_audit_filter_parse_time (text, what, end, out, error);
}

static gboolean
ir_auditor_page_read_filter (IrAuditorPage *self, IrAuditFilter *filter, GError **error)
{
	const char *text;
	g_autofree char *outcome = gtk_combo_box_text_get_active_text (self->outcome_combo);

	if (!ir_auditor_page_parse_date (self->from_entry, _ ("From"), FALSE, &filter->from, error))
		return FALSE;
	if (!ir_auditor_page_parse_date (self->to_entry, _ ("To"), TRUE, &filter->to, error))
		return FALSE;
	text = gtk_entry_get_text (self->technician_entry);
	if (*text != '\0')
		filter->technician = g_strdup (text);
	text = gtk_entry_get_text (self->centre_entry);
	if (*text != '\0')
		filter->centre = g_strdup (text);
	text = gtk_entry_get_text (GTK_ENTRY (self->imei_entry));
	if (*text != '\0' && !ir_audit_filter_set_imei (filter, text, error))
		return FALSE;
	if (gtk_combo_box_get_active (GTK_COMBO_BOX (self->outcome_combo)) > 0 &&
	    !ir_audit_filter_set_outcome (
		filter, gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->outcome_combo)), error))
		return FALSE;
	return TRUE;
}

static void
ir_auditor_page_append_row (IrAuditorPage *self, const IrAuditRow *row)
{
	g_autofree char *phone = ir_audit_export_row_phone_text (row);
	g_autofree char *imeis = ir_audit_export_row_imeis_text (row);
	const char *detail = row->reason != NULL ? row->reason : row->details;

	gtk_list_store_insert_with_values (self->store,
					   NULL,
					   -1,
					   IR_AUDITOR_COL_LINE,
					   row->seq + 1,
					   IR_AUDITOR_COL_TIME,
					   row->time_text,
					   IR_AUDITOR_COL_TECHNICIAN,
					   row->technician,
					   IR_AUDITOR_COL_CENTRE,
					   row->centre,
					   IR_AUDITOR_COL_PHONE,
					   phone,
					   IR_AUDITOR_COL_IMEIS,
					   imeis,
					   IR_AUDITOR_COL_OUTCOME,
					   row->outcome,
					   IR_AUDITOR_COL_DETAIL,
					   detail,
					   -1);
}

static void
ir_auditor_page_refilter (IrAuditorPage *self)
{
	g_auto (IrAuditFilter) filter;
	g_autoptr (GError) error = NULL;
	g_autofree char *count = NULL;
	guint n_restorations = 0;

	ir_audit_filter_init (&filter);
	if (!ir_auditor_page_read_filter (self, &filter, &error)) {
		gtk_label_set_text (self->filter_error, error->message);
		gtk_widget_show (GTK_WIDGET (self->filter_error));
		return;
	}
	gtk_widget_hide (GTK_WIDGET (self->filter_error));
	gtk_list_store_clear (self->store);
	g_ptr_array_set_size (self->shown, 0);
	for (guint i = 0; self->rows != NULL && i < self->rows->len; i++) {
		IrAuditRow *row = g_ptr_array_index (self->rows, i);
		if (!ir_audit_filter_matches (&filter, row))
			continue;
		g_ptr_array_add (self->shown, row);
		ir_auditor_page_append_row (self, row);
		if (row->type == IR_LOG_RECORD_INTENT)
			n_restorations++;
	}
	g_clear_pointer (&self->days, g_ptr_array_unref);
	self->days = ir_audit_stats (self->shown, IR_AUDIT_BY_DAY);
	ir_audit_chart_set_groups (self->chart, self->days);
	count = g_strdup_printf (ngettext ("%u restoration shown (%u records)",
					   "%u restorations shown (%u records)",
					   n_restorations),
				 n_restorations,
				 self->shown->len);
	gtk_label_set_text (self->count_label, count);
}

static void
ir_auditor_page_filter_changed (IrAuditorPage *self)
{
	ir_auditor_page_refilter (self);
}

static void
ir_auditor_page_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
	IrAuditorPage *self = IR_AUDITOR_PAGE (source);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAuditorLoaded) loaded = g_task_propagate_pointer (G_TASK (result), &error);

	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED))
		return;
	g_clear_object (&self->cancellable);
	g_clear_pointer (&self->rows, g_ptr_array_unref);
	if (loaded == NULL) {
		g_autofree char *title = g_strdup (_ ("This is not a migration log you can open"));
		ir_auditor_page_show_verdict (
		    self, IR_AUDITOR_VERDICT_ERROR, GTK_MESSAGE_ERROR, title, error->message);
	} else {
		gtk_label_set_text (self->path_label, loaded->records_path);
		ir_auditor_page_show_report (self, loaded->report);
		self->rows = g_steal_pointer (&loaded->rows);
	}
	ir_auditor_page_refilter (self);
	g_signal_emit (self, ir_auditor_page_signals[IR_AUDITOR_PAGE_SIGNAL_LOADED], 0);
}

void
ir_auditor_page_open (IrAuditorPage *self, const char *path)
{
	IrAuditorRequest *request = g_new0 (IrAuditorRequest, 1);
	g_autoptr (GTask) task = NULL;

	g_return_if_fail (IR_IS_AUDITOR_PAGE (self));
	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	self->cancellable = g_cancellable_new ();
	request->path = g_strdup (path);
	request->key_path = g_strdup (self->key_path);
	ir_auditor_page_show_verdict (
	    self,
	    IR_AUDITOR_VERDICT_NONE,
	    GTK_MESSAGE_OTHER,
	    _ ("Verifying…"),
	    _ ("Every record, checkpoint and signature is being checked."));
	gtk_label_set_text (self->path_label, path);
	task = g_task_new (self, self->cancellable, ir_auditor_page_loaded, NULL);
	g_task_set_task_data (task, request, (GDestroyNotify)ir_auditor_request_free);
	g_task_run_in_thread (task, ir_auditor_page_load_thread);
}

static void
ir_auditor_page_key_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
	IrAuditorPage *self = IR_AUDITOR_PAGE (user_data);
	const char *records = gtk_label_get_text (self->path_label);

	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
		ir_auditor_page_set_key (self, path);
		if (self->verdict != IR_AUDITOR_VERDICT_NONE)
			ir_auditor_page_open (self, records);
	}
	g_object_unref (dialog);
}

static void
ir_auditor_page_key_clicked (IrAuditorPage *self)
{
	GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
	GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Workstation Key"),
								    GTK_WINDOW (toplevel),
								    GTK_FILE_CHOOSER_ACTION_OPEN,
								    _ ("_Use Key"),
								    _ ("_Cancel"));

	g_signal_connect (dialog, "response", G_CALLBACK (ir_auditor_page_key_chosen), self);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
ir_auditor_page_set_key (IrAuditorPage *self, const char *path)
{
	g_return_if_fail (IR_IS_AUDITOR_PAGE (self));
	g_free (self->key_path);
	self->key_path = g_strdup (path);
}

IrAuditorVerdict
ir_auditor_page_get_verdict (IrAuditorPage *self)
{
	return self->verdict;
}

char *
ir_auditor_page_get_verdict_text (IrAuditorPage *self)
{
	return g_strdup_printf ("%s\n%s",
				gtk_label_get_text (self->verdict_title),
				gtk_label_get_text (self->verdict_detail));
}

guint
ir_auditor_page_get_n_shown (IrAuditorPage *self)
{
	return self->shown->len;
}

char *
ir_auditor_page_get_filter_error (IrAuditorPage *self)
{
	if (!gtk_widget_get_visible (GTK_WIDGET (self->filter_error)))
		return NULL;
	return g_strdup (gtk_label_get_text (self->filter_error));
}

gboolean
ir_auditor_page_get_busy (IrAuditorPage *self)
{
	return self->cancellable != NULL;
}

void
ir_auditor_page_set_filter (IrAuditorPage *self, const char *field, const char *text)
{
	if (g_strcmp0 (field, "from") == 0)
		gtk_entry_set_text (self->from_entry, text);
	else if (g_strcmp0 (field, "to") == 0)
		gtk_entry_set_text (self->to_entry, text);
	else if (g_strcmp0 (field, "technician") == 0)
		gtk_entry_set_text (self->technician_entry, text);
	else if (g_strcmp0 (field, "centre") == 0)
		gtk_entry_set_text (self->centre_entry, text);
	else if (g_strcmp0 (field, "imei") == 0)
		gtk_entry_set_text (GTK_ENTRY (self->imei_entry), text);
	else if (g_strcmp0 (field, "outcome") == 0)
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->outcome_combo), text);
	else
		g_return_if_reached ();
	/* the search entry waits before it says "search-changed"; tests and
	 * scanners want the table now */
	ir_auditor_page_refilter (self);
}

static char *
ir_auditor_page_records_text (IrAuditorPage *self, const char *format)
{
	g_autoptr (JsonNode) node = NULL;

	if (g_strcmp0 (format, "csv") == 0)
		return ir_audit_export_rows_to_csv (self->shown);
	node = ir_audit_export_rows_to_json (self->shown);
	return json_to_string (node, TRUE);
}

gboolean
ir_auditor_page_export (IrAuditorPage *self, const char *format, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr (GError) local = NULL;

	if (self->rows == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     _ ("nothing to export: open a migration log first"));
		return FALSE;
	}
	if (g_strcmp0 (format, "csv") != 0 && g_strcmp0 (format, "json") != 0)
		return ir_audit_chart_export (self->days, format, path, error);
	text = ir_auditor_page_records_text (self, format);
	if (!g_file_set_contents (path, text, -1, &local)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_IO,
		    _ ("cannot write the export to %s: %s; choose a folder you can write to"),
		    path,
		    local->message);
		return FALSE;
	}
	return TRUE;
}

static void
ir_auditor_page_add_column (IrAuditorPage *self, const char *title, int column, gboolean expand)
{
	GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();
	GtkTreeViewColumn *col =
	    gtk_tree_view_column_new_with_attributes (title, renderer, "text", column, NULL);

	if (expand)
		g_object_set (renderer, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
	gtk_tree_view_column_set_resizable (col, TRUE);
	gtk_tree_view_column_set_expand (col, expand);
	gtk_tree_view_column_set_sort_column_id (col, column);
	gtk_tree_view_append_column (self->records_view, col);
}

static void
ir_auditor_page_setup_table (IrAuditorPage *self)
{
	self->store = gtk_list_store_new (IR_AUDITOR_N_COLS,
					  G_TYPE_UINT64,
					  G_TYPE_STRING,
					  G_TYPE_STRING,
					  G_TYPE_STRING,
					  G_TYPE_STRING,
					  G_TYPE_STRING,
					  G_TYPE_STRING,
					  G_TYPE_STRING);
	gtk_tree_view_set_model (self->records_view, GTK_TREE_MODEL (self->store));
	ir_auditor_page_add_column (self, _ ("Line"), IR_AUDITOR_COL_LINE, FALSE);
	ir_auditor_page_add_column (self, _ ("Time"), IR_AUDITOR_COL_TIME, FALSE);
	ir_auditor_page_add_column (self, _ ("Technician"), IR_AUDITOR_COL_TECHNICIAN, FALSE);
	ir_auditor_page_add_column (self, _ ("Centre"), IR_AUDITOR_COL_CENTRE, FALSE);
	ir_auditor_page_add_column (self, _ ("Phone"), IR_AUDITOR_COL_PHONE, FALSE);
	ir_auditor_page_add_column (self, _ ("IMEIs before → after"), IR_AUDITOR_COL_IMEIS, TRUE);
	ir_auditor_page_add_column (self, _ ("Outcome"), IR_AUDITOR_COL_OUTCOME, FALSE);
	ir_auditor_page_add_column (self, _ ("Details"), IR_AUDITOR_COL_DETAIL, TRUE);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->records_view)),
			     _ ("Records of the migration log"));
}

static void
ir_auditor_page_setup_outcomes (IrAuditorPage *self)
{
	gtk_combo_box_text_append (self->outcome_combo, "", _ ("Any"));
	for (guint i = 0; ir_audit_outcomes[i] != NULL; i++)
		gtk_combo_box_text_append (
		    self->outcome_combo, ir_audit_outcomes[i], ir_audit_outcomes[i]);
	gtk_combo_box_set_active (GTK_COMBO_BOX (self->outcome_combo), 0);
}

static void
ir_auditor_page_dispose (GObject *object)
{
	IrAuditorPage *self = IR_AUDITOR_PAGE (object);

	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	g_clear_object (&self->store);
	G_OBJECT_CLASS (ir_auditor_page_parent_class)->dispose (object);
}

static void
ir_auditor_page_finalize (GObject *object)
{
	IrAuditorPage *self = IR_AUDITOR_PAGE (object);

	g_clear_pointer (&self->days, g_ptr_array_unref);
	g_clear_pointer (&self->shown, g_ptr_array_unref);
	g_clear_pointer (&self->rows, g_ptr_array_unref);
	g_free (self->key_path);
	G_OBJECT_CLASS (ir_auditor_page_parent_class)->finalize (object);
}

static void
ir_auditor_page_class_init (IrAuditorPageClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	object_class->dispose = ir_auditor_page_dispose;
	object_class->finalize = ir_auditor_page_finalize;
	ir_auditor_page_signals[IR_AUDITOR_PAGE_SIGNAL_LOADED] =
	    g_signal_new ("loaded",
			  G_TYPE_FROM_CLASS (klass),
			  G_SIGNAL_RUN_LAST,
			  0,
			  NULL,
			  NULL,
			  NULL,
			  G_TYPE_NONE,
			  0);

	g_type_ensure (IR_TYPE_AUDIT_CHART);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-auditor-page.ui");
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, path_label);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, verdict_bar);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, verdict_title);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, verdict_detail);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, from_entry);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, to_entry);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, technician_entry);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, centre_entry);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, outcome_combo);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, imei_entry);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, filter_error);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, records_view);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, chart);
	gtk_widget_class_bind_template_child (widget_class, IrAuditorPage, count_label);
	gtk_widget_class_bind_template_callback (widget_class, ir_auditor_page_filter_changed);
	gtk_widget_class_bind_template_callback (widget_class, ir_auditor_page_key_clicked);
}

static void
ir_auditor_page_init (IrAuditorPage *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->shown = g_ptr_array_new ();
	ir_auditor_page_setup_table (self);
	ir_auditor_page_setup_outcomes (self);
}

GtkWidget *
ir_auditor_page_new (void)
{
	return g_object_new (IR_TYPE_AUDITOR_PAGE, NULL);
}
