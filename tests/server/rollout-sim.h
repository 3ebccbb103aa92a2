/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "brandd-test-env.h"
#include "ir-migration-log.h"

G_BEGIN_DECLS

/* What the report and block-list tests share: registry devices in bulk,
 * policies signed with the PKI's policy key and published with the real
 * `imei-brandd policy publish`, tokens and reports over mutual TLS, and
 * workstation migration logs written with the real log writer and
 * uploaded to the server's witness. */

#define ROLLOUT_SIM_ALICE "technician-alice" /* centre DL-0001 */
#define ROLLOUT_SIM_BOB	  "technician-bob"   /* centre MH-0002 */

/* An env whose server pins the PKI's policy key. */
BtEnv *rollout_sim_env_new (void);

/* Imports @n devices SERIAL-<prefix>-NNN with TAC @tac (8 digits) and one
 * IMEI each, model "R1". */
void rollout_sim_import (BtEnv *env, const char *prefix, const char *tac, guint n);

/* The IMEI of device @i of rollout_sim_import(@tac). */
char *rollout_sim_imei (const char *tac, guint i);

/* Signs @json with the PKI's policy key and publishes it; fails the test
 * when publish does. */
void rollout_sim_publish (BtEnv *env, const char *json);

/* Asks for a token for the device with @serial; returns the HTTP status,
 * *token_id (may be NULL) the token's id on 200. */
long rollout_sim_token (BtEnv *env, const char *client, const char *serial, char **token_id);

/* Reports @outcome of @token_id with @read_back (a JSON array). */
long rollout_sim_report (BtEnv *env,
			 const char *client,
			 const char *token_id,
			 const char *outcome,
			 const char *read_back);

/* A workstation: its folder, key and migration log. */
typedef struct {
	char *dir;
	char *centre;
	char *origin;
	EVP_PKEY *key;
	IrMigrationLog *log;
	guint64 uploaded;
} RolloutSimWs;

RolloutSimWs *rollout_sim_ws_new (const char *centre, const char *name);
void rollout_sim_ws_free (RolloutSimWs *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RolloutSimWs, rollout_sim_ws_free)

/* Appends the INTENT of @token_id (phase, policy version) writing @imei. */
void rollout_sim_ws_intent (RolloutSimWs *ws,
			    const char *token_id,
			    const char *phase,
			    gint64 policy_version,
			    const char *imei);

/* Appends a RESULT of @token_id. */
void rollout_sim_ws_result (RolloutSimWs *ws,
			    const char *token_id,
			    const char *outcome,
			    const char *phase,
			    gint64 policy_version,
			    const char *imei);

/* Uploads what the server has not witnessed yet, as @client. */
void rollout_sim_ws_upload (RolloutSimWs *ws, BtEnv *env, const char *client);

/* One bad command line and what its refusal must be. */
typedef struct {
	const char *name;
	const char *args[16];
	int exit_code;
	const char *says; /* part of the message on standard error */
} RolloutSimRefusal;

typedef int (*RolloutSimRunFunc) (const char *const *argv, char **out, char **err);

/* Runs each row with @run (bt_run_brandd, or an imeictl runner) and fails
 * the test unless it exits with its code and says what it should; when
 * @never_written is not NULL, that file must not exist afterwards. */
void rollout_sim_expect_refusals (const RolloutSimRefusal *rows,
				  guint n_rows,
				  RolloutSimRunFunc run,
				  const char *never_written);

G_END_DECLS
