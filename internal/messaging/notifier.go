package messaging

import "sync"

// Notifier wakes waiters of a mailbox when a message for it commits. The
// in-process LocalNotifier serves one hub node; several nodes sharing a
// PostgreSQL store need one that crosses nodes (LISTEN/NOTIFY).
type Notifier interface {
	// Subscribe returns a channel that receives a value after Notify of
	// mailbox (several Notifies may coalesce into one), and a cancel
	// function that must be called when the caller stops waiting.
	Subscribe(mailbox string) (<-chan struct{}, func())
	// Notify wakes every subscriber of mailbox. It never blocks.
	Notify(mailbox string)
}

// LocalNotifier is an in-process Notifier. The zero value is ready to use.
type LocalNotifier struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

var _ Notifier = (*LocalNotifier)(nil)

// Subscribe implements Notifier.
func (n *LocalNotifier) Subscribe(mailbox string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = make(map[string]map[chan struct{}]struct{})
	}
	if n.subs[mailbox] == nil {
		n.subs[mailbox] = make(map[chan struct{}]struct{})
	}
	n.subs[mailbox][ch] = struct{}{}
	n.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			delete(n.subs[mailbox], ch)
			if len(n.subs[mailbox]) == 0 {
				delete(n.subs, mailbox)
			}
		})
	}
}

// Notify implements Notifier.
func (n *LocalNotifier) Notify(mailbox string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs[mailbox] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// NotifyAll wakes every subscriber of every mailbox.
func (n *LocalNotifier) NotifyAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, subs := range n.subs {
		for ch := range subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}
