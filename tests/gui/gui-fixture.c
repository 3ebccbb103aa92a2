/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "test-restore-env.h"

/* What the dogtail test, scripts/demo.sh --screenshots and the app bench
 * run the app against: a development PKI, the real imei-brandd on
 * 127.0.0.1 with the registry of tests/integration/test-restore-env.h,
 * and N wiped simulated phones (argv[1], default 1; --latency MS slows
 * every answer). Prints "name=value" lines (url, p12, passphrase, trust,
 * port0..) then "ready", and stops everything when its standard input
 * closes. */

#define ZERO "000000000000000"

static const char *const gui_fixture_phones[] = {
    "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO,
    "--family mediatek --serial " RT_MTK2_SERIAL " --imei " ZERO " --imei " ZERO,
    "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO,
    "--family simcom --serial " RT_SIM_SERIAL " --imei " ZERO,
    "--family unisoc --serial " RT_UNI_SERIAL " --imei " ZERO " --imei " ZERO,
    "--family secure-restore-v1 --serial " RT_SR_SERIAL " --hwid " RT_SR_HWID
    " --trust-store @PKI@/trust-store.conf --imei " ZERO " --imei " ZERO,
    "--family mediatek --serial " RT_INUSE_SERIAL " --imei " ZERO,
    "--family mediatek --serial " RT_OTHER_SERIAL " --imei " ZERO,
};

int
main (int argc, char *argv[])
{
	guint n = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 1;
	const char *latency = argc > 3 && g_strcmp0 (argv[2], "--latency") == 0 ? argv[3] : NULL;
	g_autoptr (GPtrArray) sims =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_test_harness_sim_free);
	g_autofree char *pass_file =
	    g_build_filename (test_restore_env_pki (), "pkcs12-passphrase.txt", NULL);
	g_autofree char *passphrase = NULL;
	g_autoptr (RtServer) server = NULL;
	char line[64];

	if (n == 0 || n > G_N_ELEMENTS (gui_fixture_phones)) {
		g_printerr ("gui-fixture: 1 to %u phones\n",
			    (guint)G_N_ELEMENTS (gui_fixture_phones));
		return 2;
	}
	if (!g_file_get_contents (pass_file, &passphrase, NULL, NULL))
		return 1;
	server = test_restore_env_server_start (NULL);
	for (guint i = 0; i < n; i++) {
		g_autoptr (GString) args = g_string_new (gui_fixture_phones[i]);
		g_string_replace (args, "@PKI@", test_restore_env_pki (), 0);
		if (latency != NULL)
			g_string_append_printf (args, " --latency %s", latency);
		g_ptr_array_add (sims, test_restore_env_sim_start (args->str));
	}
	printf ("url=%s\n", server->url);
	printf ("p12=%s/technician-alice.p12\n", test_restore_env_pki ());
	printf ("passphrase=%s\n", g_strstrip (passphrase));
	printf ("trust=%s/trust-store.conf\n", test_restore_env_pki ());
	for (guint i = 0; i < sims->len; i++)
		printf ("port%u=%s\n", i, ((IrTestSim *)g_ptr_array_index (sims, i))->path);
	printf ("ready\n");
	fflush (stdout);
	while (fgets (line, sizeof line, stdin) != NULL)
		;
	return 0;
}
