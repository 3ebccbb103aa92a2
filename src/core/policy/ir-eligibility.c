/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-eligibility.h"

static const char *const ir_eligibility_codes[] = {
    [IR_ELIGIBLE] = "eligible",
    [IR_NOT_ELIGIBLE_EXPIRED] = "expired",
    [IR_NOT_ELIGIBLE_NO_PHASE] = "no_phase",
    [IR_NOT_ELIGIBLE_NOT_OPEN] = "not_open",
    [IR_NOT_ELIGIBLE_PAUSED] = "paused",
    [IR_NOT_ELIGIBLE_CLOSED] = "closed",
    [IR_NOT_ELIGIBLE_CENTRE_CAP] = "centre_cap",
    [IR_NOT_ELIGIBLE_NATIONAL_CAP] = "national_cap",
};

const char *
ir_eligibility_reason_to_string (IrEligibilityReason reason)
{
	return (guint)reason < G_N_ELEMENTS (ir_eligibility_codes) ? ir_eligibility_codes[reason]
								   : "?";
}

void
ir_eligibility_free (IrEligibility *elig)
{
	if (elig == NULL)
		return;
	g_free (elig->phase);
	g_free (elig->day);
	g_clear_pointer (&elig->when, g_date_time_unref);
	g_free (elig->sentence);
	g_free (elig);
}

static IrEligibility *
ir_eligibility_new (const IrPolicy *policy,
		    IrEligibilityReason reason,
		    const IrPolicyPhase *phase,
		    GDateTime *now)
{
	IrEligibility *elig = g_new0 (IrEligibility, 1);

	elig->reason = reason;
	elig->policy_version = policy->version;
	elig->phase = phase != NULL ? g_strdup (phase->id) : NULL;
	elig->day = ir_policy_local_day (policy, now);
	return elig;
}

