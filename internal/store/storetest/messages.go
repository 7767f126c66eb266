package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const (
	mailboxA = "agent/a2"
	mailboxB = "agent/b7"
	lease    = 30 * time.Second
)

// message returns a ready message of mailbox, visible at base.
func message(id, mailbox string) store.Message {
	return store.Message{
		ID: id, Mailbox: mailbox, Sender: alice, Recipient: "spiffe://example.org/" + mailbox,
		Subject: "subject " + id, ContentType: "application/json", Body: []byte("sealed " + id),
		Size: int64(len(id)), KeyID: 1, Created: base, State: store.MessageReady, VisibleAt: base,
	}
}

func checkMessage(t *testing.T, got, want store.Message) {
	t.Helper()
	if got.ID != want.ID || got.Seq != want.Seq || got.Mailbox != want.Mailbox || got.Sender != want.Sender ||
		got.Recipient != want.Recipient || got.Subject != want.Subject || got.ContentType != want.ContentType ||
		got.Thread != want.Thread || got.ReplyTo != want.ReplyTo || !bytes.Equal(got.Headers, want.Headers) ||
		!bytes.Equal(got.Body, want.Body) || !bytes.Equal(got.Signature, want.Signature) ||
		!slices.EqualFunc(got.SenderChain, want.SenderChain, bytes.Equal) || got.Size != want.Size ||
		got.KeyID != want.KeyID || !sameTime(got.Created, want.Created) || got.State != want.State ||
		got.Attempts != want.Attempts || !sameTime(got.VisibleAt, want.VisibleAt) || got.Idempotency != want.Idempotency ||
		!bytes.Equal(got.Labels, want.Labels) {
		t.Errorf("message:\n got %+v\nwant %+v", got, want)
	}
}

func messageIDs(ms []store.Message) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// putMessages stores ms in order and sets their Seq.
func putMessages(t *testing.T, s store.Store, ms ...*store.Message) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, m := range ms {
			seq, err := tx.PutMessage(*m)
			if err != nil {
				return err
			}
			m.Seq = seq
		}
		return nil
	})
}

// leaseAt leases up to n messages of mailbox at now in its own Update.
func leaseAt(t *testing.T, s store.Store, mailbox string, now time.Time, n, maxAttempts int) []store.Message {
	t.Helper()
	var ms []store.Message
	update(t, s, func(tx store.Tx) (err error) {
		ms, _, err = tx.LeaseMessages(mailbox, now, lease, n, maxAttempts)
		return err
	})
	return ms
}

func getMessage(t *testing.T, s store.Store, id string) store.Message {
	t.Helper()
	var m store.Message
	view(t, s, func(tx store.Tx) (err error) {
		m, err = tx.Message(id)
		return err
	})
	return m
}

func testMessages(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC-7", -7*3600)
	full := store.Message{
		ID: "0195f3c2-7d3e-7000-8000-000000000001", Mailbox: mailboxA, Sender: alice,
		Recipient: "spiffe://example.org/agent/a2", Subject: "ünïcode 'quoted' \"subject\"",
		ContentType: "text/plain; charset=utf-8", Thread: "t1", ReplyTo: "m0",
		Headers: []byte{0x00, 0xff, '\'', '"'}, Body: []byte{0x80, 0x00, 0x01},
		Signature:   bytes.Repeat([]byte{0x5a}, 64),
		SenderChain: [][]byte{{0x30, 0x82, 0x00}, {0x30, 0x00, 0xff, '"'}},
		Size:        1 << 40, KeyID: 1<<32 - 1, Created: time.Date(2025, 3, 14, 1, 2, 3, 456789123, zone),
		State: store.MessageHeld, Attempts: 3, VisibleAt: time.Date(2025, 3, 15, 0, 0, 0, 999, zone),
		Idempotency: "idem-1", Labels: []byte(`{"verdict":"quarantine","score":0.93,"categories":["pii"]}`),
	}
	bare := store.Message{ID: "bare", State: store.MessageReady}
	putMessages(t, s, &full, &bare)
	if full.Seq <= 0 || bare.Seq <= full.Seq {
		t.Errorf("seqs: got %d then %d, want positive and ascending", full.Seq, bare.Seq)
	}
	update(t, s, func(tx store.Tx) error {
		_, err := tx.PutMessage(message(full.ID, mailboxB))
		wantErr(t, "put duplicate ID", err, store.ErrExists)
		_, err = tx.Message("missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		// The conflict leaves the transaction usable.
		_, err = tx.PutMessage(message("after", mailboxB))
		return err
	})
	full.Created = full.Created.Truncate(time.Microsecond).UTC()
	full.VisibleAt = full.VisibleAt.Truncate(time.Microsecond).UTC()
	bare.Created, bare.VisibleAt = time.Time{}.UTC(), time.Time{}.UTC()
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.Message{full, bare} {
			got, err := tx.Message(want.ID)
			wantErr(t, "get "+want.ID, err, nil)
			checkMessage(t, got, want)
		}
		return nil
	})
}

