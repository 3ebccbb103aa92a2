/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>

#include "ir-brandd-rollout.h"
#include "ir-error.h"

struct _IrBranddRollout {
	IrBranddStore *store;
	EVP_PKEY *public_key; /* NULL: the database is trusted as is */
	char *key_name;
	IrPolicy *policy; /* the last version read, parsed */
};

void
ir_brandd_rollout_free (IrBranddRollout *self)
{
	if (self == NULL)
		return;
	EVP_PKEY_free (self->public_key);
	g_free (self->key_name);
	ir_policy_free (self->policy);
	g_free (self);
}

static EVP_PKEY *
ir_brandd_rollout_load_public_key (const char *path, GError **error)
{
	g_autofree char *pem = NULL;
	gsize len = 0;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;

	if (!g_file_get_contents (path, &pem, &len, error)) {
		g_prefix_error (error, "[policy] public-key: ");
		return NULL;
	}
	bio = BIO_new_mem_buf (pem, (int)len);
	key = bio != NULL ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
	BIO_free (bio);
	if (key == NULL || EVP_PKEY_get_base_id (key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free (key);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[policy] public-key %s is not an Ed25519 public key in PEM "
			     "(openssl pkey -in policy.key -pubout)",
			     path);
		return NULL;
	}
	return key;
}

IrBranddRollout *
ir_brandd_rollout_new (const IrBranddConfig *config, IrBranddStore *store, GError **error)
{
	g_autoptr (IrBranddRollout) self = g_new0 (IrBranddRollout, 1);

	self->store = store;
	self->key_name = config->policy_key_name != NULL
			     ? g_strdup (config->policy_key_name)
			     : g_strdup_printf ("%s/policy", config->issuer);
	if (config->policy_public_key != NULL) {
		self->public_key =
		    ir_brandd_rollout_load_public_key (config->policy_public_key, error);
		if (self->public_key == NULL)
			return NULL;
	}
	return g_steal_pointer (&self);
}

gboolean
ir_brandd_rollout_current (IrBranddRollout *self, const IrPolicy **policy, GError **error)
{
	g_autofree char *note = NULL;
	g_autoptr (IrPolicy) parsed = NULL;
	gint64 version = 0;

	*policy = NULL;
	if (!ir_brandd_rollout_store_current (self->store, &version, NULL, error))
		return FALSE;
	if (version == 0)
		return TRUE;
	if (self->policy != NULL && self->policy->version == version) {
		*policy = self->policy;
		return TRUE;
	}
	if (!ir_brandd_rollout_store_current (self->store, &version, &note, error))
		return FALSE;
	parsed = ir_policy_parse_note (note, strlen (note), error);
	if (parsed == NULL ||
	    (self->public_key != NULL &&
	     !ir_policy_verify (parsed, self->key_name, self->public_key, error))) {
		g_prefix_error (
		    error, "the published rollout policy version %" G_GINT64_FORMAT ": ", version);
		return FALSE;
	}
	ir_policy_free (self->policy);
	self->policy = g_steal_pointer (&parsed);
	*policy = self->policy;
	return TRUE;
}

void
ir_brandd_rollout_decision_clear (IrBranddRolloutDecision *decision)
{
	g_clear_pointer (&decision->day, g_free);
	g_clear_pointer (&decision->phase, g_free);
	g_clear_pointer (&decision->circle, g_free);
	g_clear_pointer (&decision->refusal, ir_eligibility_free);
	decision->applies = FALSE;
}

gboolean
ir_brandd_rollout_decide (IrBranddRollout *self,
			  const char *centre,
			  const char *tac,
			  const char *model,
			  GDateTime *now,
			  IrBranddRolloutDecision *decision,
			  GError **error)
{
	const IrPolicy *policy = NULL;
	g_auto (GStrv) paused = NULL;
	IrPolicyPhone phone = {.tac = tac, .model = model, .centre = centre};
	g_autoptr (IrEligibility) elig = NULL;
	const IrPolicyPhase *phase;

	ir_brandd_rollout_decision_clear (decision);
	if (!ir_brandd_rollout_current (self, &policy, error))
		return FALSE;
	if (policy == NULL)
		return TRUE;
	decision->applies = TRUE;
	/* the kill switch is read again inside the token's transaction; this
	 * read only gives the technician the right reason */
	if (!ir_brandd_rollout_store_paused (self->store, &paused, error))
		return FALSE;
	elig = ir_eligibility_check (policy, &phone, (const char *const *)paused, NULL, 0, now);
	if (elig->reason != IR_ELIGIBLE) {
		decision->refusal = g_steal_pointer (&elig);
		return TRUE;
	}
	phase = ir_policy_find_phase (policy, elig->phase);
	decision->phase = g_strdup (phase->id);
	decision->day = g_strdup (elig->day);
	decision->circle = g_strdup (ir_policy_centre_circle (policy, centre));
	decision->claim.phase = decision->phase;
	decision->claim.day = decision->day;
	decision->claim.circle = decision->circle;
	decision->claim.policy_version = policy->version;
	decision->claim.centre_cap = phase->centre_daily_cap;
	decision->claim.national_cap = phase->national_daily_cap;
	return TRUE;
}

