-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema for PostgreSQL: migration from version 11 to
-- 12, the live token of each device in a row of its own
-- (ir-brandd-schema-12.sql says why).

CREATE TABLE device_live_tokens (
	device_id BIGINT PRIMARY KEY REFERENCES devices (id),
	cti BYTEA NOT NULL REFERENCES tokens (cti),
	cnf BYTEA NOT NULL CHECK (length(cnf) = 32),
	expires_at BIGINT NOT NULL
);

INSERT INTO device_live_tokens (device_id, cti, cnf, expires_at)
	SELECT DISTINCT ON (device_id) device_id, cti, cnf, expires_at FROM tokens t
	WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.cti = t.cti)
	ORDER BY device_id, expires_at DESC;

UPDATE schema_version SET version = 12;
