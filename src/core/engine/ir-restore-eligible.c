/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

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