func testMessageStates(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		m := message("m1", mailboxA)
		m.State = "leased"
		_, err := tx.PutMessage(m)
		return err
	})
	if err == nil {
		t.Error("put message with an unknown state: got nil error, want one")
	}
	m := message("m1", mailboxA)
	putMessages(t, s, &m)
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.SetMessageState("m1", "gone", base) })
	if err == nil {
		t.Error("set an unknown state: got nil error, want one")
	}
	if got := getMessage(t, s, "m1"); got.State != store.MessageReady {
		t.Errorf("state after bad updates: got %q, want %q", got.State, store.MessageReady)
	}
}

// testLeaseOrder: leases are FIFO by Seq within a mailbox, skip messages
// not yet visible or not ready, and never cross mailboxes.
func testLeaseOrder(t *testing.T, s store.Store) {
	var ms []*store.Message
	for i := range 7 {
		m := message(fmt.Sprintf("m%d", i), mailboxA)
		// IDs and creation times out of order: Seq alone decides.
		m.ID, m.Created = fmt.Sprintf("m%d", 9-i), base.Add(-time.Duration(i)*time.Hour)
		switch i {
		case 1:
			m.Mailbox = mailboxB
		case 2:
			m.State = store.MessageHeld
		case 3:
			m.VisibleAt = base.Add(time.Second) // backing off
		}
		ms = append(ms, &m)
	}
	putMessages(t, s, ms...)
	var got []string
	for {
		batch := leaseAt(t, s, mailboxA, base, 2, 5)
		if len(batch) == 0 {
			break
		}
		if len(batch) > 2 {
			t.Errorf("lease 2: got %d messages", len(batch))
		}
		got = append(got, messageIDs(batch)...)
	}
	if want := []string{"m9", "m5", "m4", "m3"}; !slices.Equal(got, want) {
		t.Errorf("leased: got %q, want %q", got, want)
	}
	if got := messageIDs(leaseAt(t, s, mailboxA, base.Add(time.Second), 10, 5)); !slices.Equal(got, []string{"m6"}) {
		t.Errorf("leased once visible: got %q, want [m6]", got)
	}
	if got := messageIDs(leaseAt(t, s, mailboxB, base, 0, 5)); len(got) != 0 {
		t.Errorf("lease 0: got %q, want none", got)
	}
	if got := messageIDs(leaseAt(t, s, mailboxB, base, 10, 5)); !slices.Equal(got, []string{"m8"}) {
		t.Errorf("leased from %s: got %q, want [m8]", mailboxB, got)
	}
}

// testLeaseExpiry: a leased message is hidden until its lease runs out,
// then leased again with one more attempt.
func testLeaseExpiry(t *testing.T, s store.Store) {
	m := message("m1", mailboxA)
	m.SenderChain = [][]byte{[]byte("leaf"), []byte("intermediate")}
	putMessages(t, s, &m)
	first := leaseAt(t, s, mailboxA, base, 10, 5)
	m.Attempts, m.VisibleAt = 1, base.Add(lease)
	if len(first) != 1 {
		t.Fatalf("first lease: got %d messages, want 1", len(first))
	}
	checkMessage(t, first[0], m)
	checkMessage(t, getMessage(t, s, "m1"), m)
	if got := leaseAt(t, s, mailboxA, base.Add(lease-time.Microsecond), 10, 5); len(got) != 0 {
		t.Errorf("lease while leased: got %q, want none", messageIDs(got))
	}
	second := leaseAt(t, s, mailboxA, base.Add(lease), 10, 5)
	m.Attempts, m.VisibleAt = 2, base.Add(lease+2*lease) // backoff: the second lease is twice as long
	if len(second) != 1 {
		t.Fatalf("lease after expiry: got %d messages, want 1", len(second))
	}
	checkMessage(t, second[0], m)
	if got := leaseAt(t, s, mailboxA, base.Add(3*lease-time.Microsecond), 10, 5); len(got) != 0 {
		t.Errorf("lease during the second, longer lease: got %q, want none", messageIDs(got))
	}
	third := leaseAt(t, s, mailboxA, base.Add(3*lease), 10, 5)
	if len(third) != 1 || third[0].Attempts != 3 || !sameTime(third[0].VisibleAt, base.Add(3*lease+4*lease)) {
		t.Errorf("third lease: %+v, want attempt 3 visible 4 leases later", third)
	}
}

