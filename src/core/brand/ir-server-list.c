/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-server-list.h"

static gboolean
ir_server_list_bad (GError **error, guint n, const char *entry, const char *why)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "brand server %u ('%s') %s; give each server as https://HOST:PORT, "
		     "several separated by ';' or ','",
		     n,
		     entry,
		     why);
	return FALSE;
}

/* https://HOST[:PORT], HOST a name, an IPv4 address or [IPv6]: the API's
 * paths are added to it, so a path, query or user part would be lost or
 * misread. */
static gboolean
ir_server_list_check (const char *url, guint n, GError **error)
{
	const char *host = url + strlen ("https://");

	if (!g_str_has_prefix (url, "https://"))
		return ir_server_list_bad (error,
					   n,
					   url,
					   g_str_has_prefix (url, "http://")
					       ? "is plain http: the brand API is HTTPS only"
					       : "does not start with https://");
	if (*host == '\0')
		return ir_server_list_bad (error, n, url, "names no host");
	for (const char *p = host; *p != '\0'; p++) {
		if (g_ascii_isalnum (*p) || strchr (".-:[]_", *p) != NULL)
			continue;
		if (*p == '/')
			return ir_server_list_bad (error, n, url, "has a path: give no path");
		return ir_server_list_bad (
		    error, n, url, "has a character no host name or port has");
	}
	return TRUE;
}

GStrv
ir_server_list_parse (const char *text, GError **error)
{
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
	g_auto (GStrv) entries = NULL;

	g_autofree char *all = g_strstrip (g_strdup (text != NULL ? text : ""));

	if (*all == '\0') {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "no brand server: give --server https://HOST:PORT (several "
				     "separated by ';' or ',', or --server again)");
		return NULL;
	}
	entries = g_strsplit_set (all, ";,", -1);
	for (guint i = 0; entries[i] != NULL; i++) {
		char *url = g_strstrip (entries[i]);
		gsize len = strlen (url);

		/* trailing slashes, but never the scheme's */
		while (len > strlen ("https://") && url[len - 1] == '/')
			url[--len] = '\0';
		if (len == 0) {
			ir_server_list_bad (error, i + 1, "", "is empty");
			return NULL;
		}
		if (!ir_server_list_check (url, i + 1, error))
			return NULL;
		for (guint k = 0; k < seen->len; k++) {
			/* the scheme and host part are compared without case */
			if (g_ascii_strcasecmp (g_ptr_array_index (seen, k), url) == 0) {
				g_autofree char *why =
				    g_strdup_printf ("repeats server %u: give each once", k + 1);
				ir_server_list_bad (error, i + 1, url, why);
				return NULL;
			}
		}
		g_ptr_array_add (seen, g_strdup (url));
		g_strv_builder_add (builder, url);
	}
	return g_strv_builder_end (builder);
}

char *
ir_server_list_to_string (const char *const *urls)
{
	return g_strjoinv (", ", (char **)urls);
}
