/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-family-private.h"
#include "ir-protocols.h"

void
ir_protocols_register (void)
{
	/* 3gpp first: the fallback every phone's identity read ends in */
	static const IrFamily *const families[] = {
	    &ir_family_3gpp,
	    &ir_family_mediatek,
	    &ir_family_quectel,
	    &ir_family_simcom,
	    &ir_family_unisoc,
	    &ir_family_secure_restore_v1,
	    &ir_family_qualcomm,
	};

	for (guint i = 0; i < G_N_ELEMENTS (families); i++)
		ir_family_register (families[i]);
}
