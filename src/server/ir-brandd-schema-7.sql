-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 6 to 7, revoked
-- client certificates (issue 7). Run by `imei-brandd init-db` in one
-- transaction.

-- Written by `imei-brandd cert revoke`, read at every request, so that a
-- revocation takes effect on connections already open. The serial is that
-- of a certificate of [tls] client-ca, in hex: upper case, no leading
-- zeros (as BN_bn2hex writes it).
CREATE TABLE revoked_certificates (
	serial TEXT PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 40),
	reason TEXT,
	revoked_at INTEGER NOT NULL
);

PRAGMA user_version = 7;
