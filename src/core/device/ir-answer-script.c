/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-answer-script.h"
#include "ir-error.h"

struct _IrAnswerScript {
	char *name;
	GPtrArray *entries;	 /* IrAnswerScriptEntry, file order */
	GBytes *default_answer;	 /* NULL: unlisted commands are silent */
	GPtrArray *headers;	 /* IrAnswerScriptPair */
	GPtrArray *expectations; /* IrAnswerScriptPair */
};

/* What unlisted commands get unless "@default" says otherwise. */
#define IR_ANSWER_SCRIPT_DEFAULT "\r\nERROR\r\n"

static void
ir_answer_script_entry_free (IrAnswerScriptEntry *entry)
{
	g_free (entry->command);
	g_clear_pointer (&entry->answer, g_bytes_unref);
	g_free (entry);
}

static void
ir_answer_script_pair_free (IrAnswerScriptPair *pair)
{
	g_free (pair->key);
	g_free (pair->value);
	g_free (pair);
}

void
ir_answer_script_free (IrAnswerScript *self)
{
	if (self == NULL)
		return;
	g_free (self->name);
	g_ptr_array_unref (self->entries);
	g_clear_pointer (&self->default_answer, g_bytes_unref);
	g_ptr_array_unref (self->headers);
	g_ptr_array_unref (self->expectations);
	g_free (self);
}

/* Upper case, blanks removed outside double quotes (V.250 §5.1). */
static char *
ir_answer_script_normalise (const char *command)
{
	GString *out = g_string_new (NULL);
	gboolean quoted = FALSE;

	for (const char *p = command; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (!quoted && (*p == ' ' || *p == '\t'))
			continue;
		g_string_append_c (out, quoted ? *p : g_ascii_toupper (*p));
	}
	return g_string_free (out, FALSE);
}

static void
ir_answer_script_add_pair (GPtrArray *pairs, const char *key, const char *value)
{
	IrAnswerScriptPair *pair = g_new0 (IrAnswerScriptPair, 1);

	pair->key = g_strstrip (g_strdup (key));
	pair->value = g_strstrip (g_strdup (value));
	g_ptr_array_add (pairs, pair);
}

static void
ir_answer_script_set_error (GError **error, const char *name, guint line, const char *why)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "%s line %u: %s (see docs/answer-script.md)",
		     name,
		     line,
		     why);
}

/* "# source: ..." -> a header; any other comment is ignored. */
static void
ir_answer_script_comment (IrAnswerScript *self, const char *line)
{
	const char *colon = strchr (line, ':');
	g_autofree char *key = NULL;

	if (colon == NULL)
		return;
	key = g_strstrip (g_strndup (line + 1, (gsize)(colon - line - 1)));
	if (key[0] == '\0' || strchr (key, ' ') != NULL)
		return;
	ir_answer_script_add_pair (self->headers, key, colon + 1);
}

/* An answer being built: "< text" lines framed, "<< raw" lines as given. */
static void
ir_answer_script_answer_line (GByteArray *answer, const char *line)
{
	g_autofree char *raw = NULL;

	if (g_str_has_prefix (line, "<<")) {
		const char *text = line + 2;
		while (*text == ' ')
			text++;
		raw = g_strcompress (text);
		g_byte_array_append (answer, (const guint8 *)raw, strlen (raw));
		return;
	}
	raw = g_strdup_printf ("\r\n%s\r\n", line[1] == ' ' ? line + 2 : line + 1);
	g_byte_array_append (answer, (const guint8 *)raw, strlen (raw));
}

/* "= slot1 490154203237518 valid" -> ("slot1", "490154203237518 valid") */
static void
ir_answer_script_expectation (IrAnswerScript *self, const char *line)
{
	g_autofree char *text = g_strstrip (g_strdup (line + 1));
	char *space = strchr (text, ' ');

	if (space != NULL)
		*space++ = '\0';
	ir_answer_script_add_pair (self->expectations, text, space != NULL ? space : "");
}

static void
ir_answer_script_finish_entry (IrAnswerScript *self,
			       IrAnswerScriptEntry **entry,
			       GByteArray *answer,
			       gboolean silent)
{
	if (*entry == NULL)
		return;
	if (!silent)
		(*entry)->answer = g_bytes_new (answer->data, answer->len);
	g_ptr_array_add (self->entries, g_steal_pointer (entry));
	g_byte_array_set_size (answer, 0);
}

