/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ir-error.h"
#include "ir-imei.h"
#include "ir-cbor.h"
#include "ir-token-private.h"
#include "ir-token.h"

#define SIG_LEN IR_TOKEN_SIG_LEN

/* Which claims were present; strings and GBytes use NULL for absent. */
enum {
	HAVE_EXP = 1 << 0,
	HAVE_NBF = 1 << 1,
	HAVE_IAT = 1 << 2,
	HAVE_CNF = 1 << 3,
	HAVE_DEVICE = 1 << 4,
	HAVE_IMEIS = 1 << 5,
};

struct _IrToken {
	gint64 alg;
	char *kid;
	GBytes *protected; /* the bstr contents, as signed */
	GBytes *payload;
	GBytes *signature;
	guint have;
	IrTokenClaims claims;
};

const char *
ir_token_refusal_to_string (IrTokenRefusal refusal)
{
	static const char *const names[] = {
	    [IR_TOKEN_OK] = "ok",
	    [IR_TOKEN_REFUSED_MALFORMED] = "malformed",
	    [IR_TOKEN_REFUSED_TOO_LARGE] = "too-large",
	    [IR_TOKEN_REFUSED_CRITICAL_HEADER] = "critical-header",
	    [IR_TOKEN_REFUSED_UNKNOWN_KID] = "unknown-kid",
	    [IR_TOKEN_REFUSED_ALGORITHM] = "algorithm",
	    [IR_TOKEN_REFUSED_SIGNATURE] = "signature",
	    [IR_TOKEN_REFUSED_MISSING_CLAIM] = "missing-claim",
	    [IR_TOKEN_REFUSED_ISSUER] = "issuer",
	    [IR_TOKEN_REFUSED_AUDIENCE] = "audience",
	    [IR_TOKEN_REFUSED_EXPIRED] = "expired",
	    [IR_TOKEN_REFUSED_NOT_YET_VALID] = "not-yet-valid",
	    [IR_TOKEN_REFUSED_ISSUED_IN_FUTURE] = "issued-in-future",
	    [IR_TOKEN_REFUSED_LIFETIME] = "lifetime",
	    [IR_TOKEN_REFUSED_CNF] = "client-certificate",
	    [IR_TOKEN_REFUSED_DEVICE] = "device",
	    [IR_TOKEN_REFUSED_NONCE] = "nonce",
	    [IR_TOKEN_REFUSED_COUNTER] = "counter",
	    [IR_TOKEN_REFUSED_CURRENT_IMEI] = "current-imei",
	    [IR_TOKEN_REFUSED_IMEI] = "imei",
	    [IR_TOKEN_REFUSED_CENTRE] = "centre",
	    [IR_TOKEN_REFUSED_REPLAYED] = "replayed",
	    [IR_TOKEN_REFUSED_STORE] = "store",
	};
	if ((guint)refusal >= G_N_ELEMENTS (names))
		return "unknown";
	return names[refusal];
}

void
ir_token_claims_clear (IrTokenClaims *claims)
{
	g_free (claims->iss);
	g_free (claims->aud);
	g_clear_pointer (&claims->cti, g_bytes_unref);
	g_free (claims->hardware_id);
	g_free (claims->serial);
	g_clear_pointer (&claims->nonce, g_bytes_unref);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_free (claims->current_imei[i]);
		g_free (claims->imei[i]);
	}
	g_free (claims->phase);
	g_free (claims->centre);
	if (claims->spc != NULL)
		OPENSSL_cleanse (claims->spc, strlen (claims->spc));
	g_free (claims->spc);
	memset (claims, 0, sizeof (*claims));
}

void
ir_token_free (IrToken *token)
{
	g_free (token->kid);
	g_clear_pointer (&token->protected, g_bytes_unref);
	g_clear_pointer (&token->payload, g_bytes_unref);
	g_clear_pointer (&token->signature, g_bytes_unref);
	ir_token_claims_clear (&token->claims);
	g_free (token);
}

