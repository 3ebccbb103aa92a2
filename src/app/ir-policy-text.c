/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ir-policy-text.h"

/* A version as text: a G_GINT64_FORMAT inside a message would hide it
 * from xgettext. */
static char *
ir_policy_text_version (gint64 version)
{
	return g_strdup_printf ("%" G_GINT64_FORMAT, version);
}

char *
ir_policy_text_summary (const IrPolicy *policy)
{
	g_autofree char *expires = ir_policy_format_time (policy, policy->expires);
	g_autofree char *version = ir_policy_text_version (policy->version);

	return g_strdup_printf (_ ("Rollout policy version %s, expires %s"), version, expires);
}

static const char *
ir_policy_text_state (const IrPolicyPhase *phase, const char *const *paused)
{
	if (paused != NULL && g_strv_contains (paused, phase->id))
		return _ ("paused by the brand");
	switch (phase->state) {
	case IR_PHASE_PLANNED:
		return _ ("planned");
	case IR_PHASE_ACTIVE:
		return _ ("active");
	case IR_PHASE_PAUSED:
		return _ ("paused");
	default:
		return _ ("closed");
	}
}

char *
ir_policy_text_phases (const IrPolicy *policy, const char *const *paused)
{
	g_autoptr (GString) text = g_string_new (NULL);

	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);

		if (text->len > 0)
			g_string_append_c (text, '\n');
		/* TRANSLATORS: phase id, title, state, first day, last day, the
		 * centre's daily cap, the national daily cap */
		g_string_append_printf (text,
					_ ("%s “%s”: %s, %s to %s; %u a day per centre, %u a "
					   "day nationally"),
					p->id,
					p->title,
					ir_policy_text_state (p, paused),
					p->start_date,
					p->end_date,
					p->centre_daily_cap,
					p->national_daily_cap);
	}
	if (text->len == 0)
		g_string_append (text, _ ("No phase: no phone is eligible."));
	return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
ir_policy_text_eligibility (const IrPolicy *policy, const IrEligibility *elig)
{
	const IrPolicyPhase *phase =
	    elig->phase != NULL ? ir_policy_find_phase (policy, elig->phase) : NULL;
	const char *id = elig->phase != NULL ? elig->phase : "—";
	const char *title = phase != NULL ? phase->title : "—";
	g_autofree char *when =
	    elig->when != NULL ? ir_policy_format_time (policy, elig->when) : g_strdup ("—");
	g_autofree char *version = ir_policy_text_version (elig->policy_version);

	switch (elig->reason) {
	case IR_ELIGIBLE:
		return g_strdup_printf (
		    _ ("Eligible in phase %s “%s”, which closes %s."), id, title, when);
	case IR_NOT_ELIGIBLE_EXPIRED:
		return g_strdup_printf (
		    _ ("Rollout policy version %s expired %s: no phone is eligible until the brand "
		       "publishes a new one."),
		    version,
		    when);
	case IR_NOT_ELIGIBLE_NO_PHASE:
		return g_strdup_printf (_ ("No phase of rollout policy version %s covers this "
					   "phone (its model, TAC or your centre's "
					   "circle)."),
					version);
	case IR_NOT_ELIGIBLE_NOT_OPEN:
		if (phase != NULL && g_date_time_compare (elig->when, phase->opens) == 0)
			return g_strdup_printf (
			    _ ("Phase %s “%s” is not open yet: it opens %s."), id, title, when);
		return g_strdup_printf (
		    _ ("Phase %s “%s” is not active yet: the brand has not opened it."), id, title);
	case IR_NOT_ELIGIBLE_PAUSED:
		return g_strdup_printf (
		    _ ("Phase %s “%s” is paused by the brand: no phone can be restored in it "
		       "until the brand resumes it."),
		    id,
		    title);
	case IR_NOT_ELIGIBLE_CLOSED:
		return g_strdup_printf (_ ("Phase %s “%s” has closed (%s)."), id, title, when);
	case IR_NOT_ELIGIBLE_CENTRE_CAP:
		return g_strdup_printf (
		    _ ("Your centre has reached its daily cap of %u in phase %s “%s”: restores "
		       "open again %s."),
		    phase != NULL ? phase->centre_daily_cap : 0,
		    id,
		    title,
		    when);
	case IR_NOT_ELIGIBLE_NATIONAL_CAP:
		return g_strdup_printf (
		    _ ("Phase %s “%s” has reached its national daily cap of %u: restores open "
		       "again %s."),
		    id,
		    title,
		    phase != NULL ? phase->national_daily_cap : 0,
		    when);
	default:
		return g_strdup (elig->sentence);
	}
}
