/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "ir-checkpoint.h"
#include "ir-test-harness.h"
#include "test-audit-common.h"

/* imeictl audit against logs written by the real writer: exit codes, the
 * tamper alarm on stderr before any output, bad input named. */

typedef struct {
	char *tmp;
	char *log;     /* a good log */
	char *bad;     /* the same log with line 3 altered */
	char *key;     /* the workstation public key, PEM */
	char *wkey;    /* the witness public key, PEM */
	char *note;    /* the last checkpoint, cosigned by the witness */
	char *notapem; /* a file that is not a key */
	char *notalog; /* a file that is not a log */
} Env;

static Env env;

static void
test_audit_copy_file (const char *from, const char *to)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	assert_true (g_file_get_contents (from, &data, &len, NULL));
	assert_true (g_file_set_contents (to, data, (gssize)len, NULL));
}

static int
env_setup (void **state)
{
	g_autoptr (GError) error = NULL;
	EVP_PKEY *key = test_audit_common_keygen ();
	EVP_PKEY *witness = test_audit_common_keygen ();
	g_autofree char *last = NULL;
	g_autofree char *cosigned = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	char *line;
	char *p;

	env.tmp = ir_test_harness_mkdtemp ();
	env.log = g_build_filename (env.tmp, "good", NULL);
	env.bad = g_build_filename (env.tmp, "bad", NULL);
	g_mkdir (env.log, 0700);
	g_mkdir (env.bad, 0700);
	if (!test_audit_common_write_log (env.log, key, &error))
		fail_msg ("cannot write the log: %s", error->message);
	env.key = g_build_filename (env.tmp, "ws.pub.pem", NULL);
	env.wkey = g_build_filename (env.tmp, "witness.pub.pem", NULL);
	assert_true (test_audit_common_write_public_key (key, env.key, NULL));
	/* the private key beside the log, as imeictl restore keeps it */
	{
		g_autofree char *path = g_build_filename (env.log, "workstation-key.pem", NULL);
		FILE *fp = fopen (path, "we");

		assert_non_null (fp);
		assert_int_equal (fchmod (fileno (fp), 0600), 0);
		assert_true (PEM_write_PrivateKey (fp, key, NULL, NULL, 0, NULL, NULL) == 1);
		assert_int_equal (fclose (fp), 0);
	}
	assert_true (test_audit_common_write_public_key (witness, env.wkey, NULL));
	last = test_audit_common_last_note (env.log);
	cosigned = ir_checkpoint_cosign (last, "witness.example", witness, NULL);
	env.note = ir_test_harness_write_file (env.tmp, "cosigned.note", cosigned);
	env.notapem = ir_test_harness_write_file (env.tmp, "not.pem", "hello\n");
	env.notalog =
	    ir_test_harness_write_file (env.tmp, "passwd", "root:x:0:0:root:/root:/bin/sh\n");

	/* the bad log: a read-back IMEI of line 3 quietly changed */
	{
		g_autofree char *from =
		    g_build_filename (env.log, "migration-log.checkpoints", NULL);
		g_autofree char *to = g_build_filename (env.bad, "migration-log.checkpoints", NULL);
		test_audit_copy_file (from, to);
	}
	{
		g_autofree char *from = g_build_filename (env.log, "migration-log.jsonl", NULL);
		g_autofree char *to = g_build_filename (env.bad, "migration-log.jsonl", NULL);
		test_audit_copy_file (from, to);
	}
	lines = test_audit_common_read_lines (env.bad);
	line = g_ptr_array_index (lines, 2);
	p = strstr (line, "490154203237518");
	assert_non_null (p);
	p[3] = '2';
	test_audit_common_write_lines (env.bad, lines);
	EVP_PKEY_free (key);
	EVP_PKEY_free (witness);
	return 0;
}

static int
env_teardown (void **state)
{
	ir_test_harness_rmdir (env.tmp);
	return 0;
}

