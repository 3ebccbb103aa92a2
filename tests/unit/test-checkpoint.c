/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-log-sigline.h"
#include "ir-openssl-autoptr.h"

#define DASH "\xe2\x80\x94 "
/* base64(43 cd ef 01 || 00 01 .. 3f): any key id and 64 signature bytes */
#define SIG                                                                                        \
	"Q83vAQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9" \
	"Pj8="
#define ROOT	"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=" /* 01 02 .. 20 */
#define BODY	"example.com/log\n42\n" ROOT "\n"
#define SIGLINE DASH "example.com/log " SIG "\n"

static EVP_PKEY *
test_checkpoint_new_ed25519 (void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");

	assert_non_null (key);
	return key;
}

static void
test_checkpoint_assert_error (const GError *error, gint code, const char *part)
{
	if (error == NULL)
		fail_msg ("no error, expected one with \"%s\"", part);
	if (!g_error_matches (error, IR_ERROR, code))
		fail_msg ("error code %d, not %d: %s", error->code, code, error->message);
	if (part != NULL && strstr (error->message, part) == NULL)
		fail_msg ("\"%s\" does not say \"%s\"", error->message, part);
}

/* ---- the parser: good and malformed notes in one table ---- */

typedef struct {
	const char *text;
	gssize len;		/* -1: strlen */
	const char *error_part; /* NULL: parses */
	guint64 size;
	guint n_extensions;
	guint n_signatures;
} ParseRow;

