/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* imei-restore's GtkApplication: unique, one window per activation, the
 * application-wide actions (quit, about, shortcuts, preferences reset) and
 * every accelerator, the CSS from the resource and the GSettings of the
 * workstation (server, credential, state folder, auditor's last log). */
#define IR_APP_ID "org.imeirestore.ImeiRestore"

#define IR_TYPE_APP (ir_app_get_type ())
G_DECLARE_FINAL_TYPE (IrApp, ir_app, IR, APP, GtkApplication)

IrApp *ir_app_new (void);

/* The workstation settings (org.imeirestore.ImeiRestore). */
GSettings *ir_app_get_settings (IrApp *self);

/* Whether the schema is installed (or in $GSETTINGS_SCHEMA_DIR): without
 * it g_settings_new() would abort, so main() says what to do instead. */
gboolean ir_app_schema_available (GError **error);

G_END_DECLS
