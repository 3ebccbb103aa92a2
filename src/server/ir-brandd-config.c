/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-config.h"
#include "ir-error.h"
#include "ir-token.h"

/* The config file is strict: a typo in a key would otherwise silently leave
 * a default (say, a quota) in force, so unknown groups and keys are errors. */

typedef enum {
	KEY_STRING,
	KEY_PATH,
	KEY_UINT,
	KEY_SIZE,
	KEY_SECONDS, /* decimal seconds, stored as milliseconds */
	KEY_LISTEN,
	KEY_ALGORITHM,
	KEY_BACKEND,
} KeyType;

typedef struct {
	const char *group;
	const char *key;
	KeyType type;
	gsize offset;
	guint64 min;
	guint64 max;
} KeyDef;

#define OFF(field) G_STRUCT_OFFSET (IrBranddConfig, field)

static const KeyDef keys[] = {
    {"server", "listen", KEY_LISTEN, 0},
    {"server", "database", KEY_PATH, OFF (database)},
    {"server", "max-body-size", KEY_SIZE, OFF (max_body_size), 256, 16 * 1024 * 1024},
    {"server", "max-header-size", KEY_SIZE, OFF (max_header_size), 512, 1024 * 1024},
    {"server", "timeout", KEY_SECONDS, OFF (timeout_ms), 100, 3600 * 1000},
    {"server", "max-connections", KEY_UINT, OFF (max_connections), 1, 100000},
    {"server", "handshake-timeout", KEY_SECONDS, OFF (handshake_timeout_ms), 100, 600 * 1000},
    {"server", "max-handshakes", KEY_UINT, OFF (max_handshakes), 1, 100000},
    {"server", "max-handshakes-per-address", KEY_UINT, OFF (max_handshakes_per_address), 1, 100000},
    {"tls", "certificate", KEY_PATH, OFF (certificate)},
    {"tls", "private-key", KEY_PATH, OFF (private_key)},
    {"tls", "client-ca", KEY_PATH, OFF (client_ca)},
    {"tls", "crl", KEY_PATH, OFF (crl)},
    {"tokens", "signing-key", KEY_PATH, OFF (signing_key)},
    {"tokens", "algorithm", KEY_ALGORITHM, 0},
    {"tokens", "key-id", KEY_STRING, OFF (key_id), 1, 64},
    {"tokens", "issuer", KEY_STRING, OFF (issuer), 1, IR_TOKEN_TEXT_MAX},
    {"tokens", "audience", KEY_STRING, OFF (audience), 1, IR_TOKEN_TEXT_MAX},
    {"tokens", "lifetime", KEY_UINT, OFF (lifetime), 1, IR_TOKEN_MAX_LIFETIME},
    {"tokens", "phase", KEY_STRING, OFF (phase), 1, IR_TOKEN_TEXT_MAX},
    {"centres", "default-daily-quota", KEY_UINT, OFF (default_quota), 0, 10000000},
    {"witness", "key", KEY_PATH, OFF (witness_key)},
    {"witness", "name", KEY_STRING, OFF (witness_name), 1, 256},
    {"policy", "public-key", KEY_PATH, OFF (policy_public_key)},
    {"policy", "key-name", KEY_STRING, OFF (policy_key_name), 1, 64},
    {"store", "backend", KEY_BACKEND, 0},
    /* a libpq connection string; a password only through its passfile */
    {"store", "connection", KEY_STRING, OFF (store_connection), 1, 4096},
};

IrBranddConfig *
ir_brandd_config_new (void)
{
	IrBranddConfig *self = g_new0 (IrBranddConfig, 1);

	self->listen_host = g_strdup ("127.0.0.1");
	self->listen_port = 8443;
	self->max_body_size = IR_BRANDD_DEFAULT_MAX_BODY;
	self->max_header_size = IR_BRANDD_DEFAULT_MAX_HEADERS;
	self->timeout_ms = IR_BRANDD_DEFAULT_TIMEOUT_MS;
	self->max_connections = IR_BRANDD_DEFAULT_MAX_CONNECTIONS;
	self->handshake_timeout_ms = IR_BRANDD_DEFAULT_HANDSHAKE_MS;
	self->max_handshakes = IR_BRANDD_DEFAULT_MAX_HANDSHAKES;
	self->max_handshakes_per_address = IR_BRANDD_DEFAULT_MAX_HANDSHAKES_PER_ADDRESS;
	self->algorithm = IR_TOKEN_ALG_EDDSA;
	self->issuer = g_strdup ("imei-brandd.dev");
	self->audience = g_strdup ("imeirestore");
	self->lifetime = IR_TOKEN_MAX_LIFETIME;
	self->phase = g_strdup ("default");
	self->default_quota = IR_BRANDD_DEFAULT_QUOTA;
	return self;
}

