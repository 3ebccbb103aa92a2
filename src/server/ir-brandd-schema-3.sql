-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 2 to 3, the quota
-- counter and serials without case (issue 7). Run by `imei-brandd init-db` in one transaction.

-- Tokens issued per centre per UTC day, raised in the transaction that
-- records each token: the quota check reads one row instead of counting
-- the day's tokens, so its cost does not grow through the day.
CREATE TABLE centre_day_counts (
	centre TEXT NOT NULL,
	utc_day TEXT NOT NULL,
	issued INTEGER NOT NULL CHECK (issued >= 0),
	PRIMARY KEY (centre, utc_day)
) WITHOUT ROWID;

-- A database upgraded during the day keeps the count of what it issued.
INSERT INTO centre_day_counts (centre, utc_day, issued)
	SELECT centre, utc_day, count(*) FROM tokens GROUP BY centre, utc_day;

-- Serials that differ only in case are one device to a technician: import
-- refuses the second (a plain index: an older registry may hold both).
CREATE INDEX devices_serial_nocase ON devices (serial COLLATE NOCASE);

PRAGMA user_version = 3;
