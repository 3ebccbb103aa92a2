/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-brand-client.h"
#include "ir-error.h"
#include "ir-port.h"
#include "ir-workbench.h"
#include "ir-policy-text.h"
#include "ir-port-monitor.h"

struct _IrWorkbench {
	GtkBox parent_instance;

	GtkLabel *identity_label;
	GtkLabel *server_label;
	GtkExpander *policy_expander;
	GtkLabel *policy_label;
	GtkLabel *phases_label;
	GtkListBox *phone_list;
	GtkStack *view_stack;

	IrSignin *signin;
	GSettings *settings;
	GHashTable *phones;	/* port → IrPhone */
	GHashTable *rows;	/* port → IrPhoneRow (borrowed: the list owns it) */
	GHashTable *hotplugged; /* ports hotplug added: hotplug may remove them */
	IrPortMonitor *monitor;
	guint settle_id;     /* looks again for the port of a USB device that arrived */
	guint settle_left;   /* how many more times */
	GCancellable *batch; /* of the "Restore all eligible" in flight */
	GtkWidget *recover_dialog;
	guint inhibit_cookie;
	/* asked for, whether or not a session manager answered (the cookie
	 * is 0 where none runs) */
	gboolean inhibiting;
};

G_DEFINE_TYPE (IrWorkbench, ir_workbench, GTK_TYPE_BOX)

static IrEngine *
ir_workbench_engine (IrWorkbench *self)
{
	return self->signin != NULL ? self->signin->engine : NULL;
}

/* The rollout policy the engine holds after the sign-in's server check
 * (and why a newer one was refused, when it was): what every phone's
 * eligibility below is decided by. */
static void
ir_workbench_show_policy (IrWorkbench *self)
{
	IrEngine *engine = ir_workbench_engine (self);
	IrPolicyCache *cache = ir_engine_get_policy_cache (engine);
	const IrPolicy *policy = cache != NULL ? ir_policy_cache_get_policy (cache) : NULL;
	g_autofree char *warning = ir_engine_get_policy_warning (engine);
	g_autofree char *summary = NULL;
	g_autofree char *phases = NULL;
	g_autofree char *label = NULL;

	if (policy == NULL) {
		summary = g_strdup (_ ("No rollout policy: the brand server decides alone"));
		phases = g_strdup (_ ("The brand server has published no rollout policy: each "
				      "restore is decided by the server when it is asked for a "
				      "token."));
	} else {
		summary = ir_policy_text_summary (policy);
		phases = ir_policy_text_phases (policy, ir_policy_cache_get_paused (cache));
	}
	if (warning != NULL) {
		g_autofree char *more = g_strdup_printf (
		    _ ("%s\n\nThe brand server's newer policy was refused, so this one stays in "
		       "force: %s"),
		    phases,
		    warning);
		g_free (phases);
		phases = g_steal_pointer (&more);
	}
	/* TRANSLATORS: the mnemonic opens the policy's phases (Alt+P) */
	label = g_strdup_printf (_ ("_Policy: %s"), summary);
	gtk_label_set_text_with_mnemonic (self->policy_label, label);
	gtk_label_set_text (self->phases_label, phases);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->policy_expander)),
			     summary);
}

static void
ir_workbench_show_identity (IrWorkbench *self)
{
	IrBrandClient *client = ir_engine_get_client (ir_workbench_engine (self));
	g_autofree char *identity = NULL;
	g_autofree char *server = NULL;

	identity = g_strdup_printf (_ ("%s · %s at %s"),
				    ir_brand_client_get_subject (client),
				    ir_brand_client_get_role (client),
				    ir_brand_client_get_centre (client));
	server = g_strdup_printf (_ ("Brand server %s · migration log %s"),
				  ir_brand_client_get_url (client),
				  ir_engine_get_log_path (ir_workbench_engine (self)));
	gtk_label_set_text (self->identity_label, identity);
	gtk_label_set_text (self->server_label, server);
	ir_workbench_show_policy (self);
}

/* Suspend or logout in the middle of a write would leave the phone's
 * outcome unknown: inhibit them while any phone is written. */
