package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

// Group commit. Every Update is queued for one writer goroutine, which
// takes whatever is queued (up to maxBatch) and runs it in ONE transaction:
// each fn inside its own SAVEPOINT, one at a time, in queue order. A fn that
// fails or panics is rolled back to its savepoint, so only its own work is
// undone; then the transaction commits once, paying one fsync for the whole
// batch, and every caller gets its own result. If the commit fails, every
// caller whose fn succeeded gets that error.
//
// This is equivalent to running the fns serially, each in its own
// transaction: a fn sees the writes of the fns before it (in the same batch
// or earlier ones) and none after it. The only difference a caller can
// observe is that a fn may see an earlier fn's writes that then fail to
// commit — but then its own writes fail with them, and its Update returns
// the error.
//
// The writer never waits for more work: a lone Update starts at once and
// commits alone. Batches form only while a commit is in progress.

// maxBatch bounds the fns run in one transaction, which bounds how long the
// last of them waits for the first.
const maxBatch = 64

// errClosed is returned by Update after Close.
var errClosed = errors.New("sqlite store is closed")

// Request states. The writer and a caller whose context ends race to move
// a request out of queued; whoever wins decides whether fn runs.
const (
	queued int32 = iota
	running
	abandoned
)

// request is one Update waiting for, or being run by, the writer.
type request struct {
	ctx   context.Context
	fn    func(store.Tx) error
	state atomic.Int32
	done  chan struct{} // closed by the writer once err or panicVal is set

	ok       bool // fn returned nil and was released, not yet committed
	err      error
	panicked bool
	panicVal any
	goexit   bool // fn called runtime.Goexit (t.FailNow in a test, say)
}

// errGoexit fails the other Updates of a batch in which a fn called
// runtime.Goexit, which unwinds the writer goroutine past them.
var errGoexit = errors.New("sqlite: another Update in the same transaction called runtime.Goexit")

// Update implements store.Store. fn runs on the store's writer goroutine,
// possibly in the same database transaction as other callers' fns (see
// group commit above); if fn panics, Update panics with the same value in
// the caller's goroutine after only fn's writes were rolled back.
//
// ctx is checked before fn starts; once fn runs, its statements are not
// interrupted when ctx ends (interrupting SQLite mid-statement can roll back
// the whole shared transaction), so a long fn should check ctx itself.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case s.queue <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errClosed
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		<-r.done
	case <-s.stopped:
		// The writer has exited; it finished every request it took.
		if r.state.CompareAndSwap(queued, abandoned) {
			return errClosed
		}
		<-r.done
	}
	if r.panicked {
		panic(r.panicVal)
	}
	if r.goexit {
		runtime.Goexit() // as if fn had run in this goroutine
	}
	return r.err
}

// runWriter is the writer goroutine. Close stops it. If a fn calls
// runtime.Goexit, which cannot be stopped, a new writer takes over.
func (s *Store) runWriter() {
	quit := false
	defer func() {
		if quit {
			close(s.stopped)
		} else {
			go s.runWriter()
		}
	}()
	batch := make([]*request, 0, maxBatch)
	for {
		select {
		case <-s.quit: // before taking more work, even if some is queued
			quit = true
			return
		default:
		}
		select {
		case r := <-s.queue:
			batch = append(batch[:0], r)
		case <-s.quit:
			quit = true
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.runBatch(batch)
		clear(batch) // drop references to finished requests
		s.stmts.prepareWanted(context.Background())
	}
}

// runBatch runs the requests in one transaction and finishes each of them.
func (s *Store) runBatch(batch []*request) {
	if len(batch) == 1 {
		s.runAlone(batch[0])
		return
	}
	completed := false
	defer func() {
		if !completed { // a fn called runtime.Goexit
			finishAll(batch, errGoexit)
		}
	}()
	ctx := context.Background() // the batch outlives any one caller's ctx
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		completed = true
		finishAll(batch, fmt.Errorf("begin: %w", err))
		return
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	q := s.stmts.querier(tx)
	var prev *sqlstore.Tx // the last fn's Tx if it succeeded, for its audit cache
	for i, r := range batch {
		if !r.state.CompareAndSwap(queued, running) {
			batch[i] = nil // abandoned by its caller; never ran
			continue
		}
		stx := sqlstore.NewTx(context.WithoutCancel(r.ctx), dialect, q)
		if prev != nil {
			stx = prev.Next(context.WithoutCancel(r.ctx))
		}
		prev = nil
		err := runSavepoint(ctx, tx, stx, r)
		if r.ok {
			prev = stx
		}
		if err != nil {
			// The transaction is unusable (SQLite may have rolled it back
			// on an I/O error). Fail what ran; retry the rest afresh.
			completed = true
			finishAll(batch[:i+1], err)
			tx.Rollback() //nolint:errcheck // reporting the first error
			s.runBatch(batch[i+1:])
			return
		}
	}
	err = tx.Commit()
	if err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	completed = true
	finishAll(batch, err)
}

// runAlone runs a batch of one without a savepoint, which saves two
// statements: the transaction commits or rolls back with fn.
func (s *Store) runAlone(r *request) {
	if !r.state.CompareAndSwap(queued, running) {
		return // abandoned by its caller
	}
	defer close(r.done)
	if r.err = r.ctx.Err(); r.err != nil {
		return
	}
	ctx := context.WithoutCancel(r.ctx) // as in a batch; see Update
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		r.err = fmt.Errorf("begin: %w", err)
		return
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	callFn(sqlstore.NewTx(ctx, dialect, s.stmts.querier(tx)), r)
	if r.ok {
		if err := tx.Commit(); err != nil {
			r.err = fmt.Errorf("commit: %w", err)
		}
	}
}

// runSavepoint runs r's fn inside a savepoint, rolling back to it if fn
// fails or panics, and records r's outcome. It returns an error only when
// the savepoint itself could not be managed, which leaves the transaction
// unusable.
func runSavepoint(ctx context.Context, tx *sql.Tx, stx *sqlstore.Tx, r *request) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT fn`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	callFn(stx, r)
	if !r.ok {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO fn`); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE fn`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// callFn runs r.fn in stx, recording a panic as r's outcome. stx flushes
// its buffered audit rows before returning, so the savepoint holds all of
// fn's writes. A Tx whose fn failed is never reused (see runBatch), so
// audit state it cached in memory cannot outlive the rollback to its
// savepoint.
func callFn(stx *sqlstore.Tx, r *request) {
	returned := false
	defer func() {
		if v := recover(); v != nil {
			r.ok, r.panicked, r.panicVal = false, true, v
		} else if !returned {
			r.ok, r.goexit = false, true
		}
	}()
	r.err = stx.Run(r.fn)
	r.ok = r.err == nil
	returned = true
}

// finishAll completes every request in batch that ran. err, if not nil,
// is the transaction's failure: it replaces the result of each fn that
// succeeded, whose writes are now lost.
func finishAll(batch []*request, err error) {
	for _, r := range batch {
		if r == nil {
			continue
		}
		// A request still queued never ran (begin failed); claim it unless
		// its caller has given up on it.
		if !r.state.CompareAndSwap(queued, running) && r.state.Load() != running {
			continue
		}
		if err != nil && (r.ok || (r.err == nil && !r.panicked)) {
			r.err, r.ok = err, false
		}
		close(r.done)
	}
}
