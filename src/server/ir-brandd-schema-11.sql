-- SPDX-License-Identifier: LGPL-2.1-or-later
-- imei-brandd database schema: migration from version 10 to 11, the
-- client's request id on a token (issue 14, several nodes). Run by
-- `imei-brandd init-db` in one transaction.

-- imeictl fails over to another node on a transport error and sends the
-- same request again, with the same request_id: the node that recorded
-- the token may have died before its answer left. The token row keeps the
-- id, a SHA-256 of the request's canonical fields and the answer that was
-- (or would have been) sent, so that a retry gets the same token, counted
-- once, and the same id with another request is refused (409
-- request_id_reused). The ids are the client's, scoped to its
-- certificate (cnf). A token issued without a request id has NULLs here,
-- and NULLs never conflict in a unique index.
ALTER TABLE tokens ADD COLUMN request_id TEXT;
ALTER TABLE tokens ADD COLUMN request_hash BLOB CHECK (request_hash IS NULL OR
	length(request_hash) = 32);
ALTER TABLE tokens ADD COLUMN answer TEXT;
CREATE UNIQUE INDEX tokens_request_id ON tokens (cnf, request_id);

PRAGMA user_version = 11;
