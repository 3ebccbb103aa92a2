/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <string.h>

#include "ir-brandd-policy.h"
#include "ir-brandd-rollout-store.h"
#include "ir-brandd-rollout.h"
#include "ir-error.h"
#include "ir-pem.h"
#include "ir-policy.h"
#include "ir-signed-note.h"
#include "ir-openssl-autoptr.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static int
ir_brandd_policy_fail (int code, const GError *error)
{
	g_printerr ("imei-brandd: %s\n", error->message);
	return code;
}

static int
ir_brandd_policy_usage (const char *message)
{
	g_printerr ("imei-brandd: %s\nTry imei-brandd --help.\n", message);
	return EXIT_USAGE;
}

static char *
ir_brandd_policy_key_name (const IrBranddConfig *config, const IrBranddPolicyOptions *options)
{
	if (options->key_name != NULL)
		return g_strdup (options->key_name);
	if (config->policy_key_name != NULL)
		return g_strdup (config->policy_key_name);
	return g_strdup_printf ("%s/policy", config->issuer);
}

static GDateTime *
ir_brandd_policy_now (void)
{
	return g_date_time_new_now_utc ();
}

/* policy sign --key KEY POLICY.json: the JSON validated as a policy that
 * has not expired, then signed as it is (one trailing newline). */
static int
ir_brandd_policy_sign (const IrBranddConfig *config,
		       const IrBranddPolicyOptions *options,
		       int argc,
		       char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *body = NULL;
	g_autofree char *note = NULL;
	g_autofree char *name = ir_brandd_policy_key_name (config, options);
	g_autoptr (IrPolicy) policy = NULL;
	g_autoptr (EVP_PKEY) key = NULL;
	g_autoptr (GDateTime) now = ir_brandd_policy_now ();
	gsize len = 0;

	if (argc != 1 || options->key == NULL)
		return ir_brandd_policy_usage ("usage: policy sign --key POLICY.key [--key-name "
					       "NAME] [--out FILE] POLICY.json");
	if (!g_file_get_contents (argv[0], &text, &len, &error))
		return ir_brandd_policy_fail (EXIT_USAGE, error);
	policy = ir_policy_parse (text, len, &error);
	if (policy == NULL || !ir_policy_check_fresh (policy, 0, now, &error)) {
		g_prefix_error (&error, "%s: ", argv[0]);
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	}
	body = g_strconcat (g_strchomp (text), "\n", NULL);
	key = ir_pem_load_private_key (options->key, "--key", &error);
	if (key == NULL)
		return ir_brandd_policy_fail (EXIT_USAGE, error);
	note = ir_signed_note_sign (body, name, key, &error);
	if (note == NULL)
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	if (options->out == NULL) {
		g_print ("%s", note);
		return EXIT_SUCCESS;
	}
	if (!g_file_set_contents (options->out, note, -1, &error))
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	g_print ("signed rollout policy version %" G_GINT64_FORMAT " as %s into %s\n",
		 policy->version,
		 name,
		 options->out);
	return EXIT_SUCCESS;
}

static EVP_PKEY *
ir_brandd_policy_public_key (const IrBranddConfig *config,
			     const IrBranddPolicyOptions *options,
			     GError **error)
{
	const char *path = options->key != NULL ? options->key : config->policy_public_key;
	g_autofree char *pem = NULL;
	gsize len = 0;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;

	if (path == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "publish needs the brand's policy public key: [policy] public-key in "
			     "the config, or --key POLICY.pub.pem");
		return NULL;
	}
	if (!g_file_get_contents (path, &pem, &len, error))
		return NULL;
	bio = BIO_new_mem_buf (pem, (int)len);
	key = bio != NULL ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
	BIO_free (bio);
	if (key == NULL)
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s is not a public key in PEM (openssl pkey -in policy.key -pubout)",
			     path);
	return key;
}

/* policy publish FILE.note: verified with the pinned key, newer than every
 * published version, not expired; then installed in one transaction. */