static void
ir_workbench_update_inhibit (IrWorkbench *self)
{
	GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
	GtkApplication *app =
	    GTK_IS_WINDOW (toplevel) ? gtk_window_get_application (GTK_WINDOW (toplevel)) : NULL;
	gboolean writing = FALSE;
	GHashTableIter iter;
	gpointer phone;

	g_hash_table_iter_init (&iter, self->phones);
	while (g_hash_table_iter_next (&iter, NULL, &phone))
		writing = writing || ir_phone_get_writing (IR_PHONE (phone));
	if (app == NULL || writing == self->inhibiting)
		return;
	self->inhibiting = writing;
	if (writing)
		self->inhibit_cookie = gtk_application_inhibit (
		    app,
		    GTK_WINDOW (toplevel),
		    GTK_APPLICATION_INHIBIT_SUSPEND | GTK_APPLICATION_INHIBIT_LOGOUT,
		    _ ("Writing IMEIs to phones: do not unplug them"));
	else if (self->inhibit_cookie != 0) {
		gtk_application_uninhibit (app, self->inhibit_cookie);
		self->inhibit_cookie = 0;
	}
}

static void
ir_workbench_phone_changed (IrWorkbench *self)
{
	ir_workbench_update_inhibit (self);
}

static void
ir_workbench_add_phone (IrWorkbench *self, const char *path)
{
	g_autoptr (IrPhone) phone = ir_phone_new (ir_workbench_engine (self), path);
	GtkWidget *row = ir_phone_row_new (phone);
	GtkWidget *view = ir_phone_view_new (phone);

	g_signal_connect_object (
	    phone, "changed", G_CALLBACK (ir_workbench_phone_changed), self, G_CONNECT_SWAPPED);
	g_hash_table_insert (self->phones, g_strdup (path), g_object_ref (phone));
	g_hash_table_insert (self->rows, g_strdup (path), row);
	gtk_container_add (GTK_CONTAINER (self->phone_list), row);
	gtk_stack_add_named (self->view_stack, view, path);
	if (gtk_list_box_get_selected_row (self->phone_list) == NULL)
		gtk_list_box_select_row (self->phone_list, GTK_LIST_BOX_ROW (row));
	ir_phone_identify (phone);
}

static void
ir_workbench_remove_phone (IrWorkbench *self, const char *path)
{
	GtkWidget *row = g_hash_table_lookup (self->rows, path);
	GtkWidget *view = gtk_stack_get_child_by_name (self->view_stack, path);

	if (row != NULL)
		gtk_widget_destroy (row);
	if (view != NULL)
		gtk_widget_destroy (view);
	g_hash_table_remove (self->rows, path);
	g_hash_table_remove (self->phones, path);
	g_hash_table_remove (self->hotplugged, path);
}

gboolean
ir_workbench_add_port (IrWorkbench *self, const char *path, GError **error)
{
	if (ir_workbench_engine (self) == NULL) {
		g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, _ ("sign in first"));
		return FALSE;
	}
	if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     _ ("there is no port %s: check the path (a simulator prints it when "
				"it starts)"),
			     path);
		return FALSE;
	}
	if (g_hash_table_contains (self->phones, path)) {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, _ ("%s is already listed"), path);
		return FALSE;
	}
	ir_workbench_add_phone (self, path);
	return TRUE;
}

/* The kernel announces a USB device before its driver has made the serial
 * port (on a first plug udev loads the driver's module in between): after
 * an arrival that brought no new port, look again this often, this many
 * times. */
#define IR_WORKBENCH_SETTLE_MS	  250
#define IR_WORKBENCH_SETTLE_TRIES 20

/* USB hotplug: the monitor says something arrived or left; the port list
 * says which serial ports exist now. Returns how many phones it added. */
