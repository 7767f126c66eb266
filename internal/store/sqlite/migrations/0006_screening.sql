-- Content screening (store.MessageQuarantined, store.Message.Labels).
-- labels holds the hub's provenance labels as JSON (screening verdict,
-- score, categories); it is plaintext, set by the hub and not covered by
-- the sender's signature. Empty when the hub has set none.
--
-- SQLite cannot alter the CHECK constraint on state, so the table is
-- rebuilt the documented way (https://sqlite.org/lang_altertable.html,
-- section 7): create the new table, copy the rows, drop the old one,
-- rename the new one and recreate its indexes. No table, view or trigger
-- refers to messages, so this runs inside the migration's transaction
-- with foreign keys on. secure_delete overwrites the old table's pages.
CREATE TABLE messages_new (
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
	state        TEXT    NOT NULL CHECK (state IN ('held', 'quarantined', 'ready', 'acked', 'dead')),
	attempts     INTEGER NOT NULL,
	visible_at   INTEGER NOT NULL,
	idempotency  TEXT    NOT NULL DEFAULT '',
	acked        INTEGER,
	labels       BLOB    NOT NULL DEFAULT X''
);

INSERT INTO messages_new (seq, id, mailbox, sender, recipient, subject, content_type, thread,
	reply_to, headers, body, signature, sender_chain, size, key_id, created, state, attempts,
	visible_at, idempotency, acked)
SELECT seq, id, mailbox, sender, recipient, subject, content_type, thread,
	reply_to, headers, body, signature, sender_chain, size, key_id, created, state, attempts,
	visible_at, idempotency, acked
FROM messages;

DROP TABLE messages;

ALTER TABLE messages_new RENAME TO messages;

-- The indexes of 0004_messages.sql, dropped with the old table.
CREATE INDEX messages_lease ON messages (mailbox, state, visible_at, seq);
CREATE INDEX messages_mailbox_state ON messages (mailbox, state, seq);
CREATE INDEX messages_idempotency ON messages (sender, idempotency, created)
	WHERE idempotency <> '';
