package messaging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Broadcaster carries short notifications between hub nodes that share a
// store; the PostgreSQL store is one (LISTEN/NOTIFY).
type Broadcaster interface {
	// Notify sends payload to every Listen, on every node.
	Notify(ctx context.Context, payload string) error
	// Listen calls fn with every payload until ctx ends, and onGap after
	// it reconnected and may have missed some.
	Listen(ctx context.Context, fn func(payload string), onGap func()) error
}

// maxPayload keeps one notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// ClusterNotifier is a Notifier for several hub nodes: it wakes waiters on
// this node at once, like LocalNotifier, and sends the mailbox names to
// the other nodes through a Broadcaster, coalesced so that a burst of
// sends costs a few notifications, not one each. Its own notifications
// coming back are ignored. Start it with Run.
type ClusterNotifier struct {
	B   Broadcaster
	Log *slog.Logger

	local   LocalNotifier
	self    string // random ID of this node's notifications
	mu      sync.Mutex
	pending map[string]struct{}
	kick    chan struct{}
	once    sync.Once
}

var _ Notifier = (*ClusterNotifier)(nil)

func (n *ClusterNotifier) init() {
	n.once.Do(func() {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		n.self = hex.EncodeToString(b)
		n.pending = make(map[string]struct{})
		n.kick = make(chan struct{}, 1)
	})
}

// Subscribe implements Notifier.
func (n *ClusterNotifier) Subscribe(mailbox string) (<-chan struct{}, func()) {
	return n.local.Subscribe(mailbox)
}

// Notify implements Notifier. It never blocks.
func (n *ClusterNotifier) Notify(mailbox string) {
	n.init()
	n.local.Notify(mailbox)
	n.mu.Lock()
	n.pending[mailbox] = struct{}{}
	n.mu.Unlock()
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run relays notifications both ways until ctx ends.
func (n *ClusterNotifier) Run(ctx context.Context) {
	n.init()
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = n.B.Listen(ctx, n.heard, n.local.NotifyAll)
	})
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-n.kick:
		}
		for _, p := range n.payloads() {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := n.B.Notify(sctx, p); err != nil && ctx.Err() == nil && n.Log != nil {
				n.Log.Warn("could not wake other hub nodes; they find new messages at their next poll", "error", err)
			}
			cancel()
		}
	}
}

// payloads takes the pending mailboxes, as "<self>\n<mailbox>\n…"
// payloads of at most maxPayload bytes.
func (n *ClusterNotifier) payloads() []string {
	n.mu.Lock()
	mbs := n.pending
	n.pending = make(map[string]struct{})
	n.mu.Unlock()
	var out []string
	var b strings.Builder
	for mb := range mbs {
		if b.Len() > 0 && b.Len()+1+len(mb) > maxPayload {
			out, b = append(out, b.String()), strings.Builder{}
		}
		if b.Len() == 0 {
			b.WriteString(n.self)
		}
		b.WriteString("\n" + mb)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// heard wakes this node's waiters of the mailboxes another node named.
func (n *ClusterNotifier) heard(payload string) {
	from, mbs, _ := strings.Cut(payload, "\n")
	if from == n.self {
		return // woken already, in Notify
	}
	for mb := range strings.SplitSeq(mbs, "\n") {
		if mb != "" {
			n.local.Notify(mb)
		}
	}
}
