/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ir-error.h"
#include "ir-qc-diag.h"

/* Offsets in the answers (README.md "Commands"). */
#define IR_QC_NV_LEN	     (1 + 2 + IR_QC_NV_ITEM_SIZE + 2)
#define IR_QC_NV_EXT_LEN     (4 + 2 + 2 + IR_QC_NV_ITEM_SIZE + 2)
#define IR_QC_ESN_LEN	     5
#define IR_QC_VERSION_MODEL  39 /* code, comp date/time, rel date/time */
#define IR_QC_VERSION_LEN    (IR_QC_VERSION_MODEL + 8)
#define IR_QC_EXT_BUILD_STRS 12 /* code, format, 2 reserved, hw version, model id */
#define IR_QC_SPC_RSP_LEN    2
#define IR_QC_TEXT_MAX	     128 /* longest version string we keep */

static const char *const ir_qc_diag_nv_status_names[] = {
    [IR_QC_NV_DONE] = "done",
    [IR_QC_NV_BUSY] = "busy",
    [IR_QC_NV_BAD_COMMAND] = "bad command",
    [IR_QC_NV_FULL] = "full",
    [IR_QC_NV_FAIL] = "fail",
    [IR_QC_NV_INACTIVE] = "inactive",
    [IR_QC_NV_BAD_PARAMETER] = "bad parameter",
    [IR_QC_NV_READ_ONLY] = "read-only",
    [IR_QC_NV_BAD_TAG] = "bad tag",
    [IR_QC_NV_NO_MEMORY] = "no memory",
    [IR_QC_NV_NOT_ALLOCATED] = "not allocated",
};

const char *
ir_qc_diag_nv_status_to_string (guint status)
{
	if (status >= G_N_ELEMENTS (ir_qc_diag_nv_status_names))
		return NULL;
	return ir_qc_diag_nv_status_names[status];
}

/* What each status means for the technician, and the code callers act on. */
static void
ir_qc_diag_nv_status_explain (guint status, gboolean write, IrError *code, const char **hint)
{
	*code = IR_ERROR_FAILED;
	switch ((IrQcNvStatus)status) {
	case IR_QC_NV_BUSY:
		*code = IR_ERROR_TIMEOUT;
		*hint = "the phone's NV task is busy: wait a moment and try again";
		break;
	case IR_QC_NV_READ_ONLY:
		*code = IR_ERROR_READ_ONLY;
		*hint = "the item is write-protected: it cannot be restored at a service centre; "
			"stop here and send the phone to the brand's repair process";
		break;
	case IR_QC_NV_INACTIVE:
		*code = write ? IR_ERROR_NOT_SUPPORTED : IR_ERROR_FAILED;
		*hint = "the item is not active on this phone: stop here, writing it again will "
			"not help";
		break;
	case IR_QC_NV_BAD_COMMAND:
	case IR_QC_NV_BAD_PARAMETER:
	case IR_QC_NV_BAD_TAG:
		*code = IR_ERROR_NOT_SUPPORTED;
		*hint = "the phone does not support this NV request: it needs its brand's own tool";
		break;
	case IR_QC_NV_FULL:
	case IR_QC_NV_NO_MEMORY:
	case IR_QC_NV_NOT_ALLOCATED:
		*hint = "the phone's NV memory cannot take the item: stop here and send the phone "
			"to the brand's repair process";
		break;
	case IR_QC_NV_FAIL:
	default:
		*hint = "identify the phone again to see what it holds now";
		break;
	}
}

void
ir_qc_diag_nv_status_set_error (guint status, gboolean write, const char *what, GError **error)
{
	const char *name = ir_qc_diag_nv_status_to_string (status);
	const char *hint = NULL;
	IrError code;

	g_return_if_fail (status != IR_QC_NV_DONE);

	if (name == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "%s answered an unknown NV status %u",
			     what,
			     status);
		return;
	}
	ir_qc_diag_nv_status_explain (status, write, &code, &hint);
	g_set_error (error,
		     IR_ERROR,
		     code,
		     "%s: NV %s answered status %u (%s): %s",
		     what,
		     write ? "write" : "read",
		     status,
		     name,
		     hint);
}

static void
ir_qc_diag_put_le16 (GByteArray *out, guint16 value)
{
	guint8 le[2] = {(guint8)(value & 0xFF), (guint8)(value >> 8)};
	g_byte_array_append (out, le, 2);
}