/* Words of a command line; @LOG@, @BAD@, @KEY@, @WKEY@, @NOTE@, @NOTAPEM@,
 * @NOTALOG@ and @TMP@ are replaced. */
static GPtrArray *
test_audit_expand_args (const char *words)
{
	g_auto (GStrv) parts = g_strsplit (words, " ", -1);
	GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
	const struct {
		const char *name;
		const char *value;
	} vars[] = {
	    {"@LOG@", env.log},
	    {"@BAD@", env.bad},
	    {"@KEY@", env.key},
	    {"@WKEY@", env.wkey},
	    {"@NOTE@", env.note},
	    {"@NOTAPEM@", env.notapem},
	    {"@NOTALOG@", env.notalog},
	    {"@TMP@", env.tmp},
	};

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autoptr (GString) word = g_string_new (parts[i]);
		for (guint v = 0; v < G_N_ELEMENTS (vars); v++)
			g_string_replace (word, vars[v].name, vars[v].value, 0);
		g_ptr_array_add (argv, g_string_free (g_steal_pointer (&word), FALSE));
	}
	g_ptr_array_add (argv, NULL);
	return argv;
}

typedef struct {
	const char *name;
	const char *args;
	int exit_code;
	const char *err1; /* in the one line on stderr, NULL: stderr empty */
	const char *err2;
	const char *out; /* in stdout, or NULL */
} CliRow;

