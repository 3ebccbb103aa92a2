/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/pem.h>
#include <string.h>

#include "ir-checkpoint.h"
#include "ir-error.h"
#include "ir-merkle.h"
#include "ir-migration-log.h"
#include "ir-workstation-key.h"
#include "test-audit-common.h"

EVP_PKEY *
test_audit_common_keygen (void)
{
	return EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
}

gboolean
test_audit_common_write_public_key (EVP_PKEY *key, const char *path, GError **error)
{
	BIO *bio = BIO_new (BIO_s_mem ());
	char *data = NULL;
	long len;
	gboolean ok;

	PEM_write_bio_PUBKEY (bio, key);
	len = BIO_get_mem_data (bio, &data);
	ok = g_file_set_contents (path, data, len, error);
	BIO_free (bio);
	return ok;
}

static JsonObject *
test_audit_common_slots (JsonObject *obj, const char *name, const char *a, const char *b)
{
	JsonArray *array = json_array_new ();

	if (a != NULL)
		json_array_add_string_element (array, a);
	else
		json_array_add_null_element (array);
	if (b != NULL)
		json_array_add_string_element (array, b);
	json_object_set_array_member (obj, name, array);
	return obj;
}

static gboolean
test_audit_common_append_intent (IrMigrationLog *log,
				 const char *id,
				 const char *tech,
				 const char *centre,
				 const char *phase,
				 const char *before[2],
				 const char *target[2],
				 GError **error)
{
	g_autoptr (JsonObject) o = json_object_new ();
	JsonObject *phone = json_object_new ();
	g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);

	json_object_set_string_member (o, "intent_id", id);
	json_object_set_string_member (o, "technician", tech);
	json_object_set_string_member (o, "centre", centre);
	json_object_set_string_member (o, "workstation", "ws-1");
	json_object_set_string_member (phone, "port", "/dev/ttyUSB0");
	json_object_set_string_member (phone, "manufacturer", "MediaTek");
	json_object_set_string_member (phone, "model", "MT6765");
	json_object_set_string_member (phone, "serial", id + 24);
	json_object_set_null_member (phone, "hardware_id");
	json_object_set_string_member (phone, "family", "mediatek");
	json_object_set_object_member (o, "phone", phone);
	test_audit_common_slots (o, "imeis_before", before[0], before[1]);
	test_audit_common_slots (o, "imeis_target", target[0], target[1]);
	json_object_set_string_member (o, "token_id", id);
	json_object_set_string_member (o, "token_sha256", sha);
	json_object_set_string_member (o, "phase", phase);
	return ir_migration_log_append (log, IR_LOG_RECORD_INTENT, o, NULL, error);
}

static gboolean
test_audit_common_append_result (IrMigrationLog *log,
				 const char *id,
				 const char *outcome,
				 const char *reason,
				 const char *back[2],
				 GError **error)
{
	g_autoptr (JsonObject) o = json_object_new ();

	json_object_set_string_member (o, "intent_id", id);
	json_object_set_string_member (o, "outcome", outcome);
	if (reason != NULL)
		json_object_set_string_member (o, "reason", reason);
	test_audit_common_slots (o, "imeis_read_back", back[0], back[1]);
	return ir_migration_log_append (log, IR_LOG_RECORD_RESULT, o, NULL, error);
}

#define I1 "11111111111111111111111111111111"
#define I2 "22222222222222222222222222222222"
#define I3 "33333333333333333333333333333333"
#define I4 "44444444444444444444444444444444"
#define Z  "000000000000000"