// testLeaseFor: the lease doubles with each delivery up to MaxLeaseFactor.
func testLeaseFor(t *testing.T, _ store.Store) {
	for attempt, want := range map[int]time.Duration{0: lease, 1: lease, 2: 2 * lease, 3: 4 * lease, 5: 16 * lease, 9: 16 * lease, 1000: 16 * lease} {
		if got := store.LeaseFor(lease, attempt); got != want {
			t.Errorf("LeaseFor(%v, %d) = %v, want %v", lease, attempt, got, want)
		}
	}
}

// testDeadLetters: a message that used up its attempts moves to the dead
// letters instead of being leased, and the lease looks further to fill n.
func testDeadLetters(t *testing.T, s store.Store) {
	const maxAttempts = 2
	tired, fresh, later := message("tired", mailboxA), message("fresh", mailboxA), message("later", mailboxA)
	tired.Attempts = maxAttempts - 1
	putMessages(t, s, &tired, &fresh, &later)
	if got := messageIDs(leaseAt(t, s, mailboxA, base, 1, maxAttempts)); !slices.Equal(got, []string{"tired"}) {
		t.Errorf("lease: got %q, want [tired] (its last attempt)", got)
	}
	now := base.Add(store.LeaseFor(lease, maxAttempts)) // tired's last lease ran out
	update(t, s, func(tx store.Tx) error {
		leased, dead, err := tx.LeaseMessages(mailboxA, now, lease, 2, maxAttempts)
		if got := messageIDs(leased); err != nil || !slices.Equal(got, []string{"fresh", "later"}) {
			t.Errorf("lease after expiry: got %q, %v; want [fresh later]", got, err)
		}
		if !slices.Equal(dead, []string{"tired"}) {
			t.Errorf("lease after expiry: dead-lettered %q, want [tired]", dead)
		}
		return err
	})
	view(t, s, func(tx store.Tx) error {
		dead, err := tx.ListMessages(mailboxA, store.MessageDead, 0)
		wantErr(t, "list dead", err, nil)
		if len(dead) != 1 || dead[0].ID != "tired" || dead[0].Attempts != maxAttempts {
			t.Errorf("dead letters: got %+v, want tired after %d attempts", dead, maxAttempts)
		}
		return nil
	})
	if got := leaseAt(t, s, mailboxA, now.Add(time.Hour), 10, 0); len(got) != 2 {
		t.Errorf("lease with no attempt limit: got %q, want fresh and later", messageIDs(got))
	}
	// Requeue from the dead letters: a fresh set of attempts.
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "requeue missing", tx.SetMessageState("missing", store.MessageReady, now), store.ErrNotFound)
		return tx.SetMessageState("tired", store.MessageReady, now)
	})
	got := leaseAt(t, s, mailboxA, now, 10, maxAttempts)
	if len(got) != 1 || got[0].ID != "tired" || got[0].Attempts != 1 || got[0].State != store.MessageReady {
		t.Errorf("lease after requeue: got %+v, want tired on attempt 1", got)
	}
}

