/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* What the audit tests share: a migration log written by the real writer
 * (ir_migration_log_open/append) with a freshly generated Ed25519 key,
 * and small helpers to tamper with its files. */

#define IR_TEST_AUDIT_ORIGIN "imeirestore/centre-delhi/ws-1"
#define IR_TEST_AUDIT_N	     8 /* records in the standard log */

/* The standard log, in log order (seq = index):
 *   0 START
 *   1 INTENT i1 tech-anita centre-delhi  phase-1  0..0,0..0 -> 490154203237518,260531793113837
 *   2 RESULT i1 success
 *   3 INTENT i2 tech-bala  centre-delhi  phase-1  356938035643809 -> 352099001761481
 *   4 RESULT i2 failed, reason with a comma and quotes
 *   5 INTENT i3 tech-anita centre-mumbai phase-2  000000000000000 -> 353456789012348
 *   6 RESULT i3 success
 *   7 INTENT i4 tech-bala  centre-mumbai phase-2  000000000000000 -> 867230030123454 (open) */
gboolean test_audit_common_write_log (const char *dir, EVP_PKEY *key, GError **error);

EVP_PKEY *test_audit_common_keygen (void);
/* Writes @key's public half as PEM to @path. */
gboolean test_audit_common_write_public_key (EVP_PKEY *key, const char *path, GError **error);

/* The record lines of the log in @dir (without newlines). */
GPtrArray *test_audit_common_read_lines (const char *dir);
/* Rewrites the record file of @dir from @lines (each followed by "\n"). */
void test_audit_common_write_lines (const char *dir, GPtrArray *lines);
/* Replaces the checkpoint file of @dir by checkpoints for each size 1..n
 * of the current record file, signed by @key under @key_name. */
void test_audit_common_resign (const char *dir, EVP_PKEY *key, const char *key_name);
/* The last note of the checkpoint file of @dir. */
char *test_audit_common_last_note (const char *dir);

G_END_DECLS
