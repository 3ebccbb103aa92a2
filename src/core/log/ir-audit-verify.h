/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>

#include "ir-audit-paths.h"
#include "ir-merkle.h"

G_BEGIN_DECLS

/* Verifying a migration log from its bytes (docs/migration-log.md): every
 * record, every checkpoint's signature, root and size, the consistency
 * between consecutive checkpoints and, when given, a witness cosignature.
 * The record file is streamed once (memory: the Merkle tree's 32 bytes a
 * record, not the records). */

typedef struct {
	/* the workstation key the brand registered; NULL: only keys found in
	 * the log itself (KEY_ROTATION), which prove consistency only */
	EVP_PKEY *key;
	/* a witness-cosigned checkpoint (note text) and the witness key */
	EVP_PKEY *witness_key;
	const char *cosigned_note;
	/* a record may be this many seconds older than the one before it
	 * (clock adjustments) before a warning; 0 means the default, 300 */
	guint max_skew;
	/* check every checkpoint's signature, not only those that matter
	 * (docs/migration-log.md, "What audit verify checks") */
	gboolean all_signatures;
} IrAuditVerifyOptions;

typedef enum {
	IR_AUDIT_TRUST_NONE,	 /* no signature could be checked: no key */
	IR_AUDIT_TRUST_LOG_ONLY, /* only with keys the log itself announced */
	IR_AUDIT_TRUST_GIVEN,	 /* from the key the caller trusts (--key) */
} IrAuditTrust;

typedef struct {
	guint64 n_records;
	guint64 n_checkpoints;
	guint64 n_signatures_checked;
	guint64 signed_size; /* size of the last checkpoint */
	guint64 n_intents;
	guint64 n_results;
	guint64 n_open_intents; /* INTENT without a final RESULT */
	guint8 root[IR_MERKLE_HASH_LEN];
	char *origin;	     /* the checkpoints' origin, NULL when none */
	char *key_names;     /* the keys that signed, "a, b" */
	char *announced_key; /* the last START's public_key (base64 SPKI DER), NULL if none */
	IrAuditTrust trust;
	gboolean witnessed;
	guint64 witnessed_size;
	GPtrArray *warnings; /* char *: not tampering, but worth a look */
	/* the first thing that does not verify, NULL when all is well;
	 * IR_ERROR_TAMPERED, its message names the line, seq and what */
	GError *error;
	guint64 bad_line;	/* 1-based line of the record file; 0: not a record */
	guint64 bad_checkpoint; /* 1-based note number in the checkpoint file; 0: none */
} IrAuditReport;

void ir_audit_verify_report_free (IrAuditReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditReport, ir_audit_verify_report_free)

/* Verifies the log at @paths. NULL with @error for what is not the log's
 * fault: a missing or unreadable file, a file that is not a migration log
 * at all (IR_ERROR_INVALID_INPUT, IR_ERROR_IO), a cancel. Tampering is in
 * the report (report->error), never in @error. */
IrAuditReport *ir_audit_verify (const IrAuditPaths *paths,
				const IrAuditVerifyOptions *options,
				GCancellable *cancellable,
				GError **error);

/* What the caveat about key trust says, one sentence per @trust. */
const char *ir_audit_verify_trust_to_string (IrAuditTrust trust);

G_END_DECLS
