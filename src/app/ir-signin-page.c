/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <openssl/crypto.h>

#include "ir-brand-credential.h"
#include "ir-imei.h"
#include "ir-error.h"
#include "ir-signin-page.h"
#include "ir-token-unlock.h"

struct _IrSigninPage {
	GtkBox parent_instance;

	GtkInfoBar *error_bar;
	GtkLabel *error_title;
	GtkLabel *error_detail;
	GtkRadioButton *file_radio;
	GtkRadioButton *token_radio;
	GtkLabel *credential_label;
	GtkStack *credential_stack;
	GtkEntry *credential_entry;
	IrTokenPicker *token_picker;
	GtkWidget *passphrase_label;
	GtkEntry *passphrase_entry;
	GtkEntry *server_entry;
	GtkEntry *trust_entry;
	GtkSpinner *spinner;
	GtkButton *signin_button;

	GCancellable *cancellable; /* of the sign-in in flight */
	GSettings *settings;
};

G_DEFINE_TYPE (IrSigninPage, ir_signin_page, GTK_TYPE_BOX)

enum { IR_SIGNIN_PAGE_SIGNAL_SIGNED_IN, IR_SIGNIN_PAGE_N_SIGNALS };
static guint ir_signin_page_signals[IR_SIGNIN_PAGE_N_SIGNALS];

static void
ir_signin_wipe_passphrase (IrSignin *signin)
{
	if (signin->passphrase != NULL)
		OPENSSL_cleanse (signin->passphrase, strlen (signin->passphrase));
	g_clear_pointer (&signin->passphrase, g_free);
}

void
ir_signin_free (IrSignin *signin)
{
	if (signin == NULL)
		return;
	g_clear_object (&signin->engine);
	g_free (signin->server);
	g_free (signin->trust_path);
	g_free (signin->credential_path);
	g_clear_pointer (&signin->token, ir_brand_credential_unref);
	g_free (signin->state_dir);
	g_free (signin->duplicates_path);
	g_free (signin->workstation);
	ir_signin_wipe_passphrase (signin);
	g_free (signin);
}

/* A failure as the technician reads it: what happened, what to do. */
typedef struct {
	char *title;
	char *detail;
} IrSigninFailure;

static void
ir_signin_failure_free (IrSigninFailure *failure)
{
	g_free (failure->title);
	g_free (failure->detail);
	g_free (failure);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSigninFailure, ir_signin_failure_free)

static IrSigninFailure *
ir_signin_failure_new (const char *title, const char *detail)
{
	IrSigninFailure *failure = g_new0 (IrSigninFailure, 1);

	failure->title = g_strdup (title);
	failure->detail = g_strdup (detail);
	return failure;
}

typedef struct {
	IrSignin *signin;
	IrDuplicateList *duplicates; /* loaded in the thread, given to the engine */
	IrSigninFailure *failure;
} IrSigninJob;

static void
ir_signin_job_free (IrSigninJob *job)
{
	g_clear_pointer (&job->duplicates, ir_duplicate_list_free);
	g_clear_pointer (&job->signin, ir_signin_free);
	g_clear_pointer (&job->failure, ir_signin_failure_free);
	g_free (job);
}

/* The credential alone, before any network: a missing file, a wrong
 * passphrase, an expired or wrong-role certificate each get their words. */
