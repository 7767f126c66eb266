-- Mailbox messages (store.MessageTx). Times are timestamptz (microsecond
-- precision), always written in UTC; acked is NULL until the message is
-- acknowledged. headers and body are ciphertext sealed with the
-- recipient's key. sender_chain is a JSON array of base64 DER certificates.
--
-- seq is assigned by the store as MAX(seq)+1 inside the serialised write
-- transaction (not an identity column, which could commit out of order
-- across nodes), so it follows commit order: the mailbox's FIFO order.
--
-- Caveat for crypto-shredding: a deleted blob (destroyed keyset) or an
-- overwritten message body remains on disk in a dead tuple until VACUUM
-- reclaims it, and in WAL segments and backups until they are recycled.
-- PostgreSQL has no equivalent of SQLite's secure_delete.
CREATE TABLE messages (
	seq          BIGINT      PRIMARY KEY,
	id           TEXT        COLLATE "C" NOT NULL UNIQUE,
	mailbox      TEXT        NOT NULL,
	sender       TEXT        NOT NULL,
	recipient    TEXT        NOT NULL,
	subject      TEXT        NOT NULL,
	content_type TEXT        NOT NULL,
	thread       TEXT        NOT NULL,
	reply_to     TEXT        NOT NULL,
	headers      BYTEA       NOT NULL,
	body         BYTEA       NOT NULL,
	signature    BYTEA       NOT NULL,
	sender_chain TEXT        NOT NULL DEFAULT '[]',
	size         BIGINT      NOT NULL,
	key_id       BIGINT      NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
	created      TIMESTAMPTZ NOT NULL,
	state        TEXT        NOT NULL CHECK (state IN ('held', 'ready', 'acked', 'dead')),
	attempts     INTEGER     NOT NULL,
	visible_at   TIMESTAMPTZ NOT NULL,
	idempotency  TEXT        NOT NULL DEFAULT '',
	acked        TIMESTAMPTZ
);

-- Leasing: a mailbox's ready messages that are visible, in seq order.
CREATE INDEX messages_lease ON messages (mailbox, state, visible_at, seq);
-- Listing a mailbox's messages of one state in order, and quota usage.
CREATE INDEX messages_mailbox_state ON messages (mailbox, state, seq);
-- Idempotency lookups; most messages carry no key.
CREATE INDEX messages_idempotency ON messages (sender, idempotency, created)
	WHERE idempotency <> '';
