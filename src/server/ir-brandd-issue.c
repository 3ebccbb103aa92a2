/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <string.h>

#include "ir-brandd-issue.h"
#include "ir-brandd-rollout.h"
#include "ir-error.h"
#include "ir-imei.h"
#include "ir-pem.h"

#define CTI_LEN	     16
#define CTI_TIME_LEN 6

struct _IrBranddIssuer {
	IrBranddStore *store;
	IrBranddRollout *rollout;
	EVP_PKEY *key;
	IrTokenAlg alg;
	char *kid;
	char *iss;
	char *aud;
	char *phase;
	guint lifetime;
	guint default_quota;
	guint64 n_issued; /* tokens answered since the server started */
};

static const struct {
	const char *code;
	guint status;
} refusals[] = {
    [IR_BRANDD_OK] = {"ok", 200},
    [IR_BRANDD_MALFORMED_REQUEST] = {"malformed_request", 400},
    [IR_BRANDD_ROLE_NOT_ALLOWED] = {"role_not_allowed", 403},
    [IR_BRANDD_NO_CENTRE] = {"no_centre", 403},
    [IR_BRANDD_UNKNOWN_DEVICE] = {"unknown_device", 404},
    [IR_BRANDD_DEVICE_MISMATCH] = {"device_mismatch", 409},
    [IR_BRANDD_IMEI_IN_USE] = {"imei_in_use", 409},
    [IR_BRANDD_QUOTA_REACHED] = {"quota_reached", 429},
    [IR_BRANDD_UNKNOWN_TOKEN] = {"unknown_token", 404},
    [IR_BRANDD_NOT_YOUR_TOKEN] = {"not_your_token", 403},
    [IR_BRANDD_ALREADY_REPORTED] = {"already_reported", 409},
    [IR_BRANDD_TOO_LARGE] = {"too_large", 413},
    [IR_BRANDD_NOT_FOUND] = {"not_found", 404},
    [IR_BRANDD_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405},
    [IR_BRANDD_INTERNAL] = {"internal", 500},
    [IR_BRANDD_WITNESS_DISABLED] = {"witness_disabled", 503},
    [IR_BRANDD_WITNESS_SIZE_MISMATCH] = {"witness_size_mismatch", 409},
    [IR_BRANDD_BAD_CHECKPOINT] = {"bad_checkpoint", 400},
    [IR_BRANDD_RECORDS_MISMATCH] = {"records_mismatch", 400},
    [IR_BRANDD_ORIGIN_KEY_MISMATCH] = {"origin_key_mismatch", 409},
    [IR_BRANDD_WRONG_CENTRE] = {"wrong_centre", 403},
    [IR_BRANDD_LOG_FORKED] = {"log_forked", 409},
    [IR_BRANDD_LOG_SHRANK] = {"log_shrank", 409},
    [IR_BRANDD_LOG_MISSING] = {"log_missing", 409},
    [IR_BRANDD_UNKNOWN_WORKSTATION] = {"unknown_workstation", 404},
    [IR_BRANDD_NOT_ELIGIBLE] = {"not_eligible", 403},
    [IR_BRANDD_PHASE_PAUSED] = {"phase_paused", 403},
    [IR_BRANDD_CAP_REACHED] = {"cap_reached", 429},
    [IR_BRANDD_POLICY_EXPIRED] = {"policy_expired", 403},
    [IR_BRANDD_NO_POLICY] = {"no_policy", 404},
    [IR_BRANDD_ORIGIN_NOT_BOUND] = {"origin_not_bound", 409},
    [IR_BRANDD_CERTIFICATE_REVOKED] = {"certificate_revoked", 403},
    [IR_BRANDD_CERTIFICATE_EXPIRED] = {"certificate_expired", 403},
    [IR_BRANDD_TOKEN_LIVE] = {"token_live", 409},
    [IR_BRANDD_READ_BACK_MISMATCH] = {"read_back_mismatch", 409},
    [IR_BRANDD_UNAVAILABLE] = {"unavailable", 503},
    [IR_BRANDD_REQUEST_ID_REUSED] = {"request_id_reused", 409},
};

const char *
ir_brandd_issue_refusal_code (IrBranddRefusal refusal)
{
	return (guint)refusal < G_N_ELEMENTS (refusals) ? refusals[refusal].code : "internal";
}

guint
ir_brandd_issue_refusal_status (IrBranddRefusal refusal)
{
	return (guint)refusal < G_N_ELEMENTS (refusals) ? refusals[refusal].status : 500;
}

