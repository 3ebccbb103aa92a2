/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"
#include "ir-at-parser.h"
#include "ir-error.h"
#include "ir-profile.h"
#include "secure-restore-v1/secure-restore-v1-host.h"

/* The secure-restore-v1 host parsers (protocols/secure-restore-v1/
 * secure-restore-v1-parse.c) on whatever a phone might answer. Input:
 * byte 0 picks the command whose answer the rest is; the bytes go through
 * the AT parser first, as on the wire. Each parser must either give a value
 * that keeps its promises or an error in the IR_ERROR domain; anything else
 * aborts, which libFuzzer reports. */

static const char *const commands[] = {"AT+IRCHAL", "AT+IRIMEI?", "AT+IRRESTORE"};

static void
fuzz_secure_restore_v1_check_challenge (const IrAtResponse *resp)
{
	g_autoptr (GError) error = NULL;
	IrChallenge *chal = secure_restore_v1_parse_challenge (resp, &error);
	gsize len;

	if (chal == NULL) {
		if (error == NULL || error->domain != IR_ERROR || error->code != IR_ERROR_PROTOCOL)
			abort ();
		return;
	}
	len = g_bytes_get_size (chal->nonce);
	if (chal->hardware_id[0] == '\0' || strlen (chal->hardware_id) > 128 ||
	    strchr (chal->hardware_id, '"') != NULL || len < 16 || len > 64)
		abort ();
	/* freed by hand: ir_challenge_free() lives with the drivers' I/O */
	g_free (chal->hardware_id);
	g_bytes_unref (chal->nonce);
	g_free (chal);
}

static void
fuzz_secure_restore_v1_check_imeis (const IrAtResponse *resp)
{
	IrProfile profile = {.slots = 2};
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) imeis = secure_restore_v1_parse_imeis (resp, &profile, NULL, &error);

	if (imeis == NULL) {
		if (error == NULL || error->domain != IR_ERROR)
			abort ();
		return;
	}
	if (imeis->len < 1 || imeis->len > 2)
		abort ();
	for (guint i = 0; i < imeis->len; i++) {
		const char *imei = g_ptr_array_index (imeis, i);
		for (const char *p = imei; p != NULL && *p != '\0'; p++) {
			if (!g_ascii_isdigit (*p))
				abort ();
		}
	}
}

static void
fuzz_secure_restore_v1_check_restore (const IrAtResponse *resp)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = secure_restore_v1_parse_check_restore (resp, "fuzz", &error);

	if (ok != (resp->final == IR_AT_FINAL_OK) || (!ok && error == NULL))
		abort ();
	if (error != NULL && error->code == IR_ERROR_TOKEN_REFUSED &&
	    strstr (error->message, "nothing was written") == NULL)
		abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (IrAtParser) parser = NULL;
	g_autoptr (IrAtResponse) resp = NULL;
	const char *command;
	gboolean done = FALSE;

	if (size < 1)
		return 0;
	command = commands[data[0] % G_N_ELEMENTS (commands)];
	parser = ir_at_parser_new (command);
	if (!ir_at_parser_feed (parser, data + 1, size - 1, &done, NULL) || !done)
		return 0;
	resp = ir_at_parser_steal_response (parser);
	if (g_strcmp0 (command, "AT+IRCHAL") == 0)
		fuzz_secure_restore_v1_check_challenge (resp);
	else if (g_strcmp0 (command, "AT+IRIMEI?") == 0)
		fuzz_secure_restore_v1_check_imeis (resp);
	else
		fuzz_secure_restore_v1_check_restore (resp);
	return 0;
}
