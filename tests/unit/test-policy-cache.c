/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <openssl/x509.h>

#include "ir-error.h"
#include "ir-policy-cache.h"
#include "ir-signed-note.h"
#include "ir-openssl-autoptr.h"

/* The workstation's policy cache: a policy verified against the pinned
 * key is kept and survives a restart; an older, an expired, a foreign, a
 * tampered one, or the same version with other content, is refused and
 * the cache keeps what it had; a cached file changed on disk is
 * refused; eligibility uses the server's kill switch and today's usage. */

#define NAME "brand.example/policy"

typedef struct {
	char *dir;
	EVP_PKEY *key;
	EVP_PKEY *other;
	IrTrustStore *trust;
} Fixture;

static char *
test_policy_cache_public_b64 (EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY (key, &der);
	char *b64 = g_base64_encode (der, (gsize)len);

	OPENSSL_free (der);
	return b64;
}

static int
test_policy_cache_setup (void **state)
{
	Fixture *f = g_new0 (Fixture, 1);
	g_autofree char *ca = g_build_filename (
	    g_getenv ("IR_SRCDIR"), "tests", "data", "token", "brand-ca.pem", NULL);
	g_autofree char *pub = NULL;
	g_autofree char *text = NULL;
	g_autoptr (EVP_PKEY) token = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autofree char *token_b64 = test_policy_cache_public_b64 (token);

	f->dir = g_dir_make_tmp ("policy-cache-XXXXXX", NULL);
	f->key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	f->other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	pub = test_policy_cache_public_b64 (f->key);
	text = g_strdup_printf (
	    "[trust-store]\nversion=1\nbrand-ca=%s\n"
	    "server-pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	    "issuer=iss\naudience=aud\n[token-key k]\nalgorithm=EdDSA\npublic-key=%s\n"
	    "[policy-key " NAME "]\npublic-key=%s\n",
	    ca,
	    token_b64,
	    pub);
	f->trust = ir_trust_store_new_from_data (text, strlen (text), NULL, "test", NULL);
	assert_non_null (f->trust);
	*state = f;
	return 0;
}

static int
test_policy_cache_teardown (void **state)
{
	Fixture *f = *state;
	g_autofree char *path = g_build_filename (f->dir, IR_POLICY_CACHE_FILE, NULL);

	g_unlink (path);
	g_rmdir (f->dir);
	g_free (f->dir);
	EVP_PKEY_free (f->key);
	EVP_PKEY_free (f->other);
	ir_trust_store_unref (f->trust);
	g_free (f);
	return 0;
}

/* A GET /v1/policy answer for a policy of @version expiring at @expires,
 * whose one phase p1 covers TAC 3512 with a centre cap of 2. */
static JsonObject *
test_policy_cache_answer (EVP_PKEY *key,
			  gint64 version,
			  const char *expires,
			  const char *title,
			  const char *paused,
			  guint centre_used)
{
	g_autofree char *json = g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": %" G_GINT64_FORMAT ","
	    " \"issued\": \"2026-01-01T00:00:00+05:30\", \"expires\": \"%s\","
	    " \"centres\": {\"DL-0001\": \"DL\"},"
	    " \"phases\": [{\"id\": \"p1\", \"title\": \"%s\", \"state\": \"active\","
	    " \"window\": {\"start\": \"2026-12-01\", \"end\": \"2026-12-31\"},"
	    " \"eligibility\": {\"tac_prefixes\": [\"3512\"]},"
	    " \"centre_daily_cap\": 2, \"national_daily_cap\": 10}]}\n",
	    version,
	    expires,
	    title);
	g_autofree char *note = ir_signed_note_sign (json, NAME, key, NULL);
	JsonObject *obj = json_object_new ();
	JsonArray *p = json_array_new ();
	JsonArray *usage = json_array_new ();
	JsonObject *u = json_object_new ();

	assert_non_null (note);
	json_object_set_int_member (obj, "version", version);
	json_object_set_string_member (obj, "policy", note);
	if (paused != NULL)
		json_array_add_string_element (p, paused);
	json_object_set_array_member (obj, "paused", p);
	json_object_set_string_member (u, "phase", "p1");
	json_object_set_string_member (u, "day", "2026-12-05");
	json_object_set_int_member (u, "centre_issued", centre_used);
	json_object_set_int_member (u, "national_issued", centre_used);
	json_array_add_object_element (usage, u);
	json_object_set_array_member (obj, "usage", usage);
	return obj;
}

static GDateTime *
test_policy_cache_at (const char *iso)
{
	return g_date_time_new_from_iso8601 (iso, NULL);
}

#define FUTURE "2027-06-30T00:00:00+05:30"

