package messaging

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Batched commits. Sends that need no access request are committed
// together: concurrent Sends queue their sealed message, and one goroutine
// stores everything queued in ONE store Update — one lookup of the IDs,
// one usage query per mailbox, multi-row inserts of the messages and their
// audit events — instead of an Update of about seven statements per
// message. The outcome of each message is what committing them one at a
// time in queue order would give: an idempotent retry, a taken ID or a
// full mailbox fails only that message, and a message sees the earlier
// ones of its batch (their IDs, idempotency keys and usage).
//
// The goroutine runs only while there is work: the Send that finds no
// batch running starts one, and it exits once the queue is empty. Batches
// form while a commit is in progress; nothing waits for more work.

// maxSendBatch bounds the messages of one batched commit.
const maxSendBatch = 256

// Send request states; the batcher and a caller whose context ends race
// to move a request out of sendQueued.
const (
	sendQueued int32 = iota
	sendTaken
	sendAbandoned
)

// sendRequest is one message waiting for, or in, a batched commit.
type sendRequest struct {
	a       policy.Actor
	m       *store.Message
	reasons []string
	state   atomic.Int32
	done    chan struct{} // closed once res and err are set
	res     Result
	err     error
}

// sendBatcher queues sendRequests for the batch goroutine.
type sendBatcher struct {
	mu      sync.Mutex
	pending []*sendRequest
	running bool
}

// commitBatched commits m, a ready message, with its message.sent event in
// the next batch, and returns as commit does. If ctx ends while m is still
// queued, m is not stored; once its batch has started, commitBatched waits
// for the outcome.
func (s *Service) commitBatched(ctx context.Context, a policy.Actor, m *store.Message, reasons []string) (Result, error) {
	r := &sendRequest{a: a, m: m, reasons: reasons, done: make(chan struct{})}
	b := &s.batcher
	b.mu.Lock()
	b.pending = append(b.pending, r)
	if !b.running {
		b.running = true
		go s.runSendBatches()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(sendQueued, sendAbandoned) {
			return Result{}, ctx.Err()
		}
		<-r.done
	}
	return r.res, r.err
}

// runSendBatches commits queued requests, a batch at a time, until there
// are none.
func (s *Service) runSendBatches() {
	b := &s.batcher
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxSendBatch)
		if n == 0 {
			b.running = false
			b.pending = nil
			b.mu.Unlock()
			return
		}
		batch := make([]*sendRequest, 0, n)
		for _, r := range b.pending[:n] {
			if r.state.CompareAndSwap(sendQueued, sendTaken) {
				batch = append(batch, r)
			}
		}
		b.pending = b.pending[n:]
		b.mu.Unlock()
		s.runSendBatch(batch)
	}
}

// runSendBatch commits batch in one Update and completes its requests.
func (s *Service) runSendBatch(batch []*sendRequest) {
	if len(batch) == 0 {
		return
	}
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	err := s.Store.Update(context.Background(), func(tx store.Tx) error {
		for _, r := range batch {
			r.res, r.err = Result{}, nil // a fresh start, should the store run fn again
		}
		return s.commitBatch(tx, batch)
	})
	if err != nil {
		for _, r := range batch {
			r.res, r.err = Result{}, err
		}
	}
}

// commitBatch stores the messages of batch that are not duplicates and
// fit their mailbox's quota, with their audit events, and sets each
// request's outcome. It returns an error only when the store fails, which
// fails the whole batch.
func (s *Service) commitBatch(tx store.Tx, batch []*sendRequest) error {
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.m.ID
	}
	taken, err := tx.TakenMessageIDs(ids)
	if err != nil {
		return err
	}
	usage := map[string]store.MailboxUsage{}
	keys := map[[2]string]Result{} // sender and idempotency key of this batch's messages
	var accepted []*sendRequest
	for _, r := range batch {
		m := r.m
		key := [2]string{m.Sender, m.Idempotency}
		if first, ok := keys[key]; ok && m.Idempotency != "" {
			r.res = Result{ID: first.ID, State: first.State, Duplicate: true}
			continue
		}
		res, dup, err := idempotent(tx, m)
		if err != nil {
			return err
		}
		if dup {
			r.res = res
			continue
		}
		if taken[m.ID] {
			r.err = fmt.Errorf("%w: message ID %s was already used", ErrDuplicate, m.ID)
			continue
		}
		u, ok := usage[m.Mailbox]
		if !ok {
			if u, err = tx.Usage(m.Mailbox); err != nil {
				return err
			}
		}
		u.Messages, u.Bytes = u.Messages+1, u.Bytes+m.Size
		if r.err = s.quotaErr(m, u); r.err != nil {
			continue
		}
		usage[m.Mailbox], taken[m.ID] = u, true
		r.res = Result{ID: m.ID, State: m.State}
		if m.Idempotency != "" {
			keys[key] = r.res
		}
		accepted = append(accepted, r)
	}
	return s.storeAccepted(tx, accepted)
}

// storeAccepted inserts the accepted messages and appends their events.
func (s *Service) storeAccepted(tx store.Tx, accepted []*sendRequest) error {
	ms := make([]store.Message, len(accepted))
	for i, r := range accepted {
		ms[i] = *r.m
	}
	if _, err := tx.PutMessages(ms); err != nil {
		return err
	}
	for _, r := range accepted {
		m := r.m
		if _, err := tx.AppendEvent(s.event(m.Sender, r.a.RequestID, "message.sent", store.OutcomeSuccess,
			m.Recipient, "message "+m.ID, r.reasons)); err != nil {
			return err
		}
	}
	return nil
}
