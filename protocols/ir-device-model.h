/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-imei.h"
#include "ir-trust-store.h"

G_BEGIN_DECLS

/* The device side of a protocol family, as imei-sim plays it. Each family
 * folder has <family>-device.c with an IrDeviceModel; imei-sim owns the
 * pseudo-terminal, line assembly, echo, timing and transport faults, and
 * hands each complete command line to the phone's model. */

#define IR_SIM_MAX_SLOTS IR_IMEI_MAX_SLOTS /* the name the simulator uses */
/* V.250 asks for at least 40 characters per command line; phones take a few
 * hundred. A longer line is answered ERROR, as a phone's buffer would. A
 * family whose commands are longer says so in IrDeviceModel.max_line. */
#define IR_DEVICE_MODEL_MAX_LINE 512

typedef struct {
	char *family;	    /* "mediatek" */
	char *manufacturer; /* +CGMI */
	char *model;	    /* +CGMM */
	char *revision;	    /* +CGMR */
	char *serial;	    /* +CGSN=0 */
	char *hwid;	    /* hardware id (secure families, later) */
	guint n_slots;
	char *imei[IR_SIM_MAX_SLOTS]; /* NULL for an empty slot */
	gboolean read_only[IR_SIM_MAX_SLOTS];
	gboolean echo; /* ATE1 / ATE0 */
	/* faults the model applies to writes */
	char *write_error; /* NULL, or the final line to answer instead, e.g. "+CME ERROR: 100" */
	gboolean no_stick; /* a write answers OK but the slot keeps its value */
	gboolean dirty;	   /* set by the model when state changed (saved by imei-sim) */
	guint cmee;	   /* AT+CMEE mode: 0 plain ERROR (power-up), 1 numeric, 2 verbose;
			      not saved: a reboot resets it, as on a phone */
	/* secure families (secure-restore-v1): the phone verifies tokens itself */
	IrTrustStore *trust_store; /* the brand's keys "in firmware" (a reference); NULL:
				      none, every token is refused as unknown-kid */
	GBytes *nonce;		   /* the outstanding challenge's nonce; NULL: none. Not
				      saved: a reboot forgets it, as RAM would */
	guint64 counter;	   /* challenges made so far; saved, never goes back */
	/* qualcomm DIAG phones (protocols/qualcomm/README.md, "Simulator") */
	gboolean diag_mode;    /* the port speaks DIAG; FALSE: AT until AT$QCDMG */
	char *spc;	       /* the phone's service programming code (6 digits) */
	gboolean spc_required; /* NV writes answer "SPC locked" until it is sent */
	gboolean spc_unlocked; /* not saved: a reboot locks the phone again */
	guint spc_failures;    /* wrong codes since power-up; 3 lock out the SPC */
	gboolean offline;      /* after DIAG's mode change; not saved */
	/* any family: the phone hangs up once it has answered a write */
	gboolean hangup_after_write;
	gboolean hangup_now; /* set by a model: imei-sim hangs up after this answer */
} IrSimState;

typedef struct {
	const char *family;
	/* Handles one command line as sent, "AT" prefix included, without CR,
	 * as ir_device_model_dispatch() normalised it (upper case and no
	 * blanks outside double quotes, V.250).
	 * Appends the whole answer (information lines and final result code,
	 * each "\r\n...\r\n" framed per V.250) to @reply and returns TRUE, or
	 * returns FALSE when this family does not know the command (the 3gpp
	 * model is asked next, then "ERROR"). */
	gboolean (*handle) (IrSimState *state, const char *line, GString *reply);
	/* longest command line the phone takes; 0: IR_DEVICE_MODEL_MAX_LINE */
	guint max_line;
	/* Binary families only (qualcomm DIAG), NULL for AT ones: once
	 * state->diag_mode is set, imei-sim splits the input into frames and
	 * hands each decoded request here. Appends the answer payload
	 * (unframed: imei-sim frames it and applies the framing faults) to
	 * @reply; FALSE when the phone answers nothing. */
	gboolean (*handle_frame) (IrSimState *state,
				  const guint8 *req,
				  gsize len,
				  GByteArray *reply);
} IrDeviceModel;

/* Every model, NULL-terminated; 3gpp is the common base. */
const IrDeviceModel *const *ir_device_model_get_all (void);
const IrDeviceModel *ir_device_model_lookup (const char *family);

/* The longest command line a phone of @family takes (IrDeviceModel.max_line,
 * else IR_DEVICE_MODEL_MAX_LINE). */
guint ir_device_model_get_max_line (const char *family);

/* Hands one decoded DIAG request to the phone's family model; FALSE when
 * the family has no binary protocol or answers nothing. */
gboolean
ir_device_model_dispatch_frame (IrSimState *state, const guint8 *req, gsize len, GByteArray *reply);

/* @line as the models see it: upper case, no blanks outside double
 * quotes (V.250 command lines are case-insensitive and ignore blanks). */
char *ir_device_model_normalize (const char *line);

/* Runs @line through the phone's family model, then the 3gpp model, else
 * answers ERROR. */
void ir_device_model_dispatch (IrSimState *state, const char *line, GString *reply);

/* V.250 framing helpers shared by models. */
void ir_device_model_reply_line (GString *reply, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
void ir_device_model_reply_ok (GString *reply);
void ir_device_model_reply_error (GString *reply);
void ir_device_model_reply_cme_code (GString *reply, int code);
/* A refusal as the phone's +CMEE mode wants it: "ERROR", "+CME ERROR: 21"
 * or "+CME ERROR: invalid index". */
void ir_device_model_reply_cme (const IrSimState *state, GString *reply, int code);

/* Common write path every model calls: applies read-only (answers the
 * family's @read_only_code as +CME ERROR, in the phone's +CMEE mode), the
 * write_error and no_stick faults, validates @imei's shape (15 digits) and
 * stores it. */
void ir_device_model_write_slot (
    IrSimState *state, guint slot, const char *imei, int read_only_code, GString *reply);

G_END_DECLS