const IrTokenClaims *
ir_token_get_claims (const IrToken *token)
{
	return &token->claims;
}

const char *
ir_token_get_kid (const IrToken *token)
{
	return token->kid;
}

IrTokenAlg
ir_token_get_alg (const IrToken *token)
{
	return (IrTokenAlg)token->alg;
}

/* Every refusal goes through here: the enum for code, the message for people. */
G_GNUC_PRINTF (4, 5)
static gboolean
ir_token_refuse (
    IrTokenRefusal *refusal, GError **error, IrTokenRefusal reason, const char *fmt, ...)
{
	va_list args;
	g_autofree char *raw = NULL;
	g_autofree char *msg = NULL;
	int code = reason == IR_TOKEN_REFUSED_MALFORMED || reason == IR_TOKEN_REFUSED_TOO_LARGE
		       ? IR_ERROR_PROTOCOL
		       : IR_ERROR_TOKEN_REFUSED;

	va_start (args, fmt);
	raw = g_strdup_vprintf (fmt, args);
	va_end (args);
	/* messages quote the token and the phone: keep them printable */
	msg = g_utf8_make_valid (raw, -1);
	for (char *p = msg; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	if (refusal != NULL)
		*refusal = reason;
	g_set_error (error,
		     IR_ERROR,
		     code,
		     "restore token refused (%s): %s",
		     ir_token_refusal_to_string (reason),
		     msg);
	return FALSE;
}

/* A strict-CBOR error from ir-cbor becomes a MALFORMED refusal. */
static gboolean
ir_token_refuse_cbor (IrTokenRefusal *refusal, GError **error, GError *cause)
{
	return ir_token_refuse (refusal, error, IR_TOKEN_REFUSED_MALFORMED, "%s", cause->message);
}

/* ---- decoding: structure and types only ---- */

typedef struct {
	IrCborReader r;
	IrTokenRefusal *refusal;
	GError **error;
} Dec;

static gboolean
dec_head (Dec *d, IrCborType type, IrCborHead *head, const char *what)
{
	g_autoptr (GError) cause = NULL;

	if (!ir_cbor_reader_read_head (&d->r, head, &cause))
		return ir_token_refuse_cbor (d->refusal, d->error, cause);
	if (head->type != type)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"%s is a %s, not a %s",
					what,
					ir_cbor_type_to_string (head->type),
					ir_cbor_type_to_string (type));
	return TRUE;
}

static gboolean
dec_int (Dec *d, gint64 *value, const char *what)
{
	g_autoptr (GError) cause = NULL;

	if (!ir_cbor_reader_read_int (&d->r, value, &cause))
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"%s: %s",
					what,
					cause->message);
	return TRUE;
}

static gboolean
dec_uint (Dec *d, gint64 *value, const char *what)
{
	if (!dec_int (d, value, what))
		return FALSE;
	if (*value < 0)
		return ir_token_refuse (
		    d->refusal, d->error, IR_TOKEN_REFUSED_MALFORMED, "%s is negative", what);
	return TRUE;
}

static gboolean
dec_text (Dec *d, char **out, gsize min, gsize max, const char *what)
{
	IrCborHead head;

	if (!dec_head (d, IR_CBOR_TEXT, &head, what))
		return FALSE;
	if (head.value < min || head.value > max)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"%s is %" G_GUINT64_FORMAT " bytes, not %" G_GSIZE_FORMAT
					" to %" G_GSIZE_FORMAT,
					what,
					head.value,
					min,
					max);
	*out = g_strndup ((const char *)head.data, head.value);
	return TRUE;
}

static gboolean
dec_bytes (Dec *d, GBytes **out, gsize min, gsize max, const char *what)
{
	IrCborHead head;

	if (!dec_head (d, IR_CBOR_BYTES, &head, what))
		return FALSE;
	if (head.value < min || head.value > max)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"%s is %" G_GUINT64_FORMAT " bytes, not %" G_GSIZE_FORMAT
					" to %" G_GSIZE_FORMAT,
					what,
					head.value,
					min,
					max);
	*out = g_bytes_new (head.data, head.value);
	return TRUE;
}