static int
ir_brandd_policy_publish (const IrBranddConfig *config,
			  const IrBranddPolicyOptions *options,
			  int argc,
			  char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *name = ir_brandd_policy_key_name (config, options);
	g_autoptr (IrPolicy) policy = NULL;
	g_autoptr (EVP_PKEY) key = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (GDateTime) now = ir_brandd_policy_now ();
	gint64 current = 0;
	gboolean installed = FALSE;
	gsize len = 0;

	if (argc != 1 || ir_brandd_config_store_target (config) == NULL)
		return ir_brandd_policy_usage (
		    "usage: policy publish --db PATH (or --config FILE) POLICY.note");
	key = ir_brandd_policy_public_key (config, options, &error);
	if (key == NULL)
		return ir_brandd_policy_fail (EXIT_USAGE, error);
	if (!g_file_get_contents (argv[0], &text, &len, &error))
		return ir_brandd_policy_fail (EXIT_USAGE, error);
	policy = ir_policy_parse_note (text, len, &error);
	if (policy == NULL || !ir_policy_verify (policy, name, key, &error) ||
	    !ir_policy_check_fresh (policy, 0, now, &error)) {
		g_prefix_error (&error, "%s: ", argv[0]);
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	}
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store == NULL || !ir_brandd_rollout_store_publish (store,
							       policy->version,
							       policy->note,
							       g_date_time_to_unix (now),
							       &current,
							       &installed,
							       &error))
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	if (!installed) {
		g_printerr ("imei-brandd: %s: rollout policy version %" G_GINT64_FORMAT
			    " is not newer than version %" G_GINT64_FORMAT
			    " already published; a policy never goes back: sign a higher version\n",
			    argv[0],
			    policy->version,
			    current);
		return EXIT_FAILED;
	}
	g_print ("published rollout policy version %" G_GINT64_FORMAT " (%u phases) into %s\n",
		 policy->version,
		 policy->phases->len,
		 ir_brandd_config_store_target (config));
	return EXIT_SUCCESS;
}

static JsonNode *
ir_brandd_policy_list (char **list)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	if (list == NULL)
		return json_node_new (JSON_NODE_NULL);
	json_builder_begin_array (b);
	for (guint i = 0; list[i] != NULL; i++)
		json_builder_add_string_value (b, list[i]);
	json_builder_end_array (b);
	return json_builder_get_root (b);
}

static void
ir_brandd_policy_member (JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name (b, name);
	json_builder_add_string_value (b, value);
}

static JsonNode *
ir_brandd_policy_phase_json (const IrPolicyPhase *p, gboolean paused, guint issued_today)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();

	json_builder_begin_object (b);
	ir_brandd_policy_member (b, "id", p->id);
	ir_brandd_policy_member (b, "title", p->title);
	ir_brandd_policy_member (b, "state", ir_policy_phase_state_to_string (p->state));
	json_builder_set_member_name (b, "paused");
	json_builder_add_boolean_value (b, paused);
	ir_brandd_policy_member (b, "start", p->start_date);
	ir_brandd_policy_member (b, "end", p->end_date);
	json_builder_set_member_name (b, "tac_prefixes");
	json_builder_add_value (b, ir_brandd_policy_list (p->tac_prefixes));
	json_builder_set_member_name (b, "models");
	json_builder_add_value (b, ir_brandd_policy_list (p->models));
	json_builder_set_member_name (b, "circles");
	json_builder_add_value (b, ir_brandd_policy_list (p->circles));
	json_builder_set_member_name (b, "centre_daily_cap");
	json_builder_add_int_value (b, p->centre_daily_cap);
	json_builder_set_member_name (b, "national_daily_cap");
	json_builder_add_int_value (b, p->national_daily_cap);
	json_builder_set_member_name (b, "national_issued_today");
	json_builder_add_int_value (b, issued_today);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

static int
ir_brandd_policy_show_json (IrBranddStore *store,
			    const IrPolicy *policy,
			    char **paused,
			    GDateTime *now)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (GError) error = NULL;
	g_autofree char *day = ir_policy_local_day (policy, now);
	g_autofree char *issued = g_date_time_format_iso8601 (policy->issued);
	g_autofree char *expires = g_date_time_format_iso8601 (policy->expires);
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "version");
	json_builder_add_int_value (b, policy->version);
	ir_brandd_policy_member (b, "issued", issued);
	ir_brandd_policy_member (b, "expires", expires);
	ir_brandd_policy_member (b, "time_zone", policy->time_zone_id);
	ir_brandd_policy_member (b, "day", day);
	json_builder_set_member_name (b, "national_block_cap");
	json_builder_add_int_value (b, policy->national_block_cap);
	json_builder_set_member_name (b, "phases");
	json_builder_begin_array (b);
	for (guint i = 0; i < policy->phases->len; i++) {
		const IrPolicyPhase *p = g_ptr_array_index (policy->phases, i);
		guint n = 0;

		if (!ir_brandd_rollout_store_issued (store, p->id, day, NULL, &n, &error))
			return ir_brandd_policy_fail (EXIT_FAILED, error);
		json_builder_add_value (
		    b,
		    ir_brandd_policy_phase_json (
			p, g_strv_contains ((const char *const *)paused, p->id), n));
	}
	json_builder_end_array (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = json_to_string (root, TRUE);
	g_print ("%s\n", text);
	return EXIT_SUCCESS;
}

