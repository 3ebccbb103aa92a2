/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ir-brandd-json.h"
#include "ir-brandd-request.h"
#include "ir-error.h"
#include "ir-imei.h"

static const char *const outcomes[] = {"success", "failed", "aborted", "unknown"};

const char *
ir_brandd_request_outcome_to_string (IrBranddOutcome outcome)
{
	return (guint)outcome < G_N_ELEMENTS (outcomes) ? outcomes[outcome] : NULL;
}

static gboolean
ir_brandd_request_bad (GError **error, const char *path, const char *why)
{
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s: %s", path, why);
	return FALSE;
}

/* A text member: absent → *out NULL (an error when @required), otherwise a
 * string of @min..@max bytes without control characters. */
static gboolean
ir_brandd_request_get_text_full (JsonObject *obj,
				 const char *parent,
				 const char *name,
				 gboolean required,
				 gsize min,
				 gsize max,
				 gboolean free_text,
				 char **out,
				 GError **error)
{
	g_autofree char *path =
	    parent != NULL ? g_strdup_printf ("%s.%s", parent, name) : g_strdup (name);
	JsonNode *node = json_object_get_member (obj, name);
	const char *text;
	gsize len;

	*out = NULL;
	if (node == NULL || (!required && JSON_NODE_HOLDS_NULL (node)))
		return required ? ir_brandd_request_bad (error, path, "missing") : TRUE;
	if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
		return ir_brandd_request_bad (error, path, "expected a string");
	text = json_node_get_string (node);
	len = strlen (text);
	if (len < min || len > max) {
		g_autofree char *why =
		    g_strdup_printf ("expected %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT
				     " bytes, got %" G_GSIZE_FORMAT,
				     min,
				     max,
				     len);
		return ir_brandd_request_bad (error, path, why);
	}
	for (const char *p = text; *p != '\0'; p++) {
		/* free text (detail) may run over several lines */
		if (((guchar)*p < 0x20 || *p == 0x7f) && !(free_text && (*p == '\n' || *p == '\t')))
			return ir_brandd_request_bad (error, path, "contains a control character");
	}
	*out = g_strdup (text);
	return TRUE;
}

static gboolean
ir_brandd_request_get_text (JsonObject *obj,
			    const char *parent,
			    const char *name,
			    gboolean required,
			    gsize min,
			    gsize max,
			    char **out,
			    GError **error)
{
	return ir_brandd_request_get_text_full (
	    obj, parent, name, required, min, max, FALSE, out, error);
}

static JsonObject *
ir_brandd_request_get_object (JsonObject *obj, const char *name, gboolean required, GError **error)
{
	JsonNode *node = json_object_get_member (obj, name);

	if (node == NULL || (!required && JSON_NODE_HOLDS_NULL (node))) {
		if (required)
			ir_brandd_request_bad (error, name, "missing");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT (node)) {
		ir_brandd_request_bad (error, name, "expected an object");
		return NULL;
	}
	return json_node_get_object (node);
}

static gboolean
ir_brandd_request_get_base64url (JsonObject *obj,
				 const char *path,
				 const char *name,
				 gsize min,
				 gsize max,
				 GBytes **out,
				 GError **error)
{
	g_autofree char *text = NULL;
	g_autofree char *std = NULL;
	g_autofree guint8 *raw = NULL;
	gsize raw_len = 0;
	gsize len;

	if (!ir_brandd_request_get_text (obj, path, name, TRUE, 1, 4 * max / 3 + 4, &text, error))
		return FALSE;
	len = strlen (text);
	/* base64url without padding: translate, pad, decode, and refuse
	 * anything that is not exactly that alphabet. */
	if (strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		len ||
	    len % 4 == 1)
		return ir_brandd_request_bad (
		    error, "challenge.nonce", "expected base64url without padding");
	std = g_strnfill (len + (4 - len % 4) % 4, '=');
	for (gsize i = 0; i < len; i++)
		std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
	raw = g_base64_decode (std, &raw_len);
	if (raw_len < min || raw_len > max) {
		g_autofree char *why =
		    g_strdup_printf ("expected %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT
				     " bytes, got %" G_GSIZE_FORMAT,
				     min,
				     max,
				     raw_len);
		return ir_brandd_request_bad (error, "challenge.nonce", why);
	}
	*out = g_bytes_new_take (g_steal_pointer (&raw), raw_len);
	return TRUE;
}

