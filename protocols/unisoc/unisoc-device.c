/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-device-model-private.h"
#include "ir-family-codes.h"

/* AT+SPIMEI? answers one "+SPIMEI: <slot>,\"<imei>\"" line per slot, slots
 * counted from 0; AT+SPIMEI=<slot>,"<imei>" writes one (README.md). */

static void
unisoc_device_read (const IrSimState *state, GString *reply)
{
	for (guint slot = 0; slot < state->n_slots && slot < IR_SIM_MAX_SLOTS; slot++) {
		ir_device_model_reply_line (reply,
					    "+SPIMEI: %u,\"%s\"",
					    slot,
					    state->imei[slot] != NULL ? state->imei[slot] : "");
	}
	ir_device_model_reply_ok (reply);
}

static void
unisoc_device_write (IrSimState *state, GPtrArray *args, GString *reply)
{
	const IrDeviceModelArg *value;
	guint slot = 0;

	if (args == NULL || args->len != 2 ||
	    !ir_device_model_arg_uint (g_ptr_array_index (args, 0), G_MAXUINT16, &slot)) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	value = g_ptr_array_index (args, 1);
	if (!value->quoted) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	ir_device_model_write_slot (state, slot, value->value, IR_UNISOC_READ_ONLY_CME, reply);
}

static gboolean
unisoc_device_handle (IrSimState *state, const char *line, GString *reply)
{
	g_autoptr (GPtrArray) args = NULL;

	if (!g_str_has_prefix (line, "AT+SPIMEI"))
		return FALSE;
	if (g_strcmp0 (line, "AT+SPIMEI?") == 0) {
		unisoc_device_read (state, reply);
		return TRUE;
	}
	if (g_strcmp0 (line, "AT+SPIMEI=?") == 0) {
		ir_device_model_reply_line (reply, "+SPIMEI: (0-1),\"imei\"");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (!g_str_has_prefix (line, "AT+SPIMEI=")) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	args = ir_device_model_split_args (line + strlen ("AT+SPIMEI="));
	unisoc_device_write (state, args, reply);
	return TRUE;
}

const IrDeviceModel ir_device_model_unisoc = {
    .family = "unisoc",
    .handle = unisoc_device_handle,
};
