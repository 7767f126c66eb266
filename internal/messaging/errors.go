package messaging

import (
	"errors"

	"github.com/airlock-hub/airlock/internal/store"
)

// Errors callers test with errors.Is.
var (
	// ErrInvalid is wrapped by envelopes and arguments that break a rule.
	ErrInvalid = errors.New("invalid argument")
	// ErrBadSignature is wrapped when a signature is missing or does not
	// verify against the sender's certificate.
	ErrBadSignature = errors.New("bad signature")
	// ErrDuplicate is wrapped when a message ID was already used: a
	// replayed envelope is never stored or delivered twice.
	ErrDuplicate = errors.New("duplicate message")
	// ErrQuota is wrapped when a mailbox holds too many messages or bytes.
	ErrQuota = errors.New("mailbox quota exceeded")
	// ErrCorrupt is wrapped when a stored message does not open: it was
	// modified, moved to another row, or its keyset was shredded.
	ErrCorrupt = errors.New("stored message is corrupt or unreadable")
	// ErrOverloaded is wrapped when the hub could not screen a message in
	// time (screen.ErrBudgetExceeded): nothing is stored, and the sender
	// should retry later. Under load that is the machine, not the content,
	// so the message is refused rather than quarantined for a reviewer.
	ErrOverloaded = errors.New("hub overloaded: screening did not finish in time; retry later")
	// ErrNotFound is store.ErrNotFound: no such message in that mailbox.
	ErrNotFound = store.ErrNotFound
)
