/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "../integration/test-audit-common.h"
#include "ir-audit.h"
#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-tail.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* ir-audit: verification of logs written by the real writer, each kind of
 * tampering named at the right line, filters, exports and stats. */

typedef struct {
	char *dir;
	EVP_PKEY *key;
	EVP_PKEY *witness;
	char *cosigned; /* the last checkpoint, cosigned by the witness */
} Fixture;

static void
test_audit_rm_rf (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_unlink (path);
	}
	g_rmdir (dir);
}

static int
fixture_setup (void **state)
{
	Fixture *f = g_new0 (Fixture, 1);
	g_autoptr (GError) error = NULL;
	g_autofree char *note = NULL;

	/* the writer syncs every record: on tmpfs that costs nothing, and
	 * the tables write dozens of logs */
	if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0)
		f->dir = g_mkdtemp (g_strdup ("/dev/shm/test-audit-XXXXXX"));
	else
		f->dir = g_dir_make_tmp ("test-audit-XXXXXX", &error);
	g_assert_no_error (error);
	assert_non_null (f->dir);
	f->key = test_audit_common_keygen ();
	f->witness = test_audit_common_keygen ();
	if (!test_audit_common_write_log (f->dir, f->key, &error))
		fail_msg ("cannot write the test log: %s", error->message);
	note = test_audit_common_last_note (f->dir);
	f->cosigned = ir_checkpoint_cosign (note, "witness.example", f->witness, &error);
	g_assert_no_error (error);
	*state = f;
	return 0;
}

static int
fixture_teardown (void **state)
{
	Fixture *f = *state;

	test_audit_rm_rf (f->dir);
	g_free (f->dir);
	g_free (f->cosigned);
	EVP_PKEY_free (f->key);
	EVP_PKEY_free (f->witness);
	g_free (f);
	return 0;
}

/* g_file_set_contents() syncs: thousands of rewrites need not */
static void
test_audit_write_quick (const char *path, const char *data, gsize len)
{
	FILE *fp = fopen (path, "we");

	assert_non_null (fp);
	assert_int_equal (fwrite (data, 1, len, fp), len);
	assert_int_equal (fclose (fp), 0);
}

static IrAuditReport *
test_audit_verify_dir (const char *dir, const IrAuditVerifyOptions *options)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (dir, &error);
	IrAuditReport *report;

	g_assert_no_error (error);
	report = ir_audit_verify (paths, options, NULL, &error);
	g_assert_no_error (error);
	assert_non_null (report);
	return report;
}

static gboolean
test_audit_warnings_contain (const IrAuditReport *r, const char *needle)
{
	for (guint i = 0; i < r->warnings->len; i++) {
		if (strstr (g_ptr_array_index (r->warnings, i), needle) != NULL)
			return TRUE;
	}
	return FALSE;
}

static void
test_audit_verify_good (void **state)
{
	Fixture *f = *state;
	IrAuditVerifyOptions options = {.key = f->key};
	g_autoptr (IrAuditReport) r = test_audit_verify_dir (f->dir, &options);

	assert_null (r->error);
	assert_int_equal (r->n_records, IR_TEST_AUDIT_N);
	assert_int_equal (r->n_checkpoints, IR_TEST_AUDIT_N);
	/* the default mode: the last checkpoint's signature covers them all */
	assert_int_equal (r->n_signatures_checked, 1);
	assert_int_equal (r->signed_size, IR_TEST_AUDIT_N);
	assert_int_equal (r->n_intents, 4);
	assert_int_equal (r->n_results, 3);
	assert_int_equal (r->n_open_intents, 1);
	assert_int_equal (r->trust, IR_AUDIT_TRUST_GIVEN);
	assert_string_equal (r->origin, IR_TEST_AUDIT_ORIGIN);
	assert_string_equal (r->key_names, IR_TEST_AUDIT_ORIGIN);
	{
		g_autofree char *b64 = ir_workstation_key_public_base64 (f->key, NULL);
		assert_string_equal (r->announced_key, b64);
		assert_false (test_audit_warnings_contain (r, "START announces"));
	}

	/* --all-signatures: every checkpoint's */
	options.all_signatures = TRUE;
	g_clear_pointer (&r, ir_audit_verify_report_free);
	r = test_audit_verify_dir (f->dir, &options);
	assert_null (r->error);
	assert_int_equal (r->n_signatures_checked, IR_TEST_AUDIT_N);
	assert_true (test_audit_warnings_contain (r, "1 INTENT(s) without a final RESULT"));
	assert_false (r->witnessed);
}

static void
test_audit_verify_no_key (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrAuditReport) r = test_audit_verify_dir (f->dir, NULL);

	/* roots and records still verify, but nothing says who signed */
	assert_null (r->error);
	assert_int_equal (r->n_signatures_checked, 0);
	assert_int_equal (r->trust, IR_AUDIT_TRUST_NONE);
	assert_true (test_audit_warnings_contain (r, "signature not checked"));
	assert_non_null (strstr (ir_audit_verify_trust_to_string (r->trust), "--key"));
}

static void
test_audit_verify_witness (void **state)
{
	Fixture *f = *state;
	IrAuditVerifyOptions options = {
	    .key = f->key, .witness_key = f->witness, .cosigned_note = f->cosigned};
	g_autoptr (IrAuditReport) r = test_audit_verify_dir (f->dir, &options);
	g_autoptr (EVP_PKEY) other = test_audit_common_keygen ();
	IrAuditVerifyOptions wrong = {
	    .key = f->key, .witness_key = other, .cosigned_note = f->cosigned};
	g_autoptr (IrAuditReport) r2 = test_audit_verify_dir (f->dir, &wrong);

	assert_null (r->error);
	assert_true (r->witnessed);
	assert_int_equal (r->witnessed_size, IR_TEST_AUDIT_N);
	assert_non_null (r2->error);
	assert_non_null (strstr (r2->error->message, "no signature by the witness key"));
}

