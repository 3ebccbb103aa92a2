/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ir-error.h"
#include "ir-cbor.h"
#include "ir-token-private.h"
#include "ir-token.h"
#include "token-test-common.h"
#include "token-vector.h"

/* Strict decoding of restore tokens: deterministic CBOR at every depth,
 * the COSE_Sign1 envelope, hostile bytes, truncation and tampering. */

/* ---- strict decoding of the claims: one surgery each on a good payload ---- */

typedef struct {
	const char *name;
	const char *find; /* hex, must occur once in the good payload */
	const char *repl;
	IrTokenRefusal want;
	const char *part;
} PatchRow;

/* exp = 1800000590 = 0x6b49d44e, nbf = iat = 0x6b49d1f6,
 * iss = 70 "imei-brandd.test", centre = 67 "DL-0001", hwid = 67 "HW-0001" */
#define EXP_HEX "041a6b49d44e"
#define NBF_HEX "051a6b49d1f6"
#define ISS_HEX "0170696d65692d6272616e64642e74657374"
static const PatchRow patch_rows[] = {
    {"unchanged", EXP_HEX, EXP_HEX, IR_TOKEN_OK, NULL},
    {"exp not shortest",
     EXP_HEX,
     "041b000000006b49d44e",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"exp as float", EXP_HEX, "04fa6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "floating-point"},
    {"exp negative", EXP_HEX, "043a6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "exp (4) is negative"},
    {"exp as text", EXP_HEX, "046431323334", IR_TOKEN_REFUSED_MALFORMED, "exp (4)"},
    {"duplicate claim", NBF_HEX, "041a6b49d1f6", IR_TOKEN_REFUSED_MALFORMED, "duplicate map key"},
    {"claims out of order",
     EXP_HEX NBF_HEX,
     NBF_HEX EXP_HEX,
     IR_TOKEN_REFUSED_MALFORMED,
     "canonical order"},
    {"indefinite text",
     ISS_HEX,
     "017f70696d65692d6272616e64642e74657374ff",
     IR_TOKEN_REFUSED_MALFORMED,
     "indefinite"},
    {"unknown claim sub",
     ISS_HEX,
     "0270696d65692d6272616e64642e74657374",
     IR_TOKEN_REFUSED_MALFORMED,
     "claim 2 is not part"},
    {"iss as bytes",
     ISS_HEX,
     "0150696d65692d6272616e64642e74657374",
     IR_TOKEN_REFUSED_MALFORMED,
     "iss (1)"},
    {"bad UTF-8", "67444c2d30303031", "67ff4c2d30303031", IR_TOKEN_REFUSED_MALFORMED, "UTF-8"},
    {"NUL in text", "67444c2d30303031", "67444c003030303031", IR_TOKEN_REFUSED_MALFORMED, NULL},
    {"device key not shortest",
     "016748572d30303031",
     "18016748572d30303031",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"device unknown key",
     "016748572d30303031",
     "006748572d30303031",
     IR_TOKEN_REFUSED_MALFORMED,
     "unknown key 0"},
    {"IMEI slot 2", "016f333532", "026f333532", IR_TOKEN_REFUSED_MALFORMED, "slot 2"},
    {"tag inside claims", EXP_HEX, "04c11a6b49d44e", IR_TOKEN_REFUSED_MALFORMED, "exp (4)"},
    {"simple value", EXP_HEX, "04f0", IR_TOKEN_REFUSED_MALFORMED, "reserved"},
    {"undefined", EXP_HEX, "04f7", IR_TOKEN_REFUSED_MALFORMED, "undefined"},
    {"map count too big", "ab01", "ac01", IR_TOKEN_REFUSED_MALFORMED, "truncated"},
    {"map count too small", "ab01", "aa01", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
};

static void
test_cbor_payload_strict (void **state)
{
	g_autoptr (GBytes) payload = token_test_common_good_payload ();
	g_autoptr (GBytes) protected = token_test_common_hex_bytes ("a2 01 27 04 43 656431");

	for (guint i = 0; i < G_N_ELEMENTS (patch_rows); i++) {
		const PatchRow *row = &patch_rows[i];
		g_autoptr (GBytes) bad = token_test_common_patch (payload, row->find, row->repl);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) token =
		    ir_token_sign_raw (protected, bad, IR_TOKEN_ALG_EDDSA, key_ed, &error);
		IrTokenExpect expect;

		assert_non_null (token);
		vector_expect (&expect);
		token_test_common_assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* ---- the COSE_Sign1 envelope, assembled by hand ---- */

static void
test_cbor_append_bstr (GString *hex, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (bytes, &len);

	if (len < 24)
		g_string_append_printf (hex, "%02x", 0x40 + (guint)len);
	else if (len < 256)
		g_string_append_printf (hex, "58%02x", (guint)len);
	else
		g_string_append_printf (hex, "59%04x", (guint)len);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf (hex, "%02x", data[i]);
}

typedef struct {
	const char *name;
	const char *prefix; /* before the protected header: tag and array head */
	const char *unprotected;
	gboolean omit_payload; /* write payload_hex instead */
	const char *payload_hex;
	int sig_len; /* -1: the real signature */
	const char *suffix;
	IrTokenRefusal want;
	const char *part;
} EnvelopeRow;

static const EnvelopeRow envelope_rows[] = {
    {"good", "d284", "a0", FALSE, NULL, -1, "", IR_TOKEN_OK, NULL},
    {"tag 17", "d184", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tag 17"},
    {"tag not shortest",
     "d81284",
     "a0",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"untagged", "84", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tagged COSE_Sign1"},
    {"tag 61 CWT", "d83dd284", "a0", FALSE, NULL, -1, "", IR_TOKEN_REFUSED_MALFORMED, "tag 61"},
    {"array of 5", "d285", "a0", FALSE, NULL, -1, "f6", IR_TOKEN_REFUSED_MALFORMED, "array of 4"},
    {"array not shortest",
     "d29804",
     "a0",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"indefinite array",
     "d29f",
     "a0",
     FALSE,
     NULL,
     -1,
     "ff",
     IR_TOKEN_REFUSED_MALFORMED,
     "indefinite"},
    {"unprotected kid",
     "d284",
     "a10443656431",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "unprotected header"},
    {"unprotected not shortest",
     "d284",
     "b800",
     FALSE,
     NULL,
     -1,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "shortest form"},
    {"detached payload", "d284", "a0", TRUE, "f6", -1, "", IR_TOKEN_REFUSED_MALFORMED, "payload"},
    {"empty payload", "d284", "a0", TRUE, "40", -1, "", IR_TOKEN_REFUSED_MALFORMED, "payload"},
    {"signature 63 bytes",
     "d284",
     "a0",
     FALSE,
     NULL,
     63,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "signature"},
    {"signature 65 bytes",
     "d284",
     "a0",
     FALSE,
     NULL,
     65,
     "",
     IR_TOKEN_REFUSED_MALFORMED,
     "signature"},
    {"trailing byte", "d284", "a0", FALSE, NULL, -1, "00", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
    {"second token", "d284", "a0", FALSE, NULL, -1, "d2", IR_TOKEN_REFUSED_MALFORMED, "trailing"},
};

static void
test_cbor_envelope (void **state)
{
	g_autoptr (GBytes) payload = token_test_common_good_payload ();
	g_autoptr (GBytes) protected = token_test_common_hex_bytes ("a2 01 27 04 43 656431");
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) good =
	    ir_token_sign_raw (protected, payload, IR_TOKEN_ALG_EDDSA, key_ed, &error);
	gsize good_len = 0;
	const guint8 *good_data = g_bytes_get_data (good, &good_len);
	g_autoptr (GBytes) sig = g_bytes_new (good_data + good_len - 64, 64);

	for (guint i = 0; i < G_N_ELEMENTS (envelope_rows); i++) {
		const EnvelopeRow *row = &envelope_rows[i];
		g_autoptr (GString) hex = g_string_new (row->prefix);
		g_autoptr (GBytes) token = NULL;
		IrTokenExpect expect;

		test_cbor_append_bstr (hex, protected);
		g_string_append (hex, row->unprotected);
		if (row->omit_payload)
			g_string_append (hex, row->payload_hex);
		else
			test_cbor_append_bstr (hex, payload);
		if (row->sig_len < 0) {
			test_cbor_append_bstr (hex, sig);
		} else {
			g_autofree guint8 *zeros = g_malloc0 ((gsize)row->sig_len);
			g_autoptr (GBytes) s = g_bytes_new (zeros, (gsize)row->sig_len);
			test_cbor_append_bstr (hex, s);
		}
		g_string_append (hex, row->suffix);
		token = token_test_common_hex_bytes (hex->str);
		vector_expect (&expect);
		token_test_common_assert_outcome (row->name, token, &expect, row->want, row->part);
	}
}

/* ---- hostile bytes that are not built from a token ---- */

typedef struct {
	const char *name;
	const char *hex;
	const char *part;
} RawRow;

static const RawRow raw_rows[] = {
    {"empty", "", "truncated"},
    {"lone tag", "d2", "truncated"},
    {"huge byte string", "d2845bffffffffffffffff", "truncated"},
    {"huge array", "d29bffffffffffffffff", "truncated"},
    {"huge map", "d284 41a0 bbffffffffffffffff", "truncated"},
    {"reserved byte", "d21c", "reserved"},
    {"break", "ff", "break"},
    {"deep nesting", "818181818181818181818181818181818181818100", "nesting"},
    {"deep tags", "c1c1c1c1c1c1c1c1c1c1c1c1c1c100", "nesting"},
    {"indefinite bytes", "d2845f4100ff", "indefinite"},
    {"half float", "f93c00", "floating-point"},
    {"simple 1-byte", "f820", "reserved"},
};

static void
test_cbor_raw (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (raw_rows); i++) {
		g_autoptr (GBytes) token = token_test_common_hex_bytes (raw_rows[i].hex);
		IrTokenExpect expect;

		vector_expect (&expect);
		token_test_common_assert_outcome (
		    raw_rows[i].name, token, &expect, IR_TOKEN_REFUSED_MALFORMED, raw_rows[i].part);
	}
}

static void
test_cbor_too_large (void **state)
{
	g_autofree guint8 *big = g_malloc0 (IR_TOKEN_MAX_SIZE + 1);
	g_autoptr (GBytes) token = g_bytes_new (big, IR_TOKEN_MAX_SIZE + 1);
	IrTokenExpect expect;

	vector_expect (&expect);
	token_test_common_assert_outcome (
	    "too large", token, &expect, IR_TOKEN_REFUSED_TOO_LARGE, "4097 bytes");
}

/* Every prefix of a good token is refused as malformed, and every single
 * changed byte is refused for some reason: nothing slips through. */
static void
test_cbor_truncation_and_tampering (void **state)
{
	g_auto (IrTokenClaims) claims = {0};
	g_autoptr (GBytes) token = NULL;
	gsize len = 0;
	const guint8 *data;
	IrTokenExpect expect;

	vector_claims (&claims);
	token = token_test_common_encode_ed (&claims);
	data = g_bytes_get_data (token, &len);
	vector_expect (&expect);
	for (gsize cut = 0; cut < len; cut++) {
		g_autoptr (GError) error = NULL;
		IrTokenRefusal got = IR_TOKEN_OK;
		g_autoptr (IrToken) tok = ir_token_decode (data, cut, &got, &error);
		if (tok != NULL || got != IR_TOKEN_REFUSED_MALFORMED)
			fail_msg ("prefix of %" G_GSIZE_FORMAT " bytes: %s",
				  cut,
				  ir_token_refusal_to_string (got));
	}
	for (gsize pos = 0; pos < len; pos++) {
		g_autofree guint8 *copy = g_memdup2 (data, len);
		g_autoptr (GError) error = NULL;
		IrTokenRefusal got = IR_TOKEN_OK;
		g_autoptr (IrToken) tok = NULL;

		copy[pos] ^= 0x01;
		tok = ir_token_verify_bytes (copy, len, trust, &expect, NULL, &got, &error);
		if (tok != NULL || got == IR_TOKEN_OK)
			fail_msg ("byte %" G_GSIZE_FORMAT " changed and still accepted", pos);
	}
}

/* ---- the strict CBOR layer by itself ---- */

typedef struct {
	const char *hex;
	gboolean ok;
} CborRow;

static const CborRow cbor_rows[] = {
    {"00", TRUE},
    {"17", TRUE},
    {"1818", TRUE},
    {"1817", FALSE}, /* 23 in two bytes */
    {"1900ff", FALSE},
    {"19 0100", TRUE},
    {"1a0000ffff", FALSE},
    {"1b00000000ffffffff", FALSE},
    {"1b0000000100000000", TRUE},
    {"3817", FALSE},
    {"20", TRUE},
    {"a2 01 00 20 00", TRUE}, /* 1 before -1: 0x01 < 0x20 */
    {"a2 20 00 01 00", FALSE},
    {"a2 17 00 1818 00", TRUE},
    {"a2 61 61 00 61 62 00", TRUE},
    {"a2 61 62 00 61 61 00", FALSE},
    {"a2 62 6161 00 61 62 00", FALSE}, /* bytewise: 0x62.. > 0x61.. */
    {"a2 61 62 00 62 6161 00", TRUE},
    {"a1 a0 00", TRUE}, /* maps as keys are CBOR, the token rejects them later */
    {"a2 00 00 00 01", FALSE},
    {"5f ff", FALSE},
    {"7f ff", FALSE},
    {"9f ff", FALSE},
    {"bf ff", FALSE},
    {"f4", TRUE},
    {"f5", TRUE},
    {"f6", TRUE},
    {"f7", FALSE},
    {"f8 ff", FALSE},
    {"fb 3ff0000000000000", FALSE},
    {"62 c328", FALSE}, /* bad UTF-8 */
    {"62 c3a9", TRUE},
    {"00 00", FALSE},
    {"", FALSE},
};

static void
test_cbor_strict (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (cbor_rows); i++) {
		g_autoptr (GBytes) bytes = token_test_common_hex_bytes (cbor_rows[i].hex);
		g_autoptr (GError) error = NULL;
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (bytes, &len);
		gboolean ok = ir_cbor_validate (data, len, "row", &error);
		if (ok != cbor_rows[i].ok)
			fail_msg ("row %u (%s): got %s (%s)",
				  i,
				  cbor_rows[i].hex,
				  ok ? "accepted" : "refused",
				  error != NULL ? error->message : "");
		if (!ok)
			assert_int_equal (error->code, IR_ERROR_PROTOCOL);
	}
}

/* The encoder always writes the shortest form, whatever the value. */
static void
test_cbor_encode_shortest (void **state)
{
	const gint64 values[] = {0,
				 23,
				 24,
				 255,
				 256,
				 65535,
				 65536,
				 G_MAXUINT32,
				 (gint64)G_MAXUINT32 + 1,
				 G_MAXINT64,
				 -1,
				 -24,
				 -25,
				 -256,
				 -257,
				 -65537,
				 G_MININT64};
	const gsize sizes[] = {1, 1, 2, 2, 3, 3, 5, 5, 9, 9, 1, 1, 2, 2, 3, 5, 9};

	for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
		g_autoptr (cbor_item_t) item = ir_cbor_build_int (values[i]);
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) bytes = ir_cbor_serialize (item, &error);
		IrCborReader reader;
		gint64 back = 0;

		assert_non_null (bytes);
		assert_int_equal (g_bytes_get_size (bytes), sizes[i]);
		ir_cbor_reader_init (
		    &reader, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "x");
		if (values[i] != G_MININT64) {
			assert_true (ir_cbor_reader_read_int (&reader, &back, &error));
			assert_int_equal (back, values[i]);
		}
	}
}

/* A map built out of canonical order never reaches a signer. */
static void
test_cbor_encode_unsorted (void **state)
{
	g_autoptr (cbor_item_t) map = cbor_new_definite_map (2);
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) bytes = NULL;

	ir_cbor_map_add_take (map, ir_cbor_build_int (4), ir_cbor_build_int (0));
	ir_cbor_map_add_take (map, ir_cbor_build_int (1), ir_cbor_build_int (0));
	bytes = ir_cbor_serialize (map, &error);
	assert_null (bytes);
	assert_non_null (strstr (error->message, "canonical order"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_cbor_payload_strict),
	    cmocka_unit_test (test_cbor_envelope),
	    cmocka_unit_test (test_cbor_raw),
	    cmocka_unit_test (test_cbor_too_large),
	    cmocka_unit_test (test_cbor_truncation_and_tampering),
	    cmocka_unit_test (test_cbor_strict),
	    cmocka_unit_test (test_cbor_encode_shortest),
	    cmocka_unit_test (test_cbor_encode_unsorted),
	};
	return cmocka_run_group_tests (tests, token_test_common_setup, token_test_common_teardown);
}
