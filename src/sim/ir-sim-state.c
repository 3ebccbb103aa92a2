/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-error.h"
#include "ir-sim-state.h"

/* Defaults per family: strings as such phones answer +CGMI/+CGMM/+CGMR, so
 * that the family's profile (protocols/<family>/<family>.profile) matches
 * them, and IMEIs with a right check digit. */
typedef struct {
	const char *family;
	const char *manufacturer;
	const char *model;
	const char *revision;
	const char *serial;
	const char *hwid;
	guint n_slots;
	const char *imei[IR_SIM_MAX_SLOTS];
} IrSimFamilyDefaults;

static const IrSimFamilyDefaults family_defaults[] = {
    {"3gpp",
     "Telit",
     "LE910C1-EU",
     "25.30.226",
     "0001234567",
     "3gpp-hw-0001",
     1,
     {"356923051234568", NULL}},
    {"mediatek",
     "MediaTek Inc.",
     "MT6765",
     "MOLY.LR12A.R3.MP.V84.P27",
     "0123456789ABCDEF",
     "mtk-hw-6765-0001",
     2,
     {"352099001761481", "352099001761499"}},
    {"quectel",
     "Quectel",
     "EC25",
     "EC25EFAR06A06M4G",
     "MPY20LA0812345",
     "quectel-hw-ec25-0001",
     1,
     {"867798045678902", NULL}},
    {"simcom",
     "SIMCOM INCORPORATED",
     "SIMCOM_SIM7600E-H",
     "LE20B04SIM7600M22",
     "SIM7600E0012345",
     "simcom-hw-7600-0001",
     1,
     {"868915031234560", NULL}},
    {"unisoc",
     "UNISOC",
     "SC9863A",
     "SC9863A_V1.0_20230101",
     "SPRD0123456789",
     "unisoc-hw-9863-0001",
     2,
     {"864012039876545", "864012039876552"}},
    /* this project's reference phone (protocols/secure-restore-v1/README.md):
     * a +CGMI no real handset answers */
    {"secure-restore-v1",
     "imeirestore reference phone",
     "SR1",
     "SR1-FW-1.0.0",
     "SR1000001",
     "sr1-hw-000001",
     2,
     {"352099002000012", "352099002000020"}},
    /* the serial is the ESN, in hex, that DIAG command 0x01 answers */
    {"qualcomm",
     "Qualcomm",
     "IRQC-X55",
     "MPSS.HI.2.0.c3-00123-SDX55",
     "8A3C51D2",
     "qc-hw-x55-0001",
     2,
     {"358476312345671", "358476312345689"}},
};

static const char *const families[] = {
    "3gpp", "mediatek", "quectel", "simcom", "unisoc", "secure-restore-v1", "qualcomm", NULL};

const char *const *
ir_sim_state_get_families (void)
{
	return families;
}

static const IrSimFamilyDefaults *
ir_sim_family_defaults_lookup (const char *family)
{
	for (guint i = 0; i < G_N_ELEMENTS (family_defaults); i++) {
		if (g_strcmp0 (family_defaults[i].family, family) == 0)
			return &family_defaults[i];
	}
	return NULL;
}

IrSimState *
ir_sim_state_new_default (const char *family)
{
	const IrSimFamilyDefaults *defaults = ir_sim_family_defaults_lookup (family);
	IrSimState *state;

	if (defaults == NULL)
		return NULL;
	state = g_new0 (IrSimState, 1);
	state->family = g_strdup (defaults->family);
	state->manufacturer = g_strdup (defaults->manufacturer);
	state->model = g_strdup (defaults->model);
	state->revision = g_strdup (defaults->revision);
	state->serial = g_strdup (defaults->serial);
	state->hwid = g_strdup (defaults->hwid);
	state->n_slots = defaults->n_slots;
	for (guint i = 0; i < defaults->n_slots; i++)
		state->imei[i] = g_strdup (defaults->imei[i]);
	state->echo = TRUE;
	return state;
}

