/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ir-pkcs11.h"
#include "ir-token.h"

G_BEGIN_DECLS

/* The technician's client certificate as the brand client needs it: what
 * it says (role and centre from its SAN URIs, subject, expiry) and its
 * cnf, read from a PEM certificate + key, a PKCS#12 file, or a PKCS#11
 * token (ir-brand-credential-pkcs11.h). Reference counted: a front end
 * opens a token credential once at sign-in and every brand client of the
 * session shares it. */
typedef struct {
	gatomicrefcount ref;
	char *subject;
	char *role;   /* urn:imeirestore:role:ROLE, NULL when none or several */
	char *centre; /* urn:imeirestore:centre:ID, NULL when none or several */
	char *not_after;
	gint64 not_after_unix;
	gint64 not_before_unix;
	guint8 cnf[IR_TOKEN_CNF_LEN];
	GBytes *der; /* the certificate */
	/* a token's credential: where it is, and once unlocked its key, which
	 * signs on the token (the module stays loaded while this lives) */
	char *uri;
	X509 *x509;
	IrPkcs11Module *module;
	IrPkcs11Token *token;
	IrPkcs11Object *object;
	EVP_PKEY *key;
} IrBrandCredential;

IrBrandCredential *ir_brand_credential_ref (IrBrandCredential *cred);
void ir_brand_credential_unref (IrBrandCredential *cred);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBrandCredential, ir_brand_credential_unref)

/* What @cert says (subject, role, centre, dates, cnf); @origin names it
 * in messages. No key. */
IrBrandCredential *
ir_brand_credential_new_from_x509 (X509 *cert, const char *origin, GError **error);

/* PEM certificate @cert_path and its private key @key_path (encrypted
 * keys need @passphrase); the key must match the certificate. */
IrBrandCredential *ir_brand_credential_load_pem (const char *cert_path,
						 const char *key_path,
						 const char *passphrase,
						 GError **error);

/* PKCS#12 @path opened with @passphrase (OpenSSL PKCS12_parse). */
IrBrandCredential *
ir_brand_credential_load_p12 (const char *path, const char *passphrase, GError **error);

/* Expiry and role checks done before the server is asked, so that the
 * technician hears about them in words rather than as a TLS alert. */
gboolean ir_brand_credential_check (const IrBrandCredential *cred,
				    const char *origin,
				    gint64 now,
				    GError **error);

/* Whether the certificate was issued by the brand CA in @ca_path (PEM):
 * a certificate from another CA would only be refused by the server with
 * a TLS alert, which can be lost when the server closes first. */
gboolean ir_brand_credential_check_issuer (const IrBrandCredential *cred,
					   const char *origin,
					   const char *ca_path,
					   GError **error);

G_END_DECLS
