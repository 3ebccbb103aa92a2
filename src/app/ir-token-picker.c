/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-brand-credential-pkcs11.h"
#include "ir-pkcs11-uri.h"
#include "ir-token-picker.h"

struct _IrTokenPicker {
	GtkBox parent_instance;

	GtkComboBoxText *combo;
	GtkButton *refresh_button;
	GtkLabel *status_label;

	char *module;
	char *wanted; /* the URI to choose once listed */
	GCancellable *cancellable;
	guint n_certificates;
};

G_DEFINE_TYPE (IrTokenPicker, ir_token_picker, GTK_TYPE_BOX)

enum { IR_TOKEN_PICKER_SIGNAL_CHANGED, IR_TOKEN_PICKER_N_SIGNALS };
static guint ir_token_picker_signals[IR_TOKEN_PICKER_N_SIGNALS];

/* g_set_str() is GLib 2.76, past the version this project targets. */
static void
ir_token_picker_set_string (char **where, const char *value)
{
	char *copy = g_strdup (value);

	g_free (*where);
	*where = copy;
}

static void
ir_token_picker_emit_changed (IrTokenPicker *self)
{
	g_signal_emit (self, ir_token_picker_signals[IR_TOKEN_PICKER_SIGNAL_CHANGED], 0);
}

static void
ir_token_picker_combo_changed (IrTokenPicker *self)
{
	const char *uri = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->combo));

	/* a choice the technician made is the one to keep across a refresh */
	if (uri != NULL && self->cancellable == NULL)
		ir_token_picker_set_string (&self->wanted, uri);
	ir_token_picker_emit_changed (self);
}

static void
ir_token_picker_list_thread (GTask *task,
			     gpointer source,
			     gpointer task_data,
			     GCancellable *cancellable)
{
	const char *module = task_data;
	GError *error = NULL;
	GPtrArray *listings = ir_brand_credential_pkcs11_list (module, &error);

	if (listings == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, listings, (GDestroyNotify)g_ptr_array_unref);
}

/* "alice-token · technician at DL-0001 · until 2027-12-05 — token
 * imeirestore-dev (PIN locked)" */
static char *
ir_token_picker_row_text (const IrBrandTokenListing *listing, const IrBrandCredential *cred)
{
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	const char *role = cred->role != NULL ? cred->role : _ ("no role");
	const char *centre = cred->centre != NULL ? cred->centre : _ ("no centre");
	g_autofree char *who = g_strdup_printf (_ ("%s · %s at %s"), cred->subject, role, centre);
	g_autofree char *until = cred->not_after_unix != 0 && now > cred->not_after_unix
				     ? g_strdup_printf (_ ("expired %s"), cred->not_after)
				     : g_strdup_printf (_ ("until %s"), cred->not_after);
	const char *pin = listing->token->pin_locked ? _ (" (PIN locked)") : "";

	return g_strdup_printf (_ ("%s · %s — token %s%s"), who, until, listing->token->label, pin);
}

/* Whether the listed certificate @listed is one that @wanted names: a
 * setting may say less ("pkcs11:token=…;object=…") than a listing's URI. */
static gboolean
ir_token_picker_uri_matches (const IrPkcs11Uri *wanted, const char *listed)
{
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse (listed, NULL);
	const char *fields[][2] = {
	    {wanted->token_label, uri != NULL ? uri->token_label : NULL},
	    {wanted->token_serial, uri != NULL ? uri->token_serial : NULL},
	    {wanted->token_manufacturer, uri != NULL ? uri->token_manufacturer : NULL},
	    {wanted->token_model, uri != NULL ? uri->token_model : NULL},
	    {wanted->object, uri != NULL ? uri->object : NULL},
	};

	if (uri == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
		if (fields[i][0] != NULL && g_strcmp0 (fields[i][0], fields[i][1]) != 0)
			return FALSE;
	}
	return wanted->id == NULL || (uri->id != NULL && g_bytes_equal (wanted->id, uri->id));
}

