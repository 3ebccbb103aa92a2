/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ir-error.h"
#include "ir-cbor.h"

/* What one cbor_stream_decode() call reported through its callbacks. */
typedef struct {
	IrCborHead *head;
	const char *refused; /* set when the item is well-formed but not allowed */
	gboolean seen;
} HeadCtx;

static void
ir_cbor_head_set (void *ctx, IrCborType type, guint64 value)
{
	HeadCtx *hc = ctx;
	hc->head->type = type;
	hc->head->value = value;
	hc->seen = TRUE;
}

static void
ir_cbor_refuse (void *ctx, const char *why)
{
	HeadCtx *hc = ctx;
	hc->refused = why;
	hc->seen = TRUE;
}

static void
ir_cbor_cb_uint8 (void *ctx, uint8_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_UINT, v);
}

static void
ir_cbor_cb_uint16 (void *ctx, uint16_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_UINT, v);
}

static void
ir_cbor_cb_uint32 (void *ctx, uint32_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_UINT, v);
}

static void
ir_cbor_cb_uint64 (void *ctx, uint64_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_UINT, v);
}

static void
ir_cbor_cb_negint8 (void *ctx, uint8_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_NEGINT, v);
}

static void
ir_cbor_cb_negint16 (void *ctx, uint16_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_NEGINT, v);
}

static void
ir_cbor_cb_negint32 (void *ctx, uint32_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_NEGINT, v);
}

static void
ir_cbor_cb_negint64 (void *ctx, uint64_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_NEGINT, v);
}

static void
ir_cbor_cb_bytes (void *ctx, cbor_data data, size_t len)
{
	HeadCtx *hc = ctx;
	ir_cbor_head_set (ctx, IR_CBOR_BYTES, len);
	hc->head->data = data;
}

static void
ir_cbor_cb_text (void *ctx, cbor_data data, size_t len)
{
	HeadCtx *hc = ctx;
	ir_cbor_head_set (ctx, IR_CBOR_TEXT, len);
	hc->head->data = data;
}

static void
ir_cbor_cb_array (void *ctx, size_t n)
{
	ir_cbor_head_set (ctx, IR_CBOR_ARRAY, n);
}

static void
ir_cbor_cb_map (void *ctx, size_t n)
{
	ir_cbor_head_set (ctx, IR_CBOR_MAP, n);
}

static void
ir_cbor_cb_tag (void *ctx, uint64_t v)
{
	ir_cbor_head_set (ctx, IR_CBOR_TAG, v);
}

static void
ir_cbor_cb_indefinite (void *ctx)
{
	ir_cbor_refuse (ctx, "an indefinite length (only definite lengths are allowed)");
}

static void
ir_cbor_cb_break (void *ctx)
{
	ir_cbor_refuse (ctx, "a break code outside an indefinite-length item");
}

static void
ir_cbor_cb_float (void *ctx, float v)
{
	ir_cbor_refuse (ctx, "a floating-point number");
}

static void
ir_cbor_cb_double (void *ctx, double v)
{
	ir_cbor_refuse (ctx, "a floating-point number");
}

static void
ir_cbor_cb_undefined (void *ctx)
{
	ir_cbor_refuse (ctx, "the simple value undefined");
}

static void
ir_cbor_cb_null (void *ctx)
{
	ir_cbor_head_set (ctx, IR_CBOR_NULL, 0);
}

static void
ir_cbor_cb_bool (void *ctx, bool v)
{
	ir_cbor_head_set (ctx, v ? IR_CBOR_TRUE : IR_CBOR_FALSE, 0);
}

static const struct cbor_callbacks strict_callbacks = {
    .uint8 = ir_cbor_cb_uint8,
    .uint16 = ir_cbor_cb_uint16,
    .uint32 = ir_cbor_cb_uint32,
    .uint64 = ir_cbor_cb_uint64,
    .negint8 = ir_cbor_cb_negint8,
    .negint16 = ir_cbor_cb_negint16,
    .negint32 = ir_cbor_cb_negint32,
    .negint64 = ir_cbor_cb_negint64,
    .byte_string_start = ir_cbor_cb_indefinite,
    .byte_string = ir_cbor_cb_bytes,
    .string = ir_cbor_cb_text,
    .string_start = ir_cbor_cb_indefinite,
    .indef_array_start = ir_cbor_cb_indefinite,
    .array_start = ir_cbor_cb_array,
    .indef_map_start = ir_cbor_cb_indefinite,
    .map_start = ir_cbor_cb_map,
    .tag = ir_cbor_cb_tag,
    .float2 = ir_cbor_cb_float,
    .float4 = ir_cbor_cb_float,
    .float8 = ir_cbor_cb_double,
    .undefined = ir_cbor_cb_undefined,
    .null = ir_cbor_cb_null,
    .boolean = ir_cbor_cb_bool,
    .indef_break = ir_cbor_cb_break,
};

