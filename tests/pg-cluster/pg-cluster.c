/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "pg-cluster.h"

/* Debian keeps the server's programs out of PATH, one folder a major
 * version: /usr/lib/postgresql/15/bin. */
#define PG_CLUSTER_DEBIAN_ROOT "/usr/lib/postgresql"

struct _PgCluster {
	char *dir;    /* data/, the log, the socket */
	char *bindir; /* initdb, pg_ctl */
	char *run_as; /* the user to runuser to (we are root), or NULL */
	char *user;   /* the database superuser's name */
	PgClusterFlags flags;
	gboolean running; /* started by us and not stopped since */
};

/* The newest major version's bin folder that has initdb, else initdb's
 * folder in PATH. */
static char *
pg_cluster_find_bindir (GError **error)
{
	g_autoptr (GDir) root = g_dir_open (PG_CLUSTER_DEBIAN_ROOT, 0, NULL);
	g_autofree char *in_path = NULL;
	guint64 best = 0;
	char *found = NULL;
	const char *name;

	while (root != NULL && (name = g_dir_read_name (root)) != NULL) {
		guint64 major = g_ascii_strtoull (name, NULL, 10);
		g_autofree char *initdb =
		    g_build_filename (PG_CLUSTER_DEBIAN_ROOT, name, "bin", "initdb", NULL);

		if (major > best && g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE)) {
			best = major;
			g_free (found);
			found = g_path_get_dirname (initdb);
		}
	}
	if (found != NULL)
		return found;
	in_path = g_find_program_in_path ("initdb");
	if (in_path != NULL)
		return g_path_get_dirname (in_path);
	g_set_error_literal (error,
			     G_IO_ERROR,
			     G_IO_ERROR_NOT_FOUND,
			     "PostgreSQL's initdb is not installed (Debian: apt-get install "
			     "postgresql; scripts/setup.sh does it)");
	return NULL;
}

/* The last lines of the server's log, for an error that says why. */
static char *
pg_cluster_log_tail (PgCluster *self)
{
	g_autofree char *path = g_build_filename (self->dir, "log", NULL);
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	guint n;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return g_strdup ("(no log)");
	lines = g_strsplit (g_strstrip (text), "\n", -1);
	n = g_strv_length (lines);
	return g_strjoinv ("\n", lines + (n > 10 ? n - 10 : 0));
}

/* Runs @program of the cluster's bindir with @args (NULL-terminated), as
 * the cluster's user. */
static gboolean
pg_cluster_run (
    PgCluster *self, const char *what, const char *program, const char *const *args, GError **error)
{
	g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *cmdline = NULL;
	g_autoptr (GError) local = NULL;
	int status = 0;

	if (self->run_as != NULL) {
		g_ptr_array_add (argv, g_strdup ("runuser"));
		g_ptr_array_add (argv, g_strdup ("-u"));
		g_ptr_array_add (argv, g_strdup (self->run_as));
		g_ptr_array_add (argv, g_strdup ("--"));
	}
	g_ptr_array_add (argv, g_build_filename (self->bindir, program, NULL));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add (argv, g_strdup (args[i]));
	g_ptr_array_add (argv, NULL);
	cmdline = g_strjoinv (" ", (char **)argv->pdata);
	if (!g_spawn_sync (NULL,
			   (char **)argv->pdata,
			   NULL,
			   G_SPAWN_SEARCH_PATH,
			   NULL,
			   NULL,
			   &out,
			   &err,
			   &status,
			   &local)) {
		g_set_error (error,
			     G_IO_ERROR,
			     G_IO_ERROR_FAILED,
			     "cannot run %s: %s",
			     cmdline,
			     local->message);
		return FALSE;
	}
	if (!g_spawn_check_wait_status (status, NULL)) {
		g_autofree char *log = pg_cluster_log_tail (self);

		g_set_error (error,
			     G_IO_ERROR,
			     G_IO_ERROR_FAILED,
			     "PostgreSQL could not %s: %s\n%s%s\nits log (%s/log):\n%s",
			     what,
			     cmdline,
			     out,
			     err,
			     self->dir,
			     log);
		return FALSE;
	}
	return TRUE;
}

gboolean
pg_cluster_start (PgCluster *self, GError **error)
{
	g_autofree char *data = g_build_filename (self->dir, "data", NULL);
	g_autofree char *log = g_build_filename (self->dir, "log", NULL);
	/* no TCP at all: the socket is in our folder, so clusters of several
	 * test binaries and sessions at once never meet on a port; fsync is
	 * what the flag says */
	g_autofree char *options = g_strdup_printf (
	    "-c listen_addresses='' -c unix_socket_directories='%s' -c max_connections=200%s",
	    self->dir,
	    (self->flags & PG_CLUSTER_FLAG_DURABLE) != 0 ? ""
							 : " -c fsync=off -c full_page_writes=off");
	const char *args[] = {
	    "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start", NULL};

	if (!pg_cluster_run (self, "start", "pg_ctl", args, error))
		return FALSE;
	self->running = TRUE;
	return TRUE;
}