static gboolean
ir_brandd_request_parse_device (JsonObject *root, IrBranddTokenRequest *req, GError **error)
{
	JsonObject *dev = ir_brandd_request_get_object (root, "device", TRUE, error);
	const gsize max = IR_TOKEN_TEXT_MAX;

	if (dev == NULL)
		return FALSE;
	if (!ir_brandd_request_get_text (
		dev, "device", "manufacturer", FALSE, 1, max, &req->manufacturer, error) ||
	    !ir_brandd_request_get_text (
		dev, "device", "model", FALSE, 1, max, &req->model, error) ||
	    !ir_brandd_request_get_text (
		dev, "device", "revision", FALSE, 0, max, &req->revision, error) ||
	    !ir_brandd_request_get_text (
		dev, "device", "serial", FALSE, 1, max, &req->serial, error) ||
	    !ir_brandd_request_get_text (
		dev, "device", "hardware_id", FALSE, 1, max, &req->hardware_id, error) ||
	    !ir_brandd_request_get_text (
		dev, "device", "family", FALSE, 1, 64, &req->family, error))
		return FALSE;
	if (req->serial == NULL && req->hardware_id == NULL)
		return ir_brandd_request_bad (
		    error, "device.serial", "missing: give serial, hardware_id or both");
	return TRUE;
}

static gboolean
ir_brandd_request_parse_challenge (JsonObject *root, IrBranddTokenRequest *req, GError **error)
{
	g_autoptr (GError) none = NULL;
	JsonObject *ch = ir_brandd_request_get_object (root, "challenge", FALSE, &none);
	JsonNode *counter;

	if (none != NULL) {
		g_propagate_error (error, g_steal_pointer (&none));
		return FALSE;
	}
	if (ch == NULL)
		return TRUE;
	if (!ir_brandd_request_get_base64url (ch,
					      "challenge",
					      "nonce",
					      IR_TOKEN_NONCE_MIN,
					      IR_TOKEN_NONCE_MAX,
					      &req->nonce,
					      error))
		return FALSE;
	counter = json_object_get_member (ch, "counter");
	if (counter == NULL)
		return ir_brandd_request_bad (error, "challenge.counter", "missing");
	if (!JSON_NODE_HOLDS_VALUE (counter) ||
	    json_node_get_value_type (counter) != G_TYPE_INT64 || json_node_get_int (counter) < 0)
		return ir_brandd_request_bad (
		    error, "challenge.counter", "expected a whole number, 0 or more");
	req->has_counter = TRUE;
	req->counter = (guint64)json_node_get_int (counter);
	return TRUE;
}

/* An array of one string-or-null per slot, as read from the phone. */
static gboolean
ir_brandd_request_parse_slots (
    JsonObject *root, const char *name, gboolean digits_only, char **slots, GError **error)
{
	JsonNode *node = json_object_get_member (root, name);
	JsonArray *arr;

	if (node == NULL)
		return ir_brandd_request_bad (error, name, "missing");
	if (!JSON_NODE_HOLDS_ARRAY (node))
		return ir_brandd_request_bad (
		    error, name, "expected an array of strings or nulls, one per slot");
	arr = json_node_get_array (node);
	if (json_array_get_length (arr) < 1 || json_array_get_length (arr) > IR_TOKEN_MAX_SLOTS)
		return ir_brandd_request_bad (error, name, "expected 1 or 2 slots");
	for (guint i = 0; i < json_array_get_length (arr); i++) {
		JsonNode *el = json_array_get_element (arr, i);
		g_autofree char *path = g_strdup_printf ("%s[%u]", name, i);
		const char *text;

		if (JSON_NODE_HOLDS_NULL (el))
			continue;
		if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING)
			return ir_brandd_request_bad (error, path, "expected a string or null");
		text = json_node_get_string (el);
		if (strlen (text) > IR_BRANDD_SLOT_TEXT_MAX)
			return ir_brandd_request_bad (error, path, "too long");
		if (digits_only && strspn (text, "0123456789") != strlen (text))
			return ir_brandd_request_bad (error, path, "expected digits only");
		for (const char *p = text; *p != '\0'; p++) {
			if (!g_ascii_isprint (*p))
				return ir_brandd_request_bad (
				    error, path, "expected printable ASCII");
		}
		slots[i] = g_strdup (text);
	}
	return TRUE;
}

