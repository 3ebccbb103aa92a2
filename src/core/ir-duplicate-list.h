/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The brand's list of IMEIs known to be shared by many phones.
 * Format (documented in docs/duplicates-list.md): UTF-8 text, one IMEI or
 * 14-digit identity per line, '#' starts a comment, blank lines ignored. */
typedef struct _IrDuplicateList IrDuplicateList;

IrDuplicateList *ir_duplicate_list_new (void);
IrDuplicateList *ir_duplicate_list_load (const char *path, GError **error);
gboolean ir_duplicate_list_parse (
    IrDuplicateList *self, const char *text, gsize len, const char *origin, GError **error);
gboolean ir_duplicate_list_contains (const IrDuplicateList *self, const char *imei);
guint ir_duplicate_list_size (const IrDuplicateList *self);
void ir_duplicate_list_free (IrDuplicateList *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrDuplicateList, ir_duplicate_list_free)

G_END_DECLS
