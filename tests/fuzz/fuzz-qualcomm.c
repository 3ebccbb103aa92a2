/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-error.h"
#include "qualcomm/ir-qc-diag.h"
#include "qualcomm/ir-qc-hdlc.h"
#include "qualcomm/ir-qc-nv-imei.h"

/* The qualcomm family's pure codecs (protocols/qualcomm/) on whatever a
 * phone's DIAG port might send: the bytes go through the HDLC reader as off
 * the line, and every frame it decodes goes through each answer parser.
 * Each must give a value that keeps its promises or an IR_ERROR; anything
 * else aborts, which libFuzzer reports. */

static void
fuzz_qualcomm_error (const GError *error)
{
	if (error == NULL || error->domain != IR_ERROR || error->message[0] == '\0')
		abort ();
}

/* what decoded must encode and decode to the same bytes */
static void
fuzz_qualcomm_round_trip (GBytes *payload)
{
	gsize n;
	const guint8 *p = g_bytes_get_data (payload, &n);
	g_autoptr (GBytes) frame = NULL;
	g_autoptr (GBytes) back = NULL;
	gsize fn;
	const guint8 *f;

	if (n == 0 || n > IR_QC_HDLC_MAX_PAYLOAD)
		abort ();
	frame = ir_qc_hdlc_encode (p, n);
	f = g_bytes_get_data (frame, &fn);
	if (memchr (f, IR_QC_HDLC_FLAG, fn - 1) != NULL)
		abort ();
	back = ir_qc_hdlc_decode (f, fn, NULL);
	if (back == NULL || !g_bytes_equal (back, payload))
		abort ();
}

static void
fuzz_qualcomm_nv_imei (const guint8 *data, gsize len)
{
	g_autofree char *imei = NULL;
	g_autofree char *why = NULL;
	guint8 again[IR_QC_NV_IMEI_LEN];

	switch (ir_qc_nv_imei_decode (data, len, &imei, &why)) {
	case IR_QC_NV_IMEI_SET:
		if (imei == NULL || strlen (imei) != 15 || strspn (imei, "0123456789") != 15)
			abort ();
		/* a well-formed item encodes back to its own bytes */
		if (!ir_qc_nv_imei_encode (imei, again, NULL) ||
		    memcmp (again, data, sizeof (again)) != 0)
			abort ();
		break;
	case IR_QC_NV_IMEI_UNSET:
		if (imei != NULL)
			abort ();
		break;
	case IR_QC_NV_IMEI_MALFORMED:
		if (imei == NULL || !g_str_has_prefix (imei, "nv550:") || why == NULL)
			abort ();
		break;
	default:
		abort ();
	}
}

static void
fuzz_qualcomm_nv (const guint8 *p, gsize n, gboolean write, int context)
{
	IrQcNvResponse rsp;
	g_autoptr (GError) error = NULL;

	if (!ir_qc_diag_parse_nv (p, n, write, IR_QC_NV_UE_IMEI, context, &rsp, &error)) {
		fuzz_qualcomm_error (error);
		return;
	}
	if (rsp.item != IR_QC_NV_UE_IMEI || (context >= 0 && rsp.context != context))
		abort ();
	fuzz_qualcomm_nv_imei (rsp.data, sizeof (rsp.data));
	if (rsp.status != IR_QC_NV_DONE) {
		g_autoptr (GError) status_error = NULL;
		ir_qc_diag_nv_status_set_error (rsp.status, write, "fuzz", &status_error);
		fuzz_qualcomm_error (status_error);
	}
}

static void
fuzz_qualcomm_identity (const guint8 *p, gsize n)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *esn = ir_qc_diag_parse_esn (p, n, &error);
	g_autofree char *model = NULL;
	char *build_id = NULL;
	char *ext_model = NULL;
	gboolean accepted = FALSE;

	if (esn == NULL)
		fuzz_qualcomm_error (error);
	else if (strlen (esn) != 8)
		abort ();
	g_clear_error (&error);
	model = ir_qc_diag_parse_version_model (p, n, &error);
	if (model == NULL)
		fuzz_qualcomm_error (error);
	g_clear_error (&error);
	if (ir_qc_diag_parse_ext_build_id (p, n, &build_id, &ext_model, &error)) {
		if (build_id == NULL)
			abort ();
		g_free (build_id);
		g_free (ext_model);
	} else {
		fuzz_qualcomm_error (error);
	}
	g_clear_error (&error);
	if (!ir_qc_diag_parse_spc (p, n, &accepted, &error))
		fuzz_qualcomm_error (error);
}

static void
fuzz_qualcomm_payload (GBytes *payload)
{
	gsize n;
	const guint8 *p = g_bytes_get_data (payload, &n);

	fuzz_qualcomm_round_trip (payload);
	fuzz_qualcomm_nv (p, n, FALSE, -1);
	fuzz_qualcomm_nv (p, n, TRUE, -1);
	fuzz_qualcomm_nv (p, n, FALSE, 1);
	fuzz_qualcomm_nv (p, n, TRUE, 1);
	fuzz_qualcomm_identity (p, n);
	fuzz_qualcomm_nv_imei (p, n);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (IrQcHdlcReader) reader = ir_qc_hdlc_reader_new ();
	gsize off = 0;

	while (off < size) {
		gsize used = 0;
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) payload =
		    ir_qc_hdlc_reader_push (reader, data + off, size - off, &used, &error);
		if (used == 0 || used > size - off)
			abort ();
		off += used;
		if (payload != NULL)
			fuzz_qualcomm_payload (payload);
		else if (error != NULL)
			fuzz_qualcomm_error (error);
	}
	if (ir_qc_hdlc_reader_get_pending (reader) > IR_QC_HDLC_MAX_FRAME)
		abort ();
	return 0;
}
