/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <openssl/evp.h>

#include "ir-brand-client.h"
#include "ir-migration-log.h"

G_BEGIN_DECLS

/* The workstation's side of witnessing (docs/brand-api.md, POST
 * /v1/witness): upload the log's records the server has not witnessed yet,
 * with the latest checkpoint and a consistency proof from the last size
 * the server accepted, and keep the server's cosigned checkpoint beside
 * the log. State, in the log's folder:
 *
 *   DIR/migration-log.witnessed  the size the server last accepted (text)
 *   DIR/migration-log.cosigned   the checkpoint note it cosigned
 *
 * Both are only hints for the next upload: the server's own record wins
 * (witness_size_mismatch says where to resend from). */

#define IR_WITNESS_SIZE_FILE	 "migration-log.witnessed"
#define IR_WITNESS_COSIGNED_FILE "migration-log.cosigned"
/* An upload carries at most about this much record text (the server's
 * default max-body-size is 16 KiB); a longer backlog goes in several,
 * each with the log's own checkpoint at its end. */
#define IR_WITNESS_BATCH_BYTES 8192

/* The POST /v1/witness body for records [@old_size, size of @log). @key
 * is the workstation key (its public half is sent). */
char *ir_witness_client_upload_body (IrMigrationLog *log,
				     EVP_PKEY *key,
				     guint64 old_size,
				     GError **error);

/* The last size the server accepted (0 when the file is absent). */
gboolean ir_witness_client_load_size (const char *dir, guint64 *size, GError **error);

/* Uploads what the server lacks, in batches; on witness_size_mismatch
 * resends from the server's size. After each batch stores the size and
 * the cosigned note in @dir (the log's folder, which also holds its
 * checkpoints); returns the size in @witnessed (may be NULL). */
gboolean ir_witness_client_upload (IrBrandClient *client,
				   IrMigrationLog *log,
				   EVP_PKEY *key,
				   const char *dir,
				   guint64 *witnessed,
				   IrBrandStatus *status,
				   GCancellable *cancellable,
				   GError **error);

/* Fills the log members of @req (log_checkpoint, witnessed_size,
 * log_consistency) from @log and the size the server last witnessed;
 * *note holds the checkpoint (free it) and *proof the consistency proof
 * (unref it) after the request. */
gboolean ir_witness_client_fill_token_request (IrBrandTokenRequest *req,
					       IrMigrationLog *log,
					       guint64 witnessed_size,
					       char **note,
					       GBytes **proof,
					       GError **error);

G_END_DECLS
