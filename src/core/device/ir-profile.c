/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ir-error.h"
#include "ir-family.h"
#include "ir-profile.h"
#include "ir-profiles-resources.h"

#define IR_PROFILE_GROUP	    "Profile"
#define IR_PROFILE_RESOURCE_PATH    "/org/imeirestore/profiles/"
#define IR_PROFILE_MIN_TIMEOUT_MS   100
#define IR_PROFILE_MAX_TIMEOUT_MS   120000
#define IR_PROFILE_DEFAULT_CMD_MS   3000
#define IR_PROFILE_DEFAULT_WRITE_MS 10000
#define IR_PROFILE_PRIORITY_LIMIT   1000

/* What a match is worth: an exact USB id beats a vendor-wide one plus
 * matching globs, which beats a vendor-wide id alone, which beats globs. */
#define IR_PROFILE_SCORE_USB_EXACT  4
#define IR_PROFILE_SCORE_USB_VENDOR 2
#define IR_PROFILE_SCORE_GLOBS	    1

static const char *const ir_profile_keys[] = {
    "Name",
    "Family",
    "UsbIds",
    "Manufacturer",
    "Model",
    "Slots",
    "CommandTimeoutMs",
    "WriteTimeoutMs",
    "Priority",
    NULL,
};

void
ir_profile_free (IrProfile *profile)
{
	if (profile == NULL)
		return;
	g_free (profile->id);
	g_free (profile->name);
	g_free (profile->family);
	if (profile->usb_ids != NULL)
		g_array_unref (profile->usb_ids);
	g_strfreev (profile->manufacturer_globs);
	g_strfreev (profile->model_globs);
	g_free (profile);
}

static gboolean
ir_profile_check_keys (GKeyFile *kf, GError **error)
{
	g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
	g_auto (GStrv) keys = NULL;

	for (guint i = 0; groups[i] != NULL; i++) {
		if (g_strcmp0 (groups[i], IR_PROFILE_GROUP) != 0) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "unknown group [%s]: a profile has only [" IR_PROFILE_GROUP
				     "]",
				     groups[i]);
			return FALSE;
		}
	}
	keys = g_key_file_get_keys (kf, IR_PROFILE_GROUP, NULL, NULL);
	if (keys == NULL) {
		g_set_error_literal (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "no [" IR_PROFILE_GROUP "] group");
		return FALSE;
	}
	for (guint i = 0; keys[i] != NULL; i++) {
		if (!g_strv_contains (ir_profile_keys, keys[i])) {
			g_autofree char *known = g_strjoinv (", ", (GStrv)ir_profile_keys);
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "unknown key %s (known keys: %s)",
				     keys[i],
				     known);
			return FALSE;
		}
	}
	return TRUE;
}

static char *
ir_profile_get_required (GKeyFile *kf, const char *key, GError **error)
{
	g_autofree char *value = g_key_file_get_string (kf, IR_PROFILE_GROUP, key, NULL);

	if (value == NULL || value[0] == '\0') {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s is missing or empty", key);
		return NULL;
	}
	return g_steal_pointer (&value);
}

/* Strict decimal integer in [min, max]; @dflt when the key is absent. */
static gboolean
ir_profile_get_int (
    GKeyFile *kf, const char *key, gint64 min, gint64 max, gint64 dflt, gint64 *out, GError **error)
{
	g_autofree char *value = NULL;
	g_autoptr (GError) error_local = NULL;

	if (!g_key_file_has_key (kf, IR_PROFILE_GROUP, key, NULL)) {
		if (dflt < min) {
			g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s is missing", key);
			return FALSE;
		}
		*out = dflt;
		return TRUE;
	}
	value = g_key_file_get_string (kf, IR_PROFILE_GROUP, key, NULL);
	if (!g_ascii_string_to_signed (value, 10, min, max, out, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s=%s: not a whole number from %" G_GINT64_FORMAT
			     " to %" G_GINT64_FORMAT,
			     key,
			     value,
			     min,
			     max);
		return FALSE;
	}
	return TRUE;
}

