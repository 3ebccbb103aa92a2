-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema for PostgreSQL: migration from version 8 to
-- 9, the witness's incremental tree (ir-brandd-schema-9.sql says why).

ALTER TABLE witnessed_logs ADD COLUMN edge BYTEA;

UPDATE schema_version SET version = 9;
