package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/internal/api"
	"github.com/airlock-hub/airlock/internal/audit"
	"github.com/airlock-hub/airlock/internal/store"
)

// auditLog adapts the store and the audit package to what the API needs.
type auditLog struct {
	st     store.Store
	signer *audit.Signer
	cp     *audit.Checkpointer
}

var _ api.AuditLog = (*auditLog)(nil)

func (l *auditLog) Events(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	var es []store.Event
	err := l.st.View(ctx, func(tx store.Tx) error {
		var err error
		es, err = tx.Events(f)
		return err
	})
	return es, err
}

func (l *auditLog) Size(ctx context.Context) (int64, error) {
	var n int64
	err := l.st.View(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.AuditSize()
		return err
	})
	return n, err
}

// ProofJSON proves event seq, signing a fresh checkpoint first when the
// event is newer than the latest one.
func (l *auditLog) ProofJSON(ctx context.Context, seq int64) ([]byte, error) {
	p, err := audit.Prove(ctx, l.st, seq)
	if errors.Is(err, audit.ErrNotCheckpointed) {
		if _, err = l.cp.Checkpoint(ctx); err != nil {
			return nil, fmt.Errorf("sign checkpoint: %w", err)
		}
		p, err = audit.Prove(ctx, l.st, seq)
	}
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(p, "", "  ")
}

func (l *auditLog) Verify(ctx context.Context, external []byte, progress func(done, total int64)) (int64, error) {
	rep, err := audit.Verify(ctx, l.st, l.signer.VerifierKey(), external, progress)
	if errors.Is(err, audit.ErrBadCheckpoint) && len(external) > 0 {
		return 0, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err != nil {
		return 0, err
	}
	return int64(rep.Checkpoints), nil
}

func (l *auditLog) VerifierKey() (string, string) { return l.signer.VerifierKey(), l.signer.Origin() }

func (l *auditLog) Checkpoint(ctx context.Context) ([]byte, int64, error) {
	c, err := l.cp.Checkpoint(ctx)
	if err != nil {
		return nil, 0, err
	}
	return c.Note, c.Size, nil
}

func (l *auditLog) Record(ctx context.Context, e store.Event) error {
	return l.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AppendEvent(e)
		return err
	})
}