static gboolean
dec_map (Dec *d, guint64 *n, guint64 min, guint64 max, const char *what)
{
	IrCborHead head;

	if (!dec_head (d, IR_CBOR_MAP, &head, what))
		return FALSE;
	if (head.value < min || head.value > max)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"%s has %" G_GUINT64_FORMAT
					" entries, not %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
					what,
					head.value,
					min,
					max);
	*n = head.value;
	return TRUE;
}

/* Starts a reader on a nested bstr (protected header, payload) after
 * checking that its contents are strict CBOR too. */
static gboolean
dec_nested (Dec *d, GBytes *bytes, const char *what)
{
	g_autoptr (GError) cause = NULL;
	gsize len = 0;
	const guint8 *buf = g_bytes_get_data (bytes, &len);

	if (!ir_cbor_validate (buf, len, what, &cause))
		return ir_token_refuse_cbor (d->refusal, d->error, cause);
	ir_cbor_reader_init (&d->r, buf, len, what);
	return TRUE;
}

/* map slot → text, slots 0..IR_TOKEN_MAX_SLOTS-1 (keys are sorted and unique). */
static gboolean
dec_slot_map (Dec *d, char **slots, gsize min_len, const char *what)
{
	guint64 n = 0;

	if (!dec_map (d, &n, 1, IR_TOKEN_MAX_SLOTS, what))
		return FALSE;
	for (guint64 i = 0; i < n; i++) {
		gint64 slot = 0;
		if (!dec_uint (d, &slot, what))
			return FALSE;
		if (slot >= IR_TOKEN_MAX_SLOTS)
			return ir_token_refuse (d->refusal,
						d->error,
						IR_TOKEN_REFUSED_MALFORMED,
						"%s names slot %" G_GINT64_FORMAT
						", phones have slots 0 to %d",
						what,
						slot,
						IR_TOKEN_MAX_SLOTS - 1);
		if (!dec_text (d, &slots[slot], min_len, IR_TOKEN_TEXT_MAX, what))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_token_kid_is_printable (GBytes *kid)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (kid, &len);

	for (gsize i = 0; i < len; i++) {
		if (data[i] <= 0x20 || data[i] >= 0x7f)
			return FALSE;
	}
	return TRUE;
}

static gboolean
dec_protected (Dec *d, IrToken *token)
{
	guint64 n = 0;
	gboolean have_alg = FALSE;

	if (!dec_nested (d, token->protected, "protected header"))
		return FALSE;
	if (!dec_map (d, &n, 1, 4, "protected header"))
		return FALSE;
	for (guint64 i = 0; i < n; i++) {
		gint64 label = 0;
		g_autoptr (GBytes) kid = NULL;
		if (!dec_int (d, &label, "protected header label"))
			return FALSE;
		if (label == IR_COSE_HDR_ALG) {
			if (!dec_int (d, &token->alg, "protected header alg (1)"))
				return FALSE;
			have_alg = TRUE;
		} else if (label == IR_COSE_HDR_KID) {
			if (!dec_bytes (d, &kid, 1, 64, "protected header kid (4)"))
				return FALSE;
			if (!ir_token_kid_is_printable (kid))
				return ir_token_refuse (
				    d->refusal,
				    d->error,
				    IR_TOKEN_REFUSED_MALFORMED,
				    "protected header kid (4) is not printable ASCII");
			token->kid =
			    g_strndup (g_bytes_get_data (kid, NULL), g_bytes_get_size (kid));
		} else {
			return ir_token_refuse (d->refusal,
						d->error,
						IR_TOKEN_REFUSED_CRITICAL_HEADER,
						"protected header %s%" G_GINT64_FORMAT
						" is not understood; only alg (1) and kid (4) are",
						label == IR_COSE_HDR_CRIT ? "crit " : "",
						label);
		}
	}
	if (!have_alg || token->kid == NULL)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"the protected header needs both alg (1) and kid (4)");
	return TRUE;
}

