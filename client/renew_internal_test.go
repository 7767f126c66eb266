package client

import (
	"crypto/x509"
	"testing"
	"time"
)

func leafValid(notBefore, notAfter time.Time) *Identity {
	return &Identity{Chain: []*x509.Certificate{{NotBefore: notBefore, NotAfter: notAfter}}}
}

// TestRenewAfter: a 1h certificate is renewed 27 to 30 minutes after it
// starts (half its lifetime minus up to 10% jitter), and the jitter varies.
func TestRenewAfter(t *testing.T) {
	nb := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	id := leafValid(nb, nb.Add(time.Hour))
	seen := map[time.Duration]bool{}
	for range 1000 {
		got := renewAfter(id, nb)
		if got < 27*time.Minute || got > 30*time.Minute {
			t.Fatalf("renewAfter at NotBefore: got %s, want between 27m and 30m", got)
		}
		seen[got] = true
	}
	if len(seen) < 100 {
		t.Errorf("renewAfter returned %d distinct waits in 1000 calls, want jitter", len(seen))
	}

	// The wait is measured from now, not from NotBefore.
	now := nb.Add(10 * time.Minute)
	if got := renewAfter(id, now); got < 17*time.Minute || got > 20*time.Minute {
		t.Errorf("renewAfter 10m in: got %s, want between 17m and 20m", got)
	}
	// Past half-life the wait is negative: renew now.
	if got := renewAfter(id, nb.Add(31*time.Minute)); got >= 0 {
		t.Errorf("renewAfter past half-life: got %s, want negative", got)
	}
}

// TestRenewAfterMalformed: leaves with no or inverted validity must not
// panic (rand.Int64N panics on n <= 0); they are renewed at once.
func TestRenewAfterMalformed(t *testing.T) {
	nb := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for name, id := range map[string]*Identity{
		"zero lifetime":    leafValid(nb, nb),
		"NotAfter first":   leafValid(nb, nb.Add(-time.Hour)),
		"one nanosecond":   leafValid(nb, nb.Add(time.Nanosecond)),
		"zero certificate": leafValid(time.Time{}, time.Time{}),
	} {
		t.Run(name, func(t *testing.T) {
			if got := renewAfter(id, nb.Add(time.Second)); got > 0 {
				t.Errorf("renewAfter: got %s, want <= 0", got)
			}
		})
	}
}
