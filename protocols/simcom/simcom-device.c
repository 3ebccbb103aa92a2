/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-device-model-private.h"
#include "ir-family-codes.h"

/* AT+SIMEI? reads the one IMEI ("+SIMEI: <imei>", unquoted);
 * AT+SIMEI=<imei> writes it, quoted or not (README.md). */

static gboolean
simcom_device_handle (IrSimState *state, const char *line, GString *reply)
{
	g_autoptr (GPtrArray) args = NULL;
	const IrDeviceModelArg *value;

	if (!g_str_has_prefix (line, "AT+SIMEI"))
		return FALSE;
	if (g_strcmp0 (line, "AT+SIMEI?") == 0) {
		if (ir_device_model_check_slot (state, 0, reply))
			ir_device_model_reply_imei (reply, "+SIMEI", state->imei[0], FALSE);
		return TRUE;
	}
	if (g_strcmp0 (line, "AT+SIMEI=?") == 0) {
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (!g_str_has_prefix (line, "AT+SIMEI=")) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	args = ir_device_model_split_args (line + strlen ("AT+SIMEI="));
	if (args == NULL || args->len != 1) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return TRUE;
	}
	value = g_ptr_array_index (args, 0);
	ir_device_model_write_slot (state, 0, value->value, IR_SIMCOM_READ_ONLY_CME, reply);
	return TRUE;
}

const IrDeviceModel ir_device_model_simcom = {
    .family = "simcom",
    .handle = simcom_device_handle,
};
