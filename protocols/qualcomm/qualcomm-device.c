/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-device-model-private.h"
#include "ir-qc-diag.h"
#include "ir-qc-nv-imei.h"

/* A Qualcomm handset's DIAG port as imei-sim plays it (README.md,
 * "Simulator"). Its AT side only knows AT$QCDMG, which switches the port
 * to DIAG; the 3gpp model answers the rest. Multi-byte fields are
 * little-endian, as on the wire. */

#define IR_QC_DEV_NV_LEN      133 /* code, item, 128 bytes, status */
#define IR_QC_DEV_NV_EXT_LEN  138 /* 0x4B header, item, context, 128 bytes, status */
#define IR_QC_DEV_SPC_TRIES   3	  /* wrong codes before the phone locks the SPC out */
#define IR_QC_DEV_DEFAULT_SPC "000000"

static guint16
qualcomm_device_le16 (const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

/* DIAG's refusal: its code, then the request as received. */
static gboolean
qualcomm_device_refuse (guint8 code, const guint8 *req, gsize len, GByteArray *reply)
{
	g_byte_array_append (reply, &code, 1);
	g_byte_array_append (reply, req, (guint)MIN (len, (gsize)IR_QC_DEV_NV_EXT_LEN));
	return TRUE;
}

/* The NV answer: the request echoed, its data field and status replaced. */
static void
qualcomm_device_nv_answer (
    const guint8 *req, gsize len, const guint8 *data, guint16 status, GByteArray *reply)
{
	gsize data_off = len - 2 - IR_QC_NV_ITEM_SIZE;
	guint8 st[2] = {(guint8)(status & 0xFF), (guint8)(status >> 8)};

	g_byte_array_append (reply, req, (guint)data_off);
	g_byte_array_append (reply, data, IR_QC_NV_ITEM_SIZE);
	g_byte_array_append (reply, st, 2);
}

/* What slot @slot holds as NV 550 bytes: "nv550:<hex>" in the state is
 * raw contents (to play a malformed item), anything else an IMEI. */
static guint16
qualcomm_device_slot_bytes (const IrSimState *state, guint slot, guint8 *data)
{
	const char *imei = state->imei[slot];

	memset (data, 0, IR_QC_NV_ITEM_SIZE);
	if (imei == NULL || imei[0] == '\0')
		return IR_QC_NV_INACTIVE;
	if (g_str_has_prefix (imei, "nv550:")) {
		const char *hex = imei + 6;
		for (guint i = 0; i < IR_QC_NV_ITEM_SIZE && hex[0] != '\0' && hex[1] != '\0';
		     i++, hex += 2)
			data[i] = (guint8)((g_ascii_xdigit_value (hex[0]) << 4) |
					   g_ascii_xdigit_value (hex[1]));
		return IR_QC_NV_DONE;
	}
	if (!ir_qc_nv_imei_encode (imei, data, NULL))
		return IR_QC_NV_FAIL;
	return IR_QC_NV_DONE;
}

static void
qualcomm_device_nv_write (IrSimState *state, guint slot, const guint8 *data, guint16 *status)
{
	g_autofree char *imei = NULL;

	if (state->read_only[slot]) {
		*status = IR_QC_NV_READ_ONLY;
		return;
	}
	if (ir_qc_nv_imei_decode (data, IR_QC_NV_ITEM_SIZE, &imei, NULL) != IR_QC_NV_IMEI_SET) {
		*status = IR_QC_NV_BAD_PARAMETER;
		return;
	}
	*status = IR_QC_NV_DONE;
	if (!state->no_stick) {
		g_free (state->imei[slot]);
		state->imei[slot] = g_steal_pointer (&imei);
		state->dirty = TRUE;
	}
	state->hangup_now = state->hangup_after_write;
}

/* NV read or write of @item for @slot; @len is the whole request. */
static gboolean
qualcomm_device_nv (IrSimState *state,
		    const guint8 *req,
		    gsize len,
		    gboolean write,
		    guint16 item,
		    guint slot,
		    GByteArray *reply)
{
	guint8 data[IR_QC_NV_ITEM_SIZE];
	guint16 status = IR_QC_NV_DONE;

	if (slot >= state->n_slots || slot >= IR_SIM_MAX_SLOTS)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_PARM, req, len, reply);
	if (write && state->spc_required && !state->spc_unlocked)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_SPC_MODE, req, len, reply);
	memcpy (data, req + len - 2 - IR_QC_NV_ITEM_SIZE, IR_QC_NV_ITEM_SIZE);
	if (item != IR_QC_NV_UE_IMEI)
		status = write ? IR_QC_NV_BAD_PARAMETER : IR_QC_NV_INACTIVE;
	else if (write)
		qualcomm_device_nv_write (state, slot, data, &status);
	else
		status = qualcomm_device_slot_bytes (state, slot, data);
	qualcomm_device_nv_answer (req, len, data, status, reply);
	return TRUE;
}

