/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ir-brandd-import.h"
#include "ir-error.h"
#include "ir-imei.h"

typedef enum {
	COL_SERIAL,
	COL_HARDWARE_ID,
	COL_MANUFACTURER,
	COL_MODEL,
	COL_TAC,
	COL_IMEI1,
	COL_IMEI2,
	COL_SPC,
	COL_CENTRE,
	N_COLS,
} Column;

static const struct {
	const char *name;
	gboolean required; /* as a column of the header */
} columns[N_COLS] = {
    [COL_SERIAL] = {"serial", TRUE},
    [COL_HARDWARE_ID] = {"hardware_id", TRUE},
    [COL_MANUFACTURER] = {"manufacturer", TRUE},
    [COL_MODEL] = {"model", TRUE},
    [COL_TAC] = {"tac", TRUE},
    [COL_IMEI1] = {"imei1", TRUE},
    [COL_IMEI2] = {"imei2", FALSE},
    /* the 6-digit SPC of a phone that needs one before its IMEI write */
    [COL_SPC] = {"spc", FALSE},
    [COL_CENTRE] = {"centre", FALSE},
};
/* the registry's columns: one per IMEI slot a phone may have */
G_STATIC_ASSERT (COL_IMEI2 - COL_IMEI1 + 1 == IR_IMEI_MAX_SLOTS);

#define FIELD_MAX 128

static void
ir_brandd_import_row_free (gpointer data)
{
	IrBranddImportRow *row = data;

	ir_brandd_store_device_free (row->device);
	g_free (row->reason);
	g_free (row);
}

void
ir_brandd_import_free (IrBranddImport *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref (self->rows);
	g_free (self);
}

static gboolean
ir_brandd_import_skip_line (const char *line)
{
	const char *p = line;

	while (g_ascii_isspace (*p))
		p++;
	return *p == '\0' || *p == '#';
}

/* Splits on commas and trims; quoting is not part of the format. */
static char **
ir_brandd_import_split_fields (const char *line)
{
	char **fields = g_strsplit (line, ",", -1);

	for (guint i = 0; fields[i] != NULL; i++)
		g_strstrip (fields[i]);
	return fields;
}

static gboolean
ir_brandd_import_parse_header (
    const char *line, guint line_no, int *map, guint *n_fields, GError **error)
{
	g_auto (GStrv) names = ir_brandd_import_split_fields (line);
	gboolean seen[N_COLS] = {FALSE};

	*n_fields = g_strv_length (names);
	for (guint i = 0; i < *n_fields; i++) {
		int col = -1;
		for (guint c = 0; c < N_COLS; c++) {
			if (g_strcmp0 (names[i], columns[c].name) == 0)
				col = (int)c;
		}
		if (col < 0 || seen[col]) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "line %u: %s column '%s' in the header; expected serial, "
				     "hardware_id, manufacturer, model, tac, imei1 and optionally "
				     "imei2, spc and centre",
				     line_no,
				     col < 0 ? "unknown" : "repeated",
				     names[i]);
			return FALSE;
		}
		seen[col] = TRUE;
		map[i] = col;
	}
	for (guint c = 0; c < N_COLS; c++) {
		if (columns[c].required && !seen[c]) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "line %u: the header has no '%s' column",
				     line_no,
				     columns[c].name);
			return FALSE;
		}
	}
	return TRUE;
}

static char *
ir_brandd_import_check_text (const char *name, const char *value, gboolean required)
{
	if (value[0] == '\0')
		return required ? g_strdup_printf ("%s is empty", name) : NULL;
	if (strlen (value) > FIELD_MAX)
		return g_strdup_printf ("%s is longer than %d bytes", name, FIELD_MAX);
	if (!g_utf8_validate (value, -1, NULL))
		return g_strdup_printf ("%s is not UTF-8", name);
	for (const char *p = value; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == '"')
			return g_strdup_printf ("%s contains a quote or control character "
						"(quoting is not supported)",
						name);
	}
	return NULL;
}

static char *
ir_brandd_import_check_imei (const char *name, const char *imei, const char *tac)
{
	g_autoptr (GError) why = NULL;

	if (!ir_imei_validate (imei, &why))
		return g_strdup_printf ("%s %s: %s", name, imei, why->message);
	if (ir_imei_classify (imei) != IR_IMEI_STATUS_VALID)
		return g_strdup_printf ("%s %s is not an original IMEI (%s)",
					name,
					imei,
					ir_imei_status_to_string (ir_imei_classify (imei)));
	if (tac != NULL && strncmp (imei, tac, IR_IMEI_TAC_LEN) != 0)
		return g_strdup_printf ("%s %s does not start with the TAC %s", name, imei, tac);
	return NULL;
}

