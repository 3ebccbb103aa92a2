/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-qc-diag.h"
#include "ir-qc-hdlc.h"
#include "ir-qc-nv-imei.h"

/* The qualcomm family's pure codecs, from tables with malformed rows beside
 * good ones. Vectors marked "libqcdm" are frames and CRCs from ModemManager's
 * libqcdm/tests (test-qcdm-crc.c, test-qcdm-utils.c), recorded from real
 * devices or built by libqcdm; the NV 550 example read from a real phone is
 * cited in README.md. */

#define assert_no_error(error)                                                                     \
	do {                                                                                       \
		if ((error) != NULL)                                                               \
			fail_msg ("unexpected error: %s", (error)->message);                       \
	} while (0)

/* "08 9a 09" -> bytes; spaces ignored */
static GBytes *
test_qualcomm_codec_hex (const char *hex)
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
	return g_byte_array_free_to_bytes (out);
}

static void
test_qualcomm_codec_assert_bytes (GBytes *got, GBytes *want)
{
	assert_non_null (got);
	assert_int_equal (g_bytes_get_size (got), g_bytes_get_size (want));
	assert_memory_equal (
	    g_bytes_get_data (got, NULL), g_bytes_get_data (want, NULL), g_bytes_get_size (want));
}

/* ---- CRC-16/X.25 ---- */

typedef struct {
	const char *name;
	const char *hex;
	const char *text; /* instead of hex */
	guint16 crc;
} CrcRow;

static const CrcRow crc_rows[] = {
    {"check value", NULL, "123456789", 0x906E},
    {"libqcdm test_crc16_1",
     "4b0f000000000000050000000200000002000000ffffff3fff00000000000000000000000100000000"
     "000000ffffffff",
     NULL,
     0x097A},
    {"libqcdm encapsulate 4b 05 08 00", "4b050800", NULL, 0xDD01},
    {"one zero byte", "00", NULL, 0xF078},
};

static void
test_qualcomm_codec_crc (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (crc_rows); i++) {
		const CrcRow *row = &crc_rows[i];
		g_autoptr (GBytes) data = row->hex != NULL
					      ? test_qualcomm_codec_hex (row->hex)
					      : g_bytes_new (row->text, strlen (row->text));
		guint16 crc =
		    ir_qc_hdlc_crc16 (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
		if (crc != row->crc)
			fail_msg ("%s: CRC 0x%04x, expected 0x%04x", row->name, crc, row->crc);
	}
}

/* libqcdm test_crc16_2: an NV read of item 178 (0x26 0xb2 0x00, then 128 +
 * 2 zero bytes), CRC 0x6D69 */
static void
test_qualcomm_codec_crc_nv_read (void **state)
{
	g_autoptr (GBytes) req = ir_qc_diag_request_nv (IR_QC_DIAG_NV_READ, 178, NULL, 0);

	assert_int_equal (g_bytes_get_size (req), 133);
	assert_int_equal (ir_qc_hdlc_crc16 (g_bytes_get_data (req, NULL), 133), 0x6D69);
}

/* ---- framing ---- */

typedef struct {
	const char *name;
	const char *frame;   /* as on the line */
	const char *payload; /* NULL: decoding fails */
	const char *error;   /* part of the message */
} FrameRow;

/* libqcdm test_utils_decapsulate_buffer: a real answer (DIAG_CMD_PILOT_SETS)
 * with four escapes, 221 bytes on the line, 214 of payload */
#define LIBQCDM_PILOT_FRAME                                                                        \
	"400300010019f000160021001c00d8003f0056013f0015001a0011013f0092013f003900"                 \
	"3f0095013f0012003f0023013f0066003f000b013f00ae003f0002013f00a8003f005001"                 \
	"3f00f8013f0057003f007d5e003f0093003f00bd003f0077013f00b7003f00ab003f0033"                 \
	"003f000000000000000000000000000000000000000000000000adde0000000000000013"                 \
	"13501f0000ffff00aa190000000000000000000000000000000000000000000000000000"                 \
	"0000000000000000b1c47d5e7d5e7d5d5d04581b5b1b0000000000000000000000000000"                 \
	"000065697e"

