/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ir-brandd-db.h"

G_BEGIN_DECLS

/* What the imei-brandd tests share: a development PKI generated at test
 * time with certs/gen-dev-pki.sh into a temporary folder, a database with
 * the devices below, the real imei-brandd ($IMEI_BRANDD) started on
 * 127.0.0.1:0, and HTTPS requests over libcurl with mutual TLS 1.3.
 * Helpers fail the current cmocka test when the environment breaks. */

/* Registered devices (check digits worked out in brandd-test-env.c). */
#define BT_DEV1_SERIAL "SN0001"
#define BT_DEV1_HWID   "HW-0001"
#define BT_DEV1_IMEI1  "490154203237518"
#define BT_DEV1_IMEI2  "352099001761481"
#define BT_DEV2_SERIAL "SN0002"
#define BT_DEV2_IMEI1  "490154203237526"
#define BT_DEV3_HWID   "HW-0003"
#define BT_DEV3_IMEI1  "352099001761499"

typedef struct {
	char *dir;  /* temporary folder: pki/, brandd.conf, brandd.db */
	char *pki;  /* dir/pki */
	char *conf; /* dir/brandd.conf */
	char *db;
	GSubprocess *proc;
	char *url; /* https://127.0.0.1:PORT */
	guint16 port;
} BtEnv;

/* The PKI is made once per test binary (it is slow) and shared. */
const char *brandd_test_env_pki_dir (void);

/* A temporary folder with the shared PKI, a config with @extra_config
 * appended (may be NULL; GKeyFile merges a repeated group, and a key
 * given again wins), and an initialised
 * database holding the devices above. The server is not started. */
BtEnv *brandd_test_env_new (const char *extra_config);
/* Bounds on a server's start and stop, far above what they take on a
 * loaded machine under ASan (a second or two), so that a server that
 * hangs fails the test with a message, never the test's timeout. */
#define BT_START_WAIT_S 60
#define BT_STOP_WAIT_S	30

/* Starts imei-brandd serve and waits (at most BT_START_WAIT_S) for
 * "listening on". The server dies with the test process. */
void brandd_test_env_start (BtEnv *env);
/* SIGTERM, then waits at most BT_STOP_WAIT_S (then kills it and fails);
 * returns the exit status (-signal when killed). */
int brandd_test_env_stop (BtEnv *env);
void brandd_test_env_free (BtEnv *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtEnv, brandd_test_env_free)

typedef struct {
	long status;   /* 0 when there was no HTTP answer (TLS refused...) */
	int curl_code; /* CURLcode */
	/* with status 0: curl's error and when it came ("Connection reset by
	 * peer, after 5.35 s": a server's deadline shows as its time) */
	char *curl_error;
	char *body;
	JsonNode *json;	   /* body parsed, NULL when not JSON */
	char *retry_after; /* the Retry-After header, NULL when none */
} BtResponse;

void brandd_test_env_response_free (BtResponse *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtResponse, brandd_test_env_response_free)

/* @client is the stem of a certificate in the PKI ("technician-alice"), or
 * NULL for none. @body NULL makes a GET. @content_type NULL: JSON. */
BtResponse *brandd_test_env_request (
    BtEnv *env, const char *client, const char *path, const char *body, const char *content_type);

/* A keep-alive mutual TLS 1.3 connection of our own (OpenSSL, blocking,
 * peer verified against the PKI's CA), for what libcurl hides: holding a
 * connection open, several requests on one connection, slow clients. */
typedef struct _BtTls BtTls;

/* NULL when the connection or the handshake fails. In TLS 1.3 the server
 * judges the client certificate after the client's handshake is done:
 * a refusal shows on the first request. */
BtTls *bt_tls_connect (BtEnv *env, const char *client);
/* One HTTP/1.1 request (GET when @body is NULL); status 0 when the
 * connection failed or was closed. */
BtResponse *bt_tls_request (BtTls *tls, const char *path, const char *body);
/* Writes @len raw bytes through TLS; FALSE when the connection is gone. */
gboolean bt_tls_write (BtTls *tls, const char *data, gsize len);
/* TRUE when the server has closed the connection (reads EOF or an error
 * within @wait_ms). */
gboolean bt_tls_closed (BtTls *tls, guint wait_ms);
void bt_tls_free (BtTls *tls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtTls, bt_tls_free)

/* Raises this process's open-file limit to at least @n (fails the test if
 * the hard limit is lower). */
void brandd_test_env_raise_fd_limit (guint n);

/* The "error"."code" of a refusal, or NULL. */
const char *brandd_test_env_error_code (const BtResponse *r);
const char *brandd_test_env_json_string (const BtResponse *r, const char *member);

/* Runs imei-brandd with @argv (NULL-terminated, without the program). */
int brandd_test_env_run_brandd (const char *const *argv, char **out, char **err);

/* Writes @contents into @dir/@name; returns the path. */
char *brandd_test_env_write_file (const char *dir, const char *name, const char *contents);

/* The test's database, on the backend the suite runs (SQLite, or
 * PostgreSQL in server-pg): the first column of the first row of @sql
 * (-1 when no row), with @arg (may be NULL) bound to its one parameter. */
gint64 brandd_test_env_db_int (BtEnv *env, const char *sql, const char *arg);
void brandd_test_env_db_exec (BtEnv *env, const char *sql, const char *arg);
/* Holds the write lock of the database (SQLite) or of the token tables
 * (PostgreSQL) as another process would, until brandd_test_env_db_unlock(). */
IrBranddDb *brandd_test_env_db_lock (BtEnv *env);
void brandd_test_env_db_unlock (IrBranddDb *db);

/* Runs a shell command line; returns its exit status. */
int brandd_test_env_sh (const char *cmdline, char **out, char **err);

G_END_DECLS
