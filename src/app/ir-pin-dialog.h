/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-brand-credential-pkcs11.h"

G_BEGIN_DECLS

/* Asks the PIN of a technician's token: which token and whose certificate,
 * and what the token says of earlier tries (a wrong PIN was given, ONE try
 * left) or of the PIN just typed. A token with its own keypad gets a
 * notice instead of an entry. The PIN is wiped from the entry as the
 * dialog goes. */
#define IR_TYPE_PIN_DIALOG (ir_pin_dialog_get_type ())
G_DECLARE_FINAL_TYPE (IrPinDialog, ir_pin_dialog, IR, PIN_DIALOG, GtkDialog)

/* @warning: what went wrong with the PIN just typed, or NULL. */
GtkWidget *
ir_pin_dialog_new (GtkWindow *parent, const IrBrandPinRequest *request, const char *warning);

/* What the technician typed (g_malloc'd: the caller wipes it with
 * OPENSSL_cleanse and frees it); NULL for a token with its own keypad. */
char *ir_pin_dialog_take_pin (IrPinDialog *self);

/* The warning shown ("" when none), for tests. */
const char *ir_pin_dialog_get_warning (IrPinDialog *self);
/* Types @pin into the entry, as the technician would (tests). */
void ir_pin_dialog_set_pin (IrPinDialog *self, const char *pin);

G_END_DECLS