static const FrameRow frame_rows[] = {
    {"libqcdm encapsulate", "4b050800 01dd 7e", "4b050800"},
    {"no terminator given", "4b050800 01dd", "4b050800"},
    {"escaped 7e", "7d5e 816a 7e", "7e"},
    {"escaped 7d", "7d5d 1a58 7e", "7d"},
    /* malformed */
    {"empty", "7e", NULL, "empty DIAG frame"},
    {"nothing", "", NULL, "empty DIAG frame"},
    {"crc only", "4b05 7e", NULL, "too short"},
    {"one byte", "4b 7e", NULL, "too short"},
    {"bad crc", "4b050800 01de 7e", NULL, "bad CRC (0xde01, computed 0xdd01)"},
    {"libqcdm sierra cns (no valid crc)", "000a6b74 00000700 00000000 0000 7e", NULL, "bad CRC"},
    {"dangling escape", "4b05 7d", NULL, "inside an escape"},
    {"escape of a plain byte", "4b7d2b 0000 7e", NULL, "never escaped"},
    {"terminator inside", "4b7e0800 01dd 7e", NULL, "has a terminator"},
};

static void
test_qualcomm_codec_frame_rows (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (frame_rows); i++) {
		const FrameRow *row = &frame_rows[i];
		g_autoptr (GBytes) frame = test_qualcomm_codec_hex (row->frame);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) payload = ir_qc_hdlc_decode (
		    g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), &error);
		if (row->payload == NULL) {
			if (payload != NULL || error == NULL ||
			    !g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL) ||
			    strstr (error->message, row->error) == NULL)
				fail_msg ("%s: expected \"%s\", got %s",
					  row->name,
					  row->error,
					  error != NULL ? error->message : "a payload");
		} else {
			g_autoptr (GBytes) want = test_qualcomm_codec_hex (row->payload);
			if (error != NULL)
				fail_msg ("%s: %s", row->name, error->message);
			test_qualcomm_codec_assert_bytes (payload, want);
		}
	}
}

static void
test_qualcomm_codec_frame_real (void **state)
{
	g_autoptr (GBytes) frame = test_qualcomm_codec_hex (LIBQCDM_PILOT_FRAME);
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) payload = NULL;
	g_autoptr (GBytes) again = NULL;

	assert_int_equal (g_bytes_get_size (frame), 221);
	payload =
	    ir_qc_hdlc_decode (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), &error);
	assert_no_error (error);
	assert_int_equal (g_bytes_get_size (payload), 214);
	assert_int_equal (((const guint8 *)g_bytes_get_data (payload, NULL))[0], 0x40);
	/* and back to the same bytes: the escapes are the only ones possible */
	again = ir_qc_hdlc_encode (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
	test_qualcomm_codec_assert_bytes (again, frame);
}

/* Every position of a special byte, CRC bytes included (some one-byte
 * payloads have a 0x7E or 0x7D in their CRC): escaped, and only there. */
