/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-policy-cache.h"

struct _IrPolicyCache {
	char *path;
	IrTrustStore *trust;
	IrPolicy *policy;
	char **paused;
	GArray *usage; /* IrPolicyUsage, phase strings in usage_phases */
	GPtrArray *usage_phases;
	char *usage_day;
	GDateTime *fetched;
};

IrPolicyCache *
ir_policy_cache_new (const char *state_dir, IrTrustStore *trust)
{
	IrPolicyCache *self = g_new0 (IrPolicyCache, 1);

	self->path = g_build_filename (state_dir, IR_POLICY_CACHE_FILE, NULL);
	self->trust = ir_trust_store_ref (trust);
	self->paused = g_new0 (char *, 1);
	self->usage = g_array_new (FALSE, TRUE, sizeof (IrPolicyUsage));
	self->usage_phases = g_ptr_array_new_with_free_func (g_free);
	return self;
}

static void
ir_policy_cache_clear (IrPolicyCache *self)
{
	g_clear_pointer (&self->policy, ir_policy_free);
	g_strfreev (self->paused);
	self->paused = g_new0 (char *, 1);
	g_array_set_size (self->usage, 0);
	g_ptr_array_set_size (self->usage_phases, 0);
	g_clear_pointer (&self->usage_day, g_free);
	g_clear_pointer (&self->fetched, g_date_time_unref);
}

void
ir_policy_cache_free (IrPolicyCache *self)
{
	if (self == NULL)
		return;
	ir_policy_cache_clear (self);
	g_strfreev (self->paused);
	g_array_unref (self->usage);
	g_ptr_array_unref (self->usage_phases);
	ir_trust_store_unref (self->trust);
	g_free (self->path);
	g_free (self);
}

/* Verified with whichever pinned policy key signed it. */
static gboolean
ir_policy_cache_verify (IrPolicyCache *self, const IrPolicy *policy, GError **error)
{
	g_auto (GStrv) names = ir_trust_store_get_policy_key_names (self->trust);
	g_autoptr (GError) last = NULL;

	if (names[0] == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the trust store pins no [policy-key NAME]: no rollout policy can be "
			     "verified; install the brand's current trust store (certs/README.md)");
		return FALSE;
	}
	for (guint i = 0; names[i] != NULL; i++) {
		EVP_PKEY *key = ir_trust_store_lookup_policy_key (self->trust, names[i]);

		g_clear_error (&last);
		if (ir_policy_verify (policy, names[i], key, &last))
			return TRUE;
	}
	g_propagate_error (error, g_steal_pointer (&last));
	return FALSE;
}

static const char *
ir_policy_cache_string (JsonObject *obj, const char *name)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
	    json_node_get_value_type (node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (node);
}

static void
ir_policy_cache_take_extras (IrPolicyCache *self, JsonObject *obj)
{
	JsonNode *paused = json_object_get_member (obj, "paused");
	JsonNode *usage = json_object_get_member (obj, "usage");
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

	for (guint i = 0; paused != NULL && JSON_NODE_HOLDS_ARRAY (paused) &&
			  i < json_array_get_length (json_node_get_array (paused));
	     i++) {
		JsonNode *item = json_array_get_element (json_node_get_array (paused), i);
		if (JSON_NODE_HOLDS_VALUE (item) &&
		    json_node_get_value_type (item) == G_TYPE_STRING)
			g_strv_builder_add (builder, json_node_get_string (item));
	}
	g_strfreev (self->paused);
	self->paused = g_strv_builder_end (builder);
	for (guint i = 0; usage != NULL && JSON_NODE_HOLDS_ARRAY (usage) &&
			  i < json_array_get_length (json_node_get_array (usage));
	     i++) {
		JsonNode *item = json_array_get_element (json_node_get_array (usage), i);
		JsonObject *u = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
		const char *phase = u != NULL ? ir_policy_cache_string (u, "phase") : NULL;
		const char *day = u != NULL ? ir_policy_cache_string (u, "day") : NULL;
		IrPolicyUsage entry = {0};

		if (phase == NULL || day == NULL)
			continue;
		g_free (self->usage_day);
		self->usage_day = g_strdup (day);
		g_ptr_array_add (self->usage_phases, g_strdup (phase));
		entry.phase = g_ptr_array_index (self->usage_phases, self->usage_phases->len - 1);
		entry.centre_issued =
		    (guint)json_object_get_int_member_with_default (u, "centre_issued", 0);
		entry.national_issued =
		    (guint)json_object_get_int_member_with_default (u, "national_issued", 0);
		g_array_append_val (self->usage, entry);
	}
}

/* Parses and verifies an answer (the server's, or the cached copy, which
 * has the same members plus "fetched"). */
