/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: follows every rule (the script must pass it). */
#include <glib.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ir-good-private.h"

static const char *const ir_good_names[] = {"a", "b", NULL};

typedef struct _IrGoodThing IrGoodThing;

static gboolean
ir_good_check (const char *path, GError **error)
{
	if (error == NULL || *ir_good_names[0] == '\0')
		return FALSE;
	return path != NULL;
}

gboolean
ir_good_load (const char *path, char *passphrase, GError **error)
{
	g_autoptr (GError) error_local = NULL;

	OPENSSL_cleanse (passphrase, strlen (passphrase));
	if (!ir_good_check (path, &error_local)) {
		g_propagate_prefixed_error (error, g_steal_pointer (&error_local), "%s: ", path);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_good_thing_ok (IrGoodThing *thing)
{
	return thing != NULL;
}

/* the file's one job, named as the file itself */
gboolean
ir_good (const char *path)
{
	return ir_good_thing_ok ((IrGoodThing *)path);
}
