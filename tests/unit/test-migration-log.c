/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* The log writer: round trip, reopen, open intents, the tamper table (each
 * with its message and the right line), torn tails of every length. */

#define ORIGIN	 "imeirestore/DEL01/ws1"
#define KEY_NAME "imeirestore/DEL01/ws1"
#define LOG	 "migration-log.jsonl"
#define CPS	 "migration-log.checkpoints"

static EVP_PKEY *key;

static int
test_migration_log_setup (void **state)
{
	key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	return key == NULL;
}

static int
test_migration_log_teardown (void **state)
{
	EVP_PKEY_free (key);
	return 0;
}

static JsonObject *
test_migration_log_object_from (const char *json)
{
	g_autoptr (JsonParser) parser = json_parser_new ();

	assert_true (json_parser_load_from_data (parser, json, -1, NULL));
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
test_migration_log_intent_fields (const char *id)
{
	g_autofree char *json = g_strdup_printf (
	    "{\"intent_id\":\"%s\",\"technician\":\"tech-1\",\"centre\":\"DEL01\","
	    "\"workstation\":\"ws1\",\"phone\":{\"port\":\"/dev/pts/3\",\"manufacturer\":"
	    "\"MediaTek\",\"model\":\"MT6765\",\"serial\":\"SN1\",\"hardware_id\":null,"
	    "\"family\":\"mediatek\"},\"imeis_before\":[\"000000000000000\",null],"
	    "\"imeis_target\":[\"490154203237518\",null],\"token_id\":\"%s\","
	    "\"token_sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	    "\"phase\":\"phase-1\"}",
	    id,
	    id);

	return test_migration_log_object_from (json);
}

static JsonObject *
test_migration_log_result_fields (const char *id)
{
	g_autofree char *json = g_strdup_printf ("{\"intent_id\":\"%s\",\"outcome\":\"success\","
						 "\"imeis_read_back\":[\"490154203237518\","
						 "null]}",
						 id);

	return test_migration_log_object_from (json);
}

static JsonObject *
test_migration_log_start_fields (void)
{
	return test_migration_log_object_from (
	    "{\"software\":\"imeirestore 0.1.0\",\"workstation\":\"ws1\"}");
}

static IrMigrationLog *
test_migration_log_open_log (const char *dir, EVP_PKEY *with)
{
	g_autoptr (GError) error = NULL;
	IrMigrationLog *log = ir_migration_log_open_layout (
	    dir, ORIGIN, KEY_NAME, with, IR_MIGRATION_LOG_LAYOUT_NOTES, &error);

	if (log == NULL)
		fail_msg ("open %s: %s", dir, error->message);
	return log;
}

static void
test_migration_log_append (IrMigrationLog *log,
			   IrLogRecordType type,
			   JsonObject *fields,
			   guint64 want)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonObject) owned = fields;
	guint64 index = G_MAXUINT64;

	if (!ir_migration_log_append (log, type, owned, &index, &error))
		fail_msg ("append: %s", error->message);
	assert_true (index == want);
}

/* START, INTENT a1, RESULT a1, INTENT b2: a small log of four records;
 * @short_last: the fourth is a short START instead (torn tails of every
 * length of it cost one open each) */
static char *
test_migration_log_make_log_with (gboolean short_last)
{
	char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);

	test_migration_log_append (log, IR_LOG_RECORD_START, test_migration_log_start_fields (), 0);
	test_migration_log_append (
	    log, IR_LOG_RECORD_INTENT, test_migration_log_intent_fields ("a1"), 1);
	test_migration_log_append (
	    log, IR_LOG_RECORD_RESULT, test_migration_log_result_fields ("a1"), 2);
	if (short_last)
		test_migration_log_append (
		    log,
		    IR_LOG_RECORD_START,
		    test_migration_log_object_from ("{\"software\":\"s\",\"workstation\":\"w\"}"),
		    3);
	else
		test_migration_log_append (
		    log, IR_LOG_RECORD_INTENT, test_migration_log_intent_fields ("b2"), 3);
	return dir;
}

static char *
test_migration_log_make_log (void)
{
	return test_migration_log_make_log_with (FALSE);
}

static void
test_migration_log_rm_log (const char *dir)
{
	g_autofree char *log = g_build_filename (dir, LOG, NULL);
	g_autofree char *cps = g_build_filename (dir, CPS, NULL);

	g_unlink (log);
	g_unlink (cps);
	g_rmdir (dir);
}

static char *
test_migration_log_read_in (const char *dir, const char *name, gsize *len)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	char *data = NULL;

	assert_true (g_file_get_contents (path, &data, len, NULL));
	return data;
}