static gboolean
dec_cnf (Dec *d, IrToken *token)
{
	guint64 n = 0;
	gint64 method = 0;
	g_autoptr (GBytes) hash = NULL;

	if (!dec_map (d, &n, 1, 1, "claim cnf (8)") || !dec_int (d, &method, "claim cnf (8)"))
		return FALSE;
	if (method != IR_TOKEN_CNF_SPKI_S256)
		return ir_token_refuse (
		    d->refusal,
		    d->error,
		    IR_TOKEN_REFUSED_MALFORMED,
		    "claim cnf (8) uses confirmation method %" G_GINT64_FORMAT
		    ", only %d (SHA-256 of the client certificate's key) is supported",
		    method,
		    IR_TOKEN_CNF_SPKI_S256);
	if (!dec_bytes (d, &hash, IR_TOKEN_CNF_LEN, IR_TOKEN_CNF_LEN, "claim cnf (8)"))
		return FALSE;
	memcpy (token->claims.cnf, g_bytes_get_data (hash, NULL), IR_TOKEN_CNF_LEN);
	token->have |= HAVE_CNF;
	return TRUE;
}

static gboolean
dec_device (Dec *d, IrTokenClaims *c)
{
	const char *what = "claim device (-65537)";
	guint64 n = 0;

	if (!dec_map (d, &n, 1, 5, what))
		return FALSE;
	for (guint64 i = 0; i < n; i++) {
		gint64 key = 0, counter = 0;
		gboolean ok;
		if (!dec_int (d, &key, what))
			return FALSE;
		switch (key) {
		case IR_TOKEN_DEV_HWID:
			ok = dec_text (d, &c->hardware_id, 1, IR_TOKEN_TEXT_MAX, what);
			break;
		case IR_TOKEN_DEV_SERIAL:
			ok = dec_text (d, &c->serial, 1, IR_TOKEN_TEXT_MAX, what);
			break;
		case IR_TOKEN_DEV_NONCE:
			ok = dec_bytes (d, &c->nonce, IR_TOKEN_NONCE_MIN, IR_TOKEN_NONCE_MAX, what);
			break;
		case IR_TOKEN_DEV_COUNTER:
			ok = dec_uint (d, &counter, what);
			c->counter = (guint64)counter;
			c->has_counter = TRUE;
			break;
		case IR_TOKEN_DEV_CURRENT:
			ok = dec_slot_map (d, c->current_imei, 0, what);
			c->has_current = TRUE;
			break;
		default:
			return ir_token_refuse (d->refusal,
						d->error,
						IR_TOKEN_REFUSED_MALFORMED,
						"%s has an unknown key %" G_GINT64_FORMAT,
						what,
						key);
		}
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* Six decimal digits, nothing else: what a phone's SPC unlock takes. */
static gboolean
dec_spc (Dec *d, char **out)
{
	if (!dec_text (d, out, IR_TOKEN_SPC_LEN, IR_TOKEN_SPC_LEN, "claim spc (-65541)"))
		return FALSE;
	if (strspn (*out, "0123456789") == IR_TOKEN_SPC_LEN)
		return TRUE;
	return ir_token_refuse (d->refusal,
				d->error,
				IR_TOKEN_REFUSED_MALFORMED,
				"claim spc (-65541) is not 6 decimal digits");
}

static gboolean
dec_claim (Dec *d, IrToken *token, gint64 label)
{
	IrTokenClaims *c = &token->claims;

	switch (label) {
	case IR_TOKEN_CLAIM_ISS:
		return dec_text (d, &c->iss, 1, IR_TOKEN_TEXT_MAX, "claim iss (1)");
	case IR_TOKEN_CLAIM_AUD:
		return dec_text (d, &c->aud, 1, IR_TOKEN_TEXT_MAX, "claim aud (3)");
	case IR_TOKEN_CLAIM_EXP:
		token->have |= HAVE_EXP;
		return dec_uint (d, &c->exp, "claim exp (4)");
	case IR_TOKEN_CLAIM_NBF:
		token->have |= HAVE_NBF;
		return dec_uint (d, &c->nbf, "claim nbf (5)");
	case IR_TOKEN_CLAIM_IAT:
		token->have |= HAVE_IAT;
		return dec_uint (d, &c->iat, "claim iat (6)");
	case IR_TOKEN_CLAIM_CTI:
		return dec_bytes (d, &c->cti, IR_TOKEN_CTI_MIN, IR_TOKEN_CTI_MAX, "claim cti (7)");
	case IR_TOKEN_CLAIM_CNF:
		return dec_cnf (d, token);
	case IR_TOKEN_CLAIM_DEVICE:
		token->have |= HAVE_DEVICE;
		return dec_device (d, c);
	case IR_TOKEN_CLAIM_IMEIS:
		token->have |= HAVE_IMEIS;
		return dec_slot_map (d, c->imei, 1, "claim imeis (-65538)");
	case IR_TOKEN_CLAIM_PHASE:
		return dec_text (d, &c->phase, 1, IR_TOKEN_TEXT_MAX, "claim phase (-65539)");
	case IR_TOKEN_CLAIM_CENTRE:
		return dec_text (d, &c->centre, 1, IR_TOKEN_TEXT_MAX, "claim centre (-65540)");
	case IR_TOKEN_CLAIM_SPC:
		return dec_spc (d, &c->spc);
	default:
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"claim %" G_GINT64_FORMAT
					" is not part of secure-restore-v1",
					label);
	}
}

static gboolean
dec_payload (Dec *d, IrToken *token)
{
	guint64 n = 0;

	if (!dec_nested (d, token->payload, "claims"))
		return FALSE;
	if (!dec_map (d, &n, 1, 16, "claims"))
		return FALSE;
	for (guint64 i = 0; i < n; i++) {
		gint64 label = 0;
		if (!dec_int (d, &label, "claim label") || !dec_claim (d, token, label))
			return FALSE;
	}
	return TRUE;
}

/* COSE_Sign1 = #6.18([protected: bstr, unprotected: {}, payload: bstr, signature: bstr]) */
static gboolean
dec_envelope (Dec *d, IrToken *token)
{
	IrCborHead head;
	guint64 n = 0;

	if (!dec_head (d, IR_CBOR_TAG, &head, "restore token (a tagged COSE_Sign1)"))
		return FALSE;
	if (head.value != IR_COSE_TAG_SIGN1)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"tag %" G_GUINT64_FORMAT " is not COSE_Sign1 (18)",
					head.value);
	if (!dec_head (d, IR_CBOR_ARRAY, &head, "COSE_Sign1"))
		return FALSE;
	if (head.value != 4)
		return ir_token_refuse (d->refusal,
					d->error,
					IR_TOKEN_REFUSED_MALFORMED,
					"COSE_Sign1 is not an array of 4");
	if (!dec_bytes (d, &token->protected, 1, IR_TOKEN_MAX_SIZE, "protected header"))
		return FALSE;
	if (!dec_map (d, &n, 0, 0, "unprotected header (alg and kid belong in the protected one)"))
		return FALSE;
	if (!dec_bytes (d, &token->payload, 1, IR_TOKEN_MAX_SIZE, "payload"))
		return FALSE;
	return dec_bytes (d, &token->signature, SIG_LEN, SIG_LEN, "signature");
}

