/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "ir-phone.h"

G_BEGIN_DECLS

/* A phone in the phones list: model and family, each IMEI slot with its
 * classification, whether it is eligible (and under the rollout policy, why
 * not: which phase, when it opens, which cap), and the step it is at with a
 * small progress bar; its accessible name says all of it in one line. */
#define IR_TYPE_PHONE_ROW (ir_phone_row_get_type ())
G_DECLARE_FINAL_TYPE (IrPhoneRow, ir_phone_row, IR, PHONE_ROW, GtkListBoxRow)

GtkWidget *ir_phone_row_new (IrPhone *phone);
IrPhone *ir_phone_row_get_phone (IrPhoneRow *self);
/* What the title line says now: manufacturer and model once identified. */
const char *ir_phone_row_get_title_text (IrPhoneRow *self);
/* What the slots lines say now: each IMEI with its classification. */
const char *ir_phone_row_get_slots_text (IrPhoneRow *self);
/* What the stage line says now. */
const char *ir_phone_row_get_stage_text (IrPhoneRow *self);
/* What the rollout line says now ("" when hidden). */
const char *ir_phone_row_get_rollout_text (IrPhoneRow *self);

G_END_DECLS