/* Tampering: each mutation of a good log, the line and words expected. */
typedef struct {
	const char *name;
	void (*mutate) (Fixture *f, GPtrArray *lines);
	gboolean use_witness;
	guint64 bad_line;
	guint64 bad_checkpoint;
	const char *needle;
} TamperRow;

static void
test_audit_flip_value (Fixture *f, GPtrArray *lines)
{
	char *line = g_ptr_array_index (lines, 2); /* RESULT i1 */
	char *p = strstr (line, "490154203237518");
	p[3] = '2'; /* a read-back IMEI quietly changed: still valid JSON */
}

static void
test_audit_flip_syntax (Fixture *f, GPtrArray *lines)
{
	char *line = g_ptr_array_index (lines, 4);
	line[0] = '[';
}

static void
test_audit_delete_line (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_remove_index (lines, 3);
}

static void
test_audit_reorder_lines (Fixture *f, GPtrArray *lines)
{
	gpointer tmp = lines->pdata[3];
	lines->pdata[3] = lines->pdata[4];
	lines->pdata[4] = tmp;
}

static void
test_audit_insert_copy (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_insert (lines, 2, g_strdup (g_ptr_array_index (lines, 1)));
}

/* an inserted record with the right seq, the ones after renumbered */
static void
test_audit_insert_renumbered (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_insert (lines, 5, g_strdup (g_ptr_array_index (lines, 4)));
	for (guint i = 5; i < lines->len; i++) {
		g_autofree char *old = g_strdup_printf ("\"seq\":%u,", i - 1);
		g_autofree char *new = g_strdup_printf ("\"seq\":%u,", i);
		char *line = g_ptr_array_index (lines, i);
		char *p = strstr (line, old);
		g_autoptr (GString) s = g_string_new (NULL);
		assert_non_null (p);
		g_string_append_len (s, line, p - line);
		g_string_append (s, new);
		g_string_append (s, p + strlen (old));
		g_free (line);
		lines->pdata[i] = g_string_free (g_steal_pointer (&s), FALSE);
	}
}

/* a copy of line 7 (seq 6) as the record of @seq */
static char *
test_audit_copy_as_seq (GPtrArray *lines, guint seq)
{
	const char *line = g_ptr_array_index (lines, 6);
	const char *p = strstr (line, "\"seq\":6,");

	assert_non_null (p);
	return g_strdup_printf ("%.*s\"seq\":%u,%s", (int)(p - line), line, seq, p + 8);
}

/* A START announcing another key than the one that signs: a warning (the
 * signatures hold; the announcement is what is wrong). */
static void
test_audit_start_announces_other_key (void **state)
{
	Fixture *f = *state;
	g_autoptr (EVP_PKEY) other = test_audit_common_keygen ();
	g_autofree char *ours = ir_workstation_key_public_base64 (f->key, NULL);
	g_autofree char *theirs = ir_workstation_key_public_base64 (other, NULL);
	g_autoptr (GPtrArray) lines = test_audit_common_read_lines (f->dir);
	IrAuditVerifyOptions options = {.key = f->key};
	g_autoptr (IrAuditReport) r = NULL;
	char *start = g_ptr_array_index (lines, 0);
	g_auto (GStrv) parts = g_strsplit (start, ours, 2);

	assert_int_equal (g_strv_length (parts), 2);
	lines->pdata[0] = g_strjoin (theirs, parts[0], parts[1], NULL);
	g_free (start);
	test_audit_common_write_lines (f->dir, lines);
	test_audit_common_resign (f->dir, f->key, IR_TEST_AUDIT_ORIGIN);
	r = test_audit_verify_dir (f->dir, &options);
	assert_null (r->error);
	assert_true (test_audit_warnings_contain (
	    r, "line 1 (seq 0): START announces a public key that is not the trusted (--key) key"));
}

static void
test_audit_append_two (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_add (lines, test_audit_copy_as_seq (lines, 8));
	g_ptr_array_add (lines, test_audit_copy_as_seq (lines, 9));
}

static void
test_audit_truncate_two (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_set_size (lines, IR_TEST_AUDIT_N - 2);
}

static void
test_audit_truncate_resign_other_key (Fixture *f, GPtrArray *lines)
{
	g_autoptr (EVP_PKEY) other = test_audit_common_keygen ();

	g_ptr_array_set_size (lines, IR_TEST_AUDIT_N - 2);
	test_audit_common_write_lines (f->dir, lines);
	test_audit_common_resign (f->dir, other, IR_TEST_AUDIT_ORIGIN);
}

/* the workstation's own key re-signs a shorter log: only the witness,
 * who cosigned the longer one, can tell */
static void
test_audit_truncate_resign_same_key (Fixture *f, GPtrArray *lines)
{
	g_ptr_array_set_size (lines, IR_TEST_AUDIT_N - 2);
	test_audit_common_write_lines (f->dir, lines);
	test_audit_common_resign (f->dir, f->key, IR_TEST_AUDIT_ORIGIN);
}

static void
test_audit_remove_checkpoints (Fixture *f, GPtrArray *lines)
{
	g_autofree char *path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_unlink (path);
}

