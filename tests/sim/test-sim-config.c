/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ir-error.h"
#include "ir-family.h"
#include "ir-profile.h"
#include "ir-sim-config.h"
#include "ir-protocols.h"

/* One key at a time, as a flag or a config line gives it. */
static void
test_sim_config_config_keys (void **state)
{
	const struct {
		const char *key;
		const char *value;
		const char *error; /* NULL: accepted */
	} rows[] = {
	    {"family", "mediatek", NULL},
	    {"family",
	     "nokia",
	     "unknown family \"nokia\": allowed are 3gpp, mediatek, quectel, "
	     "simcom, unisoc"},
	    {"family", "", "unknown family"},
	    {"manufacturer", "Acme Phones", NULL},
	    {"manufacturer", "", "empty value"},
	    {"manufacturer", "Ac\"me", "printable ASCII without"},
	    {"model", "X\r1", "printable ASCII"},
	    {"model",
	     "01234567890123456789012345678901234567890123456789012345678901234",
	     "at most 64"},
	    {"revision", "1.0", NULL},
	    {"serial", "SN1", NULL},
	    {"hwid", "hw-1", NULL},
	    {"imei", "490154203237518", NULL},
	    {"imei", "000000000000000", NULL},
	    {"imei", "490154203237519", NULL}, /* wrong check digit: QA wants it */
	    {"imei", "", NULL},		       /* empty slot */
	    {"imei", "1,2", "is not an IMEI"},
	    {"imei", "1 2", "is not an IMEI"},
	    {"echo", "true", NULL},
	    {"echo", "false", NULL},
	    {"echo", "yes", "allowed are true and false"},
	    {"state", "/tmp/x.state", NULL},
	    {"state", "", "empty path"},
	    {"link", "/tmp/ttySIM0", NULL},
	    {"replay", "/tmp/x.json", NULL},
	    {"latency", "0", NULL},
	    {"latency", "60000", NULL},
	    {"latency", "60001", "from 0 to 60000"},
	    {"latency", "-1", "is not a latency"},
	    {"latency", "10ms", "is not a latency"},
	    {"latency", "", "is not a latency"},
	    {"drop-rate", "0", NULL},
	    {"drop-rate", "0.05", NULL},
	    {"drop-rate", "1", NULL},
	    {"drop-rate", "1.5", "from 0 to 1"},
	    {"drop-rate", "-0.1", "is not a probability"},
	    {"drop-rate", "nan", "is not a probability"},
	    {"drop-rate", "0.1x", "is not a probability"},
	    {"garble-rate", "0.5", NULL},
	    {"garble-rate", "", "is not a probability"},
	    {"disconnect-after", "3", NULL},
	    {"disconnect-after", "three", "a number of commands"},
	    {"seed", "4294967295", NULL},
	    {"seed", "4294967296", "is not a seed"},
	    {"write-error", "ERROR", NULL},
	    {"write-error", "CME:100", NULL},
	    {"write-error", "CME:", "allowed are ERROR and CME:N"},
	    {"write-error", "CME:70000", "allowed are ERROR and CME:N"},
	    {"write-error", "error", "allowed are ERROR and CME:N"},
	    {"read-only-slot", "1", NULL},
	    {"read-only-slot", "2", NULL},
	    {"read-only-slot", "0", "allowed are 1 and 2"},
	    {"read-only-slot", "3", "allowed are 1 and 2"},
	    {"no-stick", "true", NULL},
	    {"no-stick", "1", "allowed are true and false"},
	    {"trust-store", "", "empty path"},
	    {"trust-store",
	     "/nonexistent/trust-store.conf",
	     "failed to load the phone's trust store"},
	    /* the real phones' quirks (ir-sim-quirks.c) */
	    {"charset", "UCS2", NULL},
	    {"charset", "HEX", NULL},
	    {"charset", "UTF-8", "allowed are IRA, GSM, UCS2, HEX"},
	    {"result-codes", "numeric", NULL},
	    {"result-codes", "quiet", "allowed are verbose, numeric"},
	    {"ring-during", "AT+CGSN", NULL},
	    {"ring-during", "CGSN", "is not a command"},
	    {"ring-final", "NO ANSWER", NULL},
	    {"ring-final", "HANG UP", "allowed are NO CARRIER, BUSY"},
	    {"vendor-disabled", "CME:4", NULL},
	    {"vendor-disabled", "error", "allowed are ERROR, CME:N, MODEM:N"},
	    {"vendor-disabled", "MODEM:4", NULL},
	    {"vendor-disabled", "NA", NULL},
	    {"vendor-disabled", "MODEM:x", "allowed are ERROR, CME:N, MODEM:N"},
	    {"vendor-disabled", "na", "allowed are ERROR, CME:N, MODEM:N"},
	    {"slow-command", "AT+CGMM:2500", NULL},
	    {"slow-command", "AT+CGMM", "is not COMMAND:MS"},
	    {"slow-command", "AT+CGMM:0", "is not COMMAND:MS"},
	    {"slow-command", "CGMM:100", "is not a command"},
	    {"colour", "red", "unknown key: allowed are family,"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (IrSimPhoneConfig) config = ir_sim_phone_config_new ("p");
		g_autoptr (GError) error = NULL;
		gboolean ok = ir_sim_phone_config_set (config, rows[i].key, rows[i].value, &error);
		if (rows[i].error == NULL) {
			if (!ok)
				fail_msg ("%s=%s: %s", rows[i].key, rows[i].value, error->message);
			continue;
		}
		if (ok)
			fail_msg ("%s=%s accepted", rows[i].key, rows[i].value);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
		if (strstr (error->message, rows[i].error) == NULL)
			fail_msg ("%s=%s: \"%s\" lacks \"%s\"",
				  rows[i].key,
				  rows[i].value,
				  error->message,
				  rows[i].error);
	}
}

static void
test_sim_config_config_third_imei (void **state)
{
	g_autoptr (IrSimPhoneConfig) config = ir_sim_phone_config_new ("p");
	g_autoptr (GError) error = NULL;

	assert_true (ir_sim_phone_config_set (config, "imei", "490154203237518", NULL));
	assert_true (ir_sim_phone_config_set (config, "imei", "", NULL));
	assert_false (ir_sim_phone_config_set (config, "imei", "352099001761481", &error));
	assert_non_null (strstr (error->message, "at most 2 IMEI slots"));
}

/* Whole files: one [phone NAME] group per phone, malformed ones refused
 * with the group and key named. */
static void
test_sim_config_config_files (void **state)
{
	const struct {
		const char *ini;
		guint n_phones;	   /* when accepted */
		const char *error; /* NULL: accepted */
	} rows[] = {
	    {"[phone a]\nfamily=mediatek\n", 1, NULL},
	    {"[phone a]\nfamily=mediatek\nimei=490154203237518;000000000000000;\n"
	     "echo=false\nlatency=20\ndrop-rate=0.1\nseed=7\nread-only-slot=2\n"
	     "[phone b]\nfamily=simcom\nwrite-error=CME:3\nno-stick=true\nlink=/tmp/b\n"
	     "[phone c]\nreplay=/tmp/c.json\nlink=/tmp/c\n",
	     3,
	     NULL},
	    {"# only a comment\n", 0, "no phone: add a [phone NAME] group"},
	    {"", 0, "no phone"},
	    {"family=mediatek\n", 0, "test.ini: "},
	    {"[phone a\nfamily=mediatek\n", 0, "test.ini: "},
	    {"[phones a]\nfamily=mediatek\n", 0, "[phones a]: every group must be [phone NAME]"},
	    {"[phone]\nfamily=mediatek\n", 0, "every group must be [phone NAME]"},
	    {"[phone ]\nfamily=mediatek\n", 0, "a phone needs a name"},
	    {"[phone a b]\nfamily=mediatek\n",
	     0,
	     "[phone a b]: phone name \"a b\" is not one word"},
	    {"[phone a]\nfamily=nokia\n", 0, "[phone a] family: unknown family \"nokia\""},
	    {"[phone a]\nmodel=X\n", 0, "[phone a] family: no family given"},
	    {"[phone a]\nfamily=simcom\ncolour=red\n", 0, "[phone a] colour: unknown key"},
	    {"[phone a]\nfamily=simcom\nlatency=fast\n", 0, "[phone a] latency: \"fast\" is not"},
	    {"[phone a]\nfamily=simcom\nimei=1;2;3;\n", 0, "[phone a] imei: a phone has at most 2"},
	    {"[phone a]\nfamily=simcom\nread-only-slot=2\n", 0, "slot 2 does not exist"},
	    {"[phone a]\nfamily=simcom\nimei=1;2;\nread-only-slot=2\n", 2 - 1, NULL},
	    {"[phone a]\nfamily=mediatek\nread-only-slot=1;2;\n", 1, NULL},
	    {"[phone a]\nfamily=mediatek\nread-only-slot=1;x;\n", 0, "\"x\" is not a slot"},
	    {"[phone a]\nreplay=/tmp/r.json\nimei=1;\n", 0, "imei: cannot be combined with replay"},
	    {"[phone a]\nreplay=/tmp/r.json\nfamily=simcom\n", 0, "family: cannot be combined"},
	    {"[phone a]\nfamily=simcom\nstate=/tmp/s\n[phone b]\nfamily=simcom\nstate=/tmp/s\n",
	     0,
	     "[phone a] and [phone b] have the same state"},
	    {"[phone a]\nfamily=simcom\nlink=/tmp/l\n[phone b]\nfamily=simcom\nlink=/tmp/l\n",
	     0,
	     "have the same link"},
	    {"[phone a]\nfamily=simcom\necho=maybe\n",
	     0,
	     "[phone a] echo: \"maybe\" is not a boolean"},
	    {"[phone a]\nfamily=simcom\n[phone b]\nfamily=unisoc\n[phone a]\nfamily=quectel\n",
	     0,
	     "[phone a] appears twice (line 5)"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (GPtrArray) configs =
		    ir_sim_config_parse (rows[i].ini, strlen (rows[i].ini), "test.ini", &error);
		if (rows[i].error == NULL) {
			if (configs == NULL)
				fail_msg ("row %u refused: %s", i, error->message);
			assert_int_equal (configs->len, rows[i].n_phones);
			continue;
		}
		if (configs != NULL)
			fail_msg ("row %u accepted", i);
		if (strstr (error->message, rows[i].error) == NULL ||
		    !g_str_has_prefix (error->message, "test.ini: "))
			fail_msg ("row %u: \"%s\" lacks \"%s\"", i, error->message, rows[i].error);
	}
}

/* The values of a parsed file end up in the phone's state and faults. */
static void
test_sim_config_config_to_state (void **state)
{
	const char *ini = "[phone a]\nfamily=mediatek\nmanufacturer=Acme\nimei=;490154203237518\n"
			  "echo=false\nlatency=20\ndrop-rate=0.25\ngarble-rate=0.5\nseed=7\n"
			  "disconnect-after=9\nwrite-error=CME:3\nno-stick=true\nread-only-slot=2\n"
			  "[phone b]\nfamily=unisoc\nimei=000000000000000\n";
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) configs = ir_sim_config_parse (ini, strlen (ini), "x", &error);
	IrSimPhoneConfig *a;
	IrSimPhoneConfig *b;
	g_autoptr (IrSimState) sa = NULL;
	g_autoptr (IrSimState) sb = NULL;

	assert_non_null (configs);
	a = g_ptr_array_index (configs, 0);
	b = g_ptr_array_index (configs, 1);
	assert_string_equal (a->name, "a");
	sa = ir_sim_phone_config_to_state (a);
	assert_string_equal (sa->family, "mediatek");
	assert_string_equal (sa->manufacturer, "Acme");
	assert_string_equal (sa->model, "MT6765"); /* the family's default */
	assert_int_equal (sa->n_slots, 2);
	assert_null (sa->imei[0]);
	assert_string_equal (sa->imei[1], "490154203237518");
	assert_false (sa->echo);
	assert_string_equal (sa->write_error, "+CME ERROR: 3");
	assert_true (sa->no_stick);
	assert_false (sa->read_only[0]);
	assert_true (sa->read_only[1]);
	assert_int_equal (a->faults.latency_ms, 20);
	assert_true (a->faults.drop_rate == 0.25);
	assert_true (a->faults.garble_rate == 0.5);
	assert_int_equal (a->faults.seed, 7);
	assert_int_equal (a->faults.disconnect_after, 9);

	/* one --imei makes a one-slot phone, even of a dual-IMEI family */
	sb = ir_sim_phone_config_to_state (b);
	assert_int_equal (sb->n_slots, 1);
	assert_string_equal (sb->imei[0], "000000000000000");
	assert_null (sb->imei[1]);
	assert_true (sb->echo);
	assert_null (sb->write_error);
}

/* Every family's defaults: the strings its profile matches, valid IMEIs. */
static void
test_sim_config_family_defaults (void **state)
{
	const char *const *families = ir_sim_state_get_families ();

	for (guint i = 0; families[i] != NULL; i++) {
		g_autoptr (IrSimState) s = ir_sim_state_new_default (families[i]);
		assert_non_null (s);
		assert_string_equal (s->family, families[i]);
		/* the identity a host reads picks this family's profile (a
		 * binary family's among its own: its port is found by probing) */
		if (ir_family_is_binary (ir_family_lookup (families[i])))
			assert_non_null (
			    ir_profile_match_family (0, 0, s->manufacturer, s->model, families[i]));
		else
			assert_string_equal (
			    ir_profile_match (0, 0, s->manufacturer, s->model)->family,
			    families[i]);
		assert_true (s->n_slots >= 1 && s->n_slots <= IR_SIM_MAX_SLOTS);
		for (guint j = 0; j < s->n_slots; j++) {
			const char *imei = s->imei[j];
			guint sum = 0;
			assert_int_equal (strlen (imei), 15);
			/* Luhn over all 15 digits is 0 mod 10 for a right check digit */
			for (guint k = 0; k < 15; k++) {
				guint d = (guint)(imei[14 - k] - '0');
				if (k % 2 == 1)
					d = d * 2 > 9 ? d * 2 - 9 : d * 2;
				sum += d;
			}
			assert_int_equal (sum % 10, 0);
		}
	}
	/* the families imei-sim offers are those with a device model */
	for (guint i = 0; families[i] != NULL; i++)
		assert_non_null (ir_device_model_lookup (families[i]));
	for (const IrDeviceModel *const *m = ir_device_model_get_all (); *m != NULL; m++)
		assert_true (g_strv_contains (families, (*m)->family));
	assert_null (ir_sim_state_new_default ("nokia"));
	assert_null (ir_sim_state_new_default (NULL));
}

static void
test_sim_config_state_file_roundtrip (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("imei-sim-config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "s", NULL);
	g_autoptr (IrSimState) a = ir_sim_state_new_default ("mediatek");
	g_autoptr (IrSimState) b = ir_sim_state_new_default ("mediatek");
	g_autoptr (GError) error = NULL;

	g_free (a->imei[0]);
	a->imei[0] = g_strdup ("490154203237518");
	g_clear_pointer (&a->imei[1], g_free);
	assert_true (ir_sim_state_save_file (a, path, &error));
	assert_true (ir_sim_state_load_file (b, path, &error));
	assert_string_equal (b->imei[0], "490154203237518");
	assert_null (b->imei[1]);
	(void)g_unlink (path);
	/* unreadable: no such file */
	assert_false (ir_sim_state_load_file (b, path, &error));
	(void)g_rmdir (dir);
}

/* $IR_SRCDIR/tests/data/token/trust-store.conf: a real trust store whose
 * keys are the token test vectors'. */
static char *
test_sim_config_vector_trust_store (void)
{
	const char *srcdir = g_getenv ("IR_SRCDIR");

	if (srcdir == NULL)
		fail_msg ("IR_SRCDIR is not set: run the tests with meson test");
	return g_build_filename (srcdir, "tests", "data", "token", "trust-store.conf", NULL);
}

/* A secure-restore-v1 phone needs brand keys, and no other phone takes
 * them; the state gets its own reference. */
static void
test_sim_config_config_trust_store (void **state)
{
	g_autofree char *store = test_sim_config_vector_trust_store ();
	g_autofree char *ok_ini =
	    g_strdup_printf ("[phone s]\nfamily=secure-restore-v1\ntrust-store=%s\n", store);
	g_autofree char *legacy_ini =
	    g_strdup_printf ("[phone m]\nfamily=mediatek\ntrust-store=%s\n", store);
	g_autofree char *replay_ini =
	    g_strdup_printf ("[phone r]\nreplay=/tmp/r.json\ntrust-store=%s\n", store);
	const struct {
		const char *ini;
		const char *error; /* NULL: accepted */
	} rows[] = {
	    {ok_ini, NULL},
	    {"[phone s]\nfamily=secure-restore-v1\n",
	     "[phone s] trust-store: a secure-restore-v1 phone verifies restore tokens"},
	    {legacy_ini, "[phone m] trust-store: a mediatek phone does not verify restore tokens"},
	    {replay_ini, "trust-store: cannot be combined with replay"},
	    {"[phone s]\nfamily=secure-restore-v1\ntrust-store=/nonexistent/ts.conf\n",
	     "[phone s] trust-store: failed to load the phone's trust store"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (GPtrArray) configs =
		    ir_sim_config_parse (rows[i].ini, strlen (rows[i].ini), "t.ini", &error);
		if (rows[i].error == NULL) {
			g_autoptr (IrSimState) s = NULL;
			IrSimPhoneConfig *config;
			if (configs == NULL)
				fail_msg ("row %u refused: %s", i, error->message);
			config = g_ptr_array_index (configs, 0);
			s = ir_sim_phone_config_to_state (config);
			assert_non_null (s->trust_store);
			assert_ptr_equal (s->trust_store, config->trust_store);
			assert_non_null (
			    ir_trust_store_lookup_key (s->trust_store, "vector-ed25519", NULL));
			assert_string_equal (s->hwid, "sr1-hw-000001");
			assert_null (s->nonce);
			assert_true (s->counter == 0);
			continue;
		}
		if (configs != NULL)
			fail_msg ("row %u accepted", i);
		if (strstr (error->message, rows[i].error) == NULL)
			fail_msg ("row %u: \"%s\" lacks \"%s\"", i, error->message, rows[i].error);
	}
}

/* A secure phone's state file keeps its challenge counter (and never its
 * nonce); a counter that is not a number is refused, not guessed. */
static void
test_sim_config_state_file_counter (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("imei-sim-config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "s", NULL);
	g_autoptr (IrSimState) a = ir_sim_state_new_default ("secure-restore-v1");
	g_autoptr (IrSimState) b = ir_sim_state_new_default ("secure-restore-v1");
	g_autoptr (IrSimState) m = ir_sim_state_new_default ("mediatek");
	g_autoptr (GError) error = NULL;
	g_autofree char *text = NULL;
	const struct {
		const char *contents;
		guint64 counter; /* when accepted */
		const char *error;
	} rows[] = {
	    {"[state]\nfamily=secure-restore-v1\nimei=352099002000012;;\n", 0, NULL},
	    {"[state]\nfamily=secure-restore-v1\nimei=;;\ncounter=18446744073709551615\n",
	     G_MAXUINT64,
	     NULL},
	    {"[state]\nfamily=secure-restore-v1\nimei=;;\ncounter=-1\n", 0, "counter=-1 is not"},
	    {"[state]\nfamily=secure-restore-v1\nimei=;;\ncounter=ten\n", 0, "counter=ten is not"},
	    {"[state]\nfamily=secure-restore-v1\nimei=;;\ncounter=18446744073709551616\n",
	     0,
	     "is not a whole number"},
	};

	a->counter = 7;
	a->nonce = g_bytes_new ("0123456789abcdef", 16);
	assert_true (ir_sim_state_save_file (a, path, &error));
	assert_true (ir_sim_state_load_file (b, path, &error));
	assert_true (b->counter == 7);
	assert_null (b->nonce);
	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	assert_non_null (strstr (text, "counter=7"));
	g_clear_pointer (&text, g_free);
	/* a legacy phone has no counter to keep */
	assert_true (ir_sim_state_save_file (m, path, &error));
	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	assert_null (strstr (text, "counter="));

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GError) row_error = NULL;
		assert_true (g_file_set_contents (path, rows[i].contents, -1, NULL));
		b->counter = 99;
		if (rows[i].error == NULL) {
			if (!ir_sim_state_load_file (b, path, &row_error))
				fail_msg ("row %u: %s", i, row_error->message);
			assert_true (b->counter == rows[i].counter);
			continue;
		}
		assert_false (ir_sim_state_load_file (b, path, &row_error));
		if (strstr (row_error->message, rows[i].error) == NULL)
			fail_msg (
			    "row %u: \"%s\" lacks \"%s\"", i, row_error->message, rows[i].error);
	}
	(void)g_unlink (path);
	(void)g_rmdir (dir);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_sim_config_config_keys),
	    cmocka_unit_test (test_sim_config_config_third_imei),
	    cmocka_unit_test (test_sim_config_config_files),
	    cmocka_unit_test (test_sim_config_config_to_state),
	    cmocka_unit_test (test_sim_config_family_defaults),
	    cmocka_unit_test (test_sim_config_state_file_roundtrip),
	    cmocka_unit_test (test_sim_config_config_trust_store),
	    cmocka_unit_test (test_sim_config_state_file_counter),
	};
	ir_protocols_register ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}
