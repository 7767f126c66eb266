package messaging

import (
	"context"
	"fmt"
	"strings"

	"github.com/airlock-hub/airlock/internal/store"
)

// TopicKeysets returns the keyset owner of every topic ("topic/<name>"):
// every subscription's copies are sealed with the topic's keyset.
func (s *Service) TopicKeysets(ctx context.Context) ([]string, error) {
	ts, err := s.Topics(ctx)
	if err != nil {
		return nil, fmt.Errorf("topic keysets: %w", err)
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = TopicKeyset(t.Name)
	}
	return out, nil
}

// TopicKeyset is the keyset owner of topic: "topic/<name>".
func TopicKeyset(topic string) string { return topicOwnerPrefix + topic }

// MailboxesOf returns the mailboxes whose messages are sealed with owner's
// keyset: an agent's own mailbox, or a topic's subscriptions (its
// publication records hold no sealed content).
func (s *Service) MailboxesOf(ctx context.Context, owner string) ([]string, error) {
	topic, ok := strings.CutPrefix(owner, topicOwnerPrefix)
	if !ok {
		return []string{owner}, nil
	}
	var subs []store.Subscription
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		subs, err = tx.Subscriptions(topic)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mailboxes of %s: %w", owner, err)
	}
	out := make([]string, 0, len(subs))
	for _, sub := range subs {
		out = append(out, SubscriptionMailbox(topic, sub.Name))
	}
	return out, nil
}