static void
test_audit_flip_checkpoint_root (Fixture *f, GPtrArray *lines)
{
	g_autofree char *path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_autofree char *text = NULL;
	char *p;

	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	/* the third note's size line "3\n" becomes "4\n" */
	p = strstr (text, "\n3\n");
	assert_non_null (p);
	p[1] = '4';
	assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* The notes of the checkpoint file, each with its empty line. */
static GPtrArray *
test_audit_read_notes (Fixture *f)
{
	g_autofree char *path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_autofree char *text = NULL;
	gsize len = 0, pos = 0, note_len = 0, consumed = 0;
	GPtrArray *notes = g_ptr_array_new_with_free_func (g_free);

	assert_true (g_file_get_contents (path, &text, &len, NULL));
	while (pos < len &&
	       ir_log_tail_next_note (text + pos, len - pos, TRUE, &note_len, &consumed) ==
		   IR_LOG_TAIL_NOTE_COMPLETE) {
		g_ptr_array_add (notes, g_strndup (text + pos, consumed));
		pos += consumed;
	}
	assert_int_equal (pos, len);
	return notes;
}

static void
test_audit_write_notes (Fixture *f, GPtrArray *notes)
{
	g_autofree char *path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_autoptr (GString) out = g_string_new (NULL);

	for (guint i = 0; i < notes->len; i++)
		g_string_append (out, g_ptr_array_index (notes, i));
	assert_true (g_file_set_contents (path, out->str, (gssize)out->len, NULL));
}

static void
test_audit_remove_note_3 (Fixture *f, GPtrArray *lines)
{
	g_autoptr (GPtrArray) notes = test_audit_read_notes (f);

	g_ptr_array_remove_index (notes, 2);
	test_audit_write_notes (f, notes);
}

static void
test_audit_duplicate_note_3 (Fixture *f, GPtrArray *lines)
{
	g_autoptr (GPtrArray) notes = test_audit_read_notes (f);

	g_ptr_array_insert (notes, 3, g_strdup (g_ptr_array_index (notes, 2)));
	test_audit_write_notes (f, notes);
}

static void
test_audit_replace_note_4_by_2 (Fixture *f, GPtrArray *lines)
{
	g_autoptr (GPtrArray) notes = test_audit_read_notes (f);

	g_free (notes->pdata[3]);
	notes->pdata[3] = g_strdup (g_ptr_array_index (notes, 1));
	test_audit_write_notes (f, notes);
}

static void
test_audit_orphan_result (Fixture *f, GPtrArray *lines)
{
	/* RESULT i2 pointed at an intent id no INTENT has, then re-signed by
	 * the workstation key: signatures hold, the story does not */
	char *line = g_ptr_array_index (lines, 4);
	char *p = strstr (line, "22222222222222222222222222222222");
	p[0] = '9';
	test_audit_common_write_lines (f->dir, lines);
	test_audit_common_resign (f->dir, f->key, IR_TEST_AUDIT_ORIGIN);
}

static const TamperRow tamper_rows[] = {
    {"tamper-flip-value",
     test_audit_flip_value,
     FALSE,
     3,
     3,
     "line 3 (seq 2) does not match checkpoint 3"},
    {"tamper-flip-syntax",
     test_audit_flip_syntax,
     FALSE,
     5,
     0,
     "line 5 (seq 4 expected): not a valid record"},
    {"tamper-delete", test_audit_delete_line, FALSE, 4, 0, "line 4: seq 4 where 3 was expected"},
    {"tamper-reorder", test_audit_reorder_lines, FALSE, 4, 0, "line 4: seq 4 where 3 was expected"},
    {"tamper-insert-copy",
     test_audit_insert_copy,
     FALSE,
     3,
     0,
     "line 3: seq 1 where 2 was expected"},
    {"tamper-insert-renumbered",
     test_audit_insert_renumbered,
     FALSE,
     6,
     6,
     "line 6 (seq 5) does not match"},
    {"tamper-append",
     test_audit_append_two,
     FALSE,
     10,
     0,
     "more than one record past the last checkpoint"},
    {"tamper-truncate",
     test_audit_truncate_two,
     FALSE,
     7,
     7,
     "from line 7 on were removed (truncated)"},
    {"tamper-truncate-resign-other-key",
     test_audit_truncate_resign_other_key,
     FALSE,
     6,
     6,
     "checkpoint 6 (migration-log.checkpoints line 31, size 6) is not signed by the trusted key"},
    {"tamper-truncate-resign-same-key-witness",
     test_audit_truncate_resign_same_key,
     TRUE,
     7,
     0,
     "the witness cosigned 8 records but the last checkpoint covers 6"},
    {"tamper-checkpoints-removed", test_audit_remove_checkpoints, FALSE, 1, 0, "is missing"},
    {"tamper-checkpoint-altered",
     test_audit_flip_checkpoint_root,
     FALSE,
     3,
     3,
     "checkpoint 3 (migration-log.checkpoints line 13) is for 4 records where 3 was expected"},
    {"tamper-middle-note-removed",
     test_audit_remove_note_3,
     FALSE,
     3,
     3,
     "is for 4 records where 3 was expected: there is one checkpoint per record, and one "
     "before it was removed"},
    {"tamper-middle-note-duplicated",
     test_audit_duplicate_note_3,
     FALSE,
     3,
     4,
     "checkpoint 4 (migration-log.checkpoints line 19) is for 3 records where 4 was expected: "
     "there is one checkpoint per record, and this one was duplicated or replaced by an older "
     "one"},
    {"tamper-middle-note-replaced-by-older",
     test_audit_replace_note_4_by_2,
     FALSE,
     2,
     4,
     "checkpoint 4 (migration-log.checkpoints line 19) is for 2 records where 4 was expected"},
    {"tamper-orphan-result", test_audit_orphan_result, FALSE, 5, 0, "RESULT for intent 9222"},
};

static void
test_audit_tamper (void **state)
{
	const TamperRow *row = *state;
	Fixture *f = NULL;
	g_autoptr (GPtrArray) lines = NULL;
	IrAuditVerifyOptions options = {0};
	g_autoptr (IrAuditReport) r = NULL;

	fixture_setup ((void **)&f);
	lines = test_audit_common_read_lines (f->dir);
	options.key = f->key;
	if (row->use_witness) {
		options.witness_key = f->witness;
		options.cosigned_note = f->cosigned;
	}
	row->mutate (f, lines);
	if (row->mutate != test_audit_truncate_resign_other_key &&
	    row->mutate != test_audit_truncate_resign_same_key &&
	    row->mutate != test_audit_remove_checkpoints &&
	    row->mutate != test_audit_flip_checkpoint_root &&
	    row->mutate != test_audit_orphan_result && row->mutate != test_audit_remove_note_3 &&
	    row->mutate != test_audit_duplicate_note_3 &&
	    row->mutate != test_audit_replace_note_4_by_2)
		test_audit_common_write_lines (f->dir, lines);
	r = test_audit_verify_dir (f->dir, &options);
	if (r->error == NULL)
		fail_msg ("%s: not detected", row->name);
	assert_true (g_error_matches (r->error, IR_ERROR, IR_ERROR_TAMPERED));
	if (strstr (r->error->message, row->needle) == NULL)
		fail_msg ("%s: '%s' not in '%s'", row->name, row->needle, r->error->message);
	assert_int_equal (r->bad_line, row->bad_line);
	assert_int_equal (r->bad_checkpoint, row->bad_checkpoint);
	fixture_teardown ((void **)&f);
}

/* Any single byte of the record file changed: detected, and the line
 * named is the one holding the byte (or the next, for its newline). */
static void
test_audit_tamper_every_byte (void **state)
{
	Fixture *f = *state;
	g_autofree char *path = g_build_filename (f->dir, "migration-log.jsonl", NULL);
	g_autofree char *orig = NULL;
	gsize len = 0;
	IrAuditVerifyOptions options = {.key = f->key};
	guint64 line = 1;

	assert_true (g_file_get_contents (path, &orig, &len, NULL));
	for (gsize i = 0; i < len; i++) {
		g_autofree char *copy = g_memdup2 (orig, len);
		g_autoptr (IrAuditReport) r = NULL;

		copy[i] ^= 0x01;
		test_audit_write_quick (path, copy, len);
		r = test_audit_verify_dir (f->dir, &options);
		if (r->error == NULL)
			fail_msg ("byte %" G_GSIZE_FORMAT " (line %" G_GUINT64_FORMAT
				  ") flipped: not "
				  "detected",
				  i,
				  line);
		if (orig[i] != '\n' && r->bad_line != line)
			fail_msg ("byte %" G_GSIZE_FORMAT " of line %" G_GUINT64_FORMAT
				  ": named line %" G_GUINT64_FORMAT " (%s)",
				  i,
				  line,
				  r->bad_line,
				  r->error->message);
		if (orig[i] == '\n')
			line++;
	}
	assert_true (g_file_set_contents (path, orig, (gssize)len, NULL));
}

/* Any byte of the checkpoint file changed is detected. */
static void
test_audit_tamper_every_checkpoint_byte (void **state)
{
	Fixture *f = *state;
	g_autofree char *path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_autofree char *orig = NULL;
	gsize len = 0;
	/* every signature: a flipped byte in the signature of a note before
	 * the last changes no record and no root, so only this mode sees it */
	IrAuditVerifyOptions options = {.key = f->key, .all_signatures = TRUE};
	guint missed = 0;

	assert_true (g_file_get_contents (path, &orig, &len, NULL));
	for (gsize i = 0; i < len; i++) {
		g_autofree char *copy = g_memdup2 (orig, len);
		g_autoptr (IrAuditReport) r = NULL;

		copy[i] ^= 0x01;
		test_audit_write_quick (path, copy, len);
		r = test_audit_verify_dir (f->dir, &options);
		if (r->error == NULL) {
			g_test_message ("checkpoint byte %" G_GSIZE_FORMAT " ('%c') flipped: not "
					"detected",
					i,
					orig[i]);
			missed++;
		}
	}
	assert_true (g_file_set_contents (path, orig, (gssize)len, NULL));
	assert_int_equal (missed, 0);
}

static void
test_audit_torn_tail (void **state)
{
	Fixture *f = *state;
	g_autofree char *path = g_build_filename (f->dir, "migration-log.jsonl", NULL);
	g_autofree char *orig = NULL;
	g_autofree char *torn = NULL;
	IrAuditVerifyOptions options = {.key = f->key};
	g_autoptr (IrAuditReport) r1 = NULL;
	g_autoptr (IrAuditReport) r2 = NULL;
	g_autoptr (GPtrArray) lines = test_audit_common_read_lines (f->dir);

	/* a crash mid-append: a partial line, or one whole line unsigned */
	assert_true (g_file_get_contents (path, &orig, NULL, NULL));
	torn = g_strconcat (orig, "{\"schema\":1,\"seq\":8,\"ty", NULL);
	assert_true (g_file_set_contents (path, torn, -1, NULL));
	r1 = test_audit_verify_dir (f->dir, &options);
	assert_null (r1->error);
	assert_true (test_audit_warnings_contain (r1, "line 9 is cut short"));

	g_ptr_array_add (lines, test_audit_copy_as_seq (lines, 8));
	test_audit_common_write_lines (f->dir, lines);
	r2 = test_audit_verify_dir (f->dir, &options);
	assert_null (r2->error);
	assert_true (test_audit_warnings_contain (r2, "line 9 ("));
	assert_true (test_audit_warnings_contain (r2, "has no checkpoint"));
	assert_true (g_file_set_contents (path, orig, -1, NULL));
}

static void
test_audit_bad_input (void **state)
{
	Fixture *f = *state;
	g_autoptr (GError) error = NULL;
	g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
	g_autofree char *notlog = g_build_filename (f->dir, "passwd", NULL);
	g_autoptr (IrAuditPaths) p1 = ir_audit_paths_resolve (missing, &error);
	g_autoptr (IrAuditPaths) p2 = NULL;
	g_autoptr (IrAuditReport) r = NULL;

	assert_null (p1);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_non_null (strstr (error->message, "does not exist"));
	g_clear_error (&error);

	assert_true (g_file_set_contents (notlog, "root:x:0:0:root:/root:/bin/bash\n", -1, NULL));
	p2 = ir_audit_paths_resolve (notlog, &error);
	g_assert_no_error (error);
	r = ir_audit_verify (p2, NULL, NULL, &error);
	assert_null (r);
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
	assert_non_null (strstr (error->message, "is not a migration log"));
	g_clear_error (&error);
	g_clear_pointer (&r, ir_audit_verify_report_free);

	/* a first append torn by a crash is still a log, a foreign line not */
	assert_true (g_file_set_contents (notlog, "{\"sche", -1, NULL));
	r = ir_audit_verify (p2, NULL, NULL, &error);
	g_assert_no_error (error);
	assert_null (r->error);
	assert_true (test_audit_warnings_contain (r, "is cut short"));
	g_unlink (notlog);
}

/* Time arguments: good and malformed in one table. */
typedef struct {
	const char *text;
	gboolean end_of_day;
	gboolean ok;
	gint64 want;
} TimeRow;

static void
test_audit_parse_time (void **state)
{
	static const TimeRow rows[] = {
	    {"2026-11-29", FALSE, TRUE, 1795910400},
	    {"2026-11-29", TRUE, TRUE, 1795910400 + 86399},
	    {"2026-11-29T08:30:00Z", FALSE, TRUE, 1795910400 + 8 * 3600 + 1800},
	    {"2026-11-29T14:00:00+05:30", FALSE, TRUE, 1795910400 + 8 * 3600 + 1800},
	    {"2026-11-29T08:30:00", FALSE, FALSE, 0}, /* no zone */
	    {"2026-02-30", FALSE, FALSE, 0},
	    {"29/11/2026", FALSE, FALSE, 0},
	    {"yesterday", FALSE, FALSE, 0},
	    {"", FALSE, FALSE, 0},
	    {"2026-11-29x", FALSE, FALSE, 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autoptr (GError) error = NULL;
		gint64 t = 0;
		gboolean ok = ir_audit_filter_parse_time (
		    rows[i].text, "--from", rows[i].end_of_day, &t, &error);

		if (ok != rows[i].ok)
			fail_msg ("'%s': %s", rows[i].text, ok ? "accepted" : error->message);
		if (ok)
			assert_int_equal (t, rows[i].want);
		else
			assert_non_null (strstr (error->message, "--from"));
	}
}

/* Filters: each row sets one filter and lists the seqs it keeps. */
typedef struct {
	const char *name;
	const char *option;
	const char *value;
	gboolean ok;
	const char *seqs; /* "1,3" */
} FilterRow;

static const FilterRow filter_rows[] = {
    {"none", NULL, NULL, TRUE, "0,1,3,5,7"},
    {"technician", "technician", "tech-anita", TRUE, "1,5"},
    {"technician-unknown", "technician", "nobody", TRUE, ""},
    {"centre", "centre", "centre-mumbai", TRUE, "5,7"},
    {"phase", "phase", "phase-1", TRUE, "1,3"},
    {"outcome-success", "outcome", "success", TRUE, "1,5"},
    {"outcome-failed", "outcome", "failed", TRUE, "3"},
    {"outcome-open", "outcome", "open", TRUE, "7"},
    {"outcome-bad", "outcome", "won", FALSE, NULL},
    {"imei-before-14", "imei", "35693803564380", TRUE, "3"},
    {"imei-target-15", "imei", "867230030123454", TRUE, "7"},
    {"imei-readback", "imei", "260531793113837", TRUE, "1"},
    {"imei-check-digit-ignored", "imei", "260531793113830", TRUE, "1"},
    {"imei-zero", "imei", "000000000000000", TRUE, "1,5,7"},
    {"imei-short", "imei", "1234", FALSE, NULL},
    {"imei-letters", "imei", "35693803564380x", FALSE, NULL},
    {"type-start", "type", "START", TRUE, "0"},
    {"type-intent-lower", "type", "intent", TRUE, "1,3,5,7"},
    {"type-result", "type", "RESULT", TRUE, "1,3,5"},
    {"type-bad", "type", "WRITE", FALSE, NULL},
    {"from-future", "from", "2999-01-01", TRUE, ""},
    {"to-past", "to", "2000-01-01", TRUE, ""},
    {"from-past", "from", "2000-01-01T00:00:00Z", TRUE, "0,1,3,5,7"},
    {"from-bad", "from", "last week", FALSE, NULL},
};

static gboolean
test_audit_set_filter (IrAuditFilter *filter, const FilterRow *row, GError **error)
{
	if (row->option == NULL)
		return TRUE;
	if (g_str_equal (row->option, "technician"))
		filter->technician = g_strdup (row->value);
	else if (g_str_equal (row->option, "centre"))
		filter->centre = g_strdup (row->value);
	else if (g_str_equal (row->option, "phase"))
		filter->phase = g_strdup (row->value);
	else if (g_str_equal (row->option, "outcome"))
		return ir_audit_filter_set_outcome (filter, row->value, error);
	else if (g_str_equal (row->option, "imei"))
		return ir_audit_filter_set_imei (filter, row->value, error);
	else if (g_str_equal (row->option, "type"))
		return ir_audit_filter_set_type (filter, row->value, error);
	else if (g_str_equal (row->option, "from"))
		return ir_audit_filter_parse_time (
		    row->value, "--from", FALSE, &filter->from, error);
	else if (g_str_equal (row->option, "to"))
		return ir_audit_filter_parse_time (row->value, "--to", TRUE, &filter->to, error);
	return TRUE;
}

static void
test_audit_filters (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (f->dir, NULL);

	for (guint i = 0; i < G_N_ELEMENTS (filter_rows); i++) {
		const FilterRow *row = &filter_rows[i];
		g_auto (IrAuditFilter) filter;
		g_autoptr (GError) error = NULL;
		g_autoptr (GPtrArray) rows = NULL;
		g_autoptr (GString) seqs = g_string_new (NULL);
		gboolean ok;

		ir_audit_filter_init (&filter);
		ok = test_audit_set_filter (&filter, row, &error);
		if (ok != row->ok)
			fail_msg ("%s: %s", row->name, ok ? "accepted" : error->message);
		if (!ok) {
			g_autofree char *opt = g_strdup_printf ("--%s", row->option);
			assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT));
			assert_non_null (strstr (error->message, opt));
			continue;
		}
		rows = ir_audit_query (paths, &filter, NULL, &error);
		g_assert_no_error (error);
		for (guint j = 0; j < rows->len; j++) {
			const IrAuditRow *r = g_ptr_array_index (rows, j);
			g_string_append_printf (
			    seqs, "%s%" G_GUINT64_FORMAT, j > 0 ? "," : "", r->seq);
		}
		if (g_strcmp0 (seqs->str, row->seqs) != 0)
			fail_msg ("%s: rows %s, expected %s", row->name, seqs->str, row->seqs);
	}
}

