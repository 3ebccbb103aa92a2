/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ir-cli-engine.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"
#include "ir-session.h"

/* imeictl identify PORT: the phone's identity and every IMEI slot with its
 * classification, and, when a rollout policy is cached or can be fetched,
 * whether the phone is eligible now (the engine's verdict, the one the
 * app's phone list shows and a restore checks). Only reads: nothing is
 * ever written to the phone, nor to the migration log. */

#define IR_CLI_TIMEOUT_MAX_MS 600000

typedef struct {
	IrCliEngineOptions engine; /* first: ir_cli_engine_entries point into it */
	char *duplicates;
	char *timeout;
	char *protocol;
} IrCliIdentifyOptions;

static const GOptionEntry ir_cli_identify_entries[] = {
    {"duplicates",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliIdentifyOptions, duplicates),
     "The brand's list of known-duplicate IMEIs (default: $IMEIRESTORE_DUPLICATES)",
     "FILE"},
    {"timeout",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliIdentifyOptions, timeout),
     "Give up on an AT command not answered within MS milliseconds",
     "MS"},
    {"protocol",
     0,
     0,
     G_OPTION_ARG_STRING,
     IR_CLI_OPTION (IrCliIdentifyOptions, protocol),
     "Ask the port in this protocol only: at, diag (Qualcomm), or auto (default: AT, "
     "then DIAG when the port is silent to AT)",
     "PROTOCOL"},
    {NULL},
};

/* what prepare() worked out, for run() */
typedef struct {
	IrDuplicateList *duplicates;
	char *duplicates_path;
	guint timeout_ms;
	IrSessionProtocol protocol;
	IrEngine *engine; /* the rollout policy; NULL when none can be had */
} IrCliIdentifyState;

static void
ir_cli_identify_state_free (gpointer data)
{
	IrCliIdentifyState *state = data;

	g_clear_pointer (&state->duplicates, ir_duplicate_list_free);
	g_free (state->duplicates_path);
	if (state->engine != NULL)
		ir_cli_engine_release (&state->engine);
	g_free (state);
}

/* The engine for eligibility, when a policy can be had (a server set, or
 * a trust store to verify the cached one): opened here, in the main
 * thread, so that a bad setting or a token's PIN comes before the phone. */
static gboolean
ir_cli_identify_open_engine (const IrCliIdentifyOptions *opts,
			     IrCliIdentifyState *state,
			     GError **error)
{
	g_autoptr (GError) error_local = NULL;
	g_autoptr (GKeyFile) config = ir_cli_engine_load_config (&error_local);

	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (!ir_cli_engine_has_policy_source (&opts->engine, config))
		return TRUE;
	state->engine = ir_engine_new ();
	return ir_cli_engine_open (&opts->engine,
				   config,
				   NULL,
				   state->protocol,
				   IR_CLI_ENGINE_POLICY,
				   state->engine,
				   error);
}

static gboolean
ir_cli_identify_parse_timeout (const char *text, guint *value, GError **error)
{
	guint64 tmp = 0;

	if (!g_ascii_string_to_unsigned (text, 10, 1, IR_CLI_TIMEOUT_MAX_MS, &tmp, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "--timeout '%s' is not a time-out: give whole milliseconds from 1 to "
			     "%u, e.g. --timeout 5000",
			     text,
			     (guint)IR_CLI_TIMEOUT_MAX_MS);
		return FALSE;
	}
	*value = (guint)tmp;
	return TRUE;
}

static gboolean
ir_cli_identify_prepare (IrCli *cli, GError **error)
{
	IrCliIdentifyOptions *opts = cli->options;
	IrCliIdentifyState *state = g_new0 (IrCliIdentifyState, 1);

	cli->state = state;
	if (cli->args[0][0] == '\0') {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "the port is an empty string: name a port from `imeictl list`, "
		    "e.g. /dev/ttyUSB0");
		return FALSE;
	}
	if (opts->timeout != NULL &&
	    !ir_cli_identify_parse_timeout (opts->timeout, &state->timeout_ms, error))
		return FALSE;
	if (!ir_cli_output_parse_protocol (opts->protocol, &state->protocol, error))
		return FALSE;
	if (!ir_cli_output_load_duplicates (
		opts->duplicates, &state->duplicates, &state->duplicates_path, error))
		return FALSE;
	return ir_cli_identify_open_engine (opts, state, error);
}