static guint
ir_workbench_rescan (IrWorkbench *self)
{
	guint added = 0;
	g_autoptr (GPtrArray) ports = ir_port_list (NULL);
	g_autoptr (GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
	GHashTableIter iter;
	gpointer path;

	for (guint i = 0; ports != NULL && i < ports->len; i++) {
		const IrPortInfo *info = g_ptr_array_index (ports, i);
		if (g_strcmp0 (info->kind, "usb") != 0)
			continue;
		g_hash_table_add (present, info->path);
		if (!g_hash_table_contains (self->phones, info->path)) {
			g_hash_table_add (self->hotplugged, g_strdup (info->path));
			ir_workbench_add_phone (self, info->path);
			added++;
		}
	}
	g_hash_table_iter_init (&iter, self->hotplugged);
	while (g_hash_table_iter_next (&iter, &path, NULL)) {
		IrPhone *phone = g_hash_table_lookup (self->phones, path);
		IrPhoneState state = ir_phone_get_state (phone);
		/* a phone in the middle of something keeps its row: its outcome
		 * is what the technician needs to see */
		if (!g_hash_table_contains (present, path) && state != IR_PHONE_STATE_BUSY &&
		    state != IR_PHONE_STATE_CONFIRM)
			g_ptr_array_add (gone, g_strdup (path));
	}
	for (guint i = 0; i < gone->len; i++)
		ir_workbench_remove_phone (self, g_ptr_array_index (gone, i));
	return added;
}

static gboolean
ir_workbench_settle (gpointer user_data)
{
	IrWorkbench *self = IR_WORKBENCH (user_data);

	if (ir_workbench_rescan (self) > 0 || --self->settle_left == 0) {
		self->settle_id = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void
ir_workbench_arrived (
    IrPortMonitor *monitor, guint vid, guint pid, int bus, int address, gpointer user_data)
{
	IrWorkbench *self = IR_WORKBENCH (user_data);

	if (ir_workbench_rescan (self) > 0)
		return;
	self->settle_left = IR_WORKBENCH_SETTLE_TRIES;
	if (self->settle_id == 0)
		self->settle_id = g_timeout_add (IR_WORKBENCH_SETTLE_MS, ir_workbench_settle, self);
}

static void
ir_workbench_left (
    IrPortMonitor *monitor, guint vid, guint pid, int bus, int address, gpointer user_data)
{
	ir_workbench_rescan (IR_WORKBENCH (user_data));
}

static void
ir_workbench_stop_hotplug (IrWorkbench *self)
{
	g_clear_handle_id (&self->settle_id, g_source_remove);
	g_clear_object (&self->monitor);
}

static void
ir_workbench_start_hotplug (IrWorkbench *self)
{
	g_autoptr (GError) error = NULL;

	self->monitor = ir_port_monitor_new (&error);
	if (self->monitor == NULL) {
		g_debug ("no USB hotplug: %s", error->message);
		return;
	}
	g_signal_connect_object (
	    self->monitor, "arrived", G_CALLBACK (ir_workbench_arrived), self, 0);
	g_signal_connect_object (self->monitor, "left", G_CALLBACK (ir_workbench_left), self, 0);
	ir_workbench_rescan (self);
}

static void
ir_workbench_recover_closed (IrWorkbench *self)
{
	self->recover_dialog = NULL;
}

/* Unfinished restorations first: before new work starts, the technician
 * sees them and can have them recovered. */
static void
ir_workbench_check_pending (IrWorkbench *self)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) pending = ir_engine_get_pending (ir_workbench_engine (self), &error);
	GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));

	if (pending == NULL) {
		g_warning ("cannot read the pending restorations: %s", error->message);
		return;
	}
	if (pending->len == 0)
		return;
	self->recover_dialog =
	    ir_recover_dialog_new (GTK_WINDOW (toplevel), ir_workbench_engine (self), pending);
	g_signal_connect_object (self->recover_dialog,
				 "destroy",
				 G_CALLBACK (ir_workbench_recover_closed),
				 self,
				 G_CONNECT_SWAPPED);
	gtk_widget_show (self->recover_dialog);
}

static void
ir_workbench_clear_phones (IrWorkbench *self)
{
	g_autoptr (GList) ports = g_hash_table_get_keys (self->phones);
	g_autoptr (GPtrArray) copy = g_ptr_array_new_with_free_func (g_free);

	for (GList *l = ports; l != NULL; l = l->next)
		g_ptr_array_add (copy, g_strdup (l->data));
	for (guint i = 0; i < copy->len; i++)
		ir_workbench_remove_phone (self, g_ptr_array_index (copy, i));
}

