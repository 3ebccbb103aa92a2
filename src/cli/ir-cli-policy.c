/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-policy-cache.h"

/* imeictl policy show: the brand's rollout policy as this workstation
 * holds it (STATE_DIR/rollout-policy.json, fetched and verified by every
 * imeictl restore's server check), verified again against the trust
 * store's policy key before it is shown. */

typedef struct {
	char *state_dir;
	char *trust_store;
} IrCliPolicyOptions;

static const GOptionEntry ir_cli_policy_entries[] = {
    {"state-dir",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliPolicyOptions, state_dir),
     "The restore state folder (default: $IMEIRESTORE_STATE_DIR, else "
     "$XDG_DATA_HOME/imeirestore)",
     "DIR"},
    {"trust-store",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliPolicyOptions, trust_store),
     "The brand's trust store (default: $IMEIRESTORE_TRUST_STORE, else the installed one)",
     "FILE"},
    {NULL},
};

static char *
ir_cli_policy_setting (const char *option, const char *env, const char *fallback)
{
	const char *value = option != NULL ? option : g_getenv (env);

	return g_strdup (value != NULL && value[0] != '\0' ? value : fallback);
}

static gboolean
ir_cli_policy_prepare (IrCli *cli, GError **error)
{
	const IrCliPolicyOptions *opts = cli->options;
	g_autofree char *default_dir =
	    g_build_filename (g_get_user_data_dir (), "imeirestore", NULL);
	g_autofree char *default_trust = g_build_filename (IR_SYSCONFDIR, "trust-store.conf", NULL);
	g_autofree char *dir =
	    ir_cli_policy_setting (opts->state_dir, "IMEIRESTORE_STATE_DIR", default_dir);
	g_autofree char *trust_path =
	    ir_cli_policy_setting (opts->trust_store, "IMEIRESTORE_TRUST_STORE", default_trust);
	g_autoptr (IrTrustStore) trust = NULL;
	IrPolicyCache *cache;

	if (g_strcmp0 (cli->args[0], "show") != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unknown policy command \"%s\"; expected: imeictl policy show",
			     cli->args[0]);
		return FALSE;
	}
	trust = ir_trust_store_load (trust_path, error);
	if (trust == NULL)
		return FALSE;
	cache = ir_policy_cache_new (dir, trust);
	cli->state = cache;
	if (!ir_policy_cache_load (cache, error))
		return FALSE;
	if (ir_policy_cache_get_policy (cache) == NULL) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_FOUND,
		    "no rollout policy is cached in %s: imeictl restore fetches it from the "
		    "brand server when it checks the server",
		    dir);
		return FALSE;
	}
	return TRUE;
}

static JsonNode *
ir_cli_policy_list (char **list)
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
ir_cli_policy_json_phase (JsonBuilder *b, const IrPolicyPhase *p, const char *const *paused)
{
	json_builder_begin_object (b);
	ir_cli_output_json_add_string_or_null (b, "id", p->id);
	ir_cli_output_json_add_string_or_null (b, "title", p->title);
	ir_cli_output_json_add_string_or_null (
	    b, "state", ir_policy_phase_state_to_string (p->state));
	json_builder_set_member_name (b, "paused");
	json_builder_add_boolean_value (b, g_strv_contains (paused, p->id));
	ir_cli_output_json_add_string_or_null (b, "start", p->start_date);
	ir_cli_output_json_add_string_or_null (b, "end", p->end_date);
	json_builder_set_member_name (b, "tac_prefixes");
	json_builder_add_value (b, ir_cli_policy_list (p->tac_prefixes));
	json_builder_set_member_name (b, "models");
	json_builder_add_value (b, ir_cli_policy_list (p->models));
	json_builder_set_member_name (b, "circles");
	json_builder_add_value (b, ir_cli_policy_list (p->circles));
	json_builder_set_member_name (b, "centre_daily_cap");
	json_builder_add_int_value (b, p->centre_daily_cap);
	json_builder_set_member_name (b, "national_daily_cap");
	json_builder_add_int_value (b, p->national_daily_cap);
	json_builder_end_object (b);
}

static void
ir_cli_policy_json (const IrPolicyCache *cache, GString *out)
{
	const IrPolicy *policy = ir_policy_cache_get_policy (cache);
	const char *const *paused = ir_policy_cache_get_paused (cache);
	GDateTime *fetched = ir_policy_cache_get_fetched (cache);
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *issued = g_date_time_format_iso8601 (policy->issued);
	g_autofree char *expires = g_date_time_format_iso8601 (policy->expires);
	g_autofree char *when = fetched != NULL ? g_date_time_format_iso8601 (fetched) : NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "version");
	json_builder_add_int_value (b, policy->version);
	ir_cli_output_json_add_string_or_null (b, "issued", issued);
	ir_cli_output_json_add_string_or_null (b, "expires", expires);
	ir_cli_output_json_add_string_or_null (b, "time_zone", policy->time_zone_id);
	ir_cli_output_json_add_string_or_null (b, "fetched", when);
	json_builder_set_member_name (b, "national_block_cap");
	json_builder_add_int_value (b, policy->national_block_cap);
	json_builder_set_member_name (b, "phases");
	json_builder_begin_array (b);
	for (guint i = 0; i < policy->phases->len; i++)
		ir_cli_policy_json_phase (b, g_ptr_array_index (policy->phases, i), paused);
	json_builder_end_array (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = ir_cli_output_json_to_string (root);
	g_string_append (out, text);
}

static gboolean
ir_cli_policy_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	const IrPolicyCache *cache = cli->state;
	const IrPolicy *policy = ir_policy_cache_get_policy (cache);
	const char *const *paused = ir_policy_cache_get_paused (cache);
	GDateTime *fetched = ir_policy_cache_get_fetched (cache);
	g_autofree char *text = NULL;

	if (cli->json) {
		ir_cli_policy_json (cache, cli->out);
		return TRUE;
	}
	text = ir_policy_describe (policy);
	g_string_append (cli->out, text);
	for (guint i = 0; paused[i] != NULL; i++)
		g_string_append_printf (
		    cli->out, "  phase %s is paused by the brand (kill switch)\n", paused[i]);
	if (fetched != NULL) {
		g_autofree char *when = ir_policy_format_time (policy, fetched);
		g_string_append_printf (cli->out, "  fetched from the brand server at %s\n", when);
	}
	return TRUE;
}

static void
ir_cli_policy_state_free (gpointer data)
{
	ir_policy_cache_free (data);
}

const IrCliCommand ir_cli_command_policy = {
    .name = "policy",
    .parameter_string = "show",
    .summary = "Show the brand's rollout policy this workstation holds",
    .description = "Prints the rollout policy cached in the state folder (phases, windows in the\n"
		   "policy's time zone, eligibility, daily caps, phases the brand paused), after\n"
		   "verifying it against the trust store's policy key. imeictl restore fetches a\n"
		   "newer one from the brand server when it checks the server, and refuses an\n"
		   "older or expired one. See docs/rollout-policy.md.",
    .entries = ir_cli_policy_entries,
    .options_size = sizeof (IrCliPolicyOptions),
    .min_args = 1,
    .max_args = 1,
    .prepare = ir_cli_policy_prepare,
    .run = ir_cli_policy_run,
    .state_free = ir_cli_policy_state_free,
};