void
ir_brandd_issue_answer_clear (IrBranddAnswer *answer)
{
	g_clear_pointer (&answer->message, g_free);
	answer->refusal = IR_BRANDD_OK;
	answer->has_witnessed_size = FALSE;
	answer->witnessed_size = 0;
	answer->live_token_expires = 0;
}

static gboolean
ir_brandd_issue_refuse (IrBranddAnswer *answer, IrBranddRefusal refusal, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
ir_brandd_issue_refuse (IrBranddAnswer *answer, IrBranddRefusal refusal, const char *fmt, ...)
{
	va_list args;

	va_start (args, fmt);
	g_free (answer->message);
	answer->message = g_strdup_vprintf (fmt, args);
	va_end (args);
	answer->refusal = refusal;
	return FALSE;
}

gboolean
ir_brandd_issue_check_technician (const IrBranddPeer *peer, IrBranddAnswer *answer)
{
	if (g_strcmp0 (peer->role, "technician") != 0)
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_ROLE_NOT_ALLOWED,
		    "this needs a technician certificate; %s has role %s",
		    peer->subject != NULL ? peer->subject : "the client certificate",
		    peer->role != NULL ? peer->role : "none");
	if (peer->centre != NULL && strlen (peer->centre) > IR_TOKEN_TEXT_MAX)
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_NO_CENTRE,
		    "the centre id in the client certificate is longer than %d bytes",
		    IR_TOKEN_TEXT_MAX);
	if (peer->centre == NULL)
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_NO_CENTRE,
		    "the client certificate %s names no service centre "
		    "(urn:imeirestore:centre:ID); ask the brand for a new certificate",
		    peer->subject != NULL ? peer->subject : "");
	return TRUE;
}

static const char *
ir_brandd_issue_device_name (const IrBranddTokenRequest *req)
{
	return req->hardware_id != NULL ? req->hardware_id : req->serial;
}

static gboolean
ir_brandd_issue_same_text (const char *registered, const char *asked)
{
	return asked == NULL || (registered != NULL && g_ascii_strcasecmp (registered, asked) == 0);
}

gboolean
ir_brandd_issue_match_device (const IrBranddTokenRequest *req,
			      IrBranddDevice *by_hwid,
			      IrBranddDevice *by_serial,
			      IrBranddDevice **device,
			      IrBranddAnswer *answer)
{
	IrBranddDevice *dev = by_hwid != NULL ? by_hwid : by_serial;

	*device = NULL;
	if (dev == NULL)
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_UNKNOWN_DEVICE,
		    "no device with %s%s%s%s%s is registered; check the phone's "
		    "identity or ask the brand to import it",
		    req->hardware_id != NULL ? "hardware id " : "",
		    req->hardware_id != NULL ? req->hardware_id : "",
		    req->hardware_id != NULL && req->serial != NULL ? " or " : "",
		    req->serial != NULL ? "serial " : "",
		    req->serial != NULL ? req->serial : "");
	/* both identifiers given: they must not name two registered devices,
	 * nor contradict what the registry knows of the device */
	if ((by_hwid != NULL && by_serial != NULL && by_hwid->id != by_serial->id) ||
	    (req->serial != NULL && dev->serial != NULL &&
	     g_strcmp0 (dev->serial, req->serial) != 0) ||
	    (req->hardware_id != NULL && dev->hardware_id != NULL &&
	     g_strcmp0 (dev->hardware_id, req->hardware_id) != 0))
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_DEVICE_MISMATCH,
		    "hardware id %s and serial %s do not belong to the same registered "
		    "device; identify the phone again",
		    req->hardware_id != NULL ? req->hardware_id : "(none)",
		    req->serial != NULL ? req->serial : "(none)");
	if (!ir_brandd_issue_same_text (dev->manufacturer, req->manufacturer) ||
	    !ir_brandd_issue_same_text (dev->model, req->model))
		return ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_DEVICE_MISMATCH,
		    "device %s is registered as %s %s (TAC %s), the phone says %s %s; "
		    "check that this is the right phone",
		    ir_brandd_issue_device_name (req),
		    dev->manufacturer,
		    dev->model,
		    dev->tac,
		    req->manufacturer != NULL ? req->manufacturer : "?",
		    req->model != NULL ? req->model : "?");
	*device = dev;
	return TRUE;
}

gboolean
ir_brandd_issue_check_device_centre (const IrBranddPeer *peer,
				     const IrBranddDevice *device,
				     IrBranddAnswer *answer)
{
	if (device->centre == NULL || g_strcmp0 (device->centre, peer->centre) == 0)
		return TRUE;
	return ir_brandd_issue_refuse (
	    answer,
	    IR_BRANDD_WRONG_CENTRE,
	    "device %s is registered to service centre %s, the certificate is of "
	    "centre %s: it is restored there only",
	    device->serial != NULL ? device->serial : device->hardware_id,
	    device->centre,
	    peer->centre);
}

