/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "brandd-test-pg.h"
#include "ir-block-list.h"
#include "ir-trust-store.h"
#include "rollout-sim.h"

/* Thirty simulated days of rollout on the real imei-brandd, its clock set
 * to noon of each day ($IMEI_BRANDD_TEST_NOW): technicians of two centres
 * ask for more tokens than the caps allow and report most restorations;
 * every morning `imei-brandd blocklist` makes the day's signed national
 * block list. No daily cap is ever overshot, no block list holds more
 * than the national block cap or an IMEI restored before it was made or
 * scheduled before, and a phone restored after it was scheduled is on the
 * next list's unblock part. Then bad input to blocklist changes nothing. */

#define ALICE	  ROLLOUT_SIM_ALICE
#define BOB	  ROLLOUT_SIM_BOB
#define TAC_A	  "35000000" /* phase p1, then p3 */
#define TAC_B	  "35010000" /* phase p2 */
#define N_A	  60
#define N_B	  30
#define DAYS	  30
#define BLOCK_CAP 4
#define P1_CENTRE 3
#define P1_NATION 5
#define P2_CENTRE 2
#define P2_NATION 3
#define P3_CENTRE 2
#define P3_NATION 3
#define V2_ON_DAY 15 /* policy version 2 opens p3 on day 16 */

typedef struct {
	BtEnv *env;
	IrTrustStore *trust;
	GHashTable *restored; /* IMEIs reported restored */
	GHashTable *blocked;  /* IMEI → the day it was scheduled */
	GHashTable *unblocked;
	gboolean tried_a[N_A];
	gboolean tried_b[N_B];
	guint full_lists;
	guint n_unblocked;
	guint n_refused_cap;
} TestBlock;

/* Day @d (1-based) of the simulation, from 2027-01-01 in Asia/Kolkata. */
static char *
test_brandd_blocklist_day (guint d)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) first = g_date_time_new (tz, 2027, 1, 1, 12, 0, 0);
	g_autoptr (GDateTime) day = g_date_time_add_days (first, (int)d - 1);

	return g_date_time_format (day, "%Y-%m-%d");
}

static gint64
test_brandd_blocklist_noon (guint d)
{
	g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Kolkata");
	g_autoptr (GDateTime) first = g_date_time_new (tz, 2027, 1, 1, 12, 0, 0);
	g_autoptr (GDateTime) day = g_date_time_add_days (first, (int)d - 1);

	return g_date_time_to_unix (day);
}

static char *
test_brandd_blocklist_phase (
    const char *id, const char *tac, guint from, guint to, guint centre_cap, guint national_cap)
{
	g_autofree char *start = test_brandd_blocklist_day (from);
	g_autofree char *end = test_brandd_blocklist_day (to);

	return g_strdup_printf ("{\"id\": \"%s\", \"title\": \"%s\", \"state\": \"active\",\n"
				"   \"window\": {\"start\": \"%s\", \"end\": \"%s\"},\n"
				"   \"eligibility\": {\"tac_prefixes\": [\"%.4s\"]},\n"
				"   \"centre_daily_cap\": %u, \"national_daily_cap\": %u}",
				id,
				id,
				start,
				end,
				tac,
				centre_cap,
				national_cap);
}

static char *
test_brandd_blocklist_policy (gint64 version)
{
	g_autofree char *p1 =
	    test_brandd_blocklist_phase ("p1", TAC_A, 1, 10, P1_CENTRE, P1_NATION);
	g_autofree char *p2 =
	    test_brandd_blocklist_phase ("p2", TAC_B, 5, 20, P2_CENTRE, P2_NATION);
	g_autofree char *p3 =
	    test_brandd_blocklist_phase ("p3", TAC_A, V2_ON_DAY + 1, DAYS, P3_CENTRE, P3_NATION);

	return g_strdup_printf (
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": %" G_GINT64_FORMAT ",\n"
	    " \"issued\": \"2026-11-01T00:00:00+05:30\", \"expires\": "
	    "\"2027-12-31T00:00:00+05:30\",\n"
	    " \"national_block_cap\": %u,\n"
	    " \"centres\": {\"DL-0001\": \"DL\", \"MH-0002\": \"MH\"},\n"
	    " \"phases\": [%s,\n  %s%s%s]}\n",
	    version,
	    BLOCK_CAP,
	    p1,
	    p2,
	    version > 1 ? ",\n  " : "",
	    version > 1 ? p3 : "");
}

