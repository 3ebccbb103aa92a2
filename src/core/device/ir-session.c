/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-at-read.h"
#include "ir-session.h"
#include "ir-transport-termios.h"

/* "AT" is asked at most this often before we decide what the port is; two
 * silent tries in a row are enough to call it silent. */
#define IR_SESSION_PROBE_ATTEMPTS	 3
#define IR_SESSION_PROBE_SILENT_ATTEMPTS 2
#define IR_SESSION_PROBE_TIMEOUT_MS	 2000
/* How much of a non-modem's answer the error message quotes. */
#define IR_SESSION_PROBE_QUOTE_MAX 32

struct _IrSession {
	GObject parent_instance;
	IrTransport *transport;
	IrAtChannel *channel;
	guint probe_timeout_ms;
	IrSessionProtocol protocol;
	/* of the last identify, for writes */
	const IrProfile *profile;
	const IrFamily *family;
	guint n_slots; /* what the phone has, maybe fewer than its profile */
	gboolean can_write;
	char *write_support; /* IrDeviceInfo.write_support */
};

G_DEFINE_TYPE (IrSession, ir_session, G_TYPE_OBJECT)

typedef enum {
	IR_SESSION_PROBE_SILENT,
	IR_SESSION_PROBE_GARBAGE, /* bytes, but never a final result code */
	IR_SESSION_PROBE_MODEM,
} IrSessionProbe;

static void
ir_imei_slot_free (IrImeiSlot *slot)
{
	g_free (slot->imei);
	g_free (slot->detail);
	g_free (slot);
}

void
ir_device_info_free (IrDeviceInfo *info)
{
	if (info == NULL)
		return;
	g_free (info->port);
	g_free (info->manufacturer);
	g_free (info->model);
	g_free (info->revision);
	g_free (info->serial);
	g_free (info->imeisv);
	g_free (info->read_command);
	g_free (info->write_support);
	if (info->slots != NULL)
		g_ptr_array_unref (info->slots);
	if (info->notes != NULL)
		g_ptr_array_unref (info->notes);
	g_free (info);
}

static void
ir_session_finalize (GObject *object)
{
	IrSession *self = IR_SESSION (object);

	g_clear_object (&self->channel);
	g_clear_object (&self->transport);
	g_free (self->write_support);
	G_OBJECT_CLASS (ir_session_parent_class)->finalize (object);
}

static void
ir_session_class_init (IrSessionClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = ir_session_finalize;
}

static void
ir_session_init (IrSession *self)
{
	self->probe_timeout_ms = IR_SESSION_PROBE_TIMEOUT_MS;
}

IrSession *
ir_session_new (IrTransport *transport)
{
	IrSession *self;

	g_return_val_if_fail (IR_IS_TRANSPORT (transport), NULL);

	self = g_object_new (IR_TYPE_SESSION, NULL);
	self->transport = g_object_ref (transport);
	self->channel = ir_at_channel_new (transport);
	return self;
}

static IrSession *
ir_session_open_full (const char *port, gboolean check_later, GError **error)
{
	g_autoptr (IrTransport) transport = NULL;
	g_autoptr (GError) error_local = NULL;

	g_return_val_if_fail (port != NULL, NULL);

	transport = ir_port_transport_new (port, error);
	if (transport == NULL)
		return NULL;
	if (check_later && IR_IS_TRANSPORT_TERMIOS (transport))
		ir_transport_termios_set_check_later (IR_TRANSPORT_TERMIOS (transport), TRUE);
	if (!ir_transport_open (transport, &error_local)) {
		/* the transports name the port already; say it once */
		if (strstr (error_local->message, port) == NULL)
			g_prefix_error (&error_local, "%s: ", port);
		g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
	return ir_session_new (transport);
}

IrSession *
ir_session_open (const char *port, GError **error)
{
	return ir_session_open_full (port, FALSE, error);
}

IrSession *
ir_session_open_check_later (const char *port, GError **error)
{
	return ir_session_open_full (port, TRUE, error);
}

gboolean
ir_session_check_port (IrSession *self, GError **error)
{
	g_return_val_if_fail (IR_IS_SESSION (self), FALSE);
	if (!IR_IS_TRANSPORT_TERMIOS (self->transport))
		return TRUE;
	return ir_transport_termios_check_finish (IR_TRANSPORT_TERMIOS (self->transport), error);
}

IrAtChannel *
ir_session_get_channel (IrSession *self)
{
	g_return_val_if_fail (IR_IS_SESSION (self), NULL);
	return self->channel;
}

void
ir_session_set_timeout_limit (IrSession *self, guint limit_ms)
{
	g_return_if_fail (IR_IS_SESSION (self));
	self->probe_timeout_ms = limit_ms > 0 ? MIN (limit_ms, IR_SESSION_PROBE_TIMEOUT_MS)
					      : IR_SESSION_PROBE_TIMEOUT_MS;
	ir_at_channel_set_timeout_limit (self->channel, limit_ms);
}

gboolean
ir_session_protocol_from_string (const char *text, IrSessionProtocol *protocol)
{
	static const char *const names[] = {"auto", "at", "diag"};

	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		if (g_strcmp0 (text, names[i]) == 0) {
			*protocol = (IrSessionProtocol)i;
			return TRUE;
		}
	}
	return FALSE;
}