void
ir_brandd_issuer_free (IrBranddIssuer *self)
{
	if (self == NULL)
		return;
	EVP_PKEY_free (self->key);
	ir_brandd_rollout_free (self->rollout);
	g_free (self->kid);
	g_free (self->iss);
	g_free (self->aud);
	g_free (self->phase);
	g_free (self);
}

IrBranddIssuer *
ir_brandd_issuer_new (const IrBranddConfig *config, IrBranddStore *store, GError **error)
{
	g_autoptr (IrBranddIssuer) self = g_new0 (IrBranddIssuer, 1);

	self->key = ir_pem_load_private_key (config->signing_key, "[tokens] signing-key", error);
	if (self->key == NULL)
		return NULL;
	if (!ir_token_alg_check_key (config->algorithm, self->key, error)) {
		g_prefix_error (error,
				"[tokens] signing-key %s does not fit algorithm=%s: ",
				config->signing_key,
				ir_token_alg_to_string (config->algorithm));
		return NULL;
	}
	self->rollout = ir_brandd_rollout_new (config, store, error);
	if (self->rollout == NULL)
		return NULL;
	self->store = store;
	self->alg = config->algorithm;
	self->kid = g_strdup (config->key_id);
	self->iss = g_strdup (config->issuer);
	self->aud = g_strdup (config->audience);
	self->phase = g_strdup (config->phase);
	self->lifetime = MIN (config->lifetime, IR_TOKEN_MAX_LIFETIME);
	self->default_quota = config->default_quota;
	return g_steal_pointer (&self);
}

static gboolean
ir_brandd_issue_internal (IrBranddAnswer *answer, const GError *error)
{
	return ir_brandd_answer_store_failed (answer, error);
}

static gboolean
ir_brandd_issue_find_device (IrBranddIssuer *self,
			     const IrBranddTokenRequest *req,
			     IrBranddDevice **by_hwid,
			     IrBranddDevice **by_serial,
			     IrBranddAnswer *answer)
{
	g_autoptr (GError) error = NULL;

	if (!ir_brandd_store_find_device (
		self->store, "hardware_id", req->hardware_id, by_hwid, &error))
		return ir_brandd_issue_internal (answer, error);
	/* serial is UNIQUE and compared exactly (as in the lookup's WHERE):
	 * when the hardware id's device has the asked serial, the serial's
	 * lookup can only find that same row, so it is not read twice */
	if (*by_hwid != NULL && req->serial != NULL &&
	    g_strcmp0 ((*by_hwid)->serial, req->serial) == 0)
		return TRUE;
	if (!ir_brandd_store_find_device (self->store, "serial", req->serial, by_serial, &error))
		return ir_brandd_issue_internal (answer, error);
	return TRUE;
}

static gboolean
ir_brandd_issue_check_imeis_free (IrBranddIssuer *self,
				  const IrBranddDevice *dev,
				  IrBranddAnswer *answer)
{
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_autoptr (GError) error = NULL;
		gint64 holder = 0;

		if (dev->imei[i] == NULL)
			continue;
		if (!ir_brandd_store_imei_holder (
			self->store, dev->id, dev->imei[i], &holder, &error))
			return ir_brandd_issue_internal (answer, error);
		if (holder != 0)
			return ir_brandd_issue_refuse (
			    answer,
			    IR_BRANDD_IMEI_IN_USE,
			    "the original IMEI %s (slot %u) of this device is in use by "
			    "another registered device (#%" G_GINT64_FORMAT
			    "); ask the brand to investigate before restoring",
			    dev->imei[i],
			    i + 1,
			    holder);
	}
	return TRUE;
}

