-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 1 to 2, witnessed
-- workstation migration logs (docs/brand-api.md, "Witnessing"). Run by
-- `imei-brandd init-db` in one transaction, after ir-brandd-schema.sql on a
-- new database and alone on a version 1 database.

-- One row per workstation log (origin = checkpoint origin line), bound on
-- first upload to its public key and to the centre of the client
-- certificate that uploaded it (trust on first use).
CREATE TABLE witnessed_logs (
	origin TEXT PRIMARY KEY,
	centre TEXT NOT NULL,
	public_key BLOB NOT NULL,
	size INTEGER NOT NULL CHECK (size >= 0),
	root BLOB NOT NULL CHECK (length(root) = 32),
	checkpoint TEXT NOT NULL,
	cosigned TEXT NOT NULL,
	registered_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- The witnessed records, each line as uploaded, and its leaf hash.
CREATE TABLE witnessed_records (
	origin TEXT NOT NULL REFERENCES witnessed_logs (origin),
	seq INTEGER NOT NULL CHECK (seq >= 0),
	line TEXT NOT NULL,
	leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
	PRIMARY KEY (origin, seq)
);

-- The client certificates (cnf) that have uploaded a log: a token request
-- from one of them must carry that log's checkpoint.
CREATE TABLE witness_clients (
	cnf BLOB PRIMARY KEY CHECK (length(cnf) = 32),
	origin TEXT NOT NULL REFERENCES witnessed_logs (origin)
);

PRAGMA user_version = 2;