const char *
ir_cbor_type_to_string (IrCborType type)
{
	switch (type) {
	case IR_CBOR_UINT:
		return "unsigned integer";
	case IR_CBOR_NEGINT:
		return "negative integer";
	case IR_CBOR_BYTES:
		return "byte string";
	case IR_CBOR_TEXT:
		return "text string";
	case IR_CBOR_ARRAY:
		return "array";
	case IR_CBOR_MAP:
		return "map";
	case IR_CBOR_TAG:
		return "tag";
	case IR_CBOR_FALSE:
	case IR_CBOR_TRUE:
		return "boolean";
	case IR_CBOR_NULL:
		return "null";
	default:
		return "unknown item";
	}
}

/* Size of the head that encodes @value in the shortest form (RFC 8949 §4.2.1). */
static gsize
ir_cbor_shortest_head_size (guint64 value)
{
	if (value < 24)
		return 1;
	if (value <= G_MAXUINT8)
		return 2;
	if (value <= G_MAXUINT16)
		return 3;
	if (value <= G_MAXUINT32)
		return 5;
	return 9;
}

void
ir_cbor_reader_init (IrCborReader *self, const guint8 *buf, gsize len, const char *what)
{
	self->buf = buf;
	self->len = len;
	self->pos = 0;
	self->what = what != NULL ? what : "CBOR data";
}

static gboolean
ir_cbor_malformed (IrCborReader *self, gsize offset, GError **error, const char *why)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_PROTOCOL,
		     "%s is not strict CBOR: %s at byte %" G_GSIZE_FORMAT,
		     self->what,
		     why,
		     offset);
	return FALSE;
}

static gboolean
ir_cbor_check_head_form (IrCborReader *self, IrCborHead *head, gsize read, GError **error)
{
	gsize head_size = read;
	gboolean has_argument =
	    head->type != IR_CBOR_NULL && head->type != IR_CBOR_TRUE && head->type != IR_CBOR_FALSE;

	if (head->type == IR_CBOR_BYTES || head->type == IR_CBOR_TEXT)
		head_size = read - head->value;
	if (has_argument && head_size != ir_cbor_shortest_head_size (head->value))
		return ir_cbor_malformed (self,
					  head->offset,
					  error,
					  "an integer, length or tag not in its shortest form");
	if (head->type == IR_CBOR_TEXT &&
	    !g_utf8_validate_len ((const char *)head->data, head->value, NULL))
		return ir_cbor_malformed (
		    self, head->offset, error, "a text string that is not UTF-8");
	return TRUE;
}

/* libcbor 0.8's streaming decoder refuses tags 6 to 20 as "unassigned",
 * COSE_Sign1's 18 among them, so tag heads (major type 6) are read here. */
static gboolean
ir_cbor_read_tag_head (IrCborReader *self, IrCborHead *head, GError **error)
{
	guint8 info = self->buf[self->pos] & 0x1f;
	gsize extra = info < 24 ? 0 : info <= 27 ? (gsize)1 << (info - 24) : G_MAXSIZE;
	guint64 value = info;

	if (extra == G_MAXSIZE)
		return ir_cbor_malformed (
		    self, self->pos, error, "a reserved or invalid initial byte");
	if (extra > self->len - self->pos - 1)
		return ir_cbor_malformed (self, self->pos, error, "truncated data");
	if (extra > 0)
		value = 0;
	for (gsize i = 1; i <= extra; i++)
		value = value << 8 | self->buf[self->pos + i];
	head->type = IR_CBOR_TAG;
	head->value = value;
	if (!ir_cbor_check_head_form (self, head, 1 + extra, error))
		return FALSE;
	self->pos += 1 + extra;
	head->end = self->pos;
	return TRUE;
}

