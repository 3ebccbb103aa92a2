/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* The brand's rollout policy (docs/rollout-policy.md): a JSON document
 * signed as a C2SP signed note with the brand's Ed25519 policy key. It
 * names a version that never goes back, when it was issued and when it
 * expires, the time zone of its days (Asia/Kolkata unless it says
 * otherwise), the circle of each service centre, the national block cap,
 * and the phases: id, title, state, a window of local dates, who is
 * eligible (TAC prefixes, models, circles) and two daily caps.
 *
 * Parsing is pure (no I/O but the system's time zone database) and
 * strict: an unknown member, a wrong type, a bad date or zone, a duplicate
 * phase id are errors that name the member; a policy that could widen who
 * is eligible by a typo must not load. */

#define IR_POLICY_FORMAT	    "imeirestore-rollout-policy/1"
#define IR_POLICY_DEFAULT_TIME_ZONE "Asia/Kolkata"
#define IR_POLICY_DEFAULT_BLOCK_CAP 500
#define IR_POLICY_MAX_LEN	    (256 * 1024)
#define IR_POLICY_MAX_PHASES	    256
#define IR_POLICY_MAX_LIST	    4096
#define IR_POLICY_MAX_ID_LEN	    64

typedef enum {
	IR_PHASE_PLANNED,
	IR_PHASE_ACTIVE,
	IR_PHASE_PAUSED,
	IR_PHASE_CLOSED,
} IrPhaseState;

const char *ir_policy_phase_state_to_string (IrPhaseState state);

typedef struct {
	char *id;
	char *title;
	IrPhaseState state;
	char *start_date;    /* YYYY-MM-DD, first day, local */
	char *end_date;	     /* YYYY-MM-DD, last day, local */
	GDateTime *opens;    /* start_date 00:00 in the policy's zone */
	GDateTime *closes;   /* the day after end_date, 00:00 */
	char **tac_prefixes; /* NULL: any TAC */
	char **models;	     /* NULL: any model (compared without case) */
	char **circles;	     /* NULL: any circle */
	guint centre_daily_cap;
	guint national_daily_cap;
} IrPolicyPhase;

typedef struct {
	gint64 version;
	GDateTime *issued;
	GDateTime *expires;
	char *time_zone_id;
	GTimeZone *time_zone;
	guint national_block_cap;
	GHashTable *centres; /* centre id → circle */
	GPtrArray *phases;   /* IrPolicyPhase, in document order */
	char *note;	     /* the signed note it came from, or NULL */
} IrPolicy;

void ir_policy_free (IrPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrPolicy, ir_policy_free)

/* The JSON document alone (what `imei-brandd policy sign` reads). */
IrPolicy *ir_policy_parse (const char *json, gsize len, GError **error);

/* A signed note whose body is the JSON document. The signature is not
 * checked here: ir_policy_verify() does that. */
IrPolicy *ir_policy_parse_note (const char *text, gsize len, GError **error);

/* TRUE when a signature by (@key_name, @public_key) on the policy's note
 * verifies; IR_ERROR_TAMPERED otherwise. */
gboolean ir_policy_verify (const IrPolicy *policy,
			   const char *key_name,
			   EVP_PKEY *public_key,
			   GError **error);

/* Refuses a policy that expired at or before @now, or whose version is
 * below @seen_version (the highest this side has accepted); 0: none seen.
 * IR_ERROR_INVALID_INPUT with what is wrong and what to do. */
gboolean
ir_policy_check_fresh (const IrPolicy *policy, gint64 seen_version, GDateTime *now, GError **error);

const IrPolicyPhase *ir_policy_find_phase (const IrPolicy *policy, const char *id);

/* The circle of @centre, or NULL when the policy does not list it. */
const char *ir_policy_centre_circle (const IrPolicy *policy, const char *centre);

/* @when as a local date "YYYY-MM-DD" in the policy's zone. */
char *ir_policy_local_day (const IrPolicy *policy, GDateTime *when);

/* "YYYY-MM-DD HH:MM IST (Asia/Kolkata)": how a time is shown to people. */
char *ir_policy_format_time (const IrPolicy *policy, GDateTime *when);

/* A human-readable summary (`policy show`). */
char *ir_policy_describe (const IrPolicy *policy);

G_END_DECLS