static gboolean
ir_brandd_issue_fill_claims (IrBranddIssuer *self,
			     const IrBranddPeer *peer,
			     const IrBranddTokenRequest *req,
			     const IrBranddDevice *dev,
			     const IrBranddRolloutDecision *decision,
			     gint64 now,
			     IrTokenClaims *c,
			     IrBranddAnswer *answer)
{
	guint8 cti[CTI_LEN];
	guint64 ms = (guint64)g_get_real_time () / 1000;

	/* the cti is what makes a token single use: never a weak one. Its
	 * first 6 bytes are the milliseconds since 1970 (big-endian) and
	 * the other 10 random (80 bits), as in a UUIDv7: a new token's key
	 * goes to the right edge of the tokens' and reports' cti indexes,
	 * pages a batch shares and that stay cached, not to a random page of
	 * each (on SQLite ~30 WAL pages per batch of 8 tokens before, and
	 * the day's 500,000th token reading cold pages) */
	for (guint i = 0; i < CTI_TIME_LEN; i++)
		cti[i] = (guint8)(ms >> (8 * (CTI_TIME_LEN - 1 - i)));
	if (RAND_bytes (cti + CTI_TIME_LEN, sizeof cti - CTI_TIME_LEN) != 1) {
		g_autoptr (GError) error =
		    g_error_new_literal (IR_ERROR, IR_ERROR_FAILED, "the random generator failed");
		return ir_brandd_issue_internal (answer, error);
	}
	c->iss = g_strdup (self->iss);
	c->aud = g_strdup (self->aud);
	c->iat = now;
	c->nbf = now;
	c->exp = now + self->lifetime;
	c->cti = g_bytes_new (cti, sizeof cti);
	memcpy (c->cnf, peer->cnf, IR_TOKEN_CNF_LEN);
	/* bound to the identifiers the phone gave, which the tool compares
	 * with the phone in hand */
	c->hardware_id = g_strdup (req->hardware_id);
	c->serial = g_strdup (req->serial);
	c->nonce = req->nonce != NULL ? g_bytes_ref (req->nonce) : NULL;
	c->has_counter = req->has_counter;
	c->counter = req->counter;
	c->has_current = TRUE;
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		c->current_imei[i] = g_strdup (req->current_imei[i]);
		c->imei[i] = g_strdup (dev->imei[i]);
	}
	/* under a policy the token names the phase it was counted in */
	c->phase = g_strdup (decision->applies ? decision->phase : self->phase);
	c->centre = g_strdup (peer->centre);
	/* a phone that needs its SPC before the write gets it from the
	 * registry inside the signed token, never from a guess by the tool */
	c->spc = g_strdup (dev->spc);
	return TRUE;
}

/* by hand, not a printf per byte: this runs for every token and report
 * on the database thread */
static char *
ir_brandd_issue_to_hex (GBytes *bytes)
{
	static const char digits[] = "0123456789abcdef";
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (bytes, &len);
	char *hex = g_new (char, len * 2 + 1);

	for (gsize i = 0; i < len; i++) {
		hex[2 * i] = digits[data[i] >> 4];
		hex[2 * i + 1] = digits[data[i] & 0x0f];
	}
	hex[len * 2] = '\0';
	return hex;
}

static char *
ir_brandd_issue_rfc3339 (gint64 t)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
	return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static JsonNode *
ir_brandd_issue_imeis_array (char *const *imeis)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_array (b);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		if (imeis[i] != NULL)
			json_builder_add_string_value (b, imeis[i]);
		else if (i + 1 < IR_TOKEN_MAX_SLOTS && imeis[i + 1] != NULL)
			json_builder_add_null_value (b);
	}
	json_builder_end_array (b);
	return json_builder_get_root (b);
}

static JsonNode *
ir_brandd_issue_token_answer (const IrTokenClaims *c,
			      GBytes *token,
			      const IrBranddRolloutDecision *decision)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autofree char *b64 = ir_token_to_base64url (token);
	g_autofree char *hex = ir_brandd_issue_to_hex (c->cti);
	g_autofree char *expires = ir_brandd_issue_rfc3339 (c->exp);

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "token");
	json_builder_add_string_value (b, b64);
	json_builder_set_member_name (b, "token_id");
	json_builder_add_string_value (b, hex);
	json_builder_set_member_name (b, "expires");
	json_builder_add_string_value (b, expires);
	json_builder_set_member_name (b, "imeis");
	json_builder_add_value (b, ir_brandd_issue_imeis_array (c->imei));
	json_builder_set_member_name (b, "phase");
	json_builder_add_string_value (b, c->phase);
	json_builder_set_member_name (b, "centre");
	json_builder_add_string_value (b, c->centre);
	if (decision->applies) {
		json_builder_set_member_name (b, "policy_version");
		json_builder_add_int_value (b, decision->claim.policy_version);
	}
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

static gboolean
ir_brandd_issue_refuse_ineligible (IrBranddAnswer *answer, const IrEligibility *elig)
{
	IrBranddRefusal refusal = IR_BRANDD_NOT_ELIGIBLE;

	switch (elig->reason) {
	case IR_NOT_ELIGIBLE_EXPIRED:
		refusal = IR_BRANDD_POLICY_EXPIRED;
		break;
	case IR_NOT_ELIGIBLE_PAUSED:
		refusal = IR_BRANDD_PHASE_PAUSED;
		break;
	case IR_NOT_ELIGIBLE_CENTRE_CAP:
	case IR_NOT_ELIGIBLE_NATIONAL_CAP:
		refusal = IR_BRANDD_CAP_REACHED;
		break;
	default:
		break;
	}
	return ir_brandd_issue_refuse (answer, refusal, "%s", elig->sentence);
}

