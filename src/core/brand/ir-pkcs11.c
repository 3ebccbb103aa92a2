/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gmodule.h>
#include <libp11.h>
#include <openssl/err.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <string.h>

#include "ir-error.h"
#include "ir-pkcs11.h"

/* Why libp11's library and not ENGINE_load_private_key("pkcs11:…"):
 * both give the same EVP_PKEY (libp11's EC_KEY_METHOD signs on the
 * token), but the engine is one object per process bound to the first
 * module it loads, keeps its own copy of the PIN, prints to stderr, and
 * carries a static copy of libp11 whose errors we could only tell apart
 * by their text (wrong PIN, locked PIN). Its module would also be a
 * second user of the module next to the one listing tokens, and either's
 * C_Finalize ends the other's login. Here one context lists, logs in and
 * signs, and the PKCS#11 return codes come back as numbers.
 *
 * OpenSSL 3's own way is a provider (pkcs11-provider, OSSL_STORE_open on
 * the URI); Debian 12 does not package it (Debian 13 does): when the
 * project moves on, ir_pkcs11_module_private_key becomes an OSSL_STORE
 * lookup and the rest stays. */

struct _IrPkcs11Module {
	gatomicrefcount ref;
	char *path;
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int n_slots;
};

void
ir_pkcs11_object_free (IrPkcs11Object *object)
{
	if (object == NULL)
		return;
	X509_free (object->x509);
	g_free (object->label);
	g_clear_pointer (&object->id, g_bytes_unref);
	g_free (object->uri);
	g_free (object);
}

void
ir_pkcs11_token_free (IrPkcs11Token *token)
{
	if (token == NULL)
		return;
	g_free (token->label);
	g_free (token->manufacturer);
	g_free (token->model);
	g_free (token->serial);
	g_free (token->slot);
	g_free (token);
}

/* The PKCS#11 return value of libp11's last failure (0 when the failure
 * was not the module's), and the error queue emptied: it is per thread. */
static unsigned long
ir_pkcs11_last_rv (void)
{
	unsigned long code = ERR_peek_last_error ();
	unsigned long rv = 0;

	if (code != 0 && ERR_GET_LIB (code) == ERR_get_CKR_code ())
		rv = (unsigned long)ERR_GET_REASON (code);
	ERR_clear_error ();
	return rv;
}

/* Whether @path loads and has C_GetFunctionList, asked first through
 * GModule: libp11 would print the loader's complaint on stderr and say
 * only that it failed. */
static gboolean
ir_pkcs11_module_check (const char *path, GError **error)
{
	GModule *module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
	gpointer symbol = NULL;

	if (module != NULL && g_module_symbol (module, "C_GetFunctionList", &symbol)) {
		/* never unloaded: a module may leave exit handlers behind
		 * (imeictl under ASan crashed in exit() on an unmapped one
		 * after libp11 closed SoftHSM on an error path) */
		g_module_make_resident (module);
		g_module_close (module);
		return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "%s cannot be loaded as a PKCS#11 module (%s): give the path of your "
		     "token's PKCS#11 module (a .so file), or reinstall its driver",
		     path,
		     module != NULL ? "it has no C_GetFunctionList" : g_module_error ());
	if (module != NULL)
		g_module_close (module);
	return FALSE;
}

