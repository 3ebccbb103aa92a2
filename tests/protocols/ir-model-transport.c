/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-model-transport.h"

struct _IrModelTransport {
	IrTransport parent_instance;
	IrSimState *state;
	IrModelTransportMode mode;
	GString *line;	    /* host bytes up to the next CR */
	GByteArray *answer; /* bytes waiting for the host to read */
	GPtrArray *commands;
	guint garble_next;
	guint flip_next;
	guint flips_done;
	guint drop_next;
	GPtrArray *refused;    /* command lines answered ERROR without the model */
	GHashTable *canned;    /* command line -> answer sent instead of the model's */
	char *corrupt_command; /* answers to this line get a letter changed */
	guint corrupt_left;
	guint corrupt_done;
};

G_DEFINE_TYPE (IrModelTransport, ir_model_transport, IR_TYPE_TRANSPORT)

static void
ir_model_transport_mangle (IrModelTransport *self, GString *reply)
{
	if (self->garble_next > 0) {
		self->garble_next--;
		for (gsize i = 0; i < reply->len; i++) {
			if (g_ascii_isdigit (reply->str[i]))
				reply->str[i] = '?';
		}
		return;
	}
	if (self->flip_next > 0) {
		/* the first run of 15 digits loses its 8th digit's value */
		for (gsize i = 0; i + 15 <= reply->len; i++) {
			if (strspn (reply->str + i, "0123456789") >= 15) {
				char *d = &reply->str[i + 7];
				/* by one more each time, so that no two flips agree */
				*d = (char)('0' + ((guint)(*d - '0') + ++self->flips_done) % 10);
				self->flip_next--;
				return;
			}
		}
	}
}

/* A printable garble no clean-text check can see: the first letter moves
 * on by one more each time (M -> N, then O, ...), so no two agree. */
static void
ir_model_transport_corrupt (IrModelTransport *self, GString *reply)
{
	guint shift = ++self->corrupt_done;

	self->corrupt_left--;
	for (gsize i = 0; i < reply->len; i++) {
		char base = g_ascii_isupper (reply->str[i]) ? 'A' : 'a';
		if (!g_ascii_isalpha (reply->str[i]))
			continue;
		reply->str[i] = (char)(base + (reply->str[i] - base + shift) % 26);
		return;
	}
}

static void
ir_model_transport_handle_line (IrModelTransport *self, const char *line)
{
	g_autoptr (GString) reply = g_string_new (NULL);

	g_ptr_array_add (self->commands, g_strdup (line));
	if (self->mode == IR_MODEL_TRANSPORT_SILENT)
		return;
	if (self->mode == IR_MODEL_TRANSPORT_GARBAGE) {
		static const char garbage[] = "\x7f\x01zz\r\n$GPGGA,1\r\n";
		g_byte_array_append (self->answer, (const guint8 *)garbage, sizeof (garbage) - 1);
		return;
	}
	if (g_hash_table_contains (self->canned, line)) {
		const char *canned = g_hash_table_lookup (self->canned, line);
		g_byte_array_append (self->answer, (const guint8 *)canned, strlen (canned));
		return;
	}
	if (g_ptr_array_find_with_equal_func (self->refused, line, g_str_equal, NULL)) {
		static const char error[] = "\r\nERROR\r\n";
		g_byte_array_append (self->answer, (const guint8 *)error, sizeof (error) - 1);
		return;
	}
	if (self->state->echo) {
		g_byte_array_append (self->answer, (const guint8 *)line, strlen (line));
		g_byte_array_append (self->answer, (const guint8 *)"\r", 1);
	}
	ir_device_model_dispatch (self->state, line, reply);
	if (self->drop_next > 0) {
		self->drop_next--;
		return;
	}
	ir_model_transport_mangle (self, reply);
	if (self->corrupt_left > 0 && g_strcmp0 (line, self->corrupt_command) == 0)
		ir_model_transport_corrupt (self, reply);
	g_byte_array_append (self->answer, (const guint8 *)reply->str, reply->len);
}

