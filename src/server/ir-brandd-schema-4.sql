-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 3 to 4, the phased
-- rollout (issue 12, docs/rollout-policy.md). Run by `imei-brandd init-db`
-- in one transaction.

-- Every signed policy ever published; the current one is the highest
-- version, and a publish below or at it is refused (a policy never goes
-- back).
CREATE TABLE rollout_policies (
	version INTEGER PRIMARY KEY CHECK (version >= 1),
	note TEXT NOT NULL,
	published_at INTEGER NOT NULL
);

-- The kill switch: phases stopped by `imei-brandd policy pause`, whatever
-- the signed policy says, until `policy resume`.
CREATE TABLE rollout_paused (
	phase TEXT PRIMARY KEY,
	paused_at INTEGER NOT NULL
);

-- Tokens issued per phase per local day (the policy's time zone), per
-- centre and nationally (centre ''), raised in the transaction that
-- records each token: the caps read two rows.
CREATE TABLE rollout_counts (
	phase TEXT NOT NULL,
	day TEXT NOT NULL,
	centre TEXT NOT NULL,
	issued INTEGER NOT NULL CHECK (issued >= 0),
	PRIMARY KEY (phase, day, centre)
) WITHOUT ROWID;

-- The phase, policy version, local day and circle each token was issued
-- under: what reports and summaries count.
CREATE TABLE token_rollout (
	cti BLOB PRIMARY KEY REFERENCES tokens (cti),
	phase TEXT NOT NULL,
	policy_version INTEGER NOT NULL,
	day TEXT NOT NULL,
	centre TEXT NOT NULL,
	circle TEXT
);
CREATE INDEX token_rollout_day ON token_rollout (phase, day);

-- The national block list: each IMEI is scheduled at most once (its
-- primary key), on one local day; a phone restored afterwards gets an
-- unblock day.
CREATE TABLE blocklist (
	imei TEXT PRIMARY KEY CHECK (length(imei) = 15),
	device_id INTEGER NOT NULL REFERENCES devices (id),
	phase TEXT NOT NULL,
	scheduled_day TEXT NOT NULL,
	unblocked_day TEXT
);
CREATE INDEX blocklist_scheduled ON blocklist (scheduled_day);
CREATE INDEX blocklist_unblocked ON blocklist (unblocked_day);

PRAGMA user_version = 4;