IrToken *
ir_token_decode (const guint8 *data, gsize len, IrTokenRefusal *refusal, GError **error)
{
	g_autoptr (IrToken) token = g_new0 (IrToken, 1);
	g_autoptr (GError) cause = NULL;
	Dec d = {.refusal = refusal, .error = error};

	if (refusal != NULL)
		*refusal = IR_TOKEN_OK;
	if (len > IR_TOKEN_MAX_SIZE) {
		ir_token_refuse (refusal,
				 error,
				 IR_TOKEN_REFUSED_TOO_LARGE,
				 "%" G_GSIZE_FORMAT " bytes, at most %d are accepted",
				 len,
				 IR_TOKEN_MAX_SIZE);
		return NULL;
	}
	if (!ir_cbor_validate (data, len, "restore token", &cause)) {
		ir_token_refuse_cbor (refusal, error, cause);
		return NULL;
	}
	ir_cbor_reader_init (&d.r, data, len, "restore token");
	if (!dec_envelope (&d, token) || !dec_protected (&d, token) || !dec_payload (&d, token))
		return NULL;
	return g_steal_pointer (&token);
}

/* ---- verification ---- */

static gboolean
ir_token_verify_pinned_signature (const IrToken *token,
				  const IrTrustStore *trust,
				  IrTokenRefusal *refusal,
				  GError **error)
{
	IrTokenAlg pinned = 0;
	EVP_PKEY *key = ir_trust_store_lookup_key (trust, token->kid, &pinned);

	if (key == NULL)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_UNKNOWN_KID,
		    "signed with key id '%s', which the trust store does not pin; "
		    "update the trust store or ask the brand which key it uses",
		    token->kid);
	if (token->alg != (gint64)pinned)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_ALGORITHM,
					"header alg (1) is %" G_GINT64_FORMAT
					" but key '%s' is pinned to %s (%d)",
					token->alg,
					token->kid,
					ir_token_alg_to_string (pinned),
					(int)pinned);
	if (!ir_token_cose_verify (pinned, key, token->protected, token->payload, token->signature))
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_SIGNATURE,
		    "the %s signature by key '%s' does not verify: the token was altered "
		    "or not issued by the brand",
		    ir_token_alg_to_string (pinned),
		    token->kid);
	return TRUE;
}

