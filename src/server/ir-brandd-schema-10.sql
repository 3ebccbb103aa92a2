-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 9 to 10, witnessed
-- INTENTs that no issued token accounts for (issue 12). Run by
-- `imei-brandd init-db` in one transaction.

-- Each INTENT a witness upload brings names the token it was made under;
-- when no token of that id was issued, or it was issued for another
-- device (its IMEIs or identifiers), phase or policy version, the INTENT
-- is kept here (one row per witnessed record), counted by `imei-brandd
-- report` and listed in its JSON. The upload is still witnessed: the
-- record is what the workstation logged. intent_time: the INTENT's time
-- (Unix seconds), so that reports file it under the policy's local day.
-- INTENTs witnessed before this version are not matched.
CREATE TABLE witness_intent_mismatches (
	origin TEXT NOT NULL REFERENCES witnessed_logs (origin),
	seq INTEGER NOT NULL CHECK (seq >= 0),
	token_id TEXT NOT NULL,
	reason TEXT NOT NULL CHECK (reason IN ('unknown_token', 'other_device', 'other_phase',
		'other_policy_version')),
	phase TEXT NOT NULL,
	policy_version INTEGER,
	intent_time INTEGER NOT NULL,
	detail TEXT NOT NULL,
	found_at INTEGER NOT NULL,
	PRIMARY KEY (origin, seq)
);

PRAGMA user_version = 10;
