/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-device-model.h"

G_BEGIN_DECLS

/* What the device models of protocols/<family>/ share (ir-device-model.c). */

extern const IrDeviceModel ir_device_model_3gpp;
extern const IrDeviceModel ir_device_model_mediatek;
extern const IrDeviceModel ir_device_model_quectel;
extern const IrDeviceModel ir_device_model_simcom;
extern const IrDeviceModel ir_device_model_unisoc;
extern const IrDeviceModel ir_device_model_secure_restore_v1;
extern const IrDeviceModel ir_device_model_qualcomm;

/* 3GPP TS 27.007 §9.2 codes the models answer with. */
#define IR_CME_PHONE_FAILURE	       0
#define IR_CME_OPERATION_NOT_ALLOWED   3
#define IR_CME_OPERATION_NOT_SUPPORTED 4
#define IR_CME_INVALID_INDEX	       21
#define IR_CME_INCORRECT_PARAMETERS    50

/* One parameter of an extended command: the text, and whether it came in
 * double quotes (the quotes removed). */
typedef struct {
	char *value;
	gboolean quoted;
} IrDeviceModelArg;

/* Splits the parameters after "=" on commas outside quotes. NULL when the
 * text is malformed (an unbalanced quote, text after a closing quote). */
GPtrArray *ir_device_model_split_args (const char *text);

/* TRUE and the number when @arg is an unquoted decimal in [0, @max]. */
gboolean ir_device_model_arg_uint (const IrDeviceModelArg *arg, guint max, guint *out);

/* The slot an IMEI would go to, checked against the phone: answers
 * +CME ERROR: 21 (invalid index) and returns FALSE when it has no such slot. */
gboolean ir_device_model_check_slot (const IrSimState *state, guint slot, GString *reply);

/* "+PREFIX: \"imei\"" (or "" for an empty slot) and OK. */
void
ir_device_model_reply_imei (GString *reply, const char *prefix, const char *imei, gboolean quoted);

G_END_DECLS
