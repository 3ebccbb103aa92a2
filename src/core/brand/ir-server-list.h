/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The brand server's nodes as a technician sets them: one URL, or several
 * separated by ';' or ',' ("https://a.brand:8443; https://b.brand:8443"),
 * in --server (repeatable: imeictl joins the options with ';'),
 * $IMEIRESTORE_SERVER, the config file's server= and the app's sign-in
 * page. The brand client tries them in this order (ir-brand-client.h).
 * Pure: no I/O. */

/* Each URL is trimmed of spaces and of trailing '/'; it must be
 * https://HOST[:PORT] with nothing else, and not repeat another. An
 * empty list or entry, or any URL refused, is an IR_ERROR_INVALID_INPUT
 * error naming the entry and what to do. A NULL-terminated array. */
GStrv ir_server_list_parse (const char *text, GError **error);

/* The URLs as one line for messages: "https://a, https://b". */
char *ir_server_list_to_string (const char *const *urls);

G_END_DECLS
