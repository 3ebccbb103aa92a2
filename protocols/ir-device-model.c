/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ir-at-parser.h"
#include "ir-device-model-private.h"

static const IrDeviceModel *const ir_device_models[] = {
    &ir_device_model_3gpp,
    &ir_device_model_mediatek,
    &ir_device_model_quectel,
    &ir_device_model_simcom,
    &ir_device_model_unisoc,
    &ir_device_model_secure_restore_v1,
    &ir_device_model_qualcomm,
    NULL,
};

const IrDeviceModel *const *
ir_device_model_get_all (void)
{
	return ir_device_models;
}

const IrDeviceModel *
ir_device_model_lookup (const char *family)
{
	for (guint i = 0; ir_device_models[i] != NULL; i++) {
		if (g_strcmp0 (ir_device_models[i]->family, family) == 0)
			return ir_device_models[i];
	}
	return NULL;
}

guint
ir_device_model_get_max_line (const char *family)
{
	const IrDeviceModel *model = ir_device_model_lookup (family);

	if (model == NULL || model->max_line == 0)
		return IR_DEVICE_MODEL_MAX_LINE;
	return model->max_line;
}

/* V.250 command lines are case-insensitive and blanks in them are
 * ignored, except inside string constants. The models then only ever see
 * "AT+EGMR=0,7" whether "at+egmr = 0, 7" or the former was typed. */
char *
ir_device_model_normalize (const char *line)
{
	GString *cmd = g_string_new (NULL);
	gboolean quoted = FALSE;

	for (const char *p = line; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (quoted || *p == '"')
			g_string_append_c (cmd, *p);
		else if (*p != ' ' && *p != '\t')
			g_string_append_c (cmd, g_ascii_toupper (*p));
	}
	return g_string_free (cmd, FALSE);
}

void
ir_device_model_dispatch (IrSimState *state, const char *line, GString *reply)
{
	g_autofree char *cmd = ir_device_model_normalize (line);
	const IrDeviceModel *model = ir_device_model_lookup (state->family);

	/* an empty line (a lone CR) is ignored by phones, not refused */
	if (cmd[0] == '\0')
		return;
	if (!g_str_has_prefix (cmd, "AT")) {
		ir_device_model_reply_error (reply);
		return;
	}
	if (model != NULL && model != &ir_device_model_3gpp && model->handle (state, cmd, reply))
		return;
	if (ir_device_model_3gpp.handle (state, cmd, reply))
		return;
	ir_device_model_reply_error (reply);
}

gboolean
ir_device_model_dispatch_frame (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply)
{
	const IrDeviceModel *model = ir_device_model_lookup (state->family);

	if (model == NULL || model->handle_frame == NULL || len == 0)
		return FALSE;
	return model->handle_frame (state, req, len, reply);
}

void
ir_device_model_reply_line (GString *reply, const char *fmt, ...)
{
	va_list args;

	g_string_append (reply, "\r\n");
	va_start (args, fmt);
	g_string_append_vprintf (reply, fmt, args);
	va_end (args);
	g_string_append (reply, "\r\n");
}

void
ir_device_model_reply_ok (GString *reply)
{
	g_string_append (reply, "\r\nOK\r\n");
}

void
ir_device_model_reply_error (GString *reply)
{
	g_string_append (reply, "\r\nERROR\r\n");
}

void
ir_device_model_reply_cme_code (GString *reply, int code)
{
	g_string_append_printf (reply, "\r\n+CME ERROR: %d\r\n", code);
}

void
ir_device_model_reply_cme (const IrSimState *state, GString *reply, int code)
{
	switch (state->cmee) {
	case 1:
		ir_device_model_reply_cme_code (reply, code);
		break;
	case 2:
		ir_device_model_reply_line (
		    reply, "+CME ERROR: %s", ir_at_cme_error_to_string (code));
		break;
	default:
		ir_device_model_reply_error (reply);
		break;
	}
}

