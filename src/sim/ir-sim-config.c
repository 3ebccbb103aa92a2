/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-sim-config.h"

#define IR_SIM_MAX_LATENCY_MS 60000
#define IR_SIM_MAX_VALUE_LEN  64

static const char *const keys[] = {
    "family",
    "manufacturer",
    "model",
    "revision",
    "serial",
    "hwid",
    "imei",
    "echo",
    "state",
    "link",
    "latency",
    "drop-rate",
    "garble-rate",
    "disconnect-after",
    "seed",
    "write-error",
    "read-only-slot",
    "no-stick",
    "replay",
    "trust-store",
    "disconnect-after-write",
    "spc",
    "spc-required",
    "needs-qcdmg",
    "bad-crc-command",
    "drop-terminator-command",
    "charset",
    "result-codes",
    "ring-during",
    "ring-final",
    "vendor-disabled",
    "slow-command",
    NULL,
};

/* Keys only a DIAG (qualcomm) phone has. */
static const char *const diag_keys[] = {
    "spc",
    "spc-required",
    "needs-qcdmg",
    "bad-crc-command",
    "drop-terminator-command",
    NULL,
};
#define IR_SIM_DIAG_FAMILY "qualcomm"

/* The family whose phones verify restore tokens themselves. */
#define IR_SIM_SECURE_FAMILY "secure-restore-v1"

/* What a replayed phone ignores: it answers what the recording holds. */
static const char *const replay_conflicts[] = {
    "family",
    "manufacturer",
    "model",
    "revision",
    "serial",
    "hwid",
    "imei",
    "echo",
    "state",
    "latency",
    "drop-rate",
    "garble-rate",
    "disconnect-after",
    "seed",
    "write-error",
    "read-only-slot",
    "no-stick",
    "trust-store",
    "disconnect-after-write",
    "spc",
    "spc-required",
    "needs-qcdmg",
    "bad-crc-command",
    "drop-terminator-command",
    "charset",
    "result-codes",
    "ring-during",
    "ring-final",
    "vendor-disabled",
    "slow-command",
    NULL,
};

const char *const *
ir_sim_phone_config_get_keys (void)
{
	return keys;
}

IrSimPhoneConfig *
ir_sim_phone_config_new (const char *name)
{
	IrSimPhoneConfig *config = g_new0 (IrSimPhoneConfig, 1);
	config->name = g_strdup (name);
	config->imeis = g_ptr_array_new_with_free_func (g_free);
	config->echo = TRUE;
	config->keys_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	ir_sim_quirks_init (&config->quirks);
	return config;
}

void
ir_sim_phone_config_free (IrSimPhoneConfig *config)
{
	if (config == NULL)
		return;
	g_free (config->name);
	g_free (config->family);
	g_free (config->manufacturer);
	g_free (config->model);
	g_free (config->revision);
	g_free (config->serial);
	g_free (config->hwid);
	g_ptr_array_unref (config->imeis);
	g_free (config->write_error);
	g_free (config->spc);
	g_free (config->state_file);
	g_free (config->link);
	g_free (config->replay);
	g_clear_pointer (&config->trust_store, ir_trust_store_unref);
	g_hash_table_unref (config->keys_set);
	ir_sim_quirks_clear (&config->quirks);
	g_free (config);
}

/* Identity strings are sent inside AT answers: keep them printable, free of
 * the characters that would break the answer's framing, and short. */
static gboolean
ir_sim_config_check_text (const char *value, gboolean allow_empty, GError **error)
{
	gsize len = strlen (value);

	if (len == 0 && !allow_empty) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "empty value: give the text the phone answers");
		return FALSE;
	}
	if (len > IR_SIM_MAX_VALUE_LEN) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "value is %u characters long: at most %u are allowed",
			     (guint)len,
			     (guint)IR_SIM_MAX_VALUE_LEN);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isprint (value[i]) || value[i] == '"') {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "\"%s\" has a character that is not printable ASCII or is a "
				     "quote: only printable ASCII without '\"' is allowed",
				     value);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