void
ir_sim_state_free (IrSimState *state)
{
	if (state == NULL)
		return;
	g_free (state->family);
	g_free (state->manufacturer);
	g_free (state->model);
	g_free (state->revision);
	g_free (state->serial);
	g_free (state->hwid);
	for (guint i = 0; i < IR_SIM_MAX_SLOTS; i++)
		g_free (state->imei[i]);
	g_free (state->write_error);
	g_free (state->spc);
	g_clear_pointer (&state->trust_store, ir_trust_store_unref);
	g_clear_pointer (&state->nonce, g_bytes_unref);
	g_free (state);
}

/* The families whose phones make challenges keep their counter. */
static gboolean
ir_sim_state_has_counter (const IrSimState *state)
{
	return g_strcmp0 (state->family, "secure-restore-v1") == 0;
}

/* State file: the part of a phone that it changes itself and that a reboot
 * keeps. Family and slot count are stored to refuse another phone's file. */
#define IR_SIM_STATE_GROUP "state"

/* The challenge counter: absent is 0 (a phone that never made a challenge);
 * anything but a whole number is refused rather than guessed, since a
 * counter that went back would let an old challenge come round again. */
static gboolean
ir_sim_state_load_counter (IrSimState *state, GKeyFile *kf, const char *path, GError **error)
{
	g_autofree char *text = g_key_file_get_value (kf, IR_SIM_STATE_GROUP, "counter", NULL);
	guint64 counter = 0;

	if (text == NULL) {
		state->counter = 0;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &counter, NULL)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "state file %s: counter=%s is not a whole number from 0 to "
			     "18446744073709551615: correct it or delete the file",
			     path,
			     text);
		return FALSE;
	}
	state->counter = counter;
	return TRUE;
}

gboolean
ir_sim_state_load_file (IrSimState *state, const char *path, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GError) error_local = NULL;
	g_autofree char *family = NULL;
	g_auto (GStrv) imeis = NULL;
	gsize n_imeis = 0;

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "failed to load state file %s: %s: delete it to start afresh",
			     path,
			     error_local->message);
		return FALSE;
	}
	family = g_key_file_get_string (kf, IR_SIM_STATE_GROUP, "family", NULL);
	if (g_strcmp0 (family, state->family) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "state file %s belongs to a %s phone, not %s: use another --state "
			     "file or delete it",
			     path,
			     family != NULL ? family : "(unknown)",
			     state->family);
		return FALSE;
	}
	imeis = g_key_file_get_string_list (kf, IR_SIM_STATE_GROUP, "imei", &n_imeis, NULL);
	if (imeis == NULL || n_imeis != state->n_slots) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "state file %s holds %u IMEI slots, this phone has %u: use another "
			     "--state file or delete it",
			     path,
			     (guint)n_imeis,
			     state->n_slots);
		return FALSE;
	}
	if (ir_sim_state_has_counter (state) && !ir_sim_state_load_counter (state, kf, path, error))
		return FALSE;
	for (guint i = 0; i < state->n_slots; i++) {
		g_free (state->imei[i]);
		state->imei[i] = imeis[i][0] != '\0' ? g_strdup (imeis[i]) : NULL;
	}
	return TRUE;
}

gboolean
ir_sim_state_save_file (const IrSimState *state, const char *path, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	const char *imeis[IR_SIM_MAX_SLOTS] = {NULL};
	g_autofree char *data = NULL;
	gsize len = 0;

	g_key_file_set_comment (kf,
				NULL,
				NULL,
				" imei-sim phone state: IMEI slots as the phone holds them "
				"(empty: no IMEI), and a secure phone's challenge counter",
				NULL);
	g_key_file_set_string (kf, IR_SIM_STATE_GROUP, "family", state->family);
	for (guint i = 0; i < state->n_slots; i++)
		imeis[i] = state->imei[i] != NULL ? state->imei[i] : "";
	g_key_file_set_string_list (kf, IR_SIM_STATE_GROUP, "imei", imeis, state->n_slots);
	if (ir_sim_state_has_counter (state))
		g_key_file_set_uint64 (kf, IR_SIM_STATE_GROUP, "counter", state->counter);
	data = g_key_file_to_data (kf, &len, NULL);
	/* g_file_set_contents() writes a temporary file and renames it: a
	 * killed simulator never leaves half a state file behind */
	if (!g_file_set_contents (path, data, (gssize)len, error)) {
		g_prefix_error (error, "failed to save phone state to %s: ", path);
		return FALSE;
	}
	return TRUE;
}
