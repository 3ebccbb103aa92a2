-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 7 to 8, reports and
-- live tokens (issue 7). Run by `imei-brandd init-db` in one transaction.

-- A success report whose read-back is not what its token was issued to
-- write: refused (it would mark another device's IMEIs as in use), and
-- kept here for the brand auditor. One per token; the token stays
-- unreported.
CREATE TABLE report_mismatches (
	cti BLOB PRIMARY KEY REFERENCES tokens (cti),
	outcome TEXT NOT NULL,
	imeis_read_back TEXT NOT NULL,
	detail TEXT,
	reported_at INTEGER NOT NULL
);

-- At most one live token per device (unexpired, not reported): found by
-- device and expiry.
CREATE INDEX tokens_device_live ON tokens (device_id, expires_at);

-- The service centre a device is tied to, when the factory records say
-- (CSV column `centre`); NULL: any centre.
ALTER TABLE devices ADD COLUMN centre TEXT;

PRAGMA user_version = 8;
