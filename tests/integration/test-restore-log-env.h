/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "test-restore-env.h"

G_BEGIN_DECLS

/* What the migration-log tests of the restore flow share (test-restore-log
 * and tests/crash): imeictl restore and recover runs on a state folder of
 * the test's choosing, with extra environment, and the log read back. */

/* imeictl --json restore @port --yes with the PKI's alice, @server, and
 * --state-dir @state_dir; @env: "NAME=VALUE" words or NULL. */
IrTestRun *test_restore_log_env_restore (RtServer *server,
					 const char *state_dir,
					 const char *port,
					 const char *const *env);

/* imeictl [--json] recover [@port] --state-dir @state_dir. */
IrTestRun *test_restore_log_env_recover (const char *state_dir, const char *port, gboolean json);

/* STATE/migration-log.jsonl as it is on disk ("" when absent). */
char *test_restore_log_env_log_text (const char *state_dir);

/* Every record of the log (JsonObject), asserting that each line is one
 * JSON object whose "seq" is its line number (0-based) and "schema" 1. */
GPtrArray *test_restore_log_env_records (const char *state_dir);

const char *test_restore_log_env_type (JsonObject *record);
const char *test_restore_log_env_string (JsonObject *record, const char *name);

/* Asserts that every INTENT has a later RESULT whose outcome is known
 * (not "unknown"). */
void test_restore_log_env_assert_all_resolved (GPtrArray *records);

/* The index of the first record of @type with "intent_id" @intent_id
 * (any when NULL) at or after @from; -1 when none. */
int
test_restore_log_env_find (GPtrArray *records, guint from, const char *type, const char *intent_id);

G_END_DECLS