/* A ;-separated list, its errors in our domain. */
static char **
ir_profile_get_list (GKeyFile *kf, const char *key, GError **error)
{
	g_autoptr (GError) error_local = NULL;
	char **list = g_key_file_get_string_list (kf, IR_PROFILE_GROUP, key, NULL, &error_local);

	if (list == NULL) {
		g_set_error (
		    error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s: %s", key, error_local->message);
	}
	return list;
}

static gboolean
ir_profile_parse_hex16 (const char *text, guint16 *out)
{
	guint64 value = 0;

	if (strlen (text) != 4 || !g_ascii_isxdigit (text[0]))
		return FALSE;
	if (!g_ascii_string_to_unsigned (text, 16, 0, G_MAXUINT16, &value, NULL))
		return FALSE;
	*out = (guint16)value;
	return TRUE;
}

/* "0e8d:2000" or "0e8d:*" (any product of the vendor). */
static gboolean
ir_profile_parse_usb_id (const char *text, guint32 *out, GError **error)
{
	g_auto (GStrv) parts = g_strsplit (text, ":", -1);
	guint16 vid = 0;
	guint16 pid = IR_PROFILE_USB_ANY_PID;

	if (g_strv_length (parts) != 2 || !ir_profile_parse_hex16 (parts[0], &vid) ||
	    (g_strcmp0 (parts[1], "*") != 0 && !ir_profile_parse_hex16 (parts[1], &pid))) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "UsbIds: '%s' is not VVVV:PPPP or VVVV:* (four hex digits each)",
			     text);
		return FALSE;
	}
	if (vid == 0x0000) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "UsbIds: '%s' has vendor id 0000, which no device has",
			     text);
		return FALSE;
	}
	if (pid == IR_PROFILE_USB_ANY_PID && g_strcmp0 (parts[1], "*") != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "UsbIds: '%s' has product id 0000; write %s:* for any product",
			     text,
			     parts[0]);
		return FALSE;
	}
	*out = ((guint32)vid << 16) | pid;
	return TRUE;
}

static gboolean
ir_profile_parse_usb_ids (GKeyFile *kf, IrProfile *profile, GError **error)
{
	g_auto (GStrv) ids = NULL;

	profile->usb_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
	if (!g_key_file_has_key (kf, IR_PROFILE_GROUP, "UsbIds", NULL))
		return TRUE;
	ids = ir_profile_get_list (kf, "UsbIds", error);
	if (ids == NULL)
		return FALSE;
	for (guint i = 0; ids[i] != NULL; i++) {
		guint32 id = 0;
		if (!ir_profile_parse_usb_id (ids[i], &id, error))
			return FALSE;
		g_array_append_val (profile->usb_ids, id);
	}
	return TRUE;
}

/* A list of globs; NULL when the key is absent and @dflt is NULL. */
static gboolean
ir_profile_parse_globs (
    GKeyFile *kf, const char *key, const char *dflt, char ***out, GError **error)
{
	g_auto (GStrv) globs = NULL;

	if (!g_key_file_has_key (kf, IR_PROFILE_GROUP, key, NULL)) {
		if (dflt != NULL) {
			globs = g_new0 (char *, 2);
			globs[0] = g_strdup (dflt);
		}
		*out = g_steal_pointer (&globs);
		return TRUE;
	}
	globs = ir_profile_get_list (kf, key, error);
	if (globs == NULL)
		return FALSE;
	if (globs[0] == NULL) {
		g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "%s has no pattern", key);
		return FALSE;
	}
	for (guint i = 0; globs[i] != NULL; i++) {
		if (globs[i][0] == '\0') {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "%s has an empty pattern (write * to match anything)",
				     key);
			return FALSE;
		}
	}
	*out = g_steal_pointer (&globs);
	return TRUE;
}

static gboolean
ir_profile_parse_numbers (GKeyFile *kf, IrProfile *profile, GError **error)
{
	gint64 value = 0;

	if (!ir_profile_get_int (kf, "Slots", 1, IR_PROFILE_MAX_SLOTS, 0, &value, error))
		return FALSE;
	profile->slots = (guint)value;
	if (!ir_profile_get_int (kf,
				 "CommandTimeoutMs",
				 IR_PROFILE_MIN_TIMEOUT_MS,
				 IR_PROFILE_MAX_TIMEOUT_MS,
				 IR_PROFILE_DEFAULT_CMD_MS,
				 &value,
				 error))
		return FALSE;
	profile->command_timeout_ms = (guint)value;
	if (!ir_profile_get_int (kf,
				 "WriteTimeoutMs",
				 IR_PROFILE_MIN_TIMEOUT_MS,
				 IR_PROFILE_MAX_TIMEOUT_MS,
				 IR_PROFILE_DEFAULT_WRITE_MS,
				 &value,
				 error))
		return FALSE;
	profile->write_timeout_ms = (guint)value;
	if (!ir_profile_get_int (kf,
				 "Priority",
				 -IR_PROFILE_PRIORITY_LIMIT,
				 IR_PROFILE_PRIORITY_LIMIT,
				 0,
				 &value,
				 error))
		return FALSE;
	profile->priority = (int)value;
	return TRUE;
}