static const ParseRow parse_rows[] = {
    {BODY "\n" SIGLINE, -1, NULL, 42, 0, 1},
    {"o\n0\n" ROOT "\n\n" SIGLINE, -1, NULL, 0, 0, 1},
    {"o\n18446744073709551615\n" ROOT "\n\n" SIGLINE, -1, NULL, G_MAXUINT64, 0, 1},
    {BODY "ext one\next-two\n\n" SIGLINE, -1, NULL, 42, 2, 1},
    {BODY "\n" SIGLINE DASH "witness.example " SIG "\n" DASH "w\xc3\xadtness " SIG "\n",
     -1,
     NULL,
     42,
     0,
     3},
    {BODY "\n" DASH "k AAAAAAA=\n", -1, NULL, 42, 0, 1}, /* 5 bytes: id + 1 byte */
    /* the note as a whole */
    {"", -1, "empty", 0, 0, 0},
    {BODY "\n" DASH "example.com/log " SIG, -1, "newline", 0, 0, 0},
    {"example.com/log\r\n42\r\n" ROOT "\r\n\r\n" SIGLINE, -1, "control byte 0x0d", 0, 0, 0},
    {BODY "\n" DASH "example.com/log\t" SIG "\n", -1, "control byte 0x09", 0, 0, 0},
    {"o\n4\xff\n" ROOT "\n\n" SIGLINE, -1, "UTF-8", 0, 0, 0},
    {"o\n4\0\n" ROOT "\n\n" SIGLINE,
     4 + 1 + 1 + 44 + 2 + sizeof (SIGLINE) - 1 + 1,
     "control byte 0x00",
     0,
     0,
     0},
    {BODY SIGLINE, -1, "no empty line", 0, 0, 0},
    {BODY "\n", -1, "no signature lines", 0, 0, 0},
    {"\n\n" SIGLINE, -1, "no empty line", 0, 0, 0},
    /* the body */
    {"o\n42\n\n" SIGLINE, -1, "2 lines", 0, 0, 0},
    {"o\n\n" ROOT "\n\n" SIGLINE, -1, "body line 2 is empty", 0, 0, 0},
    {BODY "\next\n\n" SIGLINE, -1, "body line 4 is empty", 0, 0, 0},
    {"o \n42\n" ROOT "\n\n" SIGLINE, -1, "body line 1", 0, 0, 0},
    {" o\n42\n" ROOT "\n\n" SIGLINE, -1, "body line 1", 0, 0, 0},
    {"o\n42 \n" ROOT "\n\n" SIGLINE, -1, "body line 2", 0, 0, 0},
    {BODY "ext \n\n" SIGLINE, -1, "body line 4", 0, 0, 0},
    {"o\n042\n" ROOT "\n\n" SIGLINE, -1, "leading zeros", 0, 0, 0},
    {"o\n00\n" ROOT "\n\n" SIGLINE, -1, "leading zeros", 0, 0, 0},
    {"o\n-1\n" ROOT "\n\n" SIGLINE, -1, "decimal", 0, 0, 0},
    {"o\n+1\n" ROOT "\n\n" SIGLINE, -1, "decimal", 0, 0, 0},
    {"o\n0x10\n" ROOT "\n\n" SIGLINE, -1, "decimal", 0, 0, 0},
    {"o\n1e3\n" ROOT "\n\n" SIGLINE, -1, "decimal", 0, 0, 0},
    {"o\n18446744073709551616\n" ROOT "\n\n" SIGLINE, -1, "64-bit", 0, 0, 0},
    {"o\n99999999999999999999\n" ROOT "\n\n" SIGLINE, -1, "64-bit", 0, 0, 0},
    {"o\n100000000000000000000\n" ROOT "\n\n" SIGLINE, -1, "64-bit", 0, 0, 0},
    {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    {"o\n1\nAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB=\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    {"o\n1\nAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    {"o\n1\nAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHy-=\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    {"o\n1\nAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH=A=\n\n" SIGLINE, -1, "32 bytes", 0, 0, 0},
    /* signature lines */
    {BODY "\n- example.com/log " SIG "\n", -1, "em dash", 0, 0, 0},
    {BODY "\n\xe2\x80\x94"
	  "example.com/log " SIG "\n",
     -1,
     "em dash",
     0,
     0,
     0},
    {BODY "\n" DASH "example.com/log" SIG "\n", -1, "no space", 0, 0, 0},
    {BODY "\n" DASH " " SIG "\n", -1, "key name is empty", 0, 0, 0},
    {BODY "\n" DASH "a+b " SIG "\n", -1, "'+'", 0, 0, 0},
    {BODY "\n" DASH "a\xc2\xa0"
	  "b " SIG "\n",
     -1,
     "a space",
     0,
     0,
     0},
    {BODY "\n" DASH "k " SIG " \n", -1, "not standard base64", 0, 0, 0},
    {BODY "\n" DASH "k  " SIG "\n", -1, "not standard base64", 0, 0, 0},
    {BODY "\n" DASH "k AAAAAA==\n", -1, "not standard base64", 0, 0, 0}, /* 4 bytes */
    {BODY "\n" DASH "k AAAAAAB=\n", -1, "not standard base64", 0, 0, 0}, /* non-canonical */
    {BODY "\n" DASH "k AAAA*AA=\n", -1, "not standard base64", 0, 0, 0},
    {BODY "\n" DASH "k\n", -1, "no space", 0, 0, 0},
    {BODY "\n" SIGLINE "\n", -1, "body line 4 is empty", 0, 0, 0},
    {BODY "\n" SIGLINE "\n" SIGLINE, -1, "body line", 0, 0, 0},
};

static void
test_checkpoint_parse_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++) {
		const ParseRow *row = &parse_rows[i];
		gsize len = row->len < 0 ? strlen (row->text) : (gsize)row->len;
		g_autoptr (GError) error = NULL;
		g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (row->text, len, &error);

		if (row->error_part == NULL) {
			if (cp == NULL)
				fail_msg ("row %u: %s", i, error->message);
			assert_int_equal (cp->size, row->size);
			assert_int_equal (cp->extensions->len, row->n_extensions);
			assert_int_equal (cp->signatures->len, row->n_signatures);
			/* the body is the signed text, exactly: up to the blank line */
			assert_true (g_str_has_prefix (row->text, cp->body));
			assert_int_equal (row->text[strlen (cp->body)], '\n');
			continue;
		}
		if (cp != NULL)
			fail_msg ("row %u parsed, expected \"%s\"", i, row->error_part);
		test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, row->error_part);
	}
}