ir_sim_config_parse_uint (
    const char *value, guint64 max, const char *what, guint64 *out, GError **error)
{
	g_autoptr (GError) error_local = NULL;

	if (!g_ascii_string_to_unsigned (value, 10, 0, max, out, &error_local)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "\"%s\" is not %s: allowed is a whole number from 0 to %" G_GUINT64_FORMAT,
		    value,
		    what,
		    max);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_sim_config_parse_rate (const char *value, double *out, GError **error)
{
	char *end = NULL;
	double rate;

	if (value[0] == '\0') {
		rate = -1;
	} else {
		rate = g_ascii_strtod (value, &end);
		if (end == NULL || *end != '\0')
			rate = -1;
	}
	/* also catches NaN, which compares false */
	if (!(rate >= 0.0 && rate <= 1.0)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not a probability: allowed is a number from 0 to 1, "
			     "e.g. 0.05",
			     value);
		return FALSE;
	}
	*out = rate;
	return TRUE;
}

static gboolean
ir_sim_config_parse_bool (const char *value, gboolean *out, GError **error)
{
	if (g_strcmp0 (value, "true") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strcmp0 (value, "false") == 0) {
		*out = FALSE;
		return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "\"%s\" is not a boolean: allowed are true and false",
		     value);
	return FALSE;
}

/* "ERROR" or "CME:N": the final result a write answers instead of OK. */
static gboolean
ir_sim_config_parse_write_error (const char *value, char **out, GError **error)
{
	guint64 code = 0;

	if (g_strcmp0 (value, "ERROR") == 0) {
		*out = g_strdup ("ERROR");
		return TRUE;
	}
	if (g_str_has_prefix (value, "CME:") &&
	    g_ascii_string_to_unsigned (value + 4, 10, 0, 65535, &code, NULL)) {
		*out = g_strdup_printf ("+CME ERROR: %u", (guint)code);
		return TRUE;
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "\"%s\" is not a write error: allowed are ERROR and CME:N (N from 0 to 65535)",
		     value);
	return FALSE;
}

/* A configured IMEI may be anything a phone could hold (QA wants wrong check
 * digits and wrong lengths too), but it must fit in an answer line. */
static gboolean
ir_sim_config_parse_imei (IrSimPhoneConfig *config, const char *value, GError **error)
{
	if (config->imeis->len >= IR_SIM_MAX_SLOTS) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "a phone has at most %u IMEI slots, \"%s\" would be slot %u: give one "
			     "value per slot",
			     (guint)IR_SIM_MAX_SLOTS,
			     value,
			     config->imeis->len + 1);
		return FALSE;
	}
	if (!ir_sim_config_check_text (value, TRUE, error))
		return FALSE;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == ',' || *p == ';' || g_ascii_isspace (*p)) {
			g_set_error (
			    error,
			    IR_ERROR,
			    IR_ERROR_INVALID_INPUT,
			    "\"%s\" is not an IMEI: give 15 digits (other digit strings "
			    "are accepted to simulate broken phones), or \"\" for an empty "
			    "slot",
			    value);
			return FALSE;
		}
	}
	g_ptr_array_add (config->imeis, g_strdup (value));
	return TRUE;
}

static gboolean
ir_sim_config_parse_read_only_slot (IrSimPhoneConfig *config, const char *value, GError **error)
{
	guint64 slot = 0;

	if (!g_ascii_string_to_unsigned (value, 10, 1, IR_SIM_MAX_SLOTS, &slot, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "\"%s\" is not a slot: allowed are 1 and %u (slots count from 1, "
			     "in --imei order)",
			     value,
			     (guint)IR_SIM_MAX_SLOTS);
		return FALSE;
	}
	config->read_only[slot - 1] = TRUE;
	return TRUE;
}

static gboolean
ir_sim_config_set_string (char **field, const char *value, GError **error)
{
	if (!ir_sim_config_check_text (value, FALSE, error))
		return FALSE;
	g_free (*field);
	*field = g_strdup (value);
	return TRUE;
}