/* Checks one row's own fields; returns the reason it is refused, or NULL. */
static char *
ir_brandd_import_check_device (const IrBranddDevice *d)
{
	char *why = NULL;

	if ((why = ir_brandd_import_check_text ("serial", d->serial, FALSE)) != NULL ||
	    (why = ir_brandd_import_check_text ("hardware_id", d->hardware_id, FALSE)) != NULL ||
	    (why = ir_brandd_import_check_text ("manufacturer", d->manufacturer, TRUE)) != NULL ||
	    (why = ir_brandd_import_check_text ("model", d->model, TRUE)) != NULL ||
	    (why = ir_brandd_import_check_text ("centre", d->centre, FALSE)) != NULL)
		return why;
	if (d->serial[0] == '\0' && d->hardware_id[0] == '\0')
		return g_strdup ("serial and hardware_id are both empty; give at least one");
	if (strlen (d->tac) != IR_IMEI_TAC_LEN || strspn (d->tac, "0123456789") != IR_IMEI_TAC_LEN)
		return g_strdup_printf ("tac '%s' is not 8 digits", d->tac);
	if ((why = ir_brandd_import_check_imei ("imei1", d->imei[0], d->tac)) != NULL)
		return why;
	/* slot 2 may carry another TAC (docs/brand-api.md's example does) */
	if (d->imei[1] != NULL &&
	    (why = ir_brandd_import_check_imei ("imei2", d->imei[1], NULL)) != NULL)
		return why;
	if (d->imei[1] != NULL && ir_imei_same_identity (d->imei[0], d->imei[1]))
		return g_strdup_printf ("imei1 and imei2 are the same IMEI %s", d->imei[0]);
	if (d->spc != NULL && (strlen (d->spc) != 6 || strspn (d->spc, "0123456789") != 6))
		return g_strdup ("spc is not 6 digits (leave it empty when the phone needs none)");
	return NULL;
}

/* Empty optional identifiers become NULL (absent) once checked. */
static void
ir_brandd_import_normalise (IrBranddDevice *d)
{
	if (d->serial != NULL && d->serial[0] == '\0')
		g_clear_pointer (&d->serial, g_free);
	if (d->hardware_id != NULL && d->hardware_id[0] == '\0')
		g_clear_pointer (&d->hardware_id, g_free);
	if (d->centre != NULL && d->centre[0] == '\0')
		g_clear_pointer (&d->centre, g_free);
}

static IrBranddImportRow *
ir_brandd_import_parse_row (const char *line, guint line_no, const int *map, guint n_fields)
{
	g_auto (GStrv) fields = ir_brandd_import_split_fields (line);
	IrBranddImportRow *row = g_new0 (IrBranddImportRow, 1);
	const char *v[N_COLS] = {"", "", "", "", "", "", "", "", ""};
	IrBranddDevice *d;

	row->line = line_no;
	if (g_strv_length (fields) != n_fields) {
		row->reason = g_strdup_printf (
		    "%u fields, the header has %u", g_strv_length (fields), n_fields);
		return row;
	}
	for (guint i = 0; i < n_fields; i++)
		v[map[i]] = fields[i];
	d = g_new0 (IrBranddDevice, 1);
	d->serial = g_strdup (v[COL_SERIAL]);
	d->hardware_id = g_strdup (v[COL_HARDWARE_ID]);
	d->manufacturer = g_strdup (v[COL_MANUFACTURER]);
	d->model = g_strdup (v[COL_MODEL]);
	d->tac = g_strdup (v[COL_TAC]);
	d->imei[0] = g_strdup (v[COL_IMEI1]);
	d->imei[1] = v[COL_IMEI2][0] != '\0' ? g_strdup (v[COL_IMEI2]) : NULL;
	d->spc = v[COL_SPC][0] != '\0' ? g_strdup (v[COL_SPC]) : NULL;
	d->centre = g_strdup (v[COL_CENTRE]);
	row->reason = ir_brandd_import_check_device (d);
	ir_brandd_import_normalise (d);
	row->device = d;
	return row;
}

/* Remembers @key for @line; the reason when it was seen on an earlier line. */
static char *
ir_brandd_import_seen_before (GHashTable *seen, const char *what, const char *key, guint line)
{
	gpointer prev = NULL;

	if (key == NULL)
		return NULL;
	if (g_hash_table_lookup_extended (seen, key, NULL, &prev))
		return g_strdup_printf ("%s is also on line %u", what, GPOINTER_TO_UINT (prev));
	g_hash_table_insert (seen, g_strdup (key), GUINT_TO_POINTER (line));
	return NULL;
}

