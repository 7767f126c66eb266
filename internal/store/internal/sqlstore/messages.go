package sqlstore

import (
	"errors"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// errNoMessages: the message tables are not implemented yet.
var errNoMessages = errors.New("messages are not supported by this store version yet")

func (tx *Tx) PutMessage(store.Message) (int64, error) { return 0, errNoMessages }
func (tx *Tx) Message(string) (store.Message, error)   { return store.Message{}, errNoMessages }
func (tx *Tx) MessageByIdempotency(string, string, time.Time) (store.Message, error) {
	return store.Message{}, errNoMessages
}
func (tx *Tx) LeaseMessages(string, time.Time, time.Duration, int, int) ([]store.Message, error) {
	return nil, errNoMessages
}
func (tx *Tx) AckMessage(string, string, time.Time) error { return errNoMessages }
func (tx *Tx) ListMessages(string, store.MessageState, int) ([]store.Message, error) {
	return nil, errNoMessages
}
func (tx *Tx) SetMessageState(string, store.MessageState, time.Time) error { return errNoMessages }
func (tx *Tx) RewriteMessage(string, []byte, []byte, uint32) error         { return errNoMessages }
func (tx *Tx) Usage(string) (store.MailboxUsage, error)                    { return store.MailboxUsage{}, errNoMessages }
func (tx *Tx) DeleteBlob(string) error                                     { return errNoMessages }