void
ir_brandd_request_token_request_free (IrBranddTokenRequest *self)
{
	if (self == NULL)
		return;
	g_free (self->manufacturer);
	g_free (self->model);
	g_free (self->revision);
	g_free (self->serial);
	g_free (self->hardware_id);
	g_free (self->family);
	if (self->nonce != NULL)
		g_bytes_unref (self->nonce);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		g_free (self->current_imei[i]);
	g_free (self->request_id);
	g_free (self);
}

/* Optional, for older clients; when given, exactly 128 bits in lower-case
 * hex, so that one id has one spelling and the unique index sees it. */
static gboolean
ir_brandd_request_parse_request_id (JsonObject *root, IrBranddTokenRequest *req, GError **error)
{
	const gsize len = IR_BRANDD_REQUEST_ID_LEN;

	if (!ir_brandd_request_get_text (
		root, NULL, "request_id", FALSE, len, len, &req->request_id, error))
		return FALSE;
	if (req->request_id != NULL && strspn (req->request_id, "0123456789abcdef") != len)
		return ir_brandd_request_bad (
		    error, "request_id", "expected 32 lower-case hex digits (128 random bits)");
	return TRUE;
}

static void
ir_brandd_request_hash_text (GChecksum *sum, const char *text)
{
	guint8 len[4] = {0xff, 0xff, 0xff, 0xff}; /* absent */
	gsize n = text != NULL ? strlen (text) : 0;

	if (text != NULL) {
		len[0] = (guint8)(n >> 24);
		len[1] = (guint8)(n >> 16);
		len[2] = (guint8)(n >> 8);
		len[3] = (guint8)n;
	}
	g_checksum_update (sum, len, sizeof len);
	if (text != NULL)
		g_checksum_update (sum, (const guchar *)text, n);
}

void
ir_brandd_request_token_request_hash (const IrBranddTokenRequest *self,
				      guint8 out[IR_BRANDD_REQUEST_HASH_LEN])
{
	g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	g_autofree char *nonce = NULL;
	g_autofree char *counter = NULL;
	gsize out_len = IR_BRANDD_REQUEST_HASH_LEN;

	if (self->nonce != NULL)
		nonce = g_base64_encode (g_bytes_get_data (self->nonce, NULL),
					 g_bytes_get_size (self->nonce));
	if (self->has_counter)
		counter = g_strdup_printf ("%" G_GUINT64_FORMAT, self->counter);
	/* a version tag, so that a later change of these fields cannot make
	 * an old hash match */
	ir_brandd_request_hash_text (sum, "imeirestore token request 1");
	ir_brandd_request_hash_text (sum, self->manufacturer);
	ir_brandd_request_hash_text (sum, self->model);
	ir_brandd_request_hash_text (sum, self->revision);
	ir_brandd_request_hash_text (sum, self->serial);
	ir_brandd_request_hash_text (sum, self->hardware_id);
	ir_brandd_request_hash_text (sum, self->family);
	ir_brandd_request_hash_text (sum, nonce);
	ir_brandd_request_hash_text (sum, counter);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		ir_brandd_request_hash_text (sum, self->current_imei[i]);
	g_checksum_get_digest (sum, out, &out_len);
}

IrBranddTokenRequest *
ir_brandd_request_token_request_parse (const char *body, gsize len, GError **error)
{
	g_autoptr (JsonObject) root = ir_brandd_json_parse_object (body, len, error);

	if (root == NULL)
		return NULL;
	return ir_brandd_request_token_request_from_object (root, error);
}

