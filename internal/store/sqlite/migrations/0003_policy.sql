-- Policy versions, grants, access requests and approvals (store.PolicyTx).
-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL marks a
-- time not yet set. Durations are INTEGER microseconds.

-- A policy version is numbered MAX(version)+1 inside the serialised write
-- transaction and never changes; its files keep their order in idx.
CREATE TABLE policy_versions (
	version INTEGER PRIMARY KEY,
	created INTEGER NOT NULL,
	actor   TEXT    NOT NULL
);

CREATE TABLE policy_files (
	version INTEGER NOT NULL REFERENCES policy_versions (version),
	idx     INTEGER NOT NULL,
	name    TEXT    NOT NULL,
	text    TEXT    NOT NULL,
	PRIMARY KEY (version, idx)
);

CREATE TABLE grants (
	id         TEXT    PRIMARY KEY,
	principal  TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	resource   TEXT    NOT NULL,
	reason     TEXT    NOT NULL,
	created_by TEXT    NOT NULL,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	revoked    INTEGER,
	request_id TEXT    NOT NULL
);

CREATE INDEX grants_principal_expires ON grants (principal, expires);

CREATE TABLE access_requests (
	id           TEXT    PRIMARY KEY,
	kind         TEXT    NOT NULL,
	requester    TEXT    NOT NULL,
	requester_id TEXT    NOT NULL,
	action       TEXT    NOT NULL,
	resource     TEXT    NOT NULL,
	reason       TEXT    NOT NULL,
	duration_us  INTEGER NOT NULL,
	needed       INTEGER NOT NULL,
	state        TEXT    NOT NULL,
	created      INTEGER NOT NULL,
	expires      INTEGER NOT NULL,
	decided      INTEGER,
	grant_id     TEXT    NOT NULL
);

CREATE INDEX access_requests_state ON access_requests (state);

-- One vote per approver and request; approve is 1 for an approval and 0
-- for a denial.
CREATE TABLE approvals (
	request_id TEXT    NOT NULL,
	approver   TEXT    NOT NULL,
	approve    INTEGER NOT NULL,
	comment    TEXT    NOT NULL,
	time       INTEGER NOT NULL,
	PRIMARY KEY (request_id, approver)
);
