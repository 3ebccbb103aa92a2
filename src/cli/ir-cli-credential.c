/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ir-brand-credential-pkcs11.h"
#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-error.h"

/* imeictl credential list: the certificates on every PKCS#11 token
 * inserted (modules from p11-kit's configuration, or --module), with what
 * --credential takes. And the technician's side of a token credential for
 * restore: the PIN from --pin-file or typed without echo. */

#define IR_CLI_PIN_MAX 256

typedef struct {
	char *module;
} IrCliCredentialOptions;

static const GOptionEntry ir_cli_credential_entries[] = {
    {"module",
     0,
     0,
     G_OPTION_ARG_FILENAME,
     IR_CLI_OPTION (IrCliCredentialOptions, module),
     "Only this PKCS#11 module (default: every module p11-kit is configured with)",
     "FILE"},
    {NULL},
};

/* ---- the PIN ---- */

char *
ir_cli_credential_read_secret (const char *path, const char *option, GError **error)
{
	g_autoptr (GError) error_local = NULL;
	char *text = NULL;
	gsize len = 0;
	char *line;

	if (!g_file_get_contents (path, &text, &len, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%s: %s",
			     option,
			     error_local->message);
		return NULL;
	}
	/* the first line; a trailing newline is not part of it */
	line = g_strndup (text, strcspn (text, "\r\n"));
	OPENSSL_cleanse (text, len);
	g_free (text);
	return line;
}

/* One line from the terminal with echo off; the buffer is wiped. The echo
 * goes off before the prompt is shown (and what was typed ahead is
 * dropped), so that nothing typed after the prompt is ever echoed. */
static char *
ir_cli_credential_read_hidden (const char *prompt, GError **error)
{
	struct termios saved;
	struct termios quiet;
	char buf[IR_CLI_PIN_MAX];
	char *pin = NULL;

	if (tcgetattr (STDIN_FILENO, &saved) != 0) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "cannot turn off the echo of this terminal to ask the PIN: give "
			     "--pin-file");
		return NULL;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
	g_printerr ("%s", prompt);
	if (fgets (buf, sizeof (buf), stdin) != NULL)
		pin = g_strndup (buf, strcspn (buf, "\r\n"));
	tcsetattr (STDIN_FILENO, TCSANOW, &saved);
	OPENSSL_cleanse (buf, sizeof (buf));
	if (pin == NULL)
		g_set_error (error, IR_ERROR, IR_ERROR_CANCELLED, "no PIN typed: nothing done");
	return pin;
}

static char *
ir_cli_credential_pin (const IrBrandPinRequest *request, gpointer user_data, GError **error)
{
	const char *pin_file = user_data;
	g_autofree char *prompt = NULL;

	if (pin_file != NULL)
		return ir_cli_credential_read_secret (pin_file, "--pin-file", error);
	if (request->protected_auth) {
		g_printerr ("Type the PIN of token %s on the reader's own keypad.\n",
			    request->token_label);
		return NULL;
	}
	if (!isatty (STDIN_FILENO)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "the token %s needs its PIN and standard input is not a terminal to "
			     "ask it: run in a terminal, or give --pin-file",
			     request->token_label);
		return NULL;
	}
	if (request->pin_final_try)
		g_printerr ("The token says ONE try is left before its PIN locks.\n");
	else if (request->pin_count_low)
		g_printerr ("The token says a wrong PIN was given before; few tries are left.\n");
	prompt = g_strdup_printf ("PIN of token %s (%s): ", request->token_label, request->subject);
	return ir_cli_credential_read_hidden (prompt, error);
}

IrBrandCredential *
ir_cli_credential_open (const char *uri, const char *module, const char *pin_file, GError **error)
{
	g_autoptr (IrBrandCredential) cred = ir_brand_credential_pkcs11_find (uri, module, error);

	if (cred == NULL)
		return NULL;
	/* an expired or auditor certificate is said before a PIN try is spent */
	if (!ir_brand_credential_check (cred, uri, 0, error) ||
	    !ir_brand_credential_pkcs11_unlock (
		cred, ir_cli_credential_pin, (gpointer)pin_file, error))
		return NULL;
	return g_steal_pointer (&cred);
}

/* ---- imeictl credential list ---- */

static gboolean
ir_cli_credential_prepare (IrCli *cli, GError **error)
{
	const char *sub = cli->args != NULL ? cli->args[0] : NULL;

	if (g_strcmp0 (sub, "list") == 0)
		return TRUE;
	if (sub == NULL)
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_INVALID_INPUT,
		    "credential needs what to do: imeictl credential list shows the "
		    "certificates on your tokens");
	else
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "unknown credential command '%s': the only one is imeictl credential "
			     "list",
			     sub);
	return FALSE;
}

static const char *
ir_cli_credential_pin_state (const IrPkcs11Token *token)
{
	if (token->pin_locked)
		return "locked";
	if (token->pin_final_try)
		return "final_try";
	if (token->pin_count_low)
		return "count_low";
	if (token->protected_auth)
		return "keypad";
	return "ok";
}

static void
ir_cli_credential_json_cert (JsonBuilder *b, const IrBrandCredential *cred)
{
	json_builder_begin_object (b);
	ir_cli_output_json_add_string_or_null (b, "uri", cred->uri);
	ir_cli_output_json_add_string_or_null (b, "subject", cred->subject);
	ir_cli_output_json_add_string_or_null (b, "role", cred->role);
	ir_cli_output_json_add_string_or_null (b, "centre", cred->centre);
	ir_cli_output_json_add_string_or_null (b, "not_after", cred->not_after);
	json_builder_set_member_name (b, "expired");
	json_builder_add_boolean_value (b,
					cred->not_after_unix != 0 &&
					    g_get_real_time () / G_USEC_PER_SEC >
						cred->not_after_unix);
	json_builder_end_object (b);
}

