/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ir-error.h"
#include "ir-eligibility.h"
#include "ir-policy.h"
#include "ir-signed-note.h"
#include "ir-openssl-autoptr.h"

/* The rollout policy parser and the eligibility decision: a table of good
 * and malformed documents, signing, freshness, and the eligibility matrix
 * (phase × TAC × model × circle × state × window edges in Asia/Kolkata and
 * across a daylight-saving change). */

#define GOOD                                                                                       \
	"{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 3,"                           \
	" \"issued\": \"2026-11-20T10:00:00+05:30\", \"expires\": \"2027-06-30T00:00:00+05:30\","  \
	" \"centres\": {\"DL-0001\": \"DL\"},"                                                     \
	" \"phases\": [{\"id\": \"p1\", \"title\": \"One\", \"state\": \"active\","                \
	" \"window\": {\"start\": \"2026-12-01\", \"end\": \"2026-12-31\"},"                       \
	" \"eligibility\": {\"tac_prefixes\": [\"3512\"], \"models\": [\"X1\"]},"                  \
	" \"centre_daily_cap\": 2, \"national_daily_cap\": 3}]}"

typedef struct {
	const char *name;
	const char *find; /* replaced in GOOD; NULL: GOOD as is */
	const char *replace;
	const char *error_part; /* NULL: parses */
} ParseRow;

static const ParseRow parse_rows[] = {
    {"good", NULL, NULL, NULL},
    {"no time zone: Asia/Kolkata",
     "\"centres\"",
     "\"time_zone\": \"Asia/Kolkata\", \"centres\"",
     NULL},
    {"other zone", "\"centres\"", "\"time_zone\": \"Europe/Berlin\", \"centres\"", NULL},
    {"block cap", "\"centres\"", "\"national_block_cap\": 300, \"centres\"", NULL},
    {"empty lists mean any", "[\"3512\"]", "[]", NULL},
    {"no phases", "[{\"id\"", "[], \"x\": [{\"id\"", "unknown member \"x\""},
    {"not JSON", "{\"format\"", "{format", "not JSON"},
    {"an array", "{\"format\"", "[{\"format\"", "not JSON"},
    {"wrong format", "policy/1", "policy/2", "\"format\" is"},
    {"version zero", "\"version\": 3", "\"version\": 0", "\"version\" must be a whole number"},
    {"version string", "\"version\": 3", "\"version\": \"3\"", "\"version\" must be"},
    {"version fraction", "\"version\": 3", "\"version\": 3.5", "\"version\" must be"},
    {"no version", "\"version\": 3,", "", "\"version\" is missing"},
    {"issued without offset", "2026-11-20T10:00:00+05:30", "2026-11-20T10:00:00", "\"issued\" is"},
    {"issued a date", "2026-11-20T10:00:00+05:30", "2026-11-20", "\"issued\" is"},
    {"expires before issued",
     "2027-06-30T00:00:00+05:30",
     "2026-01-01T00:00:00Z",
     "\"expires\" is not after"},
    {"unknown zone",
     "\"centres\"",
     "\"time_zone\": \"Asia/Nowhere\", \"centres\"",
     "is not a time zone"},
    {"unknown member", "\"centres\"", "\"circle\": 1, \"centres\"", "unknown member \"circle\""},
    {"centre bad circle", "\"DL\"}", "\"D L\"}", "\"centres\": \"DL-0001\""},
    {"centre circle number", "\"DL\"}", "7}", "\"centres\""},
    {"phase unknown member",
     "\"title\": \"One\"",
     "\"title\": \"One\", \"cap\": 1",
     "phase p1: unknown member \"cap\""},
    {"phase bad id", "\"id\": \"p1\"", "\"id\": \"p 1\"", "\"id\" \"p 1\""},
    {"phase no title", "\"title\": \"One\",", "", "\"title\" is missing"},
    {"bad state", "\"active\"", "\"open\"", "\"state\" is \"open\""},
    {"bad start", "2026-12-01", "2026-12-32", "\"start\" is"},
    {"start not padded", "2026-12-01", "2026-12-1", "\"start\" is"},
    {"start with time", "2026-12-01", "2026-12-01T00", "\"start\" is"},
    {"end before start", "2026-12-31", "2026-11-30", "\"end\" 2026-11-30 is before"},
    {"window member",
     "\"end\": \"2026-12-31\"",
     "\"end\": \"2026-12-31\", \"zone\": \"UTC\"",
     "unknown member \"zone\""},
    {"eligibility typo", "\"models\"", "\"model\"", "unknown member \"model\""},
    {"TAC prefix letters", "\"3512\"", "\"35AB\"", "\"tac_prefixes\"[0] is not 1 to 8 digits"},
    {"TAC prefix too long", "\"3512\"", "\"351234567\"", "\"tac_prefixes\"[0]"},
    {"TAC twice", "[\"3512\"]", "[\"3512\", \"3512\"]", "lists \"3512\" twice"},
    {"models not array", "[\"X1\"]", "\"X1\"", "\"models\" must be an array"},
    {"model number", "[\"X1\"]", "[1]", "\"models\"[0] is not"},
    {"negative cap",
     "\"centre_daily_cap\": 2",
     "\"centre_daily_cap\": -1",
     "\"centre_daily_cap\" must be"},
    {"no national cap", ", \"national_daily_cap\": 3", "", "\"national_daily_cap\" is missing"},
    {"duplicate phase",
     "}]}",
     "}, {\"id\": \"p1\", \"title\": \"Two\", \"state\": \"active\", \"window\": {\"start\": "
     "\"2026-12-01\", \"end\": \"2026-12-31\"}, \"eligibility\": {}, \"centre_daily_cap\": 2, "
     "\"national_daily_cap\": 3}]}",
     "phase id \"p1\" is used twice"},
    {"phase not object", "[{\"id\"", "[7, {\"id\"", "phases[0] must be an object"},
    {"block cap negative",
     "\"centres\"",
     "\"national_block_cap\": -5, \"centres\"",
     "\"national_block_cap\""},
};

