/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <openssl/evp.h>

#include "ir-brandd-config.h"

G_BEGIN_DECLS

/* The brand's policy key as the signer of rollout documents (summaries,
 * block lists): the private key of --key, checked against the public key
 * the server pins ([policy] public-key) when there is one, so that a
 * summary is never signed with a key no regulator can verify, and the
 * signed-note key name ([policy] key-name, --key-name, else
 * <issuer>/policy, as `policy sign` names it). */

typedef struct {
	EVP_PKEY *key;
	char *name;
} IrBranddSigner;

void ir_brandd_signer_free (IrBranddSigner *signer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddSigner, ir_brandd_signer_free)

IrBranddSigner *ir_brandd_signer_load (const IrBranddConfig *config,
				       const char *key_path,
				       const char *key_name,
				       GError **error);

/* The note of @body signed by @signer. */
char *ir_brandd_signer_sign (const IrBranddSigner *signer, const char *body, GError **error);

G_END_DECLS
