-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 5 to 6, first
-- contact of a workstation (issue 7). Run by `imei-brandd init-db` in one
-- transaction.

-- A certificate that asked for a token with the checkpoint of a log the
-- server has never witnessed: the origin and the workstation key that
-- signed that checkpoint. From then on the certificate is bound to that
-- origin, as witness_clients binds it after an upload.
CREATE TABLE witness_first_contacts (
	cnf BLOB PRIMARY KEY CHECK (length(cnf) = 32),
	origin TEXT NOT NULL,
	public_key BLOB NOT NULL,
	contacted_at INTEGER NOT NULL
);

PRAGMA user_version = 6;