/* One request of a batch (ir_brandd_issuer_issue_many()) on its way: the
 * device, the rollout decision, the signed token and the row to record. */
typedef struct {
	IrBranddIssueJob *job;
	IrBranddDevice *by_hwid;
	IrBranddDevice *by_serial;
	IrBranddDevice *dev; /* one of the two */
	IrBranddRolloutDecision decision;
	IrTokenClaims claims;
	GBytes *token;
	char *imeis_json;
	JsonNode *answer;  /* the 200 answer, once recorded */
	char *answer_json; /* the same, kept with a request id */
	guint8 request_hash[IR_BRANDD_REQUEST_HASH_LEN];
	IrBranddTokenRecord record;
	gboolean active; /* goes into the next round's transaction */
} IrBranddIssuePending;

static void
ir_brandd_issue_pending_reset (IrBranddIssuePending *p)
{
	ir_brandd_rollout_decision_clear (&p->decision);
	ir_token_claims_clear (&p->claims);
	g_clear_pointer (&p->token, g_bytes_unref);
	g_clear_pointer (&p->imeis_json, g_free);
	g_clear_pointer (&p->answer, json_node_unref);
	g_clear_pointer (&p->answer_json, g_free);
}

/* The answer kept with a request id, for a retry: the same bytes' token,
 * id and expiry as the first answer. */
static void
ir_brandd_issue_replay (IrBranddIssueJob *job, const char *answer_json)
{
	g_autoptr (GError) error = NULL;
	JsonNode *node = json_from_string (answer_json, &error);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
		if (error == NULL)
			g_set_error (&error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "the answer kept for request id %s is not a JSON object",
				     job->req->request_id);
		g_clear_pointer (&node, json_node_unref);
		ir_brandd_answer_store_failed (job->answer, error);
		return;
	}
	job->result = node;
}

static gboolean
ir_brandd_issue_refuse_reused (IrBranddAnswer *answer, const char *request_id)
{
	return ir_brandd_issue_refuse (
	    answer,
	    IR_BRANDD_REQUEST_ID_REUSED,
	    "request_id %s was already used by this certificate for another request "
	    "(another device or other fields); a request_id is for retrying the same "
	    "request only: make a new one for each new request",
	    request_id);
}

/* A retry answered before anything else is checked: the device may be
 * held by its own token by now, the quota used up by it. FALSE when the
 * job is answered (a replay in job->result, or a refusal). The decision
 * that counts is taken again in the transaction that records the token. */
static gboolean
ir_brandd_issue_check_request_id (IrBranddIssuer *self, IrBranddIssuePending *p)
{
	IrBranddIssueJob *job = p->job;
	g_autoptr (GError) error = NULL;
	g_autofree char *kept = NULL;
	IrBranddRequestSeen seen = IR_BRANDD_REQUEST_NEW;

	if (job->req->request_id == NULL)
		return TRUE;
	ir_brandd_request_token_request_hash (job->req, p->request_hash);
	if (!ir_brandd_store_find_request (self->store,
					   job->peer->cnf,
					   job->req->request_id,
					   p->request_hash,
					   &seen,
					   &kept,
					   &error))
		return ir_brandd_issue_internal (job->answer, error);
	switch (seen) {
	case IR_BRANDD_REQUEST_NEW:
		return TRUE;
	case IR_BRANDD_REQUEST_REPLAY:
		ir_brandd_issue_replay (job, kept);
		return FALSE;
	case IR_BRANDD_REQUEST_REUSED:
	default:
		return ir_brandd_issue_refuse_reused (job->answer, job->req->request_id);
	}
}

static void
ir_brandd_issue_pending_clear (IrBranddIssuePending *p)
{
	ir_brandd_issue_pending_reset (p);
	g_clear_pointer (&p->by_hwid, ir_brandd_store_device_free);
	g_clear_pointer (&p->by_serial, ir_brandd_store_device_free);
}

/* What does not change between rounds: who asks, which device, whether
 * its IMEIs are free. */
