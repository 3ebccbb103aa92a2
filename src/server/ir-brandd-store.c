/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ir-brandd-resources.h"
#include "ir-brandd-rollout-store.h"
#include "ir-brandd-store.h"
#include "ir-error.h"
#include "ir-imei.h"

#define IR_BRANDD_STORE_RESOURCE(name) ("/org/imeirestore/brandd/" name)

/* The schema's versions, described once for both backends: the script
 * that takes a database to each version, per backend. A fresh SQLite
 * database runs them all from 1; PostgreSQL came in at version 8, whose
 * script makes the whole schema, and a fresh PostgreSQL database starts
 * at the first version it has a script for. A later version needs both. */
typedef struct {
	int version;
	const char *sqlite;
	const char *postgresql; /* NULL: part of the next PostgreSQL script */
} IrBranddStoreMigration;

static const IrBranddStoreMigration IR_BRANDD_STORE_MIGRATIONS[] = {
    {1, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema.sql"), NULL},
    {2, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-2.sql"), NULL},
    {3, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-3.sql"), NULL},
    {4, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-4.sql"), NULL},
    {5, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-5.sql"), NULL},
    {6, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-6.sql"), NULL},
    {7, IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-7.sql"), NULL},
    {8,
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-8.sql"),
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-pg-8.sql")},
    {9,
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-9.sql"),
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-pg-9.sql")},
    {10,
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-10.sql"),
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-pg-10.sql")},
    {11,
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-11.sql"),
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-pg-11.sql")},
    {12,
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-12.sql"),
     IR_BRANDD_STORE_RESOURCE ("ir-brandd-schema-pg-12.sql")},
};
G_STATIC_ASSERT (G_N_ELEMENTS (IR_BRANDD_STORE_MIGRATIONS) == IR_BRANDD_SCHEMA_VERSION);

struct _IrBranddStore {
	IrBranddDb *db;
};

void
ir_brandd_store_device_free (IrBranddDevice *device)
{
	if (device == NULL)
		return;
	g_free (device->serial);
	g_free (device->hardware_id);
	g_free (device->manufacturer);
	g_free (device->model);
	g_free (device->tac);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++)
		g_free (device->imei[i]);
	g_free (device->spc);
	g_free (device->centre);
	g_free (device);
}

static const char *
ir_brandd_store_script (const IrBranddStoreMigration *m, IrBranddBackend backend)
{
	return backend == IR_BRANDD_BACKEND_POSTGRESQL ? m->postgresql : m->sqlite;
}

/* One migration in one transaction that ends by setting the version it
 * reaches, so that an interrupted upgrade resumes where it stopped and a
 * failure leaves the database as it was. */
static gboolean
ir_brandd_store_run_script (IrBranddDb *db, const char *resource, GError **error)
{
	g_autoptr (GBytes) schema = g_resource_lookup_data (
	    ir_brandd_get_resource (), resource, G_RESOURCE_LOOKUP_FLAGS_NONE, error);

	if (schema == NULL || !ir_brandd_db_begin (db, error))
		return FALSE;
	if (!ir_brandd_db_exec_script (db, g_bytes_get_data (schema, NULL), error)) {
		g_prefix_error (error, "%s: ", strrchr (resource, '/') + 1);
		ir_brandd_db_rollback (db);
		return FALSE;
	}
	return ir_brandd_db_commit (db, error);
}

static gboolean
ir_brandd_store_check_version (IrBranddDb *db, GError **error)
{
	int version = 0;

	if (!ir_brandd_db_schema_version (db, &version, error))
		return FALSE;
	if (version == IR_BRANDD_SCHEMA_VERSION)
		return TRUE;
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_INVALID_INPUT,
		     "database %s has schema version %d, this imei-brandd needs %d%s",
		     ir_brandd_db_get_name (db),
		     version,
		     IR_BRANDD_SCHEMA_VERSION,
		     version == 0 ? "; initialise it with imei-brandd init-db"
		     : version < IR_BRANDD_SCHEMA_VERSION
			 ? "; upgrade it with imei-brandd init-db (back it up first)"
			 : "; this imei-brandd is older than the database: run the newer one");
	return FALSE;
}

gboolean
ir_brandd_store_init (IrBranddBackend backend, const char *target, GError **error)
{
	g_autoptr (IrBranddDb) db = ir_brandd_db_open (backend, target, TRUE, error);
	int version = 0;

	if (db == NULL || !ir_brandd_db_schema_version (db, &version, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (IR_BRANDD_STORE_MIGRATIONS); i++) {
		const IrBranddStoreMigration *m = &IR_BRANDD_STORE_MIGRATIONS[i];
		const char *script = ir_brandd_store_script (m, backend);

		if (m->version <= version || script == NULL)
			continue;
		if (!ir_brandd_store_run_script (db, script, error) ||
		    !ir_brandd_db_schema_version (db, &version, error))
			return FALSE;
	}
	return ir_brandd_store_check_version (db, error);
}

IrBranddStore *
ir_brandd_store_open (IrBranddBackend backend, const char *target, GError **error)
{
	g_autoptr (IrBranddDb) db = ir_brandd_db_open (backend, target, FALSE, error);
	IrBranddStore *self;

	if (db == NULL || !ir_brandd_store_check_version (db, error))
		return NULL;
	self = g_new0 (IrBranddStore, 1);
	self->db = g_steal_pointer (&db);
	return self;
}

void
ir_brandd_store_free (IrBranddStore *self)
{
	if (self == NULL)
		return;
	ir_brandd_db_free (self->db);
	g_free (self);
}

IrBranddDb *
ir_brandd_store_get_db (IrBranddStore *self)
{
	return self->db;
}

void
ir_brandd_store_set_busy_timeout (IrBranddStore *self, guint ms)
{
	ir_brandd_db_set_busy_timeout (self->db, ms);
}

gboolean
ir_brandd_store_begin (IrBranddStore *self, GError **error)
{
	return ir_brandd_db_begin (self->db, error);
}

gboolean
ir_brandd_store_commit (IrBranddStore *self, GError **error)
{
	return ir_brandd_db_commit (self->db, error);
}

void
ir_brandd_store_rollback (IrBranddStore *self)
{
	ir_brandd_db_rollback (self->db);
}

IrBranddStmt *
ir_brandd_store_prepare (IrBranddStore *self, const char *sql, GError **error)
{
	return ir_brandd_db_prepare (self->db, sql, error);
}

gboolean
ir_brandd_store_step_done (IrBranddStore *self,
			   IrBranddStmt *stmt,
			   const char *what,
			   GError **error)
{
	(void)self;
	return ir_brandd_stmt_run (stmt, what, error);
}

gboolean
ir_brandd_store_step_row (
    IrBranddStore *self, IrBranddStmt *stmt, gboolean *row, const char *what, GError **error)
{
	(void)self;
	return ir_brandd_stmt_step (stmt, row, what, error);
}

static gboolean
ir_brandd_store_load_imeis (IrBranddStore *self, IrBranddDevice *dev, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db, "SELECT slot, imei FROM device_imeis WHERE device_id = ?", error);
	gboolean row = TRUE;

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_int64 (stmt, 1, dev->id);
	while (row) {
		gint64 slot;

		if (!ir_brandd_stmt_step (stmt, &row, "read a device's IMEIs", error))
			return FALSE;
		if (!row)
			break;
		slot = ir_brandd_stmt_column_int64 (stmt, 0);
		if (slot >= 0 && slot < IR_TOKEN_MAX_SLOTS) {
			g_free (dev->imei[slot]);
			dev->imei[slot] = ir_brandd_stmt_dup_text (stmt, 1);
		}
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_store_find_device (IrBranddStore *self,
			     const char *column,
			     const char *value,
			     IrBranddDevice **out,
			     GError **error)
{
	const char *sql =
	    g_strcmp0 (column, "serial") == 0
		? "SELECT id, serial, hardware_id, manufacturer, model, tac, spc, centre "
		  "FROM devices WHERE serial = ?"
		: "SELECT id, serial, hardware_id, manufacturer, model, tac, spc, centre "
		  "FROM devices WHERE hardware_id = ?";
	IrBranddStmt *stmt = NULL;
	g_autoptr (IrBranddDevice) dev = NULL;
	gboolean row = FALSE;

	*out = NULL;
	if (value == NULL)
		return TRUE;
	stmt = ir_brandd_db_prepare (self->db, sql, error);
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, value);
	if (!ir_brandd_stmt_step (stmt, &row, "look a device up", error))
		return FALSE;
	if (!row) {
		ir_brandd_stmt_reset (stmt);
		return TRUE;
	}
	dev = g_new0 (IrBranddDevice, 1);
	dev->id = ir_brandd_stmt_column_int64 (stmt, 0);
	dev->serial = ir_brandd_stmt_dup_text (stmt, 1);
	dev->hardware_id = ir_brandd_stmt_dup_text (stmt, 2);
	dev->manufacturer = ir_brandd_stmt_dup_text (stmt, 3);
	dev->model = ir_brandd_stmt_dup_text (stmt, 4);
	dev->tac = ir_brandd_stmt_dup_text (stmt, 5);
	dev->spc = ir_brandd_stmt_dup_text (stmt, 6);
	dev->centre = ir_brandd_stmt_dup_text (stmt, 7);
	ir_brandd_stmt_reset (stmt);
	if (!ir_brandd_store_load_imeis (self, dev, error))
		return FALSE;
	*out = g_steal_pointer (&dev);
	return TRUE;
}

gboolean
ir_brandd_store_imei_holder (
    IrBranddStore *self, gint64 device_id, const char *imei, gint64 *holder, GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_db_prepare (self->db,
				  "SELECT device_id FROM device_imeis "
				  "WHERE identity = ?1 AND device_id <> ?2 "
				  "UNION ALL SELECT device_id FROM reported_imeis "
				  "WHERE identity = ?1 AND device_id <> ?2 LIMIT 1",
				  error);
	g_autofree char *identity = g_strndup (imei, IR_IMEI_ID_LEN);
	gboolean row = FALSE;

	*holder = 0;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, identity);
	ir_brandd_stmt_bind_int64 (stmt, 2, device_id);
	if (!ir_brandd_stmt_step (stmt, &row, "look an IMEI up", error))
		return FALSE;
	if (row)
		*holder = ir_brandd_stmt_column_int64 (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

/* The centre's quota (its row in centres, else @quota as given) and its
 * counter row for @day (ir-brandd-schema-3.sql), in one statement: one
 * row read each, however many tokens the day has. */
static gboolean
ir_brandd_store_centre_count (IrBranddStore *self,
			      const char *centre,
			      const char *day,
			      guint *quota,
			      guint *n,
			      GError **error)
{
	/* daily_quota is NOT NULL: -1 can only mean that the centre has no row */
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "SELECT COALESCE((SELECT daily_quota FROM centres WHERE id = ?1), -1), "
	    "COALESCE((SELECT issued FROM centre_day_counts WHERE centre = ?1 AND utc_day = ?2), "
	    "0)",
	    error);
	gboolean row = FALSE;

	*n = 0;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, centre);
	ir_brandd_stmt_bind_text (stmt, 2, day);
	if (!ir_brandd_stmt_step (stmt, &row, "read a centre's quota and token count", error))
		return FALSE;
	if (row) {
		gint64 q = ir_brandd_stmt_column_int64 (stmt, 0);

		if (q >= 0)
			*quota = (guint)q;
		*n = (guint)ir_brandd_stmt_column_int64 (stmt, 1);
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

static gboolean
ir_brandd_store_count_one_more (IrBranddStore *self,
				const char *centre,
				const char *day,
				GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "INSERT INTO centre_day_counts (centre, utc_day, issued) VALUES (?, ?, 1) "
	    "ON CONFLICT (centre, utc_day) DO UPDATE SET issued = centre_day_counts.issued + 1",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, centre);
	ir_brandd_stmt_bind_text (stmt, 2, day);
	return ir_brandd_stmt_run (stmt, "count a centre's token", error);
}

static char *
ir_brandd_store_utc_day (gint64 unix_time)
{
	g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);
	return g_date_time_format (dt, "%Y-%m-%d");
}

gboolean
ir_brandd_store_find_request (IrBranddStore *self,
			      const guint8 *cnf,
			      const char *request_id,
			      const guint8 *request_hash,
			      IrBranddRequestSeen *seen,
			      char **answer,
			      GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "SELECT request_hash, answer FROM tokens WHERE cnf = ? AND request_id = ?",
	    error);
	gboolean row = FALSE;

	*seen = IR_BRANDD_REQUEST_NEW;
	*answer = NULL;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_blob (stmt, 1, cnf, IR_TOKEN_CNF_LEN);
	ir_brandd_stmt_bind_text (stmt, 2, request_id);
	if (!ir_brandd_stmt_step (stmt, &row, "look a request id up", error))
		return FALSE;
	if (row) {
		gsize len = 0;
		const guint8 *hash = ir_brandd_stmt_column_blob (stmt, 0, &len);
		const char *kept = ir_brandd_stmt_column_text (stmt, 1);

		if (hash != NULL && len == IR_BRANDD_REQUEST_HASH_LEN && kept != NULL &&
		    memcmp (hash, request_hash, IR_BRANDD_REQUEST_HASH_LEN) == 0) {
			*seen = IR_BRANDD_REQUEST_REPLAY;
			*answer = g_strdup (kept);
		} else {
			*seen = IR_BRANDD_REQUEST_REUSED;
		}
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

/* *inserted FALSE: a token was recorded under the same request id since
 * this transaction looked (a READ COMMITTED race; under SERIALIZABLE the
 * unique index makes it a serialization failure instead). */
static gboolean
ir_brandd_store_insert_token (IrBranddStore *self,
			      const IrBranddTokenRecord *r,
			      const char *day,
			      gboolean *inserted,
			      GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_db_prepare (self->db,
				  "INSERT INTO tokens (cti, device_id, cnf, centre, issued_at, "
				  "utc_day, expires_at, imeis, request_id, request_hash, answer) "
				  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
				  "ON CONFLICT (cnf, request_id) DO NOTHING",
				  error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, r->cti);
	ir_brandd_stmt_bind_int64 (stmt, 2, r->device_id);
	ir_brandd_stmt_bind_blob (stmt, 3, r->cnf, IR_TOKEN_CNF_LEN);
	ir_brandd_stmt_bind_text (stmt, 4, r->centre);
	ir_brandd_stmt_bind_int64 (stmt, 5, r->issued_at);
	ir_brandd_stmt_bind_text (stmt, 6, day);
	ir_brandd_stmt_bind_int64 (stmt, 7, r->expires_at);
	ir_brandd_stmt_bind_text (stmt, 8, r->imeis_json);
	ir_brandd_stmt_bind_text (stmt, 9, r->request_id);
	if (r->request_id != NULL)
		ir_brandd_stmt_bind_blob (stmt, 10, r->request_hash, IR_BRANDD_REQUEST_HASH_LEN);
	else
		ir_brandd_stmt_bind_null (stmt, 10);
	ir_brandd_stmt_bind_text (stmt, 11, r->request_id != NULL ? r->answer_json : NULL);
	if (!ir_brandd_stmt_run (stmt, "record a token", error))
		return FALSE;
	*inserted = ir_brandd_stmt_changes (stmt) > 0;
	return TRUE;
}

/* A record with a request id that a token was already recorded under:
 * res->request_seen says so, and nothing is recorded. */
static gboolean
ir_brandd_store_seen_request (IrBranddStore *self,
			      const IrBranddTokenRecord *record,
			      IrBranddTokenResult *res,
			      GError **error)
{
	g_clear_pointer (&res->answer, g_free);
	res->request_seen = IR_BRANDD_REQUEST_NEW;
	if (record->request_id == NULL)
		return TRUE;
	return ir_brandd_store_find_request (self,
					     record->cnf,
					     record->request_id,
					     record->request_hash,
					     &res->request_seen,
					     &res->answer,
					     error);
}

/* The device's live token, from its row in device_live_tokens
 * (ir-brandd-schema-12.sql): one row per device, so the check costs the
 * same however many tokens the device had. *until: its expiry when
 * another certificate than the record's holds it, else 0; *own: its cti
 * when the record's certificate holds it (to be superseded), else NULL. */
static gboolean
ir_brandd_store_live_token (
    IrBranddStore *self, const IrBranddTokenRecord *r, gint64 *until, GBytes **own, GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_db_prepare (self->db,
				  "SELECT l.expires_at, l.cnf, l.cti FROM device_live_tokens l "
				  "WHERE l.device_id = ? AND l.expires_at > ? "
				  "AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.cti = l.cti)",
				  error);
	gboolean row = FALSE;

	*until = 0;
	*own = NULL;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_int64 (stmt, 1, r->device_id);
	ir_brandd_stmt_bind_int64 (stmt, 2, r->issued_at);
	if (!ir_brandd_stmt_step (stmt, &row, "look for a live token", error))
		return FALSE;
	if (row) {
		gsize cnf_len = 0;
		gsize cti_len = 0;
		const guint8 *cnf = ir_brandd_stmt_column_blob (stmt, 1, &cnf_len);
		const guint8 *cti = ir_brandd_stmt_column_blob (stmt, 2, &cti_len);

		if (cnf != NULL && cnf_len == IR_TOKEN_CNF_LEN &&
		    memcmp (cnf, r->cnf, IR_TOKEN_CNF_LEN) == 0)
			*own = g_bytes_new (cti, cti_len);
		else
			*until = ir_brandd_stmt_column_int64 (stmt, 0);
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

/* The same certificate asking again (a retry after a crash or a lost
 * answer): its earlier live token for the device, @own, is closed as
 * aborted, so that the device still has one live token. */
static gboolean
ir_brandd_store_supersede_own (IrBranddStore *self,
			       const IrBranddTokenRecord *r,
			       GBytes *own,
			       GError **error)
{
	IrBranddStmt *stmt = NULL;

	if (own == NULL)
		return TRUE;
	stmt =
	    ir_brandd_db_prepare (self->db,
				  "INSERT INTO reports (cti, outcome, imeis_read_back, detail, "
				  "reported_at) VALUES (?, 'aborted', NULL, 'superseded by a newer "
				  "token for the same certificate', ?)",
				  error);
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, own);
	ir_brandd_stmt_bind_int64 (stmt, 2, r->issued_at);
	return ir_brandd_stmt_run (stmt, "close a superseded token", error);
}

/* The new token is the device's live one. */
static gboolean
ir_brandd_store_hold_device (IrBranddStore *self, const IrBranddTokenRecord *r, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "INSERT INTO device_live_tokens (device_id, cti, cnf, expires_at) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET cti = excluded.cti, "
	    "cnf = excluded.cnf, expires_at = excluded.expires_at",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_int64 (stmt, 1, r->device_id);
	ir_brandd_stmt_bind_bytes (stmt, 2, r->cti);
	ir_brandd_stmt_bind_blob (stmt, 3, r->cnf, IR_TOKEN_CNF_LEN);
	ir_brandd_stmt_bind_int64 (stmt, 4, r->expires_at);
	return ir_brandd_stmt_run (stmt, "record the device's live token", error);
}

/* One token's checks and writes, inside the batch's transaction: the
 * refusals come before any write, so a refused token leaves nothing. */
static gboolean
ir_brandd_store_record_one (IrBranddStore *self,
			    const IrBranddTokenRecord *record,
			    guint default_quota,
			    IrBranddTokenResult *res,
			    GError **error)
{
	g_autofree char *day = ir_brandd_store_utc_day (record->issued_at);
	g_autoptr (GBytes) own = NULL;
	guint issued = 0;
	gboolean inserted = FALSE;

	/* a retry (on this node or another) is answered before the checks:
	 * its token holds the device and was counted already */
	if (!ir_brandd_store_seen_request (self, record, res, error))
		return FALSE;
	if (res->request_seen != IR_BRANDD_REQUEST_NEW)
		return TRUE;
	if (!ir_brandd_store_live_token (self, record, &res->live_until, &own, error) ||
	    !ir_brandd_store_centre_count (self, record->centre, day, &res->quota, &issued, error))
		return FALSE;
	if (res->live_until != 0)
		return TRUE;
	if (issued >= res->quota) {
		res->quota_reached = TRUE;
		return TRUE;
	}
	if (record->rollout != NULL &&
	    !ir_brandd_rollout_store_check (self, record->centre, record->rollout, error))
		return FALSE;
	if (record->rollout != NULL && record->rollout->result != IR_BRANDD_CLAIM_OK)
		return TRUE;
	/* the token's row first: when it loses a race for its request id,
	 * nothing else was written and the winner's answer is the one */
	if (!ir_brandd_store_insert_token (self, record, day, &inserted, error))
		return FALSE;
	if (!inserted) {
		if (!ir_brandd_store_seen_request (self, record, res, error))
			return FALSE;
		if (res->request_seen == IR_BRANDD_REQUEST_NEW) {
			/* the other row is not visible yet: run the batch again */
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_BUSY,
				     "request id %s is being recorded by another transaction",
				     record->request_id);
			return FALSE;
		}
		return TRUE;
	}
	if (!ir_brandd_store_count_one_more (self, record->centre, day, error) ||
	    (record->rollout != NULL &&
	     !ir_brandd_rollout_store_record (
		 self, record->cti, record->centre, record->rollout, error)) ||
	    !ir_brandd_store_supersede_own (self, record, own, error) ||
	    !ir_brandd_store_hold_device (self, record, error))
		return FALSE;
	res->recorded = TRUE;
	return TRUE;
}

typedef struct {
	IrBranddStore *self;
	const IrBranddTokenRecord *const *records;
	IrBranddTokenResult *results;
	guint n;
	guint default_quota;
} IrBranddStoreTokensTxn;

/* A lost lock, a serialization failure or a lost connection ends the whole
 * transaction (on PostgreSQL it cannot go on): the batch runs again. */
static gboolean
ir_brandd_store_fails_batch (const GError *error)
{
	return error->domain == IR_ERROR &&
	       (error->code == IR_ERROR_BUSY || error->code == IR_ERROR_TIMEOUT ||
		error->code == IR_ERROR_DISCONNECTED);
}

static void
ir_brandd_store_token_result_reset (IrBranddTokenResult *res, guint default_quota)
{
	g_clear_error (&res->error);
	g_clear_pointer (&res->answer, g_free);
	res->request_seen = IR_BRANDD_REQUEST_NEW;
	res->recorded = FALSE;
	res->quota_reached = FALSE;
	res->quota = default_quota;
	res->live_until = 0;
}

/* Each token under its own savepoint, in turn, so that each sees the
 * ones before it exactly as if they had committed one by one, and a
 * token that is refused or fails rolls back alone. */
static gboolean
ir_brandd_store_record_tokens_txn (IrBranddDb *db,
				   gpointer user_data,
				   gboolean *commit,
				   GError **error)
{
	IrBranddStoreTokensTxn *t = user_data;

	*commit = FALSE;
	for (guint i = 0; i < t->n; i++) {
		IrBranddTokenResult *res = &t->results[i];
		GError *local = NULL;

		ir_brandd_store_token_result_reset (res, t->default_quota);
		if (!ir_brandd_db_savepoint (db, error))
			return FALSE;
		if (!ir_brandd_store_record_one (
			t->self, t->records[i], t->default_quota, res, &local)) {
			res->recorded = FALSE;
			if (ir_brandd_store_fails_batch (local)) {
				g_propagate_error (error, local);
				return FALSE;
			}
			res->error = local;
		}
		if (!ir_brandd_db_release (db, !res->recorded, error))
			return FALSE;
		*commit = *commit || res->recorded;
	}
	return TRUE;
}

gboolean
ir_brandd_store_record_tokens (IrBranddStore *self,
			       const IrBranddTokenRecord *const *records,
			       IrBranddTokenResult *results,
			       guint n,
			       guint default_quota,
			       GError **error)
{
	IrBranddStoreTokensTxn t = {self, records, results, n, default_quota};

	if (!ir_brandd_db_transact (self->db, ir_brandd_store_record_tokens_txn, &t, error)) {
		/* nothing of the batch is durable */
		for (guint i = 0; i < n; i++)
			results[i].recorded = FALSE;
		return FALSE;
	}
	return TRUE;
}

gboolean
ir_brandd_store_record_token (IrBranddStore *self,
			      const IrBranddTokenRecord *record,
			      guint default_quota,
			      gboolean *quota_reached,
			      guint *quota,
			      gint64 *live_until,
			      GError **error)
{
	IrBranddTokenResult res = {0};

	if (!ir_brandd_store_record_tokens (self, &record, &res, 1, default_quota, error))
		return FALSE;
	g_free (res.answer);
	*quota_reached = res.quota_reached;
	*quota = res.quota;
	*live_until = res.live_until;
	if (res.error != NULL) {
		g_propagate_error (error, res.error);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	gboolean found;
	gboolean same_client; /* @cnf is the one it was issued to */
	gboolean reported;
	gint64 device_id;
	char *imeis; /* JSON array of the IMEIs it was issued to write */
} IrBranddStoreTokenRow;

static void
ir_brandd_store_token_row_clear (IrBranddStoreTokenRow *t)
{
	g_clear_pointer (&t->imeis, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrBranddStoreTokenRow, ir_brandd_store_token_row_clear)

static gboolean
ir_brandd_store_token_owner (IrBranddStore *self,
			     const IrBranddReportRecord *r,
			     IrBranddStoreTokenRow *t,
			     GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "SELECT cnf, device_id, imeis, CASE WHEN EXISTS (SELECT 1 FROM reports "
	    "r WHERE r.cti = t.cti) THEN 1 ELSE 0 END FROM tokens t WHERE cti = ?",
	    error);
	const guint8 *cnf = NULL;
	gsize cnf_len = 0;

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, r->cti);
	if (!ir_brandd_stmt_step (stmt, &t->found, "look a token up", error))
		return FALSE;
	if (t->found) {
		cnf = ir_brandd_stmt_column_blob (stmt, 0, &cnf_len);
		t->same_client = cnf != NULL && cnf_len == IR_TOKEN_CNF_LEN &&
				 memcmp (cnf, r->cnf, IR_TOKEN_CNF_LEN) == 0;
		t->device_id = ir_brandd_stmt_column_int64 (stmt, 1);
		t->imeis = ir_brandd_stmt_dup_text (stmt, 2);
		t->reported = ir_brandd_stmt_column_int64 (stmt, 3) != 0;
	}
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_store_read_back_matches (const char *issued, char *const *read_back)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonNode *root;
	JsonArray *arr;

	if (issued == NULL || !json_parser_load_from_data (parser, issued, -1, NULL))
		return FALSE;
	root = json_parser_get_root (parser);
	if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
		return FALSE;
	arr = json_node_get_array (root);
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		JsonNode *el =
		    i < json_array_get_length (arr) ? json_array_get_element (arr, i) : NULL;
		const char *want = el != NULL && JSON_NODE_HOLDS_VALUE (el) &&
					   json_node_get_value_type (el) == G_TYPE_STRING
				       ? json_node_get_string (el)
				       : NULL;

		if (g_strcmp0 (want, read_back[i]) != 0)
			return FALSE;
	}
	return TRUE;
}

static gboolean
ir_brandd_store_insert_mismatch (IrBranddStore *self, const IrBranddReportRecord *r, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "INSERT INTO report_mismatches (cti, outcome, imeis_read_back, detail, "
	    "reported_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (cti) DO NOTHING",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, r->cti);
	ir_brandd_stmt_bind_text (stmt, 2, r->outcome);
	ir_brandd_stmt_bind_text (stmt, 3, r->read_back_json != NULL ? r->read_back_json : "[]");
	ir_brandd_stmt_bind_text (stmt, 4, r->detail);
	ir_brandd_stmt_bind_int64 (stmt, 5, r->now);
	return ir_brandd_stmt_run (stmt, "keep a mismatched report", error);
}

static gboolean
ir_brandd_store_insert_report (IrBranddStore *self,
			       const IrBranddReportRecord *r,
			       gboolean *dup,
			       GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_db_prepare (self->db,
				  "INSERT INTO reports (cti, outcome, imeis_read_back, detail, "
				  "reported_at) VALUES (?, ?, ?, ?, ?) "
				  "ON CONFLICT (cti) DO NOTHING",
				  error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_bytes (stmt, 1, r->cti);
	ir_brandd_stmt_bind_text (stmt, 2, r->outcome);
	ir_brandd_stmt_bind_text (stmt, 3, r->read_back_json);
	ir_brandd_stmt_bind_text (stmt, 4, r->detail);
	ir_brandd_stmt_bind_int64 (stmt, 5, r->now);
	if (!ir_brandd_stmt_run (stmt, "record a report", error))
		return FALSE;
	*dup = ir_brandd_stmt_changes (stmt) == 0;
	return TRUE;
}

/* A success tells what the device holds now: that is what a later request
 * for another device is compared with (imei_in_use). */
static gboolean
ir_brandd_store_replace_reported (IrBranddStore *self,
				  gint64 device_id,
				  char *const *imeis,
				  GError **error)
{
	IrBranddStmt *del = ir_brandd_db_prepare (
	    self->db, "DELETE FROM reported_imeis WHERE device_id = ?", error);

	if (del == NULL)
		return FALSE;
	ir_brandd_stmt_bind_int64 (del, 1, device_id);
	if (!ir_brandd_stmt_run (del, "forget a device's reported IMEIs", error))
		return FALSE;
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		IrBranddStmt *ins = NULL;
		g_autofree char *identity = NULL;

		if (imeis[i] == NULL || strlen (imeis[i]) < IR_IMEI_ID_LEN)
			continue;
		ins =
		    ir_brandd_db_prepare (self->db,
					  "INSERT INTO reported_imeis (device_id, slot, identity) "
					  "VALUES (?, ?, ?)",
					  error);
		if (ins == NULL)
			return FALSE;
		identity = g_strndup (imeis[i], IR_IMEI_ID_LEN);
		ir_brandd_stmt_bind_int64 (ins, 1, device_id);
		ir_brandd_stmt_bind_int64 (ins, 2, i);
		ir_brandd_stmt_bind_text (ins, 3, identity);
		if (!ir_brandd_stmt_run (ins, "record a device's reported IMEIs", error))
			return FALSE;
	}
	return TRUE;
}

/* One report's checks and writes, inside the batch's transaction; *keep
 * says whether what it wrote stays (a refusal writes nothing, a mismatch
 * keeps its row for the auditor). */
static gboolean
ir_brandd_store_record_report_one (IrBranddStore *self,
				   const IrBranddReportRecord *r,
				   IrBranddReportOutcome *out,
				   gboolean *keep,
				   GError **error)
{
	g_auto (IrBranddStoreTokenRow) t = {0};
	gboolean success = g_strcmp0 (r->outcome, "success") == 0;
	gboolean dup = FALSE;

	*keep = FALSE;
	if (!ir_brandd_store_token_owner (self, r, &t, error))
		return FALSE;
	if (!t.found) {
		out->result = IR_BRANDD_REPORT_UNKNOWN_TOKEN;
		return TRUE;
	}
	out->issued_imeis = g_strdup (t.imeis);
	if (!t.same_client) {
		out->result = IR_BRANDD_REPORT_NOT_YOUR_TOKEN;
		return TRUE;
	}
	if (t.reported) {
		out->result = IR_BRANDD_REPORT_ALREADY_REPORTED;
		return TRUE;
	}
	/* a success names what the device holds now: only what the token was
	 * for, or another device's IMEIs would be marked as in use; a
	 * mismatch is kept for the auditor although the report is refused */
	if (success &&
	    (r->read_back == NULL || !ir_brandd_store_read_back_matches (t.imeis, r->read_back))) {
		out->result = IR_BRANDD_REPORT_MISMATCH;
		*keep = TRUE;
		return ir_brandd_store_insert_mismatch (self, r, error);
	}
	if (!ir_brandd_store_insert_report (self, r, &dup, error))
		return FALSE;
	if (dup) {
		out->result = IR_BRANDD_REPORT_ALREADY_REPORTED;
		return TRUE;
	}
	if (success && !ir_brandd_store_replace_reported (self, t.device_id, r->read_back, error))
		return FALSE;
	out->result = IR_BRANDD_REPORT_RECORDED;
	*keep = TRUE;
	return TRUE;
}

static void
ir_brandd_store_report_outcome_reset (IrBranddReportOutcome *out)
{
	out->result = IR_BRANDD_REPORT_RECORDED;
	g_clear_pointer (&out->issued_imeis, g_free);
	g_clear_error (&out->error);
}

void
ir_brandd_store_report_outcome_clear (IrBranddReportOutcome *out)
{
	ir_brandd_store_report_outcome_reset (out);
}

typedef struct {
	IrBranddStore *self;
	const IrBranddReportRecord *const *records;
	IrBranddReportOutcome *outcomes;
	guint n;
} IrBranddStoreReportsTxn;

/* As for tokens: each report under its own savepoint, in turn, so that
 * each sees the ones before it (a second report of one token in the same
 * batch is already_reported) and one that fails rolls back alone. */
static gboolean
ir_brandd_store_record_reports_txn (IrBranddDb *db,
				    gpointer user_data,
				    gboolean *commit,
				    GError **error)
{
	IrBranddStoreReportsTxn *t = user_data;

	*commit = FALSE;
	for (guint i = 0; i < t->n; i++) {
		IrBranddReportOutcome *out = &t->outcomes[i];
		GError *local = NULL;
		gboolean keep = FALSE;

		ir_brandd_store_report_outcome_reset (out);
		if (!ir_brandd_db_savepoint (db, error))
			return FALSE;
		if (!ir_brandd_store_record_report_one (
			t->self, t->records[i], out, &keep, &local)) {
			keep = FALSE;
			if (ir_brandd_store_fails_batch (local)) {
				g_propagate_error (error, local);
				return FALSE;
			}
			out->error = local;
		}
		if (!ir_brandd_db_release (db, !keep, error))
			return FALSE;
		*commit = *commit || keep;
	}
	return TRUE;
}

gboolean
ir_brandd_store_record_reports (IrBranddStore *self,
				const IrBranddReportRecord *const *records,
				IrBranddReportOutcome *outcomes,
				guint n,
				GError **error)
{
	IrBranddStoreReportsTxn t = {self, records, outcomes, n};

	return ir_brandd_db_transact (self->db, ir_brandd_store_record_reports_txn, &t, error);
}

gboolean
ir_brandd_store_record_report (IrBranddStore *self,
			       const IrBranddReportRecord *record,
			       IrBranddReportResult *result,
			       char **issued_imeis,
			       GError **error)
{
	IrBranddReportOutcome out = {0};

	if (issued_imeis != NULL)
		*issued_imeis = NULL;
	if (!ir_brandd_store_record_reports (self, &record, &out, 1, error)) {
		ir_brandd_store_report_outcome_clear (&out);
		return FALSE;
	}
	*result = out.result;
	if (issued_imeis != NULL)
		*issued_imeis = g_steal_pointer (&out.issued_imeis);
	if (out.error != NULL) {
		g_propagate_error (error, g_steal_pointer (&out.error));
		ir_brandd_store_report_outcome_clear (&out);
		return FALSE;
	}
	ir_brandd_store_report_outcome_clear (&out);
	return TRUE;
}

gboolean
ir_brandd_store_set_centre_quota (IrBranddStore *self,
				  const char *centre,
				  guint quota,
				  GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "INSERT INTO centres (id, daily_quota) VALUES (?, ?) "
	    "ON CONFLICT (id) DO UPDATE SET daily_quota = excluded.daily_quota",
	    error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, centre);
	ir_brandd_stmt_bind_int64 (stmt, 2, quota);
	return ir_brandd_stmt_run (stmt, "set a centre's quota", error);
}

static gboolean
ir_brandd_store_exists (IrBranddStmt *stmt, const char *value, gboolean *found, GError **error)
{
	*found = FALSE;
	if (value == NULL)
		return TRUE;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, value);
	if (!ir_brandd_stmt_step (stmt, found, "check the registry", error))
		return FALSE;
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}

gboolean
ir_brandd_store_device_conflict (IrBranddStore *self,
				 const IrBranddDevice *device,
				 char **why,
				 GError **error)
{
	gboolean found = FALSE;

	*why = NULL;
	/* case-insensitive, like the file's own rows (the index
	 * devices_serial_nocase on both backends) */
	if (device->serial != NULL &&
	    !ir_brandd_store_exists (ir_brandd_db_prepare_dialect (
					 self->db,
					 "SELECT 1 FROM devices WHERE serial = ? COLLATE NOCASE",
					 "SELECT 1 FROM devices WHERE lower(serial) = lower(?)",
					 error),
				     device->serial,
				     &found,
				     error))
		return FALSE;
	if (found) {
		*why = g_strdup_printf ("serial %s is already registered (serials are compared "
					"without case)",
					device->serial);
		return TRUE;
	}
	if (device->hardware_id != NULL &&
	    !ir_brandd_store_exists (
		ir_brandd_db_prepare (
		    self->db, "SELECT 1 FROM devices WHERE hardware_id = ?", error),
		device->hardware_id,
		&found,
		error))
		return FALSE;
	if (found) {
		*why =
		    g_strdup_printf ("hardware id %s is already registered", device->hardware_id);
		return TRUE;
	}
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		g_autofree char *identity =
		    device->imei[i] != NULL ? g_strndup (device->imei[i], IR_IMEI_ID_LEN) : NULL;

		if (identity == NULL)
			continue;
		if (!ir_brandd_store_exists (
			ir_brandd_db_prepare (
			    self->db, "SELECT 1 FROM device_imeis WHERE identity = ?", error),
			identity,
			&found,
			error))
			return FALSE;
		if (found) {
			*why = g_strdup_printf ("IMEI %s (slot %u) is already registered to "
						"another device",
						device->imei[i],
						i + 1);
			return TRUE;
		}
	}
	return TRUE;
}

gboolean
ir_brandd_store_insert_device (IrBranddStore *self,
			       const IrBranddDevice *device,
			       gint64 now,
			       GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db,
	    "INSERT INTO devices (serial, hardware_id, manufacturer, "
	    "model, tac, imported_at, spc, centre) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    error);
	gboolean row = FALSE;
	gint64 id;

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, device->serial);
	ir_brandd_stmt_bind_text (stmt, 2, device->hardware_id);
	ir_brandd_stmt_bind_text (stmt, 3, device->manufacturer);
	ir_brandd_stmt_bind_text (stmt, 4, device->model);
	ir_brandd_stmt_bind_text (stmt, 5, device->tac);
	ir_brandd_stmt_bind_int64 (stmt, 6, now);
	ir_brandd_stmt_bind_text (stmt, 7, device->spc);
	ir_brandd_stmt_bind_text (stmt, 8, device->centre);
	if (!ir_brandd_stmt_step (stmt, &row, "insert a device", error))
		return FALSE;
	id = ir_brandd_stmt_column_int64 (stmt, 0);
	/* SQLite writes the row when stepped to its end */
	if (!ir_brandd_stmt_run (stmt, "insert a device", error))
		return FALSE;
	for (guint i = 0; i < IR_TOKEN_MAX_SLOTS; i++) {
		IrBranddStmt *ins = NULL;
		g_autofree char *identity = NULL;

		if (device->imei[i] == NULL)
			continue;
		ins = ir_brandd_db_prepare (
		    self->db,
		    "INSERT INTO device_imeis (device_id, slot, imei, identity) "
		    "VALUES (?, ?, ?, ?)",
		    error);
		if (ins == NULL)
			return FALSE;
		identity = g_strndup (device->imei[i], IR_IMEI_ID_LEN);
		ir_brandd_stmt_bind_int64 (ins, 1, id);
		ir_brandd_stmt_bind_int64 (ins, 2, i);
		ir_brandd_stmt_bind_text (ins, 3, device->imei[i]);
		ir_brandd_stmt_bind_text (ins, 4, identity);
		if (!ir_brandd_stmt_run (ins, "insert a device's IMEI", error))
			return FALSE;
	}
	return TRUE;
}

gboolean
ir_brandd_store_count (IrBranddStore *self, const char *table, gint64 *count, GError **error)
{
	static const char *const sql[][2] = {
	    {"devices", "SELECT count(*) FROM devices"},
	    {"tokens", "SELECT count(*) FROM tokens"},
	    {"reports", "SELECT count(*) FROM reports"},
	    {"centres", "SELECT count(*) FROM centres"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (sql); i++) {
		IrBranddStmt *stmt = NULL;
		gboolean row = FALSE;

		if (g_strcmp0 (table, sql[i][0]) != 0)
			continue;
		stmt = ir_brandd_db_prepare (self->db, sql[i][1], error);
		if (stmt == NULL || !ir_brandd_stmt_step (stmt, &row, "count rows", error))
			return FALSE;
		*count = row ? ir_brandd_stmt_column_int64 (stmt, 0) : 0;
		ir_brandd_stmt_reset (stmt);
		return TRUE;
	}
	g_set_error (error, IR_ERROR, IR_ERROR_INVALID_INPUT, "no table %s to count", table);
	return FALSE;
}

gboolean
ir_brandd_store_revoke (
    IrBranddStore *self, const char *serial, const char *reason, gint64 now, GError **error)
{
	IrBranddStmt *stmt =
	    ir_brandd_db_prepare (self->db,
				  "INSERT INTO revoked_certificates (serial, reason, revoked_at) "
				  "VALUES (?, ?, ?) ON CONFLICT (serial) DO NOTHING",
				  error);

	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, serial);
	ir_brandd_stmt_bind_text (stmt, 2, reason);
	ir_brandd_stmt_bind_int64 (stmt, 3, now);
	return ir_brandd_stmt_run (stmt, "revoke a certificate", error);
}

gboolean
ir_brandd_store_revoked (
    IrBranddStore *self, const char *serial, gboolean *revoked, gint64 *when, GError **error)
{
	IrBranddStmt *stmt = ir_brandd_db_prepare (
	    self->db, "SELECT revoked_at FROM revoked_certificates WHERE serial = ?", error);

	*revoked = FALSE;
	if (stmt == NULL)
		return FALSE;
	ir_brandd_stmt_bind_text (stmt, 1, serial);
	if (!ir_brandd_stmt_step (stmt, revoked, "look a revocation up", error))
		return FALSE;
	if (*revoked && when != NULL)
		*when = ir_brandd_stmt_column_int64 (stmt, 0);
	ir_brandd_stmt_reset (stmt);
	return TRUE;
}
