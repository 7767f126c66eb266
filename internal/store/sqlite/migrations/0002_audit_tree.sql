-- The audit Merkle tree (RFC 6962, as golang.org/x/mod/sumdb/tlog builds
-- it). Event Seq n is tree record n-1, whose leaf hash covers the event's
-- canonical encoding (store.Event.Canonical). audit_hashes holds tlog's
-- stored hashes, keyed by tlog.StoredHashIndex(level, n); they are written
-- in the same transaction as the event. Events recorded before this
-- migration get their hashes from its Go step (sqlstore.backfillAuditHashes).

CREATE TABLE audit_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB    NOT NULL CHECK (length(hash) = 32)
);

-- Signed checkpoints of the tree, one per tree size. note is the signed
-- note (C2SP checkpoint body plus signature lines).
CREATE TABLE audit_checkpoints (
	size    INTEGER PRIMARY KEY,
	root    BLOB    NOT NULL CHECK (length(root) = 32),
	note    BLOB    NOT NULL,
	created INTEGER NOT NULL
);
