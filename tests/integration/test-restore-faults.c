/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "test-restore-env.h"

/* imeictl restore with bad input and faults: each a row with its expected
 * exit code, error code, words of the message, what the phone holds
 * afterwards (nothing written without a verified token) and what became
 * of the token (reported, or kept for recovery). */

#define ZERO	      IR_TEST_IMEI_ZERO
#define QUECTEL_WIPED "--family quectel --serial " RT_QCT_SERIAL " --imei " ZERO
#define MTK_WIPED     "--family mediatek --serial " RT_MTK_SERIAL " --imei " ZERO " --imei " ZERO

typedef enum {
	SETUP_NONE,
	SETUP_SPEND_QUOTA, /* restore another phone first */
	SETUP_IMEI_IN_USE, /* another device reported holding our original */
	SETUP_DISCONNECT,  /* hang up right after the write's answer */
} Setup;

typedef struct {
	const char *name;
	const char *sim_args;
	const char *server_config;
	Setup setup;
	gboolean no_yes;
	const char *extra[8]; /* @PKI@ is the PKI folder */
	int exit_code;
	const char *code;
	const char *needle1;
	const char *needle2;
	const char *state_after;
	const char *report; /* the outcome reported; NULL: no token issued */
	gboolean kept;	    /* the token is kept in a recovery file */
	/* about a file credential only: left out of the run with a PKCS#11
	 * token (meson's restore-faults-pkcs11; test-restore-pkcs11.c has the
	 * token's own failures) */
	gboolean file_credential_only;
} FaultRow;

#define PIN_OTHER "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static const FaultRow rows[] = {
    {"server down",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--server", "https://127.0.0.1:1"},
     7,
     "server_unreachable",
     "https://127.0.0.1:1",
     "check that the server is running",
     ZERO ";",
     NULL,
     FALSE},
    {"wrong CA in the trust store",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--trust-store", "@PKI@/ts-foreign-ca.conf"},
     7,
     "tls_server_ca",
     "does not vouch for",
     "ask the brand",
     ZERO ";",
     NULL,
     FALSE},
    {"server pin mismatch",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--trust-store", "@PKI@/ts-other-pin.conf"},
     7,
     "tls_pin_mismatch",
     "pinned in the trust store",
     "intercepted",
     ZERO ";",
     NULL,
     FALSE},
    {"expired client certificate",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--cert", "@PKI@/technician-expired.pem", "--key", "@PKI@/technician-expired.key"},
     2,
     "invalid_input",
     "expired on",
     "new one",
     ZERO ";",
     NULL,
     FALSE},
    {"auditor certificate (wrong role)",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--p12", "@PKI@/auditor-carol.p12", "--p12-passphrase-file", "@PKI@/pkcs12-passphrase.txt"},
     2,
     "invalid_input",
     "role auditor",
     "technician",
     ZERO ";",
     NULL,
     FALSE},
    {"wrong PKCS#12 passphrase",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--p12", "@PKI@/technician-alice.p12", "--p12-passphrase-file", "@PKI@/ca.pem"},
     2,
     "invalid_input",
     "technician-alice.p12",
     "passphrase",
     ZERO ";",
     NULL,
     FALSE,
     TRUE},
    {"client certificate from a foreign CA",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--cert", "@PKI@/technician-foreign.pem", "--key", "@PKI@/technician-foreign.key"},
     7,
     "tls_client_refused",
     "not issued by the brand CA",
     "foreign",
     ZERO ";",
     NULL,
     FALSE},
    {"unknown device",
     "--family quectel --serial SN-NOBODY --imei " ZERO,
     NULL,
     SETUP_NONE,
     FALSE,
     {NULL},
     8,
     "unknown_device",
     "has no record of this phone",
     "SN-NOBODY",
     ZERO ";",
     NULL,
     FALSE},
    {"device mismatch",
     "--family quectel --serial " RT_MTK_SERIAL " --imei " ZERO,
     NULL,
     SETUP_NONE,
     FALSE,
     {NULL},
     8,
     "device_mismatch",
     "disagrees",
     "ask the brand",
     ZERO ";",
     NULL,
     FALSE},
    {"original IMEI in use by another device",
     "--family quectel --serial " RT_INUSE_SERIAL " --imei " ZERO,
     NULL,
     SETUP_IMEI_IN_USE,
     FALSE,
     {NULL},
     8,
     "imei_in_use",
     "in use by another registered device",
     "do not restore",
     ZERO ";",
     NULL,
     FALSE},
    {"centre quota reached",
     QUECTEL_WIPED,
     "[centres]\ndefault-daily-quota=1\n",
     SETUP_SPEND_QUOTA,
     FALSE,
     {NULL},
     8,
     "quota_reached",
     "quota is used up",
     "00:00 UTC",
     ZERO ";",
     NULL,
     FALSE},
    {"write error",
     MTK_WIPED " --write-error CME:3",
     NULL,
     SETUP_NONE,
     FALSE,
     {NULL},
     5,
     "at_refused",
     "failed to write IMEI slot 1",
     "reported to the brand server as failed",
     ZERO ";" ZERO ";",
     "failed",
     FALSE},
    {"write does not stick",
     MTK_WIPED " --no-stick",
     NULL,
     SETUP_NONE,
     FALSE,
     {NULL},
     5,
     "not_sticking",
     "did not stick",
     "reported to the brand server as failed",
     ZERO ";" ZERO ";",
     "failed",
     FALSE},
    {"disconnect after the write, before the read-back",
     QUECTEL_WIPED,
     NULL,
     SETUP_DISCONNECT,
     FALSE,
     {NULL},
     9,
     "outcome_unknown",
     "kept for recovery in",
     "reported to the brand server as unknown",
     RT_QCT_IMEI1 ";",
     "unknown",
     TRUE},
    {"secure phone refuses the token (it does not know the key)",
     "--family secure-restore-v1 --trust-store @PKI@/ts-phone-other-key.conf --imei " ZERO
     " --imei " ZERO,
     NULL,
     SETUP_NONE,
     FALSE,
     {NULL},
     6,
     "token_refused",
     "refused the restore token",
     "reported to the brand server as failed",
     ZERO ";" ZERO ";",
     "failed",
     FALSE},
    {"no --yes without a terminal",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     TRUE,
     {NULL},
     2,
     "invalid_input",
     "not a terminal",
     "--yes",
     ZERO ";",
     NULL,
     FALSE},
    {"centre that is not the certificate's",
     QUECTEL_WIPED,
     NULL,
     SETUP_NONE,
     FALSE,
     {"--centre", "MH-0002"},
     2,
     "invalid_input",
     "--centre MH-0002",
     "DL-0001",
     ZERO ";",
     NULL,
     FALSE},
};