static gboolean
ir_eligibility_has_prefix (char **prefixes, const char *tac)
{
	for (guint i = 0; prefixes[i] != NULL; i++) {
		if (g_str_has_prefix (tac, prefixes[i]))
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_eligibility_has_casefold (char **list, const char *value)
{
	for (guint i = 0; list[i] != NULL; i++) {
		if (g_ascii_strcasecmp (list[i], value) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
ir_eligibility_phase_covers (const IrPolicy *policy,
			     const IrPolicyPhase *phase,
			     const IrPolicyPhone *phone)
{
	const char *circle = ir_policy_centre_circle (policy, phone->centre);

	if (phase->tac_prefixes != NULL && phone->tac != NULL &&
	    !ir_eligibility_has_prefix (phase->tac_prefixes, phone->tac))
		return FALSE;
	if (phase->models != NULL && phone->model != NULL &&
	    !ir_eligibility_has_casefold (phase->models, phone->model))
		return FALSE;
	/* a centre the policy does not place in a circle is in none */
	if (phase->circles != NULL &&
	    (circle == NULL || !g_strv_contains ((const char *const *)phase->circles, circle)))
		return FALSE;
	return TRUE;
}

static gboolean
ir_eligibility_is_paused (const IrPolicyPhase *phase, const char *const *paused)
{
	return phase->state == IR_PHASE_PAUSED ||
	       (paused != NULL && g_strv_contains (paused, phase->id));
}

static gboolean
ir_eligibility_in_window (const IrPolicyPhase *phase, GDateTime *now)
{
	return g_date_time_compare (now, phase->opens) >= 0 &&
	       g_date_time_compare (now, phase->closes) < 0;
}

static const IrPolicyUsage *
ir_eligibility_find_usage (const IrPolicyUsage *usage, guint n_usage, const char *phase)
{
	for (guint i = 0; usage != NULL && i < n_usage; i++) {
		if (g_strcmp0 (usage[i].phase, phase) == 0)
			return &usage[i];
	}
	return NULL;
}

IrEligibility *
ir_eligibility_cap_reached (const IrPolicy *policy,
			    const IrPolicyPhase *phase,
			    const char *centre,
			    gboolean national,
			    GDateTime *now)
{
	IrEligibility *elig = ir_eligibility_new (policy,
						  national ? IR_NOT_ELIGIBLE_NATIONAL_CAP
							   : IR_NOT_ELIGIBLE_CENTRE_CAP,
						  phase,
						  now);
	g_autoptr (GDateTime) local = g_date_time_to_timezone (now, policy->time_zone);
	g_autoptr (GDateTime) midnight = g_date_time_new (policy->time_zone,
							  g_date_time_get_year (local),
							  g_date_time_get_month (local),
							  g_date_time_get_day_of_month (local),
							  0,
							  0,
							  0);
	g_autofree char *until = NULL;

	elig->when = g_date_time_add_days (midnight, 1);
	until = ir_policy_format_time (policy, elig->when);
	if (national)
		elig->sentence = g_strdup_printf ("phase %s has reached its national cap of %u "
						  "restorations for %s; it reopens at %s",
						  phase->id,
						  phase->national_daily_cap,
						  elig->day,
						  until);
	else
		elig->sentence =
		    g_strdup_printf ("centre %s has reached its cap of %u "
				     "restorations in phase %s for %s; it reopens at %s",
				     centre != NULL ? centre : "?",
				     phase->centre_daily_cap,
				     phase->id,
				     elig->day,
				     until);
	return elig;
}

static IrEligibility *
ir_eligibility_eligible (const IrPolicy *policy,
			 const IrPolicyPhase *phase,
			 const IrPolicyPhone *phone,
			 const IrPolicyUsage *usage,
			 guint n_usage,
			 GDateTime *now)
{
	const IrPolicyUsage *u = ir_eligibility_find_usage (usage, n_usage, phase->id);
	IrEligibility *elig = NULL;
	g_autofree char *closes = NULL;

	if (u != NULL && u->national_issued >= phase->national_daily_cap)
		return ir_eligibility_cap_reached (policy, phase, phone->centre, TRUE, now);
	if (u != NULL && u->centre_issued >= phase->centre_daily_cap)
		return ir_eligibility_cap_reached (policy, phase, phone->centre, FALSE, now);
	elig = ir_eligibility_new (policy, IR_ELIGIBLE, phase, now);
	elig->when = g_date_time_ref (phase->closes);
	closes = ir_policy_format_time (policy, phase->closes);
	elig->sentence =
	    g_strdup_printf ("eligible in phase %s (%s) of policy version %" G_GINT64_FORMAT
			     "; the phase closes at %s",
			     phase->id,
			     phase->title,
			     policy->version,
			     closes);
	return elig;
}

static char *
ir_eligibility_phone_text (const IrPolicy *policy, const IrPolicyPhone *phone)
{
	const char *circle = ir_policy_centre_circle (policy, phone->centre);

	return g_strdup_printf ("TAC %s, model %s, centre %s (circle %s)",
				phone->tac != NULL ? phone->tac : "unknown",
				phone->model != NULL ? phone->model : "unknown",
				phone->centre != NULL ? phone->centre : "unknown",
				circle != NULL ? circle : "none");
}

/* Among the phases that cover the phone but are not open, the one that
 * says most: paused first (the brand stopped it), then the one that opens
 * soonest, then the one that closed last. */
static IrEligibility *
ir_eligibility_why_not (const IrPolicy *policy,
			const IrPolicyPhone *phone,
			const char *const *paused,
			GDateTime *now)
{
	const IrPolicyPhase *pause = NULL;
	const IrPolicyPhase *next = NULL;
	const IrPolicyPhase *last = NULL;
	IrEligibility *elig;
	g_autofree char *when = NULL;
	g_autofree char *who = ir_eligibility_phone_text (policy, phone);

	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);
		gboolean ended =
		    p->state == IR_PHASE_CLOSED || g_date_time_compare (now, p->closes) >= 0;

		if (!ir_eligibility_phase_covers (policy, p, phone))
			continue;
		if (!ended && ir_eligibility_is_paused (p, paused) && pause == NULL)
			pause = p;
		else if (!ended &&
			 (next == NULL || g_date_time_compare (p->opens, next->opens) < 0))
			next = p;
		else if (ended &&
			 (last == NULL || g_date_time_compare (p->closes, last->closes) > 0))
			last = p;
	}
	if (pause != NULL) {
		elig = ir_eligibility_new (policy, IR_NOT_ELIGIBLE_PAUSED, pause, now);
		elig->sentence = g_strdup_printf ("phase %s (%s) is paused by the brand; no phone "
						  "can be restored in it until it is resumed",
						  pause->id,
						  pause->title);
		return elig;
	}
	if (next != NULL) {
		gboolean window_open = ir_eligibility_in_window (next, now);

		elig = ir_eligibility_new (policy, IR_NOT_ELIGIBLE_NOT_OPEN, next, now);
		elig->when = g_date_time_ref (window_open ? next->closes : next->opens);
		when = ir_policy_format_time (policy, next->opens);
		elig->sentence =
		    window_open ? g_strdup_printf ("phase %s (%s) is %s, not active yet; the brand "
						   "has not opened it (its window began at %s)",
						   next->id,
						   next->title,
						   ir_policy_phase_state_to_string (next->state),
						   when)
				: g_strdup_printf (
				      "phase %s (%s) opens at %s", next->id, next->title, when);
		return elig;
	}
	if (last != NULL) {
		elig = ir_eligibility_new (policy, IR_NOT_ELIGIBLE_CLOSED, last, now);
		elig->when = g_date_time_ref (last->closes);
		when = ir_policy_format_time (policy, last->closes);
		elig->sentence =
		    last->state == IR_PHASE_CLOSED
			? g_strdup_printf ("phase %s (%s) is closed", last->id, last->title)
			: g_strdup_printf (
			      "phase %s (%s) closed at %s", last->id, last->title, when);
		return elig;
	}
	elig = ir_eligibility_new (policy, IR_NOT_ELIGIBLE_NO_PHASE, NULL, now);
	elig->sentence = g_strdup_printf ("no phase of rollout policy version %" G_GINT64_FORMAT
					  " covers this phone (%s)",
					  policy->version,
					  who);
	return elig;
}

IrEligibility *
ir_eligibility_check (const IrPolicy *policy,
		      const IrPolicyPhone *phone,
		      const char *const *paused,
		      const IrPolicyUsage *usage,
		      guint n_usage,
		      GDateTime *now)
{
	if (g_date_time_compare (now, policy->expires) >= 0) {
		IrEligibility *elig =
		    ir_eligibility_new (policy, IR_NOT_ELIGIBLE_EXPIRED, NULL, now);
		g_autofree char *when = ir_policy_format_time (policy, policy->expires);

		elig->when = g_date_time_ref (policy->expires);
		elig->sentence = g_strdup_printf ("rollout policy version %" G_GINT64_FORMAT
						  " expired at %s; no phone is eligible until the "
						  "brand publishes a new one",
						  policy->version,
						  when);
		return elig;
	}
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);

		if (p->state == IR_PHASE_ACTIVE && !ir_eligibility_is_paused (p, paused) &&
		    ir_eligibility_in_window (p, now) &&
		    ir_eligibility_phase_covers (policy, p, phone))
			return ir_eligibility_eligible (policy, p, phone, usage, n_usage, now);
	}
	return ir_eligibility_why_not (policy, phone, paused, now);
}
