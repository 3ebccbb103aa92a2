/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* A path given by the user: a log directory or its .jsonl file. */
typedef struct {
	char *records;	   /* DIR/migration-log.jsonl */
	char *checkpoints; /* DIR/migration-log.checkpoints */
	char *cosigned;	   /* DIR/migration-log.cosigned: the witness's last cosignature */
} IrAuditPaths;

void ir_audit_paths_free (IrAuditPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditPaths, ir_audit_paths_free)

/* IR_ERROR_INVALID_INPUT when @path is neither a log directory nor a
 * record file. */
IrAuditPaths *ir_audit_paths_resolve (const char *path, GError **error);

/* Loads a PEM public key (SubjectPublicKeyInfo) for --key and
 * --witness-key; IR_ERROR_INVALID_INPUT naming @what on failure. */
EVP_PKEY *ir_audit_paths_load_public_key (const char *path, const char *what, GError **error);

G_END_DECLS