void
ir_workbench_set_signin (IrWorkbench *self, IrSignin *signin)
{
	g_return_if_fail (IR_IS_WORKBENCH (self));
	if (self->batch != NULL)
		g_cancellable_cancel (self->batch);
	ir_workbench_stop_hotplug (self);
	if (self->recover_dialog != NULL)
		gtk_widget_destroy (self->recover_dialog);
	ir_workbench_clear_phones (self);
	g_clear_pointer (&self->signin, ir_signin_free);
	self->signin = signin;
	if (signin == NULL)
		return;
	ir_workbench_show_identity (self);
	ir_workbench_check_pending (self);
	ir_workbench_start_hotplug (self);
}

void
ir_workbench_set_settings (IrWorkbench *self, GSettings *settings)
{
	g_set_object (&self->settings, settings);
}

static gboolean
ir_workbench_phone_is_eligible (IrPhone *phone)
{
	return ir_phone_get_state (phone) == IR_PHONE_STATE_IDENTIFIED &&
	       ir_phone_get_eligible (phone);
}

guint
ir_workbench_get_n_eligible (IrWorkbench *self)
{
	GHashTableIter iter;
	gpointer phone;
	guint n = 0;

	g_hash_table_iter_init (&iter, self->phones);
	while (g_hash_table_iter_next (&iter, NULL, &phone))
		n += ir_workbench_phone_is_eligible (IR_PHONE (phone)) ? 1 : 0;
	return n;
}

static void
ir_workbench_batch_child (IrProgress *batch, IrProgress *child, gpointer user_data)
{
	IrWorkbench *self = IR_WORKBENCH (user_data);
	IrPhone *phone = g_hash_table_lookup (self->phones, ir_progress_get_port (child));

	if (phone != NULL)
		ir_phone_join_batch (phone, child, self->batch);
}

static void
ir_workbench_batch_confirm (IrEngine *engine, IrRestorePlan *plan, gpointer user_data)
{
	IrWorkbench *self = IR_WORKBENCH (user_data);
	IrPhone *phone = g_hash_table_lookup (self->phones, ir_restore_plan_get_port (plan));

	/* every plan must be answered: a phone no longer listed writes nothing */
	if (phone == NULL)
		ir_restore_plan_answer (plan, FALSE);
	else
		ir_phone_set_plan (phone, plan);
}

static void
ir_workbench_batch_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (IrWorkbench) self = IR_WORKBENCH (user_data);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) results =
	    ir_engine_restore_many_finish (IR_ENGINE (source), res, &error);

	g_clear_object (&self->batch);
	if (results == NULL) {
		g_warning ("restore all: %s", error->message);
		return;
	}
	for (guint i = 0; i < results->len; i++) {
		IrRestoreResult *result = g_ptr_array_index (results, i);
		IrPhone *phone = g_hash_table_lookup (self->phones, result->port);
		if (phone != NULL)
			ir_phone_set_result (phone, g_steal_pointer (&results->pdata[i]));
	}
}

static void
ir_workbench_restore_all (IrWorkbench *self)
{
	g_autoptr (GPtrArray) ports = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (IrProgress) progress = ir_progress_new ();
	GHashTableIter iter;
	gpointer port, phone;

	if (ir_workbench_engine (self) == NULL || self->batch != NULL)
		return;
	g_hash_table_iter_init (&iter, self->phones);
	while (g_hash_table_iter_next (&iter, &port, &phone))
		if (ir_workbench_phone_is_eligible (IR_PHONE (phone)))
			g_ptr_array_add (ports, g_strdup (port));
	if (ports->len == 0)
		return;
	g_ptr_array_sort (ports, (GCompareFunc)g_strcmp0);
	g_ptr_array_add (ports, NULL);
	self->batch = g_cancellable_new ();
	g_signal_connect_object (
	    progress, "child-added", G_CALLBACK (ir_workbench_batch_child), self, 0);
	ir_engine_restore_many_async (ir_workbench_engine (self),
				      (const char *const *)ports->pdata,
				      progress,
				      ir_workbench_batch_confirm,
				      self,
				      self->batch,
				      ir_workbench_batch_done,
				      g_object_ref (self));
}

static IrPhoneView *
ir_workbench_selected_view (IrWorkbench *self)
{
	GtkWidget *view = gtk_stack_get_visible_child (self->view_stack);

	return IR_IS_PHONE_VIEW (view) ? IR_PHONE_VIEW (view) : NULL;
}

