-- Topics and their durable subscriptions (store.TopicTx). Times are
-- timestamptz (microsecond precision), always written in UTC. Names use
-- the "C" collation so they order as in SQLite. A subscription's messages
-- live in the messages table, in mailbox "sub/<topic>/<name>".
CREATE TABLE topics (
	name       TEXT        COLLATE "C" PRIMARY KEY,
	segment    TEXT        NOT NULL,
	created    TIMESTAMPTZ NOT NULL,
	created_by TEXT        NOT NULL
);

CREATE TABLE subscriptions (
	topic   TEXT        COLLATE "C" NOT NULL REFERENCES topics (name),
	name    TEXT        COLLATE "C" NOT NULL,
	owner   TEXT        NOT NULL,
	created TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (topic, name)
);
