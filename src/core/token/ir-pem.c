/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>

#include "ir-error.h"
#include "ir-pem.h"

EVP_PKEY *
ir_pem_load_private_key (const char *path, const char *what, GError **error)
{
	g_autoptr (GError) read_error = NULL;
	g_autofree char *pem = NULL;
	gsize len = 0;
	BIO *bio;
	EVP_PKEY *key;

	if (!g_file_get_contents (path, &pem, &len, &read_error)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "failed to read the %s: %s",
			     what,
			     read_error->message);
		return NULL;
	}
	bio = BIO_new_mem_buf (pem, (int)MIN (len, (gsize)G_MAXINT));
	key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
	BIO_free (bio);
	OPENSSL_cleanse (pem, len);
	if (key == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s %s is not an unencrypted PEM private key (PKCS#8, "
			     "-----BEGIN PRIVATE KEY-----)",
			     what,
			     path);
		return NULL;
	}
	return key;
}