static IrSession *
ir_cli_identify_open (const char *port,
		      guint timeout_ms,
		      IrSessionProtocol protocol,
		      GError **error)
{
	IrSession *session = ir_session_open (port, error);

	if (session != NULL) {
		ir_session_set_timeout_limit (session, timeout_ms);
		ir_session_set_protocol (session, protocol);
		ir_at_channel_set_wait_func (
		    ir_session_get_channel (session), ir_cli_output_tell_wait, NULL);
	}
	return session;
}

/* The computed check digit as text, NULL when the slot has no 14 digits. */
static char *
ir_cli_identify_check_digit (const IrImeiSlot *slot)
{
	char cd = slot->imei != NULL ? ir_imei_check_digit (slot->imei) : 0;
	return cd != 0 ? g_strdup_printf ("%c", cd) : NULL;
}

static char *
ir_cli_identify_status_text (const IrImeiSlot *slot)
{
	char cd = slot->imei != NULL ? ir_imei_check_digit (slot->imei) : 0;

	switch (slot->status) {
	case IR_IMEI_STATUS_VALID:
		return g_strdup ("valid");
	case IR_IMEI_STATUS_FACTORY_DEFAULT:
		return g_strdup ("factory default (all zeros)");
	case IR_IMEI_STATUS_BAD_CHECK_DIGIT:
		if (cd != 0 && strlen (slot->imei) >= IR_IMEI_LEN)
			return g_strdup_printf (
			    "wrong check digit: %c, should be %c", slot->imei[IR_IMEI_ID_LEN], cd);
		return g_strdup ("wrong check digit");
	case IR_IMEI_STATUS_MALFORMED:
		if (slot->detail != NULL)
			return g_strdup_printf ("malformed: %s", slot->detail);
		return g_strdup ("malformed");
	case IR_IMEI_STATUS_DUPLICATE:
		return g_strdup ("known duplicate (on the brand's list)");
	case IR_IMEI_STATUS_EMPTY:
		return g_strdup ("empty");
	default:
		return g_strdup (slot->detail != NULL ? slot->detail : "unknown");
	}
}

/* What the verdict says, as a stable code and for people. */
static const char *
ir_cli_identify_reason (const IrRestoreEligibleVerdict *verdict)
{
	if (!verdict->needed)
		return "no_restore_needed";
	if (verdict->cannot != NULL)
		return "cannot_restore";
	return verdict->rollout != NULL ? ir_eligibility_reason_to_string (verdict->rollout->reason)
					: "no_policy";
}

static char *
ir_cli_identify_sentence (const IrRestoreEligibleVerdict *verdict)
{
	if (!verdict->needed)
		return g_strdup ("no restore needed: every IMEI is valid");
	if (verdict->cannot != NULL)
		return g_strdup_printf ("a restore is needed but cannot be done here: %s",
					verdict->cannot->message);
	if (verdict->rollout == NULL)
		return g_strdup ("no rollout policy: the brand server decides");
	if (verdict->rollout->reason == IR_ELIGIBLE)
		return g_strdup (verdict->rollout->sentence);
	return g_strdup_printf ("not eligible: %s", verdict->rollout->sentence);
}

static void
ir_cli_identify_json_eligibility (JsonBuilder *builder,
				  const IrRestoreEligibleVerdict *verdict,
				  const IrPolicy *policy,
				  const char *centre)
{
	const IrEligibility *elig = verdict != NULL ? verdict->rollout : NULL;
	g_autoptr (GDateTime) local = NULL;
	g_autofree char *when = NULL;
	g_autofree char *message = NULL;

	json_builder_set_member_name (builder, "eligibility");
	if (verdict == NULL) {
		json_builder_add_null_value (builder);
		return;
	}
	if (elig != NULL && elig->when != NULL) {
		local = g_date_time_to_timezone (elig->when, policy->time_zone);
		when = g_date_time_format_iso8601 (local);
	}
	message = ir_cli_identify_sentence (verdict);
	json_builder_begin_object (builder);
	json_builder_set_member_name (builder, "restore_needed");
	json_builder_add_boolean_value (builder, verdict->needed);
	json_builder_set_member_name (builder, "eligible");
	json_builder_add_boolean_value (builder, ir_restore_eligible_verdict_allows (verdict));
	ir_cli_output_json_add_string_or_null (builder, "reason", ir_cli_identify_reason (verdict));
	json_builder_set_member_name (builder, "policy_version");
	json_builder_add_int_value (builder, policy->version);
	ir_cli_output_json_add_string_or_null (builder, "time_zone", policy->time_zone_id);
	ir_cli_output_json_add_string_or_null (builder, "centre", centre);
	ir_cli_output_json_add_string_or_null (builder, "phase", elig != NULL ? elig->phase : NULL);
	ir_cli_output_json_add_string_or_null (builder, "day", elig != NULL ? elig->day : NULL);
	ir_cli_output_json_add_string_or_null (builder, "until", when);
	ir_cli_output_json_add_string_or_null (builder, "message", message);
	json_builder_end_object (builder);
}

