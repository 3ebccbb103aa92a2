/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-config.h"

G_BEGIN_DECLS

/* `imei-brandd policy sign|publish|show|pause|resume` (imei-brandd(1),
 * docs/rollout-policy.md). Each returns an exit code and prints what it
 * did or why it refused; nothing is written on bad input. */

typedef struct {
	const char *key;      /* sign: the private policy key; publish: a public key */
	const char *key_name; /* signed-note key name (default <issuer>/policy) */
	const char *out;      /* sign: write the note here instead of stdout */
	gboolean json;	      /* show: JSON */
} IrBranddPolicyOptions;

int ir_brandd_policy_command (const IrBranddConfig *config,
			      const IrBranddPolicyOptions *options,
			      int argc,
			      char **argv);

G_END_DECLS