static void
test_audit_join (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (f->dir, NULL);
	g_autoptr (GPtrArray) rows = ir_audit_query (paths, NULL, NULL, NULL);
	const IrAuditRow *r1 = g_ptr_array_index (rows, 1);
	const IrAuditRow *r3 = g_ptr_array_index (rows, 2);
	const IrAuditRow *r7 = g_ptr_array_index (rows, 4);
	g_autofree char *imeis = ir_audit_export_row_imeis_text (r1);
	g_autofree char *imeis7 = ir_audit_export_row_imeis_text (r7);

	assert_int_equal (rows->len, 5);
	assert_true (r1->has_result);
	assert_int_equal (r1->result_seq, 2);
	assert_string_equal (r1->outcome, "success");
	assert_string_equal (
	    imeis, "000000000000000 -> 490154203237518, 000000000000000 -> 260531793113837");
	assert_string_equal (r3->reason, "the phone said \"ERROR\", twice");
	assert_false (r7->has_result);
	assert_string_equal (r7->outcome, "open");
	assert_string_equal (imeis7, "000000000000000 -> 867230030123454");
}

/* A small RFC 4180 reader to read the export back. */
static GPtrArray *
test_audit_csv_parse (const char *text)
{
	GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
	GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GString) field = g_string_new (NULL);
	const char *p = text;

	while (*p != '\0') {
		if (*p == '"') {
			for (p++; !(*p == '"' && p[1] != '"'); p++) {
				assert_true (*p != '\0');
				if (*p == '"')
					p++;
				g_string_append_c (field, *p);
			}
			p++;
		}
		if (*p == ',') {
			g_ptr_array_add (fields, g_strdup (field->str));
			g_string_truncate (field, 0);
			p++;
		} else if (*p == '\r' && p[1] == '\n') {
			g_ptr_array_add (fields, g_strdup (field->str));
			g_string_truncate (field, 0);
			g_ptr_array_add (records, fields);
			fields = g_ptr_array_new_with_free_func (g_free);
			p += 2;
		} else {
			assert_true (*p != '\n' && *p != '\r' && *p != '"');
			g_string_append_c (field, *p++);
		}
	}
	assert_int_equal (fields->len, 0); /* the last line ends in CRLF */
	g_ptr_array_unref (fields);
	return records;
}

