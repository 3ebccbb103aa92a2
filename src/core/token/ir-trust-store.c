/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ir-error.h"
#include "ir-trust-store.h"

#define GROUP_MAIN	 "trust-store"
#define GROUP_KEY_PFX	 "token-key "
#define GROUP_POLICY_PFX "policy-key "
#define KID_MAX_LEN	 64
#define PIN_PREFIX	 "sha256//"

typedef struct {
	IrTokenAlg alg;
	EVP_PKEY *key;
} TokenKey;

struct _IrTrustStore {
	char *origin;
	char *issuer;
	char *audience;
	char *brand_ca;
	char *server_pins;
	GPtrArray *pins;	 /* GBytes, 32 bytes each */
	GHashTable *keys;	 /* kid → TokenKey */
	GHashTable *policy_keys; /* signed-note key name → EVP_PKEY (Ed25519) */
};

static void
token_key_free (TokenKey *tk)
{
	EVP_PKEY_free (tk->key);
	g_free (tk);
}

static void
ir_trust_store_clear (IrTrustStore *self)
{
	g_free (self->origin);
	g_free (self->issuer);
	g_free (self->audience);
	g_free (self->brand_ca);
	g_free (self->server_pins);
	if (self->pins != NULL)
		g_ptr_array_unref (self->pins);
	if (self->keys != NULL)
		g_hash_table_unref (self->keys);
	if (self->policy_keys != NULL)
		g_hash_table_unref (self->policy_keys);
}

IrTrustStore *
ir_trust_store_ref (IrTrustStore *self)
{
	return g_atomic_rc_box_acquire (self);
}

void
ir_trust_store_unref (IrTrustStore *self)
{
	g_atomic_rc_box_release_full (self, (GDestroyNotify)ir_trust_store_clear);
}

const char *
ir_token_alg_to_string (IrTokenAlg alg)
{
	switch (alg) {
	case IR_TOKEN_ALG_ES256:
		return "ES256";
	case IR_TOKEN_ALG_EDDSA:
		return "EdDSA";
	default:
		return NULL;
	}
}

static gboolean
ir_trust_store_alg_from_string (const char *str, IrTokenAlg *alg)
{
	if (g_strcmp0 (str, "ES256") == 0) {
		*alg = IR_TOKEN_ALG_ES256;
		return TRUE;
	}
	if (g_strcmp0 (str, "EdDSA") == 0) {
		*alg = IR_TOKEN_ALG_EDDSA;
		return TRUE;
	}
	return FALSE;
}

gboolean
ir_token_alg_check_key (IrTokenAlg alg, EVP_PKEY *key, GError **error)
{
	char group[32] = "";

	if (alg == IR_TOKEN_ALG_EDDSA && EVP_PKEY_get_id (key) == EVP_PKEY_ED25519)
		return TRUE;
	if (alg == IR_TOKEN_ALG_ES256 && EVP_PKEY_is_a (key, "EC") &&
	    EVP_PKEY_get_utf8_string_param (
		key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof (group), NULL) == 1 &&
	    g_strcmp0 (group, "prime256v1") == 0)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "a %s key is not a key for %s (%s needs %s)",
		     EVP_PKEY_get0_type_name (key) != NULL ? EVP_PKEY_get0_type_name (key) : "?",
		     ir_token_alg_to_string (alg) != NULL ? ir_token_alg_to_string (alg) : "?",
		     ir_token_alg_to_string (alg) != NULL ? ir_token_alg_to_string (alg) : "?",
		     alg == IR_TOKEN_ALG_EDDSA ? "Ed25519" : "ECDSA P-256");
	return FALSE;
}

/* Base64 that decodes and encodes back to the same text: g_base64_decode()
 * skips stray characters, a trust anchor must not. */
static GBytes *
ir_trust_store_strict_base64 (const char *text)
{
	gsize len = 0;
	g_autofree guchar *raw = g_base64_decode (text, &len);
	g_autofree char *again = g_base64_encode (raw, len);

	if (len == 0 || g_strcmp0 (again, text) != 0)
		return NULL;
	return g_bytes_new (raw, len);
}

static gboolean
ir_trust_store_check_known_keys (
    GKeyFile *kf, const char *group, const char *const *known, const char *origin, GError **error)
{
	g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!g_strv_contains (known, keys[i])) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: unknown key '%s' in [%s]; a typo? see certs/README.md",
				     origin,
				     keys[i],
				     group);
			return FALSE;
		}
	}
	return TRUE;
}

