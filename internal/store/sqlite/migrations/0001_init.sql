-- Times are INTEGER microseconds since the Unix epoch, UTC.
-- String lists (roles, reasons) are JSON arrays in TEXT.

CREATE TABLE principals (
	kind    TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	segment TEXT    NOT NULL DEFAULT '',
	roles   TEXT    NOT NULL DEFAULT '[]',
	status  TEXT    NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	PRIMARY KEY (kind, name)
);

CREATE TABLE join_tokens (
	id      TEXT    PRIMARY KEY,
	hash    BLOB    NOT NULL,
	agent   TEXT    NOT NULL,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	used    INTEGER
);

CREATE TABLE certificates (
	serial     TEXT    PRIMARY KEY,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	not_before INTEGER NOT NULL,
	not_after  INTEGER NOT NULL
);

CREATE INDEX certificates_kind_name ON certificates (kind, name);

CREATE TABLE blobs (
	name TEXT PRIMARY KEY,
	data BLOB NOT NULL
);

-- seq is assigned by the store as MAX(seq)+1 inside the serialised write
-- transaction, so it starts at 1, has no gaps and follows commit order.
-- Later migrations may add columns (e.g. Merkle hashes); they must be
-- nullable or have defaults.
CREATE TABLE audit_events (
	seq        INTEGER PRIMARY KEY,
	time       INTEGER NOT NULL,
	node       TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	outcome    TEXT    NOT NULL,
	actor      TEXT    NOT NULL,
	target     TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	reasons    TEXT    NOT NULL DEFAULT '[]',
	detail     TEXT    NOT NULL
);

CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_type ON audit_events (type, seq);