void
ir_brandd_config_free (IrBranddConfig *self)
{
	if (self == NULL)
		return;
	g_free (self->listen_host);
	g_free (self->database);
	g_free (self->certificate);
	g_free (self->private_key);
	g_free (self->client_ca);
	g_free (self->crl);
	g_free (self->signing_key);
	g_free (self->key_id);
	g_free (self->issuer);
	g_free (self->audience);
	g_free (self->phase);
	g_free (self->witness_key);
	g_free (self->witness_name);
	g_free (self->policy_public_key);
	g_free (self->policy_key_name);
	g_free (self->store_connection);
	g_free (self);
}

gboolean
ir_brandd_config_set_listen (IrBranddConfig *self, const char *value, GError **error)
{
	const char *colon = strrchr (value, ':');
	g_autofree char *host = NULL;
	guint64 port = 0;

	if (colon == NULL || colon == value ||
	    !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:8443, [::1]:8443, "
		    "port 0 picks a free port)",
		    value);
		return FALSE;
	}
	host = g_strndup (value, colon - value);
	if (host[0] == '[' && g_str_has_suffix (host, "]")) {
		char *inner = g_strndup (host + 1, strlen (host) - 2);
		g_free (host);
		host = inner;
	}
	if (!g_hostname_is_ip_address (host)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "listen address '%s': '%s' is not a numeric IP address",
			     value,
			     host);
		return FALSE;
	}
	g_free (self->listen_host);
	self->listen_host = g_steal_pointer (&host);
	self->listen_port = (guint16)port;
	return TRUE;
}

static gboolean
ir_brandd_config_bad_key (GError **error, const KeyDef *def, const char *value, const char *why)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "[%s] %s = '%s': %s",
		     def->group,
		     def->key,
		     value,
		     why);
	return FALSE;
}

static char *
ir_brandd_config_resolve_path (const char *value, const char *base_dir)
{
	if (g_path_is_absolute (value) || base_dir == NULL)
		return g_strdup (value);
	return g_build_filename (base_dir, value, NULL);
}

static gboolean
ir_brandd_config_parse_uint (const KeyDef *def, const char *value, guint64 *out, GError **error)
{
	g_autofree char *why = NULL;

	if (g_ascii_string_to_unsigned (value, 10, def->min, def->max, out, NULL))
		return TRUE;
	why = g_strdup_printf ("expected a whole number from %" G_GUINT64_FORMAT
			       " to %" G_GUINT64_FORMAT,
			       def->min,
			       def->max);
	return ir_brandd_config_bad_key (error, def, value, why);
}

static gboolean
ir_brandd_config_parse_seconds (const KeyDef *def, const char *value, guint *out_ms, GError **error)
{
	char *end = NULL;
	double secs = g_ascii_strtod (value, &end);
	double ms = secs * 1000.0;

	if (end == value || *end != '\0' || !(ms >= (double)def->min) || ms > (double)def->max)
		return ir_brandd_config_bad_key (
		    error, def, value, "expected seconds from 0.1 to 3600, e.g. 10 or 2.5");
	*out_ms = (guint)ms;
	return TRUE;
}

static gboolean
ir_brandd_config_apply_key (IrBranddConfig *self,
			    const KeyDef *def,
			    const char *value,
			    const char *base_dir,
			    GError **error)
{
	guint64 n = 0;

	switch (def->type) {
	case KEY_LISTEN:
		if (!ir_brandd_config_set_listen (self, value, error)) {
			g_prefix_error (error, "[%s] %s: ", def->group, def->key);
			return FALSE;
		}
		return TRUE;
	case KEY_ALGORITHM:
		if (g_strcmp0 (value, "EdDSA") == 0)
			self->algorithm = IR_TOKEN_ALG_EDDSA;
		else if (g_strcmp0 (value, "ES256") == 0)
			self->algorithm = IR_TOKEN_ALG_ES256;
		else
			return ir_brandd_config_bad_key (
			    error, def, value, "expected EdDSA or ES256");
		return TRUE;
	case KEY_BACKEND:
		if (!ir_brandd_db_backend_from_string (value, &self->store_backend, NULL))
			return ir_brandd_config_bad_key (
			    error, def, value, "expected sqlite or postgresql");
		return TRUE;
	case KEY_STRING:
		if (strlen (value) < def->min || strlen (value) > def->max)
			return ir_brandd_config_bad_key (error, def, value, "empty or too long");
		g_free (*((char **)G_STRUCT_MEMBER_P (self, def->offset)));
		*((char **)G_STRUCT_MEMBER_P (self, def->offset)) = g_strdup (value);
		return TRUE;
	case KEY_PATH:
		if (value[0] == '\0')
			return ir_brandd_config_bad_key (error, def, value, "expected a file path");
		g_free (*((char **)G_STRUCT_MEMBER_P (self, def->offset)));
		*((char **)G_STRUCT_MEMBER_P (self, def->offset)) =
		    ir_brandd_config_resolve_path (value, base_dir);
		return TRUE;
	case KEY_UINT:
		if (!ir_brandd_config_parse_uint (def, value, &n, error))
			return FALSE;
		*((guint *)G_STRUCT_MEMBER_P (self, def->offset)) = (guint)n;
		return TRUE;
	case KEY_SIZE:
		if (!ir_brandd_config_parse_uint (def, value, &n, error))
			return FALSE;
		*((gsize *)G_STRUCT_MEMBER_P (self, def->offset)) = (gsize)n;
		return TRUE;
	case KEY_SECONDS:
		return ir_brandd_config_parse_seconds (
		    def, value, ((guint *)G_STRUCT_MEMBER_P (self, def->offset)), error);
	}
	g_assert_not_reached ();
}

