/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-error.h"
#include "ir-transport-script.h"

struct _IrTransportScript {
	IrTransport parent_instance;
	IrAnswerScript *script;
	GString *line;	   /* the command being written */
	GByteArray *out;   /* answers not read yet */
	GHashTable *asked; /* normalised command -> times asked so far */
};

G_DEFINE_TYPE (IrTransportScript, ir_transport_script, IR_TYPE_TRANSPORT)

static gboolean
ir_transport_script_open (IrTransport *transport, GError **error)
{
	return TRUE;
}

static void
ir_transport_script_close (IrTransport *transport)
{
}

/* One complete command line: queue the script's answer to it. */
static void
ir_transport_script_answer (IrTransportScript *self, const char *command)
{
	g_autofree char *key = g_ascii_strup (command, -1);
	guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->asked, key));
	GBytes *answer = ir_answer_script_answer (self->script, command, n);

	g_hash_table_insert (self->asked, g_steal_pointer (&key), GUINT_TO_POINTER (n + 1));
	if (answer != NULL)
		g_byte_array_append (
		    self->out, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

static gboolean
ir_transport_script_write (IrTransport *transport, const guint8 *data, gsize len, GError **error)
{
	IrTransportScript *self = IR_TRANSPORT_SCRIPT (transport);

	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\r') {
			g_autofree char *command = g_strstrip (g_strdup (self->line->str));
			g_string_truncate (self->line, 0);
			if (command[0] != '\0')
				ir_transport_script_answer (self, command);
		} else if (data[i] != '\n') {
			g_string_append_c (self->line, (char)data[i]);
		}
	}
	return TRUE;
}

static gssize
ir_transport_script_read (IrTransport *transport,
			  guint8 *buf,
			  gsize size,
			  guint timeout_ms,
			  GCancellable *cancellable,
			  GError **error)
{
	IrTransportScript *self = IR_TRANSPORT_SCRIPT (transport);
	GPollFD pfd = {0};
	gsize n;

	if (self->out->len > 0) {
		n = MIN (size, self->out->len);
		memcpy (buf, self->out->data, n);
		g_byte_array_remove_range (self->out, 0, (guint)n);
		return (gssize)n;
	}
	/* a silent phone: nothing arrives before the timeout, unless cancelled */
	if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfd)) {
		g_poll (&pfd, 1, (gint)MIN (timeout_ms, (guint)G_MAXINT));
		g_cancellable_release_fd (cancellable);
	} else if (!g_cancellable_is_cancelled (cancellable)) {
		g_usleep ((gulong)timeout_ms * 1000);
	}
	if (g_cancellable_is_cancelled (cancellable)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_CANCELLED,
			     "reading from %s was cancelled",
			     ir_transport_get_path (transport));
		return -1;
	}
	return 0;
}

static void
ir_transport_script_finalize (GObject *object)
{
	IrTransportScript *self = IR_TRANSPORT_SCRIPT (object);

	g_clear_pointer (&self->script, ir_answer_script_free);
	g_string_free (self->line, TRUE);
	g_byte_array_unref (self->out);
	g_hash_table_unref (self->asked);
	G_OBJECT_CLASS (ir_transport_script_parent_class)->finalize (object);
}

static void
ir_transport_script_class_init (IrTransportScriptClass *klass)
{
	IrTransportClass *transport_class = IR_TRANSPORT_CLASS (klass);

	G_OBJECT_CLASS (klass)->finalize = ir_transport_script_finalize;
	transport_class->open = ir_transport_script_open;
	transport_class->close = ir_transport_script_close;
	transport_class->write = ir_transport_script_write;
	transport_class->read = ir_transport_script_read;
}

static void
ir_transport_script_init (IrTransportScript *self)
{
	self->line = g_string_new (NULL);
	self->out = g_byte_array_new ();
	self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

IrTransport *
ir_transport_script_new_for_script (IrAnswerScript *script, const char *path)
{
	g_autofree char *name = NULL;
	IrTransportScript *self;

	g_return_val_if_fail (script != NULL && path != NULL, NULL);

	name = g_strdup_printf ("script:%s", path);
	self = g_object_new (IR_TYPE_TRANSPORT_SCRIPT, "path", name, NULL);
	self->script = script;
	return IR_TRANSPORT (self);
}

IrTransport *
ir_transport_script_new (const char *path, GError **error)
{
	IrAnswerScript *script = ir_answer_script_load (path, error);

	if (script == NULL)
		return NULL;
	return ir_transport_script_new_for_script (script, path);
}

guint
ir_transport_script_get_asked (IrTransportScript *self, const char *command)
{
	g_autofree char *key = NULL;

	g_return_val_if_fail (IR_IS_TRANSPORT_SCRIPT (self), 0);
	key = g_ascii_strup (command, -1);
	return GPOINTER_TO_UINT (g_hash_table_lookup (self->asked, key));
}
