/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/pem.h>

#include "ir-error.h"
#include "ir-imei.h"
#include "ir-cbor.h"
#include "ir-token-private.h"
#include "ir-pem.h"
#include "ir-token.h"

/* The server side of the restore token: claims checked as a verifier
 * would, then encoded deterministically and signed. */

static gboolean ir_token_encode_bad_claims (GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);

static gboolean
ir_token_encode_bad_claims (GError **error, const char *fmt, ...)
{
	va_list args;
	g_autofree char *msg = NULL;

	va_start (args, fmt);
	msg = g_strdup_vprintf (fmt, args);
	va_end (args);
	g_set_error (
	    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "cannot issue a restore token: %s", msg);
	return FALSE;
}

static gboolean
ir_token_encode_text_ok (const char *text, gsize min)
{
	return text != NULL && strlen (text) >= min && strlen (text) <= IR_TOKEN_TEXT_MAX &&
	       g_utf8_validate (text, -1, NULL);
}

static gboolean
ir_token_encode_check_claims (const IrTokenClaims *c, GError **error)
{
	gsize cti_len = c->cti != NULL ? g_bytes_get_size (c->cti) : 0;
	gsize nonce_len = c->nonce != NULL ? g_bytes_get_size (c->nonce) : 0;
	guint n_imeis = 0;

	if (!ir_token_encode_text_ok (c->iss, 1) || !ir_token_encode_text_ok (c->aud, 1) ||
	    !ir_token_encode_text_ok (c->phase, 1) || !ir_token_encode_text_ok (c->centre, 1))
		return ir_token_encode_bad_claims (
		    error,
		    "iss, aud, phase and centre are 1 to %d bytes of UTF-8",
		    IR_TOKEN_TEXT_MAX);
	if (c->spc != NULL && (strlen (c->spc) != IR_TOKEN_SPC_LEN ||
			       strspn (c->spc, "0123456789") != IR_TOKEN_SPC_LEN))
		return ir_token_encode_bad_claims (error, "spc is 6 decimal digits");
	if (cti_len < IR_TOKEN_CTI_MIN || cti_len > IR_TOKEN_CTI_MAX)
		return ir_token_encode_bad_claims (
		    error, "cti is %d to %d bytes", IR_TOKEN_CTI_MIN, IR_TOKEN_CTI_MAX);
	if (c->iat < 0 || c->nbf < 0 || c->exp <= c->iat || c->exp - c->iat > IR_TOKEN_MAX_LIFETIME)
		return ir_token_encode_bad_claims (
		    error, "exp must be 1 to %d s after iat", IR_TOKEN_MAX_LIFETIME);
	if (c->hardware_id == NULL && c->serial == NULL)
		return ir_token_encode_bad_claims (
		    error, "the device binding needs a hardware id or a serial");
	if ((c->hardware_id != NULL && !ir_token_encode_text_ok (c->hardware_id, 1)) ||
	    (c->serial != NULL && !ir_token_encode_text_ok (c->serial, 1)))
		return ir_token_encode_bad_claims (
		    error, "hardware id and serial are 1 to %d bytes", IR_TOKEN_TEXT_MAX);
	if (c->nonce != NULL && (nonce_len < IR_TOKEN_NONCE_MIN || nonce_len > IR_TOKEN_NONCE_MAX))
		return ir_token_encode_bad_claims (
		    error, "a nonce is %d to %d bytes", IR_TOKEN_NONCE_MIN, IR_TOKEN_NONCE_MAX);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_autoptr (GError) why = NULL;
		if (c->current_imei[i] != NULL && !ir_token_encode_text_ok (c->current_imei[i], 0))
			return ir_token_encode_bad_claims (
			    error, "current IMEI of slot %u is too long", i);
		if (c->imei[i] == NULL)
			continue;
		n_imeis++;
		if (!ir_imei_validate (c->imei[i], &why) ||
		    ir_imei_classify (c->imei[i]) != IR_IMEI_STATUS_VALID)
			return ir_token_encode_bad_claims (
			    error, "slot %u: %s is not an original IMEI", i, c->imei[i]);
	}
	if (n_imeis == 0)
		return ir_token_encode_bad_claims (error, "no IMEI to write");
	return TRUE;
}

static cbor_item_t *
ir_token_encode_build_slot_map (char *const *slots)
{
	guint n = 0;
	cbor_item_t *map;

	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		n += slots[i] != NULL;
	map = cbor_new_definite_map (n);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		if (slots[i] != NULL)
			ir_cbor_map_add_take (
			    map, ir_cbor_build_uint (i), ir_cbor_build_text (slots[i]));
	}
	return map;
}