static gboolean
ir_sim_config_set_path (char **field, const char *value, GError **error)
{
	if (value[0] == '\0') {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "empty path: give a file name");
		return FALSE;
	}
	g_free (*field);
	*field = g_strdup (value);
	return TRUE;
}

/* Loaded at once, so that a bad file fails on its own flag or line. */
static gboolean
ir_sim_config_set_trust_store (IrSimPhoneConfig *config, const char *value, GError **error)
{
	g_autoptr (GError) error_local = NULL;
	IrTrustStore *store;

	if (value[0] == '\0') {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "empty path: give a file name");
		return FALSE;
	}
	store = ir_trust_store_load (value, &error_local);
	if (store == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "failed to load the phone's trust store: %s: give the "
			     "trust-store.conf that certs/gen-dev-pki.sh writes, or the brand's",
			     error_local->message);
		return FALSE;
	}
	g_clear_pointer (&config->trust_store, ir_trust_store_unref);
	config->trust_store = store;
	return TRUE;
}

static gboolean
ir_sim_config_set_family (IrSimPhoneConfig *config, const char *value, GError **error)
{
	if (!g_strv_contains (ir_sim_state_get_families (), value)) {
		g_autofree char *known = g_strjoinv (", ", (char **)ir_sim_state_get_families ());
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unknown family \"%s\": allowed are %s",
			     value,
			     known);
		return FALSE;
	}
	g_free (config->family);
	config->family = g_strdup (value);
	return TRUE;
}

/* "0x26" or "38": a DIAG command code, kept as code + 1 (0: no fault). */
static gboolean
ir_sim_config_parse_diag_command (const char *value, guint *out, GError **error)
{
	guint64 v = 0;
	gboolean hex = g_str_has_prefix (value, "0x") || g_str_has_prefix (value, "0X");

	if (!g_ascii_string_to_unsigned (
		hex ? value + 2 : value, hex ? 16 : 10, 0, 255, &v, NULL)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "\"%s\" is not a DIAG command code: give 0 to 255, e.g. 0x26 (NV read)",
		    value);
		return FALSE;
	}
	*out = (guint)v + 1;
	return TRUE;
}

static gboolean
ir_sim_phone_config_set_diag (IrSimPhoneConfig *config,
			      const char *key,
			      const char *value,
			      GError **error)
{
	if (g_strcmp0 (key, "spc") == 0) {
		if (strlen (value) != 6 || strspn (value, "0123456789") != 6) {
			g_set_error_literal (error,
					     IR_ERROR,
					     IR_ERROR_INVALID_INPUT,
					     "a service programming code is 6 digits, e.g. 000000");
			return FALSE;
		}
		return ir_sim_config_set_string (&config->spc, value, error);
	}
	if (g_strcmp0 (key, "spc-required") == 0)
		return ir_sim_config_parse_bool (value, &config->spc_required, error);
	if (g_strcmp0 (key, "needs-qcdmg") == 0)
		return ir_sim_config_parse_bool (value, &config->needs_qcdmg, error);
	if (g_strcmp0 (key, "bad-crc-command") == 0)
		return ir_sim_config_parse_diag_command (
		    value, &config->faults.bad_crc_command, error);
	if (g_strcmp0 (key, "drop-terminator-command") == 0)
		return ir_sim_config_parse_diag_command (
		    value, &config->faults.no_flag_command, error);
	g_assert_not_reached ();
	return FALSE;
}