static const CliRow cli_rows[] = {
    /* good */
    {"verify-good", "audit verify @LOG@ --key @KEY@", 0, NULL, NULL, "Result:      verified"},
    {"verify-good-trust-given",
     "audit verify @LOG@ --key @KEY@",
     0,
     NULL,
     NULL,
     "checked against the key given with --key"},
    {"verify-no-key-caveat", "audit verify @LOG@", 0, NULL, NULL, "NOT checked"},
    /* the START's key, shown for the auditor to hold against the registry */
    {"verify-announced-key", "audit verify @LOG@", 0, NULL, NULL, "Announced:   MCowBQYDK2Vw"},
    {"verify-witness",
     "audit verify @LOG@ --key @KEY@ --witness-key @WKEY@ --cosigned @NOTE@",
     0,
     NULL,
     NULL,
     "cosigned at size 8"},
    {"verify-file-path",
     "audit verify @LOG@/migration-log.jsonl --key @KEY@",
     0,
     NULL,
     NULL,
     "Records:     8 (8 signed"},
    {"show", "audit show @LOG@ --key @KEY@", 0, NULL, NULL, "tech-anita"},
    {"show-filter-none",
     "audit show @LOG@ --technician nobody",
     0,
     NULL,
     NULL,
     "No record matches."},
    {"show-imei",
     "audit show @LOG@ --imei 35693803564380",
     0,
     NULL,
     NULL,
     "356938035643809 -> 356938035643809"},
    {"stats-by-outcome", "audit stats @LOG@ --by outcome", 0, NULL, NULL, "4 restoration(s)"},
    {"export-csv", "audit export @LOG@ --csv", 0, NULL, NULL, "seq,type,time,intent_id"},
    /* tampered: the alarm first, exit 11, output still there */
    {"verify-tampered",
     "audit verify @BAD@ --key @KEY@",
     11,
     "TAMPER ALARM",
     "line 3 (seq 2) does not match checkpoint 3",
     "Result:      TAMPERED"},
    {"show-tampered", "audit show @BAD@", 11, "TAMPER ALARM", "cannot be trusted", "tech-anita"},
    {"export-tampered", "audit export @BAD@ --csv", 11, "TAMPER ALARM", "line 3", "seq,type"},
    {"stats-tampered", "audit stats @BAD@", 11, "TAMPER ALARM", "line 3", "restoration(s)"},
    {"witness-is-workstation-key",
     "audit verify @LOG@ --witness-key @KEY@ --cosigned @NOTE@",
     11,
     "TAMPER ALARM",
     "no signature by the witness key",
     NULL},
    {"wrong-key",
     "audit verify @LOG@ --key @WKEY@",
     11,
     "TAMPER ALARM",
     /* the last checkpoint's signature is the one checked by default */
     "is not signed by the trusted key: re-signed by another key",
     NULL},
    /* bad input: exit 2, one clear line */
    {"missing-log", "audit verify @TMP@/nope", 2, "does not exist", NULL, NULL},
    {"dir-not-log", "audit verify @TMP@", 2, "is not a migration log directory", NULL, NULL},
    {"not-a-log", "audit show @NOTALOG@", 2, "is not a migration log", NULL, NULL},
    {"no-subcommand", "audit", 2, "audit needs what to do and a log", NULL, NULL},
    {"unknown-subcommand", "audit check @LOG@", 2, "unknown audit command 'check'", NULL, NULL},
    {"bad-from",
     "audit show @LOG@ --from yesterday",
     2,
     "--from 'yesterday' is not a time",
     "2026-11-29T08:30:00Z",
     NULL},
    {"bad-to", "audit show @LOG@ --to 2026-13-01", 2, "--to '2026-13-01'", NULL, NULL},
    {"from-after-to",
     "audit show @LOG@ --from 2026-02-01 --to 2026-01-01",
     2,
     "is after --to",
     NULL,
     NULL},
    {"bad-imei", "audit show @LOG@ --imei 12345", 2, "--imei '12345' is not an IMEI", NULL, NULL},
    {"bad-outcome", "audit stats @LOG@ --outcome won", 2, "--outcome 'won'", NULL, NULL},
    {"bad-type", "audit show @LOG@ --type WRITE", 2, "--type 'WRITE'", NULL, NULL},
    {"bad-by", "audit stats @LOG@ --by week", 2, "--by 'week'", NULL, NULL},
    {"csv-not-export", "audit show @LOG@ --csv", 2, "--csv is for audit export", NULL, NULL},
    {"export-no-format", "audit export @LOG@", 2, "exactly one of --csv and --json", NULL, NULL},
    {"export-two-formats", "audit export @LOG@ --csv --json", 2, "exactly one of", NULL, NULL},
    {"verify-filter", "audit verify @LOG@ --technician x", 2, "filters", NULL, NULL},
    {"witness-half", "audit verify @LOG@ --witness-key @WKEY@", 2, "go together", NULL, NULL},
    {"key-missing", "audit verify @LOG@ --key @TMP@/none.pem", 2, "--key: cannot read", NULL, NULL},
    {"key-not-pem",
     "audit verify @LOG@ --key @NOTAPEM@",
     2,
     "--key",
     "is not a PEM public key",
     NULL},
    {"witness-same-as-key",
     "audit verify @LOG@ --key @KEY@ --witness-key @KEY@ --cosigned @NOTE@",
     2,
     "the witness key is the workstation key",
     NULL,
     NULL},
    {"extra-arg", "audit verify @LOG@ @LOG@", 2, "unexpected argument", NULL, NULL},
    {"key", "audit key @LOG@", 0, NULL, NULL, "-----BEGIN PUBLIC KEY-----"},
    {"key-json", "audit key @LOG@ --json", 0, NULL, NULL, "\"key_id\""},
    {"key-with-option",
     "audit key @LOG@ --key @KEY@",
     2,
     "audit key takes no option but --json",
     NULL,
     NULL},
    {"key-missing", "audit key @TMP@", 3, "workstation-key.pem", "state folder", NULL},
};

static void
test_audit_cli (void **state)
{
	const CliRow *row = *state;
	g_autoptr (GPtrArray) argv = test_audit_expand_args (row->args);
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl_full ((const char *const *)argv->pdata, NULL);

	if (run->exit_code != row->exit_code)
		fail_msg ("%s: exit %d, expected %d; stderr: %s",
			  row->name,
			  run->exit_code,
			  row->exit_code,
			  run->err);
	if (row->err1 == NULL)
		assert_string_equal (run->err, "");
	else
		ir_test_harness_assert_error (
		    run, row->exit_code, NULL, row->err1, row->err2, NULL);
	if (row->out != NULL && strstr (run->out, row->out) == NULL)
		fail_msg ("%s: stdout does not mention \"%s\": %s", row->name, row->out, run->out);
}

