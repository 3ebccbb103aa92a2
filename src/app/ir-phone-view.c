/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-family.h"
#include "ir-imei-scan.h"
#include "ir-phone-view.h"
#include "ir-restore-text.h"
#include "ir-step-progress.h"

struct _IrPhoneView {
	GtkBox parent_instance;

	GtkLabel *title_label;
	GtkLabel *subtitle_label;
	GtkBox *steps_box;
	GtkStack *step_stack;
	IrStepProgress *identify_page;
	GtkGrid *diagnose_grid;
	GtkLabel *diagnose_label;
	GtkButton *restore_button;
	IrStepProgress *authorise_page;
	GtkGrid *confirm_grid;
	GtkLabel *token_label;
	GtkEntry *scan_entry;
	GtkLabel *scan_label;
	GtkButton *write_button;
	IrStepProgress *write_page;
	IrStepProgress *verify_page;
	GtkImage *done_icon;
	GtkLabel *done_title;
	GtkLabel *done_detail;

	IrPhone *phone;
	gulong changed_id;
	IrRestorePlan *shown_plan; /* the plan the confirm page was filled from */
};

G_DEFINE_TYPE (IrPhoneView, ir_phone_view, GTK_TYPE_BOX)

/* The steps strip, in order; a step's name is its stack page's. */
static const char *const ir_phone_view_steps[] = {
    "identify", "diagnose", "authorise", "confirm", "write", "verify", "done", NULL};

static const char *
ir_phone_view_step_title (guint i)
{
	const char *titles[] = {N_ ("Identify"),
				N_ ("Diagnose"),
				N_ ("Authorise"),
				N_ ("Confirm"),
				N_ ("Write"),
				N_ ("Verify"),
				N_ ("Done")};
	return _ (titles[i]);
}

static void
ir_phone_view_mark_steps (IrPhoneView *self, const char *current)
{
	g_autoptr (GList) labels = gtk_container_get_children (GTK_CONTAINER (self->steps_box));
	gboolean passed = TRUE;

	for (GList *l = labels; l != NULL; l = l->next) {
		GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (l->data));
		const char *step = gtk_widget_get_name (GTK_WIDGET (l->data));
		gboolean is_current = g_strcmp0 (step, current) == 0;
		if (g_strcmp0 (step, "arrow") == 0)
			continue;
		if (is_current)
			passed = FALSE;
		gtk_style_context_remove_class (context, "current");
		gtk_style_context_remove_class (context, "passed");
		gtk_style_context_add_class (context,
					     is_current ? "current"
					     : passed	? "passed"
							: "todo");
	}
}

static void
ir_phone_view_clear_grid (GtkGrid *grid)
{
	g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (grid));

	for (GList *l = children; l != NULL; l = l->next)
		gtk_widget_destroy (GTK_WIDGET (l->data));
}

static void
ir_phone_view_grid_cell (GtkGrid *grid, int col, int row, const char *text, const char *css)
{
	GtkWidget *label = gtk_label_new (text);

	gtk_label_set_xalign (GTK_LABEL (label), 0);
	gtk_label_set_selectable (GTK_LABEL (label), TRUE);
	if (css != NULL)
		gtk_style_context_add_class (gtk_widget_get_style_context (label), css);
	gtk_widget_show (label);
	gtk_grid_attach (grid, label, col, row, 1, 1);
}

static void
ir_phone_view_header (IrPhoneView *self)
{
	const IrDeviceInfo *info = ir_phone_get_info (self->phone);
	g_autofree char *title = NULL;
	g_autofree char *subtitle = NULL;

	if (info == NULL) {
		gtk_label_set_text (self->title_label, ir_phone_get_port (self->phone));
		gtk_label_set_text (self->subtitle_label, _ ("Not identified yet"));
		return;
	}
	title = g_strdup_printf ("%s %s", info->manufacturer, info->model);
	subtitle =
	    g_strdup_printf (_ ("%s · serial %s · %s"),
			     info->family != NULL ? info->family->title : _ ("unknown family"),
			     info->serial != NULL ? info->serial : _ ("none"),
			     info->port);
	gtk_label_set_text (self->title_label, title);
	gtk_label_set_text (self->subtitle_label, subtitle);
}

