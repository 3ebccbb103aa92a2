-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 11 to 12, the live
-- token of each device in a row of its own (issue 14). Run by
-- `imei-brandd init-db` in one transaction.

-- A device has at most one live token (unexpired, not reported). Until
-- version 11 each new token found it by scanning the device's unexpired
-- tokens, and closed the same certificate's earlier ones with another
-- scan: the cost of a token grew with the tokens the device had in the
-- last 15 minutes (a device asked again and again, a bench, a client in a
-- retry loop). Here the newest token of each device is one row, keyed by
-- the device: the check reads it and the token's transaction replaces it,
-- O(1) on either backend. It is live when it has not expired and has no
-- report (reports are keyed by cti). The row is written in the token's
-- transaction, so the check and the write are as atomic as before (BEGIN
-- IMMEDIATE here, SERIALIZABLE on PostgreSQL, whose key on device_id also
-- makes two nodes racing for a device conflict).
CREATE TABLE device_live_tokens (
	device_id INTEGER PRIMARY KEY REFERENCES devices (id),
	cti BLOB NOT NULL REFERENCES tokens (cti),
	cnf BLOB NOT NULL CHECK (length(cnf) = 32),
	expires_at INTEGER NOT NULL
);

-- The newest unreported token of each device, whether it has expired or
-- not (the check compares the expiry with its own clock). SQLite takes
-- the bare columns from the row of max(expires_at).
INSERT INTO device_live_tokens (device_id, cti, cnf, expires_at)
	SELECT device_id, cti, cnf, max(expires_at) FROM tokens t
	WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.cti = t.cti)
	GROUP BY device_id;

PRAGMA user_version = 12;
