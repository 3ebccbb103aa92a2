/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-device-model-private.h"
#include "ir-family-codes.h"

/* AT+EGMR=<op>,7[,"<imei>"]: op 0 reads, 1 writes the one IMEI
 * (README.md). */

static void
quectel_device_egmr (IrSimState *state, GPtrArray *args, GString *reply)
{
	const IrDeviceModelArg *value;
	guint op = 0;
	guint type = 0;

	if (args == NULL || args->len < 2 ||
	    !ir_device_model_arg_uint (g_ptr_array_index (args, 0), 1, &op) ||
	    !ir_device_model_arg_uint (g_ptr_array_index (args, 1), G_MAXUINT16, &type) ||
	    type != IR_EGMR_TYPE_IMEI1 || args->len != (op == 0 ? 2u : 3u)) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	if (!ir_device_model_check_slot (state, 0, reply))
		return;
	if (op == 0) {
		ir_device_model_reply_imei (reply, "+EGMR", state->imei[0], TRUE);
		return;
	}
	value = g_ptr_array_index (args, 2);
	if (!value->quoted) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	ir_device_model_write_slot (state, 0, value->value, IR_QUECTEL_READ_ONLY_CME, reply);
}

static gboolean
quectel_device_handle (IrSimState *state, const char *line, GString *reply)
{
	g_autoptr (GPtrArray) args = NULL;

	if (!g_str_has_prefix (line, "AT+EGMR"))
		return FALSE;
	if (g_strcmp0 (line, "AT+EGMR=?") == 0) {
		ir_device_model_reply_line (reply, "+EGMR: (0,1),(7)");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (!g_str_has_prefix (line, "AT+EGMR=")) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	args = ir_device_model_split_args (line + strlen ("AT+EGMR="));
	quectel_device_egmr (state, args, reply);
	return TRUE;
}

const IrDeviceModel ir_device_model_quectel = {
    .family = "quectel",
    .handle = quectel_device_handle,
};