static gboolean
ir_sim_phone_config_set_fault (IrSimPhoneConfig *config,
			       const char *key,
			       const char *value,
			       GError **error)
{
	guint64 v = 0;

	if (g_strcmp0 (key, "latency") == 0) {
		if (!ir_sim_config_parse_uint (
			value, IR_SIM_MAX_LATENCY_MS, "a latency in milliseconds", &v, error))
			return FALSE;
		config->faults.latency_ms = (guint)v;
		return TRUE;
	}
	if (g_strcmp0 (key, "drop-rate") == 0)
		return ir_sim_config_parse_rate (value, &config->faults.drop_rate, error);
	if (g_strcmp0 (key, "garble-rate") == 0)
		return ir_sim_config_parse_rate (value, &config->faults.garble_rate, error);
	if (g_strcmp0 (key, "disconnect-after") == 0) {
		if (!ir_sim_config_parse_uint (value, G_MAXUINT, "a number of commands", &v, error))
			return FALSE;
		config->faults.disconnect_after = (guint)v;
		return TRUE;
	}
	if (g_strcmp0 (key, "seed") == 0) {
		if (!ir_sim_config_parse_uint (value, G_MAXUINT32, "a seed", &v, error))
			return FALSE;
		config->faults.seed = (guint32)v;
		return TRUE;
	}
	if (g_strcmp0 (key, "write-error") == 0) {
		g_autofree char *line = NULL;
		if (!ir_sim_config_parse_write_error (value, &line, error))
			return FALSE;
		g_free (config->write_error);
		config->write_error = g_steal_pointer (&line);
		return TRUE;
	}
	if (g_strcmp0 (key, "read-only-slot") == 0)
		return ir_sim_config_parse_read_only_slot (config, value, error);
	if (g_strcmp0 (key, "no-stick") == 0)
		return ir_sim_config_parse_bool (value, &config->no_stick, error);
	if (g_strcmp0 (key, "disconnect-after-write") == 0)
		return ir_sim_config_parse_bool (value, &config->hangup_after_write, error);
	return ir_sim_phone_config_set_diag (config, key, value, error);
}

static gboolean
ir_sim_phone_config_set_identity (IrSimPhoneConfig *config,
				  const char *key,
				  const char *value,
				  GError **error)
{
	if (ir_sim_quirks_has_key (key))
		return ir_sim_quirks_set (&config->quirks, key, value, error);
	if (g_strcmp0 (key, "family") == 0)
		return ir_sim_config_set_family (config, value, error);
	if (g_strcmp0 (key, "manufacturer") == 0)
		return ir_sim_config_set_string (&config->manufacturer, value, error);
	if (g_strcmp0 (key, "model") == 0)
		return ir_sim_config_set_string (&config->model, value, error);
	if (g_strcmp0 (key, "revision") == 0)
		return ir_sim_config_set_string (&config->revision, value, error);
	if (g_strcmp0 (key, "serial") == 0)
		return ir_sim_config_set_string (&config->serial, value, error);
	if (g_strcmp0 (key, "hwid") == 0)
		return ir_sim_config_set_string (&config->hwid, value, error);
	if (g_strcmp0 (key, "imei") == 0)
		return ir_sim_config_parse_imei (config, value, error);
	if (g_strcmp0 (key, "echo") == 0)
		return ir_sim_config_parse_bool (value, &config->echo, error);
	if (g_strcmp0 (key, "state") == 0)
		return ir_sim_config_set_path (&config->state_file, value, error);
	if (g_strcmp0 (key, "link") == 0)
		return ir_sim_config_set_path (&config->link, value, error);
	if (g_strcmp0 (key, "replay") == 0)
		return ir_sim_config_set_path (&config->replay, value, error);
	if (g_strcmp0 (key, "trust-store") == 0)
		return ir_sim_config_set_trust_store (config, value, error);
	return ir_sim_phone_config_set_fault (config, key, value, error);
}

gboolean
ir_sim_phone_config_set (IrSimPhoneConfig *config,
			 const char *key,
			 const char *value,
			 GError **error)
{
	g_return_val_if_fail (config != NULL, FALSE);
	g_return_val_if_fail (key != NULL, FALSE);
	g_return_val_if_fail (value != NULL, FALSE);

	if (!g_strv_contains (keys, key)) {
		g_autofree char *known = g_strjoinv (", ", (char **)keys);
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "unknown key: allowed are %s", known);
		return FALSE;
	}
	if (!ir_sim_phone_config_set_identity (config, key, value, error))
		return FALSE;
	g_hash_table_add (config->keys_set, g_strdup (key));
	return TRUE;
}