static const char *
test_audit_csv_get (GPtrArray *records, guint row, const char *column)
{
	GPtrArray *header = g_ptr_array_index (records, 0);
	GPtrArray *fields = g_ptr_array_index (records, row);

	for (guint i = 0; i < header->len; i++) {
		if (g_str_equal (g_ptr_array_index (header, i), column))
			return g_ptr_array_index (fields, i);
	}
	fail_msg ("no column %s", column);
	return NULL;
}

static void
test_audit_export_csv (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (f->dir, NULL);
	g_autoptr (GPtrArray) rows = ir_audit_query (paths, NULL, NULL, NULL);
	g_autofree char *csv = ir_audit_export_rows_to_csv (rows);
	g_autoptr (GPtrArray) records = test_audit_csv_parse (csv);
	GPtrArray *header = g_ptr_array_index (records, 0);

	assert_int_equal (records->len, rows->len + 1);
	for (guint i = 1; i < records->len; i++)
		assert_int_equal (((GPtrArray *)g_ptr_array_index (records, i))->len, header->len);
	assert_string_equal (g_ptr_array_index (header, 0), "seq");
	assert_string_equal (test_audit_csv_get (records, 3, "reason"),
			     "the phone said \"ERROR\", twice");
	assert_string_equal (test_audit_csv_get (records, 3, "outcome"), "failed");
	assert_string_equal (test_audit_csv_get (records, 2, "imei_read_back_2"),
			     "260531793113837");
	assert_string_equal (test_audit_csv_get (records, 2, "technician"), "tech-anita");
	assert_string_equal (test_audit_csv_get (records, 5, "outcome"), "open");
	assert_string_equal (test_audit_csv_get (records, 5, "imei_read_back_1"), "");
	assert_string_equal (test_audit_csv_get (records, 1, "type"), "START");
}