static gboolean
ir_profile_parse_keyfile (GKeyFile *kf, IrProfile *profile, GError **error)
{
	if (!ir_profile_check_keys (kf, error))
		return FALSE;
	profile->name = ir_profile_get_required (kf, "Name", error);
	if (profile->name == NULL)
		return FALSE;
	profile->family = ir_profile_get_required (kf, "Family", error);
	if (profile->family == NULL)
		return FALSE;
	if (ir_family_lookup (profile->family) == NULL) {
		g_autoptr (GString) known = g_string_new (NULL);
		g_autoptr (GPtrArray) all = ir_family_get_all ();
		for (guint i = 0; i < all->len; i++) {
			const IrFamily *family = g_ptr_array_index (all, i);
			g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", family->id);
		}
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "Family=%s is not a protocol family (known: %s%s)",
			     profile->family,
			     known->str,
			     all->len == 0 ? "none registered: the program must call "
					     "ir_protocols_register() first"
					   : "");
		return FALSE;
	}
	if (!ir_profile_parse_usb_ids (kf, profile, error))
		return FALSE;
	if (!ir_profile_parse_globs (kf, "Manufacturer", NULL, &profile->manufacturer_globs, error))
		return FALSE;
	if (!ir_profile_parse_globs (kf, "Model", "*", &profile->model_globs, error))
		return FALSE;
	if (profile->usb_ids->len == 0 && profile->manufacturer_globs == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "neither UsbIds nor Manufacturer is set: the profile would "
				     "match no phone");
		return FALSE;
	}
	return ir_profile_parse_numbers (kf, profile, error);
}

IrProfile *
ir_profile_parse (const char *id, const char *data, gsize len, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (IrProfile) profile = g_new0 (IrProfile, 1);
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (id != NULL, NULL);
	g_return_val_if_fail (data != NULL, NULL);

	profile->id = g_strdup (id);
	if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "profile %s is not a key file: %s",
			     id,
			     error_local->message);
		return NULL;
	}
	if (!ir_profile_parse_keyfile (kf, profile, error)) {
		g_prefix_error (error, "profile %s: ", id);
		return NULL;
	}
	return g_steal_pointer (&profile);
}

static gint
ir_profile_compare_id (gconstpointer a, gconstpointer b)
{
	const IrProfile *pa = *(const IrProfile *const *)a;
	const IrProfile *pb = *(const IrProfile *const *)b;
	return g_strcmp0 (pa->id, pb->id);
}

/* A built-in profile that does not parse is a bug in this tree, caught by
 * the protocols tests: say so loudly and leave it out. */
