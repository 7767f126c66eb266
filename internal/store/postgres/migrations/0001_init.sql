-- Times are timestamptz (microsecond precision), always written in UTC.
-- String lists (roles, reasons) are JSON arrays in TEXT. Names use the "C"
-- collation so ordering matches SQLite's byte order.

CREATE TABLE principals (
	kind    TEXT        NOT NULL,
	name    TEXT        COLLATE "C" NOT NULL,
	segment TEXT        NOT NULL DEFAULT '',
	roles   TEXT        NOT NULL DEFAULT '[]',
	status  TEXT        NOT NULL,
	created TIMESTAMPTZ NOT NULL,
	updated TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (kind, name)
);

CREATE TABLE join_tokens (
	id      TEXT        PRIMARY KEY,
	hash    BYTEA       NOT NULL,
	agent   TEXT        NOT NULL,
	created TIMESTAMPTZ NOT NULL,
	expires TIMESTAMPTZ NOT NULL,
	used    TIMESTAMPTZ
);

CREATE TABLE certificates (
	serial     TEXT        PRIMARY KEY,
	kind       TEXT        NOT NULL,
	name       TEXT        NOT NULL,
	not_before TIMESTAMPTZ NOT NULL,
	not_after  TIMESTAMPTZ NOT NULL
);

CREATE INDEX certificates_kind_name ON certificates (kind, name);

CREATE TABLE blobs (
	name TEXT  PRIMARY KEY,
	data BYTEA NOT NULL
);

-- seq is assigned by the store as MAX(seq)+1 inside the serialised write
-- transaction (not an identity column, which would leave gaps on rollback
-- and could commit out of order across nodes), so it starts at 1, has no
-- gaps and follows commit order. Later migrations may add columns (e.g.
-- Merkle hashes); they must be nullable or have defaults.
CREATE TABLE audit_events (
	seq        BIGINT      PRIMARY KEY,
	time       TIMESTAMPTZ NOT NULL,
	node       TEXT        NOT NULL,
	type       TEXT        NOT NULL,
	outcome    TEXT        NOT NULL,
	actor      TEXT        NOT NULL,
	target     TEXT        NOT NULL,
	request_id TEXT        NOT NULL,
	reasons    TEXT        NOT NULL DEFAULT '[]',
	detail     TEXT        NOT NULL
);

CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_type ON audit_events (type, seq);
