/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-eligibility.h"

G_BEGIN_DECLS

/* The rollout policy in the technician's words (translated, where the
 * core's sentences are English for logs and the CLI): the policy in force
 * as the workbench shows it after sign-in, and why a phone is or is not
 * eligible, every time in the policy's local time. Pure: the policy and
 * the eligibility in, the text out, for a table test. */

/* "Rollout policy version 3, expires 2027-01-04 00:00 IST (Asia/Kolkata)". */
char *ir_policy_text_summary (const IrPolicy *policy);

/* A line per phase: id, title, state (paused by the brand when @paused
 * lists it), window, the two daily caps. */
char *ir_policy_text_phases (const IrPolicy *policy, const char *const *paused);

/* Why @elig (from ir_engine_check_phone) is what it is: which
 * phase, when it opens or closed, which cap is reached and until when. */
char *ir_policy_text_eligibility (const IrPolicy *policy, const IrEligibility *elig);

G_END_DECLS