static void
test_checkpoint_parse_fields (void **state)
{
	static const char note[] = BODY "ext one\n\n" SIGLINE DASH "other " SIG "\n";
	static const guint8 key_id[4] = {0x43, 0xcd, 0xef, 0x01};
	g_autoptr (GError) error = NULL;
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (note, strlen (note), &error);
	const IrNoteSignature *sig;

	assert_non_null (cp);
	assert_string_equal (cp->origin, "example.com/log");
	assert_int_equal (cp->size, 42);
	for (guint i = 0; i < IR_MERKLE_HASH_LEN; i++)
		assert_int_equal (cp->root[i], i + 1);
	assert_string_equal (g_ptr_array_index (cp->extensions, 0), "ext one");
	assert_string_equal (cp->body, BODY "ext one\n");
	sig = g_ptr_array_index (cp->signatures, 1);
	assert_string_equal (sig->key_name, "other");
	assert_memory_equal (sig->key_id, key_id, 4);
	assert_int_equal (g_bytes_get_size (sig->signature), 64);
	assert_int_equal (((const guint8 *)g_bytes_get_data (sig->signature, NULL))[63], 63);
}

/* 100 signature lines are fine, 101 are not; nor is a note past 64 KiB */
static void
test_checkpoint_parse_limits (void **state)
{
	g_autoptr (GString) note = g_string_new (BODY "\n");
	g_autoptr (GError) error = NULL;
	g_autoptr (IrCheckpoint) cp = NULL;
	g_autoptr (IrCheckpoint) cp2 = NULL;
	g_autoptr (GString) big = g_string_new ("o\n1\n" ROOT "\n");

	for (guint i = 0; i < 100; i++)
		g_string_append (note, SIGLINE);
	cp = ir_checkpoint_parse (note->str, note->len, &error);
	assert_non_null (cp);
	assert_int_equal (cp->signatures->len, 100);
	g_string_append (note, SIGLINE);
	assert_null (ir_checkpoint_parse (note->str, note->len, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "more than 100 signature lines");
	g_clear_error (&error);

	while (big->len <= 65536)
		g_string_append (big, "extension-line-of-some-length\n");
	g_string_append (big, "\n" SIGLINE);
	assert_null (ir_checkpoint_parse (big->str, big->len, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "more than the 65536 allowed");
	g_clear_error (&error);
	/* just under the limit parses */
	g_string_truncate (big, 0);
	g_string_append (big, "o\n1\n" ROOT "\n");
	while (big->len + 31 + 1 + strlen (SIGLINE) <= 65536)
		g_string_append (big, "extension-line-of-some-length\n");
	g_string_append (big, "\n" SIGLINE);
	cp2 = ir_checkpoint_parse (big->str, big->len, &error);
	assert_non_null (cp2);
}

/* ---- key ids: the signed-note construction and the Go reference key ---- */

/* golang.org/x/mod/sumdb/note's documented example, public parts only:
 * the verifier key "PeterNeumann+c74f20a3+ARpc2QcU...", the text and its
 * published signature line. */
#define GO_VKEY_B64 "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define GO_TEXT                                                                                    \
	"If you think cryptography is the answer to your problem,\nthen you don't know what your " \
	"problem is.\n"
#define GO_SIG_B64                                                                                 \
	"x08go/ZJkuBS9UG/"                                                                         \
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="

static EVP_PKEY *
test_checkpoint_go_public_key (void)
{
	gsize len = 0;
	g_autofree guchar *raw = g_base64_decode (GO_VKEY_B64, &len);
	EVP_PKEY *key;

	assert_int_equal (len, 33);
	assert_int_equal (raw[0], 0x01); /* the Ed25519 type byte */
	key = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, raw + 1, 32);
	assert_non_null (key);
	return key;
}

static void
test_checkpoint_key_id_go_vector (void **state)
{
	static const guint8 want[4] = {0xc7, 0x4f, 0x20, 0xa3};
	g_autoptr (EVP_PKEY) key = test_checkpoint_go_public_key ();
	g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
	g_autoptr (GError) error = NULL;
	g_autofree guchar *blob = NULL;
	gsize blob_len = 0;
	guint8 id[4];

	assert_true (ir_checkpoint_key_id ("PeterNeumann", key, id, &error));
	assert_memory_equal (id, want, 4);

	/* the published line is key id || Ed25519 signature over the text */
	blob = g_base64_decode (GO_SIG_B64, &blob_len);
	assert_int_equal (blob_len, 68);
	assert_memory_equal (blob, want, 4);
	assert_int_equal (EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, key), 1);
	assert_int_equal (
	    EVP_DigestVerify (ctx, blob + 4, 64, (const guint8 *)GO_TEXT, strlen (GO_TEXT)), 1);

	/* another name, another id */
	assert_true (ir_checkpoint_key_id ("PeterNeumann2", key, id, NULL));
	assert_memory_not_equal (id, want, 4);
}

