/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-family.h"
#include "ir-restore-eligible.h"
#include "ir-token.h"

gboolean
ir_restore_eligible_status_needs_restore (IrImeiStatus status)
{
	switch (status) {
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
	case IR_IMEI_STATUS_DUPLICATE:
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
	case IR_IMEI_STATUS_MALFORMED:
		return TRUE;
	default:
		return FALSE;
	}
}

gboolean
ir_restore_eligible_family_verifies (const IrFamily *family)
{
	return family->challenge != NULL && family->restore != NULL;
}

gboolean
ir_restore_eligible_check (const IrDeviceInfo *info, GError **error)
{
	const IrFamily *family = info->family;
	gboolean needed = FALSE;

	for (guint i = 0; i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		needed = needed || ir_restore_eligible_status_needs_restore (slot->status);
	}
	if (info->slots->len == 0 || info->slots->len > IR_TOKEN_MAX_SLOTS) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_SUPPORTED,
		    "%s reports %u IMEI slots; a restore token covers 1 or 2: nothing done",
		    info->port,
		    info->slots->len);
		return FALSE;
	}
	if (!needed)
		return FALSE;
	if (family->write_imei == NULL && family->restore == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "%s needs its IMEI restored, but %s phones have no IMEI write "
			     "command: no token was asked for and nothing was written; restoring "
			     "this phone needs its brand's own tool",
			     info->port,
			     family->title);
		return FALSE;
	}
	if (!ir_restore_eligible_family_verifies (family) && info->serial == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "%s reports no serial number (AT+CGSN=0): a token for a %s phone "
			     "is bound to its serial, so none can be asked for; nothing written",
			     info->port,
			     family->title);
		return FALSE;
	}
	return TRUE;
}

const char *
ir_restore_eligible_shown_tac (const IrDeviceInfo *info, char tac[9])
{
	const IrImeiSlot *slot =
	    info->slots != NULL && info->slots->len > 0 ? g_ptr_array_index (info->slots, 0) : NULL;

	if (slot == NULL || slot->imei == NULL || strlen (slot->imei) != 15 ||
	    g_str_has_prefix (slot->imei, "00000000"))
		return NULL;
	for (guint i = 0; i < 8; i++) {
		if (!g_ascii_isdigit (slot->imei[i]))
			return NULL;
	}
	memcpy (tac, slot->imei, 8);
	tac[8] = '\0';
	return tac;
}

IrEligibility *
ir_restore_eligible_rollout (const IrPolicyCache *policy,
			     const IrDeviceInfo *info,
			     const char *centre,
			     GDateTime *now)
{
	char tac[9];
	IrPolicyPhone phone = {
	    .tac = ir_restore_eligible_shown_tac (info, tac),
	    .model = info->model,
	    .centre = centre,
	};

	if (policy == NULL)
		return NULL;
	return ir_policy_cache_check (policy, &phone, now);
}

void
ir_restore_eligible_verdict_free (IrRestoreEligibleVerdict *verdict)
{
	if (verdict == NULL)
		return;
	g_clear_error (&verdict->cannot);
	g_clear_pointer (&verdict->rollout, ir_eligibility_free);
	g_free (verdict);
}

IrRestoreEligibleVerdict *
ir_restore_eligible_verdict (const IrDeviceInfo *info,
			     const IrPolicyCache *policy,
			     const char *centre,
			     GDateTime *now)
{
	IrRestoreEligibleVerdict *verdict = g_new0 (IrRestoreEligibleVerdict, 1);

	verdict->needed = ir_restore_eligible_check (info, &verdict->cannot);
	if (verdict->cannot != NULL)
		verdict->needed = TRUE;
	else if (verdict->needed)
		verdict->rollout = ir_restore_eligible_rollout (policy, info, centre, now);
	return verdict;
}

gboolean
ir_restore_eligible_verdict_allows (const IrRestoreEligibleVerdict *verdict)
{
	return verdict->needed && verdict->cannot == NULL &&
	       (verdict->rollout == NULL || verdict->rollout->reason == IR_ELIGIBLE);
}