static gboolean
ir_token_verify_present (const IrToken *token, IrTokenRefusal *refusal, GError **error)
{
	const IrTokenClaims *c = &token->claims;
	const struct {
		gboolean ok;
		const char *name;
	} required[] = {
	    {c->iss != NULL, "iss (1)"},
	    {c->aud != NULL, "aud (3)"},
	    {(token->have & HAVE_EXP) != 0, "exp (4)"},
	    {(token->have & HAVE_NBF) != 0, "nbf (5)"},
	    {(token->have & HAVE_IAT) != 0, "iat (6)"},
	    {c->cti != NULL, "cti (7)"},
	    {(token->have & HAVE_CNF) != 0, "cnf (8)"},
	    {(token->have & HAVE_DEVICE) != 0, "device (-65537)"},
	    {c->hardware_id != NULL || c->serial != NULL,
	     "device (-65537) hardware id (1) or serial (2)"},
	    {(token->have & HAVE_IMEIS) != 0, "imeis (-65538)"},
	    {c->phase != NULL, "phase (-65539)"},
	    {c->centre != NULL, "centre (-65540)"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (required); i++) {
		if (!required[i].ok)
			return ir_token_refuse (refusal,
						error,
						IR_TOKEN_REFUSED_MISSING_CLAIM,
						"claim %s is missing",
						required[i].name);
	}
	return TRUE;
}

static gboolean
ir_token_verify_times (const IrTokenClaims *c,
		       const IrTokenExpect *expect,
		       IrTokenRefusal *refusal,
		       GError **error)
{
	gint64 now = expect->now != 0 ? expect->now : g_get_real_time () / G_USEC_PER_SEC;
	gint64 skew = expect->skew;

	if (c->exp <= c->iat || c->exp - c->iat > IR_TOKEN_MAX_LIFETIME)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_LIFETIME,
					"claims exp (4) - iat (6) = %" G_GINT64_FORMAT
					" s, a token lives 1 to %d s",
					c->exp - c->iat,
					IR_TOKEN_MAX_LIFETIME);
	if (now - skew >= c->exp)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_EXPIRED,
		    "claim exp (4): expired %" G_GINT64_FORMAT
		    " s ago; request a new token (and check this computer's clock)",
		    now - c->exp);
	if (c->nbf > now + skew)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_NOT_YET_VALID,
					"claim nbf (5): not valid for another %" G_GINT64_FORMAT
					" s; check this computer's clock",
					c->nbf - now);
	if (c->iat > now + skew)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_ISSUED_IN_FUTURE,
					"claim iat (6): issued %" G_GINT64_FORMAT
					" s in the future; check this computer's clock",
					c->iat - now);
	return TRUE;
}

