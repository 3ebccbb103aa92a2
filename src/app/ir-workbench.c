/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-brand-client.h"
#include "ir-error.h"
#include "ir-workbench.h"

struct _IrWorkbench {
	GtkBox parent_instance;

	GtkLabel *identity_label;
	GtkLabel *server_label;
	GtkListBox *phone_list;
	GtkStack *view_stack;

	IrSignin *signin;
	GSettings *settings;
	GHashTable *ports; /* path → GtkListBoxRow (borrowed) */
};

G_DEFINE_TYPE (IrWorkbench, ir_workbench, GTK_TYPE_BOX)

static void
ir_workbench_show_identity (IrWorkbench *self)
{
	g_autofree char *identity = NULL;
	g_autofree char *server = NULL;
	IrBrandClient *client = self->signin->client;

	identity = g_strdup_printf (_ ("%s · %s at %s"),
				    ir_brand_client_get_subject (client),
				    ir_brand_client_get_role (client),
				    ir_brand_client_get_centre (client));
	server = g_strdup_printf (_ ("Brand server %s · trust store %s"),
				  ir_brand_client_get_url (client),
				  self->signin->trust_path);
	gtk_label_set_text (self->identity_label, identity);
	gtk_label_set_text (self->server_label, server);
}

void
ir_workbench_set_signin (IrWorkbench *self, IrSignin *signin)
{
	g_return_if_fail (IR_IS_WORKBENCH (self));
	g_clear_pointer (&self->signin, ir_signin_free);
	self->signin = signin;
	if (signin != NULL)
		ir_workbench_show_identity (self);
}

gboolean
ir_workbench_add_port (IrWorkbench *self, const char *path, GError **error)
{
	GtkWidget *row;
	GtkWidget *label;

	if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     _ ("there is no port %s: check the path (a simulator prints it when "
				"it starts)"),
			     path);
		return FALSE;
	}
	if (g_hash_table_contains (self->ports, path)) {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, _ ("%s is already listed"), path);
		return FALSE;
	}
	row = gtk_list_box_row_new ();
	label = gtk_label_new (path);
	gtk_container_add (GTK_CONTAINER (row), label);
	gtk_widget_show_all (row);
	gtk_container_add (GTK_CONTAINER (self->phone_list), row);
	g_hash_table_insert (self->ports, g_strdup (path), row);
	return TRUE;
}

guint
ir_workbench_get_n_phones (IrWorkbench *self)
{
	return g_hash_table_size (self->ports);
}

void
ir_workbench_set_settings (IrWorkbench *self, GSettings *settings)
{
	g_set_object (&self->settings, settings);
}

void
ir_workbench_activate (IrWorkbench *self, const char *action)
{
}

static void
ir_workbench_row_selected (IrWorkbench *self, GtkListBoxRow *row)
{
}

static void
ir_workbench_finalize (GObject *object)
{
	IrWorkbench *self = IR_WORKBENCH (object);

	g_clear_pointer (&self->signin, ir_signin_free);
	g_clear_object (&self->settings);
	g_hash_table_unref (self->ports);
	G_OBJECT_CLASS (ir_workbench_parent_class)->finalize (object);
}

static void
ir_workbench_class_init (IrWorkbenchClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->finalize = ir_workbench_finalize;
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-workbench.ui");
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, identity_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, server_label);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, phone_list);
	gtk_widget_class_bind_template_child (widget_class, IrWorkbench, view_stack);
	gtk_widget_class_bind_template_callback (widget_class, ir_workbench_row_selected);
}

static void
ir_workbench_init (IrWorkbench *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->phone_list)),
			     _ ("Connected phones"));
}

GtkWidget *
ir_workbench_new (void)
{
	return g_object_new (IR_TYPE_WORKBENCH, NULL);
}
