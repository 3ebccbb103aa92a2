/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-config.h"

G_BEGIN_DECLS

/* `imei-brandd report`, `report summary`, `report register` and
 * `blocklist` (imei-brandd(1), docs/rollout-policy.md). Each returns an
 * exit code and prints what it did or why it refused; nothing is written
 * on bad input. */

typedef struct {
	const char *key;      /* summary, blocklist: the policy private key */
	const char *key_name; /* signed-note key name */
	const char *out;      /* write here (atomically) instead of stdout */
	gboolean json;	      /* report: JSON instead of CSV */
	const char *phase;    /* report: only this phase; summary: the phase */
	const char *from;     /* report: first day */
	const char *to;	      /* report: last day */
	const char *date;     /* summary, register, blocklist: the day */
} IrBranddReportOptions;

int ir_brandd_report_command (const IrBranddConfig *config,
			      const IrBranddReportOptions *options,
			      int argc,
			      char **argv);

int ir_brandd_blocklist_command (const IrBranddConfig *config,
				 const IrBranddReportOptions *options,
				 int argc,
				 char **argv);

/* Shared by both: prints @error and returns @code; usage errors. */
int ir_brandd_report_fail (int code, const GError *error);
int ir_brandd_report_usage (const char *message);

/* Writes @text to options->out atomically, or to stdout. */
int
ir_brandd_report_emit (const IrBranddReportOptions *options, const char *text, const char *what);

/* The [00:00, next 00:00) of local @day in @tz, as seconds. */
void ir_brandd_report_day_range (GTimeZone *tz, const char *day, gint64 *start, gint64 *end);

G_END_DECLS