static gboolean
ir_token_verify_device (const IrTokenClaims *c,
			const IrTokenExpect *e,
			IrTokenRefusal *refusal,
			GError **error)
{
	gsize nonce_len = 0;
	const guint8 *nonce = c->nonce != NULL ? g_bytes_get_data (c->nonce, &nonce_len) : NULL;

	if (c->hardware_id != NULL && g_strcmp0 (c->hardware_id, e->hardware_id) != 0)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_DEVICE,
		    "claim device (-65537): issued for hardware id %s, the phone reports %s",
		    c->hardware_id,
		    e->hardware_id != NULL ? e->hardware_id : "none");
	if (c->serial != NULL && g_strcmp0 (c->serial, e->serial) != 0)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_DEVICE,
		    "claim device (-65537): issued for serial %s, the phone reports %s",
		    c->serial,
		    e->serial != NULL ? e->serial : "none");
	if ((nonce == NULL) != (e->nonce == NULL) ||
	    (nonce != NULL &&
	     (nonce_len != e->nonce_len || CRYPTO_memcmp (nonce, e->nonce, nonce_len) != 0)))
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_NONCE,
		    "claim device (-65537) nonce (3) is not the phone's current challenge; "
		    "ask the phone for a new challenge and request a new token");
	if (c->has_counter != e->has_counter || c->counter != e->counter)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_COUNTER,
		    "claim device (-65537) counter (4) is not the phone's current counter");
	for (guint i = 0; c->has_current && i < IR_TOKEN_MAX_SLOTS; i++) {
		if (g_strcmp0 (c->current_imei[i], e->current_imei[i]) != 0)
			return ir_token_refuse (
			    refusal,
			    error,
			    IR_TOKEN_REFUSED_CURRENT_IMEI,
			    "claim device (-65537): slot %u held %s when the token was "
			    "requested and holds %s now; identify the phone again",
			    i,
			    c->current_imei[i] != NULL ? c->current_imei[i] : "nothing",
			    e->current_imei[i] != NULL ? e->current_imei[i] : "nothing");
	}
	return TRUE;
}

static gboolean
ir_token_verify_imeis (const IrTokenClaims *c, IrTokenRefusal *refusal, GError **error)
{
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_autoptr (GError) why = NULL;
		if (c->imei[i] == NULL)
			continue;
		if (!ir_imei_validate (c->imei[i], &why))
			return ir_token_refuse (refusal,
						error,
						IR_TOKEN_REFUSED_IMEI,
						"claim imeis (-65538) slot %u: %s",
						i,
						why->message);
		if (ir_imei_classify (c->imei[i]) != IR_IMEI_STATUS_VALID)
			return ir_token_refuse (
			    refusal,
			    error,
			    IR_TOKEN_REFUSED_IMEI,
			    "claim imeis (-65538) slot %u: %s is a factory default, "
			    "not an original IMEI",
			    i,
			    c->imei[i]);
	}
	return TRUE;
}

