/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brand-credential.h"

G_BEGIN_DECLS

/* A technician's credential on a PKCS#11 token (smart card, USB token):
 * the API imeictl and the GTK app's sign-in share.
 *
 *   picker:  ir_brand_credential_pkcs11_list () -> tokens, each with the
 *            certificates on it (subject, role, centre, expiry, URI)
 *   sign-in: ir_brand_credential_pkcs11_find (uri) -> the certificate,
 *            checked (ir_brand_credential_check) before any PIN is asked;
 *            ir_brand_credential_pkcs11_unlock (cred, pin_func) -> the key, which
 *            never leaves the token;
 *            IrBrandClientConfig.credential = cred.
 *
 * Every call loads and unloads modules and talks to the token: call them
 * from one thread at a time, and not while a credential of the same
 * module is unlocked (see ir-pkcs11.h). The unlocked credential itself
 * may sign from several threads at once. */

typedef struct {
	char *module;		/* the PKCS#11 module's path */
	GError *error;		/* the module could not be read: no token */
	IrPkcs11Token *token;	/* NULL when @error, or when no token is inserted */
	GPtrArray *credentials; /* IrBrandCredential (locked): the token's certificates */
} IrBrandTokenListing;

void ir_brand_credential_pkcs11_listing_free (IrBrandTokenListing *listing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBrandTokenListing, ir_brand_credential_pkcs11_listing_free)

/* The tokens of @module, or of every module p11-kit is configured with
 * when @module is NULL (a module that cannot be read is a listing with
 * its error; with @module given, that is the function's error). */
GPtrArray *ir_brand_credential_pkcs11_list (const char *module, GError **error);

/* The certificate @uri names on a token that is inserted now, searched in
 * @module, else the URI's module-path, else p11-kit's modules. Fails
 * before any PIN is asked when no such token is inserted, its PIN is
 * locked, or it has no such certificate (or several and the URI does not
 * say which). */
IrBrandCredential *
ir_brand_credential_pkcs11_find (const char *uri, const char *module, GError **error);

typedef struct {
	const char *token_label;
	const char *subject;	 /* whose certificate the PIN unlocks */
	gboolean protected_auth; /* the PIN goes on the reader's keypad */
	gboolean pin_count_low;	 /* the token says a wrong PIN was given before */
	gboolean pin_final_try;
} IrBrandPinRequest;

/* Returns the PIN (g_malloc'd; the caller wipes it with OPENSSL_cleanse
 * and frees it), or NULL with @error set (cancelled). For a token with a
 * protected authentication path it is a notice ("type your PIN on the
 * reader") and returns NULL without an error. */
typedef char *(*IrBrandPinFunc) (const IrBrandPinRequest *request,
				 gpointer user_data,
				 GError **error);

/* Logs in to the token of @cred (PIN from @pin_func, wiped after use and
 * never logged) and takes the private key that goes with the certificate.
 * Wrong PIN (with the tries left where the token says), locked PIN, key
 * not on this token and token taken out each get their own message. */
gboolean ir_brand_credential_pkcs11_unlock (IrBrandCredential *cred,
					    IrBrandPinFunc pin_func,
					    gpointer user_data,
					    GError **error);

G_END_DECLS
