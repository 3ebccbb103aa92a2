/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A PKCS#11 URI (RFC 7512) naming a technician's certificate and key on a
 * token: pkcs11:token=…;serial=…;object=…;id=…;type=private|cert. Parsed
 * and written by p11-kit (p11_kit_uri_*), so that what `imeictl credential
 * list` prints is what every other PKCS#11 tool reads. Pure: no module is
 * loaded here. */
typedef struct {
	/* the token's fields the URI names; NULL matches any */
	char *token_label;
	char *token_serial;
	char *token_manufacturer;
	char *token_model;
	/* the object: CKA_LABEL and CKA_ID; NULL matches any */
	char *object;
	GBytes *id;
	/* module-path=… from the query; NULL when not given */
	char *module_path;
} IrPkcs11Uri;

void ir_pkcs11_uri_free (IrPkcs11Uri *uri);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPkcs11Uri, ir_pkcs11_uri_free)

/* Refuses what is not a pkcs11: URI, a PIN inside the URI (pin-value and
 * pin-source would put it in argv, shell history and logs), a type other
 * than private or cert, and attributes p11-kit does not know. */
IrPkcs11Uri *ir_pkcs11_uri_parse (const char *text, GError **error);

/* Whether a token with these fields (trimmed, as libp11 gives them) is
 * one @uri names. */
gboolean ir_pkcs11_uri_match_token (const IrPkcs11Uri *uri,
				    const char *label,
				    const char *manufacturer,
				    const char *model,
				    const char *serial);

/* The URI of an object (@label and/or @id) on a token, without a type:
 * the key and its certificate share label and id. */
char *ir_pkcs11_uri_format (const char *token_label,
			    const char *token_serial,
			    const char *token_manufacturer,
			    const char *token_model,
			    const char *label,
			    GBytes *id);

G_END_DECLS