static char *
test_restore_faults_expand (const char *word)
{
	g_autoptr (GString) s = g_string_new (word);
	g_string_replace (s, "@PKI@", test_restore_env_pki (), 0);
	return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_restore_faults_make_trust_store_variants (void)
{
	g_autofree char *foreign =
	    g_build_filename (test_restore_env_pki (), "foreign-ca.pem", NULL);
	g_autofree char *c =
	    test_restore_env_trust_store_variant ("ts-phone-other-key.conf", NULL, NULL);
	g_autoptr (GKeyFile) kf = g_key_file_new ();

	/* written for the rows that name them; only the last is edited here */
	g_free (test_restore_env_trust_store_variant ("ts-foreign-ca.conf", foreign, NULL));
	g_free (test_restore_env_trust_store_variant ("ts-other-pin.conf", NULL, PIN_OTHER));

	/* a phone that knows only the ES256 key: the server signs with EdDSA */
	assert_true (g_key_file_load_from_file (kf, c, G_KEY_FILE_NONE, NULL));
	assert_true (g_key_file_remove_group (kf, "token-key dev-ed25519-1", NULL));
	assert_true (g_key_file_save_to_file (kf, c, NULL));
}

static void
setup_spend_quota (RtServer *server)
{
	g_autoptr (IrTestSim) other = test_restore_env_sim_start (MTK_WIPED);
	g_autoptr (IrTestRun) run = test_restore_env_restore (server, other->path, TRUE, NULL);
	assert_int_equal (run->exit_code, 0);
}

/* What a phone holding the wrong identity looks like to the brand: another
 * device's last successful read-back is our original. The server no
 * longer accepts such a report (read_back_mismatch, issue 7), but a
 * database from before may hold one: written here as it would be. */
static void
setup_imei_in_use (RtServer *server)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal (sqlite3_open (server->db, &db), SQLITE_OK);
	if (sqlite3_exec (db,
			  "INSERT INTO reported_imeis (device_id, slot, identity) "
			  "SELECT id, 0, substr('" RT_INUSE_IMEI1 "', 1, 14) FROM devices "
			  "WHERE serial = '" RT_OTHER_SERIAL "'",
			  NULL,
			  NULL,
			  &err) != SQLITE_OK)
		fail_msg ("cannot record the read-back: %s", err);
	assert_int_equal (sqlite3_changes (db), 1);
	sqlite3_close (db);
}

