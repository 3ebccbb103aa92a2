/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-witness-store.h"

G_BEGIN_DECLS

/* Witnessed INTENTs held against the tokens this server issued (issue
 * 12): an INTENT names its token (token_id, docs/migration-log.md), and
 * that token must have been issued for the same device (the IMEIs it
 * writes; the phone's serial and hardware id where both sides know
 * them), under the same phase and policy version. An INTENT that is not
 * accounted for is returned, to be kept with the upload
 * (witness_intent_mismatches) and counted by `imei-brandd report`; the
 * upload itself is still witnessed, as the log is what it is.
 *
 * @lines: the records of @origin from @first on, as uploaded. Lines that
 * are not INTENT records are skipped without a JSON parse; each INTENT
 * costs one lookup by token id: O(new records) per upload. Returns a
 * GPtrArray of IrBranddIntentMismatch (empty: all accounted for). */
GPtrArray *ir_brandd_witness_intents_match (
    IrBranddStore *store, const char *origin, guint64 first, GPtrArray *lines, GError **error);

G_END_DECLS
