/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cbor.h>
#include <glib.h>

G_BEGIN_DECLS

/* Strict CBOR for restore tokens, on top of libcbor's streaming decoder.
 *
 * libcbor decodes leniently: it accepts indefinite lengths, integers and
 * lengths in a longer form than needed, duplicate and unordered map keys.
 * Signed data must have exactly one encoding, so everything here enforces
 * the deterministic encoding of RFC 8949 §4.2.1:
 *   - definite lengths only; integers, lengths and tags in the shortest form;
 *   - map keys sorted by the bytewise order of their encodings, no duplicates;
 *   - no floating point, no undefined or other simple values (only false,
 *     true and null); text strings are valid UTF-8;
 *   - one item, no trailing bytes; nesting and item counts bounded.
 * Nothing here does I/O. */

#define IR_CBOR_MAX_DEPTH 8
#define IR_CBOR_MAX_ITEMS 1024

typedef enum {
	IR_CBOR_UINT,
	IR_CBOR_NEGINT, /* value is n for the integer -1 - n */
	IR_CBOR_BYTES,
	IR_CBOR_TEXT,
	IR_CBOR_ARRAY,
	IR_CBOR_MAP,
	IR_CBOR_TAG,
	IR_CBOR_FALSE,
	IR_CBOR_TRUE,
	IR_CBOR_NULL,
} IrCborType;

/* One item's head, as read by ir_cbor_reader_read_head(). */
typedef struct {
	IrCborType type;
	guint64 value;	    /* UINT/NEGINT: the number; BYTES/TEXT: the length;
			     * ARRAY: elements; MAP: pairs; TAG: the tag number */
	const guint8 *data; /* BYTES/TEXT: the contents (not NUL-terminated) */
	gsize offset;	    /* where the item starts in the buffer */
	gsize end;	    /* after the head (and the contents of BYTES/TEXT) */
} IrCborHead;

/* A cursor over a buffer the caller keeps alive. */
typedef struct {
	const guint8 *buf;
	gsize len;
	gsize pos;
	const char *what; /* named in error messages, e.g. "restore token" */
} IrCborReader;

void ir_cbor_reader_init (IrCborReader *self, const guint8 *buf, gsize len, const char *what);

/* Reads one head strictly; strings include their contents. */
gboolean ir_cbor_reader_read_head (IrCborReader *self, IrCborHead *head, GError **error);

/* Reads a head and requires @type. */
gboolean
ir_cbor_reader_expect (IrCborReader *self, IrCborType type, IrCborHead *head, GError **error);

/* Reads an integer (UINT or NEGINT) that fits a gint64. */
gboolean ir_cbor_reader_read_int (IrCborReader *self, gint64 *value, GError **error);

/* Skips one whole item, nested items included. */
gboolean ir_cbor_reader_skip (IrCborReader *self, GError **error);

/* FALSE with an error unless every byte was consumed. */
gboolean ir_cbor_reader_at_end (IrCborReader *self, GError **error);

/* The whole buffer is exactly one item in deterministic encoding, with the
 * rules above at every depth. Call before walking it with a reader. */
gboolean ir_cbor_validate (const guint8 *buf, gsize len, const char *what, GError **error);

/* Name of a type for messages: "unsigned integer", "map", ... */
const char *ir_cbor_type_to_string (IrCborType type);

/* ---- encoding with libcbor items, always in the shortest form ---- */

/* cbor_decref() for g_autoptr. */
void ir_cbor_item_unref (cbor_item_t *item);

cbor_item_t *ir_cbor_build_int (gint64 value);
cbor_item_t *ir_cbor_build_uint (guint64 value);
cbor_item_t *ir_cbor_build_bytes (const guint8 *data, gsize len);
cbor_item_t *ir_cbor_build_text (const char *text);

/* Adds @key → @value to a definite map and drops the caller's references.
 * Callers add keys in canonical order; ir_cbor_serialize() checks it. */
void ir_cbor_map_add_take (cbor_item_t *map, cbor_item_t *key, cbor_item_t *value);

/* Appends @item to a definite array and drops the caller's reference. */
void ir_cbor_array_push_take (cbor_item_t *array, cbor_item_t *item);

/* Serialises @item and checks the result with ir_cbor_validate(), so an
 * encoder mistake (unsorted keys) fails here and never reaches a signer. */
GBytes *ir_cbor_serialize (const cbor_item_t *item, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cbor_item_t, ir_cbor_item_unref)

G_END_DECLS
