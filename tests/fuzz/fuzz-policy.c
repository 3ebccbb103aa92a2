/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-eligibility.h"
#include "ir-policy.h"

/* The input is a rollout policy document (JSON). Whatever the parser
 * accepts must keep its promises: a version of at least 1, an expiry after
 * issue, windows that open before they close, caps and lists inside their
 * limits; and the eligibility decision over it must give a reason with a
 * sentence for a few phones at a few instants. Any broken promise aborts,
 * which libFuzzer reports. */

static void
fuzz_policy_check (gboolean condition)
{
	if (!condition)
		abort ();
}

static void
fuzz_policy_check_phases (const IrPolicy *policy)
{
	fuzz_policy_check (policy->phases->len <= IR_POLICY_MAX_PHASES);
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);

		fuzz_policy_check (g_date_time_compare (p->opens, p->closes) < 0);
		fuzz_policy_check (ir_policy_find_phase (policy, p->id) == p);
		fuzz_policy_check (p->tac_prefixes == NULL ||
				   g_strv_length (p->tac_prefixes) <= IR_POLICY_MAX_LIST);
	}
}

static void
fuzz_policy_check_eligibility (const IrPolicy *policy)
{
	static const char *const instants[] = {
	    "2026-12-01T00:00:00+05:30", "2020-01-01T00:00:00Z", "2099-12-31T23:59:59Z"};
	static const IrPolicyPhone phones[] = {
	    {"35120001", "X1", "DL-0001"}, {NULL, NULL, NULL}, {"86000000", "z9", "KA-0003"}};

	for (guint i = 0; i < G_N_ELEMENTS (instants); i++) {
		g_autoptr (GDateTime) now = g_date_time_new_from_iso8601 (instants[i], NULL);

		for (guint j = 0; j < G_N_ELEMENTS (phones); j++) {
			g_autoptr (IrEligibility) elig =
			    ir_eligibility_check (policy, &phones[j], NULL, NULL, 0, now);

			fuzz_policy_check (elig->sentence != NULL && elig->day != NULL);
			fuzz_policy_check ((elig->reason == IR_ELIGIBLE) ==
					   (elig->phase != NULL && elig->reason == IR_ELIGIBLE));
		}
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (IrPolicy) policy = ir_policy_parse ((const char *)data, size, NULL);
	g_autofree char *text = NULL;

	if (policy == NULL)
		return 0;
	fuzz_policy_check (policy->version >= 1);
	fuzz_policy_check (g_date_time_compare (policy->issued, policy->expires) < 0);
	fuzz_policy_check (policy->time_zone != NULL);
	fuzz_policy_check_phases (policy);
	fuzz_policy_check_eligibility (policy);
	text = ir_policy_describe (policy);
	fuzz_policy_check (text != NULL && g_utf8_validate (text, -1, NULL));
	return 0;
}