void
ir_session_set_protocol (IrSession *self, IrSessionProtocol protocol)
{
	g_return_if_fail (IR_IS_SESSION (self));
	self->protocol = protocol;
}

void
ir_session_set_recording (IrSession *self, IrRecording *recording)
{
	g_return_if_fail (IR_IS_SESSION (self));
	ir_transport_set_recording (self->transport, recording);
}

static const char *
ir_session_port (IrSession *self)
{
	return ir_transport_get_path (self->transport);
}

/* The echo of our own "AT", and nothing else: a modem that is slow to
 * answer, not some other device, so it counts as silence. */
static gboolean
ir_session_probe_is_echo (const guint8 *buf, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (buf[i] == '\0' || strchr ("ATat\r\n", buf[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

/* Reads the answer to "AT" straight off the transport: unlike the AT
 * channel it has to tell "nothing at all" from "bytes, but no result code". */
static IrSessionProbe
ir_session_probe_once (IrSession *self, GString *seen, GCancellable *cancellable, GError **error)
{
	g_autoptr (IrAtParser) parser = ir_at_parser_new ("AT");
	gint64 deadline =
	    g_get_monotonic_time () + self->probe_timeout_ms * G_TIME_SPAN_MILLISECOND;
	gboolean got_bytes = FALSE;

	if (!ir_transport_write (self->transport, (const guint8 *)"AT\r", 3, error))
		return IR_SESSION_PROBE_SILENT;
	for (gint64 now = g_get_monotonic_time (); now < deadline; now = g_get_monotonic_time ()) {
		guint8 buf[256];
		gboolean done = FALSE;
		guint remaining_ms = (guint)((deadline - now + 999) / 1000);
		gssize n = ir_transport_read (
		    self->transport, buf, sizeof (buf), remaining_ms, cancellable, error);
		if (n < 0)
			return IR_SESSION_PROBE_SILENT;
		if (n == 0)
			continue;
		if (!ir_session_probe_is_echo (buf, (gsize)n))
			got_bytes = TRUE;
		if (seen->len < IR_SESSION_PROBE_QUOTE_MAX)
			g_string_append_len (
			    seen,
			    (const char *)buf,
			    MIN ((gsize)n, IR_SESSION_PROBE_QUOTE_MAX - seen->len));
		/* a line too long for any modem is as good as garbage */
		if (!ir_at_parser_feed (parser, buf, (gsize)n, &done, NULL))
			return IR_SESSION_PROBE_GARBAGE;
		if (done)
			return IR_SESSION_PROBE_MODEM;
	}
	return got_bytes ? IR_SESSION_PROBE_GARBAGE : IR_SESSION_PROBE_SILENT;
}

/* The binary family (DIAG) whose probe the port answers, @first tried
 * first; *@found stays NULL when none does. FALSE only when the port is
 * gone or we are told to stop. */
/* One binary family's probe: TRUE with *@found set when the port answers
 * it; FALSE only when the port is gone or we are told to stop. */
static gboolean
ir_session_probe_one (IrSession *self,
		      const IrFamily *family,
		      const IrFamily **found,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr (GError) error_local = NULL;

	if (family->probe (self->channel, self->probe_timeout_ms, cancellable, &error_local)) {
		*found = family;
		return TRUE;
	}
	if (error_local == NULL)
		return TRUE;
	g_propagate_prefixed_error (error,
				    g_steal_pointer (&error_local),
				    "failed to talk to %s: ",
				    ir_session_port (self));
	return FALSE;
}

/* The binary family (DIAG) whose probe the port answers, @first tried
 * first; *@found stays NULL when none does. */
static gboolean
ir_session_probe_binary (IrSession *self,
			 const char *first,
			 const IrFamily **found,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr (GPtrArray) all = ir_family_get_all ();
	const IrFamily *guess = first != NULL ? ir_family_lookup (first) : NULL;

	if (ir_family_is_binary (guess)) {
		if (!ir_session_probe_one (self, guess, found, cancellable, error))
			return FALSE;
		if (*found != NULL)
			return TRUE;
	}
	for (guint i = 0; i < all->len && *found == NULL; i++) {
		const IrFamily *family = g_ptr_array_index (all, i);
		if (family == guess || !ir_family_is_binary (family))
			continue;
		if (!ir_session_probe_one (self, family, found, cancellable, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_session_probe_at (IrSession *self,
		     const IrFamily **binary,
		     GCancellable *cancellable,
		     GError **error)
{
	g_autoptr (GString) seen = g_string_new (NULL);
	g_autofree char *quoted = NULL;
	gboolean got_garbage = FALSE;
	guint silent_in_a_row = 0;

	for (guint attempt = 0; attempt < IR_SESSION_PROBE_ATTEMPTS; attempt++) {
		g_autoptr (GError) error_local = NULL;
		IrSessionProbe probe =
		    ir_session_probe_once (self, seen, cancellable, &error_local);
		if (error_local != NULL) {
			g_propagate_prefixed_error (error,
						    g_steal_pointer (&error_local),
						    "failed to talk to %s: ",
						    ir_session_port (self));
			return FALSE;
		}
		if (probe == IR_SESSION_PROBE_MODEM)
			return TRUE;
		if (probe == IR_SESSION_PROBE_GARBAGE) {
			got_garbage = TRUE;
			silent_in_a_row = 0;
			continue;
		}
		/* silent to "AT": a DIAG port says so to its own probe */
		if (attempt == 0 && self->protocol == IR_SESSION_PROTOCOL_AUTO) {
			if (!ir_session_probe_binary (self, NULL, binary, cancellable, error))
				return FALSE;
			if (*binary != NULL)
				return TRUE;
		}
		if (++silent_in_a_row >= IR_SESSION_PROBE_SILENT_ATTEMPTS)
			break;
	}
	if (!got_garbage) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_TIMEOUT,
			     "no answer on %s: is it a phone's AT port? \"AT\" got no reply in "
			     "%u ms, %u times; check that the phone is on and its cable is in, "
			     "and pick its modem port from `imeictl list`",
			     ir_session_port (self),
			     self->probe_timeout_ms,
			     silent_in_a_row);
		return FALSE;
	}
	quoted = g_strescape (seen->str, NULL);
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_NOT_A_PHONE,
		     "%s answers but not as an AT modem: \"AT\" never got OK or ERROR (it sent "
		     "\"%s\"); pick the phone's modem port from `imeictl list`",
		     ir_session_port (self),
		     quoted);
	return FALSE;
}

/* What the port speaks: AT (*@binary NULL) or a binary family's protocol.
 * A USB id of a binary family's profile has that family asked first. */
static gboolean
ir_session_probe (IrSession *self,
		  guint16 vid,
		  guint16 pid,
		  const IrFamily **binary,
		  GCancellable *cancellable,
		  GError **error)
{
	const char *guess = ir_profile_guess_binary_family (vid, pid);

	*binary = NULL;
	if (self->protocol == IR_SESSION_PROTOCOL_DIAG ||
	    (self->protocol == IR_SESSION_PROTOCOL_AUTO && guess != NULL)) {
		if (!ir_session_probe_binary (self, guess, binary, cancellable, error))
			return FALSE;
		if (*binary != NULL)
			return TRUE;
		if (self->protocol == IR_SESSION_PROTOCOL_DIAG) {
			g_set_error (
			    error,
			    IR_ERROR,
			    IR_ERROR_TIMEOUT,
			    "no DIAG answer on %s: the version-info request (0x00) got no "
			    "reply in %u ms; is it the phone's DIAG port? Some phones open "
			    "it only after AT$QCDMG on their AT port (`imeictl diag-mode`)",
			    ir_session_port (self),
			    self->probe_timeout_ms);
			return FALSE;
		}
	}
	return ir_session_probe_at (self, binary, cancellable, error);
}

/* Control characters, broken UTF-8 and U+FFFD (which the AT layer puts in
 * place of broken UTF-8) in an identity string are bytes garbled on the
 * line, not what the phone meant. */
static gboolean
ir_session_text_is_clean (const char *text)
{
	if (!g_utf8_validate (text, -1, NULL))
		return FALSE;
	for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);
		if (g_unichar_iscntrl (c) || c == 0xFFFD)
			return FALSE;
	}
	return TRUE;
}

/* IrAtReadParseFunc of the identity reads; @user_data is the information
 * line prefix ("+CGMI"). An OK with no text is "" (the phone has nothing
 * to say), not a garbled answer. */
static GPtrArray *
ir_session_parse_text (const IrAtResponse *resp, gpointer user_data, GError **error)
{
	g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *value = NULL;

	if (resp->lines->len == 0) {
		g_ptr_array_add (values, g_strdup (""));
		return g_steal_pointer (&values);
	}
	value = ir_at_response_get_value (resp, user_data, error);
	if (value == NULL)
		return NULL;
	if (!ir_session_text_is_clean (value)) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_PROTOCOL, "garbled answer");
		return NULL;
	}
	g_ptr_array_add (values, g_steal_pointer (&value));
	return g_steal_pointer (&values);
}

/* A clean text needs no second reading (ir-at-read.h). */
static gboolean
ir_session_text_well_formed (GPtrArray *values, gpointer user_data)
{
	return values->len == 1;
}

static void ir_session_note (IrDeviceInfo *info, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
ir_session_note (IrDeviceInfo *info, const char *format, ...)
{
	va_list args;

	va_start (args, format);
	g_ptr_array_add (info->notes, g_strdup_vprintf (format, args));
	va_end (args);
}

/* One identity value, 27.007 form first, then its V.250 form (@fallback
 * may be NULL). A value that cannot be had is left NULL and said in the
 * notes: identify goes on, since the IMEI read does not need it. FALSE
 * only when the phone is gone or we are told to stop. */
static gboolean
ir_session_read_text (IrSession *self,
		      IrDeviceInfo *info,
		      const char *what,
		      const char *const forms[2],
		      gboolean confirm,
		      char **out,
		      GCancellable *cancellable,
		      GError **error)
{
	const IrProfile *base = ir_profile_lookup ("3gpp");
	g_autoptr (GString) failures = g_string_new (NULL);

	for (guint i = 0; i < 2 && forms[i] != NULL; i++) {
		g_autoptr (GError) error_local = NULL;
		g_autofree char *prefix = g_strdup (forms[i] + 2);
		g_autoptr (GPtrArray) values = NULL;
		IrAtRead read = {
		    .command = forms[i],
		    .timeout_ms =
			base != NULL ? base->command_timeout_ms : IR_AT_DEFAULT_TIMEOUT_MS,
		    .parse = ir_session_parse_text,
		    .well_formed = ir_session_text_well_formed,
		    .user_data = prefix,
		    .confirm = confirm,
		};

		/* "+CGSN=0" answers "+CGSN: ..." */
		prefix[strcspn (prefix, "=?")] = '\0';
		values = ir_at_read_confirmed (self->channel, &read, cancellable, &error_local);
		if (values != NULL) {
			const char *value = g_ptr_array_index (values, 0);
			if (value[0] != '\0') {
				*out = g_strdup (value);
				return TRUE;
			}
			g_string_append_printf (failures,
						"%s%s answered no text",
						failures->len > 0 ? "; " : "",
						forms[i]);
			continue;
		}
		if (ir_at_read_error_is_fatal (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_string_append_printf (
		    failures, "%s%s", failures->len > 0 ? "; " : "", error_local->message);
	}
	ir_session_note (info, "%s not read: %s", what, failures->str);
	return TRUE;
}

static const char *const ir_session_cgmi[] = {"AT+CGMI", "AT+GMI"};
static const char *const ir_session_cgmm[] = {"AT+CGMM", "AT+GMM"};
static const char *const ir_session_cgmr[] = {"AT+CGMR", "AT+GMR"};
static const char *const ir_session_serial[] = {"AT+CGSN=0", NULL};
static const char *const ir_session_imeisv[] = {"AT+CGSN=2", NULL};

/* ATE0 V1 Q0 as ModemManager sets them: no echo to confuse with answers,
 * verbose result codes, result codes at all; then numeric +CME ERROR
 * codes, the only way to tell a write-once slot from any other refusal.
 * A phone that refuses either keeps its settings: the parser copes with
 * echo and numeric codes all the same. */
static gboolean
ir_session_normalise (IrSession *self, GCancellable *cancellable, GError **error)
{
	static const char *const commands[] = {"ATE0V1Q0", "AT+CMEE=1"};

	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		g_autoptr (GError) error_local = NULL;
		g_autoptr (IrAtResponse) resp = ir_at_channel_command (self->channel,
								       commands[i],
								       IR_AT_DEFAULT_TIMEOUT_MS,
								       cancellable,
								       &error_local);
		if (resp == NULL && ir_at_read_error_is_fatal (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
	}
	return TRUE;
}

/* TRUE when @text is @len decimal digits. */
static gboolean
ir_session_is_digits_of_len (const char *text, gsize len)
{
	return text != NULL && strlen (text) == len && strspn (text, "0123456789") == len;
}

/* 27.007 +CGSN=2: the IMEISV (TAC, SNR and the 2-digit software version).
 * Many modules refuse <snt>; that is said in the notes like any other
 * read that failed, and an answer that is not 16 digits is shown with what
 * the phone said rather than passed off as an IMEISV. */
static gboolean
ir_session_read_imeisv (IrSession *self,
			IrDeviceInfo *info,
			GCancellable *cancellable,
			GError **error)
{
	if (!ir_session_read_text (
		self, info, "IMEISV", ir_session_imeisv, FALSE, &info->imeisv, cancellable, error))
		return FALSE;
	if (info->imeisv != NULL &&
	    !ir_session_is_digits_of_len (info->imeisv, IR_IMEI_ID_LEN + 2)) {
		ir_session_note (info,
				 "IMEISV not read: AT+CGSN=2 answered \"%s\", not 16 digits",
				 info->imeisv);
		g_clear_pointer (&info->imeisv, g_free);
	}
	return TRUE;
}

/* An IMEISV that names another phone than slot 1's IMEI (a firmware that
 * keeps the two apart after a bad flash) is worth a word. */
static void
ir_session_check_imeisv (IrDeviceInfo *info)
{
	const IrImeiSlot *first;

	if (info->imeisv == NULL || info->slots->len == 0)
		return;
	first = g_ptr_array_index (info->slots, 0);
	if (first->status != IR_IMEI_STATUS_VALID ||
	    strncmp (first->imei, info->imeisv, IR_IMEI_ID_LEN) == 0)
		return;
	ir_session_note (info,
			 "the IMEISV %s does not start with slot 1's identity digits (%.*s)",
			 info->imeisv,
			 (int)IR_IMEI_ID_LEN,
			 first->imei);
}

static gboolean
ir_session_read_identity (IrSession *self,
			  IrDeviceInfo *info,
			  GCancellable *cancellable,
			  GError **error)
{
	return ir_session_normalise (self, cancellable, error) &&
	       ir_session_read_text (self,
				     info,
				     "manufacturer",
				     ir_session_cgmi,
				     FALSE,
				     &info->manufacturer,
				     cancellable,
				     error) &&
	       ir_session_read_text (
		   self, info, "model", ir_session_cgmm, FALSE, &info->model, cancellable, error) &&
	       ir_session_read_text (self,
				     info,
				     "revision",
				     ir_session_cgmr,
				     FALSE,
				     &info->revision,
				     cancellable,
				     error) &&
	       ir_session_read_text (self,
				     info,
				     "serial number",
				     ir_session_serial,
				     FALSE,
				     &info->serial,
				     cancellable,
				     error) &&
	       ir_session_read_imeisv (self, info, cancellable, error);
}

/* A manufacturer read once that matches no brand's profile may be one
 * whose letter was garbled into another letter on the way (a noise no
 * clean-text check can see): it is read again until two answers agree
 * before the phone is taken for one no driver knows. A phone whose name
 * does match costs no second command. */
static gboolean
ir_session_confirm_manufacturer (IrSession *self,
				 IrDeviceInfo *info,
				 GCancellable *cancellable,
				 GError **error)
{
	/* the confirmed answer, or none (said in the notes) */
	g_clear_pointer (&info->manufacturer, g_free);
	if (!ir_session_read_text (self,
				   info,
				   "manufacturer (confirmed)",
				   ir_session_cgmi,
				   TRUE,
				   &info->manufacturer,
				   cancellable,
				   error))
		return FALSE;
	info->profile =
	    ir_profile_match (info->usb_vid, info->usb_pid, info->manufacturer, info->model);
	return TRUE;
}

/* USB identity when the system knows the port (not for pseudo-terminals). */
static void
ir_session_read_usb (IrSession *self, IrDeviceInfo *info)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPortInfo) port = ir_port_query (ir_session_port (self), &error);

	if (port == NULL) {
		g_debug ("no USB identity for %s: %s", ir_session_port (self), error->message);
		return;
	}
	info->usb_vid = port->usb_vid;
	info->usb_pid = port->usb_pid;
	if (info->serial == NULL && port->usb_serial != NULL)
		info->serial = g_strdup (port->usb_serial);
}

/* TRUE when @value is what an IMEI read can answer: digits (of any
 * length: the classifier judges them) or nothing. */
static gboolean
ir_session_value_is_digits (const char *value)
{
	for (const char *p = value; p != NULL && *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	return TRUE;
}

static GPtrArray *
ir_session_classify (GPtrArray *imeis, const IrDuplicateList *dups)
{
	GPtrArray *slots = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_imei_slot_free);

	for (guint i = 0; i < imeis->len; i++) {
		IrImeiSlot *slot = g_new0 (IrImeiSlot, 1);
		g_autofree char *detail = NULL;
		slot->index = i;
		slot->imei = g_strdup (g_ptr_array_index (imeis, i));
		slot->status = slot->imei != NULL ? ir_imei_classify_full (slot->imei, dups)
						  : IR_IMEI_STATUS_EMPTY;
		detail = ir_imei_describe (slot->imei, slot->status);
		/* a run of the wrong length is shown with the answer it came from */
		slot->detail =
		    slot->status == IR_IMEI_STATUS_MALFORMED
			? g_strdup_printf ("%s (the phone answered \"%s\")", detail, slot->imei)
			: g_steal_pointer (&detail);
		g_ptr_array_add (slots, slot);
	}
	return slots;
}

/* Which command gave the IMEIs (info->read_command), and a note of why
 * the forms before it did not: a phone silent to +CGSN=1 that answered
 * +CGSN is said so, rather than being slow without a word. */
static void
ir_session_take_report (IrDeviceInfo *info, IrFamilyReadReport *report)
{
	info->read_command = g_steal_pointer (&report->command);
	if (report->passed_over != NULL)
		ir_session_note (info,
				 "IMEI read with %s: %s",
				 info->read_command != NULL ? info->read_command
							    : info->read_family->title,
				 report->passed_over);
}

/* The first value that is not an IMEI read's answer (an ESN, a MEID, free
 * text), or NULL. */
static const char *
ir_session_find_non_imei (GPtrArray *imeis)
{
	for (guint i = 0; i < imeis->len; i++) {
		const char *value = g_ptr_array_index (imeis, i);
		if (!ir_session_value_is_digits (value))
			return value;
	}
	return NULL;
}

/* The vendor's IMEI read; NULL with the reason in @why when it did not
 * give IMEIs (refused, silent, garbled, or words instead of digits). */
static GPtrArray *
ir_session_read_vendor (
    IrSession *self, IrDeviceInfo *info, char **why, GCancellable *cancellable, GError **error)
{
	g_autoptr (GError) error_local = NULL;
	g_auto (IrFamilyReadReport) report = {NULL};
	g_autoptr (GPtrArray) imeis = info->family->read_imeis (
	    self->channel, info->profile, &report, cancellable, &error_local);
	const char *odd;

	if (imeis == NULL) {
		if (ir_at_read_error_is_fatal (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		*why = g_strdup (error_local->message);
		return NULL;
	}
	odd = ir_session_find_non_imei (imeis);
	if (odd != NULL) {
		*why = g_strdup_printf ("its IMEI read answered \"%s\", not an IMEI", odd);
		return NULL;
	}
	ir_session_take_report (info, &report);
	return g_steal_pointer (&imeis);
}

/* 27.007 has one IMEI per phone: a second slot of a dual-SIM phone is not
 * there to read, and is said so rather than dropped. */
static void
ir_session_note_single_slot (IrDeviceInfo *info, guint expected)
{
	/* a single-IMEI brand whose own read failed: that failure is noted */
	if (expected <= 1 && g_strcmp0 (info->family->id, "3gpp") != 0)
		return;
	if (expected > 1) {
		ir_session_note (info,
				 "IMEI slot 2 not read: the 27.007 read gives one IMEI, and "
				 "this phone's own read (%s) did not work",
				 info->family->title);
		return;
	}
	ir_session_note (info,
			 "only one IMEI can be read over 27.007: if this is a dual-SIM "
			 "phone, its second IMEI needs its brand's command, and %s matches "
			 "no brand profile",
			 info->manufacturer != NULL ? info->manufacturer : "its manufacturer");
}

static GPtrArray *
ir_session_read_3gpp (IrSession *self,
		      IrDeviceInfo *info,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr (GPtrArray) imeis = NULL;
	g_auto (IrFamilyReadReport) report = {NULL};
	const char *odd;

	info->read_family = ir_family_lookup ("3gpp");
	if (info->read_family == NULL) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_FAILED,
				     "the 3gpp protocol family is not registered: the program must "
				     "call ir_protocols_register()");
		return NULL;
	}
	imeis = info->read_family->read_imeis (
	    self->channel, ir_profile_lookup ("3gpp"), &report, cancellable, error);
	if (imeis == NULL)
		return NULL;
	odd = ir_session_find_non_imei (imeis);
	if (odd != NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "this phone reports no IMEI over AT: the IMEI read answered \"%s\" "
			     "every time (a CDMA ESN or MEID, or text); nothing here can restore "
			     "it",
			     odd);
		return NULL;
	}
	ir_session_take_report (info, &report);
	g_ptr_array_set_size (imeis, MIN (imeis->len, 1));
	return g_steal_pointer (&imeis);
}

static const IrFamily *
ir_session_lookup_family (IrDeviceInfo *info, GError **error)
{
	const IrFamily *family = ir_family_lookup (info->profile->family);

	if (family == NULL)
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "profile %s names family %s, which this build does not have "
			     "(or the program did not call ir_protocols_register())",
			     info->profile->id,
			     info->profile->family);
	return family;
}

/* The write side, worked out apart from the read: a family with a write
 * command whose own read worked can write; otherwise say why not. */
static void
ir_session_set_write_support (IrDeviceInfo *info, const char *vendor_failure)
{
	info->can_write = info->family->write_imei != NULL && info->read_family == info->family;
	if (info->can_write)
		info->write_support = g_strdup_printf ("writable with %s", info->family->title);
	else if (info->family->write_imei == NULL && info->family->restore == NULL)
		info->write_support = g_strdup_printf (
		    "not writable over AT: %s has no IMEI write command", info->family->title);
	else if (info->family->write_imei == NULL)
		info->write_support =
		    g_strdup_printf ("written only with a brand token (%s)", info->family->title);
	else
		info->write_support = g_strdup_printf (
		    "not writable: %s did not answer its own read (%s), so its write "
		    "command is most likely disabled in this firmware",
		    info->family->title,
		    vendor_failure);
}

static gboolean
ir_session_read_slots (IrSession *self,
		       IrDeviceInfo *info,
		       const IrDuplicateList *dups,
		       GCancellable *cancellable,
		       GError **error)
{
	g_autoptr (GPtrArray) imeis = NULL;
	g_autofree char *why = NULL;

	if (info->profile == NULL)
		info->profile = ir_profile_match (
		    info->usb_vid, info->usb_pid, info->manufacturer, info->model);
	if (g_strcmp0 (info->profile->family, "3gpp") == 0 && info->manufacturer != NULL &&
	    !ir_session_confirm_manufacturer (self, info, cancellable, error))
		return FALSE;
	info->family = ir_session_lookup_family (info, error);
	if (info->family == NULL)
		return FALSE;
	info->read_family = info->family;
	if (g_strcmp0 (info->family->id, "3gpp") != 0) {
		imeis = ir_session_read_vendor (self, info, &why, cancellable, error);
		if (imeis == NULL && why == NULL)
			return FALSE;
	}
	if (imeis == NULL) {
		if (why != NULL)
			ir_session_note (info,
					 "%s read failed, read with 27.007 instead: %s",
					 info->family->title,
					 why);
		imeis = ir_session_read_3gpp (self, info, cancellable, error);
		if (imeis == NULL) {
			g_prefix_error (
			    error, "failed to read the IMEI of %s: ", ir_session_port (self));
			return FALSE;
		}
		ir_session_note_single_slot (info, info->profile->slots);
	}
	ir_session_set_write_support (info, why);
	info->slots = ir_session_classify (imeis, dups);
	return TRUE;
}

/* Who the phone is, over a binary family's own protocol, and its profile
 * among that family's. */
static gboolean
ir_session_read_identity_binary (IrSession *self,
				 const IrFamily *family,
				 IrDeviceInfo *info,
				 GCancellable *cancellable,
				 GError **error)
{
	IrFamilyIdentity identity = {NULL};

	if (!family->identify (self->channel, &identity, cancellable, error)) {
		ir_family_identity_clear (&identity);
		return FALSE;
	}
	info->manufacturer = g_steal_pointer (&identity.manufacturer);
	info->model = g_steal_pointer (&identity.model);
	info->revision = g_steal_pointer (&identity.revision);
	info->serial = g_steal_pointer (&identity.serial);
	ir_session_read_usb (self, info);
	info->profile = ir_profile_match_family (
	    info->usb_vid, info->usb_pid, info->manufacturer, info->model, family->id);
	if (info->profile == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "no %s profile matches the phone on %s: this build lacks one",
			     family->title,
			     ir_session_port (self));
		return FALSE;
	}
	return TRUE;
}

