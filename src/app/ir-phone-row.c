/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-family.h"
#include "ir-phone-row.h"
#include "ir-restore-text.h"

struct _IrPhoneRow {
	GtkListBoxRow parent_instance;

	GtkLabel *title_label;
	GtkLabel *subtitle_label;
	GtkLabel *slots_label;
	GtkLabel *stage_label;
	GtkLabel *rollout_label;
	GtkProgressBar *progress_bar;

	IrPhone *phone;
	gulong changed_id;
};

G_DEFINE_TYPE (IrPhoneRow, ir_phone_row, GTK_TYPE_LIST_BOX_ROW)

/* After a restore, what was read back. */
static char *
ir_phone_row_result_text (const IrRestoreResult *result)
{
	g_autoptr (GString) text = g_string_new (NULL);

	for (guint i = 0; i < result->slots->len; i++) {
		const IrRestoreSlot *slot = g_ptr_array_index (result->slots, i);
		if (text->len > 0)
			g_string_append_c (text, '\n');
		g_string_append_printf (
		    text, "%s  %s", slot->after != NULL ? slot->after : "—", _ ("read back"));
	}
	return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
ir_phone_row_slots_text (IrPhone *phone)
{
	const IrDeviceInfo *info = ir_phone_get_info (phone);
	const IrRestoreResult *result = ir_phone_get_result (phone);
	g_autoptr (GString) text = g_string_new (NULL);

	if (result != NULL && result->outcome == IR_RESTORE_RESTORED)
		return ir_phone_row_result_text (result);

	for (guint i = 0; info != NULL && i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		if (text->len > 0)
			g_string_append_c (text, '\n');
		g_string_append_printf (text,
					"%s  %s",
					slot->imei != NULL ? slot->imei : "—",
					ir_restore_text_status (slot->status));
	}
	return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
ir_phone_row_stage_text (IrPhone *phone)
{
	IrProgress *progress = ir_phone_get_progress (phone);
	const IrRestoreResult *result = ir_phone_get_result (phone);

	switch (ir_phone_get_state (phone)) {
	case IR_PHONE_STATE_NEW:
		return _ ("Waiting to be read");
	case IR_PHONE_STATE_CONFIRM:
		return _ ("Waiting for you to confirm the write");
	case IR_PHONE_STATE_IDENTIFIED:
		if (ir_phone_get_eligible (phone))
			return _ ("Eligible: needs its IMEI restored");
		if (ir_phone_get_rollout (phone) != NULL)
			return _ ("Not eligible under the rollout policy");
		if (ir_phone_get_ineligible_error (phone) != NULL)
			return _ ("Needs a restore this workstation cannot do");
		return _ ("Nothing to restore");
	case IR_PHONE_STATE_DONE:
		return ir_restore_text_outcome (result->outcome);
	case IR_PHONE_STATE_FAILED:
		return _ ("Could not be read");
	default:
		break;
	}
	if (ir_phone_get_writing (phone))
		return _ ("Writing: do not unplug");
	if (progress != NULL && ir_progress_get_message (progress) != NULL)
		return ir_progress_get_message (progress);
	return _ ("Working…");
}

/* The policy's word on the phone while it waits to be restored. */
static void
ir_phone_row_sync_rollout (IrPhoneRow *self)
{
	const char *text = ir_phone_get_rollout_text (self->phone);
	gboolean shown =
	    text != NULL && ir_phone_get_state (self->phone) == IR_PHONE_STATE_IDENTIFIED;

	gtk_label_set_text (self->rollout_label, shown ? text : "");
	gtk_widget_set_visible (GTK_WIDGET (self->rollout_label), shown);
}

static void
ir_phone_row_sync (IrPhoneRow *self)
{
	const IrDeviceInfo *info = ir_phone_get_info (self->phone);
	IrProgress *progress = ir_phone_get_progress (self->phone);
	g_autofree char *title = NULL;
	g_autofree char *subtitle = NULL;
	g_autofree char *slots = ir_phone_row_slots_text (self->phone);
	g_autofree char *name = NULL;
	const char *stage = ir_phone_row_stage_text (self->phone);
	gint percentage = progress != NULL ? ir_progress_get_percentage (progress) : -1;
	gboolean busy = ir_phone_get_state (self->phone) == IR_PHONE_STATE_BUSY;

	title = info != NULL ? g_strdup_printf ("%s %s", info->manufacturer, info->model)
			     : g_path_get_basename (ir_phone_get_port (self->phone));
	subtitle = g_strdup_printf ("%s · %s",
				    info != NULL && info->family != NULL ? info->family->id : "…",
				    ir_phone_get_port (self->phone));
	gtk_label_set_text (self->title_label, title);
	gtk_label_set_text (self->subtitle_label, subtitle);
	gtk_label_set_text (self->slots_label, slots);
	gtk_widget_set_visible (GTK_WIDGET (self->slots_label), *slots != '\0');
	gtk_label_set_text (self->stage_label, stage);
	ir_phone_row_sync_rollout (self);
	gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
	if (busy && percentage >= 0)
		gtk_progress_bar_set_fraction (self->progress_bar, percentage / 100.0);
	else if (busy)
		gtk_progress_bar_pulse (self->progress_bar);
	name = gtk_widget_get_visible (GTK_WIDGET (self->rollout_label))
		   ? g_strdup_printf ("%s, %s: %s. %s",
				      title,
				      ir_phone_get_port (self->phone),
				      stage,
				      gtk_label_get_text (self->rollout_label))
		   : g_strdup_printf ("%s, %s: %s", title, ir_phone_get_port (self->phone), stage);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), name);
}

static void
ir_phone_row_dispose (GObject *object)
{
	IrPhoneRow *self = IR_PHONE_ROW (object);

	if (self->phone != NULL)
		g_clear_signal_handler (&self->changed_id, self->phone);
	g_clear_object (&self->phone);
	G_OBJECT_CLASS (ir_phone_row_parent_class)->dispose (object);
}

static void
ir_phone_row_class_init (IrPhoneRowClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_phone_row_dispose;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-phone-row.ui");
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, title_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, subtitle_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, slots_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, stage_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, rollout_label);
	gtk_widget_class_bind_template_child (widget_class, IrPhoneRow, progress_bar);
}

static void
ir_phone_row_init (IrPhoneRow *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ir_phone_row_new (IrPhone *phone)
{
	IrPhoneRow *self = g_object_new (IR_TYPE_PHONE_ROW, NULL);

	self->phone = g_object_ref (phone);
	self->changed_id =
	    g_signal_connect_swapped (phone, "changed", G_CALLBACK (ir_phone_row_sync), self);
	ir_phone_row_sync (self);
	return GTK_WIDGET (self);
}

IrPhone *
ir_phone_row_get_phone (IrPhoneRow *self)
{
	return self->phone;
}

const char *
ir_phone_row_get_title_text (IrPhoneRow *self)
{
	return gtk_label_get_text (self->title_label);
}

const char *
ir_phone_row_get_slots_text (IrPhoneRow *self)
{
	return gtk_label_get_text (self->slots_label);
}

const char *
ir_phone_row_get_stage_text (IrPhoneRow *self)
{
	return gtk_label_get_text (self->stage_label);
}

const char *
ir_phone_row_get_rollout_text (IrPhoneRow *self)
{
	return gtk_label_get_text (self->rollout_label);
}
