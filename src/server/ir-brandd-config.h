/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-brandd-db.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* imei-brandd's settings: a GKeyFile (documented in
 * data/imei-brandd.conf.example and imei-brandd(1)) with command-line
 * flags applied on top. Relative paths are resolved against the folder of
 * the config file. Every value is checked when loaded; an error names the
 * group and key. */

#define IR_BRANDD_DEFAULT_QUOTA			     200
#define IR_BRANDD_DEFAULT_MAX_BODY		     16384
#define IR_BRANDD_DEFAULT_MAX_HEADERS		     8192
#define IR_BRANDD_DEFAULT_TIMEOUT_MS		     10000
#define IR_BRANDD_DEFAULT_MAX_CONNECTIONS	     256
#define IR_BRANDD_DEFAULT_HANDSHAKE_MS		     5000
#define IR_BRANDD_DEFAULT_MAX_HANDSHAKES	     64
#define IR_BRANDD_DEFAULT_MAX_HANDSHAKES_PER_ADDRESS 16

typedef struct {
	char *listen_host;   /* numeric IPv4 or IPv6 address */
	guint16 listen_port; /* 0: the kernel picks one */
	char *database;
	gsize max_body_size;
	gsize max_header_size;
	guint timeout_ms;		  /* idle and read/write timeout, and each whole request */
	guint max_connections;		  /* authenticated (handshake done) */
	guint handshake_timeout_ms;	  /* the whole TLS handshake */
	guint max_handshakes;		  /* unauthenticated connections */
	guint max_handshakes_per_address; /* the same, per source address */

	char *certificate; /* server certificate chain, PEM */
	char *private_key;
	char *client_ca; /* CA that client certificates must chain to */
	char *crl;	 /* that CA's CRL, PEM; NULL: none */

	char *signing_key; /* token-signing private key, PEM */
	IrTokenAlg algorithm;
	char *key_id;
	char *issuer;
	char *audience;
	guint lifetime; /* seconds, 1..IR_TOKEN_MAX_LIFETIME */
	char *phase;

	guint default_quota; /* tokens per centre per UTC day */

	/* the witness's cosigning key (PEM, Ed25519) and its signed-note key
	 * name; without a key POST /v1/witness is refused */
	char *witness_key;
	char *witness_name;

	/* the brand's rollout-policy key (PEM, Ed25519 public) and its
	 * signed-note name (default <issuer>/policy): `policy publish`
	 * verifies with it, and the server again when it reads a policy */
	char *policy_public_key;
	char *policy_key_name;

	/* [store]: SQLite at @database unless backend=postgresql, then the
	 * libpq connection string (the password in its passfile, never
	 * here) */
	IrBranddBackend store_backend;
	char *store_connection;
} IrBranddConfig;

IrBranddConfig *ir_brandd_config_new (void);
void ir_brandd_config_free (IrBranddConfig *self);

/* Reads @path into @self; keys not in the file keep their value. */
gboolean ir_brandd_config_load (IrBranddConfig *self, const char *path, GError **error);

/* Parses "HOST:PORT" or "[V6]:PORT" into @self. */
gboolean ir_brandd_config_set_listen (IrBranddConfig *self, const char *value, GError **error);

/* The database path, or the PostgreSQL connection string. */
const char *ir_brandd_config_store_target (const IrBranddConfig *self);
/* Checks that the database is named for the backend. */
gboolean ir_brandd_config_check_store (const IrBranddConfig *self, GError **error);

/* Checks that everything `serve` needs is set. */
gboolean ir_brandd_config_check_serve (const IrBranddConfig *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddConfig, ir_brandd_config_free)

G_END_DECLS