static gboolean
qualcomm_device_subsys (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply)
{
	guint16 cmd;

	if (len < 4 || req[1] != IR_QC_SUBSYS_NV)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_CMD, req, len, reply);
	cmd = qualcomm_device_le16 (req + 2);
	if (cmd != IR_QC_SUBSYS_NV_READ_EXT && cmd != IR_QC_SUBSYS_NV_WRITE_EXT)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_CMD, req, len, reply);
	if (len != IR_QC_DEV_NV_EXT_LEN)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_LEN, req, len, reply);
	return qualcomm_device_nv (state,
				   req,
				   len,
				   cmd == IR_QC_SUBSYS_NV_WRITE_EXT,
				   qualcomm_device_le16 (req + 4),
				   qualcomm_device_le16 (req + 6),
				   reply);
}

static gboolean
qualcomm_device_spc (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply)
{
	const char *spc = state->spc != NULL ? state->spc : IR_QC_DEV_DEFAULT_SPC;
	guint8 answer[2] = {IR_QC_DIAG_SPC, 0};

	if (len != 1 + IR_QC_SPC_LEN)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_LEN, req, len, reply);
	/* locked out after repeated wrong codes, the right one included */
	if (state->spc_failures < IR_QC_DEV_SPC_TRIES &&
	    memcmp (req + 1, spc, IR_QC_SPC_LEN) == 0) {
		state->spc_unlocked = TRUE;
		answer[1] = 1;
	} else {
		state->spc_failures++;
	}
	g_byte_array_append (reply, answer, 2);
	return TRUE;
}

static gboolean
qualcomm_device_control (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply)
{
	guint16 mode;

	if (len != 3)
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_LEN, req, len, reply);
	mode = qualcomm_device_le16 (req + 1);
	if (mode == IR_QC_DIAG_MODE_OFFLINE) {
		state->offline = TRUE;
	} else if (mode == IR_QC_DIAG_MODE_RESET) {
		/* a reset only from offline, as phones do; it locks the SPC again */
		if (!state->offline)
			return qualcomm_device_refuse (IR_QC_DIAG_BAD_MODE, req, len, reply);
		state->offline = FALSE;
		state->spc_unlocked = FALSE;
	} else {
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_PARM, req, len, reply);
	}
	g_byte_array_append (reply, req, 3);
	return TRUE;
}

static void
qualcomm_device_put_text (GByteArray *reply, const char *text, gsize width)
{
	guint8 field[64] = {0};
	gsize len = text != NULL ? strlen (text) : 0;

	/* fixed-width, NUL-padded, not NUL-terminated when full */
	if (len > 0)
		memcpy (field, text, MIN (len, MIN (width, sizeof (field))));
	g_byte_array_append (reply, field, (guint)width);
}

