// Package messaging carries direct messages between agents through
// mailboxes: durable, at-least-once delivery, FIFO per mailbox, signed by
// the sender and sealed at rest with the recipient's key.
//
// The sender signs an Envelope's Canonical encoding with its SVID key. The
// hub (Service.Send) replaces the sender and recipient with the
// authenticated identities, validates the envelope, verifies the signature,
// authorizes the send, seals body and headers with the recipient mailbox's
// keyset and commits the message together with its audit event. Recipients
// lease messages with Fetch (or Receive), verify the signature with the
// sender's chain that comes with each Delivery, and Ack them; a message not
// acked before its lease ends is delivered again, and after MaxAttempts it
// moves to the mailbox's dead-letter queue.
//
// A stored message that no longer opens — a flipped byte, a ciphertext moved
// to another row, a shredded keyset — is never delivered: Fetch moves it to
// the dead-letter queue and audits it as message.corrupt, and Get reports
// ErrCorrupt.
package messaging