/* the spec's construction, computed here independently */
static void
test_checkpoint_key_id_construction (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	static const char *const names[] = {"imeirestore/centre-1/ws-7", "a", "w\xc3\xadtness"};

	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		guint8 raw[32];
		gsize raw_len = sizeof (raw);
		guint8 digest[32];
		gsize digest_len = sizeof (digest);
		guint8 id[4];

		assert_int_equal (EVP_PKEY_get_raw_public_key (key, raw, &raw_len), 1);
		g_checksum_reset (sum);
		g_checksum_update (sum, (const guchar *)names[i], -1);
		g_checksum_update (sum, (const guchar *)"\n\x01", 2);
		g_checksum_update (sum, raw, 32);
		g_checksum_get_digest (sum, digest, &digest_len);
		assert_true (ir_checkpoint_key_id (names[i], key, id, NULL));
		assert_memory_equal (id, digest, 4);
	}
}

static void
test_checkpoint_key_id_refused (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (EVP_PKEY) ec = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
	static const char *const bad_names[] = {"", "a b", "a+b", "a\nb", "tab\there"};
	guint8 id[4];

	for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++) {
		g_autoptr (GError) error = NULL;

		assert_false (ir_checkpoint_key_id (bad_names[i], key, id, &error));
		test_checkpoint_assert_error (error, IR_ERROR_INVALID_INPUT, "key name");
	}
	{
		g_autoptr (GError) error = NULL;

		assert_non_null (ec);
		assert_false (ir_checkpoint_key_id ("ws", ec, id, &error));
		test_checkpoint_assert_error (error, IR_ERROR_NOT_SUPPORTED, "Ed25519");
	}
}

/* ---- sign, verify, cosign ---- */

static const guint8 test_root[IR_MERKLE_HASH_LEN] = {0x5d, 0xc9, 0xda, 0x79, 0xa7, 0x06};
#define ORIGIN "imeirestore/centre-1/ws-7"

