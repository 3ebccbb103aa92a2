/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>
#include <string.h>

#include "ir-brand-credential-pkcs11.h"
#include "ir-error.h"

void
ir_brand_credential_pkcs11_listing_free (IrBrandTokenListing *listing)
{
	if (listing == NULL)
		return;
	g_free (listing->module);
	g_clear_error (&listing->error);
	ir_pkcs11_token_free (listing->token);
	g_clear_pointer (&listing->credentials, g_ptr_array_unref);
	g_free (listing);
}

/* @module alone, or p11-kit's configured modules. */
static GStrv
ir_brand_credential_pkcs11_modules (const char *module, GError **error)
{
	if (module != NULL) {
		const char *one[] = {module, NULL};
		return g_strdupv ((char **)one);
	}
	return ir_pkcs11_configured_modules (error);
}

static IrBrandTokenListing *
ir_brand_credential_pkcs11_listing_new (const char *module, IrPkcs11Token *token)
{
	IrBrandTokenListing *listing = g_new0 (IrBrandTokenListing, 1);

	listing->module = g_strdup (module);
	listing->token = token;
	listing->credentials =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_brand_credential_unref);
	return listing;
}

/* Each certificate as a credential without its key. */
static gboolean
ir_brand_credential_pkcs11_list_token (IrPkcs11Module *module,
				       IrBrandTokenListing *listing,
				       GError **error)
{
	g_autoptr (GPtrArray) objects =
	    ir_pkcs11_module_list_certificates (module, listing->token, error);

	if (objects == NULL)
		return FALSE;
	for (guint i = 0; i < objects->len; i++) {
		const IrPkcs11Object *object = g_ptr_array_index (objects, i);
		IrBrandCredential *cred =
		    ir_brand_credential_new_from_x509 (object->x509, object->uri, error);
		if (cred == NULL)
			return FALSE;
		cred->uri = g_strdup (object->uri);
		g_ptr_array_add (listing->credentials, cred);
	}
	return TRUE;
}

/* The listings of one module: one per token, or one saying none is in. */
static gboolean
ir_brand_credential_pkcs11_list_module (const char *path, GPtrArray *listings, GError **error)
{
	g_autoptr (IrPkcs11Module) module = ir_pkcs11_module_open (path, error);
	g_autoptr (GPtrArray) tokens = NULL;

	if (module == NULL)
		return FALSE;
	tokens = ir_pkcs11_module_list_tokens (module, error);
	if (tokens == NULL)
		return FALSE;
	if (tokens->len == 0)
		g_ptr_array_add (listings, ir_brand_credential_pkcs11_listing_new (path, NULL));
	while (tokens->len > 0) {
		IrBrandTokenListing *listing = ir_brand_credential_pkcs11_listing_new (
		    path, g_ptr_array_steal_index (tokens, 0));
		g_ptr_array_add (listings, listing);
		if (!ir_brand_credential_pkcs11_list_token (module, listing, error))
			return FALSE;
	}
	return TRUE;
}

GPtrArray *
ir_brand_credential_pkcs11_list (const char *module, GError **error)
{
	g_auto (GStrv) paths = ir_brand_credential_pkcs11_modules (module, error);
	g_autoptr (GPtrArray) listings = g_ptr_array_new_with_free_func (
	    (GDestroyNotify)ir_brand_credential_pkcs11_listing_free);

	if (paths == NULL)
		return NULL;
	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr (GError) error_local = NULL;
		IrBrandTokenListing *failed;

		if (ir_brand_credential_pkcs11_list_module (paths[i], listings, &error_local))
			continue;
		if (module != NULL) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		/* one broken driver does not hide the other tokens */
		failed = ir_brand_credential_pkcs11_listing_new (paths[i], NULL);
		failed->error = g_steal_pointer (&error_local);
		g_ptr_array_add (listings, failed);
	}
	return g_steal_pointer (&listings);
}

/* ---- finding the credential a URI names ---- */

