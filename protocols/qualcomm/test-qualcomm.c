/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-protocol-test.h"
#include "qualcomm/ir-qc-diag.h"
#include "qualcomm/ir-qc-nv-imei.h"

/* imei-sim's DIAG phone (qualcomm-device.c) from a table of requests and
 * what it must answer, malformed requests beside good ones, then the host
 * parsers on the model's answers: the two sides of the wire agree. */

/* "26 2602 ..." -> bytes; spaces ignored */
static GByteArray *
test_qualcomm_hex (const char *hex)
{
	GByteArray *out = g_byte_array_new ();

	for (const char *p = hex; *p != '\0';) {
		guint8 byte;
		if (*p == ' ') {
			p++;
			continue;
		}
		byte = (guint8)((g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]));
		g_byte_array_append (out, &byte, 1);
		p += 2;
	}
	return out;
}

static GBytes *
test_qualcomm_nv_request (IrQcDiagCommand command, int context, const char *imei)
{
	guint8 nv[IR_QC_NV_IMEI_LEN] = {0};

	if (imei != NULL)
		assert_true (ir_qc_nv_imei_encode (imei, nv, NULL));
	if (context >= 0)
		return ir_qc_diag_request_nv_ext (command == IR_QC_DIAG_NV_WRITE,
						  IR_QC_NV_UE_IMEI,
						  (guint16)context,
						  imei != NULL ? nv : NULL,
						  imei != NULL ? sizeof (nv) : 0);
	return ir_qc_diag_request_nv (
	    command, IR_QC_NV_UE_IMEI, imei != NULL ? nv : NULL, imei != NULL ? sizeof (nv) : 0);
}

typedef enum {
	EXPECT_NV,	/* an NV answer with @status (and @imei when read) */
	EXPECT_CODE,	/* a refusal: first byte @code */
	EXPECT_SPC,	/* SPC answer @status */
	EXPECT_ECHO,	/* the request echoed */
	EXPECT_NOTHING, /* no answer */
} Expect;

typedef struct {
	const char *name;
	const char *hex;	 /* the request; NULL: built from the fields below */
	IrQcDiagCommand command; /* NV read or write */
	int context;		 /* -1: plain NV command */
	const char *imei;	 /* written, or expected from a read */
	Expect expect;
	guint code;
	guint status;
} ModelRow;

#define IMEI_A IR_TEST_IMEI_A
#define ZERO   IR_TEST_IMEI_ZERO

static const ModelRow model_rows[] = {
    {"read slot 1", NULL, IR_QC_DIAG_NV_READ, -1, IMEI_A, EXPECT_NV, 0, 0},
    {"read slot 2", NULL, IR_QC_DIAG_NV_READ, 1, ZERO, EXPECT_NV, 0, 0},
    {"read slot 1 by subsystem", NULL, IR_QC_DIAG_NV_READ, 0, IMEI_A, EXPECT_NV, 0, 0},
    {"write before the SPC", NULL, IR_QC_DIAG_NV_WRITE, -1, IMEI_A, EXPECT_CODE, 0x42},
    {"wrong SPC", "41 313131313131", 0, -1, NULL, EXPECT_SPC, 0, 0},
    {"right SPC", "41 323436383130", 0, -1, NULL, EXPECT_SPC, 0, 1},
    {"offline", "29 0100", 0, -1, NULL, EXPECT_ECHO},
    {"write slot 2", NULL, IR_QC_DIAG_NV_WRITE, 1, IMEI_A, EXPECT_NV, 0, 0},
    {"read slot 2 back", NULL, IR_QC_DIAG_NV_READ, 1, IMEI_A, EXPECT_NV, 0, 0},
    {"write read-only slot 1", NULL, IR_QC_DIAG_NV_WRITE, -1, ZERO, EXPECT_NV, 0, 7},
    /* malformed */
    {"slot 3", NULL, IR_QC_DIAG_NV_READ, 2, NULL, EXPECT_CODE, 0x14},
    {"NV read too short", "26 2602 00", 0, -1, NULL, EXPECT_CODE, 0x15},
    {"NV write of no IMEI", NULL, IR_QC_DIAG_NV_WRITE, 1, NULL, EXPECT_NV, 0, 6},
    {"other NV item read",
     "26 b200"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000",
     0,
     -1,
     NULL,
     EXPECT_NV,
     0,
     5},
    {"unknown command", "fe", 0, -1, NULL, EXPECT_CODE, 0x13},
    {"other subsystem", "4b 0f 0000", 0, -1, NULL, EXPECT_CODE, 0x13},
    {"SPC too short", "41 3131", 0, -1, NULL, EXPECT_CODE, 0x15},
    {"mode 7", "29 0700", 0, -1, NULL, EXPECT_CODE, 0x14},
    {"reset", "29 0200", 0, -1, NULL, EXPECT_ECHO},
    {"reset again, not offline", "29 0200", 0, -1, NULL, EXPECT_CODE, 0x18},
    /* the reset locked the SPC again */
    {"write after reset", NULL, IR_QC_DIAG_NV_WRITE, 1, ZERO, EXPECT_CODE, 0x42},
};

