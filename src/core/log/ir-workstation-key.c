/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ir-durable.h"
#include "ir-error.h"
#include "ir-pem.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

static char *
ir_workstation_key_openssl_error (void)
{
	unsigned long code = ERR_get_error ();
	char buf[256];

	if (code == 0)
		return g_strdup ("unknown OpenSSL error");
	ERR_error_string_n (code, buf, sizeof (buf));
	ERR_clear_error ();
	return g_strdup (buf);
}

static gboolean
ir_workstation_key_set_errno_error (GError **error, int errnum, const char *what, const char *path)
{
	g_set_error (error,
		     IR_ERROR,
		     ir_error_from_errno (errnum),
		     "failed to %s %s: %s",
		     what,
		     path,
		     g_strerror (errnum));
	return FALSE;
}

/* Only its owner may read a signing key: a key others can read signs
 * nothing worth believing, so we stop rather than quietly chmod it. */
static gboolean
ir_workstation_key_check_private (int fd, const char *path, GError **error)
{
	struct stat st;

	if (fstat (fd, &st) != 0)
		return ir_workstation_key_set_errno_error (
		    error, errno, "stat the workstation key", path);
	if (!S_ISREG (st.st_mode)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "workstation key %s is not a regular file",
			     path);
		return FALSE;
	}
	if (st.st_uid != geteuid ()) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PERMISSION_DENIED,
			     "workstation key %s belongs to uid %u, not to this user (uid %u): "
			     "use the key of the user that runs imeirestore",
			     path,
			     (guint)st.st_uid,
			     (guint)geteuid ());
		return FALSE;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PERMISSION_DENIED,
			     "workstation key %s has mode %04o, others may read it: it must be "
			     "0600; if anyone else could have copied it, make a new key "
			     "(KEY_ROTATION), else run 'chmod 600 %s'",
			     path,
			     (guint)(st.st_mode & 07777),
			     path);
		return FALSE;
	}
	return TRUE;
}

EVP_PKEY *
ir_workstation_key_load (const char *path, GError **error)
{
	g_autoptr (EVP_PKEY) key = NULL;
	int fd;

	fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ir_workstation_key_set_errno_error (error, errno, "open the workstation key", path);
		return NULL;
	}
	if (!ir_workstation_key_check_private (fd, path, error)) {
		close (fd);
		return NULL;
	}
	close (fd);
	key = ir_pem_load_private_key (path, "workstation key", error);
	if (key == NULL)
		return NULL;
	if (EVP_PKEY_get_id (key) != EVP_PKEY_ED25519) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "workstation key %s is not an Ed25519 key",
			     path);
		return NULL;
	}
	return g_steal_pointer (&key);
}

/* O_EXCL with mode 0600 from the start: the key is never readable by
 * others, not even for a moment. Written to a temporary name, synced,
 * then renamed, so a crash never leaves half a key behind. */
static gboolean
ir_workstation_key_write (const char *path, EVP_PKEY *key, GError **error)
{
	g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
	g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", path, (int)getpid ());
	g_autofree char *dir = NULL;
	g_autoptr (GError) error_local = NULL;
	char *pem = NULL;
	long len;
	int fd;

	if (!PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL)) {
		g_autofree char *why = ir_workstation_key_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to encode the workstation key: %s",
			     why);
		return FALSE;
	}
	len = BIO_get_mem_data (bio, &pem);
	fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ir_workstation_key_set_errno_error (
		    error, errno, "create the workstation key", tmp);
	if (!ir_durable_write_all (fd, pem, (gsize)len) || fsync (fd) != 0) {
		int errnum = errno;

		close (fd);
		g_unlink (tmp);
		return ir_workstation_key_set_errno_error (
		    error, errnum, "write the workstation key", tmp);
	}
	close (fd);
	/* link() rather than rename(): never replaces a key another process
	 * created meanwhile */
	if (link (tmp, path) != 0) {
		int errnum = errno;

		g_unlink (tmp);
		return ir_workstation_key_set_errno_error (
		    error, errnum, "install the workstation key", path);
	}
	g_unlink (tmp);
	dir = g_path_get_dirname (path);
	if (!ir_durable_sync_dir (dir, &error_local)) {
		g_propagate_prefixed_error (error,
					    g_steal_pointer (&error_local),
					    "the workstation key %s may not survive a crash: ",
					    path);
		return FALSE;
	}
	return TRUE;
}

EVP_PKEY *
ir_workstation_key_load_or_create (const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (path);
	g_autoptr (EVP_PKEY) key = NULL;
	g_autoptr (GError) load_error = NULL;
	g_autoptr (GError) write_error = NULL;

	key = ir_workstation_key_load (path, &load_error);
	if (key != NULL)
		return g_steal_pointer (&key);
	if (!g_error_matches (load_error, IR_ERROR, IR_ERROR_NOT_FOUND)) {
		g_propagate_error (error, g_steal_pointer (&load_error));
		return NULL;
	}
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		ir_workstation_key_set_errno_error (error, errno, "create the key directory", dir);
		return NULL;
	}
	key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	if (key == NULL) {
		g_autofree char *why = ir_workstation_key_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to generate the workstation key: %s",
			     why);
		return NULL;
	}
	if (!ir_workstation_key_write (path, key, &write_error)) {
		/* another process won the race: use its key */
		if (g_error_matches (write_error, IR_ERROR, IR_ERROR_FAILED) &&
		    g_file_test (path, G_FILE_TEST_EXISTS))
			return ir_workstation_key_load (path, error);
		g_propagate_error (error, g_steal_pointer (&write_error));
		return NULL;
	}
	return g_steal_pointer (&key);
}

static gboolean
ir_workstation_key_name_part_ok (const char *part)
{
	if (part == NULL || *part == '\0' || !g_utf8_validate (part, -1, NULL))
		return FALSE;
	for (const char *p = part; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);

		if (g_unichar_isspace (c) || c == '+' || c == '/' || g_unichar_iscntrl (c))
			return FALSE;
	}
	return TRUE;
}

char *
ir_workstation_key_name (const char *centre, const char *workstation, GError **error)
{
	if (!ir_workstation_key_name_part_ok (centre) ||
	    !ir_workstation_key_name_part_ok (workstation)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "centre \"%s\" and workstation \"%s\" must be non-empty and have no "
			     "spaces, '+' or '/' (they name the signing key)",
			     centre != NULL ? centre : "",
			     workstation != NULL ? workstation : "");
		return NULL;
	}
	return g_strdup_printf ("imeirestore/%s/%s", centre, workstation);
}

char *
ir_workstation_key_public_pem (EVP_PKEY *key, GError **error)
{
	BIO *bio = BIO_new (BIO_s_mem ());
	char *data = NULL;
	long len;
	char *pem = NULL;

	if (bio != NULL && PEM_write_bio_PUBKEY (bio, key) == 1) {
		len = BIO_get_mem_data (bio, &data);
		pem = g_strndup (data, (gsize)len);
	}
	BIO_free (bio);
	if (pem == NULL) {
		g_autofree char *why = ir_workstation_key_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to encode the workstation public key: %s",
			     why);
	}
	return pem;
}

char *
ir_workstation_key_public_base64 (EVP_PKEY *key, GError **error)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64;

	if (len <= 0) {
		g_autofree char *why = ir_workstation_key_openssl_error ();
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "failed to encode the workstation public key: %s",
			     why);
		return NULL;
	}
	b64 = g_base64_encode (der, (gsize)len);
	OPENSSL_free (der);
	return b64;
}