static gboolean
ir_sim_phone_config_validate_replay (IrSimPhoneConfig *config, GError **error)
{
	for (guint i = 0; replay_conflicts[i] != NULL; i++) {
		if (g_hash_table_contains (config->keys_set, replay_conflicts[i])) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: cannot be combined with replay: a replayed phone answers "
				     "what the recording holds; drop one of them",
				     replay_conflicts[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/* A secure phone without brand keys could verify nothing; a legacy one
 * would silently ignore them. */
static gboolean
ir_sim_phone_config_validate_trust_store (IrSimPhoneConfig *config, GError **error)
{
	gboolean secure = g_strcmp0 (config->family, IR_SIM_SECURE_FAMILY) == 0;

	if (secure && config->trust_store == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "trust-store: a " IR_SIM_SECURE_FAMILY " phone verifies restore "
			     "tokens with the brand's keys: give the trust-store.conf that "
			     "certs/gen-dev-pki.sh writes (or the brand's)");
		return FALSE;
	}
	if (!secure && config->trust_store != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "trust-store: a %s phone does not verify restore tokens, only "
			     "a " IR_SIM_SECURE_FAMILY " one does: drop it or change the family",
			     config->family);
		return FALSE;
	}
	return TRUE;
}

/* DIAG's keys would be silently ignored by an AT phone. */
static gboolean
ir_sim_phone_config_validate_diag (IrSimPhoneConfig *config, GError **error)
{
	if (g_strcmp0 (config->family, IR_SIM_DIAG_FAMILY) == 0)
		return TRUE;
	for (guint i = 0; diag_keys[i] != NULL; i++) {
		if (g_hash_table_contains (config->keys_set, diag_keys[i])) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s: only a " IR_SIM_DIAG_FAMILY " (DIAG) phone has it; drop "
				     "it or set family=" IR_SIM_DIAG_FAMILY,
				     diag_keys[i]);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
ir_sim_phone_config_validate (IrSimPhoneConfig *config, GError **error)
{
	g_autoptr (IrSimState) defaults = NULL;
	guint n_slots;

	if (config->replay != NULL)
		return ir_sim_phone_config_validate_replay (config, error);
	if (config->family == NULL) {
		g_autofree char *known = g_strjoinv (", ", (char **)ir_sim_state_get_families ());
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "family: no family given: set one of %s (or replay a recording)",
			     known);
		return FALSE;
	}
	if (!ir_sim_phone_config_validate_trust_store (config, error))
		return FALSE;
	if (!ir_sim_phone_config_validate_diag (config, error))
		return FALSE;
	if (config->quirks.vendor_final != NULL && g_strcmp0 (config->family, "3gpp") == 0) {
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "vendor-disabled: a 3gpp phone has no vendor commands to refuse; "
		    "set the family whose commands the firmware lacks");
		return FALSE;
	}
	defaults = ir_sim_state_new_default (config->family);
	n_slots = config->imeis->len > 0 ? config->imeis->len : defaults->n_slots;
	for (guint i = n_slots; i < IR_SIM_MAX_SLOTS; i++) {
		if (config->read_only[i]) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "read-only-slot: slot %u does not exist, this phone has %u "
				     "IMEI slot%s: give a slot from 1 to %u",
				     i + 1,
				     n_slots,
				     n_slots == 1 ? "" : "s",
				     n_slots);
			return FALSE;
		}
	}
	return TRUE;
}

static void
ir_sim_config_replace_str (char **field, const char *value)
{
	g_free (*field);
	*field = g_strdup (value);
}