static void
test_migration_log_write_in (const char *dir, const char *name, const char *data, gsize len)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);

	/* no fsync: these files are rewritten thousands of times */
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true (fd >= 0);
	assert_true (write (fd, data, len) == (ssize_t)len);
	close (fd);
}

/* ---- round trip ---- */

static void
test_migration_log_round_trip (void **state)
{
	g_autofree char *dir = test_migration_log_make_log ();
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (GPtrArray) lines = NULL;
	g_autoptr (GPtrArray) intents = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *checkpoint = NULL;
	g_autofree char *log_data = NULL;
	g_autofree char *cp_data = NULL;
	g_autofree char *log_path = g_build_filename (dir, LOG, NULL);
	guint8 root[IR_MERKLE_HASH_LEN];
	guint8 again[IR_MERKLE_HASH_LEN];
	gsize log_len = 0;
	gsize cp_len = 0;
	struct stat st;

	assert_false (ir_migration_log_is_read_only (log));
	assert_null (ir_migration_log_get_tamper_error (log));
	assert_int_equal (ir_migration_log_get_size (log), 4);
	/* open appends nothing by itself (START is the caller's) */
	log_data = test_migration_log_read_in (dir, LOG, &log_len);
	cp_data = test_migration_log_read_in (dir, CPS, &cp_len);
	{
		g_auto (GStrv) split = g_strsplit (log_data, "\n", -1);
		assert_int_equal (g_strv_length (split), 5);
	}

	lines = ir_migration_log_read_lines (log, 1, 3, &error);
	assert_non_null (lines);
	assert_int_equal (lines->len, 2);
	{
		g_autoptr (IrLogRecord) r1 =
		    ir_log_record_parse (lines->pdata[0], strlen (lines->pdata[0]), NULL);
		g_autoptr (IrLogRecord) r2 =
		    ir_log_record_parse (lines->pdata[1], strlen (lines->pdata[1]), NULL);

		assert_non_null (r1);
		assert_non_null (r2);
		assert_int_equal (r1->type, IR_LOG_RECORD_INTENT);
		assert_true (r1->seq == 1);
		assert_int_equal (r2->type, IR_LOG_RECORD_RESULT);
	}
	assert_null (ir_migration_log_read_lines (log, 3, 5, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	g_clear_error (&error);

	/* the latest checkpoint covers all four, signed by the key */
	checkpoint = g_strdup (ir_migration_log_get_checkpoint (log));
	{
		g_autoptr (IrCheckpoint) cp =
		    ir_checkpoint_parse (checkpoint, strlen (checkpoint), &error);
		assert_non_null (cp);
		assert_true (cp->size == 4);
		assert_string_equal (cp->origin, ORIGIN);
		assert_true (ir_checkpoint_verify (cp, KEY_NAME, key, &error));
		assert_true (ir_merkle_tree_root (ir_migration_log_get_tree (log), 4, root, NULL));
		assert_memory_equal (cp->root, root, sizeof (root));
	}
	/* one note per record, each ending with a blank line */
	assert_non_null (g_str_has_suffix (cp_data, "\n\n") ? cp_data : NULL);

	/* reopen keeps size, root and checkpoint, and changes no byte */
	g_clear_object (&log);
	log = test_migration_log_open_log (dir, key);
	assert_int_equal (ir_migration_log_get_size (log), 4);
	assert_true (ir_merkle_tree_root (ir_migration_log_get_tree (log), 4, again, NULL));
	assert_memory_equal (root, again, sizeof (root));
	assert_string_equal (ir_migration_log_get_checkpoint (log), checkpoint);
	{
		gsize l2 = 0, c2 = 0;
		g_autofree char *log2 = test_migration_log_read_in (dir, LOG, &l2);
		g_autofree char *cp2 = test_migration_log_read_in (dir, CPS, &c2);

		assert_int_equal (l2, log_len);
		assert_memory_equal (log2, log_data, log_len);
		assert_int_equal (c2, cp_len);
		assert_memory_equal (cp2, cp_data, cp_len);
	}
	/* files are private */
	assert_int_equal (stat (log_path, &st), 0);
	assert_int_equal (st.st_mode & 077, 0);

	/* a second writer on the same log is refused */
	{
		g_autoptr (IrMigrationLog) other = ir_migration_log_open_layout (
		    dir, ORIGIN, KEY_NAME, key, IR_MIGRATION_LOG_LAYOUT_NOTES, &error);
		assert_null (other);
		assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_BUSY));
		g_clear_error (&error);
	}

	/* appending goes on from 4 */
	test_migration_log_append (
	    log, IR_LOG_RECORD_RESULT, test_migration_log_result_fields ("b2"), 4);
	intents = ir_migration_log_get_open_intents (log);
	assert_int_equal (intents->len, 0);
	g_clear_object (&log);
	test_migration_log_rm_log (dir);
}