/* imeictl audit key prints the key that verifies the log, byte for byte
 * the PEM the brand would register. */
static void
test_audit_key_verifies (void **state)
{
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl ("audit", "key", env.log, NULL);
	g_autofree char *want = NULL;
	g_autofree char *printed = g_build_filename (env.tmp, "printed.pub.pem", NULL);
	g_autoptr (IrTestRun) verify = NULL;

	assert_int_equal (run->exit_code, 0);
	assert_true (g_file_get_contents (env.key, &want, NULL, NULL));
	assert_string_equal (run->out, want);
	assert_true (g_file_set_contents (printed, run->out, -1, NULL));
	verify = ir_test_harness_imeictl ("audit", "verify", env.log, "--key", printed, NULL);
	assert_int_equal (verify->exit_code, 0);
}

static void
test_audit_export_json (void **state)
{
	g_autoptr (IrTestRun) run = ir_test_harness_imeictl (
	    "audit", "export", env.log, "--json", "--outcome", "success", NULL);
	JsonArray *array;

	assert_int_equal (run->exit_code, 0);
	assert_non_null (run->json);
	assert_true (JSON_NODE_HOLDS_ARRAY (run->json));
	array = json_node_get_array (run->json);
	assert_int_equal (json_array_get_length (array), 2);
	assert_string_equal (
	    json_object_get_string_member (json_array_get_object_element (array, 0), "technician"),
	    "tech-anita");
}

static void
test_audit_verify_json_tampered (void **state)
{
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl ("audit", "verify", env.bad, "--json", NULL);
	JsonObject *o;
	JsonObject *err;

	assert_int_equal (run->exit_code, 11);
	assert_true (g_str_has_prefix (run->err, "imeictl: TAMPER ALARM"));
	assert_non_null (run->json);
	o = json_node_get_object (run->json);
	assert_false (json_object_get_boolean_member (o, "verified"));
	err = json_object_get_object_member (o, "error");
	assert_string_equal (json_object_get_string_member (err, "code"), "tampered");
	assert_int_equal (json_object_get_int_member (err, "line"), 3);
	assert_int_equal (json_object_get_int_member (err, "checkpoint"), 3);
	assert_int_equal (json_object_get_int_member (err, "exit_code"), 11);
}

static void
test_audit_stats_json (void **state)
{
	g_autoptr (IrTestRun) run =
	    ir_test_harness_imeictl ("audit", "stats", env.log, "--by", "centre", "--json", NULL);
	JsonObject *o;
	JsonArray *groups;

	assert_int_equal (run->exit_code, 0);
	o = json_node_get_object (run->json);
	assert_string_equal (json_object_get_string_member (o, "by"), "centre");
	assert_int_equal (json_object_get_int_member (o, "total"), 4);
	groups = json_object_get_array_member (o, "groups");
	assert_int_equal (json_array_get_length (groups), 2);
	assert_string_equal (
	    json_object_get_string_member (json_array_get_object_element (groups, 1), "group"),
	    "centre-mumbai");
	assert_int_equal (
	    json_object_get_int_member (json_array_get_object_element (groups, 1), "open"), 1);
}

int
main (void)
{
	const struct CMUnitTest extra[] = {
	    cmocka_unit_test (test_audit_key_verifies),
	    cmocka_unit_test (test_audit_export_json),
	    cmocka_unit_test (test_audit_verify_json_tampered),
	    cmocka_unit_test (test_audit_stats_json),
	};
	int failed;

	env_setup (NULL);
	failed = ir_test_harness_run_table ("audit-cli",
					    test_audit_cli,
					    cli_rows,
					    sizeof (CliRow),
					    G_N_ELEMENTS (cli_rows),
					    extra,
					    G_N_ELEMENTS (extra));
	env_teardown (NULL);
	return failed;
}
