/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/pem.h>

#include "ir-audit-paths.h"
#include "ir-error.h"
#include "ir-migration-log.h"

/* What the auditor names on the command line: a log directory or its
 * record file (and the checkpoint file beside it), and the public keys
 * given with --key and --witness-key. */

#define IR_AUDIT_PATHS_RECORDS_FILE	"migration-log.jsonl"
#define IR_AUDIT_PATHS_CHECKPOINTS_FILE "migration-log.checkpoints"

void
ir_audit_paths_free (IrAuditPaths *paths)
{
	if (paths == NULL)
		return;
	g_free (paths->records);
	g_free (paths->checkpoints);
	g_free (paths->cosigned);
	g_free (paths);
}

IrAuditPaths *
ir_audit_paths_resolve (const char *path, GError **error)
{
	g_autoptr (IrAuditPaths) paths = g_new0 (IrAuditPaths, 1);

	if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
		paths->records = g_build_filename (path, IR_AUDIT_PATHS_RECORDS_FILE, NULL);
		paths->checkpoints = g_build_filename (path, IR_AUDIT_PATHS_CHECKPOINTS_FILE, NULL);
		paths->cosigned = g_build_filename (path, IR_MIGRATION_LOG_COSIGNED_FILE, NULL);
		if (!g_file_test (paths->records, G_FILE_TEST_IS_REGULAR)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s is not a migration log directory: it has no %s; give the "
				     "directory that holds the log or the .jsonl file itself",
				     path,
				     IR_AUDIT_PATHS_RECORDS_FILE);
			return NULL;
		}
		return g_steal_pointer (&paths);
	}
	if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the log %s does not exist: give a migration log directory or its "
			     "%s file",
			     path,
			     IR_AUDIT_PATHS_RECORDS_FILE);
		return NULL;
	}
	if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s is not a regular file: give a migration log directory or its %s "
			     "file",
			     path,
			     IR_AUDIT_PATHS_RECORDS_FILE);
		return NULL;
	}
	paths->records = g_strdup (path);
	if (g_str_has_suffix (path, ".jsonl"))
		paths->checkpoints = g_strdup_printf (
		    "%.*s.checkpoints", (int)(strlen (path) - strlen (".jsonl")), path);
	else
		paths->checkpoints = g_strdup_printf ("%s.checkpoints", path);
	if (g_str_has_suffix (path, ".jsonl"))
		paths->cosigned = g_strdup_printf (
		    "%.*s.cosigned", (int)(strlen (path) - strlen (".jsonl")), path);
	return g_steal_pointer (&paths);
}

EVP_PKEY *
ir_audit_paths_load_public_key (const char *path, const char *what, GError **error)
{
	g_autofree char *pem = NULL;
	gsize len = 0;
	g_autoptr (GError) error_local = NULL;
	BIO *bio;
	EVP_PKEY *key;

	if (!g_file_get_contents (path, &pem, &len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: cannot read the public key %s: %s",
			     what,
			     path,
			     error_local->message);
		return NULL;
	}
	bio = BIO_new_mem_buf (pem, (int)MIN (len, (gsize)G_MAXINT));
	key = bio != NULL ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
	BIO_free (bio);
	if (key == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: %s is not a PEM public key (-----BEGIN PUBLIC KEY-----); export "
			     "it with `openssl pkey -pubout`",
			     what,
			     path);
		return NULL;
	}
	return key;
}
