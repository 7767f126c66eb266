package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// writeAll makes one change of every kind, so a test can check that none
// of them survived.
func writeAll(tx store.Tx) error {
	if err := tx.CreatePrincipal(agent("ghost")); err != nil {
		return err
	}
	if err := tx.CreateToken(token("ghost")); err != nil {
		return err
	}
	if err := tx.PutBlob("ghost", []byte("boo")); err != nil {
		return err
	}
	if _, err := tx.PutPolicyVersion(policyVersion("ghost", store.PolicyFile{Name: "g.cedar"})); err != nil {
		return err
	}
	if err := tx.CreateGrant(grant("ghost", `Agent::"ghost"`)); err != nil {
		return err
	}
	if err := tx.CreateAccessRequest(accessRequest("ghost", `Agent::"ghost"`)); err != nil {
		return err
	}
	if err := tx.AddApproval(approval("ghost", "ghost", true, base)); err != nil {
		return err
	}
	if _, err := tx.PutMessage(message("ghost", "agent/ghost")); err != nil {
		return err
	}
	_, err := tx.AppendEvent(sampleEvents[0])
	return err
}

// checkNothingWritten fails t if any change made by writeAll is visible.
func checkNothingWritten(t *testing.T, s store.Store) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		_, err := tx.GetPrincipal(store.KindAgent, "ghost")
		wantErr(t, "get principal", err, store.ErrNotFound)
		_, err = tx.GetToken("ghost")
		wantErr(t, "get token", err, store.ErrNotFound)
		_, err = tx.GetBlob("ghost")
		wantErr(t, "get blob", err, store.ErrNotFound)
		_, err = tx.PolicyVersion(0)
		wantErr(t, "get policy version", err, store.ErrNotFound)
		_, err = tx.Grant("ghost")
		wantErr(t, "get grant", err, store.ErrNotFound)
		_, err = tx.AccessRequest("ghost")
		wantErr(t, "get access request", err, store.ErrNotFound)
		as, err := tx.Approvals("ghost")
		if len(as) != 0 || err != nil {
			t.Errorf("approvals: got %d, %v; want 0, nil", len(as), err)
		}
		_, err = tx.Message("ghost")
		wantErr(t, "get message", err, store.ErrNotFound)
		u, err := tx.Usage("agent/ghost")
		if u != (store.MailboxUsage{}) || err != nil {
			t.Errorf("usage: got %+v, %v; want zero, nil", u, err)
		}
		es, err := tx.Events(store.EventFilter{})
		if len(es) != 0 || err != nil {
			t.Errorf("events: got %d, %v; want 0, nil", len(es), err)
		}
		return nil
	})
}

func testRollbackOnError(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := writeAll(tx); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "update", err, errTest)
	checkNothingWritten(t, s)
	// The rolled-back event's number is reused: the log has no gaps.
	update(t, s, func(tx store.Tx) error {
		seq, err := tx.AppendEvent(sampleEvents[0])
		if seq != 1 {
			t.Errorf("append after rollback: got seq %d, want 1", seq)
		}
		if err != nil {
			return err
		}
		// Likewise the policy version number.
		v, err := tx.PutPolicyVersion(policyVersion("after"))
		if v != 1 {
			t.Errorf("put policy version after rollback: got %d, want 1", v)
		}
		return err
	})
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	func() {
		defer func() {
			if r := recover(); r != "test panic" {
				t.Errorf("recovered %v, want the test panic", r)
			}
		}()
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			panic("test panic")
		})
	}()
	checkNothingWritten(t, s)
	// The store is still writable: the panic released the transaction.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := s.Update(ctx, func(tx store.Tx) error { return tx.PutBlob("after", nil) })
	wantErr(t, "update after panic", err, nil)
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	err := s.View(t.Context(), func(tx store.Tx) error { return tx.PutBlob("x", []byte("y")) })
	if err == nil {
		t.Error("PutBlob in View: got nil error, want one")
	}
	checkNothingWritten(t, s)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.GetBlob("x")
		wantErr(t, "get blob written in View", err, store.ErrNotFound)
		return nil
	})
}

func testCanceledContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	err := s.Update(ctx, func(tx store.Tx) error {
		called = true
		return tx.PutBlob("x", nil)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with canceled context: got %v, want %v", err, context.Canceled)
	}
	if called {
		t.Error("Update with canceled context ran fn")
	}
	err = s.View(ctx, func(store.Tx) error { return nil })
	wantErr(t, "View with canceled context", err, context.Canceled)
}

func testPingAndClose(t *testing.T, s store.Store) {
	wantErr(t, "ping", s.Ping(t.Context()), nil)
	wantErr(t, "close", s.Close(), nil)
	wantErr(t, "close again", s.Close(), nil)
	if err := s.Ping(t.Context()); err == nil {
		t.Error("ping after close: got nil error, want one")
	}
	if err := s.Update(t.Context(), func(store.Tx) error { return nil }); err == nil {
		t.Error("update after close: got nil error, want one")
	}
}

func testTimes(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	times := map[string]time.Time{
		"utc":         base,
		"other zone":  base.In(zone),
		"nanoseconds": time.Date(2025, 1, 2, 3, 4, 5, 123456789, zone),
		"before 1970": time.Date(1969, 7, 20, 20, 17, 40, 1000, time.UTC),
		"far future":  time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		"now":         time.Now(),
	}
	update(t, s, func(tx store.Tx) error {
		for name, tm := range times {
			tok := token(name)
			tok.Created, tok.Expires, tok.Used = tm, tm, tm
			wantErr(t, "create token "+name, tx.CreateToken(tok), nil)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for name, tm := range times {
			want := tm.Truncate(time.Microsecond).UTC()
			tok, err := tx.GetToken(name)
			wantErr(t, "get token "+name, err, nil)
			for _, got := range []time.Time{tok.Created, tok.Expires, tok.Used} {
				if !got.Equal(want) || got.Location() != time.UTC {
					t.Errorf("%s: got %v (%v), want %v in UTC", name, got, got.Location(), want)
				}
			}
		}
		return nil
	})
}
