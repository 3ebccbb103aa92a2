/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-server-list.h"

/* The brand server list as --server, $IMEIRESTORE_SERVER, the config file
 * and the sign-in page take it: good lists beside malformed ones in one
 * table. */

typedef struct {
	const char *text;
	const char *error; /* words of the message; NULL: parses */
	const char *urls;  /* what it parses to, joined with " " */
} ListRow;

static const ListRow rows[] = {
    {"https://127.0.0.1:8443", NULL, "https://127.0.0.1:8443"},
    {"https://a.brand:8443;https://b.brand:8443",
     NULL,
     "https://a.brand:8443 https://b.brand:8443"},
    {"https://a.brand:8443,https://b.brand:8443",
     NULL,
     "https://a.brand:8443 https://b.brand:8443"},
    {"  https://a.brand:8443 ;\thttps://b.brand , https://[::1]:9 ",
     NULL,
     "https://a.brand:8443 https://b.brand https://[::1]:9"},
    {"https://a.brand:8443/", NULL, "https://a.brand:8443"},
    {"https://a.brand:8443//;https://b.brand", NULL, "https://a.brand:8443 https://b.brand"},
    {"", "no brand server"},
    {"   ", "no brand server"},
    {NULL, "no brand server"},
    {"https://a.brand;", "server 2 ('') is empty"},
    {";https://a.brand", "server 1 ('') is empty"},
    {"https://a.brand;;https://b.brand", "server 2 ('') is empty"},
    {"https://a.brand; ,https://b.brand", "server 2 ('') is empty"},
    {"http://a.brand:8080", "plain http"},
    {"https://a.brand;http://b.brand", "server 2 ('http://b.brand') is plain http"},
    {"a.brand:8443", "does not start with https://"},
    {"HTTPS://a.brand", "does not start with https://"},
    {"ftp://a.brand", "does not start with https://"},
    {"https://", "names no host"},
    {"https:///", "server 1 ('https://') names no host"},
    {"https://a.brand/v1", "has a path"},
    {"https://a.brand?x=1", "has a character"},
    {"https://user@a.brand", "has a character"},
    {"https://a brand", "has a character"},
    {"https://a.brand;https://a.brand", "server 2 ('https://a.brand') repeats server 1"},
    {"https://a.brand:8443;https://b.brand;https://A.Brand:8443/", "repeats server 1"},
};

static void
test_server_list_row (void **state)
{
	const ListRow *row = *state;
	g_autoptr (GError) error = NULL;
	g_auto (GStrv) urls = ir_server_list_parse (row->text, &error);
	g_autofree char *joined = NULL;

	if (row->error != NULL) {
		assert_null (urls);
		assert_int_equal (error->code, IR_ERROR_INVALID_INPUT);
		if (strstr (error->message, row->error) == NULL)
			fail_msg ("'%s' not in: %s", row->error, error->message);
		/* every refusal says how the list is written */
		assert_non_null (strstr (error->message, "https://HOST:PORT"));
		return;
	}
	if (urls == NULL)
		fail_msg ("%s: %s", row->text, error->message);
	joined = g_strjoinv (" ", urls);
	assert_string_equal (joined, row->urls);
}

static void
test_server_list_to_string (void **state)
{
	g_auto (GStrv) urls = ir_server_list_parse ("https://a:1;https://b:2", NULL);
	g_autofree char *text = ir_server_list_to_string ((const char *const *)urls);

	(void)state;
	assert_string_equal (text, "https://a:1, https://b:2");
}

int
main (void)
{
	g_autofree struct CMUnitTest *tests = g_new0 (struct CMUnitTest, G_N_ELEMENTS (rows) + 1);

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		tests[i].name = rows[i].text != NULL ? rows[i].text : "(null)";
		tests[i].test_func = test_server_list_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[G_N_ELEMENTS (rows)] = (struct CMUnitTest){"to_string", test_server_list_to_string};
	return _cmocka_run_group_tests ("server-list", tests, G_N_ELEMENTS (rows) + 1, NULL, NULL);
}