IrSimState *
ir_sim_phone_config_to_state (IrSimPhoneConfig *config)
{
	IrSimState *state = ir_sim_state_new_default (config->family);

	g_return_val_if_fail (state != NULL, NULL);

	if (config->manufacturer != NULL)
		ir_sim_config_replace_str (&state->manufacturer, config->manufacturer);
	if (config->model != NULL)
		ir_sim_config_replace_str (&state->model, config->model);
	if (config->revision != NULL)
		ir_sim_config_replace_str (&state->revision, config->revision);
	if (config->serial != NULL)
		ir_sim_config_replace_str (&state->serial, config->serial);
	if (config->hwid != NULL)
		ir_sim_config_replace_str (&state->hwid, config->hwid);
	if (config->imeis->len > 0) {
		state->n_slots = config->imeis->len;
		for (guint i = 0; i < IR_SIM_MAX_SLOTS; i++) {
			const char *imei =
			    i < config->imeis->len ? g_ptr_array_index (config->imeis, i) : "";
			g_clear_pointer (&state->imei[i], g_free);
			if (imei[0] != '\0')
				state->imei[i] = g_strdup (imei);
		}
	}
	for (guint i = 0; i < IR_SIM_MAX_SLOTS; i++)
		state->read_only[i] = config->read_only[i];
	state->echo = config->echo;
	state->write_error = g_strdup (config->write_error);
	state->no_stick = config->no_stick;
	state->hangup_after_write = config->hangup_after_write;
	if (config->spc != NULL)
		ir_sim_config_replace_str (&state->spc, config->spc);
	state->spc_required = config->spc_required;
	/* a DIAG port speaks DIAG from the start unless it needs AT$QCDMG */
	state->diag_mode =
	    g_strcmp0 (state->family, IR_SIM_DIAG_FAMILY) == 0 && !config->needs_qcdmg;
	if (config->trust_store != NULL)
		state->trust_store = ir_trust_store_ref (config->trust_store);
	return state;
}

IrSimPhone *
ir_sim_phone_config_create_phone (IrSimPhoneConfig *config, GError **error)
{
	g_autoptr (IrSimPhone) phone = NULL;

	if (config->replay != NULL) {
		g_autoptr (IrRecording) recording = ir_recording_load (config->replay, error);
		if (recording == NULL) {
			g_prefix_error (error, "failed to load the recording to replay: ");
			return NULL;
		}
		phone = ir_sim_phone_new_replay (recording, error);
	} else {
		phone = ir_sim_phone_new (
		    ir_sim_phone_config_to_state (config), &config->faults, error);
	}
	if (phone == NULL)
		return NULL;
	ir_sim_phone_set_quirks (phone, &config->quirks);
	if (config->state_file != NULL &&
	    !ir_sim_phone_set_state_file (phone, config->state_file, error))
		return NULL;
	if (config->link != NULL && !ir_sim_phone_set_link (phone, config->link, error))
		return NULL;
	return g_steal_pointer (&phone);
}

/* A phone name is printed as the first word of "NAME PATH": one word. */
static gboolean
ir_sim_config_check_name (const char *name, GError **error)
{
	if (name[0] == '\0') {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "a phone needs a name: use [phone NAME]");
		return FALSE;
	}
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_isgraph (*p)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "phone name \"%s\" is not one word: use letters, digits and "
				     "punctuation without spaces",
				     name);
			return FALSE;
		}
	}
	return TRUE;
}

/* The repeatable keys are lists in a file: imei=A;B is --imei A --imei B
 * ("imei=;" is one empty slot). */