static void
test_qualcomm_check_row (const ModelRow *row, GBytes *req, GByteArray *reply)
{
	const guint8 *r = g_bytes_get_data (req, NULL);
	IrQcNvResponse rsp = {0};
	g_autoptr (GError) error = NULL;
	g_autofree char *imei = NULL;

	switch (row->expect) {
	case EXPECT_NOTHING:
		assert_int_equal (reply->len, 0);
		break;
	case EXPECT_ECHO:
		assert_int_equal (reply->len, g_bytes_get_size (req));
		assert_memory_equal (reply->data, r, reply->len);
		break;
	case EXPECT_CODE:
		assert_true (reply->len > 1);
		if (reply->data[0] != row->code)
			fail_msg ("%s: answered 0x%02x, expected 0x%02x",
				  row->name,
				  reply->data[0],
				  row->code);
		break;
	case EXPECT_SPC:
		assert_int_equal (reply->len, 2);
		assert_int_equal (reply->data[0], IR_QC_DIAG_SPC);
		assert_int_equal (reply->data[1], row->status);
		break;
	case EXPECT_NV:
		if (!ir_qc_diag_parse_nv (reply->data,
					  reply->len,
					  r[0] == IR_QC_DIAG_NV_WRITE ||
					      (r[0] == 0x4B && r[2] == 2),
					  r[0] == 0x4B ? (guint16)(r[4] | (r[5] << 8))
						       : (guint16)(r[1] | (r[2] << 8)),
					  row->context,
					  &rsp,
					  &error))
			fail_msg ("%s: %s", row->name, error->message);
		if (rsp.status != row->status)
			fail_msg ("%s: status %u, expected %u", row->name, rsp.status, row->status);
		if (row->command == IR_QC_DIAG_NV_READ && row->imei != NULL) {
			assert_int_equal (
			    ir_qc_nv_imei_decode (rsp.data, sizeof (rsp.data), &imei, NULL),
			    IR_QC_NV_IMEI_SET);
			assert_string_equal (imei, row->imei);
		}
		break;
	default:
		fail ();
	}
}

static void
test_qualcomm_model_rows (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("qualcomm", "Qualcomm", "IRQC-X55", 2, IMEI_A, ZERO);

	state->spc = g_strdup ("246810");
	state->spc_required = TRUE;
	state->diag_mode = TRUE;
	for (guint i = 0; i < G_N_ELEMENTS (model_rows); i++) {
		const ModelRow *row = &model_rows[i];
		g_autoptr (GBytes) req = NULL;
		g_autoptr (GByteArray) reply = g_byte_array_new ();

		if (g_str_has_prefix (row->name, "write read-only"))
			state->read_only[0] = TRUE;
		if (row->hex != NULL) {
			GByteArray *bytes = test_qualcomm_hex (row->hex);
			req = g_byte_array_free_to_bytes (bytes);
		} else {
			req = test_qualcomm_nv_request (
			    row->command,
			    row->context,
			    row->command == IR_QC_DIAG_NV_WRITE ? row->imei : NULL);
		}
		if (!ir_device_model_dispatch_frame (
			state, g_bytes_get_data (req, NULL), g_bytes_get_size (req), reply))
			g_byte_array_set_size (reply, 0);
		test_qualcomm_check_row (row, req, reply);
	}
	/* the one write that went through is stored */
	assert_string_equal (state->imei[1], IMEI_A);
	assert_string_equal (state->imei[0], IMEI_A);
	ir_protocol_test_state_free (state);
}

