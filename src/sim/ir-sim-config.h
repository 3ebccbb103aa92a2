/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-sim-phone.h"
#include "ir-sim-quirks.h"
#include "ir-sim-state.h"

G_BEGIN_DECLS

/* How one simulated phone is configured, from imei-sim's flags or from one
 * [phone NAME] group of a --config file. Both go through the same keys
 * (ir_sim_phone_config_set) so that a flag and a config key always accept
 * the same values and fail with the same message (docs/imei-sim.md). */
typedef struct _IrSimPhoneConfig IrSimPhoneConfig;
struct _IrSimPhoneConfig {
	char *name;
	/* identity; NULL keeps the family's default */
	char *family;
	char *manufacturer;
	char *model;
	char *revision;
	char *serial;
	char *hwid;
	GPtrArray *imeis; /* char *, "" for an empty slot; empty: family default */
	gboolean echo;
	/* faults the model applies to writes */
	char *write_error; /* the final line, "ERROR" or "+CME ERROR: N" */
	gboolean read_only[IR_SIM_MAX_SLOTS];
	gboolean no_stick;
	gboolean hangup_after_write; /* hang up once a write is answered */
	/* DIAG (qualcomm) phones */
	char *spc;
	gboolean spc_required;
	gboolean needs_qcdmg; /* AT until AT$QCDMG */
	/* faults the phone applies to its answers */
	IrSimFaults faults;
	/* what real phones do (ir-sim-quirks.h) */
	IrSimQuirks quirks;
	char *state_file;
	char *link;
	char *replay;
	/* the brand keys a secure phone verifies tokens with (secure-restore-v1
	 * only, and required there), loaded when the key is set */
	IrTrustStore *trust_store;
	/* keys given, to refuse keys that a replayed phone would ignore */
	GHashTable *keys_set;
};

IrSimPhoneConfig *ir_sim_phone_config_new (const char *name);
void ir_sim_phone_config_free (IrSimPhoneConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSimPhoneConfig, ir_sim_phone_config_free)

/* Every key a phone accepts, NULL-terminated: the flag names without "--". */
const char *const *ir_sim_phone_config_get_keys (void);

/* Applies @key = @value. "imei" and "read-only-slot" add one more each call.
 * The error names neither the key nor where it came from: the caller prefixes
 * "--key: " or "FILE: [phone NAME] key: ". */
gboolean ir_sim_phone_config_set (IrSimPhoneConfig *config,
				  const char *key,
				  const char *value,
				  GError **error);

/* Checks what no single key can: read-only slots that exist, --replay alone,
 * a trust store for a secure-restore-v1 phone and for no other. */
gboolean ir_sim_phone_config_validate (IrSimPhoneConfig *config, GError **error);

/* A new phone state: the family's defaults with the configured overrides.
 * Call after ir_sim_phone_config_validate(). */
IrSimState *ir_sim_phone_config_to_state (IrSimPhoneConfig *config);

/* The simulated phone @config describes, with its state file and link set,
 * not yet serving. */
IrSimPhone *ir_sim_phone_config_create_phone (IrSimPhoneConfig *config, GError **error);

/* Parses an imei-sim --config file: one [phone NAME] group per phone.
 * Returns IrSimPhoneConfig *, validated, in file order. */
GPtrArray *ir_sim_config_parse (const char *data, gsize len, const char *origin, GError **error);
GPtrArray *ir_sim_config_load (const char *path, GError **error);

G_END_DECLS
