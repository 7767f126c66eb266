package messaging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Batched commits. The messaging hot path — ready sends, Fetch leases and
// Acks — commits in batches: concurrent callers queue their work, and one
// goroutine runs everything queued in ONE store Update without a savepoint
// per caller. Sends are stored together (one lookup of the IDs, one usage
// query per mailbox, multi-row inserts of the messages and their audit
// events) instead of about seven statements each; leases and acks run one
// after another in the same transaction.
//
// The outcome of each caller is what committing them one at a time would
// give, sends first and then the other operations in queue order: an
// idempotent retry, a taken ID or a full mailbox fails only that message,
// and a message sees the earlier ones of its batch. An operation that is
// refused (an ack of an unknown ID, say) fails alone: the batch is rolled
// back and run again without it, so operations must be re-runnable — they
// reset their results when they start. A store failure fails the batch.
//
// The goroutine runs only while there is work: the caller that finds no
// batch running starts one, and it exits once the queue is empty. Batches
// form while a commit is in progress; nothing waits for more work.

// maxBatchOps bounds the sends and operations of one batched commit.
const maxBatchOps = 256

// Request states; the batcher and a caller whose context ends race to
// move a request out of opQueued.
const (
	opQueued int32 = iota
	opTaken
	opAbandoned
)

// batchRequest is one send, or one operation, waiting for or in a batch.
type batchRequest struct {
	// A send: a ready message to store with its message.sent event.
	a       policy.Actor
	m       *store.Message
	reasons []string
	res     Result
	// An operation, if run is set: it runs in the batch's transaction and
	// must be re-runnable.
	run func(store.Tx) error

	state atomic.Int32
	done  chan struct{} // closed once res and err are set
	err   error
}

// batcher queues batchRequests for the batch goroutine.
type batcher struct {
	mu      sync.Mutex
	pending []*batchRequest
	running bool
}

// commitBatched commits m, a ready message, with its message.sent event in
// the next batch, and returns as commit does.
func (s *Service) commitBatched(ctx context.Context, a policy.Actor, m *store.Message, reasons []string) (Result, error) {
	r := &batchRequest{a: a, m: m, reasons: reasons}
	err := s.enqueue(ctx, r)
	return r.res, err
}

// inBatch runs fn in the transaction of the next batch and returns its
// error. fn must be re-runnable (reset what it sets when it starts); its
// refusals (errors other than store failures) fail only this call.
func (s *Service) inBatch(ctx context.Context, fn func(store.Tx) error) error {
	return s.enqueue(ctx, &batchRequest{run: fn})
}

// enqueue queues r and waits for its outcome. If ctx ends while r is still
// queued, r does not run; once its batch has started, enqueue waits.
func (s *Service) enqueue(ctx context.Context, r *batchRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.done = make(chan struct{})
	b := &s.batcher
	b.mu.Lock()
	b.pending = append(b.pending, r)
	if !b.running {
		b.running = true
		go s.runBatches()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		<-r.done
	}
	return r.err
}

// runBatches commits queued requests, a batch at a time, until there are
// none.
func (s *Service) runBatches() {
	b := &s.batcher
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxBatchOps)
		if n == 0 {
			b.running = false
			b.pending = nil
			b.mu.Unlock()
			return
		}
		batch := make([]*batchRequest, 0, n)
		for _, r := range b.pending[:n] {
			if r.state.CompareAndSwap(opQueued, opTaken) {
				batch = append(batch, r)
			}
		}
		b.pending = b.pending[n:]
		b.mu.Unlock()
		s.runBatch(batch)
	}
}

// runBatch commits batch and completes its requests. An operation that is
// refused is taken out and the rest run again in a new transaction.
func (s *Service) runBatch(batch []*batchRequest) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	var sends, ops []*batchRequest
	for _, r := range batch {
		if r.run != nil {
			ops = append(ops, r)
		} else {
			sends = append(sends, r)
		}
	}
	for {
		var refused *batchRequest
		err := updateRecovering(s.Store, func(tx store.Tx) error {
			refused = nil
			for _, r := range slices.Concat(sends, ops) { // not those refused before
				r.res, r.err = Result{}, nil
			}
			if err := s.commitBatch(tx, sends); err != nil {
				return err
			}
			for _, r := range ops {
				if err := r.run(tx); err != nil {
					if isRefusal(err) {
						refused, r.err = r, err
					}
					return err
				}
			}
			return nil
		})
		if refused == nil {
			if err != nil {
				for _, r := range slices.Concat(sends, ops) {
					r.res, r.err = Result{}, err
				}
			}
			return
		}
		ops = slices.DeleteFunc(ops, func(r *batchRequest) bool { return r == refused })
	}
}

// updateRecovering runs fn in a store Update and turns a panic into an
// error: the batch goroutine serves many callers and must not take the
// process down with one of them.
func updateRecovering(st store.Store, fn func(store.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("messaging batch: internal error: %v", p)
		}
	}()
	return st.Update(context.Background(), fn)
}

// isRefusal reports whether err refuses an operation for what it asked
// (an unknown or wrong message, a bad request) rather than reporting a
// failure of the store.
func isRefusal(err error) bool {
	for _, target := range []error{store.ErrNotFound, store.ErrConflict, store.ErrExists, ErrInvalid} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// commitBatch stores the messages of batch that are not duplicates and
// fit their mailbox's quota, with their audit events, and sets each
// request's outcome. It returns an error only when the store fails, which
// fails the whole batch.
func (s *Service) commitBatch(tx store.Tx, batch []*batchRequest) error {
	if len(batch) == 0 {
		return nil
	}
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
	var accepted []*batchRequest
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
func (s *Service) storeAccepted(tx store.Tx, accepted []*batchRequest) error {
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
