/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A throwaway PostgreSQL cluster for the imei-brandd tests, one per test
 * binary (tests/pg-cluster/pg-cluster.c: initdb into a temporary folder,
 * pg_ctl with no TCP listener and its Unix socket in that folder, run as
 * an unprivileged user when the tests run as root, since PostgreSQL
 * refuses root: $IR_PG_USER, else the Debian package's `postgres`).
 * Stopped and removed at exit. When it cannot start, the current test
 * fails and says why; it never skips. */

/* TRUE when $IR_BRANDD_TEST_BACKEND is "postgresql" (meson's server-pg
 * suite sets it): the server tests then run on PostgreSQL. */
gboolean brandd_test_pg_wanted (void);

/* Starts the cluster if it is not running; returns its socket folder. */
const char *brandd_test_pg_cluster (void);

/* A new empty database in the cluster, as the libpq URI imei-brandd takes
 * (postgresql:///NAME?host=FOLDER&user=USER). */
char *brandd_test_pg_new_database (void);

/* Stops the cluster (@immediate: as a crash would, without a checkpoint)
 * and starts it again, for the tests of a database outage. */
void brandd_test_pg_stop (gboolean immediate);
void brandd_test_pg_start (void);

G_END_DECLS
