-- What each mailbox holds against its quota (store.Tx.Usage), kept by
-- triggers on messages so every path that stores, moves or deletes a
-- message updates it in the same statement. Before this table, Usage
-- summed the mailbox's rows at every send: a backlog of n messages made
-- each send O(n), and a flood slowed every sender down.
--
-- Counted states are those of store.MailboxUsage: held, quarantined,
-- ready (leased or not) and dead. Acked messages do not count.
CREATE TABLE mailbox_usage (
	mailbox  TEXT    PRIMARY KEY,
	messages INTEGER NOT NULL,
	bytes    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO mailbox_usage (mailbox, messages, bytes)
SELECT mailbox, COUNT(*), SUM(size) FROM messages
WHERE state IN ('held', 'quarantined', 'ready', 'dead')
GROUP BY mailbox;

CREATE TRIGGER messages_usage_insert AFTER INSERT ON messages
WHEN NEW.state IN ('held', 'quarantined', 'ready', 'dead')
BEGIN
	INSERT INTO mailbox_usage (mailbox, messages, bytes) VALUES (NEW.mailbox, 1, NEW.size)
	ON CONFLICT (mailbox) DO UPDATE SET messages = messages + 1, bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER messages_usage_delete AFTER DELETE ON messages
WHEN OLD.state IN ('held', 'quarantined', 'ready', 'dead')
BEGIN
	UPDATE mailbox_usage SET messages = messages - 1, bytes = bytes - OLD.size
	WHERE mailbox = OLD.mailbox;
END;

-- A change of state, size or mailbox takes the old row's share away and
-- adds the new row's. Leasing (attempts, visible_at) and rewrapping
-- (headers, body, key_id) do not fire it.
CREATE TRIGGER messages_usage_update AFTER UPDATE OF state, size, mailbox ON messages
WHEN (OLD.state IN ('held', 'quarantined', 'ready', 'dead')) <> (NEW.state IN ('held', 'quarantined', 'ready', 'dead'))
	OR OLD.size <> NEW.size OR OLD.mailbox <> NEW.mailbox
BEGIN
	UPDATE mailbox_usage SET messages = messages - 1, bytes = bytes - OLD.size
	WHERE mailbox = OLD.mailbox AND OLD.state IN ('held', 'quarantined', 'ready', 'dead');
	INSERT INTO mailbox_usage (mailbox, messages, bytes)
	SELECT NEW.mailbox, 1, NEW.size WHERE NEW.state IN ('held', 'quarantined', 'ready', 'dead')
	ON CONFLICT (mailbox) DO UPDATE SET messages = messages + 1, bytes = bytes + excluded.bytes;
END;
