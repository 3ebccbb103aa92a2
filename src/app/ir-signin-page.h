/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-engine.h"
#include "ir-token-picker.h"

G_BEGIN_DECLS

/* The technician's sign-in: their credential (a PKCS#12 file and its
 * passphrase, or a certificate on a PKCS#11 token chosen in the token
 * picker and unlocked with its PIN: ir-token-unlock.h), the brand server
 * and the trust store. Signing in checks the credential in a thread (a
 * wrong passphrase, an expired or wrong-role certificate get their own
 * words), opens the workstation's IrEngine with it (trust store, state
 * folder, migration log) and proves the server (GET /v1/health) before
 * any phone is touched; every failure ends in an info bar that says what
 * to do. "signed-in" carries the open engine. */
#define IR_TYPE_SIGNIN_PAGE (ir_signin_page_get_type ())
G_DECLARE_FINAL_TYPE (IrSigninPage, ir_signin_page, IR, SIGNIN_PAGE, GtkBox)

/* Who signed in, and the engine every restore goes through. */
typedef struct _IrSignin IrSignin;
struct _IrSignin {
	IrEngine *engine;
	char *server;
	char *trust_path;
	char *credential_path;	  /* the PKCS#12 file, or the token's pkcs11: URI */
	IrBrandCredential *token; /* the unlocked token credential, or NULL */
	char *state_dir;
	char *duplicates_path; /* NULL: none */
	char *workstation;     /* NULL: the host name */
	char *passphrase;      /* wiped once the engine is open */
};

void ir_signin_free (IrSignin *signin);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrSignin, ir_signin_free)

GtkWidget *ir_signin_page_new (void);

/* The entries follow (and fill) the settings "server-url" and
 * "trust-store"; "credential" chooses the kind (a pkcs11: URI the token
 * picker, else the PKCS#12 file) and is written at each sign-in;
 * "pkcs11-module" is the module the picker lists; "state-dir",
 * "duplicates" and "workstation" are read at sign-in. */
void ir_signin_page_bind_settings (IrSigninPage *self, GSettings *settings);

/* Starts a sign-in with what the form holds (the Sign In button). */
void ir_signin_page_sign_in (IrSigninPage *self);
/* The fields as a user types them (tests, the demo). */
void ir_signin_page_set_passphrase (IrSigninPage *self, const char *passphrase);
/* What the info bar says, "title\ndetail", or NULL when it is hidden. */
char *ir_signin_page_get_error_text (IrSigninPage *self);
gboolean ir_signin_page_get_busy (IrSigninPage *self);
/* Empties the passphrase and forgets the error: after signing out. */
void ir_signin_page_reset (IrSigninPage *self);
/* The token picker (tests). */
IrTokenPicker *ir_signin_page_get_token_picker (IrSigninPage *self);

G_END_DECLS
