/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <openssl/evp.h>

#include "ir-brandd-witness-store.h"
#include "ir-brandd-witness.h"

G_BEGIN_DECLS

/* Shared by ir-brandd-witness.c (uploads, tokens) and
 * ir-brandd-witness-audit.c (auditor routes). */

struct _IrBranddWitness {
	IrBranddStore *store;
	EVP_PKEY *key; /* NULL: uploads are refused */
	char *name;
};

/* Sets @answer to @refusal with a message; returns FALSE. */
gboolean
ir_brandd_witness_refuse (IrBranddAnswer *answer, IrBranddRefusal refusal, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
/* Logs @error and refuses with IR_BRANDD_INTERNAL. */
gboolean ir_brandd_witness_internal (IrBranddAnswer *answer, const GError *error);

G_END_DECLS
