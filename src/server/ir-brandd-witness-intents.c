/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-witness-intents.h"
#include "ir-log-record.h"
#include "ir-token.h"

/* token_id as the log schema has checked it: lower-case hex of even
 * length. */
static GBytes *
ir_brandd_witness_intents_cti (const char *hex)
{
	gsize len = strlen (hex) / 2;
	guint8 *raw = g_malloc0 (len + 1);

	for (gsize i = 0; i < len; i++)
		raw[i] = (guint8)(g_ascii_xdigit_value (hex[2 * i]) << 4 |
				  g_ascii_xdigit_value (hex[2 * i + 1]));
	return g_bytes_new_take (raw, len);
}

static const char *
ir_brandd_witness_intents_phone (JsonObject *intent, const char *name)
{
	JsonObject *phone = json_object_get_object_member (intent, "phone");

	return phone != NULL ? json_object_get_string_member_with_default (phone, name, NULL)
			     : NULL;
}

/* Both known and different (serials without case, as the registry
 * compares them). */
static gboolean
ir_brandd_witness_intents_differ (const char *logged, const char *issued, gboolean nocase)
{
	if (logged == NULL || issued == NULL)
		return FALSE;
	return nocase ? g_ascii_strcasecmp (logged, issued) != 0 : strcmp (logged, issued) != 0;
}

/* The device part: NULL when the INTENT is for the token's device, else
 * what differs. */
static char *
ir_brandd_witness_intents_device (JsonObject *intent, const IrBranddIssuedToken *token)
{
	JsonArray *target = json_object_get_array_member (intent, "imeis_target");
	char *slots[IR_TOKEN_MAX_SLOTS] = {NULL};
	const char *serial = ir_brandd_witness_intents_phone (intent, "serial");
	const char *hwid = ir_brandd_witness_intents_phone (intent, "hardware_id");
	guint n = target != NULL ? json_array_get_length (target) : 0;
	gboolean same = n <= IR_TOKEN_MAX_SLOTS;

	for (guint i = 0; same && i < n; i++) {
		JsonNode *el = json_array_get_element (target, i);

		slots[i] = JSON_NODE_HOLDS_NULL (el) ? NULL : (char *)json_node_get_string (el);
	}
	if (target == NULL || !same || !ir_brandd_store_read_back_matches (token->imeis, slots)) {
		g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
		g_autofree char *logged = NULL;

		if (target != NULL)
			json_node_set_array (node, target);
		logged = target != NULL ? json_to_string (node, FALSE) : g_strdup ("nothing");
		return g_strdup_printf (
		    "it writes %s, the token was issued to write %s", logged, token->imeis);
	}
	if (ir_brandd_witness_intents_differ (hwid, token->hardware_id, FALSE))
		return g_strdup_printf (
		    "the phone's hardware id is %s, the token was issued for %s",
		    hwid,
		    token->hardware_id);
	if (ir_brandd_witness_intents_differ (serial, token->serial, TRUE))
		return g_strdup_printf (
		    "the phone's serial is %s, the token was issued for %s", serial, token->serial);
	return NULL;
}

/* Sets m->reason and m->detail when the token does not account for the
 * INTENT; leaves them NULL when it does. */
static void
ir_brandd_witness_intents_judge (IrBranddIntentMismatch *m,
				 JsonObject *intent,
				 const IrBranddIssuedToken *token)
{
	g_autofree char *device = NULL;

	if (!token->found) {
		m->reason = "unknown_token";
		m->detail = g_strdup ("this server never issued a token of that id");
		return;
	}
	device = ir_brandd_witness_intents_device (intent, token);
	if (device != NULL) {
		m->reason = "other_device";
		m->detail = g_steal_pointer (&device);
	} else if (token->phase != NULL && g_strcmp0 (token->phase, m->phase) != 0) {
		m->reason = "other_phase";
		m->detail = g_strdup_printf (
		    "it says phase %s, the token was issued in phase %s", m->phase, token->phase);
	} else if ((token->phase != NULL ? token->policy_version : 0) != m->policy_version) {
		g_autofree char *logged =
		    m->policy_version > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, m->policy_version)
					  : g_strdup ("none");

		m->reason = "other_policy_version";
		m->detail =
		    token->phase != NULL
			? g_strdup_printf ("it says policy version %s, the token was issued under "
					   "version %" G_GINT64_FORMAT,
					   logged,
					   token->policy_version)
			: g_strdup_printf ("it says policy version %s, the token was issued "
					   "before any rollout policy",
					   logged);
	}
}

/* *out: the mismatch of INTENT @record (record @seq of @origin), or NULL
 * when its token accounts for it. */
static gboolean
ir_brandd_witness_intents_check (IrBranddStore *store,
				 const char *origin,
				 guint64 seq,
				 const IrLogRecord *record,
				 IrBranddIntentMismatch **out,
				 GError **error)
{
	JsonObject *intent = record->object;
	g_autoptr (GBytes) cti =
	    ir_brandd_witness_intents_cti (json_object_get_string_member (intent, "token_id"));
	g_auto (IrBranddIssuedToken) token = {0};
	IrBranddIntentMismatch *m = NULL;

	*out = NULL;
	if (!ir_brandd_witness_store_issued (store, cti, &token, error))
		return FALSE;
	m = g_new0 (IrBranddIntentMismatch, 1);
	m->phase = g_strdup (json_object_get_string_member (intent, "phase"));
	m->policy_version = json_object_get_int_member_with_default (intent, "policy_version", 0);
	ir_brandd_witness_intents_judge (m, intent, &token);
	if (m->reason == NULL) {
		ir_brandd_witness_store_mismatch_free (m);
		return TRUE;
	}
	m->origin = g_strdup (origin);
	m->seq = seq;
	m->token_id = g_strdup (json_object_get_string_member (intent, "token_id"));
	m->intent_time = ir_log_record_time_to_unix (record->time);
	/* the operator hears of it at once; the report counts it */
	g_message ("witnessed log %s, record %" G_GUINT64_FORMAT ": the INTENT of token %s (%s): "
		   "%s; kept for the brand auditor (imei-brandd report)",
		   origin,
		   seq,
		   m->token_id,
		   m->reason,
		   m->detail);
	*out = m;
	return TRUE;
}

GPtrArray *
ir_brandd_witness_intents_match (
    IrBranddStore *store, const char *origin, guint64 first, GPtrArray *lines, GError **error)
{
	g_autoptr (GPtrArray) mismatches =
	    g_ptr_array_new_with_free_func (ir_brandd_witness_store_mismatch_free);

	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);
		g_autoptr (IrLogRecord) record = NULL;
		g_autoptr (GError) local = NULL;
		IrBranddIntentMismatch *m = NULL;

		/* an INTENT's line holds its type; the others are not parsed */
		if (strstr (line, "\"INTENT\"") == NULL)
			continue;
		/* a line that is no valid record is witnessed as it is; the
		 * report names it when it counts the log */
		record = ir_log_record_parse (line, strlen (line), &local);
		if (record == NULL || record->type != IR_LOG_RECORD_INTENT)
			continue;
		if (!ir_brandd_witness_intents_check (store, origin, first + i, record, &m, error))
			return NULL;
		if (m != NULL)
			g_ptr_array_add (mismatches, m);
	}
	return g_steal_pointer (&mismatches);
}