void
ir_workbench_activate (IrWorkbench *self, const char *action)
{
	IrPhoneView *view = ir_workbench_selected_view (self);
	IrPhone *phone = view != NULL ? ir_phone_view_get_phone (view) : NULL;

	if (g_strcmp0 (action, "restore-all") == 0)
		ir_workbench_restore_all (self);
	else if (phone == NULL)
		return;
	else if (g_strcmp0 (action, "restore-selected") == 0 && ir_phone_get_eligible (phone))
		ir_phone_restore (phone);
	else if (g_strcmp0 (action, "cancel-restore") == 0)
		ir_phone_cancel (phone);
	else if (g_strcmp0 (action, "scan-imei") == 0)
		ir_phone_view_focus_scan (view);
}

static void
ir_workbench_row_selected (IrWorkbench *self, GtkListBoxRow *row)
{
	if (row == NULL) {
		gtk_stack_set_visible_child_name (self->view_stack, "empty");
		return;
	}
	gtk_stack_set_visible_child_name (
	    self->view_stack, ir_phone_get_port (ir_phone_row_get_phone (IR_PHONE_ROW (row))));
}

guint
ir_workbench_get_n_phones (IrWorkbench *self)
{
	return g_hash_table_size (self->phones);
}

IrPhone *
ir_workbench_get_phone (IrWorkbench *self, const char *port)
{
	return g_hash_table_lookup (self->phones, port);
}

IrPhoneView *
ir_workbench_get_view (IrWorkbench *self, const char *port)
{
	GtkWidget *view = gtk_stack_get_child_by_name (self->view_stack, port);

	return view != NULL ? IR_PHONE_VIEW (view) : NULL;
}

IrPhoneRow *
ir_workbench_get_row (IrWorkbench *self, const char *port)
{
	return g_hash_table_lookup (self->rows, port);
}

void
ir_workbench_select (IrWorkbench *self, const char *port)
{
	GtkListBoxRow *row = g_hash_table_lookup (self->rows, port);

	if (row != NULL)
		gtk_list_box_select_row (self->phone_list, row);
}

IrRecoverDialog *
ir_workbench_get_recover_dialog (IrWorkbench *self)
{
	return self->recover_dialog != NULL ? IR_RECOVER_DIALOG (self->recover_dialog) : NULL;
}

char *
ir_workbench_get_policy_text (IrWorkbench *self)
{
	return g_strdup_printf ("%s\n%s",
				gtk_label_get_text (self->policy_label),
				gtk_label_get_text (self->phases_label));
}

const char *
ir_workbench_get_identity (IrWorkbench *self)
{
	return gtk_label_get_text (self->identity_label);
}

gboolean
ir_workbench_get_inhibited (IrWorkbench *self)
{
	return self->inhibiting;
}

static void
ir_workbench_dispose (GObject *object)
{
	IrWorkbench *self = IR_WORKBENCH (object);

	if (self->batch != NULL)
		g_cancellable_cancel (self->batch);
	g_clear_object (&self->batch);
	ir_workbench_stop_hotplug (self);
	g_clear_object (&self->settings);
	G_OBJECT_CLASS (ir_workbench_parent_class)->dispose (object);
}

static void
ir_workbench_finalize (GObject *object)
{
	IrWorkbench *self = IR_WORKBENCH (object);

	g_clear_pointer (&self->signin, ir_signin_free);
	g_hash_table_unref (self->phones);
	g_hash_table_unref (self->rows);
	g_hash_table_unref (self->hotplugged);
	G_OBJECT_CLASS (ir_workbench_parent_class)->finalize (object);
}

static void
ir_workbench_class_init (IrWorkbenchClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_workbench_dispose;
	G_OBJECT_CLASS (klass)->finalize = ir_workbench_finalize;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-workbench.ui");
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, identity_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, server_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, policy_expander);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, policy_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, phases_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, phone_list);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, view_stack);
	gtk_widget_class_bind_template_callback (widget_class, ir_workbench_row_selected);
}

static void
ir_workbench_init (IrWorkbench *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
	self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	self->hotplugged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->phone_list)),
			     _ ("Connected phones"));
}

GtkWidget *
ir_workbench_new (void)
{
	return g_object_new (IR_TYPE_WORKBENCH, NULL);
}
