/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-brandd-store.h"

G_BEGIN_DECLS

/* `imei-brandd import`: the brand's factory records as CSV (format in
 * docs/imei-brandd.md). Parsing is pure and checks every row on its own and
 * against the other rows; applying checks each row against the registry
 * and writes all rows in one transaction, or none. */

typedef struct {
	guint line;		/* 1-based line in the file */
	IrBranddDevice *device; /* NULL when the row did not parse */
	char *reason;		/* NULL: accepted */
} IrBranddImportRow;

typedef struct {
	GPtrArray *rows; /* IrBranddImportRow */
	guint n_rejected;
} IrBranddImport;

/* Header errors (missing, unknown or repeated column) fail the whole file;
 * row errors are recorded in each row's reason. */
IrBranddImport *ir_brandd_import_parse (const char *text, gsize len, GError **error);
void ir_brandd_import_free (IrBranddImport *self);

/* Checks the rows against @store (serial, hardware id or IMEI identity
 * already registered) and, when no row is rejected, inserts them all in one
 * transaction. FALSE with an IR_ERROR_INVALID_INPUT error when any row is
 * rejected: then nothing is written. */
gboolean
ir_brandd_import_apply (IrBranddImport *self, IrBranddStore *store, gint64 now, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddImport, ir_brandd_import_free)

G_END_DECLS
