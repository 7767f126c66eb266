-- The original of a message whose body the hub redacted (screening
-- "redact"): sealed with the same mailbox key and associated data as the
-- delivered body, kept for reviewers only (store.Tx.PutOriginal). The
-- delivered, redacted body stays in messages.body. A message's original
-- goes with the message (purge, drop).
CREATE TABLE message_originals (
	id       TEXT NOT NULL PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	original BYTEA NOT NULL
);