gboolean
test_audit_common_write_log (const char *dir, EVP_PKEY *key, GError **error)
{
	g_autoptr (IrMigrationLog) log =
	    ir_migration_log_open_layout (dir,
					  IR_TEST_AUDIT_ORIGIN,
					  IR_TEST_AUDIT_ORIGIN,
					  key,
					  IR_MIGRATION_LOG_LAYOUT_NOTES,
					  error);
	g_autoptr (JsonObject) start = json_object_new ();
	const char *z2[2] = {Z, Z};
	const char *ab[2] = {"490154203237518", "260531793113837"};
	const char *c[2] = {"356938035643809", NULL};
	const char *d[2] = {"352099001761481", NULL};
	const char *z1[2] = {Z, NULL};
	const char *e[2] = {"353456789012348", NULL};
	const char *f[2] = {"867230030123454", NULL};
	g_autofree char *public_key = NULL;

	if (log == NULL)
		return FALSE;
	json_object_set_string_member (start, "software", "imeirestore 0.1.0");
	json_object_set_string_member (start, "workstation", "ws-1");
	/* as imeictl restore writes it: the START announces the key */
	public_key = ir_workstation_key_public_base64 (key, error);
	if (public_key == NULL)
		return FALSE;
	json_object_set_string_member (start, "public_key", public_key);
	return ir_migration_log_append (log, IR_LOG_RECORD_START, start, NULL, error) &&
	       test_audit_common_append_intent (
		   log, I1, "tech-anita", "centre-delhi", "phase-1", z2, ab, error) &&
	       test_audit_common_append_result (log, I1, "success", NULL, ab, error) &&
	       test_audit_common_append_intent (
		   log, I2, "tech-bala", "centre-delhi", "phase-1", c, d, error) &&
	       test_audit_common_append_result (
		   log, I2, "failed", "the phone said \"ERROR\", twice", c, error) &&
	       test_audit_common_append_intent (
		   log, I3, "tech-anita", "centre-mumbai", "phase-2", z1, e, error) &&
	       test_audit_common_append_result (log, I3, "success", NULL, e, error) &&
	       test_audit_common_append_intent (
		   log, I4, "tech-bala", "centre-mumbai", "phase-2", z1, f, error);
}

GPtrArray *
test_audit_common_read_lines (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autofree char *text = NULL;
	g_auto (GStrv) parts = NULL;
	GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	parts = g_strsplit (text, "\n", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_ptr_array_add (lines, g_strdup (parts[i]));
	}
	return lines;
}

void
test_audit_common_write_lines (const char *dir, GPtrArray *lines)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.jsonl", NULL);
	g_autoptr (GString) text = g_string_new (NULL);

	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf (text, "%s\n", (const char *)g_ptr_array_index (lines, i));
	g_assert_true (g_file_set_contents (path, text->str, (gssize)text->len, NULL));
}

void
test_audit_common_resign (const char *dir, EVP_PKEY *key, const char *key_name)
{
	g_autoptr (GPtrArray) lines = test_audit_common_read_lines (dir);
	g_autoptr (IrMerkleTree) tree = ir_merkle_tree_new ();
	g_autoptr (GString) text = g_string_new (NULL);
	g_autofree char *path = g_build_filename (dir, "migration-log.checkpoints", NULL);

	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);
		guint8 root[IR_MERKLE_HASH_LEN];
		g_autofree char *note = NULL;

		ir_merkle_tree_append (tree, (const guint8 *)line, strlen (line));
		g_assert_true (ir_merkle_tree_root (tree, i + 1, root, NULL));
		note = ir_checkpoint_sign (IR_TEST_AUDIT_ORIGIN, i + 1, root, key_name, key, NULL);
		g_assert (note != NULL);
		g_string_append_printf (text, "%s\n", note);
	}
	g_assert_true (g_file_set_contents (path, text->str, (gssize)text->len, NULL));
}

char *
test_audit_common_last_note (const char *dir)
{
	g_autofree char *path = g_build_filename (dir, "migration-log.checkpoints", NULL);
	g_autofree char *text = NULL;
	const char *start;
	gsize len;

	g_assert_true (g_file_get_contents (path, &text, &len, NULL));
	/* notes are separated by "\n\n" after their signature lines: the last
	 * note starts after the last blank line that follows a signature */
	g_assert (len > 2 && text[len - 1] == '\n' && text[len - 2] == '\n');
	text[len - 1] = '\0';
	start = text;
	for (const char *p = text; (p = strstr (p, "\n\n")) != NULL; p += 2) {
		/* a body ends with "\n\n" too: a note starts after a line of "— " */
		const char *line_start = p;
		while (line_start > text && line_start[-1] != '\n')
			line_start--;
		if (g_str_has_prefix (line_start, "\u2014 "))
			start = p + 2;
	}
	return g_strdup (start);
}