static int
test_brandd_blocklist_setup (void **state)
{
	TestBlock *t = g_new0 (TestBlock, 1);
	g_autofree char *trust =
	    g_build_filename (brandd_test_env_pki_dir (), "trust-store.conf", NULL);
	g_autofree char *v1 = test_brandd_blocklist_policy (1);

	t->env = rollout_sim_env_new ();
	t->trust = ir_trust_store_load (trust, NULL);
	assert_non_null (t->trust);
	t->restored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	t->blocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	t->unblocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	rollout_sim_import (t->env, "BA", TAC_A, N_A);
	rollout_sim_import (t->env, "BB", TAC_B, N_B);
	rollout_sim_publish (t->env, v1);
	*state = t;
	return 0;
}

static int
test_brandd_blocklist_teardown (void **state)
{
	TestBlock *t = *state;

	g_unsetenv ("IMEI_BRANDD_TEST_NOW");
	ir_trust_store_unref (t->trust);
	g_hash_table_unref (t->restored);
	g_hash_table_unref (t->blocked);
	g_hash_table_unref (t->unblocked);
	brandd_test_env_free (t->env);
	g_free (t);
	return 0;
}

static int
test_brandd_blocklist_make (BtEnv *env, const char *day, const char *out, char **err)
{
	g_autofree char *key = g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	const char *args[] = {
	    "blocklist", "--date", day, "--key", key, "--out", out, "--config", env->conf, NULL};

	return brandd_test_env_run_brandd (args, NULL, err);
}

static int
test_brandd_blocklist_run (TestBlock *t, const char *day, const char *out, char **err)
{
	return test_brandd_blocklist_make (t->env, day, out, err);
}

/* The list of @day, made and verified with @trust as a network operator
 * would. */
static IrBlockList *
test_brandd_blocklist_read (BtEnv *env, IrTrustStore *trust, const char *day)
{
	g_autofree char *out = g_strdup_printf ("%s/blocklist-%s.note", env->dir, day);
	g_autofree char *err = NULL;
	g_autofree char *text = NULL;
	g_autofree char *key_name = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrSignedNote) note = NULL;
	g_autoptr (JsonNode) body = NULL;
	IrBlockList *list = NULL;
	IrRolloutNoteKind kind;

	if (test_brandd_blocklist_make (env, day, out, &err) != 0)
		fail_msg ("blocklist %s: %s", day, err);
	assert_true (g_file_get_contents (out, &text, NULL, NULL));
	note = ir_rollout_note_parse (text, strlen (text), &kind, &body, &error);
	assert_non_null (note);
	assert_int_equal (kind, IR_ROLLOUT_NOTE_BLOCK_LIST);
	if (!ir_rollout_note_verify (note, trust, "block list", &key_name, &error))
		fail_msg ("%s", error->message);
	list = ir_block_list_parse (body, note->body, &error);
	if (list == NULL)
		fail_msg ("block list of %s: %s", day, error->message);
	assert_string_equal (list->day, day);
	return list;
}

/* The last day of phase @id, as the simulation's policies set it. */
static guint
test_brandd_blocklist_phase_end (const char *id)
{
	if (g_strcmp0 (id, "p1") == 0)
		return 10;
	if (g_strcmp0 (id, "p2") == 0)
		return 20;
	assert_string_equal (id, "p3");
	return DAYS;
}

/* The documented priority: the phone whose phase ended first, then by
 * TAC, then by IMEI (the TAC is the IMEI's first 8 digits here). */
static void
test_brandd_blocklist_assert_order (const IrBlockList *list)
{
	for (guint i = 1; i < list->block->len; i++) {
		const IrBlockListEntry *a = g_ptr_array_index (list->block, i - 1);
		const IrBlockListEntry *b = g_ptr_array_index (list->block, i);
		guint end_a = test_brandd_blocklist_phase_end (a->phase);
		guint end_b = test_brandd_blocklist_phase_end (b->phase);

		if (end_a > end_b || (end_a == end_b && strcmp (a->imei, b->imei) > 0))
			fail_msg ("%s: %s (%s) is listed before %s (%s): not the priority order",
				  list->day,
				  a->imei,
				  a->phase,
				  b->imei,
				  b->phase);
	}
}