static void
test_audit_export_json (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (f->dir, NULL);
	g_autoptr (GPtrArray) rows = ir_audit_query (paths, NULL, NULL, NULL);
	g_autoptr (JsonNode) node = ir_audit_export_rows_to_json (rows);
	g_autofree char *text = json_to_string (node, FALSE);
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonArray *array;
	JsonObject *o;

	assert_true (json_parser_load_from_data (parser, text, -1, NULL));
	array = json_node_get_array (json_parser_get_root (parser));
	assert_int_equal (json_array_get_length (array), 5);
	o = json_array_get_object_element (array, 2);
	assert_int_equal (json_object_get_int_member (o, "seq"), 3);
	assert_string_equal (json_object_get_string_member (o, "type"), "INTENT");
	assert_string_equal (json_object_get_string_member (o, "outcome"), "failed");
	assert_int_equal (json_object_get_int_member (o, "result_seq"), 4);
	assert_string_equal (
	    json_array_get_string_element (json_object_get_array_member (o, "imeis_before"), 0),
	    "356938035643809");
	assert_string_equal (
	    json_object_get_string_member (json_object_get_object_member (o, "phone"), "model"),
	    "MT6765");
}

typedef struct {
	IrAuditGroupBy by;
	const char *want; /* "group=total/success/failed/open;..." */
} StatsRow;