static void
test_migration_log_bad_fields (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (JsonObject) fields = test_migration_log_object_from ("{\"software\":\"x\"}");
	g_autoptr (GError) error = NULL;
	gsize len = 1;
	g_autofree char *data = NULL;

	/* a record the schema refuses is never written, and the log goes on */
	assert_false (ir_migration_log_append (log, IR_LOG_RECORD_START, fields, NULL, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_non_null (strstr (error->message, "no \"workstation\""));
	assert_false (ir_migration_log_is_read_only (log));
	data = test_migration_log_read_in (dir, LOG, &len);
	assert_int_equal (len, 0);
	test_migration_log_append (log, IR_LOG_RECORD_START, test_migration_log_start_fields (), 0);
	g_clear_object (&log);
	test_migration_log_rm_log (dir);
}

static void
test_migration_log_open_intents (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (GPtrArray) intents = NULL;

	test_migration_log_append (log, IR_LOG_RECORD_START, test_migration_log_start_fields (), 0);
	test_migration_log_append (
	    log, IR_LOG_RECORD_INTENT, test_migration_log_intent_fields ("cc"), 1);
	test_migration_log_append (
	    log, IR_LOG_RECORD_INTENT, test_migration_log_intent_fields ("aa"), 2);
	test_migration_log_append (
	    log, IR_LOG_RECORD_INTENT, test_migration_log_intent_fields ("bb"), 3);
	test_migration_log_append (
	    log, IR_LOG_RECORD_RESULT, test_migration_log_result_fields ("aa"), 4);
	intents = ir_migration_log_get_open_intents (log);
	assert_int_equal (intents->len, 2);
	assert_string_equal (json_object_get_string_member (intents->pdata[0], "intent_id"), "cc");
	assert_string_equal (json_object_get_string_member (intents->pdata[1], "intent_id"), "bb");
	g_clear_pointer (&intents, g_ptr_array_unref);

	/* the same after a reopen, from the file */
	g_clear_object (&log);
	log = test_migration_log_open_log (dir, key);
	intents = ir_migration_log_get_open_intents (log);
	assert_int_equal (intents->len, 2);
	assert_string_equal (json_object_get_string_member (intents->pdata[0], "intent_id"), "cc");
	assert_true (json_object_get_int_member (intents->pdata[1], "seq") == 3);
	g_clear_object (&log);
	test_migration_log_rm_log (dir);
}

/* ---- tampering ---- */

/* Opens @dir expecting the tamper alarm with every part of @want in its
 * message, no byte of either file changed, and appends refused. */
static void
test_migration_log_expect_tamper (const char *dir, const char *const *want, const char *what)
{
	gsize log_len = 0, cp_len = 0, log_after = 0, cp_after = 0;
	g_autofree char *log_data = test_migration_log_read_in (dir, LOG, &log_len);
	g_autofree char *cp_data = test_migration_log_read_in (dir, CPS, &cp_len);
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonObject) fields = test_migration_log_start_fields ();
	g_autofree char *log_now = NULL;
	g_autofree char *cp_now = NULL;
	const GError *alarm = ir_migration_log_get_tamper_error (log);

	if (alarm == NULL)
		fail_msg ("%s: not detected", what);
	assert_true (g_error_matches (alarm, IR_ERROR, IR_ERROR_TAMPERED));
	for (guint i = 0; want[i] != NULL; i++) {
		if (strstr (alarm->message, want[i]) == NULL)
			fail_msg ("%s: \"%s\" does not say \"%s\"", what, alarm->message, want[i]);
	}
	assert_true (ir_migration_log_is_read_only (log));
	assert_false (ir_migration_log_append (log, IR_LOG_RECORD_START, fields, NULL, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_READ_ONLY_LOG));
	assert_non_null (strstr (error->message, "tampered"));

	log_now = test_migration_log_read_in (dir, LOG, &log_after);
	cp_now = test_migration_log_read_in (dir, CPS, &cp_after);
	assert_int_equal (log_after, log_len);
	assert_memory_equal (log_now, log_data, log_len);
	assert_int_equal (cp_after, cp_len);
	assert_memory_equal (cp_now, cp_data, cp_len);
}

/* every byte of the log, two bit flips each: the line holding it named */
static void
test_migration_log_flip_every_log_byte (void **state)
{
	g_autofree char *dir = test_migration_log_make_log ();
	gsize len = 0;
	g_autofree char *orig = test_migration_log_read_in (dir, LOG, &len);
	static const guint8 masks[] = {0x01, 0x80};

	for (gsize i = 0; i < len; i++) {
		guint line = 1;

		for (gsize j = 0; j < i; j++)
			line += orig[j] == '\n';
		for (guint m = 0; m < G_N_ELEMENTS (masks); m++) {
			g_autofree char *copy = g_memdup2 (orig, len);
			g_autofree char *want_line = g_strdup_printf (LOG " line %u:", line);
			g_autofree char *what =
			    g_strdup_printf ("byte %" G_GSIZE_FORMAT " ^ 0x%02x", i, masks[m]);
			const char *want[] = {want_line, NULL};

			copy[i] ^= masks[m];
			test_migration_log_write_in (dir, LOG, copy, len);
			test_migration_log_expect_tamper (dir, want, what);
		}
	}
	test_migration_log_write_in (dir, LOG, orig, len);
	{
		g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
		assert_null (ir_migration_log_get_tamper_error (log));
	}
	test_migration_log_rm_log (dir);
}

/* every byte of the checkpoint file: detected, the file named */
static void
test_migration_log_flip_every_checkpoint_byte (void **state)
{
	g_autofree char *dir = test_migration_log_make_log ();
	gsize len = 0;
	g_autofree char *orig = test_migration_log_read_in (dir, CPS, &len);

	/* the signature line of the last note: every other note's root is
	 * checked against the records, and this signature covers them all; a
	 * flipped byte in an earlier signature changes no record and no root
	 * (audit verify --all-signatures finds it: test-audit.c) */
	gsize last_sig = (gsize)(g_strrstr_len (orig, (gssize)len - 2, "\n") + 1 - orig);

	for (gsize i = 0; i < len; i++) {
		g_autofree char *copy = g_memdup2 (orig, len);
		g_autofree char *what = g_strdup_printf ("checkpoint byte %" G_GSIZE_FORMAT, i);
		const char *want[] = {"migration log tampered with: ", NULL};
		const char *line_start = g_strrstr_len (orig, (gssize)i, "\n");
		gboolean in_sig = line_start != NULL && line_start + 4 <= orig + len &&
				  memcmp (line_start + 1, "\xe2\x80\x94", 3) == 0;

		if (in_sig && i < last_sig)
			continue;

		copy[i] ^= 0x01;
		test_migration_log_write_in (dir, CPS, copy, len);
		test_migration_log_expect_tamper (dir, want, what);
	}
	test_migration_log_rm_log (dir);
}

static char **
test_migration_log_split_lines (const char *dir)
{
	gsize len = 0;
	g_autofree char *data = test_migration_log_read_in (dir, LOG, &len);

	return g_strsplit (data, "\n", -1); /* last element "" */
}

static void
test_migration_log_write_lines (const char *dir, char **lines)
{
	g_autofree char *data = g_strjoinv ("\n", lines);

	test_migration_log_write_in (dir, LOG, data, strlen (data));
}

/* notes for sizes 1..n of @lines, signed by @by, with @sizes[i] when given */
static char *
test_migration_log_make_notes (char **lines, guint n, EVP_PKEY *by, const guint64 *sizes)
{
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GString) out = g_string_new (NULL);

	for (guint i = 0; i < n; i++)
		ir_merkle_tree_append (tree, (const guint8 *)lines[i], strlen (lines[i]));
	for (guint i = 0; i < n; i++) {
		guint64 size = sizes != NULL ? sizes[i] : i + 1;
		guint8 root[IR_MERKLE_HASH_LEN];
		g_autofree char *note = NULL;

		assert_true (ir_merkle_tree_root (tree, size, root, NULL));
		note = ir_checkpoint_sign (ORIGIN, size, root, KEY_NAME, by, NULL);
		assert_non_null (note);
		g_string_append_printf (out, "%s\n", note);
	}
	return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef enum {
	EDIT_DELETE_LINE_2,
	EDIT_SWAP_2_3,
	EDIT_INSERT_COPY_OF_2,
	EDIT_CHANGE_IMEI_LINE_4,
	EDIT_TRUNCATE_MID_LINE_3,
	EDIT_TRUNCATE_RESIGN_OTHER_KEY,
	EDIT_DAMAGE_LAST_SIGNATURE,
	EDIT_SIZE_SHRINKS,
	EDIT_OTHER_ORIGIN,
	EDIT_CHECKPOINT_FILE_CUT_MID_NOTE,
	EDIT_CHECKPOINTS_DELETED,
	EDIT_TWO_LINES_PAST_CHECKPOINT,
} Edit;

typedef struct {
	const char *name;
	Edit edit;
	const char *want[3];
} TamperRow;

static const TamperRow tamper_rows[] = {
    {"delete line 2", EDIT_DELETE_LINE_2, {LOG " line 2: seq 2 where 1 was expected", "removed"}},
    {"reorder 2 and 3", EDIT_SWAP_2_3, {LOG " line 2: seq 2 where 1 was expected", "reordered"}},
    {"insert a copy of line 2",
     EDIT_INSERT_COPY_OF_2,
     {LOG " line 3: seq 1 where 2 was expected", "inserted"}},
    {"change an IMEI in line 4", EDIT_CHANGE_IMEI_LINE_4, {LOG " line 4: record changed"}},
    {"truncate inside line 3", EDIT_TRUNCATE_MID_LINE_3, {LOG " line 3: missing", "log truncated"}},
    {"truncate and re-sign with another key",
     EDIT_TRUNCATE_RESIGN_OTHER_KEY,
     /* the last checkpoint's signature covers them all */
     {CPS " line 7: checkpoint 2 (log line 2) is not signed by this workstation's key"}},
    {"checkpoint signature damaged",
     EDIT_DAMAGE_LAST_SIGNATURE,
     {CPS " line 19: checkpoint 4 (log line 4) is not signed"}},
    {"checkpoint size shrinks",
     EDIT_SIZE_SHRINKS,
     {CPS " line 13: checkpoint 3 is for 1 records where 3 was expected",
      "replaced by an older one"}},
    {"checkpoint of another workstation",
     EDIT_OTHER_ORIGIN,
     {CPS " line 1: checkpoint 1 is for \"imeirestore/DEL01/ws9\""}},
    {"checkpoint file cut mid-note",
     EDIT_CHECKPOINT_FILE_CUT_MID_NOTE,
     {CPS " line 13: the file ends in the middle of checkpoint 3"}},
    {"checkpoint file emptied",
     EDIT_CHECKPOINTS_DELETED,
     /* read as a log of the inline layout, whose signature lines are gone */
     {LOG " line 2: a record where the signature line of record 1 was expected"}},
    {"two lines past the last checkpoint",
     EDIT_TWO_LINES_PAST_CHECKPOINT,
     {LOG " line 4: more than one record past the last checkpoint (size 2)"}},
};

static void
test_migration_log_apply_edit (const char *dir, Edit edit)
{
	g_auto (GStrv) lines = test_migration_log_split_lines (dir);
	gsize cp_len = 0;
	g_autofree char *cps = test_migration_log_read_in (dir, CPS, &cp_len);
	g_autofree char *notes = NULL;
	char *tmp;

	switch (edit) {
	case EDIT_DELETE_LINE_2:
		tmp = lines[1];
		memmove (&lines[1], &lines[2], sizeof (char *) * 4);
		g_free (tmp);
		test_migration_log_write_lines (dir, lines);
		break;
	case EDIT_SWAP_2_3:
		tmp = lines[1];
		lines[1] = lines[2];
		lines[2] = tmp;
		test_migration_log_write_lines (dir, lines);
		break;
	case EDIT_INSERT_COPY_OF_2: {
		g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
		g_auto (GStrv) more = NULL;

		for (guint i = 0; lines[i] != NULL; i++) {
			g_strv_builder_add (b, lines[i]);
			if (i == 1)
				g_strv_builder_add (b, lines[i]);
		}
		more = g_strv_builder_end (b);
		test_migration_log_write_lines (dir, more);
		break;
	}
	case EDIT_CHANGE_IMEI_LINE_4:
		tmp = strstr (lines[3], "490154203237518");
		tmp[3] = '2';
		test_migration_log_write_lines (dir, lines);
		break;
	case EDIT_TRUNCATE_MID_LINE_3: {
		g_autofree char *two =
		    g_strdup_printf ("%s\n%s\n%.20s", lines[0], lines[1], lines[2]);
		test_migration_log_write_in (dir, LOG, two, strlen (two));
		break;
	}
	case EDIT_TRUNCATE_RESIGN_OTHER_KEY: {
		g_autoptr (EVP_PKEY) other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
		g_autofree char *two = g_strdup_printf ("%s\n%s\n", lines[0], lines[1]);

		test_migration_log_write_in (dir, LOG, two, strlen (two));
		notes = test_migration_log_make_notes (lines, 2, other, NULL);
		test_migration_log_write_in (dir, CPS, notes, strlen (notes));
		break;
	}
	case EDIT_DAMAGE_LAST_SIGNATURE: {
		/* note 4, the last, starts at line 19; its signature line is
		 * line 23 (an earlier note's signature is audit verify
		 * --all-signatures's to check: every root is checked here) */
		char *note4 = cps;
		char *sig;

		for (guint i = 0; i < 3; i++)
			note4 = strstr (note4, "\n\n") + 2, note4 = strstr (note4, "\n\n") + 2;
		sig = strstr (note4, "\xe2\x80\x94 ");
		sig = strchr (sig + 4, ' ') + 30;
		*sig = *sig == 'A' ? 'B' : 'A';
		test_migration_log_write_in (dir, CPS, cps, cp_len);
		break;
	}
	case EDIT_SIZE_SHRINKS: {
		const guint64 sizes[] = {1, 2, 1, 4};

		notes = test_migration_log_make_notes (lines, 4, key, sizes);
		test_migration_log_write_in (dir, CPS, notes, strlen (notes));
		break;
	}
	case EDIT_OTHER_ORIGIN:
		tmp = strstr (cps, "/ws1\n");
		tmp[3] = '9';
		test_migration_log_write_in (dir, CPS, cps, cp_len);
		break;
	case EDIT_CHECKPOINT_FILE_CUT_MID_NOTE: {
		/* note 3 cut after its body, the log cut after line 2: the torn
		 * note has no record to cover */
		g_autofree char *two = g_strdup_printf ("%s\n%s\n", lines[0], lines[1]);
		char *note3 = cps;

		for (guint i = 0; i < 4; i++)
			note3 = strstr (note3, "\n\n") + 2;
		test_migration_log_write_in (dir, LOG, two, strlen (two));
		test_migration_log_write_in (
		    dir, CPS, cps, (gsize)(strstr (note3, "\n\n") + 2 - cps));
		break;
	}
	case EDIT_CHECKPOINTS_DELETED:
		test_migration_log_write_in (dir, CPS, "", 0);
		break;
	case EDIT_TWO_LINES_PAST_CHECKPOINT:
		notes = test_migration_log_make_notes (lines, 2, key, NULL);
		test_migration_log_write_in (dir, CPS, notes, strlen (notes));
		break;
	}
}

static void
test_migration_log_tamper_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (tamper_rows); i++) {
		g_autofree char *dir = test_migration_log_make_log ();

		test_migration_log_apply_edit (dir, tamper_rows[i].edit);
		test_migration_log_expect_tamper (dir, tamper_rows[i].want, tamper_rows[i].name);
		test_migration_log_rm_log (dir);
	}
}

