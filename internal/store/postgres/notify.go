package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// channelPrefix starts the NOTIFY channel of a schema; the schema name
// follows, so hubs in different schemas of one database do not wake each
// other.
const channelPrefix = "airlock:"

// listenRetry is how long Listen waits before it reconnects.
const listenRetry = time.Second

// channel returns the NOTIFY channel of the connection's current schema.
func (s *Store) channel(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (string, error) {
	var schema string
	if err := q.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	return channelPrefix + schema, nil
}

// Notify sends payload (at most 8000 bytes) to every Listen on this
// store's schema, on every node. Delivery is best effort: a listener
// that is reconnecting misses it.
func (s *Store) Notify(ctx context.Context, payload string) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.errorf("notify", err)
	}
	defer c.Release()
	ch, err := s.channel(ctx, c)
	if err == nil {
		_, err = c.Exec(ctx, `SELECT pg_notify($1, $2)`, ch, payload)
	}
	if err != nil {
		return s.errorf("notify", err)
	}
	return nil
}

// Listen calls fn with the payload of every Notify on this store's schema,
// from any node including this one, until ctx ends. It holds one pooled
// connection while it listens and reconnects after a failure, calling
// onGap so the caller can make up for what it may have missed. It returns
// ctx's error.
func (s *Store) Listen(ctx context.Context, fn func(payload string), onGap func()) error {
	for {
		err := s.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the connection broke: retry
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(listenRetry):
		}
		onGap()
	}
}

func (s *Store) listenOnce(ctx context.Context, fn func(string)) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool: take it out.
	c := pc.Hijack()
	defer c.Close(context.Background()) //nolint:errcheck // closing a connection we drop
	ch, err := s.channel(ctx, c)
	if err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("wait for notification: %w", err)
		}
		fn(n.Payload)
	}
}