static void
ir_phone_view_fill_diagnose (IrPhoneView *self)
{
	const IrDeviceInfo *info = ir_phone_get_info (self->phone);
	const GError *why = ir_phone_get_ineligible_error (self->phone);

	ir_phone_view_clear_grid (self->diagnose_grid);
	for (guint i = 0; info != NULL && i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		g_autofree char *name = g_strdup_printf (_ ("Slot %u"), slot->index + 1);
		ir_phone_view_grid_cell (self->diagnose_grid, 0, i, name, "dim-label");
		ir_phone_view_grid_cell (
		    self->diagnose_grid, 1, i, slot->imei != NULL ? slot->imei : "—", "imei");
		ir_phone_view_grid_cell (self->diagnose_grid,
					 2,
					 i,
					 ir_restore_text_status (slot->status),
					 slot->status == IR_IMEI_STATUS_VALID ? NULL
									      : "warning-text");
	}
	if (ir_phone_get_eligible (self->phone)) {
		g_autofree char *text = g_strdup_printf (
		    "%s%s%s",
		    _ ("This phone needs its original IMEI restored. Restore asks the brand "
		       "server for a token; you confirm before anything is written."),
		    ir_phone_get_rollout_text (self->phone) != NULL ? " " : "",
		    ir_phone_get_rollout_text (self->phone) != NULL
			? ir_phone_get_rollout_text (self->phone)
			: "");
		gtk_label_set_text (self->diagnose_label, text);
	} else if (ir_phone_get_rollout (self->phone) != NULL)
		gtk_label_set_text (self->diagnose_label, ir_phone_get_rollout_text (self->phone));
	else if (why != NULL)
		gtk_label_set_text (self->diagnose_label, why->message);
	else
		gtk_label_set_text (self->diagnose_label,
				    _ ("Every IMEI is valid and not a known duplicate: nothing to "
				       "restore."));
	gtk_widget_set_sensitive (GTK_WIDGET (self->restore_button),
				  ir_phone_get_eligible (self->phone));
}

static char *
ir_phone_view_token_text (IrRestorePlan *plan)
{
	const char *expires = ir_restore_plan_get_token_expires (plan);
	const char *who = ir_restore_plan_get_device_verifies (plan)
			      ? _ ("The phone verifies the token itself.")
			      : _ ("Only this workstation verified the token: this phone "
				   "family cannot.");

	return g_strdup_printf (
	    _ ("Token %s, phase %s, expires %s. %s"),
	    ir_restore_plan_get_token_id (plan),
	    ir_restore_plan_get_phase (plan) != NULL ? ir_restore_plan_get_phase (plan) : "—",
	    expires != NULL ? expires : _ ("unknown"),
	    who);
}

static void
ir_phone_view_fill_confirm (IrPhoneView *self, IrRestorePlan *plan)
{
	GPtrArray *slots = ir_restore_plan_get_slots (plan);
	g_autofree char *token = ir_phone_view_token_text (plan);

	if (plan == NULL || self->shown_plan == plan)
		return;
	g_set_object (&self->shown_plan, plan);
	ir_phone_view_clear_grid (self->confirm_grid);
	ir_phone_view_grid_cell (self->confirm_grid, 1, 0, _ ("Now"), "dim-label");
	ir_phone_view_grid_cell (self->confirm_grid, 3, 0, _ ("After the write"), "dim-label");
	for (guint i = 0; i < slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (slots, i);
		g_autofree char *name = g_strdup_printf (_ ("Slot %u"), slot->index + 1);
		ir_phone_view_grid_cell (self->confirm_grid, 0, i + 1, name, "dim-label");
		ir_phone_view_grid_cell (self->confirm_grid,
					 1,
					 i + 1,
					 slot->before != NULL ? slot->before : "—",
					 "imei");
		ir_phone_view_grid_cell (self->confirm_grid, 2, i + 1, "→", NULL);
		ir_phone_view_grid_cell (self->confirm_grid,
					 3,
					 i + 1,
					 slot->target != NULL ? slot->target : _ ("left as it is"),
					 "imei");
	}
	gtk_label_set_text (self->token_label, token);
	gtk_entry_set_text (self->scan_entry, "");
	gtk_label_set_text (self->scan_label, "");
	/* the safe choice has the focus: Enter never writes */
	gtk_widget_grab_focus (GTK_WIDGET (self->scan_entry));
}