static void
test_audit_stats (void **state)
{
	static const StatsRow stats_rows[] = {
	    {IR_AUDIT_BY_OUTCOME, "failed=1/0/1/0;open=1/0/0/1;success=2/2/0/0"},
	    {IR_AUDIT_BY_TECHNICIAN, "tech-anita=2/2/0/0;tech-bala=2/0/1/1"},
	    {IR_AUDIT_BY_CENTRE, "centre-delhi=2/1/1/0;centre-mumbai=2/1/0/1"},
	    {IR_AUDIT_BY_PHASE, "phase-1=2/1/1/0;phase-2=2/1/0/1"},
	};
	Fixture *f = *state;
	g_autoptr (IrAuditPaths) paths = ir_audit_paths_resolve (f->dir, NULL);
	g_autoptr (GPtrArray) rows = ir_audit_query (paths, NULL, NULL, NULL);
	g_autoptr (GPtrArray) days = ir_audit_stats (rows, IR_AUDIT_BY_DAY);
	IrAuditGroupBy by;
	g_autoptr (GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS (stats_rows); i++) {
		g_autoptr (GPtrArray) groups = ir_audit_stats (rows, stats_rows[i].by);
		g_autoptr (GString) got = g_string_new (NULL);
		for (guint j = 0; j < groups->len; j++) {
			const IrAuditGroup *g = g_ptr_array_index (groups, j);
			g_string_append_printf (got,
						"%s%s=%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
						"/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
						j > 0 ? ";" : "",
						g->group,
						g->total,
						g->outcomes[0],
						g->outcomes[1],
						g->outcomes[5]);
		}
		assert_string_equal (got->str, stats_rows[i].want);
	}
	/* the log was written just now: every restoration on one or two days */
	assert_true (days->len >= 1 && days->len <= 2);
	assert_true (ir_audit_stats_group_by_from_string ("centre", &by, NULL));
	assert_int_equal (by, IR_AUDIT_BY_CENTRE);
	assert_false (ir_audit_stats_group_by_from_string ("week", &by, &error));
	assert_non_null (strstr (error->message, "--by"));
}

#define ORIGIN2 "imeirestore/centre-delhi/ws-1-k2"

/* Appends KEY_ROTATION to @new_key by @old_key, then one START by @new_key. */
static void
test_audit_rotate (const char *dir,
		   EVP_PKEY *old_key,
		   const char *old_name,
		   EVP_PKEY *new_key,
		   const char *new_name)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonObject) rot = json_object_new ();
	g_autoptr (JsonObject) start = json_object_new ();
	g_autofree char *b64 = ir_workstation_key_public_base64 (new_key, &error);
	g_autoptr (IrMigrationLog) log1 = NULL;
	g_autoptr (IrMigrationLog) log2 = NULL;

	g_assert_no_error (error);
	log1 = ir_migration_log_open_layout (
	    dir, IR_TEST_AUDIT_ORIGIN, old_name, old_key, IR_MIGRATION_LOG_LAYOUT_NOTES, &error);
	g_assert_no_error (error);
	json_object_set_string_member (rot, "old_key_name", old_name);
	json_object_set_string_member (rot, "new_key_name", new_name);
	json_object_set_string_member (rot, "new_public_key", b64);
	assert_true (ir_migration_log_append (log1, IR_LOG_RECORD_KEY_ROTATION, rot, NULL, &error));
	g_clear_object (&log1);
	log2 = ir_migration_log_open (dir, IR_TEST_AUDIT_ORIGIN, new_name, new_key, &error);
	g_assert_no_error (error);
	json_object_set_string_member (start, "software", "imeirestore 0.1.0");
	json_object_set_string_member (start, "workstation", "ws-1");
	assert_true (ir_migration_log_append (log2, IR_LOG_RECORD_START, start, NULL, &error));
}