/* The simulator hangs up after N answers: N = the commands of an identify
 * (counted from a recording of a twin phone), the slot re-read before
 * the write, and the write itself. */
static char *
test_restore_faults_disconnect_args (void)
{
	g_autoptr (IrTestSim) twin = ir_test_harness_sim_start (QUECTEL_WIPED);
	g_autofree char *rec = g_build_filename (twin->tmpdir, "identify.json", NULL);
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl ("identify", twin->path, "--record", rec, NULL);
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;
	JsonArray *events;
	guint n_commands = 0;
	guint n_reads = 0;

	assert_int_equal (run->exit_code, 0);
	if (!json_parser_load_from_file (parser, rec, &error))
		fail_msg ("cannot read %s: %s", rec, error->message);
	events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
					       "events");
	for (guint i = 0; i < json_array_get_length (events); i++) {
		JsonObject *ev = json_array_get_object_element (events, i);
		const char *text = json_object_get_string_member_with_default (ev, "text", "");
		if (g_strcmp0 (json_object_get_string_member (ev, "dir"), "w") != 0 ||
		    !g_str_has_suffix (text, "\r"))
			continue;
		n_commands++;
		n_reads += strstr (text, "+EGMR=0,7") != NULL ? 1 : 0;
	}
	assert_true (n_reads > 0);
	return g_strdup_printf (QUECTEL_WIPED " --disconnect-after %u", n_commands + n_reads + 1);
}

static void
test_restore_faults_restore_fault (void **state)
{
	const FaultRow *row = *state;
	g_autoptr (RtServer) server = NULL;
	g_autoptr (IrTestSim) sim = NULL;
	g_autoptr (IrTestRun) run = NULL;
	g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *sim_args = NULL;
	g_autofree char *after = NULL;
	const char *recovery;

	test_restore_faults_make_trust_store_variants ();
	server = test_restore_env_server_start (row->server_config);
	sim_args = row->setup == SETUP_DISCONNECT ? test_restore_faults_disconnect_args ()
						  : test_restore_faults_expand (row->sim_args);
	sim = test_restore_env_sim_start (sim_args);
	if (row->setup == SETUP_SPEND_QUOTA)
		setup_spend_quota (server);
	if (row->setup == SETUP_IMEI_IN_USE)
		setup_imei_in_use (server);
	for (guint i = 0; i < G_N_ELEMENTS (row->extra) && row->extra[i] != NULL; i++)
		g_ptr_array_add (extra, test_restore_faults_expand (row->extra[i]));
	g_ptr_array_add (extra, NULL);

	run = test_restore_env_restore (
	    server, sim->path, !row->no_yes, (const char *const *)extra->pdata);
	ir_test_harness_assert_error (
	    run, row->exit_code, row->code, row->needle1, row->needle2, NULL);
	after = test_restore_env_sim_imeis (sim);
	assert_string_equal (after, row->state_after);
	if (row->code != NULL && g_strcmp0 (row->code, "invalid_input") != 0 && run->exit_code != 7)
		assert_string_equal (test_restore_env_json_path (run, "report.outcome") != NULL
					 ? test_restore_env_json_path (run, "report.outcome")
					 : "none",
				     row->report != NULL ? row->report : "none");
	recovery = test_restore_env_json_path (run, "recovery_file");
	if (row->kept) {
		g_autofree char *kept = NULL;
		assert_non_null (recovery);
		assert_true (g_file_get_contents (recovery, &kept, NULL, NULL));
		assert_non_null (strstr (kept, test_restore_env_json_path (run, "token.id")));
		assert_non_null (strstr (kept, "\"unknown\""));
	} else {
		assert_null (recovery);
	}
}

int
main (void)
{
	g_autoptr (GArray) table = g_array_new (FALSE, FALSE, sizeof (FaultRow));

	/* with RT_PKCS11=1 the same rows run with the key on a token */
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		if (!test_restore_env_pkcs11 () || !rows[i].file_credential_only)
			g_array_append_val (table, rows[i]);
	}
	return ir_test_harness_run_table (test_restore_env_pkcs11 () ? "restore-faults-pkcs11"
								     : "restore-faults",
					  test_restore_faults_restore_fault,
					  table->data,
					  sizeof (FaultRow),
					  table->len,
					  NULL,
					  0);
}
