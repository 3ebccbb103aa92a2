/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A program that has @port open and takes no lock, as screen or cat
 * would: `sleep 60` with the port as its stdin. Returned once it has
 * become sleep (until its exec, the fork bears the test's name, which
 * the port-holder check would give). Aborts the test if it cannot. */
GSubprocess *ir_test_holder_spawn (const char *port);

/* How the port-holder check names it: "sleep (pid N)". */
char *ir_test_holder_describe (GSubprocess *holder);

G_END_DECLS
