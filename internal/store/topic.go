package store

import "time"

// Topic is a named channel that fans messages out to its subscriptions.
type Topic struct {
	Name      string
	Segment   string // policy segment: the Topic entity's parent
	Created   time.Time
	CreatedBy string // SPIFFE ID of the creator
}

// Subscription is a durable, named reader of a topic. Each subscription
// has its own mailbox ("sub/<topic>/<name>"), hence its own cursor, leases
// and acks.
type Subscription struct {
	Topic   string
	Name    string
	Owner   string // SPIFFE ID of the subscriber
	Created time.Time
}

// TopicTx holds the topic operations of Tx.
type TopicTx interface {
	// CreateTopic inserts t; ErrExists if its name is taken.
	CreateTopic(t Topic) error
	// Topic returns ErrNotFound if absent.
	Topic(name string) (Topic, error)
	// Topics returns every topic ordered by name.
	Topics() ([]Topic, error)
	// CreateSubscription inserts s and returns it. If (s.Topic, s.Name)
	// exists already with the same Owner it returns the stored one
	// (subscribing is idempotent); with another Owner it fails with
	// ErrExists. ErrNotFound if the topic does not exist.
	CreateSubscription(s Subscription) (Subscription, error)
	// Subscription returns ErrNotFound if absent.
	Subscription(topic, name string) (Subscription, error)
	// Subscriptions returns topic's subscriptions ordered by name.
	Subscriptions(topic string) ([]Subscription, error)
}