static IrSigninFailure *
ir_signin_page_check_credential (const IrSignin *signin)
{
	g_autoptr (IrBrandCredential) cred = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *detail = NULL;

	/* a token's certificate was checked before its PIN was asked */
	if (signin->token != NULL)
		return NULL;
	if (signin->credential_path[0] == '\0')
		return ir_signin_failure_new (
		    _ ("Choose your certificate"),
		    _ ("Type the path of your PKCS#12 file (.p12), or choose it with Browse…"));
	if (!g_file_test (signin->credential_path, G_FILE_TEST_IS_REGULAR)) {
		detail = g_strdup_printf (
		    _ ("There is no file %s. Choose your PKCS#12 file (.p12) with Browse…"),
		    signin->credential_path);
		return ir_signin_failure_new (_ ("Certificate not found"), detail);
	}
	cred = ir_brand_credential_load_p12 (signin->credential_path, signin->passphrase, &error);
	if (cred == NULL) {
		detail =
		    g_strdup_printf (_ ("%s does not open with this passphrase. Type it again; "
					"if it is lost, ask your centre's administrator for a "
					"new certificate."),
				     signin->credential_path);
		return ir_signin_failure_new (_ ("Wrong passphrase"), detail);
	}
	if (!ir_brand_credential_check (
		cred, signin->credential_path, g_get_real_time () / G_USEC_PER_SEC, &error)) {
		detail = g_strdup_printf (
		    _ ("%s. Ask your centre's administrator for a new certificate."),
		    error->message);
		return ir_signin_failure_new (_ ("This certificate cannot be used"), detail);
	}
	return NULL;
}

static IrSigninFailure *
ir_signin_page_server_failure (const IrBrandStatus *status, const char *server, const GError *error)
{
	g_autofree char *detail = NULL;

	switch (status->failure) {
	case IR_BRAND_FAILURE_UNREACHABLE:
	case IR_BRAND_FAILURE_TIMEOUT:
		detail =
		    g_strdup_printf (_ ("Nothing was sent. Check the server address (%s) and the "
					"network cable, then sign in again. (%s)"),
				     server,
				     error->message);
		return ir_signin_failure_new (_ ("The brand server cannot be reached"), detail);
	case IR_BRAND_FAILURE_REFUSED:
		if (g_strcmp0 (status->server_code, "certificate_revoked") != 0)
			break;
		detail = g_strdup_printf (_ ("The brand has revoked your certificate: it cannot "
					     "be used any more. Ask your centre's administrator "
					     "for a new one. (%s)"),
					  error->message);
		return ir_signin_failure_new (_ ("Your certificate was revoked"), detail);
	case IR_BRAND_FAILURE_TLS_CLIENT:
		detail =
		    g_strdup_printf (_ ("The server did not accept your certificate: it may "
					"have been revoked. Ask your centre's administrator. (%s)"),
				     error->message);
		return ir_signin_failure_new (_ ("Your certificate was refused"), detail);
	case IR_BRAND_FAILURE_TLS_SERVER_CA:
	case IR_BRAND_FAILURE_TLS_SERVER_NAME:
	case IR_BRAND_FAILURE_TLS_PIN:
		detail = g_strdup_printf (_ ("The server at %s does not prove it is the brand's "
					     "server. Check the address and the trust store. (%s)"),
					  server,
					  error->message);
		return ir_signin_failure_new (_ ("This is not the brand's server"), detail);
	default:
		break;
	}
	detail = g_strdup_printf (
	    _ ("%s. Try again; if it persists, call the brand's support with this message."),
	    error->message);
	return ir_signin_failure_new (_ ("The brand server refused the sign-in"), detail);
}

static IrSigninFailure *
ir_signin_page_load_duplicates (IrSigninJob *job)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *detail = NULL;

	if (job->signin->duplicates_path == NULL)
		return NULL;
	job->duplicates = ir_duplicate_list_load (job->signin->duplicates_path, &error);
	if (job->duplicates != NULL)
		return NULL;
	detail = g_strdup_printf (
	    _ ("%s. Fix the file, or clear the known-duplicate list in the settings."),
	    error->message);
	return ir_signin_failure_new (_ ("The known-duplicate list cannot be read"), detail);
}

/* The file checks, off the main thread: PKCS#12 decryption is slow on
 * purpose, and the duplicate list may be long. */
static void
ir_signin_page_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	IrSigninJob *job = task_data;

	job->failure = ir_signin_page_check_credential (job->signin);
	if (job->failure == NULL)
		job->failure = ir_signin_page_load_duplicates (job);
	g_task_return_boolean (task, TRUE);
}

