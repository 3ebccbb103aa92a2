/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-audit-query.h"

G_BEGIN_DECLS

typedef enum {
	IR_AUDIT_BY_DAY,
	IR_AUDIT_BY_TECHNICIAN,
	IR_AUDIT_BY_CENTRE,
	IR_AUDIT_BY_OUTCOME,
	IR_AUDIT_BY_PHASE,
} IrAuditGroupBy;

gboolean ir_audit_stats_group_by_from_string (const char *text, IrAuditGroupBy *by, GError **error);
const char *ir_audit_stats_group_by_to_string (IrAuditGroupBy by);

typedef struct {
	char *group;
	guint64 total;
	guint64 outcomes[IR_AUDIT_N_OUTCOMES]; /* per ir_audit_outcomes[] */
} IrAuditGroup;

/* Restorations (INTENT rows) of @rows counted per group, groups sorted. */
GPtrArray *ir_audit_stats (GPtrArray *rows, IrAuditGroupBy by);

G_END_DECLS
