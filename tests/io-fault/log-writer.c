/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir-error.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "ir-openssl-autoptr.h"

/* A small program that appends to the migration log in DIR, for the
 * io-fault and crash tests. It does what a writing program does: open,
 * START, then records. Every acknowledged record is printed at once as
 * "ack SEQ" (the crash test reads them through a pipe). On a failed
 * append: "fail CODE MESSAGE", one more append to show the log refuses
 * it ("then CODE MESSAGE"), exit 2.
 *
 *   log-writer DIR COUNT   COUNT records after START, exit 0
 *   log-writer DIR loop    until killed
 *   log-writer DIR batch:COUNT  START, then COUNT records queued at once
 *                          (ir_migration_log_append_begin) before any is
 *                          waited for: one group commit */

#define ORIGIN "imeirestore/DEL01/ws1"

static JsonObject *
log_writer_record_fields (IrLogRecordType type, guint64 n)
{
	JsonObject *fields = json_object_new ();
	g_autofree char *id = g_strdup_printf ("%04" G_GINT64_MODIFIER "x", n);

	if (type == IR_LOG_RECORD_START) {
		json_object_set_string_member (
		    fields, "software", PACKAGE_NAME " " PACKAGE_VERSION);
		json_object_set_string_member (fields, "workstation", "ws1");
	} else {
		JsonArray *slots = json_array_new ();

		json_array_add_string_element (slots, "490154203237518");
		json_object_set_string_member (fields, "intent_id", id);
		json_object_set_string_member (fields, "outcome", "success");
		json_object_set_array_member (fields, "imeis_read_back", slots);
	}
	return fields;
}

static gboolean
log_writer_append (IrMigrationLog *log, IrLogRecordType type, guint64 n)
{
	g_autoptr (JsonObject) fields = log_writer_record_fields (type, n);
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) again = NULL;
	guint64 seq = 0;

	if (ir_migration_log_append (log, type, fields, &seq, &error)) {
		printf ("ack %" G_GUINT64_FORMAT "\n", seq);
		fflush (stdout);
		return TRUE;
	}
	printf ("fail %d %s\n", error->code, error->message);
	if (!ir_migration_log_append (log, type, fields, NULL, &again))
		printf ("then %d %s\n", again->code, again->message);
	fflush (stdout);
	return FALSE;
}

/* COUNT records queued, then each waited for in turn: the first wait
 * writes and syncs them all */
static gboolean
log_writer_append_batch (IrMigrationLog *log, guint64 count)
{
	g_autoptr (GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
	g_autoptr (GError) error = NULL;

	for (guint64 i = 1; i <= count; i++) {
		g_autoptr (JsonObject) fields = log_writer_record_fields (IR_LOG_RECORD_RESULT, i);
		guint64 seq = 0;

		if (!ir_migration_log_append_begin (
			log, IR_LOG_RECORD_RESULT, fields, &seq, &error)) {
			printf ("fail %d %s\n", error->code, error->message);
			return FALSE;
		}
		g_array_append_val (seqs, seq);
	}
	for (guint i = 0; i < seqs->len; i++) {
		guint64 seq = g_array_index (seqs, guint64, i);

		if (!ir_migration_log_append_finish (log, seq, &error)) {
			printf ("fail %d %s\n", error->code, error->message);
			return FALSE;
		}
		printf ("ack %" G_GUINT64_FORMAT "\n", seq);
	}
	fflush (stdout);
	return TRUE;
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) key = NULL;
	g_autoptr (IrMigrationLog) log = NULL;
	g_autofree char *key_path = NULL;
	gboolean loop;
	gboolean batch;
	guint64 count;

	if (argc != 3) {
		fprintf (stderr, "usage: log-writer DIR COUNT|loop\n");
		return 1;
	}
	loop = g_strcmp0 (argv[2], "loop") == 0;
	batch = g_str_has_prefix (argv[2], "batch:");
	count = loop	? G_MAXUINT64
		: batch ? g_ascii_strtoull (argv[2] + strlen ("batch:"), NULL, 10)
			: g_ascii_strtoull (argv[2], NULL, 10);
	key_path = g_build_filename (argv[1], IR_WORKSTATION_KEY_FILE, NULL);
	key = ir_workstation_key_load_or_create (key_path, &error);
	if (key == NULL) {
		fprintf (stderr, "%s\n", error->message);
		return 1;
	}
	/* IR_LOG_WRITER_LAYOUT=notes: a new log in the notes layout, as
	 * older versions wrote them */
	log = ir_migration_log_open_layout (
	    argv[1],
	    ORIGIN,
	    ORIGIN,
	    key,
	    g_strcmp0 (g_getenv ("IR_LOG_WRITER_LAYOUT"), "notes") == 0
		? IR_MIGRATION_LOG_LAYOUT_NOTES
		: IR_MIGRATION_LOG_LAYOUT_INLINE,
	    &error);
	if (log == NULL) {
		printf ("open-error %d %s\n", error->code, error->message);
		return 3;
	}
	if (ir_migration_log_get_tamper_error (log) != NULL) {
		printf ("tampered %s\n", ir_migration_log_get_tamper_error (log)->message);
		return 4;
	}
	if (!log_writer_append (log, IR_LOG_RECORD_START, 0))
		return 2;
	if (batch)
		return log_writer_append_batch (log, count) ? 0 : 2;
	for (guint64 i = 1; i <= count; i++) {
		if (!log_writer_append (log, IR_LOG_RECORD_RESULT, i))
			return 2;
	}
	return 0;
}