static gboolean
ir_sim_config_set_list (
    IrSimPhoneConfig *config, GKeyFile *kf, const char *group, const char *key, GError **error)
{
	gsize n = 0;
	g_auto (GStrv) values = g_key_file_get_string_list (kf, group, key, &n, error);

	if (values == NULL)
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		if (!ir_sim_phone_config_set (config, key, values[i], error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_sim_config_set_key (
    IrSimPhoneConfig *config, GKeyFile *kf, const char *group, const char *key, GError **error)
{
	g_autofree char *value = NULL;

	if (g_strcmp0 (key, "imei") == 0 || g_strcmp0 (key, "read-only-slot") == 0)
		return ir_sim_config_set_list (config, kf, group, key, error);
	value = g_key_file_get_string (kf, group, key, error);
	if (value == NULL)
		return FALSE;
	return ir_sim_phone_config_set (config, key, value, error);
}

static IrSimPhoneConfig *
ir_sim_config_parse_group (GKeyFile *kf, const char *group, GError **error)
{
	g_autoptr (IrSimPhoneConfig) config = NULL;
	g_auto (GStrv) group_keys = NULL;

	if (!g_str_has_prefix (group, "phone ")) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "[%s]: every group must be [phone NAME]",
			     group);
		return NULL;
	}
	if (!ir_sim_config_check_name (group + 6, error)) {
		g_prefix_error (error, "[%s]: ", group);
		return NULL;
	}
	config = ir_sim_phone_config_new (group + 6);
	group_keys = g_key_file_get_keys (kf, group, NULL, error);
	if (group_keys == NULL)
		return NULL;
	for (guint i = 0; group_keys[i] != NULL; i++) {
		if (!ir_sim_config_set_key (config, kf, group, group_keys[i], error)) {
			g_prefix_error (error, "[%s] %s: ", group, group_keys[i]);
			return NULL;
		}
	}
	if (!ir_sim_phone_config_validate (config, error)) {
		g_prefix_error (error, "[%s] ", group);
		return NULL;
	}
	return g_steal_pointer (&config);
}

/* Two phones writing the same state file or link would undo each other. */
static gboolean
ir_sim_config_check_unique (GPtrArray *configs, GError **error)
{
	for (guint i = 0; i < configs->len; i++) {
		IrSimPhoneConfig *a = g_ptr_array_index (configs, i);
		for (guint j = i + 1; j < configs->len; j++) {
			IrSimPhoneConfig *b = g_ptr_array_index (configs, j);
			const char *what = NULL;
			if (g_strcmp0 (a->name, b->name) == 0)
				what = "name";
			else if (a->state_file != NULL &&
				 g_strcmp0 (a->state_file, b->state_file) == 0)
				what = "state";
			else if (a->link != NULL && g_strcmp0 (a->link, b->link) == 0)
				what = "link";
			if (what != NULL) {
				g_set_error (
				    error,
				    IR_ERROR,
				    IR_ERROR_INVALID_INPUT,
				    "[phone %s] and [phone %s] have the same %s: give each "
				    "phone its own",
				    a->name,
				    b->name,
				    what);
				return FALSE;
			}
		}
	}
	return TRUE;
}

/* GKeyFile merges a group given twice into one: two [phone a] groups
 * would silently become one phone, so refuse them before parsing. */
static gboolean
ir_sim_config_check_groups (const char *data, gsize len, GError **error)
{
	g_autofree char *text = g_strndup (data, len);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strstrip (lines[i]);
		if (line[0] != '[')
			continue;
		if (!g_hash_table_add (seen, line)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s appears twice (line %u): give each phone its own name",
				     line,
				     i + 1);
			return FALSE;
		}
	}
	return TRUE;
}

GPtrArray *
ir_sim_config_parse (const char *data, gsize len, const char *origin, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GPtrArray) configs =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_sim_phone_config_free);
	g_auto (GStrv) groups = NULL;

	if (!ir_sim_config_check_groups (data, len, error) ||
	    !g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error)) {
		g_prefix_error (error, "%s: ", origin);
		return NULL;
	}
	groups = g_key_file_get_groups (kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		IrSimPhoneConfig *config = ir_sim_config_parse_group (kf, groups[i], error);
		if (config == NULL) {
			g_prefix_error (error, "%s: ", origin);
			return NULL;
		}
		g_ptr_array_add (configs, config);
	}
	if (configs->len == 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: no phone: add a [phone NAME] group with at least family=",
			     origin);
		return NULL;
	}
	if (!ir_sim_config_check_unique (configs, error)) {
		g_prefix_error (error, "%s: ", origin);
		return NULL;
	}
	return g_steal_pointer (&configs);
}

GPtrArray *
ir_sim_config_load (const char *path, GError **error)
{
	g_autofree char *data = NULL;
	g_autoptr (GError) error_local = NULL;
	gsize len = 0;

	if (!g_file_get_contents (path, &data, &len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "failed to read config file: %s: give a readable .ini file",
			     error_local->message);
		return NULL;
	}
	return ir_sim_config_parse (data, len, path, error);
}
