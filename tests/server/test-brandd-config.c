/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "ir-brandd-config.h"

/* The configuration: listen addresses, every key of the documented example
 * (so that the example cannot drift from the code), relative paths. */

typedef struct {
	const char *value;
	const char *host; /* NULL: refused */
	guint16 port;
} ListenRow;

static const ListenRow listen_rows[] = {
    {"127.0.0.1:8443", "127.0.0.1", 8443},
    {"0.0.0.0:0", "0.0.0.0", 0},
    {"[::1]:9000", "::1", 9000},
    {"127.0.0.1", NULL, 0},
    {"127.0.0.1:", NULL, 0},
    {"127.0.0.1:65536", NULL, 0},
    {"127.0.0.1:-1", NULL, 0},
    {"127.0.0.1:80x", NULL, 0},
    {"localhost:8443", NULL, 0},
    {":8443", NULL, 0},
    {"[::1:8443", NULL, 0},
};

static void
test_brandd_config_listen (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (listen_rows); i++) {
		const ListenRow *t = &listen_rows[i];
		g_autoptr (IrBranddConfig) config = ir_brandd_config_new ();
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_brandd_config_set_listen (config, t->value, &error);

		if (ok != (t->host != NULL))
			fail_msg ("%s: %s", t->value, ok ? "accepted" : error->message);
		if (ok) {
			assert_string_equal (config->listen_host, t->host);
			assert_int_equal (config->listen_port, t->port);
		} else {
			assert_non_null (strstr (error->message, t->value));
		}
	}
}

static void
test_brandd_config_example_file (void **state)
{
	g_autofree char *path =
	    g_build_filename (g_getenv ("IR_SRCDIR"), "data", "imei-brandd.conf.example", NULL);
	g_autoptr (IrBranddConfig) config = ir_brandd_config_new ();
	g_autoptr (IrBranddConfig) defaults = ir_brandd_config_new ();
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_config_load (config, path, &error))
		fail_msg ("%s", error->message);
	assert_true (ir_brandd_config_check_serve (config, &error));
	/* the example shows the defaults */
	assert_int_equal (config->max_body_size, defaults->max_body_size);
	assert_int_equal (config->max_header_size, defaults->max_header_size);
	assert_int_equal (config->timeout_ms, defaults->timeout_ms);
	assert_int_equal (config->max_connections, defaults->max_connections);
	assert_int_equal (config->algorithm, defaults->algorithm);
	assert_int_equal (config->lifetime, defaults->lifetime);
	assert_int_equal (config->default_quota, defaults->default_quota);
	assert_string_equal (config->issuer, defaults->issuer);
	assert_string_equal (config->audience, defaults->audience);
	assert_string_equal (config->phase, defaults->phase);
	assert_string_equal (config->listen_host, defaults->listen_host);
	assert_int_equal (config->listen_port, defaults->listen_port);
}

static void
test_brandd_config_relative_paths_and_decimals (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("brandd-config-XXXXXX", &error);
	g_autofree char *path =
	    brandd_test_env_write_file (dir,
					"c.conf",
					"[server]\ndatabase=db/brandd.db\ntimeout=2.5\n"
					"[tls]\ncertificate=/abs/server.pem\n");
	g_autofree char *expected = g_build_filename (dir, "db", "brandd.db", NULL);
	g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
	g_autoptr (IrBranddConfig) config = ir_brandd_config_new ();

	assert_true (ir_brandd_config_load (config, path, &error));
	assert_string_equal (config->database, expected);
	assert_string_equal (config->certificate, "/abs/server.pem");
	assert_int_equal (config->timeout_ms, 2500);
	/* serve needs what is still missing, and says which key */
	assert_false (ir_brandd_config_check_serve (config, &error));
	assert_non_null (strstr (error->message, "[tls] private-key"));
	brandd_test_env_sh (rm, NULL, NULL);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_config_listen),
	    cmocka_unit_test (test_brandd_config_example_file),
	    cmocka_unit_test (test_brandd_config_relative_paths_and_decimals),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