IrDeviceInfo *
ir_session_identify (IrSession *self,
		     const IrDuplicateList *dups,
		     GCancellable *cancellable,
		     GError **error)
{
	g_autoptr (IrDeviceInfo) info = g_new0 (IrDeviceInfo, 1);
	g_autoptr (IrPortInfo) port = NULL;
	const IrFamily *binary = NULL;

	g_return_val_if_fail (IR_IS_SESSION (self), NULL);

	info->notes = g_ptr_array_new_with_free_func (g_free);
	self->profile = NULL;
	self->family = NULL;
	info->port = g_strdup (ir_session_port (self));
	port = ir_port_query (info->port, NULL);
	if (!ir_session_probe (self,
			       port != NULL ? port->usb_vid : 0,
			       port != NULL ? port->usb_pid : 0,
			       &binary,
			       cancellable,
			       error))
		return NULL;
	if (binary != NULL) {
		if (!ir_session_read_identity_binary (self, binary, info, cancellable, error)) {
			g_prefix_error (error, "failed to identify %s: ", info->port);
			return NULL;
		}
	} else if (!ir_session_read_identity (self, info, cancellable, error)) {
		g_prefix_error (error, "failed to identify %s: ", info->port);
		return NULL;
	} else {
		ir_session_read_usb (self, info);
	}
	if (!ir_session_read_slots (self, info, dups, cancellable, error))
		return NULL;
	ir_session_check_imeisv (info);
	self->profile = info->profile;
	self->family = info->family;
	self->can_write = info->can_write;
	g_free (self->write_support);
	self->write_support = g_strdup (info->write_support);
	self->n_slots = info->slots->len;
	return g_steal_pointer (&info);
}

