/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-device-model-private.h"

/* The common base every simulated phone answers (README.md): V.250 basic
 * commands, +CMEE and the 27.007 §5 identity reads. Families add theirs on
 * top, so that a MediaTek phone answers +CGMI as any phone does. */

/* The software version number the simulated phones report in IMEISV. */
#define IR_3GPP_SVN "01"

static gboolean
ir_3gpp_device_reply_text (const IrSimState *state, const char *text, GString *reply)
{
	if (text == NULL || text[0] == '\0') {
		ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_SUPPORTED);
		return TRUE;
	}
	ir_device_model_reply_line (reply, "%s", text);
	ir_device_model_reply_ok (reply);
	return TRUE;
}

/* +CGMI and friends: action "" answers, test "=?" says OK, anything else
 * (a read "?" or parameters) is a syntax error. */
static gboolean
ir_3gpp_device_identity (const IrSimState *state,
			 const char *params,
			 const char *text,
			 GString *reply)
{
	if (params[0] == '\0')
		return ir_3gpp_device_reply_text (state, text, reply);
	if (g_strcmp0 (params, "=?") == 0)
		ir_device_model_reply_ok (reply);
	else
		ir_device_model_reply_error (reply);
	return TRUE;
}

static gboolean
ir_3gpp_device_cgsn_value (const IrSimState *state, guint snt, GString *reply)
{
	const char *imei = state->n_slots > 0 ? state->imei[0] : NULL;
	g_autofree char *imeisv = NULL;

	switch (snt) {
	case 0:
		if (state->serial == NULL) {
			ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_SUPPORTED);
			return TRUE;
		}
		ir_device_model_reply_imei (reply, "+CGSN", state->serial, TRUE);
		return TRUE;
	case 1:
		ir_device_model_reply_imei (reply, "+CGSN", imei, TRUE);
		return TRUE;
	case 2:
		if (imei == NULL || strlen (imei) < 14) {
			ir_device_model_reply_cme (state, reply, IR_CME_OPERATION_NOT_SUPPORTED);
			return TRUE;
		}
		imeisv = g_strdup_printf ("%.14s%s", imei, IR_3GPP_SVN);
		ir_device_model_reply_imei (reply, "+CGSN", imeisv, TRUE);
		return TRUE;
	default:
		ir_device_model_reply_imei (reply, "+CGSN", IR_3GPP_SVN, TRUE);
		return TRUE;
	}
}

/* 27.007 §5.4: +CGSN answers the bare IMEI, +CGSN=<snt> a prefixed
 * string: 0 serial number, 1 IMEI, 2 IMEISV, 3 SVN. */
static gboolean
ir_3gpp_device_cgsn (const IrSimState *state, const char *params, GString *reply)
{
	g_autoptr (GPtrArray) args = NULL;
	guint snt = 0;

	if (params[0] == '\0')
		return ir_3gpp_device_reply_text (
		    state, state->n_slots > 0 ? state->imei[0] : NULL, reply);
	if (g_strcmp0 (params, "=?") == 0) {
		ir_device_model_reply_line (reply, "+CGSN: (0-3)");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (params[0] == '=')
		args = ir_device_model_split_args (params + 1);
	if (args == NULL || args->len != 1 ||
	    !ir_device_model_arg_uint (g_ptr_array_index (args, 0), 3, &snt)) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	return ir_3gpp_device_cgsn_value (state, snt, reply);
}

/* 27.007 §9.1: +CMEE=[<n>] with n 0, 1 or 2; +CMEE? and +CMEE=?. */
static gboolean
ir_3gpp_device_cmee (IrSimState *state, const char *params, GString *reply)
{
	g_autoptr (GPtrArray) args = NULL;
	guint mode = 0;

	if (g_strcmp0 (params, "?") == 0) {
		ir_device_model_reply_line (reply, "+CMEE: %u", state->cmee);
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (g_strcmp0 (params, "=?") == 0) {
		ir_device_model_reply_line (reply, "+CMEE: (0-2)");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (g_strcmp0 (params, "=") == 0 || params[0] == '\0') {
		state->cmee = 0;
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (params[0] == '=')
		args = ir_device_model_split_args (params + 1);
	if (args == NULL || args->len != 1 ||
	    !ir_device_model_arg_uint (g_ptr_array_index (args, 0), 2, &mode)) {
		ir_device_model_reply_error (reply);
		return TRUE;
	}
	state->cmee = mode;
	ir_device_model_reply_ok (reply);
	return TRUE;
}

static gboolean
ir_3gpp_device_basic (IrSimState *state, const char *rest, GString *reply)
{
	if (rest[0] == '\0' || g_strcmp0 (rest, "Z") == 0) {
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	/* V.250 E: E and E0 switch echo off, E1 on */
	if (g_strcmp0 (rest, "E") == 0 || g_strcmp0 (rest, "E0") == 0 ||
	    g_strcmp0 (rest, "E1") == 0) {
		state->echo = g_strcmp0 (rest, "E1") == 0;
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	if (g_strcmp0 (rest, "I") == 0 || g_strcmp0 (rest, "I0") == 0) {
		ir_device_model_reply_line (
		    reply, "%s", state->manufacturer != NULL ? state->manufacturer : "");
		ir_device_model_reply_line (reply, "%s", state->model != NULL ? state->model : "");
		ir_device_model_reply_line (
		    reply, "Revision: %s", state->revision != NULL ? state->revision : "");
		ir_device_model_reply_ok (reply);
		return TRUE;
	}
	return FALSE;
}

/* @name followed by nothing, "?", "=?" or "=..." */
static const char *
ir_3gpp_device_match (const char *rest, const char *name)
{
	gsize len = strlen (name);

	if (strncmp (rest, name, len) != 0)
		return NULL;
	if (rest[len] != '\0' && rest[len] != '?' && rest[len] != '=')
		return NULL;
	return rest + len;
}

static gboolean
ir_3gpp_device_extended (IrSimState *state, const char *rest, GString *reply)
{
	const char *params;

	if ((params = ir_3gpp_device_match (rest, "+CGMI")) ||
	    (params = ir_3gpp_device_match (rest, "+GMI")))
		return ir_3gpp_device_identity (state, params, state->manufacturer, reply);
	if ((params = ir_3gpp_device_match (rest, "+CGMM")) ||
	    (params = ir_3gpp_device_match (rest, "+GMM")))
		return ir_3gpp_device_identity (state, params, state->model, reply);
	if ((params = ir_3gpp_device_match (rest, "+CGMR")) ||
	    (params = ir_3gpp_device_match (rest, "+GMR")))
		return ir_3gpp_device_identity (state, params, state->revision, reply);
	if ((params = ir_3gpp_device_match (rest, "+GSN")))
		return ir_3gpp_device_identity (
		    state, params, state->n_slots > 0 ? state->imei[0] : NULL, reply);
	if ((params = ir_3gpp_device_match (rest, "+CGSN")))
		return ir_3gpp_device_cgsn (state, params, reply);
	if ((params = ir_3gpp_device_match (rest, "+CMEE")))
		return ir_3gpp_device_cmee (state, params, reply);
	return FALSE;
}

static gboolean
ir_3gpp_device_handle (IrSimState *state, const char *line, GString *reply)
{
	const char *rest = line + 2; /* after "AT", checked by the dispatcher */

	if (rest[0] == '+')
		return ir_3gpp_device_extended (state, rest, reply);
	return ir_3gpp_device_basic (state, rest, reply);
}

const IrDeviceModel ir_device_model_3gpp = {
    .family = "3gpp",
    .handle = ir_3gpp_device_handle,
};
