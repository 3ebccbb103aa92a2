/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-brandd-store.h"

G_BEGIN_DECLS

/* The national block list's table (ir-brandd-schema-4.sql, `blocklist`)
 * and what it is made from: the registry and its successful reports.
 * Store access only; ir-brandd-blocklist.c decides. Call inside one
 * write transaction (ir_brandd_store_begin) so that a list is made from
 * one state of the database. */

typedef struct {
	gint64 id;
	char *tac;
	char *model;
	char *centre;	   /* NULL: any centre */
	char **imeis;	   /* original IMEIs not yet scheduled, by slot */
	gboolean restored; /* a successful restore was reported */
} IrBranddBlockDevice;

void ir_brandd_blocklist_store_device_free (gpointer device);

/* Every registered device with an IMEI not yet on the block list, by id. */
GPtrArray *ir_brandd_blocklist_store_devices (IrBranddStore *store, GError **error);

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