static void
test_policy_cache_refusals (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrPolicyCache) cache = ir_policy_cache_new (f->dir, f->trust);
	g_autoptr (GDateTime) now = test_policy_cache_at ("2026-12-05T12:00:00+05:30");
	g_autoptr (JsonObject) v2 = test_policy_cache_answer (f->key, 2, FUTURE, "Two", NULL, 0);
	g_autoptr (JsonObject) v1 = test_policy_cache_answer (f->key, 1, FUTURE, "One", NULL, 0);
	g_autoptr (JsonObject) v2b =
	    test_policy_cache_answer (f->key, 2, FUTURE, "Two again", NULL, 0);
	g_autoptr (JsonObject) v3_expired =
	    test_policy_cache_answer (f->key, 3, "2026-12-05T00:00:00+05:30", "Three", NULL, 0);
	g_autoptr (JsonObject) v4_foreign =
	    test_policy_cache_answer (f->other, 4, FUTURE, "Four", NULL, 0);
	g_autoptr (GError) error = NULL;

	assert_true (ir_policy_cache_load (cache, &error));
	assert_null (ir_policy_cache_get_policy (cache));
	assert_true (ir_policy_cache_update (cache, v2, now, &error));
	assert_int_equal (ir_policy_cache_get_policy (cache)->version, 2);
	/* the same answer again is fine */
	assert_true (ir_policy_cache_update (cache, v2, now, &error));

	assert_false (ir_policy_cache_update (cache, v1, now, &error));
	assert_non_null (
	    strstr (error->message, "version 1 is older than version 2 already accepted"));
	g_clear_error (&error);
	assert_false (ir_policy_cache_update (cache, v2b, now, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED));
	g_clear_error (&error);
	assert_false (ir_policy_cache_update (cache, v3_expired, now, &error));
	assert_non_null (strstr (error->message, "expired at 2026-12-05 00:00 IST (Asia/Kolkata)"));
	g_clear_error (&error);
	assert_false (ir_policy_cache_update (cache, v4_foreign, now, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED));
	g_clear_error (&error);
	/* a changed number in the note */
	{
		g_autoptr (JsonObject) v5 =
		    test_policy_cache_answer (f->key, 5, FUTURE, "Five", NULL, 0);
		g_autofree char *note = g_strdup (json_object_get_string_member (v5, "policy"));
		char *cap = strstr (note, "\"centre_daily_cap\": 2");

		cap[strlen ("\"centre_daily_cap\": ")] = '7';
		json_object_set_string_member (v5, "policy", note);
		assert_false (ir_policy_cache_update (cache, v5, now, &error));
		assert_non_null (strstr (error->message, "does not verify"));
		g_clear_error (&error);
	}
	/* every refusal kept version 2, on disk too */
	assert_int_equal (ir_policy_cache_get_policy (cache)->version, 2);
	{
		g_autoptr (IrPolicyCache) again = ir_policy_cache_new (f->dir, f->trust);
		assert_true (ir_policy_cache_load (again, &error));
		assert_int_equal (ir_policy_cache_get_policy (again)->version, 2);
		assert_string_equal (
		    ir_policy_find_phase (ir_policy_cache_get_policy (again), "p1")->title, "Two");
	}
}

static void
test_policy_cache_tampered_file (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrPolicyCache) cache = ir_policy_cache_new (f->dir, f->trust);
	g_autoptr (GDateTime) now = test_policy_cache_at ("2026-12-05T12:00:00+05:30");
	g_autoptr (JsonObject) v2 = test_policy_cache_answer (f->key, 2, FUTURE, "Two", NULL, 0);
	g_autofree char *path = g_build_filename (f->dir, IR_POLICY_CACHE_FILE, NULL);
	g_autofree char *text = NULL;
	g_autoptr (GString) s = NULL;
	g_autoptr (GError) error = NULL;

	assert_true (ir_policy_cache_update (cache, v2, now, &error));
	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	s = g_string_new (text);
	/* "centre_daily_cap\": 2" inside the JSON string of the note */
	assert_true (
	    g_string_replace (s, "centre_daily_cap\\\": 2", "centre_daily_cap\\\": 9", 1) == 1);
	assert_true (g_file_set_contents (path, s->str, -1, NULL));
	assert_false (ir_policy_cache_load (cache, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED));
	assert_null (ir_policy_cache_get_policy (cache));
}

static void
test_policy_cache_eligibility (void **state)
{
	Fixture *f = *state;
	g_autoptr (IrPolicyCache) cache = ir_policy_cache_new (f->dir, f->trust);
	g_autoptr (GDateTime) today = test_policy_cache_at ("2026-12-05T12:00:00+05:30");
	g_autoptr (GDateTime) tomorrow = test_policy_cache_at ("2026-12-06T00:00:00+05:30");
	IrPolicyPhone phone = {.tac = "35120000", .model = "X", .centre = "DL-0001"};
	g_autoptr (GError) error = NULL;

	assert_null (ir_policy_cache_check (cache, &phone, today));
	{
		/* today's usage: the centre used its cap of 2 */
		g_autoptr (JsonObject) used =
		    test_policy_cache_answer (f->key, 2, FUTURE, "Two", NULL, 2);
		g_autoptr (IrEligibility) now = NULL;
		g_autoptr (IrEligibility) next = NULL;

		assert_true (ir_policy_cache_update (cache, used, today, &error));
		now = ir_policy_cache_check (cache, &phone, today);
		next = ir_policy_cache_check (cache, &phone, tomorrow);
		assert_int_equal (now->reason, IR_NOT_ELIGIBLE_CENTRE_CAP);
		assert_non_null (strstr (now->sentence, "reopens at 2026-12-06 00:00 IST"));
		/* yesterday's counts do not close today */
		assert_int_equal (next->reason, IR_ELIGIBLE);
	}
	{
		g_autoptr (JsonObject) paused =
		    test_policy_cache_answer (f->key, 3, FUTURE, "Three", "p1", 0);
		g_autoptr (IrEligibility) elig = NULL;

		assert_true (ir_policy_cache_update (cache, paused, today, &error));
		elig = ir_policy_cache_check (cache, &phone, today);
		assert_int_equal (elig->reason, IR_NOT_ELIGIBLE_PAUSED);
		assert_string_equal (ir_policy_cache_get_paused (cache)[0], "p1");
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (
		test_policy_cache_refusals, test_policy_cache_setup, test_policy_cache_teardown),
	    cmocka_unit_test_setup_teardown (test_policy_cache_tampered_file,
					     test_policy_cache_setup,
					     test_policy_cache_teardown),
	    cmocka_unit_test_setup_teardown (
		test_policy_cache_eligibility, test_policy_cache_setup, test_policy_cache_teardown),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
