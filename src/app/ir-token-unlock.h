/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-brand-credential-pkcs11.h"

G_BEGIN_DECLS

/* The sign-in with a certificate on a PKCS#11 token, as a technician goes
 * through it: the certificate found on an inserted token and checked
 * (expiry, role, centre) before any PIN is asked; the PIN asked in an
 * IrPinDialog with what the token says of the tries left; the key
 * unlocked on the token. A wrong PIN asks again, saying so; no token
 * inserted, a locked PIN, a certificate that cannot be used or a token
 * without the key end the sign-in with a title and what to do. The token
 * work runs in a thread, one call at a time (ir-brand-credential-pkcs11.h);
 * the dialog on the main loop. */

void ir_token_unlock_async (GtkWindow *parent,
			    const char *uri,
			    const char *module,
			    GCancellable *cancellable,
			    GAsyncReadyCallback callback,
			    gpointer user_data);

/* The unlocked credential; else NULL with @error (IR_ERROR_CANCELLED when
 * the technician cancelled the PIN) and *@title the info bar's title. */
IrBrandCredential *ir_token_unlock_finish (GAsyncResult *res, char **title, GError **error);

G_END_DECLS