static char *
ir_trust_store_get_required (
    GKeyFile *kf, const char *group, const char *key, const char *origin, GError **error)
{
	g_autofree char *value = g_key_file_get_string (kf, group, key, NULL);

	if (value == NULL || value[0] == '\0') {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s] needs a non-empty '%s'",
			     origin,
			     group,
			     key);
		return NULL;
	}
	return g_steal_pointer (&value);
}

static gboolean
ir_trust_store_parse_pins (IrTrustStore *self, const char *pins, GError **error)
{
	g_auto (GStrv) parts = g_strsplit (pins, ";", -1);

	self->pins = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autoptr (GBytes) hash = NULL;
		if (g_str_has_prefix (parts[i], PIN_PREFIX))
			hash = ir_trust_store_strict_base64 (parts[i] + strlen (PIN_PREFIX));
		if (hash == NULL || g_bytes_get_size (hash) != 32) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: server-pin '%s' is not sha256// followed by the base64 "
				     "SHA-256 of the server's public key",
				     self->origin,
				     parts[i]);
			return FALSE;
		}
		g_ptr_array_add (self->pins, g_steal_pointer (&hash));
	}
	self->server_pins = g_strdup (pins);
	return TRUE;
}

static gboolean
ir_trust_store_load_brand_ca (IrTrustStore *self,
			      const char *value,
			      const char *base_dir,
			      GError **error)
{
	g_autofree char *contents = NULL;
	gsize len = 0;
	X509 *cert = NULL;
	BIO *bio = NULL;
	int is_ca;
	g_autoptr (GError) read_error = NULL;

	self->brand_ca = g_path_is_absolute (value) ? g_strdup (value)
						    : g_build_filename (base_dir, value, NULL);
	if (!g_file_get_contents (self->brand_ca, &contents, &len, &read_error)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: cannot read brand-ca: %s",
			     self->origin,
			     read_error->message);
		return FALSE;
	}
	bio = BIO_new_mem_buf (contents, (int)MIN (len, (gsize)G_MAXINT));
	cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
	BIO_free (bio);
	is_ca = cert != NULL ? X509_check_ca (cert) : 0;
	X509_free (cert);
	if (cert == NULL || is_ca < 1) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: brand-ca %s is not a PEM CA certificate",
			     self->origin,
			     self->brand_ca);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_trust_store_parse_main_group (IrTrustStore *self,
				 GKeyFile *kf,
				 const char *base_dir,
				 GError **error)
{
	static const char *const known[] = {
	    "version", "brand-ca", "server-pin", "issuer", "audience", NULL};
	g_autofree char *version = NULL;
	g_autofree char *ca = NULL;
	g_autofree char *pins = NULL;

	if (!g_key_file_has_group (kf, GROUP_MAIN)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: no [" GROUP_MAIN "] group; is this a trust store?",
			     self->origin);
		return FALSE;
	}
	if (!ir_trust_store_check_known_keys (kf, GROUP_MAIN, known, self->origin, error))
		return FALSE;
	version = ir_trust_store_get_required (kf, GROUP_MAIN, "version", self->origin, error);
	if (version == NULL)
		return FALSE;
	if (g_strcmp0 (version, "1") != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: trust store version %s is not supported (this build reads 1); "
			     "update imeirestore",
			     self->origin,
			     version);
		return FALSE;
	}
	self->issuer = ir_trust_store_get_required (kf, GROUP_MAIN, "issuer", self->origin, error);
	if (self->issuer == NULL)
		return FALSE;
	self->audience =
	    ir_trust_store_get_required (kf, GROUP_MAIN, "audience", self->origin, error);
	if (self->audience == NULL)
		return FALSE;
	pins = ir_trust_store_get_required (kf, GROUP_MAIN, "server-pin", self->origin, error);
	if (pins == NULL || !ir_trust_store_parse_pins (self, pins, error))
		return FALSE;
	ca = ir_trust_store_get_required (kf, GROUP_MAIN, "brand-ca", self->origin, error);
	if (ca == NULL)
		return FALSE;
	return ir_trust_store_load_brand_ca (self, ca, base_dir, error);
}

