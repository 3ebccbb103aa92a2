/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "ir-brand-credential.h"
#include "ir-error.h"
#include "ir-openssl-autoptr.h"

#define IR_URN_ROLE   "urn:imeirestore:role:"
#define IR_URN_CENTRE "urn:imeirestore:centre:"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GENERAL_NAMES, GENERAL_NAMES_free)

IrBrandCredential *
ir_brand_credential_ref (IrBrandCredential *cred)
{
	g_atomic_ref_count_inc (&cred->ref);
	return cred;
}

void
ir_brand_credential_unref (IrBrandCredential *cred)
{
	if (cred == NULL || !g_atomic_ref_count_dec (&cred->ref))
		return;
	/* the key before the module it signs with */
	EVP_PKEY_free (cred->key);
	X509_free (cred->x509);
	ir_pkcs11_object_free (cred->object);
	ir_pkcs11_token_free (cred->token);
	g_clear_pointer (&cred->module, ir_pkcs11_module_unref);
	g_free (cred->uri);
	g_free (cred->subject);
	g_free (cred->role);
	g_free (cred->centre);
	g_free (cred->not_after);
	g_clear_pointer (&cred->der, g_bytes_unref);
	g_free (cred);
}

/* The newest OpenSSL error as text, and the queue emptied (it is per
 * thread: a stale error would be blamed on the next request). */
static char *
ir_brand_credential_openssl_error (void)
{
	char buf[256] = "no detail from OpenSSL";
	unsigned long code = ERR_peek_last_error ();

	if (code != 0)
		ERR_error_string_n (code, buf, sizeof (buf));
	ERR_clear_error ();
	return g_strdup (buf);
}

static char *
ir_brand_credential_asn1_time (const ASN1_TIME *t)
{
	g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
	char *data = NULL;
	long len;

	if (!ASN1_TIME_print (bio, t))
		return g_strdup ("(unreadable date)");
	len = BIO_get_mem_data (bio, &data);
	return g_strndup (data, (gsize)len);
}

static gint64
ir_brand_credential_asn1_unix (const ASN1_TIME *t)
{
	struct tm tm = {0};

	if (!ASN1_TIME_to_tm (t, &tm))
		return 0;
	return (gint64)timegm (&tm);
}

/* One value of a SAN URI with @prefix; two different ones count as none,
 * as the server counts them (docs/imei-brandd.md). */
static char *
ir_brand_credential_san_value (X509 *cert, const char *prefix)
{
	g_autoptr (GENERAL_NAMES) names = X509_get_ext_d2i (cert, NID_subject_alt_name, NULL, NULL);
	g_autofree char *found = NULL;

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num (names); i++) {
		const GENERAL_NAME *name = sk_GENERAL_NAME_value (names, i);
		const char *uri;
		int len;

		if (name->type != GEN_URI)
			continue;
		uri = (const char *)ASN1_STRING_get0_data (name->d.uniformResourceIdentifier);
		len = ASN1_STRING_length (name->d.uniformResourceIdentifier);
		if (len <= (int)strlen (prefix) || strncmp (uri, prefix, strlen (prefix)) != 0)
			continue;
		{
			g_autofree char *value =
			    g_strndup (uri + strlen (prefix), (gsize)len - strlen (prefix));
			if (found != NULL && g_strcmp0 (found, value) != 0)
				return NULL;
			g_free (found);
			found = g_steal_pointer (&value);
		}
	}
	return g_steal_pointer (&found);
}

IrBrandCredential *
ir_brand_credential_new_from_x509 (X509 *cert, const char *origin, GError **error)
{
	g_autoptr (IrBrandCredential) cred = g_new0 (IrBrandCredential, 1);
	unsigned char *der = NULL;
	int der_len = i2d_X509 (cert, &der);
	char subject[256];
	gboolean ok;

	g_atomic_ref_count_init (&cred->ref);
	if (der_len <= 0) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "cannot encode %s: %s", origin, why);
		return NULL;
	}
	ok = ir_token_spki_sha256 (der, (gsize)der_len, cred->cnf, error);
	cred->der = g_bytes_new (der, (gsize)der_len);
	OPENSSL_free (der);
	if (!ok)
		return NULL;
	X509_NAME_oneline (X509_get_subject_name (cert), subject, sizeof (subject));
	cred->subject = g_strdup (subject);
	cred->role = ir_brand_credential_san_value (cert, IR_URN_ROLE);
	cred->centre = ir_brand_credential_san_value (cert, IR_URN_CENTRE);
	cred->not_after = ir_brand_credential_asn1_time (X509_get0_notAfter (cert));
	cred->not_after_unix = ir_brand_credential_asn1_unix (X509_get0_notAfter (cert));
	cred->not_before_unix = ir_brand_credential_asn1_unix (X509_get0_notBefore (cert));
	return g_steal_pointer (&cred);
}

static BIO *
ir_brand_credential_open_file (const char *path, const char *what, GError **error)
{
	BIO *bio;

	if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the %s %s does not exist or is not a file: give the one the brand "
			     "issued to you",
			     what,
			     path);
		return NULL;
	}
	bio = BIO_new_file (path, "rb");
	if (bio == NULL) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the %s %s: %s",
			     what,
			     path,
			     why);
	}
	return bio;
}

