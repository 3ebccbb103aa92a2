/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-brandd-request.h"

/* imei-brandd's request parsers (POST /v1/tokens and /v1/reports bodies)
 * on any bytes. Promises checked: a refusal always says why, naming a
 * member or the body; a request that parses has a device identity, text
 * members that are valid UTF-8 without control characters, and slots of
 * printable ASCII; a report has a known outcome, a cti, a read-back when
 * it says success and a detail within its limit. Any broken promise
 * aborts. */

static void
fuzz_brandd_request_check (gboolean condition)
{
	if (!condition)
		abort ();
}

static void
fuzz_brandd_request_check_text (const char *text, gboolean free_text)
{
	if (text == NULL)
		return;
	fuzz_brandd_request_check (g_utf8_validate (text, -1, NULL));
	for (const char *p = text; *p != '\0'; p++)
		fuzz_brandd_request_check ((guchar)*p >= 0x20 ||
					   (free_text && (*p == '\n' || *p == '\t')));
}

static void
fuzz_brandd_request_check_slots (char *const *slots)
{
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		if (slots[i] == NULL)
			continue;
		fuzz_brandd_request_check (strlen (slots[i]) <= IR_BRANDD_SLOT_TEXT_MAX);
		for (const char *p = slots[i]; *p != '\0'; p++)
			fuzz_brandd_request_check (g_ascii_isprint (*p));
	}
}

static void
fuzz_brandd_request_check_refusal (const GError *error)
{
	fuzz_brandd_request_check (error != NULL && error->message != NULL &&
				   strstr (error->message, ": ") != NULL);
}

static void
fuzz_brandd_request_token_request (const char *body, gsize len)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddTokenRequest) req =
	    ir_brandd_request_token_request_parse (body, len, &error);

	if (req == NULL) {
		fuzz_brandd_request_check_refusal (error);
		return;
	}
	fuzz_brandd_request_check (error == NULL);
	fuzz_brandd_request_check (req->serial != NULL || req->hardware_id != NULL);
	fuzz_brandd_request_check_text (req->serial, FALSE);
	fuzz_brandd_request_check_text (req->hardware_id, FALSE);
	fuzz_brandd_request_check_text (req->manufacturer, FALSE);
	fuzz_brandd_request_check_text (req->model, FALSE);
	fuzz_brandd_request_check_text (req->revision, FALSE);
	fuzz_brandd_request_check_text (req->family, FALSE);
	fuzz_brandd_request_check ((req->nonce != NULL) == req->has_counter);
	fuzz_brandd_request_check_slots (req->current_imei);
}

static void
fuzz_brandd_request_report (const char *body, gsize len)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddReport) rep = ir_brandd_request_report_parse (body, len, &error);

	if (rep == NULL) {
		fuzz_brandd_request_check_refusal (error);
		return;
	}
	fuzz_brandd_request_check (error == NULL);
	fuzz_brandd_request_check (ir_brandd_request_outcome_to_string (rep->outcome) != NULL);
	fuzz_brandd_request_check (rep->cti != NULL && g_bytes_get_size (rep->cti) > 0);
	fuzz_brandd_request_check (rep->outcome != IR_BRANDD_OUTCOME_SUCCESS || rep->has_read_back);
	fuzz_brandd_request_check (rep->detail == NULL ||
				   strlen (rep->detail) <= IR_BRANDD_DETAIL_MAX);
	fuzz_brandd_request_check_text (rep->detail, TRUE);
	fuzz_brandd_request_check_slots (rep->read_back);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	fuzz_brandd_request_token_request ((const char *)data, size);
	fuzz_brandd_request_report ((const char *)data, size);
	return 0;
}
