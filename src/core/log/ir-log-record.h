/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ir-log-scan.h"
#include "ir-migration-log.h"

G_BEGIN_DECLS

/* One migration-log record (docs/migration-log.md): a JSON object on one
 * line with "schema", "seq", "type", "time" and the fields of its type.
 * Pure: parsing, formatting and validation, no I/O. Strict: an unknown
 * type, schema or member, a missing member or one of the wrong JSON type
 * is refused with IR_ERROR_INVALID_INPUT naming the member. */

typedef struct {
	guint64 seq;
	IrLogRecordType type;
	char *time;	    /* RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ" */
	JsonObject *object; /* the whole record as parsed */
} IrLogRecord;

void ir_log_record_free (IrLogRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrLogRecord, ir_log_record_free)

gboolean ir_log_record_type_from_string (const char *text, IrLogRecordType *type);

/* A record's "time" as seconds since the epoch; G_MININT64 when it is
 * not a time. */
gint64 ir_log_record_time_to_unix (const char *time);

/* @line without its newline; @len bytes (no NUL needed). */
IrLogRecord *ir_log_record_parse (const char *line, gsize len, GError **error);

/* Checks a whole record object (schema, seq, type, time and the fields
 * of its type). */
gboolean ir_log_record_validate (JsonObject *object, GError **error);

/* The record line (no newline): schema, seq, type and @time (UTC, whole
 * seconds) first, then @fields in their order. @fields must not carry the
 * four common members. The result is validated as the parser would. */
char *ir_log_record_format (
    IrLogRecordType type, guint64 seq, GDateTime *time, JsonObject *fields, GError **error);

/* The same record line appended to @out, the writer's way (no copy, no
 * GDateTime): @time_text is the record's time as it is written
 * ("YYYY-MM-DDTHH:MM:SSZ", checked with the rest). The line is checked by
 * the strict parser (ir-log-scan.h); its findings go to @scan unless
 * NULL. On error @out is left as it was. */
gboolean ir_log_record_append_line (GString *out,
				    IrLogRecordType type,
				    guint64 seq,
				    const char *time_text,
				    JsonObject *fields,
				    IrLogScanRecord *scan,
				    GError **error);

G_END_DECLS