/* The morning of day @d: the list is made, verified with the trust store
 * as a network operator would, and held against what the test knows. */
static void
test_brandd_blocklist_morning (TestBlock *t, guint d)
{
	g_autofree char *day = test_brandd_blocklist_day (d);
	g_autoptr (IrBlockList) list = test_brandd_blocklist_read (t->env, t->trust, day);
	GHashTableIter iter;
	gpointer key;

	assert_int_equal (list->cap, BLOCK_CAP);
	assert_true (list->block->len <= BLOCK_CAP);
	if (list->block->len == BLOCK_CAP)
		t->full_lists++;
	test_brandd_blocklist_assert_order (list);
	for (guint i = 0; i < list->block->len; i++) {
		const IrBlockListEntry *e = g_ptr_array_index (list->block, i);

		if (g_hash_table_contains (t->restored, e->imei))
			fail_msg ("%s: %s was restored before the list was made", day, e->imei);
		if (!g_hash_table_insert (t->blocked, g_strdup (e->imei), g_strdup (day)))
			fail_msg ("%s: %s was scheduled before", day, e->imei);
	}
	for (guint i = 0; i < list->unblock->len; i++) {
		const IrBlockListEntry *e = g_ptr_array_index (list->unblock, i);

		assert_true (g_hash_table_contains (t->restored, e->imei));
		assert_string_equal (e->day, g_hash_table_lookup (t->blocked, e->imei));
		assert_true (g_hash_table_add (t->unblocked, g_strdup (e->imei)));
		t->n_unblocked++;
	}
	/* every scheduled IMEI restored before this morning is unblocked by now */
	g_hash_table_iter_init (&iter, t->blocked);
	while (g_hash_table_iter_next (&iter, &key, NULL)) {
		if (g_hash_table_contains (t->restored, key) &&
		    !g_hash_table_contains (t->unblocked, key))
			fail_msg ("%s: %s was restored after it was scheduled but is not unblocked",
				  day,
				  (char *)key);
	}
}

/* One ask for device @i of @tac: granted tokens are reported, one in
 * five as a failure (the phone stays wiped). */
static gboolean
test_brandd_blocklist_ask (TestBlock *t, const char *prefix, const char *tac, guint i, guint n)
{
	g_autofree char *serial = g_strdup_printf ("%s-%03u", prefix, i);
	g_autofree char *token = NULL;
	g_autofree char *imei = rollout_sim_imei (tac, i);
	g_autofree char *read_back = g_strdup_printf ("[\"%s\"]", imei);
	const char *client = n % 2 == 0 ? ALICE : BOB;
	long status = rollout_sim_token (t->env, client, serial, &token);
	gboolean fails = n % 5 == 4;

	if (status == 429) {
		t->n_refused_cap++;
		return FALSE;
	}
	if (status != 200)
		fail_msg ("token for %s: status %ld", serial, status);
	assert_int_equal (rollout_sim_report (t->env,
					      client,
					      token,
					      fails ? "failed" : "success",
					      fails ? "[\"000000000000000\"]" : read_back),
			  200);
	if (!fails)
		g_hash_table_add (t->restored, g_strdup (imei));
	return TRUE;
}

/* Noon of day @d: seven asks for p1 phones (days 1-10), one for a p2
 * phone (days 5-20), and from day 16 four for p1 phones already on the
 * block list (phase p3). */
static void
test_brandd_blocklist_noon_asks (TestBlock *t, guint d)
{
	guint n = 0;

	for (guint i = 0; d <= 10 && i < N_A && n < 7; i++) {
		if (!t->tried_a[i]) {
			t->tried_a[i] = test_brandd_blocklist_ask (t, "BA", TAC_A, i, n);
			n++;
		}
	}
	for (guint i = 0, asked = 0; d >= 5 && d <= 20 && i < N_B && asked < 1; i++) {
		if (!t->tried_b[i]) {
			t->tried_b[i] = test_brandd_blocklist_ask (t, "BB", TAC_B, i, n++);
			asked++;
		}
	}
	for (guint i = 0, asked = 0; d > V2_ON_DAY && i < N_A && asked < 4; i++) {
		g_autofree char *imei = rollout_sim_imei (TAC_A, i);

		if (g_hash_table_contains (t->blocked, imei) &&
		    !g_hash_table_contains (t->restored, imei)) {
			/* a second chance: every fifth ask still fails */
			test_brandd_blocklist_ask (t, "BA", TAC_A, i, n++);
			asked++;
		}
	}
}

