/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ir-pkcs11-uri.h"

G_BEGIN_DECLS

/* PKCS#11 modules, tokens and the objects on them, through libp11 (the
 * library behind libp11's OpenSSL engine). A module is loaded for as long
 * as an IrPkcs11Module lives: the key of a logged-in token works only
 * while its module is loaded, so a credential keeps a reference.
 *
 * A module may be loaded by one IrPkcs11Module at a time in a process:
 * freeing one calls C_Finalize, which ends every session of every other
 * user of the same module (PKCS#11 has one state per process). So a
 * front end lists tokens before sign-in, or after sign-out, never while a
 * credential from the same module is in use. */

typedef struct _IrPkcs11Module IrPkcs11Module;

typedef struct {
	X509 *x509;
	char *label; /* CKA_LABEL, NULL when the token gives none */
	GBytes *id;  /* CKA_ID, NULL when empty */
	char *uri;   /* pkcs11:token=…;id=…;object=… */
} IrPkcs11Object;

typedef struct {
	char *label;
	char *manufacturer;
	char *model;
	char *serial;
	char *slot; /* the reader's description */
	gboolean login_required;
	gboolean protected_auth; /* the PIN is typed on the reader's own keypad */
	gboolean pin_count_low;	 /* a wrong PIN was given since the last good one */
	gboolean pin_final_try;
	gboolean pin_locked;
	gboolean pin_initialized;
	guint index; /* the slot's place in the module's list */
} IrPkcs11Token;

void ir_pkcs11_object_free (IrPkcs11Object *object);
void ir_pkcs11_token_free (IrPkcs11Token *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPkcs11Object, ir_pkcs11_object_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPkcs11Token, ir_pkcs11_token_free)

/* Loads the module at @path (C_Initialize). A missing file or one that is
 * not a PKCS#11 module is bad input that says so. */
IrPkcs11Module *ir_pkcs11_module_open (const char *path, GError **error);
IrPkcs11Module *ir_pkcs11_module_ref (IrPkcs11Module *self);
void ir_pkcs11_module_unref (IrPkcs11Module *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPkcs11Module, ir_pkcs11_module_unref)
const char *ir_pkcs11_module_get_path (const IrPkcs11Module *self);

/* The tokens present (IrPkcs11Token), slots without one left out. */
GPtrArray *ir_pkcs11_module_list_tokens (IrPkcs11Module *self, GError **error);

/* The certificates on @token (IrPkcs11Object), readable without a PIN. */
GPtrArray *ir_pkcs11_module_list_certificates (IrPkcs11Module *self,
					       const IrPkcs11Token *token,
					       GError **error);

/* Logs in to @token with @pin (NULL: the reader's keypad, for a token
 * with a protected authentication path). A wrong or locked PIN fails with
 * a message that says so and, where the token tells, how many tries are
 * left; nothing of the PIN is kept by this function. */
gboolean ir_pkcs11_module_login (IrPkcs11Module *self,
				 const IrPkcs11Token *token,
				 const char *pin,
				 GError **error);

/* After login: the private key with the same CKA_ID (else CKA_LABEL) as
 * @cert, as an EVP_PKEY whose operations run on the token. */
EVP_PKEY *ir_pkcs11_module_private_key (IrPkcs11Module *self,
					const IrPkcs11Token *token,
					const IrPkcs11Object *cert,
					GError **error);

/* The modules p11-kit is configured with (system and user
 * pkcs11/modules/NAME.module), trust-policy modules left out: they hold CA
 * certificates, never a technician's key. */
GStrv ir_pkcs11_configured_modules (GError **error);

G_END_DECLS
