-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 8 to 9, the
-- witness's incremental tree (issue 14). Run by `imei-brandd init-db` in
-- one transaction.

-- The right edge of each witnessed log's Merkle tree: the roots of its
-- perfect subtrees, one per set bit of size, largest first (32 bytes
-- each), so an upload appends its records to it instead of hashing every
-- record witnessed before. NULL for a log witnessed before version 9: its
-- next upload builds it once from witnessed_records.
ALTER TABLE witnessed_logs ADD COLUMN edge BLOB;

PRAGMA user_version = 9;