func testListMessages(t *testing.T, s store.Store) {
	var ms []*store.Message
	for i := range 5 {
		m := message(fmt.Sprintf("m%d", 5-i), mailboxA)
		if i == 2 {
			m.State = store.MessageHeld
		}
		ms = append(ms, &m)
	}
	other := message("other", mailboxB)
	putMessages(t, s, append(ms, &other)...)
	cases := []struct {
		state store.MessageState
		limit int
		want  []string
	}{
		{store.MessageReady, 0, []string{"m5", "m4", "m2", "m1"}},
		{store.MessageReady, 3, []string{"m5", "m4", "m2"}},
		{store.MessageHeld, 0, []string{"m3"}},
		{store.MessageDead, 0, nil},
	}
	view(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			got, err := tx.ListMessages(mailboxA, c.state, c.limit)
			wantErr(t, "list", err, nil)
			if !slices.Equal(messageIDs(got), c.want) {
				t.Errorf("list %s limit %d: got %q, want %q", c.state, c.limit, messageIDs(got), c.want)
			}
		}
		return nil
	})
	// Listing does not lease.
	if got := leaseAt(t, s, mailboxA, base, 10, 5); len(got) != 4 || got[0].Attempts != 1 {
		t.Errorf("lease after listing: got %+v, want 4 messages on attempt 1", got)
	}
	// Releasing a held message makes it deliverable.
	update(t, s, func(tx store.Tx) error { return tx.SetMessageState("m3", store.MessageReady, base) })
	if got := messageIDs(leaseAt(t, s, mailboxA, base, 10, 5)); !slices.Equal(got, []string{"m3"}) {
		t.Errorf("lease after release: got %q, want [m3]", got)
	}
}

// testQuarantine: a quarantined message keeps its labels, is never leased
// or acked, and is released to ready (then leased) or rejected to dead.
func testQuarantine(t *testing.T, s store.Store) {
	labels := []byte(`{"verdict":"quarantine","categories":["secrets"]}`)
	released, rejected, ready := message("released", mailboxA), message("rejected", mailboxA), message("ready", mailboxA)
	released.State, released.Labels = store.MessageQuarantined, labels
	rejected.State = store.MessageQuarantined
	ready.Labels = []byte(`{"verdict":"pass"}`)
	putMessages(t, s, &released, &rejected, &ready)
	checkMessage(t, getMessage(t, s, "released"), released)
	if got := leaseAt(t, s, mailboxA, base.Add(time.Hour), 10, 5); len(got) != 1 || got[0].ID != "ready" ||
		!bytes.Equal(got[0].Labels, ready.Labels) {
		t.Errorf("lease: got %+v, want only ready, with its labels", got)
	}
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "ack quarantined", tx.AckMessage(mailboxA, "released", base), store.ErrConflict)
		got, err := tx.ListMessages(mailboxA, store.MessageQuarantined, 0)
		wantErr(t, "list quarantined", err, nil)
		if len(got) != 2 || got[0].ID != "released" || !bytes.Equal(got[0].Labels, labels) || got[1].ID != "rejected" {
			t.Errorf("quarantined: got %+v, want released (labelled) and rejected", got)
		}
		u, err := tx.Usage(mailboxA)
		wantErr(t, "usage", err, nil)
		if want := (store.MailboxUsage{Messages: 3, Bytes: released.Size + rejected.Size + ready.Size}); u != want {
			t.Errorf("usage: got %+v, want %+v", u, want)
		}
		wantErr(t, "release", tx.SetMessageState("released", store.MessageReady, base), nil)
		return tx.SetMessageState("rejected", store.MessageDead, base)
	})
	got := leaseAt(t, s, mailboxA, base, 10, 5)
	if len(got) != 1 || got[0].ID != "released" || got[0].Attempts != 1 || !bytes.Equal(got[0].Labels, labels) {
		t.Errorf("lease after release: got %+v, want released on attempt 1, with its labels", got)
	}
	if got := getMessage(t, s, "rejected").State; got != store.MessageDead {
		t.Errorf("state after reject: got %q, want %q", got, store.MessageDead)
	}
}

