/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-policy.h"

G_BEGIN_DECLS

/* Is a phone eligible under a rollout policy now, and if not, why: the one
 * decision the server enforces and the workstation shows before a
 * technician starts (docs/rollout-policy.md, "Eligibility"). Pure: the
 * caller gives the phone, the policy, the phases the server paused (the
 * kill switch), today's usage when known, and the time.
 *
 * A phase covers a phone when its TAC starts with one of the phase's
 * prefixes, its model is one of the phase's models (without case) and the
 * centre's circle is one of the phase's circles (an absent list: any). A
 * phase is open when it is active, not paused, and now is inside its
 * window. The phone's phase is the first open phase, in document order,
 * that covers it; that phase's caps then decide. */

typedef enum {
	IR_ELIGIBLE = 0,
	IR_NOT_ELIGIBLE_EXPIRED,      /* the policy itself has expired */
	IR_NOT_ELIGIBLE_NO_PHASE,     /* no phase covers this phone */
	IR_NOT_ELIGIBLE_NOT_OPEN,     /* a covering phase opens later */
	IR_NOT_ELIGIBLE_PAUSED,	      /* a covering phase is paused */
	IR_NOT_ELIGIBLE_CLOSED,	      /* every covering phase has closed */
	IR_NOT_ELIGIBLE_CENTRE_CAP,   /* the centre's daily cap is reached */
	IR_NOT_ELIGIBLE_NATIONAL_CAP, /* the national daily cap is reached */
} IrEligibilityReason;

/* A stable code for JSON and logs: "eligible", "expired", "no_phase",
 * "not_open", "paused", "closed", "centre_cap", "national_cap". */
const char *ir_eligibility_reason_to_string (IrEligibilityReason reason);

typedef struct {
	const char *tac;    /* the 8-digit TAC, or NULL when unknown (a wiped
			     * phone shows none: only the server can check it) */
	const char *model;  /* NULL: unknown, not checked */
	const char *centre; /* the service centre; its circle comes from the policy */
} IrPolicyPhone;

typedef struct {
	const char *phase;
	guint centre_issued;   /* tokens of this centre in the phase today */
	guint national_issued; /* tokens of every centre in the phase today */
} IrPolicyUsage;

typedef struct {
	IrEligibilityReason reason;
	gint64 policy_version;
	char *phase;	 /* the phone's phase, or the covering phase the reason is about */
	char *day;	 /* the phase's local day of now (caps count per day) */
	GDateTime *when; /* not_open: opens; closed: closed; caps: reopen */
	char *sentence;	 /* for people: why, and until when, in local time */
} IrEligibility;

void ir_eligibility_free (IrEligibility *elig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrEligibility, ir_eligibility_free)

/* @paused: phase ids the server's kill switch stopped (NULL: none);
 * @usage: n_usage entries of today's counts (NULL: unknown, caps not
 * checked). */
IrEligibility *ir_eligibility_check (const IrPolicy *policy,
				     const IrPolicyPhone *phone,
				     const char *const *paused,
				     const IrPolicyUsage *usage,
				     guint n_usage,
				     GDateTime *now);

/* The refusal when @phase's centre (@national FALSE) or national cap is
 * reached on the local day of @now: the sentence says until when. */
IrEligibility *ir_eligibility_cap_reached (const IrPolicy *policy,
					   const IrPolicyPhase *phase,
					   const char *centre,
					   gboolean national,
					   GDateTime *now);

/* TRUE when @phase covers @phone (TAC, model, circle; unknown fields are
 * not checked). */
gboolean ir_eligibility_phase_covers (const IrPolicy *policy,
				      const IrPolicyPhase *phase,
				      const IrPolicyPhone *phone);

G_END_DECLS
