/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-audit-query.h"

G_BEGIN_DECLS

/* Filter setters check their value; IR_ERROR_INVALID_INPUT names
 * @option and the format expected. A date alone (YYYY-MM-DD) is the start
 * of that day for --from and its end for --to. */
gboolean ir_audit_filter_parse_time (
    const char *text, const char *option, gboolean end_of_day, gint64 *out, GError **error);
gboolean ir_audit_filter_set_imei (IrAuditFilter *filter, const char *imei, GError **error);
gboolean ir_audit_filter_set_outcome (IrAuditFilter *filter, const char *outcome, GError **error);
gboolean ir_audit_filter_set_type (IrAuditFilter *filter, const char *type, GError **error);
gboolean ir_audit_filter_matches (const IrAuditFilter *filter, const IrAuditRow *row);

G_END_DECLS