static gboolean
ir_trust_store_kid_is_valid (const char *kid)
{
	gsize len = strlen (kid);

	if (len == 0 || len > KID_MAX_LEN)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum (kid[i]) && strchr ("-_.:", kid[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

/* public-key=BASE64 of a DER SubjectPublicKeyInfo, nothing after it. */
static EVP_PKEY *
ir_trust_store_parse_public_key (IrTrustStore *self,
				 GKeyFile *kf,
				 const char *group,
				 GError **error)
{
	g_autofree char *pub_b64 =
	    ir_trust_store_get_required (kf, group, "public-key", self->origin, error);
	g_autoptr (GBytes) der = NULL;
	const unsigned char *p = NULL;
	EVP_PKEY *key = NULL;
	gsize der_len = 0;

	if (pub_b64 == NULL)
		return NULL;
	der = ir_trust_store_strict_base64 (pub_b64);
	if (der != NULL) {
		p = g_bytes_get_data (der, &der_len);
		key = d2i_PUBKEY (NULL, &p, (long)der_len);
	}
	if (key == NULL || p != (const unsigned char *)g_bytes_get_data (der, NULL) + der_len) {
		EVP_PKEY_free (key);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s]: public-key is not base64 of a DER SubjectPublicKeyInfo "
			     "(openssl pkey -pubin -outform DER | base64 -w0)",
			     self->origin,
			     group);
		return NULL;
	}
	return key;
}

/* Signed-note key names such as "brand.example/policy". */
static gboolean
ir_trust_store_policy_name_is_valid (const char *name)
{
	gsize len = strlen (name);

	if (len == 0 || len > KID_MAX_LEN)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum (name[i]) && strchr ("-_.:/", name[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

/* [policy-key NAME]: the brand's rollout-policy key, Ed25519, NAME being
 * the signed-note key name its notes carry. */
static gboolean
ir_trust_store_parse_policy_group (IrTrustStore *self,
				   GKeyFile *kf,
				   const char *group,
				   GError **error)
{
	static const char *const known[] = {"public-key", NULL};
	const char *name = group + strlen (GROUP_POLICY_PFX);
	EVP_PKEY *key = NULL;

	if (!ir_trust_store_policy_name_is_valid (name)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s]: a policy key name is 1 to %d letters, digits or '-_.:/'",
			     self->origin,
			     group,
			     KID_MAX_LEN);
		return FALSE;
	}
	if (!ir_trust_store_check_known_keys (kf, group, known, self->origin, error))
		return FALSE;
	key = ir_trust_store_parse_public_key (self, kf, group, error);
	if (key == NULL)
		return FALSE;
	if (EVP_PKEY_get_base_id (key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free (key);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s]: a policy key is an Ed25519 key (signed notes)",
			     self->origin,
			     group);
		return FALSE;
	}
	g_hash_table_insert (self->policy_keys, g_strdup (name), key);
	return TRUE;
}

static gboolean
ir_trust_store_parse_key_group (IrTrustStore *self, GKeyFile *kf, const char *group, GError **error)
{
	static const char *const known[] = {"algorithm", "public-key", NULL};
	const char *kid = group + strlen (GROUP_KEY_PFX);
	g_autofree char *alg_str = NULL;
	g_autofree TokenKey *tk = g_new0 (TokenKey, 1);

	if (!ir_trust_store_kid_is_valid (kid)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s]: a key id is 1 to %d letters, digits or '-_.:'",
			     self->origin,
			     group,
			     KID_MAX_LEN);
		return FALSE;
	}
	if (!ir_trust_store_check_known_keys (kf, group, known, self->origin, error))
		return FALSE;
	alg_str = ir_trust_store_get_required (kf, group, "algorithm", self->origin, error);
	if (alg_str == NULL)
		return FALSE;
	if (!ir_trust_store_alg_from_string (alg_str, &tk->alg)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: [%s]: algorithm '%s' is not EdDSA or ES256",
			     self->origin,
			     group,
			     alg_str);
		return FALSE;
	}
	tk->key = ir_trust_store_parse_public_key (self, kf, group, error);
	if (tk->key == NULL)
		return FALSE;
	if (!ir_token_alg_check_key (tk->alg, tk->key, error)) {
		EVP_PKEY_free (tk->key);
		g_prefix_error (error, "%s: [%s]: ", self->origin, group);
		return FALSE;
	}
	g_hash_table_insert (self->keys, g_strdup (kid), g_steal_pointer (&tk));
	return TRUE;
}

