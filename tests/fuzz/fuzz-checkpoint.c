/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz-target.h"
#include "ir-checkpoint.h"

/* The input is a whole signed note. Whatever the parser accepts must
 * re-format to exactly the body it says was signed, keep its limits, and
 * survive verification and cosigning: a cosigned note must parse again
 * with one more line that verifies, the original bytes untouched. Any
 * broken promise aborts, which libFuzzer reports. */

static void
fuzz_checkpoint_check (gboolean condition)
{
	if (!condition)
		abort ();
}

/* made once per process: no private key lives in the source tree */
static EVP_PKEY *
fuzz_checkpoint_key (void)
{
	static EVP_PKEY *key = NULL;

	if (key == NULL)
		key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	fuzz_checkpoint_check (key != NULL);
	return key;
}

static void
fuzz_checkpoint_check_body (const IrCheckpoint *cp, const uint8_t *data, size_t size)
{
	g_autofree char *root = g_base64_encode (cp->root, IR_MERKLE_HASH_LEN);
	g_autoptr (GString) again = g_string_new (NULL);

	g_string_append_printf (
	    again, "%s\n%" G_GUINT64_FORMAT "\n%s\n", cp->origin, cp->size, root);
	for (guint i = 0; i < cp->extensions->len; i++)
		g_string_append_printf (
		    again, "%s\n", (const char *)g_ptr_array_index (cp->extensions, i));
	fuzz_checkpoint_check (strcmp (again->str, cp->body) == 0);
	/* the body is the note's prefix, followed by the blank line */
	fuzz_checkpoint_check (again->len + 1 < size);
	fuzz_checkpoint_check (memcmp (data, again->str, again->len) == 0 &&
			       data[again->len] == '\n');
}

static void
fuzz_checkpoint_check_signatures (const IrCheckpoint *cp)
{
	fuzz_checkpoint_check (cp->signatures->len >= 1 && cp->signatures->len <= 100);
	for (guint i = 0; i < cp->signatures->len; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (cp->signatures, i);

		fuzz_checkpoint_check (sig->key_name != NULL && sig->key_name[0] != '\0');
		fuzz_checkpoint_check (strchr (sig->key_name, ' ') == NULL &&
				       strchr (sig->key_name, '+') == NULL);
		fuzz_checkpoint_check (g_bytes_get_size (sig->signature) >= 1);
	}
}

static void
fuzz_checkpoint_check_cosign (const IrCheckpoint *cp, const uint8_t *data, size_t size)
{
	g_autofree char *note = g_strndup ((const char *)data, size);
	g_autoptr (GError) error = NULL;
	g_autofree char *cosigned =
	    ir_checkpoint_cosign (note, "fuzz.example/witness", fuzz_checkpoint_key (), &error);
	g_autoptr (IrCheckpoint) again = NULL;

	if (cp->signatures->len >= 100) {
		fuzz_checkpoint_check (cosigned == NULL && error != NULL);
		return;
	}
	fuzz_checkpoint_check (cosigned != NULL);
	fuzz_checkpoint_check (strncmp (cosigned, note, size) == 0);
	again = ir_checkpoint_parse (cosigned, strlen (cosigned), &error);
	/* the line added may push the note past the size limit, nothing else */
	if (again == NULL) {
		fuzz_checkpoint_check (strlen (cosigned) > 65536);
		return;
	}
	fuzz_checkpoint_check (again->signatures->len == cp->signatures->len + 1);
	fuzz_checkpoint_check (strcmp (again->body, cp->body) == 0);
	fuzz_checkpoint_check (
	    ir_checkpoint_verify (again, "fuzz.example/witness", fuzz_checkpoint_key (), NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse ((const char *)data, size, &error);

	if (cp == NULL) {
		fuzz_checkpoint_check (error != NULL && error->message != NULL);
		return 0;
	}
	fuzz_checkpoint_check (error == NULL);
	fuzz_checkpoint_check (size <= 65536);
	fuzz_checkpoint_check_body (cp, data, size);
	fuzz_checkpoint_check_signatures (cp);
	/* no signature by a key made in this process can be in the input */
	fuzz_checkpoint_check (
	    !ir_checkpoint_verify (cp, "fuzz.example/witness", fuzz_checkpoint_key (), NULL));
	for (guint i = 0; i < cp->signatures->len && i < 4; i++) {
		const IrNoteSignature *sig = g_ptr_array_index (cp->signatures, i);

		fuzz_checkpoint_check (
		    !ir_checkpoint_verify (cp, sig->key_name, fuzz_checkpoint_key (), NULL));
	}
	fuzz_checkpoint_check_cosign (cp, data, size);
	return 0;
}
