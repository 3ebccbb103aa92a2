/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the host driver and the device model of each family agree on. The
 * write-once refusal codes are this project's convention (each family's
 * README says why): numbers outside the 3GPP TS 27.007 §9.2 list, so that no
 * standard refusal ("operation not allowed", 3) is ever mistaken for a slot
 * that can never be written again. */

/* +CME ERROR code a slot answers when it is write-once and already written. */
#define IR_MEDIATEK_READ_ONLY_CME 601
#define IR_QUECTEL_READ_ONLY_CME  602
#define IR_SIMCOM_READ_ONLY_CME	  603
#define IR_UNISOC_READ_ONLY_CME	  604

/* MediaTek +EGMR record types of IMEI 1 and IMEI 2; Quectel has only 7. */
#define IR_EGMR_TYPE_IMEI1 7
#define IR_EGMR_TYPE_IMEI2 10
