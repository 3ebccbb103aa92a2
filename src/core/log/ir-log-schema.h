/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-migration-log.h"

G_BEGIN_DECLS

/* The schema of docs/migration-log.md ("Records") as tables: what each
 * record type carries and of which kind. Both record parsers read them
 * (ir-log-scan.c, which decides, and ir-log-record.c, which builds a
 * JsonObject), so a member added to the format is added once. A record
 * with a member not in its table is refused, so that a line always means
 * exactly what the schema says. */

typedef enum {
	IR_LOG_FIELD_NAME,    /* non-empty string */
	IR_LOG_FIELD_TEXT,    /* any string */
	IR_LOG_FIELD_HEX,     /* non-empty lower-case hex, even length */
	IR_LOG_FIELD_SHA256,  /* 64 lower-case hex digits */
	IR_LOG_FIELD_COUNT,   /* integer >= 0 */
	IR_LOG_FIELD_SLOTS,   /* array of 1..8 strings or nulls, one per IMEI slot */
	IR_LOG_FIELD_PHONE,   /* the phone's identity object */
	IR_LOG_FIELD_OUTCOME, /* one of ir_log_schema_outcomes */
	IR_LOG_FIELD_BASE64,  /* standard base64, padded */
} IrLogFieldKind;

typedef struct {
	const char *name;
	IrLogFieldKind kind;
	gboolean optional;
} IrLogFieldSpec;

typedef struct {
	const char *name; /* the "type" member */
	const IrLogFieldSpec *fields;
	guint n_fields;
} IrLogTypeSpec;

/* indexed by IrLogRecordType */
extern const IrLogTypeSpec ir_log_schema_types[];
extern const guint ir_log_schema_n_types;

/* members every record has, before its type's own */
extern const char *const ir_log_schema_common[];
extern const guint ir_log_schema_n_common;

/* the members of "phone"; "port" is required, the others may be null */
extern const char *const ir_log_schema_phone[];
extern const guint ir_log_schema_n_phone;

extern const char *const ir_log_schema_outcomes[];
extern const guint ir_log_schema_n_outcomes;

/* the largest number of IMEI slots a record holds */
#define IR_LOG_SCHEMA_MAX_SLOTS 8

G_END_DECLS