/* The last day a list scheduled or unblocked anything (both backends:
 * PostgreSQL has no two-argument max, and wants the subquery named). */
static char *
test_brandd_blocklist_last_day (BtEnv *env)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrBranddDb) db = ir_brandd_db_open (
	    brandd_test_pg_wanted () ? IR_BRANDD_BACKEND_POSTGRESQL : IR_BRANDD_BACKEND_SQLITE,
	    env->db,
	    FALSE,
	    &error);
	IrBranddStmt *stmt = NULL;
	gboolean row = FALSE;
	char *day = NULL;

	if (db == NULL)
		fail_msg ("cannot open the test database: %s", error->message);
	stmt =
	    ir_brandd_db_prepare (db,
				  "SELECT max (d) FROM (SELECT scheduled_day AS d FROM blocklist "
				  "UNION ALL SELECT unblocked_day FROM blocklist WHERE "
				  "unblocked_day IS NOT NULL) AS days",
				  &error);
	if (stmt == NULL || !ir_brandd_stmt_step (stmt, &row, "read the last day", &error))
		fail_msg ("the last block list day: %s", error->message);
	if (row)
		day = ir_brandd_stmt_dup_text (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	assert_non_null (day);
	return day;
}

static void
test_brandd_blocklist_thirty_days (void **state)
{
	TestBlock *t = *state;

	for (guint d = 1; d <= DAYS; d++) {
		g_autofree char *now =
		    g_strdup_printf ("%" G_GINT64_FORMAT, test_brandd_blocklist_noon (d));

		if (d == V2_ON_DAY) {
			g_autofree char *v2 = test_brandd_blocklist_policy (2);
			rollout_sim_publish (t->env, v2);
		}
		test_brandd_blocklist_morning (t, d);
		g_setenv ("IMEI_BRANDD_TEST_NOW", now, TRUE);
		brandd_test_env_start (t->env);
		test_brandd_blocklist_noon_asks (t, d);
		assert_int_equal (brandd_test_env_stop (t->env), 0);
		g_free (t->env->url);
		t->env->url = NULL;
	}
	g_unsetenv ("IMEI_BRANDD_TEST_NOW");
	/* the caps held every day, and were reached */
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p1' AND centre = ''",
		NULL) == P1_NATION);
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p1' AND centre != ''",
		NULL) <= P1_CENTRE);
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p2' AND centre = ''",
		NULL) <= P2_NATION);
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p2' AND centre != ''",
		NULL) <= P2_CENTRE);
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p3' AND centre = ''",
		NULL) <= P3_NATION);
	assert_true (
	    brandd_test_env_db_int (
		t->env,
		"SELECT max (issued) FROM rollout_counts WHERE phase = 'p3' AND centre != ''",
		NULL) <= P3_CENTRE);
	assert_int_equal (
	    brandd_test_env_db_int (t->env, "SELECT count (*) FROM token_rollout", NULL),
	    brandd_test_env_db_int (
		t->env,
		"SELECT CAST (sum (issued) AS BIGINT) FROM rollout_counts WHERE centre = ''",
		NULL));
	assert_true (t->n_refused_cap > 0);
	/* the block list was full on several days, and phones came off it */
	assert_true (t->full_lists >= 3);
	assert_true (t->n_unblocked > 0);
	assert_int_equal (brandd_test_env_db_int (t->env, "SELECT count (*) FROM blocklist", NULL),
			  g_hash_table_size (t->blocked));
	assert_int_equal (
	    brandd_test_env_db_int (t->env,
				    "SELECT max (n) FROM (SELECT count (*) AS n "
				    "FROM blocklist GROUP BY scheduled_day) AS per_day",
				    NULL),
	    BLOCK_CAP);
}

/* ---- many candidates: the database selects, the cap and order hold ---- */

#define MANY_CAP 500

typedef struct {
	const char *tac;
	const char *centre; /* NULL: tied to none */
	guint n;	    /* phones */
	gboolean dual;	    /* two IMEIs, slot 0 the larger */
	int end;	    /* the covering phase's end (its day in March 2027), 0: none */
} TestBlockGroup;

