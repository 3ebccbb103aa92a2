/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ir-durable.h"
#include "ir-error.h"
#include "ir-token-seen.h"

#define CTI_MAX_LEN 64

struct _IrTokenSeen {
	char *path;
};

/* The file, opened and exclusively locked for one operation. */
typedef struct {
	int fd;
	GByteArray *contents;
} Locked;

static void
ir_token_seen_locked_close (Locked *lk)
{
	if (lk->fd >= 0)
		close (lk->fd); /* releases the flock */
	if (lk->contents != NULL)
		g_byte_array_unref (lk->contents);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Locked, ir_token_seen_locked_close)

static gboolean
ir_token_seen_fail_errno (const char *what, const char *path, GError **error)
{
	int errnum = errno;
	g_set_error (error,
		     IR_ERROR,
		     ir_error_from_errno (errnum),
		     "failed to %s the used-token store %s: %s",
		     what,
		     path,
		     g_strerror (errnum));
	return FALSE;
}

static gboolean
ir_token_seen_locked_open (Locked *lk, const char *path, GError **error)
{
	guint8 buf[4096];

	lk->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk->fd < 0)
		return ir_token_seen_fail_errno ("open", path, error);
	while (flock (lk->fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return ir_token_seen_fail_errno ("lock", path, error);
	}
	lk->contents = g_byte_array_new ();
	for (;;) {
		ssize_t n = read (lk->fd, buf, sizeof (buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ir_token_seen_fail_errno ("read", path, error);
		if (n == 0)
			break;
		g_byte_array_append (lk->contents, buf, (guint)n);
	}
	return TRUE;
}

static gboolean
ir_token_seen_corrupt (const char *path, guint line, const char *why, GError **error)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_FAILED,
		     "the used-token store %s is damaged at line %u (%s); no token can be "
		     "accepted until it is repaired. Tokens expire within 15 minutes: move the "
		     "file aside and wait 15 minutes, and no earlier token can be replayed",
		     path,
		     line,
		     why);
	return FALSE;
}