static void
ir_profile_load_builtin (GResource *resource, const char *name, GPtrArray *profiles)
{
	g_autofree char *path = g_strconcat (IR_PROFILE_RESOURCE_PATH, name, NULL);
	g_autofree char *id = NULL;
	g_autoptr (GBytes) bytes = NULL;
	g_autoptr (GError) error = NULL;
	IrProfile *profile;

	if (!g_str_has_suffix (name, ".profile"))
		return;
	id = g_strndup (name, strlen (name) - strlen (".profile"));
	bytes = g_resource_lookup_data (resource, path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
	if (bytes == NULL) {
		g_critical ("built-in profile %s cannot be read: %s", path, error->message);
		return;
	}
	profile =
	    ir_profile_parse (id, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
	if (profile == NULL) {
		g_critical ("built-in %s", error->message);
		return;
	}
	g_ptr_array_add (profiles, profile);
}

static GPtrArray *
ir_profile_load_all (void)
{
	GPtrArray *profiles = g_ptr_array_new ();
	GResource *resource = ir_profiles_get_resource ();
	g_autoptr (GError) error = NULL;
	g_auto (GStrv) names = g_resource_enumerate_children (
	    resource, IR_PROFILE_RESOURCE_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);

	if (names == NULL) {
		g_critical (
		    "no built-in profiles at %s: %s", IR_PROFILE_RESOURCE_PATH, error->message);
		return profiles;
	}
	for (guint i = 0; names[i] != NULL; i++)
		ir_profile_load_builtin (resource, names[i], profiles);
	g_ptr_array_sort (profiles, ir_profile_compare_id);
	return profiles;
}

GPtrArray *
ir_profile_get_all (void)
{
	static GPtrArray *profiles = NULL;

	if (g_once_init_enter (&profiles))
		g_once_init_leave (&profiles, ir_profile_load_all ());
	return profiles;
}

const IrProfile *
ir_profile_lookup (const char *id)
{
	GPtrArray *profiles = ir_profile_get_all ();

	for (guint i = 0; i < profiles->len; i++) {
		const IrProfile *profile = g_ptr_array_index (profiles, i);
		if (g_strcmp0 (profile->id, id) == 0)
			return profile;
	}
	return NULL;
}

static int
ir_profile_usb_score (const IrProfile *profile, guint16 vid, guint16 pid)
{
	int score = 0;

	if (vid == 0)
		return 0;
	for (guint i = 0; i < profile->usb_ids->len; i++) {
		guint32 id = g_array_index (profile->usb_ids, guint32, i);
		if ((id >> 16) != vid)
			continue;
		if ((id & 0xffff) == pid)
			return IR_PROFILE_SCORE_USB_EXACT;
		if ((id & 0xffff) == IR_PROFILE_USB_ANY_PID)
			score = IR_PROFILE_SCORE_USB_VENDOR;
	}
	return score;
}

/* Case-insensitive: phones answer "MediaTek Inc.", "MEDIATEK", "mediatek". */
static gboolean
ir_profile_globs_match (char **globs, const char *text)
{
	g_autofree char *valid = NULL;
	g_autofree char *folded = NULL;

	if (globs == NULL)
		return FALSE;
	valid = g_utf8_make_valid (text != NULL ? text : "", -1);
	folded = g_utf8_casefold (valid, -1);
	for (guint i = 0; globs[i] != NULL; i++) {
		g_autofree char *glob = g_utf8_casefold (globs[i], -1);
		if (g_pattern_match_simple (glob, folded))
			return TRUE;
	}
	return FALSE;
}

static int
ir_profile_score (
    const IrProfile *profile, guint16 vid, guint16 pid, const char *manufacturer, const char *model)
{
	int score = ir_profile_usb_score (profile, vid, pid);

	if (ir_profile_globs_match (profile->manufacturer_globs, manufacturer) &&
	    ir_profile_globs_match (profile->model_globs, model))
		score += IR_PROFILE_SCORE_GLOBS;
	return score;
}

/* The best profile of @family (NULL: of every AT family); NULL when none
 * scores. */
static const IrProfile *
ir_profile_match_where (
    guint16 vid, guint16 pid, const char *manufacturer, const char *model, const IrFamily *family)
{
	GPtrArray *profiles = ir_profile_get_all ();
	const IrProfile *best = NULL;
	int best_score = 0;

	for (guint i = 0; i < profiles->len; i++) {
		const IrProfile *profile = g_ptr_array_index (profiles, i);
		const IrFamily *own = ir_family_lookup (profile->family);
		int score;

		/* an AT phone never gets a binary family's profile, nor the
		 * reverse: its port would not understand the driver */
		if (family != NULL ? own != family : ir_family_is_binary (own))
			continue;
		score = ir_profile_score (profile, vid, pid, manufacturer, model);
		if (score == 0)
			continue;
		if (best == NULL || score > best_score ||
		    (score == best_score && profile->priority > best->priority)) {
			best = profile;
			best_score = score;
		}
	}
	return best;
}

const IrProfile *
ir_profile_match (guint16 vid, guint16 pid, const char *manufacturer, const char *model)
{
	const IrProfile *best = ir_profile_match_where (vid, pid, manufacturer, model, NULL);

	if (best == NULL)
		best = ir_profile_lookup ("3gpp");
	g_assert (best != NULL);
	return best;
}

const IrProfile *
ir_profile_match_family (
    guint16 vid, guint16 pid, const char *manufacturer, const char *model, const char *family)
{
	const IrFamily *wanted = ir_family_lookup (family);

	g_return_val_if_fail (wanted != NULL, NULL);
	return ir_profile_match_where (vid, pid, manufacturer, model, wanted);
}

/* The binary family whose profiles claim this USB id, to try its probe
 * before "AT" (DESIGN.md §5: USB ids only speed the guess). */
const char *
ir_profile_guess_binary_family (guint16 vid, guint16 pid)
{
	GPtrArray *profiles = ir_profile_get_all ();

	if (vid == 0)
		return NULL;
	for (guint i = 0; i < profiles->len; i++) {
		const IrProfile *profile = g_ptr_array_index (profiles, i);
		if (ir_family_is_binary (ir_family_lookup (profile->family)) &&
		    ir_profile_usb_score (profile, vid, pid) == IR_PROFILE_SCORE_USB_EXACT)
			return profile->family;
	}
	return NULL;
}