/* TACs 36...: the env's own devices (bt_env_new) are 35... and 49...,
 * which no phase covers. pB ends first (Feb 1), pD (circle MH, model r1) Feb 10, pA Feb 15; pC
 * is still open on the day; TAC 3699 no phase covers; a 3630 phone tied
 * to DL or to no centre is outside pD's circle. 733 IMEIs are candidates,
 * more than the cap; the first list stops at a dual phone that would go
 * one over it. */
static const TestBlockGroup test_brandd_blocklist_groups[] = {
    {"36200000", NULL, 100, FALSE, 15},
    {"36209999", "DL-0001", 150, TRUE, 15},
    {"36210000", NULL, 151, TRUE, 1},
    {"36300000", "MH-0002", 31, FALSE, 10},
    {"36300002", "DL-0001", 20, FALSE, 0},
    {"36300001", NULL, 20, FALSE, 0},
    {"36220000", NULL, 40, FALSE, 0},
    {"36990000", NULL, 20, FALSE, 0},
};

typedef struct {
	int end;
	const char *tac;
	char *imeis[2];
} TestBlockPhone;

static void
test_brandd_blocklist_phone_free (gpointer data)
{
	TestBlockPhone *p = data;

	g_free (p->imeis[0]);
	g_free (p->imeis[1]);
	g_free (p);
}

static gint
test_brandd_blocklist_phone_compare (gconstpointer a, gconstpointer b)
{
	const TestBlockPhone *x = *(TestBlockPhone *const *)a;
	const TestBlockPhone *y = *(TestBlockPhone *const *)b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (strcmp (x->tac, y->tac) != 0)
		return strcmp (x->tac, y->tac);
	return strcmp (x->imeis[0], y->imeis[0]);
}

/* The phones of the groups, shuffled (the registry's ids are not the
 * priority order), imported; returns them. */
static GPtrArray *
test_brandd_blocklist_many_import (BtEnv *env)
{
	g_autoptr (GString) csv =
	    g_string_new ("serial,hardware_id,manufacturer,model,tac,imei1,imei2,centre\n");
	g_autoptr (GRand) rand = g_rand_new_with_seed (12);
	GPtrArray *phones = g_ptr_array_new_with_free_func (test_brandd_blocklist_phone_free);
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;
	guint serial = 0;

	for (guint g = 0; g < G_N_ELEMENTS (test_brandd_blocklist_groups); g++) {
		const TestBlockGroup *group = &test_brandd_blocklist_groups[g];

		for (guint i = 0; i < group->n; i++) {
			TestBlockPhone *p = g_new0 (TestBlockPhone, 1);

			p->end = group->end;
			p->tac = group->tac;
			p->imeis[0] = rollout_sim_imei (group->tac, group->dual ? 2 * i + 1 : i);
			if (group->dual)
				p->imeis[1] = rollout_sim_imei (group->tac, 2 * i);
			g_ptr_array_add (phones, p);
		}
	}
	for (guint i = phones->len; i > 1; i--) {
		guint k = (guint)g_rand_int_range (rand, 0, (gint32)i);
		gpointer swap = phones->pdata[i - 1];

		phones->pdata[i - 1] = phones->pdata[k];
		phones->pdata[k] = swap;
	}
	for (guint i = 0; i < phones->len; i++) {
		const TestBlockPhone *p = g_ptr_array_index (phones, i);
		const char *centre = NULL;

		for (guint g = 0; g < G_N_ELEMENTS (test_brandd_blocklist_groups); g++) {
			const TestBlockGroup *group = &test_brandd_blocklist_groups[g];

			if (strcmp (group->tac, p->tac) == 0 && group->end == p->end)
				centre = group->centre;
		}
		g_string_append_printf (csv,
					"MANY-%04u,,Acme,R1,%s,%s,%s,%s\n",
					serial++,
					p->tac,
					p->imeis[0],
					p->imeis[1] != NULL ? p->imeis[1] : "",
					centre != NULL ? centre : "");
	}
	path = brandd_test_env_write_file (env->dir, "many.csv", csv->str);
	{
		const char *import[] = {"import", "--db", env->db, path, NULL};
		if (brandd_test_env_run_brandd (import, NULL, &err) != 0)
			fail_msg ("import failed: %s", err);
	}
	return phones;
}

