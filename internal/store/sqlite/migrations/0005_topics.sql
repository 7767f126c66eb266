-- Topics and their durable subscriptions (store.TopicTx). Times are
-- INTEGER microseconds since the Unix epoch, UTC. A subscription's
-- messages live in the messages table, in mailbox "sub/<topic>/<name>".
CREATE TABLE topics (
	name       TEXT    PRIMARY KEY,
	segment    TEXT    NOT NULL,
	created    INTEGER NOT NULL,
	created_by TEXT    NOT NULL
);

CREATE TABLE subscriptions (
	topic   TEXT    NOT NULL REFERENCES topics (name),
	name    TEXT    NOT NULL,
	owner   TEXT    NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (topic, name)
);