static void
test_qualcomm_codec_frame_escapes_everywhere (void **state)
{
	const guint8 specials[] = {IR_QC_HDLC_FLAG, IR_QC_HDLC_ESCAPE};
	guint escaped_crcs = 0;

	for (guint s = 0; s < G_N_ELEMENTS (specials); s++) {
		for (guint pos = 0; pos < 8; pos++) {
			guint8 payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
			g_autoptr (GBytes) frame = NULL;
			g_autoptr (GBytes) back = NULL;
			g_autoptr (GError) error = NULL;
			const guint8 *f;
			gsize n;

			payload[pos] = specials[s];
			frame = ir_qc_hdlc_encode (payload, sizeof (payload));
			f = g_bytes_get_data (frame, &n);
			assert_int_equal (f[n - 1], IR_QC_HDLC_FLAG);
			assert_null (memchr (f, IR_QC_HDLC_FLAG, n - 1));
			assert_int_equal (f[pos], IR_QC_HDLC_ESCAPE);
			assert_int_equal (f[pos + 1], specials[s] ^ IR_QC_HDLC_ESCAPE_XOR);
			back = ir_qc_hdlc_decode (f, n, &error);
			assert_no_error (error);
			assert_int_equal (g_bytes_get_size (back), sizeof (payload));
			assert_memory_equal (
			    g_bytes_get_data (back, NULL), payload, sizeof (payload));
		}
	}
	for (guint b = 0; b < 256; b++) {
		guint8 payload = (guint8)b;
		guint16 crc = ir_qc_hdlc_crc16 (&payload, 1);
		g_autoptr (GBytes) frame = ir_qc_hdlc_encode (&payload, 1);
		g_autoptr (GBytes) back = NULL;
		gsize n;
		const guint8 *f = g_bytes_get_data (frame, &n);

		assert_null (memchr (f, IR_QC_HDLC_FLAG, n - 1));
		back = ir_qc_hdlc_decode (f, n, NULL);
		assert_non_null (back);
		if ((crc & 0xFF) == 0x7E || (crc & 0xFF) == 0x7D || (crc >> 8) == 0x7E ||
		    (crc >> 8) == 0x7D)
			escaped_crcs++;
	}
	/* the table above really exercised escaped CRC bytes */
	assert_true (escaped_crcs > 0);
}

/* A frame split anywhere, and two in one read, come out the same. */
static void
test_qualcomm_codec_reader_split (void **state)
{
	g_autoptr (GBytes) one = test_qualcomm_codec_hex ("7e 4b050800 01dd 7e 7d5e 816a 7e");
	gsize n;
	const guint8 *data = g_bytes_get_data (one, &n);

	for (gsize split = 0; split <= n; split++) {
		g_autoptr (IrQcHdlcReader) reader = ir_qc_hdlc_reader_new ();
		g_autoptr (GPtrArray) got =
		    g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
		const guint8 *parts[2] = {data, data + split};
		gsize lens[2] = {split, n - split};

		for (guint p = 0; p < 2; p++) {
			gsize off = 0;
			while (off < lens[p]) {
				gsize used = 0;
				g_autoptr (GError) error = NULL;
				GBytes *payload = ir_qc_hdlc_reader_push (
				    reader, parts[p] + off, lens[p] - off, &used, &error);
				assert_no_error (error);
				assert_true (used > 0);
				off += used;
				if (payload != NULL)
					g_ptr_array_add (got, payload);
			}
		}
		assert_int_equal (got->len, 2);
		assert_int_equal (g_bytes_get_size (g_ptr_array_index (got, 0)), 4);
		assert_int_equal (g_bytes_get_size (g_ptr_array_index (got, 1)), 1);
		assert_int_equal (ir_qc_hdlc_reader_get_pending (reader), 0);
	}
}

/* A bad frame and an oversize run are reported once each; the next good
 * frame still comes through. */
