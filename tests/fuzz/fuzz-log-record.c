/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-log-record.h"
#include "ir-log-scan.h"

/* The migration-log record parser on any bytes. Promises checked: the
 * strict streaming parser (ir_log_scan_record, what audit verify runs
 * alone) accepts exactly what the whole parse accepts, with the same seq,
 * type and time; a refusal always says why; a record that parses has a known type, a time
 * and its object; and formatting it again gives a line that parses to the
 * same type and seq, and that formats to itself (the formatter is
 * canonical). Any broken promise aborts. */

static void
fuzz_log_record_check (gboolean condition)
{
	if (!condition)
		abort ();
}

static char *
fuzz_log_record_reformat (const IrLogRecord *record)
{
	g_autoptr (JsonObject) fields = json_object_new ();
	g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (record->time, NULL);
	g_autoptr (GList) members = json_object_get_members (record->object);
	g_autoptr (GError) error = NULL;
	char *line;

	fuzz_log_record_check (time != NULL);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;

		if (g_strcmp0 (name, "schema") == 0 || g_strcmp0 (name, "seq") == 0 ||
		    g_strcmp0 (name, "type") == 0 || g_strcmp0 (name, "time") == 0)
			continue;
		json_object_set_member (
		    fields, name, json_node_copy (json_object_get_member (record->object, name)));
	}
	line = ir_log_record_format (record->type, record->seq, time, fields, &error);
	fuzz_log_record_check (line != NULL && error == NULL);
	return line;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrLogRecord) record = ir_log_record_parse ((const char *)data, size, &error);
	IrLogScanRecord scan;
	/* the strict streaming parser the verifier uses alone must agree with
	 * the whole parse (itself, then json-glib and the JsonObject checks) */
	gboolean scanned = ir_log_scan_record ((const char *)data, size, &scan, NULL);
	g_autoptr (IrLogRecord) again = NULL;
	g_autoptr (IrLogRecord) third = NULL;
	g_autofree char *line = NULL;
	g_autofree char *line2 = NULL;

	if (record == NULL) {
		fuzz_log_record_check (!scanned || size > G_MAXSSIZE);
		fuzz_log_record_check (error != NULL && error->message != NULL &&
				       *error->message != '\0');
		return 0;
	}
	fuzz_log_record_check (error == NULL);
	fuzz_log_record_check (scanned && scan.seq == record->seq && scan.type == record->type);
	fuzz_log_record_check (ir_log_scan_time_to_unix (scan.time) ==
			       ir_log_record_time_to_unix (record->time));
	fuzz_log_record_check (ir_log_record_type_to_string (record->type) != NULL);
	fuzz_log_record_check (record->time != NULL && strlen (record->time) == 20);
	fuzz_log_record_check (ir_log_record_validate (record->object, NULL));

	line = fuzz_log_record_reformat (record);
	fuzz_log_record_check (strchr (line, '\n') == NULL);
	again = ir_log_record_parse (line, strlen (line), NULL);
	fuzz_log_record_check (again != NULL);
	fuzz_log_record_check (again->type == record->type && again->seq == record->seq);
	fuzz_log_record_check (g_strcmp0 (again->time, record->time) == 0);
	line2 = fuzz_log_record_reformat (again);
	fuzz_log_record_check (g_strcmp0 (line, line2) == 0);
	third = ir_log_record_parse (line2, strlen (line2), NULL);
	fuzz_log_record_check (third != NULL);
	return 0;
}
