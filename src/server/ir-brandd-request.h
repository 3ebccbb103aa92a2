/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "ir-token.h"

G_BEGIN_DECLS

/* Pure parsing and validation of the request bodies of docs/brand-api.md:
 * no I/O, no database. Unknown members are ignored (a newer client may send
 * more); a required member that is missing, or any member of the wrong type
 * or size, is an IR_ERROR_INVALID_INPUT error whose message starts with the
 * member's path, e.g. "device.serial: expected a string". */

#define IR_BRANDD_DETAIL_MAX	512
#define IR_BRANDD_SLOT_TEXT_MAX 32 /* what a phone may report in a slot */

typedef struct {
	char *manufacturer;
	char *model;
	char *revision;
	char *serial;
	char *hardware_id;
	char *family;
	GBytes *nonce; /* NULL: no challenge (legacy family) */
	gboolean has_counter;
	guint64 counter;
	char *current_imei[IR_TOKEN_MAX_SLOTS]; /* NULL: slot empty or absent */
	/* The client's id for this request, the same on every retry
	 * (IR_BRANDD_REQUEST_ID_LEN lower-case hex digits, 128 random bits);
	 * NULL: an older client that sent none. */
	char *request_id;
} IrBranddTokenRequest;

#define IR_BRANDD_REQUEST_ID_LEN   32
#define IR_BRANDD_REQUEST_HASH_LEN 32

typedef enum {
	IR_BRANDD_OUTCOME_SUCCESS,
	IR_BRANDD_OUTCOME_FAILED,
	IR_BRANDD_OUTCOME_ABORTED,
	IR_BRANDD_OUTCOME_UNKNOWN,
} IrBranddOutcome;

typedef struct {
	GBytes *cti;
	IrBranddOutcome outcome;
	gboolean has_read_back;
	char *read_back[IR_TOKEN_MAX_SLOTS];
	char *detail;
} IrBranddReport;

IrBranddTokenRequest *
ir_brandd_request_token_request_parse (const char *body, gsize len, GError **error);
/* The same from a body already parsed (ir_brandd_json_parse_object()), so
 * that the server reads a request's JSON once for it and the witness. */
IrBranddTokenRequest *ir_brandd_request_token_request_from_object (JsonObject *root,
								   GError **error);
void ir_brandd_request_token_request_free (IrBranddTokenRequest *self);

/* SHA-256 of the request's canonical fields (every parsed member but the
 * request id, each length-prefixed, absent ones marked): two bodies that
 * ask for the same thing hash the same whatever their member order,
 * spacing or unknown members. What a retry under one request id must
 * match. */
void ir_brandd_request_token_request_hash (const IrBranddTokenRequest *self,
					   guint8 out[IR_BRANDD_REQUEST_HASH_LEN]);

IrBranddReport *ir_brandd_request_report_parse (const char *body, gsize len, GError **error);
void ir_brandd_request_report_free (IrBranddReport *self);

const char *ir_brandd_request_outcome_to_string (IrBranddOutcome outcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddTokenRequest, ir_brandd_request_token_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrBranddReport, ir_brandd_request_report_free)

G_END_DECLS