static void
test_qualcomm_codec_reader_bad_then_good (void **state)
{
	g_autoptr (IrQcHdlcReader) reader = ir_qc_hdlc_reader_new ();
	g_autoptr (GByteArray) line = g_byte_array_new ();
	g_autoptr (GBytes) bad = test_qualcomm_codec_hex ("4b050800 01de 7e");
	g_autoptr (GBytes) good = test_qualcomm_codec_hex ("4b050800 01dd 7e");
	guint n_errors = 0;
	guint n_good = 0;
	guint8 filler = 0x11;
	gsize off = 0;

	g_byte_array_append (line, g_bytes_get_data (bad, NULL), (guint)g_bytes_get_size (bad));
	for (guint i = 0; i < IR_QC_HDLC_MAX_FRAME + 10; i++)
		g_byte_array_append (line, &filler, 1);
	g_byte_array_append (line, g_bytes_get_data (good, NULL), (guint)g_bytes_get_size (good));
	while (off < line->len) {
		gsize used = 0;
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) payload = ir_qc_hdlc_reader_push (
		    reader, line->data + off, line->len - off, &used, &error);
		off += used;
		if (error != NULL) {
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
			assert_true (strstr (error->message,
					     n_errors == 0 ? "bad CRC" : "oversize") != NULL);
			n_errors++;
		}
		if (payload != NULL)
			n_good++;
	}
	assert_int_equal (n_errors, 2);
	assert_int_equal (n_good, 0);
	/* the oversize run swallowed the good frame's bytes up to its own
	 * terminator; the next frame is fine */
	{
		gsize used = 0;
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) payload = ir_qc_hdlc_reader_push (
		    reader, g_bytes_get_data (good, NULL), g_bytes_get_size (good), &used, &error);
		assert_no_error (error);
		assert_non_null (payload);
	}
}

static void
test_qualcomm_codec_decode_oversize (void **state)
{
	g_autofree guint8 *big = g_malloc0 (IR_QC_HDLC_MAX_PAYLOAD + 3);
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) payload = NULL;
	guint16 crc = ir_qc_hdlc_crc16 (big, IR_QC_HDLC_MAX_PAYLOAD + 1);

	big[IR_QC_HDLC_MAX_PAYLOAD + 1] = (guint8)(crc & 0xFF);
	big[IR_QC_HDLC_MAX_PAYLOAD + 2] = (guint8)(crc >> 8);
	payload = ir_qc_hdlc_decode (big, IR_QC_HDLC_MAX_PAYLOAD + 3, &error);
	assert_null (payload);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL));
	assert_non_null (strstr (error->message, "oversize"));
}

/* ---- NV 550 ---- */

typedef struct {
	const char *name;
	const char *nv; /* the item's first bytes */
	IrQcNvImeiKind kind;
	const char *imei; /* SET: the digits; MALFORMED: the slot text */
	const char *why;
} NvImeiRow;

static const NvImeiRow nv_imei_rows[] = {
    /* read from an Inseego MiFi 8800L (README.md, sources) */
    {"real phone", "089a0910868775937800", IR_QC_NV_IMEI_SET, "990016878573987"},
    {"3GPP example", "084a0951243032578100", IR_QC_NV_IMEI_SET, "490154203237518"},
    {"all-zero IMEI (wiped)", "080a0000000000000000", IR_QC_NV_IMEI_SET, "000000000000000"},
    {"all nines", "089a9999999999999900", IR_QC_NV_IMEI_SET, "999999999999999"},
    {"unset, 0xFF-filled", "ffffffffffffffffffff", IR_QC_NV_IMEI_UNSET, NULL},
    {"unset, zero-filled", "00000000000000000000", IR_QC_NV_IMEI_UNSET, NULL},
    /* malformed */
    {"bad nibble",
     "089a0b10868775937800",
     IR_QC_NV_IMEI_MALFORMED,
     "nv550:089a0b108687759378",
     "digit 2 is the nibble 0xB"},
    {"bad high nibble",
     "089a09108687759f7800",
     IR_QC_NV_IMEI_MALFORMED,
     NULL,
     "digit 12 is the nibble 0xF"},
    {"bad first digit",
     "08fa0910868775937800",
     IR_QC_NV_IMEI_MALFORMED,
     NULL,
     "digit 1 is the nibble 0xF"},
    {"wrong length byte",
     "079a0910868775937800",
     IR_QC_NV_IMEI_MALFORMED,
     "nv550:079a09108687759378",
     "length byte is 0x07"},
    /* written by a tool that got the format wrong (README.md, sources) */
    {"wrong type nibble",
     "08530299007146 18f1",
     IR_QC_NV_IMEI_MALFORMED,
     "nv550:08530299007146 18f1",
     "type nibble is 0x3"},
    {"too short", "089a0910", IR_QC_NV_IMEI_MALFORMED, "nv550:089a0910", "4 bytes"},
    {"partly 0xFF", "ffffffffff0000000000", IR_QC_NV_IMEI_MALFORMED, NULL, "length byte"},
};