static gboolean
ir_brand_credential_pkcs11_object_matches (const IrPkcs11Uri *uri, const IrPkcs11Object *object)
{
	if (uri->object != NULL && g_strcmp0 (uri->object, object->label) != 0)
		return FALSE;
	if (uri->id != NULL && (object->id == NULL || !g_bytes_equal (uri->id, object->id)))
		return FALSE;
	return TRUE;
}

static IrPkcs11Object *
ir_brand_credential_pkcs11_pick_certificate (IrPkcs11Module *module,
					     const IrPkcs11Token *token,
					     const IrPkcs11Uri *uri,
					     const char *text,
					     GError **error)
{
	g_autoptr (GPtrArray) objects = ir_pkcs11_module_list_certificates (module, token, error);
	guint found = 0;
	guint n_found = 0;

	if (objects == NULL)
		return NULL;
	for (guint i = 0; i < objects->len; i++) {
		if (!ir_brand_credential_pkcs11_object_matches (uri,
								g_ptr_array_index (objects, i)))
			continue;
		found = i;
		n_found++;
	}
	if (n_found == 1)
		return g_ptr_array_steal_index (objects, found);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     n_found == 0 ? "the token %s has no certificate that %s names: imeictl "
				    "credential list shows the certificates on it"
				  : "the token %s has several certificates that %s names: add its "
				    "object=… or id=… from imeictl credential list",
		     token->label,
		     text);
	return NULL;
}

/* The one token of @module that @uri names; NULL without an error when
 * none is inserted there. */
static IrPkcs11Token *
ir_brand_credential_pkcs11_pick_token (IrPkcs11Module *module,
				       const IrPkcs11Uri *uri,
				       const char *text,
				       GError **error)
{
	g_autoptr (GPtrArray) tokens = ir_pkcs11_module_list_tokens (module, error);
	const IrPkcs11Token *found = NULL;
	guint found_at = 0;

	if (tokens == NULL)
		return NULL;
	for (guint i = 0; i < tokens->len; i++) {
		const IrPkcs11Token *token = g_ptr_array_index (tokens, i);
		if (!ir_pkcs11_uri_match_token (
			uri, token->label, token->manufacturer, token->model, token->serial))
			continue;
		if (found != NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "two tokens match %s (serials %s and %s): add serial=… to the "
				     "URI to say which",
				     text,
				     found->serial,
				     token->serial);
			return NULL;
		}
		found = token;
		found_at = i;
	}
	return found != NULL ? g_ptr_array_steal_index (tokens, found_at) : NULL;
}

/* A locked PIN is told before anyone types a PIN into it. */
static gboolean
ir_brand_credential_pkcs11_check_token (const IrPkcs11Token *token, GError **error)
{
	if (!token->pin_locked)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "the PIN of token %s is locked after too many wrong PINs: nothing was done; "
		     "the brand's security officer must unlock it (with the token's PUK or SO "
		     "PIN) or issue you a new token",
		     token->label);
	return FALSE;
}

/* The credential @uri names on @module, or NULL without an error when the
 * token is not inserted there (@unusable: the module itself failed). */
