-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 4 to 5, the service
-- programming code of phones that need one before their IMEI write
-- (Qualcomm DIAG, protocols/qualcomm/README.md; issue 13). Run by
-- `imei-brandd init-db` in one transaction. NULL: the phone needs none, or
-- the brand does not hold it; a token then carries no spc claim.

ALTER TABLE devices ADD COLUMN spc TEXT
	CHECK (spc IS NULL OR (length (spc) = 6 AND spc GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'));

PRAGMA user_version = 5;