gboolean
ir_cbor_reader_read_head (IrCborReader *self, IrCborHead *head, GError **error)
{
	HeadCtx ctx = {.head = head};
	struct cbor_decoder_result res;

	memset (head, 0, sizeof (*head));
	head->offset = self->pos;
	if (self->pos >= self->len)
		return ir_cbor_malformed (self, self->pos, error, "truncated data");
	if ((self->buf[self->pos] >> 5) == 6)
		return ir_cbor_read_tag_head (self, head, error);
	res = cbor_stream_decode (
	    self->buf + self->pos, self->len - self->pos, &strict_callbacks, &ctx);
	if (res.status == CBOR_DECODER_NEDATA)
		return ir_cbor_malformed (self, self->pos, error, "truncated data");
	if (res.status != CBOR_DECODER_FINISHED || !ctx.seen || res.read == 0)
		return ir_cbor_malformed (
		    self, self->pos, error, "a reserved or invalid initial byte");
	if (ctx.refused != NULL)
		return ir_cbor_malformed (self, self->pos, error, ctx.refused);
	if (!ir_cbor_check_head_form (self, head, res.read, error))
		return FALSE;
	self->pos += res.read;
	head->end = self->pos;
	return TRUE;
}

gboolean
ir_cbor_reader_expect (IrCborReader *self, IrCborType type, IrCborHead *head, GError **error)
{
	if (!ir_cbor_reader_read_head (self, head, error))
		return FALSE;
	if (head->type != type) {
		g_autofree char *why = g_strdup_printf ("a %s where a %s belongs",
							ir_cbor_type_to_string (head->type),
							ir_cbor_type_to_string (type));
		return ir_cbor_malformed (self, head->offset, error, why);
	}
	return TRUE;
}

gboolean
ir_cbor_reader_read_int (IrCborReader *self, gint64 *value, GError **error)
{
	IrCborHead head;

	if (!ir_cbor_reader_read_head (self, &head, error))
		return FALSE;
	if ((head.type != IR_CBOR_UINT && head.type != IR_CBOR_NEGINT) ||
	    head.value > (guint64)G_MAXINT64)
		return ir_cbor_malformed (
		    self, head.offset, error, "an item where an integer belongs");
	*value = head.type == IR_CBOR_UINT ? (gint64)head.value : -1 - (gint64)head.value;
	return TRUE;
}

/* Walks one item. With @check_keys, map keys must be in canonical order and
 * unique; @items counts every item against IR_CBOR_MAX_ITEMS. */
static gboolean
ir_cbor_walk_item (
    IrCborReader *self, guint depth, guint *items, gboolean check_keys, GError **error)
{
	IrCborHead head;

	if (depth > IR_CBOR_MAX_DEPTH)
		return ir_cbor_malformed (self, self->pos, error, "nesting deeper than allowed");
	if (++(*items) > IR_CBOR_MAX_ITEMS)
		return ir_cbor_malformed (self, self->pos, error, "more items than allowed");
	if (!ir_cbor_reader_read_head (self, &head, error))
		return FALSE;

	/* every element takes at least one byte: a count beyond what is left
	 * is truncation, caught before looping on it */
	if ((head.type == IR_CBOR_ARRAY && head.value > self->len - self->pos) ||
	    (head.type == IR_CBOR_MAP && head.value > (self->len - self->pos) / 2))
		return ir_cbor_malformed (self, head.offset, error, "truncated data");

	if (head.type == IR_CBOR_TAG)
		return ir_cbor_walk_item (self, depth + 1, items, check_keys, error);
	if (head.type == IR_CBOR_ARRAY) {
		for (guint64 i = 0; i < head.value; i++) {
			if (!ir_cbor_walk_item (self, depth + 1, items, check_keys, error))
				return FALSE;
		}
	}
	if (head.type == IR_CBOR_MAP) {
		gsize prev_start = 0, prev_len = 0;
		for (guint64 i = 0; i < head.value; i++) {
			gsize key_start = self->pos;
			if (!ir_cbor_walk_item (self, depth + 1, items, check_keys, error))
				return FALSE;
			gsize key_len = self->pos - key_start;
			if (check_keys && i > 0) {
				int cmp = memcmp (self->buf + prev_start,
						  self->buf + key_start,
						  MIN (prev_len, key_len));
				if (cmp == 0 && prev_len == key_len)
					return ir_cbor_malformed (
					    self, key_start, error, "a duplicate map key");
				if (cmp > 0 || (cmp == 0 && prev_len > key_len))
					return ir_cbor_malformed (
					    self,
					    key_start,
					    error,
					    "map keys not in canonical order");
			}
			prev_start = key_start;
			prev_len = key_len;
			if (!ir_cbor_walk_item (self, depth + 1, items, check_keys, error))
				return FALSE;
		}
	}
	return TRUE;
}