static gboolean
qualcomm_device_version (IrSimState *state, GByteArray *reply)
{
	static const guint8 tail[8] = {0x01, 0x0A, 0x00, 0x01, 0x00, 0x02, 0x0D, 0x00};
	guint8 code = IR_QC_DIAG_VERSION_INFO;

	g_byte_array_append (reply, &code, 1);
	qualcomm_device_put_text (reply, "Dec 04 2026", 11);
	qualcomm_device_put_text (reply, "12:00:00", 8);
	qualcomm_device_put_text (reply, "Dec 04 2026", 11);
	qualcomm_device_put_text (reply, "12:00:00", 8);
	qualcomm_device_put_text (reply, state->model, 8);
	g_byte_array_append (reply, tail, sizeof (tail));
	return TRUE;
}

static gboolean
qualcomm_device_ext_build_id (IrSimState *state, GByteArray *reply)
{
	static const guint8 head[12] = {
	    IR_QC_DIAG_EXT_BUILD_ID, 0, 0, 0, 0xE1, 0, 0, 0, 0x2A, 0, 0, 0};
	const char *revision = state->revision != NULL ? state->revision : "";
	const char *model = state->model != NULL ? state->model : "";

	g_byte_array_append (reply, head, sizeof (head));
	g_byte_array_append (reply, (const guint8 *)revision, (guint)strlen (revision) + 1);
	g_byte_array_append (reply, (const guint8 *)model, (guint)strlen (model) + 1);
	return TRUE;
}

/* The ESN is the state's serial read as hex (8 digits); 0 when it is not. */
static gboolean
qualcomm_device_esn (IrSimState *state, GByteArray *reply)
{
	guint64 esn = 0;
	guint8 answer[5] = {IR_QC_DIAG_ESN};

	if (state->serial != NULL)
		(void)g_ascii_string_to_unsigned (state->serial, 16, 0, G_MAXUINT32, &esn, NULL);
	for (guint i = 0; i < 4; i++)
		answer[1 + i] = (guint8)((esn >> (8 * i)) & 0xFF);
	g_byte_array_append (reply, answer, sizeof (answer));
	return TRUE;
}

static gboolean
qualcomm_device_handle_frame (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply)
{
	switch (req[0]) {
	case IR_QC_DIAG_VERSION_INFO:
		return qualcomm_device_version (state, reply);
	case IR_QC_DIAG_ESN:
		return qualcomm_device_esn (state, reply);
	case IR_QC_DIAG_EXT_BUILD_ID:
		return qualcomm_device_ext_build_id (state, reply);
	case IR_QC_DIAG_NV_READ:
	case IR_QC_DIAG_NV_WRITE:
		if (len != IR_QC_DEV_NV_LEN)
			return qualcomm_device_refuse (IR_QC_DIAG_BAD_LEN, req, len, reply);
		return qualcomm_device_nv (state,
					   req,
					   len,
					   req[0] == IR_QC_DIAG_NV_WRITE,
					   qualcomm_device_le16 (req + 1),
					   0,
					   reply);
	case IR_QC_DIAG_SUBSYS:
		return qualcomm_device_subsys (state, req, len, reply);
	case IR_QC_DIAG_SPC:
		return qualcomm_device_spc (state, req, len, reply);
	case IR_QC_DIAG_CONTROL:
		return qualcomm_device_control (state, req, len, reply);
	default:
		return qualcomm_device_refuse (IR_QC_DIAG_BAD_CMD, req, len, reply);
	}
}

/* The AT side: AT$QCDMG switches the port to DIAG after its OK. */
static gboolean
qualcomm_device_handle_line (IrSimState *state, const char *line, GString *reply)
{
	if (g_strcmp0 (line, "AT$QCDMG") != 0)
		return FALSE;
	ir_device_model_reply_ok (reply);
	state->diag_mode = TRUE;
	return TRUE;
}

const IrDeviceModel ir_device_model_qualcomm = {
    .family = "qualcomm",
    .handle = qualcomm_device_handle_line,
    .handle_frame = qualcomm_device_handle_frame,
};
