/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-db-private.h"
#include "ir-error.h"

static gpointer
ir_brandd_db_pg_open (const char *target, gboolean create, GError **error)
{
	(void)target;
	(void)create;
	g_set_error_literal (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "the PostgreSQL backend is not built yet; use [store] backend=sqlite");
	return NULL;
}

const IrBranddDbBackend ir_brandd_db_pg_backend = {
    .open = ir_brandd_db_pg_open,
};
