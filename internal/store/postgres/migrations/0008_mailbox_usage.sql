-- What each mailbox holds against its quota (store.Tx.Usage), kept by a
-- trigger on messages so every path that stores, moves or deletes a
-- message updates it in the same statement. Before this table, Usage
-- summed the mailbox's rows at every send: a backlog of n messages made
-- each send O(n), and a flood slowed every sender down. Writes already
-- run one at a time (the schema's advisory lock), so the counter row adds
-- no contention.
--
-- Counted states are those of store.MailboxUsage: held, quarantined,
-- ready (leased or not) and dead. Acked messages do not count.
CREATE TABLE mailbox_usage (
	mailbox  TEXT   PRIMARY KEY,
	messages BIGINT NOT NULL,
	bytes    BIGINT NOT NULL
);

INSERT INTO mailbox_usage (mailbox, messages, bytes)
SELECT mailbox, COUNT(*), SUM(size) FROM messages
WHERE state IN ('held', 'quarantined', 'ready', 'dead')
GROUP BY mailbox;

-- SET search_path FROM CURRENT pins the function to this schema, so it
-- updates this schema's mailbox_usage whatever the caller's search_path.
CREATE FUNCTION messages_usage() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN ('held', 'quarantined', 'ready', 'dead') THEN
		UPDATE mailbox_usage SET messages = messages - 1, bytes = bytes - OLD.size
		WHERE mailbox = OLD.mailbox;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN ('held', 'quarantined', 'ready', 'dead') THEN
		INSERT INTO mailbox_usage (mailbox, messages, bytes) VALUES (NEW.mailbox, 1, NEW.size)
		ON CONFLICT (mailbox) DO UPDATE
		SET messages = mailbox_usage.messages + 1, bytes = mailbox_usage.bytes + EXCLUDED.bytes;
	END IF;
	RETURN NULL;
END;
$$;

-- Leasing (attempts, visible_at) and rewrapping (headers, body, key_id)
-- do not fire it: only a change of state, size or mailbox can move a
-- message's share.
CREATE TRIGGER messages_usage_insert_delete AFTER INSERT OR DELETE ON messages
FOR EACH ROW EXECUTE FUNCTION messages_usage();
CREATE TRIGGER messages_usage_update AFTER UPDATE OF state, size, mailbox ON messages
FOR EACH ROW
WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.size IS DISTINCT FROM NEW.size
	OR OLD.mailbox IS DISTINCT FROM NEW.mailbox)
EXECUTE FUNCTION messages_usage();
