/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ir-durable.h"
#include "ir-error.h"
#include "ir-token-seen.h"

#define CTI_MAX_LEN 64

/* The ctis of the lines read so far stay in memory: each operation reads
 * only what was appended since (by this process or another), where it
 * used to read and parse the whole store, which only grows (a line per
 * token ever accepted here), on every restore. The store is read again
 * from the start when it is another file (moved aside and made anew, as
 * the damage message tells people to) or shorter than what was read. */
struct _IrTokenSeen {
	char *path;
	GMutex lock;	 /* the fields below; threads of one engine share them */
	GHashTable *set; /* hex ctis of the lines read; NULL: nothing read yet */
	gsize read_len;	 /* bytes of those lines, from the start of the file */
	guint read_lines;
	dev_t dev; /* the file those bytes came from */
	ino_t ino;
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

/* Nothing read: the next operation reads the store from its start. */
static void
ir_token_seen_forget (IrTokenSeen *self)
{
	g_clear_pointer (&self->set, g_hash_table_unref);
	self->read_len = 0;
	self->read_lines = 0;
}

/* Opens and locks the store; the bytes past what @self has read (all of
 * them when it is another file or shorter) go to lk->contents. */
static gboolean
ir_token_seen_locked_open (IrTokenSeen *self, Locked *lk, GError **error)
{
	const char *path = self->path;
	guint8 buf[4096];
	struct stat st;

	lk->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk->fd < 0)
		return ir_token_seen_fail_errno ("open", path, error);
	while (flock (lk->fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return ir_token_seen_fail_errno ("lock", path, error);
	}
	if (fstat (lk->fd, &st) < 0)
		return ir_token_seen_fail_errno ("read", path, error);
	if (self->set == NULL || st.st_dev != self->dev || st.st_ino != self->ino ||
	    (gsize)st.st_size < self->read_len)
		ir_token_seen_forget (self);
	if (self->set == NULL) {
		self->set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		self->dev = st.st_dev;
		self->ino = st.st_ino;
	}
	if (lseek (lk->fd, (off_t)self->read_len, SEEK_SET) < 0)
		return ir_token_seen_fail_errno ("read", path, error);
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

/* Parses the lines of lk->contents (what follows the lines already read)
 * into self->set. *@valid_len is where a torn last line starts in
 * lk->contents (its length when there is none). */
static gboolean
ir_token_seen_parse_store (
    IrTokenSeen *self, GByteArray *contents, gsize *valid_len, guint *n_lines, GError **error)
{
	const char *data = (const char *)contents->data;
	gsize len = contents->len;
	gsize pos = 0;
	guint line_no = self->read_lines;

	*valid_len = len;
	while (pos < len) {
		const char *nl = memchr (data + pos, '\n', len - pos);
		const char *why;

		if (nl == NULL) {
			*valid_len = pos; /* torn append */
			break;
		}
		why = ir_token_seen_check_line (
		    data + pos, (gsize)(nl - (data + pos)), ++line_no, self->set);
		if (why != NULL)
			return ir_token_seen_corrupt (self->path, line_no, why, error);
		pos = (gsize)(nl - data) + 1;
	}
	*n_lines = line_no - self->read_lines;
	return TRUE;
}

/* Writes the header into an empty file or cuts a torn tail (at @end, from
 * the start of the file), under the lock; *@header: the header was
 * written. */
static gboolean
ir_token_seen_repair_tail (Locked *lk, gsize end, gboolean *header)
{
	struct stat st;

	*header = FALSE;
	if (end == 0) {
		const char *hdr = IR_TOKEN_SEEN_MAGIC "\n";
		if (ftruncate (lk->fd, 0) < 0 || lseek (lk->fd, 0, SEEK_SET) < 0 ||
		    !ir_durable_write_all (lk->fd, hdr, strlen (hdr)))
			return FALSE;
		*header = TRUE;
	} else if (fstat (lk->fd, &st) < 0) {
		return FALSE;
	} else if ((gsize)st.st_size != end) {
		if (ftruncate (lk->fd, (off_t)end) < 0)
			return FALSE;
	} else {
		return TRUE;
	}
	return fsync (lk->fd) == 0;
}

/* Opens and locks the store, and reads into self->set what was appended
 * since the last operation (@repair: a torn tail is cut, an empty file
 * gets its header). Under self->lock. */
static gboolean
ir_token_seen_load_locked (IrTokenSeen *self, Locked *lk, gboolean repair, GError **error)
{
	gsize valid_len = 0;
	guint n_lines = 0;
	gboolean header = FALSE;

	if (!ir_token_seen_locked_open (self, lk, error))
		return FALSE;
	if (!ir_token_seen_parse_store (self, lk->contents, &valid_len, &n_lines, error)) {
		/* read it all again next time: refused until repaired */
		ir_token_seen_forget (self);
		return FALSE;
	}
	if (repair && !ir_token_seen_repair_tail (lk, self->read_len + valid_len, &header)) {
		ir_token_seen_fail_errno ("repair", self->path, error);
		ir_token_seen_forget (self);
		return FALSE;
	}
	self->read_len += valid_len;
	self->read_lines += n_lines;
	if (header) {
		self->read_len = strlen (IR_TOKEN_SEEN_MAGIC "\n");
		self->read_lines = 1;
	}
	return TRUE;
}

IrTokenSeen *
ir_token_seen_open (const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (path);
	g_autoptr (IrTokenSeen) self = g_new0 (IrTokenSeen, 1);
	g_auto (Locked) lk = {.fd = -1};

	self->path = g_strdup (path);
	g_mutex_init (&self->lock);
	if (g_mkdir_with_parents (dir, 0700) < 0) {
		ir_token_seen_fail_errno ("create the folder of", path, error);
		return NULL;
	}
	if (!ir_token_seen_load_locked (self, &lk, TRUE, error))
		return NULL;
	return g_steal_pointer (&self);
}

void
ir_token_seen_free (IrTokenSeen *self)
{
	g_free (self->path);
	ir_token_seen_forget (self);
	g_mutex_clear (&self->lock);
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
	g_autoptr (GMutexLocker) locker = NULL;
	g_auto (Locked) lk = {.fd = -1};
	g_autofree char *hex = NULL;

	if (!ir_token_seen_check_cti (cti, cti_len, error))
		return FALSE;
	locker = g_mutex_locker_new (&self->lock);
	if (!ir_token_seen_load_locked (self, &lk, FALSE, error))
		return FALSE;
	hex = ir_token_seen_cti_to_hex (cti, cti_len);
	*seen = g_hash_table_contains (self->set, hex);
	return TRUE;
}

struct _IrTokenSeenSync {
	int fd; /* the store, unlocked: its flock is the OFD's, released */
	char *path;
};

gboolean
ir_token_seen_add_unsynced (IrTokenSeen *self,
			    const guint8 *cti,
			    gsize cti_len,
			    gint64 exp,
			    gboolean *replayed,
			    IrTokenSeenSync **sync,
			    GError **error)
{
	g_autoptr (GMutexLocker) locker = NULL;
	g_auto (Locked) lk = {.fd = -1};
	g_autofree char *hex = NULL;
	g_autofree char *line = NULL;
	IrTokenSeenSync *pending;

	*replayed = FALSE;
	*sync = NULL;
	if (!ir_token_seen_check_cti (cti, cti_len, error))
		return FALSE;
	locker = g_mutex_locker_new (&self->lock);
	if (!ir_token_seen_load_locked (self, &lk, TRUE, error))
		return FALSE;
	hex = ir_token_seen_cti_to_hex (cti, cti_len);
	if (g_hash_table_contains (self->set, hex)) {
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
	if (lseek (lk.fd, 0, SEEK_END) < 0 || !ir_durable_write_all (lk.fd, line, strlen (line)))
		return ir_token_seen_fail_errno ("append to", self->path, error);
	/* every other adder (thread or process) sees the line from the page
	 * cache once the lock is gone, and refuses the cti; only a crash can
	 * lose it, and until the sync is finished the token is not used. The
	 * descriptor that wrote is the one synced: a descriptor opened later
	 * would not be told of a write-back error from before its open. */
	pending = g_new0 (IrTokenSeenSync, 1);
	pending->fd = lk.fd;
	pending->path = g_strdup (self->path);
	lk.fd = -1;
	(void)flock (pending->fd, LOCK_UN);
	*sync = pending;
	return TRUE;
}

gboolean
ir_token_seen_sync_finish (IrTokenSeenSync *sync, GError **error)
{
	gboolean ok = TRUE;

	g_return_val_if_fail (sync != NULL, FALSE);
	if (fsync (sync->fd) < 0)
		ok = ir_token_seen_fail_errno ("append to", sync->path, error);
	ir_token_seen_sync_free (sync);
	return ok;
}

void
ir_token_seen_sync_free (IrTokenSeenSync *sync)
{
	if (sync == NULL)
		return;
	close (sync->fd);
	g_free (sync->path);
	g_free (sync);
}

gboolean
ir_token_seen_add (IrTokenSeen *self,
		   const guint8 *cti,
		   gsize cti_len,
		   gint64 exp,
		   gboolean *replayed,
		   GError **error)
{
	IrTokenSeenSync *sync = NULL;

	if (!ir_token_seen_add_unsynced (self, cti, cti_len, exp, replayed, &sync, error))
		return FALSE;
	return ir_token_seen_sync_finish (sync, error);
}