static void
test_qualcomm_codec_nv_imei_decode_rows (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (nv_imei_rows); i++) {
		const NvImeiRow *row = &nv_imei_rows[i];
		g_autoptr (GBytes) nv = test_qualcomm_codec_hex (row->nv);
		g_autofree char *imei = NULL;
		g_autofree char *why = NULL;
		g_autofree char *want_text = NULL;
		IrQcNvImeiKind kind = ir_qc_nv_imei_decode (
		    g_bytes_get_data (nv, NULL), g_bytes_get_size (nv), &imei, &why);

		if (kind != row->kind)
			fail_msg ("%s: kind %d, expected %d", row->name, kind, row->kind);
		if (row->imei != NULL) {
			/* the table's spaces are for reading only */
			GString *want = g_string_new (NULL);
			for (const char *p = row->imei; *p != '\0'; p++) {
				if (*p != ' ')
					g_string_append_c (want, *p);
			}
			want_text = g_string_free (want, FALSE);
			if (g_strcmp0 (imei, want_text) != 0)
				fail_msg (
				    "%s: \"%s\", expected \"%s\"", row->name, imei, want_text);
		}
		if (kind == IR_QC_NV_IMEI_UNSET)
			assert_null (imei);
		if (kind == IR_QC_NV_IMEI_MALFORMED) {
			assert_non_null (imei);
			assert_true (g_str_has_prefix (imei, "nv550:"));
			if (row->why != NULL && (why == NULL || strstr (why, row->why) == NULL))
				fail_msg (
				    "%s: why \"%s\", expected \"%s\"", row->name, why, row->why);
		}
	}
}

typedef struct {
	const char *imei;
	const char *nv; /* NULL: refused */
} NvEncodeRow;

static const NvEncodeRow nv_encode_rows[] = {
    {"990016878573987", "089a09108687759378"},
    {"490154203237518", "084a09512430325781"},
    {"000000000000000", "080a00000000000000"},
    {"35209900176148 1", NULL},
    {"49015420323751", NULL},
    {"4901542032375180", NULL},
    {"49015420323751A", NULL},
    {"", NULL},
    {NULL, NULL},
};

static void
test_qualcomm_codec_nv_imei_encode_rows (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (nv_encode_rows); i++) {
		const NvEncodeRow *row = &nv_encode_rows[i];
		guint8 out[IR_QC_NV_IMEI_LEN];
		g_autoptr (GError) error = NULL;

		memset (out, 0xEE, sizeof (out));
		if (row->nv == NULL) {
			assert_false (ir_qc_nv_imei_encode (row->imei, out, &error));
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
			for (guint b = 0; b < sizeof (out); b++)
				assert_int_equal (out[b], 0xEE);
		} else {
			g_autoptr (GBytes) want = test_qualcomm_codec_hex (row->nv);
			g_autofree char *back = NULL;
			assert_true (ir_qc_nv_imei_encode (row->imei, out, &error));
			assert_memory_equal (out, g_bytes_get_data (want, NULL), sizeof (out));
			assert_int_equal (ir_qc_nv_imei_decode (out, sizeof (out), &back, NULL),
					  IR_QC_NV_IMEI_SET);
			assert_string_equal (back, row->imei);
		}
	}
}

/* ---- DIAG answers ---- */