static void
ir_signin_page_show_error (IrSigninPage *self, const char *title, const char *detail)
{
	gtk_label_set_text (self->error_title, title);
	gtk_label_set_text (self->error_detail, detail);
	gtk_info_bar_set_revealed (self->error_bar, TRUE);
	atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->error_bar)), title);
}

static void
ir_signin_page_set_busy (IrSigninPage *self, gboolean busy)
{
	if (busy)
		gtk_spinner_start (self->spinner);
	else
		gtk_spinner_stop (self->spinner);
	gtk_widget_set_sensitive (GTK_WIDGET (self->signin_button), !busy);
	/* one user of a PKCS#11 module at a time: no listing while signing in */
	gtk_widget_set_sensitive (GTK_WIDGET (self->token_picker), !busy);
}

static void
ir_signin_page_fail (IrSigninPage *self, const char *title, const char *detail)
{
	g_clear_object (&self->cancellable);
	ir_signin_page_set_busy (self, FALSE);
	ir_signin_page_show_error (self, title, detail);
	gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_entry));
}

static void
ir_signin_page_server_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GTask) task = G_TASK (user_data);
	IrSigninPage *self = g_task_get_source_object (task);
	IrSigninJob *job = g_task_get_task_data (task);
	g_auto (IrBrandStatus) status = {0};
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSigninFailure) failure = NULL;

	if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
		return;
	if (!ir_engine_check_server_finish (IR_ENGINE (source), result, &status, &error)) {
		failure = ir_signin_page_server_failure (&status, job->signin->server, error);
		ir_signin_page_fail (self, failure->title, failure->detail);
		return;
	}
	g_clear_object (&self->cancellable);
	ir_signin_page_set_busy (self, FALSE);
	gtk_info_bar_set_revealed (self->error_bar, FALSE);
	/* the handler takes the IrSignin */
	g_signal_emit (self,
		       ir_signin_page_signals[IR_SIGNIN_PAGE_SIGNAL_SIGNED_IN],
		       0,
		       g_steal_pointer (&job->signin));
}

static IrSigninFailure *
ir_signin_page_open_failure (const GError *error)
{
	g_autofree char *detail = NULL;

	if (g_error_matches (error, IR_ERROR, IR_ERROR_READ_ONLY_LOG) ||
	    g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED)) {
		detail =
		    g_strdup_printf (_ ("%s. Nothing will be written on this workstation: call "
					"the brand's auditor, who can open the log in the "
					"Auditor view."),
				     error->message);
		return ir_signin_failure_new (
		    _ ("This workstation's migration log does not verify"), detail);
	}
	detail =
	    g_strdup_printf (_ ("%s. Check the settings, then sign in again."), error->message);
	return ir_signin_failure_new (_ ("The workstation cannot be opened"), detail);
}

/* Opens the engine on the main thread, as the engine asks (it is then
 * driven from this context); it blocks on local files only: the trust
 * store, the credential, the state folder and one durable START record. */
static void
ir_signin_page_open_engine (IrSigninPage *self, GTask *task)
{
	IrSigninJob *job = g_task_get_task_data (task);
	IrSignin *signin = job->signin;
	IrEngineConfig config = {
	    .server_url = signin->server,
	    .trust_store_path = signin->trust_path,
	    .credential = signin->token,
	    .p12_path = signin->token == NULL ? signin->credential_path : NULL,
	    .passphrase = signin->token == NULL ? signin->passphrase : NULL,
	    .state_dir = signin->state_dir,
	    .workstation = signin->workstation,
	    .duplicates = g_steal_pointer (&job->duplicates),
	};
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSigninFailure) failure = NULL;

	signin->engine = ir_engine_new ();
	if (!ir_engine_open (signin->engine, &config, &error)) {
		ir_signin_wipe_passphrase (signin);
		failure = ir_signin_page_open_failure (error);
		ir_signin_page_fail (self, failure->title, failure->detail);
		return;
	}
	ir_signin_wipe_passphrase (signin);
	ir_engine_check_server_async (signin->engine,
				      g_task_get_cancellable (task),
				      ir_signin_page_server_checked,
				      g_object_ref (task));
}