static const IrPolicy *
ir_cli_identify_policy (const IrCliIdentifyState *state)
{
	return state->engine != NULL
		   ? ir_policy_cache_get_policy (ir_engine_get_policy_cache (state->engine))
		   : NULL;
}

static const char *
ir_cli_identify_centre (const IrCliIdentifyState *state)
{
	return state->engine != NULL ? ir_engine_get_centre (state->engine) : NULL;
}

static void
ir_cli_identify_format_json (const IrDeviceInfo *info,
			     const IrCliIdentifyState *state,
			     const IrRestoreEligibleVerdict *verdict,
			     GString *out)
{
	g_autoptr (JsonBuilder) builder = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *vid = ir_cli_output_usb_id_to_string (info->usb_vid);
	g_autofree char *pid = ir_cli_output_usb_id_to_string (info->usb_pid);
	g_autofree char *text = NULL;

	json_builder_begin_object (builder);
	ir_cli_output_json_add_string_or_null (builder, "port", info->port);
	ir_cli_output_json_add_string_or_null (builder, "manufacturer", info->manufacturer);
	ir_cli_output_json_add_string_or_null (builder, "model", info->model);
	ir_cli_output_json_add_string_or_null (builder, "revision", info->revision);
	ir_cli_output_json_add_string_or_null (builder, "serial", info->serial);
	ir_cli_output_json_add_string_or_null (builder, "imeisv", info->imeisv);
	ir_cli_output_json_add_string_or_null (builder, "usb_vid", vid);
	ir_cli_output_json_add_string_or_null (builder, "usb_pid", pid);
	ir_cli_output_json_add_string_or_null (
	    builder, "family", info->family != NULL ? info->family->id : NULL);
	ir_cli_output_json_add_string_or_null (
	    builder, "family_title", info->family != NULL ? info->family->title : NULL);
	ir_cli_output_json_add_string_or_null (
	    builder, "profile", info->profile != NULL ? info->profile->id : NULL);
	ir_cli_output_json_add_string_or_null (
	    builder, "profile_name", info->profile != NULL ? info->profile->name : NULL);
	ir_cli_output_json_add_string_or_null (
	    builder, "read_with", info->read_family != NULL ? info->read_family->id : NULL);
	ir_cli_output_json_add_string_or_null (builder, "read_command", info->read_command);
	json_builder_set_member_name (builder, "can_write");
	json_builder_add_boolean_value (builder, info->can_write);
	ir_cli_output_json_add_string_or_null (builder, "write_support", info->write_support);
	ir_cli_output_json_add_string_or_null (builder, "duplicates_list", state->duplicates_path);
	json_builder_set_member_name (builder, "notes");
	json_builder_begin_array (builder);
	for (guint i = 0; info->notes != NULL && i < info->notes->len; i++)
		json_builder_add_string_value (builder, g_ptr_array_index (info->notes, i));
	json_builder_end_array (builder);
	json_builder_set_member_name (builder, "slots");
	json_builder_begin_array (builder);
	for (guint i = 0; info->slots != NULL && i < info->slots->len; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		g_autofree char *cd = ir_cli_identify_check_digit (slot);

		json_builder_begin_object (builder);
		json_builder_set_member_name (builder, "index");
		json_builder_add_int_value (builder, slot->index);
		ir_cli_output_json_add_string_or_null (builder, "imei", slot->imei);
		ir_cli_output_json_add_string_or_null (
		    builder, "status", ir_cli_output_imei_status_id (slot->status));
		ir_cli_output_json_add_string_or_null (builder, "check_digit", cd);
		ir_cli_output_json_add_string_or_null (builder, "detail", slot->detail);
		json_builder_end_object (builder);
	}
	json_builder_end_array (builder);
	ir_cli_identify_json_eligibility (
	    builder, verdict, ir_cli_identify_policy (state), ir_cli_identify_centre (state));
	json_builder_end_object (builder);
	root = json_builder_get_root (builder);
	text = ir_cli_output_json_to_string (root);
	g_string_append (out, text);
}

