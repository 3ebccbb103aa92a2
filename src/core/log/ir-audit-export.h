/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-audit-query.h"

G_BEGIN_DECLS

/* Rows as text, JSON and CSV. */
JsonNode *ir_audit_export_row_to_json (const IrAuditRow *row);
JsonNode *ir_audit_export_rows_to_json (GPtrArray *rows);
/* RFC 4180: CRLF line ends, a header line, fields quoted when needed. */
char *ir_audit_export_rows_to_csv (GPtrArray *rows);
/* "before -> after" per slot, ", " between slots. */
char *ir_audit_export_row_imeis_text (const IrAuditRow *row);
char *ir_audit_export_row_phone_text (const IrAuditRow *row);

G_END_DECLS