func testAckMessage(t *testing.T, s store.Store) {
	m1, m2, held := message("m1", mailboxA), message("m2", mailboxA), message("held", mailboxA)
	held.State = store.MessageHeld
	putMessages(t, s, &m1, &m2, &held)
	leaseAt(t, s, mailboxA, base, 1, 5) // m1 is leased, m2 is not
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "ack in wrong mailbox", tx.AckMessage(mailboxB, "m1", base), store.ErrNotFound)
		wantErr(t, "ack missing", tx.AckMessage(mailboxA, "missing", base), store.ErrNotFound)
		wantErr(t, "ack held", tx.AckMessage(mailboxA, "held", base), store.ErrConflict)
		wantErr(t, "ack leased", tx.AckMessage(mailboxA, "m1", base), nil)
		wantErr(t, "ack unleased", tx.AckMessage(mailboxA, "m2", base), nil)
		wantErr(t, "ack twice", tx.AckMessage(mailboxA, "m1", base), store.ErrConflict)
		return nil
	})
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AckMessage(mailboxA, "m2", base) })
	wantErr(t, "ack again later", err, store.ErrConflict)
	if got := getMessage(t, s, "m1").State; got != store.MessageAcked {
		t.Errorf("state after ack: got %q, want %q", got, store.MessageAcked)
	}
	if got := leaseAt(t, s, mailboxA, base.Add(time.Hour), 10, 5); len(got) != 0 {
		t.Errorf("lease after ack: got %q, want none", messageIDs(got))
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	m := message("m1", mailboxA)
	m.Idempotency = "k1"
	other := message("m2", mailboxA)
	other.Sender, other.Idempotency = "spiffe://example.org/agent/mallory", "k1"
	none := message("m3", mailboxA)
	putMessages(t, s, &m, &other, &none)
	cases := []struct {
		name        string
		sender, key string
		since       time.Time
		want        string // "" for ErrNotFound
	}{
		{"since before", alice, "k1", base.Add(-time.Hour), "m1"},
		{"since equal", alice, "k1", base, "m1"},
		{"since after", alice, "k1", base.Add(time.Microsecond), ""},
		{"other sender", other.Sender, "k1", base, "m2"},
		{"unknown sender", "spiffe://example.org/agent/x", "k1", base, ""},
		{"unknown key", alice, "k2", base, ""},
		{"empty key", alice, "", base, ""},
	}
	view(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			got, err := tx.MessageByIdempotency(c.sender, c.key, c.since)
			if c.want == "" {
				wantErr(t, c.name, err, store.ErrNotFound)
				continue
			}
			wantErr(t, c.name, err, nil)
			if got.ID != c.want {
				t.Errorf("%s: got %q, want %q", c.name, got.ID, c.want)
			}
		}
		return nil
	})
}

func testRewriteMessage(t *testing.T, s store.Store) {
	m := message("m1", mailboxA)
	m.Headers, m.KeyID = []byte("old headers"), 7
	putMessages(t, s, &m)
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "rewrite missing", tx.RewriteMessage("missing", nil, nil, 1), store.ErrNotFound)
		return tx.RewriteMessage("m1", []byte("new headers"), []byte{0x00, 0xff}, 8)
	})
	m.Headers, m.Body, m.KeyID = []byte("new headers"), []byte{0x00, 0xff}, 8
	checkMessage(t, getMessage(t, s, "m1"), m)
	// Rewriting with the same values still finds the message.
	update(t, s, func(tx store.Tx) error { return tx.RewriteMessage("m1", m.Headers, m.Body, m.KeyID) })
}

func testUsage(t *testing.T, s store.Store) {
	sizes := map[string]int64{"held": 1, "ready": 10, "leased": 100, "dead": 1000, "acked": 10000, "quarantined": 100000}
	var ms []*store.Message
	for _, id := range []string{"held", "ready", "leased", "dead", "acked", "quarantined"} {
		m := message(id, mailboxA)
		m.Size = sizes[id]
		ms = append(ms, &m)
	}
	ms[0].State, ms[3].State, ms[5].State = store.MessageHeld, store.MessageDead, store.MessageQuarantined
	other := message("other", mailboxB)
	other.Size = 1000000
	putMessages(t, s, append(ms, &other)...)
	update(t, s, func(tx store.Tx) error {
		if _, _, err := tx.LeaseMessages(mailboxA, base, lease, 2, 5); err != nil { // ready and leased
			return err
		}
		if err := tx.AckMessage(mailboxA, "acked", base); err != nil { // acked without a lease
			return err
		}
		u, err := tx.Usage(mailboxA)
		wantErr(t, "usage", err, nil)
		if want := (store.MailboxUsage{Messages: 5, Bytes: 101111}); u != want {
			t.Errorf("usage: got %+v, want %+v", u, want)
		}
		u, err = tx.Usage("agent/empty")
		if u != (store.MailboxUsage{}) || err != nil {
			t.Errorf("usage of empty mailbox: got %+v, %v; want zero, nil", u, err)
		}
		return nil
	})
}

