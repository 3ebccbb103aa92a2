/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <openssl/crypto.h>

#include "ir-error.h"
#include "ir-pin-dialog.h"
#include "ir-pkcs11-uri.h"
#include "ir-token-unlock.h"

typedef struct {
	GtkWindow *parent;
	char *uri;
	char *module;
	IrBrandCredential *cred; /* found, checked; unlocked at the end */
	char *pin;		 /* between the dialog and the unlock, then wiped */
	char *warning;		 /* what the dialog says of the PIN just typed */
	/* a failure: the title, and the error */
	char *title;
	GError *error;
	gboolean wrong_pin; /* the unlock failed and the token counts a wrong PIN */
} IrTokenUnlock;

static void
ir_token_unlock_wipe_pin (IrTokenUnlock *job)
{
	if (job->pin != NULL)
		OPENSSL_cleanse (job->pin, strlen (job->pin));
	g_clear_pointer (&job->pin, g_free);
}

static void
ir_token_unlock_free (IrTokenUnlock *job)
{
	ir_token_unlock_wipe_pin (job);
	g_clear_object (&job->parent);
	g_free (job->uri);
	g_free (job->module);
	g_clear_pointer (&job->cred, ir_brand_credential_unref);
	g_free (job->warning);
	g_free (job->title);
	g_clear_error (&job->error);
	g_free (job);
}

static void
ir_token_unlock_fail (IrTokenUnlock *job, const char *title, GError *error)
{
	g_free (job->title);
	job->title = g_strdup (title);
	g_clear_error (&job->error);
	job->error = error;
}

/* What a failed search for the certificate means: no token at all, the
 * token's PIN locked, or what the search said. Lists the tokens (fresh
 * flags) to tell. */
static void
ir_token_unlock_classify (IrTokenUnlock *job, GError *error)
{
	g_autoptr (GPtrArray) listings = ir_brand_credential_pkcs11_list (job->module, NULL);
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse (job->uri, NULL);
	gboolean any_token = FALSE;

	for (guint i = 0; listings != NULL && i < listings->len; i++) {
		const IrBrandTokenListing *l = g_ptr_array_index (listings, i);
		const IrPkcs11Token *t = l->token;

		if (t == NULL)
			continue;
		any_token = TRUE;
		if (uri != NULL && t->pin_locked &&
		    ir_pkcs11_uri_match_token (
			uri, t->label, t->manufacturer, t->model, t->serial)) {
			ir_token_unlock_fail (job, _ ("Your token's PIN is locked"), error);
			return;
		}
	}
	ir_token_unlock_fail (
	    job, any_token ? _ ("Your token cannot be used") : _ ("No token is inserted"), error);
}

/* Finds the certificate and checks it, before any PIN is asked. */
static gboolean
ir_token_unlock_find (IrTokenUnlock *job)
{
	GError *error = NULL;

	g_clear_pointer (&job->cred, ir_brand_credential_unref);
	job->cred = ir_brand_credential_pkcs11_find (job->uri, job->module, &error);
	if (job->cred == NULL) {
		ir_token_unlock_classify (job, error);
		return FALSE;
	}
	if (!ir_brand_credential_check (job->cred, job->uri, 0, &error)) {
		ir_token_unlock_fail (job, _ ("This certificate cannot be used"), error);
		return FALSE;
	}
	return TRUE;
}

static void
ir_token_unlock_find_thread (GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	g_task_return_boolean (task, ir_token_unlock_find (data));
}

static char *
ir_token_unlock_pin_cb (const IrBrandPinRequest *request, gpointer user_data, GError **error)
{
	IrTokenUnlock *job = user_data;

	return g_strdup (job->pin);
}

/* Unlocks with the PIN typed. On failure, the token is read again (its
 * module unloaded first: one user of a module at a time) to tell a wrong
 * PIN, which is asked again, from a locked PIN or a token taken out. */
static void
ir_token_unlock_thread (GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	IrTokenUnlock *job = data;
	g_autoptr (GError) error = NULL;
	gboolean ok =
	    ir_brand_credential_pkcs11_unlock (job->cred, ir_token_unlock_pin_cb, job, &error);

	ir_token_unlock_wipe_pin (job);
	job->wrong_pin = FALSE;
	if (ok) {
		g_task_return_boolean (task, TRUE);
		return;
	}
	if (ir_token_unlock_find (job) &&
	    (job->cred->token->pin_count_low || job->cred->token->pin_final_try)) {
		job->wrong_pin = TRUE;
		g_free (job->warning);
		job->warning = g_strdup (_ ("Wrong PIN: type it again."));
	} else if (job->error == NULL) {
		ir_token_unlock_fail (
		    job, _ ("Your token could not be unlocked"), g_steal_pointer (&error));
	}
	g_task_return_boolean (task, FALSE);
}