static void
test_checkpoint_sign_verify_round_trip (void **state)
{
	static const guint64 sizes[] = {0, 1, 42, G_MAXUINT64};
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();

	for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree char *note =
		    ir_checkpoint_sign (ORIGIN, sizes[i], test_root, ORIGIN, key, &error);
		g_autoptr (IrCheckpoint) cp = NULL;
		g_autofree char *root_b64 = g_base64_encode (test_root, IR_MERKLE_HASH_LEN);
		g_autofree char *body =
		    g_strdup_printf (ORIGIN "\n%" G_GUINT64_FORMAT "\n%s\n", sizes[i], root_b64);
		const IrNoteSignature *sig;
		guint8 id[4];

		assert_non_null (note);
		assert_true (g_str_has_prefix (note, body));
		assert_true (g_str_has_prefix (note + strlen (body), "\n" DASH ORIGIN " "));
		cp = ir_checkpoint_parse (note, strlen (note), &error);
		assert_non_null (cp);
		assert_string_equal (cp->body, body);
		assert_string_equal (cp->origin, ORIGIN);
		assert_int_equal (cp->size, sizes[i]);
		assert_memory_equal (cp->root, test_root, IR_MERKLE_HASH_LEN);
		assert_int_equal (cp->signatures->len, 1);
		sig = g_ptr_array_index (cp->signatures, 0);
		assert_true (ir_checkpoint_key_id (ORIGIN, key, id, NULL));
		assert_memory_equal (sig->key_id, id, 4);
		assert_int_equal (g_bytes_get_size (sig->signature), 64);
		if (!ir_checkpoint_verify (cp, ORIGIN, key, &error))
			fail_msg ("%s", error->message);
	}
}

/* One signer for many notes (the writer's way: its signing context is set
 * up once and reused): every note verifies, the inline layout's signature
 * line is the one of the whole note (Ed25519 is deterministic), and an
 * origin longer than the writer's stack buffer signs the same way. */
static void
test_checkpoint_signer_reused (void **state)
{
	static const guint64 sizes[] = {1, 0, 42, G_MAXUINT64, 2, 2};
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autofree char *long_origin = g_strnfill (400, 'o');
	const char *origins[] = {ORIGIN, long_origin};

	for (guint o = 0; o < G_N_ELEMENTS (origins); o++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (IrNoteSigner) signer = ir_note_signer_new (origins[o], key, &error);

		assert_non_null (signer);
		for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
			g_autofree char *note = ir_checkpoint_sign_with (
			    origins[o], sizes[i], test_root, signer, &error);
			g_autofree char *want = NULL;
			g_autoptr (GString) line = g_string_new ("{}\n");
			g_autoptr (IrCheckpoint) cp = NULL;

			assert_non_null (note);
			cp = ir_checkpoint_parse (note, strlen (note), &error);
			assert_non_null (cp);
			if (!ir_checkpoint_verify (cp, origins[o], key, &error))
				fail_msg (
				    "size %" G_GUINT64_FORMAT ": %s", sizes[i], error->message);
			assert_true (ir_log_sigline_append_signed (
			    signer, origins[o], sizes[i], test_root, line, &error));
			want = ir_log_sigline_from_note (note);
			assert_string_equal (line->str + 3, want);
			if (!ir_log_sigline_verify (origins[o],
						    sizes[i],
						    test_root,
						    line->str + 3,
						    line->len - 4,
						    origins[o],
						    key,
						    &error))
				fail_msg ("sigline, size %" G_GUINT64_FORMAT ": %s",
					  sizes[i],
					  error->message);
		}
	}
}