// testUsageFollowsChanges walks messages through every state change the
// store offers and checks Usage after each: the running counts must
// match what the mailbox holds, in every mailbox, and a rolled-back
// change must leave them as they were.
func testUsageFollowsChanges(t *testing.T, s store.Store) {
	want := func(tx store.Tx, step, mailbox string, n, bytes int64) {
		t.Helper()
		u, err := tx.Usage(mailbox)
		if err != nil || u != (store.MailboxUsage{Messages: n, Bytes: bytes}) {
			t.Errorf("%s: usage of %s = %+v, %v; want %d messages, %d bytes", step, mailbox, u, err, n, bytes)
		}
	}
	sized := func(id, mailbox string, size int64, state store.MessageState) *store.Message {
		m := message(id, mailbox)
		m.Size, m.State = size, state
		return &m
	}
	putMessages(t, s, sized("r1", mailboxA, 1, store.MessageReady), sized("r2", mailboxA, 10, store.MessageReady),
		sized("h", mailboxA, 100, store.MessageHeld), sized("q", mailboxA, 1000, store.MessageQuarantined),
		sized("b", mailboxB, 10000, store.MessageReady))
	update(t, s, func(tx store.Tx) error {
		want(tx, "put", mailboxA, 4, 1111)
		want(tx, "put", mailboxB, 1, 10000)
		wantErr(t, "release held", tx.SetMessageState("h", store.MessageReady, base), nil)
		want(tx, "held to ready", mailboxA, 4, 1111)
		wantErr(t, "reject quarantined", tx.SetMessageState("q", store.MessageAcked, base), nil)
		want(tx, "quarantined to acked", mailboxA, 3, 111)
		if _, _, err := tx.LeaseMessages(mailboxA, base, lease, 3, 1); err != nil {
			return err
		}
		want(tx, "leased", mailboxA, 3, 111)
		// Out of attempts once the lease has run out: r1, r2 and h go dead.
		if _, dead, err := tx.LeaseMessages(mailboxA, base.Add(time.Hour), lease, 3, 1); err != nil || !slices.Equal(dead, []string{"r1", "r2", "h"}) {
			t.Errorf("dead-lettered %q, %v; want [r1 r2 h]", dead, err)
			return err
		}
		want(tx, "dead-lettered", mailboxA, 3, 111)
		wantErr(t, "requeue", tx.SetMessageState("r2", store.MessageReady, base.Add(time.Hour)), nil)
		acked, err := tx.AckMessages(mailboxA, []string{"r2", "q"}, base.Add(time.Hour))
		if err != nil || !acked["r2"] || acked["q"] {
			t.Errorf("ack r2 and q: got %v, %v; want r2 acked only", acked, err)
		}
		want(tx, "acked", mailboxA, 2, 101)
		wantErr(t, "ack b", tx.AckMessage(mailboxB, "b", base), nil)
		want(tx, "acked other mailbox", mailboxB, 0, 0)
		want(tx, "other mailbox untouched", mailboxA, 2, 101)
		return nil
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.SetMessageState("r1", store.MessageAcked, base); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "rolled back ack", err, errTest)
	view(t, s, func(tx store.Tx) error {
		want(tx, "after rollback", mailboxA, 2, 101)
		return nil
	})
}

// testPurgeAcked: only acked messages created before the cutoff go,
// oldest first and at most limit per call; every other state stays, and
// so does what counts against the quota.
func testPurgeAcked(t *testing.T, s store.Store) {
	var ms []*store.Message
	for i, state := range []store.MessageState{store.MessageAcked, store.MessageReady, store.MessageAcked,
		store.MessageDead, store.MessageAcked, store.MessageAcked} {
		m := message(fmt.Sprintf("m%d", i), mailboxA)
		m.State, m.Created = state, base.Add(time.Duration(i)*time.Hour)
		ms = append(ms, &m)
	}
	putMessages(t, s, ms...)
	purge := func(before time.Time, limit, want int) {
		t.Helper()
		update(t, s, func(tx store.Tx) error {
			n, err := tx.PurgeAcked(before, limit)
			if err != nil || n != want {
				t.Errorf("PurgeAcked(%s, %d) = %d, %v; want %d", before.Sub(base), limit, n, err, want)
			}
			return err
		})
	}
	cutoff := base.Add(4 * time.Hour) // m0..m3 are older; m4 was created at it
	purge(cutoff, 1, 1)               // m0
	purge(cutoff, 10, 1)              // m2; m1 ready and m3 dead stay
	purge(cutoff, 10, 0)
	view(t, s, func(tx store.Tx) error {
		for _, m := range ms {
			_, err := tx.Message(m.ID)
			gone := m.ID == "m0" || m.ID == "m2"
			if gone && !errors.Is(err, store.ErrNotFound) || !gone && err != nil {
				t.Errorf("message %s (%s) after purge: %v", m.ID, m.State, err)
			}
		}
		u, err := tx.Usage(mailboxA)
		if err != nil || u.Messages != 2 {
			t.Errorf("usage after purge = %+v, %v; want the ready and the dead message", u, err)
		}
		return nil
	})
	purge(base.Add(24*time.Hour), 10, 2) // m4, m5
}

func testDeleteBlob(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "put", tx.PutBlob("keyset/a2", []byte("secret")), nil)
		wantErr(t, "put other", tx.PutBlob("keyset/b7", []byte("other")), nil)
		wantErr(t, "delete missing", tx.DeleteBlob("missing"), nil)
		return tx.DeleteBlob("keyset/a2")
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.GetBlob("keyset/a2")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		got, err := tx.GetBlob("keyset/b7")
		if err != nil || string(got) != "other" {
			t.Errorf("get other: got %q, %v; want %q", got, err, "other")
		}
		return nil
	})
}

