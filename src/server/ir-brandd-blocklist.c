/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-block-list.h"
#include "ir-brandd-blocklist-store.h"
#include "ir-brandd-report.h"
#include "ir-brandd-rollout.h"
#include "ir-brandd-signer.h"
#include "ir-eligibility.h"
#include "ir-error.h"

/* imei-brandd blocklist --date D: the national block list of local day D
 * (docs/rollout-policy.md, "The national block list"). A registered phone
 * is a candidate when every phase of the current policy that covers it
 * (TAC, model, and the circle of the centre it is tied to, if any) has
 * closed before D, and no restore of it has been reported successful. The
 * priority order: the phone whose phases closed first, then by TAC, then
 * by IMEI; a phone's IMEIs are scheduled together, and the list stops at
 * the first phone that no longer fits under the policy's national block
 * cap. Days are made in order and a day's list, once made, is printed
 * again as it was. */

#define EXIT_FAILED 1
#define EXIT_USAGE  2

/* The covering phase that closed last, or NULL when one covering phase
 * has not closed before @day (or none covers the kind). */
static const IrPolicyPhase *
ir_brandd_blocklist_closed_phase (const IrPolicy *policy,
				  const IrBranddBlockKind *kind,
				  const char *day)
{
	IrPolicyPhone phone = {.tac = kind->tac, .model = kind->model, .centre = kind->centre};
	const IrPolicyPhase *last = NULL;

	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);
		gboolean closed = p->state == IR_PHASE_CLOSED || g_strcmp0 (p->end_date, day) < 0;

		if (!ir_eligibility_phase_covers (policy, p, &phone))
			continue;
		if (!closed)
			return NULL;
		if (last == NULL || g_strcmp0 (p->end_date, last->end_date) > 0)
			last = p;
	}
	return last;
}

static gint
ir_brandd_blocklist_compare_dates (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* The rule of each kind of phone whose covering phases have all closed:
 * its phase, and the rank of that phase's end date among the rules'. */
static GArray *
ir_brandd_blocklist_rules (const IrPolicy *policy, GPtrArray *kinds, const char *day)
{
	GArray *rules = g_array_new (FALSE, FALSE, sizeof (IrBranddBlockRule));
	g_autoptr (GPtrArray) ends = g_ptr_array_new ();
	g_autoptr (GPtrArray) phases = g_ptr_array_new ();

	for (guint i = 0; i < kinds->len; i++) {
		const IrBranddBlockKind *k = g_ptr_array_index (kinds, i);
		const IrPolicyPhase *p = ir_brandd_blocklist_closed_phase (policy, k, day);
		IrBranddBlockRule rule = {k, NULL, 0};

		if (p == NULL)
			continue;
		rule.phase = p->id;
		g_array_append_val (rules, rule);
		g_ptr_array_add (phases, (gpointer)p);
		g_ptr_array_add (ends, p->end_date);
	}
	/* the distinct end dates, in order: a rule's rank is its date's place */
	g_ptr_array_sort (ends, ir_brandd_blocklist_compare_dates);
	for (guint i = 1; i < ends->len;) {
		if (g_strcmp0 (ends->pdata[i - 1], ends->pdata[i]) == 0)
			g_ptr_array_remove_index (ends, i);
		else
			i++;
	}
	for (guint i = 0; i < rules->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (phases, i);
		IrBranddBlockRule *rule = &g_array_index (rules, IrBranddBlockRule, i);

		while (g_strcmp0 (ends->pdata[rule->rank], p->end_date) != 0)
			rule->rank++;
	}
	return rules;
}

/* The database selects the day's candidates in the priority order, at
 * most the cap's IMEIs; the last phone may come cut short by that limit:
 * it does not fit, and the list stops there. */
static gboolean
ir_brandd_blocklist_schedule (IrBranddStore *store,
			      const IrPolicy *policy,
			      const char *day,
			      GError **error)
{
	g_autoptr (GPtrArray) kinds = ir_brandd_blocklist_store_kinds (store, error);
	g_autoptr (GArray) rules = NULL;
	g_autoptr (GPtrArray) imeis = NULL;

	if (kinds == NULL)
		return FALSE;
	rules = ir_brandd_blocklist_rules (policy, kinds, day);
	imeis =
	    ir_brandd_blocklist_store_candidates (store,
						  (const IrBranddBlockRule *)(gpointer)rules->data,
						  rules->len,
						  policy->national_block_cap,
						  error);
	if (imeis == NULL)
		return FALSE;
	for (guint i = 0; i < imeis->len;) {
		const IrBranddBlockImei *first = g_ptr_array_index (imeis, i);

		if (i + first->n_imeis > imeis->len)
			break;
		for (guint k = 0; k < first->n_imeis; k++, i++) {
			const IrBranddBlockImei *c = g_ptr_array_index (imeis, i);

			if (!ir_brandd_blocklist_store_schedule (
				store, c->imei, c->device_id, c->phase, day, error))
				return FALSE;
		}
	}
	return TRUE;
}

typedef struct {
	const char *end_date;
	guint index; /* of the pair in the store's order */
} IrBranddBlockOrder;

static gint
ir_brandd_blocklist_order_compare (gconstpointer a, gconstpointer b)
{
	const IrBranddBlockOrder *x = a;
	const IrBranddBlockOrder *y = b;
	int c = g_strcmp0 (x->end_date, y->end_date);

	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* The day's (imei, phase) pairs come by TAC, first IMEI and slot: put
 * them in the order they were scheduled in, phases that ended first
 * first (a phase the policy no longer names sorts first). */
static GPtrArray *
ir_brandd_blocklist_order (const IrPolicy *policy, GPtrArray *pairs)
{
	g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (IrBranddBlockOrder));
	GPtrArray *ordered = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i + 1 < pairs->len; i += 2) {
		const char *phase = g_ptr_array_index (pairs, i + 1);
		IrBranddBlockOrder key = {"", i};

		for (guint k = 0; k < policy->phases->len; k++) {
			const IrPolicyPhase *p = g_ptr_array_index (policy->phases, k);

			if (g_strcmp0 (p->id, phase) == 0)
				key.end_date = p->end_date;
		}
		g_array_append_val (keys, key);
	}
	g_array_sort (keys, ir_brandd_blocklist_order_compare);
	for (guint i = 0; i < keys->len; i++) {
		guint at = g_array_index (keys, IrBranddBlockOrder, i).index;

		g_ptr_array_add (ordered, g_strdup (g_ptr_array_index (pairs, at)));
		g_ptr_array_add (ordered, g_strdup (g_ptr_array_index (pairs, at + 1)));
	}
	return ordered;
}