/* An NV answer as a phone sends it: the request echoed with its status. */
static GBytes *
test_qualcomm_codec_nv_answer (int context, guint16 item, const char *data_hex, guint16 status)
{
	g_autoptr (GBytes) data = test_qualcomm_codec_hex (data_hex);
	g_autoptr (GBytes) req = context >= 0
				     ? ir_qc_diag_request_nv_ext (FALSE,
								  item,
								  (guint16)context,
								  g_bytes_get_data (data, NULL),
								  g_bytes_get_size (data))
				     : ir_qc_diag_request_nv (IR_QC_DIAG_NV_READ,
							      item,
							      g_bytes_get_data (data, NULL),
							      g_bytes_get_size (data));
	gsize n = g_bytes_get_size (req);
	guint8 *buf = g_memdup2 (g_bytes_get_data (req, NULL), n);

	buf[n - 2] = (guint8)(status & 0xFF);
	buf[n - 1] = (guint8)(status >> 8);
	return g_bytes_new_take (buf, n);
}

typedef struct {
	const char *name;
	const char *answer; /* hex; NULL: test_qualcomm_codec_nv_answer() of the fields below */
	int context;
	guint16 item;
	guint16 status;
	int error_code; /* -1: parses */
	const char *error;
} NvAnswerRow;

static const NvAnswerRow nv_answer_rows[] = {
    {"done", NULL, -1, 550, 0, -1},
    {"done, slot 2", NULL, 1, 550, 0, -1},
    {"read-only status is parsed", NULL, -1, 550, 7, -1},
    /* malformed or refused */
    {"other item", NULL, -1, 551, 0, IR_ERROR_PROTOCOL, "item 551"},
    {"other context", NULL, 0, 550, 0, IR_ERROR_PROTOCOL, "context 0"},
    {"bad command", "13 26 2602", -1, 550, 0, IR_ERROR_NOT_SUPPORTED, "bad command"},
    {"bad parameter", "14 26 2602", -1, 550, 0, IR_ERROR_NOT_SUPPORTED, "bad parameter"},
    {"bad length", "15 26", -1, 550, 0, IR_ERROR_NOT_SUPPORTED, "bad length"},
    {"bad mode", "18 26", -1, 550, 0, IR_ERROR_NOT_SUPPORTED, "bad mode"},
    {"spc locked", "42 27 2602", -1, 550, 0, IR_ERROR_SPC_LOCKED, "service programming code"},
    {"short", "26 2602 00", -1, 550, 0, IR_ERROR_PROTOCOL, "expected 133"},
    {"empty", "", -1, 550, 0, IR_ERROR_PROTOCOL, "empty"},
    {"version info instead", "00 00", -1, 550, 0, IR_ERROR_PROTOCOL, "answer 0x00"},
    {"subsys of another kind", "4b 05 0800", 1, 550, 0, IR_ERROR_PROTOCOL, "expected 138"},
};

static void
test_qualcomm_codec_nv_answer_rows (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (nv_answer_rows); i++) {
		const NvAnswerRow *row = &nv_answer_rows[i];
		guint16 want_item = 550;
		int want_context = row->context >= 0 ? 1 : -1;
		g_autoptr (GBytes) answer =
		    row->answer != NULL
			? test_qualcomm_codec_hex (row->answer)
			: test_qualcomm_codec_nv_answer (
			      row->context, row->item, "089a0910868775937800", row->status);
		IrQcNvResponse rsp = {0};
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_qc_diag_parse_nv (g_bytes_get_data (answer, NULL),
						   g_bytes_get_size (answer),
						   FALSE,
						   want_item,
						   want_context,
						   &rsp,
						   &error);
		if (row->error_code < 0) {
			if (!ok)
				fail_msg ("%s: %s", row->name, error->message);
			assert_int_equal (rsp.item, 550);
			assert_int_equal (rsp.status, row->status);
			assert_int_equal (rsp.data[1], 0x9a);
		} else if (ok || !g_error_matches (error, IR_ERROR, row->error_code) ||
			   strstr (error->message, row->error) == NULL) {
			fail_msg ("%s: expected code %d \"%s\", got %s",
				  row->name,
				  row->error_code,
				  row->error,
				  ok ? "success" : error->message);
		}
	}
}