gboolean
pg_cluster_stop (PgCluster *self, gboolean immediate, GError **error)
{
	g_autofree char *data = g_build_filename (self->dir, "data", NULL);
	const char *args[] = {
	    "-D", data, "-m", immediate ? "immediate" : "fast", "-w", "stop", NULL};

	if (!pg_cluster_run (self, "stop", "pg_ctl", args, error))
		return FALSE;
	self->running = FALSE;
	return TRUE;
}

/* Running as root: the user the cluster runs as, owner of the folder. */
static gboolean
pg_cluster_take_user (PgCluster *self, GError **error)
{
	const char *user = g_getenv ("IR_PG_USER") != NULL ? g_getenv ("IR_PG_USER") : "postgres";
	struct passwd *pw = getpwnam (user);

	if (pw == NULL) {
		g_set_error (error,
			     G_IO_ERROR,
			     G_IO_ERROR_NOT_FOUND,
			     "running as root, PostgreSQL needs an unprivileged user and %s does "
			     "not exist (set IR_PG_USER, or install the postgresql package, which "
			     "makes postgres)",
			     user);
		return FALSE;
	}
	/* the folder is made 0700 for root */
	if (chown (self->dir, pw->pw_uid, pw->pw_gid) != 0) {
		g_set_error (error,
			     G_IO_ERROR,
			     g_io_error_from_errno (errno),
			     "cannot give %s to %s: %s",
			     self->dir,
			     user,
			     g_strerror (errno));
		return FALSE;
	}
	self->run_as = g_strdup (user);
	self->user = g_strdup (user);
	return TRUE;
}

PgCluster *
pg_cluster_new (PgClusterFlags flags, GError **error)
{
	g_autoptr (PgCluster) self = g_new0 (PgCluster, 1);
	g_autofree char *data = NULL;
	g_autofree char *user_opt = NULL;

	self->flags = flags;
	self->bindir = pg_cluster_find_bindir (error);
	if (self->bindir == NULL)
		return NULL;
	self->dir = g_dir_make_tmp ("pg-cluster-XXXXXX", error);
	if (self->dir == NULL)
		return NULL;
	if (geteuid () == 0) {
		if (!pg_cluster_take_user (self, error))
			return NULL;
	} else {
		self->user = g_strdup (g_get_user_name ());
	}
	data = g_build_filename (self->dir, "data", NULL);
	user_opt = g_strdup_printf ("--username=%s", self->user);
	{
		/* --no-sync: the files initdb writes need no flush, even for
		 * the bench, which measures commits, not initdb */
		const char *args[] = {"-D",
				      data,
				      user_opt,
				      "--auth=trust",
				      "--encoding=UTF8",
				      "--locale=C",
				      "--no-sync",
				      NULL};

		if (!pg_cluster_run (self, "initialise a cluster", "initdb", args, error))
			return NULL;
	}
	if (!pg_cluster_start (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

const char *
pg_cluster_get_dir (PgCluster *self)
{
	return self->dir;
}

const char *
pg_cluster_get_user (PgCluster *self)
{
	return self->user;
}

char *
pg_cluster_new_database (PgCluster *self, const char *name, GError **error)
{
	g_autofree char *admin =
	    g_strdup_printf ("host=%s dbname=postgres user=%s", self->dir, self->user);
	g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
	PGconn *conn = PQconnectdb (admin);
	PGresult *res = NULL;
	gboolean ok = FALSE;

	if (PQstatus (conn) != CONNECTION_OK) {
		g_set_error (error,
			     G_IO_ERROR,
			     G_IO_ERROR_CONNECTION_REFUSED,
			     "cannot connect to the cluster (%s): %s",
			     admin,
			     PQerrorMessage (conn));
	} else {
		res = PQexec (conn, sql);
		ok = PQresultStatus (res) == PGRES_COMMAND_OK;
		if (!ok)
			g_set_error (error,
				     G_IO_ERROR,
				     G_IO_ERROR_FAILED,
				     "%s: %s",
				     sql,
				     PQresultErrorMessage (res));
		PQclear (res);
	}
	PQfinish (conn);
	if (!ok)
		return NULL;
	return g_strdup_printf ("postgresql:///%s?host=%s&user=%s", name, self->dir, self->user);
}

void
pg_cluster_free (PgCluster *self)
{
	if (self == NULL)
		return;
	if (self->running) {
		g_autoptr (GError) error = NULL;

		if (!pg_cluster_stop (self, TRUE, &error))
			g_printerr ("%s\n", error->message);
	}
	if (self->dir != NULL) {
		const char *argv[] = {"rm", "-rf", self->dir, NULL};

		/* the files are the cluster user's; we are root or that user */
		g_spawn_sync (NULL,
			      (char **)argv,
			      NULL,
			      G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			      NULL,
			      NULL,
			      NULL,
			      NULL,
			      NULL,
			      NULL);
	}
	g_free (self->dir);
	g_free (self->bindir);
	g_free (self->run_as);
	g_free (self->user);
	g_free (self);
}
