/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-rollout-summary.h"

#define WHAT "rollout summary"

static void
ir_rollout_summary_centre_free (gpointer data)
{
	IrRolloutSummaryCentre *c = data;

	g_free (c->centre);
	g_free (c->circle);
	g_free (c);
}

static void
ir_rollout_summary_log_free (gpointer data)
{
	IrRolloutSummaryLog *l = data;

	g_free (l->origin);
	g_free (l->centre);
	g_free (l);
}

IrRolloutSummary *
ir_rollout_summary_new (void)
{
	IrRolloutSummary *s = g_new0 (IrRolloutSummary, 1);

	s->centres = g_ptr_array_new_with_free_func (ir_rollout_summary_centre_free);
	s->logs = g_ptr_array_new_with_free_func (ir_rollout_summary_log_free);
	return s;
}

void
ir_rollout_summary_free (IrRolloutSummary *summary)
{
	if (summary == NULL)
		return;
	g_free (summary->time_zone);
	g_free (summary->phase);
	g_free (summary->day);
	g_free (summary->made);
	g_ptr_array_unref (summary->centres);
	g_ptr_array_unref (summary->logs);
	g_free (summary);
}

/* ---- the canonical text ---- */

static void
ir_rollout_summary_append_member (GString *out, const char *name, const char *value)
{
	g_string_append_printf (out, "\"%s\": ", name);
	if (value != NULL)
		ir_rollout_note_append_string (out, value);
	else
		g_string_append (out, "null");
}

static void
ir_rollout_summary_append_outcomes (GString *out, const guint64 counts[IR_LOG_N_OUTCOMES])
{
	g_string_append (out, "\"outcomes\": {");
	for (guint i = 0; i < IR_LOG_N_OUTCOMES; i++)
		g_string_append_printf (out,
					"%s\"%s\": %" G_GUINT64_FORMAT,
					i > 0 ? ", " : "",
					ir_log_tally_outcome_to_string (i),
					counts[i]);
	g_string_append (out, "}");
}

static void
ir_rollout_summary_append_centres (GString *out, GPtrArray *centres)
{
	g_string_append (out, "  \"centres\": [");
	for (guint i = 0; i < centres->len; i++) {
		const IrRolloutSummaryCentre *c = g_ptr_array_index (centres, i);

		g_string_append (out, i > 0 ? ",\n    {" : "\n    {");
		ir_rollout_summary_append_member (out, "centre", c->centre);
		g_string_append (out, ", ");
		ir_rollout_summary_append_member (out, "circle", c->circle);
		g_string_append_printf (out, ", \"issued\": %" G_GUINT64_FORMAT ", ", c->issued);
		ir_rollout_summary_append_outcomes (out, c->counts);
		g_string_append (out, "}");
	}
	g_string_append (out, centres->len > 0 ? "\n  ],\n" : "],\n");
}

static void
ir_rollout_summary_append_logs (GString *out, GPtrArray *logs)
{
	g_string_append (out, "  \"logs\": [");
	for (guint i = 0; i < logs->len; i++) {
		const IrRolloutSummaryLog *l = g_ptr_array_index (logs, i);
		g_autofree char *root = g_base64_encode (l->root, IR_MERKLE_HASH_LEN);

		g_string_append (out, i > 0 ? ",\n    {" : "\n    {");
		ir_rollout_summary_append_member (out, "origin", l->origin);
		g_string_append (out, ", ");
		ir_rollout_summary_append_member (out, "centre", l->centre);
		g_string_append_printf (
		    out, ", \"size\": %" G_GUINT64_FORMAT ", \"root\": \"%s\", ", l->size, root);
		ir_rollout_summary_append_outcomes (out, l->counts);
		g_string_append (out, "}");
	}
	g_string_append (out, logs->len > 0 ? "\n  ]\n" : "]\n");
}

char *
ir_rollout_summary_format (const IrRolloutSummary *s)
{
	GString *out = g_string_new ("{\n  \"format\": \"" IR_ROLLOUT_SUMMARY_FORMAT "\",\n");

	g_string_append_printf (
	    out, "  \"policy_version\": %" G_GINT64_FORMAT ",\n  ", s->policy_version);
	ir_rollout_summary_append_member (out, "time_zone", s->time_zone);
	g_string_append (out, ",\n  ");
	ir_rollout_summary_append_member (out, "phase", s->phase);
	g_string_append (out, ",\n  ");
	ir_rollout_summary_append_member (out, "day", s->day);
	g_string_append (out, ",\n  ");
	ir_rollout_summary_append_member (out, "made", s->made);
	g_string_append_printf (out, ",\n  \"issued\": %" G_GUINT64_FORMAT ",\n  ", s->issued);
	ir_rollout_summary_append_outcomes (out, s->counts);
	g_string_append (out, ",\n");
	ir_rollout_summary_append_centres (out, s->centres);
	ir_rollout_summary_append_logs (out, s->logs);
	g_string_append (out, "}\n");
	return g_string_free (out, FALSE);
}