static void
ir_signin_page_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
	IrSigninPage *self = IR_SIGNIN_PAGE (source);
	IrSigninJob *job = g_task_get_task_data (G_TASK (result));

	if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
		return;
	if (job->failure != NULL) {
		ir_signin_wipe_passphrase (job->signin);
		ir_signin_page_fail (self, job->failure->title, job->failure->detail);
		return;
	}
	gtk_entry_set_text (self->passphrase_entry, "");
	ir_signin_page_open_engine (self, G_TASK (result));
}

static char *
ir_signin_page_setting (IrSigninPage *self, const char *key)
{
	g_autofree char *value = NULL;

	if (self->settings == NULL)
		return NULL;
	value = g_settings_get_string (self->settings, key);
	return *value == '\0' ? NULL : g_steal_pointer (&value);
}

static gboolean
ir_signin_page_token_mode (IrSigninPage *self)
{
	return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->token_radio));
}

static void
ir_signin_page_start_job (IrSigninPage *self, GTask *task)
{
	g_task_run_in_thread (task, ir_signin_page_thread);
}

/* The token's PIN dialog has been answered and the key unlocked, or the
 * sign-in ends here with what went wrong. */
static void
ir_signin_page_token_unlocked (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (GTask) task = G_TASK (user_data);
	IrSigninPage *self = g_task_get_source_object (task);
	IrSigninJob *job = g_task_get_task_data (task);
	g_autoptr (GError) error = NULL;
	g_autofree char *title = NULL;

	job->signin->token = ir_token_unlock_finish (res, &title, &error);
	if (job->signin->token == NULL) {
		g_autofree char *detail = g_strdup_printf ("%s.", error->message);
		/* ir_signin_page_done() shows it */
		job->failure = ir_signin_failure_new (title, detail);
		g_task_return_boolean (task, TRUE);
		return;
	}
	ir_signin_page_start_job (self, task);
}

void
ir_signin_page_sign_in (IrSigninPage *self)
{
	IrSigninJob *job = g_new0 (IrSigninJob, 1);
	g_autoptr (GTask) task = NULL;
	gboolean token = ir_signin_page_token_mode (self);
	/* a copy: saving the credential setting below sets the picker's URI
	 * again, which frees the string the picker returned */
	g_autofree char *uri = g_strdup (ir_token_picker_get_uri (self->token_picker));

	g_return_if_fail (IR_IS_SIGNIN_PAGE (self));
	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	self->cancellable = g_cancellable_new ();
	job->signin = g_new0 (IrSignin, 1);
	job->signin->credential_path =
	    token ? g_strdup (uri != NULL ? uri : "")
		  : g_strstrip (g_strdup (gtk_entry_get_text (self->credential_entry)));
	job->signin->trust_path = g_strstrip (g_strdup (gtk_entry_get_text (self->trust_entry)));
	job->signin->passphrase =
	    token ? NULL : g_strdup (gtk_entry_get_text (self->passphrase_entry));
	job->signin->server = g_strstrip (g_strdup (gtk_entry_get_text (self->server_entry)));
	job->signin->state_dir = ir_signin_page_setting (self, "state-dir");
	if (job->signin->state_dir == NULL)
		job->signin->state_dir =
		    g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
	job->signin->duplicates_path = ir_signin_page_setting (self, "duplicates");
	job->signin->workstation = ir_signin_page_setting (self, "workstation");
	if (self->settings != NULL && job->signin->credential_path[0] != '\0')
		g_settings_set_string (self->settings, "credential", job->signin->credential_path);
	ir_signin_page_set_busy (self, TRUE);
	task = g_task_new (self, self->cancellable, ir_signin_page_done, NULL);
	g_task_set_task_data (task, job, (GDestroyNotify)ir_signin_job_free);
	if (!token) {
		ir_signin_page_start_job (self, task);
		return;
	}
	if (uri == NULL) {
		job->failure = ir_signin_failure_new (
		    _ ("Choose your certificate"),
		    _ ("Insert your smart card or USB token, press Refresh and choose your "
		       "certificate in the list."));
		g_task_return_boolean (task, TRUE);
		return;
	}
	ir_token_unlock_async (GTK_WINDOW (gtk_widget_get_toplevel (GTK_WIDGET (self))),
			       uri,
			       ir_token_picker_get_module (self->token_picker),
			       self->cancellable,
			       ir_signin_page_token_unlocked,
			       g_steal_pointer (&task));
}

