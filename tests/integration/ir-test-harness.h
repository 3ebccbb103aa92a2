/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the integration tests share: the real imei-sim and imeictl binaries
 * ($IMEI_SIM and $IMEICTL, set by tests/meson.build) run as subprocesses,
 * each simulator in a temporary directory of its own. Helpers fail the
 * current cmocka test when the harness itself breaks. */

/* Test IMEIs (Luhn-checked by hand: see the comments in the tables). */
#define IR_TEST_IMEI_A	  "490154203237518" /* valid */
#define IR_TEST_IMEI_B	  "260531793113837" /* valid: the TS 23.003 Annex B example */
#define IR_TEST_IMEI_C	  "356938035643809" /* valid; on the duplicate list */
#define IR_TEST_IMEI_D	  "352099001761481" /* valid */
#define IR_TEST_IMEI_BAD  "867230030123457" /* check digit should be 4 */
#define IR_TEST_IMEI_ZERO "000000000000000" /* factory default */

typedef struct {
	GSubprocess *proc;
	GDataInputStream *stdout_stream;
	char *tmpdir;
	char *path; /* the first phone's pseudo-terminal */
	gboolean owns_tmpdir;
} IrTestSim;

/* A fresh temporary directory (removed with its files by ir_test_harness_rmdir()). */
char *ir_test_harness_mkdtemp (void);
void ir_test_harness_rmdir (const char *dir);
/* Writes @contents to @name in @dir; returns the path. */
char *ir_test_harness_write_file (const char *dir, const char *name, const char *contents);

/* Starts imei-sim with @args (shell words; "@TMP@" is replaced by the
 * simulator's temporary directory) and waits for "ready". */
IrTestSim *ir_test_harness_sim_start (const char *args);
/* Same, in @tmpdir (owned by the caller). */
IrTestSim *ir_test_harness_sim_start_in (const char *tmpdir, const char *args);
/* Stops the simulator (SIGTERM) and removes its temporary directory. */
void ir_test_harness_sim_free (IrTestSim *sim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTestSim, ir_test_harness_sim_free)

typedef struct {
	int exit_code; /* -signal when killed */
	char *out;
	char *err;
	JsonNode *json; /* stdout parsed, NULL when it is not JSON */
} IrTestRun;

void ir_test_harness_run_free (IrTestRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IrTestRun, ir_test_harness_run_free)

typedef struct {
	const char *const *env; /* "NAME=VALUE" to set, NULL-terminated; may be NULL */
	gboolean as_nobody;	/* run as uid/gid 65534 (only when we are root) */
	guint sigint_after_ms;	/* send SIGINT after this long; 0 = never */
} IrTestRunOptions;

/* Runs imeictl with @argv (without the program name); IMEIRESTORE_DUPLICATES
 * is unset unless @opts sets it. */
IrTestRun *ir_test_harness_imeictl_full (const char *const *argv, const IrTestRunOptions *opts);
/* Varargs convenience: NULL-terminated words. */
IrTestRun *ir_test_harness_imeictl (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Asserts stderr is exactly one line "imeictl: ..." containing every one
 * of the NULL-terminated @needles, and (with --json) the error object. */
void ir_test_harness_assert_error (const IrTestRun *run, int exit_code, const char *code, ...)
    G_GNUC_NULL_TERMINATED;

/* Member @name of the root object (NULL when absent or null). */
const char *ir_test_harness_json_string (JsonNode *root, const char *name);
JsonArray *ir_test_harness_json_slots (JsonNode *root);
/* Member @name of slot @idx, a string or NULL. */
const char *ir_test_harness_slot_string (JsonNode *root, guint idx, const char *name);
/* Equal JSON objects once the "port" member is left out of both and the
 * port named elsewhere (in a note) is taken for the same. */
gboolean ir_test_harness_json_equal_but_port (JsonNode *a, JsonNode *b);

/* Runs one cmocka test per row of the table @rows (@n_rows rows of
 * @row_size bytes whose first member is the row's name, const char *), each
 * calling @func with the row as its state, then the @n_extra tests of
 * @extra. Returns what cmocka returns: the number of failed tests. */
int ir_test_harness_run_table (const char *group,
			       void (*func) (void **state),
			       const void *rows,
			       gsize row_size,
			       guint n_rows,
			       const void *extra,
			       guint n_extra);

G_END_DECLS