IrPkcs11Module *
ir_pkcs11_module_open (const char *path, GError **error)
{
	g_autoptr (IrPkcs11Module) self = NULL;

	if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the PKCS#11 module %s is not installed: install your token's "
			     "driver (its vendor names the package), or give its path with "
			     "--module",
			     path != NULL ? path : "(none)");
		return NULL;
	}
	if (!ir_pkcs11_module_check (path, error))
		return NULL;
	self = g_new0 (IrPkcs11Module, 1);
	g_atomic_ref_count_init (&self->ref);
	self->path = g_strdup (path);
	self->ctx = PKCS11_CTX_new ();
	if (PKCS11_CTX_load (self->ctx, path) < 0) {
		unsigned long rv = ir_pkcs11_last_rv ();
		PKCS11_CTX_free (g_steal_pointer (&self->ctx));
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s cannot be loaded as a PKCS#11 module (%s): give the path of "
			     "your token's PKCS#11 module (a .so file), or reinstall its driver",
			     path,
			     rv != 0
				 ? ERR_reason_error_string (ERR_PACK (ERR_get_CKR_code (), 0, rv))
				 : "not a PKCS#11 library");
		return NULL;
	}
	if (PKCS11_enumerate_slots (self->ctx, &self->slots, &self->n_slots) < 0) {
		ERR_clear_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "the PKCS#11 module %s cannot list its readers: check that the "
			     "token's service is running (pcscd for smart cards)",
			     path);
		return NULL;
	}
	return g_steal_pointer (&self);
}

IrPkcs11Module *
ir_pkcs11_module_ref (IrPkcs11Module *self)
{
	g_atomic_ref_count_inc (&self->ref);
	return self;
}

void
ir_pkcs11_module_unref (IrPkcs11Module *self)
{
	if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
		return;
	if (self->ctx != NULL) {
		/* also cleanses libp11's copy of the PIN (kept for re-login) */
		if (self->slots != NULL)
			PKCS11_release_all_slots (self->ctx, self->slots, self->n_slots);
		PKCS11_CTX_unload (self->ctx);
		PKCS11_CTX_free (self->ctx);
	}
	g_free (self->path);
	g_free (self);
}

const char *
ir_pkcs11_module_get_path (const IrPkcs11Module *self)
{
	return self->path;
}

static char *
ir_pkcs11_trimmed (const char *text)
{
	return text != NULL && text[0] != '\0' ? g_strstrip (g_strdup (text)) : NULL;
}

static IrPkcs11Token *
ir_pkcs11_token_new (const PKCS11_SLOT *slot, guint index)
{
	const PKCS11_TOKEN *tok = slot->token;
	IrPkcs11Token *token = g_new0 (IrPkcs11Token, 1);

	token->label = ir_pkcs11_trimmed (tok->label);
	token->manufacturer = ir_pkcs11_trimmed (tok->manufacturer);
	token->model = ir_pkcs11_trimmed (tok->model);
	token->serial = ir_pkcs11_trimmed (tok->serialnr);
	token->slot = ir_pkcs11_trimmed (slot->description);
	token->login_required = tok->loginRequired;
	token->protected_auth = tok->secureLogin;
	token->pin_count_low = tok->userPinCountLow;
	token->pin_final_try = tok->userPinFinalTry;
	token->pin_locked = tok->userPinLocked;
	token->pin_initialized = tok->userPinSet;
	token->index = index;
	return token;
}

GPtrArray *
ir_pkcs11_module_list_tokens (IrPkcs11Module *self, GError **error)
{
	g_autoptr (GPtrArray) tokens =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_pkcs11_token_free);

	/* the slots as the module was opened: PKCS11_update_slots of libp11
	 * 0.4.12 crashes with more than one slot, so a fresh look is a
	 * fresh IrPkcs11Module */
	for (guint i = 0; i < self->n_slots; i++) {
		const PKCS11_SLOT *slot = &self->slots[i];
		if (slot->token == NULL || !slot->token->initialized)
			continue;
		g_ptr_array_add (tokens, ir_pkcs11_token_new (slot, i));
	}
	return g_steal_pointer (&tokens);
}

/* The slot of @token, still holding a token with the same label and
 * serial (one pulled out and another put in is not the same). */
