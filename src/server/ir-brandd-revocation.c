/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "ir-brandd-revocation.h"
#include "ir-error.h"

struct _IrBranddRevocation {
	IrBranddStore *store;
	X509_CRL *crl; /* NULL: no [tls] crl */
	char *crl_path;
};

void
ir_brandd_revocation_free (IrBranddRevocation *self)
{
	if (self == NULL)
		return;
	X509_CRL_free (self->crl);
	g_free (self->crl_path);
	g_free (self);
}

static X509_CRL *
ir_brandd_revocation_load_crl (const char *path, GError **error)
{
	FILE *f = fopen (path, "r");
	X509_CRL *crl = f != NULL ? PEM_read_X509_CRL (f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose (f);
	if (crl == NULL)
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[tls] crl %s: not a readable PEM CRL",
			     path);
	return crl;
}

IrBranddRevocation *
ir_brandd_revocation_new (const IrBranddConfig *config, IrBranddStore *store, GError **error)
{
	g_autoptr (IrBranddRevocation) self = g_new0 (IrBranddRevocation, 1);

	self->store = store;
	if (config->crl != NULL) {
		self->crl = ir_brandd_revocation_load_crl (config->crl, error);
		if (self->crl == NULL)
			return NULL;
		self->crl_path = g_strdup (config->crl);
	}
	return g_steal_pointer (&self);
}

static gboolean
ir_brandd_revocation_refuse (IrBranddAnswer *answer,
			     IrBranddRefusal refusal,
			     const IrBranddPeer *peer,
			     const char *why)
{
	g_free (answer->message);
	answer->message = g_strdup_printf ("the client certificate %s (serial %s) %s; ask the "
					   "brand for a new certificate",
					   peer->subject != NULL ? peer->subject : "",
					   peer->serial != NULL ? peer->serial : "?",
					   why);
	answer->refusal = refusal;
	return FALSE;
}

static gboolean
ir_brandd_revocation_in_crl (IrBranddRevocation *self, const char *serial)
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *asn = NULL;
	X509_REVOKED *rev = NULL;
	gboolean found;

	if (self->crl == NULL || serial == NULL || BN_hex2bn (&bn, serial) == 0)
		return FALSE;
	asn = BN_to_ASN1_INTEGER (bn, NULL);
	found = asn != NULL && X509_CRL_get0_by_serial (self->crl, &rev, asn) == 1;
	ASN1_INTEGER_free (asn);
	BN_free (bn);
	return found;
}

gboolean
ir_brandd_revocation_check (IrBranddRevocation *self,
			    const IrBranddPeer *peer,
			    gint64 now,
			    IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;
	gboolean revoked = FALSE;

	if (now > peer->not_after)
		return ir_brandd_revocation_refuse (
		    answer, IR_BRANDD_CERTIFICATE_EXPIRED, peer, "has expired");
	if (now < peer->not_before)
		return ir_brandd_revocation_refuse (
		    answer, IR_BRANDD_CERTIFICATE_EXPIRED, peer, "is not valid yet");
	if (ir_brandd_revocation_in_crl (self, peer->serial))
		return ir_brandd_revocation_refuse (
		    answer, IR_BRANDD_CERTIFICATE_REVOKED, peer, "is revoked ([tls] crl)");
	if (!ir_brandd_store_revoked (self->store, peer->serial, &revoked, NULL, &error)) {
		g_prefix_error (&error, "checking the revocation list: ");
		return ir_brandd_answer_store_failed (answer, error);
	}
	if (revoked)
		return ir_brandd_revocation_refuse (
		    answer, IR_BRANDD_CERTIFICATE_REVOKED, peer, "is revoked");
	return TRUE;
}
