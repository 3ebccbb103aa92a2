/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-log-record.h"
#include "ir-log-tally.h"

static const char *const ir_log_tally_outcome_names[IR_LOG_N_OUTCOMES] = {
    [IR_LOG_OUTCOME_SUCCESS] = "success",
    [IR_LOG_OUTCOME_FAILED] = "failed",
    [IR_LOG_OUTCOME_ABORTED] = "aborted",
    [IR_LOG_OUTCOME_UNKNOWN] = "unknown",
    [IR_LOG_OUTCOME_RECOVERED] = "recovered",
    [IR_LOG_OUTCOME_NO_RESULT] = "no_result",
};

typedef struct {
	char *phase;
	char *day;
	IrLogOutcome outcome;
} IrLogTallyIntent;

struct _IrLogTally {
	GTimeZone *time_zone;
	GHashTable *intents; /* intent_id → IrLogTallyIntent */
};

const char *
ir_log_tally_outcome_to_string (IrLogOutcome outcome)
{
	return outcome < IR_LOG_N_OUTCOMES ? ir_log_tally_outcome_names[outcome] : NULL;
}

static void
ir_log_tally_intent_free (gpointer data)
{
	IrLogTallyIntent *intent = data;

	g_free (intent->phase);
	g_free (intent->day);
	g_free (intent);
}

static void
ir_log_tally_row_free (gpointer data)
{
	IrLogTallyRow *row = data;

	g_free (row->phase);
	g_free (row->day);
	g_free (row);
}

IrLogTally *
ir_log_tally_new (GTimeZone *time_zone)
{
	IrLogTally *self = g_new0 (IrLogTally, 1);

	self->time_zone = g_time_zone_ref (time_zone);
	self->intents =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, ir_log_tally_intent_free);
	return self;
}

void
ir_log_tally_free (IrLogTally *self)
{
	if (self == NULL)
		return;
	g_time_zone_unref (self->time_zone);
	g_hash_table_unref (self->intents);
	g_free (self);
}

static char *
ir_log_tally_day (IrLogTally *self, const char *time)
{
	gint64 unix_time = ir_log_record_time_to_unix (time);
	g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
	g_autoptr (GDateTime) local = NULL;

	if (utc == NULL)
		return NULL;
	local = g_date_time_to_timezone (utc, self->time_zone);
	return g_date_time_format (local, "%Y-%m-%d");
}

static gboolean
ir_log_tally_add_intent (IrLogTally *self, const IrLogRecord *record, GError **error)
{
	JsonObject *obj = record->object;
	IrLogTallyIntent *intent = NULL;
	char *day = NULL;

	/* an INTENT without a policy version was issued before any rollout
	 * policy was published: it is not a restoration of the rollout */
	if (!json_object_has_member (obj, "policy_version"))
		return TRUE;
	day = ir_log_tally_day (self, record->time);
	if (day == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "record %" G_GUINT64_FORMAT ": time %s is out of range",
			     record->seq,
			     record->time);
		return FALSE;
	}
	intent = g_new0 (IrLogTallyIntent, 1);
	intent->phase = g_strdup (json_object_get_string_member (obj, "phase"));
	intent->day = day;
	intent->outcome = IR_LOG_OUTCOME_NO_RESULT;
	/* a second INTENT with the same id (a token used twice) counts once,
	 * from its latest INTENT: a token is one restoration */
	g_hash_table_replace (
	    self->intents, g_strdup (json_object_get_string_member (obj, "intent_id")), intent);
	return TRUE;
}

static void
ir_log_tally_add_result (IrLogTally *self, const IrLogRecord *record)
{
	JsonObject *obj = record->object;
	IrLogTallyIntent *intent =
	    g_hash_table_lookup (self->intents, json_object_get_string_member (obj, "intent_id"));
	const char *outcome = json_object_get_string_member (obj, "outcome");

	if (intent == NULL)
		return;
	for (guint i = 0; i < IR_LOG_OUTCOME_NO_RESULT; i++) {
		if (g_strcmp0 (outcome, ir_log_tally_outcome_names[i]) == 0)
			intent->outcome = (IrLogOutcome)i;
	}
}

gboolean
ir_log_tally_add (IrLogTally *self, const char *line, gsize len, GError **error)
{
	g_autoptr (IrLogRecord) record = ir_log_record_parse (line, len, error);

	if (record == NULL)
		return FALSE;
	if (record->type == IR_LOG_RECORD_INTENT)
		return ir_log_tally_add_intent (self, record, error);
	if (record->type == IR_LOG_RECORD_RESULT)
		ir_log_tally_add_result (self, record);
	return TRUE;
}

static gint
ir_log_tally_row_compare (gconstpointer a, gconstpointer b)
{
	const IrLogTallyRow *x = *(IrLogTallyRow *const *)a;
	const IrLogTallyRow *y = *(IrLogTallyRow *const *)b;
	int c = g_strcmp0 (x->phase, y->phase);

	return c != 0 ? c : g_strcmp0 (x->day, y->day);
}

GPtrArray *
ir_log_tally_rows (IrLogTally *self)
{
	g_autoptr (GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func (ir_log_tally_row_free);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init (&iter, self->intents);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		const IrLogTallyIntent *intent = value;
		/* length-prefixed: a phase named in a log may hold any
		 * character */
		char *key = g_strdup_printf (
		    "%" G_GSIZE_FORMAT ":%s%s", strlen (intent->phase), intent->phase, intent->day);
		IrLogTallyRow *row = g_hash_table_lookup (rows, key);

		if (row == NULL) {
			row = g_new0 (IrLogTallyRow, 1);
			row->phase = g_strdup (intent->phase);
			row->day = g_strdup (intent->day);
			g_hash_table_insert (rows, key, row);
			g_ptr_array_add (out, row);
		} else {
			g_free (key);
		}
		row->counts[intent->outcome]++;
	}
	g_ptr_array_sort (out, ir_log_tally_row_compare);
	return out;
}

void
ir_log_tally_get (IrLogTally *self,
		  const char *phase,
		  const char *day,
		  guint64 counts[IR_LOG_N_OUTCOMES])
{
	GHashTableIter iter;
	gpointer value;

	memset (counts, 0, sizeof (guint64) * IR_LOG_N_OUTCOMES);
	g_hash_table_iter_init (&iter, self->intents);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		const IrLogTallyIntent *intent = value;

		if (g_strcmp0 (intent->phase, phase) == 0 && g_strcmp0 (intent->day, day) == 0)
			counts[intent->outcome]++;
	}
}
