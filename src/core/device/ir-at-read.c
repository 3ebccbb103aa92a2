/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-at-charset.h"
#include "ir-at-read.h"
#include "ir-error.h"

/* How long the phone may take to say which character set it uses. */
#define IR_AT_READ_CSCS_TIMEOUT_MS 3000

const char *
ir_at_read_port (IrAtChannel *channel)
{
	const char *path = ir_transport_get_path (ir_at_channel_get_transport (channel));

	return path != NULL ? path : "(unnamed port)";
}

gboolean
ir_at_read_error_is_retryable (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL);
}

gboolean
ir_at_read_error_is_fatal (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_CANCELLED);
}

/* RING, +CRING and +CLIP: an incoming call, which some firmwares answer
 * the command in progress with ERROR for. */
static gboolean
ir_at_read_saw_ring (const IrAtResponse *resp)
{
	for (guint i = 0; i < resp->urcs->len; i++) {
		const char *urc = g_ptr_array_index (resp->urcs, i);
		if (g_strcmp0 (urc, "RING") == 0 || g_str_has_prefix (urc, "+CRING") ||
		    g_str_has_prefix (urc, "+CLIP"))
			return TRUE;
	}
	return FALSE;
}

/* One command, one answer: OK, or an error saying why not. A call-progress
 * final, or a refusal that came with a ring, is an interruption
 * (IR_ERROR_PROTOCOL, asked again, *@interrupted set), never the phone's
 * answer to a read. */
static IrAtResponse *
ir_at_read_command_once (IrAtChannel *channel,
			 const char *command,
			 guint timeout_ms,
			 gboolean *interrupted,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr (IrAtResponse) resp =
	    ir_at_channel_command (channel, command, timeout_ms, cancellable, error);

	if (resp == NULL)
		return NULL;
	if (ir_at_final_is_call_progress (resp->final) ||
	    (resp->final != IR_AT_FINAL_OK && ir_at_read_saw_ring (resp))) {
		if (interrupted != NULL)
			*interrupted = TRUE;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_PROTOCOL,
			     "%s on %s was interrupted by a call (\"%s\")",
			     command,
			     ir_at_read_port (channel),
			     resp->final_line);
		return NULL;
	}
	if (!ir_at_response_check (resp, command, ir_at_read_port (channel), error))
		return NULL;
	return g_steal_pointer (&resp);
}