static void
test_checkpoint_verify_wrong_key_and_name (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (EVP_PKEY) other = test_checkpoint_new_ed25519 ();
	g_autoptr (GError) error = NULL;
	g_autofree char *note = ir_checkpoint_sign (ORIGIN, 7, test_root, ORIGIN, key, NULL);
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (note, strlen (note), NULL);
	IrNoteSignature *sig;
	guint8 *raw;

	assert_non_null (cp);
	assert_false (ir_checkpoint_verify (cp, ORIGIN, other, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "has no signature by " ORIGIN);
	g_clear_error (&error);
	assert_false (ir_checkpoint_verify (cp, "imeirestore/centre-1/ws-8", key, &error));
	test_checkpoint_assert_error (
	    error, IR_ERROR_TAMPERED, "has no signature by imeirestore/centre-1/ws-8");
	g_clear_error (&error);

	/* right name and key id, altered signature bytes */
	sig = g_ptr_array_index (cp->signatures, 0);
	raw = g_bytes_unref_to_data (sig->signature, &(gsize){0});
	raw[10] ^= 0x40;
	sig->signature = g_bytes_new_take (raw, 64);
	assert_false (ir_checkpoint_verify (cp, ORIGIN, key, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "does not verify");
}

/* Every single-byte change anywhere in the note, and every deleted byte,
 * is either refused by the parser or fails verification. */
static void
test_checkpoint_tampered_every_byte (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autofree char *note = ir_checkpoint_sign (ORIGIN, 1234567, test_root, ORIGIN, key, NULL);
	gsize len = strlen (note);
	static const guint8 flips[] = {0x01, 0x02, 0x20, 0x80};
	guint parse_refused = 0;
	guint verify_refused = 0;

	assert_non_null (note);
	for (gsize i = 0; i < len; i++) {
		for (guint f = 0; f <= G_N_ELEMENTS (flips); f++) {
			g_autofree char *copy = g_strdup (note);
			gsize copy_len = len;
			g_autoptr (GError) error = NULL;
			g_autoptr (IrCheckpoint) cp = NULL;

			if (f < G_N_ELEMENTS (flips)) {
				copy[i] = (char)((guint8)copy[i] ^ flips[f]);
				if (copy[i] == '\0')
					continue;
			} else {
				memmove (copy + i, copy + i + 1, len - i);
				copy_len--;
			}
			cp = ir_checkpoint_parse (copy, copy_len, &error);
			if (cp == NULL) {
				test_checkpoint_assert_error (
				    error, IR_ERROR_TAMPERED, "malformed");
				parse_refused++;
				continue;
			}
			if (ir_checkpoint_verify (cp, ORIGIN, key, &error))
				fail_msg (
				    "byte %" G_GSIZE_FORMAT " changed (%u), still verifies", i, f);
			test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, NULL);
			verify_refused++;
		}
	}
	/* both paths were exercised */
	assert_true (parse_refused > 0 && verify_refused > 0);
}

static void
test_checkpoint_cosign (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (EVP_PKEY) witness = test_checkpoint_new_ed25519 ();
	g_autoptr (EVP_PKEY) stranger = test_checkpoint_new_ed25519 ();
	g_autoptr (GError) error = NULL;
	g_autofree char *note = ir_checkpoint_sign (ORIGIN, 9, test_root, ORIGIN, key, NULL);
	g_autofree char *cosigned =
	    ir_checkpoint_cosign (note, "brand.example/witness", witness, &error);
	g_autoptr (IrCheckpoint) cp = NULL;

	assert_non_null (cosigned);
	/* the workstation's note stays byte for byte, the witness line goes last */
	assert_true (g_str_has_prefix (cosigned, note));
	assert_true (g_str_has_prefix (cosigned + strlen (note), DASH "brand.example/witness "));
	cp = ir_checkpoint_parse (cosigned, strlen (cosigned), &error);
	assert_non_null (cp);
	assert_int_equal (cp->signatures->len, 2);
	assert_true (ir_checkpoint_verify (cp, ORIGIN, key, NULL));
	assert_true (ir_checkpoint_verify (cp, "brand.example/witness", witness, NULL));
	/* the witness name with another key is not the witness */
	assert_false (ir_checkpoint_verify (cp, "brand.example/witness", stranger, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "no signature");
	g_clear_error (&error);

	/* malformed notes and bad names are refused, nothing signed */
	assert_null (ir_checkpoint_cosign ("garbage\n", "w", witness, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "cannot cosign as w");
	g_clear_error (&error);
	assert_null (ir_checkpoint_cosign (note, "bad name", witness, &error));
	test_checkpoint_assert_error (error, IR_ERROR_INVALID_INPUT, "key name");
}

/* Lines by unknown names, or by the right name with another key id, are
 * kept and never trusted; a good line verifies wherever it stands. */
static void
test_checkpoint_unknown_lines_not_trusted (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (GError) error = NULL;
	g_autofree char *root_b64 = g_base64_encode (test_root, IR_MERKLE_HASH_LEN);
	g_autofree char *forged = g_strdup_printf (
	    ORIGIN "\n5\n%s\n\n" DASH ORIGIN " " SIG "\n" DASH "evil " SIG "\n", root_b64);
	g_autoptr (IrCheckpoint) cp = ir_checkpoint_parse (forged, strlen (forged), &error);
	g_autofree char *good = ir_checkpoint_sign (ORIGIN, 5, test_root, ORIGIN, key, NULL);
	g_autofree char *mixed = NULL;
	g_autoptr (IrCheckpoint) cp_mixed = NULL;

	assert_non_null (cp);
	assert_int_equal (cp->signatures->len, 2);
	assert_false (ir_checkpoint_verify (cp, ORIGIN, key, &error));
	test_checkpoint_assert_error (error, IR_ERROR_TAMPERED, "no signature by " ORIGIN);

	/* an unknown line first, then the real one */
	mixed = g_strdup_printf ("%.*s" DASH "evil " SIG "\n%s",
				 (int)(strstr (good, "\n\n") - good + 2),
				 good,
				 strstr (good, "\n\n") + 2);
	cp_mixed = ir_checkpoint_parse (mixed, strlen (mixed), NULL);
	assert_non_null (cp_mixed);
	assert_int_equal (cp_mixed->signatures->len, 2);
	assert_true (ir_checkpoint_verify (cp_mixed, ORIGIN, key, NULL));
}

static void
test_checkpoint_sign_refused (void **state)
{
	g_autoptr (EVP_PKEY) key = test_checkpoint_new_ed25519 ();
	g_autoptr (EVP_PKEY) ec = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
	static const char *const bad_origins[] = {"", " o", "o ", "a\nb", "\xff"};

	for (guint i = 0; i < G_N_ELEMENTS (bad_origins); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree char *note =
		    ir_checkpoint_sign (bad_origins[i], 1, test_root, "k", key, &error);

		assert_null (note);
		test_checkpoint_assert_error (error, IR_ERROR_INVALID_INPUT, "origin");
	}
	{
		g_autoptr (GError) error = NULL;
		g_autofree char *note =
		    ir_checkpoint_sign (ORIGIN, 1, test_root, ORIGIN, ec, &error);

		assert_null (note);
		test_checkpoint_assert_error (error, IR_ERROR_NOT_SUPPORTED, "Ed25519");
	}
	{
		g_autoptr (GError) error = NULL;
		g_autofree char *note =
		    ir_checkpoint_sign (ORIGIN, 1, test_root, "a+b", key, &error);

		assert_null (note);
		test_checkpoint_assert_error (error, IR_ERROR_INVALID_INPUT, "key name");
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_checkpoint_parse_table),
	    cmocka_unit_test (test_checkpoint_parse_fields),
	    cmocka_unit_test (test_checkpoint_parse_limits),
	    cmocka_unit_test (test_checkpoint_key_id_go_vector),
	    cmocka_unit_test (test_checkpoint_key_id_construction),
	    cmocka_unit_test (test_checkpoint_key_id_refused),
	    cmocka_unit_test (test_checkpoint_sign_verify_round_trip),
	    cmocka_unit_test (test_checkpoint_signer_reused),
	    cmocka_unit_test (test_checkpoint_verify_wrong_key_and_name),
	    cmocka_unit_test (test_checkpoint_tampered_every_byte),
	    cmocka_unit_test (test_checkpoint_cosign),
	    cmocka_unit_test (test_checkpoint_unknown_lines_not_trusted),
	    cmocka_unit_test (test_checkpoint_sign_refused),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