gboolean
ir_cbor_reader_skip (IrCborReader *self, GError **error)
{
	guint items = 0;
	return ir_cbor_walk_item (self, 0, &items, FALSE, error);
}

gboolean
ir_cbor_reader_at_end (IrCborReader *self, GError **error)
{
	if (self->pos != self->len)
		return ir_cbor_malformed (self, self->pos, error, "trailing bytes after the item");
	return TRUE;
}

gboolean
ir_cbor_validate (const guint8 *buf, gsize len, const char *what, GError **error)
{
	IrCborReader reader;
	guint items = 0;

	ir_cbor_reader_init (&reader, buf, len, what);
	if (!ir_cbor_walk_item (&reader, 0, &items, TRUE, error))
		return FALSE;
	return ir_cbor_reader_at_end (&reader, error);
}

/* ---- encoding ---- */

void
ir_cbor_item_unref (cbor_item_t *item)
{
	cbor_decref (&item);
}

cbor_item_t *
ir_cbor_build_uint (guint64 value)
{
	if (value <= G_MAXUINT8)
		return cbor_build_uint8 ((uint8_t)value);
	if (value <= G_MAXUINT16)
		return cbor_build_uint16 ((uint16_t)value);
	if (value <= G_MAXUINT32)
		return cbor_build_uint32 ((uint32_t)value);
	return cbor_build_uint64 (value);
}

cbor_item_t *
ir_cbor_build_int (gint64 value)
{
	guint64 n;

	if (value >= 0)
		return ir_cbor_build_uint ((guint64)value);
	n = (guint64)(-(value + 1)); /* CBOR stores -1 - n */
	if (n <= G_MAXUINT8)
		return cbor_build_negint8 ((uint8_t)n);
	if (n <= G_MAXUINT16)
		return cbor_build_negint16 ((uint16_t)n);
	if (n <= G_MAXUINT32)
		return cbor_build_negint32 ((uint32_t)n);
	return cbor_build_negint64 (n);
}

/* libcbor 0.8 copies through malloc (len), which may return NULL for 0:
 * empty strings get an item without data instead. */
cbor_item_t *
ir_cbor_build_bytes (const guint8 *data, gsize len)
{
	if (len == 0)
		return cbor_new_definite_bytestring ();
	return cbor_build_bytestring (data, len);
}

cbor_item_t *
ir_cbor_build_text (const char *text)
{
	if (text[0] == '\0')
		return cbor_new_definite_string ();
	return cbor_build_stringn (text, strlen (text));
}

void
ir_cbor_map_add_take (cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
	gboolean ok = cbor_map_add (map, (struct cbor_pair){.key = key, .value = value});
	g_assert (ok); /* only fails on out-of-memory or a full definite map */
	cbor_decref (&key);
	cbor_decref (&value);
}

void
ir_cbor_array_push_take (cbor_item_t *array, cbor_item_t *item)
{
	gboolean ok = cbor_array_push (array, item);
	g_assert (ok);
	cbor_decref (&item);
}

GBytes *
ir_cbor_serialize (const cbor_item_t *item, GError **error)
{
	unsigned char *buf = NULL;
	size_t buf_size = 0;
	size_t len = cbor_serialize_alloc (item, &buf, &buf_size);
	g_autoptr (GBytes) bytes = NULL;

	if (len == 0) {
		free (buf);
		g_set_error_literal (
		    error,
		    IR_ERROR,
		    IR_ERROR_FAILED,
		    "failed to serialise CBOR: out of memory or an unfinished item");
		return NULL;
	}
	bytes = g_bytes_new (buf, len);
	free (buf);
	if (!ir_cbor_validate (g_bytes_get_data (bytes, NULL), len, "encoded CBOR", error)) {
		g_prefix_error (error, "encoder bug, nothing was signed: ");
		return NULL;
	}
	return g_steal_pointer (&bytes);
}