/* ---- torn tails ---- */

static IrLogRecord *
test_migration_log_last_record (IrMigrationLog *log)
{
	guint64 size = ir_migration_log_get_size (log);
	g_autoptr (GPtrArray) lines = ir_migration_log_read_lines (log, size - 1, size, NULL);

	assert_non_null (lines);
	return ir_log_record_parse (lines->pdata[0], strlen (lines->pdata[0]), NULL);
}

static void
test_migration_log_expect_recovered (const char *dir, gsize cut, const char *what)
{
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (IrLogRecord) rec = NULL;
	g_autoptr (GPtrArray) intents = NULL;

	if (ir_migration_log_get_tamper_error (log) != NULL)
		fail_msg ("%s: %s", what, ir_migration_log_get_tamper_error (log)->message);
	assert_false (ir_migration_log_is_read_only (log));
	/* the three checkpointed records and the RECOVERY */
	assert_int_equal (ir_migration_log_get_size (log), 4);
	rec = test_migration_log_last_record (log);
	assert_non_null (rec);
	assert_int_equal (rec->type, IR_LOG_RECORD_RECOVERY);
	assert_true (rec->seq == 3);
	if (json_object_get_int_member (rec->object, "cut_bytes") != (gint64)cut)
		fail_msg ("%s: cut_bytes %" G_GINT64_FORMAT ", expected %" G_GSIZE_FORMAT,
			  what,
			  json_object_get_int_member (rec->object, "cut_bytes"),
			  cut);
	/* INTENT a1 has its RESULT */
	intents = ir_migration_log_get_open_intents (log);
	assert_int_equal (intents->len, 0);
	g_clear_object (&log);

	/* and the recovered log opens clean, with nothing more to cut */
	log = test_migration_log_open_log (dir, key);
	assert_null (ir_migration_log_get_tamper_error (log));
	assert_int_equal (ir_migration_log_get_size (log), 4);
}