/* Three wrong codes lock the SPC out, the right one included. */
static void
test_qualcomm_spc_lockout (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("qualcomm", "Qualcomm", "IRQC-X55", 1, ZERO, NULL);
	const char *tries[] = {
	    "41 313131313131", "41 313131313132", "41 313131313133", "41 303030303030"};

	state->diag_mode = TRUE;
	for (guint i = 0; i < G_N_ELEMENTS (tries); i++) {
		g_autoptr (GByteArray) req = test_qualcomm_hex (tries[i]);
		g_autoptr (GByteArray) reply = g_byte_array_new ();
		assert_true (ir_device_model_dispatch_frame (state, req->data, req->len, reply));
		assert_int_equal (reply->data[1], 0);
	}
	assert_false (state->spc_unlocked);
	ir_protocol_test_state_free (state);
}

/* Identity answers the host parses: version model, build id, ESN. */
static void
test_qualcomm_identity (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("qualcomm", "Qualcomm", "IRQC-X55", 1, ZERO, NULL);
	const guint8 version = IR_QC_DIAG_VERSION_INFO;
	const guint8 build = IR_QC_DIAG_EXT_BUILD_ID;
	const guint8 esn = IR_QC_DIAG_ESN;
	g_autoptr (GByteArray) a = g_byte_array_new ();
	g_autoptr (GByteArray) b = g_byte_array_new ();
	g_autoptr (GByteArray) c = g_byte_array_new ();
	g_autofree char *model = NULL;
	g_autofree char *build_id = NULL;
	g_autofree char *long_model = NULL;
	g_autofree char *esn_text = NULL;

	g_free (state->serial);
	state->serial = g_strdup ("0C1A0001");
	g_free (state->revision);
	state->revision = g_strdup ("MPSS.TEST.1");
	state->diag_mode = TRUE;
	assert_true (ir_device_model_dispatch_frame (state, &version, 1, a));
	assert_true (ir_device_model_dispatch_frame (state, &build, 1, b));
	assert_true (ir_device_model_dispatch_frame (state, &esn, 1, c));
	model = ir_qc_diag_parse_version_model (a->data, a->len, NULL);
	assert_string_equal (model, "IRQC-X55");
	assert_true (ir_qc_diag_parse_ext_build_id (b->data, b->len, &build_id, &long_model, NULL));
	assert_string_equal (build_id, "MPSS.TEST.1");
	assert_string_equal (long_model, "IRQC-X55");
	esn_text = ir_qc_diag_parse_esn (c->data, c->len, NULL);
	assert_string_equal (esn_text, "0C1A0001");
	ir_protocol_test_state_free (state);
}

/* The AT side knows AT$QCDMG only, which switches the port. */
static const IrTestModelRow ir_test_qualcomm_at_rows[] = {
    {"AT", IR_OK},
    {"AT+EGMR=0,7", IR_ERROR_LINE},
    {"AT$QCDMG", IR_OK},
};

static void
test_qualcomm_qcdmg (void **cstate)
{
	IrSimState *state =
	    ir_protocol_test_state_new ("qualcomm", "Qualcomm", "IRQC-X55", 1, ZERO, NULL);

	assert_false (state->diag_mode);
	ir_protocol_test_model_rows (
	    state, ir_test_qualcomm_at_rows, G_N_ELEMENTS (ir_test_qualcomm_at_rows));
	assert_true (state->diag_mode);
	ir_protocol_test_state_free (state);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_qualcomm_model_rows),
	    cmocka_unit_test (test_qualcomm_spc_lockout),
	    cmocka_unit_test (test_qualcomm_identity),
	    cmocka_unit_test (test_qualcomm_qcdmg),
	};
	return cmocka_run_group_tests_name ("qualcomm", tests, NULL, NULL);
}
