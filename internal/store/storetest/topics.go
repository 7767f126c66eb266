package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func checkTopic(t *testing.T, got, want store.Topic) {
	t.Helper()
	if got.Name != want.Name || got.Segment != want.Segment || !sameTime(got.Created, want.Created) || got.CreatedBy != want.CreatedBy {
		t.Errorf("topic:\n got %+v\nwant %+v", got, want)
	}
}

func checkSubscription(t *testing.T, got, want store.Subscription) {
	t.Helper()
	if got.Topic != want.Topic || got.Name != want.Name || got.Owner != want.Owner || !sameTime(got.Created, want.Created) {
		t.Errorf("subscription:\n got %+v\nwant %+v", got, want)
	}
}

func testTopics(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+2", 2*3600)
	orders := store.Topic{Name: "orders", Segment: "finance", Created: time.Date(2025, 3, 14, 1, 2, 3, 456789123, zone), CreatedBy: alice}
	alerts := store.Topic{Name: "älerts 'q'", Segment: "default", Created: base, CreatedBy: alice}
	update(t, s, func(tx store.Tx) error {
		for _, tp := range []store.Topic{orders, alerts} {
			if err := tx.CreateTopic(tp); err != nil {
				return err
			}
		}
		wantErr(t, "create duplicate", tx.CreateTopic(store.Topic{Name: "orders", Segment: "x", Created: base}), store.ErrExists)
		_, err := tx.Topic("missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		// The conflict leaves the transaction usable.
		return tx.CreateTopic(store.Topic{Name: "after", Segment: "default", Created: base})
	})
	orders.Created = orders.Created.Truncate(time.Microsecond).UTC()
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Topic("orders")
		wantErr(t, "get orders", err, nil)
		checkTopic(t, got, orders)
		all, err := tx.Topics()
		wantErr(t, "list", err, nil)
		var names []string
		for _, tp := range all {
			names = append(names, tp.Name)
		}
		if want := []string{"after", "orders", "älerts 'q'"}; !slices.Equal(names, want) {
			t.Errorf("topics: got %q, want %q", names, want)
		}
		return nil
	})
}

func testSubscriptions(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		for _, name := range []string{"orders", "other"} {
			if err := tx.CreateTopic(store.Topic{Name: name, Segment: "default", Created: base, CreatedBy: alice}); err != nil {
				return err
			}
		}
		return nil
	})
	audit := store.Subscription{Topic: "orders", Name: "audit", Owner: alice, Created: base}
	billing := store.Subscription{Topic: "orders", Name: "billing", Owner: bob, Created: base.Add(time.Second)}
	update(t, s, func(tx store.Tx) error {
		for _, sub := range []store.Subscription{billing, audit, {Topic: "other", Name: "audit", Owner: bob, Created: base}} {
			got, err := tx.CreateSubscription(sub)
			if err != nil {
				return err
			}
			checkSubscription(t, got, sub)
		}
		// Subscribing again as the same owner returns the stored one.
		again := audit
		again.Created = base.Add(time.Hour)
		got, err := tx.CreateSubscription(again)
		wantErr(t, "subscribe again", err, nil)
		checkSubscription(t, got, audit)
		_, err = tx.CreateSubscription(store.Subscription{Topic: "orders", Name: "audit", Owner: bob, Created: base})
		wantErr(t, "take another owner's subscription", err, store.ErrExists)
		_, err = tx.CreateSubscription(store.Subscription{Topic: "missing", Name: "audit", Owner: bob, Created: base})
		wantErr(t, "subscribe to a missing topic", err, store.ErrNotFound)
		_, err = tx.Subscription("orders", "missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		// The failures leave the transaction usable.
		_, err = tx.CreateSubscription(store.Subscription{Topic: "other", Name: "late", Owner: bob, Created: base})
		return err
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Subscription("orders", "billing")
		wantErr(t, "get billing", err, nil)
		checkSubscription(t, got, billing)
		subs, err := tx.Subscriptions("orders")
		wantErr(t, "list", err, nil)
		if len(subs) != 2 {
			t.Fatalf("subscriptions of orders: got %d, want 2", len(subs))
		}
		checkSubscription(t, subs[0], audit)
		checkSubscription(t, subs[1], billing)
		none, err := tx.Subscriptions("missing")
		if err != nil || len(none) != 0 {
			t.Errorf("subscriptions of a missing topic: got %v, %v; want none", none, err)
		}
		return nil
	})
}

func testTopicRollback(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateTopic(store.Topic{Name: "orders", Segment: "default", Created: base}); err != nil {
			return err
		}
		if _, err := tx.CreateSubscription(store.Subscription{Topic: "orders", Name: "a", Owner: bob, Created: base}); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "update", err, errTest)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Topic("orders")
		wantErr(t, "topic after rollback", err, store.ErrNotFound)
		_, err = tx.Subscription("orders", "a")
		wantErr(t, "subscription after rollback", err, store.ErrNotFound)
		return nil
	})
}
