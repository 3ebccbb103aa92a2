/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "brandd-test-env.h"
#include "brandd-test-pg.h"

typedef struct {
	char *dir;     /* the cluster's folder: data/, the socket, log */
	char *bindir;  /* initdb, pg_ctl */
	char *run_as;  /* "runuser -u USER -- " when root, else "" */
	char *user;    /* the database superuser's name */
	guint next_db; /* databases made so far */
	gboolean running;
} BranddTestPgCluster;

static BranddTestPgCluster *brandd_test_pg = NULL;

gboolean
brandd_test_pg_wanted (void)
{
	return g_strcmp0 (g_getenv ("IR_BRANDD_TEST_BACKEND"), "postgresql") == 0;
}

static char *
brandd_test_pg_find_bindir (void)
{
	g_autofree char *out = NULL;

	/* Debian keeps the server's programs out of PATH */
	if (brandd_test_env_sh ("ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1",
				&out,
				NULL) == 0 &&
	    out != NULL && g_strstrip (out)[0] != '\0') {
		g_autofree char *initdb = g_build_filename (out, "initdb", NULL);
		if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
			return g_steal_pointer (&out);
	}
	g_clear_pointer (&out, g_free);
	if (brandd_test_env_sh ("command -v initdb", &out, NULL) == 0 && out != NULL)
		return g_path_get_dirname (g_strstrip (out));
	fail_msg ("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql; "
		  "scripts/setup.sh does it): the server-pg tests need a real cluster");
	return NULL;
}

static void
brandd_test_pg_run (const char *what, const char *args)
{
	g_autofree char *cmd =
	    g_strdup_printf ("%s%s/%s", brandd_test_pg->run_as, brandd_test_pg->bindir, args);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;

	if (brandd_test_env_sh (cmd, &out, &err) != 0)
		fail_msg ("PostgreSQL could not %s: %s\n%s%s", what, cmd, out, err);
}

static void
brandd_test_pg_cleanup (void)
{
	g_autofree char *rm = NULL;

	if (brandd_test_pg == NULL)
		return;
	if (brandd_test_pg->running) {
		g_autofree char *cmd =
		    g_strdup_printf ("%s%s/pg_ctl -D '%s/data' -m immediate stop "
				     ">/dev/null 2>&1",
				     brandd_test_pg->run_as,
				     brandd_test_pg->bindir,
				     brandd_test_pg->dir);
		brandd_test_env_sh (cmd, NULL, NULL);
	}
	rm = g_strdup_printf ("rm -rf '%s'", brandd_test_pg->dir);
	brandd_test_env_sh (rm, NULL, NULL);
}

void
brandd_test_pg_start (void)
{
	g_autofree char *args =
	    g_strdup_printf ("pg_ctl -D '%s/data' -l '%s/log' -w -t 60 -o \"-c listen_addresses='' "
			     "-c unix_socket_directories='%s' -c max_connections=200 -c fsync=off "
			     "-c full_page_writes=off\" start",
			     brandd_test_pg->dir,
			     brandd_test_pg->dir,
			     brandd_test_pg->dir);

	brandd_test_pg_run ("start (see its log in the folder named)", args);
	brandd_test_pg->running = TRUE;
}

void
brandd_test_pg_stop (gboolean immediate)
{
	g_autofree char *args = g_strdup_printf ("pg_ctl -D '%s/data' -m %s -w stop",
						 brandd_test_pg->dir,
						 immediate ? "immediate" : "fast");

	brandd_test_pg_run ("stop", args);
	brandd_test_pg->running = FALSE;
}

const char *
brandd_test_pg_cluster (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *initdb = NULL;
	const char *user = NULL;

	if (brandd_test_pg != NULL)
		return brandd_test_pg->dir;
	brandd_test_pg = g_new0 (BranddTestPgCluster, 1);
	brandd_test_pg->bindir = brandd_test_pg_find_bindir ();
	brandd_test_pg->dir = g_dir_make_tmp ("brandd-pg-XXXXXX", &error);
	if (brandd_test_pg->dir == NULL)
		fail_msg ("cannot make a temporary folder: %s", error->message);
	atexit (brandd_test_pg_cleanup);
	if (geteuid () == 0) {
		g_autofree char *chown = NULL;
		g_autofree char *err = NULL;

		user = g_getenv ("IR_PG_USER") != NULL ? g_getenv ("IR_PG_USER") : "postgres";
		if (getpwnam (user) == NULL)
			fail_msg ("running as root, PostgreSQL needs an unprivileged user and %s "
				  "does not exist (set IR_PG_USER, or install the postgresql "
				  "package, which makes postgres)",
				  user);
		/* the folder is made 0700 for root: hand it to that user */
		chown = g_strdup_printf ("chown '%s' '%s'", user, brandd_test_pg->dir);
		if (brandd_test_env_sh (chown, NULL, &err) != 0)
			fail_msg ("cannot give %s to %s: %s", brandd_test_pg->dir, user, err);
		brandd_test_pg->run_as = g_strdup_printf ("runuser -u '%s' -- ", user);
		brandd_test_pg->user = g_strdup (user);
	} else {
		brandd_test_pg->run_as = g_strdup ("");
		brandd_test_pg->user = g_strdup (g_get_user_name ());
	}
	initdb = g_strdup_printf ("initdb -D '%s/data' -U '%s' -A trust -E UTF8 --locale=C "
				  "--no-sync",
				  brandd_test_pg->dir,
				  brandd_test_pg->user);
	brandd_test_pg_run ("initialise a cluster", initdb);
	brandd_test_pg_start ();
	return brandd_test_pg->dir;
}

char *
brandd_test_pg_new_database (void)
{
	const char *dir = brandd_test_pg_cluster ();
	g_autofree char *admin =
	    g_strdup_printf ("host=%s dbname=postgres user=%s", dir, brandd_test_pg->user);
	g_autofree char *name = g_strdup_printf ("brandd%u", ++brandd_test_pg->next_db);
	g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
	PGconn *conn = PQconnectdb (admin);
	PGresult *res = NULL;

	if (PQstatus (conn) != CONNECTION_OK)
		fail_msg (
		    "cannot connect to the test cluster (%s): %s", admin, PQerrorMessage (conn));
	res = PQexec (conn, sql);
	if (PQresultStatus (res) != PGRES_COMMAND_OK)
		fail_msg ("%s: %s", sql, PQresultErrorMessage (res));
	PQclear (res);
	PQfinish (conn);
	return g_strdup_printf (
	    "postgresql:///%s?host=%s&user=%s", name, dir, brandd_test_pg->user);
}