static guint16
ir_qc_diag_get_le16 (const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

GBytes *
ir_qc_diag_request_simple (IrQcDiagCommand command)
{
	guint8 code = (guint8)command;
	return g_bytes_new (&code, 1);
}

/* item, 128 data bytes (zero-padded), status 0 */
static void
ir_qc_diag_put_nv_body (GByteArray *out, guint16 item, const guint8 *data, gsize len)
{
	guint8 field[IR_QC_NV_ITEM_SIZE] = {0};

	if (data != NULL)
		memcpy (field, data, MIN (len, sizeof (field)));
	ir_qc_diag_put_le16 (out, item);
	g_byte_array_append (out, field, sizeof (field));
	ir_qc_diag_put_le16 (out, 0);
}

GBytes *
ir_qc_diag_request_nv (IrQcDiagCommand command, guint16 item, const guint8 *data, gsize len)
{
	GByteArray *out = g_byte_array_sized_new (IR_QC_NV_LEN);
	guint8 code = (guint8)command;

	g_return_val_if_fail (command == IR_QC_DIAG_NV_READ || command == IR_QC_DIAG_NV_WRITE,
			      NULL);
	g_byte_array_append (out, &code, 1);
	ir_qc_diag_put_nv_body (out, item, data, len);
	return g_byte_array_free_to_bytes (out);
}

/* The subsystem form: 0x4B, subsystem 0x30, its command (LE16), then the
 * item, the context (the subscription, 0-based) and the NV body. */
GBytes *
ir_qc_diag_request_nv_ext (
    gboolean write, guint16 item, guint16 context, const guint8 *data, gsize len)
{
	GByteArray *out = g_byte_array_sized_new (IR_QC_NV_EXT_LEN);
	guint8 head[2] = {IR_QC_DIAG_SUBSYS, IR_QC_SUBSYS_NV};
	guint8 field[IR_QC_NV_ITEM_SIZE] = {0};

	if (data != NULL)
		memcpy (field, data, MIN (len, sizeof (field)));
	g_byte_array_append (out, head, 2);
	ir_qc_diag_put_le16 (out, write ? IR_QC_SUBSYS_NV_WRITE_EXT : IR_QC_SUBSYS_NV_READ_EXT);
	ir_qc_diag_put_le16 (out, item);
	ir_qc_diag_put_le16 (out, context);
	g_byte_array_append (out, field, sizeof (field));
	ir_qc_diag_put_le16 (out, 0);
	return g_byte_array_free_to_bytes (out);
}

GBytes *
ir_qc_diag_request_control (guint16 mode)
{
	GByteArray *out = g_byte_array_sized_new (3);
	guint8 code = IR_QC_DIAG_CONTROL;

	g_byte_array_append (out, &code, 1);
	ir_qc_diag_put_le16 (out, mode);
	return g_byte_array_free_to_bytes (out);
}

GBytes *
ir_qc_diag_request_spc (const char *spc, GError **error)
{
	guint8 buf[1 + IR_QC_SPC_LEN] = {IR_QC_DIAG_SPC};
	GBytes *req;

	if (spc == NULL || strlen (spc) != IR_QC_SPC_LEN ||
	    strspn (spc, "0123456789") != IR_QC_SPC_LEN) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "the service programming code must be 6 digits: nothing sent; "
				     "ask the brand to correct its registry");
		return NULL;
	}
	memcpy (buf + 1, spc, IR_QC_SPC_LEN);
	req = g_bytes_new (buf, sizeof (buf));
	/* the code unlocks the phone: keep no copy on the stack */
	OPENSSL_cleanse (buf, sizeof (buf));
	return req;
}

static const char *
ir_qc_diag_refusal (guint8 code)
{
	switch (code) {
	case IR_QC_DIAG_BAD_CMD:
		return "bad command";
	case IR_QC_DIAG_BAD_PARM:
		return "bad parameter";
	case IR_QC_DIAG_BAD_LEN:
		return "bad length";
	case IR_QC_DIAG_BAD_MODE:
		return "bad mode";
	default:
		return NULL;
	}
}

gboolean
ir_qc_diag_check_response (
    const guint8 *payload, gsize len, IrQcDiagCommand command, gsize min_len, GError **error)
{
	const char *refusal;

	if (len == 0) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_PROTOCOL, "empty DIAG answer");
		return FALSE;
	}
	refusal = ir_qc_diag_refusal (payload[0]);
	if (refusal != NULL && payload[0] != (guint8)command) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "the phone does not support DIAG command 0x%02x (it answered %s, "
			     "0x%02x)",
			     command,
			     refusal,
			     payload[0]);
		return FALSE;
	}
	if (payload[0] == IR_QC_DIAG_BAD_SPC_MODE && command != IR_QC_DIAG_BAD_SPC_MODE) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_SPC_LOCKED,
			     "the phone wants its service programming code (SPC) before DIAG "
			     "command 0x%02x",
			     command);
		return FALSE;
	}
	if (payload[0] != (guint8)command) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG answer 0x%02x to command 0x%02x",
			     payload[0],
			     command);
		return FALSE;
	}
	if (len < min_len) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG answer to command 0x%02x has %" G_GSIZE_FORMAT
			     " bytes, expected %" G_GSIZE_FORMAT,
			     command,
			     len,
			     min_len);
		return FALSE;
	}
	return TRUE;
}