// testMessageRollback: leases, acks, state changes and rewrites in an
// Update that fails leave every message as it was.
func testMessageRollback(t *testing.T, s store.Store) {
	m1, m2 := message("m1", mailboxA), message("m2", mailboxA)
	putMessages(t, s, &m1, &m2)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if _, _, err := tx.LeaseMessages(mailboxA, base, lease, 1, 1); err != nil {
			return err
		}
		if err := tx.AckMessage(mailboxA, "m1", base); err != nil {
			return err
		}
		if _, _, err := tx.LeaseMessages(mailboxA, base, lease, 1, 0); err != nil {
			return err
		}
		if err := tx.SetMessageState("m2", store.MessageDead, base); err != nil {
			return err
		}
		if err := tx.RewriteMessage("m2", []byte("h"), []byte("b"), 9); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "update", err, errTest)
	checkMessage(t, getMessage(t, s, "m1"), m1)
	checkMessage(t, getMessage(t, s, "m2"), m2)
}

// testLeaseRace has goroutines lease one message at a time from the same
// mailbox in separate Updates until it is empty: while leases last, every
// message is delivered exactly once.
func testLeaseRace(t *testing.T, s store.Store) {
	const workers, messages = 8, 40
	var ms []*store.Message
	for i := range messages {
		m := message(fmt.Sprintf("m%02d", i), mailboxA)
		ms = append(ms, &m)
	}
	putMessages(t, s, ms...)
	var mu sync.Mutex
	delivered := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				var got []store.Message
				err := s.Update(t.Context(), func(tx store.Tx) (err error) {
					got, _, err = tx.LeaseMessages(mailboxA, base, lease, 1, 5)
					return err
				})
				if err != nil || len(got) == 0 {
					wantErr(t, "lease", err, nil)
					return
				}
				mu.Lock()
				delivered[got[0].ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(delivered) != messages {
		t.Errorf("delivered: got %d distinct messages, want %d", len(delivered), messages)
	}
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("message %s: delivered %d times, want once", id, n)
		}
	}
}

func testOriginals(t *testing.T, s store.Store) {
	m1, m2 := message("m1", mailboxA), message("m2", mailboxA)
	m1.State = store.MessageAcked
	putMessages(t, s, &m1, &m2)
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "put original of missing message", tx.PutOriginal("missing", []byte("x")), store.ErrNotFound)
		if err := tx.PutOriginal("m1", []byte("first")); err != nil { // the transaction is still usable
			return err
		}
		return tx.PutOriginal("m1", []byte{0x00, 0xff, 'x'})
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Original("m1")
		if err != nil || string(got) != "\x00\xffx" {
			t.Errorf("Original(m1) = %q, %v; want the replacement", got, err)
		}
		_, err = tx.Original("m2")
		wantErr(t, "original of a message without one", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutOriginal("m2", []byte("two")); err != nil {
			return err
		}
		if err := tx.DeleteOriginal("m2"); err != nil {
			return err
		}
		return tx.DeleteOriginal("m2") // no error when absent
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Original("m2")
		wantErr(t, "deleted original", err, store.ErrNotFound)
		return nil
	})
	// Purging the acked message takes its original with it.
	update(t, s, func(tx store.Tx) error {
		n, err := tx.PurgeAcked(base.Add(time.Hour), 10)
		if n != 1 {
			t.Errorf("PurgeAcked = %d, want 1", n)
		}
		return err
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Original("m1")
		wantErr(t, "original of a purged message", err, store.ErrNotFound)
		return nil
	})
}
