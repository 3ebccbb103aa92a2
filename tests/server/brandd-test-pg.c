/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "brandd-test-pg.h"
#include "pg-cluster.h"

/* The cluster itself is tests/pg-cluster/pg-cluster.c, shared with
 * bench-brandd; here it is one per test binary, and what fails fails the
 * current cmocka test with PgCluster's reason. */

static PgCluster *brandd_test_pg = NULL;

gboolean
brandd_test_pg_wanted (void)
{
	return g_strcmp0 (g_getenv ("IR_BRANDD_TEST_BACKEND"), "postgresql") == 0;
}

/* A failed assertion longjmps past every cleanup: the cluster goes at
 * exit, whatever happened. */
static void
brandd_test_pg_cleanup (void)
{
	g_clear_pointer (&brandd_test_pg, pg_cluster_free);
}

static PgCluster *
brandd_test_pg_get (void)
{
	g_autoptr (GError) error = NULL;

	if (brandd_test_pg != NULL)
		return brandd_test_pg;
	brandd_test_pg = pg_cluster_new (PG_CLUSTER_FLAG_NONE, &error);
	if (brandd_test_pg == NULL)
		fail_msg ("the server-pg tests need a real PostgreSQL cluster: %s", error->message);
	atexit (brandd_test_pg_cleanup);
	return brandd_test_pg;
}

const char *
brandd_test_pg_cluster (void)
{
	return pg_cluster_get_dir (brandd_test_pg_get ());
}

char *
brandd_test_pg_new_database (void)
{
	static guint next_db = 0;
	PgCluster *pg = brandd_test_pg_get ();
	g_autoptr (GError) error = NULL;
	g_autofree char *name = g_strdup_printf ("brandd%u", ++next_db);
	char *uri = pg_cluster_new_database (pg, name, &error);

	if (uri == NULL)
		fail_msg ("%s", error->message);
	return uri;
}

void
brandd_test_pg_start (void)
{
	g_autoptr (GError) error = NULL;

	if (!pg_cluster_start (brandd_test_pg_get (), &error))
		fail_msg ("%s", error->message);
}

void
brandd_test_pg_stop (gboolean immediate)
{
	g_autoptr (GError) error = NULL;

	if (!pg_cluster_stop (brandd_test_pg_get (), immediate, &error))
		fail_msg ("%s", error->message);
}
