/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The workstation's record of every restore token id (cti) it has accepted,
 * so that a token is used once only, even across restarts and by several
 * imeictl processes at once.
 *
 * File format (UTF-8 text, append-only):
 *   line 1:  "imeirestore-token-seen 1"
 *   then one line per accepted token: the cti in lowercase hex, a space, and
 *   the token's exp as decimal Unix seconds.
 * Each add takes an exclusive flock(2) on the file, reads what was appended
 * since its last look (the whole file again when it was replaced or
 * shortened), appends the line and fsync()s before returning, so a token is
 * never accepted twice and an accepted token is on disk before it is used.
 *
 * A last line without its newline is an append torn by a crash: that cti
 * was never reported as accepted, so the tail is cut off. Anything else
 * that does not parse is corruption: an error names the file and line and
 * nothing is accepted until a person looks at it. */

#define IR_TOKEN_SEEN_MAGIC "imeirestore-token-seen 1"

typedef struct _IrTokenSeen IrTokenSeen;

/* Opens (creating it and its folder when missing) and checks the store. */
IrTokenSeen *ir_token_seen_open (const char *path, GError **error);
void ir_token_seen_free (IrTokenSeen *self);

const char *ir_token_seen_get_path (const IrTokenSeen *self);

/* Sets *@seen to whether @cti is recorded. */
gboolean ir_token_seen_contains (
    IrTokenSeen *self, const guint8 *cti, gsize cti_len, gboolean *seen, GError **error);

/* Records @cti durably unless it is already there. Returns FALSE with
 * *@replayed set to TRUE when it was seen before, and FALSE with *@replayed
 * FALSE when the store could not be read or written. */
gboolean ir_token_seen_add (IrTokenSeen *self,
			    const guint8 *cti,
			    gsize cti_len,
			    gint64 exp,
			    gboolean *replayed,
			    GError **error);

/* ir_token_seen_add() in two halves, so that the sync can run beside other
 * work (the restore flow's INTENT append): the line is appended under the
 * lock, which is then released, so every other adder refuses @cti at
 * once; *@sync is the pending fsync. Until ir_token_seen_sync_finish()
 * returned TRUE the token must not be used. */
typedef struct _IrTokenSeenSync IrTokenSeenSync;
gboolean ir_token_seen_add_unsynced (IrTokenSeen *self,
				     const guint8 *cti,
				     gsize cti_len,
				     gint64 exp,
				     gboolean *replayed,
				     IrTokenSeenSync **sync,
				     GError **error);
/* fsync()s the store through the descriptor that appended, and frees
 * @sync: FALSE with the error ir_token_seen_add() would have given. */
gboolean ir_token_seen_sync_finish (IrTokenSeenSync *sync, GError **error);
/* Drops a sync never finished (the token was not used). */
void ir_token_seen_sync_free (IrTokenSeenSync *sync);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTokenSeen, ir_token_seen_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTokenSeenSync, ir_token_seen_sync_free)

G_END_DECLS