/* the last record torn at every length, its checkpoint never written */
static void
test_migration_log_torn_last_line (void **state)
{
	g_autofree char *orig = test_migration_log_make_log_with (TRUE);
	gsize log_len = 0, cp_len = 0;
	g_autofree char *log_data = test_migration_log_read_in (orig, LOG, &log_len);
	g_autofree char *cp_data = test_migration_log_read_in (orig, CPS, &cp_len);
	gsize last = (gsize)(g_strrstr_len (log_data, (gssize)log_len - 1, "\n") + 1 - log_data);
	gsize cp3 = 0;

	/* the checkpoint file up to the end of note 3 */
	for (guint n = 0, i = 0; i + 1 < cp_len; i++) {
		if (cp_data[i] == '\n' && cp_data[i + 1] == '\n' && ++n == 6) {
			cp3 = i + 2;
			break;
		}
	}
	assert_true (cp3 > 0 && cp3 < cp_len);
	for (gsize t = 1; t <= log_len - last; t++) {
		g_autofree char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
		g_autofree char *what = g_strdup_printf ("last line torn at %" G_GSIZE_FORMAT, t);

		test_migration_log_write_in (dir, LOG, log_data, last + t);
		test_migration_log_write_in (dir, CPS, cp_data, cp3);
		test_migration_log_expect_recovered (dir, t, what);
		test_migration_log_rm_log (dir);
	}
	test_migration_log_rm_log (orig);
}

