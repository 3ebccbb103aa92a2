/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-store.h"

G_BEGIN_DECLS

/* The national block list's table (ir-brandd-schema-4.sql, `blocklist`)
 * and what it is made from: the registry and its successful reports.
 * Store access only; ir-brandd-blocklist.c decides. Call inside one
 * write transaction (ir_brandd_store_begin) so that a list is made from
 * one state of the database. */

/* A kind of registered phone: what decides which phases cover it. */
typedef struct {
	char *tac;
	char *model;
	char *centre; /* NULL: tied to no centre */
} IrBranddBlockKind;

void ir_brandd_blocklist_store_kind_free (gpointer kind);

/* Every (TAC, model, centre) of the registry, once: far fewer than the
 * phones, so the policy's phases are matched in C once per kind. */
GPtrArray *ir_brandd_blocklist_store_kinds (IrBranddStore *store, GError **error);

/* A kind whose covering phases have all closed: its phones' phase and
 * the rank of that phase's end date (0 first). */
typedef struct {
	const IrBranddBlockKind *kind;
	const char *phase;
	guint rank;
} IrBranddBlockRule;

/* The candidates of @rules, in the priority order (rank, TAC, the phone's
 * first IMEI not yet scheduled, slot), at most @cap IMEIs: selected and
 * sorted by the database, never the whole registry in memory. Phones
 * restored or fully scheduled are left out. */
typedef struct {
	gint64 device_id;
	char *imei;
	char *phase;
	guint n_imeis; /* the phone's IMEIs not yet scheduled, all of them */
} IrBranddBlockImei;

void ir_brandd_blocklist_store_imei_free (gpointer imei);

GPtrArray *ir_brandd_blocklist_store_candidates (
    IrBranddStore *store, const IrBranddBlockRule *rules, guint n_rules, guint cap, GError **error);

/* The last day a list scheduled or unblocked an IMEI; NULL: none. */
gboolean ir_brandd_blocklist_store_last_day (IrBranddStore *store, char **day, GError **error);

gboolean ir_brandd_blocklist_store_schedule (IrBranddStore *store,
					     const char *imei,
					     gint64 device_id,
					     const char *phase,
					     const char *day,
					     GError **error);

/* Marks unblocked on @day every IMEI scheduled before @day whose device
 * has been restored since. */
gboolean
ir_brandd_blocklist_store_unblock_restored (IrBranddStore *store, const char *day, GError **error);

/* What the list of @day holds: the IMEIs scheduled on it (imei, phase;
 * by TAC, then by the phone's first IMEI, a phone's IMEIs in slot order:
 * the priority order but for the phases' end dates, which the caller
 * sorts by, as only the policy knows them; SQL both backends run, as
 * PostgreSQL has no insertion order) and those unblocked on it (imei,
 * scheduled day, by IMEI); pairs of strings. */
GPtrArray *ir_brandd_blocklist_store_day (IrBranddStore *store,
					  const char *day,
					  gboolean unblocked,
					  GError **error);

G_END_DECLS