static int
ir_brandd_policy_show (const IrBranddConfig *config,
		       const IrBranddPolicyOptions *options,
		       int argc,
		       char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (GDateTime) now = ir_brandd_policy_now ();
	g_auto (GStrv) paused = NULL;
	g_autofree char *text = NULL;
	const IrPolicy *policy = NULL;

	if (argc != 0 || ir_brandd_config_store_target (config) == NULL)
		return ir_brandd_policy_usage ("usage: policy show --db PATH [--json]");
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store != NULL)
		rollout = ir_brandd_rollout_new (config, store, &error);
	if (rollout == NULL || !ir_brandd_rollout_current (rollout, &policy, &error) ||
	    !ir_brandd_rollout_store_paused (store, &paused, &error))
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	if (policy == NULL) {
		g_printerr ("imei-brandd: no rollout policy has been published in %s\n",
			    ir_brandd_config_store_target (config));
		return EXIT_FAILED;
	}
	if (options->json)
		return ir_brandd_policy_show_json (store, policy, paused, now);
	text = ir_policy_describe (policy);
	g_print ("%s", text);
	for (guint i = 0; paused[i] != NULL; i++)
		g_print ("  kill switch: phase %s is paused on this server\n", paused[i]);
	return EXIT_SUCCESS;
}

/* policy pause|resume PHASE: the kill switch, at once for every server
 * process on the database (each reads it in the token's transaction). */
static int
ir_brandd_policy_pause (const IrBranddConfig *config, gboolean pause, int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddStore) store = NULL;
	g_autoptr (IrBranddRollout) rollout = NULL;
	g_autoptr (GDateTime) now = ir_brandd_policy_now ();
	const IrPolicy *policy = NULL;

	if (argc != 1 || ir_brandd_config_store_target (config) == NULL)
		return ir_brandd_policy_usage (pause ? "usage: policy pause PHASE --db PATH"
						     : "usage: policy resume PHASE --db PATH");
	store = ir_brandd_store_open (
	    config->store_backend, ir_brandd_config_store_target (config), &error);
	if (store != NULL)
		rollout = ir_brandd_rollout_new (config, store, &error);
	if (rollout == NULL || !ir_brandd_rollout_current (rollout, &policy, &error))
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	/* pausing a phase the current policy does not have is refused: a
	 * typo must not look like a stopped rollout */
	if (policy == NULL || ir_policy_find_phase (policy, argv[0]) == NULL) {
		g_printerr ("imei-brandd: phase %s is not in the published rollout policy%s; "
			    "imei-brandd policy show lists its phases\n",
			    argv[0],
			    policy == NULL ? " (none is published)" : "");
		return EXIT_FAILED;
	}
	if (!ir_brandd_rollout_store_set_paused (
		store, argv[0], pause, g_date_time_to_unix (now), &error))
		return ir_brandd_policy_fail (EXIT_FAILED, error);
	g_print (pause ? "phase %s paused: no new token from now on\n" : "phase %s resumed\n",
		 argv[0]);
	return EXIT_SUCCESS;
}

int
ir_brandd_policy_command (const IrBranddConfig *config,
			  const IrBranddPolicyOptions *options,
			  int argc,
			  char **argv)
{
	if (argc < 1)
		return ir_brandd_policy_usage ("policy needs sign, publish, show, pause or resume");
	if (g_strcmp0 (argv[0], "sign") == 0)
		return ir_brandd_policy_sign (config, options, argc - 1, argv + 1);
	if (g_strcmp0 (argv[0], "publish") == 0)
		return ir_brandd_policy_publish (config, options, argc - 1, argv + 1);
	if (g_strcmp0 (argv[0], "show") == 0)
		return ir_brandd_policy_show (config, options, argc - 1, argv + 1);
	if (g_strcmp0 (argv[0], "pause") == 0)
		return ir_brandd_policy_pause (config, TRUE, argc - 1, argv + 1);
	if (g_strcmp0 (argv[0], "resume") == 0)
		return ir_brandd_policy_pause (config, FALSE, argc - 1, argv + 1);
	return ir_brandd_policy_usage ("policy needs sign, publish, show, pause or resume");
}
