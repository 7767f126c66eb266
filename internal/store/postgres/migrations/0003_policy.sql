-- Policy versions, grants, access requests and approvals (store.PolicyTx).
-- Times are timestamptz (microsecond precision), always written in UTC;
-- NULL marks a time not yet set. Durations are BIGINT microseconds. IDs
-- use the "C" collation so ordering ties break as in SQLite.

-- A policy version is numbered MAX(version)+1 inside the serialised write
-- transaction and never changes; its files keep their order in idx.
CREATE TABLE policy_versions (
	version BIGINT      PRIMARY KEY,
	created TIMESTAMPTZ NOT NULL,
	actor   TEXT        NOT NULL
);

CREATE TABLE policy_files (
	version BIGINT  NOT NULL REFERENCES policy_versions (version),
	idx     INTEGER NOT NULL,
	name    TEXT    NOT NULL,
	text    TEXT    NOT NULL,
	PRIMARY KEY (version, idx)
);

CREATE TABLE grants (
	id         TEXT        COLLATE "C" PRIMARY KEY,
	principal  TEXT        NOT NULL,
	action     TEXT        NOT NULL,
	resource   TEXT        NOT NULL,
	reason     TEXT        NOT NULL,
	created_by TEXT        NOT NULL,
	created    TIMESTAMPTZ NOT NULL,
	expires    TIMESTAMPTZ NOT NULL,
	revoked    TIMESTAMPTZ,
	request_id TEXT        NOT NULL
);

CREATE INDEX grants_principal_expires ON grants (principal, expires);

CREATE TABLE access_requests (
	id           TEXT        COLLATE "C" PRIMARY KEY,
	kind         TEXT        NOT NULL,
	requester    TEXT        NOT NULL,
	requester_id TEXT        NOT NULL,
	action       TEXT        NOT NULL,
	resource     TEXT        NOT NULL,
	reason       TEXT        NOT NULL,
	duration_us  BIGINT      NOT NULL,
	needed       INTEGER     NOT NULL,
	state        TEXT        NOT NULL,
	created      TIMESTAMPTZ NOT NULL,
	expires      TIMESTAMPTZ NOT NULL,
	decided      TIMESTAMPTZ,
	grant_id     TEXT        NOT NULL
);

CREATE INDEX access_requests_state ON access_requests (state);

-- One vote per approver and request.
CREATE TABLE approvals (
	request_id TEXT        NOT NULL,
	approver   TEXT        COLLATE "C" NOT NULL,
	approve    BOOLEAN     NOT NULL,
	comment    TEXT        NOT NULL,
	time       TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (request_id, approver)
);
