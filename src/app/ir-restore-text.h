/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-engine.h"

G_BEGIN_DECLS

/* The words the technician reads: what a restore's result means and what
 * to do next, one title and one paragraph per outcome (and, for a restore
 * that did not start, per cause: server, token, phone, cancel). Pure: the
 * result in, the text out, so that a table test covers every case. */
typedef struct {
	char *title;
	char *detail;
	gboolean success; /* restored, or nothing to do */
} IrRestoreText;

void ir_restore_text_clear (IrRestoreText *text);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrRestoreText, ir_restore_text_clear)

void ir_restore_text_explain (const IrRestoreResult *result, IrRestoreText *text);

/* A short line for the phones list: "Restored", "Declined"... */
const char *ir_restore_text_outcome (IrRestoreOutcome outcome);

/* The step a stage belongs to, as the step view names its pages:
 * "identify", "diagnose", "authorise", "confirm", "write", "verify",
 * "done". */
const char *ir_restore_text_step (IrRestoreStage stage);

/* An IMEI slot's classification in words ("valid", "factory default"...). */
const char *ir_restore_text_status (IrImeiStatus status);

G_END_DECLS