static gboolean
ir_brandd_issue_check (IrBranddIssuer *self, IrBranddIssuePending *p)
{
	IrBranddIssueJob *job = p->job;

	return ir_brandd_issue_check_technician (job->peer, job->answer) &&
	       ir_brandd_issue_check_request_id (self, p) &&
	       ir_brandd_issue_find_device (
		   self, job->req, &p->by_hwid, &p->by_serial, job->answer) &&
	       ir_brandd_issue_match_device (
		   job->req, p->by_hwid, p->by_serial, &p->dev, job->answer) &&
	       ir_brandd_issue_check_device_centre (job->peer, p->dev, job->answer) &&
	       ir_brandd_issue_check_imeis_free (self, p->dev, job->answer);
}

/* Decides eligibility (from the registry's TAC and model, never from what
 * the request says) and signs the token before it is recorded, so that a
 * token is only counted once it exists; the quota and rollout checks and
 * the insert share the batch's transaction. */
static gboolean
ir_brandd_issue_prepare (IrBranddIssuer *self, IrBranddIssuePending *p)
{
	IrBranddIssueJob *job = p->job;
	g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (job->now);
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonNode) imeis = NULL;

	ir_brandd_issue_pending_reset (p);
	if (!ir_brandd_rollout_decide (self->rollout,
				       job->peer->centre,
				       p->dev->tac,
				       p->dev->model,
				       when,
				       &p->decision,
				       &error))
		return ir_brandd_issue_internal (job->answer, error);
	if (p->decision.refusal != NULL)
		return ir_brandd_issue_refuse_ineligible (job->answer, p->decision.refusal);
	ir_brandd_issue_answer_clear (job->answer);
	if (!ir_brandd_issue_fill_claims (
		self, job->peer, job->req, p->dev, &p->decision, job->now, &p->claims, job->answer))
		return FALSE;
	p->token = ir_token_encode (&p->claims, self->alg, self->kid, self->key, &error);
	if (p->token == NULL)
		return ir_brandd_issue_internal (job->answer, error);
	imeis = ir_brandd_issue_imeis_array (p->claims.imei);
	p->imeis_json = json_to_string (imeis, FALSE);
	p->answer = ir_brandd_issue_token_answer (&p->claims, p->token, &p->decision);
	if (job->req->request_id != NULL)
		p->answer_json = json_to_string (p->answer, FALSE);
	p->record = (IrBranddTokenRecord){
	    .cti = p->claims.cti,
	    .device_id = p->dev->id,
	    .cnf = p->claims.cnf,
	    .centre = p->claims.centre,
	    .issued_at = p->claims.iat,
	    .expires_at = p->claims.exp,
	    .imeis_json = p->imeis_json,
	    .rollout = p->decision.applies ? &p->decision.claim : NULL,
	    .request_id = job->req->request_id,
	    .request_hash = p->request_hash,
	    .answer_json = p->answer_json,
	};
	return TRUE;
}

/* After the batch's commit: the answer for one token; p->active when a
 * newer policy was published in between (decide and sign again). */
static void
ir_brandd_issue_finish (IrBranddIssuer *self,
			IrBranddIssuePending *p,
			const IrBranddTokenResult *res)
{
	IrBranddIssueJob *job = p->job;
	const IrBranddDevice *dev = p->dev;
	g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (job->now);
	g_autoptr (IrEligibility) refusal = NULL;

	p->active = FALSE;
	if (res->error != NULL) {
		ir_brandd_issue_internal (job->answer, res->error);
	} else if (res->request_seen == IR_BRANDD_REQUEST_REPLAY) {
		/* recorded before (another node, or earlier in this batch) */
		ir_brandd_issue_replay (job, res->answer);
	} else if (res->request_seen == IR_BRANDD_REQUEST_REUSED) {
		ir_brandd_issue_refuse_reused (job->answer, job->req->request_id);
	} else if (res->live_until != 0) {
		g_autofree char *until = ir_brandd_issue_rfc3339 (res->live_until);
		job->answer->live_token_expires = res->live_until;
		ir_brandd_issue_refuse (
		    job->answer,
		    IR_BRANDD_TOKEN_LIVE,
		    "device %s already has a live token, until %s: a device has one "
		    "token at a time; report that token's outcome (the technician "
		    "who holds it), or try again after it expires",
		    dev->serial != NULL ? dev->serial : dev->hardware_id,
		    until);
	} else if (res->quota_reached) {
		ir_brandd_issue_refuse (
		    job->answer,
		    IR_BRANDD_QUOTA_REACHED,
		    "centre %s has used its quota of %u tokens for today (UTC); it "
		    "resets at 00:00 UTC",
		    p->claims.centre,
		    res->quota);
	} else if (!res->recorded) {
		/* the rollout claim was refused in the transaction */
		p->active = p->decision.claim.result == IR_BRANDD_CLAIM_POLICY_CHANGED;
		refusal = ir_brandd_rollout_claim_refusal (
		    self->rollout, &p->decision, job->peer->centre, when);
		ir_brandd_issue_refuse_ineligible (job->answer, refusal);
	} else {
		job->result = g_steal_pointer (&p->answer);
		self->n_issued++;
	}
}

