package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/identity"
)

// fleetRuns numbers the fleets a process enrolls, so that each messaging
// run has agents (and mailboxes) of its own.
var fleetRuns atomic.Int64

// fleet is the messaging scenario's agents: senders and receivers, each
// enrolled through the enrollment listener and with a client (and so an
// HTTP/2 connection) of its own.
type fleet struct {
	senders, receivers []*client.Client
}

// enrollFleet creates and enrolls senders and receivers agents in the
// default segment, where the starter policy allows them to message each
// other, up to 8 enrollments at a time.
func (h *Hub) enrollFleet(ctx context.Context, senders, receivers int) (*fleet, error) {
	run := fleetRuns.Add(1)
	f := &fleet{senders: make([]*client.Client, senders), receivers: make([]*client.Client, receivers)}
	type job struct {
		name string
		slot **client.Client
	}
	var jobs []job
	for i := range f.senders {
		jobs = append(jobs, job{fmt.Sprintf("msg%d-s%d", run, i), &f.senders[i]})
	}
	for i := range f.receivers {
		jobs = append(jobs, job{fmt.Sprintf("msg%d-r%d", run, i), &f.receivers[i]})
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 8)
	)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := h.enrollAgent(ctx, j.name)
			mu.Lock()
			defer mu.Unlock()
			*j.slot = c
			errs = append(errs, err)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// enrollAgent creates agent name, enrolls it over the network and returns
// a client for it without renewal or logs.
func (h *Hub) enrollAgent(ctx context.Context, name string) (*client.Client, error) {
	ids := h.Server.Hub().Identities
	if _, err := ids.CreateAgent(ctx, identity.Actor{}, name, ""); err != nil {
		return nil, fmt.Errorf("create agent %s: %w", name, err)
	}
	token, _, err := ids.CreateToken(ctx, identity.Actor{}, name, 0)
	if err != nil {
		return nil, fmt.Errorf("create token for %s: %w", name, err)
	}
	id, err := h.enrollWith(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("enroll %s: %w", name, err)
	}
	return client.New(id, client.Options{NoRenew: true, Log: slog.New(slog.DiscardHandler)})
}

// close closes every client of the fleet.
func (f *fleet) close() {
	for _, c := range append(f.senders, f.receivers...) {
		if c != nil {
			c.Close()
		}
	}
}

// recipient is receiver i's SPIFFE ID (receivers round-robin).
func (f *fleet) recipient(i int) string {
	return f.receivers[i%len(f.receivers)].Current().ID.String()
}
