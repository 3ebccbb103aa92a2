-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema, version 1 (PRAGMA user_version).
-- `imei-brandd init-db` runs this file in one transaction; every other
-- command refuses a database whose user_version is not the one below.
-- IMEIs are stored whole (15 digits) and by identity (the 14 TAC+SNR
-- digits, TS 23.003), which is what "in use by another device" compares.

CREATE TABLE devices (
	id INTEGER PRIMARY KEY,
	serial TEXT UNIQUE,
	hardware_id TEXT UNIQUE,
	manufacturer TEXT NOT NULL,
	model TEXT NOT NULL,
	tac TEXT NOT NULL CHECK (length(tac) = 8),
	imported_at INTEGER NOT NULL,
	CHECK (serial IS NOT NULL OR hardware_id IS NOT NULL)
);

-- The original IMEI of each slot (0-based), from the factory records.
CREATE TABLE device_imeis (
	device_id INTEGER NOT NULL REFERENCES devices (id),
	slot INTEGER NOT NULL CHECK (slot IN (0, 1)),
	imei TEXT NOT NULL CHECK (length(imei) = 15),
	identity TEXT NOT NULL UNIQUE CHECK (length(identity) = 14),
	PRIMARY KEY (device_id, slot)
);

-- What the last successful report read back from a device, per slot.
CREATE TABLE reported_imeis (
	device_id INTEGER NOT NULL REFERENCES devices (id),
	slot INTEGER NOT NULL CHECK (slot IN (0, 1)),
	identity TEXT NOT NULL CHECK (length(identity) = 14),
	PRIMARY KEY (device_id, slot)
);
CREATE INDEX reported_imeis_identity ON reported_imeis (identity);

-- Service centres with their own daily quota; others get the default.
CREATE TABLE centres (
	id TEXT PRIMARY KEY,
	daily_quota INTEGER NOT NULL CHECK (daily_quota >= 0)
);

CREATE TABLE tokens (
	cti BLOB PRIMARY KEY,
	device_id INTEGER NOT NULL REFERENCES devices (id),
	cnf BLOB NOT NULL CHECK (length(cnf) = 32),
	centre TEXT NOT NULL,
	issued_at INTEGER NOT NULL,
	utc_day TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	imeis TEXT NOT NULL
);
CREATE INDEX tokens_quota ON tokens (centre, utc_day);

CREATE TABLE reports (
	cti BLOB PRIMARY KEY REFERENCES tokens (cti),
	outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failed', 'aborted', 'unknown')),
	imeis_read_back TEXT,
	detail TEXT,
	reported_at INTEGER NOT NULL
);

PRAGMA user_version = 1;