static void
ir_phone_view_fill_done (IrPhoneView *self)
{
	const IrRestoreResult *result = ir_phone_get_result (self->phone);
	const GError *error = ir_phone_get_error (self->phone);
	g_auto (IrRestoreText) text = {0};

	if (result != NULL)
		ir_restore_text_explain (result, &text);
	else {
		text.title = g_strdup (_ ("The phone could not be read"));
		text.detail = g_strdup_printf (_ ("%s. Check the cable and the port, then read it "
						  "again."),
					       error != NULL ? error->message : "");
	}
	gtk_image_set_from_icon_name (self->done_icon,
				      text.success ? "emblem-ok-symbolic"
						   : "dialog-warning-symbolic",
				      GTK_ICON_SIZE_DIALOG);
	gtk_label_set_text (self->done_title, text.title);
	gtk_label_set_text (self->done_detail, text.detail);
}

/* Which page a phone in @state at @stage shows. */
static const char *
ir_phone_view_page_for (IrPhoneView *self)
{
	IrProgress *progress = ir_phone_get_progress (self->phone);

	switch (ir_phone_get_state (self->phone)) {
	case IR_PHONE_STATE_NEW:
		return "identify";
	case IR_PHONE_STATE_IDENTIFIED:
		return "diagnose";
	case IR_PHONE_STATE_CONFIRM:
		return "confirm";
	case IR_PHONE_STATE_DONE:
	case IR_PHONE_STATE_FAILED:
		return "done";
	default:
		break;
	}
	if (progress == NULL)
		return "identify";
	/* a finished progress before the result arrives: keep the last step */
	if (ir_progress_get_stage (progress) == IR_RESTORE_STAGE_DONE)
		return gtk_stack_get_visible_child_name (self->step_stack);
	/* the stage says CONFIRM before the plan arrives, and still after
	 * the answer until the INTENT is written */
	if (ir_progress_get_stage (progress) == IR_RESTORE_STAGE_CONFIRM)
		return self->shown_plan != NULL && ir_restore_plan_is_answered (self->shown_plan)
			   ? "write"
			   : "authorise";
	return ir_restore_text_step (ir_progress_get_stage (progress));
}

static void
ir_phone_view_sync (IrPhoneView *self)
{
	const char *page = ir_phone_view_page_for (self);
	IrProgress *progress = ir_phone_get_progress (self->phone);
	gboolean can_cancel = ir_phone_can_cancel (self->phone);
	IrStepProgress *working[] = {
	    self->identify_page, self->authorise_page, self->write_page, self->verify_page};

	ir_phone_view_header (self);
	for (gsize i = 0; i < G_N_ELEMENTS (working); i++)
		ir_step_progress_update (working[i], progress, can_cancel);
	if (g_strcmp0 (page, "diagnose") == 0)
		ir_phone_view_fill_diagnose (self);
	if (g_strcmp0 (page, "confirm") == 0)
		ir_phone_view_fill_confirm (self, ir_phone_get_plan (self->phone));
	if (g_strcmp0 (page, "done") == 0)
		ir_phone_view_fill_done (self);
	gtk_stack_set_visible_child_name (self->step_stack, page);
	ir_phone_view_mark_steps (self, page);
}

static void
ir_phone_view_identify_clicked (IrPhoneView *self)
{
	ir_phone_identify (self->phone);
}

static void
ir_phone_view_restore_clicked (IrPhoneView *self)
{
	ir_phone_restore (self->phone);
}

static void
ir_phone_view_write_clicked (IrPhoneView *self)
{
	ir_phone_answer (self->phone, TRUE);
}

static void
ir_phone_view_decline_clicked (IrPhoneView *self)
{
	ir_phone_answer (self->phone, FALSE);
}

static void
ir_phone_view_cancel_clicked (IrPhoneView *self)
{
	ir_phone_cancel (self->phone);
}

static void
ir_phone_view_scan_activated (IrPhoneView *self)
{
	IrRestorePlan *plan = ir_phone_get_plan (self->phone);
	GPtrArray *slots = plan != NULL ? ir_restore_plan_get_slots (plan) : NULL;
	g_autofree const char **registry = NULL;
	g_autofree char *message = NULL;
	IrImeiScanVerdict verdict;
	GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self->scan_label));

	if (slots == NULL)
		return;
	registry = g_new0 (const char *, slots->len + 1);
	for (guint i = 0; i < slots->len; i++)
		registry[i] = ((const IrRestoreSlot *)g_ptr_array_index (slots, i))->target;
	verdict = ir_imei_scan_check (
	    gtk_entry_get_text (self->scan_entry), registry, slots->len, &message);
	gtk_label_set_text (self->scan_label, message);
	gtk_style_context_remove_class (context, "warning-text");
	if (verdict != IR_IMEI_SCAN_MATCH)
		gtk_style_context_add_class (context, "warning-text");
	atk_object_set_description (gtk_widget_get_accessible (GTK_WIDGET (self->scan_entry)),
				    message);
}