static char *
test_policy_make_doc (const ParseRow *row)
{
	GString *s = g_string_new (GOOD);

	if (row->find != NULL)
		g_assert_cmpuint (g_string_replace (s, row->find, row->replace, 1), ==, 1);
	return g_string_free (s, FALSE);
}

static void
test_policy_parse_table (void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++) {
		const ParseRow *row = &parse_rows[i];
		g_autofree char *doc = test_policy_make_doc (row);
		g_autoptr (GError) error = NULL;
		g_autoptr (IrPolicy) policy = ir_policy_parse (doc, strlen (doc), &error);

		if (row->error_part == NULL) {
			if (policy == NULL)
				fail_msg ("row \"%s\": %s", row->name, error->message);
			continue;
		}
		if (policy != NULL)
			fail_msg ("row \"%s\" parsed, expected \"%s\"", row->name, row->error_part);
		if (!g_error_matches (error, IR_ERROR, IR_ERROR_INVALID_INPUT) ||
		    strstr (error->message, row->error_part) == NULL)
			fail_msg ("row \"%s\": \"%s\" does not say \"%s\"",
				  row->name,
				  error->message,
				  row->error_part);
	}
}

static IrPolicy *
test_policy_load_example (void)
{
	g_autofree char *path = g_build_filename (
	    g_getenv ("IR_SRCDIR"), "tests", "data", "policy", "example-policy.json", NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr (GError) error = NULL;
	IrPolicy *policy;

	assert_true (g_file_get_contents (path, &text, &len, NULL));
	policy = ir_policy_parse (text, len, &error);
	if (policy == NULL)
		fail_msg ("%s: %s", path, error->message);
	return policy;
}

static void
test_policy_fields (void **state)
{
	g_autoptr (IrPolicy) policy = test_policy_load_example ();
	const IrPolicyPhase *p1 = ir_policy_find_phase (policy, "p1");
	g_autofree char *opens = NULL;
	g_autofree char *closes = NULL;

	assert_int_equal (policy->version, 7);
	assert_string_equal (policy->time_zone_id, "Asia/Kolkata");
	assert_int_equal (policy->national_block_cap, 500);
	assert_int_equal (policy->phases->len, 5);
	assert_string_equal (ir_policy_centre_circle (policy, "MH-0002"), "MH");
	assert_null (ir_policy_centre_circle (policy, "XX-9999"));
	assert_non_null (p1);
	/* the window is local midnight to local midnight */
	opens = g_date_time_format_iso8601 (p1->opens);
	closes = g_date_time_format_iso8601 (p1->closes);
	assert_string_equal (opens, "2026-12-01T00:00:00+05:30");
	assert_string_equal (closes, "2027-01-01T00:00:00+05:30");
	assert_int_equal (p1->centre_daily_cap, 2);
	assert_int_equal (p1->national_daily_cap, 3);
	assert_string_equal (p1->models[1], "x2");
	assert_null (ir_policy_find_phase (policy, "p9"));
}

static void
test_policy_note (void **state)
{
	g_autoptr (EVP_PKEY) key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autoptr (EVP_PKEY) other = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
	g_autofree char *body = g_strconcat (GOOD, "\n", NULL);
	g_autofree char *note = NULL;
	g_autoptr (IrPolicy) policy = NULL;
	g_autoptr (IrPolicy) tampered = NULL;
	g_autoptr (GError) error = NULL;
	char *digit;

	note = ir_signed_note_sign (body, "brand.example/policy", key, &error);
	assert_non_null (note);
	policy = ir_policy_parse_note (note, strlen (note), &error);
	assert_non_null (policy);
	assert_true (ir_policy_verify (policy, "brand.example/policy", key, &error));
	assert_false (ir_policy_verify (policy, "brand.example/policy", other, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED));
	g_clear_error (&error);
	/* one changed number: the cap of 2 becomes 9 */
	digit = strstr (note, "\"centre_daily_cap\": 2") + strlen ("\"centre_daily_cap\": ");
	*digit = '9';
	tampered = ir_policy_parse_note (note, strlen (note), &error);
	assert_non_null (tampered);
	assert_int_equal (ir_policy_find_phase (tampered, "p1")->centre_daily_cap, 9);
	assert_false (ir_policy_verify (tampered, "brand.example/policy", key, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_TAMPERED));
	assert_non_null (strstr (error->message, "does not verify"));
	g_clear_error (&error);
	/* an unsigned document is not a note */
	assert_null (ir_policy_parse_note (body, strlen (body), &error));
}

static GDateTime *
test_policy_at (const char *iso)
{
	GDateTime *dt = g_date_time_new_from_iso8601 (iso, NULL);

	assert_non_null (dt);
	return dt;
}

static void
test_policy_fresh (void **state)
{
	g_autoptr (IrPolicy) policy = test_policy_load_example ();
	g_autoptr (GDateTime) before = test_policy_at ("2027-06-29T18:29:59Z");
	g_autoptr (GDateTime) expiry = test_policy_at ("2027-06-29T18:30:00Z");
	g_autoptr (GError) error = NULL;

	assert_true (ir_policy_check_fresh (policy, 0, before, &error));
	assert_true (ir_policy_check_fresh (policy, 7, before, &error));
	assert_false (ir_policy_check_fresh (policy, 8, before, &error));
	assert_non_null (strstr (error->message, "older than version 8"));
	g_clear_error (&error);
	assert_false (ir_policy_check_fresh (policy, 7, expiry, &error));
	assert_non_null (strstr (error->message, "expired at 2027-06-30 00:00 IST (Asia/Kolkata)"));
}

/* ---- the eligibility matrix ---- */

typedef struct {
	const char *now;
	const char *tac;
	const char *model;
	const char *centre;
	const char *paused; /* one phase id stopped by the kill switch */
	gint centre_used;   /* today's usage of the expected phase, -1: unknown */
	gint national_used;
	IrEligibilityReason reason;
	const char *phase;
	const char *sentence_part;
} EligRow;

#define MID "2026-12-05T12:00:00+05:30"

static const EligRow elig_rows[] = {
    /* p1: TAC 3512, X1/x2, Delhi */
    {MID, "35120001", "X1", "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", "eligible in phase p1"},
    {MID, "35120001", "x1", "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", NULL},
    {MID, "35120001", "X2", "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", NULL},
    {MID, NULL, "X1", "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", NULL},
    {MID, "35120001", NULL, "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", NULL},
    {MID,
     "35130001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NO_PHASE,
     NULL,
     "TAC 35130001, model X1, centre DL-0001 (circle DL)"},
    {MID,
     "35120001",
     "X3",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NO_PHASE,
     NULL,
     "covers this phone"},
    {MID, "35120001", "X1", "MH-0002", NULL, -1, -1, IR_NOT_ELIGIBLE_NO_PHASE, NULL, "(circle MH)"},
    {MID,
     "35120001",
     "X1",
     "XX-9999",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NO_PHASE,
     NULL,
     "(circle none)"},
    {MID, "35120001", "X1", NULL, NULL, -1, -1, IR_NOT_ELIGIBLE_NO_PHASE, NULL, NULL},
    /* window edges of p1 in IST: opens 2026-11-30T18:30Z, closes 2026-12-31T18:30Z */
    {"2026-11-30T18:29:59Z",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p1",
     "opens at 2026-12-01 00:00 IST (Asia/Kolkata)"},
    {"2026-11-30T18:30:00Z", "35120001", "X1", "DL-0001", NULL, -1, -1, IR_ELIGIBLE, "p1", NULL},
    {"2026-12-31T18:29:59Z",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_ELIGIBLE,
     "p1",
     "closes at 2027-01-01 00:00 IST"},
    {"2026-12-31T18:30:00Z",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_CLOSED,
     "p1",
     "closed at 2027-01-01 00:00 IST (Asia/Kolkata)"},
    /* the same instant read in another zone is the same decision */
    {"2026-12-01T00:00:00+05:30",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_ELIGIBLE,
     "p1",
     NULL},
    {"2026-11-30T23:59:59+05:30",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p1",
     NULL},
    {"2026-11-30T13:29:59-05:00",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p1",
     NULL},
    /* the kill switch */
    {MID,
     "35120001",
     "X1",
     "DL-0001",
     "p1",
     -1,
     -1,
     IR_NOT_ELIGIBLE_PAUSED,
     "p1",
     "phase p1 (Delhi, X1 and X2) is paused"},
    {MID, "35120001", "X1", "DL-0001", "p5", -1, -1, IR_ELIGIBLE, "p1", NULL},
    /* caps: centre 2, national 3 */
    {MID, "35120001", "X1", "DL-0001", NULL, 1, 1, IR_ELIGIBLE, "p1", NULL},
    {MID,
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     2,
     2,
     IR_NOT_ELIGIBLE_CENTRE_CAP,
     "p1",
     "centre DL-0001 has reached its cap of 2 restorations in phase p1 for 2026-12-05; it reopens "
     "at 2026-12-06 00:00 IST (Asia/Kolkata)"},
    {MID,
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     0,
     3,
     IR_NOT_ELIGIBLE_NATIONAL_CAP,
     "p1",
     "national cap of 3 restorations for 2026-12-05"},
    {"2026-12-05T18:29:59Z",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     2,
     2,
     IR_NOT_ELIGIBLE_CENTRE_CAP,
     "p1",
     "for 2026-12-05; it reopens at 2026-12-06 00:00 IST"},
    {"2026-12-05T18:30:00Z",
     "35120001",
     "X1",
     "DL-0001",
     NULL,
     2,
     2,
     IR_NOT_ELIGIBLE_CENTRE_CAP,
     "p1",
     "for 2026-12-06; it reopens at 2026-12-07 00:00 IST"},
    /* p2 planned: not open even inside its window */
    {MID,
     "35990001",
     "Any",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p2",
     "phase p2 (Everyone with TAC 3599) opens at 2027-01-01 00:00 IST"},
    {"2027-01-05T12:00:00+05:30",
     "35990001",
     "Any",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p2",
     "is planned, not active yet"},
    {"2027-02-01T00:00:00+05:30",
     "35990001",
     "Any",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_CLOSED,
     "p2",
     "closed at 2027-02-01 00:00 IST"},
    /* p3 paused in the document itself */
    {MID, "86000001", "z9", "KA-0003", NULL, -1, -1, IR_NOT_ELIGIBLE_PAUSED, "p3", "is paused"},
    {"2027-01-01T00:00:00+05:30",
     "86000001",
     "Z9",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_CLOSED,
     "p3",
     NULL},
    /* p4 closed; an OLD phone in Delhi has no open phase */
    {MID,
     "35120001",
     "OLD",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_CLOSED,
     "p4",
     "phase p4 (Old models, November) is closed"},
    {"2026-11-15T12:00:00+05:30",
     "35120001",
     "OLD",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_CLOSED,
     "p4",
     NULL},
    /* p5: two circles, its own window */
    {"2026-12-10T00:00:00+05:30",
     "35770001",
     "M",
     "MH-0002",
     NULL,
     -1,
     -1,
     IR_ELIGIBLE,
     "p5",
     NULL},
    {"2026-12-10T00:00:00+05:30",
     "35770001",
     "M",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_ELIGIBLE,
     "p5",
     NULL},
    {"2026-12-09T23:59:59+05:30",
     "35770001",
     "M",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NOT_OPEN,
     "p5",
     "opens at 2026-12-10 00:00 IST"},
    {"2026-12-10T00:00:00+05:30",
     "35770001",
     "M",
     "DL-0001",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_NO_PHASE,
     NULL,
     NULL},
    /* the policy's own expiry wins over everything */
    {"2027-06-30T00:00:00+05:30",
     "35990001",
     "Any",
     "KA-0003",
     NULL,
     -1,
     -1,
     IR_NOT_ELIGIBLE_EXPIRED,
     NULL,
     "expired at 2027-06-30 00:00 IST"},
};

static void
test_policy_eligibility_matrix (void **state)
{
	g_autoptr (IrPolicy) policy = test_policy_load_example ();

	for (guint i = 0; i < G_N_ELEMENTS (elig_rows); i++) {
		const EligRow *row = &elig_rows[i];
		g_autoptr (GDateTime) now = test_policy_at (row->now);
		const char *paused[] = {row->paused, NULL};
		IrPolicyPhone phone = {.tac = row->tac, .model = row->model, .centre = row->centre};
		IrPolicyUsage usage = {.phase = row->phase,
				       .centre_issued = (guint)MAX (row->centre_used, 0),
				       .national_issued = (guint)MAX (row->national_used, 0)};
		g_autoptr (IrEligibility) elig = ir_eligibility_check (
		    policy, &phone, paused, &usage, row->centre_used >= 0 ? 1 : 0, now);

		if (elig->reason != row->reason || g_strcmp0 (elig->phase, row->phase) != 0)
			fail_msg ("row %u (%s %s %s %s): %s in %s, expected %s in %s: %s",
				  i,
				  row->now,
				  row->tac,
				  row->model,
				  row->centre,
				  ir_eligibility_reason_to_string (elig->reason),
				  elig->phase,
				  ir_eligibility_reason_to_string (row->reason),
				  row->phase,
				  elig->sentence);
		if (row->sentence_part != NULL &&
		    strstr (elig->sentence, row->sentence_part) == NULL)
			fail_msg ("row %u: \"%s\" does not say \"%s\"",
				  i,
				  elig->sentence,
				  row->sentence_part);
		assert_int_equal (elig->policy_version, 7);
	}
}

/* A zone with daylight saving: the window's last day is 23 hours long in
 * New York on 2026-03-08, and it still ends at local midnight. */
static void
test_policy_dst_window (void **state)
{
	const ParseRow row = {
	    "dst", "\"centres\"", "\"time_zone\": \"America/New_York\", \"centres\"", NULL};
	g_autofree char *doc = test_policy_make_doc (&row);
	g_autoptr (GString) s = g_string_new (doc);
	g_autoptr (IrPolicy) policy = NULL;
	g_autoptr (GDateTime) last = test_policy_at ("2026-03-09T03:59:59Z");
	g_autoptr (GDateTime) after = test_policy_at ("2026-03-09T04:00:00Z");
	IrPolicyPhone phone = {.tac = "35120000", .model = "X1", .centre = "DL-0001"};
	g_autoptr (IrEligibility) in = NULL;
	g_autoptr (IrEligibility) out = NULL;

	g_string_replace (s, "2026-12-01", "2026-03-01", 1);
	g_string_replace (s, "2026-12-31", "2026-03-08", 1);
	g_string_replace (s, "2026-11-20T10:00:00+05:30", "2026-01-01T00:00:00Z", 1);
	policy = ir_policy_parse (s->str, s->len, NULL);
	assert_non_null (policy);
	in = ir_eligibility_check (policy, &phone, NULL, NULL, 0, last);
	out = ir_eligibility_check (policy, &phone, NULL, NULL, 0, after);
	assert_int_equal (in->reason, IR_ELIGIBLE);
	assert_string_equal (in->day, "2026-03-08");
	assert_int_equal (out->reason, IR_NOT_ELIGIBLE_CLOSED);
	assert_non_null (strstr (out->sentence, "2026-03-09 00:00 EDT (America/New_York)"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_policy_parse_table),
	    cmocka_unit_test (test_policy_fields),
	    cmocka_unit_test (test_policy_note),
	    cmocka_unit_test (test_policy_fresh),
	    cmocka_unit_test (test_policy_eligibility_matrix),
	    cmocka_unit_test (test_policy_dst_window),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