static void
test_audit_key_rotation (void **state)
{
	Fixture *f = *state;
	g_autoptr (EVP_PKEY) key2 = test_audit_common_keygen ();
	IrAuditVerifyOptions with_key = {.key = f->key};
	IrAuditVerifyOptions with_new_key = {.key = key2};
	g_autoptr (IrAuditReport) r1 = NULL;
	g_autoptr (IrAuditReport) r2 = NULL;
	g_autoptr (IrAuditReport) r3 = NULL;

	test_audit_rotate (f->dir, f->key, IR_TEST_AUDIT_ORIGIN, key2, ORIGIN2);
	/* the registered key, then the rotation it signed */
	r1 = test_audit_verify_dir (f->dir, &with_key);
	assert_null (r1->error);
	assert_int_equal (r1->n_records, IR_TEST_AUDIT_N + 2);
	/* the one that covers the rotation (old key) and the last (new key) */
	assert_int_equal (r1->n_signatures_checked, 2);
	assert_int_equal (r1->trust, IR_AUDIT_TRUST_GIVEN);
	assert_string_equal (r1->key_names, IR_TEST_AUDIT_ORIGIN ", " ORIGIN2);
	/* no key: only the checkpoint after the rotation, with the log's key */
	r2 = test_audit_verify_dir (f->dir, NULL);
	assert_null (r2->error);
	assert_int_equal (r2->n_signatures_checked, 1);
	assert_int_equal (r2->trust, IR_AUDIT_TRUST_LOG_ONLY);
	/* the new key did not sign the first checkpoints */
	r3 = test_audit_verify_dir (f->dir, &with_new_key);
	assert_non_null (r3->error);
	/* the first signature the default mode checks: the one that covers
	 * the rotation, signed by the old key */
	assert_int_equal (r3->bad_checkpoint, IR_TEST_AUDIT_N + 1);
}

/* Someone with another key announces it in a KEY_ROTATION: the
 * checkpoint covering that record is not signed by the trusted key. */
static void
test_audit_key_rotation_forged (void **state)
{
	Fixture *f = *state;
	g_autoptr (EVP_PKEY) evil = test_audit_common_keygen ();
	IrAuditVerifyOptions with_key = {.key = f->key};
	g_autoptr (IrAuditReport) r = NULL;

	g_autoptr (GPtrArray) lines = test_audit_common_read_lines (f->dir);
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (JsonObject) rot = json_object_new ();
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autofree char *b64 = ir_workstation_key_public_base64 (evil, NULL);
	g_autofree char *cp_path = g_build_filename (f->dir, "migration-log.checkpoints", NULL);
	g_autofree char *cps = NULL;
	g_autofree char *note = NULL;
	g_autofree char *all = NULL;
	guint8 root[IR_MERKLE_HASH_LEN];

	/* the writer refuses this, so it is forged by hand: the record, and
	 * its checkpoint signed by the key it announces */
	json_object_set_string_member (rot, "old_key_name", IR_TEST_AUDIT_ORIGIN);
	json_object_set_string_member (rot, "new_key_name", ORIGIN2);
	json_object_set_string_member (rot, "new_public_key", b64);
	g_ptr_array_add (
	    lines, ir_log_record_format (IR_LOG_RECORD_KEY_ROTATION, lines->len, now, rot, NULL));
	test_audit_common_write_lines (f->dir, lines);
	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);
		ir_merkle_tree_append (tree, (const guint8 *)line, strlen (line));
	}
	assert_true (ir_merkle_tree_root (tree, lines->len, root, NULL));
	note = ir_checkpoint_sign (IR_TEST_AUDIT_ORIGIN, lines->len, root, ORIGIN2, evil, NULL);
	assert_true (g_file_get_contents (cp_path, &cps, NULL, NULL));
	all = g_strconcat (cps, note, "\n", NULL);
	assert_true (g_file_set_contents (cp_path, all, -1, NULL));
	r = test_audit_verify_dir (f->dir, &with_key);
	assert_non_null (r->error);
	assert_int_equal (r->bad_checkpoint, IR_TEST_AUDIT_N + 1);
	assert_non_null (strstr (r->error->message, "is not signed by the trusted key"));
}

int
main (void)
{
	g_autofree struct CMUnitTest *tests =
	    g_new0 (struct CMUnitTest, G_N_ELEMENTS (tamper_rows) + 16);
	guint n = 0;
	const struct CMUnitTest fixed[] = {
	    cmocka_unit_test_setup_teardown (
		test_audit_verify_good, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_start_announces_other_key, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_verify_no_key, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_verify_witness, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_tamper_every_byte, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_tamper_every_checkpoint_byte, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (test_audit_torn_tail, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (test_audit_bad_input, fixture_setup, fixture_teardown),
	    cmocka_unit_test (test_audit_parse_time),
	    cmocka_unit_test_setup_teardown (test_audit_filters, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (test_audit_join, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_export_csv, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_export_json, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (test_audit_stats, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_key_rotation, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_audit_key_rotation_forged, fixture_setup, fixture_teardown),
	};

	for (guint i = 0; i < G_N_ELEMENTS (tamper_rows); i++) {
		tests[n].name = tamper_rows[i].name;
		tests[n].test_func = test_audit_tamper;
		tests[n].initial_state = (void *)&tamper_rows[i];
		n++;
	}
	memcpy (tests + n, fixed, sizeof (fixed));
	n += G_N_ELEMENTS (fixed);
	return _cmocka_run_group_tests ("audit", tests, n, NULL, NULL);
}