static void
ir_brandd_blocklist_fill (IrBlockList *list, GPtrArray *block, GPtrArray *unblock)
{
	for (guint i = 0; i + 1 < block->len; i += 2)
		ir_block_list_add (list->block,
				   g_ptr_array_index (block, i),
				   g_ptr_array_index (block, i + 1),
				   NULL);
	for (guint i = 0; i + 1 < unblock->len; i += 2)
		ir_block_list_add (list->unblock,
				   g_ptr_array_index (unblock, i),
				   NULL,
				   g_ptr_array_index (unblock, i + 1));
}

/* Inside the transaction: refuses a day before the last one made; makes
 * the day's list unless it was made already; reads it back. */
static gboolean
ir_brandd_blocklist_make_locked (IrBranddStore *store,
				 const IrPolicy *policy,
				 const char *day,
				 IrBlockList *list,
				 GError **error)
{
	g_autofree char *last = NULL;
	g_autoptr (GPtrArray) block = NULL;
	g_autoptr (GPtrArray) unblock = NULL;
	g_autoptr (GPtrArray) ordered = NULL;

	if (!ir_brandd_blocklist_store_last_day (store, &last, error))
		return FALSE;
	if (last != NULL && g_strcmp0 (day, last) < 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the block list of %s cannot be made any more: lists are made day "
			     "by day and the last was %s; give --date %s or later",
			     day,
			     last,
			     last);
		return FALSE;
	}
	if (g_strcmp0 (day, last) != 0 &&
	    (!ir_brandd_blocklist_store_unblock_restored (store, day, error) ||
	     !ir_brandd_blocklist_schedule (store, policy, day, error)))
		return FALSE;
	block = ir_brandd_blocklist_store_day (store, day, FALSE, error);
	unblock = block != NULL ? ir_brandd_blocklist_store_day (store, day, TRUE, error) : NULL;
	if (unblock == NULL)
		return FALSE;
	ordered = ir_brandd_blocklist_order (policy, block);
	ir_brandd_blocklist_fill (list, ordered, unblock);
	return TRUE;
}

/* In one write transaction, so that two runs cannot schedule one IMEI
 * twice or overshoot the cap together. */
static gboolean
ir_brandd_blocklist_make (IrBranddStore *store,
			  const IrPolicy *policy,
			  const char *day,
			  IrBlockList *list,
			  GError **error)
{
	if (!ir_brandd_store_begin (store, error))
		return FALSE;
	if (!ir_brandd_blocklist_make_locked (store, policy, day, list, error)) {
		ir_brandd_store_rollback (store);
		return FALSE;
	}
	return ir_brandd_store_commit (store, error);
}

int
ir_brandd_blocklist_command (const IrBranddConfig *config,
			     const IrBranddReportOptions *options,
			     int argc,
			     char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddSigner) signer = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (IrBlockList) list = ir_block_list_new ();
	g_autofree char *body = NULL;
	g_autofree char *note = NULL;
	const IrPolicy *policy = NULL;

	if (argc != 0 || ir_brandd_config_store_target (config) == NULL)
		return ir_brandd_report_usage (
		    "usage: blocklist --date YYYY-MM-DD --key POLICY.key --db PATH [--out FILE]");
	if (options->date == NULL || !ir_rollout_note_is_date (options->date))
		return ir_brandd_report_usage (
		    "blocklist needs --date YYYY-MM-DD, the local day the list is for");
	signer = ir_brandd_signer_load (config, options->key, options->key_name, &error);
	if (signer == NULL)
		return ir_brandd_report_fail (EXIT_USAGE, error);
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store != NULL)
		rollout = ir_brandd_rollout_new (config, store, &error);
	if (rollout == NULL || !ir_brandd_rollout_current (rollout, &policy, &error))
		return ir_brandd_report_fail (EXIT_FAILED, error);
	if (policy == NULL) {
		g_printerr ("imei-brandd: no rollout policy has been published in %s; the block "
			    "list follows its phases and its national block cap\n",
			    ir_brandd_config_store_target (config));
		return EXIT_FAILED;
	}
	list->policy_version = policy->version;
	list->time_zone = g_strdup (policy->time_zone_id);
	list->day = g_strdup (options->date);
	list->cap = policy->national_block_cap;
	if (!ir_brandd_blocklist_make (store, policy, options->date, list, &error))
		return ir_brandd_report_fail (EXIT_FAILED, error);
	body = ir_block_list_format (list);
	note = ir_brandd_signer_sign (signer, body, &error);
	if (note == NULL)
		return ir_brandd_report_fail (EXIT_FAILED, error);
	return ir_brandd_report_emit (options, note, "the signed block list");
}
