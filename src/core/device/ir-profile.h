/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-imei.h"

G_BEGIN_DECLS

/* A protocol profile: which phones speak which family, and how. Profiles
 * are GKeyFiles kept beside each family in protocols/<family>/<id>.profile and
 * compiled into the library as GResources (documented in protocols/README.md).
 *
 *   [Profile]
 *   Name=MediaTek dual-SIM handset
 *   Family=mediatek
 *   UsbIds=0e8d:2000;0e8d:2007;        (optional)
 *   Manufacturer=*MediaTek*;*MTK*;     (globs, case-insensitive)
 *   Model=*                            (globs, case-insensitive)
 *   Slots=2
 *   CommandTimeoutMs=3000
 *   WriteTimeoutMs=10000
 *   Priority=50                        (higher wins; 3gpp fallback is 0)
 */
typedef struct {
	char *id; /* file name without .profile */
	char *name;
	char *family;
	GArray *usb_ids; /* guint32: vid << 16 | pid */
	char **manufacturer_globs;
	char **model_globs;
	guint slots;
	guint command_timeout_ms;
	guint write_timeout_ms;
	int priority;
} IrProfile;

/* "vvvv:*" in UsbIds: any product of the vendor, kept as PID 0000 in usb_ids
 * (a PID no device uses; an explicit "vvvv:0000" is refused). */
#define IR_PROFILE_USB_ANY_PID 0x0000
/* No phone family has more than two IMEI slots. */
#define IR_PROFILE_MAX_SLOTS IR_IMEI_MAX_SLOTS /* the name the profile code uses */

void ir_profile_free (IrProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrProfile, ir_profile_free)

IrProfile *ir_profile_parse (const char *id, const char *data, gsize len, GError **error);

/* Every built-in profile (owned by the library, never freed). */
GPtrArray *ir_profile_get_all (void);

/* The best profile for what we know of a phone: a USB id match wins, then
 * manufacturer + model globs, then priority. Never NULL: the 3gpp profile
 * matches anything that answers +CGSN. @vid/@pid 0 when unknown. */
const IrProfile *
ir_profile_match (guint16 vid, guint16 pid, const char *manufacturer, const char *model);

/* The best profile of one (binary) family for a phone identified over its
 * own protocol; NULL when none of its profiles matches. ir_profile_match()
 * never returns a binary family's profile. */
const IrProfile *ir_profile_match_family (
    guint16 vid, guint16 pid, const char *manufacturer, const char *model, const char *family);

/* The binary family (e.g. "qualcomm") one of whose profiles names this
 * exact USB id, or NULL: its probe goes first. */
const char *ir_profile_guess_binary_family (guint16 vid, guint16 pid);

const IrProfile *ir_profile_lookup (const char *id);

G_END_DECLS
