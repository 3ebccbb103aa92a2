/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-device-model.h"

G_BEGIN_DECLS

/* What a simulated phone is (IrSimState, defined with the device models):
 * each family's defaults, and the state file that keeps its IMEIs across
 * restarts. */

/* A phone state of @family with its defaults (realistic identity strings the
 * family's profile matches, valid IMEIs), or NULL for an unknown family. */
IrSimState *ir_sim_state_new_default (const char *family);
void ir_sim_state_free (IrSimState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSimState, ir_sim_state_free)
/* The families imei-sim knows, NULL-terminated. */
const char *const *ir_sim_state_get_families (void);

/* The state file: IMEI slots of one phone in a GKeyFile (docs/imei-sim.md).
 * Loading refuses a file written by a phone of another family or slot count. */
gboolean ir_sim_state_load_file (IrSimState *state, const char *path, GError **error);
gboolean ir_sim_state_save_file (const IrSimState *state, const char *path, GError **error);

G_END_DECLS