/* the last record whole, its checkpoint torn at every length */
static void
test_migration_log_torn_checkpoint (void **state)
{
	g_autofree char *orig = test_migration_log_make_log_with (TRUE);
	gsize log_len = 0, cp_len = 0;
	g_autofree char *log_data = test_migration_log_read_in (orig, LOG, &log_len);
	g_autofree char *cp_data = test_migration_log_read_in (orig, CPS, &cp_len);
	gsize last = (gsize)(g_strrstr_len (log_data, (gssize)log_len - 1, "\n") + 1 - log_data);
	gsize cp3 = 0;

	for (guint n = 0, i = 0; i + 1 < cp_len; i++) {
		if (cp_data[i] == '\n' && cp_data[i + 1] == '\n' && ++n == 6) {
			cp3 = i + 2;
			break;
		}
	}
	/* up to its signature line's newline: the note is complete without
	 * the empty line after it (a crash between the two bytes) */
	for (gsize t = 0; cp3 + t + 1 < cp_len; t++) {
		g_autofree char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
		g_autofree char *what = g_strdup_printf ("note 4 torn at %" G_GSIZE_FORMAT, t);
		gsize cp_after = 0;
		g_autofree char *cp_now = NULL;

		test_migration_log_write_in (dir, LOG, log_data, log_len);
		test_migration_log_write_in (dir, CPS, cp_data, cp3 + t);
		test_migration_log_expect_recovered (dir, log_len - last, what);
		/* the torn note is gone; note 4 now covers the RECOVERY */
		cp_now = test_migration_log_read_in (dir, CPS, &cp_after);
		assert_memory_equal (cp_now, cp_data, cp3);
		test_migration_log_rm_log (dir);
	}
	test_migration_log_rm_log (orig);
}