void
ir_device_model_reply_imei (GString *reply, const char *prefix, const char *imei, gboolean quoted)
{
	const char *value = imei != NULL ? imei : "";

	if (quoted)
		ir_device_model_reply_line (reply, "%s: \"%s\"", prefix, value);
	else
		ir_device_model_reply_line (reply, "%s: %s", prefix, value);
	ir_device_model_reply_ok (reply);
}

gboolean
ir_device_model_check_slot (const IrSimState *state, guint slot, GString *reply)
{
	if (slot >= state->n_slots || slot >= IR_SIM_MAX_SLOTS) {
		ir_device_model_reply_cme (state, reply, IR_CME_INVALID_INDEX);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_device_model_is_imei_shape (const char *imei)
{
	if (imei == NULL || strlen (imei) != 15)
		return FALSE;
	for (const char *p = imei; *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	return TRUE;
}

/* The order a phone checks in: the parameters, then whether the slot may
 * be written, then the write itself (where the injected faults live). */
void
ir_device_model_write_slot (
    IrSimState *state, guint slot, const char *imei, int read_only_code, GString *reply)
{
	if (!ir_device_model_check_slot (state, slot, reply))
		return;
	if (!ir_device_model_is_imei_shape (imei)) {
		ir_device_model_reply_cme (state, reply, IR_CME_INCORRECT_PARAMETERS);
		return;
	}
	if (state->read_only[slot]) {
		ir_device_model_reply_cme (state, reply, read_only_code);
		return;
	}
	if (state->write_error != NULL) {
		ir_device_model_reply_line (reply, "%s", state->write_error);
		return;
	}
	if (!state->no_stick) {
		g_free (state->imei[slot]);
		state->imei[slot] = g_strdup (imei);
		state->dirty = TRUE;
	}
	state->hangup_now = state->hangup_after_write;
	ir_device_model_reply_ok (reply);
}

static void
ir_device_model_arg_free (IrDeviceModelArg *arg)
{
	g_free (arg->value);
	g_free (arg);
}

/* One parameter starting at *@p; advances past it and its comma. */
static IrDeviceModelArg *
ir_device_model_next_arg (const char **p)
{
	IrDeviceModelArg *arg = g_new0 (IrDeviceModelArg, 1);
	const char *start = *p;
	const char *end;

	if (*start == '"') {
		end = strchr (start + 1, '"');
		if (end == NULL || (end[1] != ',' && end[1] != '\0')) {
			ir_device_model_arg_free (arg);
			return NULL;
		}
		arg->quoted = TRUE;
		arg->value = g_strndup (start + 1, end - start - 1);
		end++;
	} else {
		end = start + strcspn (start, ",");
		if (memchr (start, '"', end - start) != NULL) {
			ir_device_model_arg_free (arg);
			return NULL;
		}
		arg->value = g_strndup (start, end - start);
	}
	*p = *end == ',' ? end + 1 : end;
	return arg;
}

GPtrArray *
ir_device_model_split_args (const char *text)
{
	g_autoptr (GPtrArray) args =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_device_model_arg_free);
	const char *p = text;

	do {
		gboolean trailing_comma;
		IrDeviceModelArg *arg = ir_device_model_next_arg (&p);
		if (arg == NULL)
			return NULL;
		g_ptr_array_add (args, arg);
		/* "1,7," has an empty last parameter */
		trailing_comma = *p == '\0' && p > text && p[-1] == ',';
		if (trailing_comma) {
			IrDeviceModelArg *empty = g_new0 (IrDeviceModelArg, 1);
			empty->value = g_strdup ("");
			g_ptr_array_add (args, empty);
		}
	} while (*p != '\0');
	return g_steal_pointer (&args);
}

gboolean
ir_device_model_arg_uint (const IrDeviceModelArg *arg, guint max, guint *out)
{
	guint64 value = 0;

	if (arg->quoted || arg->value == NULL || !g_ascii_isdigit (arg->value[0]))
		return FALSE;
	if (!g_ascii_string_to_unsigned (arg->value, 10, 0, max, &value, NULL))
		return FALSE;
	*out = (guint)value;
	return TRUE;
}