IrAtResponse *
ir_at_read_command (IrAtChannel *channel,
		    const char *command,
		    guint timeout_ms,
		    GCancellable *cancellable,
		    GError **error)
{
	for (guint attempt = 1;; attempt++) {
		g_autoptr (GError) error_local = NULL;
		IrAtResponse *resp = ir_at_read_command_once (
		    channel, command, timeout_ms, NULL, cancellable, &error_local);
		if (resp != NULL)
			return resp;
		if (attempt >= IR_AT_READ_ATTEMPTS ||
		    !ir_at_read_error_is_retryable (error_local)) {
			if (attempt > 1)
				g_prefix_error (&error_local, "after %u attempts: ", attempt);
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		g_debug ("%s; asking again", error_local->message);
	}
}

/* Asks the phone its character set, once per channel; "" when it will not
 * say (then answers are taken as they came). */
static const char *
ir_at_read_charset (IrAtChannel *channel, GCancellable *cancellable)
{
	g_autoptr (IrAtResponse) resp = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *value = NULL;
	g_autofree char *charset = NULL;

	if (ir_at_channel_get_charset (channel) != NULL)
		return ir_at_channel_get_charset (channel);
	resp = ir_at_read_command (
	    channel, "AT+CSCS?", IR_AT_READ_CSCS_TIMEOUT_MS, cancellable, &error);
	if (resp != NULL)
		value = ir_at_response_get_value (resp, "+CSCS", &error);
	if (value == NULL)
		g_debug ("AT+CSCS? on %s: %s", ir_at_read_port (channel), error->message);
	charset = ir_at_charset_normalise (value != NULL ? value : "");
	ir_at_channel_set_charset (channel, charset);
	return ir_at_channel_get_charset (channel);
}

/* A value that could be hex-encoded text: hex digits that decode, in UCS2
 * or in HEX, to printable ASCII. An IMEISV ("4901542032375101") is hex
 * digits too, but decodes to neither: no +CSCS? is spent on it. */
static gboolean
ir_at_read_may_be_encoded (const char *value)
{
	g_autofree char *ucs2 = NULL;
	g_autofree char *hex = NULL;

	if (!ir_at_charset_looks_encoded (value))
		return FALSE;
	ucs2 = ir_at_charset_decode ("UCS2", value);
	hex = ir_at_charset_decode ("HEX", value);
	return ucs2 != NULL || hex != NULL;
}

/* Hex-looking values are decoded when the phone says its charset is UCS2
 * or HEX; +CSCS is only asked the first time a value looks so. */
static void
ir_at_read_decode (IrAtChannel *channel, GPtrArray *values, GCancellable *cancellable)
{
	for (guint i = 0; i < values->len; i++) {
		const char *value = g_ptr_array_index (values, i);
		const char *charset;
		char *decoded;

		if (!ir_at_read_may_be_encoded (value))
			continue;
		charset = ir_at_read_charset (channel, cancellable);
		if (!ir_at_charset_is_encoded (charset))
			return;
		decoded = ir_at_charset_decode (charset, value);
		if (decoded == NULL)
			continue;
		g_free (g_ptr_array_index (values, i));
		g_ptr_array_index (values, i) = decoded;
	}
}

/* An answer as it came (its lines, then its final line), to tell the same
 * unreadable answer from a different one. */
static char *
ir_at_read_answer_text (const IrAtResponse *resp)
{
	GString *text = g_string_new (NULL);

	for (guint i = 0; resp->lines != NULL && i < resp->lines->len; i++)
		g_string_append_printf (
		    text, "%s\n", (const char *)g_ptr_array_index (resp->lines, i));
	g_string_append (text, resp->final_line != NULL ? resp->final_line : "");
	return g_string_free (text, FALSE);
}

/* One attempt: the command, then the parse; *@noisy as the answer came,
 * *@interrupted when a call cut it off, *@unreadable the answer when it
 * came whole but could not be read. */
static GPtrArray *
ir_at_read_once (IrAtChannel *channel,
		 const IrAtRead *read,
		 gboolean *noisy,
		 gboolean *interrupted,
		 char **unreadable,
		 GCancellable *cancellable,
		 GError **error)
{
	g_autoptr (IrAtResponse) resp = NULL;
	GPtrArray *values;

	resp = ir_at_read_command_once (
	    channel, read->command, read->timeout_ms, interrupted, cancellable, error);
	if (resp == NULL)
		return NULL;
	*noisy = resp->noisy;
	values = read->parse (resp, read->user_data, error);
	if (values == NULL) {
		*unreadable = ir_at_read_answer_text (resp);
		g_prefix_error (error,
				"unreadable answer to %s on %s: ",
				read->command,
				ir_at_read_port (channel));
		return NULL;
	}
	ir_at_read_decode (channel, values, cancellable);
	return values;
}

static gboolean
ir_at_read_values_equal (GPtrArray *a, GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		if (g_strcmp0 (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
			return FALSE;
	}
	return TRUE;
}

/* How many earlier answers were this one. */
static guint
ir_at_read_values_count (GPtrArray *seen, GPtrArray *values)
{
	guint count = 0;

	for (guint i = 0; i < seen->len; i++) {
		if (ir_at_read_values_equal (g_ptr_array_index (seen, i), values))
			count++;
	}
	return count;
}

/* The failed attempts of one read so far. */
typedef struct {
	guint failures;
	guint calls;	  /* failures a call caused */
	char *unreadable; /* the first answer that came whole but unreadable */
	gboolean differ;  /* a failure that was not that same answer */
} IrAtReadFailures;

static void
ir_at_read_failures_clear (IrAtReadFailures *failed)
{
	g_clear_pointer (&failed->unreadable, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrAtReadFailures, ir_at_read_failures_clear)

static void
ir_at_read_failures_add (IrAtReadFailures *failed, gboolean interrupted, char *unreadable)
{
	failed->failures++;
	if (interrupted)
		failed->calls++;
	if (unreadable == NULL ||
	    (failed->unreadable != NULL && g_strcmp0 (failed->unreadable, unreadable) != 0))
		failed->differ = TRUE;
	if (failed->unreadable == NULL)
		failed->unreadable = unreadable;
	else
		g_free (unreadable);
}

/* The error after a failed attempt, or NULL to ask again. When a call cut
 * off every failed answer, nothing arrived garbled; when the phone gave
 * the same unreadable answer every time, it answers so: in neither case
 * is the cable the thing to check (issue 10: "garbled" only when the
 * answers differ). */
static GError *
ir_at_read_failed (const IrAtRead *read,
		   GError *error_local,
		   const IrAtReadFailures *failed,
		   guint attempt)
{
	gboolean silent = g_error_matches (error_local, IR_ERROR, IR_ERROR_TIMEOUT);
	gboolean unreadable = g_error_matches (error_local, IR_ERROR, IR_ERROR_PROTOCOL);

	if (failed->failures < IR_AT_READ_ATTEMPTS && ir_at_read_error_is_retryable (error_local) &&
	    !(silent && read->silence_ends)) {
		g_debug ("%s; asking again", error_local->message);
		g_error_free (error_local);
		return NULL;
	}
	if (unreadable && failed->calls == failed->failures)
		g_prefix_error (&error_local,
				"after %u attempts, a call interrupted every answer (reject "
				"the incoming call or take the SIM card out, then try again): ",
				attempt);
	else if (unreadable && !failed->differ)
		g_prefix_error (&error_local,
				"after %u attempts, the same answer every time (the phone "
				"answers so; the line is not at fault): ",
				attempt);
	else if (unreadable)
		g_prefix_error (&error_local,
				"after %u attempts, the answers still arrive garbled or "
				"interrupted (check the cable and the port, then try again): ",
				attempt);
	else if (attempt > 1)
		g_prefix_error (&error_local, "after %u attempts: ", attempt);
	return error_local;
}

GPtrArray *
ir_at_read_confirmed (IrAtChannel *channel,
		      const IrAtRead *read,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr (GPtrArray) seen =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
	g_auto (IrAtReadFailures) failed = {0};

	g_return_val_if_fail (read != NULL && read->parse != NULL, NULL);

	for (guint attempt = 1; attempt <= IR_AT_READ_CONFIRM_ATTEMPTS; attempt++) {
		g_autoptr (GError) error_local = NULL;
		gboolean noisy = FALSE;
		gboolean interrupted = FALSE;
		char *unreadable = NULL;
		gboolean well_formed;
		guint agree;
		g_autoptr (GPtrArray) values = ir_at_read_once (
		    channel, read, &noisy, &interrupted, &unreadable, cancellable, &error_local);
		if (values == NULL) {
			GError *final;
			ir_at_read_failures_add (&failed, interrupted, unreadable);
			final = ir_at_read_failed (
			    read, g_steal_pointer (&error_local), &failed, attempt);
			if (final == NULL)
				continue;
			g_propagate_error (error, final);
			return NULL;
		}
		well_formed =
		    read->well_formed == NULL || read->well_formed (values, read->user_data);
		if (well_formed && !noisy && !read->confirm)
			return g_steal_pointer (&values);
		agree =
		    well_formed ? IR_AT_READ_CONFIRM_AGREE_WELL_FORMED : IR_AT_READ_CONFIRM_AGREE;
		if (ir_at_read_values_count (seen, values) + 1 >= agree)
			return g_steal_pointer (&values);
		g_debug ("%s on %s: %s; asking again to be sure",
			 read->command,
			 ir_at_read_port (channel),
			 noisy ? "noise on the line" : "not a well-formed answer");
		g_ptr_array_add (seen, g_steal_pointer (&values));
	}
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "%s on %s answered differently %u times: the answers arrive garbled; "
		     "check the cable and the port, then try again",
		     read->command,
		     ir_at_read_port (channel),
		     (guint)IR_AT_READ_CONFIRM_ATTEMPTS);
	return NULL;
}
