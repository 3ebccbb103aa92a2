/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-brandd-store.h"
#include "ir-merkle.h"

G_BEGIN_DECLS

/* The witness's tables (ir-brandd-schema-2.sql) in the server's database:
 * what it has witnessed of each workstation log. No policy here; the
 * checks are in ir-brandd-witness.c. */

typedef struct {
	char *origin;
	char *centre;
	GBytes *public_key; /* SPKI DER */
	guint64 size;
	guint8 root[IR_MERKLE_HASH_LEN];
	char *checkpoint; /* the workstation's note, as uploaded */
	char *cosigned;	  /* the same with the witness's signature line */
	gint64 registered_at;
	gint64 updated_at;
	/* the tree's right edge (ir-merkle-edge.h, ir-brandd-schema-9.sql);
	 * NULL when not kept yet, for a log witnessed before version 9 */
	GBytes *edge;
} IrBranddWitnessedLog;

void ir_brandd_witness_store_log_free (IrBranddWitnessedLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddWitnessedLog, ir_brandd_witness_store_log_free)

/* *out is NULL when @origin was never witnessed. */
gboolean ir_brandd_witness_store_get (IrBranddStore *store,
				      const char *origin,
				      IrBranddWitnessedLog **out,
				      GError **error);

/* Every witnessed log, by origin. */
GPtrArray *ir_brandd_witness_store_list (IrBranddStore *store, GError **error);

/* Appends the leaf hashes of the witnessed records of @origin, in order:
 * O(n), for proofs and the rare checks below the witnessed size; an upload
 * appends to the stored edge instead. */
gboolean ir_brandd_witness_store_load_tree (IrBranddStore *store,
					    const char *origin,
					    IrMerkleTree *tree,
					    GError **error);

/* The record lines [@start, @end) of @origin. */
GPtrArray *ir_brandd_witness_store_lines (
    IrBranddStore *store, const char *origin, guint64 start, guint64 end, GError **error);

/* The origin a client certificate (@cnf, 32 bytes) uploaded, or NULL. */
gboolean ir_brandd_witness_store_client_origin (IrBranddStore *store,
						const guint8 *cnf,
						char **origin,
						GError **error);

/* The origin and key of the first contact of @cnf (NULL: none). */
gboolean ir_brandd_witness_store_first_contact (
    IrBranddStore *store, const guint8 *cnf, char **origin, GBytes **public_key, GError **error);

/* Records the first contact of @cnf with @origin under @public_key. */
gboolean ir_brandd_witness_store_add_first_contact (IrBranddStore *store,
						    const guint8 *cnf,
						    const char *origin,
						    GBytes *public_key,
						    gint64 now,
						    GError **error);

/* A witnessed INTENT that no issued token accounts for
 * (ir-brandd-schema-10.sql; ir-brandd-witness-intents.c decides). */
typedef struct {
	char *origin;
	char *centre; /* of the log; filled when read back */
	guint64 seq;
	char *token_id;
	const char *reason; /* "unknown_token", "other_device", "other_phase",
			     * "other_policy_version" */
	char *phase;
	gint64 policy_version; /* 0: the INTENT names none */
	gint64 intent_time;
	char *detail;
} IrBranddIntentMismatch;

void ir_brandd_witness_store_mismatch_free (gpointer mismatch);

/* What the server issued as token @cti: found FALSE when nothing. */
typedef struct {
	gboolean found;
	char *imeis; /* JSON array of the IMEIs it was issued to write */
	char *serial;
	char *hardware_id;
	char *phase; /* NULL: issued before any rollout policy */
	gint64 policy_version;
} IrBranddIssuedToken;

void ir_brandd_witness_store_issued_clear (IrBranddIssuedToken *token);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBranddIssuedToken, ir_brandd_witness_store_issued_clear)

gboolean ir_brandd_witness_store_issued (IrBranddStore *store,
					 GBytes *cti,
					 IrBranddIssuedToken *token,
					 GError **error);

/* The mismatches kept, of @phase (NULL: all), by origin and seq, each
 * with its log's centre. */
GPtrArray *
ir_brandd_witness_store_mismatches (IrBranddStore *store, const char *phase, GError **error);

/* In one transaction: creates the row of @log (@create) or moves it from
 * @old_size to log->size (refused with IR_ERROR_BUSY when another upload
 * moved it first), adds the records @lines with their @leaf_hashes (32
 * bytes each, concatenated) from @old_size on, keeps the INTENT
 * @mismatches (IrBranddIntentMismatch) found in them, and remembers @cnf
 * as a client of the log. */
gboolean ir_brandd_witness_store_save (IrBranddStore *store,
				       const IrBranddWitnessedLog *log,
				       gboolean create,
				       guint64 old_size,
				       GPtrArray *lines,
				       const guint8 *leaf_hashes,
				       GPtrArray *mismatches,
				       const guint8 *cnf,
				       GError **error);

G_END_DECLS
