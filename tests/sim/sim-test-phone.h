/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ir-sim-config.h"

G_BEGIN_DECLS

/* The phone side of the sim tests: a simulated phone built the way imei-sim
 * builds one from its flags, and the scratch folder for its state file. */

/* A phone called @name from config keys (@settings: "key", "value", ...,
 * NULL), validated, serving on its own thread. A refused key fails the
 * test. */
IrSimPhone *sim_test_phone_new_strv (const char *name, const char *const *settings);
IrSimPhone *
sim_test_phone_new (const char *name, const char *first_key, ...) G_GNUC_NULL_TERMINATED;

/* A new empty folder from the g_dir_make_tmp() template @tmpl; asserts. */
char *sim_test_phone_dir_new (const char *tmpl);
/* Removes @dir and the files in it. */
void sim_test_phone_dir_remove (const char *dir);

G_END_DECLS