/* The row the wanted URI names, else the first. */
static void
ir_token_picker_choose (IrTokenPicker *self, GPtrArray *uris)
{
	g_autoptr (IrPkcs11Uri) wanted =
	    self->wanted != NULL ? ir_pkcs11_uri_parse (self->wanted, NULL) : NULL;

	for (guint i = 0; wanted != NULL && i < uris->len; i++) {
		if (ir_token_picker_uri_matches (wanted, g_ptr_array_index (uris, i))) {
			gtk_combo_box_set_active (GTK_COMBO_BOX (self->combo), (int)i);
			return;
		}
	}
	gtk_combo_box_set_active (GTK_COMBO_BOX (self->combo), 0);
}

static void
ir_token_picker_fill (IrTokenPicker *self, GPtrArray *listings)
{
	g_autoptr (GString) status = g_string_new (NULL);
	g_autoptr (GPtrArray) uris = g_ptr_array_new ();
	guint n_tokens = 0;

	gtk_combo_box_text_remove_all (self->combo);
	self->n_certificates = 0;
	for (guint i = 0; i < listings->len; i++) {
		const IrBrandTokenListing *l = g_ptr_array_index (listings, i);

		if (l->error != NULL) {
			g_string_append_printf (status, "%s\n", l->error->message);
			continue;
		}
		if (l->token == NULL)
			continue;
		n_tokens++;
		for (guint j = 0; j < l->credentials->len; j++) {
			const IrBrandCredential *cred = g_ptr_array_index (l->credentials, j);
			g_autofree char *text = ir_token_picker_row_text (l, cred);

			gtk_combo_box_text_append (self->combo, cred->uri, text);
			g_ptr_array_add (uris, cred->uri);
			self->n_certificates++;
		}
		if (l->credentials->len == 0)
			g_string_append_printf (
			    status,
			    _ ("Token %s holds no certificate: ask your centre's administrator to "
			       "enrol it.\n"),
			    l->token->label);
	}
	if (n_tokens == 0)
		g_string_prepend (status,
				  _ ("No token is inserted. Insert your smart card or USB token, "
				     "then press Refresh.\n"));
	g_strchomp (status->str);
	gtk_label_set_text (self->status_label, status->str);
	gtk_widget_set_visible (GTK_WIDGET (self->status_label), status->str[0] != '\0');
	ir_token_picker_choose (self, uris);
}

static void
ir_token_picker_listed (GObject *source, GAsyncResult *res, gpointer user_data)
{
	IrTokenPicker *self = IR_TOKEN_PICKER (source);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) listings = g_task_propagate_pointer (G_TASK (res), &error);

	if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (res))))
		return;
	g_clear_object (&self->cancellable);
	gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), TRUE);
	if (listings == NULL) {
		gtk_combo_box_text_remove_all (self->combo);
		self->n_certificates = 0;
		gtk_label_set_text (self->status_label, error->message);
		gtk_widget_show (GTK_WIDGET (self->status_label));
	} else {
		ir_token_picker_fill (self, listings);
	}
	ir_token_picker_emit_changed (self);
}

void
ir_token_picker_refresh (IrTokenPicker *self)
{
	g_autoptr (GTask) task = NULL;

	if (self->cancellable != NULL)
		return;
	self->cancellable = g_cancellable_new ();
	gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), FALSE);
	gtk_label_set_text (self->status_label, _ ("Looking for tokens…"));
	gtk_widget_show (GTK_WIDGET (self->status_label));
	task = g_task_new (self, self->cancellable, ir_token_picker_listed, NULL);
	g_task_set_task_data (task, g_strdup (self->module), g_free);
	g_task_run_in_thread (task, ir_token_picker_list_thread);
	ir_token_picker_emit_changed (self);
}

gboolean
ir_token_picker_get_busy (IrTokenPicker *self)
{
	return self->cancellable != NULL;
}

