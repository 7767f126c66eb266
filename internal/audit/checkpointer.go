package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// ErrEmptyLog reports a request to checkpoint a log with no events.
var ErrEmptyLog = errors.New("audit log is empty")

// finalTimeout bounds the checkpoint Close signs.
const finalTimeout = 30 * time.Second

// Checkpointer signs checkpoints of the audit log and publishes them to
// sinks. Configure it with NewCheckpointer, then Start it; it owns one
// goroutine, which Close stops after signing a final checkpoint.
type Checkpointer struct {
	st     store.Store
	signer *Signer
	cfg    Config
	sinks  []Sink
	log    *slog.Logger
	poll   time.Duration // how often the log size is read

	mu       sync.Mutex // serialises signing and publishing
	lastSize int64      // size of the latest checkpoint known; -1 until read

	startOnce sync.Once
	closeOnce sync.Once
	cancel    context.CancelFunc // stops the goroutine; set by Start
	done      chan struct{}
	started   bool
	closeErr  error
}

// NewCheckpointer returns a Checkpointer for st signing with s. It does not
// start it. A nil log discards messages.
func NewCheckpointer(st store.Store, s *Signer, cfg Config, log *slog.Logger) (*Checkpointer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Checkpointer{
		st: st, signer: s, cfg: cfg, sinks: cfg.sinks(),
		log:  log.With("component", "audit"),
		poll: min(time.Second, cfg.Interval), lastSize: -1,
		done: make(chan struct{}),
	}, nil
}

// Start starts the goroutine that checkpoints every Interval or EveryN
// events. Calls after the first do nothing.
func (c *Checkpointer) Start() {
	c.startOnce.Do(func() {
		c.started = true
		var ctx context.Context
		ctx, c.cancel = context.WithCancel(context.Background())
		go c.run(ctx)
	})
}

// Close stops the goroutine, then signs and publishes a final checkpoint
// if the log grew. It is safe to call more than once.
func (c *Checkpointer) Close() error {
	c.closeOnce.Do(func() {
		c.startOnce.Do(func() {}) // a later Start does nothing
		if c.started {
			c.cancel()
			<-c.done
		}
		ctx, cancel := context.WithTimeout(context.Background(), finalTimeout)
		defer cancel()
		if _, err := c.Checkpoint(ctx); err != nil && !errors.Is(err, ErrEmptyLog) {
			c.closeErr = fmt.Errorf("final audit checkpoint: %w", err)
		}
	})
	return c.closeErr
}

func (c *Checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if time.Since(last) < c.cfg.Interval && !c.grownEnough(ctx) {
			continue
		}
		last = time.Now()
		if _, err := c.Checkpoint(ctx); err != nil && !errors.Is(err, ErrEmptyLog) && ctx.Err() == nil {
			c.log.Error("audit checkpoint failed", "err", err)
		}
	}
}

// grownEnough reports whether the log grew by EveryN since the last
// checkpoint this Checkpointer knows of.
func (c *Checkpointer) grownEnough(ctx context.Context) bool {
	c.mu.Lock()
	last := c.lastSize
	c.mu.Unlock()
	if last < 0 {
		return true // not known yet: let Checkpoint find out
	}
	var size int64
	err := c.st.View(ctx, func(tx store.Tx) error {
		var err error
		size, err = tx.AuditSize()
		return err
	})
	return err == nil && size-last >= c.cfg.EveryN
}

// Checkpoint signs, stores and publishes a checkpoint now if the log grew
// since the latest one, and returns the latest checkpoint either way. It
// refuses to sign when the stored tree no longer matches the previous
// signed checkpoint, which means the log was altered. It fails with
// ErrEmptyLog when there is nothing to sign.
func (c *Checkpointer) Checkpoint(ctx context.Context) (store.Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, fresh, err := c.signLocked(ctx)
	if err != nil {
		return store.Checkpoint{}, err
	}
	c.lastSize = cp.Size
	if fresh {
		c.log.Info("audit checkpoint signed", "size", cp.Size, "root", cp.Root.String())
		c.publishLocked(ctx, cp)
	}
	return cp, nil
}

// signLocked signs a checkpoint of the current tree in one transaction, so
// no append lands between reading the size and storing the checkpoint.
func (c *Checkpointer) signLocked(ctx context.Context) (cp store.Checkpoint, fresh bool, err error) {
	err = c.st.Update(ctx, func(tx store.Tx) error {
		size, err := tx.AuditSize()
		if err != nil {
			return err
		}
		prev, err := c.latestVerified(tx)
		if err != nil {
			return err
		}
		switch {
		case prev != nil && size == prev.Size:
			cp = *prev
			return nil
		case prev != nil && size < prev.Size:
			return fmt.Errorf("the log has %d events but checkpoint %d is signed: truncated or rolled back; run `airlock audit verify`", size, prev.Size)
		case size == 0:
			return ErrEmptyLog
		}
		if cp, err = c.sign(tx, size); err != nil {
			return err
		}
		fresh = true
		return tx.PutCheckpoint(cp)
	})
	if err != nil {
		return store.Checkpoint{}, false, fmt.Errorf("audit checkpoint: %w", err)
	}
	return cp, fresh, nil
}

// latestVerified returns the latest stored checkpoint, nil if there is
// none, after checking its signature and that the stored hashes still
// give its root.
func (c *Checkpointer) latestVerified(tx store.Tx) (*store.Checkpoint, error) {
	latest, err := tx.LatestCheckpoint()
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	signed, err := parseCheckpoint(latest.Note, c.signer.verify)
	if err != nil {
		return nil, fmt.Errorf("latest stored checkpoint (size %d): %w", latest.Size, err)
	}
	if signed.Size != latest.Size || signed.Root != latest.Root {
		return nil, fmt.Errorf("latest stored checkpoint (size %d) does not match its signed note (size %d)", latest.Size, signed.Size)
	}
	root, err := tlog.TreeHash(signed.Size, txHashes(tx))
	if err != nil {
		return nil, fmt.Errorf("recompute root at size %d: %w", signed.Size, err)
	}
	if root != signed.Root {
		return nil, fmt.Errorf("the stored tree no longer matches the checkpoint at size %d: the log was altered; "+
			"refusing to sign; run `airlock audit verify`", signed.Size)
	}
	return &latest, nil
}

func (c *Checkpointer) sign(tx store.Tx, size int64) (store.Checkpoint, error) {
	root, err := tlog.TreeHash(size, txHashes(tx))
	if err != nil {
		return store.Checkpoint{}, fmt.Errorf("tree hash at size %d: %w", size, err)
	}
	msg, err := c.signer.Sign(size, root)
	if err != nil {
		return store.Checkpoint{}, err
	}
	return store.Checkpoint{Size: size, Root: root, Note: msg, Created: time.Now().UTC()}, nil
}

// publishLocked hands cp to every sink; failures are logged only.
func (c *Checkpointer) publishLocked(ctx context.Context, cp store.Checkpoint) {
	for _, s := range c.sinks {
		if err := s.Publish(ctx, cp.Note); err != nil {
			c.log.Warn("audit checkpoint not published", "sink", fmt.Sprint(s), "size", cp.Size, "err", err)
		}
	}
}