gboolean
ir_token_verify (const IrToken *token,
		 const IrTrustStore *trust,
		 const IrTokenExpect *expect,
		 IrTokenRefusal *refusal,
		 GError **error)
{
	const IrTokenClaims *c = &token->claims;

	if (refusal != NULL)
		*refusal = IR_TOKEN_OK;
	if (!ir_token_verify_pinned_signature (token, trust, refusal, error) ||
	    !ir_token_verify_present (token, refusal, error))
		return FALSE;
	if (g_strcmp0 (c->iss, ir_trust_store_get_issuer (trust)) != 0)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_ISSUER,
					"claim iss (1) is '%s', the trust store expects '%s'",
					c->iss,
					ir_trust_store_get_issuer (trust));
	if (g_strcmp0 (c->aud, ir_trust_store_get_audience (trust)) != 0)
		return ir_token_refuse (refusal,
					error,
					IR_TOKEN_REFUSED_AUDIENCE,
					"claim aud (3) is '%s', the trust store expects '%s'",
					c->aud,
					ir_trust_store_get_audience (trust));
	if (!ir_token_verify_times (c, expect, refusal, error))
		return FALSE;
	if (expect->client_spki_sha256 != NULL &&
	    CRYPTO_memcmp (c->cnf, expect->client_spki_sha256, IR_TOKEN_CNF_LEN) != 0)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_CNF,
		    "claim cnf (8): issued to another client certificate than the "
		    "one in use");
	if (!ir_token_verify_device (c, expect, refusal, error) ||
	    !ir_token_verify_imeis (c, refusal, error))
		return FALSE;
	if (expect->centre != NULL && g_strcmp0 (c->centre, expect->centre) != 0)
		return ir_token_refuse (
		    refusal,
		    error,
		    IR_TOKEN_REFUSED_CENTRE,
		    "claim centre (-65540) is '%s', this technician works for '%s'",
		    c->centre,
		    expect->centre);
	return TRUE;
}

IrToken *
ir_token_verify_bytes_unsynced (const guint8 *data,
				gsize len,
				const IrTrustStore *trust,
				const IrTokenExpect *expect,
				IrTokenSeen *seen,
				IrTokenSeenSync **sync,
				IrTokenRefusal *refusal,
				GError **error)
{
	g_autoptr (IrToken) token = ir_token_decode (data, len, refusal, error);
	g_autoptr (GError) store_error = NULL;
	gboolean replayed = FALSE;
	gsize cti_len = 0;
	const guint8 *cti;

	*sync = NULL;
	if (token == NULL || !ir_token_verify (token, trust, expect, refusal, error))
		return NULL;
	if (seen == NULL)
		return g_steal_pointer (&token);
	cti = g_bytes_get_data (token->claims.cti, &cti_len);
	if (!ir_token_seen_add_unsynced (
		seen, cti, cti_len, token->claims.exp, &replayed, sync, &store_error)) {
		if (replayed) {
			ir_token_refuse (refusal,
					 error,
					 IR_TOKEN_REFUSED_REPLAYED,
					 "claim cti (7): %s",
					 store_error->message);
			return NULL;
		}
		if (refusal != NULL)
			*refusal = IR_TOKEN_REFUSED_STORE;
		g_propagate_prefixed_error (
		    error, g_steal_pointer (&store_error), "restore token not accepted: ");
		return NULL;
	}
	return g_steal_pointer (&token);
}

IrToken *
ir_token_verify_bytes (const guint8 *data,
		       gsize len,
		       const IrTrustStore *trust,
		       const IrTokenExpect *expect,
		       IrTokenSeen *seen,
		       IrTokenRefusal *refusal,
		       GError **error)
{
	IrTokenSeenSync *sync = NULL;
	g_autoptr (IrToken) token =
	    ir_token_verify_bytes_unsynced (data, len, trust, expect, seen, &sync, refusal, error);

	if (token == NULL || sync == NULL)
		return g_steal_pointer (&token);
	if (!ir_token_seen_sync_finish (sync, error)) {
		if (refusal != NULL)
			*refusal = IR_TOKEN_REFUSED_STORE;
		g_prefix_error (error, "restore token not accepted: ");
		return NULL;
	}
	return g_steal_pointer (&token);
}

GBytes *
ir_token_get_payload (const IrToken *token)
{
	return token->payload;
}

GBytes *
ir_token_get_protected (const IrToken *token)
{
	return token->protected;
}

gboolean
ir_token_is_complete (const IrToken *token)
{
	guint all = HAVE_EXP | HAVE_NBF | HAVE_IAT | HAVE_CNF | HAVE_DEVICE | HAVE_IMEIS;
	return (token->have & all) == all;
}