static void
test_brandd_blocklist_many_publish (BtEnv *env)
{
	static const char policy[] =
	    "{\"format\": \"imeirestore-rollout-policy/1\", \"version\": 1,\n"
	    " \"issued\": \"2026-11-01T00:00:00+05:30\", \"expires\": "
	    "\"2027-12-31T00:00:00+05:30\",\n"
	    " \"centres\": {\"DL-0001\": \"DL\", \"MH-0002\": \"MH\"},\n"
	    " \"phases\": [\n"
	    "  {\"id\": \"pA\", \"title\": \"A\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"2027-01-01\", \"end\": \"2027-02-15\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"3620\"]},\n"
	    "   \"centre_daily_cap\": 5, \"national_daily_cap\": 5},\n"
	    "  {\"id\": \"pB\", \"title\": \"B\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"2027-01-01\", \"end\": \"2027-02-01\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"3621\"]},\n"
	    "   \"centre_daily_cap\": 5, \"national_daily_cap\": 5},\n"
	    "  {\"id\": \"pC\", \"title\": \"C\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"2027-01-01\", \"end\": \"2027-04-30\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"3622\"]},\n"
	    "   \"centre_daily_cap\": 5, \"national_daily_cap\": 5},\n"
	    "  {\"id\": \"pD\", \"title\": \"D\", \"state\": \"active\",\n"
	    "   \"window\": {\"start\": \"2027-01-01\", \"end\": \"2027-02-10\"},\n"
	    "   \"eligibility\": {\"tac_prefixes\": [\"3630\"], \"models\": [\"r1\"],\n"
	    "                   \"circles\": [\"MH\"]},\n"
	    "   \"centre_daily_cap\": 5, \"national_daily_cap\": 5}]}\n";

	rollout_sim_publish (env, policy);
}

/* What the lists of three days must be: the candidates in the priority
 * order, each day's filled up to the cap and stopped at the first phone
 * that does not fit; "imei phase" per entry. */
static GPtrArray *
test_brandd_blocklist_many_expected (GPtrArray *phones)
{
	g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
	GPtrArray *days = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
	guint next = 0;

	for (guint i = 0; i < phones->len; i++) {
		TestBlockPhone *p = g_ptr_array_index (phones, i);

		if (p->end != 0)
			g_ptr_array_add (sorted, p);
	}
	g_ptr_array_sort (sorted, test_brandd_blocklist_phone_compare);
	for (guint d = 0; d < 3; d++) {
		GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

		for (; next < sorted->len; next++) {
			const TestBlockPhone *p = g_ptr_array_index (sorted, next);
			const char *phase = p->end == 1 ? "pB" : p->end == 10 ? "pD" : "pA";
			guint n = p->imeis[1] != NULL ? 2 : 1;

			if (list->len + n > MANY_CAP)
				break;
			for (guint k = 0; k < n; k++)
				g_ptr_array_add (list,
						 g_strdup_printf ("%s %s", p->imeis[k], phase));
		}
		g_ptr_array_add (days, list);
	}
	return days;
}

/* 812 phones, 733 candidate IMEIs under a cap of 500 (the default): the
 * lists of three days are exactly the priority order cut by the cap, the
 * second day takes up where the first stopped, and the third is empty. */
static void
test_brandd_blocklist_many (void **state)
{
	g_autofree char *trust_path =
	    g_build_filename (brandd_test_env_pki_dir (), "trust-store.conf", NULL);
	g_autoptr (IrTrustStore) trust = ir_trust_store_load (trust_path, NULL);
	BtEnv *env = rollout_sim_env_new ();
	g_autoptr (GPtrArray) phones = test_brandd_blocklist_many_import (env);
	g_autoptr (GPtrArray) expected = test_brandd_blocklist_many_expected (phones);
	static const char *const days[] = {"2027-03-10", "2027-03-11", "2027-03-12"};

	(void)state;
	assert_non_null (trust);
	test_brandd_blocklist_many_publish (env);
	assert_int_equal (((GPtrArray *)expected->pdata[0])->len, MANY_CAP - 1);
	assert_int_equal (((GPtrArray *)expected->pdata[1])->len, 733 - (MANY_CAP - 1));
	for (guint d = 0; d < G_N_ELEMENTS (days); d++) {
		g_autoptr (IrBlockList) list = test_brandd_blocklist_read (env, trust, days[d]);
		GPtrArray *want = expected->pdata[d];

		assert_int_equal (list->cap, MANY_CAP);
		for (guint i = 0; i < MIN (list->block->len, want->len); i++) {
			const IrBlockListEntry *e = g_ptr_array_index (list->block, i);
			g_autofree char *got = g_strdup_printf ("%s %s", e->imei, e->phase);

			if (strcmp (got, want->pdata[i]) != 0)
				fail_msg ("%s, entry %u: %s, expected %s",
					  days[d],
					  i,
					  got,
					  (char *)want->pdata[i]);
		}
		assert_int_equal (list->block->len, want->len);
	}
	assert_int_equal (brandd_test_env_db_int (env, "SELECT count (*) FROM blocklist", NULL),
			  733);
	brandd_test_env_free (env);
}