/* One round: every active request decided and signed, then recorded in
 * one transaction, then answered. */
static void
ir_brandd_issue_round (IrBranddIssuer *self, IrBranddIssuePending *p, guint n)
{
	g_autoptr (GPtrArray) records = g_ptr_array_new ();
	g_autoptr (GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
	g_autofree IrBranddTokenResult *results = NULL;
	g_autoptr (GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		if (!p[i].active)
			continue;
		p[i].active = ir_brandd_issue_prepare (self, &p[i]);
		if (!p[i].active)
			continue;
		g_ptr_array_add (records, &p[i].record);
		g_array_append_val (which, i);
	}
	if (records->len == 0)
		return;
	results = g_new0 (IrBranddTokenResult, records->len);
	if (!ir_brandd_store_record_tokens (self->store,
					    (const IrBranddTokenRecord *const *)records->pdata,
					    results,
					    records->len,
					    self->default_quota,
					    &error)) {
		for (guint k = 0; k < which->len; k++) {
			IrBranddIssuePending *q = &p[g_array_index (which, guint, k)];
			ir_brandd_issue_internal (q->job->answer, error);
			q->active = FALSE;
		}
	}
	for (guint k = 0; k < which->len; k++) {
		if (error == NULL)
			ir_brandd_issue_finish (
			    self, &p[g_array_index (which, guint, k)], &results[k]);
		g_clear_error (&results[k].error);
		g_clear_pointer (&results[k].answer, g_free);
	}
}

void
ir_brandd_issuer_issue_many (IrBranddIssuer *self, IrBranddIssueJob *const *jobs, guint n)
{
	g_autofree IrBranddIssuePending *p = g_new0 (IrBranddIssuePending, n);

	for (guint i = 0; i < n; i++) {
		p[i].job = jobs[i];
		jobs[i]->result = NULL;
		p[i].active = ir_brandd_issue_check (self, &p[i]);
	}
	/* a second round for the tokens whose policy changed under them */
	for (guint round = 0; round < 2; round++)
		ir_brandd_issue_round (self, p, n);
	for (guint i = 0; i < n; i++)
		ir_brandd_issue_pending_clear (&p[i]);
}

JsonNode *
ir_brandd_issuer_issue (IrBranddIssuer *self,
			const IrBranddPeer *peer,
			const IrBranddTokenRequest *req,
			gint64 now,
			IrBranddAnswer *answer)
{
	IrBranddIssueJob job = {.peer = peer, .req = req, .now = now, .answer = answer};
	IrBranddIssueJob *jobs[] = {&job};

	ir_brandd_issuer_issue_many (self, jobs, 1);
	return job.result;
}

void
ir_brandd_issuer_get_stats (IrBranddIssuer *self, guint64 *issued, guint64 *commits)
{
	*issued = self->n_issued;
	*commits = ir_brandd_db_get_commits (ir_brandd_store_get_db (self->store));
}

IrBranddStore *
ir_brandd_issuer_get_store (IrBranddIssuer *self)
{
	return self->store;
}

JsonNode *
ir_brandd_issuer_policy (IrBranddIssuer *self,
			 const IrBranddPeer *peer,
			 gint64 now,
			 IrBranddAnswer *answer)
{
	g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (now);
	g_autoptr (GError) error = NULL;
	JsonNode *node = NULL;

	if (peer->role == NULL) {
		ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_ROLE_NOT_ALLOWED,
		    "the client certificate has no role; ask the brand for a new certificate");
		return NULL;
	}
	if (!ir_brandd_rollout_answer (self->rollout, peer->centre, when, &node, &error)) {
		ir_brandd_issue_internal (answer, error);
		return NULL;
	}
	if (node == NULL)
		ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_NO_POLICY,
		    "no rollout policy has been published on this server; the brand "
		    "publishes one with imei-brandd policy publish");
	return node;
}

static JsonNode *
ir_brandd_issue_recorded_answer (void)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "status");
	json_builder_add_string_value (b, "recorded");
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