IrTrustStore *
ir_trust_store_new_from_data (
    const char *data, gsize len, const char *base_dir, const char *origin, GError **error)
{
	g_autoptr (IrTrustStore) self = g_atomic_rc_box_new0 (IrTrustStore);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autofree char *cwd = g_get_current_dir ();
	g_auto (GStrv) groups = NULL;
	g_autoptr (GError) kf_error = NULL;

	self->origin = g_strdup (origin != NULL ? origin : "trust store");
	self->keys =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)token_key_free);
	self->policy_keys =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)EVP_PKEY_free);
	if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &kf_error)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: not a trust store key file: %s",
			     self->origin,
			     kf_error->message);
		return NULL;
	}
	if (!ir_trust_store_parse_main_group (self, kf, base_dir != NULL ? base_dir : cwd, error))
		return NULL;
	groups = g_key_file_get_groups (kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		if (g_strcmp0 (groups[i], GROUP_MAIN) == 0)
			continue;
		if (g_str_has_prefix (groups[i], GROUP_POLICY_PFX)) {
			if (!ir_trust_store_parse_policy_group (self, kf, groups[i], error))
				return NULL;
			continue;
		}
		if (!g_str_has_prefix (groups[i], GROUP_KEY_PFX)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: unknown group [%s]; expected [" GROUP_MAIN
				     "], [" GROUP_KEY_PFX "KID] or [" GROUP_POLICY_PFX "NAME]",
				     self->origin,
				     groups[i]);
			return NULL;
		}
		if (!ir_trust_store_parse_key_group (self, kf, groups[i], error))
			return NULL;
	}
	if (g_hash_table_size (self->keys) == 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: no [" GROUP_KEY_PFX "KID] group: no token could ever be verified",
			     self->origin);
		return NULL;
	}
	return g_steal_pointer (&self);
}

IrTrustStore *
ir_trust_store_load (const char *path, GError **error)
{
	g_autofree char *data = NULL;
	g_autofree char *dir = NULL;
	gsize len = 0;

	g_autoptr (GError) read_error = NULL;

	if (!g_file_get_contents (path, &data, &len, &read_error)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "failed to read the trust store: %s; install the brand's trust store "
			     "(certs/README.md) or pass its path",
			     read_error->message);
		return NULL;
	}
	dir = g_path_get_dirname (path);
	if (!g_path_is_absolute (dir)) {
		g_autofree char *cwd = g_get_current_dir ();
		g_autofree char *abs = g_build_filename (cwd, dir, NULL);
		g_free (dir);
		dir = g_steal_pointer (&abs);
	}
	return ir_trust_store_new_from_data (data, len, dir, path, error);
}

const char *
ir_trust_store_get_issuer (const IrTrustStore *self)
{
	return self->issuer;
}

const char *
ir_trust_store_get_audience (const IrTrustStore *self)
{
	return self->audience;
}

const char *
ir_trust_store_get_brand_ca (const IrTrustStore *self)
{
	return self->brand_ca;
}

const char *
ir_trust_store_get_server_pins (const IrTrustStore *self)
{
	return self->server_pins;
}

gboolean
ir_trust_store_server_pin_matches (const IrTrustStore *self, const guint8 *spki_der, gsize len)
{
	g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize digest_len = sizeof (digest);

	g_checksum_update (sum, spki_der, len);
	g_checksum_get_digest (sum, digest, &digest_len);
	for (guint i = 0; i < self->pins->len; i++) {
		GBytes *pin = g_ptr_array_index (self->pins, i);
		if (memcmp (g_bytes_get_data (pin, NULL), digest, sizeof (digest)) == 0)
			return TRUE;
	}
	return FALSE;
}

EVP_PKEY *
ir_trust_store_lookup_key (const IrTrustStore *self, const char *kid, IrTokenAlg *alg)
{
	TokenKey *tk = g_hash_table_lookup (self->keys, kid);

	if (tk == NULL)
		return NULL;
	if (alg != NULL)
		*alg = tk->alg;
	return tk->key;
}

static int
ir_trust_store_compare_strp (const void *a, const void *b)
{
	return strcmp (*(const char *const *)a, *(const char *const *)b);
}

char **
ir_trust_store_get_key_ids (const IrTrustStore *self)
{
	g_autofree const char **ids =
	    (const char **)g_hash_table_get_keys_as_array (self->keys, NULL);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	guint n = g_hash_table_size (self->keys);

	qsort (ids, n, sizeof (char *), ir_trust_store_compare_strp);
	for (guint i = 0; i < n; i++)
		g_strv_builder_add (builder, ids[i]);
	return g_strv_builder_end (builder);
}

EVP_PKEY *
ir_trust_store_lookup_policy_key (const IrTrustStore *self, const char *name)
{
	return g_hash_table_lookup (self->policy_keys, name);
}

char **
ir_trust_store_get_policy_key_names (const IrTrustStore *self)
{
	g_autofree const char **names =
	    (const char **)g_hash_table_get_keys_as_array (self->policy_keys, NULL);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	guint n = g_hash_table_size (self->policy_keys);

	qsort (names, n, sizeof (char *), ir_trust_store_compare_strp);
	for (guint i = 0; i < n; i++)
		g_strv_builder_add (builder, names[i]);
	return g_strv_builder_end (builder);
}