static void
ir_cli_credential_json_listing (JsonBuilder *b, const IrBrandTokenListing *l)
{
	json_builder_begin_object (b);
	ir_cli_output_json_add_string_or_null (b, "module", l->module);
	ir_cli_output_json_add_string_or_null (
	    b, "error", l->error != NULL ? l->error->message : NULL);
	json_builder_set_member_name (b, "token");
	if (l->token == NULL) {
		json_builder_add_null_value (b);
	} else {
		json_builder_begin_object (b);
		ir_cli_output_json_add_string_or_null (b, "label", l->token->label);
		ir_cli_output_json_add_string_or_null (b, "serial", l->token->serial);
		ir_cli_output_json_add_string_or_null (b, "manufacturer", l->token->manufacturer);
		ir_cli_output_json_add_string_or_null (b, "model", l->token->model);
		ir_cli_output_json_add_string_or_null (
		    b, "pin", ir_cli_credential_pin_state (l->token));
		json_builder_end_object (b);
	}
	json_builder_set_member_name (b, "certificates");
	json_builder_begin_array (b);
	for (guint i = 0; l->credentials != NULL && i < l->credentials->len; i++)
		ir_cli_credential_json_cert (b, g_ptr_array_index (l->credentials, i));
	json_builder_end_array (b);
	json_builder_end_object (b);
}

static void
ir_cli_credential_print_json (IrCli *cli, GPtrArray *listings)
{
	g_autoptr (JsonBuilder) b = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "tokens");
	json_builder_begin_array (b);
	for (guint i = 0; i < listings->len; i++)
		ir_cli_credential_json_listing (b, g_ptr_array_index (listings, i));
	json_builder_end_array (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	text = ir_cli_output_json_to_string (root);
	g_string_append (cli->out, text);
}

/* A token and its PIN state in one cell: "dev (serial 1a2b, PIN locked)". */
static char *
ir_cli_credential_token_cell (const IrPkcs11Token *token)
{
	static const struct {
		const char *id;
		const char *words;
	} states[] = {
	    {"locked", ", PIN locked"},
	    {"final_try", ", one PIN try left"},
	    {"count_low", ", a wrong PIN was tried"},
	    {"keypad", ", PIN on the reader's keypad"},
	};
	const char *pin = ir_cli_credential_pin_state (token);
	const char *words = "";

	for (guint i = 0; i < G_N_ELEMENTS (states); i++) {
		if (g_strcmp0 (states[i].id, pin) == 0)
			words = states[i].words;
	}
	return g_strdup_printf ("%s (serial %s%s)",
				token->label,
				token->serial != NULL ? token->serial : "none",
				words);
}

static void
ir_cli_credential_print_text (IrCli *cli, GPtrArray *listings)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (6);
	g_autoptr (GString) notes = g_string_new (NULL);

	ir_cli_table_add_row (table, "TOKEN", "SUBJECT", "ROLE", "CENTRE", "EXPIRES", "URI");
	for (guint i = 0; i < listings->len; i++) {
		const IrBrandTokenListing *l = g_ptr_array_index (listings, i);
		g_autofree char *token = NULL;

		if (l->error != NULL || l->token == NULL) {
			g_string_append_printf (notes,
						"%s: %s\n",
						l->module,
						l->error != NULL ? l->error->message
								 : "no token inserted");
			continue;
		}
		token = ir_cli_credential_token_cell (l->token);
		if (l->credentials->len == 0)
			ir_cli_table_add_row (
			    table, token, "(no certificate)", NULL, NULL, NULL, NULL);
		for (guint j = 0; j < l->credentials->len; j++) {
			const IrBrandCredential *c = g_ptr_array_index (l->credentials, j);
			ir_cli_table_add_row (
			    table, token, c->subject, c->role, c->centre, c->not_after, c->uri);
		}
	}
	ir_cli_table_render (table, cli->out);
	g_string_append (cli->out, notes->str);
}

static gboolean
ir_cli_credential_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	const IrCliCredentialOptions *opts = cli->options;
	g_autoptr (GPtrArray) listings = ir_brand_credential_pkcs11_list (opts->module, error);

	if (listings == NULL)
		return FALSE;
	if (cli->json)
		ir_cli_credential_print_json (cli, listings);
	else
		ir_cli_credential_print_text (cli, listings);
	return TRUE;
}

const IrCliCommand ir_cli_command_credential = {
    .name = "credential",
    .parameter_string = "list",
    .summary = "List the technician certificates on the PKCS#11 tokens inserted",
    .description = "Lists every PKCS#11 token inserted (smart cards, USB tokens) with the\n"
		   "certificates on it: subject, role, centre, expiry, and the pkcs11: URI that\n"
		   "imeictl restore --credential takes. The modules are the ones p11-kit is\n"
		   "configured with, or the one given with --module. No PIN is asked.\n"
		   "See imeictl(1), CREDENTIALS.",
    .entries = ir_cli_credential_entries,
    .options_size = sizeof (IrCliCredentialOptions),
    .min_args = 0,
    .max_args = 1,
    .uses_device = FALSE,
    .prepare = ir_cli_credential_prepare,
    .run = ir_cli_credential_run,
};
