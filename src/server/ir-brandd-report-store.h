/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-store.h"

G_BEGIN_DECLS

/* What `imei-brandd report` reads from the database (schema 4): tokens
 * per phase, local day and centre, and the IMEIs restored in a period.
 * Store access only; ir-brandd-report-data.c decides what they mean. */

typedef struct {
	char *phase;
	char *day;
	char *centre;
	guint64 issued;
} IrBranddIssuedRow;

void ir_brandd_report_store_issued_free (gpointer row);

/* Tokens issued under the rollout, grouped by phase, day and centre and
 * sorted so; @phase, @from, @to (YYYY-MM-DD, inclusive) may be NULL. */
GPtrArray *ir_brandd_report_store_issued (
    IrBranddStore *store, const char *phase, const char *from, const char *to, GError **error);

typedef struct {
	char *imeis; /* the token's IMEIs, a JSON array per slot */
	char *centre;
	char *phase; /* NULL: issued before any rollout policy */
	gint64 reported_at;
} IrBranddRestoredRow;

void ir_brandd_report_store_restored_free (gpointer row);

/* Successful restorations reported in [@start, @end) (seconds), in the
 * order they were reported. */
GPtrArray *
ir_brandd_report_store_restored (IrBranddStore *store, gint64 start, gint64 end, GError **error);

G_END_DECLS