/* The answer to one report, from what its transaction decided. */
static JsonNode *
ir_brandd_issue_report_answer (const IrBranddReportOutcome *out,
			       const char *hex,
			       const char *read_back_json,
			       IrBranddAnswer *answer)
{
	if (out->error != NULL) {
		ir_brandd_issue_internal (answer, out->error);
		return NULL;
	}
	switch (out->result) {
	case IR_BRANDD_REPORT_RECORDED:
		return ir_brandd_issue_recorded_answer ();
	case IR_BRANDD_REPORT_UNKNOWN_TOKEN:
		ir_brandd_issue_refuse (answer,
					IR_BRANDD_UNKNOWN_TOKEN,
					"this server never issued token %s; check the token id",
					hex);
		break;
	case IR_BRANDD_REPORT_NOT_YOUR_TOKEN:
		ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_NOT_YOUR_TOKEN,
		    "token %s was issued to another client certificate; only the technician "
		    "who asked for it may report it",
		    hex);
		break;
	case IR_BRANDD_REPORT_ALREADY_REPORTED:
		ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_ALREADY_REPORTED,
		    "the outcome of token %s was already reported; tokens are single use",
		    hex);
		break;
	case IR_BRANDD_REPORT_MISMATCH:
		ir_brandd_issue_refuse (
		    answer,
		    IR_BRANDD_READ_BACK_MISMATCH,
		    "token %s was issued to write %s, the success report read back %s: not "
		    "recorded as a success (kept for the brand auditor as a mismatch); "
		    "report the outcome as failed with what the phone holds",
		    hex,
		    out->issued_imeis != NULL ? out->issued_imeis : "?",
		    read_back_json != NULL ? read_back_json : "nothing");
		break;
	}
	return NULL;
}

/* One report of a batch on its way: the row to record and what its
 * messages name. */
typedef struct {
	IrBranddReportJob *job;
	char *read_back_json;
	char *hex;
	IrBranddReportRecord record;
	IrBranddReportOutcome outcome;
} IrBranddIssueReportPending;

void
ir_brandd_issuer_report_many (IrBranddIssuer *self, IrBranddReportJob *const *jobs, guint n)
{
	g_autofree IrBranddIssueReportPending *p = g_new0 (IrBranddIssueReportPending, n);
	g_autofree IrBranddReportOutcome *outcomes = NULL;
	g_autoptr (GPtrArray) records = g_ptr_array_new ();
	g_autoptr (GArray) which = g_array_new (FALSE, FALSE, sizeof (guint));
	g_autoptr (GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		IrBranddReportJob *job = jobs[i];
		const IrBranddReport *report = job->report;

		p[i].job = job;
		job->result = NULL;
		if (!ir_brandd_issue_check_technician (job->peer, job->answer))
			continue;
		if (report->has_read_back) {
			g_autoptr (JsonNode) read_back =
			    ir_brandd_issue_imeis_array (report->read_back);
			p[i].read_back_json = json_to_string (read_back, FALSE);
		}
		p[i].hex = ir_brandd_issue_to_hex (report->cti);
		p[i].record = (IrBranddReportRecord){
		    .cti = report->cti,
		    .cnf = job->peer->cnf,
		    .outcome = ir_brandd_request_outcome_to_string (report->outcome),
		    .read_back_json = p[i].read_back_json,
		    .read_back = report->has_read_back ? report->read_back : NULL,
		    .detail = report->detail,
		    .now = job->now,
		};
		g_ptr_array_add (records, &p[i].record);
		g_array_append_val (which, i);
	}
	if (records->len > 0) {
		outcomes = g_new0 (IrBranddReportOutcome, records->len);
		if (!ir_brandd_store_record_reports (
			self->store,
			(const IrBranddReportRecord *const *)records->pdata,
			outcomes,
			records->len,
			&error)) {
			/* nothing of the batch is durable */
			for (guint k = 0; k < which->len; k++)
				ir_brandd_issue_internal (
				    p[g_array_index (which, guint, k)].job->answer, error);
		} else {
			for (guint k = 0; k < which->len; k++) {
				IrBranddIssueReportPending *q = &p[g_array_index (which, guint, k)];

				q->job->result = ir_brandd_issue_report_answer (
				    &outcomes[k], q->hex, q->read_back_json, q->job->answer);
			}
		}
		for (guint k = 0; k < records->len; k++)
			ir_brandd_store_report_outcome_clear (&outcomes[k]);
	}
	for (guint i = 0; i < n; i++) {
		g_free (p[i].read_back_json);
		g_free (p[i].hex);
	}
}

JsonNode *
ir_brandd_issuer_report (IrBranddIssuer *self,
			 const IrBranddPeer *peer,
			 const IrBranddReport *report,
			 gint64 now,
			 IrBranddAnswer *answer)
{
	IrBranddReportJob job = {.peer = peer, .report = report, .now = now, .answer = answer};
	IrBranddReportJob *jobs[] = {&job};

	ir_brandd_issuer_report_many (self, jobs, 1);
	return job.result;
}
