/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-test-harness.h"

G_BEGIN_DECLS

/* What the restore tests share: a development PKI made once per test
 * binary with certs/gen-dev-pki.sh, the real imei-brandd ($IMEI_BRANDD)
 * on 127.0.0.1:0 with the devices below imported, and imeictl restore
 * runs against simulated phones. */

/* Registered devices: serial, and the original IMEIs the brand holds.
 * Manufacturer and model are each family's simulator defaults. */
#define RT_MTK_SERIAL  "SN-MTK-1"
#define RT_MTK_IMEI1   "490154203237518"
#define RT_MTK_IMEI2   "352099001761481"
#define RT_MTK2_SERIAL "SN-MTK-2"
#define RT_MTK2_IMEI1  "260531793113837"
#define RT_MTK2_IMEI2  "356938035643809"
#define RT_QCT_SERIAL  "SN-QCT-1"
#define RT_QCT_IMEI1   "867798045678902"
#define RT_SIM_SERIAL  "SN-SIM-1"
#define RT_SIM_IMEI1   "868915031234560"
#define RT_UNI_SERIAL  "SN-UNI-1"
#define RT_UNI_IMEI1   "864012039876545"
#define RT_UNI_IMEI2   "864012039876552"
#define RT_SR_SERIAL   "SR1000001"
#define RT_SR_HWID     "sr1-hw-000001"
#define RT_SR_IMEI1    "352099002000012"
#define RT_SR_IMEI2    "352099002000020"
/* Qualcomm DIAG phones: the serial is the ESN the phone answers; one
 * needs its SPC, which the registry holds */
#define RT_QC1_ESN	"0C1A0001"
#define RT_QC1_SERIAL	"ESN:" RT_QC1_ESN
#define RT_QC1_IMEI1	"358476310000013"
#define RT_QC2_ESN	"0C2A0002"
#define RT_QC2_SERIAL	"ESN:" RT_QC2_ESN
#define RT_QC2_IMEI1	"358476310000021"
#define RT_QC2_IMEI2	"358476310000039"
#define RT_QCSPC_ESN	"0C3A0003"
#define RT_QCSPC_SERIAL "ESN:" RT_QCSPC_ESN
#define RT_QCSPC_IMEI1	"358476310000047"
#define RT_QCSPC_SPC	"246810"
/* a device whose original IMEI another device reported holding */
#define RT_INUSE_SERIAL "SN-INUSE"
#define RT_INUSE_IMEI1	"867230030123454"
#define RT_OTHER_SERIAL "SN-OTHER"
#define RT_OTHER_IMEI1	"352099001761499"

typedef struct {
	char *dir; /* brandd.conf, brandd.db, state/ */
	char *conf;
	char *db;
	GSubprocess *proc;
	char *url;
	char *state_dir;
} RtServer;

const char *test_restore_env_pki (void);
/* $RT_PKCS11=1: the PKI has the SoftHSM token of gen-dev-pki.sh --pkcs11
 * ($SOFTHSM2_CONF set for every child), and rt_restore uses the token's
 * technician, a PEM or PKCS#12 credential in @extra the same certificate's
 * object on the token. */
gboolean test_restore_env_pkcs11 (void);
/* Sets CKF_USER_PIN_LOCKED on the SoftHSM token @label whose files are
 * under @dir/tokens: what a real token reports after too many wrong PINs
 * (SoftHSM counts no tries, so it never locks by itself). */
void test_restore_env_pkcs11_lock_pin (const char *dir, const char *label);
/* The first line of a file of the PKI folder ("pkcs11-pin.txt"). */
char *test_restore_env_pki_text (const char *name);
/* A trust store file in the PKI folder: @name with @brand_ca and @pin
 * (NULL: the PKI's own). */
char *
test_restore_env_trust_store_variant (const char *name, const char *brand_ca, const char *pin);

/* A database with every device above; @extra_config appended to the
 * config (e.g. "[centres]\ndefault-daily-quota=1\n"); started. The
 * server witnesses logs with the PKI's witness.key unless @extra_config
 * has a [witness] group of its own. */
RtServer *test_restore_env_server_start (const char *extra_config);
/* Another node of @first: imei-brandd serve with the same config (or
 * @conf, when not NULL) and database (SQLite in WAL, shared by the two
 * processes) on another port, with @env (NAME=VALUE, NULL-terminated, may
 * be NULL) added to its environment. Free it before @first, whose folder
 * it uses. */
RtServer *test_restore_env_server_node (RtServer *first, const char *conf, const char *const *env);
/* https://127.0.0.1:PORT where nothing listens (connection refused). */
char *test_restore_env_dead_url (void);
void test_restore_env_server_free (RtServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RtServer, test_restore_env_server_free)

/* imeictl --json restore @port (--yes when @yes) with the PKI's alice (PKCS#12),
 * the server, trust store and a state folder in the server's folder.
 * @extra: more words (NULL-terminated list, may be NULL), which replace
 * the default credential when they contain --cert, --p12 or --credential,
 * and the server when they contain --server. */
IrTestRun *test_restore_env_restore (RtServer *server,
				     const char *port,
				     gboolean yes,
				     const char *const *extra);

/* A simulated phone with a state file; the IMEIs it holds now. */
IrTestSim *test_restore_env_sim_start (const char *args);
char *test_restore_env_sim_imeis (IrTestSim *sim);

/* "error"."code" of a restore JSON result (NULL when absent). */
const char *test_restore_env_error_code (const IrTestRun *run);
/* A member of the root object, or of an object member: "report.outcome". */
const char *test_restore_env_json_path (const IrTestRun *run, const char *path);

int test_restore_env_sh (const char *cmdline, char **out);

/* The local date (Asia/Kolkata) @offset days from today, "YYYY-MM-DD". */
char *test_restore_env_policy_day (int offset);
/* Signs the rollout policy document @json with the PKI's policy key and
 * publishes it in @server's database (imei-brandd policy sign, publish). */
void test_restore_env_policy_publish (RtServer *server, const char *json);

G_END_DECLS