IrBrandCredential *
ir_brand_credential_load_pem (const char *cert_path,
			      const char *key_path,
			      const char *passphrase,
			      GError **error)
{
	g_autoptr (BIO) cert_bio =
	    ir_brand_credential_open_file (cert_path, "client certificate", error);
	g_autoptr (BIO) key_bio = NULL;
	g_autoptr (X509) cert = NULL;
	g_autoptr (EVP_PKEY) key = NULL;

	if (cert_bio == NULL)
		return NULL;
	cert = PEM_read_bio_X509 (cert_bio, NULL, NULL, NULL);
	if (cert == NULL) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the client certificate %s is not a PEM certificate (%s)",
			     cert_path,
			     why);
		return NULL;
	}
	key_bio = ir_brand_credential_open_file (key_path, "private key", error);
	if (key_bio == NULL)
		return NULL;
	key = PEM_read_bio_PrivateKey (key_bio, NULL, NULL, (void *)passphrase);
	if (key == NULL) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot read the private key %s (%s): is it a PEM key, and if it is "
			     "encrypted, is the passphrase right?",
			     key_path,
			     why);
		return NULL;
	}
	if (X509_check_private_key (cert, key) != 1) {
		ERR_clear_error ();
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "the private key %s does not belong to the client certificate %s: give "
		    "the key issued with that certificate",
		    key_path,
		    cert_path);
		return NULL;
	}
	return ir_brand_credential_new_from_x509 (cert, cert_path, error);
}

IrBrandCredential *
ir_brand_credential_load_p12 (const char *path, const char *passphrase, GError **error)
{
	g_autoptr (BIO) bio = ir_brand_credential_open_file (path, "PKCS#12 file", error);
	g_autoptr (PKCS12) p12 = NULL;
	g_autoptr (X509) cert = NULL;
	g_autoptr (EVP_PKEY) key = NULL;
	STACK_OF (X509) *chain = NULL;

	if (bio == NULL)
		return NULL;
	p12 = d2i_PKCS12_bio (bio, NULL);
	if (p12 == NULL) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s is not a PKCS#12 file (%s)",
			     path,
			     why);
		return NULL;
	}
	if (!PKCS12_parse (p12, passphrase != NULL ? passphrase : "", &key, &cert, &chain)) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot open the PKCS#12 file %s (%s): is the passphrase right? Give "
			     "it in a file (--p12-passphrase-file) or $IMEIRESTORE_P12_PASSPHRASE",
			     path,
			     why);
		return NULL;
	}
	sk_X509_pop_free (chain, X509_free);
	if (cert == NULL || key == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the PKCS#12 file %s holds no certificate with its key",
			     path);
		return NULL;
	}
	return ir_brand_credential_new_from_x509 (cert, path, error);
}

gboolean
ir_brand_credential_check (const IrBrandCredential *cred,
			   const char *origin,
			   gint64 now,
			   GError **error)
{
	if (now == 0)
		now = g_get_real_time () / G_USEC_PER_SEC;
	if (cred->not_after_unix != 0 && now > cred->not_after_unix) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the client certificate %s (%s) expired on %s: ask the brand for a "
			     "new one (if this workstation's clock is wrong, fix it first)",
			     origin,
			     cred->subject,
			     cred->not_after);
		return FALSE;
	}
	if (cred->not_before_unix != 0 && now < cred->not_before_unix) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the client certificate %s (%s) is not valid yet: check this "
			     "workstation's clock",
			     origin,
			     cred->subject);
		return FALSE;
	}
	if (g_strcmp0 (cred->role, "technician") != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the client certificate %s (%s) has role %s: restoring an IMEI needs "
			     "a technician's certificate; use your own technician certificate",
			     origin,
			     cred->subject,
			     cred->role != NULL ? cred->role : "none");
		return FALSE;
	}
	if (cred->centre == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the client certificate %s (%s) names no service centre: ask the "
			     "brand for a technician certificate with your centre",
			     origin,
			     cred->subject);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_brand_credential_check_issuer (const IrBrandCredential *cred,
				  const char *origin,
				  const char *ca_path,
				  GError **error)
{
	g_autoptr (X509_STORE) store = X509_STORE_new ();
	g_autoptr (X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
	g_autoptr (X509) cert = NULL;
	gsize len = 0;
	const unsigned char *p = g_bytes_get_data (cred->der, &len);
	int verify;

	cert = d2i_X509 (NULL, &p, (long)len);
	if (cert == NULL || store == NULL || ctx == NULL ||
	    !X509_STORE_load_file (store, ca_path)) {
		g_autofree char *why = ir_brand_credential_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot check %s against the brand CA %s: %s",
			     origin,
			     ca_path,
			     why);
		return FALSE;
	}
	/* only the issuer here: the dates were checked with a clearer message */
	X509_STORE_set_flags (store, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_init (ctx, store, cert, NULL);
	if (X509_verify_cert (ctx) == 1)
		return TRUE;
	verify = X509_STORE_CTX_get_error (ctx);
	ERR_clear_error ();
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "the client certificate %s (%s) was not issued by the brand CA of the trust "
		     "store (%s): the brand server would refuse it; use the certificate the brand "
		     "issued to you",
		     origin,
		     cred->subject,
		     X509_verify_cert_error_string (verify));
	return FALSE;
}
