package identity_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
)

func TestLoadOrCreateCA(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st := openStore(t, path)
	kek := newKEK(t)

	first, created, err := identity.LoadOrCreateCA(ctx, st, kek, td)
	if err != nil {
		t.Fatalf("first LoadOrCreateCA: %v", err)
	}
	if !created {
		t.Error("first call: created = false, want true")
	}
	if got, want := first.TrustDomain(), td; got != want {
		t.Errorf("trust domain = %s, want %s", got, want)
	}

	// Load again, also from a fresh connection to the same file.
	for _, st := range []store.Store{st, openStore(t, path)} {
		again, created, err := identity.LoadOrCreateCA(ctx, st, kek, td)
		if err != nil {
			t.Fatalf("second LoadOrCreateCA: %v", err)
		}
		if created {
			t.Error("second call: created = true, want false")
		}
		if got, want := again.Fingerprint(), first.Fingerprint(); got != want {
			t.Errorf("fingerprint = %s, want %s", got, want)
		}
		if !bytes.Equal(again.Intermediate().Raw, first.Intermediate().Raw) {
			t.Error("loaded intermediate differs from the created one")
		}
	}

	var evs []store.Event
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		evs, err = tx.Events(store.EventFilter{Type: "ca.created"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Detail != "root "+first.Fingerprint() || evs[0].Target != "spiffe://example.org" {
		t.Errorf("ca.created events = %+v, want one for root %s", evs, first.Fingerprint())
	}
}

// TestLoadOrCreateCAIssues checks a loaded CA signs SVIDs that verify
// against the bundle of the CA as first created.
func TestLoadOrCreateCAIssues(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	kek := newKEK(t)
	created, _, err := identity.LoadOrCreateCA(ctx, st, kek, td)
	if err != nil {
		t.Fatal(err)
	}
	loaded, _, err := identity.LoadOrCreateCA(ctx, st, kek, td)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ca: created, clock: newClock(epoch)}
	e.clock.Set(created.Intermediate().NotBefore.Add(identity.ClockSkew))
	svid, err := loaded.IssueSVID(newCSR(t, newKey(t)), agentID(t, "a1"), hour, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.checkEnrolled(t, svid, "a1")
}

func TestLoadOrCreateCAMismatch(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	kek := newKEK(t)
	if _, _, err := identity.LoadOrCreateCA(ctx, st, kek, td); err != nil {
		t.Fatal(err)
	}

	t.Run("other kek", func(t *testing.T) {
		ca, _, err := identity.LoadOrCreateCA(ctx, st, newKEK(t), td)
		if !errors.Is(err, keys.ErrKEKMismatch) {
			t.Fatalf("err = %v, want keys.ErrKEKMismatch", err)
		}
		if ca != nil {
			t.Error("returned a CA with the error")
		}
	})
	t.Run("other trust domain", func(t *testing.T) {
		ca, created, err := identity.LoadOrCreateCA(ctx, st, kek, otherTD)
		if err == nil {
			t.Fatal("err = nil, want trust domain mismatch")
		}
		for _, name := range []string{td.Name(), otherTD.Name()} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("err = %q, want it to name %q", err, name)
			}
		}
		if ca != nil || created {
			t.Errorf("returned ca = %v, created = %v with the error", ca, created)
		}
	})

	// Neither failure replaced the stored CA.
	if _, created, err := identity.LoadOrCreateCA(ctx, st, kek, td); err != nil || created {
		t.Errorf("reload: created = %v, err = %v; want the original CA", created, err)
	}
}
