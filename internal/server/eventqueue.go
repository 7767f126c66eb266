package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// eventQueue records events that must not slow down or block the path that
// produces them, such as refused handshakes: an attacker replaying a
// revoked certificate should not be able to make every connection attempt
// wait for a database commit. Events are written in batches by one
// goroutine; when the queue is full, events are dropped and counted.
type eventQueue struct {
	st      store.Store
	log     *slog.Logger
	ch      chan store.Event
	dropped atomic.Int64
	wg      sync.WaitGroup

	mu     sync.RWMutex // guards closed against Add racing Close
	closed bool
}

const eventQueueSize = 1024

func newEventQueue(st store.Store, log *slog.Logger) *eventQueue {
	q := &eventQueue{st: st, log: log, ch: make(chan store.Event, eventQueueSize)}
	q.wg.Add(1)
	go q.run()
	return q
}

// Add queues e without blocking. After Close it does nothing.
func (q *eventQueue) Add(e store.Event) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return
	}
	select {
	case q.ch <- e:
	default:
		if q.dropped.Add(1)%1000 == 1 {
			q.log.Warn("audit event queue full; dropping events", "dropped_total", q.dropped.Load(), "type", e.Type)
		}
	}
}

func (q *eventQueue) run() {
	defer q.wg.Done()
	for e := range q.ch {
		batch := []store.Event{e}
	drain:
		for len(batch) < 256 {
			select {
			case more, ok := <-q.ch:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		q.write(batch)
	}
}

func (q *eventQueue) write(batch []store.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := q.st.Update(ctx, func(tx store.Tx) error {
		for _, e := range batch {
			if _, err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		q.log.Error("write audit events", "count", len(batch), "error", err)
	}
}

// Close writes what is queued and stops the goroutine. Safe to call twice.
func (q *eventQueue) Close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	q.wg.Wait()
}
