package sqlstore

import (
	"errors"
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

const (
	topicCols        = `name, segment, created, created_by`
	subscriptionCols = `topic, name, owner, created`
)

// CreateTopic implements store.Tx.
func (tx *Tx) CreateTopic(t store.Topic) error {
	return tx.insert("topic "+t.Name,
		`INSERT INTO topics (`+topicCols+`) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.Name, t.Segment, tx.d.timeArg(t.Created), t.CreatedBy)
}

func scanTopic(r Rows) (store.Topic, error) {
	var t store.Topic
	err := r.Scan(&t.Name, &t.Segment, timeDest{&t.Created}, &t.CreatedBy)
	return t, err
}

// Topic implements store.Tx.
func (tx *Tx) Topic(name string) (store.Topic, error) {
	var t store.Topic
	err := tx.queryRow(`SELECT `+topicCols+` FROM topics WHERE name = ?`, []any{name},
		func(r Rows) (err error) {
			t, err = scanTopic(r)
			return err
		})
	if err != nil {
		return store.Topic{}, fmt.Errorf("get topic %s: %w", name, err)
	}
	return t, nil
}

// Topics implements store.Tx.
func (tx *Tx) Topics() ([]store.Topic, error) {
	var ts []store.Topic
	err := tx.queryAll(`SELECT `+topicCols+` FROM topics ORDER BY name`, nil, func(r Rows) error {
		t, err := scanTopic(r)
		ts = append(ts, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	return ts, nil
}

// CreateSubscription implements store.Tx. The topic is looked up first so
// that a missing one is store.ErrNotFound rather than a foreign-key
// failure, which would abort a PostgreSQL transaction.
func (tx *Tx) CreateSubscription(s store.Subscription) (store.Subscription, error) {
	if _, err := tx.Topic(s.Topic); err != nil {
		return store.Subscription{}, fmt.Errorf("create subscription %s/%s: %w", s.Topic, s.Name, err)
	}
	err := tx.insert("subscription "+s.Topic+"/"+s.Name,
		`INSERT INTO subscriptions (`+subscriptionCols+`) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		s.Topic, s.Name, s.Owner, tx.d.timeArg(s.Created))
	if err == nil {
		s.Created = normTime(s.Created)
		return s, nil
	}
	if !errors.Is(err, store.ErrExists) {
		return store.Subscription{}, err
	}
	old, gerr := tx.Subscription(s.Topic, s.Name)
	if gerr != nil {
		return store.Subscription{}, gerr
	}
	if old.Owner != s.Owner {
		return store.Subscription{}, err
	}
	return old, nil
}

func scanSubscription(r Rows) (store.Subscription, error) {
	var s store.Subscription
	err := r.Scan(&s.Topic, &s.Name, &s.Owner, timeDest{&s.Created})
	return s, err
}

// Subscription implements store.Tx.
func (tx *Tx) Subscription(topic, name string) (store.Subscription, error) {
	var s store.Subscription
	err := tx.queryRow(`SELECT `+subscriptionCols+` FROM subscriptions WHERE topic = ? AND name = ?`,
		[]any{topic, name}, func(r Rows) (err error) {
			s, err = scanSubscription(r)
			return err
		})
	if err != nil {
		return store.Subscription{}, fmt.Errorf("get subscription %s/%s: %w", topic, name, err)
	}
	return s, nil
}

// Subscriptions implements store.Tx.
func (tx *Tx) Subscriptions(topic string) ([]store.Subscription, error) {
	var ss []store.Subscription
	err := tx.queryAll(`SELECT `+subscriptionCols+` FROM subscriptions WHERE topic = ? ORDER BY name`,
		[]any{topic}, func(r Rows) error {
			s, err := scanSubscription(r)
			ss = append(ss, s)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions of %s: %w", topic, err)
	}
	return ss, nil
}