/* Keys in canonical order: 1..5 are one byte each and ascending. */
static cbor_item_t *
ir_token_encode_build_device (const IrTokenClaims *c)
{
	gsize n = (c->hardware_id != NULL) + (c->serial != NULL) + (c->nonce != NULL) +
		  (c->has_counter != FALSE) + (c->has_current != FALSE);
	cbor_item_t *dev = cbor_new_definite_map (n);

	if (c->hardware_id != NULL)
		ir_cbor_map_add_take (dev,
				      ir_cbor_build_uint (IR_TOKEN_DEV_HWID),
				      ir_cbor_build_text (c->hardware_id));
	if (c->serial != NULL)
		ir_cbor_map_add_take (
		    dev, ir_cbor_build_uint (IR_TOKEN_DEV_SERIAL), ir_cbor_build_text (c->serial));
	if (c->nonce != NULL)
		ir_cbor_map_add_take (dev,
				      ir_cbor_build_uint (IR_TOKEN_DEV_NONCE),
				      ir_cbor_build_bytes (g_bytes_get_data (c->nonce, NULL),
							   g_bytes_get_size (c->nonce)));
	if (c->has_counter)
		ir_cbor_map_add_take (dev,
				      ir_cbor_build_uint (IR_TOKEN_DEV_COUNTER),
				      ir_cbor_build_uint (c->counter));
	if (c->has_current)
		ir_cbor_map_add_take (dev,
				      ir_cbor_build_uint (IR_TOKEN_DEV_CURRENT),
				      ir_token_encode_build_slot_map (c->current_imei));
	return dev;
}

static void
ir_token_encode_add_text_claim (cbor_item_t *map, gint64 label, const char *text)
{
	if (text != NULL)
		ir_cbor_map_add_take (map, ir_cbor_build_int (label), ir_cbor_build_text (text));
}

/* Claims map in canonical order: 1, 3..8 (one byte each), then the private
 * labels -65537.. whose encodings 0x3a00010000.. sort after them. Absent
 * strings are left out (only tests build such tokens). */
GBytes *
ir_token_build_payload (const IrTokenClaims *c, GError **error)
{
	g_autoptr (cbor_item_t) map = cbor_new_definite_map (12);
	cbor_item_t *cnf = cbor_new_definite_map (1);

	ir_cbor_map_add_take (cnf,
			      ir_cbor_build_int (IR_TOKEN_CNF_SPKI_S256),
			      ir_cbor_build_bytes (c->cnf, IR_TOKEN_CNF_LEN));
	ir_token_encode_add_text_claim (map, IR_TOKEN_CLAIM_ISS, c->iss);
	ir_token_encode_add_text_claim (map, IR_TOKEN_CLAIM_AUD, c->aud);
	ir_cbor_map_add_take (
	    map, ir_cbor_build_int (IR_TOKEN_CLAIM_EXP), ir_cbor_build_int (c->exp));
	ir_cbor_map_add_take (
	    map, ir_cbor_build_int (IR_TOKEN_CLAIM_NBF), ir_cbor_build_int (c->nbf));
	ir_cbor_map_add_take (
	    map, ir_cbor_build_int (IR_TOKEN_CLAIM_IAT), ir_cbor_build_int (c->iat));
	if (c->cti != NULL)
		ir_cbor_map_add_take (map,
				      ir_cbor_build_int (IR_TOKEN_CLAIM_CTI),
				      ir_cbor_build_bytes (g_bytes_get_data (c->cti, NULL),
							   g_bytes_get_size (c->cti)));
	ir_cbor_map_add_take (map, ir_cbor_build_int (IR_TOKEN_CLAIM_CNF), cnf);
	ir_cbor_map_add_take (
	    map, ir_cbor_build_int (IR_TOKEN_CLAIM_DEVICE), ir_token_encode_build_device (c));
	ir_cbor_map_add_take (map,
			      ir_cbor_build_int (IR_TOKEN_CLAIM_IMEIS),
			      ir_token_encode_build_slot_map (c->imei));
	ir_token_encode_add_text_claim (map, IR_TOKEN_CLAIM_PHASE, c->phase);
	ir_token_encode_add_text_claim (map, IR_TOKEN_CLAIM_CENTRE, c->centre);
	ir_token_encode_add_text_claim (map, IR_TOKEN_CLAIM_SPC, c->spc);
	return ir_cbor_serialize (map, error);
}

GBytes *
ir_token_build_protected (gint64 alg, const char *kid, GError **error)
{
	g_autoptr (cbor_item_t) map = cbor_new_definite_map (2);

	ir_cbor_map_add_take (map, ir_cbor_build_uint (IR_COSE_HDR_ALG), ir_cbor_build_int (alg));
	ir_cbor_map_add_take (map,
			      ir_cbor_build_uint (IR_COSE_HDR_KID),
			      ir_cbor_build_bytes ((const guint8 *)kid, strlen (kid)));
	return ir_cbor_serialize (map, error);
}