static void
ir_brandd_import_check_duplicates (IrBranddImport *self)
{
	g_autoptr (GHashTable) serials =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GHashTable) hwids =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < self->rows->len; i++) {
		IrBranddImportRow *row = g_ptr_array_index (self->rows, i);
		IrBranddDevice *d = row->device;
		g_autofree char *serial = NULL;
		g_autofree char *folded = NULL;

		if (row->reason != NULL)
			continue;
		serial = d->serial != NULL ? g_strdup_printf ("serial %s", d->serial) : NULL;
		/* serials that differ only in case name one device: a
		 * technician reads them off a label, and the registry must
		 * not hold both */
		folded = d->serial != NULL ? g_ascii_strdown (d->serial, -1) : NULL;
		row->reason = ir_brandd_import_seen_before (
		    serials, serial != NULL ? serial : "", folded, row->line);
		if (row->reason == NULL && d->hardware_id != NULL)
			row->reason = ir_brandd_import_seen_before (
			    hwids, "hardware id", d->hardware_id, row->line);
		for (guint s = 0; row->reason == NULL && s < IR_TOKEN_MAX_SLOTS; s++) {
			g_autofree char *id =
			    d->imei[s] != NULL ? g_strndup (d->imei[s], IR_IMEI_ID_LEN) : NULL;
			g_autofree char *what =
			    d->imei[s] != NULL ? g_strdup_printf ("IMEI %s", d->imei[s]) : NULL;
			row->reason = ir_brandd_import_seen_before (ids, what, id, row->line);
		}
	}
}

IrBranddImport *
ir_brandd_import_parse (const char *text, gsize len, GError **error)
{
	g_autoptr (IrBranddImport) self = g_new0 (IrBranddImport, 1);
	g_autofree char *copy = NULL;
	g_auto (GStrv) lines = NULL;
	int map[N_COLS] = {0};
	guint n_fields = 0;
	gboolean have_header = FALSE;

	self->rows = g_ptr_array_new_with_free_func (ir_brandd_import_row_free);
	if (memchr (text, '\0', len) != NULL || !g_utf8_validate (text, (gssize)len, NULL)) {
		g_set_error_literal (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "not UTF-8 text");
		return NULL;
	}
	/* a UTF-8 byte order mark (spreadsheets write one) is not part of
	 * the first column's name */
	if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	copy = g_strndup (text, len);
	lines = g_strsplit (copy, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = lines[i];
		gsize n = strlen (line);

		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (ir_brandd_import_skip_line (line))
			continue;
		if (!have_header) {
			if (!ir_brandd_import_parse_header (line, i + 1, map, &n_fields, error))
				return NULL;
			have_header = TRUE;
			continue;
		}
		g_ptr_array_add (self->rows,
				 ir_brandd_import_parse_row (line, i + 1, map, n_fields));
	}
	if (!have_header) {
		g_set_error_literal (error,
				     IR_ERROR,
				     IR_ERROR_INVALID_INPUT,
				     "no header line; the first line names the columns");
		return NULL;
	}
	ir_brandd_import_check_duplicates (self);
	for (guint i = 0; i < self->rows->len; i++)
		self->n_rejected +=
		    ((IrBranddImportRow *)g_ptr_array_index (self->rows, i))->reason != NULL;
	return g_steal_pointer (&self);
}

static gboolean
ir_brandd_import_check_against_store (IrBranddImport *self, IrBranddStore *store, GError **error)
{
	for (guint i = 0; i < self->rows->len; i++) {
		IrBranddImportRow *row = g_ptr_array_index (self->rows, i);

		if (row->reason != NULL)
			continue;
		if (!ir_brandd_store_device_conflict (store, row->device, &row->reason, error))
			return FALSE;
		self->n_rejected += row->reason != NULL;
	}
	return TRUE;
}

gboolean
ir_brandd_import_apply (IrBranddImport *self, IrBranddStore *store, gint64 now, GError **error)
{
	if (!ir_brandd_store_begin (store, error))
		return FALSE;
	if (!ir_brandd_import_check_against_store (self, store, error)) {
		ir_brandd_store_rollback (store);
		return FALSE;
	}
	if (self->n_rejected > 0) {
		ir_brandd_store_rollback (store);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "%u of %u rows rejected; nothing imported",
			     self->n_rejected,
			     self->rows->len);
		return FALSE;
	}
	for (guint i = 0; i < self->rows->len; i++) {
		IrBranddImportRow *row = g_ptr_array_index (self->rows, i);
		if (!ir_brandd_store_insert_device (store, row->device, now, error)) {
			g_prefix_error (error, "line %u: ", row->line);
			ir_brandd_store_rollback (store);
			return FALSE;
		}
	}
	return ir_brandd_store_commit (store, error);
}
