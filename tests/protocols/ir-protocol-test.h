/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-family-private.h"
#include "ir-model-transport.h"
#include "ir-session.h"

G_BEGIN_DECLS

/* What the per-family tests (protocols/<family>/test-<family>.c) share: a
 * phone made of a device model behind an IrModelTransport, the checks every
 * writable family must pass, and a runner for command/answer tables. */

/* Valid IMEIs (Luhn per 3GPP TS 23.003 Annex B). */
#define IR_TEST_IMEI_A	    "490154203237518"
#define IR_TEST_IMEI_B	    "352099001761481"
#define IR_TEST_IMEI_C	    "861230049560668"
#define IR_TEST_IMEI_ZERO   "000000000000000"
#define IR_TEST_IMEI_BAD_CD "490154203237519" /* should end in 8 */

IrSimState *ir_protocol_test_state_new (const char *family,
					const char *manufacturer,
					const char *model,
					guint n_slots,
					const char *imei0,
					const char *imei1);
void ir_protocol_test_state_free (IrSimState *state);

typedef struct {
	IrSimState *state;
	IrModelTransport *transport;
	IrSession *session;
} IrTestPhone;

/* Takes @state; the transport is opened. */
IrTestPhone *ir_test_phone_new (IrSimState *state);
void ir_test_phone_free (IrTestPhone *phone);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTestPhone, ir_test_phone_free)

/* ir_session_identify() that must succeed. */
IrDeviceInfo *ir_test_phone_identify (IrTestPhone *phone);
/* The notes of @info, one a line, for assertions. Free with g_free(). */
char *ir_protocol_test_info_notes (const IrDeviceInfo *info);

/* A copy of the family's built-in profile with short timeouts, so that lost
 * answers cost a test 200 ms, not seconds. Free with g_free(). */
IrProfile *ir_protocol_test_fast_profile (const char *id);

/* One row of a device model table: the line sent and the exact answer
 * (NULL for none at all). Rows run in order on one state. */
typedef struct {
	const char *command;
	const char *answer;
} IrTestModelRow;

void ir_protocol_test_model_rows (IrSimState *state, const IrTestModelRow *rows, gsize n_rows);

/* V.250 framing for the tables. */
#define IR_OK	      "\r\nOK\r\n"
#define IR_ERROR_LINE "\r\nERROR\r\n"
#define IR_CME(n)     "\r\n+CME ERROR: " #n "\r\n"
#define IR_LINE(text) "\r\n" text "\r\n"

/* A writable family as the shared checks see it. */
typedef struct {
	const char *family;
	const char *manufacturer; /* what its phones answer to +CGMI */
	const char *model;
	guint n_slots;
	const char *write_prefix; /* how its write commands start: "AT+EGMR=1" */
	const char *read_prefix;  /* how its IMEI reads start: "AT+EGMR=0," */
	guint n_reads;		  /* read commands to read every slot once */
} IrTestFamily;

/* cmocka tests taking the IrTestFamily as their state
 * (cmocka_unit_test_prestate). */
void ir_test_family_identify (void **cstate);
void ir_test_family_identify_echo (void **cstate);
void ir_test_family_factory_default (void **cstate);
void ir_test_family_write_read_back (void **cstate);
void ir_test_family_read_only (void **cstate);
void ir_test_family_write_error (void **cstate);
void ir_test_family_no_stick (void **cstate);
void ir_test_family_invalid_imei (void **cstate);
void ir_test_family_write_not_retried (void **cstate);
void ir_test_family_read_retried (void **cstate);
void ir_test_family_read_gives_up (void **cstate);
void ir_test_family_read_never_agrees (void **cstate);
void ir_test_family_bad_imei_read_thrice (void **cstate);
void ir_test_family_shortened_zeros (void **cstate);

#define IR_TEST_FAMILY_TESTS(family)                                                               \
	cmocka_unit_test_prestate (ir_test_family_identify, (void *)&(family)),                    \
	    cmocka_unit_test_prestate (ir_test_family_identify_echo, (void *)&(family)),           \
	    cmocka_unit_test_prestate (ir_test_family_factory_default, (void *)&(family)),         \
	    cmocka_unit_test_prestate (ir_test_family_write_read_back, (void *)&(family)),         \
	    cmocka_unit_test_prestate (ir_test_family_read_only, (void *)&(family)),               \
	    cmocka_unit_test_prestate (ir_test_family_write_error, (void *)&(family)),             \
	    cmocka_unit_test_prestate (ir_test_family_no_stick, (void *)&(family)),                \
	    cmocka_unit_test_prestate (ir_test_family_invalid_imei, (void *)&(family)),            \
	    cmocka_unit_test_prestate (ir_test_family_write_not_retried, (void *)&(family)),       \
	    cmocka_unit_test_prestate (ir_test_family_read_retried, (void *)&(family)),            \
	    cmocka_unit_test_prestate (ir_test_family_read_gives_up, (void *)&(family)),           \
	    cmocka_unit_test_prestate (ir_test_family_bad_imei_read_thrice, (void *)&(family)),    \
	    cmocka_unit_test_prestate (ir_test_family_shortened_zeros, (void *)&(family))

/* The GError's message contains @needle. */
void ir_protocol_test_assert_error (const GError *error, int code, const char *needle);

G_END_DECLS
