/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-imei.h"
#include "ir-log-schema.h"

/* records hold what a phone reported; never fewer slots than a phone has */
G_STATIC_ASSERT (IR_LOG_SCHEMA_MAX_SLOTS >= IR_IMEI_MAX_SLOTS);

static const IrLogFieldSpec ir_log_schema_start[] = {
    {"software", IR_LOG_FIELD_NAME},
    {"workstation", IR_LOG_FIELD_NAME},
    /* the key that signs from here on (SubjectPublicKeyInfo DER): what
     * imeictl audit key prints and the brand registers */
    {"public_key", IR_LOG_FIELD_BASE64, TRUE},
};

static const IrLogFieldSpec ir_log_schema_intent[] = {
    {"intent_id", IR_LOG_FIELD_HEX},
    {"technician", IR_LOG_FIELD_NAME},
    {"centre", IR_LOG_FIELD_NAME},
    {"workstation", IR_LOG_FIELD_NAME},
    {"phone", IR_LOG_FIELD_PHONE},
    {"imeis_before", IR_LOG_FIELD_SLOTS},
    {"imeis_target", IR_LOG_FIELD_SLOTS},
    {"token_id", IR_LOG_FIELD_HEX},
    {"token_sha256", IR_LOG_FIELD_SHA256},
    {"phase", IR_LOG_FIELD_NAME},
    /* the rollout policy the token was issued under (docs/rollout-policy.md) */
    {"policy_version", IR_LOG_FIELD_COUNT, TRUE},
};

static const IrLogFieldSpec ir_log_schema_result[] = {
    {"intent_id", IR_LOG_FIELD_HEX},
    {"outcome", IR_LOG_FIELD_OUTCOME},
    {"reason", IR_LOG_FIELD_TEXT, TRUE},
    {"imeis_read_back", IR_LOG_FIELD_SLOTS},
    /* the INTENT's, repeated so that a report can count RESULTs alone */
    {"phase", IR_LOG_FIELD_NAME, TRUE},
    {"policy_version", IR_LOG_FIELD_COUNT, TRUE},
};

static const IrLogFieldSpec ir_log_schema_recovery[] = {
    {"cut_bytes", IR_LOG_FIELD_COUNT},
    {"reason", IR_LOG_FIELD_TEXT},
};

static const IrLogFieldSpec ir_log_schema_key_rotation[] = {
    {"old_key_name", IR_LOG_FIELD_NAME},
    {"new_key_name", IR_LOG_FIELD_NAME},
    {"new_public_key", IR_LOG_FIELD_BASE64},
};

const IrLogTypeSpec ir_log_schema_types[] = {
    [IR_LOG_RECORD_START] = {"START", ir_log_schema_start, G_N_ELEMENTS (ir_log_schema_start)},
    [IR_LOG_RECORD_INTENT] = {"INTENT", ir_log_schema_intent, G_N_ELEMENTS (ir_log_schema_intent)},
    [IR_LOG_RECORD_RESULT] = {"RESULT", ir_log_schema_result, G_N_ELEMENTS (ir_log_schema_result)},
    [IR_LOG_RECORD_RECOVERY] = {"RECOVERY",
				ir_log_schema_recovery,
				G_N_ELEMENTS (ir_log_schema_recovery)},
    [IR_LOG_RECORD_KEY_ROTATION] = {"KEY_ROTATION",
				    ir_log_schema_key_rotation,
				    G_N_ELEMENTS (ir_log_schema_key_rotation)},
};
const guint ir_log_schema_n_types = G_N_ELEMENTS (ir_log_schema_types);

const char *const ir_log_schema_common[] = {"schema", "seq", "type", "time"};
const guint ir_log_schema_n_common = G_N_ELEMENTS (ir_log_schema_common);

const char *const ir_log_schema_phone[] = {
    "port", "manufacturer", "model", "serial", "hardware_id", "family"};
const guint ir_log_schema_n_phone = G_N_ELEMENTS (ir_log_schema_phone);

const char *const ir_log_schema_outcomes[] = {
    "success", "failed", "aborted", "unknown", "recovered"};
const guint ir_log_schema_n_outcomes = G_N_ELEMENTS (ir_log_schema_outcomes);
