/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-pkcs11-uri.h"

/* PKCS#11 URIs (RFC 7512) as --credential takes them: good ones beside
 * malformed ones and ones refused on purpose (a PIN in the URI, another
 * object type). A NULL expectation means "any" (not named by the URI). */

typedef struct {
	const char *text;
	const char *error; /* words of the message; NULL: parses */
	const char *token;
	const char *serial;
	const char *object;
	const char *id_hex;
	const char *module_path;
} UriRow;

static const UriRow rows[] = {
    {"pkcs11:token=dev;object=technician", NULL, "dev", NULL, "technician", NULL, NULL},
    {"pkcs11:token=dev;object=technician;type=private", NULL, "dev", NULL, "technician"},
    {"pkcs11:token=dev;id=%01%ff;type=cert", NULL, "dev", NULL, NULL, "01ff"},
    {"pkcs11:token=My%20Token;serial=1a2b;object=a%3Bb", NULL, "My Token", "1a2b", "a;b"},
    {"pkcs11:", NULL, NULL, NULL, NULL, NULL, NULL},
    {"pkcs11:object=x?module-path=/usr/lib/x.so", NULL, NULL, NULL, "x", NULL, "/usr/lib/x.so"},
    {"pkcs11:token=dev;object=t?pin-value=1234", "carries a PIN"},
    {"pkcs11:token=dev;object=t?pin-source=file:/tmp/pin", "carries a PIN"},
    {"pkcs11:token=dev;type=public", "type=private"},
    {"pkcs11:token=dev;type=secret-key", "type=private"},
    {"pkcs11:token=%zz", "cannot be read"},
    {"pkcs11:token=dev;frobnicate=1", "cannot be read"},
    {"PKCS11:token=dev", "is not a PKCS#11 URI"},
    {"/home/alice/alice.p12", "is not a PKCS#11 URI"},
    {"", "is not a PKCS#11 URI"},
};

static void
test_pkcs11_uri_uri_row (void **state)
{
	const UriRow *row = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse (row->text, &error);

	if (row->error != NULL) {
		assert_null (uri);
		assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
		if (strstr (error->message, row->error) == NULL)
			fail_msg ("'%s' not in: %s", row->error, error->message);
		return;
	}
	if (uri == NULL)
		fail_msg ("%s: %s", row->text, error->message);
	assert_string_equal (uri->token_label ?: "(any)", row->token ?: "(any)");
	assert_string_equal (uri->token_serial ?: "(any)", row->serial ?: "(any)");
	assert_string_equal (uri->object ?: "(any)", row->object ?: "(any)");
	assert_string_equal (uri->module_path ?: "(none)", row->module_path ?: "(none)");
	if (row->id_hex == NULL) {
		assert_null (uri->id);
	} else {
		gsize len = 0;
		const guint8 *id = g_bytes_get_data (uri->id, &len);
		g_autoptr (GString) hex = g_string_new (NULL);
		for (gsize i = 0; i < len; i++)
			g_string_append_printf (hex, "%02x", id[i]);
		assert_string_equal (hex->str, row->id_hex);
	}
}

/* What the listing prints, --credential reads back to the same token and
 * object. */
static void
test_pkcs11_uri_format_round_trip (void **state)
{
	const guint8 id_data[] = {0x01, 0xab};
	g_autoptr (GBytes) id = g_bytes_new (id_data, sizeof (id_data));
	g_autofree char *text =
	    ir_pkcs11_uri_format ("dev token", "1a2b", "SoftHSM project", "SoftHSM v2", "a;b", id);
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse (text, &error);

	assert_non_null (uri);
	assert_string_equal (uri->token_label, "dev token");
	assert_string_equal (uri->object, "a;b");
	assert_true (g_bytes_equal (uri->id, id));
	assert_true (
	    ir_pkcs11_uri_match_token (uri, "dev token", "SoftHSM project", "SoftHSM v2", "1a2b"));
	assert_false (
	    ir_pkcs11_uri_match_token (uri, "dev token", "SoftHSM project", "SoftHSM v2", "9999"));
	assert_false (
	    ir_pkcs11_uri_match_token (uri, "other", "SoftHSM project", "SoftHSM v2", "1a2b"));
}

/* Fields a URI does not name match any token. */
static void
test_pkcs11_uri_match_any (void **state)
{
	g_autoptr (IrPkcs11Uri) uri = ir_pkcs11_uri_parse ("pkcs11:object=x", NULL);

	assert_non_null (uri);
	assert_true (ir_pkcs11_uri_match_token (uri, "a", "b", "c", "d"));
	assert_true (ir_pkcs11_uri_match_token (uri, NULL, NULL, NULL, NULL));
}

int
main (void)
{
	g_autofree struct CMUnitTest *tests = g_new0 (struct CMUnitTest, G_N_ELEMENTS (rows) + 2);

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		tests[i].name = rows[i].text[0] != '\0' ? rows[i].text : "(empty)";
		tests[i].test_func = test_pkcs11_uri_uri_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[G_N_ELEMENTS (rows)] =
	    (struct CMUnitTest)cmocka_unit_test (test_pkcs11_uri_format_round_trip);
	tests[G_N_ELEMENTS (rows) + 1] =
	    (struct CMUnitTest)cmocka_unit_test (test_pkcs11_uri_match_any);
	return _cmocka_run_group_tests ("pkcs11-uri", tests, G_N_ELEMENTS (rows) + 2, NULL, NULL);
}
