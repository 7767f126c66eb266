-- Content screening (store.MessageQuarantined, store.Message.Labels).
-- labels holds the hub's provenance labels as JSON (screening verdict,
-- score, categories); it is plaintext, set by the hub and not covered by
-- the sender's signature. Empty when the hub has set none. A constant
-- default makes ADD COLUMN a catalog change, without rewriting the table.
ALTER TABLE messages ADD COLUMN labels BYTEA NOT NULL DEFAULT ''::bytea;

-- messages_state_check is the name PostgreSQL gave the column constraint
-- of 0004_messages.sql. Re-adding it checks every row under the lock the
-- DROP already holds.
ALTER TABLE messages DROP CONSTRAINT messages_state_check;
ALTER TABLE messages ADD CONSTRAINT messages_state_check
	CHECK (state IN ('held', 'quarantined', 'ready', 'acked', 'dead'));