void
ir_token_picker_set_module (IrTokenPicker *self, const char *module)
{
	ir_token_picker_set_string (&self->module,
				    module != NULL && module[0] != '\0' ? module : NULL);
}

const char *
ir_token_picker_get_module (IrTokenPicker *self)
{
	return self->module;
}

const char *
ir_token_picker_get_uri (IrTokenPicker *self)
{
	const char *active = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->combo));

	if (self->cancellable != NULL)
		return NULL;
	/* with no token listed, the certificate of the last sign-in: signing
	 * in then says what is wrong with that token (not inserted...) */
	return active != NULL ? active : self->wanted;
}

void
ir_token_picker_set_uri (IrTokenPicker *self, const char *uri)
{
	g_autoptr (IrPkcs11Uri) wanted = uri != NULL ? ir_pkcs11_uri_parse (uri, NULL) : NULL;
	GtkTreeModel *model = gtk_combo_box_get_model (GTK_COMBO_BOX (self->combo));
	GtkTreeIter iter;
	gboolean more;
	int id_column = gtk_combo_box_get_id_column (GTK_COMBO_BOX (self->combo));

	ir_token_picker_set_string (&self->wanted, uri);
	if (self->cancellable != NULL || wanted == NULL)
		return;
	for (more = gtk_tree_model_get_iter_first (model, &iter); more;
	     more = gtk_tree_model_iter_next (model, &iter)) {
		g_autofree char *listed = NULL;

		gtk_tree_model_get (model, &iter, id_column, &listed, -1);
		if (ir_token_picker_uri_matches (wanted, listed)) {
			gtk_combo_box_set_active_iter (GTK_COMBO_BOX (self->combo), &iter);
			return;
		}
	}
}

guint
ir_token_picker_get_n_certificates (IrTokenPicker *self)
{
	return self->n_certificates;
}

const char *
ir_token_picker_get_status (IrTokenPicker *self)
{
	return gtk_widget_get_visible (GTK_WIDGET (self->status_label))
		   ? gtk_label_get_text (self->status_label)
		   : "";
}

GtkWidget *
ir_token_picker_get_combo (IrTokenPicker *self)
{
	return GTK_WIDGET (self->combo);
}

static void
ir_token_picker_dispose (GObject *object)
{
	IrTokenPicker *self = IR_TOKEN_PICKER (object);

	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	G_OBJECT_CLASS (ir_token_picker_parent_class)->dispose (object);
}

static void
ir_token_picker_finalize (GObject *object)
{
	IrTokenPicker *self = IR_TOKEN_PICKER (object);

	g_free (self->module);
	g_free (self->wanted);
	G_OBJECT_CLASS (ir_token_picker_parent_class)->finalize (object);
}

static void
ir_token_picker_class_init (IrTokenPickerClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_token_picker_dispose;
	G_OBJECT_CLASS (klass)->finalize = ir_token_picker_finalize;
	ir_token_picker_signals[IR_TOKEN_PICKER_SIGNAL_CHANGED] =
	    g_signal_new ("changed",
			  G_TYPE_FROM_CLASS (klass),
			  G_SIGNAL_RUN_LAST,
			  0,
			  NULL,
			  NULL,
			  NULL,
			  G_TYPE_NONE,
			  0);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-token-picker.ui");
	gtk_widget_class_bind_template_child (widget_class, IrTokenPicker, combo);
	gtk_widget_class_bind_template_child (widget_class, IrTokenPicker, refresh_button);
	gtk_widget_class_bind_template_child (widget_class, IrTokenPicker, status_label);
	gtk_widget_class_bind_template_callback (widget_class, ir_token_picker_combo_changed);
	gtk_widget_class_bind_template_callback (widget_class, ir_token_picker_refresh);
}

static void
ir_token_picker_init (IrTokenPicker *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ir_token_picker_new (void)
{
	return g_object_new (IR_TYPE_TOKEN_PICKER, NULL);
}