/* a torn note that is not the start of the note for the line is not a
 * crash: tampering */
static void
test_migration_log_torn_checkpoint_foreign (void **state)
{
	g_autofree char *dir = test_migration_log_make_log ();
	gsize cp_len = 0;
	g_autofree char *cp_data = test_migration_log_read_in (dir, CPS, &cp_len);
	gsize cp3 = 0;
	const char *want[] = {
	    CPS " line 19: the file ends with a partial checkpoint that is not the one for " LOG
		" line 4",
	    NULL};

	for (guint n = 0, i = 0; i + 1 < cp_len; i++) {
		if (cp_data[i] == '\n' && cp_data[i + 1] == '\n' && ++n == 6) {
			cp3 = i + 2;
			break;
		}
	}
	/* note 4 torn, with its size changed to 5 */
	cp_data[cp3 + strlen (ORIGIN) + 1] = '5';
	test_migration_log_write_in (dir, CPS, cp_data, cp3 + strlen (ORIGIN) + 4);
	test_migration_log_expect_tamper (dir, want, "foreign torn note");
	test_migration_log_rm_log (dir);
}

/* ---- key rotation ---- */

static void
test_migration_log_key_rotation (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-log-XXXXXX", NULL);
	g_autoptr (EVP_PKEY) next = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (EVP_PKEY) other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (IrMigrationLog) log = test_migration_log_open_log (dir, key);
	g_autoptr (JsonObject) rotation = json_object_new ();
	g_autofree char *b64 = ir_workstation_key_public_base64 (next, NULL);
	const char *want_old[] = {CPS " line 13: checkpoint 3 (log line 3) is not signed", NULL};
	const char *want_other[] = {LOG " line 2: the KEY_ROTATION record hands over to a key",
				    NULL};

	test_migration_log_append (log, IR_LOG_RECORD_START, test_migration_log_start_fields (), 0);
	json_object_set_string_member (rotation, "old_key_name", KEY_NAME);
	json_object_set_string_member (rotation, "new_key_name", KEY_NAME);
	json_object_set_string_member (rotation, "new_public_key", b64);
	test_migration_log_append (log, IR_LOG_RECORD_KEY_ROTATION, json_object_ref (rotation), 1);
	g_clear_object (&log);

	/* right after the rotation, a key it did not name is refused */
	{
		EVP_PKEY *saved = key;

		key = other;
		test_migration_log_expect_tamper (dir, want_other, "key not named by the rotation");
		key = saved;
	}

	/* the new key takes over: its checkpoints verify, the old ones are
	 * checked by root */
	log = test_migration_log_open_log (dir, next);
	assert_null (ir_migration_log_get_tamper_error (log));
	test_migration_log_append (log, IR_LOG_RECORD_START, test_migration_log_start_fields (), 2);
	g_clear_object (&log);
	log = test_migration_log_open_log (dir, next);
	assert_null (ir_migration_log_get_tamper_error (log));
	assert_int_equal (ir_migration_log_get_size (log), 3);
	g_clear_object (&log);

	/* the old key cannot sign on after the rotation */
	test_migration_log_expect_tamper (dir, want_old, "old key after rotation");
	test_migration_log_rm_log (dir);
}