static IrBrandCredential *
ir_brand_credential_pkcs11_find_on (
    const char *path, const IrPkcs11Uri *uri, const char *text, gboolean *unusable, GError **error)
{
	g_autoptr (IrPkcs11Module) module = ir_pkcs11_module_open (path, error);
	g_autoptr (IrPkcs11Token) token = NULL;
	g_autoptr (IrPkcs11Object) object = NULL;
	g_autoptr (GError) error_local = NULL;
	IrBrandCredential *cred;

	*unusable = module == NULL;
	if (module == NULL)
		return NULL;
	token = ir_brand_credential_pkcs11_pick_token (module, uri, text, &error_local);
	if (token == NULL) {
		if (error_local != NULL)
			g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
	if (!ir_brand_credential_pkcs11_check_token (token, error))
		return NULL;
	object = ir_brand_credential_pkcs11_pick_certificate (module, token, uri, text, error);
	if (object == NULL)
		return NULL;
	cred = ir_brand_credential_new_from_x509 (object->x509, text, error);
	if (cred == NULL)
		return NULL;
	cred->uri = g_strdup (object->uri);
	cred->x509 = X509_dup (object->x509);
	cred->module = g_steal_pointer (&module);
	cred->token = g_steal_pointer (&token);
	cred->object = g_steal_pointer (&object);
	return cred;
}

static void
ir_brand_credential_pkcs11_not_inserted (const IrPkcs11Uri *uri, GStrv paths, GError **error)
{
	g_autofree char *searched = g_strjoinv (", ", paths);

	if (uri->token_label != NULL || uri->token_serial != NULL)
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the token %s%s%s is not inserted (PKCS#11 modules searched: %s): "
			     "insert your token and try again; imeictl credential list shows the "
			     "tokens present",
			     uri->token_label != NULL ? uri->token_label : "",
			     uri->token_serial != NULL ? " serial " : "",
			     uri->token_serial != NULL ? uri->token_serial : "",
			     searched);
	else
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "no token is inserted (PKCS#11 modules searched: %s): insert your "
			     "token and try again",
			     searched);
}

IrBrandCredential *
ir_brand_credential_pkcs11_find (const char *text, const char *module, GError **error)
{
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse (text, error);
	g_auto (GStrv) paths = NULL;

	if (uri == NULL)
		return NULL;
	paths =
	    ir_brand_credential_pkcs11_modules (module != NULL ? module : uri->module_path, error);
	if (paths == NULL)
		return NULL;
	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr (GError) error_local = NULL;
		gboolean unusable = FALSE;
		IrBrandCredential *cred = ir_brand_credential_pkcs11_find_on (
		    paths[i], uri, text, &unusable, &error_local);

		if (cred != NULL)
			return cred;
		/* one broken driver among p11-kit's does not hide the others */
		if (error_local != NULL && (!unusable || g_strv_length (paths) == 1)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
	}
	ir_brand_credential_pkcs11_not_inserted (uri, paths, error);
	return NULL;
}

/* ---- unlocking ---- */

static gboolean
ir_brand_credential_pkcs11_login (IrBrandCredential *cred,
				  IrBrandPinFunc pin_func,
				  gpointer user_data,
				  GError **error)
{
	IrBrandPinRequest request = {
	    .token_label = cred->token->label,
	    .subject = cred->subject,
	    .protected_auth = cred->token->protected_auth,
	    .pin_count_low = cred->token->pin_count_low,
	    .pin_final_try = cred->token->pin_final_try,
	};
	g_autoptr (GError) error_local = NULL;
	char *pin = NULL;
	gboolean ok;

	if (pin_func != NULL)
		pin = pin_func (&request, user_data, &error_local);
	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (pin == NULL && !request.protected_auth) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "no PIN for token %s: type it when asked, or give --pin-file",
			     cred->token->label);
		return FALSE;
	}
	ok = ir_pkcs11_module_login (cred->module, cred->token, pin, error);
	if (pin != NULL) {
		OPENSSL_cleanse (pin, strlen (pin));
		g_free (pin);
	}
	return ok;
}

gboolean
ir_brand_credential_pkcs11_unlock (IrBrandCredential *cred,
				   IrBrandPinFunc pin_func,
				   gpointer user_data,
				   GError **error)
{
	if (cred->key != NULL)
		return TRUE;
	if (cred->module == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the credential %s is not on a PKCS#11 token",
			     cred->subject);
		return FALSE;
	}
	if (cred->token->login_required &&
	    !ir_brand_credential_pkcs11_login (cred, pin_func, user_data, error))
		return FALSE;
	cred->key = ir_pkcs11_module_private_key (cred->module, cred->token, cred->object, error);
	return cred->key != NULL;
}