GBytes *
ir_token_sign_raw (
    GBytes *protected, GBytes *payload, IrTokenAlg alg, EVP_PKEY *key, GError **error)
{
	g_autoptr (GBytes) sig = ir_token_cose_sign (alg, key, protected, payload, error);
	g_autoptr (cbor_item_t) arr = cbor_new_definite_array (4);
	g_autoptr (cbor_item_t) tagged = NULL;

	if (sig == NULL)
		return NULL;
	ir_cbor_array_push_take (
	    arr,
	    ir_cbor_build_bytes (g_bytes_get_data (protected, NULL), g_bytes_get_size (protected)));
	ir_cbor_array_push_take (arr, cbor_new_definite_map (0));
	ir_cbor_array_push_take (
	    arr,
	    ir_cbor_build_bytes (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload)));
	ir_cbor_array_push_take (
	    arr, ir_cbor_build_bytes (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig)));
	tagged = cbor_build_tag (IR_COSE_TAG_SIGN1, arr);
	return ir_cbor_serialize (tagged, error);
}

GBytes *
ir_token_encode_unchecked (
    const IrTokenClaims *claims, IrTokenAlg alg, const char *kid, EVP_PKEY *key, GError **error)
{
	g_autoptr (GBytes) protected = ir_token_build_protected (alg, kid, error);
	g_autoptr (GBytes) payload = NULL;

	if (protected == NULL)
		return NULL;
	payload = ir_token_build_payload (claims, error);
	if (payload == NULL)
		return NULL;
	return ir_token_sign_raw (protected, payload, alg, key, error);
}

GBytes *
ir_token_encode (
    const IrTokenClaims *claims, IrTokenAlg alg, const char *kid, EVP_PKEY *key, GError **error)
{
	if (kid == NULL || kid[0] == '\0' || strlen (kid) > 64) {
		ir_token_encode_bad_claims (error, "a key id is 1 to 64 bytes");
		return NULL;
	}
	if (!ir_token_alg_check_key (alg, key, error)) {
		g_prefix_error (error, "cannot issue a restore token with key '%s': ", kid);
		return NULL;
	}
	if (!ir_token_encode_check_claims (claims, error))
		return NULL;
	return ir_token_encode_unchecked (claims, alg, kid, key, error);
}

/* ---- keys and the text form ---- */

EVP_PKEY *
ir_token_signing_key_load (const char *path, IrTokenAlg *alg, GError **error)
{
	EVP_PKEY *key = ir_pem_load_private_key (path, "token-signing key", error);

	if (key == NULL)
		return NULL;
	if (ir_token_alg_check_key (IR_TOKEN_ALG_EDDSA, key, NULL)) {
		*alg = IR_TOKEN_ALG_EDDSA;
		return key;
	}
	if (ir_token_alg_check_key (IR_TOKEN_ALG_ES256, key, NULL)) {
		*alg = IR_TOKEN_ALG_ES256;
		return key;
	}
	EVP_PKEY_free (key);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "%s is neither an Ed25519 nor an ECDSA P-256 key; tokens are signed "
		     "with EdDSA or ES256 only",
		     path);
	return NULL;
}

char *
ir_token_to_base64url (GBytes *token)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (token, &len);
	char *text = g_base64_encode (data, len);
	gsize out = 0;

	for (gsize i = 0; text[i] != '\0'; i++) {
		if (text[i] == '=')
			break;
		text[out++] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
	}
	text[out] = '\0';
	return text;
}

GBytes *
ir_token_from_base64url (const char *text, GError **error)
{
	gsize len = strlen (text);
	g_autoptr (GString) std = NULL;
	g_autofree guint8 *raw = NULL;
	g_autofree char *again = NULL;
	gsize raw_len = 0;

	if (len == 0 || len > (IR_TOKEN_MAX_SIZE + 2) / 3 * 4 || len % 4 == 1) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_PROTOCOL,
		    "a restore token in base64url is 1 to %d characters, not %" G_GSIZE_FORMAT,
		    (IR_TOKEN_MAX_SIZE + 2) / 3 * 4,
		    len);
		return NULL;
	}
	std = g_string_sized_new (len + 3);
	for (gsize i = 0; i < len; i++) {
		char c = text[i];
		if (!g_ascii_isalnum (c) && c != '-' && c != '_') {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "restore token: character %" G_GSIZE_FORMAT
				     " is not in the base64url alphabet",
				     i + 1);
			return NULL;
		}
		g_string_append_c (std, c == '-' ? '+' : c == '_' ? '/' : c);
	}
	while (std->len % 4 != 0)
		g_string_append_c (std, '=');
	raw = g_base64_decode (std->str, &raw_len);
	again = g_base64_encode (raw, raw_len);
	if (g_strcmp0 (again, std->str) != 0) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_PROTOCOL,
				     "restore token: base64url with non-zero trailing bits");
		return NULL;
	}
	return g_bytes_new (raw, raw_len);
}
