-- One index for a mailbox's messages by state, in seq order, instead of
-- two. Leasing walks a mailbox's ready messages in seq order and skips
-- those whose lease has not run out; with visible_at in the index it
-- skips them without reading their rows, so a receiver holding many
-- leases does not make every Fetch read them all. messages_lease
-- (mailbox, state, visible_at, seq) served no query and cost a write at
-- every send, lease and ack; messages_mailbox_state is replaced by the
-- wider index below.
DROP INDEX messages_lease;
DROP INDEX messages_mailbox_state;
CREATE INDEX messages_lease ON messages (mailbox, state, seq, visible_at);