static void
ir_signin_page_signin_clicked (IrSigninPage *self)
{
	ir_signin_page_sign_in (self);
}

static void
ir_signin_page_browse_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
	IrSigninPage *self = IR_SIGNIN_PAGE (user_data);

	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
		gtk_entry_set_text (self->credential_entry, path);
		gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_entry));
	}
	g_object_unref (dialog);
}

static void
ir_signin_page_browse_clicked (IrSigninPage *self)
{
	GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
	GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Your Certificate"),
								    GTK_WINDOW (toplevel),
								    GTK_FILE_CHOOSER_ACTION_OPEN,
								    _ ("_Choose"),
								    _ ("_Cancel"));
	GtkFileFilter *filter = gtk_file_filter_new ();

	gtk_file_filter_set_name (filter, _ ("PKCS#12 certificates"));
	gtk_file_filter_add_pattern (filter, "*.p12");
	gtk_file_filter_add_pattern (filter, "*.pfx");
	gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
	g_signal_connect (dialog, "response", G_CALLBACK (ir_signin_page_browse_response), self);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Which kind of credential the form shows: the file's fields, or the
 * token picker (listed when it is first shown). */
static void
ir_signin_page_kind_toggled (IrSigninPage *self)
{
	gboolean token = ir_signin_page_token_mode (self);

	gtk_stack_set_visible_child_name (self->credential_stack, token ? "pkcs11" : "p12");
	gtk_widget_set_visible (self->passphrase_label, !token);
	gtk_widget_set_visible (GTK_WIDGET (self->passphrase_entry), !token);
	gtk_label_set_text_with_mnemonic (self->credential_label,
					  token ? _ ("_Certificate (token)")
						: _ ("_Certificate (PKCS#12)"));
	gtk_label_set_mnemonic_widget (self->credential_label,
				       token ? ir_token_picker_get_combo (self->token_picker)
					     : GTK_WIDGET (self->credential_entry));
	if (token && ir_token_picker_get_n_certificates (self->token_picker) == 0 &&
	    self->cancellable == NULL)
		ir_token_picker_refresh (self->token_picker);
}

/* The credential setting: a pkcs11: URI chooses the token picker and that
 * certificate, anything else is the PKCS#12 file's path. */
static void
ir_signin_page_credential_changed (IrSigninPage *self)
{
	g_autofree char *value = g_settings_get_string (self->settings, "credential");
	g_autofree char *module = g_settings_get_string (self->settings, "pkcs11-module");

	ir_token_picker_set_module (self->token_picker, module);
	if (g_str_has_prefix (value, "pkcs11:")) {
		ir_token_picker_set_uri (self->token_picker, value);
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->token_radio), TRUE);
	} else {
		gtk_entry_set_text (self->credential_entry, value);
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->file_radio), TRUE);
	}
}

