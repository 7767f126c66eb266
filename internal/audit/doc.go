// Package audit makes the hub's audit trail tamper-evident.
//
// Every audit event is a leaf of an append-only RFC 6962 Merkle tree
// (golang.org/x/mod/sumdb/tlog): the record at index Seq-1 is the event's
// canonical encoding (store.Event.Canonical). The store keeps the tree's
// hashes next to the events, written in the same transaction. This package
// adds what turns those hashes into evidence:
//
//   - a Signer, an Ed25519 key wrapped by the KEK and kept in the store,
//     whose public "vkey" string users keep somewhere else;
//   - checkpoints: signed notes in the C2SP tlog-checkpoint format stating
//     the tree's size and root hash, made by a Checkpointer and pushed to
//     sinks outside the store (a file, a webhook);
//   - inclusion proofs (Prove, CheckProof) that one event is in the log,
//     checkable offline with only the vkey;
//   - Verify, which recomputes the whole tree from the stored events and
//     checks it against every signed checkpoint.
//
// # What is detected
//
// With only the vkey, Verify detects any edit, deletion, reordering or
// insertion of an event covered by a signed checkpoint, and any truncation
// below the latest stored checkpoint, even by someone who rewrote the
// stored hashes to match. Given a checkpoint kept outside the store
// (an external copy from a sink), it also detects a rollback of the whole
// database to an earlier state, and a fork (a different log of the same
// size).
//
// Events appended after the latest checkpoint are protected only by the
// stored hashes: a naive edit is detected, but someone who can write to the
// database and recomputes the hashes can change, drop or add such events
// undetected, and the next checkpoint will then sign their version. Deleting
// the stored checkpoints together with the events they cover is detected only
// with an external checkpoint. Whoever holds the KEK (and so the signing key)
// can sign any log; external checkpoints held by others are the defence
// against that.
package audit