static void
ir_cli_identify_format_identity (const IrDeviceInfo *info,
				 const IrCliIdentifyState *state,
				 GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (2);
	g_autofree char *usb = NULL;
	g_autofree char *family = NULL;
	g_autofree char *profile = NULL;
	g_autofree char *read_with = NULL;

	if (info->usb_vid != 0 || info->usb_pid != 0)
		usb = g_strdup_printf ("%04x:%04x", info->usb_vid, info->usb_pid);
	if (info->family != NULL)
		family = g_strdup_printf ("%s (%s)", info->family->id, info->family->title);
	if (info->profile != NULL)
		profile = g_strdup_printf ("%s (%s)", info->profile->name, info->profile->id);
	ir_cli_table_add_row (table, "Port", info->port);
	ir_cli_table_add_row (table, "Manufacturer", info->manufacturer);
	ir_cli_table_add_row (table, "Model", info->model);
	ir_cli_table_add_row (table, "Firmware", info->revision);
	ir_cli_table_add_row (table, "Serial", info->serial);
	if (info->imeisv != NULL)
		ir_cli_table_add_row (table, "IMEISV", info->imeisv);
	ir_cli_table_add_row (table, "USB", usb != NULL ? usb : "not a USB device");
	ir_cli_table_add_row (table, "Family", family);
	ir_cli_table_add_row (table, "Profile", profile);
	if (info->read_family != NULL && info->read_family != info->family) {
		read_with =
		    info->read_command != NULL
			? g_strdup_printf ("%s, %s", info->read_family->title, info->read_command)
			: g_strdup (info->read_family->title);
		ir_cli_table_add_row (table, "IMEI read with", read_with);
	}
	ir_cli_table_add_row (table, "IMEI write", info->write_support);
	if (state->duplicates_path != NULL)
		ir_cli_table_add_row (table, "Duplicate list", state->duplicates_path);
	ir_cli_table_render (table, out);
}

/* "slot 1", "slots 1 and 2", "slots 1, 2 and 3" */
static char *
ir_cli_identify_join_slots (GPtrArray *numbers)
{
	GString *str = g_string_new (numbers->len == 1 ? "slot " : "slots ");

	for (guint i = 0; i < numbers->len; i++) {
		if (i > 0)
			g_string_append (str, i + 1 == numbers->len ? " and " : ", ");
		g_string_append (str, g_ptr_array_index (numbers, i));
	}
	return g_string_free (str, FALSE);
}

static void
ir_cli_identify_format_text (const IrDeviceInfo *info,
			     const IrCliIdentifyState *state,
			     const IrRestoreEligibleVerdict *verdict,
			     GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (4);
	g_autoptr (GPtrArray) todo = g_ptr_array_new_with_free_func (g_free);
	guint n_slots = info->slots != NULL ? info->slots->len : 0;

	ir_cli_identify_format_identity (info, state, out);
	g_string_append_c (out, '\n');
	if (n_slots == 0) {
		g_string_append (out, "The phone reported no IMEI slot.\n");
		return;
	}
	ir_cli_table_add_row (table, "SLOT", "IMEI", "CHECK DIGIT", "STATUS");
	for (guint i = 0; i < n_slots; i++) {
		const IrImeiSlot *slot = g_ptr_array_index (info->slots, i);
		g_autofree char *number = g_strdup_printf ("%u", slot->index + 1);
		g_autofree char *cd = ir_cli_identify_check_digit (slot);
		g_autofree char *status = ir_cli_identify_status_text (slot);

		ir_cli_table_add_row (table, number, slot->imei, cd, status);
		if (slot->status != IR_IMEI_STATUS_VALID && slot->status != IR_IMEI_STATUS_EMPTY)
			g_ptr_array_add (todo, g_steal_pointer (&number));
	}
	ir_cli_table_render (table, out);
	/* reads that failed are said, never dropped in silence */
	for (guint i = 0; info->notes != NULL && i < info->notes->len; i++)
		g_string_append_printf (out,
					"%sNote: %s\n",
					i == 0 ? "\n" : "",
					(const char *)g_ptr_array_index (info->notes, i));
	if (todo->len > 0) {
		g_autofree char *which = ir_cli_identify_join_slots (todo);
		g_string_append_printf (
		    out,
		    "\nWhat to do: have an authorised service centre restore the "
		    "original IMEI of %s.\n",
		    which);
	}
	if (verdict != NULL) {
		const IrPolicy *policy = ir_cli_identify_policy (state);
		const char *centre = ir_cli_identify_centre (state);
		g_autofree char *sentence = ir_cli_identify_sentence (verdict);

		g_string_append_printf (out,
					"\nRollout policy version %" G_GINT64_FORMAT
					", centre %s: %s.\n",
					policy->version,
					centre != NULL ? centre : "unknown",
					sentence);
	}
}