/* ---- the workstation key ---- */

static void
test_migration_log_workstation_key (void **state)
{
	g_autofree char *dir = g_dir_make_tmp ("ir-key-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "state", IR_WORKSTATION_KEY_FILE, NULL);
	g_autofree char *pem = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) made = ir_workstation_key_load_or_create (path, &error);
	g_autoptr (EVP_PKEY) again = NULL;
	g_autoptr (EVP_PKEY) refused = NULL;
	g_autofree char *name = NULL;
	g_autofree char *b64 = NULL;
	struct stat st;

	assert_non_null (made);
	assert_int_equal (stat (path, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0600);
	assert_true (g_file_get_contents (path, &pem, NULL, NULL));
	assert_true (g_str_has_prefix (pem, "-----BEGIN PRIVATE KEY-----\n")); /* PKCS#8 */

	/* the same key next time */
	again = ir_workstation_key_load_or_create (path, &error);
	assert_non_null (again);
	assert_int_equal (EVP_PKEY_eq (made, again), 1);

	/* readable by others: refused, not fixed behind the user's back */
	assert_int_equal (chmod (path, 0640), 0);
	refused = ir_workstation_key_load_or_create (path, &error);
	assert_null (refused);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_PERMISSION_DENIED));
	assert_non_null (strstr (error->message, "mode 0640"));
	assert_non_null (strstr (error->message, "chmod 600"));
	g_clear_error (&error);
	assert_int_equal (stat (path, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0640);

	/* not a key */
	assert_int_equal (chmod (path, 0600), 0);
	{
		g_autofree char *sub = g_path_get_dirname (path);
		test_migration_log_write_in (sub, IR_WORKSTATION_KEY_FILE, "not a key\n", 10);
	}
	refused = ir_workstation_key_load (path, &error);
	assert_null (refused);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_non_null (strstr (error->message, "PKCS#8"));
	g_clear_error (&error);

	/* names */
	name = ir_workstation_key_name ("DEL01", "ws1", &error);
	assert_string_equal (name, "imeirestore/DEL01/ws1");
	assert_null (ir_workstation_key_name ("DEL 01", "ws1", &error));
	g_clear_error (&error);
	assert_null (ir_workstation_key_name ("DEL01", "a/b", &error));
	g_clear_error (&error);
	assert_null (ir_workstation_key_name ("", "ws1", &error));
	g_clear_error (&error);
	assert_null (ir_workstation_key_name ("DEL01", "w+1", &error));
	g_clear_error (&error);
	b64 = ir_workstation_key_public_base64 (made, &error);
	assert_non_null (b64);
	assert_true (g_str_has_prefix (b64, "MCowBQYDK2VwAyEA")); /* Ed25519 SPKI */
	g_unlink (path);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_migration_log_round_trip),
	    cmocka_unit_test (test_migration_log_bad_fields),
	    cmocka_unit_test (test_migration_log_open_intents),
	    cmocka_unit_test (test_migration_log_tamper_table),
	    cmocka_unit_test (test_migration_log_flip_every_log_byte),
	    cmocka_unit_test (test_migration_log_flip_every_checkpoint_byte),
	    cmocka_unit_test (test_migration_log_torn_last_line),
	    cmocka_unit_test (test_migration_log_torn_checkpoint),
	    cmocka_unit_test (test_migration_log_torn_checkpoint_foreign),
	    cmocka_unit_test (test_migration_log_key_rotation),
	    cmocka_unit_test (test_migration_log_workstation_key),
	};

	return cmocka_run_group_tests (
	    tests, test_migration_log_setup, test_migration_log_teardown);
}