static IrPolicy *
ir_policy_cache_read_answer (IrPolicyCache *self, JsonObject *obj, GError **error)
{
	const char *note = ir_policy_cache_string (obj, "policy");
	g_autoptr (IrPolicy) policy = NULL;

	if (note == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "the rollout policy answer has no \"policy\" member");
		return NULL;
	}
	policy = ir_policy_parse_note (note, strlen (note), error);
	if (policy == NULL || !ir_policy_cache_verify (self, policy, error))
		return NULL;
	return g_steal_pointer (&policy);
}

gboolean
ir_policy_cache_load (IrPolicyCache *self, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) local = NULL;
	const char *fetched;
	JsonNode *root;
	gsize len = 0;

	ir_policy_cache_clear (self);
	if (!g_file_get_contents (self->path, &text, &len, &local)) {
		if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot read the cached rollout policy: %s",
			     local->message);
		return FALSE;
	}
	if (!json_parser_load_from_data (parser, text, (gssize)len, NULL) ||
	    (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "the cached rollout policy %s is not the JSON this tool writes; "
			     "delete it and fetch the policy again (imeictl policy show)",
			     self->path);
		return FALSE;
	}
	self->policy = ir_policy_cache_read_answer (self, json_node_get_object (root), error);
	if (self->policy == NULL) {
		g_prefix_error (error, "the cached rollout policy %s: ", self->path);
		return FALSE;
	}
	ir_policy_cache_take_extras (self, json_node_get_object (root));
	fetched = ir_policy_cache_string (json_node_get_object (root), "fetched");
	self->fetched = fetched != NULL ? g_date_time_new_from_iso8601 (fetched, NULL) : NULL;
	return TRUE;
}

static gboolean
ir_policy_cache_write (IrPolicyCache *self, JsonObject *answer, GDateTime *now, GError **error)
{
	g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	g_autoptr (JsonObject) copy = json_object_new ();
	g_autofree char *fetched = g_date_time_format_iso8601 (now);
	g_autofree char *text = NULL;
	g_autoptr (GError) local = NULL;
	const char *members[] = {"version", "policy", "paused", "usage"};

	for (guint i = 0; i < G_N_ELEMENTS (members); i++) {
		JsonNode *node = json_object_get_member (answer, members[i]);
		if (node != NULL)
			json_object_set_member (copy, members[i], json_node_copy (node));
	}
	json_object_set_string_member (copy, "fetched", fetched);
	json_node_set_object (root, copy);
	text = json_to_string (root, TRUE);
	/* g_file_set_contents() writes a temporary file and renames it: a
	 * crash leaves the old copy or the new one, never half of one */
	if (!g_file_set_contents (self->path, text, -1, &local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "cannot write the rollout policy cache: %s",
			     local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_policy_cache_update (IrPolicyCache *self, JsonObject *answer, GDateTime *now, GError **error)
{
	g_autoptr (IrPolicy) policy = ir_policy_cache_read_answer (self, answer, error);
	gint64 seen = self->policy != NULL ? self->policy->version : 0;

	if (policy == NULL) {
		g_prefix_error (error, "refused the server's rollout policy: ");
		return FALSE;
	}
	if (!ir_policy_check_fresh (policy, seen, now, error)) {
		g_prefix_error (error, "refused the server's rollout policy: ");
		return FALSE;
	}
	if (self->policy != NULL && policy->version == seen &&
	    g_strcmp0 (policy->note, self->policy->note) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TAMPERED,
			     "refused the server's rollout policy: version %" G_GINT64_FORMAT
			     " differs from the version %" G_GINT64_FORMAT
			     " cached here; a brand never signs two "
			     "policies with one version: tell the brand",
			     policy->version,
			     seen);
		return FALSE;
	}
	if (!ir_policy_cache_write (self, answer, now, error))
		return FALSE;
	ir_policy_cache_clear (self);
	self->policy = g_steal_pointer (&policy);
	ir_policy_cache_take_extras (self, answer);
	self->fetched = g_date_time_ref (now);
	return TRUE;
}

const IrPolicy *
ir_policy_cache_get_policy (const IrPolicyCache *self)
{
	return self->policy;
}

const char *const *
ir_policy_cache_get_paused (const IrPolicyCache *self)
{
	return (const char *const *)self->paused;
}

GDateTime *
ir_policy_cache_get_fetched (const IrPolicyCache *self)
{
	return self->fetched;
}

IrEligibility *
ir_policy_cache_check (const IrPolicyCache *self, const IrPolicyPhone *phone, GDateTime *now)
{
	g_autofree char *today = NULL;
	gboolean usage_today;

	if (self->policy == NULL)
		return NULL;
	today = ir_policy_local_day (self->policy, now);
	/* yesterday's counts say nothing about today's caps */
	usage_today = g_strcmp0 (today, self->usage_day) == 0;
	return ir_eligibility_check (self->policy,
				     phone,
				     ir_policy_cache_get_paused (self),
				     usage_today ? (const IrPolicyUsage *)self->usage->data : NULL,
				     usage_today ? self->usage->len : 0,
				     now);
}