static gboolean
ir_cli_identify_save_recording (IrCli *cli, IrRecording *recording, GError **error)
{
	if (!ir_recording_save (recording, cli->record_path, error)) {
		g_prefix_error (error,
				"failed to save the session recording to %s (--record): ",
				cli->record_path);
		return FALSE;
	}
	return TRUE;
}

/* The engine's verdict on the phone, under the newest policy it can have:
 * fetched from the server when one is set (a refused or unreachable
 * server is a warning, and the cached policy still applies). NULL when no
 * policy is held. */
static IrRestoreEligibleVerdict *
ir_cli_identify_check (const IrCliIdentifyState *state,
		       const IrDeviceInfo *info,
		       GCancellable *cancellable)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (GError) error = NULL;

	if (state->engine == NULL)
		return NULL;
	if (ir_engine_get_client (state->engine) != NULL &&
	    !ir_engine_refresh_policy (state->engine, cancellable, &error)) {
		g_autofree char *line = ir_cli_output_one_line (error->message);
		fprintf (stderr, "imeictl: warning: %s\n", line);
	}
	if (ir_cli_identify_policy (state) == NULL)
		return NULL;
	return ir_engine_check_phone (state->engine, info, now);
}

static gboolean
ir_cli_identify_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	const char *port = cli->args[0];
	const IrCliIdentifyState *state = cli->state;
	g_autoptr (IrSession) session = NULL;
	g_autoptr (IrRecording) recording = NULL;
	g_autoptr (IrDeviceInfo) info = NULL;
	g_autoptr (IrRestoreEligibleVerdict) verdict = NULL;
	g_autoptr (GError) error_local = NULL;

	session = ir_cli_identify_open (port, state->timeout_ms, state->protocol, error);
	if (session == NULL)
		return FALSE;
	if (cli->record_path != NULL) {
		recording = ir_recording_new (port);
		ir_session_set_recording (session, recording);
	}
	info = ir_session_identify (session, state->duplicates, cancellable, &error_local);

	/* a recording of a failed session is the one worth having: save it
	 * whatever happened, but report the identify error first */
	if (recording != NULL) {
		g_autoptr (GError) error_save = NULL;
		if (!ir_cli_identify_save_recording (cli, recording, &error_save)) {
			if (error_local == NULL) {
				g_propagate_error (error, g_steal_pointer (&error_save));
				return FALSE;
			}
			g_autofree char *both = g_strdup_printf (
			    "%s; also %s", error_local->message, error_save->message);
			g_free (error_local->message);
			error_local->message = g_steal_pointer (&both);
		}
	}
	if (info == NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	verdict = ir_cli_identify_check (state, info, cancellable);
	if (cli->json)
		ir_cli_identify_format_json (info, state, verdict, cli->out);
	else
		ir_cli_identify_format_text (info, state, verdict, cli->out);
	return TRUE;
}

const IrCliCommand ir_cli_command_identify = {
    .name = "identify",
    .parameter_string = "PORT",
    .summary = "Show a phone's identity and classify every IMEI slot",
    .description = "Reads the manufacturer, model, firmware, serial number, IMEISV and every\n"
		   "IMEI slot of the phone on PORT and classifies each IMEI: valid, factory\n"
		   "default (all zeros), wrong check digit, malformed or known duplicate. When\n"
		   "the phone's own IMEI command is refused, the 27.007 reads are used and the\n"
		   "write is said to be impossible; every read that failed is a Note (JSON:\n"
		   "imeisv, read_with, read_command, can_write, write_support, notes). PORT is\n"
		   "a device path (/dev/ttyUSB0), a symlink to one, replay:FILE for a session\n"
		   "saved with --record, or script:FILE for an answer script. A port another\n"
		   "program has open is refused, naming it. Waits over 2 s are named on stderr.\n"
		   "Nothing is written to the phone; a phone that reports no IMEI over AT\n"
		   "exits 5.\n"
		   "With a rollout policy (fetched when --server is set, else the one cached\n"
		   "in --state-dir, verified with --trust-store), says whether the phone is\n"
		   "eligible now for your centre, and if not why: no phase covers it, its phase\n"
		   "is paused, opens later or closed, or a daily cap is reached and until when\n"
		   "(JSON: eligibility). Nothing is written to the migration log.",
    .entries = ir_cli_identify_entries,
    .engine_entries = ir_cli_engine_entries,
    .options_size = sizeof (IrCliIdentifyOptions),
    .min_args = 1,
    .max_args = 1,
    .uses_device = TRUE,
    .prepare = ir_cli_identify_prepare,
    .run = ir_cli_identify_run,
    .state_free = ir_cli_identify_state_free,
};
