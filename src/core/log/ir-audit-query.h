/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ir-audit-paths.h"
#include "ir-migration-log.h"

G_BEGIN_DECLS

/* Queries. A row is one restoration (an INTENT joined with its latest
 * RESULT) or one other record (START, RECOVERY, KEY_ROTATION, a RESULT
 * whose INTENT is missing), in log order. */
typedef struct {
	IrLogRecordType type; /* INTENT for a restoration */
	guint64 seq;	      /* of the INTENT (or of the record) */
	gint64 time;	      /* seconds since the epoch */
	char *time_text;
	char *intent_id;
	char *technician;
	char *centre;
	char *workstation;
	char *phase;
	char *token_id;
	char *token_sha256;
	char *port;
	char *manufacturer;
	char *model;
	char *serial;
	char *hardware_id;
	char *family;
	GPtrArray *imeis_before;    /* char *, NULL for an empty slot */
	GPtrArray *imeis_target;    /* char *, NULL for a slot left alone */
	GPtrArray *imeis_read_back; /* char *; empty without a RESULT */
	gboolean has_result;
	guint64 result_seq;
	char *result_time_text;
	char *outcome; /* "open" for an INTENT without a RESULT */
	char *reason;
	char *details; /* other records: what they say, one line */
} IrAuditRow;

void ir_audit_query_row_free (IrAuditRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrAuditRow, ir_audit_query_row_free)

#define IR_AUDIT_OUTCOME_OPEN "open"

/* The outcomes a row can have, in the column order of stats. */
extern const char *const ir_audit_outcomes[];
#define IR_AUDIT_N_OUTCOMES 6

typedef struct {
	gint64 from; /* inclusive; G_MININT64 when not given */
	gint64 to;   /* inclusive; G_MAXINT64 when not given */
	char *technician;
	char *centre;
	char *imei; /* 14 or 15 digits: matched on the 14 identity digits */
	char *outcome;
	char *phase;
	gboolean has_type;
	IrLogRecordType type;
} IrAuditFilter;

void ir_audit_filter_init (IrAuditFilter *filter);
void ir_audit_filter_clear (IrAuditFilter *filter);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrAuditFilter, ir_audit_filter_clear)

/* The rows of the log at @paths matching @filter (NULL: all). Lines that
 * do not parse are skipped: verification reports them. */
GPtrArray *ir_audit_query (const IrAuditPaths *paths,
			   const IrAuditFilter *filter,
			   GCancellable *cancellable,
			   GError **error);

G_END_DECLS
