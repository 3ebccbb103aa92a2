/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-audit-paths.h"
#include "ir-rollout-summary.h"

G_BEGIN_DECLS

/* A regulator's check of a signed summary against a workstation's own
 * migration log (`imeictl verify-report FILE --log DIR`): the log
 * verifies on its own (ir-audit-verify.h; tampering is refused), the
 * summary lists its origin, the Merkle root of its first `size` records
 * is the root the summary gives, and counting those records again
 * (ir-log-tally.h) gives the summary's figures for its phase and day.
 * Every refusal is IR_ERROR_TAMPERED naming the log and the figure. */

/* *origin: the log's origin (for the caller's message). */
gboolean ir_rollout_summary_check_log (const IrRolloutSummary *summary,
				       const IrAuditPaths *paths,
				       char **origin,
				       GCancellable *cancellable,
				       GError **error);

G_END_DECLS