static gboolean
ir_token_seen_parse_line (const char *line, gsize len, char **cti_hex)
{
	const char *sp = memchr (line, ' ', len);
	gsize hex_len = sp != NULL ? (gsize)(sp - line) : 0;

	if (sp == NULL || hex_len == 0 || hex_len % 2 != 0 || hex_len > CTI_MAX_LEN * 2)
		return FALSE;
	for (gsize i = 0; i < hex_len; i++) {
		if (!g_ascii_isxdigit (line[i]) || g_ascii_isupper (line[i]))
			return FALSE;
	}
	if (sp + 1 == line + len)
		return FALSE;
	for (const char *p = sp + 1; p < line + len; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	*cti_hex = g_strndup (line, hex_len);
	return TRUE;
}

/* Checks one line: returns what is wrong with it, or NULL; a record line
 * adds its cti to @set. */
static const char *
ir_token_seen_check_line (const char *line, gsize len, guint line_no, GHashTable *set)
{
	g_autofree char *hex = NULL;

	if (line_no == 1) {
		if (len != strlen (IR_TOKEN_SEEN_MAGIC) ||
		    memcmp (line, IR_TOKEN_SEEN_MAGIC, len) != 0)
			return "not a used-token store header";
		return NULL;
	}
	if (!ir_token_seen_parse_line (line, len, &hex))
		return "not 'HEX-CTI EXP'";
	if (!g_hash_table_add (set, g_steal_pointer (&hex)))
		return "a token id recorded twice";
	return NULL;
}

/* Parses the whole file into a set of hex ctis. *@valid_len is where a torn
 * last line starts (the file length when there is none). */
static GHashTable *
ir_token_seen_parse_store (const char *path, GByteArray *contents, gsize *valid_len, GError **error)
{
	g_autoptr (GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	const char *data = (const char *)contents->data;
	gsize len = contents->len;
	gsize pos = 0;
	guint line_no = 0;

	*valid_len = len;
	while (pos < len) {
		const char *nl = memchr (data + pos, '\n', len - pos);
		const char *why;

		if (nl == NULL) {
			*valid_len = pos; /* torn append */
			break;
		}
		why = ir_token_seen_check_line (
		    data + pos, (gsize)(nl - (data + pos)), ++line_no, set);
		if (why != NULL) {
			ir_token_seen_corrupt (path, line_no, why, error);
			return NULL;
		}
		pos = (gsize)(nl - data) + 1;
	}
	return g_steal_pointer (&set);
}

/* Writes the header into an empty file or cuts a torn tail, under the lock. */
static gboolean
ir_token_seen_repair_tail (Locked *lk, const char *path, gsize valid_len)
{
	if (valid_len == 0) {
		const char *hdr = IR_TOKEN_SEEN_MAGIC "\n";
		if (ftruncate (lk->fd, 0) < 0 || lseek (lk->fd, 0, SEEK_SET) < 0 ||
		    !ir_durable_write_all (lk->fd, hdr, strlen (hdr)))
			return FALSE;
		g_byte_array_set_size (lk->contents, 0);
		g_byte_array_append (lk->contents, (const guint8 *)hdr, (guint)strlen (hdr));
	} else if (valid_len != lk->contents->len) {
		if (ftruncate (lk->fd, (off_t)valid_len) < 0)
			return FALSE;
		g_byte_array_set_size (lk->contents, (guint)valid_len);
	} else {
		return TRUE;
	}
	return fsync (lk->fd) == 0;
}

static GHashTable *
ir_token_seen_load_locked (Locked *lk, const char *path, gboolean repair, GError **error)
{
	gsize valid_len = 0;
	g_autoptr (GHashTable) set = NULL;

	if (!ir_token_seen_locked_open (lk, path, error))
		return NULL;
	set = ir_token_seen_parse_store (path, lk->contents, &valid_len, error);
	if (set == NULL)
		return NULL;
	if (repair && !ir_token_seen_repair_tail (lk, path, valid_len)) {
		ir_token_seen_fail_errno ("repair", path, error);
		return NULL;
	}
	return g_steal_pointer (&set);
}

IrTokenSeen *
ir_token_seen_open (const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (path);
	g_autoptr (IrTokenSeen) self = g_new0 (IrTokenSeen, 1);
	g_auto (Locked) lk = {.fd = -1};
	g_autoptr (GHashTable) set = NULL;

	self->path = g_strdup (path);
	if (g_mkdir_with_parents (dir, 0700) < 0) {
		ir_token_seen_fail_errno ("create the folder of", path, error);
		return NULL;
	}
	set = ir_token_seen_load_locked (&lk, path, TRUE, error);
	if (set == NULL)
		return NULL;
	return g_steal_pointer (&self);
}

void
ir_token_seen_free (IrTokenSeen *self)
{
	g_free (self->path);
	g_free (self);
}

const char *
ir_token_seen_get_path (const IrTokenSeen *self)
{
	return self->path;
}

static gboolean
ir_token_seen_check_cti (const guint8 *cti, gsize cti_len, GError **error)
{
	if (cti == NULL || cti_len == 0 || cti_len > CTI_MAX_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "a token id (cti) is 1 to %d bytes, not %" G_GSIZE_FORMAT,
			     CTI_MAX_LEN,
			     cti_len);
		return FALSE;
	}
	return TRUE;
}

static char *
ir_token_seen_cti_to_hex (const guint8 *cti, gsize cti_len)
{
	GString *str = g_string_sized_new (cti_len * 2);
	for (gsize i = 0; i < cti_len; i++)
		g_string_append_printf (str, "%02x", cti[i]);
	return g_string_free (str, FALSE);
}

gboolean
ir_token_seen_contains (
    IrTokenSeen *self, const guint8 *cti, gsize cti_len, gboolean *seen, GError **error)
{
	g_auto (Locked) lk = {.fd = -1};
	g_autoptr (GHashTable) set = NULL;
	g_autofree char *hex = NULL;

	if (!ir_token_seen_check_cti (cti, cti_len, error))
		return FALSE;
	set = ir_token_seen_load_locked (&lk, self->path, FALSE, error);
	if (set == NULL)
		return FALSE;
	hex = ir_token_seen_cti_to_hex (cti, cti_len);
	*seen = g_hash_table_contains (set, hex);
	return TRUE;
}

gboolean
ir_token_seen_add (IrTokenSeen *self,
		   const guint8 *cti,
		   gsize cti_len,
		   gint64 exp,
		   gboolean *replayed,
		   GError **error)
{
	g_auto (Locked) lk = {.fd = -1};
	g_autoptr (GHashTable) set = NULL;
	g_autofree char *hex = NULL;
	g_autofree char *line = NULL;

	*replayed = FALSE;
	if (!ir_token_seen_check_cti (cti, cti_len, error))
		return FALSE;
	set = ir_token_seen_load_locked (&lk, self->path, TRUE, error);
	if (set == NULL)
		return FALSE;
	hex = ir_token_seen_cti_to_hex (cti, cti_len);
	if (g_hash_table_contains (set, hex)) {
		*replayed = TRUE;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "restore token %s was already used on this workstation (%s); "
			     "request a new token",
			     hex,
			     self->path);
		return FALSE;
	}
	line = g_strdup_printf ("%s %" G_GINT64_FORMAT "\n", hex, MAX (exp, 0));
	if (lseek (lk.fd, 0, SEEK_END) < 0 || !ir_durable_write_all (lk.fd, line, strlen (line)) ||
	    fsync (lk.fd) < 0)
		return ir_token_seen_fail_errno ("append to", self->path, error);
	return TRUE;
}