static PKCS11_SLOT *
ir_pkcs11_module_slot (IrPkcs11Module *self, const IrPkcs11Token *token, GError **error)
{
	PKCS11_SLOT *slot = token->index < self->n_slots ? &self->slots[token->index] : NULL;
	g_autofree char *label = NULL;
	g_autofree char *serial = NULL;

	if (slot != NULL && slot->token != NULL) {
		label = ir_pkcs11_trimmed (slot->token->label);
		serial = ir_pkcs11_trimmed (slot->token->serialnr);
	}
	if (slot == NULL || slot->token == NULL || g_strcmp0 (label, token->label) != 0 ||
	    g_strcmp0 (serial, token->serial) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the token %s was taken out of its reader: put it back and try again",
			     token->label);
		return NULL;
	}
	return slot;
}

static IrPkcs11Object *
ir_pkcs11_object_new (const IrPkcs11Token *token, const PKCS11_CERT *cert)
{
	IrPkcs11Object *object = g_new0 (IrPkcs11Object, 1);

	object->x509 = X509_dup (cert->x509);
	object->label =
	    cert->label != NULL && cert->label[0] != '\0' ? g_strdup (cert->label) : NULL;
	if (cert->id_len > 0)
		object->id = g_bytes_new (cert->id, cert->id_len);
	object->uri = ir_pkcs11_uri_format (token->label,
					    token->serial,
					    token->manufacturer,
					    token->model,
					    object->label,
					    object->id);
	return object;
}

GPtrArray *
ir_pkcs11_module_list_certificates (IrPkcs11Module *self,
				    const IrPkcs11Token *token,
				    GError **error)
{
	g_autoptr (GPtrArray) objects =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_pkcs11_object_free);
	PKCS11_SLOT *slot = ir_pkcs11_module_slot (self, token, error);
	PKCS11_CERT *certs = NULL;
	unsigned int n = 0;

	if (slot == NULL)
		return NULL;
	if (PKCS11_enumerate_certs (slot->token, &certs, &n) < 0) {
		unsigned long rv = ir_pkcs11_last_rv ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot read the certificates on token %s (PKCS#11 error 0x%lx): "
			     "take the token out, put it back and try again",
			     token->label,
			     rv);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (certs[i].x509 != NULL)
			g_ptr_array_add (objects, ir_pkcs11_object_new (token, &certs[i]));
	}
	return g_steal_pointer (&objects);
}

/* What a failed C_Login means to the technician. */
static void
ir_pkcs11_login_error (const IrPkcs11Token *token,
		       const PKCS11_TOKEN *now,
		       unsigned long rv,
		       GError **error)
{
	const char *tries = "";

	if (rv == CKR_PIN_LOCKED || (now != NULL && now->userPinLocked)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the PIN of token %s is locked after too many wrong PINs: nothing "
			     "was done; the brand's security officer must unlock it (with the "
			     "token's PUK or SO PIN) or issue you a new token",
			     token->label);
		return;
	}
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
		if (now != NULL && now->userPinFinalTry)
			tries = "; the token says ONE try is left before it locks: check the PIN "
				"before you try again";
		else if (now != NULL && now->userPinCountLow)
			tries = "; the token says few tries are left before it locks";
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "wrong PIN for token %s%s",
			     token->label,
			     tries);
		return;
	}
	if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_SESSION_CLOSED) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the token %s was taken out during login: put it back and try again",
			     token->label);
		return;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "logging in to token %s failed (PKCS#11 error 0x%lx): take the token out, "
		     "put it back and try again",
		     token->label,
		     rv);
}

