package storetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
)

// testPutMessages checks the batch insert: Seqs in slice order after the
// stored ones, every field round-trips, batches larger than one statement,
// and a taken ID fails the call without storing any of it.
func testPutMessages(t *testing.T, s store.Store) {
	first := message("first", mailboxA)
	putMessages(t, s, &first)
	var batch []store.Message
	for i := range 37 { // more than two statements' worth
		m := message(fmt.Sprintf("b%02d", i), []string{mailboxA, mailboxB}[i%2])
		m.Headers, m.Signature, m.SenderChain = []byte{byte(i)}, []byte("sig"), [][]byte{{0x30, byte(i)}}
		m.Idempotency, m.Labels, m.Attempts = fmt.Sprint("k", i), []byte(`{"verdict":"allow"}`), i%3
		batch = append(batch, m)
	}
	var seqs []int64
	update(t, s, func(tx store.Tx) (err error) {
		seqs, err = tx.PutMessages(batch)
		return err
	})
	if len(seqs) != len(batch) {
		t.Fatalf("PutMessages returned %d seqs for %d messages", len(seqs), len(batch))
	}
	for i := range batch {
		if want := first.Seq + 1 + int64(i); seqs[i] != want {
			t.Errorf("seq of %s: got %d, want %d", batch[i].ID, seqs[i], want)
		}
		batch[i].Seq = seqs[i]
		checkMessage(t, getMessage(t, s, batch[i].ID), batch[i])
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		_, err := tx.PutMessages([]store.Message{message("new-1", mailboxA), message("b05", mailboxA)})
		return err
	})
	if err == nil {
		t.Error("PutMessages with a taken ID: got nil error")
	}
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Message("new-1")
		wantErr(t, "message of the failed batch", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		_, err := tx.PutMessages([]store.Message{{ID: "bad", State: "leased"}})
		if err == nil {
			t.Error("PutMessages with an unknown state: got nil error")
		}
		seqs, err := tx.PutMessages(nil)
		if err != nil || len(seqs) != 0 {
			t.Errorf("PutMessages(nil) = %v, %v; want none, nil", seqs, err)
		}
		return nil
	})
}

func testTakenMessageIDs(t *testing.T, s store.Store) {
	var ids []string
	var ms []*store.Message
	for i := range 70 { // more than one statement's worth
		m := message(fmt.Sprintf("t%02d", i), mailboxA)
		ids, ms = append(ids, m.ID), append(ms, &m)
	}
	putMessages(t, s, ms...)
	ask := append(slices.Clone(ids), "missing-1", "missing-2")
	view(t, s, func(tx store.Tx) error {
		taken, err := tx.TakenMessageIDs(ask)
		wantErr(t, "TakenMessageIDs", err, nil)
		if got := slices.Sorted(maps.Keys(taken)); !slices.Equal(got, ids) {
			t.Errorf("taken: got %v, want %v", got, ids)
		}
		return nil
	})
}

// testAckMessages checks the batch ack: only ready messages of the named
// mailbox are acked and reported.
func testAckMessages(t *testing.T, s store.Store) {
	ready, leased, other := message("ready", mailboxA), message("leased", mailboxA), message("other", mailboxB)
	held := message("held", mailboxA)
	held.State = store.MessageHeld
	putMessages(t, s, &ready, &leased, &other, &held)
	leaseAt(t, s, mailboxA, base, 2, 0) // ready and leased: a leased message is ackable
	var acked map[string]bool
	update(t, s, func(tx store.Tx) (err error) {
		acked, err = tx.AckMessages(mailboxA, []string{"ready", "leased", "other", "held", "missing"}, base)
		return err
	})
	if got := slices.Sorted(maps.Keys(acked)); !slices.Equal(got, []string{"leased", "ready"}) {
		t.Errorf("acked: got %v, want [leased ready]", got)
	}
	for id, want := range map[string]store.MessageState{"ready": store.MessageAcked, "leased": store.MessageAcked,
		"other": store.MessageReady, "held": store.MessageHeld} {
		if got := getMessage(t, s, id).State; got != want {
			t.Errorf("state of %s: got %s, want %s", id, got, want)
		}
	}
	update(t, s, func(tx store.Tx) (err error) {
		acked, err = tx.AckMessages(mailboxA, []string{"ready"}, base)
		return err
	})
	if len(acked) != 0 {
		t.Errorf("acking again: got %v, want none", acked)
	}
}

// testReleaseMessages: a released lease makes a message visible at once,
// with its attempt counted; acked messages and other mailboxes' are left
// alone.
func testReleaseMessages(t *testing.T, s store.Store) {
	a, b, other := message("rel-a", mailboxA), message("rel-b", mailboxA), message("rel-other", mailboxB)
	putMessages(t, s, &a, &b, &other)
	if got := leaseAt(t, s, mailboxA, base, 2, 0); len(got) != 2 {
		t.Fatalf("leased %d, want 2", len(got))
	}
	leaseAt(t, s, mailboxB, base, 1, 0)
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.AckMessages(mailboxA, []string{"rel-b"}, base); err != nil {
			return err
		}
		return tx.ReleaseMessages(mailboxA, []string{"rel-a", "rel-b", "rel-other", "missing"}, base)
	})
	got := leaseAt(t, s, mailboxA, base, 10, 0)
	if len(got) != 1 || got[0].ID != "rel-a" || got[0].Attempts != 2 {
		t.Errorf("after release: leased %v, want rel-a on its second attempt", got)
	}
	if m := getMessage(t, s, "rel-b"); m.State != store.MessageAcked {
		t.Errorf("acked message after release: state %s", m.State)
	}
	if got := leaseAt(t, s, mailboxB, base, 10, 0); len(got) != 0 {
		t.Errorf("another mailbox's lease was released: leased %d", len(got))
	}
}