static void ir_token_unlock_ask (GTask *task);

static void
ir_token_unlock_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (GTask) task = G_TASK (user_data);
	IrTokenUnlock *job = g_task_get_task_data (task);

	if (g_task_return_error_if_cancelled (task))
		return;
	if (g_task_propagate_boolean (G_TASK (res), NULL)) {
		g_task_return_pointer (task,
				       ir_brand_credential_ref (job->cred),
				       (GDestroyNotify)ir_brand_credential_unref);
		return;
	}
	if (job->wrong_pin) {
		ir_token_unlock_ask (g_steal_pointer (&task));
		return;
	}
	g_task_return_error (task, g_error_copy (job->error));
}

static void
ir_token_unlock_run (GTask *task, GTaskThreadFunc func, GAsyncReadyCallback done)
{
	GTask *step = g_task_new (NULL, g_task_get_cancellable (task), done, task);

	g_task_set_task_data (step, g_task_get_task_data (task), NULL);
	g_task_run_in_thread (step, func);
	g_object_unref (step);
}

static void
ir_token_unlock_answered (GtkDialog *dialog, int response, gpointer user_data)
{
	GTask *task = G_TASK (user_data);
	IrTokenUnlock *job = g_task_get_task_data (task);

	if (response != GTK_RESPONSE_OK) {
		gtk_widget_destroy (GTK_WIDGET (dialog));
		ir_token_unlock_fail (
		    job,
		    _ ("Sign-in cancelled"),
		    g_error_new_literal (
			IR_ERROR, IR_ERROR_CANCELLED, _ ("No PIN was typed: nothing was done.")));
		g_task_return_error (task, g_error_copy (job->error));
		g_object_unref (task);
		return;
	}
	job->pin = ir_pin_dialog_take_pin (IR_PIN_DIALOG (dialog));
	gtk_widget_destroy (GTK_WIDGET (dialog));
	ir_token_unlock_run (task, ir_token_unlock_thread, ir_token_unlock_done);
}

/* The PIN dialog (or nothing, for a token that needs no login). */
static void
ir_token_unlock_ask (GTask *task)
{
	IrTokenUnlock *job = g_task_get_task_data (task);
	IrBrandPinRequest request = {
	    .token_label = job->cred->token->label,
	    .subject = job->cred->subject,
	    .protected_auth = job->cred->token->protected_auth,
	    .pin_count_low = job->cred->token->pin_count_low,
	    .pin_final_try = job->cred->token->pin_final_try,
	};
	GtkWidget *dialog;

	if (!job->cred->token->login_required) {
		ir_token_unlock_run (task, ir_token_unlock_thread, ir_token_unlock_done);
		return;
	}
	dialog = ir_pin_dialog_new (job->parent, &request, job->warning);
	g_signal_connect (dialog, "response", G_CALLBACK (ir_token_unlock_answered), task);
	gtk_widget_show (dialog);
}

static void
ir_token_unlock_found (GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK (user_data);
	IrTokenUnlock *job = g_task_get_task_data (task);

	if (g_task_return_error_if_cancelled (task)) {
		g_object_unref (task);
		return;
	}
	if (!g_task_propagate_boolean (G_TASK (res), NULL)) {
		g_task_return_error (task, g_error_copy (job->error));
		g_object_unref (task);
		return;
	}
	ir_token_unlock_ask (task);
}

void
ir_token_unlock_async (GtkWindow *parent,
		       const char *uri,
		       const char *module,
		       GCancellable *cancellable,
		       GAsyncReadyCallback callback,
		       gpointer user_data)
{
	GTask *task = g_task_new (NULL, cancellable, callback, user_data);
	IrTokenUnlock *job = g_new0 (IrTokenUnlock, 1);

	job->parent = parent != NULL ? g_object_ref (parent) : NULL;
	job->uri = g_strdup (uri);
	job->module = g_strdup (module != NULL && module[0] != '\0' ? module : NULL);
	g_task_set_task_data (task, job, (GDestroyNotify)ir_token_unlock_free);
	ir_token_unlock_run (task, ir_token_unlock_find_thread, ir_token_unlock_found);
}

IrBrandCredential *
ir_token_unlock_finish (GAsyncResult *res, char **title, GError **error)
{
	IrTokenUnlock *job = g_task_get_task_data (G_TASK (res));
	IrBrandCredential *cred = g_task_propagate_pointer (G_TASK (res), error);

	if (cred == NULL && title != NULL)
		*title = g_strdup (job->title != NULL ? job->title : _ ("Sign-in cancelled"));
	return cred;
}
