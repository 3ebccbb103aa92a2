/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ir-imei.h"
#include "ir-openssl-autoptr.h"
#include "ir-pem.h"
#include "ir-signed-note.h"
#include "ir-witness-client.h"
#include "ir-workstation-key.h"
#include "rollout-sim.h"

BtEnv *
rollout_sim_env_new (void)
{
	g_autofree char *extra = g_strdup_printf (
	    "[policy]\npublic-key=%s/policy.pub.pem\n[witness]\nkey=%s/witness.key\n",
	    brandd_test_env_pki_dir (),
	    brandd_test_env_pki_dir ());

	return brandd_test_env_new (extra);
}

char *
rollout_sim_imei (const char *tac, guint i)
{
	g_autofree char *digits = g_strdup_printf ("%s%06u", tac, i);

	return g_strdup_printf ("%s%c", digits, ir_imei_check_digit (digits));
}

void
rollout_sim_import (BtEnv *env, const char *prefix, const char *tac, guint n)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1,imei2\n");
	g_autofree char *name = g_strdup_printf ("devices-%s.csv", prefix);
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;

	for (guint i = 0; i < n; i++) {
		g_autofree char *imei = rollout_sim_imei (tac, i);

		g_string_append_printf (csv, "%s-%03u,,Acme,R1,%s,%s,\n", prefix, i, tac, imei);
	}
	path = brandd_test_env_write_file (env->dir, name, csv->str);
	{
		const char *import[] = {"import", "--db", env->db, path, NULL};
		if (brandd_test_env_run_brandd (import, NULL, &err) != 0)
			fail_msg ("import failed: %s", err);
	}
}

void
rollout_sim_publish (BtEnv *env, const char *json)
{
	g_autofree char *key_path =
	    g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (EVP_PKEY) key = ir_pem_load_private_key (key_path, "test", &error);
	g_autofree char *note = NULL;
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;

	assert_non_null (key);
	note = ir_signed_note_sign (json, "imei-brandd.dev/policy", key, &error);
	assert_non_null (note);
	path = brandd_test_env_write_file (env->dir, "published.note", note);
	{
		const char *publish[] = {"policy", "publish", "--config", env->conf, path, NULL};
		if (brandd_test_env_run_brandd (publish, NULL, &err) != 0)
			fail_msg ("publish failed: %s", err);
	}
}

long
rollout_sim_token (BtEnv *env, const char *client, const char *serial, char **token_id)
{
	g_autofree char *body = g_strdup_printf (
	    "{\"device\": {\"serial\": \"%s\"}, \"current_imeis\": [\"000000000000000\"]}", serial);
	g_autoptr (BtResponse) r = brandd_test_env_request (env, client, "/v1/tokens", body, NULL);

	if (token_id != NULL)
		*token_id = r->status == 200
				? g_strdup (brandd_test_env_json_string (r, "token_id"))
				: NULL;
	/* a refusal other than a cap says why in the test's log */
	if (r->status != 200 && r->status != 429)
		g_printerr ("token for %s: %ld %s\n", serial, r->status, r->body);
	return r->status;
}

long
rollout_sim_report (BtEnv *env,
		    const char *client,
		    const char *token_id,
		    const char *outcome,
		    const char *read_back)
{
	g_autofree char *body =
	    g_strdup_printf ("{\"token_id\": \"%s\", \"outcome\": \"%s\", \"imeis_read_back\": %s}",
			     token_id,
			     outcome,
			     read_back);
	g_autoptr (BtResponse) r = brandd_test_env_request (env, client, "/v1/reports", body, NULL);

	return r->status;
}

RolloutSimWs *
rollout_sim_ws_new (const char *centre, const char *name)
{
	RolloutSimWs *ws = g_new0 (RolloutSimWs, 1);
	g_autoptr (GError) error = NULL;
	g_autofree char *key_path = NULL;

	ws->dir = g_dir_make_tmp ("rollout-ws-XXXXXX", &error);
	ws->centre = g_strdup (centre);
	assert_non_null (ws->dir);
	key_path = g_build_filename (ws->dir, IR_WORKSTATION_KEY_FILE, NULL);
	ws->key = ir_workstation_key_load_or_create (key_path, &error);
	ws->origin = ir_workstation_key_name (centre, name, &error);
	assert_non_null (ws->key);
	assert_non_null (ws->origin);
	ws->log = ir_migration_log_open (ws->dir, ws->origin, ws->origin, ws->key, &error);
	if (ws->log == NULL)
		fail_msg ("cannot open the log: %s", error->message);
	return ws;
}

