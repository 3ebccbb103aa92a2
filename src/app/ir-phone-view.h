/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-phone.h"

G_BEGIN_DECLS

/* One phone's restore as a step view: a strip of the steps (identify →
 * diagnose → authorise → confirm → write → verify → done) over a GtkStack
 * with a page per step, following its IrPhone. The confirm page shows
 * every slot before → after and the token's expiry; its "Write IMEI"
 * button is destructive and never the default. */
#define IR_TYPE_PHONE_VIEW (ir_phone_view_get_type ())
G_DECLARE_FINAL_TYPE (IrPhoneView, ir_phone_view, IR, PHONE_VIEW, GtkBox)

GtkWidget *ir_phone_view_new (IrPhone *phone);
IrPhone *ir_phone_view_get_phone (IrPhoneView *self);
/* The page shown: "identify", "diagnose", ..., "done". */
const char *ir_phone_view_get_step (IrPhoneView *self);
/* Puts the focus in the scanned-IMEI entry (confirm page). */
void ir_phone_view_focus_scan (IrPhoneView *self);
/* Types @text into the scanned-IMEI entry and presses Enter. */
void ir_phone_view_scan (IrPhoneView *self, const char *text);
/* What the scan said, and the done page's title and detail. */
const char *ir_phone_view_get_scan_text (IrPhoneView *self);
char *ir_phone_view_get_done_text (IrPhoneView *self);
GtkWidget *ir_phone_view_get_write_button (IrPhoneView *self);

G_END_DECLS