IrBranddTokenRequest *
ir_brandd_request_token_request_from_object (JsonObject *root, GError **error)
{
	g_autoptr (IrBranddTokenRequest) req = g_new0 (IrBranddTokenRequest, 1);
	if (!ir_brandd_request_parse_device (root, req, error) ||
	    !ir_brandd_request_parse_challenge (root, req, error) ||
	    !ir_brandd_request_parse_slots (
		root, "current_imeis", FALSE, req->current_imei, error) ||
	    !ir_brandd_request_parse_request_id (root, req, error))
		return NULL;
	return g_steal_pointer (&req);
}

void
ir_brandd_request_report_free (IrBranddReport *self)
{
	if (self == NULL)
		return;
	if (self->cti != NULL)
		g_bytes_unref (self->cti);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		g_free (self->read_back[i]);
	g_free (self->detail);
	g_free (self);
}

static gboolean
ir_brandd_request_parse_token_id (JsonObject *root, IrBranddReport *rep, GError **error)
{
	g_autofree char *hex = NULL;
	g_autofree guint8 *raw = NULL;
	gsize n;

	if (!ir_brandd_request_get_text (root,
					 NULL,
					 "token_id",
					 TRUE,
					 2 * IR_TOKEN_CTI_MIN,
					 2 * IR_TOKEN_CTI_MAX,
					 &hex,
					 error))
		return FALSE;
	n = strlen (hex);
	if (n % 2 != 0 || strspn (hex, "0123456789abcdefABCDEF") != n)
		return ir_brandd_request_bad (error, "token_id", "expected the token's cti in hex");
	raw = g_malloc (n / 2);
	for (gsize i = 0; i < n / 2; i++)
		raw[i] = (guint8)(g_ascii_xdigit_value (hex[2 * i]) << 4 |
				  g_ascii_xdigit_value (hex[2 * i + 1]));
	rep->cti = g_bytes_new_take (g_steal_pointer (&raw), n / 2);
	return TRUE;
}

static gboolean
ir_brandd_request_parse_outcome (JsonObject *root, IrBranddReport *rep, GError **error)
{
	g_autofree char *text = NULL;

	if (!ir_brandd_request_get_text (root, NULL, "outcome", TRUE, 1, 16, &text, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++) {
		if (g_strcmp0 (text, outcomes[i]) == 0) {
			rep->outcome = (IrBranddOutcome)i;
			return TRUE;
		}
	}
	return ir_brandd_request_bad (
	    error, "outcome", "expected success, failed, aborted or unknown");
}

IrBranddReport *
ir_brandd_request_report_parse (const char *body, gsize len, GError **error)
{
	g_autoptr (JsonObject) root = ir_brandd_json_parse_object (body, len, error);
	g_autoptr (IrBranddReport) rep = NULL;

	if (root == NULL)
		return NULL;
	rep = g_new0 (IrBranddReport, 1);
	if (!ir_brandd_request_parse_token_id (root, rep, error) ||
	    !ir_brandd_request_parse_outcome (root, rep, error) ||
	    !ir_brandd_request_get_text_full (
		root, NULL, "detail", FALSE, 0, IR_BRANDD_DETAIL_MAX, TRUE, &rep->detail, error))
		return NULL;
	rep->has_read_back =
	    json_object_has_member (root, "imeis_read_back") &&
	    !JSON_NODE_HOLDS_NULL (json_object_get_member (root, "imeis_read_back"));
	/* a success says what the phone holds now: that is how the server
	 * learns that an IMEI is in use */
	if (rep->outcome == IR_BRANDD_OUTCOME_SUCCESS && !rep->has_read_back) {
		ir_brandd_request_bad (error,
				       "imeis_read_back",
				       "missing: a success report must say what was read back");
		return NULL;
	}
	if (rep->has_read_back &&
	    !ir_brandd_request_parse_slots (root, "imeis_read_back", TRUE, rep->read_back, error))
		return NULL;
	return g_steal_pointer (&rep);
}
