/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>

#include "ir-brandd-signer.h"
#include "ir-error.h"
#include "ir-openssl-autoptr.h"
#include "ir-pem.h"
#include "ir-signed-note.h"

void
ir_brandd_signer_free (IrBranddSigner *signer)
{
	if (signer == NULL)
		return;
	EVP_PKEY_free (signer->key);
	g_free (signer->name);
	g_free (signer);
}

static gboolean
ir_brandd_signer_check_pinned (const IrBranddConfig *config, EVP_PKEY *key, GError **error)
{
	g_autofree char *pem = NULL;
	g_autoptr (BIO) bio = NULL;
	g_autoptr (EVP_PKEY) pinned = NULL;
	gsize len = 0;

	if (config->policy_public_key == NULL)
		return TRUE;
	if (!g_file_get_contents (config->policy_public_key, &pem, &len, error)) {
		g_prefix_error (error, "[policy] public-key: ");
		return FALSE;
	}
	bio = BIO_new_mem_buf (pem, (int)len);
	pinned = bio != NULL ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
	if (pinned == NULL || EVP_PKEY_eq (pinned, key) != 1) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--key is not the private half of [policy] public-key %s: a document "
			     "signed with it could not be verified with the brand's published key; "
			     "give the brand's policy key",
			     config->policy_public_key);
		return FALSE;
	}
	return TRUE;
}

IrBranddSigner *
ir_brandd_signer_load (const IrBranddConfig *config,
		       const char *key_path,
		       const char *key_name,
		       GError **error)
{
	g_autoptr (IrBranddSigner) signer = g_new0 (IrBranddSigner, 1);

	if (key_path == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "signing needs the brand's policy private key: --key POLICY.key");
		return NULL;
	}
	signer->key = ir_pem_load_private_key (key_path, "--key", error);
	if (signer->key == NULL || !ir_brandd_signer_check_pinned (config, signer->key, error))
		return NULL;
	if (key_name != NULL)
		signer->name = g_strdup (key_name);
	else if (config->policy_key_name != NULL)
		signer->name = g_strdup (config->policy_key_name);
	else
		signer->name = g_strdup_printf ("%s/policy", config->issuer);
	return g_steal_pointer (&signer);
}

char *
ir_brandd_signer_sign (const IrBranddSigner *signer, const char *body, GError **error)
{
	return ir_signed_note_sign (body, signer->name, signer->key, error);
}