/* The subsystem header an ext answer must echo. */
static gboolean
ir_qc_diag_check_subsys (const guint8 *payload, gboolean write, GError **error)
{
	guint16 cmd = ir_qc_diag_get_le16 (payload + 2);
	guint16 want = write ? IR_QC_SUBSYS_NV_WRITE_EXT : IR_QC_SUBSYS_NV_READ_EXT;

	if (payload[1] == IR_QC_SUBSYS_NV && cmd == want)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "DIAG subsystem answer 0x%02x/%u to NV subsystem command %u",
		     payload[1],
		     cmd,
		     want);
	return FALSE;
}

gboolean
ir_qc_diag_parse_nv (const guint8 *payload,
		     gsize len,
		     gboolean write,
		     guint16 item,
		     int context,
		     IrQcNvResponse *out,
		     GError **error)
{
	IrQcDiagCommand command = context >= 0 ? IR_QC_DIAG_SUBSYS
				  : write      ? IR_QC_DIAG_NV_WRITE
					       : IR_QC_DIAG_NV_READ;
	gsize min_len = context >= 0 ? IR_QC_NV_EXT_LEN : IR_QC_NV_LEN;
	const guint8 *body;

	g_return_val_if_fail (out != NULL, FALSE);

	if (!ir_qc_diag_check_response (payload, len, command, min_len, error))
		return FALSE;
	if (context >= 0 && !ir_qc_diag_check_subsys (payload, write, error))
		return FALSE;
	body = payload + (context >= 0 ? 4 : 1);
	out->item = ir_qc_diag_get_le16 (body);
	body += 2;
	out->context = 0;
	if (context >= 0) {
		out->context = ir_qc_diag_get_le16 (body);
		body += 2;
	}
	memcpy (out->data, body, IR_QC_NV_ITEM_SIZE);
	out->status = ir_qc_diag_get_le16 (body + IR_QC_NV_ITEM_SIZE);
	if (out->item != item || (context >= 0 && out->context != (guint16)context)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG NV answer is for item %u context %u, not item %u context %d",
			     out->item,
			     out->context,
			     item,
			     MAX (context, 0));
		return FALSE;
	}
	return TRUE;
}

char *
ir_qc_diag_parse_esn (const guint8 *payload, gsize len, GError **error)
{
	guint32 esn;

	if (!ir_qc_diag_check_response (payload, len, IR_QC_DIAG_ESN, IR_QC_ESN_LEN, error))
		return NULL;
	esn = (guint32)payload[1] | ((guint32)payload[2] << 8) | ((guint32)payload[3] << 16) |
	      ((guint32)payload[4] << 24);
	return g_strdup_printf ("%08X", esn);
}

/* Printable ASCII up to the first NUL of @len bytes, blanks trimmed; NULL
 * when a byte is not printable. */
static char *
ir_qc_diag_text (const guint8 *p, gsize len)
{
	gsize n = 0;
	g_autofree char *text = NULL;

	while (n < len && p[n] != '\0')
		n++;
	for (gsize i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7E)
			return NULL;
	}
	text = g_strndup ((const char *)p, MIN (n, IR_QC_TEXT_MAX));
	return g_strdup (g_strstrip (text));
}

char *
ir_qc_diag_parse_version_model (const guint8 *payload, gsize len, GError **error)
{
	char *model;

	if (!ir_qc_diag_check_response (
		payload, len, IR_QC_DIAG_VERSION_INFO, IR_QC_VERSION_LEN, error))
		return NULL;
	model = ir_qc_diag_text (payload + IR_QC_VERSION_MODEL, 8);
	if (model == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "DIAG version info has an unprintable model");
		return NULL;
	}
	return model;
}

gboolean
ir_qc_diag_parse_ext_build_id (
    const guint8 *payload, gsize len, char **build_id, char **model, GError **error)
{
	const guint8 *strs;
	const guint8 *end;
	const guint8 *nul;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;

	if (!ir_qc_diag_check_response (
		payload, len, IR_QC_DIAG_EXT_BUILD_ID, IR_QC_EXT_BUILD_STRS + 1, error))
		return FALSE;
	strs = payload + IR_QC_EXT_BUILD_STRS;
	end = payload + len;
	nul = memchr (strs, '\0', (gsize)(end - strs));
	first = ir_qc_diag_text (strs, (gsize)(end - strs));
	if (nul != NULL && nul + 1 < end)
		second = ir_qc_diag_text (nul + 1, (gsize)(end - nul - 1));
	if (first == NULL || (nul != NULL && nul + 1 < end && second == NULL)) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "DIAG extended build id has unprintable strings");
		return FALSE;
	}
	*build_id = g_steal_pointer (&first);
	*model = second != NULL && second[0] != '\0' ? g_steal_pointer (&second) : NULL;
	return TRUE;
}

gboolean
ir_qc_diag_parse_spc (const guint8 *payload, gsize len, gboolean *accepted, GError **error)
{
	if (!ir_qc_diag_check_response (payload, len, IR_QC_DIAG_SPC, IR_QC_SPC_RSP_LEN, error))
		return FALSE;
	if (payload[1] > 1) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "DIAG SPC answer has status %u, expected 0 or 1",
			     payload[1]);
		return FALSE;
	}
	*accepted = payload[1] == 1;
	return TRUE;
}