void
rollout_sim_ws_free (RolloutSimWs *ws)
{
	g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", ws->dir);

	brandd_test_env_sh (cmd, NULL, NULL);
	g_clear_object (&ws->log);
	EVP_PKEY_free (ws->key);
	g_free (ws->origin);
	g_free (ws->centre);
	g_free (ws->dir);
	g_free (ws);
}

static void
rollout_sim_ws_append (RolloutSimWs *ws, IrLogRecordType type, JsonObject *fields)
{
	g_autoptr (GError) error = NULL;
	guint64 index = 0;

	if (!ir_migration_log_append (ws->log, type, fields, &index, &error))
		fail_msg ("append failed: %s", error->message);
}

static JsonArray *
rollout_sim_ws_slots (const char *imei)
{
	JsonArray *a = json_array_new ();

	json_array_add_string_element (a, imei);
	return a;
}

void
rollout_sim_ws_intent (RolloutSimWs *ws,
		       const char *token_id,
		       const char *phase,
		       gint64 policy_version,
		       const char *imei)
{
	g_autoptr (JsonObject) fields = json_object_new ();
	JsonObject *phone = json_object_new ();
	g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token_id, -1);

	json_object_set_string_member (phone, "port", "/dev/ttyUSB0");
	json_object_set_string_member (fields, "intent_id", token_id);
	json_object_set_string_member (fields, "technician", "alice");
	json_object_set_string_member (fields, "centre", ws->centre);
	json_object_set_string_member (fields, "workstation", "ws");
	json_object_set_object_member (fields, "phone", phone);
	json_object_set_array_member (
	    fields, "imeis_before", rollout_sim_ws_slots ("000000000000000"));
	json_object_set_array_member (fields, "imeis_target", rollout_sim_ws_slots (imei));
	json_object_set_string_member (fields, "token_id", token_id);
	json_object_set_string_member (fields, "token_sha256", sha);
	json_object_set_string_member (fields, "phase", phase);
	json_object_set_int_member (fields, "policy_version", policy_version);
	rollout_sim_ws_append (ws, IR_LOG_RECORD_INTENT, fields);
}

void
rollout_sim_ws_result (RolloutSimWs *ws,
		       const char *token_id,
		       const char *outcome,
		       const char *phase,
		       gint64 policy_version,
		       const char *imei)
{
	g_autoptr (JsonObject) fields = json_object_new ();

	json_object_set_string_member (fields, "intent_id", token_id);
	json_object_set_string_member (fields, "outcome", outcome);
	json_object_set_array_member (fields, "imeis_read_back", rollout_sim_ws_slots (imei));
	json_object_set_string_member (fields, "phase", phase);
	json_object_set_int_member (fields, "policy_version", policy_version);
	rollout_sim_ws_append (ws, IR_LOG_RECORD_RESULT, fields);
}

void
rollout_sim_ws_upload (RolloutSimWs *ws, BtEnv *env, const char *client)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *body =
	    ir_witness_client_upload_body (ws->log, ws->key, ws->uploaded, &error);
	g_autoptr (BtResponse) r = NULL;

	if (body == NULL)
		fail_msg ("cannot build the upload: %s", error->message);
	r = brandd_test_env_request (env, client, "/v1/witness", body, NULL);
	if (r->status != 200)
		fail_msg ("upload refused: %ld %s", r->status, r->body);
	ws->uploaded = ir_migration_log_get_size (ws->log);
}

void
rollout_sim_expect_refusals (const RolloutSimRefusal *rows,
			     guint n_rows,
			     RolloutSimRunFunc run,
			     const char *never_written)
{
	for (guint i = 0; i < n_rows; i++) {
		g_autofree char *err = NULL;
		int rc = run (rows[i].args, NULL, &err);

		if (rc != rows[i].exit_code || err == NULL || strstr (err, rows[i].says) == NULL)
			fail_msg ("%s: exit %d, \"%s\"", rows[i].name, rc, err);
		if (never_written != NULL && g_file_test (never_written, G_FILE_TEST_EXISTS))
			fail_msg ("%s: %s was written", rows[i].name, never_written);
	}
}