void
ir_signin_page_bind_settings (IrSigninPage *self, GSettings *settings)
{
	g_set_object (&self->settings, settings);
	g_signal_connect_object (settings,
				 "changed::credential",
				 G_CALLBACK (ir_signin_page_credential_changed),
				 self,
				 G_CONNECT_SWAPPED);
	g_signal_connect_object (settings,
				 "changed::pkcs11-module",
				 G_CALLBACK (ir_signin_page_credential_changed),
				 self,
				 G_CONNECT_SWAPPED);
	ir_signin_page_credential_changed (self);
	g_settings_bind (
	    settings, "server-url", self->server_entry, "text", G_SETTINGS_BIND_DEFAULT);
	g_settings_bind (
	    settings, "trust-store", self->trust_entry, "text", G_SETTINGS_BIND_DEFAULT);
}

void
ir_signin_page_set_passphrase (IrSigninPage *self, const char *passphrase)
{
	gtk_entry_set_text (self->passphrase_entry, passphrase);
}

char *
ir_signin_page_get_error_text (IrSigninPage *self)
{
	if (!gtk_info_bar_get_revealed (self->error_bar))
		return NULL;
	return g_strdup_printf ("%s\n%s",
				gtk_label_get_text (self->error_title),
				gtk_label_get_text (self->error_detail));
}

gboolean
ir_signin_page_get_busy (IrSigninPage *self)
{
	return self->cancellable != NULL;
}

void
ir_signin_page_reset (IrSigninPage *self)
{
	gtk_entry_set_text (self->passphrase_entry, "");
	gtk_info_bar_set_revealed (self->error_bar, FALSE);
}

IrTokenPicker *
ir_signin_page_get_token_picker (IrSigninPage *self)
{
	return self->token_picker;
}

static void
ir_signin_page_map (GtkWidget *widget)
{
	IrSigninPage *self = IR_SIGNIN_PAGE (widget);

	GTK_WIDGET_CLASS (ir_signin_page_parent_class)->map (widget);
	gtk_widget_grab_default (GTK_WIDGET (self->signin_button));
	if (ir_signin_page_token_mode (self))
		gtk_widget_grab_focus (ir_token_picker_get_combo (self->token_picker));
	else if (gtk_entry_get_text_length (self->credential_entry) > 0)
		gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_entry));
	else
		gtk_widget_grab_focus (GTK_WIDGET (self->credential_entry));
}

static void
ir_signin_page_dispose (GObject *object)
{
	IrSigninPage *self = IR_SIGNIN_PAGE (object);

	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	g_clear_object (&self->settings);
	G_OBJECT_CLASS (ir_signin_page_parent_class)->dispose (object);
}

static void
ir_signin_page_class_init (IrSigninPageClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

	G_OBJECT_CLASS (klass)->dispose = ir_signin_page_dispose;
	widget_class->map = ir_signin_page_map;
	ir_signin_page_signals[IR_SIGNIN_PAGE_SIGNAL_SIGNED_IN] =
	    g_signal_new ("signed-in",
			  G_TYPE_FROM_CLASS (klass),
			  G_SIGNAL_RUN_LAST,
			  0,
			  NULL,
			  NULL,
			  NULL,
			  G_TYPE_NONE,
			  1,
			  G_TYPE_POINTER);

	g_type_ensure (IR_TYPE_TOKEN_PICKER);
	gtk_widget_class_set_template_from_resource (
	    widget_class, "/org/imeirestore/ImeiRestore/ir-signin-page.ui");
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, error_bar);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, error_title);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, error_detail);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, file_radio);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, token_radio);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, credential_label);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, credential_stack);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, credential_entry);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, token_picker);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, passphrase_label);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, passphrase_entry);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, server_entry);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, trust_entry);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, spinner);
	gtk_widget_class_bind_template_child (widget_class, IrSigninPage, signin_button);
	gtk_widget_class_bind_template_callback (widget_class, ir_signin_page_signin_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_signin_page_browse_clicked);
	gtk_widget_class_bind_template_callback (widget_class, ir_signin_page_kind_toggled);
}

static void
ir_signin_page_init (IrSigninPage *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ir_signin_page_new (void)
{
	return g_object_new (IR_TYPE_SIGNIN_PAGE, NULL);
}
