-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema for PostgreSQL: migration from version 9 to
-- 10, witnessed INTENTs that no issued token accounts for
-- (ir-brandd-schema-10.sql says why).

CREATE TABLE witness_intent_mismatches (
	origin TEXT NOT NULL REFERENCES witnessed_logs (origin),
	seq BIGINT NOT NULL CHECK (seq >= 0),
	token_id TEXT NOT NULL,
	reason TEXT NOT NULL CHECK (reason IN ('unknown_token', 'other_device', 'other_phase',
		'other_policy_version')),
	phase TEXT NOT NULL,
	policy_version BIGINT,
	intent_time BIGINT NOT NULL,
	detail TEXT NOT NULL,
	found_at BIGINT NOT NULL,
	PRIMARY KEY (origin, seq)
);

UPDATE schema_version SET version = 10;