IrEligibility *
ir_brandd_rollout_claim_refusal (IrBranddRollout *self,
				 const IrBranddRolloutDecision *decision,
				 const char *centre,
				 GDateTime *now)
{
	const IrPolicyPhase *phase =
	    self->policy != NULL ? ir_policy_find_phase (self->policy, decision->phase) : NULL;
	IrEligibility *elig = NULL;

	if (phase != NULL && (decision->claim.result == IR_BRANDD_CLAIM_CENTRE_CAP ||
			      decision->claim.result == IR_BRANDD_CLAIM_NATIONAL_CAP))
		return ir_eligibility_cap_reached (self->policy,
						   phase,
						   centre,
						   decision->claim.result ==
						       IR_BRANDD_CLAIM_NATIONAL_CAP,
						   now);
	elig = g_new0 (IrEligibility, 1);
	elig->policy_version = decision->claim.policy_version;
	elig->phase = g_strdup (decision->phase);
	elig->day = g_strdup (decision->day);
	if (decision->claim.result == IR_BRANDD_CLAIM_PAUSED) {
		elig->reason = IR_NOT_ELIGIBLE_PAUSED;
		elig->sentence =
		    g_strdup_printf ("phase %s was paused by the brand; no phone can be "
				     "restored in it until it is resumed",
				     decision->phase);
	} else {
		/* a newer policy was published while deciding: decide again */
		elig->reason = IR_NOT_ELIGIBLE_NOT_OPEN;
		elig->sentence = g_strdup ("the rollout policy changed while this request was "
					   "decided; ask again");
	}
	return elig;
}

static JsonNode *
ir_brandd_rollout_usage (IrBranddRollout *self,
			 const IrPolicy *policy,
			 const char *centre,
			 GDateTime *now,
			 GError **error)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autofree char *day = ir_policy_local_day (policy, now);

	json_builder_begin_array (b);
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);
		guint mine = 0;
		guint all = 0;

		if (!ir_brandd_rollout_store_issued (
			self->store, p->id, day, centre, &mine, error) ||
		    !ir_brandd_rollout_store_issued (self->store, p->id, day, NULL, &all, error))
			return NULL;
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "phase");
		json_builder_add_string_value (b, p->id);
		json_builder_set_member_name (b, "day");
		json_builder_add_string_value (b, day);
		json_builder_set_member_name (b, "centre_issued");
		json_builder_add_int_value (b, mine);
		json_builder_set_member_name (b, "national_issued");
		json_builder_add_int_value (b, all);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	return json_builder_get_root (b);
}

gboolean
ir_brandd_rollout_answer (
    IrBranddRollout *self, const char *centre, GDateTime *now, JsonNode **answer, GError **error)
{
	const IrPolicy *policy = NULL;
	g_auto (GStrv) paused = NULL;
	g_autoptr (JsonBuilder) b = json_builder_new ();
	JsonNode *usage = NULL;

	*answer = NULL;
	if (!ir_brandd_rollout_current (self, &policy, error))
		return FALSE;
	if (policy == NULL)
		return TRUE;
	if (!ir_brandd_rollout_store_paused (self->store, &paused, error))
		return FALSE;
	usage = ir_brandd_rollout_usage (self, policy, centre, now, error);
	if (usage == NULL)
		return FALSE;
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "version");
	json_builder_add_int_value (b, policy->version);
	json_builder_set_member_name (b, "policy");
	json_builder_add_string_value (b, policy->note);
	json_builder_set_member_name (b, "paused");
	json_builder_begin_array (b);
	for (guint i = 0; paused[i] != NULL; i++)
		json_builder_add_string_value (b, paused[i]);
	json_builder_end_array (b);
	json_builder_set_member_name (b, "usage");
	json_builder_add_value (b, usage);
	json_builder_end_object (b);
	*answer = json_builder_get_root (b);
	return TRUE;
}
