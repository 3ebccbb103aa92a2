/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: rewrites the caller's error in place. */
#include <glib.h>

gboolean
ir_bad_deref_load (GError **error)
{
	g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such file");
	(*error)->code = 2;
	return FALSE;
}