gboolean
ir_session_write_imei (
    IrSession *self, guint slot, const char *imei, GCancellable *cancellable, GError **error)
{
	g_return_val_if_fail (IR_IS_SESSION (self), FALSE);
	g_return_val_if_fail (imei != NULL, FALSE);

	/* what the technician typed is checked, never "fixed" */
	if (!ir_imei_validate (imei, error)) {
		g_prefix_error (error, "nothing written to %s: ", ir_session_port (self));
		return FALSE;
	}
	if (self->family == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_FAILED,
			     "nothing written to %s: identify the phone before writing to it",
			     ir_session_port (self));
		return FALSE;
	}
	if (slot >= self->n_slots) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "nothing written to %s: the phone has %u IMEI slot(s), there is no "
			     "slot %u",
			     ir_session_port (self),
			     self->n_slots,
			     slot + 1);
		return FALSE;
	}
	if (self->family->write_imei == NULL) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "nothing written to %s: %s phones have no IMEI write command; "
			     "restoring this phone needs its brand's own tool",
			     ir_session_port (self),
			     self->family->title);
		return FALSE;
	}
	if (!self->can_write) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_SUPPORTED,
			     "nothing written to %s: %s",
			     ir_session_port (self),
			     self->write_support);
		return FALSE;
	}
	return self->family->write_imei (
	    self->channel, self->profile, slot, imei, cancellable, error);
}
