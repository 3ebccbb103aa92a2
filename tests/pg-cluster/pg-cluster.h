/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A throwaway PostgreSQL cluster, for the server-pg tests and for
 * bench-brandd: initdb into a temporary folder, pg_ctl with no TCP
 * listener and its Unix socket in that folder. PostgreSQL refuses to run
 * as root, and CI runs as root: then the cluster runs as an unprivileged
 * user through runuser, $IR_PG_USER or else the Debian package's
 * `postgres`, and the folder is handed to that user. No test framework
 * here: every failure is a GError that says why, for the caller to fail
 * its test or its run with. */

typedef struct _PgCluster PgCluster;

typedef enum {
	/* fsync=off, full_page_writes=off: for tests, where a crash of the
	 * machine loses nothing worth keeping */
	PG_CLUSTER_FLAG_NONE = 0,
	/* fsync and synchronous commit as a deployment has them: for the
	 * benches, where a commit's cost is part of what is measured */
	PG_CLUSTER_FLAG_DURABLE = 1 << 0,
} PgClusterFlags;

/* initdb into a new temporary folder, then starts the server. */
PgCluster *pg_cluster_new (PgClusterFlags flags, GError **error);

/* The folder: data/, the log, and the server's socket. */
const char *pg_cluster_get_dir (PgCluster *self);

/* The database superuser's name (the user the cluster runs as). */
const char *pg_cluster_get_user (PgCluster *self);

/* A new empty database in the cluster, as the libpq URI imei-brandd takes
 * (postgresql:///NAME?host=FOLDER&user=USER). @name must be a plain SQL
 * identifier. */
char *pg_cluster_new_database (PgCluster *self, const char *name, GError **error);

/* Stops the server (@immediate: as a crash would, without a checkpoint)
 * and starts it again, for the tests of a database outage. */
gboolean pg_cluster_stop (PgCluster *self, gboolean immediate, GError **error);
gboolean pg_cluster_start (PgCluster *self, GError **error);

/* Stops the server if it runs (immediate: there is nothing to keep) and
 * removes the folder. */
void pg_cluster_free (PgCluster *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgCluster, pg_cluster_free)

G_END_DECLS
