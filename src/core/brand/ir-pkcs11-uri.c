/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>
#include <string.h>

#include "ir-error.h"
#include "ir-pkcs11-uri.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (P11KitUri, p11_kit_uri_free)

void
ir_pkcs11_uri_free (IrPkcs11Uri *uri)
{
	if (uri == NULL)
		return;
	g_free (uri->token_label);
	g_free (uri->token_serial);
	g_free (uri->token_manufacturer);
	g_free (uri->token_model);
	g_free (uri->object);
	g_clear_pointer (&uri->id, g_bytes_unref);
	g_free (uri->module_path);
	g_free (uri);
}

/* A CK_TOKEN_INFO field is blank-padded, not NUL-terminated; p11-kit
 * leaves a field the URI does not name all zeros. */
static char *
ir_pkcs11_uri_field (const unsigned char *field, gsize len)
{
	gsize n = len;

	if (memchr (field, '\0', len) == field)
		return NULL;
	while (n > 0 && field[n - 1] == ' ')
		n--;
	return g_strndup ((const char *)field, n);
}

static void
ir_pkcs11_uri_pad (unsigned char *field, gsize len, const char *value)
{
	gsize n = value != NULL ? MIN (strlen (value), len) : 0;

	memset (field, ' ', len);
	if (n > 0)
		memcpy (field, value, n);
}

static gboolean
ir_pkcs11_uri_check_type (P11KitUri *p11, const char *text, GError **error)
{
	CK_ATTRIBUTE *attr = p11_kit_uri_get_attribute (p11, CKA_CLASS);
	CK_OBJECT_CLASS klass;

	if (attr == NULL)
		return TRUE;
	if (attr->ulValueLen == sizeof (klass)) {
		memcpy (&klass, attr->pValue, sizeof (klass));
		if (klass == CKO_PRIVATE_KEY || klass == CKO_CERTIFICATE)
			return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "the PKCS#11 URI %s names another kind of object than a private key or a "
		     "certificate: use type=private or type=cert, or leave type out",
		     text);
	return FALSE;
}

static gboolean
ir_pkcs11_uri_check_pin (P11KitUri *p11, const char *text, GError **error)
{
	if (p11_kit_uri_get_pin_value (p11) == NULL && p11_kit_uri_get_pin_source (p11) == NULL)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "the PKCS#11 URI carries a PIN (pin-value or pin-source): a PIN in a URI "
		     "ends up in shell history and logs; remove it and type the PIN when asked, "
		     "or give --pin-file");
	return FALSE;
}

IrPkcs11Uri *
ir_pkcs11_uri_parse (const char *text, GError **error)
{
	g_autoptr (P11KitUri) p11 = p11_kit_uri_new ();
	g_autoptr (IrPkcs11Uri) uri = g_new0 (IrPkcs11Uri, 1);
	CK_TOKEN_INFO *token;
	CK_ATTRIBUTE *attr;
	int rc;

	if (text == NULL || !g_str_has_prefix (text, "pkcs11:")) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "'%s' is not a PKCS#11 URI: it starts with pkcs11: (RFC 7512); see "
			     "imeictl credential list for the URIs of your token",
			     text != NULL ? text : "");
		return NULL;
	}
	rc = p11_kit_uri_parse (text, P11_KIT_URI_FOR_ANY, p11);
	if (rc != P11_KIT_URI_OK || p11_kit_uri_any_unrecognized (p11)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the PKCS#11 URI %s cannot be read (%s): copy it from imeictl "
			     "credential list",
			     text,
			     rc != P11_KIT_URI_OK ? p11_kit_uri_message (rc)
						  : "an attribute RFC 7512 does not define");
		return NULL;
	}
	if (!ir_pkcs11_uri_check_pin (p11, text, error) ||
	    !ir_pkcs11_uri_check_type (p11, text, error))
		return NULL;
	token = p11_kit_uri_get_token_info (p11);
	uri->token_label = ir_pkcs11_uri_field (token->label, sizeof (token->label));
	uri->token_serial = ir_pkcs11_uri_field (token->serialNumber, sizeof (token->serialNumber));
	uri->token_manufacturer =
	    ir_pkcs11_uri_field (token->manufacturerID, sizeof (token->manufacturerID));
	uri->token_model = ir_pkcs11_uri_field (token->model, sizeof (token->model));
	attr = p11_kit_uri_get_attribute (p11, CKA_LABEL);
	if (attr != NULL)
		uri->object = g_strndup (attr->pValue, attr->ulValueLen);
	attr = p11_kit_uri_get_attribute (p11, CKA_ID);
	if (attr != NULL)
		uri->id = g_bytes_new (attr->pValue, attr->ulValueLen);
	uri->module_path = g_strdup (p11_kit_uri_get_module_path (p11));
	return g_steal_pointer (&uri);
}

static gboolean
ir_pkcs11_uri_field_matches (const char *want, const char *have)
{
	return want == NULL || g_strcmp0 (want, have) == 0;
}

gboolean
ir_pkcs11_uri_match_token (const IrPkcs11Uri *uri,
			   const char *label,
			   const char *manufacturer,
			   const char *model,
			   const char *serial)
{
	return ir_pkcs11_uri_field_matches (uri->token_label, label) &&
	       ir_pkcs11_uri_field_matches (uri->token_serial, serial) &&
	       ir_pkcs11_uri_field_matches (uri->token_manufacturer, manufacturer) &&
	       ir_pkcs11_uri_field_matches (uri->token_model, model);
}

char *
ir_pkcs11_uri_format (const char *token_label,
		      const char *token_serial,
		      const char *token_manufacturer,
		      const char *token_model,
		      const char *label,
		      GBytes *id)
{
	g_autoptr (P11KitUri) p11 = p11_kit_uri_new ();
	CK_TOKEN_INFO *token = p11_kit_uri_get_token_info (p11);
	char *text = NULL;

	ir_pkcs11_uri_pad (token->label, sizeof (token->label), token_label);
	ir_pkcs11_uri_pad (token->serialNumber, sizeof (token->serialNumber), token_serial);
	ir_pkcs11_uri_pad (
	    token->manufacturerID, sizeof (token->manufacturerID), token_manufacturer);
	ir_pkcs11_uri_pad (token->model, sizeof (token->model), token_model);
	if (label != NULL) {
		CK_ATTRIBUTE attr = {CKA_LABEL, (void *)label, strlen (label)};
		p11_kit_uri_set_attribute (p11, &attr);
	}
	if (id != NULL) {
		gsize len = 0;
		CK_ATTRIBUTE attr = {CKA_ID, (void *)g_bytes_get_data (id, &len), 0};
		attr.ulValueLen = len;
		p11_kit_uri_set_attribute (p11, &attr);
	}
	if (p11_kit_uri_format (p11, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK)
		return NULL;
	/* p11-kit allocates with malloc; hand back GLib memory */
	{
		char *copy = g_strdup (text);
		free (text);
		return copy;
	}
}