/* ---- parsing ---- */

static gboolean
ir_rollout_summary_get_outcomes (JsonObject *obj,
				 const char *where,
				 guint64 counts[IR_LOG_N_OUTCOMES],
				 GError **error)
{
	JsonObject *o = ir_rollout_note_get_object (obj, where, "outcomes", error);
	g_autofree char *what = g_strdup_printf ("%s: outcomes", where);
	const char *known[IR_LOG_N_OUTCOMES + 1] = {NULL};

	if (o == NULL)
		return FALSE;
	for (guint i = 0; i < IR_LOG_N_OUTCOMES; i++)
		known[i] = ir_log_tally_outcome_to_string (i);
	if (!ir_rollout_note_check_members (o, what, known, error))
		return FALSE;
	for (guint i = 0; i < IR_LOG_N_OUTCOMES; i++) {
		if (!ir_rollout_note_get_count (o, what, known[i], &counts[i], error))
			return FALSE;
	}
	return TRUE;
}

static const char *
ir_rollout_summary_get_nullable (
    JsonObject *obj, const char *where, const char *name, gboolean *ok, GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	*ok = TRUE;
	if (node != NULL && JSON_NODE_HOLDS_NULL (node))
		return NULL;
	return (*ok = (ir_rollout_note_get_string (obj, where, name, error) != NULL))
		   ? json_object_get_string_member (obj, name)
		   : NULL;
}

static gboolean
ir_rollout_summary_parse_centre (IrRolloutSummary *s, JsonObject *obj, guint i, GError **error)
{
	static const char *const known[] = {"centre", "circle", "issued", "outcomes", NULL};
	g_autofree char *where = g_strdup_printf (WHAT ": centres entry %u", i + 1);
	IrRolloutSummaryCentre *c = g_new0 (IrRolloutSummaryCentre, 1);
	const char *circle;
	gboolean ok = TRUE;

	g_ptr_array_add (s->centres, c);
	if (!ir_rollout_note_check_members (obj, where, known, error))
		return FALSE;
	c->centre = g_strdup (ir_rollout_note_get_string (obj, where, "centre", error));
	if (c->centre == NULL)
		return FALSE;
	circle = ir_rollout_summary_get_nullable (obj, where, "circle", &ok, error);
	if (!ok)
		return FALSE;
	c->circle = g_strdup (circle);
	return ir_rollout_note_get_count (obj, where, "issued", &c->issued, error) &&
	       ir_rollout_summary_get_outcomes (obj, where, c->counts, error);
}

static gboolean
ir_rollout_summary_parse_log (IrRolloutSummary *s, JsonObject *obj, guint i, GError **error)
{
	static const char *const known[] = {"origin", "centre", "size", "root", "outcomes", NULL};
	g_autofree char *where = g_strdup_printf (WHAT ": logs entry %u", i + 1);
	IrRolloutSummaryLog *l = g_new0 (IrRolloutSummaryLog, 1);
	const char *root = NULL;
	g_autoptr (GBytes) raw = NULL;

	g_ptr_array_add (s->logs, l);
	if (!ir_rollout_note_check_members (obj, where, known, error))
		return FALSE;
	l->origin = g_strdup (ir_rollout_note_get_string (obj, where, "origin", error));
	if (l->origin != NULL)
		l->centre = g_strdup (ir_rollout_note_get_string (obj, where, "centre", error));
	if (l->centre != NULL)
		root = ir_rollout_note_get_string (obj, where, "root", error);
	if (root == NULL || !ir_rollout_note_get_count (obj, where, "size", &l->size, error))
		return FALSE;
	raw = ir_signed_note_base64_decode (root, strlen (root));
	if (raw == NULL || g_bytes_get_size (raw) != IR_MERKLE_HASH_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: \"root\" must be the base64 of a 32-byte Merkle root",
			     where);
		return FALSE;
	}
	memcpy (l->root, g_bytes_get_data (raw, NULL), IR_MERKLE_HASH_LEN);
	return ir_rollout_summary_get_outcomes (obj, where, l->counts, error);
}

