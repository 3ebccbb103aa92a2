/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-migration-log.h"

G_BEGIN_DECLS

/* The strict streaming parser of one migration-log record line
 * (docs/migration-log.md, "Records"): one pass over the bytes, no
 * allocation, the whole schema checked (the same rules and messages as
 * ir_log_record_validate). It is what decides whether a line is a record,
 * for the writer at open and for audit verify; ir_log_record_parse builds
 * a JsonObject only for callers that need one.
 *
 * Stricter than JSON where the writer never goes: a member named twice, a
 * member name with an escape, a \u escape of NUL or of a surrogate, and
 * nesting deeper than the schema's are refused. */

typedef struct {
	const char *text; /* into the line, without the quotes; NULL: absent or null */
	gsize len;
} IrLogScanSpan;

typedef struct {
	guint64 seq;
	IrLogRecordType type;
	IrLogScanSpan time;	    /* "YYYY-MM-DDTHH:MM:SSZ" */
	IrLogScanSpan intent_id;    /* INTENT, RESULT */
	IrLogScanSpan outcome;	    /* RESULT */
	IrLogScanSpan public_key;   /* START (optional), KEY_ROTATION's new_public_key */
	IrLogScanSpan new_key_name; /* KEY_ROTATION */
} IrLogScanRecord;

/* @line without its newline. FALSE with IR_ERROR_INVALID_INPUT naming
 * what is wrong. */
gboolean ir_log_scan_record (const char *line, gsize len, IrLogScanRecord *out, GError **error);

/* A record's time (as checked by ir_log_scan_record) in seconds since
 * the epoch, without a GDateTime. */
gint64 ir_log_scan_time_to_unix (IrLogScanSpan time);

G_END_DECLS
