/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The token picker of the sign-in: every certificate on every PKCS#11
 * token inserted (ir_brand_credential_pkcs11_list(), in a thread: modules
 * load slowly and a reader may be slow to answer), each shown with its
 * subject, role, centre, expiry and token (its PIN locked, when it is),
 * the choice being the certificate's pkcs11: URI. When no token is
 * inserted, or a module cannot be read, the status line says so and what
 * to do. "changed" when the choice or the listing changes. */
#define IR_TYPE_TOKEN_PICKER (ir_token_picker_get_type ())
G_DECLARE_FINAL_TYPE (IrTokenPicker, ir_token_picker, IR, TOKEN_PICKER, GtkBox)

GtkWidget *ir_token_picker_new (void);

/* The PKCS#11 module to list (NULL or "": every module p11-kit is
 * configured with). */
void ir_token_picker_set_module (IrTokenPicker *self, const char *module);
const char *ir_token_picker_get_module (IrTokenPicker *self);

/* Lists the tokens again (the Refresh button); ignored while a listing
 * runs. */
void ir_token_picker_refresh (IrTokenPicker *self);
gboolean ir_token_picker_get_busy (IrTokenPicker *self);

/* The chosen certificate's URI; with none listed, the one last chosen or
 * set (ir_token_picker_set_uri()); NULL while listing. */
const char *ir_token_picker_get_uri (IrTokenPicker *self);
/* Chooses @uri once it is listed (now, or after the listing running). */
void ir_token_picker_set_uri (IrTokenPicker *self, const char *uri);
/* Rows listed now, and the status line (tests). */
guint ir_token_picker_get_n_certificates (IrTokenPicker *self);
const char *ir_token_picker_get_status (IrTokenPicker *self);
/* The combo box, for the form's mnemonic. */
GtkWidget *ir_token_picker_get_combo (IrTokenPicker *self);

G_END_DECLS