/* Every NV status has its own message and the code callers act on. */
static void
test_qualcomm_codec_nv_status_errors (void **state)
{
	static const struct {
		guint status;
		gboolean write;
		int code;
		const char *words;
	} rows[] = {
	    {1, FALSE, IR_ERROR_TIMEOUT, "(busy)"},
	    {2, TRUE, IR_ERROR_NOT_SUPPORTED, "(bad command)"},
	    {3, TRUE, IR_ERROR_FAILED, "(full)"},
	    {4, TRUE, IR_ERROR_FAILED, "(fail)"},
	    {5, TRUE, IR_ERROR_NOT_SUPPORTED, "(inactive)"},
	    {5, FALSE, IR_ERROR_FAILED, "(inactive)"},
	    {6, TRUE, IR_ERROR_NOT_SUPPORTED, "(bad parameter)"},
	    {7, TRUE, IR_ERROR_READ_ONLY, "(read-only)"},
	    {8, TRUE, IR_ERROR_NOT_SUPPORTED, "(bad tag)"},
	    {9, TRUE, IR_ERROR_FAILED, "(no memory)"},
	    {10, TRUE, IR_ERROR_FAILED, "(not allocated)"},
	    {11, TRUE, IR_ERROR_PROTOCOL, "unknown NV status 11"},
	    {0xFFFF, FALSE, IR_ERROR_PROTOCOL, "unknown NV status 65535"},
	};

	assert_string_equal (ir_qc_diag_nv_status_to_string (0), "done");
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GError) error = NULL;
		ir_qc_diag_nv_status_set_error (
		    rows[i].status, rows[i].write, "NV item 550", &error);
		assert_non_null (error);
		if (error->code != rows[i].code || strstr (error->message, rows[i].words) == NULL ||
		    !g_str_has_prefix (error->message, "NV item 550"))
			fail_msg (
			    "status %u: %s (%d)", rows[i].status, error->message, error->code);
	}
}

typedef struct {
	const char *name;
	const char *answer;
	const char *value; /* NULL: fails */
} TextRow;

static void
test_qualcomm_codec_identity_answers (void **state)
{
	static const TextRow esn_rows[] = {
	    {"esn", "01 efbeadde", "DEADBEEF"},
	    {"esn short", "01 efbead", NULL},
	    {"esn refused", "13 01", NULL},
	};
	static const TextRow spc_rows[] = {
	    {"accepted", "41 01", "1"},
	    {"refused", "41 00", "0"},
	    {"odd status", "41 02", NULL},
	    {"short", "41", NULL},
	};
	for (guint i = 0; i < G_N_ELEMENTS (esn_rows); i++) {
		g_autoptr (GBytes) a = test_qualcomm_codec_hex (esn_rows[i].answer);
		g_autofree char *esn =
		    ir_qc_diag_parse_esn (g_bytes_get_data (a, NULL), g_bytes_get_size (a), NULL);
		assert_string_equal (esn != NULL ? esn : "(null)",
				     esn_rows[i].value != NULL ? esn_rows[i].value : "(null)");
	}
	for (guint i = 0; i < G_N_ELEMENTS (spc_rows); i++) {
		g_autoptr (GBytes) a = test_qualcomm_codec_hex (spc_rows[i].answer);
		gboolean accepted = FALSE;
		gboolean ok = ir_qc_diag_parse_spc (
		    g_bytes_get_data (a, NULL), g_bytes_get_size (a), &accepted, NULL);
		assert_int_equal (ok, spc_rows[i].value != NULL);
		if (ok)
			assert_int_equal (accepted, spc_rows[i].value[0] == '1');
	}
}

