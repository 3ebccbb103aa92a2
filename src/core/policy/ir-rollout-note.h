/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-signed-note.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* What the brand's signed rollout documents share (docs/rollout-policy.md,
 * "Summaries" and "The national block list"): a C2SP signed note by the
 * brand's policy key whose body is a JSON object in the one canonical
 * layout imei-brandd writes. Canonical, because json-glib keeps the last
 * of two members with the same name where another reader may keep the
 * first: a body that is not byte for byte what we would write from what
 * we read (a member repeated, reordered or respaced) is refused, so that
 * every verifier reads the same numbers. Pure: no I/O. */

#define IR_ROLLOUT_NOTE_MAX_LEN (16 * 1024 * 1024)

typedef enum {
	IR_ROLLOUT_NOTE_SUMMARY,
	IR_ROLLOUT_NOTE_BLOCK_LIST,
} IrRolloutNoteKind;

#define IR_ROLLOUT_SUMMARY_FORMAT    "imeirestore-rollout-summary/1"
#define IR_ROLLOUT_BLOCK_LIST_FORMAT "imeirestore-block-list/1"

/* Parses @text as a signed note and its body as JSON; *kind from the
 * body's "format". The signature is not checked here. */
IrSignedNote *ir_rollout_note_parse (
    const char *text, gsize len, IrRolloutNoteKind *kind, JsonNode **body, GError **error);

/* TRUE when a signature line by a policy key pinned in @trust verifies;
 * *key_name says which. IR_ERROR_TAMPERED with what to do otherwise. */
gboolean ir_rollout_note_verify (const IrSignedNote *note,
				 IrTrustStore *trust,
				 const char *what,
				 char **key_name,
				 GError **error);

/* Refuses @body unless it equals @canonical, naming the first line that
 * differs. */
gboolean ir_rollout_note_check_canonical (const char *body,
					  const char *canonical,
					  const char *what,
					  GError **error);

/* Appends @text as a JSON string. */
void ir_rollout_note_append_string (GString *out, const char *text);

/* Strict readers: the member must be there and of the type; errors are
 * IR_ERROR_INVALID_INPUT "WHAT: member: …". */
gboolean ir_rollout_note_check_members (JsonObject *obj,
					const char *what,
					const char *const *known,
					GError **error);
const char *
ir_rollout_note_get_string (JsonObject *obj, const char *what, const char *name, GError **error);
gboolean ir_rollout_note_get_count (
    JsonObject *obj, const char *what, const char *name, guint64 *out, GError **error);
JsonArray *
ir_rollout_note_get_array (JsonObject *obj, const char *what, const char *name, GError **error);
JsonObject *
ir_rollout_note_get_object (JsonObject *obj, const char *what, const char *name, GError **error);
/* A JSON array element that must be an object. */
JsonObject *ir_rollout_note_element (JsonArray *array, guint i, const char *what, GError **error);

/* "YYYY-MM-DD" naming a real date. */
gboolean ir_rollout_note_is_date (const char *text);

G_END_DECLS