static gboolean
ir_answer_script_directive (IrAnswerScript *self, const char *line, guint n, GError **error)
{
	if (g_strcmp0 (line, "@default ERROR") == 0) {
		g_clear_pointer (&self->default_answer, g_bytes_unref);
		self->default_answer = g_bytes_new_static (IR_ANSWER_SCRIPT_DEFAULT,
							   strlen (IR_ANSWER_SCRIPT_DEFAULT));
		return TRUE;
	}
	if (g_strcmp0 (line, "@default silent") == 0) {
		g_clear_pointer (&self->default_answer, g_bytes_unref);
		return TRUE;
	}
	ir_answer_script_set_error (
	    error, self->name, n, "unknown directive: only \"@default ERROR|silent\"");
	return FALSE;
}

IrAnswerScript *
ir_answer_script_parse (const char *text, const char *name, GError **error)
{
	g_autoptr (IrAnswerScript) self = g_new0 (IrAnswerScript, 1);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	g_autoptr (GByteArray) answer = g_byte_array_new ();
	IrAnswerScriptEntry *entry = NULL;
	gboolean silent = FALSE;

	self->name = g_strdup (name);
	self->entries =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_answer_script_entry_free);
	self->headers = g_ptr_array_new_with_free_func ((GDestroyNotify)ir_answer_script_pair_free);
	self->expectations =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_answer_script_pair_free);
	self->default_answer =
	    g_bytes_new_static (IR_ANSWER_SCRIPT_DEFAULT, strlen (IR_ANSWER_SCRIPT_DEFAULT));
	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strchomp (lines[i]);
		guint n = i + 1;

		if (line[0] == '\0')
			continue;
		switch (line[0]) {
		case '#':
			ir_answer_script_comment (self, line);
			break;
		case '>':
			ir_answer_script_finish_entry (self, &entry, answer, silent);
			entry = g_new0 (IrAnswerScriptEntry, 1);
			entry->command = ir_answer_script_normalise (g_strstrip (line + 1));
			silent = FALSE;
			if (entry->command[0] == '\0') {
				ir_answer_script_entry_free (entry);
				ir_answer_script_set_error (
				    error, name, n, "\">\" without a command");
				return NULL;
			}
			break;
		case '<':
		case '!':
			if (entry == NULL) {
				ir_answer_script_set_error (
				    error, name, n, "an answer before any \"> COMMAND\" line");
				return NULL;
			}
			if (line[0] == '!') {
				if (g_strcmp0 (g_strstrip (line + 1), "silent") != 0) {
					ir_answer_script_entry_free (entry);
					ir_answer_script_set_error (
					    error, name, n, "\"!\" takes only \"silent\"");
					return NULL;
				}
				silent = TRUE;
				break;
			}
			ir_answer_script_answer_line (answer, line);
			break;
		case '=':
			ir_answer_script_expectation (self, line);
			break;
		case '@':
			if (!ir_answer_script_directive (self, line, n, error)) {
				g_clear_pointer (&entry, ir_answer_script_entry_free);
				return NULL;
			}
			break;
		default:
			g_clear_pointer (&entry, ir_answer_script_entry_free);
			ir_answer_script_set_error (
			    error, name, n, "a line must start with #, >, <, <<, !, = or @");
			return NULL;
		}
	}
	ir_answer_script_finish_entry (self, &entry, answer, silent);
	return g_steal_pointer (&self);
}

IrAnswerScript *
ir_answer_script_load (const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr (GError) error_local = NULL;

	if (!g_file_get_contents (path, &text, NULL, &error_local)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "answer script %s cannot be read: %s",
			     path,
			     error_local->message);
		return NULL;
	}
	return ir_answer_script_parse (text, path, error);
}

GBytes *
ir_answer_script_answer (const IrAnswerScript *self, const char *command, guint n)
{
	g_autofree char *wanted = ir_answer_script_normalise (command);
	IrAnswerScriptEntry *last = NULL;
	guint seen = 0;

	for (guint i = 0; i < self->entries->len; i++) {
		IrAnswerScriptEntry *entry = g_ptr_array_index (self->entries, i);
		if (g_strcmp0 (entry->command, wanted) != 0)
			continue;
		if (seen++ == n)
			return entry->answer;
		last = entry;
	}
	if (last != NULL)
		return last->answer;
	return self->default_answer;
}

const char *
ir_answer_script_get_header (const IrAnswerScript *self, const char *key)
{
	for (guint i = 0; i < self->headers->len; i++) {
		IrAnswerScriptPair *pair = g_ptr_array_index (self->headers, i);
		if (g_ascii_strcasecmp (pair->key, key) == 0)
			return pair->value;
	}
	return NULL;
}

GPtrArray *
ir_answer_script_get_expectations (const IrAnswerScript *self)
{
	return self->expectations;
}