static gboolean
ir_rollout_summary_parse_lists (IrRolloutSummary *s, JsonObject *root, GError **error)
{
	JsonArray *centres = ir_rollout_note_get_array (root, WHAT, "centres", error);
	JsonArray *logs =
	    centres != NULL ? ir_rollout_note_get_array (root, WHAT, "logs", error) : NULL;

	if (logs == NULL)
		return FALSE;
	for (guint i = 0; i < json_array_get_length (centres); i++) {
		JsonObject *obj = ir_rollout_note_element (centres, i, WHAT ": centres", error);
		if (obj == NULL || !ir_rollout_summary_parse_centre (s, obj, i, error))
			return FALSE;
	}
	for (guint i = 0; i < json_array_get_length (logs); i++) {
		JsonObject *obj = ir_rollout_note_element (logs, i, WHAT ": logs", error);
		if (obj == NULL || !ir_rollout_summary_parse_log (s, obj, i, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_rollout_summary_parse_head (IrRolloutSummary *s, JsonObject *root, GError **error)
{
	static const char *const known[] = {"format",
					    "policy_version",
					    "time_zone",
					    "phase",
					    "day",
					    "made",
					    "issued",
					    "outcomes",
					    "centres",
					    "logs",
					    NULL};
	guint64 version = 0;
	const char *day;

	if (!ir_rollout_note_check_members (root, WHAT, known, error) ||
	    !ir_rollout_note_get_count (root, WHAT, "policy_version", &version, error))
		return FALSE;
	s->policy_version = (gint64)MIN (version, G_MAXINT64);
	s->time_zone = g_strdup (ir_rollout_note_get_string (root, WHAT, "time_zone", error));
	if (s->time_zone != NULL)
		s->phase = g_strdup (ir_rollout_note_get_string (root, WHAT, "phase", error));
	day = s->phase != NULL ? ir_rollout_note_get_string (root, WHAT, "day", error) : NULL;
	if (day == NULL)
		return FALSE;
	if (!ir_rollout_note_is_date (day)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     WHAT ": \"day\" must be a date, YYYY-MM-DD");
		return FALSE;
	}
	s->day = g_strdup (day);
	s->made = g_strdup (ir_rollout_note_get_string (root, WHAT, "made", error));
	return s->made != NULL &&
	       ir_rollout_note_get_count (root, WHAT, "issued", &s->issued, error) &&
	       ir_rollout_summary_get_outcomes (root, WHAT, s->counts, error);
}

/* The totals are the sums of their parts: a brand tool that disagrees
 * with itself is not a summary to sign or to trust. */
static gboolean
ir_rollout_summary_check_sums (const IrRolloutSummary *s, GError **error)
{
	guint64 issued = 0;
	guint64 by_centre[IR_LOG_N_OUTCOMES] = {0};
	guint64 by_log[IR_LOG_N_OUTCOMES] = {0};

	for (guint i = 0; i < s->centres->len; i++) {
		const IrRolloutSummaryCentre *c = g_ptr_array_index (s->centres, i);

		issued += c->issued;
		for (guint k = 0; k < IR_LOG_N_OUTCOMES; k++)
			by_centre[k] += c->counts[k];
	}
	for (guint i = 0; i < s->logs->len; i++) {
		const IrRolloutSummaryLog *l = g_ptr_array_index (s->logs, i);

		for (guint k = 0; k < IR_LOG_N_OUTCOMES; k++)
			by_log[k] += l->counts[k];
	}
	if (issued != s->issued) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     WHAT ": \"issued\" is %" G_GUINT64_FORMAT
				  " but its centres add up to %" G_GUINT64_FORMAT,
			     s->issued,
			     issued);
		return FALSE;
	}
	for (guint k = 0; k < IR_LOG_N_OUTCOMES; k++) {
		if (by_centre[k] != s->counts[k] || by_log[k] != s->counts[k]) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     WHAT ": %s is %" G_GUINT64_FORMAT
					  " but the centres add up to %" G_GUINT64_FORMAT
					  " and the logs to %" G_GUINT64_FORMAT,
				     ir_log_tally_outcome_to_string (k),
				     s->counts[k],
				     by_centre[k],
				     by_log[k]);
			return FALSE;
		}
	}
	return TRUE;
}

IrRolloutSummary *
ir_rollout_summary_parse (JsonNode *body, const char *text, GError **error)
{
	g_autoptr (IrRolloutSummary) s = ir_rollout_summary_new ();
	g_autofree char *canonical = NULL;
	JsonObject *root;

	if (!JSON_NODE_HOLDS_OBJECT (body)) {
		g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, WHAT ": not a JSON object");
		return NULL;
	}
	root = json_node_get_object (body);
	if (!ir_rollout_summary_parse_head (s, root, error) ||
	    !ir_rollout_summary_parse_lists (s, root, error))
		return NULL;
	canonical = ir_rollout_summary_format (s);
	if (!ir_rollout_note_check_canonical (text, canonical, WHAT, error) ||
	    !ir_rollout_summary_check_sums (s, error))
		return NULL;
	return g_steal_pointer (&s);
}