/* After the thirty days: each refusal names what is wrong, and neither the
 * block list table nor --out changes. */
static void
test_brandd_blocklist_bad_input (void **state)
{
	TestBlock *t = *state;
	g_autofree char *key = g_build_filename (brandd_test_env_pki_dir (), "policy.key", NULL);
	g_autofree char *foreign =
	    g_build_filename (brandd_test_env_pki_dir (), "witness.key", NULL);
	g_autofree char *out = g_build_filename (t->env->dir, "never-written", NULL);
	g_autofree char *day1 = test_brandd_blocklist_day (1);
	/* a day whose list was empty is not remembered: lists with nothing
	 * scheduled or unblocked may be made again */
	g_autofree char *last = test_brandd_blocklist_last_day (t->env);
	g_autofree char *earlier = g_strdup_printf ("the last was %s", last);
	const char *conf = t->env->conf;
	gint64 rows = brandd_test_env_db_int (t->env, "SELECT count (*) FROM blocklist", NULL);
	const RolloutSimRefusal bad[] = {
	    {"no date",
	     {"blocklist", "--key", key, "--out", out, "--config", conf},
	     2,
	     "needs --date YYYY-MM-DD"},
	    {"bad date",
	     {"blocklist", "--date", "2027-1-5", "--key", key, "--out", out, "--config", conf},
	     2,
	     "needs --date YYYY-MM-DD"},
	    {"no key",
	     {"blocklist", "--date", "2027-03-01", "--out", out, "--config", conf},
	     2,
	     "--key POLICY.key"},
	    {"foreign key",
	     {"blocklist",
	      "--date",
	      "2027-03-01",
	      "--key",
	      foreign,
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "--key is not the private half"},
	    {"missing key",
	     {"blocklist",
	      "--date",
	      "2027-03-01",
	      "--key",
	      "/nonexistent.key",
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "/nonexistent.key"},
	    {"argument",
	     {"blocklist",
	      "today",
	      "--date",
	      "2027-03-01",
	      "--key",
	      key,
	      "--out",
	      out,
	      "--config",
	      conf},
	     2,
	     "usage: blocklist"},
	    {"day already past",
	     {"blocklist", "--date", day1, "--key", key, "--out", out, "--config", conf},
	     1,
	     earlier},
	};

	rollout_sim_expect_refusals (bad, G_N_ELEMENTS (bad), brandd_test_env_run_brandd, out);
	/* a refusal that wrote would show here: writes are kept */
	assert_int_equal (brandd_test_env_db_int (t->env, "SELECT count (*) FROM blocklist", NULL),
			  rows);
	/* the last day made again: the same list, nothing new scheduled */
	{
		g_autofree char *first =
		    g_strdup_printf ("%s/blocklist-%s.note", t->env->dir, last);
		g_autofree char *again = g_build_filename (t->env->dir, "again.note", NULL);
		g_autofree char *a = NULL;
		g_autofree char *b = NULL;

		assert_int_equal (test_brandd_blocklist_run (t, last, again, NULL), 0);
		assert_true (g_file_get_contents (first, &a, NULL, NULL));
		assert_true (g_file_get_contents (again, &b, NULL, NULL));
		assert_string_equal (a, b);
		assert_int_equal (
		    brandd_test_env_db_int (t->env, "SELECT count (*) FROM blocklist", NULL), rows);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_blocklist_thirty_days),
	    cmocka_unit_test (test_brandd_blocklist_bad_input),
	    cmocka_unit_test (test_brandd_blocklist_many),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (
	    tests, test_brandd_blocklist_setup, test_brandd_blocklist_teardown);
}
