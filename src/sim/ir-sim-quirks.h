/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-device-model.h"

G_BEGIN_DECLS

/* What real phones do that the family models alone never show (issue 10,
 * tests/data/real/), so that QA can reproduce it on a simulated phone:
 *
 * - charset: left in +CSCS "UCS2" or "HEX" by ModemManager or another
 *   tool, the phone answers identity and IMEI strings hex-encoded;
 * - result-codes numeric: left in ATV0, it answers "0\r" for OK until the
 *   host sends ATV1;
 * - ring-during / ring-final: an incoming call (RING, +CLIP) arrives in
 *   the middle of an answer, which some firmwares then end in NO CARRIER,
 *   BUSY, NO ANSWER or ERROR;
 * - vendor-disabled: the firmware refuses the family's own commands
 *   (+EGMR, +SIMEI, +SPIMEI: user builds, other module variants) while the
 *   27.007 reads still work;
 * - slow-command: one command is answered seconds late (a phone busy
 *   registering), for the host's "still waiting" line; the answers to the
 *   commands after it are not held back, so a delay longer than the host
 *   waits is a command the phone is silent to.
 *
 * Every phone also answers +CSCS and compound V.250 basic commands
 * (ATE0V1Q0) here, as real ones do. */
typedef struct _IrSimQuirks IrSimQuirks;
struct _IrSimQuirks {
	/* configured */
	char *charset;	    /* the +CSCS the phone starts in: "IRA", "GSM", "UCS2", "HEX" */
	gboolean numeric;   /* starts in ATV0 */
	char *ring_during;  /* command prefix ("AT+CGSN"), NULL: none */
	char *ring_final;   /* "NO CARRIER", "BUSY", "NO ANSWER", "ERROR" or "OK" */
	char *vendor_final; /* NULL, or the final line the family's commands get */
	char *slow_command; /* command prefix, NULL: none */
	guint slow_ms;	    /* how late its answer comes */
	/* as the session goes */
	char *cur_charset;
	gboolean cur_numeric;
	gboolean rang;
};

/* The config keys of the quirks, NULL-terminated. */
const char *const *ir_sim_quirks_get_keys (void);
gboolean ir_sim_quirks_has_key (const char *key);
/* Applies @key = @value; the error names neither the key nor where it came
 * from (the config adds them). */
gboolean ir_sim_quirks_set (IrSimQuirks *self, const char *key, const char *value, GError **error);

/* A phone with none of the quirks, as it powers up. */
void ir_sim_quirks_init (IrSimQuirks *self);
void ir_sim_quirks_copy (IrSimQuirks *dest, const IrSimQuirks *src);
void ir_sim_quirks_clear (IrSimQuirks *self);

/* Answers one command line (without CR) into @reply through the phone's
 * family model, with the quirks applied; *@delay_ms is how much later
 * than usual the answer goes out. */
void ir_sim_quirks_answer (
    IrSimQuirks *self, IrSimState *state, const char *line, GString *reply, guint *delay_ms);

G_END_DECLS
