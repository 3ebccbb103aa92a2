-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema for PostgreSQL: migration from version 10 to
-- 11, the client's request id on a token (ir-brandd-schema-11.sql says
-- why).

ALTER TABLE tokens ADD COLUMN request_id TEXT;
ALTER TABLE tokens ADD COLUMN request_hash BYTEA CHECK (request_hash IS NULL OR
	length(request_hash) = 32);
ALTER TABLE tokens ADD COLUMN answer TEXT;
CREATE UNIQUE INDEX tokens_request_id ON tokens (cnf, request_id);

UPDATE schema_version SET version = 11;
