/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-rollout-note.h"

G_BEGIN_DECLS

/* The national block list of one local day (docs/rollout-policy.md, "The
 * national block list"), signed by the brand's policy key: the IMEIs
 * networks block from that day (never more than the policy's national
 * block cap, each IMEI once) and the IMEIs scheduled before and restored
 * since, which networks unblock. Pure: format and strict parse. */

typedef struct {
	char *imei;
	char *phase; /* block: the closed phase; unblock: NULL */
	char *day;   /* block: NULL; unblock: the day it was scheduled */
} IrBlockListEntry;

typedef struct {
	gint64 policy_version;
	char *time_zone;
	char *day;
	guint64 cap;
	GPtrArray *block;   /* IrBlockListEntry, in priority order */
	GPtrArray *unblock; /* IrBlockListEntry, by IMEI */
} IrBlockList;

IrBlockList *ir_block_list_new (void);
void ir_block_list_free (IrBlockList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBlockList, ir_block_list_free)

void ir_block_list_add (GPtrArray *entries, const char *imei, const char *phase, const char *day);

/* The canonical body (what is signed). */
char *ir_block_list_format (const IrBlockList *list);

/* Strict: every IMEI valid (check digit), none twice, none both blocked
 * and unblocked, no more blocked than the cap, and the text canonical. */
IrBlockList *ir_block_list_parse (JsonNode *body, const char *text, GError **error);

G_END_DECLS