gboolean
ir_pkcs11_module_login (IrPkcs11Module *self,
			const IrPkcs11Token *token,
			const char *pin,
			GError **error)
{
	PKCS11_SLOT *slot = ir_pkcs11_module_slot (self, token, error);
	unsigned long rv;

	if (slot == NULL)
		return FALSE;
	if (slot->token->userPinLocked) {
		ir_pkcs11_login_error (token, slot->token, CKR_PIN_LOCKED, error);
		return FALSE;
	}
	if (!slot->token->loginRequired)
		return TRUE;
	if (PKCS11_login (slot, 0, pin) == 0)
		return TRUE;
	rv = ir_pkcs11_last_rv ();
	/* the token's counters changed with this attempt: read them again
	 * (nothing is logged in to lose) */
	PKCS11_release_all_slots (self->ctx, self->slots, self->n_slots);
	self->slots = NULL;
	self->n_slots = 0;
	if (PKCS11_enumerate_slots (self->ctx, &self->slots, &self->n_slots) < 0)
		ERR_clear_error ();
	slot = token->index < self->n_slots ? &self->slots[token->index] : NULL;
	ir_pkcs11_login_error (token, slot != NULL ? slot->token : NULL, rv, error);
	return FALSE;
}

static gboolean
ir_pkcs11_key_matches (const PKCS11_KEY *key, const IrPkcs11Object *cert)
{
	gsize len = 0;
	const guint8 *id = cert->id != NULL ? g_bytes_get_data (cert->id, &len) : NULL;

	if (!key->isPrivate)
		return FALSE;
	if (id != NULL)
		return key->id_len == len && memcmp (key->id, id, len) == 0;
	return cert->label != NULL && g_strcmp0 (key->label, cert->label) == 0;
}

EVP_PKEY *
ir_pkcs11_module_private_key (IrPkcs11Module *self,
			      const IrPkcs11Token *token,
			      const IrPkcs11Object *cert,
			      GError **error)
{
	PKCS11_SLOT *slot = ir_pkcs11_module_slot (self, token, error);
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0;
	EVP_PKEY *pkey = NULL;

	if (slot == NULL)
		return NULL;
	if (PKCS11_enumerate_keys (slot->token, &keys, &n) < 0) {
		unsigned long rv = ir_pkcs11_last_rv ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot read the keys on token %s (PKCS#11 error 0x%lx)",
			     token->label,
			     rv);
		return NULL;
	}
	for (unsigned int i = 0; i < n && pkey == NULL; i++) {
		if (ir_pkcs11_key_matches (&keys[i], cert))
			pkey = PKCS11_get_private_key (&keys[i]);
	}
	ERR_clear_error ();
	if (pkey == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the token %s holds the certificate %s but not its private key: "
			     "this is not the token the certificate was issued on; use your own "
			     "token, or ask the brand to enrol this one",
			     token->label,
			     cert->uri);
		return NULL;
	}
	if (X509_check_private_key (cert->x509, pkey) != 1) {
		ERR_clear_error ();
		EVP_PKEY_free (pkey);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the private key on token %s does not belong to the certificate %s: "
			     "ask the brand to enrol the token again",
			     token->label,
			     cert->uri);
		return NULL;
	}
	return pkey;
}

static gboolean
ir_pkcs11_module_is_trust_policy (CK_FUNCTION_LIST *module)
{
	g_autofree char *value = p11_kit_config_option (module, "trust-policy");
	return value != NULL &&
	       (g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0);
}

GStrv
ir_pkcs11_configured_modules (GError **error)
{
	g_autoptr (GStrvBuilder) paths = g_strv_builder_new ();
	/* load only (no C_Initialize): we want the paths */
	CK_FUNCTION_LIST **modules = p11_kit_modules_load (NULL, P11_KIT_MODULE_UNMANAGED);

	if (modules == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "p11-kit could not load its configured PKCS#11 modules (%s): give "
			     "your token's module with --module",
			     p11_kit_message () != NULL ? p11_kit_message () : "no detail");
		return NULL;
	}
	for (guint i = 0; modules[i] != NULL; i++) {
		g_autofree char *path = p11_kit_module_get_filename (modules[i]);
		if (path == NULL || ir_pkcs11_module_is_trust_policy (modules[i]))
			continue;
		g_strv_builder_add (paths, path);
	}
	p11_kit_modules_release (modules);
	return g_strv_builder_end (paths);
}
