-- Mailbox messages (store.MessageTx). Times are INTEGER microseconds since
-- the Unix epoch, UTC; acked is NULL until the message is acknowledged.
-- headers and body are ciphertext sealed with the recipient's key.
-- sender_chain is a JSON array of base64 DER certificates.
--
-- seq is assigned by the store as MAX(seq)+1 inside the serialised write
-- transaction, so it follows commit order: the mailbox's FIFO order.
--
-- Destroyed keysets (blobs) and rewritten ciphertext must not linger in
-- free pages: every connection runs with PRAGMA secure_delete=ON (see
-- sqlite.go). Old page images can still sit in the -wal file until the
-- next checkpoint overwrites them.
CREATE TABLE messages (
	seq          INTEGER PRIMARY KEY,
	id           TEXT    NOT NULL UNIQUE,
	mailbox      TEXT    NOT NULL,
	sender       TEXT    NOT NULL,
	recipient    TEXT    NOT NULL,
	subject      TEXT    NOT NULL,
	content_type TEXT    NOT NULL,
	thread       TEXT    NOT NULL,
	reply_to     TEXT    NOT NULL,
	headers      BLOB    NOT NULL,
	body         BLOB    NOT NULL,
	signature    BLOB    NOT NULL,
	sender_chain TEXT    NOT NULL DEFAULT '[]',
	size         INTEGER NOT NULL,
	key_id       INTEGER NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
	created      INTEGER NOT NULL,
	state        TEXT    NOT NULL CHECK (state IN ('held', 'ready', 'acked', 'dead')),
	attempts     INTEGER NOT NULL,
	visible_at   INTEGER NOT NULL,
	idempotency  TEXT    NOT NULL DEFAULT '',
	acked        INTEGER
);

-- Leasing: a mailbox's ready messages that are visible, in seq order.
CREATE INDEX messages_lease ON messages (mailbox, state, visible_at, seq);
-- Listing a mailbox's messages of one state in order, and quota usage.
CREATE INDEX messages_mailbox_state ON messages (mailbox, state, seq);
-- Idempotency lookups; most messages carry no key.
CREATE INDEX messages_idempotency ON messages (sender, idempotency, created)
	WHERE idempotency <> '';