static void
test_qualcomm_codec_ext_build_id (void **state)
{
	static const guint8 good[] = {0x7C, 0,	 0,   0,   1,	0,   0, 0,   2,	  0,   0, 0,
				      'M',  'P', 'S', 'S', '.', '1', 0, 'X', '5', '0', 0};
	static const guint8 no_model[] = {0x7C, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'B'};
	static const guint8 garbage[] = {0x7C, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x01, 0};
	g_autofree char *build = NULL;
	g_autofree char *model = NULL;
	g_autofree char *build2 = NULL;
	g_autofree char *model2 = NULL;
	char *unused_build = NULL;
	char *unused_model = NULL;

	assert_true (ir_qc_diag_parse_ext_build_id (good, sizeof (good), &build, &model, NULL));
	assert_string_equal (build, "MPSS.1");
	assert_string_equal (model, "X50");
	assert_true (
	    ir_qc_diag_parse_ext_build_id (no_model, sizeof (no_model), &build2, &model2, NULL));
	assert_string_equal (build2, "B");
	assert_null (model2);
	assert_false (ir_qc_diag_parse_ext_build_id (
	    garbage, sizeof (garbage), &unused_build, &unused_model, NULL));
	assert_false (ir_qc_diag_parse_ext_build_id (good, 12, &unused_build, &unused_model, NULL));
}

static void
test_qualcomm_codec_requests (void **state)
{
	g_autoptr (GBytes) control = ir_qc_diag_request_control (IR_QC_DIAG_MODE_OFFLINE);
	g_autoptr (GBytes) want_control = test_qualcomm_codec_hex ("29 0100");
	g_autoptr (GBytes) spc = NULL;
	g_autoptr (GBytes) want_spc = test_qualcomm_codec_hex ("41 313233343536");
	g_autoptr (GBytes) ext = ir_qc_diag_request_nv_ext (TRUE, 550, 1, NULL, 0);
	const char *bad_spcs[] = {"12345", "1234567", "12a456", "", NULL};
	const guint8 *e;
	gsize n;

	test_qualcomm_codec_assert_bytes (control, want_control);
	spc = ir_qc_diag_request_spc ("123456", NULL);
	test_qualcomm_codec_assert_bytes (spc, want_spc);
	for (guint i = 0; i < G_N_ELEMENTS (bad_spcs); i++) {
		g_autoptr (GError) error = NULL;
		assert_null (ir_qc_diag_request_spc (bad_spcs[i], &error));
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	}
	e = g_bytes_get_data (ext, &n);
	assert_int_equal (n, 138);
	assert_memory_equal (e, "\x4b\x30\x02\x00\x26\x02\x01\x00", 8);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_qualcomm_codec_crc),
	    cmocka_unit_test (test_qualcomm_codec_crc_nv_read),
	    cmocka_unit_test (test_qualcomm_codec_frame_rows),
	    cmocka_unit_test (test_qualcomm_codec_frame_real),
	    cmocka_unit_test (test_qualcomm_codec_frame_escapes_everywhere),
	    cmocka_unit_test (test_qualcomm_codec_reader_split),
	    cmocka_unit_test (test_qualcomm_codec_reader_bad_then_good),
	    cmocka_unit_test (test_qualcomm_codec_decode_oversize),
	    cmocka_unit_test (test_qualcomm_codec_nv_imei_decode_rows),
	    cmocka_unit_test (test_qualcomm_codec_nv_imei_encode_rows),
	    cmocka_unit_test (test_qualcomm_codec_nv_answer_rows),
	    cmocka_unit_test (test_qualcomm_codec_nv_status_errors),
	    cmocka_unit_test (test_qualcomm_codec_identity_answers),
	    cmocka_unit_test (test_qualcomm_codec_ext_build_id),
	    cmocka_unit_test (test_qualcomm_codec_requests),
	};
	return cmocka_run_group_tests_name ("qualcomm-codec", tests, NULL, NULL);
}