static const KeyDef *
ir_brandd_config_lookup_key (const char *group, const char *key)
{
	for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
		if (g_strcmp0 (keys[i].group, group) == 0 && g_strcmp0 (keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static gboolean
ir_brandd_config_group_known (const char *group)
{
	for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
		if (g_strcmp0 (keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
ir_brandd_config_load_group (
    IrBranddConfig *self, GKeyFile *kf, const char *group, const char *base_dir, GError **error)
{
	g_auto (GStrv) names = g_key_file_get_keys (kf, group, NULL, NULL);

	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		const KeyDef *def = ir_brandd_config_lookup_key (group, names[i]);
		g_autofree char *value = NULL;

		if (def == NULL) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "[%s] %s: unknown key; see data/imei-brandd.conf.example",
				     group,
				     names[i]);
			return FALSE;
		}
		value = g_key_file_get_string (kf, group, names[i], error);
		if (value == NULL)
			return FALSE;
		g_strstrip (value);
		if (!ir_brandd_config_apply_key (self, def, value, base_dir, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
ir_brandd_config_load (IrBranddConfig *self, const char *path, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_auto (GStrv) groups = NULL;
	g_autofree char *base_dir = NULL;
	g_autofree char *abs = g_canonicalize_filename (path, NULL);

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error)) {
		g_prefix_error (error, "failed to read config %s: ", path);
		return FALSE;
	}
	base_dir = g_path_get_dirname (abs);
	groups = g_key_file_get_groups (kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		if (!ir_brandd_config_group_known (groups[i])) {
			g_set_error (
			    error,
			    IR_ERROR,
			    IR_ERROR_INVALID_INPUT,
			    "config %s: [%s]: unknown group; expected server, tls, tokens, "
			    "centres, witness, policy or store",
			    path,
			    groups[i]);
			return FALSE;
		}
		if (!ir_brandd_config_load_group (self, kf, groups[i], base_dir, error)) {
			g_prefix_error (error, "config %s: ", path);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
ir_brandd_config_require (const char *value, const char *group, const char *key, GError **error)
{
	if (value != NULL)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "[%s] %s is not set; serve needs it (see data/imei-brandd.conf.example)",
		     group,
		     key);
	return FALSE;
}

const char *
ir_brandd_config_store_target (const IrBranddConfig *self)
{
	return self->store_backend == IR_BRANDD_BACKEND_POSTGRESQL ? self->store_connection
								   : self->database;
}

gboolean
ir_brandd_config_check_store (const IrBranddConfig *self, GError **error)
{
	if (self->store_backend == IR_BRANDD_BACKEND_POSTGRESQL)
		return ir_brandd_config_require (
		    self->store_connection, "store", "connection", error);
	return ir_brandd_config_require (self->database, "server", "database", error);
}

gboolean
ir_brandd_config_check_serve (const IrBranddConfig *self, GError **error)
{
	return ir_brandd_config_check_store (self, error) &&
	       ir_brandd_config_require (self->certificate, "tls", "certificate", error) &&
	       ir_brandd_config_require (self->private_key, "tls", "private-key", error) &&
	       ir_brandd_config_require (self->client_ca, "tls", "client-ca", error) &&
	       ir_brandd_config_require (self->signing_key, "tokens", "signing-key", error) &&
	       ir_brandd_config_require (self->key_id, "tokens", "key-id", error);
}