static void
ir_phone_view_build_steps (IrPhoneView *self)
{
	for (guint i = 0; ir_phone_view_steps[i] != NULL; i++) {
		GtkWidget *label = gtk_label_new (ir_phone_view_step_title (i));
		gtk_widget_set_name (label, ir_phone_view_steps[i]);
		gtk_widget_show (label);
		gtk_container_add (GTK_CONTAINER (self->steps_box), label);
		if (ir_phone_view_steps[i + 1] != NULL) {
			GtkWidget *arrow = gtk_label_new ("›");
			gtk_widget_set_name (arrow, "arrow");
			gtk_widget_show (arrow);
			gtk_container_add (GTK_CONTAINER (self->steps_box), arrow);
		}
	}
}

static void
ir_phone_view_dispose (GObject *object)
{
	IrPhoneView *self = IR_PHONE_VIEW (object);

	if (self->phone != NULL)
		g_clear_signal_handler (&self->changed_id, self->phone);
	g_clear_object (&self->phone);
	g_clear_object (&self->shown_plan);
	G_OBJECT_CLASS (ir_phone_view_parent_class)->dispose (object);
}

static void
ir_phone_view_class_init (IrPhoneViewClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_phone_view_dispose;
	g_type_ensure (IR_TYPE_STEP_PROGRESS);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-phone-view.ui");
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, title_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, subtitle_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, steps_box);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, step_stack);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, identify_page);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, diagnose_grid);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, diagnose_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, restore_button);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, authorise_page);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, confirm_grid);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, token_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, scan_entry);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, scan_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, write_button);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, write_page);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, verify_page);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, done_icon);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, done_title);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneView, done_detail);
	gtk_widget_class_bind_template_callback (widget_class, ir_phone_view_identify_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_phone_view_restore_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_phone_view_write_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_phone_view_decline_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_phone_view_scan_activated);
}

static void
ir_phone_view_init (IrPhoneView *self)
{
	IrStepProgress *working[4];
	const char *titles[] = {N_ ("Identifying the phone"),
				N_ ("Asking the brand for a token"),
				N_ ("Writing the IMEI"),
				N_ ("Reading the IMEI back")};

	gtk_widget_init_template (GTK_WIDGET (self));
	working[0] = self->identify_page;
	working[1] = self->authorise_page;
	working[2] = self->write_page;
	working[3] = self->verify_page;
	for (gsize i = 0; i < G_N_ELEMENTS (working); i++) {
		ir_step_progress_set_title (working[i], _ (titles[i]));
		g_signal_connect_swapped (ir_step_progress_get_cancel_button (working[i]),
					  "clicked",
					  G_CALLBACK (ir_phone_view_cancel_clicked),
					  self);
	}
	ir_phone_view_build_steps (self);
}

GtkWidget *
ir_phone_view_new (IrPhone *phone)
{
	IrPhoneView *self = g_object_new (IR_TYPE_PHONE_VIEW, NULL);

	self->phone = g_object_ref (phone);
	self->changed_id =
	    g_signal_connect_swapped (phone, "changed", G_CALLBACK (ir_phone_view_sync), self);
	ir_phone_view_sync (self);
	return GTK_WIDGET (self);
}

IrPhone *
ir_phone_view_get_phone (IrPhoneView *self)
{
	return self->phone;
}

const char *
ir_phone_view_get_step (IrPhoneView *self)
{
	return gtk_stack_get_visible_child_name (self->step_stack);
}

void
ir_phone_view_focus_scan (IrPhoneView *self)
{
	gtk_widget_grab_focus (GTK_WIDGET (self->scan_entry));
}

void
ir_phone_view_scan (IrPhoneView *self, const char *text)
{
	gtk_entry_set_text (self->scan_entry, text);
	gtk_widget_activate (GTK_WIDGET (self->scan_entry));
}

const char *
ir_phone_view_get_scan_text (IrPhoneView *self)
{
	return gtk_label_get_text (self->scan_label);
}

char *
ir_phone_view_get_done_text (IrPhoneView *self)
{
	return g_strdup_printf ("%s\n%s",
				gtk_label_get_text (self->done_title),
				gtk_label_get_text (self->done_detail));
}

GtkWidget *
ir_phone_view_get_write_button (IrPhoneView *self)
{
	return GTK_WIDGET (self->write_button);
}