static gboolean
ir_model_transport_write (IrTransport *transport, const guint8 *data, gsize len, GError **error)
{
	IrModelTransport *self = IR_MODEL_TRANSPORT (transport);

	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\r') {
			ir_model_transport_handle_line (self, self->line->str);
			g_string_truncate (self->line, 0);
		} else if (data[i] != '\n') {
			g_string_append_c (self->line, (char)data[i]);
		}
	}
	return TRUE;
}

static gssize
ir_model_transport_read (IrTransport *transport,
			 guint8 *buf,
			 gsize size,
			 guint timeout_ms,
			 GCancellable *cancellable,
			 GError **error)
{
	IrModelTransport *self = IR_MODEL_TRANSPORT (transport);
	gsize n;

	if (self->answer->len == 0) {
		/* nothing will come until the host writes again */
		g_usleep ((gulong)timeout_ms * 1000);
		return 0;
	}
	n = MIN (size, self->answer->len);
	memcpy (buf, self->answer->data, n);
	g_byte_array_remove_range (self->answer, 0, (guint)n);
	return (gssize)n;
}

static void
ir_model_transport_finalize (GObject *object)
{
	IrModelTransport *self = IR_MODEL_TRANSPORT (object);

	g_string_free (self->line, TRUE);
	g_byte_array_unref (self->answer);
	g_ptr_array_unref (self->commands);
	g_ptr_array_unref (self->refused);
	g_hash_table_unref (self->canned);
	g_free (self->corrupt_command);
	G_OBJECT_CLASS (ir_model_transport_parent_class)->finalize (object);
}

static void
ir_model_transport_class_init (IrModelTransportClass *klass)
{
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	G_OBJECT_CLASS (klass)->finalize = ir_model_transport_finalize;
	transport_class->write = ir_model_transport_write;
	transport_class->read = ir_model_transport_read;
}

static void
ir_model_transport_init (IrModelTransport *self)
{
	self->line = g_string_new (NULL);
	self->answer = g_byte_array_new ();
	self->commands = g_ptr_array_new_with_free_func (g_free);
	self->refused = g_ptr_array_new_with_free_func (g_free);
	self->canned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

IrModelTransport *
ir_model_transport_new (IrSimState *state)
{
	g_autofree char *path = g_strdup_printf ("model:%s", state->family);
	IrModelTransport *self = g_object_new (IR_TYPE_MODEL_TRANSPORT, "path", path, NULL);

	self->state = state;
	return self;
}

void
ir_model_transport_set_mode (IrModelTransport *self, IrModelTransportMode mode)
{
	self->mode = mode;
}

void
ir_model_transport_garble_next (IrModelTransport *self, guint n)
{
	self->garble_next = n;
}

void
ir_model_transport_flip_next (IrModelTransport *self, guint n)
{
	self->flip_next = n;
}

void
ir_model_transport_drop_next (IrModelTransport *self, guint n)
{
	self->drop_next = n;
}

GPtrArray *
ir_model_transport_get_commands (IrModelTransport *self)
{
	return self->commands;
}

gboolean
ir_model_transport_saw (IrModelTransport *self, const char *prefix)
{
	for (guint i = 0; i < self->commands->len; i++) {
		const char *line = g_ptr_array_index (self->commands, i);
		if (g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0)
			return TRUE;
	}
	return FALSE;
}

void
ir_model_transport_refuse (IrModelTransport *self, const char *command)
{
	g_ptr_array_add (self->refused, g_strdup (command));
}

guint
ir_model_transport_count (IrModelTransport *self, const char *prefix)
{
	guint count = 0;

	for (guint i = 0; i < self->commands->len; i++) {
		const char *line = g_ptr_array_index (self->commands, i);
		if (g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0)
			count++;
	}
	return count;
}

void
ir_model_transport_corrupt_once (IrModelTransport *self, const char *command)
{
	if (g_strcmp0 (command, self->corrupt_command) != 0) {
		g_free (self->corrupt_command);
		self->corrupt_command = g_strdup (command);
		self->corrupt_left = 0;
	}
	self->corrupt_left++;
}

void
ir_model_transport_answer (IrModelTransport *self, const char *command, const char *answer)
{
	g_hash_table_insert (self->canned, g_strdup (command), g_strdup (answer));
}
